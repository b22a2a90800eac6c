"""Start the real ASGI app (uvicorn) in a subprocess against the test database.

pytest-django's live_server is WSGI and has no websockets (docs/architecture.md), so end-to-end
tests run uvicorn itself. The test must use `transactional_db` so its rows are committed
and visible to the server process.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings

from deploy.web_process import free_port, web_start

ROOT = Path(__file__).resolve().parent.parent


def shared_database_url() -> str:
    """The URL of the test database, for a server or script run in a subprocess to share."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite://{db['NAME']}"


class ServerProcess:
    def __init__(self, *, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / f"uvicorn-{self.port}.log"

    def start(self) -> ServerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "DEBUG": "true",
            "SECRET_KEY": "test-only-secret-key",
            "DJANGO_SETTINGS_MODULE": "server.settings_test",
            **self.extra_env,
        }
        self.proc, _ = web_start(
            env,
            port=self.port,
            options=["--log-level", "warning", "--lifespan", "off"],
            log=self.log_path,
            ready_path="/api/openapi.json",
        )
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
