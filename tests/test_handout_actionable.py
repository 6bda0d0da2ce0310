"""The shipped handout read as a patient reads it (issue 9): the numbers to call on page 1 (or
lines to write them in), the main message first, the medicines, the calendar of their dates in
date order, two identifiers on every page, no heading left at the foot of a page or column, and
the page limits in both print sizes and both paper sizes."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from pdfcheck import pdf_pages, pdf_text
from pypdf import PdfReader
from pypdf.generic import ContentStream
from test_layout_blocks import columns

from dischargegen.api import Settings, make_handout, render_pdf
from dischargegen.config import Config
from dischargegen.model import Cause, Facility, PageSize, RenderOptions
from dischargegen.qa.samples import SAMPLE_FACILITY, sample_handout, variants

FACILITY = SAMPLE_FACILITY._replace(phone_24h="617.555.0199")  # numbers as typed in two ways
LONG_DATE = re.compile(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\w+ \d{1,2}, \d{4})")
HEADINGS = (
    "Your limits: the day each one ends",
    "The first days",
    "Pain and medicines",
    "Daily life at home",
    "Keep your bones strong",
    "Your cancer care",
    "Your other injuries",
    "Before you go home",
)


@pytest.fixture
def with_numbers(settings: Settings) -> Settings:
    return settings._replace(config=Config(facility=FACILITY))


def make(settings: Settings, facts: dict[str, object], **options: object) -> bytes:
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", **facts}, settings)
    return render_pdf(handout, settings, RenderOptions(**options))  # type: ignore[arg-type]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_numbers_to_call_are_formatted_on_page_one(with_numbers: Settings) -> None:
    page1 = pdf_pages(make(with_numbers, {"follow_up": "2026-12-09 10:30"}))[0]
    assert "call the spine clinic at (617) 555-0100" in page1  # the main message
    assert "Call your doctor at (617) 555-0100 for:" in page1
    assert "Nights, weekends the doctor on call: (617) 555-0199" in page1
    assert "To book your visit (617) 555-0100" in page1
    assert "617-555-0100" not in page1 and "617.555.0199" not in page1  # never as typed


def test_without_numbers_page_one_has_labelled_lines_to_write_them_in(settings: Settings) -> None:
    page1 = pdf_pages(make(settings, {}))[0]
    blank = r"_{10,}"
    assert re.search(rf"For other problems, call {blank}\.", page1)
    assert re.search(rf"Call {blank} to set up a follow-up visit", page1)
    assert "Call your doctor for:" in page1
    for label in ("In the day", "Nights, weekends", "To book your visit"):
        assert re.search(rf"{label} {blank}", page1), label
    assert "(617)" not in page1


def test_the_main_message_comes_first_under_the_title(with_numbers: Settings) -> None:
    text = pdf_pages(make(with_numbers, {"follow_up": "2026-12-09 10:30", "follow_up_with": "Dr. Lee"}))[0]
    title = text.index("Going home after your kyphoplasty")
    lead = text.index("Call 911 for any sign in the Call 911 box.")
    box = text.index("Call 911 right away if you have:")
    assert title < lead < box
    message = text[lead:box]
    assert "(617) 555-0100" in message
    assert "Your follow-up visit is on Wednesday, December 9, 2026 at 10:30 AM with Dr. Lee." in message


def test_the_911_box_names_the_new_signs_and_says_not_to_drive(settings: Settings) -> None:
    page1 = pdf_pages(make(settings, {"cause": "trauma"}))[0]
    for sign in (
        "all at once or over hours",
        "Numbness between your legs or around your bottom.",
        "New leaking of pee or poop, or you cannot pee.",
        "After your fall or injury: a bad headache, belly pain, confusion or throwing up.",
        "Do not drive yourself to the hospital.",
    ):
        assert sign in page1, sign


def test_the_medicines_print_as_table_rows_in_order(settings: Settings) -> None:
    medicines = ["Oxycodone 5 mg|1 pill|every 6 hours|pain", "Docusate 100 mg|1 pill|2 times a day|soft stools"]
    text = pdf_text(make(settings, {"medications": medicines}))
    assert "Take each medicine as the table says." in text
    header = text.index("Medicine How much When What for")
    first, second = text.index("Oxycodone 5 mg 1 pill every 6 hours pain"), text.index("Docusate 100 mg")
    assert header < first < second
    assert "Your nurse will write your medicines here." not in text


def test_with_no_medicines_the_nurse_gets_four_rows_to_fill_in(settings: Settings) -> None:
    empty = make(settings, {})
    text = pdf_text(empty)
    assert "Your nurse will write your medicines here." in text
    assert "Medicine How much When What for" in text
    four = ["Medicine number 1|1|2|3", "Medicine number 2|1|2|3", "Medicine number 3|1|2|3", "Medicine number 4|1|2|3"]
    filled = make(settings, {"medications": four})
    assert lines_drawn(empty) - lines_drawn(filled) >= 16  # a ruled line to write on in each of 16 cells


def lines_drawn(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    return sum(op == b"l" for page in reader.pages for _, op in ContentStream(page.get_contents(), reader).operations)


def test_the_pain_plan_and_the_first_day_rules(settings: Settings) -> None:
    text = squash(pdf_text(make(settings, {"blood_thinner_restart": "2026-11-27"})))
    for rule in (
        "For 24 hours after the sleepy medicine, have an adult with you.",
        "Do not drive, drink alcohol, cook or sign legal papers.",
        "Never mix them with alcohol or sleeping pills.",
        "Drink water, walk, and eat fruit and vegetables.",
        "No poop in 3 days",
        "warfarin, apixaban, rivaroxaban, clopidogrel and aspirin",
        "start it again on Friday, November 27, 2026.",
        "Rest on Tuesday, November 24, 2026.",
        "Take it off on Thursday, November 26, 2026, then shower.",
    ):
        assert rule in text, rule
    asked = squash(pdf_text(make(settings, {})))
    assert "ask your surgeon or the doctor who prescribes it when to start again." in asked


def test_the_calendar_shows_the_months_and_each_limit_day_in_date_order(settings: Settings) -> None:
    text = squash(pdf_text(make(settings, {"follow_up": "2026-12-09 10:30"}, large_print=True)))
    for month in ("November 2026", "December 2026", "January 2027"):
        assert month in text
    assert "Tuesday, November 24, 2026: Your kyphoplasty." in text
    assert "Thursday, November 26, 2026: You may drive again, if you take no opioid pain pills" in text
    assert "Wednesday, December 9, 2026: Visit at 10:30 AM." in text
    # lifting and bending end on the same day: one legend line, one date
    assert "Tuesday, January 5, 2027: You may lift more than 10 lb (4.5 kg) again." in text
    assert text.count("Tuesday, January 5, 2027") == 1
    legend = text[text.index("Your limits") : text.index("The first days")]
    days = [datetime.strptime(d, "%B %d, %Y").date() for d in LONG_DATE.findall(legend)]
    assert len(days) == 5 and days == sorted(days), days  # procedure, drive, soak, visit, lift and bend


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_two_identifiers_on_every_page(settings: Settings, large: bool) -> None:
    given = pdf_pages(make(settings, {"dob": "1948-03-02", "mrn": "0012345"}, large_print=large))
    assert len(given) >= 2
    for page in given:
        assert "Ann Lee" in page and "Born March 2, 1948" in page and "MRN 0012345" in page
    for page in pdf_pages(make(settings, {}, large_print=large)):
        assert re.search(r"Born: _+ · MRN: _+", page), "write-in lines for the identifiers"


LONG_NAME = "Riverside Regional Spine Center"  # a longer facility name than the samples' (the footer)


def sample(settings: Settings, procedure: str, cause: Cause | None, large: bool, page_size: PageSize) -> bytes:
    """The sample handout with every optional fact, for a facility with a long name."""
    settings = settings._replace(config=Config(facility=Facility(name=LONG_NAME)))
    proc = settings.catalog.procedures[procedure]
    variant = next(v for v in variants(proc) if v.cause == cause and v.full and v.large_print == large)
    handout = sample_handout(proc, "en", variant, settings)
    return render_pdf(handout, settings, RenderOptions(large_print=large, page_size=page_size))


VARIANTS = [
    (procedure, cause, large, size)
    for procedure in ("kyphoplasty", "vertebroplasty")
    for cause in (None, Cause.OSTEOPOROSIS, Cause.CANCER, Cause.TRAUMA)
    for large in (False, True)
    for size in (PageSize.LETTER, PageSize.A4)
]


@pytest.mark.parametrize(
    ("procedure", "cause", "large", "size"),
    VARIANTS,
    ids=[f"{p}-{c or 'no-cause'}-{'large' if lg else 'normal'}-{s}" for p, c, lg, s in VARIANTS],
)
def test_every_full_variant_keeps_its_page_limit_and_no_heading_ends_a_column(
    settings: Settings, procedure: str, cause: Cause | None, large: bool, size: PageSize
) -> None:
    data = sample(settings, procedure, cause, large, size)
    assert len(PdfReader(io.BytesIO(data)).pages) <= (4 if large else 2)
    for text in columns(data):  # each page's left column, then its right one
        assert not ends_with_heading(text), f"a column ends with a heading: ...{text[-60:]!r}"


def ends_with_heading(text: str) -> bool:
    return any(text.endswith(heading) for heading in HEADINGS)


def test_the_column_check_sees_a_heading_left_at_the_foot_of_a_column() -> None:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    canvas.drawString(60, 500, "Some text above")
    canvas.drawString(60, 300, "Pain and medicines")  # the last line of the left column
    canvas.drawString(330, 500, "Right column text")
    canvas.save()
    left, right = columns(buffer.getvalue())
    assert ends_with_heading(left) and not ends_with_heading(right)
