"""Pictograms: small filled vector drawings from ``icons/icons.json``, drawn with canvas paths.

The JSON holds each icon's paths in a 48 x 48 box (y up), made once at development time by
``icons/build_icons.py`` from Health Icons (MIT) and a few drawings of our own: no SVG library
is imported when a handout is made. ``no-NAME`` draws the icon inside a prohibition sign (a
ring and a bar, each with a white edge so that it reads in black-and-white print).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ..errors import RenderError
from .styles import EMERGENCY

ICONS_DIR = Path(__file__).resolve().parent.parent / "icons"
if not ICONS_DIR.is_dir():  # running from a source checkout
    ICONS_DIR = Path(__file__).resolve().parents[2] / "icons"
NO = "no-"
BOX = 48.0  # the side of the box the icons are drawn in


@cache
def _all() -> dict[str, str]:
    """Each icon as PDF path operators in its 48 x 48 box, made once per process."""
    try:
        data = json.loads((ICONS_DIR / "icons.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise RenderError(f"the icons file {ICONS_DIR / 'icons.json'} cannot be read") from None
    return {name: _operators(icon["paths"]) for name, icon in data["icons"].items()}


def _operators(paths: list[dict[str, str]]) -> str:
    """``M 1 2 L 3 4 C ... Z`` paths as the PDF operators that fill them (``f*`` even-odd)."""
    out: list[str] = []
    for path in paths:
        segments: list[list[str]] = []  # [op, numbers...]
        for token in path["d"].split():
            if token in _PDF_OP:
                segments.append([token])
            elif segments:
                segments[-1].append(str(float(token)))
            else:
                raise RenderError("the icons file holds a malformed path")
        for op, *numbers in segments:
            if len(numbers) != _ARITY[op]:
                raise RenderError("the icons file holds a malformed path")
        ops = " ".join(" ".join([*numbers, _PDF_OP[op]]) for op, *numbers in segments)
        out.append(ops + (" f*" if path["rule"] == "evenodd" else " f"))
    return "\n".join(out)


_PDF_OP = {"M": "m", "L": "l", "C": "c", "Z": "h"}
_ARITY = {"M": 2, "L": 2, "C": 6, "Z": 0}


def names() -> frozenset[str]:
    """Every icon the file holds (the document vocabulary lists the same names)."""
    return frozenset(_all())


def draw_icon(canv: Canvas, name: str, x: float, y: float, size: float, color: colors.Color = colors.black) -> None:
    """Draw icon ``name`` (or ``no-NAME``) in the square of side ``size`` whose lower left is (x, y).

    Each icon's paths are written once per document, as a form (XObject) in the icon's own
    48-unit box, and scaled to ``size`` by the transformation: the same drawing at every size.
    The form takes the fill colour of the place it is drawn."""
    banned = name.startswith(NO)
    operators = _all()[name[len(NO) :] if banned else name]
    canv.saveState()
    canv.translate(x, y)
    canv.setFillColor(color)
    form = f"icon-{name[len(NO) :] if banned else name}"
    if not canv.hasForm(form):  # each icon's paths once per document, used wherever it is drawn
        canv.beginForm(form, 0, 0, BOX, BOX)
        canv.addLiteral(operators)
        canv.endForm()
    canv.saveState()
    inner = 0.62 if banned else 1.0  # in a "no" sign the pictogram sits inside the ring
    canv.translate(size * (1 - inner) / 2, size * (1 - inner) / 2)
    canv.scale(size * inner / BOX, size * inner / BOX)
    canv.doForm(form)
    canv.restoreState()
    if banned:
        _prohibition(canv, size)
    canv.restoreState()


def _prohibition(canv: Canvas, size: float) -> None:
    """A ring and a falling bar, as on a "no" sign; white edges keep them apart from the icon."""
    r = size / 2
    ring = size * 0.085
    canv.setLineCap(0)
    for width, color in ((ring + size * 0.05, colors.white), (ring, EMERGENCY)):
        canv.setStrokeColor(color)
        canv.setLineWidth(width)
        canv.circle(r, r, r - ring / 2 - size * 0.01, stroke=1, fill=0)
        k = (r - ring) * 0.7071
        canv.line(r - k, r + k, r + k, r - k)


class Icon(Flowable):
    """An icon as a flowable of side ``size``."""

    def __init__(self, name: str, size: float) -> None:
        super().__init__()
        self.name, self.size = name, size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_icon(self.canv, self.name, 0, 0, self.size)
