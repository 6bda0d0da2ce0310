"""The options every handout-making command shares (make, from-fhir, from-hl7), and the steps
they share: collect the facts given explicitly, load the settings, deliver the PDF.

Only Click is imported here; the library is imported inside the functions.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pathlib import Path

    from ..api import Settings
    from ..model import Handout, RenderOptions

FACT_OPTIONS = [
    click.option("--name", help="Patient's name as it should print, e.g. \"Raeann O'Kon\"."),
    click.option("--date", "date", help="Procedure date: YYYY-MM-DD or 'today'."),
    click.option("--procedure", help="Procedure template to use (default: kyphoplasty). See 'dischargegen procedures'."),
    click.option("--dob", help="Date of birth, YYYY-MM-DD (prints in the header)."),
    click.option("--mrn", help="Medical record number (prints in the header and names the file)."),
    click.option("--level", help="Vertebral level treated, e.g. T12."),
    click.option("--cause", help="Cause of the fracture: osteoporosis, cancer or trauma (adds its section)."),
    click.option("--surgeon", help="Who did the procedure, e.g. \"Dr. Ann Smith\"."),
    click.option("--follow-up", "follow_up", help="Follow-up visit: \"YYYY-MM-DD HH:MM\"."),
    click.option("--restriction", "restrictions", multiple=True, metavar="KIND=[LIMIT:]DURATION",
                 help="Change a restriction (lifting=10lb:6w, driving=2d) or add one (custom=No golf:4w). Repeatable."),
    click.option("--no-restriction", "no_restrictions", multiple=True, metavar="KIND",
                 help="Leave out one of the procedure's default restrictions. Repeatable."),
    click.option("--blood-thinner-restart", "blood_thinner_restart",
                 help="Date to restart blood thinners, YYYY-MM-DD (else: ask before you restart)."),
    click.option("--language", "--lang", "language", help="Language of the handout, e.g. en (default: en)."),
]

OUTPUT_OPTIONS = [
    click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
                 help="PDF file to write, or - for standard output. Default: <procedure>-<date>-<MRN>.pdf."),
    click.option("--large-print", is_flag=True, default=None, help="Body text at 18 pt (more pages are fine)."),
    click.option("--page-size", type=click.Choice(["letter", "a4"], case_sensitive=False),
                 help="Paper size (default: the facility's, else Letter)."),
    click.option("--deterministic", is_flag=True, help="Identical bytes for identical input (also set by SOURCE_DATE_EPOCH)."),
    click.option("--config", "config_path", type=click.Path(dir_okay=False),
                 help="Facility config TOML (default: $DISCHARGEGEN_CONFIG or ~/.config/dischargegen/config.toml)."),
    click.option("--templates-dir", type=click.Path(file_okay=False),
                 help="Facility templates folder: adds procedures or overrides shipped ones."),
    click.option("--print", "to_printer", is_flag=True, help="Send the PDF to the printer through CUPS (lp)."),
    click.option("--printer", help="CUPS printer name (default: the default printer). Implies --print."),
    click.option("--copies", type=click.IntRange(1, 99), default=1, show_default=True, help="Copies to print."),
]


def handout_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the fact options and the output options to a command."""
    for option in reversed(FACT_OPTIONS + OUTPUT_OPTIONS):
        command = option(command)
    return command


FACT_KEYS = ("name", "date", "procedure", "dob", "mrn", "level", "cause", "surgeon", "follow_up",
             "restrictions", "no_restrictions", "blood_thinner_restart", "language")


def explicit_facts(params: dict[str, Any]) -> dict[str, Any]:
    """The facts given on the command line; absent options are left out, so they don't win."""
    return {key: (list(params[key]) if isinstance(params[key], tuple) else params[key])
            for key in FACT_KEYS if params.get(key) not in (None, ())}


def merge_facts(base: dict[str, Any], explicit: dict[str, Any]) -> dict[str, Any]:
    """``explicit`` wins over ``base``; restrictions accumulate, the explicit ones last so they win."""
    merged = {**base, **explicit}
    for key in ("restrictions", "no_restrictions"):
        if key in base and key in explicit:
            merged[key] = [*base[key], *explicit[key]]
    return merged


def load(params: dict[str, Any]) -> Settings:
    from pathlib import Path

    from ..api import load_settings

    config, templates = params.get("config_path"), params.get("templates_dir")
    return load_settings(Path(config) if config else None, Path(templates) if templates else None)


def render_options(params: dict[str, Any], large_print: bool = False) -> RenderOptions:
    from ..model import RenderOptions

    given = params.get("large_print")
    return RenderOptions(
        large_print=bool(given if given is not None else large_print),
        page_size=params["page_size"].lower() if params.get("page_size") else None,
        deterministic=bool(params.get("deterministic")),
    )


def warn(handout: Handout) -> None:
    for message in handout.warnings:
        click.echo(f"Warning: {message}", err=True)


def deliver(pdf: bytes, handout: Handout, params: dict[str, Any]) -> Path | None:
    """Write and/or print the PDF as the options say; returns the file written, if any.

    With -o the file is written first, so that it is kept when printing fails. Without -o,
    --print only prints; otherwise the file gets the default name in the current folder.
    """
    from pathlib import Path

    from ..sinks.files import default_filename, write_atomic

    output = params.get("output")
    printing = bool(params.get("to_printer") or params.get("printer"))
    written: Path | None = None
    if output == "-":
        stdout = sys.stdout.buffer
        stdout.write(pdf)
        stdout.flush()
    elif output or not printing:
        written = Path(output) if output else Path(default_filename(handout))
        write_atomic(written, pdf)
        click.echo(f"Wrote {written}", err=True)
    if printing:
        from ..sinks.printer import print_pdf

        job = print_pdf(pdf, printer=params.get("printer"), copies=params["copies"], title="Discharge handout")
        click.echo(f"Sent to the printer: job {job}", err=True)
    return written
