"""From the document tree to ReportLab flowables: paragraphs, lists, boxes, check boxes,
signatures, tables and the calendar (``lists``, ``tables`` and ``calendar`` hold the larger ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ..content.document import Node, Run
from ..languages import RIGHT_TO_LEFT
from .fonts import BODY
from .lists import CHECK, Beside, Box, HeadWith, Item, ItemList
from .styles import CAUTION, EMERGENCY, SHADE, Styles
from .tagging import artifact
from .text import BLANK_INCHES, Text, blank_length

if TYPE_CHECKING:
    from .barcodes import BarcodeValues

INTRODUCED = frozenset({"table", "calendar"})  # blocks whose opening paragraph says how to read them
__all__ = ["BLANK_INCHES", "Builder", "Text", "blank_length"]


class Fit(Flowable):
    """A block laid out for the width of the frame it lands in (a page's one column or one of
    two): ``make(width)`` builds it, once per width."""

    def __init__(self, make: Callable[[float], Flowable], space_before: float = 0, space_after: float = 0) -> None:
        super().__init__()
        self.make = make
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self._built: dict[float, Flowable] = {}

    def _at(self, width: float) -> Flowable:
        key = round(width, 2)  # frames of one width differ in the last bits
        if key not in self._built:
            self._built[key] = self.make(width)
        return self._built[key]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, self.height = self._at(available_width).wrapOn(self.canv, available_width, available_height)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        return self._at(available_width).splitOn(self.canv, available_width, available_height)

    def draw(self) -> None:
        self._at(self.width).drawOn(self.canv, 0, 0)


class Builder:
    """Turns a ``<handout>`` tree into a list of flowables, each laid out for the width of the
    frame it lands in; ``language`` and ``region`` name the calendar's months and days and its
    first weekday."""

    def __init__(
        self, styles: Styles, language: str = "en", region: str | None = None, barcodes: BarcodeValues | None = None
    ) -> None:
        self.s = styles
        self.language, self.region = language, region
        self.barcodes = barcodes  # drawn under the signatures (the acknowledgement page)
        self._words: Any = None  # the calendars' CalendarWords, made for the first calendar
        self._level = 2  # the level of the headings made now: a section's; a box's in a section, one more
        self.write_in: str | None = None  # what a screen reader says for a write-in line (the handout's blank_label)

    def handout(self, root: Node) -> tuple[list[Flowable], list[Flowable]]:
        """The flowables of the handout's head (the title, the lead and the warning boxes: the
        blocks before the first section) and of the rest."""
        self.write_in = root.attrs.get("blank_label")
        children = root.children
        cut = next((i for i, child in enumerate(children) if child.tag == "section"), len(children))
        return self.blocks(children[:cut]), self.blocks(children[cut:])

    def blocks(self, nodes: list[Node]) -> list[Flowable]:
        return [f for node in nodes for f in self.block(node)]

    def text(self, node: Node, style: ParagraphStyle) -> Text:
        """A paragraph of a text element's runs in ``style`` (in its own direction when it names
        its language: the English line of a draft's notice, in an Arabic handout)."""
        text = self.words(node.runs, style)
        if "lang" in node.attrs:
            text.right_to_left = node.attrs["lang"] in RIGHT_TO_LEFT
            text.element.lang = node.attrs["lang"]
        return text

    def heading(self, title: str, style: ParagraphStyle) -> Text:
        """A section's or a box's title: a heading of the level it is at (H2, or H3 in a section)."""
        text = self.words([Run(title)], style)
        text.element.role = f"H{self._level}"
        return text

    def words(self, runs: list[Run], style: ParagraphStyle) -> Text:
        text = Text(runs, style, bold=str(style.fontName).endswith("-Bold"))
        if any(run.blank for run in runs):
            text.write_in = self.write_in
        return text

    def block(self, node: Node) -> list[Flowable]:
        s = self.s
        tag = node.tag
        if tag in ("p", "title", "lead", "small"):
            text = self.text(node, {"p": s.body, "title": s.title, "lead": s.lead, "small": s.small}[tag])
            if tag == "title":
                text.element.role = "H1"
            return [text]
        if tag == "section":
            return self.section(node)
        if tag == "ul":
            return [self.bullets(node)]
        if tag == "alert":
            return [self.alert(node)]
        if tag == "dates":
            return [self.dates(node)]
        if tag == "checklist":
            return [self.checklist(node)]
        if tag == "signatures":
            return [Fit(lambda width: self.signatures(node, width))]
        if tag == "table":
            from .tables import build_table  # deferred for start-up speed: few handouts have a table

            def table(width: float) -> Flowable:
                return build_table(
                    node, width, s, lambda cell: self.text(cell, s.cell_head if cell.tag == "th" else s.cell)
                )

            return [Fit(table, s.space * 0.5, s.space)]
        if tag == "calendar":
            return [self.calendar(node)]
        raise AssertionError(f"unhandled element {tag}")  # the parser admits no other block

    def section(self, node: Node) -> list[Flowable]:
        """The heading (beside its icon) and the blocks; the heading stays with the first block, and
        an opening paragraph with the table or calendar after it (it says how to read it)."""
        heading: Flowable = self.heading(node.attrs.get("title", ""), self.s.heading)
        if node.attrs.get("icon"):
            heading = Beside(node.attrs["icon"], self.s.heading.leading * 1.25, self.s.size * 0.5, heading)
        self._level += 1
        try:
            blocks = self.blocks(node.children)
        finally:
            self._level -= 1
        if not blocks:
            return [heading]
        head = HeadWith(heading, blocks[0])
        if len(blocks) > 1 and node.children[0].tag == "p" and node.children[1].tag in INTRODUCED:
            return [HeadWith(head, blocks[1]), *blocks[2:]]  # the paragraph that introduces a table stays with it
        return [head, *blocks[1:]]

    def bullets(self, node: Node) -> ItemList:
        items = [Item(self.text(li, self.s.bullet), li.attrs.get("icon")) for li in node.children]
        return ItemList(items, self.s.size, self.s.bullet.spaceAfter, self.s.space)

    def calendar(self, node: Node) -> Flowable:
        from .calendar import Calendar, read_marks  # deferred for start-up speed (and Babel's week data)
        from .calendar_locale import CalendarWords  # deferred for start-up speed

        if self._words is None:
            self._words = CalendarWords(self.language, self.region)
        return Calendar(read_marks(node), self._words, self.s)

    def alert(self, node: Node) -> Box:
        emergency = node.attrs["tier"] == "911"
        pad = self.s.size * 0.6
        border = 3 if emergency else 1.5
        cells: list[Flowable] = []
        if node.attrs.get("title"):
            title: Flowable = self.heading(node.attrs["title"], self.s.alert_title)
            if node.attrs.get("icon"):
                title = Beside(node.attrs["icon"], self.s.alert_title.leading * 1.3, self.s.size * 0.5, title)
            cells.append(title)
        cells.extend(self.blocks(node.children))
        if node.attrs.get("icon") and not node.attrs.get("title") and cells:
            cells[0] = Beside(node.attrs["icon"], self.s.size * 1.6, self.s.size * 0.5, cells[0])
        # the Call 911 box is never parted; another box may go on over the page, its title repeated
        box = Box(
            cells,
            pad,
            border,
            EMERGENCY if emergency else CAUTION,
            SHADE if emergency else None,
            titled=bool(node.attrs.get("title")),
            may_split=not emergency,
            anchor=node.attrs.get("title") or node.text() if emergency else None,
        )
        box.spaceAfter = self.s.space
        return box

    def dates(self, node: Node) -> Flowable:
        from .tables import Pairs  # deferred for start-up speed, with the tables

        labels = [self.words([Run(d.attrs.get("label", ""), bold=True)], self.s.body) for d in node.children]
        longest = max((label.line_width for label in labels), default=0.0)
        rows = [(label, self.text(d, self.s.body)) for label, d in zip(labels, node.children, strict=True)]
        return Pairs(rows, longest + self.s.size, self.s.space)

    def checklist(self, node: Node) -> ItemList:
        items = [Item(self.text(check, self.s.body), CHECK) for check in node.children]
        return ItemList(items, self.s.size, self.s.bullet.spaceAfter, 0)

    def signatures(self, node: Node, width: float) -> KeepTogether:
        """A line to sign and a line for the date for each signer: side by side when each pair
        gets at least 13 em, else one pair under the other."""
        date_label = [Run(node.attrs.get("date_label", ""))]
        pairs = [
            [self.words([Run(signer.attrs.get("label", ""))], self.s.small), self.words(date_label, self.s.small)]
            for signer in node.children
        ]
        across = len(pairs) > 1 and width / len(pairs) >= self.s.size * 13
        rows = [[cell for pair in pairs for cell in pair]] if across else pairs
        share = 1 / len(pairs) if across else 1.0
        widths = [width * share * 0.68, width * share * 0.32] * (len(pairs) if across else 1)
        table = _Signatures(rows, colWidths=widths, rowHeights=[self.s.size * 1.9] * len(rows))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.8, colors.black),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), self.s.size),
                    ("FONTNAME", (0, 0), (-1, -1), BODY.name),
                ]
            )
        )
        parts: list[Flowable] = [Spacer(1, self.s.space * 0.5), table]
        if self.barcodes is not None and (self.barcodes.code128 or self.barcodes.qr):
            from .barcodes import Barcodes  # deferred for start-up speed: only facilities with barcodes

            parts.append(Barcodes(self.barcodes))
        return KeepTogether(parts)


class _Signatures(Table):
    """The signature lines: the labels are text, the lines to sign on are artifacts."""

    def _drawLines(self) -> None:  # noqa: N802 - ReportLab's name
        with artifact(self.canv):
            super()._drawLines()  # type: ignore[misc]  # ReportLab's own, not in its stubs
