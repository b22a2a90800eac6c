from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ServerProcess


@pytest.fixture(scope="module")
def module_server(django_db_setup, django_db_blocker) -> Iterator[ServerProcess]:
    """One uvicorn for a whole module: starting one costs seconds on a busy machine."""
    server = ServerProcess().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(module_server: ServerProcess, transactional_db) -> ServerProcess:
    """The real ASGI app; the test's rows are committed so the server sees them."""
    return module_server
