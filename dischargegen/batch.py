"""The batch runner: many EHR records in, one handout (and write-backs) each, a summary out.

:func:`run_batch` feeds many inputs (files, folders searched recursively, ``.ndjson`` files with
one Bundle per line) to worker processes that are initialised once (settings, templates, fonts,
FHIR models), converts each with :func:`dischargegen.ehr.convert`, writes each result atomically
under MRN- and date-based names, and writes one JSON line per input to the summary. One bad
input never stops the rest.

Safe to stop and to run beside others:

- The output folder is locked for the whole run (``fcntl.flock`` on ``OUTDIR/.dischargegen.lock``):
  a second batch on the same folder fails at once with an :class:`OutputError` (exit status 1,
  ``OUTDIR: another batch is writing to this folder``) instead of losing rows and overwriting PDFs.
- The summary streams into a temporary file (0600, ``.summary.jsonl.*.tmp`` beside it; follow that
  for progress) that is renamed into place at the end: the summary path is never opened, so a
  symbolic link planted there is replaced, not followed.
- Ctrl-C or SIGTERM stops the workers, puts the summary of the rows done so far in place and raises
  :class:`BatchInterrupted`, which says what was written.
- Workers die with the batch, even after ``kill -9``: on Linux the kernel sends them SIGTERM when
  the process that started them ends (``PR_SET_PDEATHSIG``), and each worker also checks that its
  parent is still the batch (a thread polls it where ``prctl`` is missing).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .api import code_map, handout_from_record, load_settings, warm_up
from .ehr import Wants, convert, read_record
from .errors import DischargeError, InputError, OutputError, SourceError, describe
from .model import Handout, InputKind, RenderOptions
from .processes import LOCK_FILE, Signals, folder_lock, stop_pool, tie_to_parent
from .sinks.files import AtomicFile, check_target, default_filename, write_atomic
from .sources import MAX_INPUT_BYTES, read_input

SUFFIXES = {".json": InputKind.FHIR, ".ndjson": InputKind.FHIR, ".hl7": InputKind.HL7, ".txt": InputKind.HL7}


@dataclass(frozen=True)
class Job:
    """One input: a file, or one line (a Bundle) of an ``.ndjson`` file."""

    row: int
    path: str
    kind: InputKind | None  # None: not a known input type
    line: int | None = None  # 1-based line of an .ndjson file
    offset: int = 0
    length: int = -1

    @property
    def label(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class BatchSettings:
    """Everything a worker needs, picklable: it loads the settings itself, once."""

    outdir: str
    explicit: dict[str, Any] = field(default_factory=dict)
    options: RenderOptions = field(default_factory=RenderOptions)
    wants: Wants = field(default_factory=Wants)
    config_path: str | None = None
    templates_dir: str | None = None
    skip_existing: bool = False
    names: dict[str, str] = field(default_factory=dict)  # how the entry point names facts, for hints


@dataclass
class BatchReport:
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    peak_rss_kb: dict[int, list[int]] = field(default_factory=dict)  # worker pid -> max RSS per result
    cpu_seconds: dict[int, float] = field(default_factory=dict)  # worker pid -> CPU time used so far

    @property
    def total(self) -> int:
        return self.ok + self.failed + self.skipped


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C (``signum`` SIGINT) or SIGTERM stopped a batch. The outputs of the rows done are
    written and the summary of those rows is in place; ``str()`` says so in one line."""

    def __init__(self, report: BatchReport, not_made: int, summary_path: Path, signum: int) -> None:
        super().__init__(report, not_made, summary_path, signum)
        self.report = report
        self.not_made = not_made
        self.summary_path = summary_path
        self.signum = signum

    def __str__(self) -> str:
        ok = self.report.ok
        parts = [f"{ok} handout{'' if ok == 1 else 's'} written"]
        parts += [f"{n} {what}" for n, what in ((self.report.skipped, "skipped"), (self.report.failed, "failed")) if n]
        parts.append(f"{self.not_made} not made")
        return f"{', '.join(parts)}; summary: {self.summary_path}"


def find_jobs(inputs: Sequence[str | Path], *, exclude: Sequence[Path] = ()) -> list[Job]:
    """Files and folders (searched recursively, hidden files and ``exclude`` left out) -> jobs."""
    excluded = [p.resolve() for p in exclude]
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                rel = found.relative_to(path).parts
                if (
                    found.is_file()
                    and found.suffix.lower() in SUFFIXES
                    and not any(p.startswith(".") for p in rel)
                    and not any(found.resolve().is_relative_to(e) for e in excluded)
                ):
                    jobs.extend(_file_jobs(found, len(jobs)))
        else:
            jobs.extend(_file_jobs(path, len(jobs)))
    return jobs


