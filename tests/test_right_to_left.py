"""Right-to-left text: the bidirectional algorithm's order for a line, Arabic and Hebrew names in
a handout, and the Arabic handout laid out on mirrored pages, read back by word position with
``pdftotext -bbox``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dischargegen.cli import main
from dischargegen.layout.bidi import levels, visual

ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.mark.parametrize(
    ("line", "rtl", "drawn"),
    [
        # an Arabic sentence: its words from the right; the number reads left to right
        ("اتصل بالرقم 911 الآن", True, [" الآن", "911", "اتصل بالرقم "]),
        # a decimal weight stays one number (W4), not "5.4"
        ("الوزن 4.5 كغ", True, [" كغ", "4.5", "الوزن "]),
        # English inside Arabic, its brackets with it (N0)
        ("خذ Tylenol (acetaminophen) مرتين", True, [" مرتين", "Tylenol (acetaminophen)", "خذ "]),
        # a telephone number isolated (FSI ... PDI) reads as one unit
        ("اتصل \u2068(617) 555-0100\u2069 الآن", True, [" الآن", "(617) 555-0100", "اتصل "]),
        # an Arabic name inside English: only the name turns round
        ("Patient محمد علي today", False, ["Patient ", "محمد علي", " today"]),
        ("Plain English", False, ["Plain English"]),
    ],
)
def test_a_line_is_drawn_in_bidirectional_order(line: str, rtl: bool, drawn: list[str]) -> None:
    segments = visual([(line, False)], rtl)
    assert [text for text, _, _ in segments] == drawn
    assert all(backwards == bool(ARABIC.search(text)) for text, _, backwards in segments if text.strip(" :"))


def test_levels_of_an_isolate_and_of_arabic_digits() -> None:
    assert levels("ab \u2067ج د\u2069 ef", 0) == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]
    assert levels("٤٫٥ كغ", 1)[:3] == [2, 2, 2]  # Arabic-Indic digits read left to right inside Arabic


def _words(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """The words of page 1 as pdftotext reads them: lines from the top, each a list of
    (xMin, yMin, word) in the order it reads them."""
    xml = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
    lines: list[list[tuple[float, float, str]]] = []
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
    for x, top, bottom, word in re.findall(pattern, xml.stdout):
        middle = (float(top) + float(bottom)) / 2  # fonts differ in height: a line is within 5 pt
        if lines and abs(lines[-1][0][1] - middle) < 5:
            lines[-1].append((float(x), middle, word))
        else:
            lines.append([(float(x), middle, word)])
    return lines


@pytest.mark.parametrize("name", ["محمد علي", "Ann שרה"])
def test_a_right_to_left_name_prints_in_an_english_handout(tmp_path: Path, name: str) -> None:
    out = tmp_path / "h.pdf"
    result = CliRunner().invoke(main, ["make", "--name", name, "--date", "2026-11-24", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert all(word in text for word in name.split())
    if ARABIC.search(name):  # joined letters: set in the shaped Arabic face, read back as written
        fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        assert "NotoNaskhArabic" in fonts and "DejaVuSans" not in fonts
        assert name in re.sub("[\u200e\u200f\u202a-\u202e]", "", text)


@pytest.fixture(scope="module")
def arabic_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "ar.pdf"
    args = ["make", "--name", "محمد علي", "--date", "2026-11-24", "--lang", "ar", "--phone", "(617) 555-0100"]
    args += ["--restriction", "lifting=4.5kg:6w", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    return out


def _from_the_right(line: list[tuple[float, float, str]]) -> list[str]:
    """A line's words from the rightmost to the leftmost. pdftotext -bbox gives each Arabic word's
    letters in the order drawn, left to right: reversed here, to compare them with the text as
    written."""
    return [w[::-1] if ARABIC.search(w) else w for _, _, w in sorted(line, key=lambda word: -word[0])]


def _line_of(lines: list[list[tuple[float, float, str]]], sentence: str) -> tuple[int, list[str]]:
    """The number and the words (from the right) of the line whose words, read from the right,
    begin with ``sentence``."""
    wanted = sentence.split()
    for n, line in enumerate(lines):
        words = [w for w in _from_the_right(line) if w != "•"]
        if words[: len(wanted)] == wanted:
            return n, words
    raise AssertionError(f"no line reads {sentence!r} from the right")


def test_arabic_lines_read_from_the_right_and_from_the_top(arabic_pdf: Path) -> None:
    lines = _words(arabic_pdf)
    header, _ = _line_of(lines, "محمد علي")  # the patient's name, first name at the right
    title, words = _line_of(lines, "العودة إلى المنزل بعد رأب الحدبة")
    assert len(words) == 6  # the whole title: its first word is the rightmost
    lead, _ = _line_of(lines, "اتصل بالرقم 911 عند أي علامة")  # the number in its place
    first, _ = _line_of(lines, "ألم في الصدر، أو صعوبة")  # the first sign in the Call 911 box
    second, _ = _line_of(lines, "ضعف أو خدر في الذراعين")
    assert header < title < lead < first < second  # and the lines in reading order, from the top


def test_arabic_page_is_mirrored(arabic_pdf: Path) -> None:
    """Bullets at the right of their items; the header's name at the right, its ids at the left."""
    lines = _words(arabic_pdf)
    bullets = [line for line in lines if any(w == "•" for *_, w in line)]
    assert len(bullets) >= 4
    assert all(max(line, key=lambda word: word[0])[2] == "•" for line in bullets)
    header = lines[0]
    assert min(header)[2] == "__________" and max(header)[2] == "دمحم"


