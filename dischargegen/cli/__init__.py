"""The ``dischargegen`` command: a thin Click layer over :mod:`dischargegen.api`.

Only Click is imported at start; each command imports the library when it runs. Errors the
user can fix print as one line (``Error: field: message``) with exit status 2 (1 for output
errors); nothing prints a traceback unless ``DISCHARGEGEN_DEBUG`` is set. Ctrl-C prints one
line saying what was written (exit status 130; 143 for a batch stopped by SIGTERM). When the
reader of standard output goes away (``dischargegen procedures | head -1``) the program ends
quietly with exit status 141, as a program killed by SIGPIPE would.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Any

import click

from .. import __version__

# name -> (module in this package, attribute, the one line that `dischargegen --help` shows).
# Modules load only when their command runs, so that `--help` costs little more than Click.
COMMANDS = {
    "make": ("make", "make", "Make one patient's handout."),
    "procedures": ("make", "procedures", "List the procedures that can be made, with each default in force."),
    "from-fhir": ("ehr", "from_fhir", "Make the handout from a FHIR R4 Bundle."),
    "from-hl7": ("ehr", "from_hl7", "Make the handout from an HL7 v2 ADT^A03 message."),
    "batch": ("ehr", "batch", "Make handouts for many inputs."),
    "templates": ("templates", "templates", "List, check and preview the procedure templates."),
    "serve": ("serve", "serve", "Run the web form, the HTTP API, the MLLP listener and CDS Hooks."),
}


class Group(click.Group):
    """Loads commands on demand, and turns the library's errors into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][2]) for name in self.list_commands(ctx)])

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import DischargeError, describe  # deferred for start-up speed (--help)

        try:
            return super().invoke(ctx)
        except DischargeError as exc:
            click.echo(f"Error: {describe(exc, self._option_names(ctx))}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:  # its text, when it has one, says what was written
            click.echo(f"Interrupted: {str(exc) or 'nothing was written.'}", err=True)
            ctx.exit(128 + int(getattr(exc, "signum", 2)))
        except BrokenPipeError:
            _silence_broken_pipe()
            ctx.exit(141)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("DISCHARGEGEN_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({type(exc).__name__}); set DISCHARGEGEN_DEBUG=1 to see details", err=True
            )
            ctx.exit(70)

    def _option_names(self, ctx: click.Context) -> dict[str, str]:
        """The options of the command that ran, to phrase what would resolve an error."""
        command = self.get_command(ctx, ctx.invoked_subcommand) if ctx.invoked_subcommand else None
        if command is None:
            return {}
        from .options import option_names  # deferred for start-up speed (--help)

        return option_names(command)


def _silence_broken_pipe() -> None:
    """Point standard output and error at /dev/null: their reader is gone, and what is still
    buffered must not fail again, loudly, when Python flushes it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):  # not a real file (a test's capture)
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


def _help_width() -> int:
    """The width of help text, as Click computes it, without Click importing shutil for it."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):
            columns = 80
    return max(min(columns, 100) - 2, 50)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "terminal_width": _help_width()})
@click.version_option(__version__, prog_name="dischargegen")
def main() -> None:
    """Make personal, printable discharge handouts (PDF) for a patient."""
