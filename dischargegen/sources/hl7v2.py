"""An HL7 v2 ADT^A03 (discharge) message -> discharge facts, and the PID/PV1 for the MDM reply.

Accepts a plain or MLLP-framed (``0x0B`` ... ``0x1C 0x0D``) message with CR, LF or CRLF segment
endings, optionally after a UTF-8 byte-order mark, in the character set MSH-18 declares (empty:
UTF-8, else Latin-1). The segments are split on the message's own encoding characters (MSH-1,
MSH-2) and the values read are unescaped (HL7 v2.5 section 2.7; see :mod:`.hl7_text`). Read:

PID-3 (the repetitions whose CX.5 is ``MR``), PID-5, PID-7, PID-15, PV1-45, PR1-3, PR1-5, PR1-11,
and where a message carries them: ROL-12 (a number to call) and RXE-2/3/5/7/27 or
RXO-1/2/4/7/20 (discharge medicines: name, amount, units, instructions, indication).
Every problem is a :class:`~dischargegen.errors.SourceError` naming the HL7 field, e.g. ``PID-5``;
no message quotes the input. Ambiguity is an error, not "the first wins": one PID segment, at
most one PV1, one MR number in PID-3. Work is bounded: at most 10,000 segments, and a field that
is read is at most 10,000 characters (a field not read may fill the 20 MB input limit).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..errors import SourceError
from ..languages import normalize
from ..record import Hl7Context, Record
from .codes import CodeMap
from .hl7_text import BOM, Charset, Encoding, charset_of, decode, encoding_of, unescape

MLLP_START, MLLP_END = b"\x0b", b"\x1c"
MAX_SEGMENTS = 10_000
MAX_FIELD = 10_000
WHITESPACE = b" \t\r\n"
# Linear time: no pattern can match one text two ways (_LANGUAGE's group starts with a separator
# its letters exclude, and it only sees 35 characters); _DTM and _LANGUAGE see bounded fields.
_LINE = re.compile(r"[^\r\n]+")  # a segment: CR, LF and CRLF all end one
_SEGMENT = re.compile(r"[A-Z][A-Z0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f]")  # C0 controls but the tab
_DTM = re.compile(r"([0-9]{4,14})(?:\.[0-9]{1,4})?(?:[+-][0-9]{4})?")  # YYYY[MM[DD[HH[MM[SS]]]]][.S][+ZZZZ]
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")  # run on at most 35 characters
YEARS = (1900, 2100)


def read_message(data: bytes, codes: CodeMap, *, procedure: str | None = None) -> Record:
    """Parse one ADT^A03 message into a :class:`Record`.

    ``procedure`` (a procedure id given with the message) picks the PR1 segments of that
    procedure. A message without a matching PR1 segment leaves the procedure and its date to
    be given: the record's ``pending`` error says so (as does an unreadable PID-15 language).
    """
    lines, encoding, charset = _message(data)

    def segment(line: str, label: str, upto: int) -> _Segment:
        return _Segment(line, label, upto, encoding, charset)

    msh = segment(lines[0], "MSH", 18)
    kind, trigger = msh.value(9, 1), msh.value(9, 2)
    if (kind, trigger) != ("ADT", "A03"):
        raise SourceError("MSH-9", "the message type is not ADT^A03 (discharge)")
    pid_line = _only(lines, "PID", "a message must hold one patient")
    if pid_line is None:
        raise SourceError("PID", "the message has no PID segment")
    pv1_line = _only(lines, "PV1", "a message must hold one visit")
    facts: dict[str, Any] = {}
    paths: dict[str, str] = {}
    pending = _patient(segment(pid_line, "PID", 15), facts, paths)
    pr1s = [line for line in lines if line[:3] == "PR1"]
    pr1_segments = [segment(line, "PR1" if len(pr1s) == 1 else f"PR1[{n}]", 11) for n, line in enumerate(pr1s, 1)]
    pending += _procedure(pr1_segments, codes, procedure, facts, paths)
    _medications(
        [segment(line, f"{line[:3]}[{n}]", 27) for n, line in enumerate(_all(lines, "RXE", "RXO"), 1)], facts, paths
    )
    pv1 = segment(pv1_line, "PV1", 45) if pv1_line else None
    discharge = pv1.value(45) if pv1 else ""
    visit = pv1.value(19) if pv1 else ""
    rol_phones = [_phone(segment(line, "ROL", 12), 12) for line in _all(lines, "ROL")]
    return Record(
        facts=facts,
        paths=paths,
        pending=pending,
        facility_phone=next((phone for phone in rol_phones if phone), None),
        context=Hl7Context(
            separators=encoding.separators,
            pid=pid_line,
            pv1=pv1_line,
            sending_application=msh.raw(3),
            sending_facility=msh.raw(4),
            receiving_facility=msh.raw(6),
            control_id=msh.value(10),
            discharge=discharge or None,
            visit=visit or None,
        ),
    )


def _message(data: bytes) -> tuple[list[str], Encoding, Charset]:
    """The message's segments as text: MLLP framing and a byte-order mark removed, MSH-1,
    MSH-2 and MSH-18 read from the bytes, the rest decoded, any line ending accepted."""
    if b"\x00" in data:
        raise SourceError("message", "binary data (NUL bytes), not an HL7 v2 message")
    body = data.strip(WHITESPACE)  # not bytes.strip(): it would eat the MLLP start byte 0x0B
    bom = body.startswith(BOM)
    body = body.removeprefix(BOM).lstrip(WHITESPACE)
    if body.startswith(MLLP_START):
        end = body.find(MLLP_END)
        if end < 0:
            raise SourceError("message", "the MLLP frame is not closed (no 0x1C): the message is truncated")
        if body[end + 1 :].strip(WHITESPACE):
            raise SourceError("message", "more than one MLLP-framed message: give one message per input")
        body = body[1:end]
        bom = bom or body.startswith(BOM)
        body = body.removeprefix(BOM).strip(WHITESPACE)
    if not body.startswith(b"MSH") or len(body) < 8:
        raise SourceError("MSH", "the input does not start with an MSH segment: not an HL7 v2 message")
    ends = [i for i in (body.find(b"\r"), body.find(b"\n")) if i >= 0]
    head = body[: min(ends, default=len(body))]
    encoding = encoding_of(head)
    text, charset = decode(body, charset_of(head, encoding), bom=bom)
    lines = []
    for count, match in enumerate(_LINE.finditer(text)):  # stops early: no list of a million lines
        if count == MAX_SEGMENTS:
            raise SourceError("message", f"more than {MAX_SEGMENTS} segments: not one discharge message")
        line = match.group()
        if not line.isspace():
            lines.append(line)
    sep = encoding.field
    for number, line in enumerate(lines, start=1):
        if _CONTROL.search(line):
            raise SourceError(f"segment {number}", "contains control characters: not an HL7 v2 message")
        if not _SEGMENT.fullmatch(line, 0, 3) or line[3:4] not in ("", sep):
            raise SourceError(
                f"segment {number}",
                "does not start with a segment name: the message is truncated or a field holds a line break",
            )
    if sum(line[:3] == "MSH" for line in lines) > 1:
        raise SourceError("MSH", "more than one message in the input: give one message per input")
    return lines, encoding, charset


class _Segment:
    """One segment, split on its field separator up to field ``upto``; values read on demand."""

    def __init__(self, line: str, label: str, upto: int, encoding: Encoding, charset: Charset) -> None:
        sep = encoding.field
        # MSH-1 is the field separator itself: MSH-2 is the text after it.
        self.fields = ["MSH", sep, *line[4:].split(sep, upto - 1)] if label == "MSH" else line.split(sep, upto + 1)
        self.label, self.upto, self.encoding, self.charset = label, upto, encoding, charset

    def need(self, number: int) -> None:
        if number >= len(self.fields):
            raise SourceError(
                f"{self.label}-{number}",
                f"missing: the {self.label} segment ends after {self.label}-{len(self.fields) - 1} (truncated?)",
            )

    def raw(self, number: int) -> str:
        """Field ``number`` as received (escapes and all); '' when absent."""
        assert number <= self.upto, "split the segment further"
        text = self.fields[number] if number < len(self.fields) else ""
        if len(text) > MAX_FIELD:
            raise SourceError(f"{self.label}-{number}", f"longer than {MAX_FIELD} characters")
        return text

    def repetitions(self, number: int) -> list[str]:
        return self.raw(number).split(self.encoding.repetition)

    def value(self, number: int, component: int = 1, sub: int = 1, *, repetition: str | None = None) -> str:
        """A (sub)component of the field's first repetition (or of ``repetition``), unescaped."""
        text = self.repetitions(number)[0] if repetition is None else repetition
        parts = text.split(self.encoding.component)
        parts = parts[component - 1].split(self.encoding.subcomponent) if component <= len(parts) else []
        if sub > len(parts):
            return ""
        return unescape(parts[sub - 1], self.encoding, self.charset, f"{self.label}-{number}").strip()


