"""`dischargegen make` and `dischargegen procedures` through Click, as a nurse types them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_text

from dischargegen.cli import main

BASE = ["make", "--name", "Raeann O'Kon", "--date", "2026-11-24"]


def run(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def assert_usage_error(result, message: str) -> None:  # type: ignore[no-untyped-def]
    """Exit status 2 and exactly one line, "Error: ...", that holds ``message``; no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_minimal_make_writes_the_file(tmp_path: Path) -> None:
    result = run(*BASE, "-o", "handout.pdf")
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "handout.pdf").read_bytes())
    assert "Raeann O'Kon" in text and "Tuesday, November 24, 2026" in text
    assert oct((tmp_path / "handout.pdf").stat().st_mode & 0o777) == "0o600"


def test_every_option(tmp_path: Path) -> None:
    result = run(
        *BASE,
        "--dob",
        "1948-03-02",
        "--mrn",
        "0012345",
        "--level",
        "T12",
        "--cause",
        "osteoporosis",
        "--surgeon",
        "Dr. Ann Smith",
        "--follow-up",
        "2026-12-08 10:30",
        "--restriction",
        "lifting=5lb:3w",
        "--restriction",
        "driving=2w",
        "--restriction",
        "custom=No golf:4w",
        "--no-restriction",
        "soaking",
        "--blood-thinner-restart",
        "2026-11-26",
        "--lang",
        "en",
        "--page-size",
        "A4",
        "--deterministic",
        "--procedure",
        "kyphoplasty",
        "-o",
        "out.pdf",
    )
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "out.pdf").read_bytes())
    assert "MRN 0012345" in text and "March 2, 1948" in text
    assert "Dr. Ann Smith fixed the broken bone in your spine (at T12)." in text
    assert "Your follow-up visit is on Tuesday, December 8, 2026 at 10:30 AM." in text
    assert "Tuesday, December 15, 2026: You may lift more than 5 lb (2.3 kg) again." in text  # 3 weeks
    # driving ends (2 weeks) on the day of the visit: one legend line for both, after one date
    assert "Tuesday, December 8, 2026: You may drive again, if you take no opioid pain pills" in text
    assert "muscle relaxers. Visit at 10:30 AM." in text and text.count("You may drive again") == 1
    assert "Tuesday, December 22, 2026: No golf: you may start again." in text  # 4 weeks
    assert "soak" not in text
    assert "If you take one, start it again on Thursday, November 26, 2026." in text
    assert "Keep your bones strong" in text


def test_default_file_name_has_no_patient_name(tmp_path: Path) -> None:
    assert run(*BASE, "--mrn", "0012345").exit_code == 0
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["kyphoplasty-2026-11-24-0012345.pdf"]
    assert run("make", "--name", "Raeann O'Kon", "--date", "2026-11-25").exit_code == 0
    names = sorted(p.name for p in tmp_path.glob("*.pdf"))
    assert len(names) == 2 and all("raeann" not in n.lower() and "kon" not in n.lower() for n in names)


def test_stdout_and_json_input(tmp_path: Path) -> None:
    facts = {
        "name": "Ann Lee",
        "date": "2026-12-31",
        "mrn": "77",
        "restrictions": ["lifting=4.5kg:6w"],
        "follow-up": "2027-01-14 09:00",
        "large_print": True,
    }
    result = CliRunner().invoke(main, ["make", "--input", "-", "-o", "-"], input=json.dumps(facts))
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"%PDF-")
    text = pdf_text(result.stdout_bytes)
    assert "Ann Lee" in text and "Thursday, December 31, 2026: Your kyphoplasty." in text
    assert "Thursday, February 11, 2027: You may lift more than 10 lb (4.5 kg) again." in text  # 6 weeks
    assert "Your follow-up visit is on Thursday, January 14, 2027 at 9:00 AM." in text
    assert "Thursday, January 14, 2027: Visit at 9:00 AM." in text
    assert list(tmp_path.glob("*.pdf")) == []


