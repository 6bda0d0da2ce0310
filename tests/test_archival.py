"""Archival and accessible PDFs (issue 11): what a validator, a screen reader and a reader see.

The matrix runs in this one process: every procedure x cause x print size x fact set that
``templates check`` renders, in every language the catalog ships (found, not listed), checked
by ``page-validation`` for PDF/A-2u and PDF/UA-1; and the PDFs inside the write-back documents
made from the EHR fixtures.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import page
import pikepdf
import pytest
from pdfcheck import pdf_text
from PIL import Image, ImageChops

from dischargegen.api import (
    RenderOptions,
    Settings,
    convert,
    layout_pdf,
    make_documents,
    make_handout,
    render_pdf,
    wants,
)
from dischargegen.config import load_config
from dischargegen.errors import ConfigError
from dischargegen.model import InputKind, PdfProfile
from dischargegen.qa.samples import Variant, sample_handout, variants

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).parent.parent / "templates" / "_shared"
ARCHIVAL = ("2u", "ua1")
FULL = Variant(None, True, False)


def failures(pdf: bytes, profiles: tuple[str, ...] = ARCHIVAL) -> list[str]:
    """Every rule ``page-validation`` finds failed, as "profile RULE: message"."""
    found = []
    for profile in profiles:
        report = page.validate_pdf_bytes(pdf, profile=profile)
        found += [f"{profile} {failure.rule_id}: {failure.message}" for failure in report.failures]
    return found


def shipped(settings: Settings) -> list[tuple[str, str]]:
    """(procedure, language) for every template the catalog ships."""
    return [(p.id, language) for p in settings.catalog.procedures.values() for language in p.languages]


def test_every_variant_in_every_shipped_language_is_pdfa_2u_and_pdfua_1(settings: Settings) -> None:
    failed: dict[str, list[str]] = {}
    checked = 0
    for procedure_id, language in shipped(settings):
        procedure = settings.catalog.get(procedure_id)
        for variant in variants(procedure):
            handout = sample_handout(procedure, language, variant, settings)
            pdf = render_pdf(handout, settings, RenderOptions(large_print=variant.large_print))
            checked += 1
            found = failures(pdf)
            if found:
                failed[f"{procedure_id} {language} {variant.name}"] = found
    assert checked >= 2 * 16 * len(settings.catalog.get("kyphoplasty").languages)
    assert failed == {}


def _payloads(outputs: object) -> dict[str, bytes]:
    """The PDFs inside a conversion's write-back documents, decoded."""
    found: dict[str, bytes] = {}
    docref = getattr(outputs, "document_reference", None)
    if docref:
        found["DocumentReference"] = base64.b64decode(json.loads(docref)["content"][0]["attachment"]["data"])
    bundle = getattr(outputs, "bundle", None)
    if bundle:
        binary = json.loads(bundle)["entry"][0]["resource"]
        found["Bundle Binary"] = base64.b64decode(binary["data"])
    mdm = getattr(outputs, "mdm", None)
    if mdm:
        obx = next(s for s in mdm.decode("utf-8").split("\r") if s.startswith("OBX"))
        found["MDM OBX-5"] = base64.b64decode(obx.split("|")[5].split("^")[4], validate=True)
    return found


def test_the_pdfs_in_the_write_back_documents_of_the_ehr_fixtures_pass(settings: Settings) -> None:
    failed: dict[str, list[str]] = {}
    checked = 0
    cases = [(path, InputKind.FHIR) for path in sorted((FIXTURES / "fhir" / "valid").glob("*.json"))]
    cases += [(path, InputKind.HL7) for path in sorted((FIXTURES / "hl7" / "valid").glob("*.hl7"))]
    for path, kind in cases:
        explicit = {"procedure": "kyphoplasty", "date": "2026-11-24"} if "no-pr1" in path.name else {}
        outputs = convert(path.read_bytes(), kind, settings, explicit, RenderOptions(), wants(True, True, True))
        payloads = _payloads(outputs)
        assert len(payloads) == (2 if kind == InputKind.FHIR else 1), path.name
        for what, pdf in payloads.items():
            assert pdf == outputs.pdf
            checked += 1
            found = failures(pdf)
            if found:
                failed[f"{path.name} {what}"] = found
    assert checked == 2 * 3 + 6
    assert failed == {}


