"""Output files: atomic writes of regular files only, names that never carry the patient's name
and cannot be guessed, outputs that never overwrite each other, and quiet broken pipes."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from dischargegen import api
from dischargegen.cli import main
from dischargegen.errors import OutputError
from dischargegen.model import Handout, Patient
from dischargegen.sinks import files
from dischargegen.sinks.files import default_filename, write_atomic

FIXTURES = Path(__file__).parent / "fixtures"
RAYMON = FIXTURES / "fhir/valid/synthea-raymon-kyphoplasty.json"
RAYMON_PDF = "kyphoplasty-2018-06-15-ca5da59f-0a70-470d-8b20-a1c847ff9010.pdf"
HL7 = FIXTURES / "hl7/valid/adt-a03-kyphoplasty-mllp-crlf.hl7"


@pytest.fixture(autouse=True)
def _key_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's file-name key lives in a fresh data folder, outside the test's own folder."""
    data = tmp_path_factory.mktemp("xdg-data")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


def handout(name: str, mrn: str | None, dob: date | None = None) -> Handout:
    return Handout("kyphoplasty", "en", Patient(name, dob, mrn), date(2026, 11, 24), (), {})


def test_atomic_write_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"%PDF-new")
    assert target.read_bytes() == b"%PDF-new"
    assert os.listdir(tmp_path) == ["a.pdf"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


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


# ---- defect 6: only regular files are written ----------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


def _link_to_stdout(path: Path) -> None:
    path.symlink_to("/proc/self/fd/1")  # what /dev/stdout is


def _link_to_file(path: Path) -> None:
    (path.parent / "real.pdf").write_bytes(b"kept")
    path.symlink_to("real.pdf")


def _device(path: Path) -> None:
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null
    except PermissionError:
        pytest.skip("cannot make a device node here")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_fifo, "is not a regular file"),
        (_socket, "is not a regular file"),
        (_device, "is not a regular file"),
        (Path.mkdir, "is not a regular file"),
        (_link_to_stdout, "is a symbolic link"),
        (_link_to_file, "is a symbolic link"),
    ],
    ids=["fifo", "socket", "device", "folder", "link-to-stdout", "link-to-file"],
)
def test_only_regular_files_are_replaced(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.pdf"
    make(target)
    before = os.lstat(target)
    with pytest.raises(OutputError) as caught:
        write_atomic(target, b"%PDF-new")
    assert str(caught.value) == f"{target}: {message}"
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)  # still the same thing
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # refused before the temp file
    if make is _link_to_file:
        assert (tmp_path / "real.pdf").read_bytes() == b"kept"


def test_output_onto_a_fifo_is_one_line_and_dash_is_still_stdout(tmp_path: Path) -> None:
    os.mkfifo("pipe.pdf")
    args = ["make", "--name", "Ann Lee", "--date", "2026-11-24", "--mrn", "42"]
    result = CliRunner().invoke(main, [*args, "-o", "pipe.pdf"])
    assert result.exit_code == 1
    assert result.output == "Error: pipe.pdf: is not a regular file\n"
    assert stat.S_ISFIFO(os.lstat("pipe.pdf").st_mode)
    result = CliRunner().invoke(main, [*args, "-o", "-"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"%PDF-")


# ---- defect 5: no output overwrites another, or the input ------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["from-fhir", str(RAYMON), "-o", "x.pdf", "--document-reference", "x.pdf"],
            "--document-reference: x.pdf is the same file as --output",
        ),
        (
            ["from-fhir", str(RAYMON), "-o", "x.pdf", "--bundle-out", "sub/../x.pdf"],
            "--bundle-out: sub/../x.pdf is the same file as --output (x.pdf)",
        ),
        (
            ["from-fhir", str(RAYMON), "--document-reference", "d.json", "--bundle-out", "link.json"],
            "--bundle-out: link.json is the same file as --document-reference (d.json)",
        ),
        (
            ["from-fhir", str(RAYMON), "--document-reference", "d.json", "--bundle-out", "hard.json"],
            "--bundle-out: hard.json is the same file as --document-reference (d.json)",
        ),
        (
            ["from-hl7", str(HL7), "-o", "m.hl7", "--mdm", "./m.hl7"],
            "--mdm: ./m.hl7 is the same file as --output (m.hl7)",
        ),
        (["from-fhir", "in.json", "-o", "in.json"], "--output: in.json is the same file as the input"),
        (
            ["from-fhir", str(RAYMON), "--document-reference", RAYMON_PDF],
            f"--document-reference: {RAYMON_PDF} is the same file as the handout's default name",
        ),
    ],
    ids=["docref", "bundle-out-dotdot", "symlink", "hard-link", "mdm", "input", "default-name"],
)
def test_two_outputs_on_one_file_are_refused_before_anything_is_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    Path("d.json").write_text("old")
    Path("link.json").symlink_to("d.json")
    os.link("d.json", "hard.json")
    Path("in.json").write_bytes(RAYMON.read_bytes())
    before = {p.name: (p.lstat().st_ino, p.read_bytes()) for p in tmp_path.iterdir()}
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {message}\n"
    assert {p.name: (p.lstat().st_ino, p.read_bytes()) for p in tmp_path.iterdir()} == before


