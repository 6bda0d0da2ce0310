"""The facts that make a handout actionable: who to call, the medicines, names as the facility
prints them, and visit times in the facility's time zone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dischargegen.api import Settings, make_handout
from dischargegen.cli import main
from dischargegen.config import Config
from dischargegen.errors import InputError
from dischargegen.model import Contact, Facility, Medication, NameCase
from dischargegen.names import cased

FIXTURES = Path(__file__).parent / "fixtures"
BASE = {"name": "Ann Lee", "date": "2026-11-24"}


def with_facility(settings: Settings, **values: object) -> Settings:
    return settings._replace(config=Config(facility=Facility(**values)))  # type: ignore[arg-type]


def test_numbers_are_formatted_for_the_region_and_say_whom_they_reach(settings: Settings) -> None:
    facility = with_facility(
        settings,
        phone="617.555.0100",
        phone_24h="+1 (617) 555 0199",
        clinic="the spine clinic",
        phone_24h_reaches="the doctor on call",
    )
    contacts = make_handout(BASE, facility).contacts
    assert contacts.daytime == Contact("(617) 555-0100", "the spine clinic")
    assert contacts.after_hours == Contact("(617) 555-0199", "the doctor on call")
    assert contacts.booking == contacts.daytime  # no booking number: the daytime one books the visit
    mine = make_handout({**BASE, "phone": "6175550123", "clinic": "Dr. Lee's office"}, facility).contacts
    assert mine.daytime == Contact("(617) 555-0123", "Dr. Lee's office")
    abroad = make_handout({**BASE, "phone": "+44 20 7946 0958"}, facility).contacts
    assert abroad.daytime == Contact("+44 20 7946 0958", None)  # whom it reaches is not known


@pytest.mark.parametrize("number", ["555-0100", "12", "call the desk", "+1 617 555 01000000"])
def test_an_invalid_number_is_one_error_naming_the_field(settings: Settings, number: str) -> None:
    with pytest.raises(InputError) as caught:
        make_handout({**BASE, "phone": number}, settings)
    assert str(caught.value).startswith("phone: not a valid telephone number for region US")
    assert number not in str(caught.value)


def test_no_number_anywhere_leaves_the_contacts_empty(settings: Settings) -> None:
    assert make_handout(BASE, settings).contacts == (None, None, None)


def test_a_bad_number_in_the_config_names_the_config_key(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[facility]\nphone_24h = "555-0199"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["make", "--name", "A B", "--date", "2026-11-24", "--config", "c.toml"])
    assert result.exit_code == 2
    assert "facility.phone_24h: not a valid telephone number for region US" in result.stderr


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("ADAM A EVERYMAN", "Adam A Everyman"),
        ("MARY MCDONALD", "Mary McDonald"),
        ("ANGUS MACLEOD", "Angus MacLeod"),
        ("TOM MACKEY", "Tom Mackey"),
        ("ANA MACHADO", "Ana Machado"),
        ("SEAN O'BRIEN", "Sean O'Brien"),
        ("LUCA D'ANGELO", "Luca D'Angelo"),
        ("ANN SMITH-JONES", "Ann Smith-Jones"),
        ("MARIA DE LA CRUZ", "Maria de la Cruz"),
        ("KE'ALA KAI", "Ke'ala Kai"),
    ],
)
def test_title_case_knows_the_patterns_of_names(given: str, printed: str) -> None:
    assert cased(given, NameCase.TITLE) == printed
    assert cased(given, NameCase.AS_GIVEN) == given


def test_name_case_applies_to_the_patient_surgeon_and_follow_up_clinician(settings: Settings) -> None:
    titled = with_facility(settings, name_case=NameCase.TITLE)
    handout = make_handout(
        {**BASE, "name": "ADAM EVERYMAN", "surgeon": "DR HAROLD PATRICK", "follow_up_with": "DR ANN LEE"}, titled
    )
    assert (handout.patient.name, handout.surgeon, handout.follow_up_with) == (
        "Adam Everyman",
        "Dr Harold Patrick",
        "Dr Ann Lee",
    )


def test_medicines_from_the_option_form_and_json(settings: Settings) -> None:
    handout = make_handout(
        {
            **BASE,
            "medications": [
                "Acetaminophen 500 mg|2 tablets|every 6 hours|pain",
                {"name": "Docusate", "when": "twice a day", "purpose": "to keep stools soft"},
                {"name": "Oxycodone 5 mg", "instructions": "1 tablet every 6 hours if needed"},
                "Ibuprofen",
            ],
        },
        settings,
    )
    assert handout.medications == (
        Medication("Acetaminophen 500 mg", "2 tablets", "every 6 hours", "pain"),
        Medication("Docusate", None, "twice a day", "to keep stools soft"),
        Medication("Oxycodone 5 mg", None, "1 tablet every 6 hours if needed", None),
        Medication("Ibuprofen"),
    )
    with pytest.raises(InputError, match=r"^medications\[0\]: more than 4 parts"):
        make_handout({**BASE, "medications": ["a|b|c|d|e"]}, settings)


def test_medicine_option_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "make",
            "--name",
            "A B",
            "--date",
            "2026-11-24",
            "-o",
            "h.pdf",
            "--medication",
            "Acetaminophen 500 mg|2 tablets|every 6 hours|pain",
        ],
    )
    assert result.exit_code == 0, result.output


def test_a_fhir_visit_time_is_shown_in_the_facilitys_time_zone(tmp_path: Path) -> None:
    bundle = json.loads((FIXTURES / "fhir/valid/synthea-raymon-kyphoplasty.json").read_text(encoding="utf-8"))
    (tmp_path / "b.json").write_text(json.dumps(bundle), encoding="utf-8")
    (tmp_path / "c.toml").write_text('[facility]\ntimezone = "America/New_York"\n', encoding="utf-8")
    from dischargegen.api import InputKind, code_map, handout_from_record, load_settings, read_record

    settings = load_settings(tmp_path / "c.toml")
    record = read_record((tmp_path / "b.json").read_bytes(), InputKind.FHIR, code_map(settings), {})
    assert record.facts["follow_up"] == "2018-06-29T10:30:00+00:00"
    handout = handout_from_record(record, {}, settings)
    assert handout.follow_up is not None and handout.follow_up.isoformat() == "2018-06-29T06:30:00"  # EDT
    plain = handout_from_record(record, {}, load_settings())
    assert plain.follow_up is not None and plain.follow_up.isoformat() == "2018-06-29T10:30:00"  # as written


def test_copies_without_print_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["make", "--name", "A B", "--date", "2026-11-24", "--copies", "2", "-o", "h.pdf"])
    assert result.exit_code == 2 and "copies: --copies needs --print or --printer" in result.stderr
    assert not (tmp_path / "h.pdf").exists()


def test_document_reference_to_standard_output(tmp_path: Path) -> None:
    bundle = str(FIXTURES / "fhir/valid/synthea-raymon-kyphoplasty.json")
    result = CliRunner().invoke(main, ["from-fhir", bundle, "-o", "h.pdf", "--document-reference", "-"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["resourceType"] == "DocumentReference"
    both = CliRunner().invoke(main, ["from-fhir", bundle, "-o", "-", "--document-reference", "-"])
    assert both.exit_code == 2 and "standard output" in both.stderr


def test_a_facility_override_carries_its_own_source(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(
        '[procedures.kyphoplasty.restrictions.lifting]\nlimit = "5lb"\nsource = "Riverside protocol SP-12"\n',
        encoding="utf-8",
    )
    from dischargegen.api import load_settings, restriction_defaults

    settings = load_settings(tmp_path / "c.toml")
    lifting = restriction_defaults(settings.catalog.get("kyphoplasty"), settings.config)["lifting"]
    assert lifting.source == "Riverside protocol SP-12" and str(lifting.limit) == "5lb"


def test_hl7_rol_phone_and_rxe_medicines(settings: Settings) -> None:
    from dischargegen.api import InputKind, code_map, handout_from_record, read_record

    adt = (FIXTURES / "hl7/valid/adt-a03-kyphoplasty-cr.hl7").read_bytes().rstrip(b"\r")
    adt = b"\r".join(line for line in adt.split(b"\r") if not line.startswith(b"ROL"))
    rol = "|".join(["ROL", "1", "AD", "AT", "1234^PATRICK^HAROLD", *[""] * 7, "^WPN^PH^^1^617^5550100"])
    rxe = "|".join(
        [
            "RXE",
            "^Q6H",
            "161^Acetaminophen 500 mg^RXNORM",
            "2",
            "",
            "TAB^tablets",
            "",
            "^every 6 hours if you need it",
            *[""] * 19,
            "^pain",
        ]
    )
    message = adt + f"\r{rol}\r{rxe}\r".encode()
    record = read_record(message, InputKind.HL7, code_map(settings), {})
    handout = handout_from_record(record, {}, settings)
    assert handout.medications == (
        Medication("Acetaminophen 500 mg", "2 tablets", "every 6 hours if you need it", "pain"),
    )
    assert handout.contacts.daytime == Contact("(617) 555-0100", None)


def test_an_organisation_name_from_the_record_loses_trailing_separators(tmp_path: Path) -> None:
    from pdfcheck import pdf_text

    bundle = str(FIXTURES / "fhir/valid/synthea-raymon-kyphoplasty.json")  # "NORTH SHORE MEDICAL CENTER -"
    result = CliRunner().invoke(main, ["from-fhir", bundle, "-o", "h.pdf"])
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "h.pdf").read_bytes())
    assert "NORTH SHORE MEDICAL CENTER ·" in text and "CENTER -" not in text
