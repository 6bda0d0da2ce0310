"""A FHIR R4 Bundle (any type: transaction, collection, searchset, batch) -> discharge facts.

Takes from the indexed Bundle (:mod:`.fhir_bundle`) the Patient, the chosen Procedure, its
Encounter and Organization, the surgeon, the follow-up Appointment and the discharge
MedicationRequests, validating each with the ``fhir.resources.R4B`` models. Every problem is a
:class:`~dischargegen.errors.SourceError` whose field is the FHIR path, e.g.
``Bundle.entry[3].resource(Procedure).performedDateTime``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from ..errors import SourceError
from ..record import FhirContext, Record
from .codes import CodeMap
from .fhir_bundle import Bundle, Entry, codings, load_bundle_json, odd_codings

MR_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"
BCP47 = "urn:ietf:bcp:47"
_FULL_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_CLOCK = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})")


def read_bundle(
    data: bytes,
    codes: CodeMap,
    *,
    procedure_id: str | None = None,
    procedure: str | None = None,
) -> Record:
    """Parse a Bundle's bytes into a :class:`Record`.

    ``procedure_id`` picks a Procedure by id or fullUrl instead of the latest matching one;
    ``procedure`` (a procedure id such as ``kyphoplasty`` given with the Bundle) limits the
    choice to that procedure, and lets the Procedure that ``procedure_id`` names be used when
    its code is not in the code map. A Bundle with no matching Procedure leaves the procedure
    and its date to be given: the record's ``pending`` error says so.
    """
    bundle = Bundle(load_bundle_json(data))
    patient = the_patient(bundle)
    facts: dict[str, Any] = {}
    paths: dict[str, str] = {}
    _patient_facts(patient, facts, paths)
    _medications(bundle, patient, facts, paths)
    mrn = _mrn(patient)
    subject: dict[str, Any] = {"reference": patient.reference}
    if mrn is not None and mrn[1]:
        subject["identifier"] = {"system": mrn[1], "value": mrn[0]}
    chosen = the_procedure(bundle, codes, procedure_id, procedure)
    if isinstance(chosen, SourceError):
        return Record(facts=facts, paths=paths, context=FhirContext(patient=subject), pending=(chosen,))
    entry, procedure_key = chosen
    _procedure_facts(bundle, entry, patient, facts, paths)
    if procedure_key is not None:
        facts["procedure"] = procedure_key
        paths["procedure"] = f"{entry.path}.code"
    encounter = bundle.resolve(entry, "encounter", ("Encounter",))
    organization = None
    if encounter is not None:
        bundle.validate(encounter)
        organization = bundle.resolve(encounter, "serviceProvider", ("Organization",))
        if organization is not None:
            bundle.validate(organization)
    _follow_up(bundle, patient, entry, encounter, facts, paths)
    org_name, org_phone = _organization(organization)
    return Record(
        facts=facts,
        paths=paths,
        facility_name=org_name,
        facility_phone=org_phone,
        context=FhirContext(
            patient=subject,
            encounter=encounter.reference if encounter else None,
            procedure=entry.reference,
            organization=organization.reference if organization else None,
        ),
    )


def the_patient(bundle: Bundle) -> Entry:
    patients = bundle.of_type("Patient")
    if not patients:
        raise SourceError("Bundle.entry", "no Patient resource in the Bundle")
    if len(patients) > 1:
        raise SourceError(
            patients[1].path, f"a second Patient (the first is {patients[0].path}); a Bundle must hold one patient"
        )
    bundle.validate(patients[0])
    return patients[0]


def the_procedure(
    bundle: Bundle, codes: CodeMap, wanted: str | None, explicit: str | None
) -> tuple[Entry, str | None] | SourceError:
    """The Procedure to write the handout for and its procedure id from the code map, or the
    error to raise when no procedure and date are given."""
    if wanted:
        entry = _find_procedure(bundle, wanted)
        key = _procedure_key(entry, codes)
        if key is None and not explicit:
            raise SourceError(
                f"{entry.path}.code",
                f"no code of the chosen Procedure is in the procedure code map ({codes.describe()})",
                needs=("procedure",),
                config_hint="add the code to the config's [codes]",
            )
        bundle.validate(entry)
        return entry, key
    candidates = []
    seen_codes = []
    for entry in bundle.of_type("Procedure"):
        if odd_codings(entry.resource.get("code")):
            bundle.validate(entry)  # the error names the coding at fault
        key = _procedure_key(entry, codes)
        if key is None:
            seen_codes.extend(codings(entry.resource.get("code"))[:1])
            continue
        if explicit and key != explicit:
            continue
        if entry.resource.get("status") != "completed":
            continue
        candidates.append((entry, key))
    if not candidates:
        found = ", ".join(sorted({f"{code}" for _, code in seen_codes})[:5]) or "none"
        return SourceError(
            "Bundle.entry",
            f"no completed Procedure with a code in the procedure code map ({codes.describe()}; "
            f"Procedure codes found: {found})",
            needs=("procedure", "date"),
            alternatives=(("procedure_id", "procedure"),),
            config_hint="add the code to the config's [codes]",
        )
    dated = []
    for entry, key in candidates:
        bundle.validate(entry)
        dated.append((_performed(entry)[0], entry, key))
    dated.sort(key=lambda item: item[0])
    return dated[-1][1], dated[-1][2]


def _find_procedure(bundle: Bundle, wanted: str) -> Entry:
    for key in (wanted, f"Procedure/{wanted}"):
        entry = bundle.index.get(key)
        if entry is not None and entry.type == "Procedure":
            return entry
    raise SourceError("procedure_id", "no Procedure with that id or fullUrl in the Bundle")


def _procedure_key(entry: Entry, codes: CodeMap) -> str | None:
    for system, code in codings(entry.resource.get("code")):
        key = codes.lookup(system, code)
        if key is not None:
            return key
    return None


def _performed(entry: Entry) -> tuple[str, str]:
    """The performed date-time text and its path; a Procedure without a full date is an error."""
    resource = entry.resource
    if isinstance(resource.get("performedDateTime"), str):
        text, where = resource["performedDateTime"], f"{entry.path}.performedDateTime"
    elif isinstance(resource.get("performedPeriod"), dict) and (
        resource["performedPeriod"].get("start") or resource["performedPeriod"].get("end")
    ):
        period = resource["performedPeriod"]
        key = "start" if period.get("start") else "end"
        text, where = period[key], f"{entry.path}.performedPeriod.{key}"
    else:
        raise SourceError(
            f"{entry.path}.performed[x]",
            "the Procedure has no performedDateTime or performedPeriod: its date is needed",
        )
    if not isinstance(text, str) or not _FULL_DATE.match(text):
        raise SourceError(where, "not a full date (YYYY-MM-DD)")
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


def _patient_facts(patient: Entry, facts: dict[str, Any], paths: dict[str, str]) -> None:
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


def _mrn(patient: Entry) -> tuple[str, str | None, int] | None:
    """The identifier typed v2-0203 ``MR`` (never simply the first identifier); two that differ
    are an error: which one is this patient's is a guess."""
    found = []
    for i, ident in enumerate(patient.resource.get("identifier") or []):
        kind = ident.get("type") if isinstance(ident, dict) else None
        if any(system == MR_SYSTEM and code == "MR" for system, code in codings(kind)) and isinstance(
            ident.get("value"), str
        ):
            found.append((ident["value"], ident.get("system"), i))
    if len({(value, system) for value, system, _ in found}) > 1:
        raise SourceError(
            f"{patient.path}.identifier", "two different medical record numbers (type MR); a Patient must have one"
        )
    return found[0] if found else None


