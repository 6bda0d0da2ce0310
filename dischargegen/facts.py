"""From raw discharge facts (a mapping of fact names to values) to a validated :class:`Handout`.

This is the one place where input is checked. CLI options, a JSON file, a FHIR Bundle and an
HL7 v2 message all arrive here as a mapping whose keys are :data:`~dischargegen.model.FACT_FIELDS`
(the long option names). Values may be strings (as typed) or already-typed dates. Every problem
raises an :class:`~dischargegen.errors.InputError` that names the field.

Whether a text can be printed depends on the fonts, which the layout stage owns: the caller
passes a ``printable`` check (:func:`dischargegen.layout.fonts.first_unprintable`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any, NamedTuple

from .catalog import Catalog, Procedure
from .config import Config, LanguagePolicy
from .dates import Duration, local_time, parse_date, parse_datetime, parse_duration
from .errors import InputError, SourceError, key_name
from .languages import DIRECTION_CONTROLS, SOURCE_LANGUAGE, negotiate, well_formed
from .model import FACT_FIELDS, Cause, Facility, Handout, Medication, Origin, Patient, Restriction, Weight
from .names import cased
from .phones import contacts, format_phone
from .record import FhirContext, Record

DEFAULT_PROCEDURE = "kyphoplasty"
DEFAULT_LANGUAGE = SOURCE_LANGUAGE
CUSTOM = "custom"
_MAX_TEXT = 120
MAX_ITEMS = 20  # medicines, or restrictions given, in one handout
# Characters that draw nothing: dropped from text (a name of only these is blank).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))

Printable = Callable[[str], "tuple[str, str] | None"]
"""A check that returns the first character of a text that cannot be printed and why, or None."""
TextCheck = Callable[..., "str | None"]


def clean_text(
    value: object, field: str, *, printable: Printable, required: bool = False, max_length: int = _MAX_TEXT
) -> str | None:
    """A printable single-line string, NFC-normalised, with invisible characters dropped.

    Control characters and direction controls are an error; so is a character that cannot be
    printed. The message names the character's code point, never the text.
    """
    if value is not None and not isinstance(value, str):
        raise InputError(field, f"must be text, not {type(value).__name__}")
    if isinstance(value, str) and len(value) > max_length * 4:
        raise InputError(field, f"is longer than {max_length} characters")
    text = unicodedata.normalize("NFC", value.translate(_INVISIBLE)).strip() if value else ""
    if not text:
        if required:
            raise InputError(field, "is required and must not be blank")
        return None
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise InputError(field, f"contains a control character (U+{ord(char):04X})")
        if char in DIRECTION_CONTROLS:
            raise InputError(field, f"contains a text-direction control character (U+{ord(char):04X})")
    if len(text) > max_length:
        raise InputError(field, f"is longer than {max_length} characters")
    unprintable = printable(text)
    if unprintable is not None:
        char, reason = unprintable
        raise InputError(field, f"a character (U+{ord(char):04X}) {reason}")
    return text


def build_handout(
    facts: Mapping[str, Any], *, config: Config, catalog: Catalog, printable: Printable, today: date | None = None
) -> Handout:
    """Validate ``facts`` against the procedure's metadata and compute every date."""
    unknown = sorted(str(key) for key in set(facts) - set(FACT_FIELDS))
    if unknown:
        raise InputError(key_name(unknown[0]), "is not a known field")
    text = partial(clean_text, printable=printable)
    facility = config.facility
    procedure = catalog.get(text(facts.get("procedure"), "procedure") or DEFAULT_PROCEDURE)
    name = text(facts.get("name"), "name", required=True)
    assert name is not None
    procedure_date = parse_date(facts.get("date"), "date", today=today)
    dob = _optional_date(facts.get("dob"), "dob", today)
    if dob is not None and dob > procedure_date:
        raise InputError("dob", "is after the procedure date")
    cause = parse_cause(text(facts.get("cause"), "cause"), procedure)
    follow_up = None
    if facts.get("follow_up") not in (None, ""):
        follow_up = local_time(parse_datetime(facts["follow_up"], "follow_up"), facility.timezone)
        if follow_up.date() < procedure_date:
            raise InputError("follow_up", "is before the procedure date")
    language, warnings, english_copy = _language(
        text(facts.get("language"), "language", max_length=35), procedure, config.languages
    )
    who_to_call = contacts(
        facility,
        text(facts.get("phone"), "phone", max_length=40),
        text(facts.get("phone_24h"), "phone_24h", max_length=40),
        text(facts.get("clinic"), "clinic", max_length=60),
    )
    return Handout(
        procedure=procedure.id,
        language=language,
        english_copy=english_copy,
        patient=Patient(
            name=cased(name, facility.name_case), dob=dob, mrn=text(facts.get("mrn"), "mrn", max_length=40)
        ),
        procedure_date=procedure_date,
        restrictions=_restrictions(facts, procedure, config, procedure_date, text),
        timeline=_timeline(procedure, config, procedure_date),
        facility=facility,
        level=text(facts.get("level"), "level", max_length=40),
        cause=cause,
        surgeon=_person(text(facts.get("surgeon"), "surgeon"), facility),
        follow_up=follow_up,
        follow_up_with=_person(text(facts.get("follow_up_with"), "follow_up_with"), facility),
        contacts=who_to_call,
        blood_thinner_restart=_restart(facts.get("blood_thinner_restart"), procedure_date, today),
        medications=_medications(facts.get("medications"), text),
        warnings=warnings,
    )


