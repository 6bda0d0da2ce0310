"""From the document tree to ReportLab flowables: paragraphs, lists, boxes, check boxes, signatures."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..content.document import Node, Run
from .fonts import BODY, markup
from .styles import CAUTION, EMERGENCY, RULE, SHADE, Styles


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


def inline(runs: list[Run]) -> str:
    """Paragraph markup for runs of text: every run escaped, bold runs wrapped in <b>."""
    parts = []
    for run in runs:
        if run.text == "\n":
            parts.append("<br/>")
        elif run.bold:
            parts.append(f"<b>{markup(run.text)}</b>")
        else:
            parts.append(markup(run.text))
    return "".join(parts)


class CheckBox(Flowable):
    """An empty square drawn as a shape (no font has to carry a box glyph)."""

    def __init__(self, size: float) -> None:
        super().__init__()
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.setLineWidth(1)
        self.canv.setStrokeColor(colors.black)
        self.canv.rect(0, 0, self.size * 0.8, self.size * 0.8, stroke=1, fill=0)


class Builder:
    """Turns a ``<handout>`` tree into a list of flowables for a frame of ``width`` points."""

    def __init__(self, styles: Styles, width: float) -> None:
        self.s = styles
        self.width = width

    def handout(self, root: Node) -> list[Flowable]:
        return [f for child in root.children for f in self.block(child, self.width)]

    def block(self, node: Node, width: float) -> list[Flowable]:
        s = self.s
        tag = node.tag
        if tag in ("p", "title", "lead", "small"):
            style = {"p": s.body, "title": s.title, "lead": s.lead, "small": s.small}[tag]
            return [Para(inline(node.runs), style)]
        if tag == "section":
            # The heading style's keepWithNext keeps it on the page of the section's first block.
            heading = Para(markup(node.attrs.get("title", "")), s.heading)
            return [heading, *(f for child in node.children for f in self.block(child, width))]
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
        raise AssertionError(f"unhandled element {tag}")  # the parser admits no other block

    def bullets(self, node: Node) -> ListFlowable:
        items = [ListItem(Para(inline(li.runs), self.s.bullet)) for li in node.children]
        return ListFlowable(
            items,  # type: ignore[arg-type]  # ListFlowable takes ListItems; the stubs say flowables
            bulletType="bullet",
            start="\u2022",
            bulletFontName=BODY.name,
            bulletFontSize=self.s.size,
            leftIndent=self.s.size * 1.2,
            bulletDedent=self.s.size * 0.9,
            spaceAfter=self.s.space,
        )

    def alert(self, node: Node, width: float) -> Table:
        emergency = node.attrs["tier"] == "911"
        color = EMERGENCY if emergency else CAUTION
        pad = self.s.size * 0.6
        inner = width - 2 * pad - 6
        cells: list[Flowable] = []
        if node.attrs.get("title"):
            cells.append(Para(markup(node.attrs["title"]), self.s.alert_title))
        for child in node.children:
            cells.extend(self.block(child, inner))
        table = Table([[cells]], colWidths=[width])
        table.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 3 if emergency else 1.5, color),
                    ("BACKGROUND", (0, 0), (-1, -1), SHADE if emergency else colors.white),
                    ("LEFTPADDING", (0, 0), (-1, -1), pad),
                    ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                    ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.4),
                    ("FONTNAME", (0, 0), (-1, -1), BODY.name),
                ]
            )
        )
        table.spaceAfter = self.s.space
        return table

    def dates(self, node: Node, width: float) -> Table:
        label_width = width * 0.42
        rows = [
            [Para(f"<b>{markup(d.attrs.get('label', ''))}</b>", self.s.body), Para(inline(d.runs), self.s.body)]
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

    def checklist(self, node: Node, width: float) -> Table:
        box = self.s.size * 1.2
        rows = [[CheckBox(self.s.size), Para(inline(c.runs), self.s.body)] for c in node.children]
        table = Table(rows, colWidths=[box, width - box])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ("FONTNAME", (0, 0), (-1, -1), BODY.name),
                ]
            )
        )
        return table

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
