"""Barcodes on the acknowledgement (signature) page, for scanning the signed page back into the
record: a Code 128 of what the facility configures (``[barcode] code128``, a format over the MRN,
the encounter and the document type) and a QR code of the document's identifier (``qr = true``).
Neither ever carries the patient's name.

Each symbol keeps a quarter-inch quiet zone clear of anything else, and the Code 128's
human-readable line is drawn inside the room the flowable reports (ReportLab's own line hangs
below the widget and runs into what follows). Both are drawn the right way round on a mirrored
(right-to-left) page, and are artifacts in a tagged PDF: they are for a scanner, not a reader.
"""

from __future__ import annotations

from typing import NamedTuple

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import inch, mm
from reportlab.platypus import Flowable

from ..model import Handout
from .direction import upright
from .fonts import draw_text
from .tagging import artifact

QUIET = 0.25 * inch  # the clear margin around each symbol
BAR_WIDTH = 1.0  # points: the narrowest bar, two pixels of a 150 dpi scan
BAR_HEIGHT = 0.45 * inch
QR_SIDE = 22 * mm
LINE_SIZE = 9.0  # the human-readable line under the Code 128
# The widest Code 128 printed: the narrowest column the acknowledgement page can have (normal print
# on A4, 238 pt) less its two quiet zones. A wider one would run off the column, unreadable: it is
# left out, and the handout warns (:func:`printable_code128`).
MAX_CODE128_WIDTH = 200.0


class BarcodeValues(NamedTuple):
    """What the acknowledgement page's barcodes carry (None: that barcode is not drawn)."""

    code128: str | None
    qr: str | None


def _code128(text: str) -> Code128:
    return Code128(text, barWidth=BAR_WIDTH, barHeight=BAR_HEIGHT, humanReadable=0, quiet=0)


def printable_code128(handout: Handout) -> str | None:
    """The facility's Code 128 filled in for this handout (:meth:`.Handout.code128`), when it
    fits :data:`MAX_CODE128_WIDTH`; None when there is none to print."""
    text = handout.code128()
    return text if text is not None and float(_code128(text).width) <= MAX_CODE128_WIDTH else None


def barcode_values(handout: Handout, document_id: str | None) -> BarcodeValues:
    """The facility's barcodes for this handout: the Code 128 (:func:`printable_code128`) and the
    QR code of the document identifier."""
    return BarcodeValues(printable_code128(handout), document_id if handout.facility.barcodes.qr else None)


class Barcodes(Flowable):
    """The Code 128 (with its line of text under it) at the left, the QR code at the right, each
    in its quiet zone."""

    def __init__(self, values: BarcodeValues) -> None:
        super().__init__()
        self.values = values
        self._code = _code128(values.code128) if values.code128 else None

    def _code_height(self) -> float:
        return BAR_HEIGHT + LINE_SIZE * 1.6 if self._code else 0.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        code, qr = self._code_height(), QR_SIDE if self.values.qr else 0.0
        code_width = float(self._code.width) if self._code else 0.0
        # side by side when both fit with their quiet zones; else the QR code under the Code 128
        self.stacked = bool(code and qr) and code_width + QR_SIDE + 3 * QUIET > available_width
        self.width = available_width
        self.height = (code + qr + 3 * QUIET) if self.stacked else max(code, qr) + 2 * QUIET
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        with artifact(canv):
            if self._code is not None:
                width = float(self._code.width)
                with upright(canv, QUIET, width):
                    self._code.drawOn(canv, QUIET, self.height - QUIET - BAR_HEIGHT)
                    canv.setFillColorRGB(0, 0, 0)
                    line = self.height - QUIET - BAR_HEIGHT - LINE_SIZE * 1.2
                    draw_text(canv, QUIET + width / 2, line, self.values.code128 or "", LINE_SIZE, align="center")
            if self.values.qr:
                widget = QrCodeWidget(self.values.qr, barLevel="M", barBorder=0)
                x0, y0, x1, y1 = widget.getBounds()
                drawing = Drawing(QR_SIDE, QR_SIDE, transform=[QR_SIDE / (x1 - x0), 0, 0, QR_SIDE / (y1 - y0), 0, 0])
                drawing.add(widget)
                left = QUIET if self.stacked else self.width - QUIET - QR_SIDE
                with upright(canv, left, QR_SIDE):
                    renderPDF.draw(drawing, canv, left, QUIET if self.stacked else self.height - QUIET - QR_SIDE)
