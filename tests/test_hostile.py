"""The hostile-input corpus: every case in ``tests/fixtures/hostile`` run as a user runs it.

See ``tests/fixtures/hostile/README.md`` for the layout. Each case runs as its own process
under a 10-second timeout, in an empty folder with no facility config.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "fixtures" / "hostile"
EXE = shutil.which("dischargegen", path=str(Path(sys.executable).parent)) or "dischargegen"
TIMEOUT = 10


def cases() -> list[Path]:
    found = []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for case in sorted(folder.iterdir()):
            if case.suffix != ".expect" and not case.name.startswith("."):
                found.append(case)
    return found


def command(case: Path, work: Path) -> list[str]:
    kind = case.parent.name
    if kind == "args":
        return [EXE, *json.loads(case.read_text(encoding="utf-8"))]
    if kind == "json":
        return [EXE, "make", "--input", str(case), "-o", "out.pdf"]
    if kind == "fhir":
        return [EXE, "from-fhir", str(case), "-o", "out.pdf", "--document-reference", "out.json"]
    if kind == "hl7":
        return [EXE, "from-hl7", str(case), "-o", "out.pdf", "--mdm", "out.hl7"]
    if kind == "templates":
        copy = work / "templates"
        shutil.copytree(case, copy, symlinks=True)
        return [
            EXE,
            "make",
            "--templates-dir",
            str(copy),
            *json.loads((case / "make.json").read_text(encoding="utf-8")),
        ]
    raise AssertionError(f"unknown corpus folder {kind}")


def expectation(case: Path) -> tuple[int, str, list[str]]:
    path = case / "expect" if case.is_dir() else case.with_name(case.name + ".expect")
    lines = path.read_text(encoding="utf-8").splitlines()
    never = [line.removeprefix("never: ") for line in lines[2:] if line.startswith("never: ")]
    return int(lines[0]), lines[1] if len(lines) > 1 else "", never


def run_case(case: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISCHARGEGEN_CONFIG", "SOURCE_DATE_EPOCH", "DISCHARGEGEN_DEBUG")
    }
    env.update(
        XDG_CONFIG_HOME=str(work / "xdg-config"),
        XDG_CACHE_HOME=str(work / "xdg-cache"),
        XDG_DATA_HOME=str(work / "xdg-data"),
    )
    argv = command(case, work)
    return subprocess.run(
        argv, cwd=work / "run", env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )


@pytest.mark.parametrize("case", cases(), ids=[f"{c.parent.name}/{c.name}" for c in cases()])
def test_hostile_case(case: Path, tmp_path: Path) -> None:
    status, message, never = expectation(case)
    (tmp_path / "run").mkdir()
    result = run_case(case, tmp_path)
    assert "Traceback" not in result.stderr and result.returncode != 70, result.stderr
    assert result.returncode == status, result.stderr
    if status != 0:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert message in lines[0], result.stderr
        assert list((tmp_path / "run").iterdir()) == [], "a failed run left files"
    for value in never:
        assert value not in result.stderr, f"stderr shows a patient value: {value!r}"


def test_every_case_has_an_expectation() -> None:
    for case in cases():
        expectation(case)
