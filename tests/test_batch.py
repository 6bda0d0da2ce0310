"""batch: many inputs, worker processes, a JSON-lines summary; one bad input never stops the rest.

A batch holds its output folder alone, never follows a link at the summary's path, keeps the
summary private, stops cleanly on Ctrl-C or SIGTERM saying what it wrote, and leaves no worker
behind when it is killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pdfcheck import body_font_sizes, pdf_text

from dischargegen import api
from dischargegen.batch import LOCK_FILE, BatchInterrupted
from dischargegen.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ("Raymon", "Kris", "Alberto", "Atencio", "Chalmers", "EVERYMAN", "ADAM")
SPEC = FIXTURES / "fhir/valid/spec-collection-kyphoplasty.json"


@pytest.fixture(autouse=True)
def _key_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """File-name keys go to a fresh data folder, not the home of whoever runs the tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


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
    assert spanish["status"] == "ok" and spanish["language"] == "es" and "language_requested" not in spanish
    assert "warnings" not in spanish
    hl7_row = by_input["adt-a03-kyphoplasty-mllp-crlf.hl7"]
    assert [Path(p).name for p in hl7_row["outputs"]] == [
        "kyphoplasty-2005-01-25-PATID1234.pdf",
        "kyphoplasty-2005-01-25-PATID1234.mdm.hl7",
    ]
    raymon = by_input["synthea-raymon-kyphoplasty.json"]
    stem = "kyphoplasty-2018-06-15-ca5da59f-0a70-470d-8b20-a1c847ff9010"
    assert [Path(p).name for p in raymon["outputs"]] == [f"{stem}.pdf", f"{stem}.docref.json", f"{stem}.bundle.json"]
    assert "Raymon Kris" in pdf_text((out / f"{stem}.pdf").read_bytes())
    made = sorted(p.name for p in out.iterdir() if p.name != LOCK_FILE)
    assert len(made) == 1 + 4 * 3 + 2  # summary, four FHIR inputs x 3 files, one HL7 x 2 (no temporary file)
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
    assert "Friday, November 20, 2026: Your kyphoplasty." in text
    assert "Wednesday, November 25, 2026: You may drive again" in text  # --restriction driving=5d
    assert max(body_font_sizes(pdf)) >= 18  # large print
    result = CliRunner().invoke(main, ["batch", str(source), "--outdir", "again", *options])
    assert result.exit_code == 1  # no date: the record has none, and none was given
    [row] = rows(tmp_path / "again" / "summary.jsonl")
    assert row["error"] == "PR1: the message has no PR1 segment: give --date"  # --procedure was given


def test_output_folder_inside_the_input_folder_is_not_read_back(exports: Path) -> None:
    out = exports / "out"
    runner = CliRunner()
    runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--document-reference"])
    result = runner.invoke(main, ["batch", str(exports), "--outdir", str(out), "--document-reference"])
    assert "5 made, 0 skipped, 3 failed" in result.output


def many(path: Path, count: int) -> Path:
    """An .ndjson file of ``count`` Bundles, each with its own MRN."""
    text = json.dumps(json.loads(SPEC.read_text()))
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(text.replace('"value": "12345"', f'"value": "M{i:05d}"') + "\n")
    return path


def batch_config(out: Path) -> object:
    return api.batch_settings(outdir=str(out))


# ---- defect 1: the summary is never opened at its path, and it is private ----------------------


