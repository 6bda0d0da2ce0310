"""Telephone numbers as a handout prints them: parsed and checked with Google's libphonenumber
rules (``phonenumbers``) and formatted for the facility's region: ``(617) 555-0100`` in the US,
the international form for a number from another country."""

from __future__ import annotations

from functools import lru_cache

from .errors import InputError
from .model import Contact, Contacts, Facility

MAX_LENGTH = 40


def format_phone(text: str, region: str, field: str) -> str:
    """``text`` as the facility's region writes it; an invalid number is an error naming ``field``."""
    if len(text) > MAX_LENGTH:
        raise InputError(field, f"is longer than {MAX_LENGTH} characters")
    formatted = _format(text.strip(), region.upper())
    if formatted is None:
        raise InputError(field, f"not a valid telephone number for region {region.upper()} (give the area code)")
    return formatted


@lru_cache(maxsize=64)
def _format(text: str, region: str) -> str | None:
    import phonenumbers  # deferred for start-up speed: 25 ms to import, and only needed with a number

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    home = phonenumbers.region_code_for_number(number) == region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return str(phonenumbers.format_number(number, style))


def contacts(facility: Facility, phone: str | None, phone_24h: str | None, clinic: str | None) -> Contacts:
    """Who to call: the numbers given for this patient win over the facility's; the follow-up is
    booked at the facility's booking number, else at the daytime number."""
    region = facility.region

    def contact(number: str | None, field: str, reaches: str | None) -> Contact | None:
        return Contact(format_phone(number, region, field), reaches) if number else None

    daytime = contact(phone, "phone", clinic) or contact(facility.phone, "phone", clinic or facility.clinic)
    after_hours = contact(phone_24h, "phone_24h", None) or contact(
        facility.phone_24h, "phone_24h", facility.phone_24h_reaches
    )
    booking = contact(facility.booking_phone, "booking_phone", facility.clinic) or daytime
    return Contacts(daytime, after_hours, booking)


def known_region(region: str) -> bool:
    """Whether ``region`` is a region libphonenumber knows (``US``, ``GB``...)."""
    import phonenumbers  # deferred for start-up speed

    return region.upper() in phonenumbers.SUPPORTED_REGIONS
