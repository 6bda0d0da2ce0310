"""`dischargegen templates list|check|preview`, and the shipped handouts as a reader sees them."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_pages, pdf_text

from dischargegen.api import check_templates, load_settings, make_handout, render_pdf
from dischargegen.cli import main
from dischargegen.errors import InputError
from dischargegen.model import RenderOptions
from dischargegen.qa.readability import measure, split_sentences, syllables, vowel_syllables
from dischargegen.qa.reading_levels import reading

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
SHIPPED = ("kyphoplasty", "vertebroplasty")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["templates", *args])


@pytest.fixture(scope="module")
def shipped_report():  # type: ignore[no-untyped-def]
    return check_templates(load_settings())


def test_list_shows_every_procedure_language_version_and_review_date() -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    rows = {tuple(line.split()[:2]): line.split() for line in result.output.splitlines()[1:]}
    assert rows[("kyphoplasty", "en")][2:5] == ["source", "1.1.0", "2026-11-28"]
    assert rows[("vertebroplasty", "en")][2:5] == ["source", "1.1.0", "2026-11-28"]
    assert "shipped" in rows[("vertebroplasty", "en")]
    assert rows[("kyphoplasty", "es")][2:7] == ["draft", "1.1.0", "-", "not", "reviewed"]
    assert rows[("kyphoplasty", "es")][-1] == "cifoplastia"
    assert len(rows) == 2 * 17  # each procedure in English and 16 translations


def test_check_passes_on_every_shipped_template(shipped_report) -> None:  # type: ignore[no-untyped-def]
    assert shipped_report.ok, [f for r in shipped_report.results for f in r.all_findings() if f.level != "warning"]
    languages = load_settings().catalog.procedures["kyphoplasty"].languages
    assert {(r.procedure, r.language) for r in shipped_report.results} == {(p, c) for p in SHIPPED for c in languages}
    for result in shipped_report.results:
        # no failure and no warning but one: the checks run without a facility config, so no number
        assert [(f.level, f.code) for f in result.all_findings()] == [("warning", "phone")]
        assert result.status == ("source" if result.language == "en" else "draft")
        assert len(result.variants) == 16  # 4 causes (with none) x optional fields x large print
        for v in result.variants:
            assert v.reading is not None and not v.reading.failed
            if result.language == "en":
                assert v.grade is not None and v.grade <= 6.0
            assert v.alert_911_page == 1
            assert v.long_sentences == [] and v.long_lists == []
            large = 4 if result.language == "en" else 5
            assert v.pages is not None and v.pages <= (large if v.variant.large_print else 2)


def test_check_cli_table_and_exit_status() -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split()
    assert header == ["PROCEDURE", "LANG", "STATUS", "PAGES", "LARGE", "READING", "LONGEST", "911", "RESULT"]
    rows = {tuple(line.split()[:2]): line.split() for line in result.output.splitlines()[1:35]}
    assert rows[("vertebroplasty", "en")][2:5] == ["source", "2", "4"] and rows[("vertebroplasty", "en")][5] == "FK"
    assert rows[("kyphoplasty", "es")][2:4] == ["draft", "2"] and rows[("kyphoplasty", "es")][5] == "FH"
    assert rows[("kyphoplasty", "zh-Hans")][5] == "ch" and rows[("kyphoplasty", "pl")][5] == "-"
    assert "34 template(s) checked: 0 failed, 34 warning(s)." in result.output  # no number: no config


@pytest.mark.parametrize("code", ["es-MX", "spa"])
def test_check_finds_a_language_by_any_of_its_codes(code: str) -> None:
    result = run("check", "vertebroplasty", "--lang", code, "--json")
    assert result.exit_code == 0, result.output
    assert [t["language"] for t in json.loads(result.output)["templates"]] == ["es"]


def test_check_refuses_a_language_with_no_template_rather_than_check_nothing() -> None:
    result = run("check", "vertebroplasty", "--lang", "nl")
    assert result.exit_code == 2
    assert "vertebroplasty has no template in 'nl'" in result.output


def test_check_of_every_procedure_in_a_language_leaves_out_those_without_it() -> None:
    """A facility's English-only procedure does not stop a check of the Russian templates; a
    language that no procedure has is still an error."""
    settings = load_settings(templates_dir=FIXTURES / "facility")
    assert "ru" not in settings.catalog.get("sacroplasty").languages
    report = check_templates(settings, languages=["ru"])
    # the facility's kyphoplasty and sacroplasty are in English only; the shipped vertebroplasty has ru
    assert sorted((r.procedure, r.language) for r in report.results) == [("vertebroplasty", "ru")]
    with pytest.raises(InputError, match="no procedure has a template in 'nl'"):
        check_templates(settings, languages=["ru", "nl"])


def test_check_json_names_only_the_procedures_asked_for() -> None:
    result = run("check", "vertebroplasty", "--lang", "en", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert [(t["procedure"], t["language"]) for t in report["templates"]] == [("vertebroplasty", "en")]
    variant = report["templates"][0]["variants"][0]
    assert set(variant) >= {
        "pages",
        "grade",
        "smog",
        "longest_sentence",
        "long_sentences",
        "long_lists",
        "alert_911_page",
    }
    assert variant["longest_sentence"]["words"] <= 20
    assert variant["reading"]["measure"] == "Flesch-Kincaid grade" and variant["reading"]["limit"] == 6.0
    assert report["limits"]["pages"] == 2 and report["limits"]["pages_large_print"] == 4
    assert report["limits"]["pages_large_print_translated"] == 5


def test_check_unknown_procedure_is_a_usage_error() -> None:
    result = run("check", "hipplasty")
    assert result.exit_code == 2
    assert "Error: procedure: unknown procedure 'hipplasty'" in result.output


def test_review_date_over_24_months_is_a_warning_not_a_failure() -> None:
    report = check_templates(load_settings(), procedures=["vertebroplasty"], languages=["en"], today=date(2029, 1, 1))
    assert report.ok
    warnings = [f for r in report.results for f in r.all_findings()]
    assert sorted((f.level, f.code) for f in warnings) == [("warning", "phone"), ("warning", "review")]
    assert any("2026-11-28, more than 24 months ago" in f.message for f in warnings)


def test_preview_is_marked_as_a_sample_on_every_page(tmp_path: Path) -> None:
    out = tmp_path / "preview.pdf"
    result = run("preview", "vertebroplasty", "--cause", "osteoporosis", "-o", str(out))
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == 2
    for page in pages:
        assert "SAMPLE: not for a patient" in page
    assert "Keep your bones strong" in pages[-1]


def test_preview_default_name_large_print_and_bad_cause() -> None:
    result = run("preview", "kyphoplasty", "--large-print")
    assert result.exit_code == 0, result.output
    data = Path("sample-kyphoplasty-en-large.pdf").read_bytes()
    assert len(pdf_pages(data)) >= 3
    bad = run("preview", "kyphoplasty", "--cause", "gout")
    assert bad.exit_code == 2 and "Error: cause: not a cause of this procedure" in bad.output
    assert not list(Path(".").glob("sample-kyphoplasty-en-gout*"))


def test_vertebroplasty_handout_shows_its_own_defaults_and_dates() -> None:
    settings = load_settings()
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "procedure": "vertebroplasty"}, settings)
    pages = pdf_pages(render_pdf(handout, settings))
    text = " ".join(pages)
    assert "Going home after your vertebroplasty" in text
    # each limit is a line of the calendar's legend: the day it ends, then what may start again
    assert "Tuesday, November 24, 2026: Your vertebroplasty." in text
    assert "Tuesday, February 16, 2027: You may lift more than 10 lb (4.5 kg) again." in text  # 12 weeks
    assert "Tuesday, January 5, 2027: You may bend, twist and do hard exercise again." in text  # 6 weeks
    assert (
        "Thursday, November 26, 2026: You may drive again, if you take no opioid pain pills or muscle relaxers." in text
    )  # 2 days
    assert "Tuesday, December 1, 2026: You may soak in a bath, pool or hot tub again." in text  # 7 days
    assert "Bone cement went in through a needle." in text
    assert "balloon" not in text  # that is kyphoplasty
    call_911 = pages[0][pages[0].index("Call 911 right away") : pages[0].index("Call your doctor")]
    assert "New leaking of pee or poop, or you cannot pee." in call_911
    assert all("Vertebroplasty handout 1.1.0 (2026-11-28)" in page for page in pages)


def test_kyphoplasty_keeps_its_six_week_lifting_limit() -> None:
    settings = load_settings()
    text = pdf_text(render_pdf(make_handout({"name": "Ann Lee", "date": "2026-11-24"}, settings), settings))
    # six weeks, the same day as the end of hard exercise: one legend line, one date
    assert (
        "Tuesday, January 5, 2027: You may lift more than 10 lb (4.5 kg) again. A gallon of milk weighs about 8 lb."
        " You may bend, twist and do hard exercise again." in text
    )
    assert text.count("January 5, 2027") == 1
    assert "A small balloon made room for bone cement, then came out." in text


def test_facility_config_changes_a_vertebroplasty_default(tmp_path: Path) -> None:
    config = tmp_path / "facility.toml"
    config.write_text(
        '[facility]\nunits = "kg"\n\n[procedures.vertebroplasty.restrictions.lifting]\nlimit = "5lb"\nduration = "3w"\n'
    )
    settings = load_settings(config)
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "procedure": "vertebroplasty"}, settings)
    text = pdf_text(render_pdf(handout, settings))
    assert "Tuesday, December 15, 2026: You may lift more than 2.3 kg (5 lb) again." in text  # 3 weeks, in kg
    assert "A 4 liter jug of milk weighs about 4 kg." in text and "gallon" not in text
    assert "Tuesday, February 16, 2027" not in text  # the shipped 12 weeks is gone


@pytest.mark.parametrize("procedure", SHIPPED)
@pytest.mark.parametrize("cause", [None, "osteoporosis", "cancer", "trauma"])
def test_pdf_text_grade_at_most_six_even_with_headings_run_together(procedure: str, cause: str | None) -> None:
    """The grade of the text as pypdf extracts it, one block: stricter than the checker's."""
    settings = load_settings()
    facts = {
        "name": "Ann Lee",
        "date": "2026-11-24",
        "procedure": procedure,
        "cause": cause,
        "surgeon": "Dr. Ann Smith",
        "follow_up": "2026-12-08 10:30",
    }
    handout = make_handout({k: v for k, v in facts.items() if v}, settings)
    reading = measure([pdf_text(render_pdf(handout, settings, RenderOptions()))])
    assert reading.grade <= 6.0