@pytest.mark.parametrize("where", ["default", "--summary"])
def test_a_link_at_the_summary_path_is_not_followed(tmp_path: Path, where: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = out / "summary.jsonl" if where == "default" else tmp_path / "s.jsonl"
    link.symlink_to(victim)
    extra = [] if where == "default" else ["--summary", str(link)]
    result = CliRunner().invoke(main, ["batch", str(SPEC), "--outdir", str(out), *extra])
    assert result.exit_code == 1
    assert result.output == f"Error: {link}: is a symbolic link\n"
    assert victim.read_text() == "precious" and link.is_symlink()
    assert not list(out.glob("*.pdf"))  # refused before anything was made


def test_a_link_planted_during_the_run_is_replaced_not_followed(tmp_path: Path) -> None:
    """The summary streams into a temporary file that is renamed over the path at the end."""
    out = tmp_path / "out"
    out.mkdir()
    summary = out / "summary.jsonl"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    jobs = api.find_jobs([many(tmp_path / "in.ndjson", 3)])

    def plant(_: int) -> None:
        if not summary.is_symlink():
            summary.symlink_to(victim)

    report = api.run_batch(jobs, batch_config(out), summary, progress=plant)  # type: ignore[arg-type]
    assert report.ok == 3
    assert victim.read_text() == "precious"
    assert not summary.is_symlink() and len(rows(summary)) == 3


def test_summary_and_handouts_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        result = CliRunner().invoke(main, ["batch", str(SPEC), "--outdir", "out"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.iterdir():
        assert stat.S_IMODE(path.lstat().st_mode) == 0o600, path.name
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE, "kyphoplasty-2013-12-01-12345.pdf", "summary.jsonl"]


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("out/" + LOCK_FILE, "is the lock file of the batch"),
        ("in.json", "is one of the inputs"),
        ("missing/s.jsonl", "the folder missing does not exist"),
    ],
    ids=["lock-file", "input", "missing-folder"],
)
def test_bad_summary_paths_are_refused_before_anything_is_made(tmp_path: Path, summary: str, message: str) -> None:
    shutil.copy(SPEC, "in.json")  # a copy: a regression must not overwrite the fixture
    result = CliRunner().invoke(main, ["batch", "in.json", "--outdir", "out", "--summary", summary])
    assert result.exit_code == 1
    assert result.output == f"Error: {summary}: {message}\n"
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert Path("in.json").read_bytes() == SPEC.read_bytes()


# ---- defect 2: one batch per output folder -------------------------------------------------------


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """The output folder, locked as a running batch locks it."""
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    yield out
    os.close(fd)


def test_a_second_batch_on_a_folder_fails_at_once(held: Path) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(main, ["batch", str(SPEC), "--outdir", str(held)])
    assert time.monotonic() - started < 5  # it does not wait for the other batch
    assert result.exit_code == 1
    assert result.output == f"Error: {held}: another batch is writing to this folder\n"
    assert os.listdir(held) == [LOCK_FILE]  # no summary, no handout


def test_a_link_in_place_of_the_lock_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").write_text("")
    (out / LOCK_FILE).symlink_to(tmp_path / "elsewhere")
    result = CliRunner().invoke(main, ["batch", str(SPEC), "--outdir", str(out)])
    assert result.exit_code == 1
    assert result.output == f"Error: {out / LOCK_FILE}: is a symbolic link\n"


# ---- defect 8: an unwritable output folder is one line --------------------------------------------


def test_unwritable_outdir_is_one_line() -> None:
    """sysfs lets nobody, root included, create a file in /sys: EACCES, or EROFS where it is
    mounted read-only (containers). A chmod'ed folder would not stop root, and chattr +i needs a
    capability and a file system that CI may lack."""
    if not os.path.isdir("/sys/kernel"):
        pytest.skip("no sysfs")
    result = CliRunner().invoke(main, ["batch", str(SPEC), "--outdir", "/sys"])
    assert result.exit_code == 1
    assert result.output in (
        "Error: /sys: cannot write: Permission denied\n",
        "Error: /sys: cannot write: Read-only file system\n",
    )


# ---- defect 4: an interruption says what was written ----------------------------------------------


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "workers"])
def test_interrupted_batch_says_what_was_written(tmp_path: Path, in_process: bool) -> None:
    out = tmp_path / "out"
    out.mkdir()
    jobs = api.find_jobs([many(tmp_path / "in.ndjson", 12)])
    done: list[int] = []

    def interrupt_after_two(n: int) -> None:
        done.append(n)
        if len(done) == 2:
            raise KeyboardInterrupt

    from dischargegen.batch import run_batch

    with pytest.raises(BatchInterrupted) as caught:
        run_batch(
            jobs,
            batch_config(out),
            out / "summary.jsonl",
            workers=2,
            in_process=in_process,  # type: ignore[arg-type]
            progress=interrupt_after_two,
        )
    assert str(caught.value) == f"2 handouts written, 10 not made; summary: {out / 'summary.jsonl'}"
    assert [r["status"] for r in rows(out / "summary.jsonl")] == ["ok", "ok"]
    assert len(list(out.glob("*.pdf"))) == 2
    assert not list(out.glob(".*.tmp"))


