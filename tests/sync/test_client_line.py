"""The reference client's sync call over its own kept-alive connection (sync/client/transport.py,
`Line`), against a scripted HTTP/1.1 server: a connection the server closed is opened
again without a failed attempt, gzip answers are read, a broken answer is retried, and a
no-op leaves the phone's store untouched."""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from sync.client import SyncClient, SyncFailed

NO_OP = {"results": [], "changes": [], "cursor": "c1", "more": False}
UNANSWERED = 0  # a script's status: read the request, then close without answering


class Scripted:
    """Answers each request with the next (status, body, gzip, then close) of `script`;
    status UNANSWERED closes the connection on reading the request."""

    def __init__(self, script: list[tuple[int, bytes, bool, bool]]) -> None:
        self.script = list(script)
        self.requests: list[dict] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while self.script:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._answer_all(conn)

    def _answer_all(self, conn: socket.socket) -> None:
        data = b""
        while self.script:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, data = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
            while len(data) < int(headers.get("content-length", 0)):
                data += conn.recv(65536)
            body, data = (
                data[: int(headers["content-length"])],
                data[int(headers["content-length"]) :],
            )
            self.requests.append({"line": lines[0], "headers": headers, "body": body})
            status, answer, gzipped, close = self.script.pop(0)
            if status == UNANSWERED:
                return  # the keep-alive timeout fired as the request came: closed, no answer
            extra = b"Content-Encoding: gzip\r\n" if gzipped else b""
            if gzipped:
                answer = gzip.compress(answer)
            conn.sendall(
                b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s"
                % (status, extra, len(answer), answer)
            )
            if close:
                return  # closed after answering, without saying so (a keep-alive timeout)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def scripted() -> Iterator[type[Scripted]]:
    made: list[Scripted] = []

    def make(script: list[tuple[int, bytes, bool, bool]]) -> Scripted:
        made.append(Scripted(script))
        return made[-1]

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def _phone(url: str, **options) -> SyncClient:
    phone = SyncClient(url, device_id="d1", sleep=lambda s: None, **options)
    phone.add_account("u1", "tok")
    return phone


def test_a_connection_the_server_closed_is_opened_again_without_a_failed_attempt(scripted):
    body = json.dumps(NO_OP).encode()
    server = scripted([(200, body, False, True), (200, body, False, False)])
    phone = _phone(server.url, max_attempts=1)
    assert phone.sync().requests == 1
    assert phone.sync().requests == 1  # max_attempts=1: a failed send would have raised
    assert server.connections == 2
    sent = server.requests[0]
    assert sent["line"] == "POST /api/sync/v1 HTTP/1.1"
    assert sent["headers"]["authorization"] == "Bearer tok"
    assert json.loads(sent["body"])["device_id"] == "d1"


def test_a_call_the_server_closed_the_kept_connection_on_is_sent_again_on_a_new_one(scripted):
    """The race the check before sending cannot see: the server's keep-alive timeout fires
    just as the call goes out. No answer came, so the call goes once more, on a new
    connection, and is no failed attempt."""
    body = json.dumps(NO_OP).encode()
    server = scripted(
        [(200, body, False, False), (UNANSWERED, b"", False, True), (200, body, False, False)]
    )
    phone = _phone(server.url, max_attempts=1)
    assert phone.sync().requests == 1
    assert phone.sync().requests == 1  # max_attempts=1: a failed attempt would have raised
    assert server.connections == 2
    assert [r["body"] for r in server.requests[1:]] == [server.requests[1]["body"]] * 2


def test_a_new_connection_closed_unanswered_is_a_failed_attempt(scripted):
    server = scripted([(UNANSWERED, b"", False, True)] * 2)
    phone = _phone(server.url, max_attempts=2)
    with pytest.raises(SyncFailed):
        phone.sync()
    assert len(server.requests) == 2 and server.connections == 2


def test_one_connection_is_kept_between_calls(scripted):
    body = json.dumps(NO_OP).encode()
    server = scripted([(200, body, False, False)] * 3)
    phone = _phone(server.url)
    for _ in range(3):
        phone.sync()
    assert server.connections == 1


def test_a_gzip_answer_is_read_and_counted_as_it_came(scripted):
    body = json.dumps({**NO_OP, "changes": [{"type": "note", "id": "n1", "data": {"a": 1}}]})
    server = scripted([(200, body.encode(), True, False)])
    phone = _phone(server.url)
    report = phone.sync()
    assert report.pulled == 1 and phone.cursor() == "c1"
    assert report.bytes_received == len(gzip.compress(body.encode()))


@pytest.mark.parametrize(
    "answer, gzipped",
    [(b"<html>not json</html>", False), (b"\x1f\x8b broken", False), (b"{\x00", True)],
)
def test_an_answer_that_is_not_json_is_retried_then_fails(scripted, answer, gzipped):
    server = scripted([(200, answer, gzipped, False)] * 2)
    phone = _phone(server.url, max_attempts=2)
    with pytest.raises(SyncFailed, match="not JSON"):
        phone.sync()
    assert len(server.requests) == 2


def test_a_no_op_leaves_the_store_untouched(scripted):
    body = json.dumps(NO_OP).encode()
    server = scripted([(200, body, False, False)] * 2)
    phone = _phone(server.url)
    phone.sync()  # from no cursor to c1: written
    assert phone.cursor() == "c1"
    writes = phone.db.total_changes
    report = phone.sync()
    assert (report.requests, report.pulled, report.pushed) == (1, 0, 0)
    assert phone.db.total_changes == writes
    assert json.loads(server.requests[1]["body"])["cursor"] == "c1"


def test_an_address_that_is_not_http_fails_like_an_unreachable_server():
    phone = _phone("ftp://127.0.0.1:9", max_attempts=2)
    with pytest.raises(SyncFailed, match="unreachable"):
        phone.sync()
