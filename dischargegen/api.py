"""The library API: the one door to dischargegen.

Every entry point (the command line, the EHR hook, the template checks, a service) calls these
functions, and they run the stages in order::

    sources -> facts (model) -> content (document tree) -> layout (PDF bytes) -> sinks

    from dischargegen.api import load_settings, make_handout, render_pdf, RenderOptions
    settings = load_settings()                       # facility config + procedure catalog
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24"}, settings)
    pdf = render_pdf(handout, settings, RenderOptions(large_print=True))

The EHR conversion, the template checks and the batch runner live in :mod:`dischargegen.ehr`,
:mod:`dischargegen.qa` and :mod:`dischargegen.batch`, which use this module; the functions here
that reach them import them when called, so that a one-handout command starts fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .catalog import Catalog, Procedure, load_catalog
from .config import SECRET_ADVICE, SECRET_PLACEHOLDER, Config, ServiceSettings, check_overrides, load_config
from .content.build import Document, build_document
from .content.context import Span, weight_text
from .dates import Duration
from .errors import ConfigError, DischargeError, InputError
from .facts import DefaultInForce, build_handout, parse_cause, restriction_defaults, timeline_defaults
from .facts import handout_from_record as _handout_from_record
from .identifiers import document_id as _document_id
from .languages import SOURCE_LANGUAGE
from .layout.fonts import first_unprintable
from .layout.render import render
from .model import FACT_FIELDS, Cause, Handout, InputKind, PageSize, PdfProfile, RenderOptions, Units, Weight
from .record import FhirContext, Record
from .sinks.files import default_filename, write_atomic
from .sources import read_input
from .sources.codes import CodeMap, canonical_system
from .sources.json_input import read_json_facts

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from .batch import BatchReport, BatchSettings, Job
    from .ehr import Outputs, Wants
    from .qa.report import CheckReport

__all__ = [
    "FACT_FIELDS",
    "SECRET_ADVICE",
    "SECRET_PLACEHOLDER",
    "Cause",
    "CodeMap",
    "DefaultInForce",
    "Document",
    "Handout",
    "InputKind",
    "PageSize",
    "PdfProfile",
    "Procedure",
    "Record",
    "RenderOptions",
    "ServiceSettings",
    "Settings",
    "ack",
    "batch_settings",
    "check_templates",
    "code_map",
    "convert",
    "default_filename",
    "default_jobs",
    "default_origin",
    "default_words",
    "document_id",
    "document_reference_for",
    "duration_words",
    "find_jobs",
    "format_check_report",
    "handout_from_record",
    "layout_pdf",
    "limit_words",
    "load_settings",
    "make_document",
    "make_documents",
    "make_handout",
    "page_images",
    "pdf_profile",
    "preview_pdf",
    "print_pdf",
    "printer_names",
    "procedure_codes",
    "read_facts_json",
    "read_input",
    "read_record",
    "render_pdf",
    "restriction_defaults",
    "run_batch",
    "serve",
    "stop_pool",
    "timeline_defaults",
    "wants",
    "warm_up",
    "worker_pool",
    "write_atomic",
]


class Settings(NamedTuple):
    """The facility configuration and the procedures it can make, loaded once per process."""

    config: Config
    catalog: Catalog


def load_settings(config_path: Path | None = None, templates_dir: Path | None = None) -> Settings:
    """Read the facility config (``config_path`` or the default location) and the templates.

    ``templates_dir`` (the ``--templates-dir`` option) wins over the config's ``templates_dir``.
    The config's changes to procedure defaults are checked against the procedures here.
    """
    config = load_config(config_path)
    catalog = load_catalog(templates_dir or config.templates_dir)
    check_overrides(config, catalog)
    return Settings(config, catalog)


# ---- facts ----------------------------------------------------------------------------------


def make_handout(facts: Mapping[str, Any], settings: Settings, *, today: date | None = None) -> Handout:
    """Validate one patient's facts (keys are :data:`FACT_FIELDS`) into a Handout."""
    handout = build_handout(
        facts, config=settings.config, catalog=settings.catalog, printable=first_unprintable, today=today
    )
    return _barcode_checked(handout)


