"""A laid-out PDF finished to its profile: PDF/A-2u and PDF/UA-1, or PDF/A-2b.

What ReportLab's output lacks or gets wrong for PDF/A, and what is done about it:

- no output intent for its DeviceRGB colours: sRGB is declared (:mod:`.color`);
- no XMP metadata: written, with the conformance claimed (:mod:`.metadata`);
- ToUnicode maps that send the unused codes 0-31 of a font subset to U+0000 (PDF/A-2u and
  PDF/UA forbid the value): those entries are dropped, the codes are never drawn;
- ``/Widths`` that differ from the embedded program's advances for shaped glyphs (:mod:`.widths`);
- stream framing (EOL markers, ``/Length``): qpdf writes every stream again; a compressed
  stream whose data ends in CR would still be framed as CR LF and miscounted, so such a
  stream is written uncompressed.

Tagged profiles also get the structure tree (:mod:`.structure`). The trailer ID is qpdf's
digest of the content, so the same handout gives the same bytes.
"""

from __future__ import annotations

import io
import re

import pikepdf

from ..layout.tagging import Element
from ..model import PdfProfile
from .color import add_output_intent
from .metadata import Claim, add_metadata
from .structure import add_structure
from .widths import match_widths

CLAIMS = {
    PdfProfile.ARCHIVAL: Claim(2, "U", 1),
    PdfProfile.PDFA_2B: Claim(2, "B", None),
}
_NULL_ENTRY = re.compile(rb"^<[0-9A-Fa-f]+> <0000>\r?\n", re.MULTILINE)
_CHAR_COUNT = re.compile(rb"(\d+) beginbfchar\r?\n(.*?)endbfchar", re.DOTALL)


def finish(pdf: bytes, profile: PdfProfile, language: str, structure: Element | None) -> bytes:
    """``pdf`` made to ``profile`` (not ``plain``), tagged with ``structure`` when given."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        add_output_intent(document)
        add_metadata(document, language, CLAIMS[profile])
        _drop_null_unicode(document)
        match_widths(document)
        if structure is not None:
            add_structure(document, structure, language)
        _frame_streams(document)
        out = io.BytesIO()
        # streams as written (see _frame_streams); the XMP as written here, not parsed again (lxml)
        document.save(out, deterministic_id=True, compress_streams=False, fix_metadata_version=False)
    return out.getvalue()


def _drop_null_unicode(document: pikepdf.Pdf) -> None:
    """Drop ``<code> <0000>`` entries from every ToUnicode map, with the counts they were in."""
    seen: set[tuple[int, int]] = set()
    for page in document.pages:
        for font in page.obj.Resources.get("/Font", pikepdf.Dictionary()).values():
            cmap = font.get("/ToUnicode")
            if cmap is None or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            data = cmap.read_bytes()
            if b"<0000>" in data:
                cmap.write(_CHAR_COUNT.sub(_recount, data))


def _recount(match: re.Match[bytes]) -> bytes:
    entries = _NULL_ENTRY.sub(b"", match.group(2))
    count = entries.count(b"\n")
    return b"%d beginbfchar\n%sendbfchar" % (count, entries) if count else b""


def _frame_streams(document: pikepdf.Pdf) -> None:
    """Write uncompressed the streams whose data ends in CR (see the module's note)."""
    for obj in document.objects:
        if isinstance(obj, pikepdf.Stream) and obj.read_raw_bytes().endswith(b"\r"):
            obj.write(obj.read_bytes())
