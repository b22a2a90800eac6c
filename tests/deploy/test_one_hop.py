"""POST /api/sync/v1 through the one-hop handler (server/one_hop.py) answers byte for byte
what Django's stock ASGI handler answers, refusals included; and, on the real server, the
token is checked on every call (a revocation applies on the next one), the limits and the
throttle answer their codes, the access line and the metrics are there."""

from __future__ import annotations

import asyncio
import gzip
import json
import uuid
from typing import Any

import httpx
import pytest

from server.accounts.models import Device
from server.accounts.tokens import device_revoke
from server.asgi import application, django_asgi_app
from server.body_limit import BodyLimitMiddleware
from tests.api.test_hostile_requests import _raw_request
from tests.conftest import ApiClient
from tests.servers import ServerProcess

pytestmark = pytest.mark.django_db(transaction=True)

# What the app was before the one-hop route: Django's own ASGI handler behind the body limit.
STOCK = BodyLimitMiddleware(django_asgi_app)
PASSWORD = "test-pass-123"


def _call(app: Any, body: bytes, headers: dict[str, str], method: str = "POST") -> tuple:
    """One HTTP request to an ASGI app in this process: (status, headers, body)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if "content-length" not in {k.lower() for k in headers}:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/api/sync/v1",
        "raw_path": b"/api/sync/v1",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *raw_headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict] = []

    async def run() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)  # the client stays; the handler answers first
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await application(scope, receive, send) if app is None else await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], [(bytes(k), bytes(v)) for k, v in start["headers"]], content


def _both(body: bytes, headers: dict[str, str], method: str = "POST") -> tuple:
    """The same request through the app (one hop) and through the stock handler."""
    return _call(None, body, headers, method), _call(STOCK, body, headers, method)


def _same(ours: tuple, stock: tuple) -> None:
    assert ours[0] == stock[0]
    assert ours[1] == stock[1]
    if ours[2].startswith(b"{") and b'"server_time"' in ours[2]:
        a, b = json.loads(ours[2]), json.loads(stock[2])
        a.pop("server_time"), b.pop("server_time")  # a second may pass between the two
        assert a == b
    else:
        assert ours[2] == stock[2]


def _login(username: str = "carer") -> tuple[str, str]:
    api = ApiClient()
    api.login(username, PASSWORD)
    assert api.token is not None
    return api.token, api.device_id


def _sync_body(device_id: str, cursor: str | None = None, **extra: Any) -> bytes:
    payload = {"protocol": 1, "device_id": device_id, "cursor": cursor, "events": [], **extra}
    return json.dumps(payload).encode()


def test_a_no_op_sync_is_the_same_answer_headers_and_bytes(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id = _login()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    first = _call(None, _sync_body(device_id), auth)
    assert first[0] == 200
    cursor = json.loads(first[2])["cursor"]
    ours, stock = _both(_sync_body(device_id, cursor), auth)
    assert ours[0] == 200 and json.loads(ours[2])["changes"] == []
    _same(ours, stock)
    # A phone's own request id comes back; without one, none is sent (lean headers).
    ours, stock = _both(_sync_body(device_id, cursor), {**auth, "X-Request-ID": "phone-1"})
    assert (b"X-Request-ID", b"phone-1") in ours[1]
    _same(ours, stock)
    # gzip both ways, as the phone sends it.
    gz = {**auth, "Content-Encoding": "gzip", "Accept-Encoding": "gzip"}
    _same(*_both(gzip.compress(_sync_body(device_id, cursor)), gz))


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "invalid_token"),
        ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
        ({"Authorization": "Bearer not-a-token", "Accept-Language": "en"}, "invalid_token"),
    ],
)
def test_a_missing_or_bad_token_is_the_same_401(centre, headers, code):
    ours, stock = _both(_sync_body(str(uuid.uuid4())), headers)
    assert ours[0] == 401 and json.loads(ours[2])["code"] == code
    _same(ours, stock)


def test_refusals_of_the_view_are_the_same_in_either_language(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id = _login()
    for language in ("vi", "en"):
        auth = {"Authorization": f"Bearer {token}", "Accept-Language": language}
        cases = [
            (b"{not json", auth, 400),
            (_sync_body(str(uuid.uuid4())), auth, 403),  # another device's id
            (_sync_body(device_id, "garbage"), auth, 400),
            # A gzip bomb: small on the wire, over 5 MB inflated (the view's own 413).
            (gzip.compress(b" " * (6 * 1024 * 1024)), {**auth, "Content-Encoding": "gzip"}, 413),
        ]
        for body, headers, status in cases:
            ours, stock = _both(body, headers)
            assert ours[0] == status, ours
            _same(ours, stock)
    english = _call(
        None, b"{not json", {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    )
    assert json.loads(english[2])["message"] == "The body sent is not valid JSON."


def test_a_declared_oversized_body_is_refused_before_the_handler(centre):
    headers = {"Content-Length": str(50 * 1024 * 1024)}
    ours, stock = _both(b"", headers)
    assert ours[0] == 413 and json.loads(ours[2])["code"] == "body_too_large"
    _same(ours, stock)


def test_the_wrong_method_is_the_same_405(centre):
    _same(*_both(b"", {}, method="GET"))


def test_the_throttle_answers_429_with_retry_after(centre, settings):
    settings.SYNC_RATE_LIMIT = 2
    settings.SYNC_RATE_WINDOW_SECONDS = 60
    token, device_id = _login()
    auth = {"Authorization": f"Bearer {token}"}
    assert [_call(None, _sync_body(device_id), auth)[0] for _ in range(2)] == [200, 200]
    ours, stock = _both(_sync_body(device_id), auth)
    assert ours[0] == stock[0] == 429
    assert json.loads(ours[2])["code"] == json.loads(stock[2])["code"] == "rate_limited"
    retry = dict(ours[1])[b"Retry-After"]
    assert 1 <= int(retry) <= 60


def test_a_revocation_applies_on_the_next_call(centre, settings):
    settings.SYNC_RATE_LIMIT = 0
    token, device_id = _login()
    auth = {"Authorization": f"Bearer {token}"}
    assert _call(None, _sync_body(device_id), auth)[0] == 200
    device_revoke(device=Device.objects.get(id=device_id), by=centre.manager)
    ours, stock = _both(_sync_body(device_id), auth)
    assert ours[0] == 401 and json.loads(ours[2])["code"] == "device_revoked"
    _same(ours, stock)


def test_on_the_real_server_every_answer_is_logged_counted_and_checked(centre):
    server = ServerProcess(
        env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "SYNC_RATE_LIMIT": "3"}
    ).start()
    try:
        token, device_id = _login()
        url = server.url + "/api/sync/v1"
        auth = {"Authorization": f"Bearer {token}"}

        def sync(request_id: str, **extra: Any) -> httpx.Response:
            headers = {**auth, "X-Request-ID": request_id, **extra.pop("headers", {})}
            return httpx.post(url, headers=headers, content=_sync_body(device_id), **extra)

        ok = sync("one-hop-1")
        assert ok.status_code == 200, ok.text
        assert "x-frame-options" not in ok.headers and ok.headers["x-request-id"] == "one-hop-1"
        bad = httpx.post(url, headers={"Authorization": "Bearer nope"}, content=b"{}")
        assert (bad.status_code, bad.json()["code"]) == (401, "invalid_token")
        # Declared too large: answered before the body is read; chunked: cut off at the limit.
        head = "POST /api/sync/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        status, body, _ = _raw_request(
            server.url, head + f"Content-Length: {50 * 1024 * 1024}\r\n\r\n", b"{"
        )
        assert (status, body["code"]) == (413, "body_too_large")
        chunk = 64 * 1024
        chunked = b"".join(f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n" for _ in range(90))
        status, body, _ = _raw_request(
            server.url, head + "Transfer-Encoding: chunked\r\n\r\n", chunked
        )
        assert (status, body["code"]) == (413, "body_too_large")
        assert [sync(f"one-hop-{i}").status_code for i in (2, 3, 4)] == [200, 200, 429]
        device_revoke(device=Device.objects.get(id=device_id), by=centre.manager)
        revoked = sync("one-hop-5", headers={"Accept-Language": "en"})
        assert (revoked.status_code, revoked.json()["code"]) == (401, "device_revoked")
        assert revoked.json()["message"].isascii()  # English
        metrics = httpx.get(server.url + "/metrics").text
    finally:
        server.stop()
    for status in ("200", "401", "429"):
        assert f'catruc_sync_calls_total{{status="{status}"}}' in metrics
    # (DEBUG also prints Django's own plain "Unauthorized: /api/sync/v1" lines, as before.)
    lines = server.log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    access = {
        e["request_id"]: (e["status"], e.get("device_id"))
        for e in entries
        if e.get("logger") == "catruc.request" and e.get("path") == "/api/sync/v1"
    }
    assert access["one-hop-1"] == (200, device_id)
    assert access["one-hop-4"] == (429, device_id)
    assert access["one-hop-5"][0] == 401


def test_the_token_row_is_what_select_related_gives(centre):
    from server.accounts.models import DeviceToken
    from server.accounts.services import token_hash, token_with_user_and_device

    token, _ = _login()
    key = token_hash(token)
    orm = DeviceToken.objects.select_related("user", "device").filter(key_hash=key).first()
    ours = token_with_user_and_device(key)
    assert orm is not None and ours is not None
    for a, b in ((orm, ours), (orm.user, ours.user), (orm.device, ours.device)):
        assert type(a) is type(b) and a._state.db == b._state.db and not b._state.adding
        for field in type(a)._meta.concrete_fields:
            va, vb = getattr(a, field.attname), getattr(b, field.attname)
            assert va == vb and type(va) is type(vb), field.name
    assert token_with_user_and_device("0" * 64) is None


def test_the_scope_rows_are_what_the_orm_gives(centre):
    from server.accounts.models import Membership, User, scope_rows

    assert Membership.objects.count() > 3
    for user in User.objects.all():
        orm = list(
            Membership.objects.filter(user=user, active=True)
            .order_by("facility_id")
            .values_list("facility_id", "role", "areas__id")
        )
        ours = scope_rows(user)
        assert sorted(ours, key=str) == sorted(orm, key=str), user.username
        assert {tuple(map(type, r)) for r in ours} == {tuple(map(type, r)) for r in orm}
