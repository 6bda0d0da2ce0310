"""A FHIR R4 Bundle (any type: transaction, collection, searchset, batch) -> discharge facts.

The Bundle is read with :mod:`json` and indexed by ``fullUrl`` and ``Type/id``; only the
resources the handout needs (Patient, the chosen Procedure, its Encounter and Organization, the
surgeon, the follow-up Appointment, discharge MedicationRequests) are validated with the
``fhir.resources.R4B`` models. Every problem is a :class:`~dischargegen.sources.SourceError`
whose field is the FHIR path, e.g. ``Bundle.entry[3].resource(Procedure).performedDateTime``.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import CodeMap, Record, SourceError

MR_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
BCP47 = "urn:ietf:bcp:47"
_FULL_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_CLOCK = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")


@dataclass(frozen=True)
class FhirContext:
    """References for the write-back: ``Type/id`` when the resource has an id, else its fullUrl."""

    patient: dict[str, Any]  # a Reference: reference and, when known, the MRN identifier
    encounter: str | None = None
    procedure: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class _Entry:
    index: int
    type: str
    resource: dict[str, Any]
    full_url: str | None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource({self.type})"

    @property
    def reference(self) -> str | None:
        rid = self.resource.get("id")
        if isinstance(rid, str) and rid:
            return f"{self.type}/{rid}"
        return self.full_url


def read_bundle(
    data: bytes,
    codes: CodeMap,
    *,
    procedure_id: str | None = None,
    procedure: str | None = None,
) -> Record:
    """Parse a Bundle's bytes into a :class:`Record`.

    ``procedure_id`` picks a Procedure by id or fullUrl instead of the latest matching one;
    ``procedure`` (an explicitly given procedure id such as ``kyphoplasty``) lets a Procedure
    whose code is not in the code map be used when it is named by ``procedure_id``.
    """
    bundle = _Bundle(_load_json(data))
    patient = bundle.the_patient()
    chosen, procedure_key = bundle.the_procedure(codes, procedure_id, procedure)
    facts: dict[str, Any] = {}
    paths: dict[str, str] = {}
    _patient_facts(patient, facts, paths)
    _procedure_facts(bundle, chosen, patient, facts, paths)
    if procedure_key is not None:
        facts["procedure"] = procedure_key
        paths["procedure"] = f"{chosen.path}.code"
    encounter = bundle.resolve(chosen, "encounter", ("Encounter",))
    organization = None
    if encounter is not None:
        bundle.validate(encounter)
        organization = bundle.resolve(encounter, "serviceProvider", ("Organization",))
        if organization is not None:
            bundle.validate(organization)
    _follow_up(bundle, patient, chosen, encounter, facts, paths)
    _medications(bundle, patient, facts, paths)
    mrn = _mrn(patient)
    subject: dict[str, Any] = {"reference": patient.reference}
    if mrn is not None and mrn[1]:
        subject["identifier"] = {"system": mrn[1], "value": mrn[0]}
    org_name, org_phone = _organization(organization)
    return Record(
        facts=facts,
        paths=paths,
        facility_name=org_name,
        facility_phone=org_phone,
        context=FhirContext(
            patient=subject,
            encounter=encounter.reference if encounter else None,
            procedure=chosen.reference,
            organization=organization.reference if organization else None,
        ),
    )


def _load_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError("Bundle", f"not UTF-8 text (byte {exc.start}): not a FHIR JSON Bundle") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError("Bundle", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise SourceError("Bundle", "not valid JSON: nested too deeply") from None


class _Bundle:
    """The entries of one Bundle, indexed for reference resolution."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise SourceError("Bundle", f"the JSON is a {type(data).__name__}, not a FHIR resource")
        kind = data.get("resourceType")
        if kind != "Bundle":
            shown = kind if isinstance(kind, str) else "missing"
            raise SourceError("Bundle.resourceType", f"is {shown!r}, not 'Bundle'")
        raw = data.get("entry", [])
        if not isinstance(raw, list):
            raise SourceError("Bundle.entry", "must be a list")
        self.entries: list[_Entry] = []
        self.index: dict[str, _Entry] = {}
        self._validated: set[int] = set()
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise SourceError(f"Bundle.entry[{i}]", "must be an object")
            resource = item.get("resource")
            if resource is None:  # a DELETE or GET request entry
                continue
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise SourceError(f"Bundle.entry[{i}].resource", "is not a FHIR resource (no resourceType)")
            full_url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
            entry = _Entry(i, resource["resourceType"], resource, full_url)
            self.entries.append(entry)
            for key in _keys(entry):
                self.index.setdefault(key, entry)

    def of_type(self, kind: str) -> list[_Entry]:
        return [e for e in self.entries if e.type == kind]

    def the_patient(self) -> _Entry:
        patients = self.of_type("Patient")
        if not patients:
            raise SourceError("Bundle.entry", "no Patient resource in the Bundle")
        if len(patients) > 1:
            raise SourceError(patients[1].path, f"a second Patient (the first is {patients[0].path}); a Bundle must hold one patient")
        self.validate(patients[0])
        return patients[0]

    def the_procedure(self, codes: CodeMap, wanted: str | None, explicit: str | None) -> tuple[_Entry, str | None]:
        """The Procedure to write the handout for, and its procedure id from the code map."""
        if wanted:
            entry = self._find_procedure(wanted)
            key = _procedure_key(entry, codes)
            if key is None and not explicit:
                raise SourceError(f"{entry.path}.code", f"no code of Procedure {wanted!r} is in the procedure code map ({codes.describe()}); give --procedure or add the code to the config's [codes]")
            self.validate(entry)
            return entry, key
        candidates = []
        seen_codes = []
        for entry in self.of_type("Procedure"):
            key = _procedure_key(entry, codes)
            if key is None:
                seen_codes.extend(_codings(entry.resource.get("code"))[:1])
                continue
            if explicit and key != explicit:
                continue
            if entry.resource.get("status") != "completed":
                continue
            candidates.append((entry, key))
        if not candidates:
            found = ", ".join(sorted({f"{code}" for _, code in seen_codes})[:5]) or "none"
            raise SourceError("Bundle.entry", f"no completed Procedure with a code in the procedure code map ({codes.describe()}; Procedure codes found: {found})")
        dated = []
        for entry, key in candidates:
            self.validate(entry)
            dated.append((_performed(entry)[0], entry, key))
        dated.sort(key=lambda item: item[0])
        return dated[-1][1], dated[-1][2]

    def _find_procedure(self, wanted: str) -> _Entry:
        for key in (wanted, f"Procedure/{wanted}"):
            entry = self.index.get(key)
            if entry is not None and entry.type == "Procedure":
                return entry
        raise SourceError("--procedure-id", f"no Procedure with id or fullUrl {wanted!r} in the Bundle")

    def resolve(self, entry: _Entry, key: str, types: tuple[str, ...], value: Any = None) -> _Entry | None:
        """The entry that ``entry.resource[key]`` (or ``value``) refers to; dangling is an error."""
        ref = value if value is not None else entry.resource.get(key)
        where = f"{entry.path}.{key}"
        if ref is None:
            return None
        if not isinstance(ref, dict):
            raise SourceError(where, "must be a Reference object")
        text = ref.get("reference")
        if not isinstance(text, str) or not text:
            return None
        target = self.lookup(text)
        if target is None:
            raise SourceError(f"{where}.reference", f"dangling reference {text!r}: no entry in the Bundle has that fullUrl or Type/id")
        if target.type not in types:
            raise SourceError(f"{where}.reference", f"refers to a {target.type}, expected {' or '.join(types)}")
        return target

    def lookup(self, text: str) -> _Entry | None:
        text = text.split("/_history/")[0]
        if text in self.index:
            return self.index[text]
        match = re.search(r"([A-Za-z]+/[A-Za-z0-9\-.]{1,64})$", text)
        return self.index.get(match.group(1)) if match else None

    def validate(self, entry: _Entry) -> None:
        """Validate one resource with its ``fhir.resources.R4B`` model, once."""
        if entry.index in self._validated:
            return
        model = _model(entry.type)
        try:
            model.model_validate(entry.resource)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise SourceError(*_first_error(entry.path, exc)) from None
        self._validated.add(entry.index)


