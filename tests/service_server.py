"""A real ``dischargegen serve`` on 127.0.0.1 for the service tests: started as a process on a
free port, waited for until its health route answers, stopped at the end; and a plain HTTP
client (the standard library's) to talk to it."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

TOKEN = "ward-4-test-token"
TOKEN_HASH = hashlib.sha256(TOKEN.encode()).hexdigest()
AUTH = {"authorization": f"Bearer {TOKEN}"}
SESSION_SECRET = "5e55" * 16
AUDIT_KEY = "a0d1" * 16
SECRETS = f'session_secret = "{SESSION_SECRET}"\naudit_key = "{AUDIT_KEY}"\n'
START_SECONDS = 60


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Server(NamedTuple):
    host: str
    port: int
    mllp_port: int | None
    log: Path

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, seconds: float = 5.0) -> bool:
        """Whether ``text`` is in the log within ``seconds``."""
        deadline = time.monotonic() + seconds
        while text not in self.log_text():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


def with_secrets(config: str) -> str:
    """``config`` with the test's ``session_secret`` and ``audit_key`` in its ``[service]`` table."""
    if "[service]\n" in config:
        return config.replace("[service]\n", "[service]\n" + SECRETS, 1)
    return f"[service]\n{SECRETS}{config}"


@contextmanager
def running(folder: Path, config: str = "", *args: str) -> Iterator[Server]:
    """``dischargegen serve --port 0`` with ``config`` (and the test secrets: see
    :func:`with_secrets`) as its facility config, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "facility.toml").write_text(with_secrets(config), encoding="utf-8")
    log = folder / "serve.log"
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "data"), "XDG_CONFIG_HOME": str(folder / "config")}
    env.pop("DISCHARGEGEN_CONFIG", None)
    with open(log, "wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "dischargegen", "serve", "--port", "0", "--config", "facility.toml", *args],
            cwd=folder,
            stdout=stream,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        server = _wait(process, log)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait(process: subprocess.Popen[bytes], log: Path) -> Server:
    deadline = time.monotonic() + START_SECONDS
    port = mllp = None
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert process.poll() is None, f"serve ended: {text}"
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", text)
        port = int(found[1]) if found else None
        found_mllp = re.search(r"MLLP listening on [\d.]+:(\d+)", text)
        mllp = int(found_mllp[1]) if found_mllp else None
        if port and ("--mllp-port" not in process.args or mllp):  # type: ignore[operator]
            server = Server("127.0.0.1", port, mllp, log)
            try:
                if server.request("GET", "/api/v1/health").status == 200:
                    return server
            except OSError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not answer within {START_SECONDS} s: {log.read_text()}")


FORM = {"content-type": "application/x-www-form-urlencoded"}


def csrf_of(html: bytes) -> bytes:
    found = re.search(rb'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF token in the page"
    return found[1]


def sign_in(server: Server) -> str:
    """Sign in to the form with the test token; the session cookie (``name=value``)."""
    csrf = csrf_of(server.request("GET", "/login").body)
    answer = server.request("POST", "/login", b"token=" + TOKEN.encode() + b"&csrf=" + csrf, FORM)
    assert answer.status == 303, answer
    return answer.headers["set-cookie"].split(";")[0]


def serve_refused(folder: Path, *args: str, config: str | None = None) -> subprocess.CompletedProcess[str]:
    """``dischargegen serve --port 0 ARGS`` run in ``folder`` (``config`` its facility.toml), for
    the refusals that come before it binds: it exits, and says why on standard error."""
    if config is not None:
        (folder / "facility.toml").write_text(config, encoding="utf-8")
        args = ("--config", "facility.toml", *args)
    command = [sys.executable, "-m", "dischargegen", "serve", "--port", "0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=folder)
