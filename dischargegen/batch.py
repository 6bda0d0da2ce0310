"""The batch runner: many EHR records in, one handout (and write-backs) each, a summary out.

:func:`run_batch` feeds many inputs (files, folders searched recursively, ``.ndjson`` files with
one Bundle per line) to worker processes that are initialised once (settings, templates, fonts,
FHIR models), converts each with :func:`dischargegen.ehr.convert`, writes each result atomically
under MRN- and date-based names, and writes one JSON line per input to the summary. One bad
input never stops the rest.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .api import code_map, handout_from_record, load_settings
from .ehr import Wants, convert, read_record
from .errors import DischargeError, InputError, SourceError, describe
from .model import Handout, InputKind, RenderOptions
from .sinks.files import default_filename, write_atomic
from .sources import MAX_INPUT_BYTES, read_input
from .sources.fhir_bundle import model

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


def _init_worker(config: BatchSettings) -> None:
    """Load settings, the code map, templates, fonts and FHIR models once per process."""
    settings = load_settings(
        Path(config.config_path) if config.config_path else None,
        Path(config.templates_dir) if config.templates_dir else None,
    )
    _STATE.update(config=config, settings=settings, codes=code_map(settings))
    for kind in ("Patient", "Procedure", "Encounter", "Organization", "Practitioner", "DocumentReference"):
        model(kind)


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


def _results(jobs: list[Job], config: BatchSettings, workers: int, in_process: bool) -> Iterator[dict[str, Any]]:
    if in_process:
        _init_worker(config)
        for job in jobs:
            yield _work(job)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(config,)) as pool:
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
    """
    outdir = Path(config.outdir)
    report = BatchReport()
    claimed: dict[str, int] = {}
    with open(summary_path, "w", encoding="utf-8") as summary:
        for row in _results(jobs, config, workers, workers <= 1 if in_process is None else in_process):
            files: dict[str, bytes] = row.pop("files", {})
            pid, rss, cpu = row.pop("_pid", None), row.pop("_rss_kb", None), row.pop("_cpu_s", None)
            if pid is not None and rss is not None:
                report.peak_rss_kb.setdefault(pid, []).append(rss)
                report.cpu_seconds[pid] = cpu
            clash = next((claimed[name] for name in files if name in claimed), None)
            if clash is not None:
                row.update(status="failed", error=f"output: same procedure, date and MRN as row {clash}; not written")
                files = {}
            try:
                for name, data in files.items():
                    write_atomic(outdir / name, data)
                    claimed[name] = row["row"]
                    row["outputs"].append(str(outdir / name))
            except DischargeError as exc:
                row.update(status="failed", error=str(exc))
            setattr(report, row["status"], getattr(report, row["status"]) + 1)
            summary.write(json.dumps(row, ensure_ascii=False) + "\n")
            summary.flush()
            if progress is not None:
                progress(1)
    return report


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
