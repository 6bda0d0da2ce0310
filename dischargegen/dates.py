"""Parsing the dates, times and durations that discharge facts carry, and date arithmetic.

Templates never compute dates: every end date is computed here, once, when the handout is built.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from .errors import InputError

_DURATION = re.compile(r"^\s*(-?\d+)\s*([dwm])\s*$", re.IGNORECASE)
_UNIT_WORDS = {"d": ("day", "days"), "w": ("week", "weeks"), "m": ("month", "months")}
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

    @property
    def words(self) -> str:
        """English words for the span, e.g. ``6 weeks`` (templates translate through this)."""
        singular, plural = _UNIT_WORDS[self.unit]
        return f"{self.amount} {singular if self.amount == 1 else plural}"

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(value: object, field: str) -> Duration:
    """Parse ``2d``, ``6w`` or ``3m``; zero, negative or over two years is an error."""
    if isinstance(value, Duration):
        return value
    match = _DURATION.match(str(value)) if isinstance(value, (str, int)) else None
    if not match:
        raise InputError(field, f"duration {value!r} is not a number of days, weeks or months (2d, 6w, 3m)")
    amount, unit = int(match.group(1)), match.group(2).lower()
    if amount <= 0:
        raise InputError(field, f"duration {value!r} must be more than zero")
    if amount > _MAX[unit]:
        raise InputError(field, f"duration {value!r} is longer than two years")
    return Duration(amount, unit)


def parse_date(value: object, field: str, *, today: date | None = None) -> date:
    """Parse an ISO date (``2026-11-24``) or ``today``; a date that does not exist is an error."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "a date is required (YYYY-MM-DD or 'today')")
    text = value.strip()
    if text.lower() == "today":
        return today or date.today()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise InputError(field, f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"{text!r} is not a real calendar date") from None


def parse_datetime(value: object, field: str) -> datetime:
    """Parse ``2026-12-08 10:30`` (or with ``T``); the time is required and kept as local time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "a date and time is required (YYYY-MM-DD HH:MM)")
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?", text):
        raise InputError(field, f"{text!r} is not a date and time in the form YYYY-MM-DD HH:MM")
    try:
        return datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise InputError(field, f"{text!r} is not a real date and time") from None