def _person(name: str | None, facility: Facility) -> str | None:
    return cased(name, facility.name_case) if name else None


def parse_cause(text: str | None, procedure: Procedure) -> Cause | None:
    """One of the procedure's causes, in any case; None for none."""
    if text is None:
        return None
    cause = text.lower()
    if cause not in procedure.causes:
        raise InputError("cause", f"not a cause of this procedure (known: {', '.join(procedure.causes)})")
    return Cause(cause)


def _restart(value: object, procedure_date: date, today: date | None) -> date | None:
    restart = _optional_date(value, "blood_thinner_restart", today)
    if restart is not None and restart < procedure_date:
        raise InputError("blood_thinner_restart", "is before the procedure date")
    return restart


def _optional_date(value: object, field: str, today: date | None) -> date | None:
    if value is None or value == "":
        return None
    return parse_date(value, field, today=today)


def _language(value: str | None, procedure: Procedure, policy: LanguagePolicy) -> tuple[str, tuple[str, ...], bool]:
    """The handout's language for the code asked for, the warnings to give, and whether the
    English handout follows it (a draft translation, unless the facility turned that off)."""
    requested = value or DEFAULT_LANGUAGE
    if not well_formed(requested):
        raise InputError("language", "not a language code such as en or es-MX")
    found = negotiate(requested, procedure.languages)
    fallback = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in procedure.languages else procedure.languages[0]
    if found is None:
        return (
            fallback,
            (f"language: no {procedure.id} template in {requested!r}; the handout is in {fallback!r}",),
            False,
        )
    translation = procedure.translations.get(found)
    if translation is None or not translation.draft:
        return found, (), False
    if policy.require_reviewed:
        warning = (
            f"language: the {procedure.id} translation in {found!r} is a draft (not yet reviewed by a qualified"
            f" medical translator) and this facility requires reviewed ones; the handout is in {fallback!r}"
        )
        return fallback, (warning,), False
    return found, (), policy.english_copy and found != fallback


def parse_restriction(spec: object, field: str = "restriction") -> tuple[str, dict[str, str]]:
    """``lifting=10lb:6w``, ``driving=2d``, ``custom=No golf:4w`` or a mapping with the same parts."""
    if isinstance(spec, Mapping):
        unknown = sorted(str(key) for key in set(spec) - {"kind", "limit", "duration", "text"})
        if unknown:
            raise InputError(field, f"unknown key {key_name(unknown[0])} (known: kind, limit, duration, text)")
        for key, value in spec.items():
            if value is not None and not isinstance(value, str):
                raise InputError(f"{field}.{key_name(key)}", f"must be text, not {type(value).__name__}")
        kind = spec.get("kind") or (CUSTOM if spec.get("text") else None)
        if not isinstance(kind, str) or not kind.strip():
            raise InputError(field, "a restriction needs a kind (or a text, for a custom one)")
        return kind.strip().lower(), {k: v for k, v in spec.items() if k != "kind" and v is not None}
    if not isinstance(spec, str) or "=" not in spec:
        raise InputError(field, "not KIND=[LIMIT:]DURATION, e.g. lifting=10lb:6w")
    kind, _, value = spec.partition("=")
    kind = kind.strip().lower()
    head, sep, duration = value.rpartition(":")
    parts = {"duration": duration.strip()}
    if sep:
        parts["text" if kind == CUSTOM else "limit"] = head.strip()
    return kind, parts