def _keys(entry: _Entry) -> list[str]:
    keys = []
    if entry.full_url:
        keys.append(entry.full_url)
        match = re.search(r"([A-Za-z]+/[A-Za-z0-9\-.]{1,64})$", entry.full_url)
        if match and match.group(1).startswith(entry.type + "/"):
            keys.append(match.group(1))
    rid = entry.resource.get("id")
    if isinstance(rid, str) and rid:
        keys.append(f"{entry.type}/{rid}")
    return keys


_MODELS: dict[str, Any] = {}


def _model(kind: str) -> Any:
    if kind not in _MODELS:
        module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
        _MODELS[kind] = getattr(module, kind)
    return _MODELS[kind]


def _first_error(path: str, exc: ValueError) -> tuple[str, str]:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError):
            first = None
        if first:
            loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first.get("loc", ()))
            message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            return f"{path}{loc}", f"invalid under FHIR R4: {message}"
    return path, "invalid under FHIR R4"


def _codings(concept: Any) -> list[tuple[str | None, str]]:
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [(c.get("system"), c["code"]) for c in concept["coding"] if isinstance(c, dict) and isinstance(c.get("code"), str)]


def _procedure_key(entry: _Entry, codes: CodeMap) -> str | None:
    for system, code in _codings(entry.resource.get("code")):
        key = codes.lookup(system, code)
        if key is not None:
            return key
    return None


