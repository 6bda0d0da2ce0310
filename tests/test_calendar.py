"""The ``<calendar>``, read from the PDF: month names with the year (short in a column), weekday
names, every day's number, the marked days, the legend in date order with one line a marked day;
drawn as vectors (no images), in embedded fonts; it fits half a page at normal print, scales with
large print, keeps its grid whole on a page or in a column while its legend may go on over the
page, and splits or shows the months compactly when the span is long."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pdfcheck import pdf_pages, pdf_text
from pypdf import PdfReader
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas
from test_layout_blocks import FILLER, MARGIN, columns, layout, operators, text_runs

from dischargegen.api import Settings
from dischargegen.content.document import parse_document
from dischargegen.layout.calendar import WEEKS_MAX, Calendar, read_marks
from dischargegen.layout.calendar_locale import CalendarWords, first_weekday
from dischargegen.layout.styles import styles

MARKS = (
    '<mark date="2026-11-24" kind="procedure" icon="calendar">Your kyphoplasty</mark>'
    '<mark date="2026-11-26" kind="limit" icon="driving">Drive</mark>'
    '<mark date="2026-12-01" kind="limit" icon="bath">Bath, pool, hot tub</mark>'
    '<mark date="2026-12-08" kind="visit" icon="doctor">Follow-up visit, 10:30 AM</mark>'
    '<mark date="2027-01-05" kind="limit" icon="lifting">Lift more than <b>10 lb</b></mark>'
)
LEGEND = [  # the legend of MARKS, in date order
    "Tuesday, November 24, 2026: Your kyphoplasty",
    "Thursday, November 26, 2026: Drive",
    "Tuesday, December 1, 2026: Bath, pool, hot tub",
    "Tuesday, December 8, 2026: Follow-up visit, 10:30 AM",
    "Tuesday, January 5, 2027: Lift more than 10 lb",
]
WEEKDAYS = "Sun Mon Tue Wed Thu Fri Sat"
# the grid of MARKS: the weeks of Sunday November 22, 2026 to Saturday January 9, 2027
EVERY_DAY = [(date(2026, 11, 22) + timedelta(days=d)).day for d in range(7 * 7)]
COLUMN = (LETTER[0] - 2 * MARGIN - 1.5 * 12) / 2  # one of the two columns of a page at normal print


def calendar(marks: str) -> str:
    return f'<section title="Your dates" icon="calendar"><calendar>{marks}</calendar></section>'


def spans(weeks: int, every: int = 7) -> str:
    start = date(2026, 11, 24)
    days = [start + timedelta(days=d) for d in range(every, weeks * 7, every)]
    return '<mark date="2026-11-24" kind="procedure">Procedure</mark>' + "".join(
        f'<mark date="{d.isoformat()}" kind="limit" icon="walking">Walk {i}</mark>' for i, d in enumerate(days)
    )


def has_the_whole_grid(text: str) -> bool:
    """Whether ``text`` holds the whole grid of MARKS: the weekday names, then every day's number
    in order up to the legend (where only the first legend line's day may come before its date)."""
    if WEEKDAYS not in text:
        return False
    grid = text.split(WEEKDAYS, 1)[1].split(LEGEND[0].split(":")[0], 1)[0]
    days = [int(n) for n in re.findall(r"\d+", grid) if int(n) <= 31]  # not the years
    return days[: len(EVERY_DAY)] == EVERY_DAY and len(days) <= len(EVERY_DAY) + 1


def test_months_weekdays_and_every_day_are_printed(settings: Settings) -> None:
    data = layout(settings, calendar(MARKS))
    text = pdf_text(data)
    for month in ("Nov 2026", "Dec 2026", "Jan 2027"):  # in a column at normal print: named short
        assert month in text
    runs = [word for page, text, *_ in text_runs(data) if page == 0 for word in text.split()]
    assert runs.index("Sun") < runs.index("Mon") < runs.index("Sat")  # en, US: weeks start on Sunday
    numbers = [int(t) for t in runs if t.isdigit() and int(t) <= 31]  # not the years
    # the weeks of Sunday November 22 to Saturday January 9: every day's number
    assert numbers[:9] == [22, 23, 24, 25, 26, 27, 28, 29, 30]
    assert numbers.count(1) >= 2 and 31 in numbers and 9 in numbers  # December 1 and January 1


def test_the_legend_lists_each_mark_in_date_order(settings: Settings) -> None:
    text = pdf_text(layout(settings, calendar(MARKS)))
    positions = [text.index(entry) for entry in LEGEND]
    assert positions == sorted(positions)
    assert text.index("Jan 2027") < positions[0]  # the legend follows the calendar


def test_marks_on_the_same_day_share_one_legend_line(settings: Settings) -> None:
    same_day = (
        '<mark date="2026-11-24" kind="procedure">Your procedure.</mark>'
        '<mark date="2026-11-26" kind="limit" icon="driving">You may drive again.</mark>'
        '<mark date="2026-11-26" kind="limit" icon="bath">You may take a bath again.</mark>'
    )
    line = "Thursday, November 26, 2026: You may drive again. You may take a bath again."
    for body in (calendar(same_day), f"<calendar>{same_day}</calendar>"):  # in a column, and across the head
        text = pdf_text(layout(settings, body))
        assert line in text, text  # one date, then both texts
        assert text.count("Thursday, November 26, 2026") == 1
        assert len(re.findall(r"day, \w+ \d+, 2026:", text)) == 2  # two marked days: two legend lines
    # the day's icons stacked beside its line: the second icon is drawn too
    one_icon = same_day.replace(' icon="bath"', "")
    assert len(operators(layout(settings, calendar(same_day)))) > len(operators(layout(settings, calendar(one_icon))))


def test_marked_days_are_drawn_by_kind_in_black_and_white(settings: Settings) -> None:
    data = layout(settings, calendar(MARKS))
    bold = {word for _, text, *_, font in text_runs(data) if font.endswith("-Bold") for word in text.split()}
    assert {"24", "26", "1", "8", "5"} <= bold  # marked days' numbers are bold
    ops = operators(data)
    assert ops.count(b"c") >= 4 * 4  # the circles around the limit days (four curves each) and icons
    assert b"re" in ops  # the procedure day's dark square, the visit day's box
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def test_the_calendar_uses_only_embedded_fonts(settings: Settings) -> None:
    data = layout(settings, calendar(MARKS.replace("Drive", "Lái xe")))  # Vietnamese: a fallback font
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
            assert "Helvetica" not in font["/BaseFont"]
    assert "Lái xe" in pdf_text(data)


def plan_height(weeks_of_marks: str, large: bool, width: float = COLUMN) -> float:
    tree = parse_document(f"<handout><title>T</title><calendar>{weeks_of_marks}</calendar></handout>", "t")
    style = styles(large)
    node = tree.children[1]
    flowable = Calendar(read_marks(node), CalendarWords("en", "US"), style)
    canvas = Canvas(io.BytesIO(), pagesize=LETTER)
    _, height = flowable.wrapOn(canvas, width, 10_000)
    return float(height)


def test_fourteen_weeks_fit_in_half_a_letter_page_at_normal_print() -> None:
    marks = spans(14, every=21)  # five marks over fourteen weeks
    assert plan_height(marks, large=False) <= LETTER[1] / 2
    assert plan_height(marks, large=True, width=511) > plan_height(marks, large=False) * 1.3  # it scales


def test_large_print_sets_the_calendar_larger(settings: Settings) -> None:
    def number_size(data: bytes) -> float:
        sizes: list[float] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if "23" in text.split():
                sizes.append(size * tm[3])

        PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
        return max(sizes)

    normal = number_size(layout(settings, calendar(MARKS)))
    large = number_size(layout(settings, calendar(MARKS), large=True))
    assert large == pytest.approx(normal * 18 / 12)


@pytest.mark.parametrize(("fillers", "grid_page"), [(5, 0), (6, 1)])
def test_the_grid_moves_whole_to_the_next_page_and_its_legend_may_go_on(
    settings: Settings, fillers: int, grid_page: int
) -> None:
    """In large print (one column on every page): five filler paragraphs leave room for the grid
    but not its legend, which goes on over the page; six leave room for a few week rows only, and
    the grid moves whole to the next page."""
    body = "".join(f"<p>{FILLER}</p>" for _ in range(fillers)) + calendar(MARKS)
    data = layout(settings, body, large=True)
    pages = pdf_pages(data)
    assert [i for i, page in enumerate(pages) if WEEKDAYS in page] == [grid_page]  # the weekdays once
    assert has_the_whole_grid(pages[grid_page])
    assert "Your dates" in pages[grid_page]  # the heading with its grid
    where = [next(i for i, page in enumerate(pages) if entry in page) for entry in LEGEND]  # each line whole
    assert where == sorted(where) and where[-1] == 1  # in date order, going on over the page
    if grid_page == 0:
        assert where[0] == 0  # the legend starts under its grid
    else:
        lowest = min(y for page, _, _, y, _ in text_runs(data) if page == 0 and y > MARGIN)
        assert lowest > MARGIN + 4 * 22.5, lowest  # page 1 had room for four week rows: the grid was moved


def test_in_two_columns_the_grid_stays_whole_and_the_legend_goes_on_in_the_next_column(settings: Settings) -> None:
    """At normal print, lines before the calendar push it down the columns: its grid never parts
    (it moves whole to the next column when it does not fit), and its legend goes on in the next
    column between its lines; both happen for some number of lines."""
    seen: set[str] = set()
    for lines in range(8, 40):
        filler = "".join(f"<p>Line {n}: rest when you are tired.</p>" for n in range(lines))
        frames = columns(layout(settings, f'<section title="Filler">{filler}</section>{calendar(MARKS)}'))
        grid = [i for i, frame in enumerate(frames) if WEEKDAYS in frame]
        assert len(grid) == 1, (lines, frames)  # the weekday names once: the grid is not parted
        text = frames[grid[0]]
        assert has_the_whole_grid(text), (lines, text)
        assert "Your dates" in text.split(WEEKDAYS)[0]  # the heading above its grid
        where = [next(i for i, frame in enumerate(frames) if entry in frame) for entry in LEGEND]  # lines whole
        assert where == sorted(where) and grid[0] <= where[0] and where[-1] <= grid[0] + 1, (lines, where)
        last_line = next(i for i, frame in enumerate(frames) if f"Line {lines - 1}: rest" in frame)
        if grid[0] > last_line:
            seen.add("grid moved")
            assert text.startswith("Your dates"), (lines, text)  # at the top of the next column
        if where[0] == grid[0] < where[-1]:
            seen.add("legend went on")
            going_on = LEGEND[where.index(grid[0] + 1)]
            assert frames[grid[0] + 1].index(going_on) <= 3, (lines, frames)  # at most its day before it
    assert seen == {"grid moved", "legend went on"}


def test_month_labels_are_short_in_a_column_and_in_full_across_the_page(settings: Settings) -> None:
    runs = text_runs(layout(settings, calendar(MARKS)))  # after the head, at normal print: in a column
    months = [text.strip() for _, text, *_ in runs if re.fullmatch(r"[A-Z][a-z]+ 20\d\d", text.strip())]
    assert months == ["Nov 2026", "Dec 2026", "Jan 2027"]
    assert all(x < LETTER[0] / 2 for _, _, x, y, _ in runs if MARGIN < y < LETTER[1] - MARGIN)  # the left one
    head = layout(settings, f"<calendar>{MARKS}</calendar>")  # in the head: one column of 36 em
    large = layout(settings, calendar(MARKS), large=True)  # large print: one column across the page
    for data in (head, large):
        months = [t.strip() for _, t, *_ in text_runs(data) if re.fullmatch(r"[A-Z][a-z]+ 20\d\d", t.strip())]
        assert months == ["November 2026", "December 2026", "January 2027"]


def test_a_long_span_shows_the_months_compactly(settings: Settings) -> None:
    marks = spans(WEEKS_MAX + 30, every=35)
    data = layout(settings, calendar(marks))
    text = pdf_text(data)
    months = re.findall(
        r"(?:January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d", text
    )
    assert months[:3] == ["November 2026", "December 2026", "January 2027"]
    assert "September 2027" in months
    assert "Walk 0" in text and "Walk 8" in text


def test_a_calendar_taller_than_a_page_splits_with_the_weekdays_repeated(settings: Settings) -> None:
    marks = spans(WEEKS_MAX, every=4)  # 16 weeks, 27 marks: taller than a page in large print
    data = layout(settings, calendar(marks), large=True)
    pages = pdf_pages(data)
    assert len(pages) >= 2
    with_weeks = [page for page in pages if "Sun Mon Tue Wed Thu Fri Sat" in page]
    assert len(with_weeks) >= 1
    legend = [int(n) for page in pages for n in re.findall(r"Walk (\d+)", page)]
    assert legend == list(range(len(legend))) and len(legend) == 27
    for _, text, x, y, _ in text_runs(data):
        assert 0 <= x <= LETTER[0] and 0 <= y <= LETTER[1], text


def test_the_first_weekday_follows_the_language_and_region() -> None:
    assert first_weekday("en", "US") == 6  # Sunday
    assert first_weekday("es", "US") == 6
    assert first_weekday("es", None) == 0  # Spain: Monday
    assert first_weekday("fr", None) == 0
    assert first_weekday("pt_BR", "PT") == 6  # the language's own territory wins
    assert first_weekday("en", None) == 6  # the most likely territory of English: US
    words = CalendarWords("es", None)
    assert words.weekdays()[0] == "lun" and words.month(date(2026, 11, 24)) == "noviembre 2026"
    assert words.full(date(2027, 1, 5)) == "martes, 5 de enero de 2027"


def test_the_calendar_prints_in_the_handouts_language(settings: Settings) -> None:
    from test_layout_blocks import PATIENT

    from dischargegen.api import make_handout
    from dischargegen.content.build import Document
    from dischargegen.layout.render import render
    from dischargegen.model import RenderOptions

    handout = make_handout(PATIENT, settings)._replace(language="es")
    xml = f"<handout><title>Ir a casa</title>{calendar(MARKS)}</handout>"
    document = Document(parse_document(xml, "es.xml.j2"), "es.xml.j2", "Ir a casa", "es")
    text = pdf_text(render([document], handout, RenderOptions()))
    assert "dom lun mar mié jue vie sáb" in text  # Spanish in the United States: weeks start on Sunday
    assert "nov 2026" in text and "ene 2027" in text  # in a column: the months named short
    assert "martes, 24 de noviembre de 2026: Your kyphoplasty" in text
