"""The form's login and CSRF tokens, signed, so that no session is kept on the server; and the
key of the CDS prefill links.

Both keys are derived (HKDF-SHA256, one ``info`` each) from the config's ``session_secret`` when
tokens are configured (the same in every replica that reads the same config), else from the
secret ``serve`` made at start. A login cookie holds the user and its expiry, signed
(HMAC-SHA256); a CSRF token holds its time and is signed for one user. A session counts only
while its user is one of the configured tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

COOKIE = "dischargegen_session"
SESSION_SECONDS = 8 * 3600  # one shift
CSRF_SECONDS = 8 * 3600
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class Keys(NamedTuple):
    sign: bytes  # HMAC-SHA256: session cookies and CSRF tokens
    prefill: bytes  # Fernet (url-safe base64): the facts in a CDS card's link


def derive(secret: str) -> Keys:
    def key(purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())

    return Keys(key(b"dischargegen form signing"), base64.urlsafe_b64encode(key(b"dischargegen prefill fernet")))


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _signed(key: bytes, text: str, signature: str) -> bool:
    """Whether ``signature`` is ``text``'s (checked for its form first: compare_digest takes ASCII only)."""
    return _SIGNATURE.fullmatch(signature) is not None and hmac.compare_digest(signature, _sign(key, text))


def session_cookie(key: bytes, user: str, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    return f"{user}.{expires}.{_sign(key, f'session|{user}|{expires}')}"


def session_user(key: bytes, cookie: str | None, users: frozenset[str], now: float | None = None) -> str | None:
    """The user of a valid, unexpired login cookie whose user is one of ``users``, or None."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()) or parts[0] not in users:
        return None
    user, expires, signature = parts
    if int(expires) < (now or time.time()):
        return None
    return user if _signed(key, f"session|{user}|{expires}", signature) else None


def csrf_token(key: bytes, user: str, now: float | None = None) -> str:
    issued = int(now or time.time())
    return f"{issued}.{_sign(key, f'csrf|{user}|{issued}')}"


def csrf_valid(key: bytes, user: str, token: str | None, now: float | None = None) -> bool:
    issued, _, signature = (token or "").partition(".")
    if not (issued.isascii() and issued.isdigit()) or int(issued) + CSRF_SECONDS < (now or time.time()):
        return False
    return _signed(key, f"csrf|{user}|{issued}", signature)
