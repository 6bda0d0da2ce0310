"""Running text: paragraphs broken into lines at spaces and set directly, each line where
ReportLab's Paragraph would put it (the same breaks, height and baselines); write-in lines.
A line break in the text starts a new line; a word wider than its line is cut where it reaches
the edge. Each line is drawn in the order of :func:`.bidi.visual` (right-to-left text).

Chinese and Japanese are written without spaces: a line may break between any two of their
characters, except before closing punctuation (。、」) and after opening punctuation (「), the
basic rule of East Asian typesetting (kinsoku). Korean breaks at its spaces, as English does."""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Iterable

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from ..content.document import Run
from ..languages import DIRECTION_CONTROLS, Script
from .fonts import BODY, Label, draw_labels, text_width
from .tagging import Element, content

BLANK_INCHES = 2.2  # a write-in line is at least 2 inches long
_NO_CONTROLS = dict.fromkeys(map(ord, DIRECTION_CONTROLS))
# Han, kana and CJK punctuation (U+2E80-U+9FFF, U+F900-U+FAFF) and full-width forms: lines may
# break around each such character.
_CJK = Script(("\u2e80", "\u9fff"), ("\uf900", "\ufaff"), ("\uff00", "\uffef"))
_NO_LINE_START = frozenset(
    "、。，．：；？！）〕」』】〉》〙〗”’ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ・…‥々,.:;?!)]}%"
)
_NO_LINE_END = frozenset("（〔「『【〈《〘〖“‘([{")


def units(word: str) -> list[str]:
    """A word (text between spaces) cut where a line may break inside it: around each Chinese or
    Japanese character, never before closing or after opening punctuation. A word of other
    scripts is one unit."""
    if _CJK.search(word) is None:
        return [word]
    out = [word[0]]
    for before, char in itertools.pairwise(word):
        cjk = _CJK.match(before) is not None or _CJK.match(char) is not None
        if cjk and char not in _NO_LINE_START and before not in _NO_LINE_END:
            out.append(char)
        else:
            out[-1] += char
    return out


Line = list[tuple[str, bool]]  # a line of (text, bold) runs


def break_lines(runs: list[tuple[str, bool]], width: float, size: float, keep: float = 0.0) -> list[Line]:
    """(text, bold) runs broken into lines at most ``width`` wide at spaces (and between Chinese
    and Japanese characters: :func:`units`), as a Paragraph breaks them; each line a list of runs.
    A run "\n" ends a line. Text that runs on from one run into the next with no space between (a
    bold date, then its full stop) is one word, never broken; so is a phrase joined by no-break
    spaces, and a bold run no wider than ``keep`` (a date, a phone number). A word wider than
    the line is cut, a character at a time, where it reaches the edge."""
    words: list[tuple[list[tuple[str, bool]], bool]] = []  # (the word's pieces, a space before it)
    space, glued = False, False  # glued: the next piece runs on from the last word
    for text, bold in runs:
        if text == "\n":
            words.append(([], False))  # a line break
            space, glued = False, False
            continue
        whole = bold and keep > 0 and text_width(text, size, True) <= keep
        if whole and " " in text.strip():
            text = text.replace(" ", "\u00a0")
        for i, word in enumerate(text.split(" ")):
            if i:
                space, glued = True, False
            for j, unit in enumerate([word] if whole or not word else units(word)):
                if glued and j == 0 and words and words[-1][0]:
                    words[-1][0].append((unit, bold))
                else:
                    words.append(([(unit, bold)], space))
                space, glued = False, True
    lines: list[Line] = [[]]
    x, spaces = 0.0, 0.0  # the line's width so far, and the width of its spaces
    for pieces, space in _cut_wide(words, width, size):
        if not pieces:
            lines.append([])
            x, spaces = 0.0, 0.0
            continue
        w = sum(text_width(text, size, bold) for text, bold in pieces)
        gap = text_width(" ", size, pieces[0][1]) if space and lines[-1] else 0.0
        # as a Paragraph does, a line may run into its spaces' shrinkage (rl_config.spaceShrinkage)
        if lines[-1] and x + gap + w > width + (spaces + gap) * rl_config.spaceShrinkage:
            lines.append([])
            x, gap, spaces = 0.0, 0.0, 0.0
        for k, (text, bold) in enumerate(pieces):
            piece = " " + text if gap and k == 0 else text
            if lines[-1] and lines[-1][-1][1] == bold:
                lines[-1][-1] = (lines[-1][-1][0] + piece, bold)
            else:
                lines[-1].append((piece, bold))
        x, spaces = x + gap + w, spaces + gap
    return lines


