"""The README runs: its examples are tests, so that it cannot drift from the program.

- ```console blocks: each ``$ `` line is run (the installed ``dischargegen``) in a folder holding
  ``tests/fixtures/readme/``; the lines under it are its output, stdout and stderr as a user sees
  them, where a line ``...`` stands for any number of lines. A command whose output shows an
  error or a failed input must exit non-zero; any other must exit 0.
- ```sh blocks: each ``dischargegen`` line must exit 0, except those that print.
- ```json blocks make a handout; ```toml blocks load as a facility config (procedure metadata
  must agree with the shipped file); ```python blocks run.
- A block after a line that names a file (`` `patient.json`: ``) is that file of the fixtures.

Each test is named after the README line of its block or command.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import pytest

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
FIXTURES = HERE / "fixtures" / "readme"
SACROPLASTY = HERE / "fixtures" / "templates" / "facility" / "sacroplasty"
SHIPPED = HERE.parent / "templates"
BIN = Path(sys.executable).parent
KNOWN = {"console", "sh", "json", "toml", "xml", "python", "text"}
PRINTING = {"--print", "--printer"}


class Block(NamedTuple):
    line: int  # the README line of the opening fence
    info: str
    text: str
    name: str | None  # the fixture file the block is, when the line before it names one


def read_blocks() -> list[Block]:
    found: list[Block] = []
    lines = README.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        if lines[number].startswith("```"):
            start, info, body = number, lines[number][3:].strip(), []
            number += 1
            while not lines[number].startswith("```"):
                body.append(lines[number])
                number += 1
            before = [line for line in lines[:start] if line.strip()][-1:]
            named = re.fullmatch(r"`([\w./-]+)`:", before[0]) if before else None
            found.append(Block(start + 1, info, "".join(f"{b}\n" for b in body), named and named[1]))
        number += 1
    return found


BLOCKS = read_blocks()


def blocks(info: str) -> list[Any]:
    return [pytest.param(b, id=f"README.md:{b.line}") for b in BLOCKS if b.info == info]


def logical_lines(block: Block) -> list[tuple[int, str]]:
    """(README line, text) with backslash-continued lines joined."""
    joined: list[tuple[int, str]] = []
    continued = False
    for offset, line in enumerate(block.text.splitlines(), start=1):
        if continued:
            joined[-1] = (joined[-1][0], joined[-1][1][:-1].rstrip() + " " + line.strip())
        else:
            joined.append((block.line + offset, line))
        continued = line.endswith("\\")
    return joined


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixtures in a fresh folder (the current one), with the environment the commands see."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    for name in ("DISCHARGEGEN_CONFIG", "SOURCE_DATE_EPOCH", "DISCHARGEGEN_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".data"))  # the file-name key
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return tmp_path


def run(command: str, cwd: Path) -> tuple[int, str]:
    """Run one shell-like command line (words, ``< file`` and ``> file``); the status and output."""
    words, args, streams = shlex.split(command, comments=True), [], {}
    while words:
        word = words.pop(0)
        if word in ("<", ">"):
            streams[word] = cwd / words.pop(0)
        else:
            args.append(word)
    if args[0] == "dischargegen":
        args[0] = str(BIN / "dischargegen")
    stdin = open(streams["<"], "rb") if "<" in streams else subprocess.DEVNULL  # noqa: SIM115
    stdout = open(streams[">"], "wb") if ">" in streams else subprocess.PIPE  # noqa: SIM115
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE if ">" in streams else subprocess.STDOUT,
            timeout=120,
        )
    finally:
        for stream in (stdin, stdout):
            if not isinstance(stream, int):
                stream.close()
    shown = result.stderr if ">" in streams else result.stdout
    return result.returncode, shown.decode("utf-8", errors="replace")


def matches(expected: list[str], output: str) -> bool:
    """Whether ``output`` is ``expected`` line by line (trailing spaces aside), ``...`` any lines."""
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line.rstrip()) + r"\n" for line in expected)
    return re.fullmatch(pattern, "".join(line.rstrip() + "\n" for line in output.splitlines())) is not None


def sessions(block: Block) -> list[tuple[int, str, list[str]]]:
    """A console block's (README line, command, expected output lines)."""
    steps: list[tuple[int, str, list[str]]] = []
    for number, line in logical_lines(block):
        if line.startswith("$ "):
            steps.append((number, line[2:], []))
        else:
            assert steps, f"README.md:{number}: output before the first command"
            steps[-1][2].append(line)
    return steps


