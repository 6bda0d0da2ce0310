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

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfdoc import PDFDocument
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, FrameBreak, PageTemplate

from ..model import PageSize
from .direction import mirror_page
from .fonts import BODY, Label, draw_labels, text_width
from .styles import RULE, Styles
from .tagging import Tagger, artifact
from .text import Line, break_lines

PAGE_SIZES = {PageSize.LETTER: LETTER, PageSize.A4: A4}
MARGIN = 0.7 * inch  # the side margins at normal print
MARGIN_LARGE = 0.5 * inch  # in large print: more of the line for 18 pt type; still clear of a printer's edge
MARGIN_COMPACT = 0.5 * inch  # a compact handout's side margins (normal print)
MARGIN_LARGE_COMPACT = 0.4 * inch
# The pages a handout should keep to: normal print, large print. A handout (or a translation's
# part of one) that runs over is laid out again compact (see render). A translation runs 10 to
# 25% longer than English and carries the draft notice: in large print it may take one page more.
FIT_PAGES, FIT_PAGES_LARGE, FIT_PAGES_LARGE_TRANSLATED = 2, 4, 5


def page_budget(large_print: bool, translated: bool) -> int:
    """The pages a handout keeps to: 2 at normal print; in large print 4, or 5 for a translation."""
    if not large_print:
        return FIT_PAGES
    return FIT_PAGES_LARGE_TRANSLATED if translated else FIT_PAGES_LARGE


# The one column: at most about 75 characters of body text a line (36 em of Atkinson Hyperlegible,
# whose average character is 0.45 em), as wide as the page allows in large print.
MEASURE_EM = 36.0
SAMPLE_STYLE = ParagraphStyle("sample", fontName=f"{BODY.name}-Bold", fontSize=14, leading=17)
SAMPLE_GREY = Color(0.45, 0.45, 0.45)
SEPARATOR = " \u00b7 "  # between the header's items: "Born March 2, 1948 · MRN 0012345"


