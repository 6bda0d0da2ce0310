"""Output files: atomic writes, and names that never carry the patient's name."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from dischargegen.errors import OutputError
from dischargegen.model import Handout, Patient
from dischargegen.sinks import files
from dischargegen.sinks.files import default_filename, write_atomic


def handout(name: str, mrn: str | None) -> Handout:
    return Handout("kyphoplasty", "en", Patient(name, None, mrn), date(2026, 11, 24), (), {})


def test_atomic_write_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"
    assert os.listdir(tmp_path) == ["a.pdf"]


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError(28, "No space left on device")])
def test_interrupted_write_leaves_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interruption
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")

    def crash(fd: int) -> None:  # the disk sync is where a real crash would leave half a file
        raise interruption

    monkeypatch.setattr(files.os, "fsync", crash)
    with pytest.raises((KeyboardInterrupt, OutputError)):
        write_atomic(target, b"%PDF-" + b"x" * 100_000)
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.pdf"]


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "a.pdf", b"x")


def test_default_names() -> None:
    assert default_filename(handout("Ann Lee", "00/12 345")) == "kyphoplasty-2026-11-24-0012345.pdf"
    hashed = default_filename(handout("Ann Lee", None))
    assert hashed.startswith("kyphoplasty-2026-11-24-h") and "ann" not in hashed.lower()
    assert hashed == default_filename(handout("Ann Lee", None))  # stable across runs
    assert hashed != default_filename(handout("Bo Chen", None))
