"""The bundled fonts: Atkinson Hyperlegible for the text, with fallbacks run by run.

Atkinson Hyperlegible covers Latin scripts only. A run of characters it lacks is set in Noto
Sans (Greek, Cyrillic, Vietnamese), then DejaVu Sans (symbols, Hebrew), then WenQuanYi Micro
Hei (Chinese in both scripts, Japanese, Korean: one face, so its "bold" is the same face, drawn
outlined), then Noto Sans Devanagari (Hindi); an Arabic word is set in Noto Naskh Arabic
before all of them (DejaVu Sans has Arabic letters, drawn apart). Devanagari and Arabic are
shaped with HarfBuzz (vowel signs placed, conjuncts and joined letters formed), and shaped text
carries its letters as ``/ActualText``, so that it copies and reads aloud as written. Each line
is drawn in the order of :func:`.bidi.visual`: right-to-left text (Arabic, Hebrew) from right to
left, in a right-to-left handout on a mirrored page (:mod:`.direction`). A character that no
bundled font has is an error, never a blank box. Fonts are registered once per process, and
the large fallback fonts only when a text needs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from itertools import groupby, pairwise
from pathlib import Path
from typing import NamedTuple

from reportlab.lib.colors import Color, black
from reportlab.lib.fonts import addMapping
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr, TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

from ..errors import RenderError
from ..languages import ARABIC_SCRIPT, DEVANAGARI_SCRIPT, DIRECTION_CONTROLS, Script, written_in_another
from .bidi import has_right_to_left, mirror, visual
from .direction import is_mirrored
from .tagging import language as tagged_language

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
if not FONTS_DIR.is_dir():  # running from a source checkout
    FONTS_DIR = Path(__file__).resolve().parents[2] / "fonts"


class Family(NamedTuple):
    name: str
    regular: str
    bold: str | None  # None: the family has one face, set for bold text too
    face_index: int = 0  # the face's number in a TrueType collection (.ttc)
    shaped: bool = False  # its script needs shaping (HarfBuzz) to be drawn right
    script: Script | None = None  # a word in this script is set in this family first


BODY = Family("Atkinson", "AtkinsonHyperlegible-Regular.ttf", "AtkinsonHyperlegible-Bold.ttf")
FALLBACKS = (
    Family("NotoSans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    Family("DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    Family("WenQuanYiMicroHei", "WenQuanYiMicroHei.ttc", None),
    Family("NotoSansDevanagari", "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", shaped=True),
    # DejaVu Sans has Arabic letters too, but draws them apart: an Arabic word comes here first
    Family(
        "NotoNaskhArabic",
        "NotoNaskhArabic-Regular.ttf",
        "NotoNaskhArabic-Bold.ttf",
        shaped=True,
        script=ARABIC_SCRIPT,
    ),
)
FAMILIES = (BODY, *FALLBACKS)
_BY_SCRIPT = tuple((family.script, family) for family in FALLBACKS if family.script is not None)
# Characters that need no glyph of their own in running text.
_INVISIBLE = frozenset("\n\t\u00ad\u200b\u200c\u200d")


@cache
def register(family: Family) -> frozenset[int]:
    """Register a family's faces with ReportLab once; returns the code points it covers."""
    regular = TTFont(family.name, str(FONTS_DIR / family.regular), subfontIndex=family.face_index)
    _keep_tables(regular)
    _keep_compressed()
    pdfmetrics.registerFont(regular)
    covered = frozenset(regular.face.charToGlyph)
    if family.bold is not None:
        bold = TTFont(f"{family.name}-Bold", str(FONTS_DIR / family.bold))
        _keep_tables(bold)
        pdfmetrics.registerFont(bold)
        covered &= frozenset(bold.face.charToGlyph)
    for is_bold in (0, 1):  # no italics in the handout: map them to upright faces
        for italic in (0, 1):
            addMapping(family.name, is_bold, italic, face(family, bool(is_bold)))
            if family.bold is not None:
                addMapping(f"{family.name}-Bold", is_bold, italic, face(family, bool(is_bold)))
    return covered


SUBSETS_KEPT = 32  # per font: the embedded subsets a process keeps, most recent first


