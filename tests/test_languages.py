"""Handouts in the patient's language: codes as records give them, translation metadata and
its review status, the draft notice and the English copy, numbers and dates written the
language's way, Chinese and Japanese line breaking, and parity with English."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import body_font_sizes, fonts_not_embedded, pdf_pages, pdf_text

from dischargegen import api
from dischargegen.catalog import SHIPPED_TEMPLATES, load_catalog
from dischargegen.cli import main
from dischargegen.config import Config, LanguagePolicy
from dischargegen.content.build import DRAFT_NOTICE, ENGLISH_FOLLOWS
from dischargegen.content.locale_data import decimal
from dischargegen.content.typography import day_written, tie
from dischargegen.errors import TemplateError
from dischargegen.languages import RIGHT_TO_LEFT, negotiate, normalize, well_formed
from dischargegen.layout.text import units
from dischargegen.model import RenderOptions

SHIPPED = (
    "ar", "de", "en", "es", "fr", "hi", "ht", "it", "ja", "ko", "pl", "pt", "ru", "tl", "vi", "zh-Hans", "zh-Hant"
)  # fmt: skip
PATIENT = {"name": "Ann Lee", "date": "2026-11-24", "dob": "1948-03-02", "mrn": "0012345"}


# ---- codes as records give them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es", "es"), ("es-MX", "es"), ("es_US", "es"), ("ES-419", "es"), ("spa", "es"),
        ("zh", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-Hans", "zh-Hans"), ("chi", "zh-Hans"),
        ("zho", "zh-Hans"), ("cmn", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh-MO", "zh-Hant"),
        ("zh-Hant", "zh-Hant"), ("zh_hant_tw", "zh-Hant"), ("zh-Hant-CN", "zh-Hant"), ("yue", "zh-Hant"),
        ("fil", "tl"), ("tgl", "tl"), ("tl-PH", "tl"), ("fre", "fr"), ("fra", "fr"), ("fr-CA", "fr"),
        ("ger", "de"), ("deu", "de"), ("pt-BR", "pt"), ("por", "pt"), ("hat", "ht"), ("jpn", "ja"),
        ("kor", "ko"), ("ko-KR", "ko"), ("vie", "vi"), ("rus", "ru"), ("pol", "pl"), ("ita", "it"),
        ("eng", "en"), ("en-GB", "en"), ("hin", "hi"), ("hi-IN", "hi"), ("ara", "ar"), ("ar-SA", "ar"),
        ("ar-EG", "ar"),
    ],
)  # fmt: skip
def test_every_code_form_finds_its_template(code: str, language: str) -> None:
    assert well_formed(code)
    assert negotiate(code, SHIPPED) == language


@pytest.mark.parametrize("code", ["nl", "nld", "so", "som", "he", "heb", "am"])
def test_a_language_without_a_template_finds_none(code: str) -> None:
    assert negotiate(code, SHIPPED) is None


@pytest.mark.parametrize("code", ["", "e", "español", "es--MX", "1es", "es MX", "x" * 36])
def test_a_malformed_code_is_not_a_language(code: str) -> None:
    assert not well_formed(code)


def test_the_shipped_templates_are_the_languages_the_issue_names() -> None:
    catalog = load_catalog(None)
    for procedure in catalog.procedures.values():
        assert procedure.languages == tuple(sorted(SHIPPED))
        assert normalize("zh") in procedure.languages


# ---- translation metadata and review status ----------------------------------------------------


def test_every_translation_is_a_draft_that_says_who_made_it() -> None:
    for procedure in load_catalog(None).procedures.values():
        assert set(procedure.translations) == set(SHIPPED) - {"en"}
        for translation in procedure.translations.values():
            assert translation.status == "draft" and translation.draft
            assert translation.reviewer_role is None and translation.reviewed is None  # no review claimed
            assert "AI language model" in translation.translated_by
            assert translation.source_version == procedure.version


@pytest.fixture
def kyphoplasty_copy(tmp_path: Path) -> Path:
    """A templates folder with a copy of the shipped kyphoplasty (English and Spanish)."""
    folder = tmp_path / "templates"
    (folder / "kyphoplasty").mkdir(parents=True)
    shutil.copytree(SHIPPED_TEMPLATES / "_shared", folder / "_shared")
    for name in ("procedure.toml", "en.xml.j2", "es.xml.j2", "es.toml"):
        shutil.copy(SHIPPED_TEMPLATES / "kyphoplasty" / name, folder / "kyphoplasty" / name)
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('status = "draft"', 'status = "final"'), "translation.status must be one of: draft"),
        (
            lambda t: t + 'reviewer_role = "medical translator"\n',
            "a draft has no reviewer_role or reviewed date: no review happened",
        ),
        (
            lambda t: t.replace('status = "draft"', 'status = "reviewed"'),
            "a reviewed translation needs reviewer_role and reviewed (a date)",
        ),
        (lambda t: t.replace("title = ", "name = "), "translation.title is missing or not a text"),
        (lambda t: t.replace("[translation]", "[other]"), "the [translation] table is missing"),
    ],
)
def test_translation_metadata_is_checked(kyphoplasty_copy: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = kyphoplasty_copy / "kyphoplasty" / "es.toml"
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    catalog = load_catalog(kyphoplasty_copy)
    error = catalog.broken["kyphoplasty"]
    assert error.file == str(path) and message in error.message


def test_a_translation_without_its_metadata_is_refused(kyphoplasty_copy: Path) -> None:
    (kyphoplasty_copy / "kyphoplasty" / "es.toml").unlink()
    error = load_catalog(kyphoplasty_copy).broken["kyphoplasty"]
    assert "es.xml.j2 has no es.toml" in error.message


def test_a_reviewed_translation_prints_no_draft_notice(kyphoplasty_copy: Path) -> None:
    path = kyphoplasty_copy / "kyphoplasty" / "es.toml"
    text = path.read_text(encoding="utf-8").replace('status = "draft"', 'status = "reviewed"')
    path.write_text(
        text + 'reviewer_role = "ATA-certified medical translator"\nreviewed = 2026-11-20\n', encoding="utf-8"
    )
    settings = api.load_settings(None, kyphoplasty_copy)
    handout = api.make_handout({**PATIENT, "language": "es"}, settings)
    assert not handout.english_copy
    text = pdf_text(api.render_pdf(handout, settings))
    assert DRAFT_NOTICE not in text and "Going home after your kyphoplasty" not in text


# ---- the draft notice and the English copy ------------------------------------------------------


def _notice(language: str, settings: api.Settings) -> str:
    handout = api.make_handout({**PATIENT, "language": language}, settings)
    return api.make_document(handout, settings).tree.attrs["draft_notice"]


def test_a_draft_says_so_in_both_languages_and_english_follows(settings: api.Settings) -> None:
    handout = api.make_handout({**PATIENT, "language": "es-MX"}, settings)
    assert handout.language == "es" and handout.english_copy and handout.warnings == ()
    pages = pdf_pages(api.render_pdf(handout, settings))
    cut = next(i for i, page in enumerate(pages) if "Going home after your kyphoplasty" in page)
    spanish, english = pages[:cut], pages[cut:]
    assert 1 <= len(spanish) <= 2 and 1 <= len(english) <= 2
    flat = " ".join(spanish[0].split())
    assert " ".join(_notice("es", settings).split()) in flat
    assert f"{DRAFT_NOTICE} {ENGLISH_FOLLOWS}" in flat
    assert english[0].lstrip().startswith("Going home after your kyphoplasty")  # the English copy opens a page
    # each part numbers its own pages, in its own language
    assert f"Page 1 of {len(english)}" in english[0]
    assert "Page 1 of" not in spanish[0]
    assert "martes, 24 de noviembre de 2026" in " ".join(" ".join(spanish).split())


def test_a_facility_that_requires_reviewed_translations_gets_english(settings: api.Settings) -> None:
    strict = api.Settings(Config(languages=LanguagePolicy(require_reviewed=True)), settings.catalog)
    handout = api.make_handout({**PATIENT, "language": "es"}, strict)
    assert handout.language == "en" and not handout.english_copy
    assert handout.warnings == (
        "language: the kyphoplasty translation in 'es' is a draft (not yet reviewed by a qualified medical"
        " translator) and this facility requires reviewed ones; the handout is in 'en'",
    )


def test_a_facility_may_turn_the_english_copy_off(settings: api.Settings) -> None:
    alone = api.Settings(Config(languages=LanguagePolicy(english_copy=False)), settings.catalog)
    handout = api.make_handout({**PATIENT, "language": "es"}, alone)
    pages = pdf_pages(api.render_pdf(handout, alone))
    text = " ".join(" ".join(pages).split())
    assert DRAFT_NOTICE in text and ENGLISH_FOLLOWS not in text
    assert "Going home after your kyphoplasty" not in text and len(pages) <= 2


def test_the_languages_table_of_the_config_is_checked(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("[languages]\nrequire_reviewed = 'yes'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["make", "--config", "c.toml", "--name", "A B", "--date", "2026-11-24"])
    assert result.exit_code == 2
    assert result.output.strip().endswith("languages.require_reviewed: must be true or false")


SPANISH_PHRASES = """[facility]
name = "Riverside Spine Center"
phone = "617-555-0100"
clinic = "the spine clinic"
[facility.translations.es-MX]
name = "Centro de Columna Riverside"
clinic = "la clínica de columna"
"""


def test_the_facility_words_its_phrases_in_each_language(tmp_path: Path) -> None:
    """The clinic's name in a Spanish sentence is the facility's Spanish wording; the English
    copy that follows keeps the English one."""
    (tmp_path / "c.toml").write_text(SPANISH_PHRASES, encoding="utf-8")
    args = ["make", "--config", "c.toml", "--name", "Ana Ruiz", "--date", "2026-11-24", "--lang", "es", "-o", "h.pdf"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    spanish, english = _poppler_text((tmp_path / "h.pdf").read_bytes(), tmp_path).split("Going home after")
    spanish, english = " ".join(spanish.split()), " ".join(english.split())
    assert "la clínica de columna" in spanish and "Centro de Columna Riverside" in spanish
    assert "the spine clinic" not in spanish and "Riverside Spine Center" not in spanish
    assert "the spine clinic" in english and "Riverside Spine Center" in english


CLINIC = '[facility]\nclinic = "x"\n'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[facility.translations.es]\nclinic = "y"\n', "es.clinic: translates facility.clinic, which is not set"),
        (CLINIC + '[facility.translations.es]\nfax = "1"\n', "facility.translations.es.fax: unknown setting"),
        (CLINIC + '[facility.translations."es MX"]\nclinic = "y"\n', "is not a language code"),
        (CLINIC + '[facility.translations.es]\nclinic = ""\n', "must be a non-empty string"),
        (CLINIC + 'translations = "es"\n', "facility.translations: must be a table of language tables"),
    ],
)  # fmt: skip
def test_the_facility_translations_are_checked(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "c.toml").write_text(table, encoding="utf-8")
    result = CliRunner().invoke(main, ["make", "--config", "c.toml", "--name", "A B", "--date", "2026-11-24"])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


# ---- numbers, weights and dates the language's way -------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["1,000", "100.4", "4.5"]), ("es", ["1.000", "100,4", "4,5"]), ("de", ["1.000", "100,4", "4,5"]),
     ("fr", ["1\u202f000", "100,4", "4,5"]), ("ru", ["1\xa0000", "100,4", "4,5"]),
     ("zh-Hans", ["1,000", "100.4", "4.5"])],
)  # fmt: skip
def test_numbers_keep_their_decimals_in_the_language_s_marks(language: str, expected: list[str]) -> None:
    assert [decimal(t, language) for t in ("1000", "100.4", "4.5")] == expected


def test_a_spanish_handout_writes_its_fever_weight_and_dates_in_spanish(settings: api.Settings) -> None:
    metric = api.Settings(Config(facility=settings.config.facility._replace(units="kg")), settings.catalog)
    facts = {**PATIENT, "language": "es", "restrictions": ["lifting=4.5kg:6w"]}
    text = " ".join(pdf_text(api.render_pdf(api.make_handout(facts, metric), metric)).split())
    assert "100,4 °F (38,0 °C)" in text
    assert "4,5 kg" in text and "4.5 kg" not in text.split("Going home")[0]
    assert "martes, 5 de enero de 2027" in text  # the lifting limit ends, six weeks on


# ---- Chinese and Japanese line breaking ----------------------------------------------------


def test_units_break_around_each_han_character_but_not_before_closing_marks() -> None:
    assert units("请在术后休息。") == ["请", "在", "术", "后", "休", "息。"]
    assert units("（注意）请") == ["（注", "意）", "请"]
    assert units("服用10mg。") == ["服", "用", "10mg。"]
    assert units("ナースに「はい」と") == ["ナー", "ス", "に", "「は", "い」", "と"]
    assert units("kyphoplasty") == ["kyphoplasty"]


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant", "ja"])
def test_no_line_of_a_chinese_or_japanese_handout_starts_with_closing_punctuation(
    settings: api.Settings, language: str
) -> None:
    handout = api.make_handout({**PATIENT, "name": "王芳", "language": language, "cause": "osteoporosis"}, settings)
    alone = api.Settings(Config(languages=LanguagePolicy(english_copy=False)), settings.catalog)
    pages = pdf_pages(api.render_pdf(handout._replace(english_copy=False), alone, RenderOptions()))
    assert len(pages) <= 2
    lines = [line.strip() for page in pages for line in page.splitlines() if line.strip()]
    assert not [line for line in lines if line[0] in "，。、；：！？）」』"]
    assert any("王芳" in line for line in lines)
    assert re.search("2026年11月24日", "".join(lines))


# ---- parity with English ---------------------------------------------------------------------


def _check(folder: Path) -> list[tuple[str, str, str | None, int | None]]:
    report = api.check_templates(api.load_settings(None, folder), ["kyphoplasty"], languages=["es"])
    [result] = report.results
    return [(f.code, f.message, f.file, f.line) for f in result.all_findings() if f.code == "parity"]


def test_the_shipped_spanish_is_at_parity(kyphoplasty_copy: Path) -> None:
    assert _check(kyphoplasty_copy) == []


def test_a_missing_warning_sign_is_a_parity_error_with_its_place(kyphoplasty_copy: Path) -> None:
    shared = kyphoplasty_copy / "_shared" / "spine-augmentation.es.xml.j2"
    lines = shared.read_text(encoding="utf-8").splitlines(keepends=True)
    first_li = next(i for i, line in enumerate(lines) if line.startswith("<li>"))
    del lines[first_li]
    shared.write_text("".join(lines), encoding="utf-8")
    found = _check(kyphoplasty_copy)
    assert found, "a dropped warning sign must fail"
    _, message, file, line = found[0]
    assert (file, line) == (str(shared), first_li + 1)
    assert "<li>" in message and "English" in message


def test_a_variable_english_does_not_use_is_a_parity_error(kyphoplasty_copy: Path) -> None:
    shared = kyphoplasty_copy / "_shared" / "spine-augmentation.es.xml.j2"
    text = shared.read_text(encoding="utf-8")
    text = text.replace("{{ values.ice.minutes }}", "{{ values.sedation.hours }}")
    shared.write_text(text, encoding="utf-8")
    messages = [m for _, m, _, _ in _check(kyphoplasty_copy)]
    assert "does not use name values.ice.minutes" in " ".join(messages)


def test_template_errors_in_a_translation_name_its_file(kyphoplasty_copy: Path) -> None:
    shared = kyphoplasty_copy / "_shared" / "spine-augmentation.es.xml.j2"
    shared.write_text(shared.read_text(encoding="utf-8").replace("</ul>", "</lu>", 1), encoding="utf-8")
    settings = api.load_settings(None, kyphoplasty_copy)
    with pytest.raises(TemplateError) as caught:
        api.render_pdf(api.make_handout({**PATIENT, "language": "es"}, settings), settings)
    assert caught.value.file and caught.value.file.endswith("spine-augmentation.es.xml.j2")


# ---- from the record: HL7 PID-15 in every code form ------------------------------------------

HL7 = (Path(__file__).parent / "fixtures" / "hl7" / "valid" / "adt-a03-kyphoplasty-cr.hl7").read_bytes()


@pytest.mark.parametrize(
    ("pid15", "language"),
    [
        (b"spa^Spanish^HL70296", "es"), (b"SPA^^HL70296", "es"), (b"es-MX", "es"), (b"chi^^HL70296", "zh-Hans"),
        (b"zho", "zh-Hans"), (b"zh-TW", "zh-Hant"), (b"yue", "zh-Hant"), (b"fil", "tl"), (b"tgl^Tagalog", "tl"),
        (b"kor", "ko"), (b"hin", "hi"), (b"vie", "vi"), (b"rus", "ru"), (b"hat", "ht"), (b"fre", "fr"),
        (b"por", "pt"), (b"pol", "pl"), (b"jpn", "ja"), (b"ita", "it"), (b"ger", "de"), (b"eng", "en"),
        (b"ARA^Arabic^HL70296", "ar"), (b"ar-SA", "ar"),
    ],
)  # fmt: skip
def test_pid_15_in_every_code_form_picks_the_handout_language(pid15: bytes, language: str, tmp_path: Path) -> None:
    message = HL7.replace(b"ara^^HL70296", pid15)
    assert message != HL7
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf", "--mdm", "m.hl7"], input=message)
    assert result.exit_code == 0, result.output
    assert "Warning: language" not in result.output
    settings = api.load_settings(None, None)
    record = api.read_record(message, api.InputKind.HL7, api.code_map(settings), {})
    assert api.handout_from_record(record, {}, settings).language == language


def test_a_language_without_a_template_gets_english_with_a_warning(tmp_path: Path) -> None:
    message = HL7.replace(b"ara^^HL70296", b"dut^Dutch^HL70296")
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=message)
    assert result.exit_code == 0, result.output
    assert "Warning: language: no kyphoplasty template in 'nl'; the handout is in 'en'" in result.output


# ---- scripts: Hindi shaped and copied as written, Haitian Creole dates -----------------------


def _poppler_text(pdf: bytes, tmp_path: Path) -> str:
    (tmp_path / "h.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "h.pdf", "-"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout


def test_hindi_is_shaped_and_copies_as_written(settings: api.Settings, tmp_path: Path) -> None:
    handout = api.make_handout({**PATIENT, "name": "सुनीता देवी", "language": "hi"}, settings)
    pdf = api.render_pdf(handout._replace(english_copy=False), settings)
    text = " ".join(_poppler_text(pdf, tmp_path).split())
    assert "सुनीता देवी" in text  # the name in the header: conjuncts and vowel signs as typed
    assert "मंगलवार, 24 नवंबर 2026" in text  # the procedure day, with its weekday
    assert "काइफोप्लास्टी के बाद घर जाना" in text  # the title
    fonts = subprocess.run(["pdffonts", "h.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "NotoSansDevanagari" in fonts and " no " not in fonts.split("\n", 2)[2]  # every font embedded


def test_haitian_creole_dates_are_in_creole(settings: api.Settings) -> None:
    handout = api.make_handout({**PATIENT, "language": "ht"}, settings)
    text = " ".join(pdf_text(api.render_pdf(handout._replace(english_copy=False), settings)).split())
    assert "madi 24 novanm 2026" in text and "2 mas 1948" in text
    assert "Tue" not in text and "M11" not in text


@pytest.mark.parametrize("language", ["zh-Hans", "ja", "ko", "hi", "ru", "vi", "ar"])
def test_every_font_of_a_translation_is_embedded(settings: api.Settings, language: str, tmp_path: Path) -> None:
    handout = api.make_handout({**PATIENT, "language": language}, settings)
    (tmp_path / "h.pdf").write_bytes(api.render_pdf(handout, settings))
    rows = subprocess.run(["pdffonts", "h.pdf"], cwd=tmp_path, capture_output=True, text=True, check=True)
    fonts = rows.stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), rows.stdout  # emb column


# ---- a translation that runs long is set compact, at the same type size ------------------------


def test_a_long_translation_is_laid_out_compact_to_keep_to_two_pages(settings: api.Settings) -> None:
    from dischargegen.layout import render as layout

    facts = {**PATIENT, "language": "de", "procedure": "vertebroplasty", "cause": "trauma", "level": "T12",
             "surgeon": "Dr. Ann Smith", "follow_up": "2026-12-08 10:30"}  # fmt: skip
    handout = api.make_handout(facts, settings)._replace(english_copy=False)
    loose, counts = layout._build(api.make_documents(handout, settings), handout, RenderOptions(), [False])
    assert counts == [3] and len(pdf_pages(loose)) == 3  # at the usual spacing it runs onto a third page
    tight = api.render_pdf(handout, settings)
    assert len(pdf_pages(tight)) == 2
    assert max(body_font_sizes(tight)) == max(body_font_sizes(loose)) >= 12  # the spacing did it, not the type
    assert min(body_font_sizes(tight)) == min(body_font_sizes(loose))


# ---- every language, both procedures, every cause ---------------------------------------------


def test_every_language_procedure_and_cause_prints_its_dates_in_the_language(
    settings: api.Settings, tmp_path: Path
) -> None:
    """The done-when of the languages issue, in one process: exit without a fallback, at most 2
    pages for the translation, and each restriction's end date in full (weekday and month the
    language's way) in the text a reader copies out (poppler: Hindi is shaped)."""
    from babel.dates import format_date

    from dischargegen.content.locale_data import date_locale
    from dischargegen.languages import babel_locale

    alone = api.Settings(Config(languages=LanguagePolicy(english_copy=False)), settings.catalog)
    checked = 0
    for language in SHIPPED:
        locale = date_locale(babel_locale(language))
        for procedure in ("kyphoplasty", "vertebroplasty"):
            for cause in ("osteoporosis", "cancer", "trauma"):
                facts = {**PATIENT, "language": language, "procedure": procedure, "cause": cause}
                handout = api.make_handout(facts, alone)
                assert handout.language == language and handout.warnings == ()
                pdf = api.render_pdf(handout, alone)
                assert len(pdf_pages(pdf)) <= 2, (language, procedure, cause)
                assert fonts_not_embedded(pdf) == [], (language, procedure, cause)
                text = _poppler_text(pdf, tmp_path)
                for restriction in handout.restrictions:
                    written = day_written(
                        str(format_date(restriction.ends, "full", locale=locale)), restriction.ends, language
                    )
                    if language in RIGHT_TO_LEFT:
                        # poppler puts the comma of a right-to-left line beside a number in its
                        # own order (the page's order is read by test_right_to_left): each word
                        words = re.findall(r"\w+", written)
                        assert all(word in text for word in words), (language, procedure, restriction.kind, words)
                    else:
                        assert "".join(written.split()) in "".join(text.split()), (language, procedure, written)
                    checked += 1
    assert checked == len(SHIPPED) * 2 * 3 * 4  # four limits each: lifting, activity, driving, soaking


