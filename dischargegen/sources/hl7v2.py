"""An HL7 v2 ADT^A03 (discharge) message -> discharge facts, and the PID/PV1 for the MDM reply.

Accepts a plain or MLLP-framed (``0x0B`` ... ``0x1C 0x0D``) message with CR, LF or CRLF segment
endings, in UTF-8 or Latin-1. Parsed with python-hl7 (``hl7``); fields read:

PID-3 (the repetition whose CX.5 is ``MR``), PID-5, PID-7, PID-15, PV1-45, PR1-3, PR1-5, PR1-11.
Every problem is a :class:`~dischargegen.errors.SourceError` naming the HL7 field, e.g. ``PID-5``.
Messages never quote patient data.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import hl7  # type: ignore[import-untyped]

from ..errors import SourceError
from ..record import Hl7Context, Record
from .codes import CodeMap

MLLP_START, MLLP_END = b"\x0b", b"\x1c"
_SEGMENT = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_HL7_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})")

# HL7 table 0296 / ISO 639-2 codes -> the BCP-47 language subtag the templates use.
ISO639_2 = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "ita": "it",
    "por": "pt",
    "nld": "nl",
    "dut": "nl",
    "rus": "ru",
    "ukr": "uk",
    "pol": "pl",
    "zho": "zh",
    "chi": "zh",
    "yue": "yue",
    "cmn": "zh",
    "jpn": "ja",
    "kor": "ko",
    "vie": "vi",
    "tgl": "tl",
    "fil": "fil",
    "ara": "ar",
    "fas": "fa",
    "per": "fa",
    "hin": "hi",
    "urd": "ur",
    "ben": "bn",
    "pan": "pa",
    "guj": "gu",
    "hat": "ht",
    "hmn": "hmn",
    "som": "so",
    "amh": "am",
    "tur": "tr",
    "ell": "el",
    "gre": "el",
    "heb": "he",
    "khm": "km",
    "lao": "lo",
    "tha": "th",
    "nep": "ne",
    "swa": "sw",
    "ron": "ro",
    "rum": "ro",
    "hun": "hu",
    "ces": "cs",
    "cze": "cs",
    "srp": "sr",
    "hrv": "hr",
    "bos": "bs",
    "sqi": "sq",
    "alb": "sq",
    "hye": "hy",
    "arm": "hy",
    "kat": "ka",
    "geo": "ka",
    "mya": "my",
    "bur": "my",
    "pus": "ps",
    "tir": "ti",
    "yid": "yi",
    "nav": "nv",
}


def read_message(data: bytes, codes: CodeMap, *, procedure: str | None = None) -> Record:
    """Parse one ADT^A03 message into a :class:`Record`.

    ``procedure`` (a procedure id given with the message) picks the PR1 segments of that
    procedure. A message without a matching PR1 segment leaves the procedure and its date to
    be given: the record's ``pending`` error says so.
    """
    lines = _segments(data)
    message = _parse(lines)
    _check_type(message)
    separators = _separators(lines[0])
    pid = _only(message, "PID")
    facts: dict[str, Any] = {}
    paths: dict[str, str] = {}
    _patient(pid, separators[2], facts, paths)
    pending = _procedure(message, codes, procedure, facts, paths)
    pv1_lines = [line for line in lines if line.startswith("PV1" + separators[0])]
    discharge = _field(_only(message, "PV1"), 45) if pv1_lines else ""
    msh = message.segment("MSH")
    return Record(
        facts=facts,
        paths=paths,
        pending=pending,
        context=Hl7Context(
            separators=separators,
            pid=next(line for line in lines if line.startswith("PID")),
            pv1=pv1_lines[0] if pv1_lines else None,
            sending_application=_field(msh, 3, whole=True),
            sending_facility=_field(msh, 4, whole=True),
            receiving_facility=_field(msh, 6, whole=True),
            control_id=_field(msh, 10),
            discharge=discharge or None,
        ),
    )


def _separators(msh: str) -> str:
    """MSH-1 and MSH-2: the field separator then the encoding characters (``|^~\\&``)."""
    sep = msh[3]
    encoding = msh[4:].split(sep, 1)[0]
    if len(encoding) < 4 or len(set(sep + encoding)) != len(sep + encoding):
        raise SourceError("MSH-2", "the encoding characters are incomplete or repeated: not an HL7 v2 message")
    return sep + encoding


def _segments(data: bytes) -> list[str]:
    """The message's segments as text: MLLP framing removed, any line ending accepted."""
    if b"\x00" in data:
        raise SourceError("message", "binary data (NUL bytes), not an HL7 v2 message")
    body = data.strip(b" \t\r\n")  # not bytes.strip(): it would eat the MLLP start byte 0x0B
    if body.startswith(MLLP_START):
        end = body.find(MLLP_END)
        if end < 0:
            raise SourceError("message", "the MLLP frame is not closed (no 0x1C): the message is truncated")
        if body[end + 1 :].strip(b" \t\r\n"):
            raise SourceError("message", "more than one MLLP-framed message: give one message per input")
        body = body[1:end]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    lines = [line for line in re.split(r"\r\n|\r|\n", text) if line.strip()]
    if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 8:
        raise SourceError("MSH", "the input does not start with an MSH segment: not an HL7 v2 message")
    sep = lines[0][3]
    if sep.isalnum() or sep.isspace():
        raise SourceError("MSH-1", "the field separator is a letter, digit or space: not an HL7 v2 message")
    for number, line in enumerate(lines, start=1):
        if sum(ch < " " and ch != "\t" for ch in line):
            raise SourceError(f"segment {number}", "contains control characters: not an HL7 v2 message")
        name = line.split(sep, 1)[0]
        if not _SEGMENT.match(name) or (len(line) > 3 and line[3] != sep):
            raise SourceError(
                f"segment {number}",
                "does not start with a segment name: the message is truncated or a field holds a line break",
            )
    if sum(line.startswith("MSH" + sep) for line in lines) > 1:
        raise SourceError("MSH", "more than one message in the input: give one message per input")
    return lines


