"""Dates formatted from the cached date data are exactly what Babel prints with its full data."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date, format_time

from dischargegen.content import locale_data


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    locale_data.date_locale.cache_clear()
    yield tmp_path / "cache" / "dischargegen" / "babel"
    locale_data.date_locale.cache_clear()


@pytest.mark.parametrize("language", ["en", "es", "pt", "vi", "ru", "el", "zh", "ko", "tl", "fr", "de", "nl", "ar"])
def test_same_as_babel_every_day_and_time(fresh_cache: Path, language: str) -> None:
    first = locale_data.date_locale(language)  # builds and writes the cache
    locale_data.date_locale.cache_clear()
    cached = locale_data.date_locale(language)  # reads it back
    assert any(p.name.endswith(f"-{language}.pickle") for p in fresh_cache.iterdir())
    day = date(2026, 1, 1)
    for _ in range(3 * 366):  # three years, a leap day included
        expected = format_date(day, "full", locale=language)
        assert format_date(day, "full", locale=first) == expected
        assert format_date(day, "full", locale=cached) == expected
        day += timedelta(days=1)
    for hour in range(24):
        moment = datetime(2026, 12, 8, hour, 30)
        assert format_time(moment, "short", locale=cached) == format_time(moment, "short", locale=language)


def test_unreadable_cache_is_rebuilt(fresh_cache: Path) -> None:
    locale_data.date_locale("en")
    (cache_file,) = fresh_cache.iterdir()
    cache_file.write_bytes(b"not a pickle")
    locale_data.date_locale.cache_clear()
    assert format_date(date(2027, 1, 5), "full", locale=locale_data.date_locale("en")) == "Tuesday, January 5, 2027"
    assert cache_file.read_bytes() != b"not a pickle"


def test_no_writable_cache_still_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file, so no folder can be made under it
    locale_data.date_locale.cache_clear()
    try:
        assert (
            format_date(date(2028, 2, 29), "full", locale=locale_data.date_locale("en")) == "Tuesday, February 29, 2028"
        )
    finally:
        locale_data.date_locale.cache_clear()
    assert os.listdir(tmp_path) == ["file"]
