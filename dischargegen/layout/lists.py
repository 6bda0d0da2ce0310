"""Lists, boxes and the flowables that keep things together across pages.

``ItemList`` sets a bulleted list (or a checklist) whose items may have an icon for a bullet,
and splits only between items, never leaving fewer than two items on either side (no lone
bullet at the foot or the top of a page). ``HeadWith`` keeps a heading on the page of the start
of its first block; ``Beside`` sets an icon to the left of a flowable (a heading, a box title);
``Box`` rules a warning box around its blocks (and may go on over the page, its title repeated).
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import NamedTuple

from reportlab.lib.colors import Color, black
from reportlab.platypus import Flowable
from reportlab.platypus.doctemplate import ActionFlowable

from .fonts import draw_text
from .icons import draw_icon, pictogram
from .tagging import Element, artifact, structure

MIN_TOGETHER = 2  # items a list keeps together on each side of a page break
CHECK = "\x00check"  # the marker of a checklist item: an empty square to tick


def at_top(flowable: Flowable) -> bool:
    """True when the flowable is being split at the top of an empty frame (nothing else to try)."""
    frame = getattr(flowable, "_frame", None)
    return bool(getattr(frame, "_atTop", False))


def frame_height(flowable: Flowable) -> float:
    """The height of the whole frame the flowable is being laid out in (0 when unknown)."""
    frame = getattr(flowable, "_frame", None)
    if frame is None:
        return 0.0
    return float(frame._height - frame._topPadding - frame._bottomPadding)


class Item(NamedTuple):
    para: Flowable  # a Paragraph, or the part of one left by a split
    icon: str | None  # the icon drawn for the bullet, CHECK for a box to tick, or None for a bullet
    first: bool = True  # False for the rest of an item split across pages (no bullet)
    element: Element | None = None  # the item (LI) in a tagged PDF; made with the list


def _item_element() -> Element:
    return Element("LI", kids=[Element("LBody", placed=True)])


class ItemList(Flowable):
    """A list of paragraphs, each after a bullet or an icon."""

    def __init__(self, items: list[Item], size: float, gap: float, space_after: float) -> None:
        super().__init__()
        self.items = [item if item.element else item._replace(element=_item_element()) for item in items]
        self.size, self.gap = size, gap
        self.element = Element("L")  # a split list hands it to both parts
        self.icon_size = size * 1.6
        self.has_icons = any(item.icon and item.icon != CHECK for item in items)
        self.indent = self.icon_size + size * 0.5 if self.has_icons else size * 1.2
        self.spaceAfter = space_after
        self._heights: list[float] = []

    def _item_height(self, item: Item, width: float, avail: float) -> float:
        _, h = item.para.wrap(width - self.indent, avail)
        return max(h, self.icon_size) if item.icon and item.icon != CHECK and item.first else h

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self._heights = [self._item_height(item, available_width, available_height) for item in self.items]
        self.height = sum(self._heights) + self.gap * (len(self.items) - 1)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        n, used, fits = len(self.items), 0.0, 0
        for h in self._heights:
            if used + h > available_height:
                break
            used += h + self.gap
            fits += 1
        if fits >= n:
            return [self]
        k = next((k for k in range(fits, 0, -1) if k >= MIN_TOGETHER and n - k >= MIN_TOGETHER), 0)
        if not k and at_top(self):
            k = fits  # items too tall to keep two together on any page
            if not k:
                return self._split_first_item(available_width, available_height)
        if not k:
            return []  # the whole list moves to the next page
        return self._parts(self.items[:k], self.items[k:])

    def _parts(self, first: list[Item], rest: list[Item]) -> list[Flowable]:
        head, tail = ItemList(first, self.size, self.gap, 0), ItemList(rest, self.size, self.gap, self.spaceAfter)
        head.element = tail.element = self.element
        return [head, tail]

    def _split_first_item(self, width: float, height: float) -> list[Flowable]:
        first, rest = self.items[0], self.items[1:]
        parts = first.para.split(width - self.indent, height)
        if len(parts) < 2:
            return []
        tail = [first._replace(para=p, first=False) for p in parts[1:]]
        return self._parts([first._replace(para=parts[0])], [*tail, *rest])

    def draw(self) -> None:
        if not self._heights:
            self.wrap(self.width, 1e6)
        top = self.height
        self.canv.setFillColor(black)
        with structure(self.canv, self.element):
            for item, h in zip(self.items, self._heights, strict=True):
                assert item.element is not None  # made with the list
                with structure(self.canv, item.element), structure(self.canv, item.element.parts()[0]):  # LI, LBody
                    self._draw_item(item, top)
                top -= h + self.gap

    def _draw_item(self, item: Item, top: float) -> None:
        """The item's bullet, check box or pictogram, then its text."""
        font_size = float(getattr(item.para, "style").fontSize)  # noqa: B009 - a Paragraph or a part of one
        if item.first and item.icon == CHECK:  # a square drawn as a shape: no font needs a box glyph
            side = font_size * 0.8
            with artifact(self.canv):
                self.canv.setLineWidth(1)
                self.canv.setStrokeColor(black)
                self.canv.rect(0, top - font_size * 0.95, side, side, stroke=1, fill=0)
        elif item.first and item.icon:
            with pictogram(self.canv, item.para):
                draw_icon(self.canv, item.icon, 0, top - self.icon_size, self.icon_size)
        elif item.first:
            x = self.icon_size / 2 if self.has_icons else self.size * 0.3
            with artifact(self.canv):
                draw_text(self.canv, x, top - font_size, "\u2022", font_size, align="center")
        item.para.drawOn(self.canv, self.indent, top - item.para.height)


