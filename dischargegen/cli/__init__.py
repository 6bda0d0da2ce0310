"""The ``dischargegen`` command: a thin Click layer over :mod:`dischargegen.api`.

Only Click is imported at start; each command imports the library when it runs. Errors the
user can fix print as one line (``Error: field: message``) with exit status 2; nothing prints
a traceback unless ``DISCHARGEGEN_DEBUG`` is set.
"""

from __future__ import annotations

import os
from typing import Any

import click

from .. import __version__


class Group(click.Group):
    """Turns the library's errors into one-line messages and exit statuses."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..errors import DischargeError

        try:
            return super().invoke(ctx)
        except DischargeError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing was written.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("DISCHARGEGEN_DEBUG"):
                raise
            click.echo(f"Error: internal error ({type(exc).__name__}); set DISCHARGEGEN_DEBUG=1 to see details", err=True)
            ctx.exit(70)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dischargegen")
def main() -> None:
    """Make personal, printable discharge handouts (PDF) for a patient."""


from . import make as _make  # noqa: E402,F401  (registers the commands)
from . import ehr as _ehr  # noqa: E402,F401  (from-fhir, from-hl7, batch)
from . import templates as _templates  # noqa: E402,F401
