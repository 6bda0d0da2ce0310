"""Every command has help, appears in the README, and runs as an installed program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dischargegen.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), commands(main))
def test_command_has_help_and_is_documented(name: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert command.help, f"{name} has no help text"
    readme = README.read_text(encoding="utf-8")
    assert f"dischargegen {name}" in readme, f"'dischargegen {name}' is not in the README"
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in readme, f"{name} {opt} is not in the README"


@pytest.mark.parametrize("argv", [["dischargegen"], [sys.executable, "-m", "dischargegen"]])
def test_installed_entry_points(tmp_path: Path, argv: list[str]) -> None:
    result = subprocess.run(
        [*argv, "make", "--name", "Ann Lee", "--date", "2026-11-24", "--mrn", "42"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kyphoplasty-2026-11-24-42.pdf").read_bytes().startswith(b"%PDF-")
    bad = subprocess.run(
        [*argv, "make", "--name", "Ann Lee", "--date", "2026-02-30"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.strip() == "Error: date: not a real calendar date"


def test_main_help_summaries_match_the_commands() -> None:
    """`dischargegen --help` shows summaries without importing the commands: they must not drift."""
    from dischargegen.cli import COMMANDS

    for name, (_, _, summary) in COMMANDS.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.help
        assert " ".join(command.help.split()).startswith(summary.rstrip(".")), name
    listing = CliRunner().invoke(main, ["--help"]).output
    assert all(name in listing for name in COMMANDS)


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys; from dischargegen.cli import main; main(['--help'], standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith('dischargegen')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['dischargegen', 'dischargegen.cli']"


@pytest.mark.parametrize("name", ["make", "from-fhir", "from-hl7", "batch"])
def test_help_shows_dates_and_choices_and_no_default_the_record_decides(name: str) -> None:
    text = " ".join(CliRunner().invoke(main, [name, "--help"], terminal_width=200).output.split())
    assert "--date DATE" in text and "--cause [osteoporosis|cancer|trauma]" in text
    assert "--page-size [letter|a4]" in text
    if name == "make":
        assert "(default: kyphoplasty)" in text
    else:
        assert "default: kyphoplasty" not in text and "(default: en)" not in text
        assert "from the record's procedure code" in text


def test_preview_takes_language_like_make() -> None:
    for name in (["make"], ["templates", "preview"]):
        text = CliRunner().invoke(main, [*name, "--help"]).output
        assert "--language, --lang CODE" in text


def test_ci_runs_the_readme_test_command() -> None:
    """CI installs and tests the project exactly as the README tells a developer to."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci.startswith("python3 -m venv .venv && ") and ci in README.read_text(encoding="utf-8")


def test_every_fact_has_an_option() -> None:
    from dischargegen.api import FACT_FIELDS
    from dischargegen.cli.options import fact_options

    assert sorted(fact_options(from_record=False)) == sorted(FACT_FIELDS)