def _performed(entry: _Entry) -> tuple[str, str]:
    """The performed date-time text and its path; a Procedure without a full date is an error."""
    resource = entry.resource
    if isinstance(resource.get("performedDateTime"), str):
        text, where = resource["performedDateTime"], f"{entry.path}.performedDateTime"
    elif isinstance(resource.get("performedPeriod"), dict) and (resource["performedPeriod"].get("start") or resource["performedPeriod"].get("end")):
        period = resource["performedPeriod"]
        key = "start" if period.get("start") else "end"
        text, where = period[key], f"{entry.path}.performedPeriod.{key}"
    else:
        raise SourceError(f"{entry.path}.performed[x]", "the Procedure has no performedDateTime or performedPeriod: its date is needed")
    if not isinstance(text, str) or not _FULL_DATE.match(text):
        raise SourceError(where, f"{text!r} is not a full date (YYYY-MM-DD)")
    return text, where


def _human_name(names: Any) -> tuple[str | None, int]:
    """``Given Family`` from ``name[use=official]``, else ``name[0]``; prefixes are left out."""
    if not isinstance(names, list) or not names:
        return None, 0
    order = sorted(range(len(names)), key=lambda i: 0 if names[i].get("use") == "official" else 1)
    for i in order:
        name = names[i]
        parts = [*name.get("given", []), name.get("family") or ""]
        text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        if text:
            return text, i
        if isinstance(name.get("text"), str) and name["text"].strip():
            return name["text"].strip(), i
    return None, 0


