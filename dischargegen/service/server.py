"""``dischargegen serve``: the checks before binding, then uvicorn.

With one uvicorn worker the socket is bound here (so that ``--port 0`` picks a free port and the
line on standard error names it); with more, uvicorn binds it and starts the workers, each of
which builds the app from the options left in the environment.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import uvicorn

from .. import api
from ..errors import InputError
from .app import create_app
from .options import ServeOptions

KEEP_ALIVE_SECONDS = 2
MAX_HEADER_BYTES = 16 * 1024


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    config_path: Path | None = None,
    templates_dir: Path | None = None,
    mllp_port: int | None = None,
) -> None:
    options = ServeOptions(
        host=host,
        port=port,
        workers=workers,
        config_path=str(config_path) if config_path else None,
        templates_dir=str(templates_dir) if templates_dir else None,
        mllp_port=mllp_port,
    )
    settings = api.load_settings(config_path, templates_dir)
    service = settings.config.service
    check(options, service)
    common = {
        "log_config": None,
        "access_log": False,  # our own access log carries no query strings (see logs.py)
        "server_header": False,
        "limit_concurrency": service.max_connections,  # beyond it: 503 (uvicorn)
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "timeout_graceful_shutdown": 10,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
        "lifespan": "on",
    }
    if workers == 1:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(
            family, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # asyncio sets TCP_NODELAY on its connections
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError("port", f"cannot listen on {host}:{port}: {exc.strerror}") from None
        sock.listen(128)
        _announce(host, sock.getsockname()[1])
        config = uvicorn.Config(create_app(options, settings), **common)  # type: ignore[arg-type]
        uvicorn.Server(config).run(sockets=[sock])
        return
    options.to_environment()
    _announce(host, port)
    uvicorn.run("dischargegen.service.app:create_app", factory=True, host=host, port=port, workers=workers, **common)  # type: ignore[arg-type]


def check(options: ServeOptions, service: api.ServiceSettings) -> None:
    """Refuse a configuration that would leave a door open or a secret guessable."""
    loopback = options.loopback
    if not loopback and not service.tokens:
        raise InputError(
            "host",
            "refusing to listen beyond this machine without tokens: set [service] tokens in the config",
        )
    if options.mllp_port is not None:
        if service.outbox is None and service.forward is None:
            raise InputError("mllp-port", "the listener needs somewhere to deliver: set [service] outbox or forward")
        if not loopback and not service.mllp_peers:
            raise InputError(
                "mllp-port",
                "refusing MLLP beyond this machine from anyone: list the senders in [service] mllp_peers",
            )
    if options.workers > 1 and options.port == 0:
        raise InputError("port", "--port 0 needs --workers 1 (each worker must share one known port)")
    secrets = {"audit_key": service.audit_key}
    if service.tokens:
        secrets["session_secret"] = service.session_secret
    for key, value in secrets.items():
        if not value or value == api.SECRET_PLACEHOLDER:  # its length is checked when the config loads
            raise InputError(f"service.{key}", api.SECRET_ADVICE)
    if service.session_secret and service.session_secret == service.audit_key:
        raise InputError("service.session_secret", "must differ from audit_key")


def _announce(host: str, port: int) -> None:
    shown = f"[{host}]" if ":" in host else host
    print(f"dischargegen: serving on http://{shown}:{port}/", file=sys.stderr, flush=True)
