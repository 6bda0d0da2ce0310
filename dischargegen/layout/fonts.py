"""The bundled fonts: Atkinson Hyperlegible for the text, with fallbacks run by run.

Atkinson Hyperlegible covers Latin scripts only. A run of characters it lacks is set in Noto
Sans (Greek, Cyrillic, Vietnamese), then DejaVu Sans (symbols). A character that no bundled
font has is an error, never a blank box. Fonts are registered once per process, and the large
fallback fonts only when a text needs them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

from reportlab.lib.colors import Color, black
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..errors import RenderError

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
if not FONTS_DIR.is_dir():  # running from a source checkout
    FONTS_DIR = Path(__file__).resolve().parents[2] / "fonts"


class Family(NamedTuple):
    name: str
    regular: str
    bold: str


BODY = Family("Atkinson", "AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf")
FALLBACKS = (
    Family("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    Family("DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
)
FAMILIES = (BODY, *FALLBACKS)
# Characters that need no glyph of their own in running text.
_INVISIBLE = frozenset("\n\t\u00ad\u200b\u200c\u200d")


@cache
def register(family: Family) -> frozenset[int]:
    """Register a family's two faces with ReportLab once; returns the code points it covers."""
    regular = TTFont(family.name, str(FONTS_DIR / family.regular))
    bold = TTFont(f"{family.name}-Bold", str(FONTS_DIR / family.bold))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    faces: tuple[tuple[Literal[0, 1], str], ...] = ((0, family.name), (1, f"{family.name}-Bold"))
    for is_bold, face in faces:
        for italic in (0, 1):  # no italics in the handout: map them to upright faces
            addMapping(family.name, is_bold, italic, face)
            addMapping(f"{family.name}-Bold", is_bold, italic, face)
    return frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)


def _family_for(char: str) -> Family | None:
    if char in _INVISIBLE:
        return BODY
    for family in FAMILIES:
        if ord(char) in register(family):
            return family
    return None


def first_unprintable(text: str) -> tuple[str, str] | None:
    """The first character of ``text`` that the handout cannot print, and why; or None.

    A character is unprintable when no bundled font has it, or when it belongs to a
    right-to-left script (Arabic, Hebrew), which needs shaping that the layout does not do.
    """
    body = register(BODY)
    for char in text:
        if ord(char) in body:
            continue
        if ord(char) > 0xFFFF:  # the PDF text map of an embedded subset holds the BMP only
            return char, "is outside the characters a handout can print (emoji and rare scripts)"
        if unicodedata.bidirectional(char) in ("R", "AL", "AN"):
            return char, "needs right-to-left layout, which handouts do not support yet"
        if _family_for(char) is None:
            return char, "is in no bundled font"
    return None


def escape(text: str) -> str:
    """Escape the three characters that Paragraph markup gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_WORD = re.compile(r"\w+|\W", re.UNICODE)


def _family_for_word(word: str, body: frozenset[int]) -> Family:
    """One font for a whole word where possible, so that a word is never set in two faces."""
    if all(ord(c) in body or c in _INVISIBLE for c in word):
        return BODY
    for family in FALLBACKS:
        covered = register(family)
        if all(ord(c) in covered for c in word):
            return family
    for char in word:
        if _family_for(char) is None:
            raise RenderError(f"a character (U+{ord(char):04X}) is in no bundled font")
    return FALLBACKS[-1]  # pragma: no cover - a word split across fallbacks: set per character below


def face(family: Family, bold: bool) -> str:
    """The registered name of a family's regular or bold face."""
    return f"{family.name}-Bold" if bold else family.name


# Spaces the body font lacks, set as the no-break space it has (Babel writes "10:30\u202fAM"):
# the same meaning, and no fallback font embedded for one space.
_SPACES = str.maketrans({"\u202f": "\u00a0", "\u2007": "\u00a0", "\u2009": " ", "\u2002": " ", "\u2003": " "})


CACHED_CHARS = 64  # texts up to this long are measured and cut once per process (words, numbers)