def _patient_facts(patient: _Entry, facts: dict[str, Any], paths: dict[str, str]) -> None:
    resource = patient.resource
    name, index = _human_name(resource.get("name"))
    if name is None:
        raise SourceError(f"{patient.path}.name", "the Patient has no name")
    facts["name"], paths["name"] = name, f"{patient.path}.name[{index}]"
    birth = resource.get("birthDate")
    if isinstance(birth, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
        facts["dob"], paths["dob"] = date.fromisoformat(birth), f"{patient.path}.birthDate"
    mrn = _mrn(patient)
    if mrn is not None:
        facts["mrn"], paths["mrn"] = mrn[0], f"{patient.path}.identifier[{mrn[2]}].value"
    language = _language(resource.get("communication"))
    if language is not None:
        facts["language"], paths["language"] = language[0], f"{patient.path}.communication[{language[1]}].language"


def _mrn(patient: _Entry) -> tuple[str, str | None, int] | None:
    """The identifier typed v2-0203 ``MR`` (never simply the first identifier)."""
    for i, ident in enumerate(patient.resource.get("identifier") or []):
        kind = ident.get("type") if isinstance(ident, dict) else None
        for system, code in _codings(kind):
            if system == MR_SYSTEM and code == "MR" and isinstance(ident.get("value"), str):
                return ident["value"], ident.get("system"), i
    return None


def _language(communication: Any) -> tuple[str, int] | None:
    if not isinstance(communication, list):
        return None
    order = sorted(range(len(communication)), key=lambda i: 0 if communication[i].get("preferred") is True else 1)
    for i in order:
        codings = _codings(communication[i].get("language"))
        for system, code in sorted(codings, key=lambda c: 0 if c[0] == BCP47 else 1):
            return code, i
    return None


def _procedure_facts(bundle: _Bundle, entry: _Entry, patient: _Entry, facts: dict[str, Any], paths: dict[str, str]) -> None:
    subject = bundle.resolve(entry, "subject", ("Patient", "Group"))
    if subject is not None and subject is not patient:
        raise SourceError(f"{entry.path}.subject", "refers to a different subject than the Bundle's Patient")
    text, where = _performed(entry)
    facts["date"], paths["date"] = date.fromisoformat(text[:10]), where
    sites = entry.resource.get("bodySite") or []
    if sites:
        site = sites[0]
        level = site.get("text") or next((c.get("display") or c.get("code") for c in site.get("coding", [])), None)
        if level:
            facts["level"], paths["level"] = level, f"{entry.path}.bodySite[0]"
    for i, performer in enumerate(entry.resource.get("performer") or []):
        surgeon = _performer_name(bundle, entry, i, performer)
        if surgeon:
            facts["surgeon"], paths["surgeon"] = surgeon, f"{entry.path}.performer[{i}].actor"
            break


def _performer_name(bundle: _Bundle, procedure: _Entry, i: int, performer: dict[str, Any]) -> str | None:
    actor = performer.get("actor") or {}
    display = actor.get("display") if isinstance(actor.get("display"), str) else None
    if display and bundle.lookup(str(actor.get("reference", ""))) is None:
        return display  # a reference outside the Bundle that carries its display
    target = bundle.resolve(procedure, f"performer[{i}].actor", ("Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson", "Device"), actor)
    if target is not None and target.type == "PractitionerRole":
        bundle.validate(target)
        role_display = target.resource.get("practitioner", {}).get("display")
        if role_display and bundle.lookup(str(target.resource["practitioner"].get("reference", ""))) is None:
            return role_display
        target = bundle.resolve(target, "practitioner", ("Practitioner",))
    if target is None or target.type != "Practitioner":
        return display
    bundle.validate(target)
    names = target.resource.get("name") or []
    if names:
        prefix = " ".join(p for p in names[0].get("prefix", []) if isinstance(p, str))
        name, _ = _human_name(names)
        if name:
            return f"{prefix} {name}".strip()
    return display


def _organization(entry: _Entry | None) -> tuple[str | None, str | None]:
    if entry is None:
        return None, None
    name = entry.resource.get("name") if isinstance(entry.resource.get("name"), str) else None
    phones = [t for t in entry.resource.get("telecom") or [] if t.get("system") == "phone" and t.get("value")]
    phones.sort(key=lambda t: 0 if t.get("use") == "work" else 1)
    return name, phones[0]["value"] if phones else None


def _moment(text: str) -> datetime | date:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10])