def test_readability_counts() -> None:
    assert split_sentences("Call Dr. Smith at 10:30. A fever of 100.4 °F is high! Rest.") == [
        "Call Dr. Smith at 10:30.",
        "A fever of 100.4 °F is high!",
        "Rest.",
    ]
    assert [vowel_syllables(w) for w in ("medicine", "needle", "radiology", "bandage", "walk")] == [3, 2, 5, 2, 1]
    assert syllables("osteoporosis") >= 5
    easy = measure(["Rest today.", "Walk a bit more each day."])
    hard = measure(["Postoperative anticoagulation necessitates individualized pharmacological consideration."])
    assert easy.grade < 2 < 12 < hard.grade
    assert hard.smog > easy.smog


# Two short sentences in each language, and each measure worked out by hand from its published
# formula: W words, S sentences, Y syllables (vowel groups; each vowel in Russian), L letters.
KNOWN_SCORES = [
    # Flesch-Kincaid: 0.39 W/S + 11.8 Y/W - 15.59, with W 9, S 2, Y 9
    ("en", "The cat sat on the mat. The dog ran.", 0.39 * 9 / 2 + 11.8 * 9 / 9 - 15.59),
    # Fernández Huerta: 206.84 - 0.60 (100 Y/W) - 1.02 W/S, with W 7, S 2, Y 11 (ga-to, co-me, ca-sa, a-zul)
    ("es", "El gato come. La casa es azul.", 206.84 - 0.60 * 100 * 11 / 7 - 1.02 * 7 / 2),
    # Amstad: 180 - W/S - 58.5 Y/W, with W 7, S 2, Y 8 (Kat-ze; ie, ä, au one vowel each)
    ("de", "Die Katze schläft. Das Haus ist blau.", 180 - 7 / 2 - 58.5 * 8 / 7),
    # Gulpease: 89 + (300 S - 10 L) / W, with W 7, S 2, L 22
    ("it", "Il gatto dorme. La casa è blu.", 89 + (300 * 2 - 10 * 22) / 7),
    # Oborneva: 206.835 - 1.3 W/S - 60.1 Y/W, with W 4, S 2, Y 5 (боль-шой)
    ("ru", "Кот спит. Дом большой.", 206.835 - 1.3 * 4 / 2 - 60.1 * 5 / 4),
    # characters a sentence, punctuation not counted: 4 and 6
    ("zh-Hans", "猫在睡觉。房子是蓝色的。", 5.0),
    # 猫 犬 鳥 が い ま す: the commas and the full stop are not characters a reader takes in
    ("ja", "猫、犬、鳥がいます。", 7.0),
]


