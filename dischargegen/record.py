"""What a reader takes from one EHR record: the facts, where each came from, and the context
that the write-back documents need (the FHIR references, the HL7 PID and PV1).

Readers (:mod:`dischargegen.sources`) make records; :func:`dischargegen.facts.handout_from_record`
turns one into a handout; the writers (:mod:`dischargegen.sinks`) read its context.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import SourceError


class FhirContext(NamedTuple):
    """References for the write-back: ``Type/id`` when the resource has an id, else its fullUrl."""

    patient: dict[str, Any]  # a Reference: reference and, when known, the MRN identifier
    encounter: str | None = None
    procedure: str | None = None
    organization: str | None = None


class Hl7Context(NamedTuple):
    """What the MDM^T02 reply copies from the ADT^A03: encoding characters, PID, PV1, routing."""

    separators: str  # MSH-1 followed by MSH-2, e.g. "|^~\\&"
    pid: str  # the PID segment as received (without its terminator)
    pv1: str | None
    sending_application: str  # MSH-3 of the input: the reply's receiving application
    sending_facility: str  # MSH-4
    receiving_facility: str  # MSH-6: the facility that made the handout
    control_id: str  # MSH-10 of the input
    discharge: str | None  # PV1-45
    visit: str | None = None  # PV1-19, the visit number: the encounter a barcode may carry


class Record(NamedTuple):
    """What one EHR record supplies: facts, their origins, the facility and write-back context.

    ``pending`` holds what the record lacks: each error is raised when the handout is built
    unless every fact in its ``needs`` is given explicitly (a message without a PR1 segment
    makes a handout when the procedure and date are given).
    """

    facts: dict[str, Any]
    paths: dict[str, str]  # fact key -> FHIR path / HL7 field it came from
    context: FhirContext | Hl7Context
    facility_name: str | None = None
    facility_phone: str | None = None
    pending: tuple[SourceError, ...] = ()
