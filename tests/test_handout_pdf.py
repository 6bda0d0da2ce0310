"""The rendered handout as a person sees it: text, sections, pages, fonts, metadata."""

from __future__ import annotations

import io
import re

import pytest
import textstat
from pdfcheck import body_font_sizes, pdf_pages, pdf_text
from pypdf import PdfReader

FULL = {
    "level": "T12",
    "cause": "osteoporosis",
    "surgeon": "Dr. Ann Smith",
    "follow_up": "2026-12-08 10:30",
    "blood_thinner_restart": "2026-11-27",
    "restrictions": ["lifting=10lb:6w", "driving=2d", "custom=No golf or tennis:4w"],
}
SECTIONS = [
    "What was done",
    "What to expect",
    "Care for the spot where the needle went in",
    "Pain and medicines",
    "Your follow-up visit",
    "Before you go home",
]


def test_sections_and_personal_facts(render) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(render(FULL))
    for heading in SECTIONS:
        assert heading in text
    assert "Raeann O'Kon" in text
    assert "MRN 0012345" in text
    assert "Tuesday, November 24, 2026" in text  # the procedure date
    assert "T12" in text
    assert "Tuesday, December 8, 2026 at 10:30 AM" in text
    assert "Dr. Ann Smith" in text
    assert "10 lb (4.5 kg)" in text
    assert "until Tuesday, January 5, 2027" in text
    assert "No golf or tennis" in text and "until Tuesday, December 22, 2026" in text
    assert "Friday, November 27, 2026" in text  # blood thinner restart date
    assert "Keep your bones strong" in text


def test_optional_fields_print_only_when_given(render) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(render({"dob": None, "mrn": None}))
    assert "MRN" not in text
    assert "Born" not in text
    assert "ask your doctor before you start it again" in text  # no restart date given
    assert "Keep your bones strong" not in text
    assert "Call ____" in text and "to set up a visit" in text  # no number known: a line to write it in
    assert "Your doctor's number: ____" in text
    assert "Tuesday, December 8, 2026" in text  # the visit: 2 weeks by default
    assert "None" not in text


def test_call_911_first_and_on_page_one(render) -> None:  # type: ignore[no-untyped-def]
    pages = pdf_pages(render(FULL))
    first = pages[0]
    assert "Call 911" in first
    assert first.index("Call 911") < first.index("What was done")
    assert first.index("Call 911") < " ".join(pages).index("Call your doctor")


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
    normal = body_font_sizes(render(FULL))
    large_pdf = render(FULL, large_print=True)
    large = body_font_sizes(large_pdf)
    body = max(set(normal), key=normal.count)
    assert 12 <= body <= 13
    assert max(set(large), key=large.count) >= 18
    text = " ".join(pdf_pages(large_pdf))
    assert len(pdf_pages(large_pdf)) > 2 and "until Tuesday, January 5, 2027" in text


def test_fonts_embedded_and_metadata(render) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(render({**FULL, "name": "Ирина Nguyễn"})))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"]
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            seen.add(re.sub(r"^/?[A-Z]{6}\+", "", font["/BaseFont"]))
    assert {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold", "NotoSans-Regular"} <= seen
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


@pytest.mark.parametrize("large_print", [False, True])
def test_wrap_cache_changes_no_byte(render, monkeypatch, large_print: bool) -> None:  # type: ignore[no-untyped-def]
    """The layout's Paragraph keeps line breaks per width; the PDF must be what plain ReportLab makes."""
    from reportlab.platypus import Paragraph

    from dischargegen.layout import flowables

    facts = {**FULL, "name": "Maximiliana Alexandra Nguyễn", "medications": [{"name": "Acetaminophen 500 mg"}] * 4}
    cached = render(facts, large_print=large_print, deterministic=True)
    monkeypatch.setattr(flowables.Para, "wrap", Paragraph.wrap)
    assert render(facts, large_print=large_print, deterministic=True) == cached
