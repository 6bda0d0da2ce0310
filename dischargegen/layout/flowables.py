"""From the document tree to ReportLab flowables: paragraphs, lists, boxes, check boxes,
signatures, tables and the calendar (``lists``, ``tables`` and ``calendar`` hold the larger ones)."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ..content.document import Node, Run
from .fonts import BODY, markup
from .lists import CHECK, Beside, Box, HeadWith, Item, ItemList
from .styles import CAUTION, EMERGENCY, RULE, SHADE, Styles
from .text import BLANK_INCHES, Para, Text, blank_length, inline

__all__ = ["BLANK_INCHES", "Builder", "Para", "Text", "blank_length", "inline"]


class Builder:
    """Turns a ``<handout>`` tree into a list of flowables for a frame of ``width`` points;
    ``language`` and ``region`` name the calendar's months and days and its first weekday."""

    def __init__(self, styles: Styles, width: float, language: str = "en", region: str | None = None) -> None:
        self.s = styles
        self.width = width
        self.language, self.region = language, region
        self._words: Any = None  # the calendars' CalendarWords, made for the first calendar

    def handout(self, root: Node) -> list[Flowable]:
        return [f for child in root.children for f in self.block(child, self.width)]

    def text(self, node: Node, style: ParagraphStyle) -> Text:
        """A paragraph of a text element's runs in ``style``."""
        return self.words(node.runs, style)

    def words(self, runs: list[Run], style: ParagraphStyle) -> Text:
        return Text(runs, style, bold=str(style.fontName).endswith("-Bold"))

    def block(self, node: Node, width: float) -> list[Flowable]:
        s = self.s
        tag = node.tag
        if tag in ("p", "title", "lead", "small"):
            return [self.text(node, {"p": s.body, "title": s.title, "lead": s.lead, "small": s.small}[tag])]
        if tag == "section":
            return self.section(node, width)
        if tag == "ul":
            return [self.bullets(node)]
        if tag == "alert":
            return [self.alert(node, width)]
        if tag == "dates":
            return [self.dates(node, width)]
        if tag == "checklist":
            return [self.checklist(node, width)]
        if tag == "signatures":
            return [self.signatures(node, width)]
        if tag == "table":
            from .tables import build_table  # deferred for start-up speed: few handouts have a table

            return [
                build_table(node, width, s, lambda cell: self.text(cell, s.cell_head if cell.tag == "th" else s.cell))
            ]
        if tag == "calendar":
            return [self.calendar(node)]
        raise AssertionError(f"unhandled element {tag}")  # the parser admits no other block

    def section(self, node: Node, width: float) -> list[Flowable]:
        """The heading (beside its icon) and the blocks; the heading stays with the first block."""
        heading: Flowable = self.words([Run(node.attrs.get("title", ""))], self.s.heading)
        if node.attrs.get("icon"):
            heading = Beside(node.attrs["icon"], self.s.heading.leading * 1.25, self.s.size * 0.5, heading)
        blocks = [f for child in node.children for f in self.block(child, width)]
        if not blocks:
            return [heading]
        return [HeadWith(heading, blocks[0]), *blocks[1:]]

    def bullets(self, node: Node) -> ItemList:
        items = [Item(self.text(li, self.s.bullet), li.attrs.get("icon")) for li in node.children]
        return ItemList(items, self.s.size, self.s.bullet.spaceAfter, self.s.space)

    def calendar(self, node: Node) -> Flowable:
        from .calendar import Calendar, read_marks  # deferred for start-up speed (and Babel's week data)
        from .calendar_locale import CalendarWords  # deferred for start-up speed

        if self._words is None:
            self._words = CalendarWords(self.language, self.region)
        return Calendar(read_marks(node, lambda mark: inline(mark.runs, self.s.size)), self._words, self.s)

    def alert(self, node: Node, width: float) -> Box:
        emergency = node.attrs["tier"] == "911"
        pad = self.s.size * 0.6
        border = 3 if emergency else 1.5
        inner = width - 2 * pad - border
        cells: list[Flowable] = []
        if node.attrs.get("title"):
            title: Flowable = self.words([Run(node.attrs["title"])], self.s.alert_title)
            if node.attrs.get("icon"):
                title = Beside(node.attrs["icon"], self.s.alert_title.leading * 1.3, self.s.size * 0.5, title)
            cells.append(title)
        for child in node.children:
            cells.extend(self.block(child, inner))
        if node.attrs.get("icon") and not node.attrs.get("title") and cells:
            cells[0] = Beside(node.attrs["icon"], self.s.size * 1.6, self.s.size * 0.5, cells[0])
        box = Box(cells, pad, border, EMERGENCY if emergency else CAUTION, SHADE if emergency else None)
        box.spaceAfter = self.s.space
        return box

    def dates(self, node: Node, width: float) -> Table:
        label_width = width * 0.42
        rows = [
            [self.words([Run(d.attrs.get("label", ""), bold=True)], self.s.body), self.text(d, self.s.body)]
            for d in node.children
        ]
        table = Table(rows, colWidths=[label_width, width - label_width])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ("FONTNAME", (0, 0), (-1, -1), BODY.name),
                ]
            )
        )
        table.spaceAfter = self.s.space
        return table

    def checklist(self, node: Node, width: float) -> ItemList:
        items = [Item(self.text(check, self.s.body), CHECK) for check in node.children]
        return ItemList(items, self.s.size, self.s.bullet.spaceAfter, 0)

    def signatures(self, node: Node, width: float) -> KeepTogether:
        date_label = markup(node.attrs.get("date_label", ""))
        rows = [
            [Para(markup(signer.attrs.get("label", "")), self.s.small), Para(date_label, self.s.small)]
            for signer in node.children
        ]
        table = Table(rows, colWidths=[width * 0.68, width * 0.32], rowHeights=[self.s.size * 3.2] * len(rows))
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (0, 0), (0, -1), 0.8, colors.black),
                    ("LINEBELOW", (1, 0), (1, -1), 0.8, colors.black),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, -1), self.s.size),
                    ("FONTNAME", (0, 0), (-1, -1), BODY.name),
                ]
            )
        )
        return KeepTogether([Spacer(1, self.s.space), table])
