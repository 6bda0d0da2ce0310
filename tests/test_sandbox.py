"""Facility templates are hostile: they read no file outside their folder, and their time,
memory and output are bounded. Each case is one the security review used to break the tool."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dischargegen.cli import main

META = Path(__file__).parent / "fixtures" / "templates" / "facility" / "sacroplasty" / "procedure.toml"
PATIENT = ["--name", "Zyxwq Qorvath", "--date", "2026-11-24", "--dob", "1948-03-02", "--mrn", "7788"]


def facility(tmp_path: Path, body: str, name: str = "escape") -> Path:
    """A facility templates folder with one procedure whose handout holds ``body``."""
    folder = tmp_path / "facility" / name
    folder.mkdir(parents=True)
    shutil.copy(META, folder / "procedure.toml")
    (folder / "en.xml.j2").write_text(
        f"<handout><title>Going home</title>\n<p>Done.</p>\n{body}\n</handout>\n", encoding="utf-8"
    )
    return folder.parent


def make(templates: Path, *extra: str, procedure: str = "escape"):  # type: ignore[no-untyped-def]
    args = ["make", *PATIENT, "--procedure", procedure, "--templates-dir", str(templates), "-o", "out.pdf", *extra]
    return CliRunner().invoke(main, args)


def assert_refused(result, tmp_path: Path, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0], lines[0]
    assert not (tmp_path / "out.pdf").exists()
    assert "Qorvath" not in result.stderr and "7788" not in result.stderr


def test_a_template_that_links_to_a_file_outside_cannot_include_it(tmp_path: Path) -> None:
    templates = facility(tmp_path, '<p>{% include "esc/pw.xml.j2" %}</p>')
    (templates / "esc").mkdir()
    (templates / "esc" / "pw.xml.j2").symlink_to("/etc/passwd")
    result = make(templates)
    assert_refused(result, tmp_path, "leads outside the templates folder")
    assert "root:" not in result.output


def test_a_linked_folder_inside_the_templates_folder_is_not_followed_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xml.j2").write_text("<p>SECRET-LINE</p>", encoding="utf-8")
    templates = facility(tmp_path, '{% include "linked/secret.xml.j2" %}')
    (templates / "linked").symlink_to(outside, target_is_directory=True)
    result = make(templates)
    assert_refused(result, tmp_path, "leads outside the templates folder")
    assert "SECRET-LINE" not in result.output


def test_a_link_that_stays_inside_the_folder_works(tmp_path: Path) -> None:
    templates = facility(tmp_path, '{% include "parts/real.xml.j2" %}')
    (templates / "parts").mkdir()
    (templates / "parts" / "target.xml.j2").write_text("<p>Shared words.</p>", encoding="utf-8")
    (templates / "parts" / "real.xml.j2").symlink_to(templates / "parts" / "target.xml.j2")
    assert make(templates).exit_code == 0


def test_a_procedure_folder_linked_from_outside_cannot_read_its_metadata(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "escape"
    outside.mkdir(parents=True)
    shutil.copy(META, outside / "procedure.toml")
    (outside / "en.xml.j2").write_text("<handout><title>T</title></handout>", encoding="utf-8")
    templates = tmp_path / "facility"
    templates.mkdir()
    (templates / "escape").symlink_to(outside, target_is_directory=True)
    result = make(templates)
    assert_refused(result, tmp_path, "leads outside the templates folder")


def test_a_fifo_is_not_read_as_a_template(tmp_path: Path) -> None:
    templates = facility(tmp_path, '{% include "fifo.xml.j2" %}')
    os.mkfifo(templates / "fifo.xml.j2")
    assert_refused(make(templates), tmp_path, "is not a regular file")


BOMBS = {
    "nested loops over long strings": "{% for a in 'x' * 5000 %}{% for b in 'y' * 5000 %}{% endfor %}{% endfor %}",
    "a huge integer power": "{{ (10 ** 99) ** 99 }}",
    "a million elements": "{% for a in ('ab' * 5000)|list %}{% for b in ('cd' * 5000)|list %}{{ b }}"
    "{% endfor %}{% endfor %}",
    "percent padding": "{{ '%1000000000s' % 'x' }}",
    "center": "{{ 'x'|center(1000000000) }}",
    "str.format padding": "{{ '{:>1000000000}'.format('x') }}",
    "format filter padding": "{{ '%1000000000d'|format(1) }}",
    "string-doubling macro": "{% macro d(s) %}{{ d(s ~ s) }}{% endmacro %}{{ d('x') }}",
    "replace growth": "{{ ('x' * 9000)|replace('x', 'y' * 9000) }}",
    "join growth": "{{ (['y' * 9000] * 9000)|join }}",
    "indent width": "{{ 'a\\nb'|indent(1000000000) }}",
    "ljust method": "{{ 'x'.ljust(1000000000) }}",
    "output flood": "{% for a in 'x' * 9999 %}{{ 'y' * 9999 }}{% endfor %}",
    "capture flood": "{% set big %}{% for a in 'x' * 9999 %}{% for b in 'x' * 9999 %}zzzzzzzzzz{% endfor %}"
    "{% endfor %}{% endset %}",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_template_budgets_stop_bombs_quickly(tmp_path: Path, name: str) -> None:
    templates = facility(tmp_path, f"<p>{BOMBS[name]}</p>")
    start = time.monotonic()
    result = make(templates)
    assert time.monotonic() - start < 10
    assert_refused(result, tmp_path, "not allowed in a template")


def test_safe_cannot_turn_a_value_into_markup(tmp_path: Path) -> None:
    templates = facility(tmp_path, "<p>{{ patient.name|safe }}</p>")
    assert_refused(make(templates), tmp_path, "No filter named 'safe'")


def test_an_error_never_quotes_a_value_from_the_facts(tmp_path: Path) -> None:
    templates = facility(tmp_path, "<p>{{ values[patient.name] }}</p>")
    result = make(templates)
    assert_refused(result, tmp_path, "undefined: 'dict object' has no attribute '…'")


def test_errors_raised_inside_filters_are_reported_without_their_text(tmp_path: Path) -> None:
    templates = facility(tmp_path, "<p>{{ patient.dob.replace(year=patient.name|length * 10000) }}</p>")
    result = make(templates)
    assert_refused(result, tmp_path, "ValueError raised while rendering (details left out")
    assert "130000" not in result.stderr


def test_ordinary_template_code_still_works(tmp_path: Path) -> None:
    body = (
        "<p>{{ ('Hello ' ~ patient.name)|center(30) }} {{ '%-5s|' % 'ab' }} {{ [1, 2, 3]|join(', ') }}"
        " {{ 2 ** 10 }} {{ 'ab'|replace('a', 'c') }} {% for r in restrictions %}{{ loop.index }}{% endfor %}</p>"
    )
    result = make(facility(tmp_path, body))
    assert result.exit_code == 0, result.output
