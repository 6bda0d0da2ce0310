"""Speed of `dischargegen make` on this machine, with the import floors measured in the same run.

    python benchmarks/bench_make.py [--runs N]

Prints the warm render time per handout (median); the warm layout time of the handout with its
calendar and pictograms next to the same handout without them (target 1.3x); the cold wall time
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


def _without_pictures(node: Any) -> None:
    """The document as it was before the actionable handout: no calendar, no pictograms."""
    node.children = [child for child in node.children if child.tag != "calendar"]
    node.attrs.pop("icon", None)
    for child in node.children:
        _without_pictures(child)


def warm_pictures(runs: int) -> tuple[float, float]:
    """Warm render of the full handout (calendar and pictograms) and of the same handout with
    both taken out, measured alternately in this process."""
    from dischargegen.api import RenderOptions, layout_pdf, load_settings, make_document, make_handout

    # The draft actionable content draws a calendar and pictograms; the shipped content does not yet.
    drafts = Path(__file__).resolve().parent.parent / "docs" / "drafts" / "issue-9" / "templates"
    settings = load_settings(templates_dir=drafts if drafts.is_dir() else None)
    handout = make_handout({**FACTS, "phone": "617-555-0100", "follow_up": "2026-12-08 10:30"}, settings)
    options = RenderOptions()
    full = make_document(handout, settings, options)
    plain = make_document(handout, settings, options)
    _without_pictures(plain.tree)
    layout_pdf(full, handout, options), layout_pdf(plain, handout, options)  # fonts, icons loaded
    with_pictures, without = [], []
    for _ in range(runs):
        for document, times in ((full, with_pictures), (plain, without)):
            start = time.perf_counter()
            layout_pdf(document, handout, options)
            times.append(time.perf_counter() - start)
    return statistics.median(with_pictures), statistics.median(without)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold runs of each command (default 15)")
    args = parser.parse_args()
    exe = shutil.which("dischargegen", path=str(Path(sys.executable).parent)) or shutil.which("dischargegen")
    if exe is None:
        sys.exit("dischargegen is not installed in this environment: pip install . first")
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
            ours, base = [], []
            for _ in range(args.runs):
                ours.append(wall(command, cwd))
                base.append(wall(floor, cwd))
            results[name] = (statistics.median(ours), statistics.median(base), target)
    warm = warm_render(30)
    pictures, plain = warm_pictures(30)
    print(f"{'measure':<34}{'median':>10}{'floor':>10}{'ratio':>8}{'target':>8}")
    print(f"{'warm render, one handout':<34}{warm * 1000:>8.1f}ms")
    verdict = "ok" if pictures / plain <= 1.3 else "OVER"
    print(
        f"{'warm layout, calendar + pictograms':<34}{pictures * 1000:>8.1f}ms{plain * 1000:>8.1f}ms"
        f"{pictures / plain:>8.2f}{1.3:>7.1f}x {verdict}   (floor: the same without them)"
    )
    for name, (ours, base, target) in results.items():
        label = f"cold dischargegen {name}"
        verdict = "ok" if ours / base <= target else "OVER"
        print(f"{label:<34}{ours * 1000:>8.0f}ms{base * 1000:>8.0f}ms{ours / base:>8.2f}{target:>7.1f}x {verdict}")
    print(f"({args.runs} cold runs each, alternating with the floor; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
