"""The pages: where the text goes on them, and what frames it.

Text: page 1 sets the head (the title, the lead and the warning boxes) in one column of at most
about 75 characters a line. At normal print the rest goes in two columns across the page (about
45 characters a line): on page 1 under the head, and on the pages after; so the handout keeps to
two pages. Large print keeps one column, as wide as the page allows, on every page.

Frame: the patient's name and identifiers at the top of every page, and "Page N of M", the
facility and the content version at the bottom. A preview's sample mark runs up the side
margins, where it hides no text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, NamedTuple

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, FrameBreak, PageTemplate, Paragraph

from ..model import PageSize
from .fonts import BODY
from .styles import RULE, Styles

PAGE_SIZES = {PageSize.LETTER: LETTER, PageSize.A4: A4}
MARGIN = 0.7 * inch  # the side margins at normal print
MARGIN_LARGE = 0.5 * inch  # in large print: more of the line for 18 pt type; still clear of a printer's edge
# The one column: at most about 75 characters of body text a line (36 em of Atkinson Hyperlegible,
# whose average character is 0.45 em), as wide as the page allows in large print.
MEASURE_EM = 36.0
SAMPLE_STYLE = ParagraphStyle("sample", fontName=f"{BODY.name}-Bold", fontSize=14, leading=17)
SEPARATOR = " \u00b7 "  # between the header's items: "Born March 2, 1948 · MRN 0012345"


class PageFrame(NamedTuple):
    """What the header and footer print; every string is already Paragraph markup."""

    header_left: str
    header_right: str
    footer_left: str
    page_label: Callable[[int, int], str]  # (page, pages) -> "Page 1 of 2"
    sample_mark: str | None = None


class Geometry(NamedTuple):
    """Where the header, the footer and the text go on a page (points from the bottom left)."""

    width: float
    height: float
    margin: float  # left and right
    right_width: float  # the header's identifiers on the right; the name gets the rest (all: stacked)
    label_width: float  # the footer's "Page N of M" on the right; the facility and version the rest
    header_top: float  # the first header line's top (the patient's name)
    ids_top: float  # the identifiers' top: beside the name, or under it when they do not fit beside it
    header_rule: float
    footer_top: float
    footer_rule: float
    text_top: float  # the top and bottom of the text frames
    text_bottom: float

    @property
    def usable(self) -> float:
        return self.width - 2 * self.margin

    @property
    def stacked(self) -> bool:
        """The identifiers on the line under the name (a name too long to share its line)."""
        return self.ids_top != self.header_top


def geometry(frame: PageFrame, styles: Styles, page_size: tuple[float, float]) -> Geometry:
    """The page's geometry: the header and the footer take the lines their text needs."""
    width, height = page_size
    margin = MARGIN_LARGE if styles.size >= 18 else MARGIN
    usable = width - 2 * margin
    style = styles.footer
    right = min(natural_width(frame.header_right, style) + 1, usable * 0.6)
    # The name and the identifiers side by side; when the name would have to break beside them,
    # the identifiers go on the line under it.
    stacked = natural_width(frame.header_left, style) + style.fontSize + right > usable
    if stacked:
        name_lines = _lines(frame.header_left, style, usable)
        header_lines = name_lines + _lines(frame.header_right, style, usable)
    else:
        name_lines = header_lines = _lines(frame.header_right, style, right)
    label = min(natural_width(frame.page_label(99, 99), style) + 1, usable * 0.3)  # "Page 99 of 99"
    footer_lines = max(
        _lines(frame.footer_left, style, usable - label - style.fontSize),
        _lines(frame.page_label(99, 99), style, label),
    )
    header_top = height - MARGIN * 0.6
    ids_top = header_top - style.leading * name_lines if stacked else header_top
    header_rule = header_top - style.leading * header_lines - 4
    footer_rule = MARGIN * 0.5 + style.leading * footer_lines + 2
    return Geometry(
        width=width,
        height=height,
        margin=margin,
        right_width=usable if stacked else right,
        label_width=label,
        header_top=header_top,
        ids_top=ids_top,
        header_rule=header_rule,
        footer_top=footer_rule - 2,
        footer_rule=footer_rule,
        text_top=header_rule - styles.size * 0.7,
        text_bottom=footer_rule + styles.size * 0.6,
    )