def _language(communication: Any) -> tuple[str, int] | None:
    if not isinstance(communication, list):
        return None
    order = sorted(range(len(communication)), key=lambda i: 0 if communication[i].get("preferred") is True else 1)
    for i in order:
        found = codings(communication[i].get("language"))
        for _, code in sorted(found, key=lambda c: 0 if c[0] == BCP47 else 1):
            return code, i
    return None


def _procedure_facts(
    bundle: Bundle, entry: Entry, patient: Entry, facts: dict[str, Any], paths: dict[str, str]
) -> None:
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


def _performer_name(bundle: Bundle, procedure: Entry, i: int, performer: dict[str, Any]) -> str | None:
    actor = performer.get("actor") or {}
    display = str(actor["display"]) if isinstance(actor.get("display"), str) else None
    if display and bundle.lookup(str(actor.get("reference", ""))) is None:
        return display  # a reference outside the Bundle that carries its display
    target = bundle.resolve(
        procedure,
        f"performer[{i}].actor",
        ("Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson", "Device"),
        actor,
    )
    if target is not None and target.type == "PractitionerRole":
        bundle.validate(target)
        role_display = str(target.resource.get("practitioner", {}).get("display") or "")
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


def _organization(entry: Entry | None) -> tuple[str | None, str | None]:
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


