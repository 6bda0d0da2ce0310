"""Printing through CUPS (``--print``): dischargegen.sinks.printer.print_pdf.

Tests marked ``cups`` print for real on the cups-pdf queue that
``.ci/cups-setup.sh`` installs, starts and makes the default, and then find the
printed PDF in cups-pdf's output directory. Without a reachable cupsd they are
skipped on a developer's machine, but fail when the ``CI`` variable is set: a
print test that silently skips in CI would hide a broken setup.

The other tests need no CUPS: they check argument checks and the one-line
errors, the latter with a stand-in ``lp`` script on a private PATH.
"""

from __future__ import annotations

import io
import os
import pwd
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from service_server import FORM, TOKEN_HASH, csrf_of, running, sign_in

from dischargegen.errors import OutputError
from dischargegen.sinks.printer import MAX_COPIES, print_pdf

QUEUE = os.environ.get("DISCHARGEGEN_CUPS_QUEUE", "dischargegen-pdf")
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
PRINT_WAIT_SECONDS = 30.0
NEUTRAL_TITLE = "dischargegen print test"
LP_MISSING = "cannot print: the 'lp' command (CUPS client) is not installed"


# --- the document -------------------------------------------------------------


def make_pdf(token: str, pages: int = 1) -> bytes:
    """A real PDF whose every page shows ``token`` (to be replaced by a real handout)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 14)
        pdf.drawString(72, 760, token)
        pdf.drawString(72, 740, f"page {number} of {pages}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# --- CUPS helpers -------------------------------------------------------------


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        env={**(env or os.environ), "LC_ALL": "C"},
    )


def cups_pdf_out_dir(conf: Path = CUPS_PDF_CONF) -> Path | None:
    """cups-pdf's output directory for this user, read from its ``Out`` setting."""
    try:
        lines = conf.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    out = None
    for line in lines:
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] == "Out":
            out = parts[1].strip()  # the last active setting wins
    if out is None:
        return None
    user = pwd.getpwuid(os.getuid())
    out = out.replace("${HOME}", user.pw_dir).replace("${USER}", user.pw_name)
    return Path(out)


def _cups_problem() -> str | None:
    """Why the real print tests cannot run here, or None when they can."""
    for tool in ("lp", "lpstat"):
        if shutil.which(tool) is None:
            return f"'{tool}' is not installed"
    if "scheduler is running" not in _run("lpstat", "-r").stdout:
        return "cupsd is not running ('lpstat -r')"
    if _run("lpstat", "-p", QUEUE).returncode != 0:
        return f"there is no printer queue {QUEUE!r} ('lpstat -p {QUEUE}')"
    out = cups_pdf_out_dir()
    if out is None:
        return f"no 'Out' directory in {CUPS_PDF_CONF}"
    if not out.is_dir():
        return f"cups-pdf's output directory {out} does not exist"
    return None


def _unavailable(reason: str) -> None:
    message = f"{reason}; set it up with: sudo bash .ci/cups-setup.sh"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the CUPS print tests, but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def cups_out() -> Path:
    """cups-pdf's output directory, once cupsd and the test queue are known to work."""
    problem = _cups_problem()
    if problem is not None:
        _unavailable(problem)
    out = cups_pdf_out_dir()
    assert out is not None
    return out


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def _job_pending(job_id: str) -> bool:
    listing = _run("lpstat", "-o", QUEUE).stdout.split()
    return job_id in listing


def wait_for_printed(out: Path, job_id: str, token: str, before: set[Path]) -> tuple[Path, PdfReader]:
    """The PDF that cups-pdf wrote for ``job_id``: a new file in ``out`` showing ``token``.

    Waits until CUPS has finished the job and the file is complete, at most
    PRINT_WAIT_SECONDS, then fails with what CUPS knows about the job.
    """
    deadline = time.monotonic() + PRINT_WAIT_SECONDS
    while True:
        if not _job_pending(job_id):
            for path in sorted(set(out.glob("*.pdf")) - before):
                try:
                    _, text = _pdf_text(path)
                except Exception:  # still being written, or not ours
                    continue
                if token in text:
                    return path, PdfReader(path)
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    new_files = sorted(p.name for p in set(out.glob("*")) - before)
    log = Path("/var/log/cups/error_log")
    tail = log.read_text(errors="replace").splitlines()[-15:] if log.is_file() else []
    pytest.fail(
        f"job {job_id} did not appear in {out} within {PRINT_WAIT_SECONDS:g} s\n"
        f"new files: {new_files}\n"
        f"pending jobs: {_run('lpstat', '-o').stdout.strip() or 'none'}\n"
        f"completed jobs: {_run('lpstat', '-W', 'completed', '-o').stdout.strip() or 'none'}\n"
        f"queue: {_run('lpstat', '-p', QUEUE).stdout.strip()}\n"
        "error_log:\n" + "\n".join(tail)
    )


def _new_token() -> str:
    return f"DGTEST-{uuid.uuid4().hex[:16].upper()}"


# --- real printing ------------------------------------------------------------