def _slow_result(size: int) -> bytes:
    time.sleep(0.3)
    return b"x" * size  # larger than a pipe's buffer: sending it takes many writes


def test_a_stopped_pool_lets_each_worker_finish_sending() -> None:
    """Killing a worker in the middle of sending a result left the pool's reader thread waiting
    for the rest for ever, and the program hung at exit (CI timed out after the tests passed).
    Stopping now lets the workers end by themselves: none is terminated, the reader thread ends."""
    from concurrent.futures import ProcessPoolExecutor

    from dischargegen.processes import stop_pool

    pool = ProcessPoolExecutor(max_workers=2)
    futures = [pool.submit(_slow_result, 4 * 1024 * 1024) for _ in range(20)]
    wait_for(lambda: any(f.running() for f in futures), "a job to start")
    processes = list(pool._processes.values())  # type: ignore[attr-defined]
    reader = pool._executor_manager_thread  # type: ignore[attr-defined]
    stop_pool(pool)
    assert [p.exitcode for p in processes] == [0, 0]  # ended by themselves, not by a signal
    assert reader is not None
    reader.join(10)
    assert not reader.is_alive()
    assert any(f.cancelled() for f in futures)  # the jobs not yet taken were cancelled (how many ran depends on load)


def _stuck() -> None:
    time.sleep(60)


def test_a_worker_stuck_in_a_job_is_ended_after_the_grace() -> None:
    from concurrent.futures import ProcessPoolExecutor

    from dischargegen.processes import stop_pool

    pool = ProcessPoolExecutor(max_workers=1)
    future = pool.submit(_stuck)
    wait_for(future.running, "the job to start")
    [process] = list(pool._processes.values())  # type: ignore[attr-defined]
    started = time.monotonic()
    stop_pool(pool, grace=0.5)
    assert process.exitcode == -signal.SIGTERM  # not waited on for a minute: terminated
    assert time.monotonic() - started < 10


# ---- defect 3 (and 4): a stopped or killed batch leaves no worker, and says what it wrote ---------


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (a dead worker waits for init, which may be slow to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def wait_for(condition, what: str, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "term", "kill"])
def test_stopped_batch_leaves_no_worker_and_says_what_it_wrote(tmp_path: Path, signum: int) -> None:
    source = many(tmp_path / "in.ndjson", 1500)  # far more than gets done before the signal
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "dischargegen", "batch", str(source), "--outdir", str(out), "--jobs", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell job is
    )
    try:

        def rows_streaming() -> bool:  # into the temporary summary (or, before the fix, the summary)
            found = [*out.glob(".summary.jsonl.*.tmp"), *out.glob("summary.jsonl")] if out.is_dir() else []
            return any(path.read_bytes().count(b"\n") >= 2 for path in found)

        wait_for(rows_streaming, "the first rows")
        workers = children(process.pid)
        assert len(workers) == 2 and all(running(pid) for pid in workers)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # Ctrl-C: the terminal signals the whole group
        else:
            os.kill(process.pid, signum)  # kill/systemd: the batch process alone
        _, stderr = process.communicate(timeout=15)
        wait_for(lambda: not any(running(pid) for pid in workers), "the workers to end", 10)
    finally:  # whatever failed: end the batch and any worker, which stay in its process group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    if signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
    else:
        assert process.returncode == 128 + signum, stderr
        written = rows(out / "summary.jsonl")
        pdfs = list(out.glob("*.pdf"))
        assert len(written) == len(pdfs) >= 2 and {r["status"] for r in written} == {"ok"}
        assert stderr.splitlines()[-1] == (
            f"Interrupted: {len(pdfs)} handouts written, {1500 - len(pdfs)} not made; summary: {out / 'summary.jsonl'}"
        )
        assert not list(out.glob(".*.tmp"))
    fd = os.open(out / LOCK_FILE, os.O_RDWR)  # the folder is free for the next batch
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
