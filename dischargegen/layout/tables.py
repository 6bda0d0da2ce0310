"""The ``<table>`` block: rows of cells, a header repeated on each page, and write-in cells; and
the ``<dates>`` block: pairs of a label and its value.

The leading rows whose cells are all ``th`` are the header: set bold on a light shade and
repeated at the top of a page when the table splits. An empty ``td`` is a write-in cell: taller,
with a ruled line to write on. Column widths follow the text: each column gets at least its
longest word, and the rest of the width goes where there is more text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.lib import colors
from reportlab.platypus import Flowable

from ..content.document import Node
from .fonts import text_width
from .styles import RULE, SHADE, Styles
from .tagging import Element, artifact, structure


def row_elements(cells: Sequence[Sequence[object]], header: int = 0, scope: str = "Column") -> list[Element]:
    """A tagged table's rows (TR), each with its cells: header cells (TH) in the first ``header``
    rows, or, with ``scope`` Row, the first cell of each row."""

    def cell(r: int, c: int) -> Element:
        heads = r < header if scope == "Column" else c == 0
        return Element("TH", scope=scope, placed=True) if heads else Element("TD", placed=True)

    return [Element("TR", kids=[cell(r, c) for c in range(len(row))]) for r, row in enumerate(cells)]


class WriteIn(Flowable):
    """A ruled line across a cell, with room above it to write by hand."""

    def __init__(self, height: float) -> None:
        super().__init__()
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        with artifact(self.canv):
            self.canv.setStrokeColor(colors.black)
            self.canv.setLineWidth(0.8)
            self.canv.line(0, 1, self.width, 1)


def rows_that_fit(heights: list[float], room: float) -> int:
    """How many rows of ``heights``, from the first, fit in ``room``."""
    used, k = 0.0, 0
    while k < len(heights) and used + heights[k] <= room:
        used += heights[k]
        k += 1
    return k


class Pairs(Flowable):
    """Rows of a bold label and its value (``<dates>``: key dates, numbers to call), a rule under
    each row, the labels in a column as wide as the longest (a quarter to 42% of the width).
    Set directly rather than as a Table: it is drawn on every handout's first page."""

    PAD = 2.0  # above the text and to the left of it
    GAP = 6.0  # to the right of a label

    def __init__(
        self,
        rows: Sequence[tuple[Flowable, Flowable]],
        label_width: float,
        space: float,
        tags: list[Element] | None = None,
    ) -> None:
        super().__init__()
        self.rows, self.label_width = list(rows), label_width  # label_width: the longest label's
        self.spaceAfter = space
        self._heights: list[float] = []
        self.element = Element("Table")  # a label (TH, its row's header) and a value (TD) a row
        self.tags = tags or row_elements(self.rows, scope="Row")

    def _columns(self, width: float) -> tuple[float, float]:
        label = min(max(self.label_width, width * 0.25), width * 0.42)
        return label, width - label

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        label, value = self._columns(available_width)
        inner = (label - self.PAD - self.GAP, value - self.PAD - self.GAP)
        self._heights = [
            max(left.wrapOn(self.canv, inner[0], 1e6)[1], right.wrapOn(self.canv, inner[1], 1e6)[1]) + self.PAD
            for left, right in self.rows
        ]
        self.width, self.height = available_width, sum(self._heights)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        k = rows_that_fit(self._heights, available_height)
        if k in (0, len(self.rows)):
            return []  # not one row fits here (or all do): the whole block moves
        first = Pairs(self.rows[:k], self.label_width, 0, self.tags[:k])
        rest = Pairs(self.rows[k:], self.label_width, self.spaceAfter, self.tags[k:])
        first.element = rest.element = self.element
        return [first, rest]

    def draw(self) -> None:
        label, _ = self._columns(self.width)
        canv, top = self.canv, self.height
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        with structure(canv, self.element):
            for (left, right), h, row in zip(self.rows, self._heights, self.tags, strict=True):
                with structure(canv, row):
                    head, value = row.parts()
                    with structure(canv, head):
                        left.drawOn(canv, self.PAD, top - self.PAD - left.height)
                    with structure(canv, value):
                        right.drawOn(canv, label + self.PAD, top - self.PAD - right.height)
                top -= h
                with artifact(canv):
                    canv.line(0, top, self.width, top)


WRITE_IN_EM = 8.0  # the width an empty (write-in) cell asks for, in ems


