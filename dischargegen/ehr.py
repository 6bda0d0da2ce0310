"""The EHR hook for one record: a FHIR Bundle or an HL7 v2 ADT^A03 in, the handout's PDF and
the write-back documents out (a DocumentReference, a transaction Bundle, an MDM^T02).

``from-fhir``, ``from-hl7``, ``batch`` and any service call :func:`convert` (through
:mod:`dischargegen.api`); nothing is written here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .api import Settings, code_map, document_id, handout_from_record, render_pdf
from .model import Handout, InputKind, RenderOptions
from .record import FhirContext, Hl7Context, Record
from .sinks.docref import document_for, document_reference, to_json, transaction_bundle
from .sinks.files import default_filename
from .sinks.mdm import escape, hl7_time, mdm_t02
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


_PLAIN = re.compile(r"[^A-Za-z0-9 ._:/-]")


def ack(message: bytes, code: str, text: str = "", field: str | None = None) -> bytes:
    """The HL7 v2 acknowledgement of ``message``: MSA-1 ``code`` (AA, AE, AR), MSA-2 its control
    id, MSA-3 ``text`` (one line that names a field, never a value) and, with ``field``
    (``PID-7``), an ERR segment locating it. A message too broken to read still gets an answer."""
    head = message.lstrip(b"\x0b\xef\xbb\xbf \t\r\n")
    first = re.split(rb"[\r\n]", head, maxsplit=1)[0].decode("latin-1")
    sep = first[3] if first.startswith("MSH") and len(first) > 8 else "|"
    fields = first.split(sep) if first.startswith("MSH") else ["MSH"]
    encoding = fields[1] if len(fields) > 1 and len(fields[1]) >= 4 else "^~\\&"
    separators = sep + encoding

    def at(number: int) -> str:  # MSH-n, reduced to plain characters (routing names and ids)
        return _PLAIN.sub("", fields[number - 1])[:40] if len(fields) >= number else ""

    component = encoding[0]
    kind = fields[8].split(component) if len(fields) > 8 else []
    trigger = re.sub(r"[^A-Z0-9]", "", kind[1])[:3] if len(kind) > 1 else ""
    msh = [
        "MSH",
        encoding,
        "DISCHARGEGEN",
        at(6),
        at(3),
        at(4),
        hl7_time(datetime.now(UTC).replace(microsecond=0)),
        "",
        f"ACK{component}{trigger}{component}ACK",
        f"A{at(10)}"[:20],
        "P",
        "2.5.1",
    ]
    segments = [sep.join(msh), sep.join(["MSA", code, at(10), escape(text[:200], separators)])]
    if field:
        location = re.fullmatch(r"([A-Z][A-Z0-9]{2})-(\d{1,3})", field)
        where = f"{location[1]}{component}1{component}{location[2]}" if location else ""
        reason = f"207{component}Application internal error{component}HL70357"
        segments.append(sep.join(["ERR", "", where, reason, "E", "", "", "", escape(text[:200], separators)]))
    return ("\r".join(segments) + "\r").encode("utf-8")
