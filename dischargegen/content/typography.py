"""A language's print habits that CLDR's date and time patterns leave out.

French print (the Imprimerie nationale's rules, as French books and forms follow them) puts a
space that never breaks before ``:`` and a narrow one before ``;``, ``!`` and ``?``, and inside
guillemets, so that no line starts with a colon; writes the first day of a month ``1er``
("mardi 1er décembre 2026"); and writes times ``10 h 30``. Other languages print as CLDR has
them.
"""

from __future__ import annotations

import re
from datetime import date

TIED = frozenset({"fr"})  # the languages whose text :func:`tie` changes
_FRENCH_TIES = (
    (re.compile(r" (?=:)"), "\u00a0"),
    (re.compile(r" (?=[;!?])"), "\u202f"),
    (re.compile(r"« "), "«\u00a0"),
    (re.compile(r" »"), "\u00a0»"),
)
_FIRST_DAY = re.compile(r"(?<!\d)1(?=[ \u00a0])")  # the day's number, the first one in the date
# Babel patterns for a time of day, where the language's short one is not how it prints
_TIME_PATTERNS = {"fr": "H\u00a0'h'\u00a0mm"}


def tie(text: str, language: str) -> str:
    """``text`` with the spaces its language keeps on the line with the next mark (French)."""
    if language not in TIED:
        return text
    for pattern, space in _FRENCH_TIES:
        text = pattern.sub(space, text)
    return text


def day_written(formatted: str, day: date, language: str) -> str:
    """A date as Babel formatted it, with the first of the month written the language's way."""
    if language == "fr" and day.day == 1:
        return _FIRST_DAY.sub("1er", formatted, count=1)
    return formatted


def colon(language: str) -> str:
    """The colon after a label (a date before what happens on it), spaced the language's way."""
    return "\u00a0:" if language == "fr" else ":"


def time_pattern(language: str) -> str:
    """The Babel pattern (or format name) a time of day is written in."""
    return _TIME_PATTERNS.get(language, "short")
