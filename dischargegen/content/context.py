"""The template context: the documented, typed contract between the engine and templates.

Templates see exactly these names (and the filters ``longdate`` and ``time``)::

    patient.name, patient.dob, patient.mrn       text; dob a date or none; mrn text or none
    procedure.id, procedure.title, procedure.version, procedure.reviewed
    procedure_date                               the date of the procedure
    level, cause, surgeon                        text or none (cause: osteoporosis|cancer|trauma;
                                                 surgeon: who did the procedure)
    follow_up                                    date and time of the follow-up visit, or none
    follow_up_with                               whom the visit is with, or none
    blood_thinner_restart                        a date, or none ("ask before you restart")
    medications[]: name, dose, when, purpose     discharge medicines (each part text or none;
                   instructions                  instructions: dose and when in one line)
    contacts.daytime, contacts.after_hours, contacts.booking
                                                 each none or .number "(617) 555-0100" and
                                                 .reaches "the spine clinic" (or none)
    restrictions[]: kind, limit, ends, duration, text
                                                 in the order they end; limit "10 lb (4.5 kg)"
                                                 or none; ends a date; duration "6 weeks";
                                                 text for kind "custom"
    restriction.<kind>                           the same object by kind, or none when removed
    timeline.<key>                               dates from the procedure's [timeline] defaults
    values.<key>.<name>                          other defaults from the procedure's [values]
    facility.name, facility.phone, facility.phone_24h   text or none
    language                                     the handout's language code (en)
    large_print, sample                          booleans
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from ..catalog import Procedure
from ..model import Handout, RenderOptions, Restriction, Units

CONTEXT_NAMES = frozenset(
    {
        "patient",
        "procedure",
        "procedure_date",
        "level",
        "cause",
        "surgeon",
        "follow_up",
        "follow_up_with",
        "contacts",
        "blood_thinner_restart",
        "medications",
        "restrictions",
        "restriction",
        "timeline",
        "values",
        "facility",
        "language",
        "large_print",
        "sample",
    }
)


class RestrictionView(NamedTuple):
    kind: str
    limit: str | None
    ends: date
    duration: str
    text: str | None


class ProcedureView(NamedTuple):
    id: str
    title: str
    version: str
    reviewed: date


def _view(item: Restriction, units: Units) -> RestrictionView:
    limit = item.limit.describe(units) if item.limit else None
    return RestrictionView(item.kind, limit, item.ends, item.duration.words, item.text)


def build_context(handout: Handout, procedure: Procedure, options: RenderOptions) -> dict[str, Any]:
    ordered = sorted(handout.restrictions, key=lambda r: r.ends)  # stable: same day, given order
    views = [_view(r, handout.facility.units) for r in ordered]
    by_kind: dict[str, RestrictionView | None] = {kind: None for kind in procedure.restrictions}
    by_kind.update({v.kind: v for v in views if v.kind != "custom"})
    context = {
        "patient": handout.patient,
        "procedure": ProcedureView(procedure.id, procedure.title, procedure.version, procedure.reviewed),
        "procedure_date": handout.procedure_date,
        "level": handout.level,
        "cause": handout.cause,
        "surgeon": handout.surgeon,
        "follow_up": handout.follow_up,
        "follow_up_with": handout.follow_up_with,
        "contacts": handout.contacts,
        "blood_thinner_restart": handout.blood_thinner_restart,
        "medications": list(handout.medications),
        "restrictions": views,
        "restriction": by_kind,
        "timeline": dict(handout.timeline),
        "values": {key: dict(spec) for key, spec in procedure.values.items()},
        "facility": handout.facility,
        "language": handout.language,
        "large_print": options.large_print,
        "sample": options.sample,
    }
    assert set(context) == CONTEXT_NAMES
    return context
