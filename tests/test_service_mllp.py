"""The MLLP listener of a real ``dischargegen serve`` on 127.0.0.1, spoken to with python-hl7's
client: the ACK codes, the outbox (the MDM^T02 decodes to the PDF written beside it), the
downstream forward, connections that stay independent of a torn frame on another, and who may
connect: loopback only unless the config lists the peers, so many connections in all and from
one peer, a frame whole within its deadline and under its size limit."""

from __future__ import annotations

import asyncio
import base64
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import hl7
import pytest
from hl7.client import MLLPClient
from pdfcheck import pdf_text
from service_server import SECRETS, TOKEN_HASH, Server, running, serve_refused

from dischargegen import api
from dischargegen.service.mllp import PER_PEER, answer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ADT = (FIXTURES / "readme" / "adt_a03.hl7").read_bytes()
SB, EB = b"\x0b", b"\x1c\r"


class Downstream(socketserver.ThreadingTCPServer):
    """A downstream MLLP listener that keeps every frame and acknowledges it with AA."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Acknowledge)
        self.received: list[bytes] = []


class _Acknowledge(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(30)
        buffer = b""
        while EB not in buffer:
            data = self.request.recv(65536)
            if not data:
                return
            buffer += data
        message = buffer[1 : buffer.index(EB)]
        self.server.received.append(message)  # type: ignore[attr-defined]
        control = hl7.parse(message.decode("utf-8"))["MSH"][0][10]
        self.request.sendall(SB + f"MSH|^~\\&|DOWN|X|||20260101||ACK|1|P|2.5.1\rMSA|AA|{control}\r".encode() + EB)


@pytest.fixture(scope="module")
def downstream() -> Iterator[Downstream]:
    server = Downstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, downstream: Downstream, outbox: Path) -> Iterator[Server]:
    config = (
        f'[service]\noutbox = "{outbox}"\nforward = "127.0.0.1:{downstream.server_address[1]}"\n'
        f"mllp_connections = {PER_PEER + 2}\nbody_timeout = 2\n"
    )
    with running(tmp_path_factory.mktemp("serve"), config, "--mllp-port", "0") as started:
        yield started


def send(server: Server, message: bytes) -> hl7.Message:
    assert server.mllp_port is not None
    with MLLPClient(server.host, server.mllp_port) as client:
        client.socket.settimeout(60)
        reply = client.send_message(message)
    return hl7.parse(reply.strip(SB + EB).decode("utf-8"))


def test_an_adt_a03_is_acknowledged_aa_and_its_mdm_in_the_outbox_decodes_to_the_pdf(
    server: Server, outbox: Path, downstream: Downstream
) -> None:
    ack = send(server, ADT)
    assert str(ack["MSA"][0][1]) == "AA" and str(ack["MSA"][0][2]) == "MSG00001"
    assert str(ack["MSH"][0][9]) == "ACK^A03^ACK"
    mdms = sorted(outbox.glob("kyphoplasty-*.mdm.hl7"))
    assert mdms, "no MDM^T02 in the outbox"
    mdm = mdms[-1]
    pdf = mdm.with_name(mdm.name.replace(".mdm.hl7", ".pdf")).read_bytes()
    message = hl7.parse(mdm.read_bytes().decode("utf-8"))
    assert str(message["MSH"][0][9]) == "MDM^T02^MDM_T02"
    obx5 = message["OBX"][0][5][0]
    assert str(obx5[2]) == "PDF" and str(obx5[3]) == "Base64"
    assert base64.b64decode(str(obx5[4])) == pdf
    assert "EVERYMAN" in pdf_text(pdf).upper()
    assert mdm.read_bytes() in downstream.received
    log = server.log_text()
    assert "MLLP ADT^A03 AA" in log and "EVERYMAN" not in log.upper() and "1234567" not in log


def test_a_bad_value_is_ae_naming_the_field(server: Server) -> None:
    ack = send(server, (FIXTURES / "hl7" / "invalid" / "bad-procedure-date.hl7").read_bytes())
    assert str(ack["MSA"][0][1]) == "AE"
    assert str(ack["MSA"][0][3]).startswith("PR1-5: ")
    assert str(ack["ERR"][0][2]) == "PR1^1^5" and str(ack["ERR"][0][4]) == "E"
    assert "20051345" not in str(ack)  # the bad value itself is never echoed


@pytest.mark.parametrize("name", ["mdm-not-adt.hl7", "binary-garbage.hl7", "not-hl7.hl7"])
def test_what_is_not_an_adt_a03_is_ar(server: Server, name: str) -> None:
    ack = send(server, (FIXTURES / "hl7" / "invalid" / name).read_bytes())
    assert str(ack["MSA"][0][1]) == "AR"


def test_a_torn_frame_on_one_connection_leaves_another_working(server: Server) -> None:
    assert server.mllp_port is not None
    torn = socket.create_connection((server.host, server.mllp_port), timeout=30)
    torn.sendall(SB + ADT[:300])  # a frame started and never ended
    try:
        assert str(send(server, ADT)["MSA"][0][1]) == "AA"
        # Bytes outside a frame are refused, and the connection goes on.
        stray = socket.create_connection((server.host, server.mllp_port), timeout=30)
        stray.sendall(b"not a frame" + EB)
        assert b"MSA|AR" in stray.recv(4096)
        stray.sendall(SB + ADT + EB)
        assert b"MSA|AA" in stray.recv(4096)
        stray.close()
        # The torn connection resynchronises on the next start block.
        torn.sendall(SB + ADT + EB)
        assert b"MSA|AA" in torn.recv(4096)
    finally:
        torn.close()
    assert str(send(server, ADT)["MSA"][0][1]) == "AA"


def test_serve_refuses_an_mllp_port_with_nowhere_to_deliver(tmp_path: Path) -> None:
    result = serve_refused(tmp_path, "--mllp-port", "0")
    assert result.returncode == 2 and "mllp-port: the listener needs somewhere to deliver" in result.stderr


def connect(server: Server, source: str = "127.0.0.1") -> socket.socket:
    assert server.mllp_port is not None
    return socket.create_connection((server.host, server.mllp_port), timeout=5, source_address=(source, 0))


def closed_by_server(sock: socket.socket, seconds: float = 1.0) -> bool:
    """Whether the server closed ``sock`` (without a word) within ``seconds``."""
    sock.settimeout(seconds)
    try:
        return sock.recv(4096) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_serve_refuses_mllp_beyond_loopback_unless_the_peers_are_listed(tmp_path: Path) -> None:
    (tmp_path / "outbox").mkdir()
    config = f'[service]\n{SECRETS}tokens = ["{TOKEN_HASH}"]\noutbox = "outbox"\n'
    result = serve_refused(tmp_path, "--host", "0.0.0.0", "--mllp-port", "0", config=config)
    assert result.returncode == 2, result.stderr
    assert "mllp-port: refusing MLLP beyond this machine from anyone: list the senders in [service] mllp_peers" in (
        result.stderr
    )


def test_a_peer_not_listed_is_closed_unread_and_a_listed_one_is_answered(tmp_path: Path, outbox: Path) -> None:
    config = f'[service]\noutbox = "{outbox}"\nmllp_peers = ["127.0.0.2", "127.0.5.0/24"]\n'
    with running(tmp_path, config, "--mllp-port", "0") as server:
        for stranger in ("127.0.0.1", "127.0.0.3"):
            sock = connect(server, stranger)
            assert closed_by_server(sock), stranger
            sock.close()
        for listed in ("127.0.0.2", "127.0.5.9"):
            sock = connect(server, listed)
            sock.settimeout(60)
            sock.sendall(SB + ADT + EB)
            assert b"MSA|AA" in sock.recv(4096)
            sock.close()
        assert server.wait_for_log("MLLP connection from 127.0.0.3 refused: not in mllp_peers")


def test_connections_are_capped_per_peer_and_in_all(server: Server) -> None:
    held = [connect(server) for _ in range(PER_PEER)]
    refused = []
    try:
        refused.append(connect(server))
        assert closed_by_server(refused[-1])  # PER_PEER from 127.0.0.1 already
        held += [connect(server, "127.0.0.2"), connect(server, "127.0.0.3")]  # mllp_connections in all
        refused.append(connect(server, "127.0.0.4"))
        assert closed_by_server(refused[-1])
        assert not any(closed_by_server(sock, 0.05) for sock in held)
    finally:
        for sock in held + refused:
            sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server notices the closes
        try:
            assert str(send(server, ADT)["MSA"][0][1]) == "AA"
            break
        except ConnectionError:
            time.sleep(0.2)
    else:
        raise AssertionError("the listener did not take connections again")


def test_a_frame_trickled_in_gets_one_deadline_for_the_whole_frame(server: Server) -> None:
    sock = connect(server)
    started = time.monotonic()
    sock.sendall(SB)
    try:
        for byte in ADT:  # a byte every 0.2 s: each read is quick, the frame never whole
            sock.sendall(bytes([byte]))
            if closed_by_server(sock, 0.2):
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert time.monotonic() - started < 6  # body_timeout = 2
    sock.close()


def test_a_frame_over_the_mllp_limit_is_ar_and_closes_its_connection(server: Server) -> None:
    sock = connect(server)
    sock.settimeout(30)
    sock.sendall(SB + ADT + b"x" * (1024 * 1024 + 1) + EB)  # mllp_max_bytes: 1 MB by default
    reply = sock.recv(4096)
    assert b"MSA|AR" in reply and b"larger than the limit" in reply
    assert closed_by_server(sock, 5)
    sock.close()


class _Failing:
    async def run(self, *args: object) -> None:
        raise KeyError("0012345")  # a bug whose message holds patient data


def test_an_unexpected_error_is_ae_and_logged_by_type_only(caplog: pytest.LogCaptureFixture) -> None:
    reply = asyncio.run(answer(ADT, _Failing(), api.load_settings(None, None)))  # type: ignore[arg-type]
    assert b"MSA|AE|MSG00001|service: internal error" in reply
    assert "KeyError" in caplog.text and "0012345" not in caplog.text
