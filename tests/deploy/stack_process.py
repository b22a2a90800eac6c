"""deploy/local-stack in a subprocess, on its own database and state dir, for tests and
the load bench."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]


def debian_package_ensure(package: str, binary: str) -> bool:
    """What `./dev test` does when a tool is missing (apt-get, as root or through sudo -n);
    False when it cannot be installed."""
    if shutil.which(binary) or Path("/usr/sbin", binary).exists():
        return True
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", package]
    # A fresh machine may have no package lists yet: update once if the first try fails.
    for step in ([install], [[*sudo, "apt-get", "update", "-q"], install]):
        for argv in step:
            subprocess.run(argv, env=env, capture_output=True, check=False)
        if shutil.which(binary) or Path("/usr/sbin", binary).exists():
            return True
    return False


def nginx_ensure() -> bool:
    return debian_package_ensure("nginx", "nginx")


def database_drop(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


class LocalStack:
    def __init__(
        self,
        *,
        database_url: str,
        state_dir: Path,
        workers: int = 2,
        channel_prefix: str = "catruc-stack-test",
    ) -> None:
        self.database_url = database_url
        self.state_dir = state_dir
        self.workers = workers
        self.channel_prefix = channel_prefix
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.output: list[str] = []

    def start(self, timeout: float = 240) -> LocalStack:
        env = {
            **os.environ,
            "STACK_DATABASE_URL": self.database_url,
            "STACK_DIR": str(self.state_dir),
            "STACK_WORKERS": str(self.workers),
            "STACK_CHANNEL_PREFIX": self.channel_prefix,
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        self.proc = subprocess.Popen(
            [str(ROOT / "deploy" / "local-stack"), "start", "--no-seed"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("local-stack exited:\n" + "".join(self.output))
            self.output.append(line)
            found = re.match(r"Ca Trực: (http://\S+)/$", line.strip())
            if found:
                self.url = found.group(1)
                return self
        raise RuntimeError("local-stack did not print its URL:\n" + "".join(self.output))

    def processes(self) -> list[dict]:
        return json.loads((self.state_dir / "state.json").read_text())["processes"]

    def manage_python(self, code: str) -> str:
        """Run Python with Django set up on the stack's database (seeding test data)."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "server.settings",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "stack-test",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        script = "import django\ndjango.setup()\n" + code
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        return out.stdout

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        subprocess.run(
            [str(ROOT / "deploy" / "local-stack"), "stop"],
            cwd=ROOT,
            timeout=120,
            check=True,
            env={**os.environ, "STACK_DIR": str(self.state_dir)},
            capture_output=True,
        )
        try:
            code = self.proc.wait(60)
        finally:
            if self.proc.stdout:
                self.output += self.proc.stdout.readlines()
                self.proc.stdout.close()
        self.proc = None
        return code
