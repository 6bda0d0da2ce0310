"""The service's logs, which carry no patient data.

- ``dischargegen.access``: one line per request: request id, method, route, status, time. The
  query string is never logged, and a path that is not one of the service's routes is logged
  as ``-`` (a path is whatever a client typed).
- ``dischargegen.service``: errors, by request id and exception type only.
- ``dischargegen.audit``: one JSON line per handout made: time, request id, door, user,
  procedure, the MRN's keyed hash (HMAC-SHA256 under the config's ``audit_key``) and the
  document id (the id the DocumentReference and MDM^T02 carry).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sys
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .rendering import Made

_access = logging.getLogger("dischargegen.access")
_audit = logging.getLogger("dischargegen.audit")


def configure() -> None:
    """Plain lines on standard error (systemd's journal and containers collect them)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("dischargegen.access", "dischargegen.audit", "dischargegen.service"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def access(
    request_id: str, scope: MutableMapping[str, Any], status: int, seconds: float, routes: frozenset[str]
) -> None:
    """The access line: a path only when it is one of the service's ``routes`` (any other may be
    made of what a caller typed), never a query string."""
    path = scope["path"] if scope["path"] in routes else "-"
    _access.info("%s %s %s %d %.0fms", request_id, scope.get("method", "-"), path, status, seconds * 1000)


def mrn_hash(mrn: str | None, key: str) -> str | None:
    if not mrn:
        return None
    return hmac.new(key.encode("utf-8"), mrn.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def audit(made: Made, *, request_id: str, door: str, user: str, key: str) -> None:
    """The audit line for one handout made: who asked, through which door, and which document,
    its MRN as a keyed hash."""
    line = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "request_id": request_id,
        "door": door,
        "user": user,
        "procedure": made.procedure,
        "mrn_hash": mrn_hash(made.mrn, key),
        "document_id": made.document_id,
    }
    _audit.info("%s", json.dumps(line))
