"""Pictograms: small filled vector drawings from ``icons/icons.json``, drawn with canvas paths.

The JSON holds each icon's paths in a 48 x 48 box (y up), made once at development time by
``icons/build_icons.py`` from Health Icons (MIT) and a few drawings of our own: no SVG library
is imported when a handout is made. ``no-NAME`` draws the icon inside a prohibition sign (a
ring and a bar, each with a white edge so that it reads in black-and-white print).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ..errors import RenderError
from .direction import is_mirrored, upright
from .styles import EMERGENCY
from .tagging import Element, artifact, content

ICONS_DIR = Path(__file__).resolve().parent.parent / "icons"
if not ICONS_DIR.is_dir():  # running from a source checkout
    ICONS_DIR = Path(__file__).resolve().parents[2] / "icons"
NO = "no-"
BOX = 48.0  # the side of the box the icons are drawn in


@cache
def _all() -> dict[str, list[dict[str, str]]]:
    """Each icon's paths in its 48 x 48 box, read once per process."""
    try:
        data = json.loads((ICONS_DIR / "icons.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise RenderError(f"the icons file {ICONS_DIR / 'icons.json'} cannot be read") from None
    return {name: icon["paths"] for name, icon in data["icons"].items()}


@cache
def _flate(name: str) -> bytes:
    """An icon's paths as PDF path operators, compressed, made the first time the icon is drawn."""
    return zlib.compress(_operators(_all()[name]).encode("ascii"))


class _Form(pdfdoc.PDFObject):
    """An icon as a PDF form (XObject) in its 48-unit box, its stream made once per process: a
    handout draws a dozen icons, and ReportLab's own forms cost about 0.3 ms each to write."""

    def __init__(self, flate: bytes) -> None:
        self.flate = flate

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        content: bytes = document.encrypt.encode(self.flate)  # type: ignore[no-untyped-call]  # as ReportLab's streams do
        head = (
            f"<< /BBox [ 0 0 {BOX:g} {BOX:g} ] /Filter /FlateDecode /FormType 1 /Length {len(content)} "
            "/Matrix [ 1 0 0 1 0 0 ] /Resources << /ProcSet [ /PDF ] >> /Subtype /Form /Type /XObject >>"
        )
        return head.encode("ascii") + b"\nstream\n" + content + b"\nendstream\n"


_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)"
_ONE = rf"(?:M|L)(?: {_NUMBER}){{2}}|C(?: {_NUMBER}){{6}}|Z"  # a segment: its letter and numbers
_PATH = re.compile(rf"(?:{_ONE})(?: (?:{_ONE}))*")
_SEGMENT = re.compile(rf"([ML])((?: {_NUMBER}){{2}})|C((?: {_NUMBER}){{6}})|Z")
_PDF_OP = {"M": "m", "L": "l"}


def _operators(paths: list[dict[str, str]]) -> str:
    """``M 1 2 L 3 4 C ... Z`` paths as the PDF operators that fill them (``f*`` even-odd): each
    segment's numbers, then its operator. A path that is not such segments is an error."""
    out: list[str] = []
    for path in paths:
        d = " ".join(path["d"].split())
        if not _PATH.fullmatch(d):
            raise RenderError("the icons file holds a malformed path")
        ops = []
        for move, points, curve in _SEGMENT.findall(d):
            op = _PDF_OP.get(move) or ("c" if curve else "h")
            ops.append(f"{(points or curve).strip()} {op}".lstrip())
        out.append(" ".join(ops) + (" f*" if path["rule"] == "evenodd" else " f"))
    return "\n".join(out)


def names() -> frozenset[str]:
    """Every icon the file holds (the document vocabulary lists the same names)."""
    return frozenset(_all())


def draw_icon(canv: Canvas, name: str, x: float, y: float, size: float, color: colors.Color = colors.black) -> None:
    """Draw icon ``name`` (or ``no-NAME``) in the square of side ``size`` whose lower left is (x, y).

    Each icon's paths are written once per document, as a form (XObject) in the icon's own
    48-unit box, and scaled to ``size`` by the transformation: the same drawing at every size.
    The form takes the fill colour of the place it is drawn. A handout draws a few dozen icons,
    so each use is written as one piece of content (the graphics state saved and restored around
    it), not a dozen canvas calls."""
    banned = name.startswith(NO)
    icon = name[len(NO) :] if banned else name
    form = f"icon-{icon}"
    if not canv.hasForm(form):  # each icon's paths once per document, used wherever it is drawn
        canv._doc.addForm(form, _Form(_flate(icon)))  # type: ignore[attr-defined]  # ReportLab's document
    inner = 0.62 if banned else 1.0  # in a "no" sign the pictogram sits inside the ring
    scale, offset = size * inner / BOX, size * (1 - inner) / 2
    xobject = canv._doc.getXObjectName(form)  # type: ignore[attr-defined]  # ReportLab's own, as doForm uses it
    # a picture, the right way round on a mirrored page too (:mod:`.direction`)
    place = f"-1 0 0 1 {fp_str(x + size, y)}" if is_mirrored(canv) else f"1 0 0 1 {fp_str(x, y)}"
    canv.addLiteral(
        f"q {place} cm {fp_str(color.red, color.green, color.blue)} rg "
        f"{fp_str(scale)} 0 0 {fp_str(scale, offset, offset)} cm /{xobject} Do Q"
    )
    canv._formsinuse.append(form)  # type: ignore[attr-defined]  # the page's resources name the form
    if banned:
        with upright(canv, x, size):
            canv.translate(x, y)
            _prohibition(canv, size)


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


@contextmanager
def pictogram(canv: Canvas, beside: Flowable) -> Iterator[None]:
    """A pictogram drawn inside is a Figure whose alternative text is the text it stands for (the
    heading, title or item beside it: in the handout's language, as printed); an artifact when
    that text is empty."""
    alt = str(getattr(beside, "plain", ""))
    with content(canv, Element("Figure", alt=alt)) if alt else artifact(canv):
        yield


class Icon(Flowable):
    """An icon as a flowable of side ``size``."""

    def __init__(self, name: str, size: float) -> None:
        super().__init__()
        self.name, self.size = name, size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_icon(self.canv, self.name, 0, 0, self.size)