class HeadWith(Flowable):
    """A heading and the first block under it, never parted: the block may split below the
    heading, but the heading never ends a page alone."""

    def __init__(self, heading: Flowable, block: Flowable) -> None:
        super().__init__()
        self.heading, self.block = heading, block
        self.spaceBefore = heading.getSpaceBefore()
        self.spaceAfter = block.getSpaceAfter()
        self._gap = max(heading.getSpaceAfter(), block.getSpaceBefore())

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        canv = self.canv  # a KeepTogether inside measures with the canvas
        _, self._hh = self.heading.wrapOn(canv, available_width, available_height)
        _, bh = self.block.wrapOn(canv, available_width, available_height - self._hh - self._gap)
        self.width, self.height = available_width, self._hh + self._gap + bh
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        room = available_height - self._hh - self._gap
        self.block._frame = getattr(self, "_frame", None)  # type: ignore[attr-defined]  # so it sees "at top"
        parts = self.block.splitOn(self.canv, available_width, room) if room > 0 else []
        if (
            len(parts) < 2
            or isinstance(parts[0], ActionFlowable)
            or parts[0].wrapOn(self.canv, available_width, room)[1] > room + 0.01
        ):
            # The block cannot start under the heading here (or would only by running past the
            # frame's foot): all of it goes to the next frame. Only at the top of a second frame
            # (ReportLab postponed it once) are they parted, the heading split too if it must be.
            if not (at_top(self) and getattr(self, "_postponed", False)):
                return []
            if self._hh <= available_height:
                return [self.heading, self.block]
            heading = self.heading.splitOn(self.canv, available_width, available_height)
            return [*heading, self.block] if heading else []
        return [HeadWith(self.heading, parts[0]), *parts[1:]]

    def draw(self) -> None:
        self.heading.drawOn(self.canv, 0, self.height - self._hh)
        self.block.drawOn(self.canv, 0, 0)


