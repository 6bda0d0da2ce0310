"""Parsing the dates, times and durations that discharge facts carry, and date arithmetic.

Templates never compute dates: every end date is computed here, once, when the handout is built.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import NamedTuple

from .errors import InputError

_DURATION = re.compile(r"^\s*(-?[0-9]{1,6})\s*([dwm])\s*$", re.IGNORECASE)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{1,2}):([0-9]{2})"  # date, hour, minute
    r"(?::([0-9]{2})(?:\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})?"  # seconds, fraction, offset
)
YEARS = (1900, 2100)  # the years a date from input may fall in
# The longest duration accepted: two years, in each unit.
_MAX = {"d": 731, "w": 104, "m": 24}


class Duration(NamedTuple):
    """A span of days (``d``), weeks (``w``) or calendar months (``m``)."""

    amount: int
    unit: str

    def after(self, start: date) -> date:
        """The calendar date this duration ends when it starts on ``start``."""
        if self.unit == "d":
            return start + timedelta(days=self.amount)
        if self.unit == "w":
            return start + timedelta(weeks=self.amount)
        month_index = start.month - 1 + self.amount
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(value: object, field: str) -> Duration:
    """Parse ``2d``, ``6w`` or ``3m``; zero, negative or over two years is an error."""
    if isinstance(value, Duration):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise InputError(field, "the duration is not a number of days, weeks or months (2d, 6w, 3m)")
    amount, unit = int(match.group(1)), match.group(2).lower()
    if amount <= 0:
        raise InputError(field, "the duration must be more than zero")
    if amount > _MAX[unit]:
        raise InputError(field, "the duration is longer than two years")
    return Duration(amount, unit)


def check_year(day: date, field: str) -> date:
    """A date from input must fall in the years :data:`YEARS` (a year 1 or 9999 is a typo)."""
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise InputError(field, f"the year is outside {YEARS[0]}–{YEARS[1]}")
    return day


def parse_date(value: object, field: str, *, today: date | None = None) -> date:
    """Parse an ISO date (``2026-11-24``) or ``today``; a date that does not exist is an error."""
    if isinstance(value, datetime):
        return check_year(value.date(), field)
    if isinstance(value, date):
        return check_year(value, field)
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "a date is required (YYYY-MM-DD or 'today')")
    text = value.strip()
    if text.lower() == "today":
        return today or date.today()
    if not _DATE.fullmatch(text):
        raise InputError(field, "not a date in the form YYYY-MM-DD")
    try:
        return check_year(date.fromisoformat(text), field)
    except ValueError:
        raise InputError(field, "not a real calendar date") from None


def parse_datetime(value: object, field: str) -> datetime:
    """Parse ``2026-12-08 10:30`` (or with ``T``, or ``9:05``); the time is required. With an
    offset (``2026-12-08T15:30:00Z``, as FHIR gives instants) the result is an aware datetime."""
    if isinstance(value, datetime):
        check_year(value.date(), field)
        return value
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "a date and time is required (YYYY-MM-DD HH:MM)")
    match = _DATETIME.fullmatch(value.strip())
    if not match:
        raise InputError(field, "not a date and time in the form YYYY-MM-DD HH:MM")
    day = parse_date(match.group(1), field)
    hour, minute, second = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise InputError(field, "not a real time of day (00:00 to 23:59)")
    moment = datetime(day.year, day.month, day.day, hour, minute, second)
    offset = match.group(5)
    if offset:
        hours, minutes = (0, 0) if offset == "Z" else (int(offset[1:3]), int(offset[4:6]))
        if hours > 14 or minutes > 59:
            raise InputError(field, "not a real time-zone offset")
        sign = -1 if offset.startswith("-") else 1
        moment = moment.replace(tzinfo=dt_timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment


def local_time(moment: datetime, timezone: str | None) -> datetime:
    """``moment`` as the facility's clock shows it: an instant with an offset (from FHIR) is
    converted to the facility's IANA zone. Without a configured zone the clock time is kept as
    the record wrote it (a server's own zone, often UTC, says nothing of the ward's); a local
    time stays as it is."""
    if moment.tzinfo is None or timezone is None:
        return moment.replace(tzinfo=None)
    import zoneinfo  # deferred for start-up speed: only an instant with an offset needs it

    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).replace(tzinfo=None)
