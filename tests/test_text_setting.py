"""Running text set without a Paragraph (``layout/text.py``): the same lines as ReportLab's
Paragraph would set, split over a page without a lone line on either side, line breaks and words
too wide for their line, and only short texts kept in the process-wide measuring caches."""

from __future__ import annotations

import pytest
from reportlab.platypus import Paragraph

from dischargegen.content.document import Run
from dischargegen.layout import fonts
from dischargegen.layout.fonts import BODY, register
from dischargegen.layout.styles import styles
from dischargegen.layout.text import Text, break_lines

SENTENCES = [
    "After your fall or injury: a bad headache, belly pain, confusion or throwing up.",
    "Blood thinners include warfarin, apixaban, rivaroxaban, clopidogrel and aspirin. "
    "If you take one, ask your surgeon or the doctor who prescribes it when to start again.",
    "Pain pills can make you fall. Stand up slowly and hold the rail on stairs. Use night lights; take up loose rugs.",
    "Ελληνικά και русский текст, with a few words in Latin script between them for the fallback fonts.",
]


def _markup(text: str, body: str) -> str:
    """Paragraph markup of a sentence: each word the body font lacks in the fallback it is set in."""
    return "".join(
        chunk if family.name == body else f'<font name="{fonts.face(family, False)}">{chunk}</font>'
        for family, chunk in fonts.pieces(text)
    )


@pytest.fixture(autouse=True, scope="module")
def _fonts() -> None:
    register(BODY)


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("width", [150.0, 201.5, 246.6, 300.0, 432.0])
def test_lines_break_where_a_paragraph_breaks_them(sentence: str, width: float) -> None:
    style = styles(False).bullet
    text = Text([Run(sentence)], style)
    _, ours = text.wrap(width, 1e6)
    _, theirs = Paragraph(_markup(sentence, style.fontName), style).wrap(width, 1e6)
    assert ours == pytest.approx(theirs)
    lines = text.lines(width)
    assert lines is not None and " ".join(t for line in lines for t, _ in line).split() == sentence.split()


def test_a_bold_date_up_to_half_the_line_stays_whole_and_runs_keep_their_weight() -> None:
    style = styles(False).body
    runs = [Run("Please take it off on "), Run("Thursday, November 26, 2026", bold=True), Run(", then shower.")]
    date_width = fonts.text_width("Thursday, November 26, 2026", style.fontSize, True)
    for width, whole in ((date_width * 2 + 1, True), (date_width * 1.5, False)):
        lines = Text(runs, style).lines(width)
        assert lines is not None
        bold = [t.strip() for line in lines for t, b in line if b]
        assert (bold == ["Thursday,\u00a0November\u00a026,\u00a02026"]) is whole, (width, bold)
        plain = [t for line in lines for t, b in line if not b]
        assert "Please" in plain[0] and "shower." in plain[-1]


def test_a_word_wider_than_the_line_is_cut_at_the_edge() -> None:
    lines = break_lines([("Before " + "a" * 200 + " after", False)], 100.0, 12.0)
    assert lines[0][0][0].strip() == "Before"
    assert "".join(text for line in lines for text, _ in line).replace(" ", "") == "Before" + "a" * 200 + "after"
    assert all(fonts.text_width("".join(t for t, _ in line), 12.0) <= 100.0 for line in lines)
    assert len(lines) >= 4


def test_a_line_break_starts_a_new_line() -> None:
    lines = break_lines([("Riverside Spine Center", False), ("\n", False), ("Floor 2", True)], 400.0, 12.0)
    assert lines == [[("Riverside Spine Center", False)], [("Floor 2", True)]]


def test_a_split_never_leaves_one_line_alone() -> None:
    style = styles(False).body
    text = Text([Run(" ".join(["Keep the bandage on and dry, then shower."] * 6))], style)
    text.wrap(150.0, 1e6)
    total = len(text.lines(150.0) or [])
    assert total >= 6

    def split(room_lines: int) -> list[int]:
        parts = text.split(150.0, style.leading * room_lines + 0.5)
        return [len(part.lines(150.0) or []) for part in parts]  # type: ignore[attr-defined]

    assert split(3) == [3, total - 3]
    assert split(total - 1) == [total - 2, 2]  # not the last line alone on the next page
    assert split(1) == []  # not the first line alone at the foot of this page
    assert split(total) == [total]


def test_only_short_texts_are_kept_in_the_measuring_caches() -> None:
    fonts._width.cache_clear()
    fonts._cut.cache_clear()
    fonts.text_width("Tuesday,", 12.0)
    fonts.text_width("word " * 100, 12.0)
    fonts.pieces("z" * 1000)
    assert fonts._width.cache_info().currsize == 1
    assert fonts._cut.cache_info().currsize == 1  # "Tuesday," (text_width cuts it into pieces too)


def test_text_that_runs_on_from_a_bold_run_is_never_broken_from_it() -> None:
    """ "on **Tuesday, January 5, 2027**." : the full stop stays with the date, whatever the width."""
    runs = [("Take it off on ", False), ("Tuesday, January 5, 2027", True), (". Then shower.", False)]
    for width in range(60, 400, 3):
        lines = break_lines(runs, float(width), 12.0)
        assert lines is not None
        for line in lines:
            assert not "".join(text for text, _ in line).lstrip().startswith(".")


def test_a_line_of_the_same_words_splits_where_a_paragraph_would_with_runs() -> None:
    runs = [("Rest on ", False), ("Tuesday", True), (", then walk.", False)]
    style = styles(False).body
    for width in (60.0, 80.0, 100.0, 140.0):
        ours = break_lines(runs, width, style.fontSize)
        assert ours is not None
        theirs = Paragraph("Rest on <b>Tuesday</b>, then walk.", style)
        _, height = theirs.wrap(width, 1e6)
        assert len(ours) == round(height / style.leading)
