"""The ``<calendar>`` block: the patient's dates drawn as a month calendar, with a legend.

Weeks mode (spans up to ``WEEKS_MAX`` weeks): one row per week from the first mark's week to
the last mark's, the month's name and year beside the row where it starts (short, "Nov 2026", in
a narrow column), the weekdays on top.
Months mode (longer spans): small month grids side by side. Either way every day has its
number, and a marked day is drawn by its kind so that it reads in black-and-white print:

    procedure   the day filled dark, its number in white
    limit       the number in a circle, the mark's icon small beside it
    visit       the day in a heavy box, the icon beside it

The legend lists each marked day in date order: the day drawn as in the calendar, the icons of
its marks, the date in full and the marks' texts. All text is drawn with the bundled (embedded)
fonts, so it can be copied and searched; everything else is vector drawing. The grid moves to the next page whole
when it would not fit (on a page of its own a grid taller than the page splits between week rows,
the weekdays repeated, or between rows of months); the legend may go on over the page between
any two of its lines, each of which has its own day and date.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, timedelta
from typing import NamedTuple

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ..content.document import Node, Run, mark_date
from .calendar_locale import CalendarWords
from .fonts import Label, draw_labels, draw_text, text_width
from .icons import draw_icon
from .lists import at_top, frame_height
from .styles import SHADE, Styles
from .tables import rows_that_fit
from .tagging import Element, artifact, content, is_tagged
from .text import Text, plain_text

WEEKS_MAX = 16  # longer spans are drawn as small months
CELL_EM = 2.4  # the width of a day that holds a circled number and an icon, in ems
DARK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
GRID = colors.HexColor("#999999")


def fitting_weekdays(words: CalendarWords, width: float, size: float, widths: tuple[str, ...]) -> list[str]:
    """The weekday names in the first of ``widths`` (Babel's: abbreviated, short, narrow) whose
    names all fit ``width`` at ``size`` in bold ("Tue", "Tu", "T"; Arabic has only full names
    and one letter), or the last."""
    for name in widths:
        names = words.weekdays(name)
        if max(text_width(n, size, bold=True) for n in names) <= width:
            break
    return names


class Mark(NamedTuple):
    day: date
    kind: str  # procedure, limit or visit
    icon: str | None
    runs: tuple[Run, ...]  # the mark's label


class Start(NamedTuple):
    """Where a band begins, so that the rest of a split calendar can be planned again for the
    width of the frame it goes on in: a week (its first day), a month (its first day) or a
    legend line (the index of its day among the marked days)."""

    kind: str  # week, month or legend
    day: date = date.min
    line: int = 0


class Band(NamedTuple):
    """A horizontal slice of the calendar: drawn with its top at ``y``."""

    height: float
    kind: str  # head (weekday names), row (a week or a row of months), legend
    draw: Callable[[Canvas, float], None]
    start: Start = Start("head")


def read_marks(node: Node) -> list[Mark]:
    marks = [Mark(mark_date(m), m.attrs["kind"], m.attrs.get("icon"), tuple(m.runs)) for m in node.children]
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
    """The calendar's bands for one width, from ``begin`` (the whole calendar by default)."""

    def __init__(
        self,
        marks: list[Mark],
        words: CalendarWords,
        styles: Styles,
        width: float,
        begin: Start | None = None,
        texts: dict[date, Text] | None = None,
    ) -> None:
        self.marks, self.words, self.s, self.width = marks, words, styles, width
        self.texts = {} if texts is None else texts  # each legend line's text, shared by a calendar's parts
        size = styles.size
        self.size = size
        self.labels: list[Label] = []  # the day numbers of the band being drawn
        self.by_day: dict[date, list[Mark]] = {}
        for mark in marks:
            self.by_day.setdefault(mark.day, []).append(mark)
        self.days = list(self.by_day)  # the marked days in date order: the legend's lines
        first = words.first_day
        start, end = marks[0].day, marks[-1].day
        self.first_week = start - timedelta(days=(start.weekday() - first) % 7)
        self.last_week = end - timedelta(days=(end.weekday() - first) % 7)
        self.weeks = (self.last_week - self.first_week).days // 7 + 1
        self.start, self.end = start, end
        begin = begin or Start("week" if self.weeks <= WEEKS_MAX else "month")
        if begin.kind == "legend":
            self.bands = self._legend(begin.line)
        elif begin.kind == "week":
            self.bands = self._weeks(max(begin.day, self.first_week)) + self._legend(0)
        else:
            self.bands = self._months(max(begin.day, start.replace(day=1))) + self._legend(0)

    # -- one day cell, as in the grid and in the legend --------------------------------------

    def cell(self, canv: Canvas, x: float, y: float, w: float, h: float, day: date, number: float, icons: bool) -> None:
        """Draw ``day`` in the cell whose lower left is (x, y): its number and its marks."""
        muted = day < self.start or day > self.end
        draw_day(canv, x, y, w, h, day, self.by_day.get(day, []), number, icons, muted, self.size, self.labels)

    # -- weeks mode ----------------------------------------------------------------------------

    def _weeks(self, from_week: date) -> list[Band]:
        size = self.size
        label_size, number = size * 0.85, size * 0.95
        firsts = [
            day
            for week in (self.first_week + timedelta(days=7 * w) for w in range(self.weeks))
            for day in (week + timedelta(days=i) for i in range(7))
            if day == week or day.day == 1
        ]
        # a narrow frame (a column) names the months short, to leave each day room for its icon
        months = {d.replace(day=1) for d in firsts}
        short = False
        label_w = max(text_width(self.words.month(d), label_size, bold=True) for d in months) + size * 0.6
        if (self.width - label_w) / 7 < size * CELL_EM:
            short = True
            label_w = max(text_width(self.words.month(d, True), label_size, bold=True) for d in months) + size * 0.6
        col = min((self.width - label_w) / 7, size * 4.2)
        icons = col >= size * CELL_EM * 0.9  # too narrow for an icon beside the number: the legend has it
        row_h = self.s.body.leading  # a week is a line of text tall
        names = fitting_weekdays(self.words, col * 0.92, size * 0.8, ("abbreviated", "short", "narrow"))
        grid_w = label_w + 7 * col

        def head(canv: Canvas, top: float) -> None:
            y = top - size * 0.85
            draw_labels(
                canv, [Label(label_w + col * (i + 0.5), y, n, size * 0.8, True, "center") for i, n in enumerate(names)]
            )
            canv.setStrokeColor(colors.black)
            canv.setLineWidth(0.8)
            canv.line(0, top - size * 1.15, grid_w, top - size * 1.15)

        def month_of(week: date, first_row: bool) -> date | None:
            """The day whose month names a row: the month that begins in it; the first row names
            the month of its first day in the span, and a month that began later in that row is
            named on the row under it."""
            days = [week + timedelta(days=i) for i in range(7)]
            if first_row:
                return max(week, self.start)
            one = next((d for d in days if d.day == 1), None)
            if one is None and week - timedelta(days=7) == from_week:
                above = [d - timedelta(days=7) for d in days]
                anchor = max(above[0], self.start)
                one = next((d for d in above if d.day == 1 and d > anchor), None)
            return one

        def row(week: date, first_row: bool) -> Callable[[Canvas, float], None]:
            def draw(canv: Canvas, top: float) -> None:
                y = top - row_h
                days = [week + timedelta(days=i) for i in range(7)]
                label_day = month_of(week, first_row)
                shaded = [i for i, day in enumerate(days) if (day.year * 12 + day.month) % 2]
                if shaded:  # every other month lightly shaded: a run of days at the start or the end
                    canv.setFillColor(SHADE)
                    canv.rect(label_w + col * shaded[0], y, col * len(shaded), row_h, stroke=0, fill=1)
                if label_day is not None:  # first, so that copied text reads "Nov 2026 22 23 ..."
                    month = self.words.month(label_day, short)
                    self.labels.append(Label(0, top - row_h / 2 - label_size * 0.35, month, label_size, True))
                for i, day in enumerate(days):
                    self.cell(canv, label_w + col * i, y, col, row_h, day, number, icons)
                draw_labels(canv, self.labels)
                self.labels.clear()
                canv.setStrokeColor(GRID)
                canv.setLineWidth(0.4)
                canv.line(label_w, y, grid_w, y)
                if label_day in days and label_day.day == 1 and not first_row:  # a heavier rule: a new month
                    canv.setStrokeColor(colors.black)
                    canv.setLineWidth(1)
                    canv.line(0, top, grid_w, top)

            return draw

        bands = [Band(size * 1.15, "head", head)]
        week = from_week
        while week <= self.last_week:
            bands.append(Band(row_h, "row", row(week, week == from_week), Start("week", week)))
            week += timedelta(days=7)
        return bands

    # -- months mode ---------------------------------------------------------------------------

    def _months(self, from_month: date) -> list[Band]:
        size = self.size
        gap = size * 0.9
        min_cell = size * 1.55
        per_row = max(1, int((self.width + gap) // (7 * min_cell + gap)))
        cell_w = (self.width - gap * (per_row - 1)) / per_row / 7
        cell_h = size * 1.3
        title_h, names_h = size * 1.4, size * 1.1
        names = fitting_weekdays(self.words, cell_w * 0.92, size * 0.62, ("short", "narrow"))
        months: list[date] = []
        month = from_month
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

        return [
            Band(block_h, "row", row(months[i : i + per_row]), Start("month", months[i]))
            for i in range(0, len(months), per_row)
        ]

    # -- legend ----------------------------------------------------------------------------------

    def _legend(self, first: int) -> list[Band]:
        """One line (or paragraph) for each marked day from the ``first`` (an index into
        ``self.days``): the day drawn as in the grid, the marks' icons, the date and their texts."""
        size = self.size
        swatch_w, swatch_h = size * 2.0, size * 1.3
        icon_size = size * 1.3
        text_x = swatch_w + icon_size + size * 0.8
        bands = []
        for i, day in enumerate(self.days[first:], start=first):
            marks = self.by_day[day]
            text = self.texts.get(day)
            if text is None:
                text = self.texts[day] = self._legend_text(day, marks, self.width - text_x)
            _, h = text.wrap(self.width - text_x, 1e6)
            icons = [m.icon for m in marks if m.icon]
            stack = len(icons) * icon_size + (len(icons) - 1) * size * 0.2
            height = max(h, swatch_h, stack) + size * 0.25 + (size * 0.5 if i == 0 else 0)

            def draw(
                canv: Canvas,
                top: float,
                day: date = day,
                marks: list[Mark] = marks,
                icons: list[str] = icons,
                text: Text = text,
                first: bool = i == 0,
            ) -> None:
                top -= size * 0.5 if first else 0
                labels: list[Label] = []
                with artifact(canv):  # the day as drawn in the grid, and its icons: the text says it
                    draw_day(
                        canv, 0, top - swatch_h, swatch_w, swatch_h, day, marks, size * 0.95, False, False, size, labels
                    )
                    for j, icon in enumerate(icons):  # one under the other, in the order of the texts
                        draw_icon(
                            canv, icon, swatch_w + size * 0.4, top - icon_size - j * (icon_size + size * 0.2), icon_size
                        )
                    draw_labels(canv, labels)
                text.wrap(self.width - text_x, 1e6)
                text.drawOn(canv, text_x, top - text.height)

            bands.append(Band(height, "legend", draw, Start("legend", line=i)))
        return bands

    def _legend_text(self, day: date, marks: list[Mark], width: float) -> Text:
        """A legend line's text: the date in bold (on one line when it fits), then the marks' texts."""
        date_run = self.words.label(day)
        if text_width(date_run, self.s.body.fontSize, True) <= width:
            date_run = date_run.replace(" ", "\u00a0")  # the date never breaks
        runs = [Run(date_run, bold=True)]
        for mark in marks:
            runs += [Run(" "), *mark.runs]
        return Text(runs, self.s.body)


class Calendar(Flowable):
    """The calendar grid, kept whole, and its legend, which may go on over the page."""

    def __init__(
        self,
        marks: list[Mark],
        words: CalendarWords,
        styles: Styles,
        start: Start | None = None,
        part: list[Band] | None = None,
        texts: dict[date, Text] | None = None,
    ) -> None:
        super().__init__()
        self.marks, self.words, self.s = marks, words, styles
        self.texts: dict[date, Text] = {} if texts is None else texts
        self.start = start  # the rest of a split calendar: where it goes on
        self._part = part  # the first part of a split calendar: its bands, as planned for its frame
        self._planned: tuple[float, Plan] | None = None
        self.element = Element("Figure")  # the grid, in a tagged PDF (its alternative text: alt_text)
        self.spaceBefore = styles.space * 0.5 if start is None else 0
        self.spaceAfter = styles.space

    def _bands(self, width: float) -> list[Band]:
        if self._part is not None:
            return self._part
        if self._planned is None or abs(self._planned[0] - width) > 0.01:  # frames of one width differ in the last bits
            self._planned = (width, Plan(self.marks, self.words, self.s, width, self.start, self.texts))
        return self._planned[1].bands

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = sum(b.height for b in self._bands(available_width))
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        bands = self._bands(available_width)
        if sum(b.height for b in bands) <= available_height:
            return [self]
        k = rows_that_fit([b.height for b in bands], available_height)
        grid = sum(1 for b in bands if b.kind != "legend")
        if k >= grid:  # the grid fits: the legend goes on over the page (each line has its own date)
            if k == 0:
                return []
        elif not at_top(self) and sum(b.height for b in bands[:grid]) <= frame_height(self):
            return []  # the grid is kept whole: it goes to the next page
        else:  # a grid taller than its frame: split between rows, two at least going on
            if sum(1 for b in bands[k:grid] if b.kind == "row") == 1 and k > 3:
                k -= 1
            if not any(b.kind == "row" for b in bands[:k]):
                if not at_top(self):
                    return []  # not even one row fits here: start on the next page
                k = min(len(bands) - 1, max(k, 2))  # a page too short for one row: draw it anyway
        # the rest is planned again for its own frame: weeks go on under the weekday names again,
        # with the month beside the first row
        first = Calendar(self.marks, self.words, self.s, part=bands[:k])
        first.spaceAfter = 0
        rest = Calendar(self.marks, self.words, self.s, start=bands[k].start, texts=self.texts)
        first.element = rest.element = self.element
        return [first, rest]

    def alt_text(self) -> str:
        """What the grid shows, in words: each marked day's date in full and its marks' texts."""
        days: dict[date, list[str]] = {}
        for mark in self.marks:
            days.setdefault(mark.day, []).append(plain_text(run.text for run in mark.runs))
        return "; ".join(f"{self.words.label(day)} {', '.join(texts)}" for day, texts in days.items())

    def draw(self) -> None:
        top = self.height
        bands = self._bands(self.width)
        grid = [band for band in bands if band.kind != "legend"]
        if grid and is_tagged(self.canv) and self.element.alt is None:
            self.element.alt = self.alt_text()
        with content(self.canv, self.element) if grid else nullcontext():  # the grid: a figure; the legend is text
            for band in grid:
                band.draw(self.canv, top)
                top -= band.height
        for band in bands[len(grid) :]:
            band.draw(self.canv, top)
            top -= band.height