def _keep_tables(font: TTFont) -> None:
    """Read a font's glyph outlines and PostScript names once per process (ReportLab copies both
    tables whole for every subset it embeds: 4.5 MB for WenQuanYi Micro Hei, twice a handout),
    and keep the last few subsets it made: handouts of one template in one language open with
    the same text, so their first subsets hold the same characters in the same order, and a
    subset is a function of just that. The tables and subsets are bytes, never changed."""
    face = font.face
    read: Callable[[str], bytes] = face.get_table
    make: Callable[[Sequence[int]], bytes] = face.makeSubset
    kept: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        if tag not in ("glyf", "post"):
            return read(tag)
        if tag not in kept:
            kept[tag] = read(tag)
        return kept[tag]

    @lru_cache(maxsize=SUBSETS_KEPT)
    def kept_subset(characters: tuple[int, ...]) -> bytes:
        return make(characters)

    def make_subset(subset: Sequence[int]) -> bytes:
        return kept_subset(tuple(subset))

    face.get_table = get_table  # type: ignore[method-assign]  # this font's own reader
    face.makeSubset = make_subset  # type: ignore[method-assign]


COMPRESSED_KEPT = 64
COMPRESS_FROM = 32 * 1024  # bytes: an embedded font subset; page streams are smaller


@cache
def _keep_compressed() -> None:
    """Keep the compressed form of the last few large streams (the font subsets kept above, the
    same bytes object handout after handout: its hash is computed once). Flate compression of a
    Chinese subset takes a fifth of a handout's render; compressing is a function of the bytes
    alone, so a kept result is the same as a new one."""
    flate = pdfdoc.PDFZCompress
    encode: Callable[[bytes | str], bytes] = flate.encode
    kept = lru_cache(maxsize=COMPRESSED_KEPT)(encode)

    def compress(text: bytes | str) -> bytes:
        return kept(text) if isinstance(text, bytes) and len(text) >= COMPRESS_FROM else encode(text)

    flate.encode = compress  # type: ignore[method-assign]  # ReportLab's one Flate filter, kept results


def _family_for(char: str) -> Family | None:
    if char in _INVISIBLE:
        return BODY
    for family in FAMILIES:
        if ord(char) in register(family):
            return family
    return None


def first_unprintable(text: str) -> tuple[str, str] | None:
    """The first character of ``text`` that the handout cannot print, and why; or None.

    A character is unprintable when no bundled font has it.
    """
    body = register(BODY)
    for char in text:
        if ord(char) in body:
            continue
        if ord(char) > 0xFFFF:  # the PDF text map of an embedded subset holds the BMP only
            return char, "is outside the characters a handout can print (emoji and rare scripts)"
        if _family_for(char) is None:
            return char, "is in no bundled font"
    return None


_WORD = re.compile(r"\w+|\W", re.UNICODE)


def _family_for_word(word: str, body: frozenset[int]) -> Family:
    """One font for a whole word where possible, so that a word is never set in two faces."""
    if all(ord(c) in body or c in _INVISIBLE for c in word):
        return BODY
    for script, family in _BY_SCRIPT:
        if script.search(word) and register(family).issuperset(map(ord, word)):
            return family
    for family in FALLBACKS:
        covered = register(family)
        if all(ord(c) in covered for c in word):
            return family
    for char in word:
        if _family_for(char) is None:
            raise RenderError(f"a character (U+{ord(char):04X}) is in no bundled font")
    return FALLBACKS[-1]  # pragma: no cover - a word split across fallbacks: set per character below


def face(family: Family, bold: bool) -> str:
    """The registered name of a family's regular or bold face (its one face, when it has one)."""
    return f"{family.name}-Bold" if bold and family.bold is not None else family.name


