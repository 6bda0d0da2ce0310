"""What ``dischargegen serve`` was asked to run: the command's options, in a form that passes
to every uvicorn worker process (an environment variable holding JSON)."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
from dataclasses import asdict, dataclass, field

ENVIRONMENT = "DISCHARGEGEN_SERVE_OPTIONS"


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1  # uvicorn worker processes
    config_path: str | None = None
    templates_dir: str | None = None
    mllp_port: int | None = None
    # Keys the form's sessions and CSRF tokens when no tokens are configured: one per `serve`,
    # shared by its workers (with tokens the key comes from the config, the same in every replica).
    secret: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def to_environment(self) -> None:
        os.environ[ENVIRONMENT] = json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> ServeOptions:
        return cls(**json.loads(os.environ[ENVIRONMENT]))


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address, or a name: every address it resolves to) is this machine only."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(str(f[4][0]).split("%")[0]).is_loopback for f in found)
