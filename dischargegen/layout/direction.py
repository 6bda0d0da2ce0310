"""The direction of a page: a right-to-left handout (Arabic) is laid out as the English one is,
on a page mirrored left for right. Everything drawn in a frame, header or footer lands on the
other side: the first column at the right, bullets and boxes at the right of their text, a
table's first column and a week's first day at the right. What must not turn round is drawn
mirrored back: each piece of text (:func:`.fonts.draw_labels`), icons and the logo
(:func:`upright`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reportlab.pdfgen.canvas import Canvas


def mirror_page(canv: Canvas, page_width: float, mirrored: bool) -> None:
    """Begin a page: mirrored left for right when ``mirrored`` (called before anything is drawn
    on it; the canvas keeps the mark with the page)."""
    canv._mirrored = mirrored  # type: ignore[attr-defined]
    if mirrored:
        canv.transform(-1, 0, 0, 1, page_width, 0)


def is_mirrored(canv: Canvas) -> bool:
    """Whether the page being drawn is mirrored."""
    return bool(getattr(canv, "_mirrored", False))


@contextmanager
def upright(canv: Canvas, x: float, width: float) -> Iterator[None]:
    """Draw what is between ``x`` and ``x + width`` the right way round on a mirrored page: a
    picture, not a line of reading (text drawn in it, such as a barcode's line, is set as on a
    page that is not mirrored)."""
    mirrored = is_mirrored(canv)
    canv.saveState()
    if mirrored:
        canv.transform(-1, 0, 0, 1, 2 * x + width, 0)
        canv._mirrored = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        canv._mirrored = mirrored  # type: ignore[attr-defined]
        canv.restoreState()