def test_pdfa_2b_profile_passes_2b_and_claims_b(settings: Settings) -> None:
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "cause": "osteoporosis"}, settings)
    pdf = render_pdf(handout, settings, RenderOptions(pdf_profile=PdfProfile.PDFA_2B))
    assert failures(pdf, ("2b",)) == []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        xmp = document.Root.Metadata.read_bytes()
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in xmp and b"pdfuaid:part" not in xmp


def test_plain_is_the_layout_stage_output_untouched(settings: Settings) -> None:
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24"}, settings)
    options = RenderOptions(deterministic=True, pdf_profile=PdfProfile.PLAIN)
    pdf = render_pdf(handout, settings, options)
    assert pdf == layout_pdf(make_documents(handout, settings, options), handout, options)
    assert b"/StructTreeRoot" not in pdf and b"/Metadata" not in pdf and b" BDC" not in _content(pdf)
    assert failures(pdf, ("ua1",))  # the validator does tell an untagged PDF apart


def test_no_profile_imports_pikepdf() -> None:
    """The archival objects are ReportLab's own: no profile reopens the PDF (pikepdf, qpdf)."""
    script = (
        "import sys\n"
        "from dischargegen.api import load_settings, make_handout, render_pdf, RenderOptions, PdfProfile\n"
        "s = load_settings()\n"
        "h = make_handout({'name': 'Ann Lee', 'date': '2026-11-24'}, s)\n"
        "for profile in PdfProfile:\n"
        "    render_pdf(h, s, RenderOptions(pdf_profile=profile))\n"
        "    print(profile.value, 'pikepdf' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [f"{profile.value} False" for profile in PdfProfile]


def test_the_document_information_and_the_xmp_give_the_same_time_in_a_half_hour_zone(tmp_path: Path) -> None:
    """Made in India (UTC+05:30), not deterministic: both dates say the offset, minutes too."""
    path = tmp_path / "h.pdf"
    script = (
        "import sys\n"
        "from dischargegen.api import load_settings, make_handout, render_pdf\n"
        "s = load_settings()\n"
        "h = make_handout({'name': 'Ann Lee', 'date': '2026-11-24'}, s)\n"
        "open(sys.argv[1], 'wb').write(render_pdf(h, s))\n"
    )
    env = {**os.environ, "TZ": "Asia/Kolkata"}
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env)
    pdf = path.read_bytes()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        created = str(document.docinfo.CreationDate)
        xmp = document.Root.Metadata.read_bytes().decode()
    assert created.endswith("+05'30'")
    made = re.search(r"<xmp:CreateDate>(.*)</xmp:CreateDate>", xmp)
    assert made is not None
    date, time = created[2:10], created[10:16]
    assert made.group(1).startswith(f"{date[:4]}-{date[4:6]}-{date[6:]}T{time[:2]}:{time[2:4]}:{time[4:]}")
    assert made.group(1).endswith("+05:30")
    assert failures(pdf) == []


# ---- what a screen reader meets: the structure tree ------------------------------------------


def _walk(element: pikepdf.Object, depth: int = 0) -> list[tuple[int, pikepdf.Object]]:
    found = [(depth, element)]
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            found += _walk(kid, depth + 1)
    return found


def elements(document: pikepdf.Pdf) -> list[tuple[int, str, pikepdf.Object]]:
    """(depth, role, element) for each structure element, in reading order."""
    return [(depth, str(e.S)[1:], e) for depth, e in _walk(document.Root.StructTreeRoot.K)]


