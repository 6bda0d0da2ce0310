"""Page images of a finished PDF, for a preview on screen (poppler's ``pdftoppm``).

The PDF goes to ``pdftoppm`` on its standard input and the PNGs come back through a private
temporary folder that is removed at once; nothing with patient data is kept on disk.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import OutputError

MAX_PAGES = 12


def page_images(pdf: bytes, *, dpi: int = 60, timeout: float = 20.0) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes at ``dpi``; an :class:`OutputError` when it cannot be done."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise OutputError("preview: pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="dischargegen-preview-") as folder:
        command = [tool, "-png", "-r", str(dpi), "-l", str(MAX_PAGES), "-", str(Path(folder) / "page")]
        try:
            result = subprocess.run(command, input=pdf, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            raise OutputError("preview: pdftoppm did not finish") from None
        if result.returncode != 0:
            raise OutputError("preview: pdftoppm could not read the PDF")
        return [path.read_bytes() for path in sorted(Path(folder).glob("page-*.png"))]
