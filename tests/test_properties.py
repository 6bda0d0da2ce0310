"""Property tests: generated field values, JSON shapes, FHIR references and HL7 fields, each
run through the command line as a user would. Whatever comes in, the program ends with exit
status 0 or 2 and no traceback, leaves no file when it fails, never shows a value it was given
in its error, and finishes within 10 seconds.

``DISCHARGEGEN_PROPERTY_EXAMPLES`` sets the examples per property (default 2500: 10 000 in all).
"""

from __future__ import annotations

import copy
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dischargegen.api import FACT_FIELDS
from dischargegen.cli import main

EXAMPLES = int(os.environ.get("DISCHARGEGEN_PROPERTY_EXAMPLES", "2500"))
RUNS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FIXTURES = Path(__file__).parent / "fixtures"
SPEC = json.loads((FIXTURES / "fhir/valid/spec-collection-kyphoplasty.json").read_text(encoding="utf-8"))
ADT = (FIXTURES / "hl7/valid/adt-a03-kyphoplasty-cr.hl7").read_bytes()
HEAD, TAIL = "Qzx", "Vwk"  # around every generated value: an echo of it shows one of them
LIMIT = 10  # seconds a run may take


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the run took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(args: list[str], stdin: bytes | None = None) -> Result:
    """Run the command in a fresh folder; check what every run must hold."""
    with tempfile.TemporaryDirectory() as folder, time_limit(LIMIT):
        out = Path(folder) / "out.pdf"
        result = CliRunner().invoke(main, [*args, "-o", str(out)], input=stdin)
        left = sorted(os.listdir(folder))
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        assert left == [], left
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert HEAD not in result.stderr and TAIL not in result.stderr, result.stderr
    else:
        assert left == ["out.pdf"]
    return result


def marked(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return text.map(lambda t: f"{HEAD}{t}{TAIL}")


FIELDS = [
    "--name",
    "--level",
    "--surgeon",
    "--mrn",
    "--dob",
    "--date",
    "--follow-up",
    "--blood-thinner-restart",
    "--restriction",
    "--no-restriction",
    "--cause",
    "--language",
    "--procedure",
]
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
DATEISH = st.from_regex(r"[0-9٠-٩]{1,5}-[0-9]{1,3}-[0-9]{1,3}( [0-9]{1,2}:[0-9]{1,3})?", fullmatch=True)


@RUNS
@given(
    field=st.sampled_from(FIELDS),
    value=st.one_of(
        ANY_TEXT, DATEISH, st.from_regex(r"[a-z]{1,9}=[0-9.]{0,6}(lb|kg)?:?-?[0-9]{0,7}[dwmy]?", fullmatch=True)
    ),
)
def test_any_value_of_any_field(field: str, value: str) -> None:
    if "\x00" in value:
        value = value.replace("\x00", "")  # an argument cannot hold NUL
    base = {"--name": "Zyxwq Qorvath", "--date": "2026-11-24"}
    args = [
        "make",
        *[item for key, v in base.items() if key != field for item in (key, v)],
        field,
        f"{HEAD}{value}{TAIL}",
    ]
    run(args)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | marked(ANY_TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FACT_KEYS = [*FACT_FIELDS, "large_print"]


@RUNS
@given(
    facts=st.dictionaries(st.sampled_from(FACT_KEYS) | st.text(max_size=8), JSON_VALUES, max_size=6),
    valid_name=st.booleans(),
)
def test_any_json_shape(facts: dict[str, Any], valid_name: bool) -> None:
    if valid_name:
        facts = {"name": "Zyxwq Qorvath", "date": "2026-11-24", **facts}
    run(["make", "--input", "-"], json.dumps(facts).encode())


REFERENCE_PLACES = [
    ("Procedure", "encounter"),
    ("Procedure", "subject"),
    ("Encounter", "serviceProvider"),
    ("MedicationRequest", "subject"),
    ("Appointment", "participant"),
]


@RUNS
@given(
    place=st.sampled_from(REFERENCE_PLACES),
    reference=st.one_of(ANY_TEXT, st.from_regex(r"[A-Za-z]{0,30}/[A-Za-z0-9.\-]{0,70}", fullmatch=True)),
    full_url=st.booleans(),
    shape=st.sampled_from(["reference", "string", "list"]),
)
def test_any_fhir_reference(place: tuple[str, str], reference: str, full_url: bool, shape: str) -> None:
    bundle = copy.deepcopy(SPEC)
    entry = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == place[0])
    value = f"{HEAD}{reference}{TAIL}" if shape != "reference" or not reference else reference
    if full_url:
        entry["fullUrl"] = value
    else:
        target: Any = {"reference": value} if shape == "reference" else value if shape == "string" else [value]
        if place[1] == "participant":
            entry["resource"]["participant"][0]["actor"] = target
        else:
            entry["resource"][place[1]] = target
    run(["from-fhir", "-"], json.dumps(bundle).encode())


HL7_PIECES = st.characters(codec="latin-1", exclude_categories=("Cc",)) | st.sampled_from(
    ["\\", "\\X", "\\F\\", "\\E\\", "\\Zab\\"]
)
HL7_TEXT = st.lists(HL7_PIECES, max_size=20).map("".join)


@RUNS
@given(family=HL7_TEXT, given_name=HL7_TEXT, birth=st.from_regex(r"[0-9]{0,10}", fullmatch=True) | HL7_TEXT)
def test_any_hl7_name_and_birth_date(family: str, given_name: str, birth: str) -> None:
    text = ADT.decode("latin-1")
    pid = next(line for line in text.split("\r") if line.startswith("PID|"))
    fields = pid.split("|")
    fields[5] = f"{HEAD}{family}^{given_name}{TAIL}"
    fields[7] = birth
    message = text.replace(pid, "|".join(fields))
    result = run(["from-hl7", "-"], message.encode("latin-1"))
    if result.exit_code == 2 and birth:
        assert f"|{birth}" not in result.stderr
