"""JSON input: a facts object whose keys are the long option names, and the strict JSON reading
that the FHIR reader shares.

Strict means: UTF-8 (a byte-order mark allowed), one value, no key given twice in an object
(which one would win is a guess, and a guess may print the wrong patient), numbers of sane
length, and nesting no deeper than Python's parser allows. Each problem is one line naming the input.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..errors import InputError

MAX_BYTES = 1_000_000
# Keys beyond the facts that a JSON input may carry, for the patient's print needs.
RENDER_KEYS = frozenset({"large_print"})


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


class _DuplicateKeyError(ValueError):
    pass


def load_json(data: bytes, label: str, error: type[InputError] = InputError) -> Any:
    """Parse ``data`` strictly; every problem is ``error(label, ...)``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(label, f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError:
        raise error(label, "ambiguous: an object gives the same key twice") from None
    except json.JSONDecodeError as exc:
        raise error(label, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise error(label, "not valid JSON for this use: nested too deeply") from None
    except ValueError:  # a number over Python's 4300-digit limit
        raise error(label, "not valid JSON for this use: a number is too long") from None


def read_json_facts(stream: IO[bytes], label: str = "input") -> dict[str, Any]:
    """Read one JSON object; ``follow-up`` and ``follow_up`` are the same key."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(label, f"is larger than {MAX_BYTES // 1000} kB")
    if not raw.strip():
        raise InputError(label, "is empty")
    data = load_json(raw, label)
    if not isinstance(data, dict):
        raise InputError(label, "must be a JSON object of discharge facts")
    facts: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if name in facts:
            raise InputError(label, "ambiguous: a fact is given twice (with - and with _)")
        facts[name] = value
    return facts