def _follow_up(
    bundle: Bundle,
    patient: Entry,
    procedure: Entry,
    encounter: Entry | None,
    facts: dict[str, Any],
    paths: dict[str, str],
) -> None:
    """The first booked Appointment of this patient that starts after the procedure and discharge."""
    floors = [_performed(procedure)[0]]
    end = (encounter.resource.get("period") or {}).get("end") if encounter else None
    if isinstance(end, str) and _FULL_DATE.match(end):
        floors.append(end)
    best: tuple[str, Entry] | None = None
    for entry in bundle.of_type("Appointment"):
        start = entry.resource.get("start")
        if entry.resource.get("status") != "booked" or not isinstance(start, str) or not _CLOCK.match(start):
            continue
        bundle.validate(entry)  # a booked Appointment is read: its fields must be what FHIR says
        if not all(_not_before(start, floor) for floor in floors) or not _for_patient(bundle, entry, patient):
            continue
        if best is None or not _not_before(start, best[0]):
            best = (start, entry)
    if best is not None:
        facts["follow_up"], paths["follow_up"] = best[0], f"{best[1].path}.start"


def _for_patient(bundle: Bundle, appointment: Entry, patient: Entry) -> bool:
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


def _medications(bundle: Bundle, patient: Entry, facts: dict[str, Any], paths: dict[str, str]) -> None:
    """Active MedicationRequests in category ``discharge`` for this patient."""
    meds: list[dict[str, str | None]] = []
    for entry in bundle.of_type("MedicationRequest"):
        resource = entry.resource
        categories = resource.get("category") or []
        if resource.get("status") != "active" or not any(
            code == "discharge" for c in categories for _, code in codings(c)
        ):
            continue
        if bundle.resolve(entry, "subject", ("Patient", "Group")) is not patient:
            continue
        bundle.validate(entry)
        name = _medication_name(bundle, entry)
        if not name:
            raise SourceError(f"{entry.path}.medication[x]", "the discharge MedicationRequest names no medicine")
        paths[f"medications[{len(meds)}]"] = entry.path
        meds.append({"name": name, **_dosage(resource)})
    if meds:
        facts["medications"] = meds


def _dosage(resource: dict[str, Any]) -> dict[str, str | None]:
    """How much (``doseAndRate.doseQuantity``), when (the dosage text, else its timing's text)
    and what for (``reasonCode``), from a validated MedicationRequest."""
    dosages = resource.get("dosageInstruction") or []
    when = [d.get("text") or (d.get("timing") or {}).get("code", {}).get("text") for d in dosages]
    doses = []
    for dosage in dosages:
        for rate in dosage.get("doseAndRate") or []:
            quantity = rate.get("doseQuantity") or {}
            if quantity.get("value") is not None:
                unit = quantity.get("unit") or quantity.get("code") or ""
                doses.append(f"{quantity['value']:g} {unit}".strip())
    reasons = [
        c.get("text") or next((x.get("display") for x in c.get("coding", []) if x.get("display")), None)
        for c in resource.get("reasonCode") or []
    ]
    return {
        "dose": "; ".join(doses) or None,
        "when": "; ".join(w.strip() for w in when if isinstance(w, str) and w.strip()) or None,
        "purpose": ", ".join(r for r in reasons if isinstance(r, str) and r.strip()) or None,
    }


def _medication_name(bundle: Bundle, entry: Entry) -> str | None:
    concept = entry.resource.get("medicationCodeableConcept")
    ref = entry.resource.get("medicationReference")
    if isinstance(ref, dict):
        text = str(ref.get("reference", ""))
        if text.startswith("#"):
            found = entry.resource.get("contained")
            resources = found if isinstance(found, list) else []
            contained = next((c for c in resources if isinstance(c, dict) and c.get("id") == text[1:]), None)
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
        return str(concept["text"]).strip()
    for coding in concept.get("coding", []):
        if isinstance(coding, dict) and isinstance(coding.get("display"), str):
            return str(coding["display"])
    return None
