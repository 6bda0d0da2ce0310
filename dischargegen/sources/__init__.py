"""Sources: the readers that turn an input into discharge facts.

``json_input`` reads a JSON object of facts; ``fhir`` (over the Bundle index in
``fhir_bundle``) and ``hl7v2`` read an EHR record into a :class:`~dischargegen.record.Record`:
the facts, the FHIR path or HL7 field each came from, and the write-back context. Procedures
are recognised by their codes through a :class:`~dischargegen.sources.codes.CodeMap`.
Readers know no command-line options and import nothing from the later stages.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from ..errors import SourceError

MAX_INPUT_BYTES = 20 * 1024 * 1024
"""The largest input accepted: a discharge Bundle or message is far smaller than this."""


def read_input(source: str | Path, *, stdin: BinaryIO | None = None, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of ``source`` (a path, or ``-`` for stdin), refusing empty and oversized input."""
    name = str(source)
    try:
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(limit + 1)
        else:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
    except FileNotFoundError:
        raise SourceError("input", f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError("input", f"{name}: is a directory") from None
    except OSError as exc:
        raise SourceError("input", f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError("input", f"larger than the {limit // (1024 * 1024)} MB input limit")
    if not data.strip():
        raise SourceError("input", "is empty")
    return data
