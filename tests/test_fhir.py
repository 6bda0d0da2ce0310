"""from-fhir: FHIR R4 Bundles in, a handout out; every bad Bundle is one line naming the FHIR path."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_text

from dischargegen.api import Settings, code_map
from dischargegen.cli import main
from dischargegen.errors import SourceError
from dischargegen.sources.codes import CodeMap
from dischargegen.sources.fhir import read_bundle

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
RAYMON = FIXTURES / "valid" / "synthea-raymon-kyphoplasty.json"
ALBERTO = FIXTURES / "valid" / "synthea-alberto-spanish-trimmed.json"
SPEC = FIXTURES / "valid" / "spec-collection-kyphoplasty.json"

# fixture -> (words a person must see in the PDF)
VALID = {
    RAYMON.name: [
        "Raymon Kris",
        "June 15, 2018",
        "T12",
        "Dr. Sharyl Hilpert",
        "(978) 741-1215",
        "June 29, 2018 at 10:30",
        "Acetaminophen 325 MG Oral Tablet",
        "2 tablets every 6 hours",
    ],
    ALBERTO.name: ["Alberto Atencio", "May 2, 2019", "L1"],
    SPEC.name: [
        "Peter James Chalmers",
        "December 1, 2013",
        "L2",
        "Dr Adam Careful",
        "December 10, 2013",
        "Oxycodone 5 mg tablets",
    ],
}

# fixture -> (start of the FHIR path named, a phrase of the message)
INVALID = {
    "empty.json": ("input", "empty"),
    "not-json.json": ("Bundle", "not valid JSON"),
    "binary-garbage.json": ("Bundle", "not UTF-8"),
    "not-a-bundle.json": ("Bundle.resourceType", "not 'Bundle'"),
    "no-patient.json": ("Bundle.entry", "no Patient"),
    "two-patients-spec-transaction.json": ("Bundle.entry[1].resource(Patient)", "second Patient"),
    "no-matching-procedure.json": ("Bundle.entry", "no completed Procedure"),
    "procedure-without-date.json": ("Bundle.entry[5].resource(Procedure).performed[x]", "no performedDateTime"),
    "partial-procedure-date.json": ("Bundle.entry[5].resource(Procedure).performedDateTime", "not a full date"),
    "dangling-encounter.json": ("Bundle.entry[5].resource(Procedure).encounter.reference", "dangling reference"),
    "invalid-birthdate.json": ("Bundle.entry[0].resource(Patient).birthDate", "invalid under FHIR R4"),
    # hostile shapes the readers meet before validation (each was a KeyError or AttributeError)
    "coding-system-not-a-string.json": ("Bundle.entry[5].resource(Procedure).code.coding[0].system", "invalid"),
    "contained-not-a-resource.json": ("Bundle.entry[6].resource(MedicationRequest).contained[0]", "invalid"),
}


@pytest.fixture(scope="module")
def codes(settings: Settings) -> CodeMap:
    return code_map(settings)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_fixture_folders_are_all_covered() -> None:
    assert sorted(p.name for p in (FIXTURES / "valid").iterdir()) == sorted(VALID)
    assert sorted(p.name for p in (FIXTURES / "invalid").iterdir()) == sorted(INVALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_bundle_makes_a_handout_with_the_record_facts(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-fhir", str(FIXTURES / "valid" / name), "-o", "h.pdf"])
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    for words in VALID[name]:
        assert words in text


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_bundle_is_one_line_naming_the_path(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-fhir", str(FIXTURES / "invalid" / name), "-o", "h.pdf"])
    path, phrase = INVALID[name]
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"Error: {path}: ") and phrase in lines[0]
    assert list(tmp_path.iterdir()) == []  # no partial output of any kind


def test_fifty_megabytes_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.write(b'{"resourceType": "Bundle", "entry": [' + b" " * (50 * 1024 * 1024) + b"]}")
    result = CliRunner().invoke(main, ["from-fhir", str(big), "-o", "h.pdf"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: input: larger than the 20 MB input limit"
    assert not (tmp_path / "h.pdf").exists()


def test_stdin_and_the_patient_s_language_from_the_record(tmp_path: Path) -> None:
    """Synthea's Alberto reads Spanish (Patient.communication: urn:ietf:bcp:47 "es")."""
    result = CliRunner().invoke(main, ["from-fhir", "-", "-o", "h.pdf"], input=ALBERTO.read_bytes())
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "Alberto" not in result.output  # no patient name in messages
    text = " ".join(pdf_text((tmp_path / "h.pdf").read_bytes()).split())
    assert "Going home after your kyphoplasty" in text  # the English copy follows the draft translation
    assert text.index("cifoplastia") < text.index("Going home after your kyphoplasty")