def test_options_beside_input_win(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(
        json.dumps({"name": "Ann Lee", "date": "2026-11-24", "restrictions": ["driving=1w"]})
    )
    result = run("make", "--input", "p.json", "--name", "Bo Chen", "--restriction", "driving=3d", "-o", "x.pdf")
    assert result.exit_code == 0, result.output
    text = pdf_text((tmp_path / "x.pdf").read_bytes())
    assert "Bo Chen" in text and "Ann Lee" not in text
    assert "Friday, November 27, 2026: You may drive again" in text  # 3 days, not the file's 1 week
    assert text.count("You may drive again") == 1


BAD = [
    (["--name", "", "--date", "2026-11-24"], "name: is required"),
    (["--name", "   ", "--date", "2026-11-24"], "name: is required"),
    (["--date", "2026-11-24"], "name: is required"),
    (["--name", "A", "--date", "2026-02-30"], "date: not a real calendar date"),
    (["--name", "A", "--date", "tomorrow"], "date: not a date in the form YYYY-MM-DD"),
    (["--name", "A"], "date: a date is required"),
    (
        ["--name", "A", "--date", "2026-11-24", "--procedure", "appendectomy"],
        "procedure: not a procedure that can be made (known: kyphoplasty, vertebroplasty)",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--cause", "gravity"],
        "cause: not a cause of this procedure (known: osteoporosis, cancer, trauma)",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "swimming=2w"],
        "restriction: not a restriction kind of this procedure (known:",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--no-restriction", "swimming"],
        "no_restriction: not a restriction of this procedure (known:",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=10lb:0w"],
        "restriction lifting: the duration must be more than zero",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=10lb:-1w"],
        "restriction lifting: the duration must be more than zero",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=10lb:3y"],
        "restriction lifting: the duration is not a number of days",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=10lb:25m"],
        "restriction lifting: the duration is longer than two years",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=ten pounds:6w"],
        "restriction lifting: the limit is not a weight",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "lifting=10st:6w"],
        "restriction lifting: the limit is not a weight",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--restriction", "driving=10lb:2d"],
        "restriction driving: takes no weight limit",
    ),
    (["--name", "A", "--date", "2026-11-24", "--restriction", "lifting"], "restriction: not KIND=[LIMIT:]DURATION"),
    (["--name", "A\x07B", "--date", "2026-11-24"], "name: contains a control character (U+0007)"),
    (["--name", "Ann\nLee", "--date", "2026-11-24"], "name: contains a control character (U+000A)"),
    (["--name", "አበበ", "--date", "2026-11-24"], "name: a character (U+12A0) is in no bundled font"),
    (["--name", "A", "--date", "2026-11-24", "--dob", "1948-02-30"], "dob: not a real calendar date"),
    (["--name", "A", "--date", "2026-11-24", "--dob", "2027-01-01"], "dob: is after the procedure date"),
    (
        ["--name", "A", "--date", "2026-11-24", "--follow-up", "2026-12-08"],
        "follow_up: not a date and time in the form YYYY-MM-DD HH:MM",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--follow-up", "2026-11-01 10:00"],
        "follow_up: is before the procedure date",
    ),
    (
        ["--name", "A", "--date", "2026-11-24", "--blood-thinner-restart", "soon"],
        "blood_thinner_restart: not a date in the form YYYY-MM-DD",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_one_line_exit_2_no_file(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["make", *args, "-o", "out.pdf"])
    assert_usage_error(result, message)
    assert os.listdir(tmp_path) == [] or os.listdir(tmp_path) == ["xdg-config"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "input: not valid JSON"),
        ("", "input: is empty"),
        ("[1, 2]", "input: must be a JSON object"),
        ('{"date": "2026-11-24"}', "name: is required"),
        ('{"name": "A"}', "date: a date is required"),
        ('{"name": "A", "date": "2026-11-24", "shoe_size": 9}', "shoe_size: is not a known field"),
        ('{"name": "A", "date": "2026-11-24", "restrictions": "lifting=5lb:2w"}', "restrictions: must be a list"),
        ('{"name": "A", "date": "2026-11-24", "large_print": "yes"}', "large_print: must be true or false"),
        ('{"name": 42, "date": "2026-11-24"}', "name: must be text"),
    ],
)
def test_bad_json_input(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "p.json").write_text(content)
    result = CliRunner().invoke(main, ["make", "--input", "p.json", "-o", "out.pdf"])
    assert_usage_error(result, message)
    assert not (tmp_path / "out.pdf").exists()


