"""Sources: records from an EHR (a FHIR R4 Bundle, an HL7 v2 ADT^A03) turned into discharge facts.

Each reader returns a :class:`Record`: the facts mapping that :func:`dischargegen.api.make_handout`
takes, where each fact came from (a FHIR path or an HL7 field, so that an invalid value is
reported where the user can find it), the facility found in the record, and the references the
write-back formats need. :func:`handout_from_record` merges the options given on the command
line over the record (an explicit option wins) and builds the :class:`~dischargegen.model.Handout`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import InputError

if TYPE_CHECKING:
    from ..api import Settings
    from ..model import Handout

MAX_INPUT_BYTES = 20 * 1024 * 1024
"""The largest input accepted: a discharge Bundle or message is far smaller than this."""


class SourceError(InputError):
    """The input record is unreadable or lacks what the handout needs; ``field`` is the FHIR
    path (``Bundle.entry[3].resource(Procedure).performedDateTime``) or HL7 field (``PID-5``)."""


@dataclass(frozen=True)
class Record:
    """What one EHR record supplies: facts, their origins, the facility and write-back context."""

    facts: dict[str, Any]
    paths: dict[str, str]  # fact key -> FHIR path / HL7 field it came from
    facility_name: str | None = None
    facility_phone: str | None = None
    context: Any = None  # FhirContext or Hl7Context: the references the write-back needs


def read_input(source: str | Path, *, stdin: BinaryIO | None = None, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of ``source`` (a path, or ``-`` for stdin), refusing empty and oversized input."""
    name = str(source)
    try:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(limit + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise SourceError("input", f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError("input", f"{name}: is a directory") from None
    except OSError as exc:
        raise SourceError("input", f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError("input", f"larger than the {limit // (1024 * 1024)} MB input limit")
    if not data.strip():
        raise SourceError("input", "is empty")
    return data


def handout_from_record(
    record: Record,
    settings: Settings,
    explicit: Mapping[str, Any] | None = None,
    *,
    today: date | None = None,
) -> tuple[Handout, Settings]:
    """Build the handout from the record's facts with the explicitly given facts on top.

    The facility's name and phone come from the config when it sets them, else from the record
    (the Encounter's Organization). Returns the handout and the settings it was made with (the
    renderer needs the same). An invalid value taken from the record is reported under its FHIR
    path or HL7 field; an invalid explicit option under the option's own name.
    """
    from ..api import make_handout

    given = {key: value for key, value in (explicit or {}).items() if value not in (None, "", (), [])}
    facts = {**record.facts, **given}
    settings = _with_record_facility(settings, record)
    try:
        handout = make_handout(facts, settings, today=today)
    except InputError as exc:
        if exc.field in given:
            raise
        origin = _origin(exc.field, record.paths)
        if origin is None:
            raise
        raise SourceError(origin, f"{exc.message} (the {exc.field} taken from the record)") from None
    return handout, settings


def _origin(fact: str, paths: Mapping[str, str]) -> str | None:
    if fact in paths:
        return paths[fact]
    head = fact.split(".", 1)[0]  # medications[2].name -> medications[2]
    return paths.get(head)


def _with_record_facility(settings: Settings, record: Record) -> Settings:
    facility = settings.config.facility
    updates = {}
    if facility.name is None and record.facility_name:
        updates["name"] = record.facility_name
    if facility.phone is None and record.facility_phone:
        updates["phone"] = record.facility_phone
    if not updates:
        return settings
    return settings._replace(config=settings.config._replace(facility=facility._replace(**updates)))


# Code systems: the short keys used in procedure metadata and the facility config, with the
# FHIR system URIs and HL7 v2 coding-system names (table 0396) that mean the same.
_SYSTEM_ALIASES = {
    "cpt": ("http://www.ama-assn.org/go/cpt", "C4", "CPT", "CPT4", "CPT-4"),
    "snomed": ("http://snomed.info/sct", "SCT", "SNM", "SNOMED", "SNOMEDCT", "SNOMED-CT"),
    "icd10pcs": ("http://www.cms.gov/Medicare/Coding/ICD10", "I10P", "ICD10PCS", "ICD-10-PCS"),
}
_CANONICAL = {alias.lower(): key for key, aliases in _SYSTEM_ALIASES.items() for alias in (key, *aliases)}


def canonical_system(system: str | None) -> str:
    """``cpt`` for ``http://www.ama-assn.org/go/cpt`` or ``C4``; other systems as written."""
    text = (system or "").strip()
    return _CANONICAL.get(text.lower(), text)


@dataclass(frozen=True)
class CodeMap:
    """Procedure codes -> procedure ids: each procedure's metadata codes plus the facility's."""

    codes: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> CodeMap:
        codes: dict[tuple[str, str], str] = {}
        for procedure in settings.catalog.procedures.values():
            for system, values in procedure.codes.items():
                for code in values:
                    codes[(canonical_system(system), code.strip())] = procedure.id
        for system, table in settings.config.codes.items():
            for code, procedure_id in table.items():
                codes[(canonical_system(system), code.strip())] = procedure_id
        return cls(codes)

    def lookup(self, system: str | None, code: str | None) -> str | None:
        if not code:
            return None
        return self.codes.get((canonical_system(system), code.strip()))

    def describe(self) -> str:
        """A short list of what is mapped, for error messages."""
        if not self.codes:
            return "the code map is empty"
        parts = [f"{system} {code}" for system, code in sorted(self.codes)][:8]
        more = len(self.codes) - len(parts)
        return "known: " + ", ".join(parts) + (f" and {more} more" if more > 0 else "")

