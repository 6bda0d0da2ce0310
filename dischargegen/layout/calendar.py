"""The ``<calendar>`` block: the patient's dates drawn as a month calendar, with a legend.

Weeks mode (spans up to ``WEEKS_MAX`` weeks): one row per week from the first mark's week to
the last mark's, the month's name and year beside the row where it starts, the weekdays on top.
Months mode (longer spans): small month grids side by side. Either way every day has its
number, and a marked day is drawn by its kind so that it reads in black-and-white print:

    procedure   the day filled dark, its number in white
    limit       the number in a circle, the mark's icon small beside it
    visit       the day in a heavy box, the icon beside it

The legend lists each mark in date order: the day drawn as in the calendar, the icon, the date
in full and the mark's text. All text is drawn with the bundled (embedded) fonts, so it can be
copied and searched; everything else is vector drawing. The calendar moves to the next page
whole when it would not fit; on a page of its own it splits between week rows (the weekdays
repeated) or between rows of months, and before the legend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph

from ..content.document import Node, Run, mark_date
from .calendar_locale import CalendarWords
from .fonts import Label, draw_labels, draw_text, markup, text_width
from .icons import draw_icon
from .lists import at_top, frame_height
from .styles import SHADE, Styles

WEEKS_MAX = 16  # longer spans are drawn as small months
DARK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
GRID = colors.HexColor("#999999")


class Mark(NamedTuple):
    day: date
    kind: str  # procedure, limit or visit
    icon: str | None
    runs: tuple[Run, ...]  # the mark's label
    text: str  # the label as Paragraph markup


class Band(NamedTuple):
    """A horizontal slice of the calendar: drawn with its top at ``y``."""

    height: float
    kind: str  # head (weekday names), row (a week or a row of months), legend
    draw: Callable[[Canvas, float], None]
    week: date = date.min  # the first day of a week row


def read_marks(node: Node, inline: Callable[[Node], str]) -> list[Mark]:
    marks = [Mark(mark_date(m), m.attrs["kind"], m.attrs.get("icon"), tuple(m.runs), inline(m)) for m in node.children]
    order = {"procedure": 0, "limit": 1, "visit": 2}
    return sorted(marks, key=lambda m: (m.day, order[m.kind]))


def draw_day(
    canv: Canvas,
    x: float,
    y: float,
    w: float,
    h: float,
    day: date,
    marks: list[Mark],
    number: float,
    icons: bool,
    muted: bool,
    size: float,
    labels: list[Label],
) -> None:
    """A day cell: each mark drawn by its kind (and its icon when ``icons``); its number is added
    to ``labels``, to be drawn with the others in one text object."""
    kinds = {m.kind for m in marks}
    icon = next((m.icon for m in marks if m.icon), None) if icons else None
    icon_size = min(h * 0.72, w * 0.34)
    cx = x + (w - icon_size * 1.05) / 2 if icon else x + w / 2
    baseline = y + (h - number * 0.7) / 2
    text_color = MUTED if muted else colors.black
    bold = bool(marks)
    if "procedure" in kinds:
        canv.setFillColor(DARK)
        canv.rect(x + 1, y + 1, w - 2, h - 2, stroke=0, fill=1)
        text_color = colors.white
    if "visit" in kinds:
        canv.setStrokeColor(colors.black)
        line = max(1.6, size * 0.14)
        canv.setLineWidth(line)
        inset = line / 2 + 0.8
        canv.rect(x + inset, y + inset, w - 2 * inset, h - 2 * inset, stroke=1, fill=0)
    if "limit" in kinds:
        canv.setStrokeColor(colors.white if "procedure" in kinds else colors.black)
        canv.setLineWidth(max(1.1, size * 0.09))
        canv.circle(cx, y + h / 2, min(h * 0.46, number * 0.95), stroke=1, fill=0)
    labels.append(Label(cx, baseline, str(day.day), number, bold, "center", text_color))
    if icon:
        color = colors.white if "procedure" in kinds else colors.black
        draw_icon(canv, icon, x + w - icon_size - 1.5, y + (h - icon_size) / 2, icon_size, color)


class Plan:
    """The calendar's bands for one width."""

    def __init__(self, marks: list[Mark], words: CalendarWords, styles: Styles, width: float) -> None:
        self.marks, self.words, self.s, self.width = marks, words, styles, width
        size = styles.size
        self.size = size
        self.labels: list[Label] = []  # the day numbers of the band being drawn
        self.by_day: dict[date, list[Mark]] = {}
        for mark in marks:
            self.by_day.setdefault(mark.day, []).append(mark)
        first = words.first_day
        start, end = marks[0].day, marks[-1].day
        self.first_week = start - timedelta(days=(start.weekday() - first) % 7)
        self.last_week = end - timedelta(days=(end.weekday() - first) % 7)
        self.weeks = (self.last_week - self.first_week).days // 7 + 1
        self.start, self.end = start, end
        self.first_row: Callable[[Band], Band] = lambda band: band  # a week row that starts a page
        self.bands = self._weeks() if self.weeks <= WEEKS_MAX else self._months()
        self.bands += self._legend()

    # -- one day cell, as in the grid and in the legend --------------------------------------

    def cell(self, canv: Canvas, x: float, y: float, w: float, h: float, day: date, number: float, icons: bool) -> None:
        """Draw ``day`` in the cell whose lower left is (x, y): its number and its marks."""
        muted = day < self.start or day > self.end
        draw_day(canv, x, y, w, h, day, self.by_day.get(day, []), number, icons, muted, self.size, self.labels)

    # -- weeks mode ----------------------------------------------------------------------------

    def _weeks(self) -> list[Band]:
        size = self.size
        label_size, number = size * 0.85, size * 0.95
        months = []
        week = self.first_week
        for _ in range(self.weeks):
            for day in (week + timedelta(days=i) for i in range(7)):
                if day == week or day.day == 1:
                    months.append(self.words.month(day))
            week += timedelta(days=7)
        label_w = max(text_width(m, label_size, bold=True) for m in months) + size * 0.6
        col = min((self.width - label_w) / 7, size * 4.2)
        row_h = size * 1.3
        names = self.words.weekdays()
        if max(text_width(n, size * 0.8, bold=True) for n in names) > col * 0.92:
            names = self.words.weekdays("short")
        grid_w = label_w + 7 * col

        def head(canv: Canvas, top: float) -> None:
            y = top - size * 0.85
            draw_labels(
                canv, [Label(label_w + col * (i + 0.5), y, n, size * 0.8, True, "center") for i, n in enumerate(names)]
            )
            canv.setStrokeColor(colors.black)
            canv.setLineWidth(0.8)
            canv.line(0, top - size * 1.15, grid_w, top - size * 1.15)

        def row(week: date, first_row: bool) -> Callable[[Canvas, float], None]:
            def draw(canv: Canvas, top: float) -> None:
                y = top - row_h
                days = [week + timedelta(days=i) for i in range(7)]
                label_day = next((d for d in days if d.day == 1), week if first_row else None)
                shaded = [i for i, day in enumerate(days) if (day.year * 12 + day.month) % 2]
                if shaded:  # every other month lightly shaded: a run of days at the start or the end
                    canv.setFillColor(SHADE)
                    canv.rect(label_w + col * shaded[0], y, col * len(shaded), row_h, stroke=0, fill=1)
                for i, day in enumerate(days):
                    self.cell(canv, label_w + col * i, y, col, row_h, day, number, icons=True)
                if label_day is not None:
                    month = self.words.month(label_day)
                    self.labels.append(Label(0, top - row_h / 2 - label_size * 0.35, month, label_size, True))
                draw_labels(canv, self.labels)
                self.labels.clear()
                canv.setStrokeColor(GRID)
                canv.setLineWidth(0.4)
                canv.line(label_w, y, grid_w, y)
                if label_day is not None and label_day.day == 1 and not first_row:  # a heavier rule: a new month
                    canv.setStrokeColor(colors.black)
                    canv.setLineWidth(1)
                    canv.line(0, top, grid_w, top)

            return draw

        bands = [Band(size * 1.15, "head", head)]
        week = self.first_week
        for i in range(self.weeks):
            bands.append(Band(row_h, "row", row(week, i == 0), week))
            week += timedelta(days=7)

        def first_row(band: Band) -> Band:
            return Band(band.height, "row", row(band.week, True), band.week)

        self.first_row = first_row
        return bands

    # -- months mode ---------------------------------------------------------------------------

    def _months(self) -> list[Band]:
        size = self.size
        gap = size * 0.9
        min_cell = size * 1.55
        per_row = max(1, int((self.width + gap) // (7 * min_cell + gap)))
        cell_w = (self.width - gap * (per_row - 1)) / per_row / 7
        cell_h = size * 1.3
        title_h, names_h = size * 1.4, size * 1.1
        names = self.words.weekdays("short")
        months: list[date] = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        block_h = title_h + names_h + 6 * cell_h + size * 0.6

        def block(canv: Canvas, x: float, top: float, first: date) -> None:
            canv.setFillColor(colors.black)
            draw_text(canv, x, top - size * 1.0, self.words.month(first), size * 0.85, True)
            for i, name in enumerate(names):
                draw_text(canv, x + cell_w * (i + 0.5), top - title_h - size * 0.8, name, size * 0.62, True, "center")
            offset = (first.weekday() - self.words.first_day) % 7
            day = first
            while day.month == first.month:
                index = offset + day.day - 1
                cx = x + cell_w * (index % 7)
                cy = top - title_h - names_h - cell_h * (index // 7 + 1)
                self.cell(canv, cx, cy, cell_w, cell_h, day, size * 0.72, icons=False)
                day += timedelta(days=1)
            draw_labels(canv, self.labels)
            self.labels.clear()

        def row(group: list[date]) -> Callable[[Canvas, float], None]:
            def draw(canv: Canvas, top: float) -> None:
                for i, first in enumerate(group):
                    block(canv, i * (7 * cell_w + gap), top, first)

            return draw

        return [Band(block_h, "row", row(months[i : i + per_row])) for i in range(0, len(months), per_row)]

    # -- legend ----------------------------------------------------------------------------------

    def _legend(self) -> list[Band]:
        size = self.size
        swatch_w, swatch_h = size * 2.4, size * 1.3
        icon_size = size * 1.3
        text_x = swatch_w + icon_size + size * 0.9
        bands = []
        for i, mark in enumerate(self.marks):
            line = self._one_line(mark, self.width - text_x)
            para = None
            if line is None:  # too long for a line, or a write-in line: a Paragraph wraps it
                para = Paragraph(f"<b>{markup(self.words.full(mark.day), bold=True)}</b>: {mark.text}", self.s.body)
                _, h = para.wrap(self.width - text_x, 1e6)
            else:
                h = self.s.body.leading
            height = max(h, swatch_h) + size * 0.25 + (size * 0.5 if i == 0 else 0)

            def draw(
                canv: Canvas,
                top: float,
                mark: Mark = mark,
                para: Paragraph | None = para,
                line: list[tuple[str, bool]] | None = line,
                first: bool = i == 0,
            ) -> None:
                top -= size * 0.5 if first else 0
                labels: list[Label] = []
                swatch_y = top - swatch_h
                draw_day(
                    canv, 0, swatch_y, swatch_w, swatch_h, mark.day, [mark], size * 0.95, False, False, size, labels
                )
                if mark.icon:
                    draw_icon(canv, mark.icon, swatch_w + size * 0.45, top - icon_size, icon_size)
                if para is not None:
                    para.drawOn(canv, text_x, top - para.height)
                elif line is not None:  # on the first baseline, where a Paragraph would put it
                    x, font = text_x, self.s.body.fontSize
                    for text, bold in line:
                        labels.append(Label(x, top - font, text, font, bold))
                        x += text_width(text, font, bold)
                draw_labels(canv, labels)

            bands.append(Band(height, "legend", draw))
        return bands

    def _one_line(self, mark: Mark, width: float) -> list[tuple[str, bool]] | None:
        """The legend line of a mark as (text, bold) runs when it fits on one line, else None."""
        if any(run.blank or run.text == "\n" for run in mark.runs):
            return None
        line = [(self.words.full(mark.day) + ":", True), (" ", False), *((r.text, r.bold) for r in mark.runs)]
        font = self.s.body.fontSize
        if sum(text_width(text, font, bold) for text, bold in line) > width:
            return None
        return line


class Calendar(Flowable):
    """The calendar and its legend: kept together, split only at the top of an empty page."""

    def __init__(self, marks: list[Mark], words: CalendarWords, styles: Styles, part: list[Band] | None = None) -> None:
        super().__init__()
        self.marks, self.words, self.s = marks, words, styles
        self._part = part  # a part of a split calendar: its bands, already planned
        self._planned: tuple[float, Plan] | None = None
        self.spaceBefore = styles.space * 0.5
        self.spaceAfter = styles.space

    def _plan(self, width: float) -> Plan:
        if self._planned is None or self._planned[0] != width:
            self._planned = (width, Plan(self.marks, self.words, self.s, width))
        return self._planned[1]

    def _bands(self, width: float) -> list[Band]:
        return self._part if self._part is not None else self._plan(width).bands

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = sum(b.height for b in self._bands(available_width))
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        bands = self._bands(available_width)
        if sum(b.height for b in bands) <= available_height:
            return [self]
        if not at_top(self) and sum(b.height for b in bands) <= frame_height(self):
            return []  # kept together: the whole calendar goes to the next page
        used, k = 0.0, 0
        while k < len(bands) and used + bands[k].height <= available_height:
            used += bands[k].height
            k += 1
        rows_before = sum(1 for b in bands[:k] if b.kind == "row")
        if rows_before == 0:
            if not at_top(self):
                return []  # not even one row fits here: start on the next page
            k = min(len(bands) - 1, max(k, 2))  # a page too short for one row: draw it anyway
        rest = bands[k:]
        head = next((b for b in bands if b.kind == "head"), None)
        if head is not None and rest and rest[0].kind == "row":
            # the weekday names again above the rest of the weeks, and the month beside the first
            rest = [head, self._plan(available_width).first_row(rest[0]), *rest[1:]]
        first = Calendar(self.marks, self.words, self.s, bands[:k])
        first.spaceAfter = 0
        return [first, Calendar(self.marks, self.words, self.s, rest)]

    def draw(self) -> None:
        top = self.height
        for band in self._bands(self.width):
            band.draw(self.canv, top)
            top -= band.height