def test_the_structure_has_headings_in_order_lists_tables_and_figures_with_words(settings: Settings) -> None:
    facts = {
        "name": "Ann Lee",
        "date": "2026-11-24",
        "cause": "osteoporosis",
        "medications": ["Acetaminophen 500 mg|2 pills|every 8 hours|pain"],
    }
    pdf = render_pdf(make_handout(facts, settings), settings)
    document = pikepdf.open(io.BytesIO(pdf))
    found = elements(document)
    roles = [role for _, role, _ in found]
    assert roles[0] == "Document" and roles[1] == "H1"
    levels = [int(role[1]) for role in roles if re.fullmatch(r"H\d", role)]
    assert all(b <= a + 1 for a, b in zip([1, *levels], levels, strict=False)), levels  # no level skipped
    assert {"L", "LI", "LBody", "Table", "TR", "TH", "TD", "Sect", "Figure"} <= set(roles)
    figures = [e for _, role, e in found if role == "Figure"]
    assert all(str(e.get("/Alt", "")).strip() for e in figures)
    calendar = [str(e.Alt) for e in figures if "2026" in str(e.Alt)]
    assert calendar and "Tuesday, November 24, 2026" in calendar[0] and "Tuesday, January 5, 2027" in calendar[0]
    headers = [e for _, role, e in found if role == "TH"]
    assert all(str(e.A.Scope) in ("/Column", "/Row") for e in headers)
    assert document.Root.MarkInfo.Marked is True and str(document.Root.Lang) == "en"
    assert document.Root.ViewerPreferences.DisplayDocTitle is True


def test_a_draft_translation_names_the_language_of_its_english_parts(settings: Settings) -> None:
    drafts = [
        (p.id, code) for p in settings.catalog.procedures.values() for code, t in p.translations.items() if t.draft
    ]
    if not drafts:
        pytest.skip("no draft translation ships")
    procedure, language = drafts[0]
    handout = make_handout(
        {"name": "Ann Lee", "date": "2026-11-24", "procedure": procedure, "language": language}, settings
    )
    assert handout.english_copy
    document = pikepdf.open(io.BytesIO(render_pdf(handout, settings)))
    found = elements(document)
    assert str(document.Root.Lang) == language
    notice = [e for _, role, e in found if role == "P" and str(e.get("/Lang", "")) == "en"]
    assert notice  # the draft notice's English sentence, in the translation's part
    parts = [e for _, role, e in found if role == "Part"]
    assert len(parts) == 1 and str(parts[0].Lang) == "en"  # the English copy that follows the draft
    assert [role for _, role, _ in found].count("H1") == 2


@pytest.mark.parametrize(("name", "language"), [("محمد علي", "ar"), ("Дмитрий Орлов", "ru"), ("李明", "zh")])
def test_a_name_in_another_script_is_marked_with_its_language(settings: Settings, name: str, language: str) -> None:
    """Whom the visit is with, in an English sentence: a screen reader is told the words' language."""
    facts = {"name": "Ann Lee", "date": "2026-11-24", "follow_up_with": name, "phone": "617-555-0100"}
    pdf = render_pdf(make_handout(facts, settings), settings)
    document = pikepdf.open(io.BytesIO(pdf))
    content = document.pages[0].Contents.read_bytes()
    assert f"/Span <</Lang ({language})>> BDC".encode() in content
    assert b"/Lang (en)>> BDC" not in content  # English words are not marked: the document is English
    assert failures(pdf) == []


