"""The options every handout-making command shares (make, from-fhir, from-hl7, batch), and the
steps they share: collect the facts given explicitly, load the settings, deliver the PDF."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from .. import api
from ..api import FACT_FIELDS, Cause, Handout, PageSize, PdfProfile, RenderOptions, Settings
from ..errors import InputError

DATE = "DATE"
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def fact_options(*, from_record: bool) -> dict[str, Decorator]:
    """The options that give facts, by fact. ``from_record``: the command reads an EHR record,
    which decides the procedure and the language unless these options are given."""
    procedure_default = "from the record's procedure code" if from_record else "kyphoplasty"
    language_default = "the patient's language in the record, else en" if from_record else "en"
    return {
        "name": click.option("--name", help="Patient's name as it should print, e.g. \"Raeann O'Kon\"."),
        "date": click.option("--date", "date", metavar=DATE, help="Procedure date: YYYY-MM-DD or 'today'."),
        "procedure": click.option(
            "--procedure",
            metavar="ID",
            help=f"Procedure template to use (default: {procedure_default}). See 'dischargegen procedures'.",
        ),
        "dob": click.option("--dob", metavar=DATE, help="Date of birth, YYYY-MM-DD (prints in the header)."),
        "mrn": click.option("--mrn", help="Medical record number (prints in the header and names the file)."),
        "level": click.option("--level", help="Vertebral level treated, e.g. T12."),
        "cause": click.option(
            "--cause", metavar=f"[{'|'.join(Cause)}]", help="Cause of the fracture (adds its section)."
        ),
        "surgeon": click.option("--surgeon", help='Who did the procedure, e.g. "Dr. Ann Smith".'),
        "follow_up": click.option(
            "--follow-up", "follow_up", metavar='"DATE HH:MM"', help='Follow-up visit: "YYYY-MM-DD HH:MM".'
        ),
        "follow_up_with": click.option(
            "--follow-up-with", "follow_up_with", help='Whom the follow-up visit is with, e.g. "Dr. Lee, spine clinic".'
        ),
        "phone": click.option(
            "--phone", metavar="NUMBER", help="Number to call about problems, in the day (default: the facility's)."
        ),
        "phone_24h": click.option(
            "--phone-24h", "phone_24h", metavar="NUMBER", help="Number to call at any hour (default: the facility's)."
        ),
        "clinic": click.option("--clinic", help='Whom --phone reaches, e.g. "the spine clinic".'),
        "medications": click.option(
            "--medication",
            "medications",
            multiple=True,
            metavar="NAME|HOW MUCH|WHEN|WHAT FOR",
            help='A discharge medicine, e.g. "Acetaminophen 500 mg|2 tablets|every 6 hours|pain". Repeatable.',
        ),
        "restrictions": click.option(
            "--restriction",
            "restrictions",
            multiple=True,
            metavar="KIND=[LIMIT:]DURATION",
            help="Change a restriction (lifting=10lb:6w, driving=2d) or add one (custom=No golf:4w). Repeatable.",
        ),
        "no_restrictions": click.option(
            "--no-restriction",
            "no_restrictions",
            multiple=True,
            metavar="KIND",
            help="Leave out one of the procedure's default restrictions. Repeatable.",
        ),
        "blood_thinner_restart": click.option(
            "--blood-thinner-restart",
            "blood_thinner_restart",
            metavar=DATE,
            help="Date to restart blood thinners, YYYY-MM-DD (else: ask before you restart).",
        ),
        "language": click.option(
            "--language",
            "--lang",
            "language",
            metavar="CODE",
            help=f"Language of the handout, e.g. en (default: {language_default}).",
        ),
    }


RENDER_OPTIONS: list[Decorator] = [
    click.option("--large-print", is_flag=True, default=None, help="Body text at 18 pt (up to 4 pages)."),
    click.option(
        "--page-size",
        type=click.Choice(list(PageSize), case_sensitive=False),
        help="Paper size (default: the facility's, else Letter).",
    ),
    click.option(
        "--deterministic", is_flag=True, help="Identical bytes for identical input (also set by SOURCE_DATE_EPOCH)."
    ),
    click.option(
        "--pdf-profile",
        type=click.Choice([profile.value for profile in PdfProfile], case_sensitive=False),
        help="PDF/A-2u and PDF/UA-1 (tagged), PDF/A-2b, or plain (default: the facility's, else pdfa-2u+ua-1).",
    ),
]
SETTINGS_OPTIONS: list[Decorator] = [
    click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Facility config TOML (default: $DISCHARGEGEN_CONFIG or ~/.config/dischargegen/config.toml).",
    ),
    click.option(
        "--templates-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Facility templates folder: adds procedures or overrides shipped ones.",
    ),
]
DELIVERY_OPTIONS: list[Decorator] = [
    click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="PDF file to write, or - for standard output. Default: <procedure>-<date>-<MRN>.pdf.",
    ),
    click.option("--print", "to_printer", is_flag=True, help="Send the PDF to the printer through CUPS (lp)."),
    click.option("--printer", help="CUPS printer name (default: the default printer). Implies --print."),
    click.option("--copies", type=click.IntRange(1, 99), help="Copies to print (with --print; default 1)."),
]


def apply(options: list[Decorator], command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(options):
        command = option(command)
    return command


def handout_options(*, from_record: bool = False) -> Decorator:
    """Add the fact, render, settings and delivery options to a command."""
    facts = list(fact_options(from_record=from_record).values())
    return lambda command: apply(facts + RENDER_OPTIONS + SETTINGS_OPTIONS + DELIVERY_OPTIONS, command)


def settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--config`` and ``--templates-dir``."""
    return apply(SETTINGS_OPTIONS, command)