def column_widths(rows: list[list[Node]], width: float, size: float, pad: float) -> list[float]:
    """Widths for the columns of ``rows`` that add up to ``width``."""
    columns = len(rows[0])
    least, natural = [size * 3.0] * columns, [size * 3.0] * columns
    heads = [size * 3.0] * columns  # the header cells on one line ("How much")
    for row in rows:
        for c, cell in enumerate(row):
            bold = cell.tag == "th"  # measured in the fonts it prints in (Cyrillic in Noto Sans...)
            text = cell.text()
            words = text.split(" ") or [""]  # a no-break space keeps words together, as in the cell
            least[c] = max(least[c], max(text_width(w, size, bold) for w in words) + 2 * pad)
            written = size * WRITE_IN_EM if cell.tag == "td" and not cell.runs else 0.0  # room for a hand
            natural[c] = max(natural[c], text_width(text, size, bold) + 2 * pad, written)
            if bold:
                heads[c] = text_width(text, size, True) + 2 * pad
    with_heads = [max(m, h) for m, h in zip(least, heads, strict=True)]
    if sum(with_heads) < width:  # room for every header on one line
        least = with_heads
    if sum(least) >= width:  # too many columns to keep whole words: share alike
        return [width * w / sum(least) for w in least]
    if sum(natural) <= width:  # every cell on one line: widen the columns alike
        return [n * width / sum(natural) for n in natural]
    extra = [n - m for n, m in zip(natural, least, strict=True)]
    room = width - sum(least)  # shared by how much more text each column has
    return [m + room * e / sum(extra) for m, e in zip(least, extra, strict=True)]


class Grid(Flowable):
    """A ruled table of flowables (``None``: an empty cell), its ``header`` rows shaded and repeated
    at the top of each page it goes on to. Set directly rather than as a ReportLab Table: the
    medicine table is on every handout."""

    def __init__(
        self,
        cells: list[list[Flowable | None]],
        header: int,
        widths: list[float],
        pad: float,
        tags: list[Element] | None = None,
    ) -> None:
        super().__init__()
        self.cells, self.header, self.widths, self.pad = cells, header, widths, pad
        self._heights: list[float] = []
        self.element = Element("Table")  # a split table hands it to both parts
        self.tags = tags or row_elements(cells, header)  # each row's TR, with its TH or TD cells
        self.repeated = False  # the header rows are those of the page before, repeated

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self._heights = [
            max(
                (
                    cell.wrapOn(self.canv, w - 2 * self.pad, 1e6)[1]
                    for cell, w in zip(row, self.widths, strict=True)
                    if cell
                ),
                default=0.0,
            )
            + self.pad * 1.2
            for row in self.cells
        ]
        self.width, self.height = sum(self.widths), sum(self._heights)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        k = rows_that_fit(self._heights, available_height)
        if k <= self.header or k == len(self.cells):
            return []  # not the header and a row: the table moves to the next page
        head, tags = self.cells[: self.header], self.tags[: self.header]
        first = Grid(self.cells[:k], self.header, self.widths, self.pad, self.tags[:k])
        rest = Grid(head + self.cells[k:], self.header, self.widths, self.pad, tags + self.tags[k:])
        first.element = rest.element = self.element
        first.repeated, rest.repeated = self.repeated, True
        return [first, rest]

    def draw(self) -> None:
        canv, pad = self.canv, self.pad
        edges = [sum(self.widths[:i]) for i in range(len(self.widths) + 1)]
        if self.header:
            with artifact(canv):
                canv.setFillColor(SHADE)
                shaded = sum(self._heights[: self.header])
                canv.rect(0, self.height - shaded, self.width, shaded, stroke=0, fill=1)
        top = self.height
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.6)
        rules = []
        with structure(canv, self.element):
            for r, (row, h, tag) in enumerate(zip(self.cells, self._heights, self.tags, strict=True)):
                repeated = self.repeated and r < self.header
                with artifact(canv, "Pagination") if repeated else structure(canv, tag):
                    for cell, x, cell_tag in zip(row, edges, tag.parts(), strict=False):
                        with structure(canv, cell_tag):
                            if cell is not None:
                                cell.drawOn(canv, x + pad, top - pad * 0.6 - cell.height)
                top -= h
                rules.append(top)
        with artifact(canv):
            self._rules(edges, rules)

    def _rules(self, edges: list[float], rules: list[float]) -> None:
        """The lines between rows and columns, under the header and around the table."""
        canv = self.canv
        for y in rules[:-1]:
            canv.line(0, y, self.width, y)
        for x in edges[1:-1]:
            canv.line(x, 0, x, self.height)
        canv.setStrokeColor(colors.black)
        if self.header:
            canv.setLineWidth(1.2)
            canv.line(0, rules[self.header - 1], self.width, rules[self.header - 1])
        canv.setLineWidth(1)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def build_table(node: Node, width: float, styles: Styles, paragraph: Callable[[Node], Flowable]) -> Grid:
    """The flowable for a ``<table>``: ``paragraph`` sets a cell's running text."""
    rows = [row.children for row in node.children]
    header = 0
    while header < len(rows) and all(cell.tag == "th" for cell in rows[header]):
        header += 1
    pad = styles.size * 0.35
    write_height = styles.size * 1.6
    cells: list[list[Flowable | None]] = [
        [paragraph(cell) if cell.runs else WriteIn(write_height) if cell.tag == "td" else None for cell in row]
        for row in rows
    ]
    return Grid(cells, header, column_widths(rows, width, styles.size, pad), pad)
