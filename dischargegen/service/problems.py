"""Errors as the service answers them: one line naming the field, never a value.

On the JSON routes an error is ``{"error": {"status", "field", "message", "request_id"}}``; on
the FHIR routes it is a FHIR R4 OperationOutcome with the field in ``issue.expression``.
"""

from __future__ import annotations

import json
from typing import Any

FHIR_JSON = "application/fhir+json"

# HTTP status -> FHIR issue type (http://hl7.org/fhir/issue-type).
_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    408: "timeout",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
    503: "transient",
}


class HttpError(Exception):
    """An answer other than success: the HTTP status, the field at fault and one line for the user."""

    def __init__(self, status: int, field: str | None, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message
        self.headers = headers or {}


def error_json(problem: HttpError, request_id: str) -> bytes:
    body: dict[str, Any] = {"status": problem.status, "message": problem.message, "request_id": request_id}
    if problem.field:
        body["field"] = problem.field
    return json.dumps({"error": body}, ensure_ascii=False).encode("utf-8")


def operation_outcome(problem: HttpError, request_id: str) -> bytes:
    issue: dict[str, Any] = {
        "severity": "error" if problem.status < 500 else "fatal",
        "code": _ISSUE_CODES.get(problem.status, "exception"),
        "diagnostics": f"{problem.message} (request {request_id})",
    }
    if problem.field:
        issue["expression"] = [problem.field]
    return json.dumps({"resourceType": "OperationOutcome", "issue": [issue]}, ensure_ascii=False).encode("utf-8")


def render(problem: HttpError, path: str, request_id: str) -> tuple[bytes, str]:
    """The body and media type of ``problem`` for a request to ``path``."""
    if path.startswith("/api/v1/fhir/"):
        return operation_outcome(problem, request_id), FHIR_JSON
    return error_json(problem, request_id), "application/json"
