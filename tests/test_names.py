"""Names in Latin, Vietnamese, Greek and Cyrillic scripts print with the right glyphs."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pdfcheck import pdf_text
from pypdf import PdfReader

from dischargegen.errors import InputError

# Letters a nurse may type in a name: Latin with accents, Vietnamese, Greek, Cyrillic.
SCRIPTS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßĀāĂăĄąĆćČčĐđĘęĞğİıŁłŃńŐőŒœŘřŚśŞşŠšŢţŰűŸŹźŻżŽž",
    "ảạấầẩẫậắằẳẵặẻẽẹếềểễệỉịỏọốồổỗộớờởỡợủụứừửữựỳỵỷỹƠơƯư",
    "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩάέήίόύώ",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯіїєґ",
]
word = st.sampled_from(SCRIPTS).flatmap(lambda letters: st.text(alphabet=letters, min_size=1, max_size=12))
names = st.lists(word, min_size=1, max_size=3).map(" ".join)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_any_name_in_these_scripts_prints(render, name: str) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(render({"name": name}))
    assert name in text


@pytest.mark.parametrize(
    ("name", "font"),
    [
        ("Nguyễn Thị Ánh", "NotoSans"),
        ("Ελένη Παπαδοπούλου", "NotoSans"),
        ("Ирина Петрова", "NotoSans"),
        ("王芳", "WenQuanYiMicroHei"),  # Chinese, Korean and Japanese names print
        ("김민준", "WenQuanYiMicroHei"),
        ("佐藤 さくら", "WenQuanYiMicroHei"),
        ("Zoë Ørsted", None),
    ],
)
def test_fallback_fonts_used_only_when_needed(render, name: str, font: str | None) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(render({"name": name})))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    if font:
        assert any(font in f for f in fonts)
    else:
        assert all("Atkinson" in f for f in fonts)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("አበበ በቂላ", "is in no bundled font"),  # Ethiopic
        ("\U0001d49c", "is outside the characters a handout can print"),
        ("Ann \U0001f600", "is outside the characters a handout can print"),
    ],
)
def test_unprintable_characters_are_an_error(render, name: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        render({"name": name})
    assert str(info.value).startswith("name: a character (U+")
    assert name.strip()[-1] not in str(info.value)  # the character itself is patient data
    assert reason in str(info.value)


@pytest.mark.parametrize("name", ["Ann\x00Lee", "Ann\tLee", "Ann\u2028Lee", "\x1b[31mRed"])
def test_control_characters_are_rejected(render, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"^name: contains a control character"):
        render({"name": name})


@hsettings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=20))
def test_a_script_is_found_in_any_text_that_holds_one_of_its_characters(text: str) -> None:
    """The script classes compile only for text that reaches their range; what they find is what
    the whole pattern finds in any text (an accented Latin name, a name with one Arabic letter)."""
    from dischargegen.languages import ARABIC_SCRIPT, Script

    greek = Script(("\u0370", "\u03ff"))
    for script, pattern in ((ARABIC_SCRIPT, ARABIC_SCRIPT.pattern), (greek, greek.pattern)):
        for sample in (text, f"José {text}", f"{text} ع", f"Ωmega {text}"):
            expected = pattern.search(sample)
            found = script.search(sample)
            assert (found and found.start()) == (expected and expected.start())
            assert bool(script.match(sample)) == bool(pattern.match(sample))