def _not_before(text: str, floor: str) -> bool:
    a, b = _moment(text), _moment(floor)
    if isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None):
        return a >= b
    a_day = a.date() if isinstance(a, datetime) else a
    b_day = b.date() if isinstance(b, datetime) else b
    return a_day >= b_day


def _follow_up(bundle: _Bundle, patient: _Entry, procedure: _Entry, encounter: _Entry | None, facts: dict[str, Any], paths: dict[str, str]) -> None:
    """The first booked Appointment of this patient that starts after the procedure and discharge."""
    floors = [_performed(procedure)[0]]
    end = (encounter.resource.get("period") or {}).get("end") if encounter else None
    if isinstance(end, str) and _FULL_DATE.match(end):
        floors.append(end)
    best: tuple[str, _Entry] | None = None
    for entry in bundle.of_type("Appointment"):
        start = entry.resource.get("start")
        if entry.resource.get("status") != "booked" or not isinstance(start, str) or not _CLOCK.match(start):
            continue
        if not all(_not_before(start, floor) for floor in floors) or not _for_patient(bundle, entry, patient):
            continue
        if best is None or not _not_before(start, best[0]):
            best = (start, entry)
    if best is None:
        return
    bundle.validate(best[1])
    match = _CLOCK.match(best[0])
    assert match is not None
    facts["follow_up"], paths["follow_up"] = f"{match.group(1)} {match.group(2)}", f"{best[1].path}.start"


def _for_patient(bundle: _Bundle, appointment: _Entry, patient: _Entry) -> bool:
    """Whether a participant is this Patient; an Appointment naming no patient counts as theirs."""
    named_patient = False
    for participant in appointment.resource.get("participant") or []:
        ref = (participant.get("actor") or {}).get("reference") if isinstance(participant, dict) else None
        if not isinstance(ref, str):
            continue
        target = bundle.lookup(ref)
        if target is patient:
            return True
        if (target is not None and target.type == "Patient") or ref.startswith("Patient/"):
            named_patient = True
    return not named_patient


def _medications(bundle: _Bundle, patient: _Entry, facts: dict[str, Any], paths: dict[str, str]) -> None:
    """Active MedicationRequests in category ``discharge`` for this patient."""
    meds = []
    for entry in bundle.of_type("MedicationRequest"):
        resource = entry.resource
        categories = resource.get("category") or []
        if resource.get("status") != "active" or not any(code == "discharge" for c in categories for _, code in _codings(c)):
            continue
        if bundle.resolve(entry, "subject", ("Patient", "Group")) is not patient:
            continue
        bundle.validate(entry)
        name = _medication_name(bundle, entry)
        if not name:
            raise SourceError(f"{entry.path}.medication[x]", "the discharge MedicationRequest names no medicine")
        texts = [d["text"].strip() for d in resource.get("dosageInstruction") or [] if isinstance(d.get("text"), str) and d["text"].strip()]
        paths[f"medications[{len(meds)}]"] = entry.path
        meds.append({"name": name, "instructions": "; ".join(texts) or None})
    if meds:
        facts["medications"] = meds


def _medication_name(bundle: _Bundle, entry: _Entry) -> str | None:
    concept = entry.resource.get("medicationCodeableConcept")
    ref = entry.resource.get("medicationReference")
    if isinstance(ref, dict):
        text = str(ref.get("reference", ""))
        if text.startswith("#"):
            contained = next((c for c in entry.resource.get("contained", []) if c.get("id") == text[1:]), None)
            concept = contained.get("code") if contained else None
        elif ref.get("display") and bundle.lookup(text) is None:
            return str(ref["display"])
        else:
            target = bundle.resolve(entry, "medicationReference", ("Medication",))
            concept = target.resource.get("code") if target else None
        if concept is None and ref.get("display"):
            return str(ref["display"])
    if not isinstance(concept, dict):
        return None
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return concept["text"].strip()
    for coding in concept.get("coding", []):
        if isinstance(coding, dict) and isinstance(coding.get("display"), str):
            return coding["display"]
    return None
