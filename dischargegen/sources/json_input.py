"""Discharge facts from a JSON object whose keys are the long option names."""

from __future__ import annotations

import json
from typing import IO, Any

from ..errors import InputError

MAX_BYTES = 1_000_000
# Keys beyond the facts that a JSON input may carry, for the patient's print needs.
RENDER_KEYS = frozenset({"large_print"})


def read_json_facts(stream: IO[bytes], label: str = "input") -> dict[str, Any]:
    """Read one JSON object; ``follow-up`` and ``follow_up`` are the same key."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise InputError(label, f"is larger than {MAX_BYTES // 1000} kB")
    if not raw.strip():
        raise InputError(label, "is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(label, "is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(label, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict):
        raise InputError(label, "must be a JSON object of discharge facts")
    return {str(key).replace("-", "_"): value for key, value in data.items()}
