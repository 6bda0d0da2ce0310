"""What a calendar needs from the handout's language: the first day of the week, the names of
the months and weekdays, and dates in full, all from Babel (CLDR).

The first day of the week belongs to a territory (Sunday in the United States, Monday in most
of Europe): the language's own territory when it names one (``pt-BR``), else the facility's
region, else the language's most likely one. Babel reads it from the locale's full CLDR data
(about 17 ms), so it is kept, like the date data, in the private cache folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from functools import lru_cache

import babel
from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import format_date

from ..content.locale_data import date_locale, private_cache, read_private
from ..content.typography import colon, day_written
from ..languages import babel_locale


class CalendarWords:
    """Month titles, weekday names and full dates in one language, Babel formatting each."""

    def __init__(self, language: str, region: str | None) -> None:
        self.tag = language
        self.language = babel_locale(language)
        self.locale = date_locale(self.language)
        self.first_day = first_weekday(self.language, region)  # 0 is Monday

    def weekdays(self, width: str = "abbreviated") -> list[str]:
        """The weekday names in calendar order, from the first day of the week."""
        names = self.locale.days["stand-alone"][width]
        return [str(names[(self.first_day + i) % 7]) for i in range(7)]

    def month(self, day: date, short: bool = False) -> str:
        """ "November 2026" (``short``: "Nov 2026"): the month's stand-alone name and the year."""
        return self._format(day.replace(day=1), "LLL y" if short else "LLLL y")

    def full(self, day: date) -> str:
        """ "Tuesday, January 5, 2027", as the templates' ``longdate`` prints it."""
        return day_written(self._format(day, "full"), day, self.tag)

    def label(self, day: date) -> str:
        """ "Tuesday, January 5, 2027:", the date before what happens on it."""
        return self.full(day) + colon(self.tag)

    def _format(self, day: date, pattern: str) -> str:
        """A date in ``pattern``, kept: a calendar asks for each month and day several times, and a
        batch for the same ones in handout after handout."""
        key = (self.language, day, pattern)
        text = _FORMATTED.get(key)
        if text is None:
            if len(_FORMATTED) >= 4096:
                _FORMATTED.clear()
            text = _FORMATTED[key] = str(format_date(day, pattern, locale=self.locale))
        return text


_FORMATTED: dict[tuple[str, date, str], str] = {}


@lru_cache(maxsize=16)
def first_weekday(language: str, region: str | None) -> int:
    """The first day of the week (0 Monday ... 6 Sunday) for ``language`` in ``region``."""
    try:
        parsed = Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return 0
    territory = parsed.territory or (region.upper() if region and region.isalpha() else None)
    if territory is None:  # the language's most likely territory: en -> US, es -> ES
        likely = str(get_global("likely_subtags").get(parsed.language, "")).split("_")
        territory = likely[-1] if len(likely) > 1 and likely[-1].isalpha() else None
    key = f"{parsed.language}_{territory}" if territory else parsed.language
    folder = private_cache("babel")
    path = folder / f"{babel.__version__}-week.json" if folder else None
    known: dict[str, int] = {}
    if path is not None and (blob := read_private(path)) is not None:
        try:
            loaded = json.loads(blob)
            known = {k: v for k, v in loaded.items() if isinstance(v, int) and 0 <= v <= 6}
        except (ValueError, AttributeError):
            known = {}
    if key in known:
        return known[key]
    try:
        day = int((Locale(parsed.language, territory) if territory else parsed).first_week_day)
    except (ValueError, UnknownLocaleError):
        day = int(parsed.first_week_day)
    if path is not None:
        _write(path, json.dumps({**known, key: day}).encode("utf-8"))
    return day


def _write(path: os.PathLike[str], blob: bytes) -> None:
    """Best effort, atomic: a cache that cannot be written only costs time on the next run."""
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)
    except OSError:
        pass