def _file_jobs(path: Path, start: int) -> list[Job]:
    suffix = path.suffix.lower()
    if suffix != ".ndjson":
        return [Job(start + 1, str(path), SUFFIXES.get(suffix) or _sniff(path))]
    jobs: list[Job] = []
    offset = 0
    try:
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    jobs.append(Job(start + len(jobs) + 1, str(path), InputKind.FHIR, number, offset, len(line)))
                offset += len(line)
    except OSError:
        return [Job(start + 1, str(path), InputKind.FHIR)]  # the worker reports why it cannot be read
    return jobs


def _sniff(path: Path) -> InputKind | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(16).lstrip(b" \t\r\n\xef\xbb\xbf")
    except OSError:
        return InputKind.FHIR  # the worker reports why it cannot be read
    if head.startswith(b"{"):
        return InputKind.FHIR
    if head.startswith((b"MSH", b"\x0b")):
        return InputKind.HL7
    return None


_STATE: dict[str, Any] = {}


def _load_state(config: BatchSettings) -> None:
    """Load settings, the code map, templates, fonts and FHIR models once per process (:func:`.api.warm_up`)."""
    settings = load_settings(
        Path(config.config_path) if config.config_path else None,
        Path(config.templates_dir) if config.templates_dir else None,
    )
    _STATE.update(config=config, settings=settings, codes=code_map(settings))
    warm_up(settings)