def _all(lines: list[str], *names: str) -> list[str]:
    return [line for line in lines if line[:3] in names]


def _medications(segments: list[_Segment], facts: dict[str, Any], paths: dict[str, str]) -> None:
    """Discharge medicines from RXE (or RXO) segments, where a message carries them: the give
    code's text, the amount and units, the administration instructions and the indication."""
    meds: list[dict[str, str | None]] = []
    for rx in segments:
        pharmacy = rx.label.startswith("RXE")
        code, amount, units, how, why = (2, 3, 5, 7, 27) if pharmacy else (1, 2, 4, 7, 20)
        name = rx.value(code, 2) or rx.value(code, 1)
        if not name:
            continue
        dose = " ".join(part for part in (rx.value(amount), rx.value(units, 2) or rx.value(units, 1)) if part)
        paths[f"medications[{len(meds)}]"] = rx.label
        meds.append(
            {
                "name": name,
                "dose": dose or None,
                "when": rx.value(how, 2) or rx.value(how, 1) or None,
                "purpose": rx.value(why, 2) or rx.value(why, 1) or None,
            }
        )
    if meds:
        facts["medications"] = meds


def _phone(segment: _Segment, number: int) -> str:
    """An XTN telephone number: its unformatted form (component 12), the formatted one
    (component 1), or country, area and local number (components 5, 6, 7)."""
    whole = segment.value(number, 12) or segment.value(number, 1)
    country, area, local = (segment.value(number, component) for component in (5, 6, 7))
    national = " ".join(part for part in (area, local) if part)
    return whole or (f"+{country} {national}" if country else national)


