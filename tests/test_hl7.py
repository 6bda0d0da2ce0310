"""from-hl7: ADT^A03 in (plain or MLLP, CR/LF/CRLF), a handout out; bad messages name the HL7 field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_text

from dischargegen.api import Settings, code_map
from dischargegen.cli import main
from dischargegen.errors import SourceError
from dischargegen.sources.codes import CodeMap
from dischargegen.sources.hl7v2 import read_message

FIXTURES = Path(__file__).parent / "fixtures" / "hl7"
KYPHO = FIXTURES / "valid" / "adt-a03-kyphoplasty-lf.hl7"
NO_PR1 = FIXTURES / "valid" / "adt-a03-no-pr1.hl7"
WITH_PR1 = ["adt-a03-kyphoplasty-lf.hl7", "adt-a03-kyphoplasty-cr.hl7", "adt-a03-kyphoplasty-mllp-crlf.hl7"]

INVALID = {
    "empty.hl7": ("input", "empty"),
    "binary-garbage.hl7": ("message", "binary data"),
    "not-hl7.hl7": ("MSH", "not an HL7 v2 message"),
    "no-pid.hl7": ("PID", "no PID segment"),
    "truncated-pid.hl7": ("PID-5", "truncated"),
    "truncated-mllp.hl7": ("message", "MLLP frame is not closed"),
    "line-break-in-field.hl7": ("segment 5", "line break"),
    "bad-procedure-date.hl7": ("PR1-5", "not a real calendar date"),
    "mdm-not-adt.hl7": ("MSH-9", "not ADT^A03"),
}


@pytest.fixture(scope="module")
def codes(settings: Settings) -> CodeMap:
    return code_map(settings)


def test_fixture_folders_are_all_covered() -> None:
    assert sorted(p.name for p in (FIXTURES / "valid").iterdir()) == sorted([*WITH_PR1, NO_PR1.name])
    assert sorted(p.name for p in (FIXTURES / "invalid").iterdir()) == sorted(INVALID)


@pytest.mark.parametrize("name", WITH_PR1)
def test_every_framing_and_line_ending_gives_the_same_facts(name: str, codes: CodeMap) -> None:
    record = read_message((FIXTURES / "valid" / name).read_bytes(), codes)
    assert record.facts == {
        "name": "ADAM A EVERYMAN",  # PID-5 family&...^given^middle, first repetition
        "mrn": "PATID1234",  # PID-3 repetition whose CX.5 is MR
        "dob": __import__("datetime").date(1988, 8, 18),
        "language": "ar",  # PID-15 'ara' (table 0296) as BCP-47
        "procedure": "kyphoplasty",  # PR1-3 22513^...^C4
        "date": __import__("datetime").date(2005, 1, 25),
        "surgeon": "Dr Harold Patrick",  # PR1-11
    }
    assert record.context.pid.startswith("PID|1|") and record.context.pv1.startswith("PV1|1|P|")


@pytest.mark.parametrize("name", WITH_PR1)
def test_valid_message_makes_a_handout(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-hl7", str(FIXTURES / "valid" / name), "-o", "h.pdf"])
    assert result.exit_code == 0, result.output
    assert "Warning: language: no kyphoplasty template in 'ar'" in result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    for words in ("ADAM A EVERYMAN", "January 25, 2005", "Dr Harold Patrick"):
        assert words in text
    assert "EVERYMAN" not in result.output


def test_without_pr1_procedure_and_date_are_required(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["from-hl7", str(NO_PR1), "-o", "h.pdf"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: PR1: the message has no PR1 segment: give --procedure and --date"
    result = runner.invoke(
        main,
        [
            "from-hl7",
            str(NO_PR1),
            "-o",
            "h.pdf",
            "--procedure",
            "kyphoplasty",
            "--date",
            "2026-11-20",
            "--language",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    assert "ADAM A EVERYMAN" in text and "November 20, 2026" in text


def test_unmapped_pr1_code_says_what_to_do(codes: CodeMap) -> None:
    data = KYPHO.read_bytes().replace(b"22513^Kyphoplasty thoracic^C4", b"76164006^Biopsy^SCT")
    [pending] = read_message(data, codes).pending
    assert pending.field == "PR1-3" and "76164006 (SCT)" in pending.message and pending.needs == ("procedure", "date")
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=data)
    assert result.exit_code == 2
    assert result.output.startswith("Error: PR1-3: no PR1 procedure code is in the procedure code map")
    assert result.output.rstrip().endswith("give --procedure and --date, or add the code to the config's [codes]")


def test_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=KYPHO.read_bytes())
    assert result.exit_code == 0, result.output
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_message_is_one_line_naming_the_field(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-hl7", str(FIXTURES / "invalid" / name), "-o", "h.pdf", "--mdm", "m.hl7"])
    field, phrase = INVALID[name]
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"Error: {field}: ") and phrase in lines[0]
    assert "EVERYMAN" not in lines[0] and "ADAM" not in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_fifty_megabytes_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.hl7"
    big.write_bytes(KYPHO.read_bytes() + b"NTE|1||" + b"x" * (50 * 1024 * 1024))
    result = CliRunner().invoke(main, ["from-hl7", str(big), "-o", "h.pdf"])
    assert result.exit_code == 2 and "larger than the 20 MB input limit" in result.output
    assert not (tmp_path / "h.pdf").exists()


def test_two_messages_in_one_input_are_refused(codes: CodeMap) -> None:
    data = KYPHO.read_bytes()
    with pytest.raises(SourceError, match=r"^MSH: more than one message"):
        read_message(data + b"\n" + data, codes)