class PageFrame(NamedTuple):
    """What the header and footer print, as text (the name bold, the sample mark bold)."""

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
    if styles.size >= 18:
        margin = MARGIN_LARGE_COMPACT if styles.compact else MARGIN_LARGE
    else:
        margin = MARGIN_COMPACT if styles.compact else MARGIN
    usable = width - 2 * margin
    style = styles.footer
    size = style.fontSize
    right = min(text_width(frame.header_right, size) + 1, usable * 0.6)
    # The name and the identifiers side by side; when the name would have to break beside them,
    # the identifiers go on the line under it.
    stacked = text_width(frame.header_left, size, True) + size + right > usable
    if stacked:
        name_lines = _lines(frame.header_left, size, usable, True)
        header_lines = name_lines + _lines(frame.header_right, size, usable)
    else:
        name_lines = header_lines = _lines(frame.header_right, size, right)
    label = min(text_width(frame.page_label(99, 99), size) + 1, usable * 0.3)  # "Page 99 of 99"
    footer_lines = max(
        _lines(frame.footer_left, size, usable - label - size),
        _lines(frame.page_label(99, 99), size, label),
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


def frame_lines(text: str, size: float, width: float, bold: bool = False) -> list[Line]:
    """A header or footer text broken into lines ``width`` wide."""
    if not text:
        return []
    return break_lines([(text, bold)], width, size)


def _lines(text: str, size: float, width: float, bold: bool = False) -> int:
    return max(1, len(frame_lines(text, size, width, bold)))


def page_templates(
    page: Geometry,
    styles: Styles,
    head: list[Flowable],
    rest: list[Flowable],
    columns: bool,
    part: int = 0,
    rtl: bool = False,
) -> tuple[list[PageTemplate], list[Flowable]]:
    """The page templates for a handout of ``head`` and ``rest``, and the flowables to build with
    them: one column throughout, or (``columns``) the head in one column and the rest in two.
    ``part`` numbers the handouts in one PDF (a translation, then English): each has its own
    templates, which mark the canvas with the part of each page; the first is :func:`first_template`.
    A right-to-left part (``rtl``) is laid out on mirrored pages (:mod:`.direction`)."""
    bottom, body = page.text_bottom, page.text_top - page.text_bottom
    measure = min(page.usable, MEASURE_EM * styles.size)
    one = Frame((page.width - measure) / 2, bottom, measure, body, 0, 0, 0, 0, id="column")

    def template(name: str, frames: list[Frame], then: str | None = None) -> PageTemplate:
        def mark(canvas: Canvas, _doc: object) -> None:
            canvas._part = part  # type: ignore[attr-defined]  # kept with the page (NumberedCanvas)
            mirror_page(canvas, page.width, rtl)

        auto = f"{then}-{part}" if then else None
        return PageTemplate(f"{name}-{part}", frames, onPage=mark, autoNextPageTemplate=auto)

    if not columns:
        return [template("first", [one])], [*head, *rest]
    gap = styles.size * 1.5
    half = (page.usable - gap) / 2

    def two(below: float) -> list[Frame]:
        return [Frame(x, bottom, half, below, 0, 0, 0, 0) for x in (page.margin, page.margin + half + gap)]

    later = template("later", two(body))
    head_height = stacked_height(head, measure) + 2  # a little room for rounding
    if head_height + styles.size * 6 > body:  # no room for columns under the head: page 1 in one column
        return [template("first", [one], "later"), later], [*head, *rest]
    above = Frame((page.width - measure) / 2, bottom + body - head_height, measure, head_height, 0, 0, 0, 0)
    first = template("first", [above, *two(body - head_height)], "later")
    return [first, later], [*head, FrameBreak(), *rest]


def first_template(part: int) -> str:
    """The name of the page template a part begins with."""
    return f"first-{part}"


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


class Part(NamedTuple):
    """One handout of a PDF (a translation, or the English that follows it): its frame's text,
    styles and geometry."""

    frame: PageFrame
    styles: Styles
    page: Geometry


def numbered_canvas(
    parts: list[Part],
    counts: list[int],
    tagger: Tagger | None = None,
    before_writing: Callable[[PDFDocument], None] | None = None,
) -> type[Canvas]:
    """A canvas class that holds pages back until the end, so each can say "Page N of M", counted
    within its part (the translation's pages, then the English copy's); ``counts`` is filled with
    each part's pages when the PDF is saved. A page's anchors (:class:`.lists.Box`) become entries
    of the PDF's outline as it is written (a page held back has no place in the PDF yet). With a
    ``tagger`` the pages are tagged (:mod:`.tagging`): the header and footer as artifacts.
    ``before_writing`` is given ReportLab's document when every page is in it, just before it
    is written (the archival profiles add their objects: :mod:`dischargegen.archive`)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []
            self._tagger = tagger

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._held.append(dict(self.__dict__))
            self._anchors: list[str] = []  # the titles of the outline entries to this page
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's own page reset, not in its stubs

        def save(self) -> None:
            counts[:] = [sum(1 for state in self._held if state.get("_part", 0) == i) for i in range(len(parts))]
            numbers = [0] * len(parts)
            for state in self._held:
                self.__dict__.update(state)
                part = state.get("_part", 0)
                numbers[part] += 1
                self._decorate(parts[part], numbers[part], counts[part])
                for n, title in enumerate(state.get("_anchors", ())):
                    key = f"page{self.getPageNumber()}-{n}"
                    self.bookmarkPage(key)
                    self.addOutlineEntry(title, key)
                Canvas.showPage(self)
            if before_writing is not None:
                before_writing(self._doc)  # type: ignore[attr-defined]  # ReportLab's document, not in its stubs
            Canvas.save(self)

        def _decorate(self, part: Part, number: int, pages: int) -> None:
            frame, styles, page = part
            width, usable, right = page.width, page.usable, page.right_width
            style = styles.footer
            gap = style.fontSize
            name_width = usable if page.stacked else usable - right - gap
            margin = page.margin
            with artifact(self, "Pagination", "Header"):
                self._text(frame.header_left, style, margin, page.header_top, name_width, bold=True)
                self._text(
                    frame.header_right,
                    style,
                    width - margin - right,
                    page.ids_top,
                    right,
                    "right" if not page.stacked else "left",
                )
                self.setStrokeColor(RULE)
                self.setLineWidth(0.6)
                self.line(margin, page.header_rule, width - margin, page.header_rule)
            with artifact(self, "Pagination", "Footer"):
                self.line(margin, page.footer_rule, width - margin, page.footer_rule)
                label = page.label_width
                self._text(frame.footer_left, style, margin, page.footer_top, usable - label - gap)
                self._text(
                    frame.page_label(number, pages), style, width - margin - label, page.footer_top, label, "right"
                )
            if frame.sample_mark:
                with artifact(self, "Pagination", "Watermark"):
                    self._sample_mark(frame.sample_mark, width, page.height, page.margin)

        def _sample_mark(self, mark: str, width: float, height: float, side: float) -> None:
            """The sample mark up the middle of each side margin, outside the text and frame (pages
            in two columns span the page, so the side margin is the place)."""
            style = SAMPLE_STYLE  # one size in both print sizes: it must fit the narrower large-print margin
            for x, angle in ((side / 2, 90), (width - side / 2, -90)):
                self.saveState()
                self.translate(x, height / 2)
                self.rotate(angle)
                self._text(mark, style, -height * 0.35, style.leading / 2, height * 0.7, "center", True, SAMPLE_GREY)
                self.restoreState()

        def _text(
            self,
            text: str,
            style: Any,
            x: float,
            top: float,
            width: float,
            align: str = "left",
            bold: bool = False,
            color: Color = black,
        ) -> None:
            """``text`` in lines ``width`` wide from ``top`` down, each aligned in the width."""
            size, leading = style.fontSize, style.leading
            labels = []
            for n, line in enumerate(frame_lines(text, size, width, bold)):
                drawn = "".join(piece for piece, _ in line)
                at = x + (width if align == "right" else width / 2 if align == "center" else 0.0)
                labels.append(Label(at, top - size - n * leading, drawn, size, bold, align, color))
            draw_labels(self, labels)

    return NumberedCanvas
