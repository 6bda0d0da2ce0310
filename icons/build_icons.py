"""Regenerate ``icons/icons.json``: the handout's pictograms as compact vector path data.

    python -m venv /tmp/iconenv && /tmp/iconenv/bin/pip install svglib
    /tmp/iconenv/bin/python icons/build_icons.py [--healthicons DIR_OR_TGZ]

Run at development time only. The handout draws the icons from the JSON with ReportLab's
canvas paths, so neither svglib nor lxml is imported when a handout is made (they would cost
about 40 ms of start-up). Each icon is read with svglib (which turns arcs, circles and rounded
rectangles into Bezier curves), its transforms are applied, and its filled paths are written
as ``M x y L x y C x1 y1 x2 y2 x y Z`` strings in a 48 x 48 box with y pointing up.

Sources (see README.md in this folder): Health Icons from the npm package
``@iconify-json/healthicons`` (MIT, LICENSE-healthicons.txt), fetched with ``npm pack`` when no
folder or tarball is given; and the SVG files in ``src/`` drawn for dischargegen.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import (
    FILL_EVEN_ODD,
    Circle,
    Ellipse,
    Group,
    Polygon,
    Rect,
    mmult,
)
from reportlab.graphics.shapes import (
    Path as RLPath,
)
from svglib.svglib import svg2rlg

HERE = Path(__file__).resolve().parent
PACKAGE = "@iconify-json/healthicons@1.2.13"
# The handout's icon name -> Health Icons name; names missing here are drawn in src/<name>.svg.
HEALTHICONS = {
    "lifting": "weights",
    "bending": "back-pain",
    "phone": "phone",
    "emergency": "ambulance",
    "medicine": "medicine-bottle",
    "walking": "walking",
    "bed": "inpatient",
    "calendar": "calendar",
    "bandage": "bandage-adhesive",
    "warning": "alert-triangle",
    "doctor": "doctor",
    "home": "home",
    "pool": "swim",
}
OWN = ("driving", "bath", "shower", "stairs", "squat", "log-roll")
KAPPA = 0.5522847498  # a quarter circle as one cubic Bezier


def healthicons(source: str | None) -> dict[str, Any]:
    """The Iconify JSON of the Health Icons package: from a folder, a tarball, or ``npm pack``."""
    if source and Path(source).is_dir():
        return json.loads((Path(source) / "icons.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    with tempfile.TemporaryDirectory() as tmp:
        if source:
            tarball = Path(source)
        else:
            name = subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True, capture_output=True, text=True)
            tarball = Path(tmp) / name.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/icons.json")
            assert member is not None
            return json.loads(member.read())  # type: ignore[no-any-return]


def apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def ellipse(cx: float, cy: float, rx: float, ry: float) -> list[tuple[str, list[float]]]:
    kx, ky = rx * KAPPA, ry * KAPPA
    return [
        ("M", [cx + rx, cy]),
        ("C", [cx + rx, cy + ky, cx + kx, cy + ry, cx, cy + ry]),
        ("C", [cx - kx, cy + ry, cx - rx, cy + ky, cx - rx, cy]),
        ("C", [cx - rx, cy - ky, cx - kx, cy - ry, cx, cy - ry]),
        ("C", [cx + kx, cy - ry, cx + rx, cy - ky, cx + rx, cy]),
        ("Z", []),
    ]


def rect(x: float, y: float, w: float, h: float, rx: float, ry: float) -> list[tuple[str, list[float]]]:
    if not rx and not ry:
        return [("M", [x, y]), ("L", [x + w, y]), ("L", [x + w, y + h]), ("L", [x, y + h]), ("Z", [])]
    rx, ry = min(rx or ry, w / 2), min(ry or rx, h / 2)
    kx, ky = rx * (1 - KAPPA), ry * (1 - KAPPA)
    return [
        ("M", [x + rx, y]),
        ("L", [x + w - rx, y]),
        ("C", [x + w - kx, y, x + w, y + ky, x + w, y + ry]),
        ("L", [x + w, y + h - ry]),
        ("C", [x + w, y + h - ky, x + w - kx, y + h, x + w - rx, y + h]),
        ("L", [x + rx, y + h]),
        ("C", [x + kx, y + h, x, y + h - ky, x, y + h - ry]),
        ("L", [x, y + ry]),
        ("C", [x, y + ky, x + kx, y, x + rx, y]),
        ("Z", []),
    ]


def segments(shape: Any) -> list[tuple[str, list[float]]]:
    if isinstance(shape, RLPath):
        out: list[tuple[str, list[float]]] = []
        points = list(shape.points)
        for op in shape.operators:
            if op == 0:
                out.append(("M", [points.pop(0), points.pop(0)]))
            elif op == 1:
                out.append(("L", [points.pop(0), points.pop(0)]))
            elif op == 2:
                out.append(("C", [points.pop(0) for _ in range(6)]))
            else:
                out.append(("Z", []))
        return out
    if isinstance(shape, Circle):
        return ellipse(shape.cx, shape.cy, shape.r, shape.r)
    if isinstance(shape, Ellipse):
        return ellipse(shape.cx, shape.cy, shape.rx, shape.ry)
    if isinstance(shape, Rect):
        return rect(shape.x, shape.y, shape.width, shape.height, shape.rx or 0, shape.ry or 0)
    if isinstance(shape, Polygon):
        pts = list(shape.points)
        moves = [("L", [pts[i], pts[i + 1]]) for i in range(0, len(pts), 2)]
        return [("M", moves[0][1]), *moves[1:], ("Z", [])]
    raise SystemExit(f"unsupported SVG shape {type(shape).__name__}: add it to build_icons.py")


def walk(node: Any, matrix: tuple[float, ...], found: list[dict[str, str]]) -> None:
    if isinstance(node, Group):
        inner = mmult(matrix, node.transform) if node.transform else matrix
        for child in node.contents:
            walk(child, inner, found)
        return
    if getattr(node, "fillColor", None) is None:
        if getattr(node, "strokeColor", None) is not None:
            raise SystemExit("an icon must be drawn with filled shapes only (no strokes)")
        return  # svglib's unfilled, unstroked twin of an open path: nothing to draw
    parts = []
    for op, coords in segments(node):
        pairs = [apply(matrix, coords[i], coords[i + 1]) for i in range(0, len(coords), 2)]
        numbers = " ".join(f"{round(v, 2):g}" for pair in pairs for v in pair)
        parts.append(f"{op} {numbers}".strip())
    rule = "evenodd" if getattr(node, "fillMode", None) == FILL_EVEN_ODD else "nonzero"
    found.append({"rule": rule, "d": " ".join(parts)})


def convert(svg: str) -> list[dict[str, str]]:
    drawing = svg2rlg(io.BytesIO(svg.replace("currentColor", "#000000").encode("utf-8")))
    if drawing is None:
        raise SystemExit("svglib could not read an icon")
    if abs(drawing.width - drawing.height) > 0.01:
        raise SystemExit(f"an icon must be square, not {drawing.width} x {drawing.height}")
    scale = 48 / drawing.width  # svglib reads SVG pixels as 0.75 pt
    found: list[dict[str, str]] = []
    walk(drawing, (scale, 0, 0, scale, 0, 0), found)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--healthicons", help="the unpacked npm package folder or its .tgz (default: npm pack)")
    args = parser.parse_args()
    data = healthicons(args.healthicons)
    icons: dict[str, Any] = {}
    for name, source in sorted(HEALTHICONS.items()):
        icon = data["icons"][source]
        w, h = icon.get("width", data.get("width", 24)), icon.get("height", data.get("height", 24))
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        icons[name] = {"from": f"healthicons:{source}", "paths": convert(f"{svg}{icon['body']}</svg>")}
    for name in OWN:
        svg_text = (HERE / "src" / f"{name}.svg").read_text(encoding="utf-8")
        icons[name] = {"from": f"src/{name}.svg", "paths": convert(svg_text)}
    out = {"size": 48, "source": PACKAGE, "icons": dict(sorted(icons.items()))}
    (HERE / "icons.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'icons.json'}: {len(icons)} icons")


if __name__ == "__main__":
    main()
