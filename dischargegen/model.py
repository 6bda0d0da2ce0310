"""The handout model: one patient's finished discharge facts, validated, with dates computed.

Every entry point (CLI options, JSON, FHIR, HL7 v2) builds a :class:`Handout` through
:func:`dischargegen.facts.build_handout`; the content and layout stages only read it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from .dates import Duration
from .errors import InputError

# The facts a handout is made from: the keys of a facts mapping (JSON input, the library API)
# and the long names of the command-line options that give them.
FACT_FIELDS = (
    "phone",
    "phone_24h",
    "clinic",
    "follow_up_with",
    "name",
    "date",
    "procedure",
    "dob",
    "mrn",
    "level",
    "cause",
    "surgeon",
    "follow_up",
    "restrictions",
    "no_restrictions",
    "blood_thinner_restart",
    "medications",
    "language",
)


class Units(StrEnum):
    """The unit weight limits print in first."""

    LB = "lb"
    KG = "kg"


class PageSize(StrEnum):
    LETTER = "letter"
    A4 = "a4"


class Cause(StrEnum):
    """Causes of a vertebral fracture that a procedure's handout can add a section for."""

    OSTEOPOROSIS = "osteoporosis"
    CANCER = "cancer"
    TRAUMA = "trauma"


class Tier(StrEnum):
    """Warning-sign tiers: call 911, or call the doctor."""

    EMERGENCY = "911"
    DOCTOR = "doctor"


class Origin(StrEnum):
    """Where a restriction's or timeline entry's value came from."""

    TEMPLATE = "template"
    FACILITY = "facility"
    PATIENT = "patient"


class PdfProfile(StrEnum):
    """What the PDF claims and is checked to be: PDF/A-2u (archival, text extractable) and
    PDF/UA-1 (tagged, for screen readers); PDF/A-2b; or plain (ReportLab's output as it is)."""

    ARCHIVAL = "pdfa-2u+ua-1"
    PDFA_2B = "pdfa-2b"
    PLAIN = "plain"


# The handout's document type, as the write-back files it: LOINC 69730-0, "Instructions".
DOCUMENT_TYPE = "69730-0"


class Barcodes(NamedTuple):
    """``[barcode]``: what the acknowledgement page's Code 128 carries (a format over
    ``{mrn}``, ``{encounter}`` and ``{document_type}``), and whether a QR code carries the
    document's identifier. Neither ever carries the patient's name."""

    code128: str | None = None
    qr: bool = False

    @property
    def any(self) -> bool:
        return self.code128 is not None or self.qr


class InputKind(StrEnum):
    """The EHR record formats."""

    FHIR = "fhir"
    HL7 = "hl7"


KG_PER_LB = Decimal("0.45359237")
_LIMIT = re.compile(r"^\s*([0-9]{1,4}(?:\.[0-9]{1,3})?)\s*(lb|lbs|kg)\s*$", re.IGNORECASE)


class Weight(NamedTuple):
    """A weight limit as the clinician gave it (``10lb``, ``4.5kg``)."""

    value: Decimal
    unit: Units

    @classmethod
    def parse(cls, text: object, field_name: str) -> Weight:
        """``10lb`` or ``4.5kg``: at least 1 lb (0.5 kg), so that it never prints as 0, and at most 200."""
        match = _LIMIT.match(text) if isinstance(text, str) else None
        if not match:
            raise InputError(field_name, "the limit is not a weight such as 10lb or 4.5kg")
        weight = cls(Decimal(match.group(1)), Units(match.group(2).lower().rstrip("s")))
        if weight.in_unit(Units.LB) < 1 or weight.in_unit(Units.KG) < Decimal("0.5") or weight.value > 200:
            raise InputError(field_name, "the limit must be at least 1 lb (0.5 kg) and at most 200")
        return weight

    def in_unit(self, unit: Units) -> Decimal:
        """The value in ``lb`` or ``kg``: pounds to whole numbers when converted, kilograms to 0.1."""
        if unit == self.unit:
            return self.value
        if unit == Units.KG:
            return (self.value * KG_PER_LB).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return (self.value / KG_PER_LB).quantize(Decimal("1"), ROUND_HALF_UP)

    def __str__(self) -> str:
        return f"{_number(self.value)}{self.unit}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


class Restriction(NamedTuple):
    """One activity restriction in force, with the calendar date it ends."""

    kind: str  # a kind the procedure defines (lifting, activity, driving, soaking) or "custom"
    duration: Duration
    ends: date
    limit: Weight | None = None
    text: str | None = None  # the wording of a custom restriction
    origin: Origin = Origin.TEMPLATE


class Patient(NamedTuple):
    name: str
    dob: date | None = None
    mrn: str | None = None


