"""Hostile requests outside the sync call answer a 4xx, never a 500: a NUL in an app file's
name, a 50 MB login body (through the real uvicorn: refused before it is read, in the
caller's language)."""

from __future__ import annotations

import json
import socket
import time

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    "path", ["/app/%00.js", "/app/js/%00app.js", "/app/" + "a" * 5000 + ".js", "/app/%00"]
)
def test_it_answers_404_for_an_app_file_name_the_file_system_refuses(db, client, path):
    assert client.get(path).status_code == 404


def _raw_request(url: str, head: str, body: bytes) -> tuple[int, dict, float]:
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head.encode() + body)
        received = b""
        while b"\r\n\r\n" not in received or not received.endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
    elapsed = time.monotonic() - started
    status_line, _, rest = received.partition(b"\r\n")
    payload = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(payload), elapsed


def test_it_refuses_a_50_mb_login_from_its_length_without_reading_it(asgi_server):
    """Only 64 KB of the declared 50 MB are ever sent: the answer comes without them."""
    head = (
        "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    status, body, elapsed = _raw_request(asgi_server.url, head, b'{"username": "' + b"a" * 65536)
    assert status == 413 and body["code"] == "body_too_large" and body["message"]
    assert elapsed < 3


def test_the_413_speaks_the_callers_language_before_django_does(asgi_server):
    """The refusal comes before LocaleMiddleware: it resolves the language as that would."""

    def refused(extra: str) -> dict:
        head = (
            "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\n{extra}"
            f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
        )
        status, body, _ = _raw_request(asgi_server.url, head, b"{")
        assert status == 413 and body["code"] == "body_too_large"
        return body["message"]

    vietnamese, english = (
        "Dữ liệu gửi lên quá lớn (tối đa 5 MB).",
        "The data sent is too large (at most 5 MB).",
    )
    assert refused("") == vietnamese
    assert refused("Accept-Language: en-GB,en;q=0.9\r\n") == english
    assert refused("Accept-Language: fr\r\n") == vietnamese
    assert refused("Cookie: django_language=en\r\nAccept-Language: vi\r\n") == english
    assert refused("Cookie: django_language=vi\r\nAccept-Language: en\r\n") == vietnamese


def test_it_cuts_a_chunked_body_off_at_the_limit(asgi_server):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024
    chunk = 64 * 1024
    body = b"".join(
        f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n" for _ in range(size // chunk)
    )
    head = (
        "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    status, answer, _ = _raw_request(asgi_server.url, head, body)
    assert status == 413 and answer["code"] == "body_too_large"


def test_it_still_takes_an_ordinary_login_through_the_limit(asgi_server):
    from tests.personas import make_centre

    make_centre()
    payload = json.dumps(
        {
            "username": "carer",
            "password": "test-pass-123",
            "device_id": "5b0f6a3e-2d7c-4b8e-9f1a-0c3d5e7f9a1b",
        }
    ).encode()
    head = (
        "POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    status, body, _ = _raw_request(asgi_server.url, head, payload)
    assert status == 200 and body["token"]
