"""Send a finished PDF to a printer through CUPS (the ``lp`` command).

The PDF goes to ``lp`` on its standard input, so no file with patient data is
written by dischargegen. The job title is shown in print queues and may be kept
in CUPS logs: callers must pass a neutral title, never a patient's name.

Every failure is an :class:`~dischargegen.errors.OutputError` with one line that
says what to do: ``lp`` missing, no default printer, an unknown printer, the
CUPS scheduler not running, a time-out, or whatever else ``lp`` reported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from dischargegen.errors import OutputError

__all__ = ["MAX_COPIES", "print_pdf", "printer_names"]

MAX_COPIES = 99
"""The largest copy count accepted (``--copies``)."""

DEFAULT_TIMEOUT = 60.0
"""Seconds to wait for ``lp`` to hand the job to CUPS (not for the paper)."""

_JOB_ID = re.compile(r"request id is (\S+)")
_MAX_MESSAGE = 300


def print_pdf(
    data: bytes,
    *,
    printer: str | None = None,
    copies: int = 1,
    title: str = "Discharge handout",
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Queue ``data`` (a PDF) on ``printer``, or on the default printer, ``copies`` times.

    Returns the CUPS job id as ``lp`` reports it, e.g. ``"ward3-laser-12"``.
    Raises :class:`OutputError` when the job could not be queued.
    """
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise OutputError(f"cannot print: copies must be a whole number from 1 to {MAX_COPIES}, not {copies!r}")
    if printer is not None and not printer.strip():
        raise OutputError("cannot print: the printer name is empty")
    if not data:
        raise OutputError("cannot print: the PDF is empty")

    lp = shutil.which("lp")
    if lp is None:
        raise OutputError("cannot print: the 'lp' command (CUPS client) is not installed")

    # collate: several copies come out as complete sets, one handout after the other.
    command = [lp, "-n", str(copies), "-o", "collate=true", "-t", _clean_title(title)]
    if printer is not None:
        command += ["-d", printer]

    try:
        result = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=timeout,
            env=_c_locale_env(),
            check=False,
        )
    except FileNotFoundError:
        raise OutputError("cannot print: the 'lp' command (CUPS client) is not installed") from None
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"cannot print: lp did not finish within {timeout:g} s; is the CUPS scheduler (cupsd) responding?"
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot print: cannot run {lp}: {exc.strerror or exc}") from None

    stdout = result.stdout.decode("utf-8", "replace")
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        raise OutputError(_explain_failure(stderr, result.returncode, printer))

    match = _JOB_ID.search(stdout)
    if match is None:
        raise OutputError("cannot print: lp reported no job id: " + (_one_line(stdout + "\n" + stderr) or "no output"))
    return match.group(1)


def printer_names(timeout: float = 10.0) -> list[str]:
    """The CUPS queues this machine can print to (``lpstat -e``); empty when CUPS is missing or down."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return []
    try:
        result = subprocess.run([lpstat, "-e"], capture_output=True, timeout=timeout, env=_c_locale_env(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if result.returncode != 0:
        return []
    return sorted({line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines() if line.strip()})


def _explain_failure(stderr: str, returncode: int, printer: str | None) -> str:
    """Turn a failed lp run into one line that tells the nurse what is wrong."""
    text = stderr.lower()
    if "no default destination" in text:
        if not _scheduler_running():
            return _NOT_RUNNING
        return (
            "cannot print: no default printer is set; name one with --printer NAME (see 'lpstat -p' for the printers)"
        )
    if "does not exist" in text:
        if not _scheduler_running():
            return _NOT_RUNNING
        which = f"printer '{printer}'" if printer is not None else "the default printer"
        return f"cannot print: {which} does not exist (see 'lpstat -p' for the printers)"
    if "scheduler not responding" in text or "unable to connect" in text:
        return _NOT_RUNNING
    detail = _one_line(stderr) or f"lp exited with status {returncode}"
    return f"cannot print: {detail}"


_NOT_RUNNING = "cannot print: the CUPS scheduler (cupsd) is not running or cannot be reached"


def _scheduler_running() -> bool:
    """Ask ``lpstat -r``; lp reports a stopped cupsd as "no such printer" or "no default"."""
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return True  # cannot tell: keep lp's own reason
    try:
        result = subprocess.run(
            [lpstat, "-r"],
            capture_output=True,
            timeout=10,
            env=_c_locale_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return b"scheduler is running" in result.stdout


def _c_locale_env() -> dict[str, str]:
    """The caller's environment with CUPS messages forced to untranslated English."""
    env = dict(os.environ)
    env.pop("LANGUAGE", None)
    env["LC_ALL"] = "C"
    return env


def _clean_title(title: str) -> str:
    """A job title fit for lp: printable characters only, short, never empty."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in title).split())
    return cleaned[:100] or "Discharge handout"


def _one_line(text: str) -> str:
    """lp's messages as one short line, without the repeated "lp: Error - " prefixes."""
    parts = []
    for line in text.splitlines():
        line = line.strip()
        line = re.sub(r"^lp:\s*", "", line)
        line = re.sub(r"^Error\s*-\s*", "", line)
        if line:
            parts.append(line)
    joined = "; ".join(parts)
    if len(joined) > _MAX_MESSAGE:
        joined = joined[: _MAX_MESSAGE - 3] + "..."
    return joined
