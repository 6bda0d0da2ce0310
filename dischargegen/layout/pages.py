"""The page frame: the patient's name and identifiers at the top of every page, and
"Page N of M", the facility and the content version at the bottom."""

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


class Frame(NamedTuple):
    """What the header and footer print; every string is already Paragraph markup."""

    header_left: str
    header_right: str
    footer_left: str
    page_label: Callable[[int, int], str]  # (page, pages) -> "Page 1 of 2"
    sample_mark: str | None = None


def header_height(styles: Styles) -> float:
    return styles.footer.leading * 2 + 8


def numbered_canvas(frame: Frame, styles: Styles) -> type[Canvas]:
    """A canvas class that holds pages back until the end, so each can say "Page N of M"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

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
            self._para(frame.header_left, styles.footer, MARGIN, top, usable * 0.6)
            self._para(frame.header_right, styles.footer, MARGIN + usable * 0.6, top, usable * 0.4, right=True)
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
                self.saveState()
                self.setFillColorRGB(0.75, 0.75, 0.75)
                self.translate(width / 2, height / 2)
                self.rotate(45)
                self._para(frame.sample_mark, styles.title, -width / 2, 0, width, center=True)
                self.restoreState()

        def _para(
            self, text: str, style: Any, x: float, top: float, width: float, right: bool = False, center: bool = False
        ) -> None:
            if not text:
                return
            align = 'align="right"' if right else 'align="center"' if center else ""
            para = Paragraph(f"<para {align}>{text}</para>", style)
            _, used = para.wrap(width, 200)
            para.drawOn(self, x, top - used)

    return NumberedCanvas
