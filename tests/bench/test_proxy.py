"""The benchmark's counting proxy: requests are found in the byte stream whatever the
framing (keep-alive, chunked bodies, bytes split anywhere), and bytes are counted both ways."""

from __future__ import annotations

import http.client
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from proxy import CountingProxy, RequestCounter  # noqa: E402

GET = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
POST = b"POST /db/_bulk_docs HTTP/1.1\r\nHost: x\r\nContent-Length: 26\r\n\r\nGET /fake HTTP/1.1\r\n\r\nxxxx"
CHUNKED = (
    b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n1f\r\nPUT /not-a-request HTTP/1.1\r\n\r\n\r\n0\r\n\r\n"
)


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (GET, ["GET /a"]),
        (GET + GET, ["GET /a", "GET /a"]),
        (POST + GET, ["POST /db/_bulk_docs", "GET /a"]),  # a request line inside a body is body
        (CHUNKED + GET, ["POST /c", "GET /a"]),
        (GET[:10], []),  # incomplete head: not counted yet
    ],
)
def test_it_counts_requests_by_their_framing(stream: bytes, expected: list[str]) -> None:
    seen: list[str] = []
    RequestCounter(seen.append).feed(stream)
    assert seen == expected


def test_it_counts_requests_split_at_every_byte() -> None:
    seen: list[str] = []
    counter = RequestCounter(seen.append)
    for i in range(len(POST + CHUNKED + GET)):
        counter.feed((POST + CHUNKED + GET)[i : i + 1])
    assert seen == ["POST /db/_bulk_docs", "POST /c", "GET /a"]


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) * 2))
        self.end_headers()
        self.wfile.write(body * 2)

    def log_message(self, *args: object) -> None:
        pass


def test_it_counts_keep_alive_requests_and_bytes_both_ways() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = CountingProxy(server.server_address[1])
    port = proxy.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers = []
        for body in (b"abc", b"0123456789"):
            conn.request("POST", "/x", body=body)
            answers.append(conn.getresponse().read())
        conn.close()
        counts = proxy.snapshot()
        assert answers == [b"abcabc", b"01234567890123456789"]
        assert (counts.requests, counts.connections) == (2, 1)
        assert counts.lines == ["POST /x", "POST /x"]
        assert counts.bytes_up == len(counts.raw_up) and counts.raw_up.endswith(b"0123456789")
        assert counts.bytes_down == len(counts.raw_down) and counts.raw_down.endswith(
            b"01234567890123456789"
        )
        proxy.reset()
        assert proxy.snapshot().bytes_total == 0
    finally:
        proxy.stop()
        server.shutdown()
