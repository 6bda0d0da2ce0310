"""The form's login and CSRF tokens, signed, so that no session is kept on the server.

The signing key is derived from the config's token hashes when there are tokens (the same in
every replica that reads the same config), else it is the one ``serve`` made at start. A login
cookie holds the user and its expiry, signed (HMAC-SHA256); a CSRF token holds its time and is
signed for one user. Whoever can read the config can make both: keep it as secret as the tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import time

COOKIE = "dischargegen_session"
SESSION_SECONDS = 8 * 3600  # one shift
CSRF_SECONDS = 8 * 3600


def signing_key(token_hashes: tuple[str, ...], secret: str) -> bytes:
    material = ",".join(sorted(token_hashes)) if token_hashes else secret
    return hashlib.sha256(b"dischargegen-form\0" + material.encode()).digest()


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def session_cookie(key: bytes, user: str, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    return f"{user}.{expires}.{_sign(key, f'session|{user}|{expires}')}"


def session_user(key: bytes, cookie: str | None, now: float | None = None) -> str | None:
    """The user of a valid, unexpired login cookie, or None."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    user, expires, signature = parts
    if int(expires) < (now or time.time()):
        return None
    return user if hmac.compare_digest(signature, _sign(key, f"session|{user}|{expires}")) else None


def csrf_token(key: bytes, user: str, now: float | None = None) -> str:
    issued = int(now or time.time())
    return f"{issued}.{_sign(key, f'csrf|{user}|{issued}')}"


def csrf_valid(key: bytes, user: str, token: str | None, now: float | None = None) -> bool:
    issued, _, signature = (token or "").partition(".")
    if not issued.isdigit() or int(issued) + CSRF_SECONDS < (now or time.time()):
        return False
    return hmac.compare_digest(signature, _sign(key, f"csrf|{user}|{issued}"))
