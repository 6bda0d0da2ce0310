"""Running text: paragraphs broken into lines at spaces and set directly, as ReportLab's
Paragraph would set them (a Paragraph still sets text with a line break or an overlong word);
the Paragraph markup of runs; write-in lines.

Chinese and Japanese are written without spaces: a line may break between any two of their
characters, except before closing punctuation (。、」) and after opening punctuation (「), the
basic rule of East Asian typesetting (kinsoku). Korean breaks at its spaces, as English does."""

from __future__ import annotations

import itertools
import math
import re

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from ..content.document import Run
from .fonts import BODY, Label, draw_labels, markup, text_width

BLANK_INCHES = 2.2  # a write-in line is at least 2 inches long
BREAK_ANYWHERE = frozenset({"zh-Hans", "zh-Hant", "ja"})  # languages written without spaces
# Han, kana and CJK punctuation (U+2E80-U+9FFF, U+F900-U+FAFF) and full-width forms: lines may
# break around each such character.
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
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


class Para(Paragraph):
    """A Paragraph that keeps its line breaks for the width it was last wrapped to.

    Platypus wraps most paragraphs more than once at the same width (to measure a KeepTogether,
    a table cell or a list, then to place it); the lines depend on the width alone, so the
    second wrap reuses the first. This makes a handout about a third faster to lay out.
    """

    _wrapped_for: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's names
        if self._wrapped_for == availWidth and "blPara" in self.__dict__:  # a split drops blPara
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_for = availWidth
        return size


def inline(runs: list[Run], size: float = 12.5, bold: bool = False, keep: float = 0.0) -> str:
    """Paragraph markup for runs of text: every run escaped, bold runs wrapped in <b> (and their
    fallback fonts bold too: ``bold`` says the paragraph's style is bold). A blank prints as a
    run of underscores at least ``BLANK_INCHES`` long at type ``size``: a line to write on that
    copies as text. A bold run no wider than ``keep`` points (a date, a limit, a phone number)
    is never broken across lines: its spaces are no-break spaces."""
    parts = []
    for run in runs:
        if run.text == "\n":
            parts.append("<br/>")
        elif run.blank:
            parts.append("_" * blank_length(size))
        elif run.bold:
            text = run.text
            if " " in text.strip() and text_width(text, size, True) <= keep:
                text = text.replace(" ", "\u00a0")  # ReportLab breaks no line at a no-break space
            parts.append(f"<b>{markup(text, bold=True)}</b>")
        else:
            parts.append(markup(run.text, bold=bold))
    return "".join(parts)


Line = list[tuple[str, bool]]  # a line of (text, bold) runs


def break_lines(runs: list[tuple[str, bool]], width: float, size: float, keep: float = 0.0) -> list[Line] | None:
    """(text, bold) runs broken into lines at most ``width`` wide at spaces (and between Chinese
    and Japanese characters: :func:`units`), as a Paragraph breaks them; each line a list of runs.
    Text that runs on from one run into the next with no space between (a bold date, then its
    full stop) is one word, never broken; so is a phrase joined by no-break spaces, and a bold
    run no wider than ``keep`` (a date, a phone number). None when a word is wider than the line
    (a Paragraph splits such a word)."""
    words: list[tuple[list[tuple[str, bool]], bool]] = []  # (the word's pieces, a space before it)
    space, glued = False, False  # glued: the next piece runs on from the last word
    for text, bold in runs:
        whole = bold and keep > 0 and text_width(text, size, True) <= keep
        if whole and " " in text.strip():
            text = text.replace(" ", "\u00a0")
        for i, word in enumerate(text.split(" ")):
            if i:
                space, glued = True, False
            for j, unit in enumerate([word] if whole or not word else units(word)):
                if glued and j == 0 and words:
                    words[-1][0].append((unit, bold))
                else:
                    words.append(([(unit, bold)], space))
                space, glued = False, True
    lines: list[Line] = [[]]
    x, spaces = 0.0, 0.0  # the line's width so far, and the width of its spaces
    for pieces, space in words:
        w = sum(text_width(text, size, bold) for text, bold in pieces)
        if w > width:
            return None
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


