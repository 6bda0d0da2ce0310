"""Type sizes and paragraph styles: 12.5 pt body for normal print, 18 pt for large print.

Clear-print habits: sans serif, left-aligned, headings at least 14 pt, no italics or capitals
for emphasis, and nothing signalled by colour alone (boxes also differ in border and title).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from .fonts import BODY

EMERGENCY = colors.HexColor("#B00020")
CAUTION = colors.HexColor("#8A5A00")
RULE = colors.HexColor("#444444")
SHADE = colors.HexColor("#F2F2F2")


class Styles(NamedTuple):
    body: ParagraphStyle
    bullet: ParagraphStyle
    title: ParagraphStyle
    lead: ParagraphStyle
    heading: ParagraphStyle
    alert_title: ParagraphStyle
    small: ParagraphStyle
    footer: ParagraphStyle
    cell: ParagraphStyle  # a table cell
    cell_head: ParagraphStyle  # a table's header cell
    size: float  # the body size in points
    compact: bool = False

    @property
    def space(self) -> float:
        """The vertical rhythm unit: space between blocks."""
        return self.size * (0.35 if self.compact else 0.5)


@lru_cache(maxsize=16)
def styles(large_print: bool, compact: bool = False) -> Styles:
    """The handout's styles; ``compact``: the same type sizes with less space between lines and
    blocks, for a handout that would otherwise run a page over (a translation runs longer than
    English)."""
    size = 18.0 if large_print else 12.0
    # large print: 22.5 pt, a little more than single spacing; normal: 1.3; compact: 1.2
    leading = size * (1.2 if compact else 1.25 if large_print else 1.3)
    after = 0.25 if compact else 0.35
    bold = f"{BODY.name}-Bold"

    def style(name: str, **kw: object) -> ParagraphStyle:
        base = dict(
            fontName=BODY.name,
            fontSize=size,
            leading=leading,
            alignment=TA_LEFT,
            spaceAfter=size * after,
            allowWidows=0,
        )
        base.update(kw)
        return ParagraphStyle(name, **base)  # type: ignore[arg-type]

    heading_size = size + 2 if large_print else size + 2.5  # large print: 20 pt headings (ACB Large Print Guidelines)
    return Styles(
        body=style("body"),
        bullet=style("bullet", spaceAfter=size * 0.12),
        title=style("title", fontName=bold, fontSize=size + 8, leading=(size + 8) * 1.2, spaceAfter=size * 0.3),
        lead=style("lead", fontSize=size + 1, leading=(size + 1) * 1.3, spaceAfter=size * 0.5),
        heading=style(
            "heading",
            fontName=bold,
            fontSize=heading_size,
            leading=heading_size * 1.25,
            spaceBefore=size * (0.4 if compact else 0.6),
            spaceAfter=size * 0.25,
            keepWithNext=1,
        ),
        alert_title=style(
            "alert_title", fontName=bold, fontSize=heading_size, leading=heading_size * 1.25, spaceAfter=size * 0.2
        ),
        small=style("small", fontSize=size * 0.8, leading=size * 0.8 * 1.3),
        footer=style("footer", fontSize=13 if large_print else 8.5, leading=(13 if large_print else 8.5) * 1.25),
        cell=style("cell", leading=size * 1.2, spaceAfter=0),
        cell_head=style("cell_head", fontName=bold, leading=size * 1.2, spaceAfter=0),
        size=size,
        compact=compact,
    )
