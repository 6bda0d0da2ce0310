"""Babel locales that carry only their date, time and number data, cached small between runs,
and the private cache folder they (and compiled templates) are kept in.

Formatting a date with Babel loads the language's whole CLDR data (currencies, territories,
units...: 25 ms for English), most of it unused here. The first run in a language takes the
parts that date, time and decimal number formatting read, and keeps them as JSON in the user's cache folder
keyed by the Babel version; later runs load them in about a millisecond. The formatting itself
is Babel's own, and a test checks that the results equal Babel's with full data.

The cache is trusted only where no one else can write: a folder this user owns with mode 0700,
and files this user owns that no one else can write. It holds no pickles and no patient data;
anything that fails a check, or does not parse, is ignored and rebuilt.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import MutableMapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import babel
from babel.core import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.localedata import Alias, LocaleDataDict, load
from babel.numbers import NumberPattern, format_decimal
from babel.numbers import parse_pattern as parse_number_pattern

from ..languages import babel_locale

# The parts of a locale's CLDR data that babel.dates reads for dates, times and day periods, and
# babel.numbers for decimal numbers.
DATE_KEYS = ("days", "months", "quarters", "eras", "periods", "day_periods", "day_period_rules",
             "date_formats", "time_formats", "datetime_formats", "datetime_skeletons", "interval_formats",
             "number_symbols", "decimal_formats", "default_numbering_system")  # fmt: skip
CACHE_FORMAT = 3  # a new format (or new data): files of an older one are not read
_DECIMAL = re.compile(r"^[0-9]{1,9}(?:\.([0-9]{1,6}))?$")
MAX_CACHE_BYTES = 1024 * 1024


def private_cache(name: str) -> Path | None:
    """``$XDG_CACHE_HOME/dischargegen/<name>``, created 0700; None unless it is a real folder that
    this user owns and no one else could write. Another user's folder, a link, or a folder that
    others could write (and so could have planted files in) is never used; one that others
    could only read is closed to 0700."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "dischargegen" / name
    try:
        base.mkdir(parents=True, exist_ok=True)
        for path in (folder.parent, folder):
            path.mkdir(mode=0o700, exist_ok=True)
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
                return None
            if info.st_mode & 0o077:
                os.chmod(path, 0o700)
    except OSError:
        return None
    return folder


def read_private(path: Path) -> bytes | None:
    """The bytes of a cache file this user owns and no one else can write; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            return None
        data = handle.read(MAX_CACHE_BYTES + 1)
    return data if len(data) <= MAX_CACHE_BYTES else None


class DateLocale(Locale):
    """A Babel Locale whose data is the date and number subset; Babel formats with it as with any
    Locale."""

    def __init__(self, identifier: str, data: MutableMapping[str | int | None, Any]) -> None:
        parsed = Locale.parse(identifier)
        super().__init__(parsed.language, parsed.territory, parsed.script, parsed.variant)
        self._date_data = LocaleDataDict(data)

    @property
    def _data(self) -> LocaleDataDict:
        return self._date_data


# Languages whose CLDR data in Babel has no dates: their month and weekday names and date
# patterns, over the data of a language written the same way (Haitian Creole over French).
_MONTHS_HT = ["janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb", "novanm", "desanm"]
_DAYS_HT = ["lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch"]  # Monday first, as Babel counts
SUPPLEMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "ht": (
        "fr",
        {
            "months": {
                context: {
                    "wide": dict(enumerate(_MONTHS_HT, start=1)),
                    "abbreviated": {n: name[:3] for n, name in enumerate(_MONTHS_HT, start=1)},
                    "narrow": {n: name[0].upper() for n, name in enumerate(_MONTHS_HT, start=1)},
                }
                for context in ("format", "stand-alone")
            },
            "days": {
                context: {
                    "wide": dict(enumerate(_DAYS_HT)),
                    "abbreviated": {n: name[:3] for n, name in enumerate(_DAYS_HT)},
                    "short": {n: name[:3] for n, name in enumerate(_DAYS_HT)},
                    "narrow": {n: name[0].upper() for n, name in enumerate(_DAYS_HT)},
                }
                for context in ("format", "stand-alone")
            },
            "date_formats": {
                "full": parse_pattern("EEEE d MMMM y"),
                "long": parse_pattern("d MMMM y"),
                "medium": parse_pattern("d MMM y"),
                "short": parse_pattern("dd/MM/y"),
            },
        },
    )
}


@lru_cache(maxsize=16)
def date_locale(identifier: str) -> Locale:
    """The locale for formatting dates in ``identifier`` (``en``, ``es``...)."""
    folder = private_cache("babel")
    path = folder / f"{babel.__version__}-{CACHE_FORMAT}-{identifier}.json" if folder else None
    if path is not None:
        cached = read_private(path)
        if cached is not None:
            try:
                return DateLocale(identifier, _decode(json.loads(cached)))
            except (ValueError, TypeError, KeyError):
                pass  # not a cache this version wrote: build it again below
    base, supplement = SUPPLEMENTS.get(identifier, (identifier, {}))
    full = load(str(Locale.parse(base)))
    data: dict[str | int | None, Any] = {key: full[key] for key in DATE_KEYS if key in full}
    data.update(supplement)
    if path is not None:
        _write(path, json.dumps(_encode(data), separators=(",", ":")).encode("utf-8"))
    return DateLocale(identifier, data)


def is_decimal(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (``1000``, ``100.4``)."""
    return _DECIMAL.match(text) is not None


def decimal(text: str, identifier: str) -> str:
    """A plain decimal such as ``1000`` or ``100.4`` written the language's way, its decimal
    places kept: ``1,000`` and ``100.4`` in English, ``1.000`` and ``100,4`` in German."""
    match = _DECIMAL.match(text)
    if match is None:
        raise ValueError("not a plain decimal number")
    places = len(match.group(1) or "")
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(Decimal(text), pattern, locale=date_locale(babel_locale(identifier))))


def _encode(value: Any) -> Any:
    """Babel's date data as JSON: each container tagged with its type."""
    if isinstance(value, DateTimePattern):
        return {"p": value.pattern}
    if isinstance(value, NumberPattern):
        return {"n": value.pattern}
    if isinstance(value, Alias):
        return {"a": list(value.keys)}
    if isinstance(value, dict):
        return {"d": [[key, _encode(item)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return {"t" if isinstance(value, tuple) else "l": [_encode(item) for item in value]}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        if value is None or isinstance(value, (str, int, float)):
            return value
        raise ValueError("not cache data")
    ((tag, body),) = value.items()
    if tag == "p":
        return parse_pattern(body)
    if tag == "n":
        return parse_number_pattern(body)
    if tag == "a":
        return Alias(tuple(body))
    if tag == "d":
        return {key: _decode(item) for key, item in body}
    if tag in ("l", "t"):
        items = [_decode(item) for item in body]
        return tuple(items) if tag == "t" else items
    raise ValueError("not cache data")


def _write(path: Path, blob: bytes) -> None:
    """Best effort: a cache that cannot be written only costs time on the next run."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, path)
    except OSError:
        pass
