"""Dates formatted from the cached date data are exactly what Babel prints with its full data."""

from __future__ import annotations

import os
import pickle
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date, format_time

from dischargegen.catalog import load_catalog
from dischargegen.content import locale_data
from dischargegen.languages import babel_locale


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    locale_data.date_locale.cache_clear()
    yield tmp_path / "cache" / "dischargegen" / "babel"
    locale_data.date_locale.cache_clear()


# Every language a template ships in (as Babel names it), but those whose date words the engine
# supplies itself (Haitian Creole), and a few more that a record may ask for.
SHIPPED = {babel_locale(code) for p in load_catalog(None).procedures.values() for code in p.languages}
LOCALES = sorted(SHIPPED - set(locale_data.SUPPLEMENTS) | {"el", "nl", "zh"})


def test_every_shipped_language_is_compared_with_babel() -> None:
    assert {"en", "ar", "hi", "ja", "zh_Hans", "zh_Hant", "fil"} <= set(LOCALES) and len(LOCALES) >= 18


@pytest.mark.parametrize("language", LOCALES)
def test_same_as_babel_every_day_and_time(fresh_cache: Path, language: str) -> None:
    first = locale_data.date_locale(language)  # builds and writes the cache
    locale_data.date_locale.cache_clear()
    cached = locale_data.date_locale(language)  # reads it back
    assert any(p.name.endswith(f"-{language}.json") for p in fresh_cache.iterdir())
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
    cache_file.write_bytes(b"not json")
    locale_data.date_locale.cache_clear()
    assert format_date(date(2027, 1, 5), "full", locale=locale_data.date_locale("en")) == "Tuesday, January 5, 2027"
    assert cache_file.read_bytes() != b"not json"


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


def _planted_pickle(folder: Path) -> Path:
    """A pickle that would create a file when loaded, where the old cache kept its pickles."""
    import babel

    marker = folder.parent.parent / "pwned"
    payload = pickle.dumps(_Planted(str(marker)))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{babel.__version__}-en.pickle").write_bytes(payload)
    return marker


class _Planted:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (open, (self.path, "w"))


def test_a_planted_pickle_is_never_loaded(fresh_cache: Path) -> None:
    marker = _planted_pickle(fresh_cache)
    locale_data.date_locale.cache_clear()
    assert format_date(date(2027, 1, 5), "full", locale=locale_data.date_locale("en")) == "Tuesday, January 5, 2027"
    assert not marker.exists()


def test_a_cache_folder_others_can_write_is_not_used(fresh_cache: Path) -> None:
    fresh_cache.mkdir(parents=True, exist_ok=True)
    os.chmod(fresh_cache, 0o777)  # as if another user could plant files in it
    assert locale_data.private_cache("babel") is None
    locale_data.date_locale.cache_clear()
    assert format_date(date(2027, 1, 5), "full", locale=locale_data.date_locale("en")) == "Tuesday, January 5, 2027"
    assert list(fresh_cache.iterdir()) == []  # nothing read or written there
    os.chmod(fresh_cache, 0o700)
    assert locale_data.private_cache("babel") == fresh_cache


def test_a_cache_folder_that_is_a_link_is_not_used(fresh_cache: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    fresh_cache.parent.mkdir(parents=True, exist_ok=True)
    fresh_cache.symlink_to(elsewhere)
    assert locale_data.private_cache("babel") is None


def test_a_cache_file_others_can_write_is_ignored(fresh_cache: Path) -> None:
    locale_data.date_locale("en")
    (cache_file,) = fresh_cache.iterdir()
    os.chmod(cache_file, 0o666)
    assert locale_data.read_private(cache_file) is None
    os.chmod(cache_file, 0o600)
    assert locale_data.read_private(cache_file) is not None
