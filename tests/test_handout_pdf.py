"""The rendered handout as a person sees it: text, sections, pages, fonts, metadata."""

from __future__ import annotations

import io
import re

import pytest
import textstat
from pdfcheck import body_font_sizes, pdf_pages, pdf_text
from pypdf import PdfReader

from dischargegen.api import Settings

FULL = {
    "level": "T12",
    "cause": "osteoporosis",
    "surgeon": "Dr. Ann Smith",
    "follow_up": "2026-12-08 10:30",
    "blood_thinner_restart": "2026-11-27",
    "restrictions": ["lifting=10lb:6w", "driving=2d", "custom=No golf or tennis:4w"],
}
SECTIONS = [  # in reading order; "Keep your bones strong" is the osteoporosis cause's section
    "Your limits: the day each one ends",
    "The first days",
    "Pain and medicines",
    "Daily life at home",
    "Keep your bones strong",
    "Before you go home",
]
FOOTER = "Kyphoplasty handout 1.1.0 (2026-11-28)"


def font_sizes(data: bytes, text: str) -> set[float]:
    """The sizes (in points) of the runs of text, on every page, that hold ``text``."""
    sizes: set[float] = set()

    def visit(run: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text in run:
            sizes.add(round(size * tm[3], 2))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_sections_and_personal_facts(render) -> None:  # type: ignore[no-untyped-def]
    pages = pdf_pages(render(FULL))
    text = " ".join(pages)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert "Raeann O'Kon" in text
    assert "MRN 0012345" in text
    assert "Tuesday, November 24, 2026: Your kyphoplasty." in text  # the procedure date, in the calendar
    # what was done: on page 1, after the boxes, before the first section
    done = "Dr. Ann Smith fixed the broken bone in your spine (at T12)."
    assert pages[0].index("To book your visit") < pages[0].index(done) < pages[0].index(SECTIONS[0])
    assert "Your follow-up visit is on Tuesday, December 8, 2026 at 10:30 AM." in text
    # the limits are in the calendar's legend only, each on the day it ends
    assert "Do not drive until" not in text and "until Tuesday" not in text
    assert (
        "Thursday, November 26, 2026: You may drive again, if you take no opioid pain pills or muscle relaxers." in text
    )
    assert "Tuesday, December 8, 2026: Visit at 10:30 AM." in text
    assert "Tuesday, December 22, 2026: No golf or tennis: you may start again." in text
    # two limits that end on the same day: one legend line, one date
    assert "Tuesday, January 5, 2027: You may lift more than 10 lb (4.5 kg) again." in text
    assert text.count("Tuesday, January 5, 2027") == 1
    assert "If you take one, start it again on Friday, November 27, 2026." in text  # blood thinner restart date
    assert "Weak bones (osteoporosis) caused this break" in text


def test_optional_fields_print_only_when_given(render) -> None:  # type: ignore[no-untyped-def]
    pages = pdf_pages(render({"dob": None, "mrn": None}))
    text = " ".join(pages)
    assert "MRN 0" not in text and "Born March" not in text
    for page in pages:  # neither known: labelled lines to write them in, in the header of every page
        assert "Born: ____" in page and "MRN: ____" in page
    assert "ask your surgeon or the doctor who prescribes it when to start again" in text  # no restart date
    assert "Keep your bones strong" not in text
    assert "Visit at" not in text  # no visit time: no visit in the calendar
    # no number known: a line to write it in, in the lead and in the doctor box's list of numbers
    assert "For other problems, call ____" in text
    assert "Call ____" in text and "to set up a follow-up visit for about Tuesday, December 8, 2026." in text
    assert "Call your doctor for:" in text
    assert re.search(r"In the day _+ Nights, weekends _+ To book your visit _+", text), text
    assert "None" not in text
    only_mrn = pdf_text(render({"dob": None}))
    assert "Born" not in only_mrn and "MRN 0012345" in only_mrn  # one known: it prints alone


def test_who_to_call_is_in_the_doctor_box(settings: Settings) -> None:
    from conftest import EXAMPLE

    from dischargegen.api import make_handout, render_pdf
    from dischargegen.config import Config
    from dischargegen.model import RenderOptions
    from dischargegen.qa.samples import SAMPLE_FACILITY

    # the sample facility under another name, its numbers typed with dots
    facility = SAMPLE_FACILITY._replace(name="Harbor Spine Center", phone="617.555.0100", phone_24h="617.555.0199")
    configured = settings._replace(config=Config(facility=facility))
    handout = make_handout({**EXAMPLE, **FULL}, configured)
    pages = pdf_pages(render_pdf(handout, configured, RenderOptions()))
    text = " ".join(pages)
    assert "For other problems, call the spine clinic at (617) 555-0100." in text
    box = text.split("Call your doctor at (617) 555-0100 for:", 1)[1].split("Your limits", 1)[0]
    assert "Nights, weekends the doctor on call: (617) 555-0199 To book your visit (617) 555-0100" in box
    assert "In the day" not in text  # the daytime number is in the box's title
    for number, page in enumerate(pages, start=1):
        assert f"Harbor Spine Center · {FOOTER} Page {number} of {len(pages)}" in page


@pytest.mark.parametrize("large_print", [False, True])
def test_call_911_first_and_on_page_one(render, large_print: bool) -> None:  # type: ignore[no-untyped-def]
    pages = pdf_pages(render(FULL, large_print=large_print))
    first, text = pages[0], " ".join(pages)
    box = "Call 911 right away if you have: • Chest pain, or sudden trouble breathing."
    assert box in first and "Do not drive yourself to the hospital." in first  # the box whole on page 1
    assert text.index(box) < text.index("Call your doctor for:") < text.index(SECTIONS[0])


@pytest.mark.parametrize("cause", [None, "osteoporosis", "cancer", "trauma"])
def test_two_pages_at_most_with_every_field(render, cause) -> None:  # type: ignore[no-untyped-def]
    facts = {**FULL, "cause": cause, "name": "Maximiliana Alexandra Wolfeschlegelsteinhausen-Bergerdorff"}
    pages = pdf_pages(render(facts))
    assert len(pages) <= 2
    for number, page in enumerate(pages, start=1):
        assert "Maximiliana Alexandra" in page  # the name on every page
        assert "MRN 0012345" in page
        assert f"Page {number} of {len(pages)}" in page


def test_reading_grade_at_most_six(render) -> None:  # type: ignore[no-untyped-def]
    for cause in ("osteoporosis", "cancer", "trauma"):
        text = pdf_text(render({**FULL, "cause": cause}))
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= 6.0, f"cause {cause}: grade {grade}"


def test_body_size_normal_and_large_print(render) -> None:  # type: ignore[no-untyped-def]
    normal_pdf = render(FULL)
    normal = body_font_sizes(normal_pdf)
    large_pdf = render(FULL, large_print=True)
    large = body_font_sizes(large_pdf)
    assert max(set(normal), key=normal.count) == 12.0
    assert max(set(large), key=large.count) == 18.0
    for heading in ("Call 911 right away if you have:", "Pain and medicines"):  # box titles and headings
        assert font_sizes(normal_pdf, heading) == {14.5}  # the body size + 2.5
        assert font_sizes(large_pdf, heading) == {20.0}  # the body size + 2
    for data, leading in ((normal_pdf, 12 * 1.3), (large_pdf, 18 * 1.25)):  # line to line, in a paragraph
        assert baselines_apart(data, "Weak bones (osteoporosis)") == pytest.approx(leading)
    pages = pdf_pages(large_pdf)
    text = " ".join(pages)
    assert 2 < len(pages) <= 4 and "Tuesday, January 5, 2027: You may lift more than 10 lb (4.5 kg)" in text


def baselines_apart(data: bytes, start: str) -> float:
    """The distance between the first two lines of the paragraph that begins with ``start``."""
    from test_layout_blocks import text_runs

    runs = text_runs(data)
    i = next(i for i, run in enumerate(runs) if run[1].startswith(start))
    return runs[i][3] - runs[i + 1][3]


def test_fonts_embedded_and_metadata(render) -> None:  # type: ignore[no-untyped-def]
    data = render({**FULL, "name": "Ирина Nguyễn"})
    reader = PdfReader(io.BytesIO(data))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"]
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            seen.add(re.sub(r"^/?[A-Z]{6}\+", "", font["/BaseFont"]))
    # the name prints only in the header, bold: its Cyrillic and Vietnamese letters in the bold fallback
    assert {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold", "NotoSans-Bold"} <= seen
    assert all("Ирина Nguyễn" in page for page in pdf_pages(data))
    assert not any("Helvetica" in name or "Times" in name for name in seen)
    meta = reader.metadata
    assert meta.title == "Going home after your kyphoplasty"
    assert meta.subject == "Discharge instructions after kyphoplasty"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Raeann" not in (meta.title + meta.subject)


def test_page_size(render) -> None:  # type: ignore[no-untyped-def]
    letter = PdfReader(io.BytesIO(render()))
    a4 = PdfReader(io.BytesIO(render(page_size="a4")))
    assert [round(float(v)) for v in letter.pages[0].mediabox[2:]] == [612, 792]
    assert [round(float(v)) for v in a4.pages[0].mediabox[2:]] == [595, 842]


def test_deterministic_bytes(render, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert render(FULL, deterministic=True) == render(FULL, deterministic=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    first = render(FULL)
    assert first == render(FULL)
    assert b"20251124" in first  # the creation date comes from SOURCE_DATE_EPOCH


@pytest.mark.parametrize(
    "value",
    [
        "<b>x</b>",
        "Tom & Jerry",
        "{{ 7*7 }}",
        '<img src="/etc/passwd"/>',
        "<font size=40>Big</font>",
        "{% raw %}",
        "&amp;",
    ],
)
def test_field_values_print_literally(render, value: str) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(render({"name": value, "surgeon": value, "level": value[:40]}))
    assert text.count(value) >= 2
    if "7*7" in value:
        assert "49" not in text
