"""The acknowledgement page's barcodes, read as a scanner reads them: the last page rendered at
150 dpi (pdftoppm) and decoded by zxing-cpp, in every variant of every shipped language."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from PIL import Image
from test_archival import failures

from dischargegen.api import RenderOptions, Settings, convert, document_id, make_handout, render_pdf, wants
from dischargegen.config import load_config
from dischargegen.errors import ConfigError
from dischargegen.model import Barcodes, InputKind, PageSize
from dischargegen.qa.samples import sample_facts, variants

FIXTURES = Path(__file__).parent / "fixtures"
MRN = "0012345678"


def scanned(pdf: bytes, folder: Path) -> dict[str, str]:
    """Barcode format -> text, as decoded from the last page at 150 dpi."""
    path = folder / "handout.pdf"
    path.write_bytes(pdf)
    last = len(pikepdf.open(io.BytesIO(pdf)).pages)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-f", str(last), "-l", str(last), str(path), str(folder / "p")], check=True
    )
    image = next(folder.glob("p-*.pgm"))
    with Image.open(image) as picture:
        found = {str(result.format): result.text for result in zxingcpp.read_barcodes(picture)}
    image.unlink()
    return found


def with_barcodes(settings: Settings, code128: str = "{mrn}") -> Settings:
    facility = settings.config.facility._replace(name="Riverside Spine Center", barcodes=Barcodes(code128, True))
    return settings._replace(config=settings.config._replace(facility=facility))


def test_both_barcodes_decode_in_every_variant_of_every_shipped_language(settings: Settings, tmp_path: Path) -> None:
    coded = with_barcodes(settings, "{mrn}-{document_type}")
    wrong: dict[str, object] = {}
    checked = 0
    for procedure in settings.catalog.procedures.values():
        for language in procedure.languages:
            for variant in variants(procedure):
                facts = {**sample_facts(procedure, language, variant), "mrn": MRN}
                handout = make_handout(facts, coded)
                options = RenderOptions(large_print=variant.large_print)
                pdf = render_pdf(handout, coded, options)
                expected = {"Code 128": f"{MRN}-69730-0", "QR Code": document_id(handout, coded, options)}
                found = scanned(pdf, tmp_path)
                checked += 1
                if found != expected or failures(pdf):
                    wrong[f"{procedure.id} {language} {variant.name}"] = (found, failures(pdf))
    assert checked >= 2 * 16 * len(settings.catalog.get("kyphoplasty").languages)
    assert wrong == {}


def test_the_qr_code_is_the_document_reference_master_identifier(settings: Settings, tmp_path: Path) -> None:
    coded = with_barcodes(settings)
    source = FIXTURES / "fhir" / "valid" / "synthea-raymon-kyphoplasty.json"
    out = convert(source.read_bytes(), InputKind.FHIR, coded, {}, RenderOptions(), wants(True))
    docref = json.loads(out.document_reference or b"{}")
    found = scanned(out.pdf, tmp_path)
    assert found["QR Code"] == docref["masterIdentifier"]["value"]
    assert found["QR Code"].startswith("urn:uuid:")
    # this record's MRN is a 36-character UUID, a Code 128 wider than the column: none is printed
    # (it would run off the page, unreadable), and a warning says so
    assert set(found) == {"QR Code"}
    assert any(warning.startswith("barcode.code128") for warning in out.handout.warnings)


def test_the_mdm_files_the_pdf_under_the_identifier_the_qr_code_carries(settings: Settings, tmp_path: Path) -> None:
    coded = with_barcodes(settings, "{mrn}/{encounter}")
    source = FIXTURES / "hl7" / "valid" / "adt-a03-kyphoplasty-cr.hl7"
    out = convert(source.read_bytes(), InputKind.HL7, coded, {}, RenderOptions(), wants(mdm=True))
    txa = next(s for s in (out.mdm or b"").decode().split("\r") if s.startswith("TXA")).split("|")
    found = scanned(out.pdf, tmp_path)
    assert found["QR Code"] == "urn:uuid:" + txa[12].split("^")[0]
    assert found["Code 128"] == "PATID1234/40007716"  # PID-3's MRN and PV1-19's visit number, as sent


def test_no_barcode_section_no_barcode_and_no_mrn_no_code_128(settings: Settings, tmp_path: Path) -> None:
    facts = {"name": "Ann Lee", "date": "2026-11-24", "mrn": MRN}
    assert scanned(render_pdf(make_handout(facts, settings), settings), tmp_path) == {}
    coded = with_barcodes(settings)
    no_mrn = make_handout({"name": "Ann Lee", "date": "2026-11-24"}, coded)
    assert set(scanned(render_pdf(no_mrn, coded), tmp_path)) == {"QR Code"}
    assert [w.split(":")[0] for w in no_mrn.warnings] == ["barcode.code128"]  # the user is told why


def test_an_mrn_a_code_128_cannot_carry_prints_no_code_128_and_says_so(settings: Settings, tmp_path: Path) -> None:
    coded = with_barcodes(settings)
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "mrn": "Ö-12345"}, coded)
    assert set(scanned(render_pdf(handout, coded), tmp_path)) == {"QR Code"}
    assert any(w.startswith("barcode.code128: ") and "Ö" not in w for w in handout.warnings)
    fine = make_handout({"name": "Ann Lee", "date": "2026-11-24", "mrn": MRN}, coded)
    assert fine.warnings == ()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('code128 = "{name}"', r"\{name\} is not one of \{mrn\}, \{encounter\}, \{document_type\}"),
        ('code128 = "{mrn!r}"', "takes no format spec"),
        ('code128 = "{mrn"', "not a valid format"),
        ('code128 = "MRN·{mrn}"', "printable ASCII"),
        ("qr = 1", "must be true or false"),
        ('colour = "red"', "unknown setting"),
    ],
)
def test_a_barcode_setting_that_could_carry_the_name_or_cannot_print_is_refused(
    tmp_path: Path, table: str, message: str
) -> None:
    config = tmp_path / "facility.toml"
    config.write_text(f"[barcode]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(config)


def _words(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x0, top, x1, bottom) on a page, in points from the top left (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        (word, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
        )
    ]


@pytest.mark.parametrize("large_print", [False, True])
def test_the_code_128_line_is_under_its_bars_and_clear_of_everything_else(
    settings: Settings, tmp_path: Path, large_print: bool
) -> None:
    coded = with_barcodes(settings)
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "mrn": MRN, "cause": "trauma"}, coded)
    pdf = render_pdf(handout, coded, RenderOptions(large_print=large_print))
    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    last = len(pikepdf.open(io.BytesIO(pdf)).pages)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-f", str(last), "-l", str(last), str(path), str(tmp_path / "p")], check=True
    )
    with Image.open(next(tmp_path.glob("p-*.pgm"))) as picture:
        bars = next(r for r in zxingcpp.read_barcodes(picture) if str(r.format) == "Code 128")
    corners = [bars.position.top_left, bars.position.top_right, bars.position.bottom_left, bars.position.bottom_right]
    left, right = (min(p.x for p in corners) * 72 / 150, max(p.x for p in corners) * 72 / 150)
    top, bottom = (min(p.y for p in corners) * 72 / 150, max(p.y for p in corners) * 72 / 150)
    words = _words(path, last)
    line = next(w for w in words if w[0] == MRN and w[2] > top)  # not the header's MRN
    assert line[2] >= bottom and left - 1 <= line[1] and line[3] <= right + 1  # under the bars, within their width
    quiet = 0.25 * 72 - 1  # the quiet zone, less a point for rounding
    for word, x0, y0, x1, y1 in words:
        if (word, x0, y0, x1, y1) == line:
            continue
        clear = x1 < left - quiet or x0 > right + quiet or y1 < top - quiet or y0 > line[4]
        assert clear, f"{word!r} is in the Code 128's quiet zone or on its line"


def test_the_widest_code128_printed_decodes_in_the_narrowest_column_and_a_wider_one_is_left_out(
    settings: Settings, tmp_path: Path
) -> None:
    """A4 at normal print has the narrowest column; an MRN whose Code 128 is as wide as allowed
    still decodes there with its quiet zones, one character more and it is left out, with a warning."""
    from dischargegen.layout.barcodes import MAX_CODE128_WIDTH, _code128

    coded = with_barcodes(settings)
    widest = next(f"X{'7' * n}" for n in range(60, 0, -1) if float(_code128(f"X{'7' * n}").width) <= MAX_CODE128_WIDTH)
    wider = widest + "7"
    assert float(_code128(wider).width) > MAX_CODE128_WIDTH
    options = RenderOptions(page_size=PageSize.A4)
    fits = make_handout({"name": "Ann Lee", "date": "2026-11-24", "mrn": widest}, coded)
    assert scanned(render_pdf(fits, coded, options), tmp_path).get("Code 128") == widest and fits.warnings == ()
    over = make_handout({"name": "Ann Lee", "date": "2026-11-24", "mrn": wider}, coded)
    assert "Code 128" not in scanned(render_pdf(over, coded, options), tmp_path)
    assert [w for w in over.warnings if w.startswith("barcode.code128")]
