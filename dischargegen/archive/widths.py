"""Glyph widths that agree: a font's ``/Widths`` and the advance widths in its embedded program.

ReportLab writes the ``/Widths`` of a subset of a shaped font (Devanagari) from the shaped
advances, which for some glyphs differ from the font's own (``hmtx``); PDF/A and PDF/UA require
them to agree. The page is drawn by ``/Widths``, so it is the embedded program's advances that
are set to them: nothing on the page moves.
"""

from __future__ import annotations

import struct
import zlib

import pikepdf


def _tables(font: bytes) -> dict[bytes, int]:
    """Each table's tag -> its offset in a TrueType font."""
    count = struct.unpack_from(">H", font, 4)[0]
    return {
        tag: offset for tag, _, offset, _ in (struct.unpack_from(">4sIII", font, 12 + 16 * i) for i in range(count))
    }


def _glyphs(font: bytes, cmap: int) -> dict[int, int]:
    """Character code -> glyph of the first format 0, 4 or 6 subtable of the ``cmap`` at ``cmap``."""
    count = struct.unpack_from(">H", font, cmap + 2)[0]
    for i in range(count):
        offset = cmap + struct.unpack_from(">I", font, cmap + 8 + 8 * i)[0]
        kind = struct.unpack_from(">H", font, offset)[0]
        if kind == 0:
            return dict(enumerate(font[offset + 6 : offset + 6 + 256]))
        if kind == 6:
            first, entries = struct.unpack_from(">HH", font, offset + 6)
            return dict(enumerate(struct.unpack_from(f">{entries}H", font, offset + 10), start=first))
        if kind == 4:
            return _format4(font, offset)
    return {}


def _format4(font: bytes, at: int) -> dict[int, int]:
    segments = struct.unpack_from(">H", font, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", font, at + 14)
    starts = struct.unpack_from(f">{segments}H", font, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", font, at + 16 + 4 * segments)
    ranges_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", font, ranges_at)
    found: dict[int, int] = {}
    for s, (start, end, delta, offset) in enumerate(zip(starts, ends, deltas, offsets, strict=True)):
        for code in range(start, min(end, 0xFFFE) + 1):
            if offset == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                index = ranges_at + 2 * s + offset + 2 * (code - start)
                glyph = struct.unpack_from(">H", font, index)[0]
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            found[code] = glyph
    return found


def match_widths(document: pikepdf.Pdf) -> None:
    """Set each embedded TrueType program's advance widths to its font's ``/Widths``."""
    seen: set[tuple[int, int]] = set()
    for page in document.pages:
        for font in page.obj.Resources.get("/Font", pikepdf.Dictionary()).values():
            program = font.get("/FontDescriptor", pikepdf.Dictionary()).get("/FontFile2")
            if program is None or "/Widths" not in font or program.objgen in seen:
                continue
            seen.add(program.objgen)
            data = bytearray(program.read_bytes())
            if _set_advances(data, int(font.FirstChar), [float(w) for w in font.Widths]):
                program.write(zlib.compress(bytes(data)), filter=pikepdf.Name.FlateDecode)
                program.Length1 = len(data)


def _set_advances(font: bytearray, first: int, widths: list[float]) -> bool:
    """Set the advances of the glyphs of codes ``first``… to ``widths`` (1/1000 em); whether any changed."""
    tables = _tables(bytes(font))
    if not {b"cmap", b"hmtx", b"hhea", b"head"} <= set(tables):
        return False
    units = struct.unpack_from(">H", font, tables[b"head"] + 18)[0]
    metrics = struct.unpack_from(">H", font, tables[b"hhea"] + 34)[0]
    glyphs = _glyphs(bytes(font), tables[b"cmap"])
    changed = False
    for code, width in enumerate(widths, start=first):
        glyph = glyphs.get(code)
        if glyph is None or glyph >= metrics:
            continue
        at = tables[b"hmtx"] + 4 * glyph
        wanted = round(width * units / 1000)
        if struct.unpack_from(">H", font, at)[0] != wanted:
            struct.pack_into(">H", font, at, wanted)
            changed = True
    return changed
