"""The ``<table>`` block: rows of cells, a header repeated on each page, and write-in cells.

The leading rows whose cells are all ``th`` are the header: set bold on a light shade and
repeated at the top of a page when the table splits. An empty ``td`` is a write-in cell: taller,
with a ruled line to write on. Column widths follow the text: each column gets at least its
longest word, and the rest of the width goes where there is more text.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Table, TableStyle

from ..content.document import Node
from .fonts import BODY
from .styles import RULE, SHADE, Styles


class WriteIn(Flowable):
    """A ruled line across a cell, with room above it to write by hand."""

    def __init__(self, height: float) -> None:
        super().__init__()
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(colors.black)
        self.canv.setLineWidth(0.8)
        self.canv.line(0, 1, self.width, 1)


def column_widths(rows: list[list[Node]], width: float, size: float, pad: float) -> list[float]:
    """Widths for the columns of ``rows`` that add up to ``width``."""
    columns = len(rows[0])
    least, natural = [size * 3.0] * columns, [size * 3.0] * columns
    for row in rows:
        for c, cell in enumerate(row):
            face = f"{BODY.name}-Bold" if cell.tag == "th" else BODY.name
            text = cell.text()
            words = text.split() or [""]
            least[c] = max(least[c], max(stringWidth(w, face, size) for w in words) + 2 * pad)
            natural[c] = max(natural[c], stringWidth(text, face, size) + 2 * pad)
    if sum(least) >= width:  # too many columns to keep whole words: share alike
        return [width * w / sum(least) for w in least]
    if sum(natural) <= width:  # every cell on one line: widen the columns alike
        return [n * width / sum(natural) for n in natural]
    extra = [n - m for n, m in zip(natural, least, strict=True)]
    room = width - sum(least)  # shared by how much more text each column has
    return [m + room * e / sum(extra) for m, e in zip(least, extra, strict=True)]


def build_table(node: Node, width: float, styles: Styles, paragraph: Callable[[Node], Flowable]) -> Table:
    """The flowable for a ``<table>``: ``paragraph`` sets a cell's running text."""
    rows = [row.children for row in node.children]
    header = 0
    while header < len(rows) and all(cell.tag == "th" for cell in rows[header]):
        header += 1
    pad = styles.size * 0.35
    write_height = styles.size * 1.6
    data: list[list[Flowable | str]] = [
        [paragraph(cell) if cell.runs else WriteIn(write_height) if cell.tag == "td" else "" for cell in row]
        for row in rows
    ]
    table = Table(
        data,
        colWidths=column_widths(rows, width, styles.size, pad),
        repeatRows=header,
        splitByRow=1,
        hAlign="LEFT",
    )
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), BODY.name),  # never ReportLab's Helvetica default
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.6),
        ("GRID", (0, 0), (-1, -1), 0.6, RULE),
        ("BOX", (0, 0), (-1, -1), 1, colors.black),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header - 1), SHADE),
            ("LINEBELOW", (0, header - 1), (-1, header - 1), 1.2, colors.black),
        ]
    table.setStyle(TableStyle(commands))  # type: ignore[arg-type]  # the stubs want exact tuples
    table.spaceBefore = styles.space * 0.5
    table.spaceAfter = styles.space
    return table