class DefaultInForce(NamedTuple):
    """A procedure default as the facility runs it: its value and where the value came from."""

    kind: str
    duration: Duration
    limit: Weight | None
    origin: Origin  # template or facility
    source: str  # the source the template's metadata names


def restriction_defaults(procedure: Procedure, config: Config) -> dict[str, DefaultInForce]:
    """The procedure's default restrictions with the facility config's changes applied."""
    overrides = config.overrides(procedure.id).restrictions
    out = {}
    for kind, default in procedure.restrictions.items():
        override = overrides.get(kind)
        if override is None:
            out[kind] = DefaultInForce(kind, default.duration, default.limit, Origin.TEMPLATE, default.source)
        else:
            out[kind] = DefaultInForce(
                kind,
                override.duration or default.duration,
                override.limit or default.limit,
                Origin.FACILITY,
                override.source or default.source,
            )
    return out


def timeline_defaults(procedure: Procedure, config: Config) -> dict[str, DefaultInForce]:
    """The procedure's timeline durations with the facility config's changes applied."""
    overrides = config.overrides(procedure.id).timeline
    out = {}
    for key, default in procedure.timeline.items():
        override = overrides.get(key)
        if override is None or override.duration is None:
            out[key] = DefaultInForce(key, default.duration, None, Origin.TEMPLATE, default.source)
        else:
            out[key] = DefaultInForce(key, override.duration, None, Origin.FACILITY, override.source or default.source)
    return out


def _restrictions(
    facts: Mapping[str, Any], procedure: Procedure, config: Config, start: date, clean_text: TextCheck
) -> tuple[Restriction, ...]:
    in_force = {
        kind: Restriction(kind, d.duration, d.duration.after(start), d.limit, None, d.origin)
        for kind, d in restriction_defaults(procedure, config).items()
    }
    customs: list[Restriction] = []
    removed = {str(kind).strip().lower() for kind in _as_list(facts.get("no_restrictions"), "no_restrictions")}
    if removed - set(in_force):
        known = ", ".join(procedure.restrictions)
        raise InputError("no_restriction", f"not a restriction of this procedure (known: {known})")
    for spec in _as_list(facts.get("restrictions"), "restrictions"):
        kind, parts = parse_restriction(spec)
        if kind != CUSTOM and kind not in procedure.restrictions:
            known = ", ".join([*procedure.restrictions, CUSTOM])
            raise InputError("restriction", f"not a restriction kind of this procedure (known: {known})")
        if kind in removed:
            raise InputError(f"restriction {kind}", "is both changed and left out (--no-restriction): give one")
        field = f"restriction {kind}"
        duration = parse_duration(parts.get("duration"), field)
        if kind == CUSTOM:
            text = clean_text(parts.get("text"), field, required=True, max_length=200)
            customs.append(Restriction(CUSTOM, duration, duration.after(start), None, text, Origin.PATIENT))
            continue
        limit: Weight | None
        if "limit" in parts:
            if procedure.restrictions[kind].limit is None:
                raise InputError(field, "takes no weight limit, only a duration")
            limit = Weight.parse(parts["limit"], field)
        else:
            limit = in_force[kind].limit if kind in in_force else procedure.restrictions[kind].limit
        in_force[kind] = Restriction(kind, duration, duration.after(start), limit, None, Origin.PATIENT)
    return (*(r for kind, r in in_force.items() if kind not in removed), *customs)


def _timeline(procedure: Procedure, config: Config, start: date) -> dict[str, date]:
    return {key: d.duration.after(start) for key, d in timeline_defaults(procedure, config).items()}


MEDICINE_PARTS = ("name", "dose", "when", "purpose")


def parse_medication(item: object, field: str) -> dict[str, object]:
    """``Acetaminophen 500 mg|2 tablets|every 6 hours|pain`` or an object with the same parts
    (``instructions`` is read as ``when``, for records that give one line)."""
    if isinstance(item, str):
        parts = [part.strip() for part in item.split("|")]
        if len(parts) > len(MEDICINE_PARTS):
            raise InputError(field, "more than 4 parts: NAME|HOW MUCH|WHEN|WHAT FOR")
        return dict(zip(MEDICINE_PARTS, parts, strict=False))
    if not isinstance(item, Mapping):
        raise InputError(field, "must be NAME|HOW MUCH|WHEN|WHAT FOR or an object with name, dose, when, purpose")
    known = {*MEDICINE_PARTS, "instructions"}
    if set(item) - known:
        raise InputError(field, "unknown key in a medicine (known: name, dose, when, purpose)")
    given = dict(item)
    if "instructions" in given:
        if "when" in given:
            raise InputError(field, "give when or instructions, not both")
        given["when"] = given.pop("instructions")
    return given


