"""Service benchmark: ``dischargegen serve`` under load on loopback, next to ``batch --jobs 2``.

Starts ``dischargegen serve --port 0`` (one uvicorn worker, its rendering pool sized to the
cores) and sends, 8 at a time over kept-alive connections to 127.0.0.1:

- ``--requests`` (default 1000) ``POST /api/v1/handouts`` with JSON facts, each a new patient;
- as many ``POST /api/v1/fhir/Bundle`` with FHIR Bundles, each a new MRN;
- and first 50 handouts one at a time, for the time one handout takes with no queue;

and prints for each the errors, p50 and p95 latency and requests per second. Then it runs
``dischargegen batch --jobs 2`` on the same Bundles (one ``.ndjson`` file) and prints its
handouts per second, wall clock, start-up included, and the service's Bundle throughput as a
share of it.

    python benchmarks/bench_service.py [--requests 1000] [--concurrency 8]

Targets (issue 12): 0 errors, p95 <= 150 ms, service throughput >= 80% of batch --jobs 2.
Only loopback is used; nothing is kept.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = json.loads((ROOT / "tests" / "fixtures" / "readme" / "bundle.json").read_text(encoding="utf-8"))
CONFIG = f'[service]\nrate_per_minute = 1000000\naudit_key = "{secrets.token_hex(32)}"\n'


def bundles(count: int) -> list[bytes]:
    made = []
    for index in range(count):
        bundle = json.loads(json.dumps(BUNDLE))
        bundle["entry"][0]["resource"]["identifier"][0]["value"] = f"B{index:06d}"
        made.append(json.dumps(bundle).encode())
    return made


def facts(count: int) -> list[bytes]:
    return [
        json.dumps(
            {"name": f"Patient {index}", "date": "2026-11-24", "mrn": f"J{index:06d}", "cause": "osteoporosis"}
        ).encode()
        for index in range(count)
    ]


def start(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    (folder / "facility.toml").write_text(CONFIG, encoding="utf-8")
    log = open(folder / "serve.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "dischargegen", "serve", "--port", "0", "--config", "facility.toml"],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", (folder / "serve.log").read_text())
        if found:
            connection = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=60)
            try:
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    return process, int(found[1])
            except OSError:
                pass
            finally:
                connection.close()
        time.sleep(0.2)
    process.kill()
    raise SystemExit("serve did not start: " + (folder / "serve.log").read_text())


def load(port: int, path: str, bodies: list[bytes], concurrency: int) -> dict[str, Any]:
    """Send every body, ``concurrency`` at a time; latencies in ms, errors, requests per second."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            began = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers={"content-type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                ok = response.status == 200 and data.startswith(b"%PDF-")
                status = str(response.status)
            except OSError as exc:
                ok, status = False, type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(status)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {"errors": len(errors), "p50": cuts[49], "p95": cuts[94], "rps": len(bodies) / wall, "wall": wall}


def batch(folder: Path, data: list[bytes]) -> tuple[float, float]:
    corpus = folder / "corpus.ndjson"
    corpus.write_bytes(b"\n".join(data) + b"\n")
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dischargegen", "batch", str(corpus), "--outdir", str(folder / "out"), "--jobs", "2"],
        check=True,
        capture_output=True,
        cwd=folder,
    )
    wall = time.perf_counter() - began
    return len(data) / wall, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-service-") as temporary:
        folder = Path(temporary)
        corpus = bundles(args.requests)
        process, port = start(folder)
        try:
            load(port, "/api/v1/handouts", facts(2 * args.concurrency), args.concurrency)  # warm connections
            results = {
                "POST /api/v1/handouts, 1 at a time": load(port, "/api/v1/handouts", facts(50), 1),
                "POST /api/v1/handouts (JSON facts)": load(
                    port, "/api/v1/handouts", facts(args.requests), args.concurrency
                ),
                "POST /api/v1/fhir/Bundle": load(port, "/api/v1/fhir/Bundle", corpus, args.concurrency),
            }
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)
        batch_rps, batch_wall = batch(folder, corpus)
    print(
        f"{args.requests} requests a route ({args.concurrency} concurrent; the first row 50, one at a time), 127.0.0.1"
    )
    print(f"{'route':36} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
    for name, r in results.items():
        print(f"{name:36} {r['errors']:6d} {r['p50']:8.1f} {r['p95']:8.1f} {r['rps']:8.1f}")
    note = f"({batch_wall:.1f} s, start-up included)"
    print(f"{'batch --jobs 2 (same Bundles)':36} {'':6} {'':8} {'':8} {batch_rps:8.1f}  {note}")
    share = results["POST /api/v1/fhir/Bundle"]["rps"] / batch_rps
    print(f"service Bundle throughput / batch --jobs 2: {share:.0%} (target >= 80%)")


if __name__ == "__main__":
    main()
