"""The HTTP API through a real ``dischargegen serve`` (uvicorn) on 127.0.0.1: each route's
success and bad input, the bearer token, the size limit, the headers a browser and a proxy see,
and what the logs keep (request ids and an audit line; no patient data)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pdfcheck import pdf_text
from service_server import AUTH, SECRETS, TOKEN_HASH, Server, running, serve_refused

from dischargegen.config import SECRET_PLACEHOLDER
from dischargegen.service.rendering import Failed, guarded

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ADT = (FIXTURES / "readme" / "adt_a03.hl7").read_bytes()
BUNDLE = (FIXTURES / "readme" / "bundle.json").read_bytes()
NAME = "Nguyễn Thị Ánh"
MRN = "55501234"
FACTS = {"name": NAME, "date": "2026-11-24", "mrn": MRN, "restrictions": ["lifting=5lb:3w"]}
CONFIG = f"""
[service]
tokens = ["{TOKEN_HASH}"]
max_request_bytes = 200000
rate_per_minute = 1000
"""
JSON = {**AUTH, "content-type": "application/json"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("serve"), CONFIG) as started:
        yield started


def post_facts(
    server: Server, facts: object, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return server.request("POST", "/api/v1/handouts", json.dumps(facts).encode(), headers or JSON)


def test_json_facts_make_the_pdf_with_the_name_and_the_end_date(server: Server) -> None:
    status, headers, body = post_facts(server, FACTS)
    assert status == 200 and headers["content-type"] == "application/pdf"
    text = pdf_text(body)
    assert NAME in text and "Tuesday, December 15, 2026" in text  # lifting: 3 weeks after November 24
    assert headers["cache-control"] == "no-store"
    assert headers["content-disposition"].startswith('attachment; filename="kyphoplasty-')
    assert MRN not in headers["content-disposition"] and "Nguy" not in headers["content-disposition"]
    assert "default-src 'none'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"


def test_json_facts_with_accept_fhir_make_a_document_reference(server: Server) -> None:
    status, headers, body = post_facts(server, FACTS, {**JSON, "accept": "application/fhir+json"})
    assert status == 200 and headers["content-type"].startswith("application/fhir+json")
    reference = DocumentReference.model_validate_json(body)
    assert reference.subject.identifier.value == MRN
    assert reference.content[0].attachment.contentType == "application/pdf"
    assert headers["x-document-id"] in reference.masterIdentifier.value


@pytest.mark.parametrize(
    ("facts", "field", "message"),
    [
        ({**FACTS, "date": "2026-02-30"}, "date", "date: not a real calendar date"),
        ({"date": "2026-11-24"}, "name", "name: is required"),
        ({**FACTS, "restrictions": ["lifting=900lb:2w"]}, "restriction", "the limit must be at least 1 lb"),
        ({**FACTS, "shoe_size": "44"}, "shoe_size", "shoe_size: is not a known field"),
    ],
)
def test_bad_facts_get_one_line_naming_the_field_and_never_the_value(
    server: Server, facts: dict[str, object], field: str, message: str
) -> None:
    status, headers, body = post_facts(server, facts)
    error = json.loads(body)["error"]
    assert status == 422 and headers["content-type"] == "application/json"
    assert error["field"].startswith(field) and message in error["message"]
    assert error["request_id"] == headers["x-request-id"]
    assert NAME not in body.decode() and "900" not in error["message"]


def test_not_json_is_refused(server: Server) -> None:
    status, _, body = server.request("POST", "/api/v1/handouts", b"{name: Ann", JSON)
    assert status == 422 and json.loads(body)["error"]["message"].startswith("input: not valid JSON")


def test_a_fhir_bundle_makes_the_pdf_a_document_reference_or_a_transaction(server: Server) -> None:
    headers = {**AUTH, "content-type": "application/fhir+json"}
    status, answer, body = server.request("POST", "/api/v1/fhir/Bundle", BUNDLE, headers)
    assert status == 200 and body.startswith(b"%PDF-") and answer["content-type"] == "application/pdf"
    status, answer, body = server.request(
        "POST", "/api/v1/fhir/Bundle", BUNDLE, {**headers, "accept": "application/fhir+json"}
    )
    assert status == 200 and DocumentReference.model_validate_json(body).subject.reference
    status, _, body = server.request("POST", "/api/v1/fhir/Bundle?output=transaction", BUNDLE, headers)
    bundle = Bundle.model_validate_json(body)
    assert status == 200 and bundle.type == "transaction" and len(bundle.entry) == 2


@pytest.mark.parametrize(
    ("data", "expression"),
    [
        (b'{"resourceType": "Patient"}', "Bundle.resourceType"),
        ((FIXTURES / "fhir" / "invalid" / "invalid-birthdate.json").read_bytes(), "birthDate"),
        (b"\x00\xff garbage", "Bundle"),
        ((FIXTURES / "fhir" / "invalid" / "coding-system-not-a-string.json").read_bytes(), "code.coding[0].system"),
    ],
)
def test_a_bad_bundle_gets_an_operation_outcome_naming_the_path(server: Server, data: bytes, expression: str) -> None:
    status, headers, body = server.request("POST", "/api/v1/fhir/Bundle", data, AUTH)
    assert status == 422 and headers["content-type"] == "application/fhir+json"
    outcome = OperationOutcome.model_validate_json(body)
    issue = outcome.issue[0]
    assert issue.severity == "error" and issue.code == "invalid"
    assert expression in issue.expression[0] and headers["x-request-id"] in issue.diagnostics


def test_a_bad_output_choice_is_an_operation_outcome(server: Server) -> None:
    status, _, body = server.request("POST", "/api/v1/fhir/Bundle?output=xml", BUNDLE, AUTH)
    assert status == 400 and OperationOutcome.model_validate_json(body).issue[0].expression == ["output"]


def test_an_adt_a03_makes_the_pdf_or_an_mdm_t02(server: Server) -> None:
    status, headers, body = server.request("POST", "/api/v1/hl7", ADT, AUTH)
    assert status == 200 and "ADAM" in pdf_text(body).upper()
    status, headers, body = server.request("POST", "/api/v1/hl7", ADT, {**AUTH, "accept": "x-application/hl7-v2+er7"})
    assert status == 200 and body.startswith(b"MSH|^~\\&|DISCHARGEGEN|") and b"MDM^T02" in body
    assert headers["x-document-id"].encode() in body


@pytest.mark.parametrize(
    ("name", "field"),
    [("bad-procedure-date.hl7", "PR1-5"), ("mdm-not-adt.hl7", "MSH-9"), ("no-pid.hl7", "PID")],
)
def test_a_bad_hl7_message_names_the_field(server: Server, name: str, field: str) -> None:
    data = (FIXTURES / "hl7" / "invalid" / name).read_bytes()
    status, _, body = server.request("POST", "/api/v1/hl7", data, AUTH)
    error = json.loads(body)["error"]
    assert status == 422 and error["field"].startswith(field), error


def test_procedures_list_each_default_with_its_source(server: Server) -> None:
    status, _, body = server.request("GET", "/api/v1/procedures", headers=AUTH)
    listed = {p["id"]: p for p in json.loads(body)["procedures"]}
    assert status == 200 and {"kyphoplasty", "vertebroplasty"} <= set(listed)
    lifting = next(r for r in listed["kyphoplasty"]["restrictions"] if r["kind"] == "lifting")
    assert lifting["limit_words"] == "10 lb (4.5 kg)" and lifting["source"] and lifting["origin"] == "template"


def test_health_and_openapi_need_no_token(server: Server) -> None:
    status, _, body = server.request("GET", "/api/v1/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = server.request("GET", "/api/v1/openapi.json")
    document = json.loads(body)
    assert status == 200 and document["openapi"].startswith("3.")
    assert {"/handouts", "/fhir/Bundle", "/hl7", "/procedures", "/health"} <= set(document["paths"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/handouts"),
        ("POST", "/api/v1/fhir/Bundle"),
        ("POST", "/api/v1/hl7"),
        ("GET", "/api/v1/procedures"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic d2FyZDo0"])
def test_every_api_route_needs_a_valid_token(server: Server, method: str, path: str, authorization: str | None) -> None:
    headers = {"authorization": authorization} if authorization else {}
    status, answer, body = server.request(method, path, json.dumps(FACTS).encode(), headers)
    assert status == 401 and answer["www-authenticate"] == "Bearer"
    if "fhir" in path:
        assert OperationOutcome.model_validate_json(body).issue[0].code == "login"
    else:
        assert json.loads(body)["error"]["field"] == "authorization"


def test_a_request_over_the_size_limit_gets_413_before_any_work(server: Server) -> None:
    big = json.dumps({**FACTS, "level": "x" * 250_000}).encode()
    status, _, body = server.request("POST", "/api/v1/handouts", big, JSON)
    assert status == 413 and "200000 byte limit" in json.loads(body)["error"]["message"]
    status, _, body = server.request("POST", "/api/v1/fhir/Bundle", big, AUTH)
    assert status == 413 and OperationOutcome.model_validate_json(body).issue[0].code == "too-long"


def test_a_body_sent_in_chunks_is_counted_too(server: Server) -> None:
    """No Content-Length: the guard counts what arrives and stops at the limit."""
    import http.client

    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    connection.putrequest("POST", "/api/v1/handouts")
    for key, value in JSON.items():
        connection.putheader(key, value)
    connection.putheader("transfer-encoding", "chunked")
    connection.endheaders()
    chunk = b"x" * 50_000
    try:
        for _ in range(6):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except OSError:
        pass  # the server may answer and close before the rest arrives
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_unknown_route_is_a_json_404(server: Server) -> None:
    status, _, body = server.request("GET", "/api/v1/patients/Nguyen", headers=AUTH)
    assert status == 404 and json.loads(body)["error"]["message"] == "GET: not found"


def test_the_logs_keep_request_ids_and_one_audit_line_per_handout_and_no_patient_data(server: Server) -> None:
    status, headers, _ = post_facts(server, FACTS)
    assert status == 200
    log = server.log_text()
    assert NAME not in log and MRN not in log and "EVERYMAN" not in log.upper() and "Nguyen" not in log
    audit = [json.loads(line.split(" INFO ", 1)[1]) for line in log.splitlines() if "dischargegen.audit" in line]
    mine = [line for line in audit if line["request_id"] == headers["x-request-id"]]
    assert len(mine) == 1
    assert mine[0]["door"] == "api" and mine[0]["procedure"] == "kyphoplasty" and mine[0]["user"].startswith("token-")
    assert mine[0]["document_id"] == headers["x-document-id"] and len(mine[0]["mrn_hash"]) == 32
    line = f"{headers['x-request-id']} POST /api/v1/handouts 200"
    assert server.wait_for_log(line), line  # the access line follows the answer
    # a path that is none of the service's routes may be made of what a caller typed: not logged
    stray = server.request("GET", "/patients/Ann-Everyman?mrn=0012345")
    line = f"{stray.headers['x-request-id']} GET - {stray.status}"
    assert server.wait_for_log(line), line
    assert "Ann-Everyman" not in server.log_text()


def test_serve_refuses_to_listen_beyond_loopback_without_tokens(tmp_path: Path) -> None:
    result = serve_refused(tmp_path, "--host", "0.0.0.0")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: host: refusing to listen beyond this machine without tokens: set [service] tokens in the config"
    )


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (f'tokens = ["{TOKEN_HASH}"]\naudit_key = "{"a" * 32}"\n', "service.session_secret: set it to at least 32"),
        (f'tokens = ["{TOKEN_HASH}"]\nsession_secret = "{"s" * 32}"\n', "service.audit_key: set it to at least 32"),
        (f'audit_key = "{SECRET_PLACEHOLDER}"\n', "service.audit_key: set it to at least 32"),
        (f'tokens = ["{TOKEN_HASH}"]\n{SECRETS.replace("5e55", "a0d1")}', "session_secret: must differ from audit_key"),
        ('audit_key = "short"\n', "service.audit_key: set it to at least 32 random characters"),
    ],
)
def test_serve_refuses_to_start_without_its_secrets(tmp_path: Path, config: str, error: str) -> None:
    result = serve_refused(tmp_path, config=f"[service]\n{config}")
    assert result.returncode == 2 and error in result.stderr, result.stderr


def test_an_unexpected_error_in_a_job_comes_back_as_a_500_naming_its_type_only() -> None:
    failed = guarded(json.loads, "{Nguyễn")
    assert failed == Failed(500, None, "service: internal error", "JSONDecodeError")


def test_a_bad_service_setting_is_a_config_error(tmp_path: Path) -> None:
    result = serve_refused(tmp_path, config='[service]\ntokens = ["not-a-hash"]\n')
    assert result.returncode == 2 and "service.tokens: must be a list of SHA-256 hex digests" in result.stderr


def test_the_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with running(tmp_path, "[service]\nrate_per_minute = 3\n") as limited:
        statuses = [limited.request("GET", "/api/v1/procedures").status for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        answer = limited.request("GET", "/api/v1/procedures")
        assert answer.status == 429 and int(answer.headers["retry-after"]) >= 1
        assert limited.request("GET", "/api/v1/health").status == 200  # the load balancer's probe is not limited


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with few connections and a short body deadline."""
    config = "[service]\nmax_connections = 4\nbody_timeout = 2\nrate_per_minute = 1000\n"
    with running(tmp_path_factory.mktemp("serve"), config) as started:
        yield started


