"""Facility templates: adding and overriding procedures, the sandbox, and broken templates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import pdf_text

from dischargegen.api import load_settings, make_handout, render_pdf
from dischargegen.cli import main
from dischargegen.errors import TemplateError

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
FACILITY = FIXTURES / "facility"
META = Path(__file__).parents[1] / "templates" / "vertebroplasty" / "procedure.toml"


def test_facility_folder_adds_a_procedure_and_overrides_one() -> None:
    settings = load_settings(templates_dir=FACILITY)
    assert sorted(settings.catalog.procedures) == ["kyphoplasty", "sacroplasty", "vertebroplasty"]
    added = make_handout({"name": "Ann Lee", "date": "2026-11-24", "procedure": "sacroplasty", "mrn": "77"}, settings)
    text = pdf_text(render_pdf(added, settings))
    assert "Going home after your sacroplasty" in text
    assert "Do not lift more than 10 lb (4.5 kg) until Tuesday, December 22, 2026." in text  # 4 weeks
    assert "Sacroplasty handout, version 0.1.0, reviewed 2026-11-20" in text
    own = make_handout({"name": "Ann Lee", "date": "2026-11-24"}, settings)
    text = pdf_text(render_pdf(own, settings))
    assert "Our team fixed a broken bone in your spine" in text
    assert "Kyphoplasty handout 1.0.0-rsc (2026-11-25)" in text  # the facility's version, not the shipped one
    assert "1.1.0" not in text


def test_templates_dir_from_the_config_and_list_shows_the_origin(tmp_path: Path) -> None:
    config = tmp_path / "facility.toml"
    config.write_text(f'templates_dir = "{FACILITY}"\n')
    result = CliRunner().invoke(main, ["templates", "list", "--config", str(config)])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("sacroplasty"))
    assert "0.1.0" in line and "2026-11-20" in line and "facility" in line


def test_facility_templates_are_checked_like_shipped_ones() -> None:
    args = ["templates", "check", "sacroplasty", "kyphoplasty", "--templates-dir", str(FACILITY)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 template(s) checked: 0 failed" in result.output
    # the override is checked in large print too (4 causes x 2 sets of facts), within four pages
    report = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    [override] = [t for t in report["templates"] if t["procedure"] == "kyphoplasty"]
    large = [v for v in override["variants"] if v["large_print"]]
    assert len(large) == 8
    assert all(1 <= v["pages"] <= 4 for v in large), large


BROKEN = [
    ("grade-too-high", "FAIL", "Flesch-Kincaid grade", "en.xml.j2"),
    ("no-source", "ERROR", "restrictions.driving has no source for its default value", "procedure.toml:28"),
    (
        "undefined-variable",
        "ERROR",
        "undefined: 'dischargegen.model.Patient object' has no attribute 'nickname'",
        "en.xml.j2:4",
    ),
    ("unknown-element", "ERROR", "unknown element <font>", "en.xml.j2:4"),
    ("sandbox-escape", "ERROR", "not allowed in a template: access to attribute '__class__'", "en.xml.j2:4"),
    ("malformed-metadata", "ERROR", "not valid TOML", "procedure.toml:7"),
]


@pytest.mark.parametrize(("case", "level", "message", "where"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_fixture_fails_check_with_the_right_message(case: str, level: str, message: str, where: str) -> None:
    folder = FIXTURES / case
    result = CliRunner().invoke(main, ["templates", "check", case, "--templates-dir", str(folder)])
    assert result.exit_code == 1, result.output
    notes = [line for line in result.output.splitlines() if line.startswith(level + " ")]
    assert notes, result.output
    assert message in notes[0]
    assert f"{folder / case / where.split(':')[0]}" in notes[0] and where in notes[0]
    assert "1 template(s) checked: 1 failed" in result.output


def test_broken_fixture_in_json() -> None:
    folder = FIXTURES / "no-source"
    result = CliRunner().invoke(main, ["templates", "check", "--json", "--lang", "en", "--templates-dir", str(folder)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    broken = next(t for t in report["templates"] if t["procedure"] == "no-source")
    assert broken["ok"] is False
    assert broken["findings"][0]["code"] == "source" and broken["findings"][0]["line"] == 28
    assert all(t["ok"] for t in report["templates"] if t["procedure"] != "no-source")  # the rest still checked


ESCAPES = [
    "{{ patient.__class__ }}",
    "{{ patient.name.__class__.__mro__[1].__subclasses__() }}",
    "{{ facility.__init__.__globals__ }}",
    "{{ procedure.reviewed.__class__ }}",
    "{{ self }}",
    "{{ self._TemplateReference__context }}",
    "{{ cycler }}",
    "{{ lipsum() }}",
    "{{ range(3) }}",
    "{{ joiner() }}",
    "{{ config }}",
    "{{ environ }}",
    "{{ os.environ }}",
    "{{ request }}",
    "{{ medications.append(1) }}",
    "{{ 'x' * 100000 }}",
    "{{ 9 ** 999999 }}",
    '{% include "/etc/passwd" %}',
    '{% include "../../../../../etc/passwd" %}',
    '{% include "vertebroplasty/procedure.toml" %}',
    '{% import "nothere.xml.j2" as x %}',
]


@pytest.mark.parametrize("expression", ESCAPES)
def test_sandbox_stops_a_template_with_file_and_line_and_no_pdf(tmp_path: Path, expression: str) -> None:
    folder = tmp_path / "facility" / "escape"
    folder.mkdir(parents=True)
    shutil.copy(META, folder / "procedure.toml")
    template = folder / "en.xml.j2"
    template.write_text(
        '{% extends "_shared/spine-augmentation.en.xml.j2" %}\n'
        "{% block what_was_done %}\n"
        f"<p>Done. {expression}</p>\n"
        "{% endblock %}\n"
    )
    settings = load_settings(templates_dir=folder.parent)
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24", "procedure": "escape"}, settings)
    with pytest.raises(TemplateError) as caught:
        render_pdf(handout, settings)
    assert caught.value.file == str(template)
    assert caught.value.line == 3
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(
        main,
        [
            "make",
            "--name",
            "Ann Lee",
            "--date",
            "2026-11-24",
            "--procedure",
            "escape",
            "--templates-dir",
            str(folder.parent),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {template}:3: ")
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob("*.pdf")) and not list(Path(".").glob("*.pdf"))