def handout_from_record(
    record: Record, explicit: Mapping[str, Any], settings: Settings, *, today: date | None = None
) -> Handout:
    """The handout of an EHR record, with the explicitly given facts winning over the record's."""
    handout = _handout_from_record(
        record, explicit, config=settings.config, catalog=settings.catalog, printable=first_unprintable, today=today
    )
    return _barcode_checked(handout)


def _barcode_checked(handout: Handout) -> Handout:
    """``handout``, warned when the facility's Code 128 cannot print on it."""
    if handout.facility.barcodes.code128 is None:
        return handout
    from .layout.barcodes import printable_code128  # deferred for start-up speed: facilities with barcodes

    return handout.with_barcode_warning(printable_code128(handout))


WARM_UP = {"name": "Warm Up", "date": "2026-01-05"}  # a handout made only to load what every handout needs


def warm_up(settings: Settings) -> None:
    """Load what a worker's first job would otherwise wait for: the FHIR models, and the
    templates, fonts and date data of one handout (a broken facility template is left to be
    reported with the jobs that use it)."""
    from .sources.fhir_bundle import load_models  # deferred for start-up speed: workers only

    load_models()
    with contextlib.suppress(DischargeError):
        render_pdf(make_handout(WARM_UP, settings), settings)


def read_facts_json(stream: IO[bytes]) -> tuple[dict[str, Any], bool]:
    """The facts of a JSON object, and whether it asks for large print (``"large_print"``)."""
    facts = read_json_facts(stream)
    large_print = facts.pop("large_print", False)
    if not isinstance(large_print, bool):
        raise InputError("large_print", "must be true or false")
    return facts, large_print


# ---- content and layout ---------------------------------------------------------------------


def make_document(handout: Handout, settings: Settings, options: RenderOptions | None = None) -> Document:
    """The content stage: the handout's template rendered to its checked document tree."""
    return build_document(handout, settings.catalog, options or RenderOptions())


def make_documents(handout: Handout, settings: Settings, options: RenderOptions | None = None) -> list[Document]:
    """The handout's documents: its own, then the English one when it follows a draft translation."""
    options = options or RenderOptions()
    documents = [build_document(handout, settings.catalog, options)]
    if handout.english_copy:
        documents.append(build_document(handout, settings.catalog, options, SOURCE_LANGUAGE))
    return documents


def layout_pdf(
    documents: Document | Sequence[Document],
    handout: Handout,
    options: RenderOptions | None = None,
    document_id: str | None = None,
) -> bytes:
    """The layout stage: finished documents laid out on pages, one after the other, as PDF bytes
    (untagged; a facility's QR code carries ``document_id``)."""
    parts = [documents] if isinstance(documents, Document) else list(documents)
    return render(parts, handout, options or RenderOptions(), document_id=document_id)


def pdf_profile(handout: Handout, options: RenderOptions) -> PdfProfile:
    """The profile a PDF is made to: the option's, else the facility's (default pdfa-2u+ua-1)."""
    return options.pdf_profile or handout.facility.pdf_profile


def document_id(handout: Handout, settings: Settings, options: RenderOptions | None = None) -> str:
    """The handout's document identifier (``urn:uuid:…``), known before the PDF is made: the QR
    code carries it and the write-back files the PDF under it (:mod:`dischargegen.identifiers`)."""
    version = settings.catalog.get(handout.procedure).version
    return _document_id(handout, options or RenderOptions(), version)


def render_pdf(handout: Handout, settings: Settings, options: RenderOptions | None = None) -> bytes:
    """The handout as PDF bytes: the content stage, then the layout stage, into whose document
    the post-processing stage writes what the PDF's profile claims before it is written
    (:func:`pdf_profile`; ``plain`` has none)."""
    options = options or RenderOptions()
    documents = make_documents(handout, settings, options)
    profile = pdf_profile(handout, options)
    identifier = document_id(handout, settings, options) if handout.facility.barcodes.qr else None
    if profile == PdfProfile.PLAIN:
        return layout_pdf(documents, handout, options, identifier)
    from .archive.finish import finish  # deferred for start-up speed: only for archival profiles

    return render(documents, handout, options, document_id=identifier, finish=partial(finish, profile=profile))


# ---- procedures -----------------------------------------------------------------------------


def limit_words(weight: Weight, units: Units, language: str = SOURCE_LANGUAGE) -> str:
    """A weight limit as a handout prints it: ``10 lb (4.5 kg)``, the facility's unit first."""
    return weight_text(weight, units, language)