@pytest.mark.cups
def test_print_reaches_the_cups_pdf_printer(cups_out: Path) -> None:
    token = _new_token()
    before = set(cups_out.glob("*"))

    job_id = print_pdf(make_pdf(token), printer=QUEUE, title=NEUTRAL_TITLE)

    assert job_id.startswith(f"{QUEUE}-") and job_id.rsplit("-", 1)[1].isdigit()
    path, reader = wait_for_printed(cups_out, job_id, token, before)
    assert len(reader.pages) == 1
    assert token in (reader.pages[0].extract_text() or "")
    assert NEUTRAL_TITLE in str(reader.metadata.title if reader.metadata else "")
    assert path.name.endswith(f"-job_{job_id.rsplit('-', 1)[1]}.pdf")
    path.unlink()


@pytest.mark.cups
def test_print_without_printer_uses_the_default(cups_out: Path) -> None:
    default = _run("lpstat", "-d").stdout.strip()
    if default != f"system default destination: {QUEUE}":
        _unavailable(f"the default printer is not {QUEUE} ('lpstat -d' says {default!r})")
    token = _new_token()
    before = set(cups_out.glob("*"))

    job_id = print_pdf(make_pdf(token))

    assert job_id.startswith(f"{QUEUE}-")
    path, _ = wait_for_printed(cups_out, job_id, token, before)
    path.unlink()


@pytest.mark.cups
def test_copies_print_complete_sets(cups_out: Path) -> None:
    # The queue's PPD has cupsManualCopies, so the filters repeat the pages per copy:
    # collated, each copy is the whole handout (1 2 1 2 1 2, not 1 1 1 2 2 2).
    token = _new_token()
    before = set(cups_out.glob("*"))

    job_id = print_pdf(make_pdf(token, pages=2), printer=QUEUE, copies=3, title=NEUTRAL_TITLE)

    path, reader = wait_for_printed(cups_out, job_id, token, before)
    path.unlink()
    texts = [page.extract_text() or "" for page in reader.pages]
    assert len(texts) == 6
    assert all(token in text for text in texts)
    order = [("page 1 of 2" in t, "page 2 of 2" in t) for t in texts]
    assert order == [(True, False), (False, True)] * 3


@pytest.mark.cups
def test_unknown_printer_is_named(cups_out: Path) -> None:
    name = f"no-such-printer-{uuid.uuid4().hex[:8]}"
    with pytest.raises(OutputError) as caught:
        print_pdf(make_pdf(_new_token()), printer=name)
    message = str(caught.value)
    assert name in message
    assert "does not exist" in message
    assert "\n" not in message