def test_a_changed_condition_is_a_parity_error_at_its_line(kyphoplasty_copy: Path) -> None:
    shared = kyphoplasty_copy / "_shared" / "spine-augmentation.es.xml.j2"
    lines = shared.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '{% if cause == "trauma" %}' in line)
    lines[at] = lines[at].replace('cause == "trauma"', 'cause == "cancer"')
    shared.write_text("".join(lines), encoding="utf-8")
    found = _check(kyphoplasty_copy)
    assert (found[0][2], found[0][3]) == (str(shared), at + 1)
    assert 'cause == "cancer"' in found[0][1] and "spine-augmentation.en.xml.j2" in found[0][1]


# ---- French print habits ----------------------------------------------------------------------


def test_french_prints_the_first_of_the_month_times_and_colons_the_french_way(tmp_path: Path) -> None:
    """ "1er décembre", "10 h 30", and a space that never breaks before a colon: no line starts
    with one. English keeps "December 1" and "10:30 AM"."""
    args = ["make", "--name", "Ann Lee", "--date", "2026-11-24", "--follow-up", "2026-12-01T10:30", "--lang", "fr"]
    result = CliRunner().invoke(main, [*args, "-o", "h.pdf"])
    assert result.exit_code == 0, result.output
    french, english = _poppler_text((tmp_path / "h.pdf").read_bytes(), tmp_path).split("Going home after")
    flat = " ".join(french.replace("\xa0", " ").replace("\u202f", " ").split())
    assert "mardi 1er décembre 2026 à 10 h 30" in flat
    assert "mardi 24 novembre 2026 : Votre" in flat  # the calendar's list of days
    assert "1 décembre" not in flat and "10:30" not in flat
    assert not [line for line in french.splitlines() if line.lstrip().startswith((":", ";", "?", "!", "»"))]
    assert "Tuesday, December 1, 2026 at 10:30" in " ".join(english.split())


@pytest.mark.parametrize(
    ("text", "tied"),
    [
        ("Autre problème : appelez", "Autre problème\xa0: appelez"),
        ("Vraiment ? Oui ! Non ; peut-être", "Vraiment\u202f? Oui\u202f! Non\u202f; peut-être"),
        ("l’encadré « 911 ».", "l’encadré «\xa0911\xa0»."),
        ("à 10:30", "à 10:30"),  # no space before it: not a French colon
    ],
)
def test_french_spaces_stay_with_the_mark_after_them(text: str, tied: str) -> None:
    assert tie(text, "fr") == tied
    assert tie(text, "en") == text
