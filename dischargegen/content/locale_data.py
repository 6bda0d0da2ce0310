"""Babel locales that carry only their date and time data, cached small between runs, and the
private cache folder they (and compiled templates) are kept in.

Formatting a date with Babel loads the language's whole CLDR data (currencies, territories,
units...: 25 ms for English), most of it unused here. The first run in a language takes the
parts that date and time formatting read, and keeps them as JSON in the user's cache folder
keyed by the Babel version; later runs load them in about a millisecond. The formatting itself
is Babel's own, and a test checks that the results equal Babel's with full data.

The cache is trusted only where no one else can write: a folder this user owns with mode 0700,
and files this user owns that no one else can write. It holds no pickles and no patient data;
anything that fails a check, or does not parse, is ignored and rebuilt.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import babel
from babel.core import Locale
from babel.dates import DateTimePattern, parse_pattern
from babel.localedata import Alias, LocaleDataDict, load

# The parts of a locale's CLDR data that babel.dates reads for dates, times and day periods.
DATE_KEYS = ("days", "months", "quarters", "eras", "periods", "day_periods", "day_period_rules",
             "date_formats", "time_formats", "datetime_formats", "datetime_skeletons", "interval_formats")  # fmt: skip
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
    folder = private_cache("babel")
    path = folder / f"{babel.__version__}-{identifier}.json" if folder else None
    if path is not None:
        cached = read_private(path)
        if cached is not None:
            try:
                return DateLocale(identifier, _decode(json.loads(cached)))
            except (ValueError, TypeError, KeyError):
                pass  # not a cache this version wrote: build it again below
    full = load(str(Locale.parse(identifier)))
    data: dict[str | int | None, Any] = {key: full[key] for key in DATE_KEYS if key in full}
    if path is not None:
        _write(path, json.dumps(_encode(data), separators=(",", ":")).encode("utf-8"))
    return DateLocale(identifier, data)


def _encode(value: Any) -> Any:
    """Babel's date data as JSON: each container tagged with its type."""
    if isinstance(value, DateTimePattern):
        return {"p": value.pattern}
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