@pytest.mark.parametrize(
    ("code", "language"),
    [("es-MX", "es"), ("zh-TW", "zh-Hant"), ("zh", "zh-Hans"), ("fil", "tl"), ("pt-BR", "pt"), ("ko", "ko")],
)
def test_every_code_form_in_patient_communication(tmp_path: Path, code: str, language: str) -> None:
    bundle = ALBERTO.read_text(encoding="utf-8").replace('"code": "es"', f'"code": "{code}"')
    assert f'"code": "{code}"' in bundle
    result = CliRunner().invoke(main, ["from-fhir", "-", "-o", "h.pdf", "--document-reference", "d.json"], input=bundle)
    assert result.exit_code == 0, result.output
    reference = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert reference["content"][0]["attachment"]["language"] == language


def test_a_language_without_a_template_is_a_warning(tmp_path: Path) -> None:
    bundle = ALBERTO.read_text(encoding="utf-8").replace('"code": "es"', '"code": "nl"')
    result = CliRunner().invoke(main, ["from-fhir", "-", "-o", "h.pdf"], input=bundle)
    assert result.exit_code == 0
    assert "Warning: language: no kyphoplasty template in 'nl'; the handout is in 'en'" in result.output


def test_explicit_options_win_over_the_record(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "from-fhir",
            str(RAYMON),
            "-o",
            "h.pdf",
            "--level",
            "L3",
            "--surgeon",
            "Dr. Ann Smith",
            "--restriction",
            "driving=5d",
            "--cause",
            "osteoporosis",
        ],
    )
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    assert "Dr. Ann Smith fixed the broken bone in your spine (at L3)." in text
    assert "T12" not in text and "Hilpert" not in text
    assert "Wednesday, June 20, 2018: You may drive again" in text  # 5 days, not the default 2
    assert "Keep your bones strong" in text


def test_default_file_name_carries_no_patient_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["from-fhir", str(RAYMON)])
    assert result.exit_code == 0, result.output
    [made] = [p.name for p in tmp_path.iterdir()]
    assert made == "kyphoplasty-2018-06-15-ca5da59f-0a70-470d-8b20-a1c847ff9010.pdf"


def test_record_facts_and_their_paths(codes: CodeMap) -> None:
    record = read_bundle(RAYMON.read_bytes(), codes)
    assert record.facts["mrn"] == "ca5da59f-0a70-470d-8b20-a1c847ff9010"  # the MR identifier, not [0]
    assert record.paths["mrn"].endswith("resource(Patient).identifier[1].value")
    assert record.facts["language"] == "en-US"
    assert record.facts["follow_up"] == "2018-06-29T10:30:00+00:00"  # not the booked visit before the procedure
    assert record.facility_phone == "9787411215"
    assert record.context.patient["reference"].startswith("Patient/")
    assert record.context.encounter == "Encounter/5d534e2f-2194-48dc-88b6-31c0242ea833"


