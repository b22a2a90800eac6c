"""Start the ASGI app (uvicorn) in a subprocess on a loopback port and wait until it answers.

The one way every non-systemd shape starts a web worker: the production-shape stack
(`deploy/stack.py`), end-to-end tests (`tests/servers.py`, pytest-django's live server is WSGI
and has no websockets) and the benches (`bench/`). Standard library only: `deploy/local-stack`
runs with the runtime requirements alone. Import it as `deploy.web_process` with the project
root on sys.path.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def uvicorn_argv(port: int, options: Sequence[str] = ()) -> list[str]:
    """`python -m uvicorn server.asgi:application` on 127.0.0.1:port, plus the caller's options
    (log level, proxy headers, lifespan ...), with this interpreter (the project's venv)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "server.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        *options,
    ]


def http_wait(
    url: str,
    proc: subprocess.Popen,
    *,
    timeout: float = 30,
    name: str = "uvicorn",
    status: int | None = None,
    log: Path | None = None,
) -> None:
    """Until `url` answers: any HTTP answer, or exactly `status` when given. Fails at once
    when the process exits (with the end of its log, if there is one), or after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{name} exited with {proc.returncode}: {tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if status is None or response.status == status:
                    return
        except urllib.error.HTTPError as answer:
            if status is None or answer.code == status:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s")


def web_start(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    options: Sequence[str] = (),
    log: Path | None = None,
    ready_path: str = "/healthz",
    timeout: float = 30,
) -> tuple[subprocess.Popen, int]:
    """Start one worker (its output to `log`, or dropped) and return once it answers
    `ready_path`; the caller stops it (terminate, then wait)."""
    port = port or free_port()
    out: IO[bytes] | int = subprocess.DEVNULL
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        out = log.open("wb")
    try:
        proc = subprocess.Popen(
            uvicorn_argv(port, options),
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        if not isinstance(out, int):
            out.close()  # the child holds its own copy
    try:
        http_wait(f"http://{HOST}:{port}{ready_path}", proc, timeout=timeout, log=log)
    except RuntimeError:
        proc.kill()
        proc.wait()
        raise
    return proc, port
