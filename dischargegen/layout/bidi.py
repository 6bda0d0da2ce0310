"""Right-to-left text: the Unicode Bidirectional Algorithm (UAX #9) for one line at a time.

Lines are broken on the text as written (its logical order); each line is then put in the
order it is drawn, left to right on the page. Implemented: the weak and neutral rules
(W1-W7, N0-N2), the implicit levels (I1-I2), isolates (LRI, RLI, FSI ... PDI: a number that
must read left to right as a unit, such as a telephone number) and the line's reordering
(L1-L2). Not implemented: the embeddings and overrides (LRE, RLE, LRO, RLO, PDF), which
nothing in a handout writes (patient text may not hold any control of direction); they are
treated as the invisible characters they are. A character's class comes from the Unicode
data Python ships (``unicodedata.bidirectional``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from ..languages import DIRECTION_CONTROLS

_OPENERS = {"\u2066": 0, "\u2067": 1, "\u2068": None}  # LRI, RLI, FSI (its direction: its first strong character)
_PDI = "\u2069"
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u200f\u061c\u2067]")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {close: open_ for open_, close in _BRACKETS.items()}
_MIRRORS = {**_BRACKETS, **_CLOSERS, "<": ">", ">": "<", "«": "»", "»": "«", "‹": "›", "›": "‹"}
_NEUTRAL = frozenset({"B", "S", "WS", "ON", "BN", "LRI", "RLI", "FSI", "PDI", "LRE", "RLE", "LRO", "RLO", "PDF"})

Run = tuple[str, bool]  # (text, bold)
Segment = tuple[str, bool, bool]  # (text as written, bold, drawn right to left)


def has_right_to_left(text: str) -> bool:
    """Whether ``text`` holds a right-to-left character (Hebrew, Arabic, or a mark of their
    direction); text without one, in a left-to-right handout, needs no reordering."""
    return _RIGHT_TO_LEFT.search(text) is not None


def mirror(text: str) -> str:
    """``text`` drawn right to left without shaping: reversed, each bracket its mirror image."""
    return "".join(_MIRRORS.get(char, char) for char in reversed(text))


def _direction(level: int) -> str:
    return "R" if level % 2 else "L"


def _first_strong(classes: Sequence[str]) -> int | None:
    for cls in classes:
        if cls == "L":
            return 0
        if cls in ("R", "AL"):
            return 1
    return None


def _resolve(text: str, classes: list[str], level: int, levels: list[int], indices: list[int]) -> None:
    """Resolve the characters at ``indices`` (one isolating run sequence: the text of one level,
    its isolates skipped) and write their levels. Each isolate inside is resolved in turn."""
    types = [classes[i] for i in indices]
    outer = _direction(level)
    # W1: a mark takes the class of what it follows; after an isolate's edge it is neutral
    for k, cls in enumerate(types):
        if cls == "NSM":
            types[k] = outer if k == 0 else ("ON" if types[k - 1] in ("LRI", "RLI", "FSI", "PDI") else types[k - 1])
    # W2, W3: a European number after Arabic letters is an Arabic number; Arabic letters are R
    strong = outer
    for k, cls in enumerate(types):
        if cls in ("L", "R", "AL"):
            strong = cls
        elif cls == "EN" and strong == "AL":
            types[k] = "AN"
    types = ["R" if cls == "AL" else cls for cls in types]
    # W4: one separator between two numbers of a kind joins them (4.5, 10:30, 1,000)
    for k in range(1, len(types) - 1):
        before, cls, after = types[k - 1], types[k], types[k + 1]
        if (before == after == "EN" and cls in ("ES", "CS")) or (before == after == "AN" and cls == "CS"):
            types[k] = before
    # W5: a currency or per-cent sign next to a European number is part of it
    for k, cls in enumerate(types):
        if cls == "EN":
            for step in (-1, 1):
                j = k + step
                while 0 <= j < len(types) and types[j] == "ET":
                    types[j] = "EN"
                    j += step
    # W6, W7: other separators are neutral; a European number after left-to-right text is L
    types = ["ON" if cls in ("ES", "ET", "CS") else cls for cls in types]
    strong = outer
    for k, cls in enumerate(types):
        if cls in ("L", "R"):
            strong = cls
        elif cls == "EN" and strong == "L":
            types[k] = "L"
    _brackets(text, indices, types, outer)
    # N1, N2: neutrals between text of one direction take it (numbers count as R); others the level's
    k = 0
    while k < len(types):
        if types[k] not in _NEUTRAL:
            k += 1
            continue
        end = k
        while end < len(types) and types[end] in _NEUTRAL:
            end += 1
        before = outer if k == 0 else ("R" if types[k - 1] in ("R", "EN", "AN") else "L")
        after = outer if end == len(types) else ("R" if types[end] in ("R", "EN", "AN") else "L")
        types[k:end] = [before if before == after else outer] * (end - k)
        k = end
    # I1, I2: the levels
    for i, cls in zip(indices, types, strict=True):
        if level % 2 == 0:
            levels[i] = level + (1 if cls == "R" else 2 if cls in ("EN", "AN") else 0)
        else:
            levels[i] = level + (1 if cls in ("L", "EN", "AN") else 0)


def _brackets(text: str, indices: list[int], types: list[str], outer: str) -> None:
    """N0: a pair of brackets takes the direction of the text inside them when it is the level's,
    else that of the text inside when the text before the pair has it too ("(acetaminophen)"
    after English words, in an Arabic line)."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for k, i in enumerate(indices):
        char = text[i]
        if types[k] != "ON":
            continue
        if char in _BRACKETS:
            stack.append(k)
        elif char in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if text[indices[stack[depth]]] == _CLOSERS[char]:
                    pairs.append((stack[depth], k))
                    del stack[depth:]
                    break
    for open_k, close_k in sorted(pairs):
        inside = {
            "R" if cls in ("R", "EN", "AN") else "L"
            for cls in types[open_k + 1 : close_k]
            if cls in ("L", "R", "EN", "AN")
        }
        if not inside:
            continue
        if outer in inside:
            direction = outer
        else:
            before = [
                ("R" if cls in ("R", "EN", "AN") else "L") for cls in types[:open_k] if cls in ("L", "R", "EN", "AN")
            ]
            direction = before[-1] if before and before[-1] != outer else outer
        types[open_k] = types[close_k] = direction