def test_config_facility_lines(tmp_path: Path) -> None:
    (tmp_path / "facility.toml").write_text(
        '[facility]\nname = "Riverside Spine Center"\nphone = "617-555-0100"\nphone_24h = "+1 617 555 0199"\n'
        'units = "kg"\npage_size = "A4"\n'
        '[procedures.kyphoplasty.restrictions.lifting]\nlimit = "5lb"\nduration = "3w"\n'
    )
    result = run(*BASE, "--config", "facility.toml", "-o", "out.pdf")
    assert result.exit_code == 0, result.output
    data = (tmp_path / "out.pdf").read_bytes()
    text = pdf_text(data)
    assert "Riverside Spine Center" in text
    assert "(617) 555-0100" in text and "(617) 555-0199" in text  # formatted for the US
    assert "Tuesday, December 15, 2026: You may lift more than 2.3 kg (5 lb) again." in text  # kg first
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.author == "Riverside Spine Center"
    assert round(float(reader.pages[0].mediabox[2])) == 595
    listing = run("procedures", "--config", "facility.toml")
    assert "restriction lifting: 2.3 kg (5 lb) for 3 weeks  [facility config]" in listing.output
    assert "restriction driving: 2 days  [template default]" in listing.output


def test_default_config_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "xdg-config" / "dischargegen"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('[facility]\nname = "Hillside Hospital"\n')
    assert run(*BASE, "-o", "a.pdf").exit_code == 0
    assert "Hillside Hospital" in pdf_text((tmp_path / "a.pdf").read_bytes())


def test_no_config_no_placeholders(tmp_path: Path) -> None:
    """A number nobody gave prints as a labelled line to write it in: never "None", never a dangling "call"."""
    assert run(*BASE, "-o", "a.pdf").exit_code == 0
    text = pdf_text((tmp_path / "a.pdf").read_bytes())
    assert "Call your doctor for:" in text
    assert "None" not in text and "phone" not in text.lower()
    assert re.search(r"For other problems, call _{10,}\. Call _{10,} to set up a follow-up visit", text)
    for label in ("In the day", "Nights, weekends", "To book your visit"):
        assert re.search(rf"{label} _{{10,}}", text), label
    (tmp_path / "c.toml").write_text('[facility]\nphone_24h = "6175550199"\n')
    assert run(*BASE, "--config", "c.toml", "-o", "b.pdf").exit_code == 0
    text = pdf_text((tmp_path / "b.pdf").read_bytes())
    assert "Nights, weekends (617) 555-0199" in text
    assert re.search(r"In the day _{10,}", text) and "Call your doctor for:" in text  # still no daytime number


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[facility\n", "not valid TOML"),
        ('[facility]\nunits = "stone"\n', "facility.units: 'stone' is not 'lb' or 'kg'"),
        ('[facility]\npage_size = "legal"\n', "facility.page_size"),
        ('[facility]\nfax = "1"\n', "facility.fax: unknown setting"),
        ('[facility]\nlogo = "missing.png"\n', "facility.logo"),
        (
            '[procedures.kyphoplasty.restrictions.juggling]\nduration = "2w"\n',
            "procedures.kyphoplasty.restrictions.juggling: unknown restriction kind",
        ),
        ('[procedures.kyphoplasty.restrictions.lifting]\nduration = "0w"\n', "must be more than zero"),
    ],
)
def test_bad_config(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "c.toml").write_text(config)
    result = CliRunner().invoke(main, [*BASE, "--config", "c.toml", "-o", "a.pdf"])
    assert_usage_error(result, message)
    assert not (tmp_path / "a.pdf").exists()


def test_missing_config_file_named() -> None:
    result = CliRunner().invoke(main, [*BASE, "--config", "nope.toml"])
    assert_usage_error(result, "nope.toml: config file not found")


def test_print_without_lp_keeps_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = CliRunner().invoke(main, [*BASE, "--print", "-o", "kept.pdf"])
    assert result.exit_code == 1
    assert "lp" in result.stderr and len(result.stderr.strip().splitlines()) == 2  # "Wrote", then the error
    assert "Raeann O'Kon" in pdf_text((tmp_path / "kept.pdf").read_bytes())


def test_procedures_lists_defaults() -> None:
    result = run("procedures")
    assert result.exit_code == 0
    assert "kyphoplasty: Kyphoplasty" in result.output
    assert "restriction lifting: 10 lb (4.5 kg) for 6 weeks  [template default]" in result.output


def test_language_fallback_is_said(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [*BASE, "--lang", "nl-BE", "-o", "a.pdf"])
    assert result.exit_code == 0
    assert "Warning: language: no kyphoplasty template in 'nl-BE'; the handout is in 'en'" in result.stderr


def test_a_logo_that_is_not_an_image_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("not a picture", encoding="utf-8")
    (tmp_path / "c.toml").write_text('[facility]\nlogo = "logo.png"\n', encoding="utf-8")
    result = run(*BASE, "--config", "c.toml", "-o", "a.pdf")
    assert_usage_error(result, "facility.logo")
    assert "is not a PNG or JPEG image" in result.stderr and not (tmp_path / "a.pdf").exists()