def _only(lines: list[str], name: str, why: str) -> str | None:
    """The one segment called ``name``; None when there is none."""
    found = [line for line in lines if line[:3] == name]
    if len(found) > 1:
        raise SourceError(name, f"more than one {name} segment; {why}")
    return found[0] if found else None


def _patient(pid: _Segment, facts: dict[str, Any], paths: dict[str, str]) -> tuple[SourceError, ...]:
    pid.need(5)
    family, given, middle = pid.value(5, 1, 1), pid.value(5, 2), pid.value(5, 3)
    name = " ".join(part for part in (given, middle, family) if part)
    if not name:
        raise SourceError("PID-5", "the patient name is empty")
    facts["name"], paths["name"] = name, "PID-5"
    mrns: dict[str, int] = {}
    for index, repetition in enumerate(pid.repetitions(3), start=1):
        mrn = pid.value(3, 1, repetition=repetition)
        if mrn and pid.value(3, 5, repetition=repetition) == "MR":
            mrns.setdefault(mrn, index)
    if len(mrns) > 1:
        raise SourceError("PID-3", "two medical record numbers (MR) that differ: which is the patient's is unclear")
    for mrn, index in mrns.items():
        facts["mrn"], paths["mrn"] = mrn, f"PID-3[{index}]" if index > 1 else "PID-3"
    birth = pid.value(7)
    dob = _date(birth, "PID-7", partial_ok=True) if birth else None
    if dob is not None:
        facts["dob"], paths["dob"] = dob, "PID-7"
    language = pid.value(15, 1)
    if not language:
        return ()
    if len(language) > 35 or not _LANGUAGE.fullmatch(language):
        return (SourceError("PID-15", "not a language code (ISO 639, such as eng or spa)", needs=("language",)),)
    facts["language"], paths["language"] = normalize(language), "PID-15"
    return ()


def _date(text: str, where: str, *, partial_ok: bool = False) -> date | None:
    """An HL7 DTM's date; None for a year or year-month only (``partial_ok``): too vague to print."""
    match = _DTM.fullmatch(text)
    digits = match.group(1) if match else ""
    if not digits or len(digits) % 2 or (len(digits) < 8 and not partial_ok):
        raise SourceError(where, "not an HL7 date (YYYYMMDD[HHMM[SS]])")
    year, month, day = int(digits[:4]), int(digits[4:6] or 1), int(digits[6:8] or 1)
    if not YEARS[0] <= year <= YEARS[1]:
        raise SourceError(where, f"the year is outside {YEARS[0]}–{YEARS[1]}")
    try:
        found = date(year, month, day)
    except ValueError:
        raise SourceError(where, "not a real calendar date") from None
    return found if len(digits) >= 8 else None


def _procedure(
    segments: list[_Segment], codes: CodeMap, explicit: str | None, facts: dict[str, Any], paths: dict[str, str]
) -> tuple[SourceError, ...]:
    """The latest PR1 whose PR1-3 code is in the code map: procedure, date and surgeon.

    Returns what is missing, as errors that giving the facts they name resolves.
    """
    candidates = []
    for pr1 in segments:
        key = codes.lookup(pr1.value(3, 3), pr1.value(3, 1))
        if key is None or (explicit and key != explicit):
            continue
        pr1.need(5)
        candidates.append((re.sub(r"[^0-9]", "", pr1.value(5))[:14], pr1, key))
    both = ("procedure", "date")
    if not candidates:
        if not segments:
            return (SourceError("PR1", "the message has no PR1 segment", needs=both),)
        return (
            SourceError(
                "PR1-3",
                f"no PR1 procedure code is in the procedure code map ({codes.describe()})",
                needs=both,
                config_hint="add the code to the config's [codes]",
            ),
        )
    candidates.sort(key=lambda item: item[0])
    _, pr1, key = candidates[-1]
    facts["procedure"], paths["procedure"] = key, f"{pr1.label}-3"
    family, given, prefix = pr1.value(11, 2, 1), pr1.value(11, 3), pr1.value(11, 6)  # XCN: id^family^given^..^prefix
    surgeon = " ".join(part for part in (prefix, given, family) if part)
    if surgeon:
        facts["surgeon"], paths["surgeon"] = surgeon, f"{pr1.label}-11"
    when = pr1.value(5)
    if not when:
        return (SourceError(f"{pr1.label}-5", "the procedure date is empty", needs=("date",)),)
    facts["date"], paths["date"] = _date(when, f"{pr1.label}-5"), f"{pr1.label}-5"
    return ()
