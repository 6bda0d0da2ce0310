"""ReportLab's document made to its profile, PDF/A-2u and PDF/UA-1 or PDF/A-2b, just before it
is written: :func:`finish`, which the layout's canvas calls when its pages are done.

What ReportLab's output lacks or gets wrong for PDF/A, and what is done about it:

- no output intent for its DeviceRGB colours: sRGB is declared (:mod:`.color`);
- no XMP metadata: written, with the conformance claimed, and the document information made to
  agree with it (:mod:`.metadata`);
- no structure tree: the one the layout recorded is written (:mod:`.structure`);
- ToUnicode maps that send the unused codes 0-31 of a font subset to U+0000 (PDF/A-2u and
  PDF/UA forbid the value): those entries are dropped, the codes are never drawn;
- ``/Widths`` that differ from the embedded program's advances for shaped glyphs (:mod:`.widths`);
- streams framed as ``stream`` LF, the data, ``endstream``: PDF/A wants an end-of-line marker
  before ``endstream`` that ``/Length`` does not count (:class:`Framed`).

The fonts are made when ReportLab writes the document, after this runs: each is wrapped so that
its ToUnicode maps and programs are mended as soon as ReportLab has made them (:class:`_Mended`).
The trailer ID is ReportLab's digest of its timestamp and the document information, to which the
pages' content is added here: in a deterministic build (one fixed timestamp) two handouts with
the same title would otherwise share an ID; the same handout still gives the same bytes.
"""

from __future__ import annotations

import re
from typing import Any

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDocument,
    PDFFormXObject,
    PDFImageXObject,
    PDFObject,
    PDFObjectReference,
    PDFStream,
    PDFTrueTypeFont,
)

from ..layout.tagging import Tagger
from ..model import PdfProfile
from .color import icc_stream, output_intent
from .metadata import Claim, xmp_stream
from .structure import add_structure, reference, set_entries
from .widths import match_widths

CLAIMS = {
    PdfProfile.ARCHIVAL: Claim(2, "U", 1),
    PdfProfile.PDFA_2B: Claim(2, "B", None),
}
_END = b"endstream\n"
_STREAMS = (PDFStream, PDFImageXObject, PDFFormXObject)  # the objects ReportLab writes as streams
_NULL_ENTRY = re.compile(r"^<[0-9A-Fa-f]+> <0000>\r?\n", re.MULTILINE)
_CHAR_COUNT = re.compile(r"(\d+) beginbfchar\r?\n(.*?)endbfchar", re.DOTALL)


class Framed(PDFObject):
    """A stream as PDF/A frames it: ReportLab's, with an end-of-line marker before ``endstream``
    (ReportLab writes the data and ``endstream`` with nothing between them, and counts in
    ``/Length`` the newline that uncompressed data ends with). The marker is LF, or CR LF after
    data that ends in CR (compressed data may): a reader would take that CR and an LF for one
    marker, and count the data a byte short."""

    def __init__(self, stream: PDFObject) -> None:
        self.stream = stream

    def format(self, document: PDFDocument) -> bytes:
        written: bytes = self.stream.format(document)  # type: ignore[attr-defined]  # every PDFObject's, not in the stubs
        if not written.endswith(_END):
            raise ValueError(f"{type(self.stream).__name__} is not written as a stream")
        data = written[: -len(_END)]
        return data + (b"\r\n" if data.endswith(b"\r") else b"\n") + _END


def finish(document: PDFDocument, tagger: Tagger, profile: PdfProfile) -> None:
    """Add to ``document`` (its pages done, not yet written) what ``profile`` (not ``plain``)
    claims, the structure that ``tagger`` recorded, and the mending of what ReportLab writes."""
    catalog: Any = document.Catalog  # type: ignore[attr-defined]  # ReportLab's catalog, not in its stubs
    metadata = xmp_stream(document, tagger.language, CLAIMS[profile])
    icc = reference(document, Framed(icc_stream()))
    set_entries(
        catalog,
        Metadata=reference(document, Framed(metadata)),
        OutputIntents=PDFArray([reference(document, output_intent(icc))]),
    )
    add_structure(document, tagger.root)
    for page in document.Pages.pages:  # type: ignore[attr-defined]  # ReportLab's page tree, not in its stubs
        document.updateSignature(page.stream)  # the trailer ID: see the module's note
        page.check_format(document)  # ReportLab makes the page's content stream (as it would when writing)
        page.Contents = Framed(page.Contents)
    _frame(document, list(document.idToObject))  # the pictures and forms drawn
    document.delayedFonts[:] = [_Mended(font) for font in document.delayedFonts]


def _frame(document: PDFDocument, names: list[str]) -> None:
    """Frame the streams among the objects named ``names`` (:class:`Framed`)."""
    for name in names:
        found = document.idToObject[name]
        if isinstance(found, _STREAMS):
            document.idToObject[name] = Framed(found)


class _Mended:
    """A font whose objects are mended as soon as ReportLab has made them: its ToUnicode maps
    without U+0000 values, its programs' advances matching its ``/Widths``, its streams framed."""

    def __init__(self, font: Any) -> None:
        self.font = font

    def addObjects(self, document: PDFDocument) -> None:  # noqa: N802 - ReportLab's name
        before = set(document.idToObject)
        self.font.addObjects(document)
        made = [name for name in document.idToObject if name not in before]
        for name in made:
            subset = document.idToObject[name]
            if isinstance(subset, PDFTrueTypeFont):
                _mend(document, subset)
        _frame(document, made)


def _mend(document: PDFDocument, font: Any) -> None:
    """One font subset's ToUnicode map and program (their contents, before they are compressed)."""
    cmap = _target(document, font.ToUnicode)
    cmap.content = _drop_null_unicode(cmap.content)
    descriptor = _target(document, font.FontDescriptor)
    program = _target(document, descriptor["FontFile2"])
    program.content = match_widths(program.content, int(font.FirstChar), tuple(font.Widths.sequence))


def _target(document: PDFDocument, ref: PDFObjectReference) -> Any:
    """The object ``ref`` refers to."""
    return document.idToObject[ref.name]


def _drop_null_unicode(cmap: str) -> str:
    """A ToUnicode map without its ``<code> <0000>`` entries, with the counts they were in."""
    return _CHAR_COUNT.sub(_recount, cmap) if "<0000>" in cmap else cmap


def _recount(match: re.Match[str]) -> str:
    entries = _NULL_ENTRY.sub("", match.group(2))
    count = entries.count("\n")
    return f"{count} beginbfchar\n{entries}endbfchar" if count else ""