def duration_words(duration: Duration, language: str = SOURCE_LANGUAGE) -> str:
    """A restriction's length in words: ``6 weeks``, ``6 semanas``."""
    return str(Span(duration, language))


def default_words(default: DefaultInForce, units: Units) -> str:
    """A restriction default in words, as a nurse reads it: ``10 lb (4.5 kg) for 6 weeks``."""
    limit = f"{limit_words(default.limit, units)} for " if default.limit else ""
    return limit + duration_words(default.duration)


def default_origin(default: DefaultInForce) -> str:
    """Where a default in force comes from: ``facility config`` or ``template default``."""
    return "facility config" if default.origin == "facility" else "template default"


def procedure_codes(procedure: Procedure, settings: Settings) -> dict[str, list[str]]:
    """The codes that select ``procedure``: its metadata's plus the facility config's ``[codes]``."""
    codes: dict[str, list[str]] = {canonical_system(system): list(values) for system, values in procedure.codes.items()}
    for system, table in settings.config.codes.items():
        for code, procedure_id in table.items():
            if procedure_id == procedure.id:
                codes.setdefault(canonical_system(system), []).append(code)
    return {system: values for system, values in codes.items() if values}


def code_map(settings: Settings) -> CodeMap:
    """Procedure codes -> procedure ids: each procedure's metadata codes, then the facility's."""
    entries = [
        (system, code, procedure.id)
        for procedure in settings.catalog.procedures.values()
        for system, values in procedure.codes.items()
        for code in values
    ]
    entries += [
        (system, code, procedure_id)
        for system, table in settings.config.codes.items()
        for code, procedure_id in table.items()
    ]
    return CodeMap.build(entries)


def print_pdf(pdf: bytes, *, printer: str | None = None, copies: int = 1, title: str = "Discharge handout") -> str:
    """Queue the PDF on a CUPS printer; returns the job id. See :mod:`dischargegen.sinks.printer`."""
    from .sinks.printer import print_pdf  # deferred for start-up speed

    return print_pdf(pdf, printer=printer, copies=copies, title=title)


def printer_names() -> list[str]:
    """The CUPS queues this machine can print to (``lpstat -e``); empty without CUPS."""
    from .sinks.printer import printer_names  # deferred for start-up speed

    return printer_names()


def page_images(pdf: bytes, *, dpi: int = 60) -> list[bytes]:
    """Each page as a PNG, for a preview on screen (needs poppler's ``pdftoppm``)."""
    from .sinks.images import page_images  # deferred for start-up speed

    return page_images(pdf, dpi=dpi)


def document_reference_for(
    pdf: bytes, handout: Handout, settings: Settings, options: RenderOptions | None = None
) -> bytes:
    """A FHIR R4 DocumentReference (the PDF inline) for a handout made from facts, not from a
    FHIR record: its subject is the patient's MRN, which it therefore needs."""
    from .sinks.docref import document_for, document_reference, to_json  # deferred for start-up speed

    if not handout.patient.mrn:
        raise InputError("mrn", "a DocumentReference names its patient by the MRN: give the MRN")
    options = options or RenderOptions()
    subject = {"identifier": {"type": {"text": "MRN"}, "value": handout.patient.mrn}}
    title = settings.catalog.get(handout.procedure).title
    document = document_for(pdf, handout, title, document_id(handout, settings, options), options.created)
    return to_json(document_reference(document, FhirContext(patient=subject)))


# ---- the EHR hook (imported on demand, for start-up speed) ----------------------------------


def read_record(
    data: bytes, kind: InputKind, codes: CodeMap, explicit: Mapping[str, Any], procedure_id: str | None = None
) -> Record:
    """The record of a FHIR Bundle or HL7 v2 message."""
    from . import ehr  # deferred for start-up speed

    return ehr.read_record(data, kind, codes, explicit, procedure_id)


def convert(
    data: bytes,
    kind: InputKind,
    settings: Settings,
    explicit: Mapping[str, Any],
    options: RenderOptions,
    wants: Wants | None = None,
    *,
    procedure_id: str | None = None,
    codes: CodeMap | None = None,
) -> Outputs:
    """One EHR record's bytes -> its handout, PDF and the wanted write-back documents (``codes``:
    the settings' :func:`code_map`, when the caller keeps one)."""
    from . import ehr  # deferred for start-up speed

    return ehr.convert(
        data, kind, settings, explicit, options, wants or ehr.Wants(), procedure_id=procedure_id, codes=codes
    )