@pytest.mark.parametrize("block", blocks("console"))
def test_console_example_prints_what_the_readme_shows(block: Block, folder: Path) -> None:
    for number, command, expected in sessions(block):
        status, output = run(command, folder)
        assert matches(expected, output), (
            f"README.md:{number}: $ {command}\n--- the README shows:\n"
            + "\n".join(expected)
            + f"\n--- it prints:\n{output}"
        )
        fails = any(line.startswith("Error:") or re.search(r"\b[1-9]\d* failed\b", line) for line in expected)
        assert (status != 0) == fails, f"README.md:{number}: $ {command}: exit status {status}\n{output}"


SH_COMMANDS = [
    pytest.param(line, id=f"README.md:{number}")
    for block in BLOCKS
    if block.info == "sh"
    for number, line in logical_lines(block)
    if line.startswith("dischargegen ") and not PRINTING & set(shlex.split(line, comments=True))
]


@pytest.mark.parametrize("command", SH_COMMANDS)
def test_sh_example_runs(command: str, folder: Path) -> None:
    status, output = run(command, folder)
    assert status == 0, f"$ {command}\n{output}"


@pytest.mark.parametrize("block", blocks("json"))
def test_json_facts_example_makes_a_handout(block: Block, folder: Path) -> None:
    (folder / "facts.json").write_text(block.text, encoding="utf-8")
    status, output = run("dischargegen make --input facts.json -o facts.pdf", folder)
    assert status == 0, output
    assert (folder / "facts.pdf").read_bytes().startswith(b"%PDF-")


def is_subset(part: Any, whole: Any) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and is_subset(v, whole[k]) for k, v in part.items())
    return bool(part == whole)


@pytest.mark.parametrize("block", blocks("toml"))
def test_toml_example_loads(block: Block, folder: Path) -> None:
    data = tomllib.loads(block.text)
    if "procedure" in data:  # procedure metadata: the named fixture, else a shipped file's excerpt
        shipped = [tomllib.loads(p.read_text(encoding="utf-8")) for p in SHIPPED.glob("*/procedure.toml")]
        assert block.name or any(is_subset(data, whole) for whole in shipped), "not what a shipped file says"
        return
    if "translation" in data:  # a translation's metadata: what a shipped one says
        shipped = [tomllib.loads(p.read_text(encoding="utf-8")) for p in SHIPPED.glob("*/*.toml")]
        assert any(is_subset(data, whole) for whole in shipped), "not what a shipped translation says"
        return
    (folder / "example.toml").write_text(block.text, encoding="utf-8")
    status, output = run("dischargegen procedures --config example.toml", folder)
    assert status == 0, output


@pytest.mark.parametrize("block", blocks("python"))
def test_python_example_runs(block: Block, folder: Path) -> None:
    exec(compile(block.text, f"README.md:{block.line}", "exec"), {"__name__": "readme_example"})


@pytest.mark.parametrize("block", [pytest.param(b, id=f"README.md:{b.line}") for b in BLOCKS if b.name])
def test_named_block_is_the_fixture_file(block: Block) -> None:
    assert block.text == (FIXTURES / str(block.name)).read_text(encoding="utf-8")
    if str(block.name).startswith("our-templates/sacroplasty/"):
        assert block.text == (SACROPLASTY / Path(str(block.name)).name).read_text(encoding="utf-8")


def test_every_example_is_tested() -> None:
    """No block escapes the tests above through a missing or unknown info string."""
    assert all(b.info in KNOWN for b in BLOCKS), [(b.line, b.info) for b in BLOCKS if b.info not in KNOWN]
    for block in BLOCKS:
        if block.info not in ("console", "sh"):
            assert not re.search(r"^(\$ )?dischargegen ", block.text, re.MULTILINE), block.line
    assert {b.name for b in BLOCKS} >= {"patient.json", "facility.toml"} | {
        f"our-templates/sacroplasty/{p.name}" for p in SACROPLASTY.iterdir()
    }
    assert all(b.name for b in BLOCKS if b.info == "xml")
    assert len(blocks("console")) >= 10 and len(SH_COMMANDS) >= 2 and len(blocks("python")) >= 5


def test_the_comparer_rejects_a_wrong_output(folder: Path) -> None:
    assert matches(["a", "...", "d"], "a\nb\nc\nd\n") and matches(["a", "...", "b"], "a\nb\n")
    assert not matches(["a", "...", "d"], "a\nb\n") and not matches(["a"], "a\nextra\n")
    status, output = run("dischargegen procedures --config facility.toml", folder)
    assert status == 0 and matches(
        ["...", "  restriction lifting: 5 lb (2.3 kg) for 3 weeks  [facility config]", "..."], output
    )
    assert not matches(["...", "  restriction lifting: 2.3 kg (5 lb) for 3 weeks  [facility config]", "..."], output)
