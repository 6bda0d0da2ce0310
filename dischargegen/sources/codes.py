"""The procedure code map: which procedure a FHIR or HL7 v2 procedure code means."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

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


class CodeMap(NamedTuple):
    """Procedure codes -> procedure ids."""

    codes: dict[tuple[str, str], str]

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str]]) -> CodeMap:
        """From ``(system, code, procedure id)`` entries; a later entry wins over an earlier one."""
        return cls({(canonical_system(system), code.strip()): procedure for system, code, procedure in entries})

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