@pytest.mark.parametrize(("language", "text", "expected"), KNOWN_SCORES)
def test_each_reading_measure_gives_the_score_worked_out_by_hand(language: str, text: str, expected: float) -> None:
    found = reading([text], language, 6.0)
    assert found.value == pytest.approx(expected, abs=0.051)  # the report rounds to one decimal


def _long_facility_template(tmp_path: Path, paragraphs: int) -> Path:
    """The facility sacroplasty template with ``paragraphs`` more paragraphs of plain advice."""
    folder = tmp_path / "our-templates"
    shutil.copytree(FIXTURES / "facility" / "sacroplasty", folder / "sacroplasty")
    template = folder / "sacroplasty" / "en.xml.j2"
    more = "<p>Walk a little more each day, and rest when you need to.</p>" * paragraphs
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("</handout>", f'<section title="More to know">{more}</section></handout>'))
    return folder


def _page_findings(folder: Path) -> dict[tuple[bool, int], list[str]]:
    report = check_templates(load_settings(templates_dir=folder), ["sacroplasty"])
    return {
        (v.variant.large_print, v.pages): [f.message for f in v.findings if f.code == "pages"]
        for v in report.results[0].variants
    }


def test_the_page_gates_fail_over_two_pages_normal_and_four_in_large_print(tmp_path: Path) -> None:
    at_limit = _page_findings(_long_facility_template(tmp_path / "a", 60))
    assert {pages for large, pages in at_limit if large} == {4}  # four pages in large print pass
    assert all(not messages for (large, _), messages in at_limit.items() if large)
    assert at_limit[(False, 3)] == ["3 pages at normal size (at most 2)"]
    over = _page_findings(_long_facility_template(tmp_path / "b", 90))
    large = {pages: messages for (is_large, pages), messages in over.items() if is_large}
    assert min(large) >= 5 and all(m == [f"{p} pages in large print (at most 4)"] for p, m in large.items())


def test_a_write_in_line_without_blank_label_is_a_warning(tmp_path: Path) -> None:
    """A template with a line to write on (<blank/>) must say what a screen reader reads for it."""

    def warnings(root: str) -> list[str]:
        folder = tmp_path / root
        shutil.copytree(FIXTURES / "facility" / "sacroplasty", folder / "sacroplasty")
        template = folder / "sacroplasty" / "en.xml.j2"
        text = template.read_text(encoding="utf-8").replace("</handout>", "<p>Your visit is on <blank/>.</p></handout>")
        if root == "labelled":
            text = text.replace(" sample_label=", ' blank_label="line to write on" sample_label=')
        template.write_text(text, encoding="utf-8")
        report = check_templates(load_settings(templates_dir=folder), ["sacroplasty"])
        return [f.message for f in report.results[0].findings if f.code == "blank_label"]

    message = "write-in lines (<blank/>) but no blank_label on <handout>: a screen reader reads underscores"
    assert warnings("unlabelled") == [message]
    assert warnings("labelled") == []