def test_a_body_trickled_in_gets_408_at_its_deadline_from_the_first_byte(small: Server) -> None:
    sock = socket.create_connection((small.host, small.port), timeout=10)
    head = b"POST /api/v1/handouts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    sock.sendall(head + b"Content-Length: 100\r\n\r\n")
    started = time.monotonic()
    reply = b""
    sock.settimeout(0.3)
    while not reply and time.monotonic() - started < 8:
        try:
            sock.sendall(b" ")  # a byte every 0.3 s: each read is quick, the body never whole
            reply = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            break
    sock.close()
    assert reply.startswith(b"HTTP/1.1 408 ") and time.monotonic() - started < 5, reply[:100]


def test_connections_beyond_max_connections_get_503(small: Server) -> None:
    idle = [socket.create_connection((small.host, small.port), timeout=10) for _ in range(4)]
    try:
        for sock in idle:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\n")  # headers begun, never ended
        time.sleep(0.3)
        assert small.request("GET", "/api/v1/health").status == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.3)
    assert small.request("GET", "/api/v1/health").status == 200


def test_a_host_header_that_is_not_this_service_is_refused(small: Server) -> None:
    assert small.request("GET", "/api/v1/health", headers={"host": "evil.example.org"}).status == 400
    assert small.request("GET", "/api/v1/health", headers={"host": "localhost:8000"}).status == 200