class Beside(Flowable):
    """An icon to the left of a flowable, its top at the flowable's top."""

    def __init__(self, icon: str, size: float, gap: float, inner: Flowable) -> None:
        super().__init__()
        self.icon, self.size, self.gap, self.inner = icon, size, gap, inner
        self.spaceBefore, self.spaceAfter = inner.getSpaceBefore(), inner.getSpaceAfter()
        self.keepWithNext = getattr(inner, "keepWithNext", 0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        _, h = self.inner.wrapOn(self.canv, available_width - self.size - self.gap, available_height)
        self.width, self.height = available_width, max(h, self.size)
        return self.width, self.height

    def draw(self) -> None:
        with pictogram(self.canv, self.inner):
            draw_icon(self.canv, self.icon, 0, self.height - self.size, self.size)
        _, h = self.inner.wrapOn(self.canv, self.width - self.size - self.gap, self.height)
        # a one-line title sits in the middle of the icon; a longer one starts at its top
        y = (self.height - h) / 2 if h < self.size else self.height - h
        self.inner.drawOn(self.canv, self.size + self.gap, y)


class Box(Flowable):
    """Flowables in a ruled box on a background: a warning. A box that does not fit moves to the
    next page whole, unless ``may_split``: then, when the page has room for its title and the
    start of its blocks, it goes on over the page (between blocks or list items, with no lone
    item on either side), its title (``titled``: the first block) repeated at the top. A box with
    an ``anchor`` (its title) is an entry of the PDF's outline, the bookmarks a reader's side bar
    lists, leading to its page: the Call 911 box."""

    def __init__(
        self,
        content: list[Flowable],
        pad: float,
        border: float,
        color: Color,
        background: Color | None,
        titled: bool = False,
        may_split: bool = False,
        anchor: str | None = None,
    ) -> None:
        super().__init__()
        self.content, self.pad, self.border = content, pad, border
        self.color, self.background = color, background
        self.titled, self.may_split, self.anchor = titled, may_split, anchor
        self._placed: list[tuple[Flowable, float]] = []  # each flowable and its height
        self.element = Element("Sect")  # a split box hands it to both parts
        self.repeated = False  # the title at the top is the one on the page before, repeated

    def _gap(self, before: Flowable, after: Flowable) -> float:
        return max(before.getSpaceAfter(), after.getSpaceBefore())

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        inner = available_width - 2 * self.pad - self.border
        self._placed = []
        height = self.pad * 0.6 + self.border / 2
        for i, flowable in enumerate(self.content):
            _, h = flowable.wrapOn(self.canv, inner, available_height)
            if i:
                height += self._gap(self.content[i - 1], flowable)
            self._placed.append((flowable, h))
            height += h
        self.width, self.height = available_width, height + self.pad * 0.4 + self.border / 2
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self.wrap(available_width, available_height)
        if self.height <= available_height or not self.may_split:
            return []
        inner = available_width - 2 * self.pad - self.border
        room = available_height - self.pad - self.border  # the box's padding and rules
        taken: list[Flowable] = []
        for i, (flowable, h) in enumerate(self._placed):
            gap = self._gap(self.content[i - 1], flowable) if i else 0.0
            if h + gap <= room:
                taken.append(flowable)
                room -= h + gap
                continue
            # only a list goes on over the page inside a box; other blocks move whole
            parts = flowable.splitOn(self.canv, inner, room - gap) if isinstance(flowable, ItemList) else []
            if len(parts) >= 2 and not isinstance(parts[0], ActionFlowable):
                taken.append(parts[0])
                rest = [*parts[1:], *self.content[i + 1 :]]
            else:
                rest = list(self.content[i:])
            break
        else:
            return [self]  # it fits after all (rounding)
        if len(taken) <= int(self.titled):  # not even the title and a block's start: move whole
            return []
        title = [self.content[0]] if self.titled else []
        first = Box(taken, self.pad, self.border, self.color, self.background, self.titled, anchor=self.anchor)
        again = Box([*title, *rest], self.pad, self.border, self.color, self.background, self.titled, True)
        again.spaceAfter = self.spaceAfter
        first.element = again.element = self.element
        first.repeated, again.repeated = self.repeated, bool(title)
        return [first, again]

    def draw(self) -> None:
        canv, half = self.canv, self.border / 2
        if self.anchor:  # made an outline entry when the page is written (pages.numbered_canvas)
            canv.__dict__.setdefault("_anchors", []).append(self.anchor)
        with artifact(canv):
            canv.setLineWidth(self.border)
            canv.setStrokeColor(self.color)
            if self.background is not None:
                canv.setFillColor(self.background)
            canv.rect(
                half,
                half,
                self.width - self.border,
                self.height - self.border,
                stroke=1,
                fill=int(bool(self.background)),
            )
        canv.setFillColor(black)
        top = self.height - self.pad * 0.6 - half
        with structure(canv, self.element):
            for i, (flowable, h) in enumerate(self._placed):
                if i:
                    top -= max(self._placed[i - 1][0].getSpaceAfter(), flowable.getSpaceBefore())
                with artifact(canv, "Pagination") if i == 0 and self.repeated else nullcontext():
                    flowable.drawOn(canv, self.pad + half, top - h)
                top -= h