def test_a_weight_and_a_telephone_number_read_left_to_right_in_arabic(arabic_pdf: Path) -> None:
    text = subprocess.run(["pdftotext", str(arabic_pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub("[\u200e\u200f\u202a-\u202e]", "", text)  # the direction marks pdftotext adds
    assert "(4.5 kg)" in text and "5.4" not in text
    assert "(617) 555-0100" in text
    assert "الثلاثاء" in text and "نوفمبر" in text  # the weekday and month of the procedure date, in Arabic


def test_arabic_is_joined_and_copies_as_written(arabic_pdf: Path) -> None:
    """Shaped in Noto Naskh Arabic (joined letters; an unshaped face draws them apart), and each
    joined form carries its letter, so the copied text reads as the template wrote it."""
    fonts = subprocess.run(["pdffonts", str(arabic_pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoNaskhArabic" in fonts and "DejaVuSans" not in fonts
    text = subprocess.run(["pdftotext", str(arabic_pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub("[\u200e\u200f\u202a-\u202e]", "", text)
    assert "العودة إلى المنزل بعد رأب الحدبة" in text  # the title
    assert "أو صعوبة مفاجئة في التنفس" in text  # the first sign to call 911 for (poppler moves its comma)


def test_a_barcode_s_line_reads_the_right_way_round_in_arabic(tmp_path: Path) -> None:
    """The Code 128 and its line of text are pictures: drawn upright on a mirrored page."""
    (tmp_path / "c.toml").write_text('[barcode]\ncode128 = "{mrn}"\n', encoding="utf-8")
    out = tmp_path / "ar.pdf"
    args = ["make", "--config", str(tmp_path / "c.toml"), "--name", "محمد علي", "--mrn", "0012345"]
    result = CliRunner().invoke(main, [*args, "--date", "2026-11-24", "--lang", "ar", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    result = CliRunner().invoke(
        main, ["make", *args[3:], "--date", "2026-11-24", "--lang", "ar", "-o", str(tmp_path / "no.pdf")]
    )
    assert result.exit_code == 0, result.output
    without = subprocess.run(["pdftotext", str(tmp_path / "no.pdf"), "-"], capture_output=True, text=True, check=True)
    # the header prints the MRN too: the barcodes' lines (the Arabic page's, the English copy's) add to it
    assert text.count("0012345") == without.stdout.count("0012345") + 2 and "5432100" not in text