def test_distinct_outputs_are_all_written(tmp_path: Path) -> None:
    args = ["from-fhir", str(RAYMON), "-o", "x.pdf", "--document-reference", "d.json", "--bundle-out", "b.json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "d.json", "x.pdf"]


# ---- defect 4 (one record): an interruption says what was written -----------------------------


def test_interrupt_after_the_pdf_says_it_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = api.write_atomic
    calls: list[Path] = []

    def write_then_interrupt(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) > 1:
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(api, "write_atomic", write_then_interrupt)
    args = ["from-fhir", str(RAYMON), "-o", "x.pdf", "--document-reference", "d.json", "--bundle-out", "b.json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130
    assert result.output.splitlines()[-1] == "Interrupted: x.pdf written; d.json, b.json not written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.pdf"]


def test_interrupted_make_wrote_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "render_pdf", interrupt)
    result = CliRunner().invoke(main, ["make", "--name", "Ann Lee", "--date", "2026-11-24", "-o", "x.pdf"])
    assert result.exit_code == 130
    assert result.output == "Interrupted: nothing was written.\n"
    assert list(tmp_path.iterdir()) == []


# ---- defect 7: a closed pipe ends the program quietly ------------------------------------------


def _program(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dischargegen", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.mark.parametrize(
    "args",
    [["procedures"], ["make", "--name", "Ann Lee", "--date", "2026-11-24", "--mrn", "4", "-o", "-"]],
    ids=["procedures", "make-to-stdout"],
)
def test_broken_pipe_on_stdout_ends_quietly(args: list[str]) -> None:
    process = _program(*args)
    assert process.stdout is not None
    process.stdout.close()  # like `| head -1` that has gone: nobody reads
    _, stderr = process.communicate(timeout=30)
    assert (process.returncode, stderr) == (141, b"")


def test_lp_that_exits_without_reading_is_still_reported(tmp_path: Path) -> None:
    """SIGPIPE stays ignored (not restored to its default) so that this is an error message,
    not a silent death: lp gives up before reading the PDF when CUPS is down."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("lp", "echo 'lp: Error - scheduler not responding' >&2\nexit 1"), ("lpstat", "exit 1")):
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    args = ["make", "--name", "Ann Lee", "--date", "2026-11-24", "--mrn", "4", "-o", "x.pdf", "--print"]
    process = _program(*args, env=env, cwd=tmp_path)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1, stderr
    assert stderr.decode().splitlines()[-1].startswith("Error: cannot print: ")


# ---- defect 9: no-MRN names are stable, keyed and unguessable ----------------------------------


def _keyed(key: bytes, name: str, dob: str = "") -> str:
    message = "\0".join(("dischargegen-filename-v1", name, dob, "2026-11-24")).encode()
    return "kyphoplasty-2026-11-24-h" + hmac.new(key, message, hashlib.sha256).hexdigest()[:10] + ".pdf"


def test_default_names() -> None:
    assert default_filename(handout("Ann Lee", "00/12 345")) == "kyphoplasty-2026-11-24-0012345.pdf"
    hashed = default_filename(handout("Ann Lee", None))
    assert hashed.startswith("kyphoplasty-2026-11-24-h") and "ann" not in hashed.lower()
    assert hashed == default_filename(handout("Ann Lee", None))  # stable across runs
    assert hashed != default_filename(handout("Bo Chen", None))
    assert hashed != default_filename(handout("Ann Lee", None, date(1950, 1, 1)))


def test_no_mrn_name_is_keyed_by_a_private_key_made_once(_key_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = default_filename(handout("Ann Lee", None))
    folder = _key_home / "dischargegen"
    key = (folder / "filename.key").read_bytes()
    assert len(key) == 32
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "filename.key").stat().st_mode) == 0o600
    assert os.listdir(folder) == ["filename.key"]  # the temporary file it was made under is gone
    assert first == _keyed(key, "Ann Lee")
    unsalted = hashlib.sha256(b"Ann Lee|None|2026-11-24").hexdigest()[:10]
    assert unsalted not in first  # the old, guessable name
    files._KEYS.clear()  # a new process: the key is read back, the name is the same
    assert default_filename(handout("Ann Lee", None)) == first
    monkeypatch.setenv("XDG_DATA_HOME", str(_key_home / "other"))  # another user: another key
    assert default_filename(handout("Ann Lee", None)) != first


def _world_writable_key(folder: Path) -> None:
    (folder / "filename.key").chmod(0o666)


def _open_folder(folder: Path) -> None:
    folder.chmod(0o777)


def _linked_key(folder: Path) -> None:
    (folder / "elsewhere.key").write_bytes((folder / "filename.key").read_bytes())
    (folder / "filename.key").unlink()
    (folder / "filename.key").symlink_to("elsewhere.key")


def _short_key(folder: Path) -> None:
    (folder / "filename.key").write_bytes(b"short")


def _other_owner(folder: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give the key to another user")
    os.chown(folder / "filename.key", 65534, 65534)


@pytest.mark.parametrize(
    "spoil",
    [_world_writable_key, _open_folder, _linked_key, _short_key, _other_owner],
    ids=["world-writable-key", "open-folder", "linked-key", "short-key", "other-owner"],
)
def test_an_untrustworthy_key_is_not_used(_key_home: Path, spoil) -> None:  # type: ignore[no-untyped-def]
    folder = _key_home / "dischargegen"
    folder.mkdir(mode=0o700)
    planted = b"k" * 32  # a key someone else knows
    key_file = folder / "filename.key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, planted)
    os.close(fd)
    spoil(folder)
    first = default_filename(handout("Ann Lee", None))
    second = default_filename(handout("Ann Lee", None))
    assert first != _keyed(planted, "Ann Lee")
    assert first.startswith("kyphoplasty-2026-11-24-r") and first != second  # random: nothing to guess from
    assert "ann" not in first.lower()
    if not key_file.is_symlink() and spoil is not _short_key:
        assert key_file.read_bytes() == planted  # left as it was: not ours to change
