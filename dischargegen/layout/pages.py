"""The page frame: the patient's name and identifiers at the top of every page, and
"Page N of M", the facility and the content version at the bottom. A preview's sample mark runs
up the side margins, where it hides no text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from ..model import PageSize
from .styles import RULE, Styles

PAGE_SIZES = {PageSize.LETTER: LETTER, PageSize.A4: A4}
MARGIN = 0.7 * inch
SEPARATOR = " \u00b7 "  # between the header's items: "Born March 2, 1948 · MRN 0012345"


class Frame(NamedTuple):
    """What the header and footer print; every string is already Paragraph markup."""

    header_left: str
    header_right: str
    footer_left: str
    page_label: Callable[[int, int], str]  # (page, pages) -> "Page 1 of 2"
    text_width: float  # the width of the text frame, centred on the page
    sample_mark: str | None = None


def header_height(styles: Styles) -> float:
    return styles.footer.leading * 2 + 8


def unbreakable(text: str) -> str:
    """Header text whose items never break inside: a label stays on the line of its value
    ("MRN 0012345"); lines may break only between items (at " · ")."""
    return SEPARATOR.join(part.replace(" ", "\u00a0") for part in text.split(SEPARATOR))


def natural_width(markup: str, style: Any) -> float:
    """The width of Paragraph ``markup`` set on one line."""
    if not markup:
        return 0.0
    para = Paragraph(markup, style)
    para.wrap(10_000, 1_000)
    return max(para.getActualLineWidths0() or [0.0])


def numbered_canvas(frame: Frame, styles: Styles) -> type[Canvas]:
    """A canvas class that holds pages back until the end, so each can say "Page N of M"."""

    right_width = natural_width(frame.header_right, styles.footer) + 1  # the same on every page

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self._paras: dict[tuple[str, str, float, str], tuple[Paragraph, float]] = {}

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._held.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's own page reset, not in its stubs

        def save(self) -> None:
            pages = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self._decorate(number, pages)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, number: int, pages: int) -> None:
            width, height = self._pagesize  # type: ignore[attr-defined]  # the page size set at the start
            usable = width - 2 * MARGIN
            top = height - MARGIN * 0.6
            # The identifiers on the right get the room they need (up to 60%); the name the rest.
            gap = styles.footer.fontSize
            right = min(right_width, usable * 0.6)
            self._para(frame.header_left, styles.footer, MARGIN, top, usable - right - gap)
            self._para(frame.header_right, styles.footer, width - MARGIN - right, top, right, right=True)
            rule_y = height - MARGIN * 0.6 - header_height(styles) + 4
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN, rule_y, width - MARGIN, rule_y)
            bottom = MARGIN * 0.5 + styles.footer.leading * 2
            self.line(MARGIN, bottom + 2, width - MARGIN, bottom + 2)
            self._para(frame.footer_left, styles.footer, MARGIN, bottom, usable * 0.75)
            self._para(
                frame.page_label(number, pages),
                styles.footer,
                MARGIN + usable * 0.75,
                bottom,
                usable * 0.25,
                right=True,
            )
            if frame.sample_mark:
                self._sample_mark(frame.sample_mark, width, height)

        def _sample_mark(self, mark: str, width: float, height: float) -> None:
            """The sample mark up the middle of each side margin, outside the text and frame."""
            side = (width - frame.text_width) / 2
            style = styles.heading
            for x, angle in ((side / 2, 90), (width - side / 2, -90)):
                self.saveState()
                self.translate(x, height / 2)
                self.rotate(angle)
                self.setFillColorRGB(0.45, 0.45, 0.45)
                self._para(mark, style, -height * 0.35, style.leading / 2, height * 0.7, center=True)
                self.restoreState()

        def _para(
            self, text: str, style: Any, x: float, top: float, width: float, right: bool = False, center: bool = False
        ) -> None:
            if not text:
                return
            align = 'align="right"' if right else 'align="center"' if center else ""
            key = (text, style.name, width, align)
            if key not in self._paras:  # the header and footer are the same on every page: set once
                para = Paragraph(f"<para {align}>{text}</para>", style)
                self._paras[key] = (para, para.wrap(width, 200)[1])
            para, used = self._paras[key]
            para.drawOn(self, x, top - used)

    return NumberedCanvas
