"""``dischargegen from-fhir``, ``from-hl7`` and ``batch``: the EHR export hook."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from pathlib import Path
from typing import Any

import click

from .. import api
from ..api import InputKind
from ..errors import InputError, OutputError
from .options import (
    RENDER_OPTIONS,
    SETTINGS_OPTIONS,
    apply,
    deliver,
    explicit_facts,
    fact_options,
    handout_options,
    load,
    option_names,
    render_options,
    warn,
)

WRITEBACK_HELP = "Write the FHIR R4 DocumentReference (type LOINC 69730-0, the PDF inline) to FILE."


# The options of from-fhir and from-hl7 that name a file to write, in the order they are checked.
WRITEBACK_OPTIONS = {"document_reference": "--document-reference", "bundle": "--bundle-out", "mdm": "--mdm"}
# The MDM's OBX-5 type of data, the same for from-hl7 and batch.
MDM_ED_TYPE = click.option(
    "--mdm-ed-type",
    type=click.Choice(["AP", "application"]),
    default="AP",
    show_default=True,
    help="OBX-5 type of data: ^AP^PDF^Base64^ or, for receivers that want a MIME type, ^application^pdf^Base64^.",
)


def _run(
    kind: InputKind,
    source: str,
    params: dict[str, Any],
    writebacks: dict[str, str | None],
    procedure_id: str | None = None,
) -> None:
    targets = [(WRITEBACK_OPTIONS[key], path) for key, path in writebacks.items() if path]
    _distinct_files(source, [("--output", params.get("output")), *targets])  # before anything is read
    data = api.read_input(source)
    settings = load(params)
    wants = api.wants(
        document_reference=bool(writebacks.get("document_reference")),
        bundle_out=bool(writebacks.get("bundle")),
        mdm=bool(writebacks.get("mdm")),
        mdm_ed_type=params.get("mdm_ed_type") or "AP",
    )
    out = api.convert(
        data, kind, settings, explicit_facts(params), render_options(params), wants, procedure_id=procedure_id
    )
    if not params.get("output") and not (params.get("to_printer") or params.get("printer")):
        _distinct_files(source, [("the handout's default name", out.filename), *targets])
    warn(out.handout)
    written: list[str] = []
    try:
        pdf = deliver(out.pdf, out.handout, params)  # the handout first: no write-back for an undelivered PDF
        if pdf is not None:
            written.append(str(pdf))
        for key, value in (("document_reference", out.document_reference), ("bundle", out.bundle), ("mdm", out.mdm)):
            target = writebacks.get(key)
            if target == "-" and value is not None:
                sys.stdout.buffer.write(value)
                sys.stdout.buffer.flush()
            elif target and value is not None:
                api.write_atomic(Path(target), value)
                written.append(target)
                click.echo(f"Wrote {target}", err=True)
    except KeyboardInterrupt:
        if not written:
            raise  # "nothing was written"
        left = [path for _, path in targets if path not in written]
        detail = f"{', '.join(written)} written" + (f"; {', '.join(left)} not written" if left else "")
        raise KeyboardInterrupt(detail) from None


def _distinct_files(source: str, outputs: list[tuple[str, str | None]]) -> None:
    """Refuse two outputs, or an output and the input, that are one file (after links and
    ``..`` are resolved): the later write would replace the earlier one, or the input."""
    seen = [("the input", source)] if source != "-" else []
    to_stdout = [option for option, path in outputs if path == "-"]
    if len(to_stdout) > 1:
        raise InputError(to_stdout[1], f"- (standard output) is taken by {to_stdout[0]}: give one of them a file")
    for option, path in outputs:
        if not path or path == "-":
            continue
        for other, earlier in seen:
            if _same_file(path, earlier):
                where = other if earlier == path else f"{other} ({earlier})"
                raise InputError(option, f"{path} is the same file as {where}")
        seen.append((option, path))


def _same_file(first: str, second: str) -> bool:
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    with contextlib.suppress(OSError, ValueError):
        return os.path.samefile(first, second)  # hard links
    return False


@click.command("from-fhir")
@click.argument("bundle", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--procedure-id",
    metavar="ID",
    help="Use the Procedure with this id or fullUrl (default: the latest completed one whose code is mapped).",
)
@click.option(
    "--document-reference",
    "docref",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE",
    help=WRITEBACK_HELP,
)
@click.option(
    "--bundle-out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write a transaction Bundle that POSTs a Binary (the PDF) and a DocumentReference pointing at it.",
)
@handout_options(from_record=True)
def from_fhir(bundle: str, procedure_id: str | None, docref: str | None, bundle_out: str | None, **params: Any) -> None:
    """Make the handout from a FHIR R4 Bundle (a file, or - for standard input).

    Takes the Patient, the latest completed Procedure whose code is in the procedure code map
    (CPT 22513-22515 kyphoplasty, 22510-22512 vertebroplasty, plus the config's [codes]), its
    date, body site, performer, Encounter and Organization phone, the first booked Appointment
    after it, and active discharge MedicationRequests. Options given explicitly win; for a
    Bundle with no mapped Procedure, give --procedure and --date.

    \b
    dischargegen from-fhir bundle.json -o handout.pdf --document-reference docref.json
    dischargegen from-fhir - --bundle-out writeback.json < bundle.json
    """
    _run(InputKind.FHIR, bundle, params, {"document_reference": docref, "bundle": bundle_out}, procedure_id)


@click.command("from-hl7")
@click.argument("message", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--mdm",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write an HL7 v2.5.1 MDM^T02 (PID/PV1 from the input, TXA, OBX of type ED with the PDF) to FILE.",
)
@MDM_ED_TYPE
@handout_options(from_record=True)
def from_hl7(message: str, mdm: str | None, **params: Any) -> None:
    """Make the handout from an HL7 v2 ADT^A03 message (a file, or - for standard input).

    Plain or MLLP-framed; CR, LF or CRLF segment endings. Reads PID-3 (MR), PID-5, PID-7, PID-15
    and PR1-3/PR1-5/PR1-11. Without a PR1 whose code is mapped, give --procedure and --date.

    \b
    dischargegen from-hl7 adt_a03.hl7 -o handout.pdf --mdm mdm_t02.hl7
    """
    _run(InputKind.HL7, message, params, {"mdm": mdm})


# The facts that may apply to every patient in a batch: not the patient's own (name, birth
# date, MRN, level, surgeon, follow-up), which each record holds.
BATCH_FACTS = {
    "procedure", "date", "cause", "restrictions", "no_restrictions", "blood_thinner_restart", "language", "phone",
    "phone_24h", "clinic",
}  # fmt: skip


def _batch_options(command: Any) -> Any:
    """The make options that apply to a whole batch: not -o, --print or per-patient facts."""
    facts = [option for fact, option in fact_options(from_record=True).items() if fact in BATCH_FACTS]
    return apply(facts + RENDER_OPTIONS + SETTINGS_OPTIONS, command)


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the handouts and write-backs (created if missing).",
)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Worker processes (default: the number of cores).")
@click.option("--document-reference", "docref", is_flag=True, help="Also write <name>.docref.json for each FHIR input.")
@click.option(
    "--bundle-out", is_flag=True, help="Also write <name>.bundle.json (transaction Bundle) for each FHIR input."
)
@click.option("--mdm", is_flag=True, help="Also write <name>.mdm.hl7 (MDM^T02) for each HL7 input.")
@MDM_ED_TYPE
@click.option("--skip-existing", is_flag=True, help="Skip an input whose outputs already exist (a cheap rerun).")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Summary file, JSON lines (default: OUTDIR/summary.jsonl).",
)
@_batch_options
def batch(
    inputs: tuple[str, ...],
    outdir: Path,
    jobs: int | None,
    docref: bool,
    bundle_out: bool,
    mdm: bool,
    mdm_ed_type: str,
    skip_existing: bool,
    summary_path: Path | None,
    **params: Any,
) -> None:
    """Make handouts for many inputs: files or folders (searched recursively for .json Bundles,
    .ndjson files with one Bundle per line, .hl7/.txt messages).

    Writes <procedure>-<date>-<MRN>.pdf per input (never the patient's name) and one JSON line
    per input to the summary: status, outputs, language used, error. Exit status 1 when any
    input failed, or when another batch is writing to OUTDIR (one batch per folder at a time).
    Ctrl-C (exit status 130) or SIGTERM (143) stops the batch and says what was written; the
    summary of the inputs done is in place. A new OUTDIR is made readable by its owner only.

    \b
    dischargegen batch exports/ --outdir out/ --jobs 2 --document-reference --mdm
    """
    gc.enable()  # the program switches it off for one-shot commands; a batch runs for long
    load(params)  # a bad config or templates folder is one error now, not one per input
    try:
        outdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{outdir}: cannot create the folder: {exc.strerror}") from None
    summary_file = summary_path or outdir / "summary.jsonl"
    found = api.find_jobs(inputs, exclude=[outdir])
    context = click.get_current_context()
    config = api.batch_settings(
        outdir=str(outdir),
        explicit=explicit_facts(params),
        options=render_options(params),
        wants=api.wants(document_reference=docref, bundle_out=bundle_out, mdm=mdm, mdm_ed_type=mdm_ed_type),
        config_path=str(params["config_path"]) if params.get("config_path") else None,
        templates_dir=str(params["templates_dir"]) if params.get("templates_dir") else None,
        skip_existing=skip_existing,
        names=option_names(context.command),
    )
    workers = min(jobs or api.default_jobs(), max(1, len(found)))
    if sys.stderr.isatty() and found:
        with click.progressbar(length=len(found), label="Handouts", file=sys.stderr) as bar:
            report = api.run_batch(found, config, summary_file, workers=workers, progress=bar.update)
    else:
        report = api.run_batch(found, config, summary_file, workers=workers)
    click.echo(f"{report.ok} made, {report.skipped} skipped, {report.failed} failed; summary: {summary_file}", err=True)
    if report.failed:
        context.exit(1)
