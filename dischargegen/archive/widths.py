"""Glyph widths that agree: a font's ``/Widths`` and the advance widths in its embedded program.

ReportLab writes the ``/Widths`` of a subset of a shaped font (Devanagari, Arabic) from the
shaped advances, which for some glyphs differ from the font's own (``hmtx``); PDF/A and PDF/UA
require them to agree. The page is drawn by ``/Widths``, so it is the embedded program's
advances that are set to them: nothing on the page moves.

The program is the TrueType subset ReportLab makes (``TTFontFace.makeSubset``), changed before
it is compressed. Its ``cmap`` is always one format 6 subtable (Macintosh, roman) that maps the
subset's codes, from 0, to its glyphs; a program without one is left as it is.
"""

from __future__ import annotations

import struct
from functools import lru_cache

from ..layout.fonts import SUBSETS_KEPT

_TRIMMED_TABLE = 6  # cmap subtable format 6: a trimmed table of consecutive codes


def _tables(font: bytes | bytearray) -> dict[bytes, int]:
    """Each table's tag -> its offset in a TrueType font."""
    count = struct.unpack_from(">H", font, 4)[0]
    return {
        tag: offset for tag, _, offset, _ in (struct.unpack_from(">4sIII", font, 12 + 16 * i) for i in range(count))
    }


def _glyphs(font: bytes | bytearray, cmap: int) -> dict[int, int]:
    """Character code -> glyph of the first format 6 subtable of the ``cmap`` at offset ``cmap``."""
    count = struct.unpack_from(">H", font, cmap + 2)[0]
    for i in range(count):
        offset = cmap + struct.unpack_from(">I", font, cmap + 8 + 8 * i)[0]
        if struct.unpack_from(">H", font, offset)[0] == _TRIMMED_TABLE:
            first, entries = struct.unpack_from(">HH", font, offset + 6)
            return dict(enumerate(struct.unpack_from(f">{entries}H", font, offset + 10), start=first))
    return {}


@lru_cache(maxsize=SUBSETS_KEPT)
def match_widths(program: bytes, first: int, widths: tuple[float, ...]) -> bytes:
    """``program`` (a TrueType font) with the advances of the glyphs of codes ``first``… set to
    ``widths`` (1/1000 em); ``program`` itself when they are its advances already. A glyph past
    the font's last full horizontal metric shares that metric's advance with the glyphs after
    it, and is left alone.

    The results are kept, as the layout keeps its subsets (:func:`dischargegen.layout.fonts._keep_tables`): the
    next handout gets the same bytes object, whose compressed form the layout kept too."""
    font = bytearray(program)
    tables = _tables(font)
    if not {b"cmap", b"hmtx", b"hhea", b"head"} <= set(tables):
        return program
    units = struct.unpack_from(">H", font, tables[b"head"] + 18)[0]
    metrics = struct.unpack_from(">H", font, tables[b"hhea"] + 34)[0]
    glyphs = _glyphs(font, tables[b"cmap"])
    changed = False
    for code, width in enumerate(widths, start=first):
        glyph = glyphs.get(code)
        if glyph is None or glyph >= metrics:
            continue
        at, wanted = tables[b"hmtx"] + 4 * glyph, round(width * units / 1000)
        if struct.unpack_from(">H", font, at)[0] != wanted:
            struct.pack_into(">H", font, at, wanted)
            changed = True
    return bytes(font) if changed else program
