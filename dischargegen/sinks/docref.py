"""Writing the handout back to a FHIR server: a DocumentReference, or a transaction Bundle that
POSTs a Binary holding the PDF and a DocumentReference pointing at it by ``urn:uuid:``.

Both are built as plain JSON and validated with the ``fhir.resources.R4B`` models before they
are returned; the type is LOINC 69730-0 "Instructions" (a patient-instruction document, not
18842-5, the clinician's discharge summary).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import OutputError
from ..identifiers import NAMESPACE
from ..model import Handout
from ..record import FhirContext

INSTRUCTIONS = {"system": "http://loinc.org", "code": "69730-0", "display": "Instructions"}
CLINICAL_NOTE = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
    "code": "clinical-note",
    "display": "Clinical Note",
}
_NAMESPACE = uuid.UUID(NAMESPACE)  # the document identifiers


@dataclass(frozen=True)
class FiledDocument:
    """One rendered handout as a document to file: its bytes and how to describe them."""

    pdf: bytes
    title: str  # e.g. "Kyphoplasty: discharge instructions"
    language: str  # the language the handout was made in
    created: datetime  # timezone-aware
    id: str  # the document identifier, urn:uuid:… (:mod:`dischargegen.identifiers`): the QR code carries it

    @property
    def sha1_base64(self) -> str:
        """The attachment hash as FHIR defines it: base64 of the SHA-1 digest."""
        return base64.b64encode(hashlib.sha1(self.pdf).digest()).decode("ascii")

    @property
    def data(self) -> str:
        return base64.b64encode(self.pdf).decode("ascii")

    @property
    def binary_id(self) -> str:
        """A stable id for the PDF's bytes (the Binary that holds them): same bytes, same id."""
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'binary:{hashlib.sha1(self.pdf).hexdigest()}')}"


def document_for(
    pdf: bytes, handout: Handout, title: str, document_id: str, created: datetime | None = None
) -> FiledDocument:
    """The document to file for ``pdf`` under ``document_id``, created at ``created`` (default: now)."""
    when = created or datetime.now(UTC).replace(microsecond=0)
    return FiledDocument(
        pdf=pdf, title=f"{title}: discharge instructions", language=handout.language, created=when, id=document_id
    )


def _instant(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def document_reference(document: FiledDocument, context: FhirContext, *, url: str | None = None) -> dict[str, Any]:
    """A DocumentReference for the handout: the PDF inline (base64), or by ``url`` when given."""
    attachment: dict[str, Any] = {
        "contentType": "application/pdf",
        "language": document.language,
        "size": len(document.pdf),
        "hash": document.sha1_base64,
        "title": document.title,
        "creation": _instant(document.created),
    }
    if url is None:
        attachment["data"] = document.data
    else:
        attachment["url"] = url
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": document.id},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [INSTRUCTIONS], "text": "Discharge instructions"},
        "category": [{"coding": [CLINICAL_NOTE]}],
        "subject": context.patient,
        "date": _instant(document.created),
        "description": document.title,
        "content": [{"attachment": attachment}],
    }
    if context.organization:
        resource["author"] = [{"reference": context.organization}]
        resource["custodian"] = {"reference": context.organization}
    ctx: dict[str, Any] = {}
    if context.encounter:
        ctx["encounter"] = [{"reference": context.encounter}]
    if context.procedure:
        ctx["related"] = [{"reference": context.procedure}]
    if ctx:
        resource["context"] = ctx
    _validate("DocumentReference", resource)
    return resource


def transaction_bundle(document: FiledDocument, context: FhirContext) -> dict[str, Any]:
    """A transaction Bundle: POST Binary (the PDF), POST DocumentReference (``url`` -> the Binary)."""
    binary_url = document.binary_id
    binary = {
        "resourceType": "Binary",
        "contentType": "application/pdf",
        "securityContext": {"reference": context.patient["reference"]},
        "data": document.data,
    }
    reference = document_reference(document, context, url=binary_url)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": binary_url, "resource": binary, "request": {"method": "POST", "url": "Binary"}},
            {
                "fullUrl": document.id,
                "resource": reference,
                "request": {"method": "POST", "url": "DocumentReference"},
            },
        ],
    }
    _validate("Binary", binary)
    _validate("Bundle", bundle)
    return bundle


def to_json(resource: dict[str, Any]) -> bytes:
    return (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _validate(kind: str, resource: dict[str, Any]) -> None:
    model = getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
    try:
        model.model_validate(resource)
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        detail = ""
        if callable(errors):
            first = errors()[0]
            detail = ".".join(str(part) for part in first.get("loc", ())) + ": " + str(first.get("msg", ""))
        raise OutputError(
            f"{kind}: the write-back would be invalid under FHIR R4: {detail or type(exc).__name__}"
        ) from None