def ack(message: bytes, code: str, text: str = "", field: str | None = None) -> bytes:
    """The HL7 v2 ACK of ``message`` (AA, AE, AR); see :func:`dischargegen.ehr.ack`."""
    from . import ehr  # deferred for start-up speed

    return ehr.ack(message, code, text, field)


def wants(
    document_reference: bool = False, bundle_out: bool = False, mdm: bool = False, mdm_ed_type: str = "AP"
) -> Wants:
    """Which write-back documents to make besides the PDF."""
    from .ehr import Wants  # deferred for start-up speed

    return Wants(document_reference, bundle_out, mdm, mdm_ed_type)


def find_jobs(inputs: Sequence[str | Path], *, exclude: Sequence[Path] = ()) -> list[Job]:
    """The batch jobs in files and folders (searched recursively)."""
    from .batch import find_jobs  # deferred for start-up speed

    return find_jobs(inputs, exclude=exclude)


def batch_settings(**values: Any) -> BatchSettings:
    """What every batch worker needs (output folder, facts, options, write-backs); see
    :class:`dischargegen.batch.BatchSettings`."""
    from .batch import BatchSettings  # deferred for start-up speed

    return BatchSettings(**values)


def run_batch(
    jobs: list[Job],
    config: BatchSettings,
    summary_path: Path,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Run a batch; see :func:`dischargegen.batch.run_batch`."""
    from .batch import run_batch  # deferred for start-up speed

    return run_batch(jobs, config, summary_path, workers=workers, progress=progress)


def worker_pool(workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """Worker processes for a server, each initialised once; see :func:`dischargegen.processes.worker_pool`."""
    from .processes import worker_pool  # deferred for start-up speed

    return worker_pool(workers, initializer, initargs)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 20.0) -> None:
    """End a pool's workers, dropping the jobs not started."""
    from .processes import stop_pool  # deferred for start-up speed

    stop_pool(pool, grace)


def serve(**options: Any) -> None:
    """Run ``dischargegen serve`` until stopped; see :func:`dischargegen.service.server.serve`."""
    try:
        from .service.server import serve  # deferred for start-up speed
    except ModuleNotFoundError as exc:  # the web stack is an extra
        missing = f"serve: {exc.name} is missing: install the service extra (pip install '.[service]')"
        raise ConfigError(missing) from None
    serve(**options)


def default_jobs() -> int:
    """Worker processes for a batch by default: the cores this process may run on."""
    from .batch import default_jobs  # deferred for start-up speed

    return default_jobs()


# ---- template checks and previews (imported on demand, for start-up speed) -----------------


def check_templates(
    settings: Settings, procedures: Sequence[str] = (), *, languages: Sequence[str] = (), today: date | None = None
) -> CheckReport:
    """Render and measure every template variant; see :mod:`dischargegen.qa.gates`."""
    from .qa.gates import check_templates  # deferred for start-up speed

    return check_templates(settings, procedures, languages=languages, today=today)


def format_check_report(report: CheckReport) -> str:
    from .qa.report import format_table  # deferred for start-up speed

    return format_table(report)


def preview_pdf(
    procedure_id: str, language: str, cause: str | None, large_print: bool, settings: Settings
) -> tuple[bytes, str]:
    """A sample handout with every optional field filled in, marked as a sample on every page,
    and its default file name."""
    from .qa.samples import Variant, sample_handout  # deferred for start-up speed

    procedure = settings.catalog.get(procedure_id)
    if language not in procedure.languages:
        raise InputError(
            "language", f"no {procedure.id} template in that language (there is: {', '.join(procedure.languages)})"
        )
    chosen = parse_cause(cause, procedure)
    variant = Variant(chosen, True, large_print)
    handout = sample_handout(procedure, language, variant, settings)
    pdf = render_pdf(handout, settings, RenderOptions(large_print=large_print, sample=True))
    name = f"sample-{procedure.id}-{language}{'-' + chosen if chosen else ''}{'-large' if large_print else ''}.pdf"
    return pdf, name