def _content(pdf: bytes) -> bytes:
    """Every page's content stream, decoded, one after the other."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return b"".join(page.Contents.read_bytes() for page in document.pages)


def _blank_label(language: str) -> str:
    """The ``blank_label`` a shipped handout template gives, read from its source."""
    source = (SHARED / f"spine-augmentation.{language}.xml.j2").read_text(encoding="utf-8")
    found = re.search(r'blank_label="([^"]+)"', source)
    assert found, language
    return found.group(1)


@pytest.mark.parametrize("language", ["es", "hi", "zh-Hans", "ar"])
def test_a_write_in_line_is_read_as_its_label_not_as_underscores(settings: Settings, language: str) -> None:
    """With no facility numbers the handout has lines for the nurse to write them on: a screen
    reader hears the template's ``blank_label`` for each (a span's alternative text), the page
    and its copied text still show the line."""
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "language": language}, settings)
    pdf = render_pdf(handout, settings)
    streams = _content(pdf)
    lines = re.findall(rb"\((_{20,})\) Tj", streams)  # the write-in lines (the header's short ones are not)
    said = re.findall(rb"/Span <</Alt <FEFF([0-9A-F]+)>>> BDC [^()]*\((_{20,})\) Tj EMC", streams)
    assert len(lines) >= 8 and len(said) == len(lines)  # 4 or 5 in the translation, as many in the English copy
    labels = {bytes.fromhex(text.decode()).decode("utf-16-be") for text, _ in said}
    assert labels == {_blank_label(language), _blank_label("en")}
    assert "_" * 20 in pdf_text(pdf)
    plain = render_pdf(handout, settings, RenderOptions(pdf_profile=PdfProfile.PLAIN))
    assert b"/Alt" not in _content(plain) and re.search(rb"\(_{20,}\) Tj", _content(plain))
    assert failures(pdf) == []


def _structure_texts(path: Path) -> list[str]:
    """The text of each paragraph and heading in the order of the structure tree (poppler's
    view), but those in table cells: pdftotext reads a table a column at a time."""
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    texts: list[str] = []
    open_roles: list[tuple[int, str]] = []  # (indent, role) of the elements around the line
    for line in out.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped or stripped.startswith("/"):
            continue
        while open_roles and open_roles[-1][0] >= indent:
            open_roles.pop()
        if not stripped.startswith('"'):
            open_roles.append((indent, stripped.split()[0].rstrip(":")))
            continue
        roles = [role for _, role in open_roles]
        if roles and re.fullmatch(r"P|H\d", roles[-1]) and "TR" not in roles:
            texts.append(re.sub(r"\s+", "", stripped.strip('"')))
    return [text for text in texts if text]


def _visual_text(path: Path, columns: bool) -> str:
    """The text of the pages as the eye reads them, from where poppler finds each line: a page in
    ``columns`` (normal print) a column at a time, a line starting in the left half being in the
    left column (a full-width line starts there too, and is above the columns); each column top to
    bottom, a row of it (a label and its date) left to right. Bullets and bare day numbers (the
    calendar's, and its marks) are left out: artifacts beside an item's middle, they would fall
    between its lines."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True)
    page_tag = re.compile(r'<page width="([\d.]+)"')
    line_tag = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</line>', re.DOTALL)
    word_tag = re.compile(r"<word [^>]*>(.*?)</word>")
    texts: list[str] = []
    for chunk in out.stdout.split("</page>")[:-1]:
        middle = float(page_tag.search(chunk).group(1)) / 2  # type: ignore[union-attr]
        lines = sorted(
            (columns and float(x) >= middle, float(y), float(x), "".join(word_tag.findall(words)))
            for x, y, words in line_tag.findall(chunk)
        )
        rows: list[list[tuple[bool, float, float, str]]] = []
        for line in lines:  # lines of one column less than 3 pt apart in height are one row
            if rows and rows[-1][0][0] == line[0] and line[1] - rows[-1][0][1] < 3:
                rows[-1].append(line)
            else:
                rows.append([line])
        for row in rows:
            texts += [
                text for *_, text in sorted(row, key=lambda line: line[2]) if not re.fullmatch(r"\d{1,2}|•", text)
            ]
    return html.unescape(re.sub(r"\s+", "", "".join(texts)))


def _assert_in_order(texts: list[str], seen: str, what: str) -> None:
    at = 0
    for text in texts:
        found = seen.find(text, at)
        assert found >= 0, f"{text!r} is not where {what} puts it (after {seen[max(0, at - 40) : at]!r})"
        at = found + len(text)


@pytest.mark.parametrize("language", ["en", "es", "zh-Hans"])
@pytest.mark.parametrize("large_print", [True, False], ids=["large", "normal"])
def test_reading_order_is_the_visual_order_and_pages_look_the_same(
    settings: Settings, tmp_path: Path, language: str, large_print: bool
) -> None:
    facts = {"name": "Ann Lee", "date": "2026-11-24", "cause": "osteoporosis", "language": language}
    handout = make_handout(facts, settings)
    tagged, plain = tmp_path / "tagged.pdf", tmp_path / "plain.pdf"
    tagged.write_bytes(render_pdf(handout, settings, RenderOptions(large_print=large_print)))
    plain.write_bytes(render_pdf(handout, settings, RenderOptions(large_print, pdf_profile=PdfProfile.PLAIN)))
    assert "Tagged:          yes" in subprocess.run(["pdfinfo", str(tagged)], capture_output=True, text=True).stdout
    assert pdf_text(tagged.read_bytes()) == pdf_text(plain.read_bytes())
    assert_looks_the_same(tagged, plain, tmp_path)
    structure = _structure_texts(tagged)
    assert len(structure) > 20
    # the structure tree (what a screen reader follows) reads as the eye does, columns and all
    _assert_in_order(structure, _visual_text(tagged, columns=not large_print), "the page")
    # and so does the text in the order it is drawn (pdftotext -raw: a tool that copies or indexes)
    raw = subprocess.run(["pdftotext", "-raw", str(tagged), "-"], capture_output=True, text=True, check=True).stdout
    _assert_in_order(structure, re.sub(r"\s+", "", raw), "pdftotext -raw")
    if large_print:  # one column: pdftotext's own reading, which finds columns by guessing, agrees
        seen = re.sub(
            r"\s+", "", subprocess.run(["pdftotext", str(tagged), "-"], capture_output=True, text=True).stdout
        )
        _assert_in_order(structure, seen, "pdftotext")


PIXEL_TOLERANCE = 0.001  # share of a page's pixels (at 50 dpi, grey) that may differ at all


def assert_looks_the_same(a: Path, b: Path, folder: Path) -> None:
    for path in (a, b):
        subprocess.run(["pdftoppm", "-r", "50", "-gray", str(path), str(folder / path.stem)], check=True)
    pages_a, pages_b = sorted(folder.glob(f"{a.stem}-*.pgm")), sorted(folder.glob(f"{b.stem}-*.pgm"))
    assert len(pages_a) == len(pages_b) > 0
    for x, y in zip(pages_a, pages_b, strict=True):
        one, two = Image.open(x), Image.open(y)
        assert one.size == two.size
        histogram = ImageChops.difference(one, two).histogram()
        assert sum(histogram[1:]) <= PIXEL_TOLERANCE * one.size[0] * one.size[1], x.name


# ---- the option and the setting ----------------------------------------------------------------


def test_facility_config_chooses_the_profile_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    config = tmp_path / "facility.toml"
    config.write_text('[facility]\npdf_profile = "pdfa-2b"\n', encoding="utf-8")
    assert load_config(config).facility.pdf_profile == PdfProfile.PDFA_2B
    config.write_text('[facility]\npdf_profile = "pdfa-1a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"facility\.pdf_profile"):
        load_config(config)


@pytest.mark.parametrize(
    "command",
    [
        ["make", "--name", "Ann Lee", "--date", "2026-11-24"],
        ["from-fhir", str(FIXTURES / "fhir" / "valid" / "synthea-raymon-kyphoplasty.json")],
    ],
    ids=["make", "from-fhir"],
)
def test_the_facility_setting_chooses_the_profile_and_the_option_wins(tmp_path: Path, command: list[str]) -> None:
    from click.testing import CliRunner

    from dischargegen.cli import main

    def made(profile: str, *option: str) -> bytes:
        config = tmp_path / f"{profile}.toml"
        config.write_text(f'[facility]\npdf_profile = "{profile}"\n', encoding="utf-8")
        run = CliRunner().invoke(main, [*command, "--config", str(config), "-o", "-", *option])
        assert run.exit_code == 0 and run.stdout_bytes.startswith(b"%PDF-"), run.output
        return run.stdout_bytes

    untagged, archived = made("plain"), made("pdfa-2b")
    assert b"/StructTreeRoot" not in untagged and b"/Metadata" not in untagged
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in archived and failures(archived, ("2b",)) == []
    tagged = made("plain", "--pdf-profile", "pdfa-2u+ua-1")
    assert b"/StructTreeRoot" in tagged and failures(tagged) == []
