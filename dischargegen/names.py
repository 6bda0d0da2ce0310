"""Names as a facility chooses to print them: as given, or in title case for feeds that send
capitals (``EVERYMAN^ADAM^A`` from many HL7 interfaces).

Title case here knows the usual patterns of names: ``McDonald``, ``MacLeod`` (but ``Mackey``,
``Machado``), ``O'Brien``, ``D'Angelo``, ``Smith-Jones``, and particles in lower case after the
first word (``Maria de la Cruz``, ``Jan van der Berg``).
"""

from __future__ import annotations

import re

from .model import NameCase

PARTICLES = frozenset({"da", "de", "del", "della", "der", "di", "du", "la", "le", "van", "von", "den", "dos", "das"})
_PIECE = re.compile(r"([-'’])")


def cased(name: str, case: NameCase) -> str:
    if case == NameCase.AS_GIVEN:
        return name
    words = name.split(" ")
    return " ".join(_word(word, first=index == 0) for index, word in enumerate(words))


def _word(word: str, *, first: bool) -> str:
    lower = word.lower()
    if not first and lower in PARTICLES:
        return lower
    pieces = _PIECE.split(lower)  # words, each followed by its separator: o ' brien - smith
    out = []
    for index, piece in enumerate(pieces):
        after_apostrophe = index >= 2 and pieces[index - 1] in "'’" and len(pieces[index - 2]) != 1
        out.append(piece if after_apostrophe else _piece(piece))  # O'Brien, D'Angelo; but Ke'ala
    return "".join(out)


def _piece(piece: str) -> str:
    if not piece or not piece[0].isalpha():
        return piece
    if piece.startswith("mc") and len(piece) > 2:
        return "Mc" + piece[2].upper() + piece[3:]
    rest = piece[3:]
    if piece.startswith("mac") and len(rest) >= 4 and rest[0] not in "aeiouhk":
        return "Mac" + rest[0].upper() + rest[1:]
    return piece[0].upper() + piece[1:]
