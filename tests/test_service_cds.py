"""CDS Hooks on a real ``dischargegen serve`` on 127.0.0.1: discovery, a call with a signed JWT
(ES384 and RS384) answered by a card whose link opens the form filled in from the prefetch, and
the JWTs that are refused (no token, unknown issuer, wrong audience, expired, bad signature,
replayed)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from service_server import FORM, TOKEN, TOKEN_HASH, Server, csrf_of, running, serve_refused, sign_in

BUNDLE = json.loads((Path(__file__).resolve().parent / "fixtures" / "readme" / "bundle.json").read_text())
RESOURCES = {e["resource"]["resourceType"]: e["resource"] for e in BUNDLE["entry"]}
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUERS = {"https://ehr.example.org": EC_KEY, "https://other-ehr.example.org": RSA_KEY}


def pem(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    (folder / "ehr.pem").write_text(pem(EC_KEY))
    (folder / "other.pem").write_text(pem(RSA_KEY))
    config = f"""
[service]
tokens = ["{TOKEN_HASH}"]
public_url = "https://handouts.example.org"
[service.cds_issuers]
"https://ehr.example.org" = "ehr.pem"
"https://other-ehr.example.org" = "other.pem"
"""
    with running(folder, config) as started:
        yield started


def signed(issuer: str = "https://ehr.example.org", **changes: Any) -> str:
    claims = {
        "iss": issuer,
        "aud": "https://handouts.example.org/cds-services/encounter-discharge",
        "exp": int(time.time()) + 300,
        "iat": int(time.time()),
        "jti": str(uuid.uuid4()),
        **changes,
    }
    key = ISSUERS.get(issuer, EC_KEY)
    return jwt.encode(claims, key, algorithm="ES384" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS384")


def call(server: Server, token: str | None, prefetch: dict[str, Any] | None = None) -> tuple[int, Any]:
    body = {
        "hook": "encounter-discharge",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": "example", "encounterId": "f001"},
        "prefetch": prefetch
        if prefetch is not None
        else {
            "patient": RESOURCES["Patient"],
            "encounter": RESOURCES["Encounter"],
            "procedures": {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": RESOURCES["Procedure"]}],
            },
        },
    }
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    answer = server.request("POST", "/cds-services/encounter-discharge", json.dumps(body).encode(), headers)
    return answer.status, json.loads(answer.body)


def test_discovery_announces_encounter_discharge(server: Server) -> None:
    answer = server.request("GET", "/cds-services")
    services = json.loads(answer.body)["services"]
    assert answer.status == 200 and [s["hook"] for s in services] == ["encounter-discharge"]
    assert set(services[0]["prefetch"]) == {"patient", "encounter", "procedures"}
    assert services[0]["id"] and services[0]["description"] and services[0]["title"]


@pytest.mark.parametrize("issuer", sorted(ISSUERS))
def test_a_call_gets_a_card_linking_to_the_prefilled_form(server: Server, issuer: str) -> None:
    status, answer = call(server, signed(issuer))
    assert status == 200
    (card,) = answer["cards"]
    assert card["summary"].startswith("Discharge handout ready: kyphoplasty, lifting limit ends ")
    assert len(card["summary"]) < 140 and card["indicator"] == "info" and card["source"]["label"]
    (link,) = card["links"]
    assert link["type"] == "absolute" and link["url"].startswith("https://handouts.example.org/?prefill=")
    name = RESOURCES["Patient"]["name"][0]
    assert name["family"] not in link["url"]  # the facts are in the link, encrypted
    # The link opens the form filled in (signed in, on this server).
    form = signed_in_form(server, link["url"].split("/?", 1)[1])
    assert re.search(rf'id="name" name="name" type="text" value="[^"]*{name["family"]}', form)
    assert 'name="procedure" value="kyphoplasty"' in form


def signed_in_form(server: Server, query: str) -> str:
    return server.request("GET", f"/?{query}", headers={"cookie": sign_in(server)}).body.decode()


def test_an_altered_prefill_link_opens_an_empty_form(server: Server) -> None:
    """A token changed by one character, or not a token at all, fills in nothing and echoes nothing."""
    status, answer = call(server, signed(sorted(ISSUERS)[0]))
    assert status == 200
    token = answer["cards"][0]["links"][0]["url"].split("prefill=", 1)[1]
    altered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    family = RESOURCES["Patient"]["name"][0]["family"]
    for bad in (altered, "not-a-token", "%00"):
        answer = server.request("GET", f"/?prefill={bad}", headers={"cookie": sign_in(server)})
        form = answer.body.decode()
        assert answer.status == 200 and 'id="name" name="name" type="text" value=""' in form
        assert family not in form and bad not in form


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (None, "give a signed JWT bearer"),
        (lambda: signed("https://intruder.example.org"), "issuer is not allowed"),
        (lambda: signed(aud="https://elsewhere.example.org/cds-services/encounter-discharge"), "InvalidAudienceError"),
        (lambda: signed(exp=int(time.time()) - 60), "ExpiredSignatureError"),
        (lambda: signed("https://other-ehr.example.org")[:-4] + "AAAA", "InvalidSignatureError"),
        (lambda: jwt.encode({"iss": "https://ehr.example.org"}, "s" * 32, algorithm="HS256"), "not valid"),
        (lambda: signed(exp=int(time.time()) + 3600), "must live at most 300 s"),
        (lambda: signed(iat=int(time.time()) - 400, exp=int(time.time()) + 10), "must live at most 300 s"),
        (lambda: signed(iat=int(time.time()) + 120), "ImmatureSignatureError"),
    ],
)
def test_a_bad_jwt_is_refused(server: Server, token: Any, why: str) -> None:
    status, answer = call(server, token() if callable(token) else token)
    assert status == 401 and why in answer["error"]["message"]


def test_a_jwt_is_taken_once(server: Server) -> None:
    token = signed()
    assert call(server, token)[0] == 200
    status, answer = call(server, token)
    assert status == 401 and "used before" in answer["error"]["message"]


def test_a_call_without_prefetch_says_what_it_needs(server: Server) -> None:
    status, answer = call(server, signed(), prefetch={"patient": "not a resource"})
    assert status == 412 and answer["error"]["field"] == "prefetch"


def test_links_and_the_audience_come_from_public_url_never_the_host_header(server: Server) -> None:
    for host in ("evil.example.org", "handouts.example.org.evil.example.org"):
        assert server.request("GET", "/cds-services", headers={"host": host}).status == 400
    assert server.request("GET", "/cds-services", headers={"host": "handouts.example.org"}).status == 200


def test_the_session_cookie_is_secure_behind_an_https_public_url(server: Server) -> None:
    csrf = csrf_of(server.request("GET", "/login").body)
    answer = server.request("POST", "/login", b"token=" + TOKEN.encode() + b"&csrf=" + csrf, FORM)
    assert answer.status == 303 and "; secure" in answer.headers["set-cookie"].lower()


def test_cds_issuers_need_a_public_url(tmp_path: Path) -> None:
    (tmp_path / "ehr.pem").write_text(pem(EC_KEY))
    result = serve_refused(tmp_path, config='[service.cds_issuers]\n"https://ehr.example.org" = "ehr.pem"\n')
    assert result.returncode == 2 and "service.public_url: is needed with cds_issuers" in result.stderr
