from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.personas import Centre, make_centre
from tests.servers import ServerProcess


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture
def centre(db) -> Centre:
    return make_centre()


class ApiClient:
    """The API as a phone sees it: JSON in, JSON out, a bearer token per (user, device)."""

    def __init__(self) -> None:
        self.client = Client()
        self.token: str | None = None
        self.device_id = str(uuid.uuid4())

    def login(
        self, username: str, password: str = "test-pass-123", device_id: str | None = None
    ) -> dict:
        self.device_id = device_id or self.device_id
        response = self.post(
            "/api/auth/token",
            {
                "username": username,
                "password": password,
                "device_id": self.device_id,
                "device_name": "thử",
            },
        )
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        return response.json()

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def post(self, path: str, body: Any, **extra: Any):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(
            path, data, content_type="application/json", **self._headers(), **extra
        )

    def get(self, path: str, **extra: Any):
        return self.client.get(path, **self._headers(), **extra)

    def sync(
        self, events: list[dict] | None = None, cursor: str | None = None, protocol: int = 1
    ) -> Any:
        return self.post(
            "/api/sync/v1",
            {
                "protocol": protocol,
                "device_id": self.device_id,
                "cursor": cursor,
                "events": events or [],
            },
        )


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def make_api():
    return ApiClient


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[ServerProcess]:
    """The real ASGI app in a uvicorn subprocess on the test database."""
    server = ServerProcess().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _sqlite_append_only_triggers(request):
    """The append-only triggers (eMAR, stock book) stop SQLite's test flush (a DELETE) after a
    transactional test; PostgreSQL flushes with TRUNCATE, which they allow. On SQLite only,
    drop them just before the flush and put them back for every test that uses the db."""
    names = request.fixturenames
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    from server.meds import append_only

    if connection.vendor == "sqlite":
        append_only.install_all(connection)
    yield
    if connection.vendor == "sqlite" and "transactional_db" in names:
        append_only.uninstall_all(connection)
