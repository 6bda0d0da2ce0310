"""``dischargegen templates``: list, check and preview the procedure templates."""

from __future__ import annotations

from pathlib import Path

import click

_CONFIG = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                       help="Facility config TOML (its templates_dir and default values are used).")
_TEMPLATES_DIR = click.option("--templates-dir", type=click.Path(file_okay=False, path_type=Path),
                              help="Facility templates folder: adds procedures or overrides shipped ones.")


def _settings(config_path: Path | None, templates_dir: Path | None):  # type: ignore[no-untyped-def]
    from ..api import load_settings

    return load_settings(config_path, templates_dir)


@click.group("templates")
def templates() -> None:
    """List, check and preview the procedure templates (shipped and the facility's)."""


@templates.command("list")
@_CONFIG
@_TEMPLATES_DIR
def list_templates(config_path: Path | None, templates_dir: Path | None) -> None:
    """Every procedure and language, with content version and review date.

    \b
    dischargegen templates list
    dischargegen templates list --templates-dir ./our-templates
    """
    from ..content.catalog import SHIPPED_TEMPLATES

    catalog = _settings(config_path, templates_dir).catalog
    rows = [("PROCEDURE", "LANG", "VERSION", "REVIEWED", "REVIEWED BY", "FROM", "TITLE")]
    for procedure in sorted(catalog.procedures.values(), key=lambda p: p.id):
        origin = "shipped" if procedure.folder.parent == SHIPPED_TEMPLATES else f"facility ({procedure.folder.parent})"
        for language in procedure.languages:
            rows.append((procedure.id, language, procedure.version, procedure.reviewed.isoformat(),
                         procedure.reviewed_by, origin, procedure.title))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


@templates.command("check")
@click.argument("procedures", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_TEMPLATES_DIR
@_CONFIG
def check(procedures: tuple[str, ...], as_json: bool, templates_dir: Path | None, config_path: Path | None) -> None:
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
    import json

    from ..config import load_config
    from ..content.checks import check_templates, format_table

    report = check_templates(load_config(config_path), templates_dir, procedures)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(report))
    if not report.ok:
        raise click.exceptions.Exit(1)


@templates.command("preview")
@click.argument("procedure")
@click.option("--lang", "language", default="en", show_default=True, help="Language of the template.")
@click.option("--cause", help="Show the section for this cause (osteoporosis, cancer, trauma).")
@click.option("--large-print", is_flag=True, help="Body text at 18 pt.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="PDF file to write, or - for standard output [default: sample-PROCEDURE-LANG.pdf].")
@_TEMPLATES_DIR
@_CONFIG
def preview(procedure: str, language: str, cause: str | None, large_print: bool, output: str | None,
            templates_dir: Path | None, config_path: Path | None) -> None:
    """Write a sample handout for an educator to read, marked as a sample on every page.

    Every optional field is filled with sample data, so every optional line shows.

    \b
    dischargegen templates preview vertebroplasty --cause osteoporosis -o sample.pdf
    """
    from ..content.checks import Variant, sample_handout
    from ..errors import InputError
    from ..layout.render import render
    from ..model import RenderOptions
    from ..sinks.files import write_atomic

    settings = _settings(config_path, templates_dir)
    proc = settings.catalog.get(procedure)
    if language not in proc.languages:
        raise InputError("lang", f"no {proc.id} template in {language!r} (there is: {', '.join(proc.languages)})")
    if cause is not None and cause.lower() not in proc.causes:
        raise InputError("cause", f"unknown cause {cause!r} (known: {', '.join(proc.causes)})")
    variant = Variant(cause.lower() if cause else None, True, large_print)
    handout = sample_handout(proc, language, variant, settings.config, settings.catalog)
    pdf = render(handout, proc, settings.catalog, RenderOptions(large_print=large_print, sample=True))
    if output == "-":
        click.get_binary_stream("stdout").write(pdf)
        return
    name = output or f"sample-{proc.id}-{language}{'-' + variant.cause if variant.cause else ''}{'-large' if large_print else ''}.pdf"
    write_atomic(Path(name), pdf)
    click.echo(f"Wrote {name} (a sample, marked on every page)", err=True)
