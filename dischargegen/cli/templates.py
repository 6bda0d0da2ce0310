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
    """Every procedure and language, with its review status, content version and review date.

    A translation shows the English version it translates, and its review: "not reviewed"
    for a draft, else the reviewer's role and date.

    \b
    dischargegen templates list
    dischargegen templates list --templates-dir ./our-templates
    """
    catalog = api.load_settings(config_path, templates_dir).catalog
    rows = [("PROCEDURE", "LANG", "STATUS", "VERSION", "REVIEWED", "REVIEWED BY", "FROM", "TITLE")]
    for procedure in sorted(catalog.procedures.values(), key=lambda p: p.id):
        origin = "shipped" if procedure.shipped else f"facility ({procedure.folder.parent})"
        for language in sorted(procedure.languages, key=lambda code: (code != "en", code)):
            translation = procedure.translations.get(language)
            if translation is None:
                review = ("source", procedure.version, procedure.reviewed.isoformat(), procedure.reviewed_by)
            else:
                when = translation.reviewed.isoformat() if translation.reviewed else "-"
                who = translation.reviewer_role or "not reviewed"
                review = (translation.status, translation.source_version, when, who)
            rows.append((procedure.id, language, *review, origin, procedure.title_in(language)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


@templates.command("check")
@click.argument("procedures", nargs=-1)
@click.option(
    "--language", "--lang", "languages", multiple=True, metavar="CODE", help="Check only this language (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@settings_options
def check(
    procedures: tuple[str, ...],
    languages: tuple[str, ...],
    as_json: bool,
    config_path: Path | None,
    templates_dir: Path | None,
) -> None:
    """Render every template in every variant with sample data and check it.

    Each cause and none, with and without the optional fields, normal and large print. Fails
    (exit status 1) on a reading measure past its limit (English: a Flesch-Kincaid grade above
    6.0; Spanish: a Fernández Huerta score below 70...), more than 2 pages at normal size, a
    sentence over the language's limit (English: 20 words), a list over 7 items, a Call 911 box
    that is not first or not on page 1, a default without a source, a translation that differs
    from English (parity), and on any template or metadata error. A review date more than 24
    months old is a warning. The table shows each template's review status.

    \b
    dischargegen templates check
    dischargegen templates check vertebroplasty --lang es --json
    dischargegen templates check --templates-dir ./our-templates
    """
    settings = api.load_settings(config_path, templates_dir)
    report = api.check_templates(settings, procedures, languages=languages)
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