# Spaces the body font lacks, set as the no-break space it has (Babel writes "10:30\u202fAM"):
# the same meaning, and no fallback font embedded for one space. Controls of direction (they
# order a line: :mod:`.bidi`) are not drawn.
_SPACES = str.maketrans(
    {"\u202f": "\u00a0", "\u2007": "\u00a0", "\u2009": " ", "\u2002": " ", "\u2003": " "}
    | dict.fromkeys(DIRECTION_CONTROLS)
)


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
        mark = not word[0].isalnum() and word[0] != "_"  # a space or punctuation; a write-in line is a word
        if out and out[-1][0] is not BODY and mark and register(out[-1][0]).issuperset(map(ord, word)):
            family = out[-1][0]  # a space or mark after a fallback run stays in its font: one run, not three
        else:
            family = _family_for_word(word, body)
        if out and out[-1][0] is family:
            out[-1] = (family, out[-1][1] + word)
        else:
            out.append((family, word))
    return tuple(out)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` set on one line by :func:`draw_text` (a short text's kept: lines are
    broken word by word, and the same words come back in handout after handout)."""
    return _width(text, size, bold) if len(text) <= CACHED_CHARS else _width.__wrapped__(text, size, bold)


@lru_cache(maxsize=16384)
def _width(text: str, size: float, bold: bool) -> float:
    return sum(_chunk_width(family, chunk, face(family, bold), size) for family, chunk in pieces(text))


def _chunk_width(family: Family, chunk: str, name: str, size: float) -> float:
    glyphs = getattr(_shaped(chunk, name, size), "__shapeData__", None) if family.shaped else None
    if glyphs is not None:
        return float(sum(glyph.x_advance for glyph in glyphs) * size / 1000)
    return float(pdfmetrics.stringWidth(chunk, name, size))


@lru_cache(maxsize=4096)
def _shaped(chunk: str, name: str, size: float) -> ShapedStr | str:
    """A run shaped by HarfBuzz: its glyphs in order and placed, as ReportLab draws them (the run
    itself when it needs no shaping: digits, punctuation)."""
    shaped: ShapedStr | str = shapeStr(chunk, name, size)
    return shaped


def needs_shaping(text: str) -> bool:
    """Whether ``text`` holds a left-to-right script that must be shaped to be drawn right."""
    return DEVANAGARI_SCRIPT.search(text) is not None


def _span(key: str, text: str) -> str:
    """The marked-content operator that opens a span with ``text`` as its ``key``: ``ActualText``,
    what a shaped run stands for (PDF 14.9.4), or ``Alt``, what a screen reader says instead of
    what is drawn (14.9.3)."""
    return f"/Span <</{key} <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC"


class Label(NamedTuple):
    """A line of text to draw later, with others, in one text object (see :func:`draw_labels`):
    ``text`` in one weight, or ``runs`` of (text, bold) when it has both."""

    x: float
    y: float
    text: str
    size: float
    bold: bool = False
    align: str = "left"
    color: Color = black
    runs: tuple[tuple[str, bool], ...] = ()


# A family with one face sets bold text as that face, outlined too (PDF text render mode 2, fill
# and stroke) with a line this fraction of the type size: as heavy as a bold face, more or less.
FAKE_BOLD_STROKE = 0.035


class _Piece(NamedTuple):
    """A run of a line in one font and one direction, as drawn."""

    family: Family
    text: str  # as written
    bold: bool
    right_to_left: bool


def _pieces_drawn(runs: tuple[tuple[str, bool], ...], right_to_left: bool) -> list[_Piece]:
    """A line's pieces in the order drawn, left to right on the page: each segment of
    :func:`.bidi.visual` cut into fonts, a right-to-left segment word by word from its end (each
    word one piece per font, so that it copies as a word)."""
    out: list[_Piece] = []
    for text, bold, backwards in visual(runs, right_to_left):
        if not backwards:
            out += [_Piece(family, chunk, bold, False) for family, chunk in pieces(text)]
            continue
        for word in reversed(_WORDS_AND_SPACES.split(text)):
            out += [_Piece(family, chunk, bold, True) for family, chunk in reversed(pieces(word)) if word]
    return out


_WORDS_AND_SPACES = re.compile("( +)")


def _glyphs(piece: _Piece, name: str, size: float) -> tuple[ShapedStr | str, bool]:
    """What a piece draws, and whether it is shaped: Devanagari and Arabic letters shaped by
    HarfBuzz (Arabic in the order drawn), other right-to-left text mirrored, the rest as written."""
    if piece.family.shaped and (has_right_to_left(piece.text) if piece.right_to_left else needs_shaping(piece.text)):
        shaped = _shaped(piece.text, name, size)
        return shaped, isinstance(shaped, ShapedStr)
    return (mirror(piece.text) if piece.right_to_left else piece.text), False


def _spans(glyphs: ShapedStr | str, written: str, right_to_left: bool) -> list[tuple[ShapedStr | str, str | None]]:
    """A shaped run cut for drawing, each part with the span that gives it the text it stands
    for (None: the glyphs' own characters say it). A left-to-right run is one part. A right-to-left run's glyphs are
    in display order, so each letter drawn as another character (a joined form) gets a part of
    its own: a reader that spreads a part's text from left to right over its glyphs (poppler)
    then finds each letter where it is drawn, and puts the word in order as for any
    right-to-left text."""
    if not right_to_left:
        return [(glyphs, _span("ActualText", written))]
    data = glyphs.__shapeData__  # type: ignore[union-attr]
    starts = sorted({glyph.cluster for glyph in data} | {len(written)})
    ends = dict(pairwise(starts))
    out: list[tuple[ShapedStr | str, str | None]] = []
    plain = 0  # where the glyphs that need no text of their own begin
    for cluster, group in groupby(range(len(data)), key=lambda index: data[index].cluster):
        first, *rest = group
        last = rest[-1] if rest else first
        letters = written[cluster : ends[cluster]]
        if glyphs[first : last + 1] != letters:
            if plain < first:
                out.append((glyphs[plain:first], None))
            out.append((glyphs[first : last + 1], _span("ActualText", letters)))
            plain = last + 1
    if plain < len(data):
        out.append((glyphs[plain:], None))
    return out


def _write_ins(glyphs: str, write_in: tuple[str, str]) -> list[tuple[str, str | None]]:
    """An unshaped run cut around its write-in lines (``write_in``: a line's underscores, and
    what a screen reader says for them), each line in a span that says so."""
    line, says = write_in
    out: list[tuple[str, str | None]] = []
    for n, part in enumerate(glyphs.split(line)):
        if n:
            out.append((line, _span("Alt", says)))
        if part:
            out.append((part, None))
    return out


def _starts_raised(glyphs: ShapedStr | str) -> bool:
    """Whether a shaped part's first glyph is raised (a mark above a letter)."""
    data: list[ShapeData] = getattr(glyphs, "__shapeData__", None) or []
    return bool(data) and data[0].y_offset != 0


def draw_labels(
    canv: Canvas, labels: list[Label], right_to_left: bool | None = None, write_in: tuple[str, str] | None = None
) -> None:
    """Draw many short lines of text at once: one PDF text object, fonts and colours set only
    when they change (a calendar's day numbers). On a mirrored page each piece of text is drawn
    mirrored back, so that it reads the right way round where the mirror puts its line. The
    lines run right to left on a mirrored page, unless ``right_to_left`` says otherwise. In a
    tagged PDF, each write-in line (``write_in``: its underscores, and what a screen reader
    says for them) is a span with that alternative text."""
    if not labels:
        return
    mirrored = is_mirrored(canv)
    direction = mirrored if right_to_left is None else right_to_left
    language = tagged_language(canv)  # None unless tagged: then a run in another script says its own
    text = canv.beginText()
    font, color, stroke = ("", 0.0), None, 0.0  # stroke: the outline's width, 0 when not outlined
    for label in labels:
        drawn = _pieces_drawn(label.runs or ((label.text, label.bold),), direction)
        widths = [_chunk_width(p.family, p.text, face(p.family, p.bold), label.size) for p in drawn]
        total = sum(widths)
        left = label.x - (total / 2 if label.align == "center" else total if label.align == "right" else 0)
        if label.color is not color and label.color != color:
            color = label.color
            text.setFillColor(color)
            text.setStrokeColor(color)
        offset = 0.0
        for piece, advance in zip(drawn, widths, strict=True):
            name = face(piece.family, piece.bold)
            if (name, label.size) != font:
                font = (name, label.size)
                text.setFont(name, label.size)
            wanted = label.size * FAKE_BOLD_STROKE if piece.bold and piece.family.bold is None else 0.0
            if wanted != stroke:
                if not wanted or not stroke:
                    text.setTextRenderMode(2 if wanted else 0)
                if wanted:
                    text._code.append(f"{wanted:.3f} w")  # type: ignore[attr-defined]  # line width, in the text object
                stroke = wanted
            if mirrored:  # the text matrix mirrors back what the page's mirror turns round
                text._code.append(f"-1 0 0 1 {fp_str(left + total - offset, label.y)} Tm")  # type: ignore[attr-defined]
            else:
                text.setTextOrigin(left + offset, label.y)
            # what textOut writes, without the width it would measure again to move the cursor
            glyphs, shaped = _glyphs(piece, name, label.size)
            other = written_in_another(piece.text, language) if language else None
            if other:
                text._code.append(f"/Span <</Lang ({other})>> BDC")  # type: ignore[attr-defined]
            spans: Sequence[tuple[ShapedStr | str, str | None]] = ((glyphs, None),)
            if shaped:
                spans = _spans(glyphs, piece.text, piece.right_to_left)
            elif language and write_in and write_in[0] in glyphs:
                spans = _write_ins(str(glyphs), write_in)
            for drawn_glyphs, opener in spans:
                if opener is not None:
                    text._code.append(opener)  # type: ignore[attr-defined]
                if _starts_raised(drawn_glyphs):  # ReportLab can write a rise only after the font
                    text._curSubset = None  # type: ignore[attr-defined]  # so it sets the font again
                text._code.append(text._formatText(drawn_glyphs))  # type: ignore[attr-defined]  # ReportLab's own
                if opener is not None:
                    text._code.append("EMC")  # type: ignore[attr-defined]
            if other:
                text._code.append("EMC")  # type: ignore[attr-defined]
            offset += advance
    canv.drawText(text)


def draw_text(
    canv: Canvas, x: float, y: float, text: str, size: float, bold: bool = False, align: str = "left"
) -> float:
    """Draw ``text`` on one line with the bundled fonts (never a base-14 font) and the fallbacks,
    its baseline at ``y``; ``align`` is where ``x`` is: left, center or right. Returns the width."""
    draw_labels(canv, [Label(x, y, text, size, bold, align, canv._fillColorObj)])  # type: ignore[attr-defined]
    return text_width(text, size, bold)