class Medication(NamedTuple):
    """A discharge medicine: its name, how much, when, and what it is for, as written."""

    name: str
    dose: str | None = None
    when: str | None = None
    purpose: str | None = None

    @property
    def instructions(self) -> str | None:
        """How much and when, in one line (``2 tablets; every 6 hours``)."""
        return "; ".join(part for part in (self.dose, self.when) if part) or None


class NameCase(StrEnum):
    """How names print: as the record gives them, or in title case (for feeds in capitals)."""

    AS_GIVEN = "as-given"
    TITLE = "title"


class Contact(NamedTuple):
    """A telephone number as it prints, and whom it reaches."""

    number: str  # formatted for the facility's region: (617) 555-0100
    reaches: str | None = None  # the spine clinic, the doctor on call


class Contacts(NamedTuple):
    """Who to call: for problems in the day, at any hour, and to book the follow-up visit."""

    daytime: Contact | None = None
    after_hours: Contact | None = None
    booking: Contact | None = None


class Facility(NamedTuple):
    """Facility settings from the TOML config; absent values leave their lines out."""

    name: str | None = None
    phone: str | None = None  # for problems, in the day
    phone_24h: str | None = None  # at any hour
    units: Units = Units.LB
    page_size: PageSize = PageSize.LETTER
    logo: str | None = None
    clinic: str | None = None  # whom ``phone`` reaches
    phone_24h_reaches: str | None = None  # whom ``phone_24h`` reaches
    booking_phone: str | None = None  # books the follow-up visit (default: ``phone``)
    region: str = "US"  # how numbers without a country code are read and printed
    timezone: str | None = None  # IANA name; None: this machine's
    name_case: NameCase = NameCase.AS_GIVEN
    # ``[facility.translations.<language>]``: the facility's own phrases (its name, whom its
    # numbers reach) as the facility words them in a language, each phrase by its English form
    translations: Mapping[str, Mapping[str, str]] = MappingProxyType({})

    pdf_profile: PdfProfile = PdfProfile.ARCHIVAL
    barcodes: Barcodes = Barcodes()  # none without a [barcode] section

    def phrases(self, language: str) -> Mapping[str, str]:
        """The facility's phrases in ``language``: English phrase -> the facility's wording."""
        return self.translations.get(language, MappingProxyType({}))


class Handout(NamedTuple):
    """Everything a handout prints, final: no lookups or date arithmetic happen after this."""

    procedure: str
    language: str
    patient: Patient
    procedure_date: date
    restrictions: tuple[Restriction, ...]
    timeline: dict[str, date]  # named care dates computed from the procedure's defaults
    facility: Facility = Facility()
    level: str | None = None
    cause: Cause | None = None
    surgeon: str | None = None  # who did the procedure
    follow_up: datetime | None = None
    follow_up_with: str | None = None  # whom the follow-up visit is with
    blood_thinner_restart: date | None = None
    medications: tuple[Medication, ...] = ()
    contacts: Contacts = Contacts()
    english_copy: bool = False  # a draft translation: the English handout follows it
    encounter: str | None = None  # the visit in the EHR record (FHIR Encounter id, HL7 PV1-19)
    warnings: tuple[str, ...] = ()  # things the user must be told, e.g. a language fallback

    def code128(self) -> str | None:
        """The facility's Code 128 filled in for this handout; None when there is none, or when it
        names a value this handout lacks (no MRN, no encounter) or one a Code 128 cannot carry
        (printable ASCII only)."""
        pattern = self.facility.barcodes.code128
        if pattern is None:
            return None
        given = {"mrn": self.patient.mrn, "encounter": self.encounter, "document_type": DOCUMENT_TYPE}
        try:  # the config allows only these fields: a KeyError is a value this handout lacks
            text = pattern.format(**{name: value for name, value in given.items() if value})
        except KeyError:
            return None
        return text if all(" " <= char <= "~" for char in text) else None

    def with_barcode_warning(self, printed: str | None) -> Handout:
        """This handout, telling the user when the facility's Code 128 cannot print on it
        (``printed``: what the page's Code 128 carries, None when it has none)."""
        if self.facility.barcodes.code128 is None or printed is not None:
            return self
        problem = "barcode.code128: this handout lacks a value it names (MRN, encounter) or has one it cannot"
        return self._replace(warnings=(*self.warnings, f"{problem} carry (not ASCII, or too long for the page)"))


class RenderOptions(NamedTuple):
    """How to render: shared by the CLI, the library API and the EHR hook."""

    large_print: bool = False
    page_size: PageSize | None = None  # None: the facility's page size
    deterministic: bool = False  # identical bytes for identical input
    sample: bool = False  # mark every page as a sample (template previews)
    created: datetime | None = None  # the time written-back documents carry (None: now)
    pdf_profile: PdfProfile | None = None  # None: the facility's (default pdfa-2u+ua-1)
