"""The nurse web form of a real ``dischargegen serve``, driven by Debian's Chromium through
Playwright (``.ci/browser-setup.sh`` installs it), with JavaScript off, as the form needs none:
a nurse signs in, fills the form with a Vietnamese name, changes the lifting limit, previews,
downloads; a bad date shows its message beside the field. Screenshots are kept in
``test-artifacts/``. Plus what a browser cannot show: CSRF and sign-in are enforced."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pdfcheck import pdf_text
from playwright.sync_api import Browser, Page, expect, sync_playwright
from service_server import FORM, SESSION_SECRET, TOKEN, TOKEN_HASH, Server, csrf_of, running, sign_in

from dischargegen.service.sessions import derive, session_cookie

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
NAME = "Nguyễn Thị Ánh"
CONFIG = f'[service]\ntokens = ["{TOKEN_HASH}"]\nrate_per_minute = 1000\nprinters = ["ward4-laser"]\n'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: run .ci/browser-setup.sh")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("serve"), CONFIG) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


def signed_in(browser: Browser, server: Server, **context: object) -> Page:
    page = browser.new_context(java_script_enabled=False, accept_downloads=True, **context).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(60_000)
    page.goto(f"http://{server.host}:{server.port}/")
    assert page.url.endswith("/login")
    page.get_by_label("Access token").fill(TOKEN)
    with page.expect_navigation(url=re.compile(r"/$")):
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Kyphoplasty")).to_be_visible()
    return page


def fill_patient(page: Page) -> None:
    page.get_by_label("Patient name").fill(NAME)
    page.get_by_label("Date of birth").fill("1948-03-02")
    page.get_by_label("Medical record number (MRN)").fill("0012345")
    page.get_by_label("Procedure date").fill("2026-11-24")


def test_a_nurse_fills_previews_and_downloads_the_handout(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, viewport={"width": 1280, "height": 800})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "form-1280x800.png"))
    fill_patient(page)
    assert page.get_by_label("Lifting limit").input_value() == "10lb"  # the default, shown, its source on hover
    lifting = page.locator("tr", has=page.get_by_label("Lifting limit"))
    expect(lifting).to_have_attribute("title", re.compile(r"^Default: 10 lb \(4\.5 kg\) for 6 weeks\. Source: \S"))
    page.get_by_label("Lifting limit").fill("5lb")
    page.get_by_label("Lifting: for how long").fill("8w")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("img", name=re.compile(r"Page \d of \d of the handout"))).to_have_count(2)
    assert page.get_by_label("Patient name").input_value() == NAME  # the form keeps what was typed
    page.screenshot(path=str(ARTIFACTS / "preview-1280x800.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").first.click()
    assert NAME not in download.value.suggested_filename and "0012345" not in download.value.suggested_filename
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert NAME in text
    # 8 weeks after November 24, and the new limit; the default (10 lb for 6 weeks) is gone
    assert "Tuesday, January 19, 2027: You may lift more than 5 lb (2.3 kg) again." in text
    assert "more than 10 lb" not in text


def test_a_bad_date_shows_its_message_beside_the_field(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server, viewport={"width": 820, "height": 1180})  # a tablet, upright
    fill_patient(page)
    page.get_by_label("Date of birth").fill("2027-03-01")  # after the procedure
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    field = page.locator(".field", has=page.locator("#dob"))
    expect(field.locator(".error")).to_have_text("is after the procedure date")  # the library's words, as the CLI's
    assert page.locator("#dob").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").get_by_role("link", name="Date of birth: is after the procedure date").count() == 1
    assert page.get_by_label("Patient name").input_value() == NAME
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "error-tablet.png"), full_page=True)


def test_every_field_has_a_label_and_the_form_works_from_the_keyboard(browser: Browser, server: Server) -> None:
    page = signed_in(browser, server)
    unlabelled = page.locator("input:not([type=hidden]), select").evaluate_all(
        "els => els.filter(e => e.labels.length === 0).map(e => e.name || e.id)"
    )
    assert unlabelled == []
    page.get_by_label("Patient name").focus()
    page.keyboard.type("Ann Lee")
    visited = []
    for _ in range(8):  # a date field takes a Tab for each of its parts
        page.keyboard.press("Tab")
        visited.append(page.evaluate("document.activeElement.id"))
        if visited[-1] == "language":
            break
    assert [v for i, v in enumerate(visited) if v not in visited[:i]] == ["dob", "mrn", "language"]
    page.get_by_label("Surgeon").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form, as its first button (Preview) does
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()


def test_a_post_without_its_csrf_token_or_sign_in_is_refused(server: Server) -> None:
    form = b"name=Ann+Lee&date=2026-11-24&procedure=kyphoplasty"
    answer = server.request("POST", "/preview", form, FORM)
    assert answer.status == 303 and answer.headers["location"] == "/login"  # not signed in
    cookie = sign_in(server)
    headers = {**FORM, "cookie": cookie}
    answer = server.request("POST", "/preview", form, headers)
    assert answer.status == 403 and b"did not come from this site" in answer.body  # no token
    answer = server.request("POST", "/preview", form + b"&csrf=1.forged", headers)
    assert answer.status == 403
    login_csrf = csrf_of(server.request("GET", "/login").body)  # signed for nobody: not the user's
    assert server.request("POST", "/preview", form + b"&csrf=" + login_csrf, headers).status == 403
    wrong = server.request("POST", "/login", b"token=nope&csrf=" + login_csrf, FORM)
    assert wrong.status == 401 and "set-cookie" not in wrong.headers


def test_print_offers_only_the_configured_printers_and_reports_a_failure_beside_the_field(server: Server) -> None:
    cookie = sign_in(server)
    page = server.request("GET", "/", headers={"cookie": cookie}).body
    assert b"<option selected>ward4-laser</option>" in page or b"<option>ward4-laser</option>" in page
    form = b"name=Ann+Lee&date=2026-11-24&procedure=kyphoplasty&copies=1&csrf=" + csrf_of(page)
    headers = {**FORM, "cookie": cookie}
    answer = server.request("POST", "/print", form + b"&printer=elsewhere", headers)
    assert answer.status == 422 and b'id="printer-error">choose one of the printers listed<' in answer.body
    # No queue of that name on this machine (or no CUPS at all): the print error, beside the field.
    answer = server.request("POST", "/print", form + b"&printer=ward4-laser", headers)
    assert answer.status == 502 and re.search(rb'id="printer-error">cannot print: [^<]+<', answer.body)


def test_a_session_is_signed_with_the_session_secret_for_a_configured_token_only(server: Server) -> None:
    expires = int(time.time()) + 3600
    user = f"token-{TOKEN_HASH[:8]}"
    # The old key, derived from the token hashes that the config holds: anyone who reads it.
    old_key = hashlib.sha256(b"dischargegen-form\0" + TOKEN_HASH.encode()).digest()
    old = hmac.new(old_key, f"session|{user}|{expires}".encode(), hashlib.sha256).hexdigest()
    forged = [f"{user}.{expires}.{old}", session_cookie(derive(SESSION_SECRET).sign, "token-00000000")]
    for cookie in forged:
        answer = server.request("GET", "/", headers={"cookie": f"dischargegen_session={cookie}"})
        assert answer.status == 303 and answer.headers["location"] == "/login"
    good = session_cookie(derive(SESSION_SECRET).sign, user)
    assert server.request("GET", "/", headers={"cookie": f"dischargegen_session={good}"}).status == 200


def test_a_non_ascii_cookie_or_csrf_token_is_refused_not_an_error(server: Server) -> None:
    user = f"token-{TOKEN_HASH[:8]}"
    cookie = f"dischargegen_session={user}.{int(time.time()) + 3600}.{'é' * 64}"
    assert server.request("GET", "/", headers={"cookie": cookie}).status == 303
    headers = {**FORM, "cookie": sign_in(server)}
    answer = server.request("POST", "/preview", "name=A&csrf=1.é".encode(), headers)
    assert answer.status == 403


def test_logout_needs_its_csrf_token(server: Server) -> None:
    cookie = sign_in(server)
    headers = {**FORM, "cookie": cookie}
    answer = server.request("POST", "/logout", b"", headers)
    assert answer.status == 403 and "set-cookie" not in answer.headers
    page = server.request("GET", "/", headers={"cookie": cookie}).body
    answer = server.request("POST", "/logout", b"csrf=" + csrf_of(page), headers)
    assert answer.status == 303 and answer.headers["set-cookie"].startswith('dischargegen_session="";')


def test_the_patient_fields_turn_autocomplete_off(server: Server) -> None:
    page = server.request("GET", "/", headers={"cookie": sign_in(server)}).body
    assert re.search(rb'<input id="name" [^>]* autocomplete="off"', page)
    assert re.search(rb'<input id="mrn" [^>]* autocomplete="off"', page)
    assert b"&#34;" not in page
