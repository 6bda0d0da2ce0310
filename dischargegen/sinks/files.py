"""Writing handouts to disk: atomic writes and file names that carry no patient name."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

from ..errors import OutputError
from ..model import Handout

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def default_filename(handout: Handout) -> str:
    """``<procedure>-<date>-<MRN>.pdf``, or a short hash in place of a missing MRN.

    Never the patient's name: file names end up in directory listings, print queues and logs.
    """
    mrn = _SAFE.sub("", handout.patient.mrn or "")
    if not mrn:
        identity = f"{handout.patient.name}|{handout.patient.dob}|{handout.procedure_date}"
        mrn = "h" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:10]
    return f"{handout.procedure}-{handout.procedure_date.isoformat()}-{mrn}.pdf"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file beside the target, are flushed to disk, then renamed over
    it; an error or Ctrl-C on the way removes the temporary file. The file is readable by its
    owner only (0600), since it holds patient data.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{path}: the folder {directory} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".dischargegen-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        raise
