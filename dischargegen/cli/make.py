"""``dischargegen make`` and ``dischargegen procedures``."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from .. import api
from .options import deliver, explicit_facts, handout_options, load, merge_facts, render_options, settings_options, warn


@click.command()
@click.option(
    "--input",
    "input_file",
    type=click.File("rb"),
    help="JSON file of facts (keys are the long option names), or - for standard input.",
)
@handout_options()
def make(input_file: IO[bytes] | None, **params: Any) -> None:
    """Make one patient's handout.

    \b
    dischargegen make --name "Raeann O'Kon" --date 2026-11-24 -o handout.pdf
    dischargegen make --input patient.json -o -
    """
    facts: dict[str, Any] = {}
    large_print = False
    if input_file is not None:
        facts, large_print = api.read_facts_json(input_file)
    settings = load(params)
    handout = api.make_handout(merge_facts(facts, explicit_facts(params)), settings)
    pdf = api.render_pdf(handout, settings, render_options(params, large_print))
    warn(handout)  # once the handout is made: an error stays the one line it is
    deliver(pdf, handout, params)


@click.command()
@settings_options
def procedures(config_path: Path | None, templates_dir: Path | None) -> None:
    """List the procedures that can be made, with each default in force and where it comes from.

    \b
    dischargegen procedures
    dischargegen procedures --config facility.toml
    """
    settings = load({"config_path": config_path, "templates_dir": templates_dir})
    units = settings.config.facility.units
    for procedure in sorted(settings.catalog.procedures.values(), key=lambda p: p.id):
        click.echo(
            f"{procedure.id}: {procedure.title} (version {procedure.version}, reviewed "
            f"{procedure.reviewed.isoformat()} by {procedure.reviewed_by})"
        )
        drafts = [code for code, t in procedure.translations.items() if t.draft]
        reviewed = [code for code in procedure.languages if code not in drafts]
        languages = ", ".join(reviewed) + (f" (draft: {', '.join(drafts)})" if drafts else "")
        click.echo(f"  languages: {languages}; causes: {', '.join(procedure.causes)}")
        codes = "; ".join(
            f"{system} {', '.join(values)}" for system, values in api.procedure_codes(procedure, settings).items()
        )
        if codes:
            click.echo(f"  codes: {codes}")
        for d in api.restriction_defaults(procedure, settings.config).values():
            click.echo(f"  restriction {d.kind}: {api.default_words(d, units)}  [{api.default_origin(d)}]")
        for d in api.timeline_defaults(procedure, settings.config).values():
            click.echo(
                f"  timeline {d.kind}: {api.duration_words(d.duration)} after the procedure  [{api.default_origin(d)}]"
            )