def levels(text: str, base: int) -> list[int]:
    """Each character's embedding level in a paragraph of level ``base`` (0: left to right,
    1: right to left); odd levels are drawn right to left."""
    classes = [unicodedata.bidirectional(char) or "L" for char in text]
    out = [base] * len(text)
    _sequence(text, classes, base, list(range(len(text))), out)
    return out


def _sequence(text: str, classes: list[str], level: int, indices: list[int], out: list[int]) -> None:
    """Resolve ``indices`` at ``level``, and each isolate they hold one level or two up."""
    outer: list[int] = []
    k = 0
    while k < len(indices):
        i = indices[k]
        outer.append(i)
        if text[i] not in _OPENERS:
            k += 1
            continue
        depth, end = 1, k + 1  # the matching PDI (or the end of the text)
        while end < len(indices) and depth:
            char = text[indices[end]]
            depth += 1 if char in _OPENERS else -1 if char == _PDI else 0
            end += 1
        inner = indices[k + 1 : end - 1 if depth == 0 else end]
        wanted = _OPENERS[text[i]]
        if wanted is None:
            wanted = _first_strong([classes[j] for j in inner]) or 0
        inner_level = level + 1 if (level + 1) % 2 == wanted else level + 2
        _sequence(text, classes, inner_level, inner, out)
        if depth == 0:
            outer.append(indices[end - 1])
        k = end
    _resolve(text, classes, level, out, outer)


def _reorder(line_levels: list[int], base: int, text: str) -> list[int]:
    """L1, L2: the characters' indices in the order drawn, left to right."""
    lv = list(line_levels)
    k = len(text)
    while k and (text[k - 1] in DIRECTION_CONTROLS or unicodedata.bidirectional(text[k - 1]) in ("WS", "BN")):
        k -= 1
        lv[k] = base  # spaces at the end of a line take the paragraph's level
    order = list(range(len(text)))
    if not lv:
        return order
    lowest_odd = min(level for level in lv if level % 2) if any(level % 2 for level in lv) else None
    if lowest_odd is None:
        return order
    for level in range(max(lv), lowest_odd - 1, -1):
        k = 0
        while k < len(order):
            if lv[order[k]] < level:
                k += 1
                continue
            end = k
            while end < len(order) and lv[order[end]] >= level:
                end += 1
            order[k:end] = order[k:end][::-1]
            k = end
    return order


def visual(runs: Sequence[Run], right_to_left: bool) -> list[Segment]:
    """A line of (text, bold) runs as the segments it is drawn in, left to right on the page:
    each a piece of one run at one level, its text as written, and whether it is drawn right to
    left. Controls of direction are dropped. A left-to-right line with no right-to-left
    character is its runs."""
    text = "".join(piece for piece, _ in runs)
    if not right_to_left and not has_right_to_left(text):
        return [(piece, bold, False) for piece, bold in runs]
    return list(_visual(tuple(runs), right_to_left))


@lru_cache(maxsize=4096)
def _visual(runs: tuple[Run, ...], right_to_left: bool) -> tuple[Segment, ...]:
    text = "".join(piece for piece, _ in runs)
    bolds = [bold for piece, bold in runs for _ in piece]
    base = 1 if right_to_left else 0
    line_levels = levels(text, base)
    segments: list[tuple[list[str], bool, bool, int]] = []  # (characters as drawn, bold, rtl, last index)
    for i in _reorder(line_levels, base, text):
        if text[i] in DIRECTION_CONTROLS:
            continue
        rtl = line_levels[i] % 2 == 1
        last = segments[-1] if segments else None
        if last and last[1] == bolds[i] and last[2] == rtl and last[3] == (i + 1 if rtl else i - 1):
            last[0].append(text[i])
            segments[-1] = (last[0], last[1], rtl, i)
        else:
            segments.append(([text[i]], bolds[i], rtl, i))
    return tuple(("".join(reversed(chars) if rtl else chars), bold, rtl) for chars, bold, rtl, _ in segments)
