"""``dischargegen templates``: list, check and preview the procedure templates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import api
from .options import settings_options


@click.group("templates")
def templates() -> None:
    """List, check and preview the procedure templates (shipped and the facility's)."""


@templates.command("list")
@settings_options
def list_templates(config_path: Path | None, templates_dir: Path | None) -> None:
    """Every procedure and language, with content version and review date.

    \b
    dischargegen templates list
    dischargegen templates list --templates-dir ./our-templates
    """
    catalog = api.load_settings(config_path, templates_dir).catalog
    rows = [("PROCEDURE", "LANG", "VERSION", "REVIEWED", "REVIEWED BY", "FROM", "TITLE")]
    for procedure in sorted(catalog.procedures.values(), key=lambda p: p.id):
        origin = "shipped" if procedure.shipped else f"facility ({procedure.folder.parent})"
        for language in procedure.languages:
            rows.append(
                (
                    procedure.id,
                    language,
                    procedure.version,
                    procedure.reviewed.isoformat(),
                    procedure.reviewed_by,
                    origin,
                    procedure.title,
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


@templates.command("check")
@click.argument("procedures", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@settings_options
def check(procedures: tuple[str, ...], as_json: bool, config_path: Path | None, templates_dir: Path | None) -> None:
    """Render every template in every variant with sample data and check it.

    Each cause and none, with and without the optional fields, normal and large print. Fails
    (exit status 1) on a Flesch-Kincaid grade above 6.0, more than 2 pages at normal size, a
    sentence over 20 words, a list over 7 items, a Call 911 box that is not first or not on
    page 1, a default without a source, and on any template or metadata error. A review date
    more than 24 months old is a warning.

    \b
    dischargegen templates check
    dischargegen templates check vertebroplasty --json
    dischargegen templates check --templates-dir ./our-templates
    """
    report = api.check_templates(api.load_settings(config_path, templates_dir), procedures)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(api.format_check_report(report))
    if not report.ok:
        raise click.exceptions.Exit(1)


@templates.command("preview")
@click.argument("procedure")
@click.option(
    "--language",
    "--lang",
    "language",
    metavar="CODE",
    default="en",
    show_default=True,
    help="Language of the template.",
)
@click.option("--cause", metavar="CAUSE", help="Show the section for this cause (osteoporosis, cancer, trauma).")
@click.option("--large-print", is_flag=True, help="Body text at 18 pt (up to 4 pages).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="PDF file to write, or - for standard output [default: sample-PROCEDURE-LANG.pdf].",
)
@settings_options
def preview(
    procedure: str,
    language: str,
    cause: str | None,
    large_print: bool,
    output: str | None,
    config_path: Path | None,
    templates_dir: Path | None,
) -> None:
    """Write a sample handout for an educator to read, marked as a sample on every page.

    Every optional field is filled with sample data, so every optional line shows.

    \b
    dischargegen templates preview vertebroplasty --cause osteoporosis -o sample.pdf
    """
    pdf, name = api.preview_pdf(procedure, language, cause, large_print, api.load_settings(config_path, templates_dir))
    if output == "-":
        sys.stdout.buffer.write(pdf)
        return
    api.write_atomic(Path(output or name), pdf)
    click.echo(f"Wrote {output or name} (a sample, marked on every page)", err=True)
