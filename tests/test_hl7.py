"""from-hl7: ADT^A03 in (plain or MLLP, CR/LF/CRLF, any declared character set), a handout out;
bad messages name the HL7 field and never quote the message."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pdfcheck import pdf_text

import dischargegen.sources.hl7_text as hl7_text
import dischargegen.sources.hl7v2 as hl7v2
from dischargegen.api import Settings, code_map
from dischargegen.cli import main
from dischargegen.errors import SourceError
from dischargegen.sinks.mdm import escape
from dischargegen.sources import MAX_INPUT_BYTES
from dischargegen.sources.codes import CodeMap
from dischargegen.sources.hl7v2 import read_message

FIXTURES = Path(__file__).parent / "fixtures" / "hl7"
KYPHO = FIXTURES / "valid" / "adt-a03-kyphoplasty-lf.hl7"
NO_PR1 = FIXTURES / "valid" / "adt-a03-no-pr1.hl7"
WITH_PR1 = ["adt-a03-kyphoplasty-lf.hl7", "adt-a03-kyphoplasty-cr.hl7", "adt-a03-kyphoplasty-mllp-crlf.hl7"]
GREEK = FIXTURES / "valid" / "adt-a03-greek-8859-7.hl7"  # MSH-18 8859/7, encoded so
LATIN1 = FIXTURES / "valid" / "adt-a03-latin1-8859-1.hl7"  # MSH-18 8859/1, encoded so
BASE = (FIXTURES / "valid" / "adt-a03-kyphoplasty-cr.hl7").read_bytes()  # one line: segments end in CR
NAME = b"EVERYMAN&&&&Aniston^ADAM^A^III^Dr.^MD^D^^^19241012^^^^PF^Addsm"  # PID-5 repetition 1 in BASE
PATIENT = ("EVERYMAN", "ADAM", "Aniston", "19880818", "PATID1234")  # no error may show these
BOM = b"\xef\xbb\xbf"

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
    valid = [*WITH_PR1, NO_PR1.name, GREEK.name, LATIN1.name]
    assert sorted(p.name for p in (FIXTURES / "valid").iterdir()) == sorted(valid)
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
    assert "Warning: language" not in result.output  # PID-15 'ara': the Arabic handout, then the English copy
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


def test_unmapped_pr1_code_says_what_to_do_without_quoting_it(codes: CodeMap) -> None:
    data = KYPHO.read_bytes().replace(b"22513^Kyphoplasty thoracic^C4", b"76164006^Biopsy^SCT")
    [pending] = read_message(data, codes).pending
    assert pending.field == "PR1-3" and pending.needs == ("procedure", "date")
    assert "76164006" not in pending.message and "SCT" not in pending.message and "Biopsy" not in pending.message
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


# --- helpers for the hardening tests below -------------------------------------------------------


def message(pid5: str | bytes, *, chars: str = "|^~\\&", msh18: str | None = None, data: bytes = BASE) -> bytes:
    """BASE with PID-5 replaced (text as it stands in the message), written with the encoding
    characters ``chars`` (MSH-1 then MSH-2) and, if given, MSH-18 (first repetition)."""
    table = bytes.maketrans(b"|^~\\&", chars[:5].encode("ascii"))
    out = data.translate(table)
    if len(chars) == 6:  # a v2.7 truncation character after the four encoding characters
        out = out.replace(chars[:5].encode("ascii"), chars.encode("ascii"), 1)
    out = out.replace(NAME.translate(table), pid5.encode("utf-8") if isinstance(pid5, str) else pid5)
    if msh18 is not None:
        f = chars[0]
        out = out.replace(f"{f}USA{f}{f}en-US{f}".encode(), f"{f}USA{f}{msh18}{f}en-US{f}".encode("latin-1"))
    return out


def refused(data: bytes, codes: CodeMap) -> SourceError:
    with pytest.raises(SourceError) as caught:
        read_message(data, codes)
    return caught.value


def assert_quotes_nothing(text: str, *values: str) -> None:
    for value in (*PATIENT, *values):
        assert value not in text, f"{value!r} shown in {text!r}"


# --- 1. escape sequences (HL7 v2.5 section 2.7), decoded by our own decoder ----------------------

DECODED = [
    ("EVER\\F\\MAN", "EVER|MAN"),
    ("EVER\\S\\MAN", "EVER^MAN"),
    ("EVER\\T\\MAN", "EVER&MAN"),
    ("EVER\\R\\MAN", "EVER~MAN"),
    ("EVER\\E\\MAN", "EVER\\MAN"),
    ("\\H\\EVER\\N\\MAN", "EVERMAN"),  # highlighting on and off: removed
    ("EVER\\X4D\\AN", "EVERMAN"),
    ("\\X4556\\ERMAN", "EVERMAN"),
    ("JOS\\XC389\\", "JOSÉ"),  # bytes in the message's character set (UTF-8 here)
    ("JOS\\XC3\\\\X89\\", "JOSÉ"),  # one character split over two adjacent sequences
    ("D\\X27\\ARC\\X79\\", "D'ARCy"),
]


@pytest.mark.parametrize(("family", "decoded"), DECODED)
def test_escape_sequences_are_decoded(family: str, decoded: str, codes: CodeMap) -> None:
    assert read_message(message(family + "^ADAM"), codes).facts["name"] == f"ADAM {decoded}"


ESCAPE_ERRORS = [
    ("EVER\\XZZ\\MAN", "a hexadecimal escape sequence does not hold pairs of hex digits"),
    ("EVER\\X414\\MAN", "a hexadecimal escape sequence does not hold pairs of hex digits"),
    ("EVER\\X\\MAN", "a hexadecimal escape sequence does not hold pairs of hex digits"),
    ("EVER\\X4 1\\MAN", "a hexadecimal escape sequence does not hold pairs of hex digits"),
    ("EVER\\X00\\MAN", "a hexadecimal escape sequence gives a control character"),
    ("EVER\\X0D0A\\MAN", "a hexadecimal escape sequence gives a control character"),
    ("EVER\\XC3\\MAN", "a hexadecimal escape sequence is not valid UTF-8 text"),
    ("EVER\\Zab\\MAN", "unknown escape sequence (locally defined escapes are not supported)"),
    ("EVER\\C2842\\MAN", "unknown escape sequence (character set switching is not supported)"),
    ("EVER\\M2442\\MAN", "unknown escape sequence (character set switching is not supported)"),
    ("EVER\\.br\\MAN", "unknown escape sequence (formatting commands are not allowed here)"),
    ("EVER\\Q\\MAN", "unknown escape sequence"),
    ("EVER\\f\\MAN", "unknown escape sequence"),
    ("EVER\\\\MAN", "unknown escape sequence"),
    ("EVER\\P\\MAN", "unknown escape sequence"),  # \\P\\ only when MSH-2 has a truncation character
    ("EVER\\MAN", "an escape sequence is not closed"),
    ("EVERMAN\\", "an escape sequence is not closed"),
    ("\\F\\EVER\\MAN", "an escape sequence is not closed"),
]


@pytest.mark.parametrize(("family", "phrase"), ESCAPE_ERRORS)
def test_bad_escape_sequences_name_the_field_and_quote_nothing(family: str, phrase: str, codes: CodeMap) -> None:
    error = refused(message(family + "^ADAM"), codes)
    assert error.field == "PID-5" and error.message == phrase
    assert_quotes_nothing(str(error), "MAN", "Zab", "2842", "2442", "ZZ", ".br")


def test_bad_escape_sequences_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    for family, phrase in ESCAPE_ERRORS:
        result = runner.invoke(
            main, ["from-hl7", "-", "-o", "h.pdf", "--mdm", "m.hl7"], input=message(family + "^ADAM")
        )
        assert result.exit_code == 2 and (result.exception is None or isinstance(result.exception, SystemExit))
        assert result.output == f"Error: PID-5: {phrase}\n", result.output
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"EVERYMAN&&&&Aniston^ADAM^A^", b"EVERYMAN&&&&Aniston^AD\\Zx\\AM^A^", "PID-5"),  # the given name
        (b"PATID1234^5", b"PATID\\1234^5", "PID-3"),
        (b"|198808181126+0215|", b"|1988\\X\\0818|", "PID-7"),
        (b"|ara^^HL70296", b"|a\\.br\\ra^^HL70296", "PID-15"),
        (b"^Patrick^Harold^", b"^Pat\\Cx\\rick^Harold^", "PR1-11"),
        (b"22513^Kyphoplasty", b"225\\13^Kyphoplasty", "PR1-3"),
        (b"|200501251140+0100|", b"|2005\\M1\\0125|", "PR1-5"),
        (b"ADT^A03^ADT_A03", b"AD\\X00\\T^A03^ADT_A03", "MSH-9"),
    ],
)
def test_every_field_read_is_unescaped_and_named(old: bytes, new: bytes, field: str, codes: CodeMap) -> None:
    assert BASE.count(old) == 1
    error = refused(BASE.replace(old, new), codes)
    assert error.field == field
    assert_quotes_nothing(str(error), "Patrick", "22513", "HL70296", "\\")


def test_escapes_in_fields_not_read_are_left_as_received(codes: CodeMap) -> None:
    data = BASE.replace(b"1000&Hospital Lane", b"1000&Hos\\Zq\\pital \\")  # PID-11: not read
    record = read_message(data, codes)
    assert record.facts["name"] == "ADAM A EVERYMAN" and "Hos\\Zq\\pital \\" in record.context.pid


def test_the_messages_own_separators_are_used(codes: CodeMap) -> None:
    # MSH-1 '#', MSH-2 '!$%*': '%' escapes; |, ^, ~, \\ and & are plain characters
    data = message("O|Br^i~e\\n&%F%%S%%T%%R%%E%!ADAM", chars="#!$%*")
    assert data.startswith(b"MSH#!$%*#ADTApp#")
    record = read_message(data, codes)
    assert record.facts["name"] == "ADAM O|Br^i~e\\n&#!*$%"
    assert record.context.separators == "#!$%*" and record.facts["mrn"] == "PATID1234"
    assert refused(message("O%Zab%!ADAM", chars="#!$%*"), codes).message.startswith("unknown escape sequence")


def test_a_truncation_character_in_msh_2_is_accepted(codes: CodeMap) -> None:
    record = read_message(message("EVER\\P\\MAN^ADAM", chars="|^~\\&#"), codes)  # HL7 v2.7 MSH-2 ^~\\&#
    assert record.facts["name"] == "ADAM EVER#MAN" and record.context.separators == "|^~\\&#"


def test_the_module_no_longer_unescapes_through_python_hl7() -> None:
    for module in (hl7v2, hl7_text):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        assert "import hl7" not in source and "!r}" not in source  # !r quotes a value


# --- 2. MSH-18: the character set ----------------------------------------------------------------


def test_a_greek_name_sent_as_8859_7_reads_as_greek(codes: CodeMap, tmp_path: Path) -> None:
    raw = GREEK.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really 8859-7 bytes on disk
    assert read_message(raw, codes).facts["name"] == "ΕΛΕΝΗ Μ ΠΑΠΑΔΟΠΟΥΛΟΥ"
    result = CliRunner().invoke(main, ["from-hl7", str(GREEK), "-o", "h.pdf", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "ΕΛΕΝΗ Μ ΠΑΠΑΔΟΠΟΥΛΟΥ" in pdf_text((tmp_path / "h.pdf").read_bytes())


def test_a_latin_1_name_sent_as_8859_1_reads_as_latin_1(codes: CodeMap) -> None:
    raw = LATIN1.read_bytes()
    assert "MÜLLER".encode("iso8859-1") in raw
    assert read_message(raw, codes).facts["name"] == "JOSÉ Ñ MÜLLER-GÖRTZ"


def test_hex_escapes_are_bytes_in_the_declared_set(codes: CodeMap) -> None:
    data = message("\\XC3C5\\^ADAM", msh18="8859/7")  # Γ Ε in ISO 8859-7
    assert read_message(data, codes).facts["name"] == "ADAM ΓΕ"


@pytest.mark.parametrize(
    ("msh18", "name", "codec"),
    [
        ("ASCII", "EVERYMAN", "ascii"),
        ("8859/2", "ŁUKASIEWICZ", "iso8859-2"),
        ("8859/5", "ПЕТРОВА", "iso8859-5"),
        ("8859/9", "ÖZTÜRK", "iso8859-9"),
        ("8859/15", "ŒUVRE", "iso8859-15"),
        ("UNICODE UTF-8", "ΠΕΤΡΟΥ", "utf-8"),
        ("unicode utf-8", "ΠΕΤΡΟΥ", "utf-8"),
        ("UNICODE", "ΠΕΤΡΟΥ", "utf-8"),  # deprecated since v2.5: read as UTF-8
        ("8859/7~UNICODE UTF-8", "ΠΕΤΡΟΥ", "iso8859-7"),  # the first repetition is the message's set
    ],
)
def test_supported_character_sets(msh18: str, name: str, codec: str, codes: CodeMap) -> None:
    text = message(name + "^ADAM", msh18=msh18).decode("utf-8")
    assert read_message(text.encode(codec), codes).facts["name"] == f"ADAM {name}"


@pytest.mark.parametrize("msh18", ["KLINGON", "UNICODE UTF-16", "8859/77", "ISO IR87", "BIG-5", "Qorvath"])
def test_an_unsupported_character_set_is_refused(msh18: str, codes: CodeMap) -> None:
    error = refused(message(NAME, msh18=msh18), codes)
    assert error.field == "MSH-18" and error.message.startswith("character set not supported (supported: ")
    assert_quotes_nothing(str(error), msh18)


@pytest.mark.parametrize(
    ("msh18", "name", "set_name"),
    [
        ("ASCII", "ÉVERYMAN".encode(), "ASCII"),
        ("8859/7", b"\xae\xd2\xff", "8859/7"),  # undefined in ISO 8859-7
        ("UNICODE UTF-8", "ÉVERYMAN".encode("latin-1"), "UNICODE UTF-8"),
    ],
)
def test_bytes_invalid_in_the_declared_set_are_refused(msh18: str, name: bytes, set_name: str, codes: CodeMap) -> None:
    error = refused(message(name + b"^ADAM", msh18=msh18), codes)
    assert str(error) == f"MSH-18: the message is not valid {set_name} text"


def test_without_msh_18_utf_8_else_latin_1(codes: CodeMap) -> None:
    assert read_message(message("ÉVERYMAN^ADAM"), codes).facts["name"] == "ADAM ÉVERYMAN"
    assert read_message(message("ÉVERYMAN^ADAM".encode("latin-1")), codes).facts["name"] == "ADAM ÉVERYMAN"


# --- 3. ambiguity is an error --------------------------------------------------------------------


def _segment(data: bytes, name: bytes) -> bytes:
    return next(s for s in data.split(b"\r") if s.startswith(name + b"|"))


def test_two_pid_segments_are_refused(codes: CodeMap) -> None:
    pid = _segment(BASE, b"PID")
    other = pid.replace(NAME, b"QORVATH^ILSABET").replace(b"198808181126", b"19470611")
    error = refused(BASE.replace(pid, pid + b"\r" + other), codes)
    assert str(error) == "PID: more than one PID segment; a message must hold one patient"
    assert_quotes_nothing(str(error), "QORVATH", "ILSABET", "19470611")


def test_two_different_medical_record_numbers_are_refused(codes: CodeMap) -> None:
    error = refused(BASE.replace(b"~123456789^^^USSSA^SS", b"~ZX998877^^^OTHER^MR"), codes)
    assert error.field == "PID-3" and error.message.startswith("two medical record numbers (MR)")
    assert_quotes_nothing(str(error), "ZX998877")


def test_the_same_medical_record_number_twice_is_one(codes: CodeMap) -> None:
    data = BASE.replace(b"~123456789^^^USSSA^SS", b"~PATID1234^^^OTHER^MR")
    record = read_message(data, codes)
    assert record.facts["mrn"] == "PATID1234" and record.paths["mrn"] == "PID-3"
    data = BASE.replace(b"PATID1234^5^M11^test1&2.16.1&HCD^MR", b"PATID1234^5^M11^test1&2.16.1&HCD^PI")
    data = data.replace(b"~123456789^^^USSSA^SS", b"~ZX998877^^^OTHER^MR")
    record = read_message(data, codes)
    assert record.facts["mrn"] == "ZX998877" and record.paths["mrn"] == "PID-3[2]"


def test_two_pv1_segments_are_refused(codes: CodeMap) -> None:
    pv1 = _segment(BASE, b"PV1")
    assert str(refused(BASE.replace(pv1, pv1 + b"\r" + pv1), codes)).startswith("PV1: more than one PV1 segment")


# --- 4. MSH-1 and MSH-2 are checked before anything is split -------------------------------------


@pytest.mark.parametrize(
    "msh2", [b"^^\\&", b"^~\\", b"^~", b"^~\\A", b"^~\\1", b"^~\\ ", b"^~\\\xa7", b"^~\\&#!", b"^~\\&^", b"\\~\\&"]
)
def test_bad_encoding_characters_are_refused(msh2: bytes, codes: CodeMap, tmp_path: Path) -> None:
    data = BASE.replace(b"MSH|^~\\&|", b"MSH|" + msh2 + b"|", 1)
    error = refused(data, codes)
    assert error.field == "MSH-2" and "encoding characters must be four distinct" in error.message
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=data)
    assert result.exit_code == 2 and result.output.startswith("Error: MSH-2: "), result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("msh1", [b"A", b" ", b"\xa6", b"\t"])
def test_a_bad_field_separator_is_refused(msh1: bytes, codes: CodeMap) -> None:
    data = BASE.replace(b"MSH|^~\\&|", b"MSH" + msh1 + b"^~\\&" + msh1, 1)
    assert refused(data, codes).field == "MSH-1"


# --- 5. a UTF-8 byte-order mark ------------------------------------------------------------------


def test_a_utf_8_byte_order_mark_is_accepted(codes: CodeMap, tmp_path: Path) -> None:
    expected = read_message(BASE, codes).facts
    assert read_message(BOM + BASE, codes).facts == expected
    assert read_message(b"\x0b" + BOM + BASE + b"\x1c\r", codes).facts == expected  # inside the MLLP frame
    assert read_message(BOM + message("ÉVERYMAN^ADAM"), codes).facts["name"] == "ADAM ÉVERYMAN"
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf", "--mdm", "m.hl7"], input=BOM + BASE)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "m.hl7").read_bytes().startswith(BOM)


def test_a_byte_order_mark_must_agree_with_the_text(codes: CodeMap) -> None:
    error = refused(BOM + message("ÉVERYMAN^ADAM".encode("latin-1")), codes)
    assert str(error) == "message: starts with a UTF-8 byte-order mark but is not valid UTF-8 text"
    assert refused(BOM + message(NAME, msh18="8859/1"), codes).field == "MSH-18"


# --- 6. dates: no value in any message, years 1900-2100 -----------------------------------------

DOB, SURGERY = b"|198808181126+0215|", b"|200501251140+0100|"


@pytest.mark.parametrize(
    ("old", "value", "error"),
    [
        (DOB, "19480230", "PID-7: not a real calendar date"),
        (DOB, "194813", "PID-7: not a real calendar date"),
        (DOB, "18991231", "PID-7: the year is outside 1900–2100"),
        (DOB, "21010101", "PID-7: the year is outside 1900–2100"),
        (DOB, "0000", "PID-7: the year is outside 1900–2100"),
        (DOB, "1948-02-03", "PID-7: not an HL7 date (YYYYMMDD[HHMM[SS]])"),
        (DOB, "19480203xyz", "PID-7: not an HL7 date (YYYYMMDD[HHMM[SS]])"),
        (DOB, "194802031", "PID-7: not an HL7 date (YYYYMMDD[HHMM[SS]])"),
        (DOB, "١٩٤٨٠٢٠٣", "PID-7: not an HL7 date (YYYYMMDD[HHMM[SS]])"),  # Arabic-Indic digits
        (DOB, "1" * 9000, "PID-7: not an HL7 date (YYYYMMDD[HHMM[SS]])"),
        (SURGERY, "99991231", "PR1-5: the year is outside 1900–2100"),
        (SURGERY, "18000101", "PR1-5: the year is outside 1900–2100"),
        (SURGERY, "20050230", "PR1-5: not a real calendar date"),
        (SURGERY, "2005", "PR1-5: not an HL7 date (YYYYMMDD[HHMM[SS]])"),
    ],
)
def test_bad_dates_name_the_field_and_quote_nothing(old: bytes, value: str, error: str, codes: CodeMap) -> None:
    data = BASE.replace(old, f"|{value}|".encode())
    assert str(refused(data, codes)) == error
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=data)
    assert result.exit_code == 2 and result.output == f"Error: {error}\n"  # was an internal error for 99991231


@pytest.mark.parametrize(
    ("value", "dob"),
    [
        ("1948", None),  # a year or year-month only: too vague to print
        ("194803", None),
        ("19480302", date(1948, 3, 2)),
        ("1948030211", date(1948, 3, 2)),
        ("19480302112233.1234+0100", date(1948, 3, 2)),
        ("19000101", date(1900, 1, 1)),
    ],
)
def test_good_birth_dates(value: str, dob: date | None, codes: CodeMap) -> None:
    facts = read_message(BASE.replace(DOB, f"|{value}|".encode()), codes).facts
    assert facts.get("dob") == dob


def test_other_errors_quote_nothing(codes: CodeMap) -> None:
    oru = refused(BASE.replace(b"ADT^A03^ADT_A03", b"ORU^R01^ORU_R01"), codes)
    assert str(oru) == "MSH-9: the message type is not ADT^A03 (discharge)"
    [language] = read_message(BASE.replace(b"|ara^^HL70296", b"|Qorvath Tongue^^HL70296"), codes).pending
    assert language.field == "PID-15" and language.needs == ("language",) and "Qorvath" not in str(language)
    result = CliRunner().invoke(
        main,
        ["from-hl7", "-", "-o", "h.pdf", "--language", "en"],
        input=BASE.replace(b"|ara^^HL70296", b"|Qorvath Tongue^^HL70296"),
    )
    assert result.exit_code == 0, result.output  # --language resolves it


# --- 7. bounded work on 20 MB --------------------------------------------------------------------

FILL = MAX_INPUT_BYTES - len(BASE) - 64


BIG = {  # each built when its test runs: 20 MB apiece
    "pid5": (lambda: message(b"E" * FILL + b"^ADAM"), "PID-5: longer than 10000 characters"),
    "pid5-escapes": (lambda: message(b"\\F\\" * (FILL // 3) + b"^ADAM"), "PID-5: longer than 10000 characters"),
    "pid5-components": (lambda: message(b"A^" * (FILL // 2)), "PID-5: longer than 10000 characters"),
    "pid3-repetitions": (
        lambda: BASE.replace(b"PATID1234^5", b"X^^^^MR~" * (FILL // 8) + b"PATID1234^5"),
        "PID-3: longer than 10000 characters",
    ),
    "pid-fields": (lambda: BASE.replace(b"PID|1|", b"PID|1|" + b"|" * FILL), "PID-5: the patient name is empty"),
    "segments": (
        lambda: BASE + b"\rNTE|1" * (FILL // 6),
        "message: more than 10000 segments: not one discharge message",
    ),
    "msh-3": (lambda: b"MSH|^~\\&|" + b"x" * FILL, "MSH-9: the message type is not ADT^A03 (discharge)"),
    "nte": (lambda: BASE + b"\rNTE|1||" + b"x" * FILL, None),  # a field that is not read
    "nte-escapes": (lambda: BASE + b"\rNTE|1||" + b"\\Zq\\" * (FILL // 4), None),
    "blank-lines": (lambda: BASE + b"\r" * FILL, None),
    "blank-lines-with-spaces": (lambda: BASE + b"\r " * (FILL // 2), None),
    "latin-1": (lambda: BASE + b"\rNTE|1||" + b"\xe9" * FILL, None),
    "pid11": (lambda: BASE.replace(b"1000&Hospital Lane", b"y" * FILL), None),  # copied to the MDM as received
}


@pytest.mark.parametrize("case", sorted(BIG))
def test_twenty_megabytes_are_read_or_refused_in_well_under_three_seconds(case: str, codes: CodeMap) -> None:
    build, error = BIG[case]
    data = build()
    assert len(data) <= MAX_INPUT_BYTES
    start = time.perf_counter()
    try:
        read_message(data, codes)
        outcome = None
    except SourceError as exc:
        outcome = str(exc)
    assert time.perf_counter() - start < 1.5
    assert outcome == error


def test_twenty_megabyte_name_through_the_cli(tmp_path: Path) -> None:
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["from-hl7", "-", "-o", "h.pdf"], input=message(b"E" * FILL + b"^ADAM"))
    assert time.perf_counter() - start < 3
    assert result.exit_code == 2 and result.output == "Error: PID-5: longer than 10000 characters\n"


def test_batch_reports_hostile_messages_without_their_values(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a-bom.hl7").write_bytes(BOM + BASE)
    (inputs / "b-escape.hl7").write_bytes(message("EVER\\Zab\\MAN^ADAM"))
    (inputs / "c-two-pids.hl7").write_bytes(BASE.replace(_segment(BASE, b"PID"), _segment(BASE, b"PID") * 2))
    result = CliRunner().invoke(main, ["batch", str(inputs), "--outdir", "out", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in (tmp_path / "out" / "summary.jsonl").read_text().splitlines()]
    assert [row["status"] for row in rows] == ["ok", "failed", "failed"]
    assert rows[1]["error"] == "PID-5: unknown escape sequence (locally defined escapes are not supported)"
    for row in rows:
        assert_quotes_nothing(json.dumps(row.get("error", "")), "Zab")


# --- properties: generated field values and escape sequences in PID-5 -----------------------------

LETTERS = "qjxzvkwQJXZVKW"  # runs of three of these occur in no error message
_piece = st.one_of(
    st.text(alphabet=LETTERS + "éΩ中 ", min_size=1, max_size=8),
    st.sampled_from(["|", "^", "~", "&", "\\", "\r", "\n", "\t", "\x0b", "\x1c", "\x7f"]),
    st.sampled_from(["\\F\\", "\\S\\", "\\T\\", "\\R\\", "\\E\\", "\\H\\", "\\N\\", "\\P\\", "\\.br\\", "\\\\"]),
    st.builds("\\X{}\\".format, st.text(alphabet="0123456789ABCDEFabcdefZ ", max_size=8)),
    st.builds("\\{}{}\\".format, st.sampled_from("ZCMXQ.zfx"), st.text(alphabet=LETTERS + "0123456789", max_size=6)),
)
PID5_VALUES = st.lists(_piece, max_size=12).map("".join)
PROPERTY = hsettings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_no_generated_value(text: str, value: str) -> None:
    assert_quotes_nothing(text, *re.findall(f"[{LETTERS}]{{3,}}", value))


@hsettings(PROPERTY, max_examples=400)
@given(value=PID5_VALUES)
def test_any_pid5_is_read_or_refused_without_being_quoted(value: str, codes: CodeMap) -> None:
    try:
        record = read_message(message(value + "^ADAM"), codes)
    except SourceError as exc:
        event(str(exc).split(" (")[0])  # --hypothesis-show-statistics lists the errors reached
        assert "\n" not in str(exc) and "\r" not in str(exc)
        assert_no_generated_value(str(exc), value)
    else:
        event("read")
        assert not re.search(r"[\x00-\x08\x0a-\x1f]", record.facts["name"])


SEPARATORS = st.permutations(list("|^~\\&#!$%*?;:{}=")).map(lambda chars: "".join(chars[:5]))


@hsettings(PROPERTY, max_examples=300)
@given(text=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=24), chars=SEPARATORS)
def test_escaped_text_reads_back_unchanged(text: str, chars: str, codes: CodeMap) -> None:
    expected = " ".join(part for part in ("ADAM", text.strip()) if part)
    escaped = escape(text, chars)  # what the MDM writer does: \\F\\ \\S\\ \\R\\ \\E\\ \\T\\
    assert read_message(message(escaped + chars[1] + "ADAM", chars=chars), codes).facts["name"] == expected
    hexed = f"{chars[3]}X{text.encode().hex().upper()}{chars[3]}" if text else ""
    assert read_message(message(hexed + chars[1] + "ADAM", chars=chars), codes).facts["name"] == expected


@hsettings(PROPERTY, max_examples=20)
@given(value=PID5_VALUES)
def test_any_pid5_through_the_cli(value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        argv = ["from-hl7", "-", "-o", str(out / "h.pdf"), "--mdm", str(out / "m.hl7")]
        result = CliRunner().invoke(main, argv, input=message(value + "^ADAM"))
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 2), result.output
        written = sorted(os.listdir(out))
        event(f"exit {result.exit_code}")
        if result.exit_code == 2:
            assert written == [] and result.output.startswith("Error: ") and result.output.count("\n") == 1
        else:
            assert written == ["h.pdf", "m.hl7"]
        assert_no_generated_value(result.output, value)
