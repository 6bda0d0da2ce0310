"""batch: many inputs, worker processes, a JSON-lines summary; one bad input never stops the rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import body_font_sizes, pdf_text

from dischargegen.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ("Raymon", "Kris", "Alberto", "Atencio", "Chalmers", "EVERYMAN", "ADAM")


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder tree as an integration engine leaves it: bundles, an ndjson, HL7, a bad file."""
    root = tmp_path / "exports"
    (root / "fhir").mkdir(parents=True)
    (root / "hl7" / "nested").mkdir(parents=True)
    shutil.copy(FIXTURES / "fhir/valid/synthea-raymon-kyphoplasty.json", root / "fhir")
    shutil.copy(FIXTURES / "fhir/valid/synthea-alberto-spanish-trimmed.json", root / "fhir")
    spec = json.loads((FIXTURES / "fhir/valid/spec-collection-kyphoplasty.json").read_text())
    other = json.loads(json.dumps(spec).replace('"value": "12345"', '"value": "67890"'))
    lines = [json.dumps(spec), "{not json", json.dumps(other)]
    (root / "fhir" / "day.ndjson").write_text("\n".join(lines) + "\n")
    shutil.copy(FIXTURES / "fhir/invalid/dangling-encounter.json", root / "fhir")
    shutil.copy(FIXTURES / "hl7/valid/adt-a03-kyphoplasty-mllp-crlf.hl7", root / "hl7" / "nested")
    shutil.copy(FIXTURES / "hl7/invalid/no-pid.hl7", root / "hl7")
    (root / "notes.md").write_text("ignored: not an input type")
    (root / ".hidden.json").write_text("{}")
    return root


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_makes_every_good_input_and_reports_every_bad_one(exports: Path, tmp_path: Path, jobs: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["batch", str(exports), "--outdir", str(out), "--jobs", jobs, "--document-reference", "--bundle-out", "--mdm"],
    )
    assert result.exit_code == 1, result.output  # some inputs failed
    assert result.output.strip().splitlines()[-1] == f"5 made, 0 skipped, 3 failed; summary: {out / 'summary.jsonl'}"
    summary = rows(out / "summary.jsonl")
    assert [r["row"] for r in summary] == list(range(1, 9))
    by_input = {Path(r["input"]).name: r for r in summary}
    assert by_input["day.ndjson:2"]["status"] == "failed"
    assert by_input["day.ndjson:2"]["error"].startswith("Bundle: not valid JSON")
    assert by_input["dangling-encounter.json"]["error"].startswith(
        "Bundle.entry[5].resource(Procedure).encounter.reference: dangling"
    )
    assert by_input["no-pid.hl7"]["error"] == "PID: the message has no PID segment"
    spanish = by_input["synthea-alberto-spanish-trimmed.json"]
    assert spanish["status"] == "ok" and spanish["language"] == "en" and spanish["language_requested"] == "es"
    assert "no kyphoplasty template in 'es'" in spanish["warnings"][0]
    hl7_row = by_input["adt-a03-kyphoplasty-mllp-crlf.hl7"]
    assert [Path(p).name for p in hl7_row["outputs"]] == [
        "kyphoplasty-2005-01-25-PATID1234.pdf",
        "kyphoplasty-2005-01-25-PATID1234.mdm.hl7",
    ]
    raymon = by_input["synthea-raymon-kyphoplasty.json"]
    stem = "kyphoplasty-2018-06-15-ca5da59f-0a70-470d-8b20-a1c847ff9010"
    assert [Path(p).name for p in raymon["outputs"]] == [f"{stem}.pdf", f"{stem}.docref.json", f"{stem}.bundle.json"]
    assert "Raymon Kris" in pdf_text((out / f"{stem}.pdf").read_bytes())
    made = sorted(p.name for p in out.iterdir())
    assert len(made) == 1 + 4 * 3 + 2  # summary, four FHIR inputs x 3 files, one HL7 x 2
    text = (out / "summary.jsonl").read_text() + result.output + " ".join(made)
    for name in NAMES:  # no patient names in file names, messages or the summary's own fields
        assert name not in text.replace(str(exports), "")


def test_rerun_with_skip_existing_renders_nothing_new(exports: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--jobs", "1"])
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}
    result = runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--jobs", "1", "--skip-existing"])
    assert result.exit_code == 1
    assert "0 made, 5 skipped, 3 failed" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")} == before


def test_same_patient_and_date_twice_is_not_overwritten(tmp_path: Path) -> None:
    source = FIXTURES / "fhir/valid/spec-collection-kyphoplasty.json"
    result = CliRunner().invoke(main, ["batch", str(source), str(source), "--outdir", "out", "--jobs", "1"])
    assert result.exit_code == 1
    first, second = rows(tmp_path / "out" / "summary.jsonl")
    assert first["status"] == "ok"
    assert (
        second["status"] == "failed" and second["error"] == "output: same procedure, date and MRN as row 1; not written"
    )


def test_batch_wide_options_apply_to_every_input(tmp_path: Path) -> None:
    source = FIXTURES / "hl7/valid/adt-a03-no-pr1.hl7"  # an ADT^A03 without a PR1 segment
    options = ["--procedure", "kyphoplasty", "--restriction", "driving=5d", "--large-print", "--language", "en"]
    result = CliRunner().invoke(main, ["batch", str(source), "--outdir", "out", *options, "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    [row] = rows(tmp_path / "out" / "summary.jsonl")
    assert row["status"] == "ok"
    pdf = Path(row["outputs"][0]).read_bytes()
    text = pdf_text(pdf)
    assert "Friday, November 20, 2026" in text and "Do not drive until Wednesday, November 25, 2026" in text
    assert max(body_font_sizes(pdf)) >= 18  # large print
    result = CliRunner().invoke(main, ["batch", str(source), "--outdir", "again", *options])
    assert result.exit_code == 1  # no date: the record has none, and none was given
    [row] = rows(tmp_path / "again" / "summary.jsonl")
    assert row["error"] == "PR1: the message has no PR1 segment: give --procedure and --date"


def test_output_folder_inside_the_input_folder_is_not_read_back(exports: Path) -> None:
    out = exports / "out"
    runner = CliRunner()
    runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--document-reference"])
    result = runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--document-reference"])
    assert "5 made, 0 skipped, 3 failed" in result.output
