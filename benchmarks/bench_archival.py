"""What the archival profile costs, measured side by side on this machine.

    python benchmarks/bench_archival.py [--runs N]

Prints the median warm render of one handout with the default profile (PDF/A-2u and PDF/UA-1:
tagged layout, the archival objects added to ReportLab's document before it is written) next to
``plain``, alternating in one process (target 1.6x); and the median cold wall time of
``dischargegen make`` with each profile next to
``python -c "import click, jinja2, reportlab.platypus"``, each run alternating with the floor
(targets: default 1.5x, plain 1.3x).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_make import alternating, installed, wall  # the cold-run helpers (this script runs from benchmarks/)

FACTS = {"name": "Raeann O'Kon", "date": "2026-11-24", "mrn": "0012345", "cause": "osteoporosis"}


def warm(runs: int) -> dict[str, float]:
    from dischargegen.api import PdfProfile, RenderOptions, load_settings, make_handout, render_pdf

    settings = load_settings()
    handout = make_handout(FACTS, settings)
    cases = {profile: RenderOptions(pdf_profile=profile) for profile in (PdfProfile.ARCHIVAL, PdfProfile.PLAIN)}
    times: dict[str, list[float]] = {profile: [] for profile in cases}
    for options in cases.values():
        render_pdf(handout, settings, options)  # fonts, templates and the archive stage loaded
    for _ in range(runs):
        for profile, options in cases.items():
            start = time.perf_counter()
            render_pdf(handout, settings, options)
            times[profile].append(time.perf_counter() - start)
    return {profile: statistics.median(values) for profile, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold runs of each command (default 15)")
    args = parser.parse_args()
    make = [installed(), "make", "--name", FACTS["name"], "--date", FACTS["date"], "--mrn", FACTS["mrn"], "-o", "h.pdf"]
    floor = [sys.executable, "-c", "import click, jinja2, reportlab.platypus"]
    commands = {"pdfa-2u+ua-1": (make, 1.5), "plain": ([*make, "--pdf-profile", "plain"], 1.3)}
    cold: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        for command, _ in commands.values():
            wall(command, cwd)  # the template bytecode cache and the OS file cache filled
        for name, (command, target) in commands.items():
            cold[name] = (*alternating(command, floor, cwd, args.runs), target)
    medians = warm(30)
    archival, plain = medians["pdfa-2u+ua-1"], medians["plain"]
    print(f"{'measure':<40}{'median':>10}{'floor':>10}{'ratio':>8}{'target':>8}")
    ratio = archival / plain
    verdict = "ok" if ratio <= 1.6 else "OVER"
    print(
        f"{'warm render pdfa-2u+ua-1 vs plain':<40}{archival * 1000:>8.1f}ms{plain * 1000:>8.1f}ms"
        f"{ratio:>8.2f}{1.6:>7.1f}x {verdict}"
    )
    for name, (ours, base, target) in cold.items():
        verdict = "ok" if ours / base <= target else "OVER"
        label = f"cold make ({name}) vs imports"
        print(f"{label:<40}{ours * 1000:>8.0f}ms{base * 1000:>8.0f}ms{ours / base:>8.2f}{target:>7.1f}x {verdict}")
    print(f"({args.runs} cold runs each, alternating with the floor; 30 warm runs; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