def _lines(markup: str, style: Any, width: float) -> int:
    if not markup:
        return 1
    _, height = Paragraph(markup, style).wrap(width, 1_000)
    return max(1, round(float(height) / float(style.leading)))


def page_templates(
    page: Geometry, styles: Styles, head: list[Flowable], rest: list[Flowable], columns: bool
) -> tuple[list[PageTemplate], list[Flowable]]:
    """The page templates for a handout of ``head`` and ``rest``, and the flowables to build with
    them: one column throughout, or (``columns``) the head in one column and the rest in two."""
    bottom, body = page.text_bottom, page.text_top - page.text_bottom
    measure = min(page.usable, MEASURE_EM * styles.size)
    one = Frame((page.width - measure) / 2, bottom, measure, body, 0, 0, 0, 0, id="column")
    if not columns:
        return [PageTemplate("pages", [one])], [*head, *rest]
    gap = styles.size * 1.5
    half = (page.usable - gap) / 2

    def two(below: float) -> list[Frame]:
        return [Frame(x, bottom, half, below, 0, 0, 0, 0) for x in (page.margin, page.margin + half + gap)]

    later = PageTemplate("later", two(body))
    head_height = stacked_height(head, measure) + 2  # a little room for rounding
    if head_height + styles.size * 6 > body:  # no room for columns under the head: page 1 in one column
        return [PageTemplate("first", [one], autoNextPageTemplate="later"), later], [*head, *rest]
    above = Frame((page.width - measure) / 2, bottom + body - head_height, measure, head_height, 0, 0, 0, 0)
    first = PageTemplate("first", [above, *two(body - head_height)], autoNextPageTemplate="later")
    return [first, later], [*head, FrameBreak(), *rest]


def stacked_height(flowables: list[Flowable], width: float) -> float:
    """The height ``flowables`` take one under the other in a frame ``width`` wide."""
    canvas = Canvas(io.BytesIO())
    total = 0.0
    for i, flowable in enumerate(flowables):
        _, h = flowable.wrapOn(canvas, width, 1e6)
        total += h + (max(flowables[i - 1].getSpaceAfter(), flowable.getSpaceBefore()) if i else 0)
    return total


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


def numbered_canvas(frame: PageFrame, styles: Styles, page: Geometry) -> type[Canvas]:
    """A canvas class that holds pages back until the end, so each can say "Page N of M"."""

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
            width, usable, right = page.width, page.usable, page.right_width
            gap = styles.footer.fontSize
            name_width = usable if page.stacked else usable - right - gap
            margin = page.margin
            self._para(frame.header_left, styles.footer, margin, page.header_top, name_width)
            self._para(
                frame.header_right, styles.footer, width - margin - right, page.ids_top, right, right=not page.stacked
            )
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(margin, page.header_rule, width - margin, page.header_rule)
            self.line(margin, page.footer_rule, width - margin, page.footer_rule)
            label = page.label_width
            self._para(frame.footer_left, styles.footer, margin, page.footer_top, usable - label - gap)
            text = frame.page_label(number, pages)
            self._para(text, styles.footer, width - margin - label, page.footer_top, label, right=True)
            if frame.sample_mark:
                self._sample_mark(frame.sample_mark, width, page.height)

        def _sample_mark(self, mark: str, width: float, height: float) -> None:
            """The sample mark up the middle of each side margin, outside the text and frame."""
            side = page.margin  # pages in two columns span the page, so the side margin is the place
            style = SAMPLE_STYLE  # one size in both print sizes: it must fit the narrower large-print margin
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
