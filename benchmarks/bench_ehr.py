"""EHR hook benchmark: FHIR Bundle -> PDF against render-only, batch throughput, worker memory.

Generates a corpus of Bundles (default 500) in a temporary folder from Synthea Bundles (by default
the two in tests/fixtures/fhir/valid; --samples takes a folder of others). Each copy gets its own
patient id, MRN and a kyphoplasty Procedure, CPT 22513. Then it prints:

- per-bundle time of FHIR-to-PDF (read, validate, build the handout, render) against render-only
  (the same handout rendered again), warm, median;
- batch throughput in bundles per second with 1 and 2 worker processes (PDF only);
- peak RSS of each worker after its first and last bundle (flat means no growth).

    python benchmarks/bench_ehr.py [--count 500] [--samples FOLDER]

Targets (issue 4): FHIR-to-PDF <= 2x render-only; 2 jobs >= 1.7x one job; peak RSS per worker
<= 150 MB and flat. The corpus is not kept.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

DEFAULT_SAMPLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "fhir" / "valid"
CPT = "http://www.ama-assn.org/go/cpt"


def make_corpus(samples: Path, folder: Path, count: int) -> list[Path]:
    """``count`` Bundles: the Synthea samples in turn, each with a new id, MRN and kyphoplasty."""
    sources = sorted(samples.glob("synthea-*.json")) or sorted(samples.glob("*.json"))
    if not sources:
        raise SystemExit(f"no Synthea bundles in {samples}")
    texts = [p.read_text(encoding="utf-8") for p in sources]
    made = []
    for n in range(count):
        bundle = json.loads(texts[n % len(texts)])
        patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        old_id = patient["resource"]["id"]
        new_id = str(uuid.UUID(int=n + 1))
        for ident in patient["resource"].get("identifier", []):
            if any(c.get("code") == "MR" for c in ident.get("type", {}).get("coding", [])):
                ident["value"] = f"MRN{n:06d}"  # each copy is its own patient
        encounter = next(e for e in reversed(bundle["entry"]) if e["resource"]["resourceType"] == "Encounter")
        bundle["entry"].append(
            {
                "fullUrl": f"urn:uuid:{uuid.UUID(int=10**9 + n)}",
                "resource": {
                    "resourceType": "Procedure",
                    "id": str(uuid.UUID(int=10**9 + n)),
                    "status": "completed",
                    "code": {"coding": [{"system": CPT, "code": "22513"}]},
                    "subject": {"reference": patient["fullUrl"]},
                    "encounter": {"reference": encounter["fullUrl"]},
                    "performedDateTime": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T09:00:00-05:00",
                    "bodySite": [{"text": f"T{1 + n % 12}"}],
                },
            }
        )
        text = json.dumps(bundle).replace(old_id, new_id)
        path = folder / f"bundle-{n:05d}.json"
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


def per_bundle_times(paths: list[Path], rounds: int = 30) -> tuple[float, float, float]:
    """Median FHIR-to-PDF and render-only seconds over ``rounds`` bundles, and bundle size (KB)."""
    from dischargegen.api import (
        InputKind,
        RenderOptions,
        code_map,
        handout_from_record,
        load_settings,
        read_record,
        render_pdf,
    )

    settings = load_settings()
    codes = code_map(settings)
    options = RenderOptions()
    sample = [paths[i % len(paths)] for i in range(rounds)]
    warm = read_record(sample[0].read_bytes(), InputKind.FHIR, codes, {})
    render_pdf(handout_from_record(warm, {}, settings), settings, options)  # fonts, templates, models
    full, render_only, sizes = [], [], []
    for path in sample:
        data = path.read_bytes()
        start = time.perf_counter()
        record = read_record(data, InputKind.FHIR, codes, {})
        handout = handout_from_record(record, {}, settings)
        render_pdf(handout, settings, options)
        full.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_pdf(handout, settings, options)
        render_only.append(time.perf_counter() - start)
        sizes.append(len(data) / 1024)
    return statistics.median(full), statistics.median(render_only), statistics.median(sizes)


def batch_run(paths: list[Path], workers: int, outdir: Path) -> tuple[float, Any, float]:
    from dischargegen.batch import BatchSettings, find_jobs, run_batch
    from dischargegen.model import RenderOptions  # the batch runner's own interface, as the pool uses it

    outdir.mkdir()
    jobs = find_jobs([str(p) for p in paths])
    config = BatchSettings(outdir=str(outdir), options=RenderOptions())
    start = time.perf_counter()
    report = run_batch(jobs, config, outdir / "summary.jsonl", workers=workers, in_process=False)
    elapsed = time.perf_counter() - start
    return len(jobs) / elapsed, report, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ehr-") as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        start = time.perf_counter()
        paths = make_corpus(args.samples, folder, args.count)
        print(f"corpus: {len(paths)} bundles from {args.samples} in {time.perf_counter() - start:.1f} s")
        full, render_only, size = per_bundle_times(paths)
        rows = [
            ("FHIR bundle -> PDF (median, warm)", f"{full * 1000:.1f} ms", f"bundle {size:.0f} KB"),
            ("render only, same handout", f"{render_only * 1000:.1f} ms", ""),
            ("ratio (target <= 2.0)", f"{full / render_only:.2f}", ""),
        ]
        rates = {}
        for workers in (1, 2):
            load_before = os.getloadavg()[0]
            rate, report, elapsed = batch_run(paths, workers, Path(tmp) / f"out-{workers}")
            rates[workers] = rate
            busy = sum(report.cpu_seconds.values()) / elapsed
            rows.append(
                (
                    f"batch, {workers} job{'s' if workers > 1 else ''}",
                    f"{rate:.1f} bundles/s",
                    f"{report.failed} failed; workers busy {busy:.2f} cores; load avg before {load_before:.2f}",
                )
            )
            for pid, series in sorted(report.peak_rss_kb.items()):
                rows.append(
                    (
                        f"  worker {pid} peak RSS first/last",
                        f"{series[0] / 1024:.0f} / {series[-1] / 1024:.0f} MB",
                        f"{len(series)} bundles",
                    )
                )
        rows.append(("speed-up 2 jobs / 1 job (target >= 1.7)", f"{rates[2] / rates[1]:.2f}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>20}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>20}  {note}")


if __name__ == "__main__":
    main()