def _cut_wide(
    words: list[tuple[list[tuple[str, bool]], bool]], width: float, size: float
) -> list[tuple[list[tuple[str, bool]], bool]]:
    """The words, each wider than ``width`` cut into parts that fit, a character at a time (a mark
    stays with its letter); the parts after the first start lines of their own."""
    out: list[tuple[list[tuple[str, bool]], bool]] = []
    for pieces, space in words:
        if sum(text_width(text, size, bold) for text, bold in pieces) <= width:
            out.append((pieces, space))
            continue
        chars = [(char, bold) for text, bold in pieces for char in text]
        part: list[tuple[str, bool]] = []
        for char, bold in chars:
            wider = sum(text_width(t, size, b) for t, b in part) + text_width(char, size, bold) > width
            if part and wider and not unicodedata.combining(char):
                out += [(part, space), ([], False)]
                part, space = [], False
            if part and part[-1][1] == bold:
                part[-1] = (part[-1][0] + char, bold)
            else:
                part.append((char, bold))
        out.append((part, space))
    return out


def plain_text(pieces: Iterable[str]) -> str:
    """Pieces of text as read aloud or copied: one line, single spaces, no direction controls."""
    return " ".join("".join(pieces).translate(_NO_CONTROLS).split())


def blank_length(size: float) -> int:
    """How many underscores make a write-in line ``BLANK_INCHES`` long at type ``size``."""
    return math.ceil(BLANK_INCHES * 72 / stringWidth("_", BODY.name, size))


class Text(Flowable):
    """A paragraph of runs, set directly: one line in one text object, or lines broken at spaces
    (:func:`break_lines`), each where a Paragraph would put it (the same height, baselines and
    fonts), and split between lines over a page (never one line alone at either side). Its lines
    run in the page's direction unless ``right_to_left`` says otherwise."""

    right_to_left: bool | None = None

    def __init__(
        self, runs: list[Run], style: ParagraphStyle, bold: bool = False, lines: tuple[float, list[Line]] | None = None
    ) -> None:
        super().__init__()
        self.runs, self.style, self.bold = runs, style, bold
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter
        font = style.fontSize
        self._blank = "_" * blank_length(font)  # a write-in line as drawn
        self._pieces = [(self._blank if r.blank else r.text, r.bold or bold) for r in runs]
        breaks = any(text == "\n" for text, _ in self._pieces)
        self._line_width = math.inf if breaks else sum(text_width(t, font, b) for t, b in self._pieces)
        self._lines: dict[float, list[Line]] = {}  # by width
        self._part = lines  # a part of a split text: its width and lines, already set
        self.element = Element("P")  # in a tagged PDF: a paragraph, unless made a heading
        self.write_in: str | None = None  # in a tagged PDF: what a screen reader says for a write-in line

    @property
    def line_width(self) -> float:
        """The width of the text set on one line (infinite when it holds a line break)."""
        return self._line_width

    def one_line(self, width: float) -> bool:
        return self._line_width <= width and self._part is None

    def lines(self, width: float) -> list[Line]:
        """The text broken into lines for ``width``. A bold phrase up to half the width (a date, a
        number) stays on one line."""
        if self._part is not None:
            return self._part[1]
        key = round(width, 2)
        if key not in self._lines:
            self._lines[key] = break_lines(self._pieces, width, self.style.fontSize, keep=width * 0.5)
        return self._lines[key]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        if self.one_line(available_width):
            self.height = self.style.leading if self._line_width else 0.0  # no text: no line
        else:
            self.height = len(self.lines(available_width)) * self.style.leading
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        if self.one_line(available_width):
            return [self] if self.style.leading <= available_height else []
        lines = self.lines(available_width)
        fit = int((available_height + 1e-6) // self.style.leading)
        if fit >= len(lines):
            return [self]
        if len(lines) - fit == 1:
            fit -= 1  # no last line alone at the top of the next page
        if fit < 2:
            return []  # no first line alone at the foot of this page
        first = Text(self.runs, self.style, self.bold, (available_width, lines[:fit]))
        rest = Text(self.runs, self.style, self.bold, (available_width, lines[fit:]))
        first.spaceAfter, rest.spaceBefore = 0, 0
        first.right_to_left = rest.right_to_left = self.right_to_left
        first.write_in = rest.write_in = self.write_in
        first.element = rest.element = self.element  # one paragraph on two pages
        return [first, rest]

    @property
    def plain(self) -> str:
        """The text as read (a pictogram's alternative text, when it stands for this text): a
        write-in line as its label, without the controls that order it for display."""
        return plain_text(self.write_in or r.text if r.blank else r.text for r in self.runs)

    def draw(self) -> None:
        with content(self.canv, self.element):
            self._draw()

    def _draw(self) -> None:
        lines = [self._pieces] if self.one_line(self.width) else self.lines(self.width)
        font, leading, color = self.style.fontSize, self.style.leading, self.style.textColor
        labels = [  # each on its baseline, as a Paragraph sets it
            Label(0.0, self.height - font - n * leading, "", font, color=color, runs=tuple(line))
            for n, line in enumerate(lines)
        ]
        write_in = (self._blank, self.write_in) if self.write_in else None
        draw_labels(self.canv, labels, self.right_to_left, write_in)