@pytest.mark.cups
def test_unreachable_scheduler_is_reported(cups_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Point the CUPS client at a socket nobody listens on: lp cannot reach cupsd.
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cupsd.sock"))
    for printer in (QUEUE, None):
        with pytest.raises(OutputError) as caught:
            print_pdf(make_pdf(_new_token()), printer=printer)
        assert str(caught.value) == ("cannot print: the CUPS scheduler (cupsd) is not running or cannot be reached")


# --- no CUPS needed -------------------------------------------------------------


def test_missing_lp_is_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(OutputError) as caught:
        print_pdf(make_pdf(_new_token()))
    assert str(caught.value) == LP_MISSING
    assert caught.value.exit_code == 1


@pytest.mark.parametrize("copies", [0, -1, MAX_COPIES + 1, True, 2.0, "2"])
def test_copies_out_of_range_are_refused_before_lp(
    copies: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing could be printed anyway
    with pytest.raises(OutputError, match="copies must be a whole number from 1 to 99"):
        print_pdf(b"%PDF-1.4", copies=copies)  # type: ignore[arg-type]


def test_empty_printer_name_is_refused() -> None:
    with pytest.raises(OutputError, match="printer name is empty"):
        print_pdf(b"%PDF-1.4", printer=" ")


def _fake_tools(bin_dir: Path, lp_body: str, lpstat_out: str = "scheduler is running") -> Path:
    """A PATH holding a stand-in lp (``lp_body`` is /bin/sh) and lpstat."""
    bin_dir.mkdir(exist_ok=True)
    lp = bin_dir / "lp"
    lp.write_text("#!/bin/sh\n" + lp_body + "\n")
    lp.chmod(0o755)
    lpstat = bin_dir / "lpstat"
    lpstat.write_text(f"#!/bin/sh\necho '{lpstat_out}'\n")
    lpstat.chmod(0o755)
    return bin_dir


def test_pdf_goes_to_lp_on_stdin_and_job_id_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "record"
    record.mkdir()
    body = (
        f'for a in "$@"; do printf "%s\\n" "$a"; done > {record}/args\n'
        f"/bin/cat > {record}/stdin\n"
        "echo 'request id is ward3-laser-12 (0 file(s))'"
    )
    monkeypatch.setenv("PATH", str(_fake_tools(tmp_path / "bin", body)))
    data = make_pdf(_new_token())

    job_id = print_pdf(data, printer="ward3-laser", copies=2, title="Discharge\nhandout\x07")

    assert job_id == "ward3-laser-12"
    assert (record / "stdin").read_bytes() == data
    assert (record / "args").read_text().splitlines() == [
        "-n",
        "2",
        "-o",
        "collate=true",
        "-t",
        "Discharge handout",
        "-d",
        "ward3-laser",
    ]


@pytest.mark.parametrize(
    ("stderr", "printer", "lpstat_out", "expected"),
    [
        (
            "lp: Error - No default destination.",
            None,
            "scheduler is running",
            "cannot print: no default printer is set; name one with --printer NAME (see 'lpstat -p' for the printers)",
        ),
        (
            "lp: Error - No default destination.",
            None,
            "scheduler is not running",
            "cannot print: the CUPS scheduler (cupsd) is not running or cannot be reached",
        ),
        (
            "lp: Error - The printer or class does not exist.",
            "ward9",
            "scheduler is running",
            "cannot print: printer 'ward9' does not exist (see 'lpstat -p' for the printers)",
        ),
        (
            "lp: Error - Scheduler not responding.",
            "ward9",
            "scheduler is running",
            "cannot print: the CUPS scheduler (cupsd) is not running or cannot be reached",
        ),
        (
            'lp: Destination "ward9" is not accepting jobs.\n\nlp: Error -   second   line  ',
            "ward9",
            "scheduler is running",
            'cannot print: Destination "ward9" is not accepting jobs.; second   line',
        ),
    ],
)
def test_lp_errors_become_one_line(
    stderr: str,
    printer: str | None,
    lpstat_out: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message_file = tmp_path / "stderr.txt"
    message_file.write_text(stderr + "\n")
    body = f"/bin/cat > /dev/null\n/bin/cat {message_file} >&2\nexit 1"
    monkeypatch.setenv("PATH", str(_fake_tools(tmp_path / "bin", body, lpstat_out)))
    with pytest.raises(OutputError) as caught:
        print_pdf(b"%PDF-1.4", printer=printer)
    assert str(caught.value) == expected


def test_lp_that_hangs_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(_fake_tools(tmp_path / "bin", "exec /bin/sleep 30")))
    started = time.monotonic()
    with pytest.raises(OutputError, match=r"lp did not finish within 0\.5 s"):
        print_pdf(b"%PDF-1.4", timeout=0.5)
    assert time.monotonic() - started < 10


def test_lp_without_job_id_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = "/bin/cat > /dev/null\necho queued"
    monkeypatch.setenv("PATH", str(_fake_tools(tmp_path / "bin", body)))
    with pytest.raises(OutputError, match="lp reported no job id: queued"):
        print_pdf(b"%PDF-1.4")


@pytest.mark.cups
def test_make_print_sends_the_handout(cups_out: Path, tmp_path: Path) -> None:
    """`dischargegen make --print`, end to end: the printed file is the patient's handout."""
    from click.testing import CliRunner

    from dischargegen.cli import main

    token = f"Ann Test{uuid.uuid4().hex[:6].upper()}"
    before = set(cups_out.glob("*"))
    result = CliRunner().invoke(
        main,
        ["make", "--name", token, "--date", "2026-11-24", "--print", "--printer", QUEUE, "-o", str(tmp_path / "a.pdf")],
    )
    assert result.exit_code == 0, result.output
    job_id = result.stderr.strip().splitlines()[-1].rsplit(" ", 1)[1]
    path, reader = wait_for_printed(cups_out, job_id, token, before)
    path.unlink()
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "Call 911" in text and "Tuesday, November 24, 2026" in text
    assert (tmp_path / "a.pdf").is_file()


@pytest.mark.cups
def test_the_nurse_form_prints_to_the_cups_pdf_printer(cups_out: Path, tmp_path: Path) -> None:
    """The web form's Print button, through a real ``dischargegen serve``: the handout reaches the
    facility's printer, and the page says which job it is."""
    config = f'[service]\ntokens = ["{TOKEN_HASH}"]\nrate_per_minute = 1000\nprinters = ["{QUEUE}"]\n'
    token = _new_token()  # the patient's name here, so that the printed file is found by it
    before = set(cups_out.glob("*"))
    with running(tmp_path, config) as server:
        cookie = sign_in(server)
        page = server.request("GET", "/", headers={"cookie": cookie}).body
        form = f"name=Ann+{token}&date=2026-11-24&procedure=kyphoplasty&copies=1&printer={QUEUE}&csrf="
        answer = server.request("POST", "/print", form.encode() + csrf_of(page), {**FORM, "cookie": cookie})
    assert answer.status == 200, answer.body[:300]
    job = re.search(rf"Sent to {re.escape(QUEUE)}: job ({re.escape(QUEUE)}-\d+)\.".encode(), answer.body)
    assert job is not None
    path, reader = wait_for_printed(cups_out, job.group(1).decode(), token, before)
    assert "Going home after your kyphoplasty" in (reader.pages[0].extract_text() or "")
    path.unlink()
