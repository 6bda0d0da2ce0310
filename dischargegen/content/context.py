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
                                                 or none; ends a date; duration "6 weeks" (in
                                                 the handout's language); text for kind "custom"
    restriction.<kind>                           the same object by kind, or none when removed
    timeline.<key>                               dates from the procedure's [timeline] defaults
    values.<key>.<name>                          other defaults from the procedure's [values];
                                                 numbers written the language's way (1,000; 100.4)
    facility.name, facility.phone, facility.phone_24h   text or none (the name, and each
                                                 contact's .reaches, as [facility.translations]
                                                 words them in the handout's language)
    language                                     the handout's language code (en)
    large_print, sample                          booleans
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from babel.units import format_unit

from ..catalog import Procedure
from ..dates import Duration
from ..languages import RIGHT_TO_LEFT, babel_locale, isolate, isolated
from ..model import Contacts, Handout, RenderOptions, Restriction, Units, Weight
from .locale_data import decimal, is_decimal

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


class Span(NamedTuple):
    """A restriction's length, written in the handout's language when printed: ``6 weeks``."""

    duration: Duration
    language: str

    def __str__(self) -> str:  # Babel's unit names load only for a template that prints this
        unit = {"d": "duration-day", "w": "duration-week", "m": "duration-month"}[self.duration.unit]
        return str(format_unit(self.duration.amount, unit, length="long", locale=babel_locale(self.language)))


class RestrictionView(NamedTuple):
    kind: str
    limit: str | None
    ends: date
    duration: Span
    text: str | None


class ProcedureView(NamedTuple):
    id: str
    title: str
    version: str
    reviewed: date


def _number(value: Decimal, language: str) -> str:
    return decimal(format(value.normalize(), "f"), language)


def weight_text(weight: Weight, units: Units, language: str) -> str:
    """``10 lb (4.5 kg)``: the facility's unit first, the other in brackets, numbers written the
    language's way (``4,5 kg``)."""
    other = Units.KG if units == Units.LB else Units.LB
    first, second = (_number(weight.in_unit(unit), language) for unit in (units, other))
    return f"{first} {units} ({second} {other})"


def _view(item: Restriction, units: Units, language: str) -> RestrictionView:
    limit = isolate(weight_text(item.limit, units, language), language) if item.limit else None
    text = isolate(item.text, language) if item.text else None
    return RestrictionView(item.kind, limit, item.ends, Span(item.duration, language), text)


def _values(procedure: Procedure, language: str) -> dict[str, dict[str, object]]:
    """The procedure's [values], each plain number written the language's way."""
    out: dict[str, dict[str, object]] = {}
    for key, spec in procedure.values.items():
        out[key] = {
            name: decimal(value, language)
            if name != "source" and isinstance(value, str) and is_decimal(value)
            else value
            for name, value in spec.items()
        }
    return out


T = TypeVar("T", bound=tuple[Any, ...])
_FACILITY_TEXT = ("name", "phone", "phone_24h", "clinic", "phone_24h_reaches", "booking_phone")


def _isolated(record: T, language: str, *fields: str) -> T:
    """A record with its text ``fields`` (a name, a number, a dose) each set apart from the text
    around them in a right-to-left handout (:func:`.languages.isolate`)."""
    if language not in RIGHT_TO_LEFT:
        return record
    values = {name: getattr(record, name) for name in fields}
    return record._replace(**{name: isolate(v, language) for name, v in values.items() if v})  # type: ignore[attr-defined, no-any-return]


class _IsolatedDate(date):
    """A date whose ISO form (2026-05-01, the content's review date in the footer) reads left to
    right as a unit in a right-to-left handout: without isolates its groups are drawn in reverse."""

    def isoformat(self) -> str:
        return isolated(super().isoformat())


def _reviewed(procedure: Procedure, language: str) -> date:
    day = procedure.reviewed
    return _IsolatedDate(day.year, day.month, day.day) if language in RIGHT_TO_LEFT else day


def _worded(record: T, phrases: Mapping[str, str], *fields: str) -> T:
    """A record with each of its text ``fields`` that the facility worded in the handout's
    language (``[facility.translations]``: "the spine clinic" -> "la clínica de columna") so."""
    values = {name: getattr(record, name) for name in fields}
    return record._replace(**{name: phrases[v] for name, v in values.items() if v in phrases})  # type: ignore[attr-defined, no-any-return]


def _contacts(contacts: Contacts, language: str, phrases: Mapping[str, str]) -> Contacts:
    return Contacts(*(c and _isolated(_worded(c, phrases, "reaches"), language, "number", "reaches") for c in contacts))


def build_context(handout: Handout, procedure: Procedure, options: RenderOptions) -> dict[str, Any]:
    ordered = sorted(handout.restrictions, key=lambda r: r.ends)  # stable: same day, given order
    language = handout.language
    views = [_view(r, handout.facility.units, language) for r in ordered]
    by_kind: dict[str, RestrictionView | None] = {kind: None for kind in procedure.restrictions}
    by_kind.update({v.kind: v for v in views if v.kind != "custom"})
    phrases = handout.facility.phrases(language)
    context = {
        "patient": _isolated(handout.patient, language, "name", "mrn"),
        "procedure": ProcedureView(
            procedure.id, procedure.title_in(language), procedure.version, _reviewed(procedure, language)
        ),
        "procedure_date": handout.procedure_date,
        "level": handout.level and isolate(handout.level, language),
        "cause": handout.cause,
        "surgeon": handout.surgeon and isolate(handout.surgeon, language),
        "follow_up": handout.follow_up,
        "follow_up_with": handout.follow_up_with and isolate(handout.follow_up_with, language),
        "contacts": _contacts(handout.contacts, language, phrases),
        "blood_thinner_restart": handout.blood_thinner_restart,
        "medications": [_isolated(m, language, *m._fields) for m in handout.medications],
        "restrictions": views,
        "restriction": by_kind,
        "timeline": dict(handout.timeline),
        "values": _values(procedure, language),
        "facility": _isolated(_worded(handout.facility, phrases, "name"), language, *_FACILITY_TEXT),
        "language": handout.language,
        "large_print": options.large_print,
        "sample": options.sample,
    }
    assert set(context) == CONTEXT_NAMES
    return context
