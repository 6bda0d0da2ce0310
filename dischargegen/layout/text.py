"""Running text: a paragraph set directly when it fits on one line, else by ReportLab's
Paragraph; the Paragraph markup of runs; write-in lines."""

from __future__ import annotations

import math

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from ..content.document import Run
from .fonts import BODY, Label, draw_labels, markup, text_width

BLANK_INCHES = 2.2  # a write-in line is at least 2 inches long


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


def blank_length(size: float) -> int:
    """How many underscores make a write-in line ``BLANK_INCHES`` long at type ``size``."""
    return math.ceil(BLANK_INCHES * 72 / stringWidth("_", BODY.name, size))


class Text(Flowable):
    """A paragraph of runs. Most lines of a handout (headings, list items, table cells) fit on
    one line: those are set directly, in one text object, where a Paragraph would put them
    (the same height, first baseline and fonts). Longer text is handed to a Paragraph, which
    wraps and splits it."""

    def __init__(self, runs: list[Run], style: ParagraphStyle, bold: bool = False) -> None:
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

    def paragraph(self, width: float = 0.0) -> Para:
        """The Paragraph for text longer than a line; a bold phrase up to half of ``width`` (the
        width it is first set at) stays on one line."""
        if self._para is None:
            self._para = Para(inline(self.runs, self.style.fontSize, self.bold, keep=width * 0.5), self.style)
        return self._para

    def one_line(self, width: float) -> bool:
        return self._line_width <= width

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        if self.one_line(available_width):
            self.height = self.style.leading if self._line_width else 0.0  # no text: no line
            return available_width, self.height
        _, self.height = self.paragraph(available_width).wrap(available_width, available_height)
        return available_width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        if self.one_line(available_width):
            return [self] if self.style.leading <= available_height else []
        return self.paragraph(available_width).split(available_width, available_height)

    def draw(self) -> None:
        if self._line is None or not self.one_line(self.width):
            self.paragraph().drawOn(self.canv, 0, 0)
            return
        font, x = self.style.fontSize, 0.0
        y = self.height - font  # the first baseline, as a Paragraph sets it
        labels = []
        for text, bold, width in self._line:
            labels.append(Label(x, y, text, font, bold, "left", self.style.textColor))
            x += width
        draw_labels(self.canv, labels)