def _two_procedures() -> bytes:
    bundle = load(SPEC)
    second = copy.deepcopy(next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"))
    second["resource"].update(id="kypho-earlier", performedDateTime="2013-11-20", bodySite=[{"text": "T9"}])
    second["fullUrl"] = "http://example.org/fhir/Procedure/kypho-earlier"
    bundle["entry"].append(second)
    bundle["type"] = "searchset"
    return json.dumps(bundle).encode()


def test_latest_matching_procedure_wins_unless_one_is_named(codes: CodeMap) -> None:
    data = _two_procedures()
    assert read_bundle(data, codes).facts["level"] == "L2"
    chosen = read_bundle(data, codes, procedure_id="kypho-earlier")
    assert chosen.facts["level"] == "T9" and chosen.context.procedure == "Procedure/kypho-earlier"
    with pytest.raises(SourceError, match=r"^procedure_id: no Procedure with that id or fullUrl in the Bundle$"):
        read_bundle(data, codes, procedure_id="nope")


def test_facility_code_map_adds_local_codes(settings: Settings) -> None:
    bundle = load(SPEC)
    proc = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure")
    proc["code"] = {"coding": [{"system": "http://hospital.example.org/procedures", "code": "KYPHO-1"}]}
    data = json.dumps(bundle).encode()
    [pending] = read_bundle(data, code_map(settings)).pending
    assert "no completed Procedure" in pending.message and pending.needs == ("procedure", "date")
    config = settings.config._replace(codes={"http://hospital.example.org/procedures": {"KYPHO-1": "kyphoplasty"}})
    local = code_map(settings._replace(config=config))
    assert read_bundle(data, local).facts["procedure"] == "kyphoplasty"


def test_invalid_value_from_the_record_names_its_fhir_path(tmp_path: Path) -> None:
    bundle = load(SPEC)
    proc = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure")
    proc["bodySite"] = [{"text": "T12 " * 20}]
    (tmp_path / "b.json").write_text(json.dumps(bundle))
    result = CliRunner().invoke(main, ["from-fhir", "b.json", "-o", "h.pdf"])
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: Bundle.entry[5].resource(Procedure).bodySite[0]: is longer than 40 characters"
    )
    assert not (tmp_path / "h.pdf").exists()


def test_vertebroplasty_code_picks_its_own_template(tmp_path: Path) -> None:
    """CPT 22511 maps to vertebroplasty through its procedure.toml, with its 12-week lifting limit."""
    text = (FIXTURES / "valid" / "synthea-raymon-kyphoplasty.json").read_text(encoding="utf-8")
    assert '"22513"' in text
    (tmp_path / "vp.json").write_text(text.replace('"22513"', '"22511"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["from-fhir", str(tmp_path / "vp.json"), "-o", str(tmp_path / "vp.pdf")])
    assert result.exit_code == 0, result.output
    handout = pdf_text((tmp_path / "vp.pdf").read_bytes())
    assert "Going home after your vertebroplasty" in handout
    assert "Friday, June 15, 2018: Your vertebroplasty." in handout
    # lifting: 12 weeks after the procedure
    assert "Friday, September 7, 2018: You may lift more than 10 lb (4.5 kg) again." in handout


def test_unmapped_procedure_takes_procedure_and_date_from_the_options(tmp_path: Path) -> None:
    bundle = FIXTURES / "invalid" / "no-matching-procedure.json"
    runner = CliRunner()
    result = runner.invoke(main, ["from-fhir", str(bundle), "-o", "h.pdf"])
    assert result.exit_code == 2 and not (tmp_path / "h.pdf").exists()
    assert result.output.rstrip().endswith(
        "give --procedure and --date, or --procedure-id and --procedure, or add the code to the config's [codes]"
    )
    result = runner.invoke(
        main, ["from-fhir", str(bundle), "-o", "h.pdf", "--procedure", "vertebroplasty", "--date", "2026-11-20"]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    assert "Peter James Chalmers" in text and "Going home after your vertebroplasty" in text
    assert "Friday, November 20, 2026: Your vertebroplasty." in text
    # vertebroplasty's 12-week lifting limit, from the given date
    assert "Friday, February 12, 2027: You may lift more than 10 lb (4.5 kg) again." in text


def test_the_organizations_phone_prints_when_valid_for_the_facilitys_region(tmp_path: Path) -> None:
    """The spec example's hospital is Dutch: its number is refused for a US facility (with a
    warning, and the handout still made) and printed, formatted, for a Dutch one."""
    result = CliRunner().invoke(main, ["from-fhir", str(SPEC), "-o", "us.pdf"])
    assert result.exit_code == 0, result.output
    assert "Warning: phone: the number in the record is not valid for region US" in result.output
    assert "655" not in pdf_text((tmp_path / "us.pdf").read_bytes())
    (tmp_path / "nl.toml").write_text('[facility]\nregion = "NL"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["from-fhir", str(SPEC), "-o", "nl.pdf", "--config", "nl.toml"])
    assert result.exit_code == 0, result.output
    assert "Call your doctor at 0226 552 300" in pdf_text((tmp_path / "nl.pdf").read_bytes())
