"""Speed of `dischargegen make` on this machine, with the import floors measured in the same run.

    python benchmarks/bench_make.py [--runs N]

Prints the warm render time per handout (median); the warm render time of the handout (with its
calendar and pictograms) next to the handout before issue 9 (content 1.0.0, kept in
`benchmarks/baseline-1.0.0/`), measured alternately in one process (target 1.3x), and next to
the same handout with its calendar and pictograms taken out; the cold wall time
of `dischargegen make` next to `python -c "import click, jinja2, reportlab.platypus"`, and of
`dischargegen --help` next to `python -c "import click"`. Cold runs alternate with their floors so that machine load
affects both alike. Targets: make within 1.3x its floor, --help within 1.2x.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FACTS = {
    "name": "Raeann O'Kon",
    "date": "2026-11-24",
    "dob": "1948-03-02",
    "mrn": "0012345",
    "level": "T12",
    "cause": "osteoporosis",
    "surgeon": "Dr. Ann Smith",
    "follow_up": "2026-12-08 10:30",
}


def wall(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def alternating(command: list[str], floor: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall time of ``command`` and of ``floor``, each cold, the two runs alternating."""
    ours, base = [], []
    for _ in range(runs):
        ours.append(wall(command, cwd))
        base.append(wall(floor, cwd))
    return statistics.median(ours), statistics.median(base)


def _without_pictures(node: Any) -> None:
    """The same document with no calendar and no pictograms."""
    node.children = [child for child in node.children if child.tag != "calendar"]
    node.attrs.pop("icon", None)
    for child in node.children:
        _without_pictures(child)


def warm_side_by_side(runs: int) -> dict[str, float]:
    """Median warm render (document and layout) of the handout, of the handout before issue 9,
    and of the handout without its calendar and pictograms, measured alternately."""
    from dischargegen.api import RenderOptions, layout_pdf, load_settings, make_document, make_handout

    facts = {
        **FACTS,
        "phone": "617-555-0100",
        "medications": [
            "Acetaminophen 500 mg|2 pills|every 8 hours|pain",
            "Docusate 100 mg|1 pill|2 times a day|soft stools",
        ],
    }
    options = RenderOptions()
    now = load_settings()
    before = load_settings(templates_dir=Path(__file__).resolve().parent / "baseline-1.0.0")
    handout, old = make_handout(facts, now), make_handout(facts, before)
    plain = make_document(handout, now, options)
    _without_pictures(plain.tree)

    def full() -> None:
        layout_pdf(make_document(handout, now, options), handout, options)

    def previous() -> None:
        layout_pdf(make_document(old, before, options), old, options)

    def without() -> None:
        layout_pdf(plain, handout, options)

    cases = {"handout": full, "before issue 9": previous, "without pictures": without}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for run in cases.values():
        run()  # fonts, icons and templates loaded
    for _ in range(runs):
        for name, run in cases.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def warm_render(runs: int) -> float:
    from dischargegen.api import load_settings, make_handout, render_pdf

    settings = load_settings()
    handout = make_handout(FACTS, settings)
    render_pdf(handout, settings)  # first render: fonts registered, template compiled
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_pdf(handout, settings)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def installed() -> str:
    """The ``dischargegen`` command of this environment (the benchmark runs it cold)."""
    exe = shutil.which("dischargegen", path=str(Path(sys.executable).parent)) or shutil.which("dischargegen")
    if exe is None:
        sys.exit("dischargegen is not installed in this environment: pip install . first")
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold runs of each command (default 15)")
    args = parser.parse_args()
    exe = installed()
    py = sys.executable
    make = [exe, "make", "--name", FACTS["name"], "--date", FACTS["date"], "--mrn", FACTS["mrn"], "-o", "h.pdf"]
    pairs = {
        "make": (make, [py, "-c", "import click, jinja2, reportlab.platypus"], 1.3),
        "--help": ([exe, "--help"], [py, "-c", "import click"], 1.2),
    }
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        wall(make, cwd)  # fill the template bytecode cache and the OS file cache once
        results = {}
        for name, (command, floor, target) in pairs.items():
            results[name] = (*alternating(command, floor, cwd, args.runs), target)
    warm = warm_render(30)
    side = warm_side_by_side(30)
    print(f"{'measure':<34}{'median':>10}{'floor':>10}{'ratio':>8}{'target':>8}")
    print(f"{'warm render, one handout':<34}{warm * 1000:>8.1f}ms")
    ratio = side["handout"] / side["before issue 9"]
    print(
        f"{'warm render vs before issue 9':<34}{side['handout'] * 1000:>8.1f}ms{side['before issue 9'] * 1000:>8.1f}ms"
        f"{ratio:>8.2f}{1.3:>7.1f}x {'ok' if ratio <= 1.3 else 'OVER'}   (floor: content 1.0.0)"
    )
    print(
        f"{'layout without calendar, icons':<34}{side['without pictures'] * 1000:>8.1f}ms"
        f"   (the pictures cost {(side['handout'] - side['without pictures']) * 1000:.1f} ms with the document)"
    )
    for name, (ours, base, target) in results.items():
        label = f"cold dischargegen {name}"
        verdict = "ok" if ours / base <= target else "OVER"
        print(f"{label:<34}{ours * 1000:>8.0f}ms{base * 1000:>8.0f}ms{ours / base:>8.2f}{target:>7.1f}x {verdict}")
    print(f"({args.runs} cold runs each, alternating with the floor; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
