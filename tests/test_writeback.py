"""Writing back: DocumentReference and transaction Bundle (validated with fhir.resources R4B),
MDM^T02 (parsed back with python-hl7); the PDF inside each is decoded and checked."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import click
import hl7
import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from pdfcheck import pdf_text

from dischargegen.cli import main
from dischargegen.sinks.mdm import escape

FHIR = Path(__file__).parent / "fixtures" / "fhir" / "valid"
HL7 = Path(__file__).parent / "fixtures" / "hl7" / "valid"
RAYMON = FHIR / "synthea-raymon-kyphoplasty.json"


def run(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


def test_document_reference_is_valid_r4_and_carries_the_pdf(tmp_path: Path) -> None:
    run("from-fhir", str(RAYMON), "-o", "h.pdf", "--document-reference", "docref.json")
    pdf = (tmp_path / "h.pdf").read_bytes()
    data = json.loads((tmp_path / "docref.json").read_text())
    model = DocumentReference.model_validate(data)
    assert model.status == "current" and model.docStatus == "final"
    assert [(c.system, c.code) for c in model.type.coding] == [("http://loinc.org", "69730-0")]
    assert data["subject"]["reference"] == "Patient/5d08f7da-5a78-4d35-afec-9d2c2c0245ee"
    assert data["subject"]["identifier"]["value"] == "ca5da59f-0a70-470d-8b20-a1c847ff9010"
    assert data["context"]["encounter"] == [{"reference": "Encounter/5d534e2f-2194-48dc-88b6-31c0242ea833"}]
    assert data["context"]["related"] == [{"reference": "Procedure/a1b2c3d4-0000-4000-8000-000000022513"}]
    assert data["custodian"]["reference"] == "Organization/4861d01f-019c-3dac-a153-8334e50919f9"
    attachment = data["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf" and attachment["language"] == "en"
    assert attachment["title"] == "Kyphoplasty: discharge instructions" and attachment["creation"]
    embedded = base64.b64decode(attachment["data"])
    assert embedded == pdf
    assert attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert "Raymon Kris" in pdf_text(embedded)


def test_transaction_bundle_posts_binary_and_reference_by_urn(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["from-fhir", "-", "-o", "h.pdf", "--bundle-out", "writeback.json"], input=RAYMON.read_bytes()
    )
    assert result.exit_code == 0, result.output
    pdf = (tmp_path / "h.pdf").read_bytes()
    data = json.loads((tmp_path / "writeback.json").read_text())
    Bundle.model_validate(data)
    assert data["type"] == "transaction"
    binary, reference = data["entry"]
    assert binary["request"] == {"method": "POST", "url": "Binary"}
    assert reference["request"] == {"method": "POST", "url": "DocumentReference"}
    assert binary["fullUrl"].startswith("urn:uuid:") and binary["resource"]["contentType"] == "application/pdf"
    assert base64.b64decode(binary["resource"]["data"]) == pdf
    attachment = reference["resource"]["content"][0]["attachment"]
    assert attachment["url"] == binary["fullUrl"] and "data" not in attachment
    assert attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    DocumentReference.model_validate(reference["resource"])


@pytest.mark.parametrize("ed_type, subtype", [("AP", "PDF"), ("application", "pdf")])
def test_mdm_t02_round_trips_through_python_hl7(tmp_path: Path, ed_type: str, subtype: str) -> None:
    source = HL7 / "adt-a03-kyphoplasty-mllp-crlf.hl7"
    run("from-hl7", str(source), "-o", "h.pdf", "--mdm", "mdm.hl7", "--mdm-ed-type", ed_type)
    pdf = (tmp_path / "h.pdf").read_bytes()
    raw = (tmp_path / "mdm.hl7").read_bytes()
    assert b"\n" not in raw and raw.endswith(b"\r")
    message = hl7.parse(raw.decode("utf-8"))
    msh = message.segment("MSH")
    assert str(msh[9]) == "MDM^T02^MDM_T02" and str(msh[12]) == "2.5.1"
    assert str(msh[5]) == "ADTApp"  # answers the sending application of the ADT^A03
    assert [str(s[0]) for s in message] == ["MSH", "EVN", "PID", "PV1", "TXA", "OBX"]
    # PID and PV1 are the input's, byte for byte
    input_segments = source.read_bytes().strip(b"\x0b\x1c\r\n").decode().split("\r\n")
    assert str(message.segment("PID")) in input_segments
    assert str(message.segment("PV1")) in input_segments
    txa = message.segment("TXA")
    assert str(txa[2]) == "PI" and str(txa[17]) == "DO"
    assert txa.extract_field(1, 12, 1, 1) and str(txa[16]).endswith("-PATID1234.pdf")
    obx = message.segment("OBX")
    assert str(obx[2]) == "ED" and str(obx[3]) == "69730-0^Instructions^LN" and str(obx[11]) == "F"
    assert obx.extract_field(1, 5, 1, 2) == ed_type and obx.extract_field(1, 5, 1, 3) == subtype
    assert obx.extract_field(1, 5, 1, 4) == "Base64"
    embedded = base64.b64decode(obx.extract_field(1, 5, 1, 5), validate=True)
    assert embedded == pdf
    assert "ADAM A EVERYMAN" in pdf_text(embedded)


def test_same_pdf_gets_the_same_document_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for name in ("a", "b"):
        run("from-fhir", str(RAYMON), "-o", f"{name}.pdf", "--deterministic", "--document-reference", f"{name}.json")
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("a", "b"))
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert a == b and a["date"] == "2026-01-01T00:00:00+00:00"


def test_hl7_escaping_of_text_we_write() -> None:
    assert escape("a|b^c~d\\e&f", "|^~\\&") == "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f"


def test_failed_input_writes_no_writeback(tmp_path: Path) -> None:
    bad = Path(__file__).parent / "fixtures" / "fhir" / "invalid" / "dangling-encounter.json"
    result = CliRunner().invoke(
        main, ["from-fhir", str(bad), "-o", "h.pdf", "--document-reference", "d.json", "--bundle-out", "b.json"]
    )
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_no_writeback_when_the_pdf_cannot_be_written(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["from-fhir", str(RAYMON), "-o", "missing/h.pdf", "--document-reference", "d.json"]
    )
    assert result.exit_code == 1 and result.output.startswith("Error: missing/h.pdf")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["from-fhir", "from-hl7"])
def test_every_make_option_is_accepted(command: str) -> None:
    context = click.Context(main)
    make = {p.name for p in main.get_command(context, "make").params} - {"input_file"}
    assert make <= {p.name for p in main.get_command(context, command).params}