def pieces(text: str) -> tuple[tuple[Family, str], ...]:
    """``text`` cut into runs that one family each can set, a whole word to a family (a short
    text once per process: the same words and day numbers are set again and again)."""
    return _cut(text) if len(text) <= CACHED_CHARS else _cut.__wrapped__(text)


@lru_cache(maxsize=16384)
def _cut(text: str) -> tuple[tuple[Family, str], ...]:
    body = register(BODY)
    text = text.translate(_SPACES)
    if body.issuperset(map(ord, text)):  # the common case: all in the body font
        return ((BODY, text),)
    out: list[tuple[Family, str]] = []
    for word in _WORD.findall(text):
        family = _family_for_word(word, body)
        if out and out[-1][0] is family:
            out[-1] = (family, out[-1][1] + word)
        else:
            out.append((family, word))
    return tuple(out)


def markup(text: str, bold: bool = False) -> str:
    """``text`` escaped for a ReportLab Paragraph, with words outside the body font's coverage
    wrapped in ``<font name=...>``, in the bold face of that family when ``bold`` (a bold
    paragraph style or a ``<b>`` run: ReportLab would set a named fallback face regular). The
    text is data: nothing in it becomes markup."""
    return "".join(
        escape(chunk) if family is BODY else f'<font name="{face(family, bold)}">{escape(chunk)}</font>'
        for family, chunk in pieces(text)
    )


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set on one line by :func:`draw_text` (a short text's kept: lines are
    broken word by word, and the same words come back in handout after handout)."""
    return _width(text, size, bold) if len(text) <= CACHED_CHARS else _width.__wrapped__(text, size, bold)


@lru_cache(maxsize=16384)
def _width(text: str, size: float, bold: bool) -> float:
    return sum(pdfmetrics.stringWidth(chunk, face(family, bold), size) for family, chunk in pieces(text))


class Label(NamedTuple):
    """A line of text to draw later, with others, in one text object (see :func:`draw_labels`)."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False
    align: str = "left"
    color: Color = black


def draw_labels(canv: Canvas, labels: list[Label]) -> None:
    """Draw many short lines of text at once: one PDF text object, fonts and colours set only
    when they change (a calendar's day numbers)."""
    if not labels:
        return
    text = canv.beginText()
    font, color = ("", 0.0), None
    for label in labels:
        runs = [(face(family, label.bold), chunk) for family, chunk in pieces(label.text)]
        if len(runs) == 1:  # one font: the width is kept
            widths = [text_width(label.text, label.size, label.bold)]
        else:
            widths = [pdfmetrics.stringWidth(chunk, name, label.size) for name, chunk in runs]
        x = label.x - (sum(widths) / 2 if label.align == "center" else sum(widths) if label.align == "right" else 0)
        if label.color is not color and label.color != color:
            color = label.color
            text.setFillColor(color)
        for (name, chunk), advance in zip(runs, widths, strict=True):
            if (name, label.size) != font:
                font = (name, label.size)
                text.setFont(name, label.size)
            text.setTextOrigin(x, label.y)
            # what textOut writes, without the width it would measure again to move the cursor
            text._code.append(text._formatText(chunk))  # type: ignore[attr-defined]  # ReportLab's own
            x += advance
    canv.drawText(text)


def draw_text(
    canv: Canvas, x: float, y: float, text: str, size: float, bold: bool = False, align: str = "left"
) -> float:
    """Draw ``text`` on one line with the bundled fonts (never a base-14 font) and the fallbacks,
    its baseline at ``y``; ``align`` is where ``x`` is: left, center or right. Returns the width."""
    runs = [(face(family, bold), chunk) for family, chunk in pieces(text)]
    widths = [pdfmetrics.stringWidth(chunk, name, size) for name, chunk in runs]
    width = sum(widths)
    x -= width / 2 if align == "center" else width if align == "right" else 0
    for (name, chunk), advance in zip(runs, widths, strict=True):
        canv.setFont(name, size)
        canv.drawString(x, y, chunk)
        x += advance
    return width
