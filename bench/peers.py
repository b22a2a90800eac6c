"""Starting and stopping the two servers of the benchmark, and the PouchDB device process.

Everything lives under bench/.work/ (gitignored): node_modules, scratch folders, logs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
sys.path.insert(0, str(ROOT))
from deploy.web_process import free_port, http_wait, web_start  # noqa: E402

NPM_PACKAGES = {"pouchdb-server": "4.2.0", "pouchdb": "9.0.0", "pouchdb-adapter-memory": "9.0.0"}


def npm_ensure() -> None:
    """Install the pinned PouchDB packages into bench/.work unless they are already there."""
    WORK.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, version in NPM_PACKAGES.items():
        manifest = WORK / "node_modules" / name / "package.json"
        if not manifest.exists() or json.loads(manifest.read_text()).get("version") != version:
            missing.append(f"{name}@{version}")
    if not missing:
        return
    if shutil.which("npm") is None:
        sys.exit("npm is needed for the PouchDB side (apt-get install -y nodejs npm)")
    print(f"npm install {' '.join(missing)} (into {WORK}) …", flush=True)
    if not (WORK / "package.json").exists():
        (WORK / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--save-exact", *missing],
        cwd=WORK,
        check=True,
    )


def start_pouchdb_server() -> tuple[subprocess.Popen, int]:
    # It writes config.json and log.txt where it runs: a scratch folder of its own.
    scratch = WORK / "pouchdb-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            str(WORK / "node_modules" / ".bin" / "pouchdb-server"),
            "--in-memory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "-n",
        ],
        cwd=scratch,
        stdout=(scratch / "stdout.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    http_wait(f"http://127.0.0.1:{port}/", proc, timeout=60, name="pouchdb-server")
    return proc, port


def pouch_create_db(port: int, name: str) -> None:
    """Create the remote database outside the measurement: a phone syncs to an existing one."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/{name}", method="PUT")
    urllib.request.urlopen(req, timeout=10).read()


def ours_env(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/{database}"
            ),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CHANNEL_PREFIX": "catruc-bench",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # As deployed (deploy/.env.example): a per-process psycopg pool. DB_POOL_MAX=0 gives
            # Django's connection per request (under ASGI each request runs in its own thread
            # context, so CONN_MAX_AGE cannot keep one).
            "DB_POOL_MAX": os.environ.get("DB_POOL_MAX", "8"),
            "DB_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def pg_fresh_database(env: dict[str, str]) -> None:
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres", query="").geturl()  # the query holds Django OPTIONS
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def ours_prepare(env: dict[str, str], sizes: list[int], runs: int) -> list[dict]:
    pg_fresh_database(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = WORK / "seed.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "ours_setup.py"),
            str(out),
            ",".join(map(str, sizes)),
            str(runs),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return json.loads(out.read_text())


def start_uvicorn(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    return web_start(
        env,
        options=["--workers", "1", "--no-access-log", "--log-level", "warning"],
        log=WORK / "uvicorn.log",
        ready_path="/api/sync/v1",
        timeout=60,
    )


class PouchDevice:
    """The node process holding the PouchDB device's memory databases."""

    def __init__(self) -> None:
        env = dict(os.environ, NODE_PATH=str(WORK / "node_modules"))
        self.proc = subprocess.Popen(
            ["node", str(ROOT / "bench" / "pouch_side.js")],
            cwd=WORK,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def call(self, **cmd) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the PouchDB device process died")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise RuntimeError(f"PouchDB {cmd.get('op')}: {answer}")
        return answer

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