def _parse(lines: list[str]) -> hl7.Message:
    try:
        return hl7.parse("\r".join(lines))
    except (hl7.ParseException, ValueError, IndexError, KeyError) as exc:
        raise SourceError("message", f"not a parseable HL7 v2 message ({type(exc).__name__})") from None


def _field(segment: hl7.Segment, number: int, rep: int = 1, comp: int = 1, sub: int = 1, *, whole: bool = False) -> str:
    """One value, unescaped; '' when absent. ``whole`` returns the field's raw text."""
    if number >= len(segment):
        return ""
    if whole:
        return str(segment[number])
    try:
        value = segment.extract_field(1, number, rep, comp, sub)
    except IndexError:
        return ""
    return str(value).strip()


def _only(message: hl7.Message, name: str) -> hl7.Segment:
    try:
        found = message.segments(name)
    except KeyError:
        raise SourceError(name, f"the message has no {name} segment") from None
    return found[0]


def _check_type(message: hl7.Message) -> None:
    msh = message.segment("MSH")
    kind, trigger = _field(msh, 9, 1, 1), _field(msh, 9, 1, 2)
    if (kind, trigger) != ("ADT", "A03"):
        shown = f"{kind}^{trigger}" if trigger else (kind or "empty")
        raise SourceError("MSH-9", f"message type is {shown!r}, not ADT^A03 (discharge)")


def _need(segment: hl7.Segment, number: int, name: str) -> None:
    if number >= len(segment):
        raise SourceError(
            f"{name}-{number}", f"missing: the {name} segment ends after {name}-{len(segment) - 1} (truncated?)"
        )


