"""Writing the handout back over HL7 v2: an MDM^T02 (original document notification and content).

Built by hand (hl7apy's strict mode rejects long ED payloads): MSH, EVN, the PID and PV1 of the
ADT^A03 it answers (copied as received, with the same encoding characters), TXA and one OBX of
value type ED carrying the base64 PDF. Version 2.5.1; segments end in CR.

TXA-2 (document type, user-defined table 0270) is ``PI``, "patient instructions": table 0270
has no such value, so receivers map it locally; OBX-3 carries the standard code, LOINC 69730-0.
"""

from __future__ import annotations

from datetime import datetime

from ..record import Hl7Context
from .docref import FiledDocument

VERSION = "2.5.1"
SENDING_APPLICATION = "DISCHARGEGEN"
DOCUMENT_TYPE = "PI"
COMPLETION_STATUS = "DO"  # table 0271: documented (generated, not signed)
AVAILABILITY_STATUS = "AV"  # table 0273: available for patient care
CHARACTER_SET = "UNICODE UTF-8"
ED_TYPES = {"AP": ("AP", "PDF"), "application": ("application", "pdf")}


def hl7_time(moment: datetime) -> str:
    """``YYYYMMDDHHMMSS+ZZZZ``."""
    return moment.strftime("%Y%m%d%H%M%S%z")


def escape(text: str, separators: str) -> str:
    """Escape the field, component, repetition, escape and subcomponent characters in ``text``."""
    field, component, repetition, esc, sub = tuple(separators[:5])
    codes = {field: "F", component: "S", repetition: "R", esc: "E", sub: "T"}
    return "".join(f"{esc}{codes[ch]}{esc}" if ch in codes else ch for ch in text)


def mdm_t02(
    document: FiledDocument,
    context: Hl7Context,
    *,
    filename: str | None = None,
    ed_type: str = "AP",
    control_id: str | None = None,
) -> bytes:
    """The MDM^T02 message carrying ``document`` for the patient and visit in ``context``."""
    seps = context.separators
    f, c = seps[0], seps[1]
    when = hl7_time(document.created)
    doc_id = document.id.removeprefix("urn:uuid:")
    control = control_id or doc_id.replace("-", "")[:20]
    kind, subtype = ED_TYPES[ed_type]
    payload = "".join(document.data.split())  # no whitespace inside the ED data
    msh = [
        "MSH",
        seps[1:],
        SENDING_APPLICATION,
        context.receiving_facility,
        context.sending_application,
        context.sending_facility,
        when,
        "",
        f"MDM{c}T02{c}MDM_T02",
        control,
        "P",
        VERSION,
        "",  # MSH-13 sequence number
        "",  # MSH-14 continuation pointer
        "",  # MSH-15 accept acknowledgment type
        "",  # MSH-16 application acknowledgment type
        "",  # MSH-17 country
        CHARACTER_SET,  # MSH-18: the message is written in UTF-8, whatever the ADT^A03 used
    ]
    evn = ["EVN", "T02", when]
    txa = [
        "TXA",
        "1",
        DOCUMENT_TYPE,
        "AP",
        when,
        "",
        when,
        "",
        "",
        "",
        "",
        "",
        f"{doc_id}{c}{SENDING_APPLICATION}",
        "",
        "",
        "",
        escape(filename or "", seps),
        COMPLETION_STATUS,
        "",
        AVAILABILITY_STATUS,
    ]
    obx = [
        "OBX",
        "1",
        "ED",
        f"69730-0{c}Instructions{c}LN",
        "",
        f"{c}{kind}{c}{subtype}{c}Base64{c}{payload}",
        "",
        "",
        "",
        "",
        "",
        "F",
        "",
        "",
        when,
    ]
    pv1 = context.pv1 or f"PV1{f}1{f}U"
    segments = [_msh(msh, f), f.join(evn), context.pid, pv1, f.join(txa), f.join(obx)]
    return ("\r".join(segments) + "\r").encode("utf-8")


def _msh(fields: list[str], sep: str) -> str:
    # MSH-1 is the separator itself: "MSH" + "|" + "^~\\&" + "|" + MSH-3...
    return "MSH" + sep + sep.join(fields[1:])
