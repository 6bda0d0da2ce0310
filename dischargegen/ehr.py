"""The EHR hook for one record: a FHIR Bundle or an HL7 v2 ADT^A03 in, the handout's PDF and
the write-back documents out (a DocumentReference, a transaction Bundle, an MDM^T02).

``from-fhir``, ``from-hl7``, ``batch`` and any service call :func:`convert` (through
:mod:`dischargegen.api`); nothing is written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .api import Settings, code_map, document_id, handout_from_record, render_pdf
from .model import Handout, InputKind, RenderOptions
from .record import FhirContext, Hl7Context, Record
from .sinks.docref import document_for, document_reference, to_json, transaction_bundle
from .sinks.files import default_filename
from .sinks.mdm import mdm_t02
from .sources.codes import CodeMap
from .sources.fhir import read_bundle
from .sources.hl7v2 import read_message

NO_PHONE = (
    "phone: no number to call about problems is known (give one, set the config's phone, or send it in the record); "
    "the handout has a line to write it in"
)


@dataclass(frozen=True)
class Wants:
    """Which write-back documents to make besides the PDF."""

    document_reference: bool = False
    bundle_out: bool = False
    mdm: bool = False
    mdm_ed_type: str = "AP"

    def suffixes(self, kind: InputKind) -> list[str]:
        """The file suffixes of the write-backs made for an input of ``kind``."""
        if kind == InputKind.FHIR:
            return [s for s, on in ((".docref.json", self.document_reference), (".bundle.json", self.bundle_out)) if on]
        return [".mdm.hl7"] if self.mdm else []


@dataclass(frozen=True)
class Outputs:
    """One input's results, in memory: nothing is written yet."""

    handout: Handout
    pdf: bytes
    filename: str  # the PDF's default name: <procedure>-<date>-<MRN>.pdf
    requested_language: str | None
    document_reference: bytes | None = None
    bundle: bytes | None = None
    mdm: bytes | None = None

    def files(self) -> dict[str, bytes]:
        """Default file name -> bytes for everything made."""
        stem = self.filename.removesuffix(".pdf")
        made = {self.filename: self.pdf}
        for suffix, data in (
            (".docref.json", self.document_reference),
            (".bundle.json", self.bundle),
            (".mdm.hl7", self.mdm),
        ):
            if data is not None:
                made[stem + suffix] = data
        return made


def read_record(
    data: bytes, kind: InputKind, codes: CodeMap, explicit: Mapping[str, Any], procedure_id: str | None = None
) -> Record:
    """The record of a FHIR Bundle or HL7 v2 message; ``explicit`` facts narrow the procedure."""
    if kind == InputKind.FHIR:
        return read_bundle(data, codes, procedure_id=procedure_id, procedure=explicit.get("procedure"))
    return read_message(data, codes, procedure=explicit.get("procedure"))


def convert(
    data: bytes,
    kind: InputKind,
    settings: Settings,
    explicit: Mapping[str, Any],
    options: RenderOptions,
    wants: Wants = Wants(),
    *,
    procedure_id: str | None = None,
    codes: CodeMap | None = None,
    record: Record | None = None,
) -> Outputs:
    """Input bytes -> handout, PDF and the wanted write-backs (all validated, none written)."""
    record = record or read_record(data, kind, codes or code_map(settings), explicit, procedure_id)
    handout = handout_from_record(record, explicit, settings)
    if handout.contacts.daytime is None and not any(w.startswith("phone:") for w in handout.warnings):
        handout = handout._replace(warnings=(*handout.warnings, NO_PHONE))
    pdf = render_pdf(handout, settings, options)
    filename = default_filename(handout)
    requested = explicit.get("language") or record.facts.get("language")
    made: dict[str, bytes | None] = {"document_reference": None, "bundle": None, "mdm": None}
    if wants.suffixes(kind):
        title = settings.catalog.get(handout.procedure).title
        document = document_for(pdf, handout, title, document_id(handout, settings, options), options.created)
        context = record.context
        if isinstance(context, FhirContext):
            if wants.document_reference:
                made["document_reference"] = to_json(document_reference(document, context))
            if wants.bundle_out:
                made["bundle"] = to_json(transaction_bundle(document, context))
        if isinstance(context, Hl7Context) and wants.mdm:
            made["mdm"] = mdm_t02(document, context, filename=filename, ed_type=wants.mdm_ed_type)
    return Outputs(handout, pdf, filename, requested, **made)
