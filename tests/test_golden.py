"""Golden handouts: `dischargegen make --deterministic` must give the very same bytes.

One PDF per procedure and cause (and large print), made from fixed facts and kept in
``tests/fixtures/golden/``. A change to the code that is meant to leave the handout alone
(a refactor, a speed-up) must leave these bytes alone. A change that is meant to change the
handout regenerates them on purpose, and the diff of their text is reviewed:

    python tests/test_golden.py        # rewrite the goldens from the installed package

The bytes depend on ReportLab's own output too, so ``manifest.json`` records the ReportLab
version they were made with. Under another ReportLab version the test compares what a person
reads instead: the text of every page and the fonts embedded.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
FACTS = {
    "name": "Raeann O'Kon",
    "date": "2026-11-24",
    "dob": "1948-03-02",
    "mrn": "0012345",
    "level": "T12",
    "surgeon": "Dr. Ann Smith",
    "follow_up": "2026-12-08 10:30",
    "blood_thinner_restart": "2026-11-27",
    "restrictions": ["custom=No golf:4w"],
    "medications": [{"name": "Acetaminophen 500 mg", "instructions": "Take 2 pills every 8 hours."}],
}
CASES = [
    (procedure, cause, large)
    for procedure in ("kyphoplasty", "vertebroplasty")
    for cause, large in (
        (None, False),
        ("osteoporosis", False),
        ("cancer", False),
        ("trauma", False),
        ("osteoporosis", True),
    )
]


def case_name(procedure: str, cause: str | None, large: bool) -> str:
    return f"{procedure}-{cause or 'no-cause'}{'-large' if large else ''}"


def make(procedure: str, cause: str | None, large: bool) -> bytes:
    from dischargegen.cli import main

    facts = {**FACTS, "procedure": procedure, **({"cause": cause} if cause else {}), "large_print": large}
    result = CliRunner().invoke(
        main, ["make", "--input", "-", "--deterministic", "-o", "-"], input=json.dumps(facts), catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def _reportlab_version() -> str:
    import reportlab

    return str(reportlab.Version)


def _readable(pdf: bytes) -> tuple[list[str], list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    fonts = sorted(
        {
            str(font["/BaseFont"]).split("+")[-1]
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
    )
    return [page.extract_text() for page in reader.pages], fonts


@pytest.mark.parametrize(("procedure", "cause", "large"), CASES, ids=[case_name(*c) for c in CASES])
def test_handout_is_unchanged(procedure: str, cause: str | None, large: bool) -> None:
    expected = (GOLDEN / f"{case_name(procedure, cause, large)}.pdf").read_bytes()
    made = make(procedure, cause, large)
    manifest = json.loads((GOLDEN / "manifest.json").read_text(encoding="utf-8"))
    if manifest["reportlab"] == _reportlab_version():
        if made != expected:
            assert _readable(made) == _readable(expected), "the handout's text or fonts changed"
            pytest.fail("the text is the same but the PDF bytes differ from the golden file")
    else:
        assert _readable(made) == _readable(expected)


def regenerate() -> None:
    import os
    import tempfile

    os.environ.pop("DISCHARGEGEN_CONFIG", None)  # no facility config, as in the tests
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (GOLDEN / f"{case_name(*case)}.pdf").write_bytes(make(*case))
    manifest = {"reportlab": _reportlab_version(), "cases": [case_name(*c) for c in CASES]}
    (GOLDEN / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} golden handouts to {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