def blank_length(size: float) -> int:
    """How many underscores make a write-in line ``BLANK_INCHES`` long at type ``size``."""
    return math.ceil(BLANK_INCHES * 72 / stringWidth("_", BODY.name, size))


class Text(Flowable):
    """A paragraph of runs, set directly: one line in one text object, or lines broken at spaces
    (:func:`break_lines`), each where a Paragraph would put it (the same height, baselines and
    fonts), and split between lines over a page (never one line alone at either side). Text with
    a line break, or a word too long for its line, is handed to a Paragraph instead."""

    def __init__(
        self, runs: list[Run], style: ParagraphStyle, bold: bool = False, lines: tuple[float, list[Line]] | None = None
    ) -> None:
        super().__init__()
        self.runs, self.style, self.bold = runs, style, bold
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter
        self._para: Para | None = None
        self._line: list[tuple[str, bool, float]] | None = None  # (text, bold, width) when on one line
        if all(run.text != "\n" for run in runs):
            font = style.fontSize
            pieces = [("_" * blank_length(font) if r.blank else r.text, r.bold or bold) for r in runs]
            self._line = [(t, b, text_width(t, font, b)) for t, b in pieces]
        self._line_width = sum(w for *_, w in self._line) if self._line is not None else math.inf
        self._lines: dict[float, list[Line] | None] = {}  # by width: the lines, or None (a Paragraph)
        self._part = lines  # a part of a split text: its width and lines, already set

    def paragraph(self, width: float = 0.0) -> Para:
        """The Paragraph for text with a line break or an overlong word; a bold phrase up to half of
        ``width`` (the width it is first set at) stays on one line."""
        if self._para is None:
            self._para = Para(inline(self.runs, self.style.fontSize, self.bold, keep=width * 0.5), self.style)
        return self._para

    @property
    def line_width(self) -> float:
        """The width of the text set on one line (infinite when it holds a line break)."""
        return self._line_width

    def one_line(self, width: float) -> bool:
        return self._line_width <= width and self._part is None

    def lines(self, width: float) -> list[Line] | None:
        """The text broken into lines for ``width`` (None: a Paragraph sets it). A bold phrase up
        to half the width (a date, a number) stays on one line."""
        if self._part is not None:
            return self._part[1]
        key = round(width, 2)
        if key not in self._lines:
            if self._line is None:
                self._lines[key] = None
            else:
                runs = [(t, b) for t, b, _ in self._line]
                self._lines[key] = break_lines(runs, width, self.style.fontSize, keep=width * 0.5)
        return self._lines[key]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        if self.one_line(available_width):
            self.height = self.style.leading if self._line_width else 0.0  # no text: no line
            return available_width, self.height
        lines = self.lines(available_width)
        if lines is None:
            _, self.height = self.paragraph(available_width).wrap(available_width, available_height)
        else:
            self.height = len(lines) * self.style.leading
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        if self.one_line(available_width):
            return [self] if self.style.leading <= available_height else []
        lines = self.lines(available_width)
        if lines is None:
            return self.paragraph(available_width).split(available_width, available_height)
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
        return [first, rest]

    def draw(self) -> None:
        lines = None if self._line is None else [[(t, b) for t, b, _ in self._line]]
        if not self.one_line(self.width):
            lines = self.lines(self.width)
        if lines is None:
            self.paragraph().drawOn(self.canv, 0, 0)
            return
        font, leading = self.style.fontSize, self.style.leading
        labels = []
        for n, line in enumerate(lines):  # each on its baseline, as a Paragraph sets it
            x, y = 0.0, self.height - font - n * leading
            for text, bold in line:
                labels.append(Label(x, y, text, font, bold, "left", self.style.textColor))
                x += text_width(text, font, bold)
        draw_labels(self.canv, labels)