def option_names(command: click.Command) -> dict[str, str]:
    """How a command's user names each parameter: its longest option (``--procedure-id``)."""
    return {str(p.name): max(p.opts, key=len) for p in command.params if isinstance(p, click.Option)}


def explicit_facts(params: dict[str, Any]) -> dict[str, Any]:
    """The facts given on the command line; absent options are left out, so they don't win."""
    return {
        key: (list(params[key]) if isinstance(params[key], tuple) else params[key])
        for key in FACT_FIELDS
        if params.get(key) not in (None, ())
    }


def merge_facts(base: dict[str, Any], explicit: dict[str, Any]) -> dict[str, Any]:
    """``explicit`` wins over ``base``; restrictions accumulate, the explicit ones last so they win."""
    merged = {**base, **explicit}
    for key in ("restrictions", "no_restrictions"):
        if key in base and key in explicit:
            merged[key] = [*base[key], *explicit[key]]
    return merged


def load(params: dict[str, Any]) -> Settings:
    """The settings the options name; checks first the delivery options, before any work is done."""
    if params.get("copies") is not None and not (params.get("to_printer") or params.get("printer")):
        raise InputError("copies", "--copies needs --print or --printer")
    return api.load_settings(params.get("config_path"), params.get("templates_dir"))


def render_options(params: dict[str, Any], large_print: bool = False) -> RenderOptions:
    """The render options from the command line and ``SOURCE_DATE_EPOCH`` (read here, once)."""
    given = params.get("large_print")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    created = datetime.fromtimestamp(int(epoch), tz=UTC) if epoch.isdigit() else None
    return RenderOptions(
        large_print=bool(given if given is not None else large_print),
        page_size=PageSize(params["page_size"].lower()) if params.get("page_size") else None,
        deterministic=bool(params.get("deterministic") or epoch),
        created=created,
        pdf_profile=PdfProfile(params["pdf_profile"].lower()) if params.get("pdf_profile") else None,
    )


def warn(handout: Handout) -> None:
    for message in handout.warnings:
        click.echo(f"Warning: {message}", err=True)


def deliver(pdf: bytes, handout: Handout, params: dict[str, Any]) -> Path | None:
    """Write and/or print the PDF as the options say; returns the file written, if any.

    With -o the file is written first, so that it is kept when printing fails. Without -o,
    --print only prints; otherwise the file gets the default name in the current folder.
    """
    output = params.get("output")
    printing = bool(params.get("to_printer") or params.get("printer"))
    written: Path | None = None
    if output == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
    elif output or not printing:
        written = Path(output) if output else Path(api.default_filename(handout))
        api.write_atomic(written, pdf)
        click.echo(f"Wrote {written}", err=True)
    if printing:
        try:
            copies = params.get("copies") or 1
            job = api.print_pdf(pdf, printer=params.get("printer"), copies=copies, title="Discharge handout")
        except KeyboardInterrupt:
            if written is None:
                raise
            raise KeyboardInterrupt(f"{written} written; not printed") from None
        click.echo(f"Sent to the printer: job {job}", err=True)
    return written
