"""The sample patients that templates are checked and previewed with, and the variants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api import Settings, make_handout
from ..catalog import Procedure
from ..model import Cause, Facility, Handout

SAMPLE_DATE = "2026-11-24"
SAMPLE_REQUIRED: dict[str, Any] = {"name": "Ann Lee", "date": SAMPLE_DATE}
SAMPLE_FULL: dict[str, Any] = {
    # Long on purpose: a long name, every optional fact and several medicines must still fit.
    "name": "Maximiliana Konstantinopoulou-Vanderbilt",
    "date": SAMPLE_DATE,
    "dob": "1948-03-02",
    "mrn": "0012345678",
    "level": "T12 and L1",
    "surgeon": "Dr. Annabelle Worthington-Smythe",
    "follow_up": "2026-12-09 10:30",
    "follow_up_with": "Dr. Annabelle Worthington-Smythe",
    "blood_thinner_restart": "2026-11-27",
    "medications": [
        "Oxycodone 5 mg|1 pill|every 6 hours if you need it|pain",
        "Acetaminophen 500 mg|2 pills|every 8 hours|pain",
        "Docusate 100 mg|1 pill|2 times a day while you take oxycodone|to keep stools soft",
        "Alendronate 70 mg|1 pill|each Monday, with a full glass of water|strong bones",
    ],
    "restrictions": [{"kind": "custom", "text": "No golf or tennis", "duration": "8w"}],
}
SAMPLE_FACILITY = Facility(
    name="Riverside Spine Center",
    phone="617-555-0100",
    phone_24h="617-555-0199",
    clinic="the spine clinic",
    phone_24h_reaches="the doctor on call",
)


@dataclass(frozen=True)
class Variant:
    cause: Cause | None
    full: bool  # every optional fact given
    large_print: bool

    @property
    def name(self) -> str:
        parts = [self.cause or "no cause", "all fields" if self.full else "required"]
        if self.large_print:
            parts.append("large")
        return ", ".join(parts)


def variants(procedure: Procedure) -> list[Variant]:
    """Every variant the checker renders: each cause and none, required or all facts, both sizes."""
    return [
        Variant(cause, full, large)
        for large in (False, True)
        for cause in (None, *procedure.causes)
        for full in (False, True)
    ]


def sample_facts(procedure: Procedure, language: str, variant: Variant) -> dict[str, Any]:
    facts = dict(SAMPLE_FULL if variant.full else SAMPLE_REQUIRED)
    facts.update(procedure=procedure.id, language=language)
    if variant.cause:
        facts["cause"] = variant.cause
    return facts


def sample_handout(procedure: Procedure, language: str, variant: Variant, settings: Settings) -> Handout:
    """The sample handout of a variant; with all fields, facility lines missing from the config are filled in."""
    if variant.full:
        facility = settings.config.facility
        filled = facility._replace(
            **{
                key: getattr(facility, key) or getattr(SAMPLE_FACILITY, key)
                for key in ("name", "phone", "phone_24h", "clinic", "phone_24h_reaches")
            }
        )
        settings = settings._replace(config=settings.config._replace(facility=filled))
    return make_handout(sample_facts(procedure, language, variant), settings)