def _medications(value: object, clean_text: TextCheck) -> tuple[Medication, ...]:
    meds = []
    for index, item in enumerate(_as_list(value, "medications")):
        field = f"medications[{index}]"
        parts = parse_medication(item, field)
        name = clean_text(parts.get("name"), f"{field}.name", required=True)
        assert name is not None
        meds.append(
            Medication(
                name, *(clean_text(parts.get(key), f"{field}.{key}", max_length=120) for key in MEDICINE_PARTS[1:])
            )
        )
    return tuple(meds)


def _as_list(value: object, field: str) -> Sequence[Any]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)) and len(value) > MAX_ITEMS:
        raise InputError(field, f"more than {MAX_ITEMS} given; a handout lists at most {MAX_ITEMS}")
    if isinstance(value, (list, tuple)):
        return value
    raise InputError(field, "must be a list")


def handout_from_record(
    record: Record,
    explicit: Mapping[str, Any],
    *,
    config: Config,
    catalog: Catalog,
    printable: Printable,
    today: date | None = None,
) -> Handout:
    """Build the handout from an EHR record's facts with the explicitly given facts on top.

    The facility's name and phone come from the config when it sets them, else from the record
    (the Encounter's Organization). What the record lacks (its ``pending`` errors) must be given
    explicitly. An invalid value taken from the record is reported under its FHIR path or HL7
    field; an invalid explicit fact under its own name.
    """
    given = {key: value for key, value in explicit.items() if value not in (None, "", (), [])}
    for problem in record.pending:
        missing = tuple(need for need in problem.needs if need not in given)
        if missing:  # say only what is still missing
            raise SourceError(
                problem.field,
                problem.message,
                needs=missing,
                alternatives=problem.alternatives,
                config_hint=problem.config_hint,
            )
    facts = {**record.facts, **given}
    facility = config.facility
    warnings: tuple[str, ...] = ()
    phone = facility.phone or _record_phone(record.facility_phone, facility.region)
    if record.facility_phone and not phone:
        warnings = (
            f"phone: the number in the record is not valid for region {facility.region}; "
            "a line to write it in prints instead",
        )
    name = facility.name or _organization_name(record.facility_name)
    if (name, phone) != (facility.name, facility.phone):
        config = config._replace(facility=facility._replace(name=name, phone=phone))
    try:
        handout = build_handout(facts, config=config, catalog=catalog, printable=printable, today=today)
        return handout._replace(warnings=handout.warnings + warnings, encounter=_encounter(record))
    except InputError as exc:
        if exc.field in given:
            raise
        origin = _origin(exc.field, record.paths)
        if origin is None:
            raise
        raise SourceError(origin, f"{exc.message} (the {exc.field} taken from the record)") from None


def _encounter(record: Record) -> str | None:
    """The visit the record is about: the FHIR Encounter's id, or the HL7 visit number (PV1-19)."""
    context = record.context
    if isinstance(context, FhirContext):
        return context.encounter.rsplit("/", 1)[-1] or None if context.encounter else None
    return context.visit


def _organization_name(name: str | None) -> str | None:
    """A record's organisation name without the separators and punctuation feeds leave at its
    end (``NORTH SHORE MEDICAL CENTER -``)."""
    trimmed = name.strip().rstrip(" -–—,;:/|.").strip() if name else ""
    return trimmed or None


def _record_phone(number: str | None, region: str) -> str | None:
    """The record's phone number when it is valid; a record's number in a foreign form does
    not stop the handout (the config's number, or a write-in line, is printed instead)."""
    if not number:
        return None
    try:
        format_phone(number, region, "phone")
    except InputError:
        return None
    return number


def _origin(fact: str, paths: Mapping[str, str]) -> str | None:
    if fact in paths:
        return paths[fact]
    head = fact.split(".", 1)[0]  # medications[2].name -> medications[2]
    return paths.get(head)