def _patient(pid: hl7.Segment, repetition: str, facts: dict[str, Any], paths: dict[str, str]) -> None:
    _need(pid, 5, "PID")
    family, given, middle = _field(pid, 5, 1, 1, 1), _field(pid, 5, 1, 2), _field(pid, 5, 1, 3)
    name = " ".join(part for part in (given, middle, family) if part)
    if not name:
        raise SourceError("PID-5", "the patient name is empty")
    facts["name"], paths["name"] = name, "PID-5"
    count = str(pid[3]).count(repetition) + 1 if len(pid) > 3 else 0
    for rep in range(1, count + 1):
        if _field(pid, 3, rep, 5) == "MR" and _field(pid, 3, rep, 1):
            facts["mrn"], paths["mrn"] = _field(pid, 3, rep, 1), f"PID-3[{rep}]" if rep > 1 else "PID-3"
            break
    birth = _field(pid, 7)
    if birth:
        facts["dob"] = _date(birth, "PID-7", partial_ok=True)
        paths["dob"] = "PID-7"
        if facts["dob"] is None:
            del facts["dob"], paths["dob"]
    language = _field(pid, 15, 1, 1)
    if language:
        facts["language"], paths["language"] = ISO639_2.get(language.lower(), language), "PID-15"


def _date(text: str, where: str, *, partial_ok: bool = False) -> date | None:
    match = _HL7_DATE.match(text)
    if not match:
        if partial_ok and re.fullmatch(r"\d{4}(\d{2})?", text):
            return None  # a year or year-month only: too vague to print
        raise SourceError(where, f"{text!r} is not an HL7 date (YYYYMMDD[HHMM])")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise SourceError(where, f"{text!r} is not a real calendar date") from None


def _procedure(
    message: hl7.Message, codes: CodeMap, explicit: str | None, facts: dict[str, Any], paths: dict[str, str]
) -> tuple[SourceError, ...]:
    """The latest PR1 whose PR1-3 code is in the code map: procedure, date and surgeon.

    Returns what is missing, as errors that giving the facts they name resolves.
    """
    try:
        segments = list(message.segments("PR1"))
    except KeyError:
        segments = []
    candidates = []
    seen = []
    for index, pr1 in enumerate(segments, start=1):
        label = "PR1" if len(segments) == 1 else f"PR1[{index}]"
        code, system = _field(pr1, 3, 1, 1), _field(pr1, 3, 1, 3)
        key = codes.lookup(system, code)
        if key is None or (explicit and key != explicit):
            seen.append(f"{code} ({system or 'no coding system'})")
            continue
        _need(pr1, 5, label)
        when = _field(pr1, 5)
        candidates.append((re.sub(r"\D", "", when)[:14], label, pr1, key))
    both = ("procedure", "date")
    if not candidates:
        if not segments:
            return (SourceError("PR1", "the message has no PR1 segment", needs=both),)
        return (
            SourceError(
                "PR1-3",
                f"no PR1 procedure code is in the procedure code map ({codes.describe()}; found {', '.join(seen)})",
                needs=both,
                config_hint="add the code to the config's [codes]",
            ),
        )
    candidates.sort(key=lambda item: item[0])
    _, label, pr1, key = candidates[-1]
    facts["procedure"], paths["procedure"] = key, f"{label}-3"
    surgeon = _surgeon(pr1)
    if surgeon:
        facts["surgeon"], paths["surgeon"] = surgeon, f"{label}-11"
    when = _field(pr1, 5)
    if not when:
        return (SourceError(f"{label}-5", "the procedure date is empty", needs=("date",)),)
    facts["date"], paths["date"] = _date(when, f"{label}-5"), f"{label}-5"
    return ()


def _surgeon(pr1: hl7.Segment) -> str | None:
    """PR1-11 (XCN: id^family^given^middle^suffix^prefix) as ``Dr Given Family``."""
    family, given, prefix = _field(pr1, 11, 1, 2, 1), _field(pr1, 11, 1, 3), _field(pr1, 11, 1, 6)
    name = " ".join(part for part in (prefix, given, family) if part)
    return name or None
