"""HL7 v2 text: the encoding characters (MSH-1, MSH-2), the character set (MSH-18) and the
escape sequences of HL7 v2.5 section 2.7.

The encoding characters and MSH-18 are read from the message's raw bytes, before the rest is
decoded: MSH-1 and MSH-2 must be printable ASCII, so they mean the same in every supported set.

Character sets (MSH-18, first repetition; HL7 table 0211): empty is UTF-8, or Latin-1 when the
message is not valid UTF-8 (what senders without MSH-18 mostly mean); ``ASCII``; ``8859/1`` to
``8859/9`` and ``8859/15``; ``UNICODE UTF-8``. ``UNICODE`` (deprecated in v2.5) is read as
UTF-8: the only Unicode form that can carry HL7's one-byte separators without NUL bytes.
Others (UTF-16, the East Asian sets) are refused. A message must be valid text in its set.

Escape sequences, decoded in the values read (:func:`unescape`): ``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\``
(and ``\\P\\`` when MSH-2 has the v2.7 truncation character) are the message's own separators;
``\\Xhh...\\`` is bytes in the message's character set (adjacent ``\\X`` sequences are joined, so
a character may be split across them); ``\\H\\`` and ``\\N\\`` (highlighting) are removed. Every
other sequence (``\\Z``, ``\\C``, ``\\M``, ``\\.br``...), an unclosed one, odd hex digits or a
control character from ``\\X`` is an error naming the field. No error quotes the message.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import SourceError

BOM = b"\xef\xbb\xbf"
CHARSETS = {
    "ASCII": "ascii",
    **{f"8859/{n}": f"iso8859-{n}" for n in (*range(1, 10), 15)},
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",
}
SUPPORTED = "empty for UTF-8, ASCII, 8859/1 to 8859/9, 8859/15, UNICODE UTF-8"
_HEX = frozenset("0123456789ABCDEFabcdef")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSUPPORTED = {
    "Z": " (locally defined escapes are not supported)",
    "C": " (character set switching is not supported)",
    "M": " (character set switching is not supported)",
    ".": " (formatting commands are not allowed here)",
}


class Encoding(NamedTuple):
    """MSH-1 and MSH-2: the separators and the escape character."""

    field: str
    component: str
    repetition: str
    escape: str
    subcomponent: str
    truncation: str = ""  # the fifth MSH-2 character (v2.7 and later), if any

    @property
    def separators(self) -> str:
        """MSH-1 followed by MSH-2, as received: ``|^~\\&``."""
        return self.field + self.component + self.repetition + self.escape + self.subcomponent + self.truncation


class Charset(NamedTuple):
    """A character set: its HL7 name (for messages), the Python codec, and a fallback codec."""

    name: str
    codec: str
    fallback: str | None = None


def encoding_of(msh: bytes) -> Encoding:
    """The encoding characters of the MSH segment ``msh`` (raw bytes, starting ``MSH``)."""
    sep = msh[3:4]
    if len(sep) != 1 or not _is_separator(sep[0]):
        raise SourceError("MSH-1", "the field separator is not a printable ASCII symbol: not an HL7 v2 message")
    chars = msh[4:].split(sep, 1)[0]
    if len(chars) not in (4, 5) or len(set(chars + sep)) != len(chars) + 1 or not all(map(_is_separator, chars)):
        raise SourceError(
            "MSH-2",
            "the encoding characters must be four distinct printable ASCII symbols, none the field separator:"
            " not an HL7 v2 message",
        )
    return Encoding(*(chr(byte) for byte in sep + chars))


def _is_separator(byte: int) -> bool:
    return 0x21 <= byte <= 0x7E and not chr(byte).isalnum()


def charset_of(msh: bytes, encoding: Encoding) -> Charset:
    """The character set MSH-18 (first repetition) of the raw MSH segment ``msh`` declares."""
    fields = msh.split(encoding.field.encode("ascii"), 18)
    declared = fields[17].split(encoding.repetition.encode("ascii"), 1)[0].strip() if len(fields) > 17 else b""
    if not declared:
        return Charset("UTF-8", "utf-8", fallback="latin-1")
    name = declared.decode("latin-1").upper()
    if name not in CHARSETS:
        raise SourceError("MSH-18", f"character set not supported (supported: {SUPPORTED})")
    return Charset(name, CHARSETS[name])


def decode(body: bytes, charset: Charset, *, bom: bool = False) -> tuple[str, Charset]:
    """``body`` as text in ``charset``, and the set it was read in (the fallback, if used).

    ``bom`` says the input began with a UTF-8 byte-order mark: then the text must be UTF-8.
    """
    if bom and charset.codec not in ("utf-8", "ascii"):
        raise SourceError("MSH-18", "the message starts with a UTF-8 byte-order mark but declares another set")
    try:
        return body.decode(charset.codec), charset._replace(fallback=None)
    except UnicodeDecodeError:
        if charset.fallback is None:
            raise SourceError("MSH-18", f"the message is not valid {charset.name} text") from None
        if bom:
            raise SourceError("message", "starts with a UTF-8 byte-order mark but is not valid UTF-8 text") from None
    fallback = Charset("Latin-1", charset.fallback)
    return body.decode(fallback.codec), fallback


def unescape(text: str, encoding: Encoding, charset: Charset, where: str) -> str:
    """``text`` (one component or subcomponent as received) with its escape sequences decoded.

    Linear in the length of ``text``; errors name ``where`` (``PID-5``) and never quote ``text``.
    """
    if encoding.escape not in text:
        return text
    parts = text.split(encoding.escape)
    if len(parts) % 2 == 0:
        raise SourceError(where, "an escape sequence is not closed")
    simple = {
        "F": encoding.field,
        "S": encoding.component,
        "T": encoding.subcomponent,
        "R": encoding.repetition,
        "E": encoding.escape,
        "H": "",
        "N": "",
    }
    if encoding.truncation:
        simple["P"] = encoding.truncation
    out = [parts[0]]
    pending = bytearray()  # the bytes of adjacent \X..\ sequences, decoded together
    for index in range(1, len(parts), 2):
        code, after = parts[index], parts[index + 1]
        if code[:1] == "X":
            digits = code[1:]
            if not digits or len(digits) % 2 or not _HEX.issuperset(digits):
                raise SourceError(where, "a hexadecimal escape sequence does not hold pairs of hex digits")
            pending += bytes.fromhex(digits)
        elif code in simple:
            out.append(_hex_text(pending, charset, where))
            out.append(simple[code])
        else:
            raise SourceError(where, "unknown escape sequence" + _UNSUPPORTED.get(code[:1], ""))
        if after:
            out.append(_hex_text(pending, charset, where))
            out.append(after)
    out.append(_hex_text(pending, charset, where))
    return "".join(out)


def _hex_text(pending: bytearray, charset: Charset, where: str) -> str:
    """The text of the bytes collected from ``\\X..\\`` sequences; empties ``pending``."""
    if not pending:
        return ""
    try:
        text = pending.decode(charset.codec)
    except UnicodeDecodeError:
        raise SourceError(where, f"a hexadecimal escape sequence is not valid {charset.name} text") from None
    finally:
        pending.clear()
    if _CONTROL.search(text):
        raise SourceError(where, "a hexadecimal escape sequence gives a control character")
    return text
