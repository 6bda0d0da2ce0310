"""End dates as the patient reads them: weekdays, leap years, month ends and year ends."""

from __future__ import annotations

from datetime import date

import pytest
from pdfcheck import pdf_text

from dischargegen import api
from dischargegen.dates import Duration, parse_date, parse_duration
from dischargegen.errors import InputError


@pytest.mark.parametrize(
    ("start", "spec", "ends"),
    [
        ("2026-11-24", "6w", date(2027, 1, 5)),  # crosses the year end
        ("2026-12-31", "2d", date(2027, 1, 2)),
        ("2028-02-28", "1d", date(2028, 2, 29)),  # leap day
        ("2028-02-29", "7d", date(2028, 3, 7)),
        ("2027-02-28", "1d", date(2027, 3, 1)),  # not a leap year
        ("2026-01-31", "1m", date(2026, 2, 28)),  # month end clamps
        ("2028-01-31", "1m", date(2028, 2, 29)),
        ("2026-11-30", "3m", date(2027, 2, 28)),
        ("2026-11-24", "12w", date(2027, 2, 16)),
        ("2026-11-24", "24m", date(2028, 11, 24)),
    ],
)
def test_end_dates(start: str, spec: str, ends: date) -> None:
    assert parse_duration(spec, "x").after(date.fromisoformat(start)) == ends


@pytest.mark.parametrize("bad", ["0d", "-2w", "0m", "105w", "732d", "25m", "6", "six weeks", "2y", "", "1.5w"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_duration(bad, "restriction lifting")
    assert str(info.value).startswith("restriction lifting: ")


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "2027-02-29", "24/11/2026", "yesterday", "2026-1-5", ""])
def test_bad_dates(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_date(bad, "date")
    assert str(info.value).startswith("date: ")


def test_today_is_today() -> None:
    assert parse_date("today", "date") == date.today()
    assert parse_date("TODAY", "date", today=date(2026, 1, 2)) == date(2026, 1, 2)


def test_duration_words() -> None:
    assert api.duration_words(Duration(1, "w")) == "1 week"
    assert api.duration_words(Duration(6, "w")) == "6 weeks"
    assert api.duration_words(Duration(6, "w"), "es") == "6 semanas"
    assert api.duration_words(Duration(2, "d"), "de") == "2 Tage"


# The start of each limit's line in the calendar legend, after its date.
LIFTING = "You may lift more than 10 lb (4.5 kg) again."
DRIVING = "You may drive again,"
SOAKING = "You may soak in a bath, pool or hot tub again."


@pytest.mark.parametrize(
    ("procedure_date", "expected"),
    [
        # Lifting (6 weeks), driving (2 days), soaking (7 days) from the kyphoplasty defaults.
        ("2026-11-24", ["Tuesday, January 5, 2027", "Thursday, November 26, 2026", "Tuesday, December 1, 2026"]),
        ("2027-12-30", ["Thursday, February 10, 2028", "Saturday, January 1, 2028", "Thursday, January 6, 2028"]),
        ("2028-02-27", ["Sunday, April 9, 2028", "Tuesday, February 29, 2028", "Sunday, March 5, 2028"]),
    ],
)
def test_printed_end_dates(render, procedure_date: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Each limit's legend line opens with the day it ends: "<weekday, month day, year>: You may ..."."""
    text = pdf_text(render({"date": procedure_date}))
    for when, what in zip(expected, (LIFTING, DRIVING, SOAKING), strict=True):
        assert f"{when}: {what}" in text