def _init_worker(config: BatchSettings, parent: int | None, inherited_lock: int | None) -> None:
    """A worker process's start: tie its life to the batch's, then load what every job needs.

    ``parent`` is the batch's pid when it is this worker's parent (fork, spawn); ``inherited_lock``
    the folder lock's descriptor when it came along through fork: the worker lets go of it, so that
    the lock lasts exactly as long as the batch.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the batch's own handler, inherited through fork
    if inherited_lock is not None:
        with contextlib.suppress(OSError):
            os.close(inherited_lock)
    tie_to_parent(parent)
    _load_state(config)


def _read_job(job: Job) -> bytes:
    if job.line is None:
        return read_input(job.path)
    with open(job.path, "rb") as handle:
        handle.seek(job.offset)
        data = handle.read(min(job.length, MAX_INPUT_BYTES + 1))
    if len(data) > MAX_INPUT_BYTES:
        raise SourceError("input", f"line larger than the {MAX_INPUT_BYTES // (1024 * 1024)} MB input limit")
    return data


def _work(job: Job) -> dict[str, Any]:
    """Run one job in a worker; returns the summary row plus the bytes to write."""
    config: BatchSettings = _STATE["config"]
    row: dict[str, Any] = {"row": job.row, "input": job.label, "status": "failed", "outputs": []}
    try:
        if job.kind is None:
            raise InputError("input", "not a FHIR Bundle (.json, .ndjson) or HL7 v2 message (.hl7, .txt)")
        data = _read_job(job)
        record = read_record(data, job.kind, _STATE["codes"], config.explicit)
        if config.skip_existing:
            handout = handout_from_record(record, config.explicit, _STATE["settings"])
            if _existing(handout, job.kind, config):
                row.update(status="skipped", language=handout.language)
                return _finish(row)
        out = convert(
            data,
            job.kind,
            _STATE["settings"],
            config.explicit,
            config.options,
            config.wants,
            codes=_STATE["codes"],
            record=record,
        )
        row.update(status="ok", language=out.handout.language, files=out.files())
        if out.requested_language and out.requested_language != out.handout.language:
            row["language_requested"] = out.requested_language
        if out.handout.warnings:
            row["warnings"] = list(out.handout.warnings)
    except DischargeError as exc:
        row["error"] = describe(exc, config.names)
    except Exception as exc:
        row["error"] = f"internal error ({type(exc).__name__}); rerun this input alone with DISCHARGEGEN_DEBUG=1"
    return _finish(row)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["_pid"] = os.getpid()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    row["_rss_kb"] = usage.ru_maxrss
    row["_cpu_s"] = usage.ru_utime + usage.ru_stime
    return row


def _existing(handout: Handout, kind: InputKind, config: BatchSettings) -> bool:
    name = default_filename(handout)
    stem = name.removesuffix(".pdf")
    wanted = [name, *(stem + suffix for suffix in config.wants.suffixes(kind))]
    return all((Path(config.outdir) / file).is_file() for file in wanted)


def _results(
    jobs: list[Job], config: BatchSettings, workers: int, in_process: bool, lock: int
) -> Generator[dict[str, Any], None, None]:
    """The jobs' rows, in input order. Closing the iterator early stops the workers at once."""
    if in_process:
        _load_state(config)
        for job in jobs:
            yield _work(job)
        return
    context = multiprocessing.get_context()
    method = context.get_start_method()
    parent = os.getpid() if method in ("fork", "spawn") else None  # forkserver: the server is the parent
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(config, parent, lock if method == "fork" else None),
    )
    finished = False
    try:
        chunk = max(1, min(8, len(jobs) // (workers * 8)))
        results = pool.map(_work, jobs, chunksize=chunk)
        done = 0
        try:
            for result in results:
                done += 1
                yield result
        except BrokenProcessPool:
            for job in jobs[done:]:
                yield {
                    "row": job.row,
                    "input": job.label,
                    "status": "failed",
                    "outputs": [],
                    "error": "internal error (a worker process died)",
                }
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            stop_pool(pool)


def run_batch(
    jobs: list[Job],
    config: BatchSettings,
    summary_path: Path,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    in_process: bool | None = None,
) -> BatchReport:
    """Process ``jobs``; write the outputs and one summary line per job, in input order.

    With one worker the jobs run in this process unless ``in_process`` is False (the benchmark
    measures a worker process either way).

    Raises :class:`OutputError` before anything is made when the summary path exists and is not
    a regular file, is the lock file or an input, when its folder is missing or unwritable, when
    ``outdir`` cannot be written, and when another batch holds ``outdir`` (exit status 1).
    Raises :class:`BatchInterrupted` after Ctrl-C or SIGTERM, once the workers are stopped and
    the summary of the rows done is in place.
    """
    outdir = Path(config.outdir)
    summary_path = Path(summary_path)
    check_target(summary_path)
    summary_real = os.path.realpath(summary_path)
    if summary_real == os.path.realpath(outdir / LOCK_FILE):
        raise OutputError(f"{summary_path}: is the lock file of the batch")
    if summary_real in {os.path.realpath(job.path) for job in jobs}:
        raise OutputError(f"{summary_path}: is one of the inputs")
    report = BatchReport()
    claimed: dict[str, int] = {}
    with Signals() as signals, folder_lock(outdir) as lock, AtomicFile(summary_path, commit_on_error=True) as summary:
        use_process = workers <= 1 if in_process is None else in_process
        results = _results(jobs, config, workers, use_process, lock)
        try:
            for row in results:
                with signals.deferred():
                    _write_row(row, outdir, summary_real, claimed, report, summary)
                if progress is not None:
                    progress(1)
            signals.defer = True  # finishing: the summary goes into place whatever arrives now
        except KeyboardInterrupt as exc:  # Stop, or Ctrl-C from a caller's thread or callback
            signals.defer = True
            results.close()  # the workers end before the summary is put in place
            signum = getattr(exc, "signum", int(signal.SIGINT))
            raise BatchInterrupted(report, len(jobs) - report.total, summary_path, signum) from None
        finally:
            results.close()
    return report


def _write_row(
    row: dict[str, Any],
    outdir: Path,
    summary_real: str,
    claimed: dict[str, int],
    report: BatchReport,
    summary: IO[bytes],
) -> None:
    """Write one row's files, count it, and add its line to the summary."""
    files: dict[str, bytes] = row.pop("files", {})
    pid, rss, cpu = row.pop("_pid", None), row.pop("_rss_kb", None), row.pop("_cpu_s", None)
    if pid is not None and rss is not None:
        report.peak_rss_kb.setdefault(pid, []).append(rss)
        report.cpu_seconds[pid] = cpu
    clash = next((claimed[name] for name in files if name in claimed), None)
    if clash is not None:
        row.update(status="failed", error=f"output: same procedure, date and MRN as row {clash}; not written")
        files = {}
    if any(os.path.realpath(outdir / name) == summary_real for name in files):
        row.update(status="failed", error="output: the same file as the summary; not written")
        files = {}
    try:
        for name, data in files.items():
            write_atomic(outdir / name, data)
            claimed[name] = row["row"]
            row["outputs"].append(str(outdir / name))
    except DischargeError as exc:
        row.update(status="failed", error=str(exc))
    setattr(report, row["status"], getattr(report, row["status"]) + 1)
    summary.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    summary.flush()


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
