"""The layout of the document vocabulary, read from the PDF as a person would: tables with a
header that repeats, write-in cells and lines, lists that never leave a lone item, headings kept
with their text, boxes that go on with their title (never the Call 911 box), signatures side by
side when there is room, the header that never splits a label from its value, one weight across
fallback fonts, the sample mark clear of the text, and lines of about 75 characters in the head
of page 1 and about 45 in the two columns that follow it at normal print."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_pages, pdf_text
from pypdf import PdfReader
from pypdf.generic import ContentStream

from dischargegen.api import Settings, make_handout
from dischargegen.content.build import Document
from dischargegen.content.document import parse_document
from dischargegen.errors import TemplateError
from dischargegen.layout.flowables import BLANK_INCHES, blank_length
from dischargegen.layout.render import render
from dischargegen.model import RenderOptions

PATIENT = {"name": "Raeann O'Kon", "date": "2026-11-24", "dob": "1948-03-02", "mrn": "0012345"}
MARGIN = 0.7 * 72  # the page margin: the header and the footer sit in it, the text between
FILLER = "Walk a little more each day, and rest when you are tired. " * 3
META = Path(__file__).parent / "fixtures" / "templates" / "facility" / "sacroplasty" / "procedure.toml"


def layout(settings: Settings, body: str, *, large: bool = False, sample: bool = False, **attrs: str) -> bytes:
    """Lay out a handout whose document is ``body`` under a title, as render() does."""
    header = {"header": "Raeann O'Kon", "subheader": "Born March 2, 1948 · MRN 0012345", **attrs}
    head = " ".join(f'{k}="{v}"' for k, v in header.items())
    xml = f'<handout {head} sample_label="SAMPLE: not for a patient"><title>Going home</title>\n{body}\n</handout>'
    handout = make_handout(PATIENT, settings)
    document = Document(parse_document(xml, "test.xml.j2"), "test.xml.j2", "Going home")
    return render([document], handout, RenderOptions(large_print=large, sample=sample, deterministic=True))


def text_runs(data: bytes) -> list[tuple[int, str, float, float, str]]:
    """(page, text, x, y, font) of every piece of text drawn, in page coordinates."""
    runs: list[tuple[int, str, float, float, str]] = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, number: int = number) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
                runs.append((number, text, x, y, re.sub(r"^/?[A-Z]{6}\+", "", name)))

        page.extract_text(visitor_text=visit)
    return runs


def columns(data: bytes) -> list[str]:
    """The text of each column in reading order, at normal print: page by page, the left column,
    then the right one; the header and the footer (in the top and bottom margins) left out. A run
    of text belongs to the column of the half of the page it starts in, so page 1's head (set in
    one column above the two, its lines starting in the left half) reads with the left column."""
    boxes = [page.mediabox for page in PdfReader(io.BytesIO(data)).pages]
    found: dict[tuple[int, bool], list[str]] = {}
    for page, text, x, y, _ in text_runs(data):
        width, height = float(boxes[page].width), float(boxes[page].height)
        if MARGIN * 0.8 < y < height - MARGIN:
            found.setdefault((page, x >= width / 2), []).append(text)
    return [" ".join(" ".join(found[key]).split()) for key in sorted(found)]


def operators(data: bytes, page: int = 0) -> list[bytes]:
    reader = PdfReader(io.BytesIO(data))
    return [op for _, op in ContentStream(reader.pages[page].get_contents(), reader).operations]


# -- the vocabulary ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<ul><li icon="rocket">x</li></ul>', "unknown icon 'rocket' on <li>"),
        ('<section title="s" icon="Phone"><p>x</p></section>', "unknown icon 'Phone' on <section>"),
        ('<alert tier="911" icon="no-rocket"><p>x</p></alert>', "unknown icon 'no-rocket'"),
        ("<table/>", "<table> is empty"),
        ("<table><tr/></table>", "<tr> is empty"),
        ("<table><tr><th/></tr></table>", "<th> is empty"),
        ("<table><tr><td>a</td></tr><tr><td/><td/></tr></table>", "the same number of cells"),
        ("<table><td>a</td></table>", "<td> is not allowed inside <table>"),
        ("<p>Call <blank>me</blank></p>", "<blank/> holds no text"),
        ("<section title='s'><blank/></section>", "<blank> is only allowed inside running text"),
        ("<calendar/>", "<calendar> is empty"),
        ('<calendar><mark date="2026-11-31" kind="limit">x</mark></calendar>', "not a real calendar date"),
        ('<calendar><mark date="24/11/2026" kind="limit">x</mark></calendar>', 'needs date="YYYY-MM-DD"'),
        ('<calendar><mark date="2026-11-24" kind="end">x</mark></calendar>', 'needs kind="procedure"'),
        ('<calendar><mark date="2026-11-24" kind="visit"/></calendar>', "<mark> is empty"),
        ('<calendar><mark date="2026-11-24" kind="visit" colour="red">x</mark></calendar>', "unknown attribute"),
        ("<calendar><p>x</p></calendar>", "<p> is not allowed inside <calendar>"),
        ('<alert tier="doctor"><calendar/></alert>', "<calendar> is not allowed inside <alert>"),
        (
            '<calendar><mark date="2026-01-01" kind="procedure">a</mark>'
            '<mark date="2030-01-01" kind="visit">b</mark></calendar>',
            "span more than three years",
        ),
    ],
)
def test_the_new_elements_are_checked_with_file_and_line(body: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_document(f"<handout><title>T</title>\n\n{body}</handout>", "facility/x/en.xml.j2")
    assert message in str(caught.value)
    assert str(caught.value).startswith("facility/x/en.xml.j2:3")


def test_new_elements_in_a_facility_template_make_a_handout(tmp_path: Path) -> None:
    from dischargegen.cli import main

    folder = tmp_path / "facility" / "blocks"
    folder.mkdir(parents=True)
    shutil.copy(META, folder / "procedure.toml")
    (folder / "en.xml.j2").write_text(
        '<handout><title>Going home</title>\n<section title="Your dates" icon="calendar"><calendar>\n'
        '<mark date="{{ procedure_date.isoformat() }}" kind="procedure">Your procedure</mark>\n'
        "</calendar></section>\n"
        '<ul><li icon="phone">Call <blank/></li></ul>\n'
        "<table><tr><th>Medicine</th><th>How much</th></tr><tr><td/><td/></tr></table>\n</handout>\n",
        encoding="utf-8",
    )
    bad = tmp_path / "facility" / "unicorn"
    bad.mkdir()
    shutil.copy(META, bad / "procedure.toml")
    (bad / "en.xml.j2").write_text(
        '<handout><title>Going home</title>\n<ul>\n<li icon="unicorn">x</li></ul></handout>', encoding="utf-8"
    )
    args = ["make", "--name", "Zyxwq Qorvath", "--date", "2026-11-24", "--procedure", "blocks"]
    result = CliRunner().invoke(main, [*args, "--templates-dir", str(tmp_path / "facility"), "-o", "out.pdf"])
    assert result.exit_code == 0, result.output
    text = pdf_text(Path("out.pdf").read_bytes())
    # after the head, at normal print, the section is in a column: the month named short
    assert "Nov 2026" in text and "Your procedure" in text and "Call ____" in text
    args[args.index("blocks")] = "unicorn"
    result = CliRunner().invoke(main, [*args, "--templates-dir", str(tmp_path / "facility"), "-o", "bad.pdf"])
    assert result.exit_code == 2
    assert "en.xml.j2:3: unknown icon 'unicorn' on <li>" in result.stderr
    assert not Path("bad.pdf").exists()


# -- tables -----------------------------------------------------------------------------------

MEDICINES = (
    "<table><tr><th>Medicine</th><th>How much</th><th>When</th><th>What for</th></tr>"
    "<tr><td>Acetaminophen 500 mg</td><td>2 tablets</td><td>Every 6 hours</td><td>Pain</td></tr>"
    "<tr><td>Senna 8.6 mg</td><td>1 tablet</td><td>At bedtime</td><td>To keep bowels moving</td></tr>"
    "</table>"
)


def test_a_table_prints_its_rows_in_order(settings: Settings) -> None:
    text = pdf_text(layout(settings, MEDICINES))
    header = text.index("Medicine How much When What for")
    first = text.index("Acetaminophen 500 mg 2 tablets Every 6 hours Pain")
    second = text.index("Senna 8.6 mg 1 tablet At bedtime To keep bowels moving")
    assert header < first < second
    fonts = {font for *_, font in text_runs(layout(settings, MEDICINES))}
    assert not any("Helvetica" in font for font in fonts)


def test_a_long_table_repeats_its_header_on_each_page(settings: Settings) -> None:
    rows = "".join(
        f"<tr><td>Medicine number {n}</td><td>1 tablet</td><td>Morning</td><td>Pain</td></tr>" for n in range(70)
    )
    pages = pdf_pages(layout(settings, MEDICINES.replace("</table>", rows + "</table>")))
    assert len(pages) >= 2
    for page in pages:
        assert "Medicine How much When What for" in page
    numbers = [int(n) for page in pages for n in re.findall(r"Medicine number (\d+)", page)]
    assert numbers == list(range(70))  # every row once, in order


def test_empty_cells_are_write_in_cells_with_a_ruled_line(settings: Settings) -> None:
    blank_rows = "".join("<tr><td/><td/><td/><td/></tr>" for _ in range(4))
    write_in = "<table><tr><th>Medicine</th><th>How much</th><th>When</th><th>What for</th></tr>" + blank_rows
    filled = layout(settings, write_in.replace(blank_rows, "") + "</table>")
    data = layout(settings, write_in + "</table>")
    lines = operators(data).count(b"l") - operators(filled).count(b"l")
    assert lines >= 16  # a line to write on in each of the 16 cells
    assert "What for" in pdf_text(data)


def test_column_widths_follow_the_text() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from dischargegen.layout.fonts import BODY, register
    from dischargegen.layout.tables import WRITE_IN_EM, column_widths

    register(BODY)  # the widths are measured in the body font, whichever test runs first

    def widths(table: str, width: float) -> tuple[list[float], list[str]]:
        tree = parse_document(f"<handout><title>T</title>{table}</handout>", "t")
        rows = [row.children for row in tree.children[1].children]
        found = column_widths(rows, width, 12, 4.2)
        assert sum(found) == pytest.approx(width)
        return found, [cell.text() for cell in rows[0]]

    def heads_on_one_line(found: list[float], heads: list[str]) -> bool:
        return all(w >= stringWidth(h, "Atkinson-Bold", 12) + 2 * 4.2 for w, h in zip(found, heads, strict=True))

    found, heads = widths(MEDICINES, 432)  # the head's one column of 36 em
    assert all(w >= 40 for w in found)
    assert found[0] > found[2]  # the medicine's name gets more room than "When"
    assert heads_on_one_line(found, heads), found
    write_in = MEDICINES.split("</tr>")[0] + "</tr>" + "<tr><td/><td/><td/><td/></tr>" * 4 + "</table>"
    found, heads = widths(write_in, 432)
    assert all(w >= 12 * WRITE_IN_EM for w in found), found  # room to write by hand in each cell
    found, heads = widths(write_in, (612 - 2 * MARGIN - 1.5 * 12) / 2)  # one of two columns on Letter
    assert heads_on_one_line(found, heads), found  # "How much" is not broken when there is room


# -- write-in lines ---------------------------------------------------------------------------


@pytest.mark.parametrize("large", [False, True])
def test_a_blank_is_a_write_in_line_at_least_two_inches_long(settings: Settings, large: bool) -> None:
    data = layout(settings, "<p>Call your doctor at <blank/>. At night, call <b><blank/></b>.</p>", large=large)
    text = pdf_text(data)
    match = re.search(r"Call your doctor at (_+)\. At night, call (_+)\.", text)
    assert match, text
    size = 18.0 if large else 12.0
    assert len(match.group(1)) == len(match.group(2)) == blank_length(size)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert stringWidth(match.group(1), "Atkinson", size) >= 2 * 72
    assert BLANK_INCHES >= 2


# -- lists and headings across pages ------------------------------------------------------------


@pytest.mark.parametrize("filler", range(0, 30, 2))
def test_a_list_never_leaves_a_lone_item_on_a_page(settings: Settings, filler: int) -> None:
    items = "".join(f"<li>Item number {n:02d}: {FILLER[: 40 + 7 * (n % 5)]}</li>" for n in range(12))
    body = "".join(f"<p>{FILLER}</p>" for _ in range(filler // 2)) + f"<p>{FILLER[: 20 * (filler % 7) + 10]}</p>"
    # the section is set in two columns: a column ends like a page
    frames = columns(layout(settings, f'{body}<section title="The list"><ul>{items}</ul></section>'))
    counts = [len(re.findall(r"Item number \d\d", frame)) for frame in frames]
    assert sum(counts) == 12
    assert all(count == 0 or count >= 2 for count in counts), counts
    heading = next(i for i, frame in enumerate(frames) if "The list" in frame)
    assert "Item number 00" in frames[heading]  # the heading is in the column of its first item


@pytest.mark.parametrize("filler", range(26, 36))
def test_a_heading_is_never_the_last_thing_on_a_page(settings: Settings, filler: int) -> None:
    body = "".join(f"<p>Line {n}: rest when you are tired.</p>" for n in range(filler))
    after = f'<section title="Your follow-up visit" icon="calendar"><p>{FILLER * 2}</p></section>'
    frames = columns(layout(settings, body + after))  # the section is in a column: it ends like a page
    frame = next(i for i, text in enumerate(frames) if "Your follow-up visit" in text)
    assert "Walk a little more" in frames[frame].split("Your follow-up visit", 1)[1]


# -- boxes and signatures ---------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["doctor", "911"])
def test_a_box_goes_on_with_its_title_and_the_911_box_never_parts(settings: Settings, tier: str) -> None:
    """Lines before a box push it down the columns: a doctor box that does not fit goes on in the
    next column between its items, its title repeated (for some number of lines it does); the
    Call 911 box always moves whole."""
    title = "Call your doctor for:" if tier == "doctor" else "Call 911 right away if you have:"
    items = "".join(f"<li>Sign number {n:02d}: {FILLER[:60]}</li>" for n in range(12))
    parted = False
    for lines in range(18, 34, 2):
        filler = "".join(f"<p>Line {n}: rest when you are tired.</p>" for n in range(lines))
        box = f'<alert tier="{tier}" title="{title}"><ul>{items}</ul></alert>'
        frames = columns(
            layout(settings, f'<section title="Filler">{filler}</section><section title="B">{box}</section>')
        )
        numbers = [[int(n) for n in re.findall(r"Sign number (\d\d)", frame)] for frame in frames]
        assert [n for found in numbers for n in found] == list(range(12)), (lines, numbers)  # each item once, in order
        held = [(frame, found) for frame, found in zip(frames, numbers, strict=True) if found]
        for frame, found in held:
            assert frame.count(title) == 1 and frame.index(title) < frame.index("Sign number")  # the title on top
            assert len(found) >= 2, (lines, numbers)  # no lone item
        parted = parted or len(held) > 1
        if tier == "911":
            assert len(held) == 1, (lines, numbers)
    assert parted == (tier == "doctor")


def test_signatures_are_side_by_side_when_each_pair_has_room(settings: Settings) -> None:
    signatures = (
        '<signatures date_label="Date"><signer label="Patient or caregiver"/><signer label="Nurse"/></signatures>'
    )

    def labels(body: str) -> list[tuple[str, float, float]]:
        return [(text.strip(), x, y) for _, text, x, y, _ in text_runs(layout(settings, body)) if MARGIN < y < 740]

    across = labels(signatures)  # in the head, 36 em wide: 18 em a signer
    assert [text for text, *_ in across if text != "Going home"] == ["Patient or caregiver", "Date", "Nurse", "Date"]
    assert len({y for text, _, y in across if text != "Going home"}) == 1  # one row
    stacked = labels(f'<section title="Sign">{signatures}</section>')  # in a column: less than 13 em a signer
    rows = {y for text, _, y in stacked if text in ("Patient or caregiver", "Nurse", "Date")}
    assert len(rows) == 2  # one signer a row
    patient, nurse = (next(x for text, x, _ in stacked if text == name) for name in ("Patient or caregiver", "Nurse"))
    assert patient == pytest.approx(nurse)  # one under the other


# -- the page frame -----------------------------------------------------------------------------


def test_the_large_print_header_never_splits_a_label_from_its_value(settings: Settings) -> None:
    long_name = "Maximiliana Alexandrina Featherstonehaugh-Cholmondeley"
    data = layout(settings, "<p>Text.</p>", large=True, header=long_name)
    reader = PdfReader(io.BytesIO(data))
    lines = [line.replace("\xa0", " ") for line in reader.pages[0].extract_text().splitlines()]
    assert any("MRN 0012345" in line for line in lines), lines
    assert any("Born March 2, 1948" in line for line in lines), lines
    ids = "Born March 2, 1948 · MRN 0012345"

    def where(data: bytes) -> dict[str, tuple[float, float]]:
        return {text.strip().replace("\xa0", " "): (x, y) for page, text, x, y, _ in text_runs(data) if page == 0}

    stacked, beside = where(data), where(layout(settings, "<p>Text.</p>", large=True))
    assert beside[ids][1] == pytest.approx(beside["Raeann O'Kon"][1])  # a short name: the identifiers beside it
    # a long name: the identifiers on the line under it, and the header takes that line from the text
    assert stacked[ids][1] < stacked[long_name][1] and stacked[ids][0] == pytest.approx(stacked[long_name][0])
    assert stacked["Going home"][1] < beside["Going home"][1] and stacked["Going home"][1] < stacked[ids][1]


def test_a_name_in_fallback_fonts_is_bold_throughout_in_the_header(settings: Settings) -> None:
    data = layout(settings, "<p>Text.</p>", header="Nguyễn Thị Ánh")
    fonts = {word: font for page, text, _, y, font in text_runs(data) if page == 0 and y > 700 for word in text.split()}
    assert fonts["Nguyễn"].endswith("-Bold") and fonts["Thị"].endswith("-Bold")
    assert fonts["Ánh"].endswith("-Bold")
    heading = layout(settings, '<section title="Για τον Ánh"><p>Text.</p></section>')
    faces = {font for _, text, *_, font in text_runs(heading) if "Για" in text or "Ánh" in text}
    assert faces and all(face.endswith("-Bold") for face in faces), faces


@pytest.mark.parametrize("large", [False, True])
def test_the_sample_mark_stays_in_the_margins(settings: Settings, large: bool) -> None:
    body = "".join(f"<p>{FILLER}</p>" for _ in range(30))
    data = layout(settings, body, sample=True, large=large)
    reader = PdfReader(io.BytesIO(data))
    width = float(reader.pages[0].mediabox.width)
    # the text (the header, the two columns of normal print, the one column of large print) spans
    # the page between its side margins, which are equal
    left = min(x for _, text, x, *_ in text_runs(data) if "SAMPLE" not in text)
    right = width - left
    assert left <= MARGIN
    marks = [run for run in text_runs(data) if "SAMPLE" in run[1]]
    assert len(marks) == 2 * len(reader.pages)  # up each side margin of every page
    for _, _, x, _y, _ in marks:
        assert x < left or x > right, (x, left, right)
    for page in pdf_pages(data):
        assert page.count("SAMPLE: not for a patient") == 2


def test_nothing_is_drawn_outside_the_page(settings: Settings) -> None:
    body = "".join(f"<p>{FILLER}</p>" for _ in range(20)) + MEDICINES
    for large in (False, True):
        data = layout(settings, body, large=large, sample=True)
        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        for _, text, x, y, _ in text_runs(data):
            assert 0 <= x <= float(box.width) and 0 <= y <= float(box.height), (text, x, y)


def test_body_lines_hold_about_75_characters_in_the_head_and_45_in_a_column(settings: Settings) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = (
        "You had a broken bone in your spine. The doctor put a thin needle through your back into "
        "the bone. A small balloon made room inside the bone. Then the doctor filled that room with "
        "bone cement. The cement makes the bone strong again. Take short walks and rest when you are tired."
    )
    paragraphs = "".join(f"<p>{words}</p>" for _ in range(2))
    data = layout(settings, f'{paragraphs}<section title="Your back">{paragraphs * 4}</section>')
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    size, width, height = 12.0, float(box.width), float(box.height)
    measure = 36 * size  # the head: one column of 36 em, in the middle of the page
    column = (width - 2 * MARGIN - 1.5 * size) / 2  # the rest: two columns, 1.5 em apart
    lines: dict[float, list[str]] = {}  # the lines of page 1 by where they start
    for page, text, x, y, _ in text_runs(data):
        if page == 0 and MARGIN < y < height - MARGIN and len(text.strip()) > 30:
            lines.setdefault(round(x, 1), []).append(text.strip())
    head, left, right = (lines.get(round(x, 1), []) for x in ((width - measure) / 2, MARGIN, width - MARGIN - column))
    assert head and left and right, lines  # page 1: the head, then two columns side by side
    assert all(stringWidth(line, "Atkinson", size) <= measure for line in head), head
    full = [len(line) for line in head if len(line) > 45]
    assert 70 <= statistics.mean(full) <= 78, full  # 36 em: about 75 characters
    assert max(full) <= 84, full
    assert all(stringWidth(line, "Atkinson", size) <= column for line in left + right)
    full = [len(line) for line in left + right]
    assert 36 <= statistics.mean(full) <= 48, full  # about 45 characters
    assert max(full) <= 52, full


@pytest.mark.parametrize("large", [False, True])
def test_text_is_set_top_to_bottom_without_overlap(settings: Settings, large: bool) -> None:
    long = "Do not lift more than <b>10 lb (4.5 kg)</b> until <b>Tuesday, January 5, 2027</b>. " + FILLER
    body = (
        f'<alert tier="911" title="Call 911 right away if you have:" icon="emergency"><ul><li>{long}</li>'
        "<li>Chest pain.</li></ul></alert>"
        f'<section title="Your limits" icon="calendar"><ul><li icon="lifting">{long}</li><li>Short.</li>'
        f'<li icon="no-driving">{long}</li></ul><p>{long}</p></section>'
        f'<section title="Before you go home"><checklist><check>{long}</check>'
        "<check>Done.</check></checklist></section>"
    )
    data = layout(settings, body, large=large)
    for page in range(len(PdfReader(io.BytesIO(data)).pages)):
        ys = [y for number, text, _, y, _ in text_runs(data) if number == page and 80 < y < 700]
        assert all(a >= b - 0.5 for a, b in itertools.pairwise(ys)), ys  # in reading order, top to bottom
        lines = sorted({round(y, 1) for y in ys}, reverse=True)
        size = 18 if large else 12
        assert all(a - b >= size * 0.9 for a, b in itertools.pairwise(lines)), lines  # no line on another


@pytest.mark.parametrize("words", range(8, 20))
def test_a_bold_date_or_number_is_never_broken_across_lines(settings: Settings, words: int) -> None:
    prefix = " ".join(["rest"] * words)
    body = f"<p>{prefix}, then on <b>Tuesday, November 24, 2026</b> call <b>(617) 555-0100</b> to check in.</p>"
    lines = PdfReader(io.BytesIO(layout(settings, body))).pages[0].extract_text().splitlines()
    assert any("Tuesday, November 24, 2026" in line for line in lines), lines
    assert any("(617) 555-0100" in line for line in lines), lines
