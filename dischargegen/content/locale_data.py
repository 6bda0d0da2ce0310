"""Babel locales that carry only their date and time data, cached small between runs.

Formatting a date with Babel loads the language's whole CLDR data (currencies, territories,
units...: 25 ms for English), most of it unused here. The first run in a language takes the
parts that date and time formatting read, and keeps them in the user's cache folder keyed by
the Babel version; later runs load those 10 kB in under a millisecond. The formatting itself is
Babel's own, and a test checks that the results equal Babel's with full data.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

import babel
from babel.core import Locale
from babel.localedata import LocaleDataDict, load

# The parts of a locale's CLDR data that babel.dates reads for dates, times and day periods.
DATE_KEYS = (
    "days",
    "months",
    "quarters",
    "eras",
    "periods",
    "day_periods",
    "day_period_rules",
    "date_formats",
    "time_formats",
    "datetime_formats",
    "datetime_skeletons",
    "interval_formats",
)


def cache_folder(name: str) -> str | None:
    """``$XDG_CACHE_HOME/dischargegen/<name>`` (created, owner only), or None if it can't be."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "dischargegen", name)
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder


class DateLocale(Locale):
    """A Babel Locale whose data is the date subset; Babel formats with it as with any Locale."""

    def __init__(self, identifier: str, data: MutableMapping[str | int | None, Any]) -> None:
        parsed = Locale.parse(identifier)
        super().__init__(parsed.language, parsed.territory, parsed.script, parsed.variant)
        self._date_data = LocaleDataDict(data)

    @property
    def _data(self) -> LocaleDataDict:
        return self._date_data


@lru_cache(maxsize=16)
def date_locale(identifier: str) -> Locale:
    """The locale for formatting dates in ``identifier`` (``en``, ``es``...)."""
    folder = cache_folder("babel")
    path = os.path.join(folder, f"{babel.__version__}-{identifier}.pickle") if folder else None
    if path:
        try:
            with open(path, "rb") as handle:
                return DateLocale(identifier, pickle.load(handle))
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            pass  # not cached yet, or unreadable: build it again below
    full = load(str(Locale.parse(identifier)))
    data: dict[str | int | None, Any] = {key: full[key] for key in DATE_KEYS if key in full}
    if path and folder:
        _write(folder, path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
    return DateLocale(identifier, data)


def _write(folder: str, path: str, blob: bytes) -> None:
    """Best effort: a cache that cannot be written only costs time on the next run."""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)
    except OSError:
        pass
