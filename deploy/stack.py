"""The production shape on one machine: nginx → N uvicorn workers → PostgreSQL + Redis,
plus the task worker. Run through `deploy/local-stack` (see deploy/README.md).

    deploy/local-stack [start] [--workers 2] [--port P] [--no-seed]   (foreground; Ctrl-C stops)
    deploy/local-stack stop                                            (from another terminal)
    deploy/local-stack render-nginx --root DIR --listen ADDR --upstream HOST:PORT ...

Every process it starts is in its own session, so stopping is done here, in order
(nginx, then the web workers, then the task worker), and nothing is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Run as a script (deploy/local-stack) or loaded from a file by tests: the project root is
# what makes `deploy.web_process` importable either way.
sys.path.insert(0, str(ROOT))
from deploy.web_process import free_port, http_wait, uvicorn_argv  # noqa: E402

SITE_TEMPLATE = ROOT / "deploy" / "nginx.conf"
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/catruc_stack"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
PROD_ROOT = "/srv/catruc"


def say(message: str) -> None:
    print(f"[local-stack] {message}", flush=True)


def render_site(*, root: str, listen: str, upstreams: list[str], log_dir: str | None = None) -> str:
    """deploy/nginx.conf with this machine's paths, listen address and workers."""
    text = SITE_TEMPLATE.read_text()
    workers = "".join(f"    server {u};\n" for u in upstreams)
    text, n = re.subn(
        r"(?ms)^(\s*# workers:begin\n).*?^(\s*# workers:end\n)", rf"\g<1>{workers}\g<2>", text
    )
    assert n == 1, "nginx.conf lost its workers:begin/end markers"
    text = re.sub(
        r"(?m)^(\s*)listen 80;\n\s*listen \[::\]:80;\n(?=\s*# listen 443)",
        rf"\1listen {listen};\n",
        text,
    )
    text = text.replace(PROD_ROOT, root)
    if log_dir:
        text = text.replace("/var/log/nginx/", log_dir.rstrip("/") + "/")
    return text


def render_main(state: Path, site: Path) -> str:
    """A whole nginx.conf for a foreground nginx whose files all live in the state dir."""
    temp = state / "nginx"
    # As root nginx drops its workers to an unprivileged user, like Debian's www-data.
    user = "user www-data www-data;\n" if os.geteuid() == 0 else ""
    paths = "".join(
        f"    {kind}_temp_path {temp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\nworker_rlimit_nofile 8192;\ndaemon off;\n"
        f"pid {state / 'nginx.pid'};\nerror_log {state / 'logs' / 'nginx-error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        "    sendfile on;\n    tcp_nopush on;\n    types_hash_max_size 2048;\n"
        f"{paths}    include {site};\n}}\n"
    )


def nginx_binary() -> str:
    for candidate in ("/usr/sbin/nginx", "/usr/bin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    say("nginx is missing: apt-get install -y nginx")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "nginx"],
        env=env,
        check=False,
    )
    if os.access("/usr/sbin/nginx", os.X_OK):
        return "/usr/sbin/nginx"
    say("could not install nginx")
    sys.exit(3)


# Forwarded headers are believed from nginx alone (it runs on loopback here); nginx
# replaces the client's own X-Forwarded-For (deploy/nginx.conf), so a client cannot pick
# the address the app sees. tests/deploy/test_config.py reads this in every shape.
FORWARDED_ALLOW_IPS = "127.0.0.1"


def web_argv(port: int) -> list[str]:
    """One uvicorn worker on a loopback port, as catruc-web@.service starts it."""
    return uvicorn_argv(
        port,
        [
            "--no-access-log",
            "--proxy-headers",
            "--forwarded-allow-ips",
            FORWARDED_ALLOW_IPS,
            "--lifespan",
            "off",
            "--timeout-graceful-shutdown",
            "5",
        ],
    )


def database_ensure(url: str) -> bool:
    """Create the database if it is missing; True when it was created."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.state = Path(args.state_dir).resolve()
        self.logs = self.state / "logs"
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.port = args.port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopping = False

    def env(self) -> dict[str, str]:
        secret_file = self.state / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        origins = f"http://127.0.0.1:{self.port},http://localhost:{self.port}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "server.settings",
            "DEBUG": "false",
            "DATABASE_URL": self.args.database_url,
            "REDIS_URL": self.args.redis_url,
            "SECRET_KEY": secret_file.read_text().strip(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": origins,
            "SECURE_COOKIES": "false",
            "LOG_FORMAT": "json",
            "CHANNEL_PREFIX": self.args.channel_prefix,
            "DB_POOL_MAX": os.environ.get("DB_POOL_MAX", "8"),
            # Every worker and the task worker write here; /metrics sums them all.
            "PROMETHEUS_MULTIPROC_DIR": str(self.state / "metrics"),
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *argv: str) -> None:
        subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=self.env(), check=True)

    def spawn(self, name: str, argv: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.logs / log_name, "ab")  # noqa: SIM115 - the child keeps it open
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.procs.append((name, proc))
        self.state_write()
        return proc

    def state_write(self) -> None:
        data = {
            "supervisor": os.getpid(),
            "url": self.url,
            "processes": [{"name": n, "pid": p.pid} for n, p in self.procs],
        }
        (self.state / "state.json").write_text(json.dumps(data, indent=1))

    def wait_healthy(
        self, url: str, proc: subprocess.Popen, name: str, timeout: float = 90
    ) -> None:
        try:
            http_wait(url, proc, timeout=timeout, name=name, status=200)
        except RuntimeError as failed:
            raise RuntimeError(f"{failed}; see {self.logs}") from None

    def start(self) -> None:
        nginx = nginx_binary()
        shutil.rmtree(self.state / "metrics", ignore_errors=True)  # the last run's processes
        for d in (self.state, self.logs, self.state / "nginx", self.state / "metrics"):
            d.mkdir(parents=True, exist_ok=True)
        created = database_ensure(self.args.database_url)
        say(
            f"database {urlparse(self.args.database_url).path.lstrip('/')}"
            f" {'created' if created else 'exists'}; migrate + collectstatic"
        )
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        if created and not self.args.no_seed:
            self.manage("seed_demo")
        upstreams = []
        for _ in range(self.args.workers):
            port = free_port()
            proc = self.spawn(f"web:{port}", web_argv(port), f"web-{port}.log")
            upstreams.append((port, proc))
        for port, proc in upstreams:
            self.wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, f"web:{port}")
        self.spawn("worker", [sys.executable, "manage.py", "run_jobs"], "worker.log")
        site = self.state / "catruc-site.conf"
        site.write_text(
            render_site(
                root=str(ROOT),
                listen=f"127.0.0.1:{self.port}",
                upstreams=[f"127.0.0.1:{p}" for p, _ in upstreams],
                log_dir=str(self.logs),
            )
        )
        main = self.state / "nginx.conf"
        main.write_text(render_main(self.state, site))
        if os.geteuid() == 0:
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (self.state / "nginx" / kind).mkdir(exist_ok=True)
                os.chown(self.state / "nginx" / kind, 33, 33)
        subprocess.run([nginx, "-t", "-q", "-c", str(main), "-p", str(self.state)], check=True)
        proc = self.spawn("nginx", [nginx, "-c", str(main), "-p", str(self.state)], "nginx.out")
        self.wait_healthy(self.url + "/healthz", proc, "nginx")
        say(f"up: {self.args.workers} web workers, task worker, nginx — logs in {self.logs}")
        print(f"Ca Trực: {self.url}/", flush=True)

    def watch(self) -> int:
        while not self.stopping:
            for name, proc in self.procs:
                if proc.poll() is not None and not self.stopping:
                    say(f"{name} exited unexpectedly ({proc.returncode}); stopping everything")
                    return 1
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        self.stopping = True
        # Front to back: no new requests, then the workers drain, then the job loop.
        order = (
            [p for p in self.procs if p[0] == "nginx"]
            + [p for p in self.procs if p[0].startswith("web")]
            + [p for p in self.procs if p[0] == "worker"]
        )
        for name, proc in order:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    say(f"{name} did not stop in 15 s: killed")
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            with contextlib.suppress(ProcessLookupError):  # whatever a child left in its group
                os.killpg(proc.pid, signal.SIGKILL)
        (self.state / "state.json").unlink(missing_ok=True)
        (self.state / "stack.pid").unlink(missing_ok=True)
        say("stopped")


def cmd_start(args: argparse.Namespace) -> int:
    stack = Stack(args)
    stack.state.mkdir(parents=True, exist_ok=True)
    pid_file = stack.state / "stack.pid"
    if pid_file.exists() and _alive(int(pid_file.read_text() or 0)):
        say(
            f"already running (pid {pid_file.read_text().strip()}); `deploy/local-stack stop` first"
        )
        return 1
    pid_file.write_text(str(os.getpid()))

    def on_signal(signum, frame):
        stack.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
        code = stack.watch()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        say(f"failed: {exc}")
        code = 1
    finally:
        stack.stop()
    return code


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def cmd_stop(args: argparse.Namespace) -> int:
    state = Path(args.state_dir).resolve()
    pid_file = state / "stack.pid"
    if not pid_file.exists():
        say("not running")
        return 0
    pid = int(pid_file.read_text() or 0)
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
    # The supervisor was killed hard: stop what it recorded (its children lead their groups).
    state_file = state / "state.json"
    if state_file.exists():
        for entry in json.loads(state_file.read_text())["processes"]:
            if _alive(entry["pid"]):
                os.killpg(entry["pid"], signal.SIGKILL)
        state_file.unlink()
    pid_file.unlink(missing_ok=True)
    say("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/local-stack", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command")
    start = sub.add_parser("start", help="start the stack in the foreground (default)")
    stop = sub.add_parser("stop", help="stop a running stack")
    render = sub.add_parser("render-nginx", help="print deploy/nginx.conf for other paths/workers")
    for p in (parser, start, stop):
        p.add_argument(
            "--state-dir", default=os.environ.get("STACK_DIR", str(ROOT / "var" / "stack"))
        )
    for p in (parser, start):
        p.add_argument("--workers", type=int, default=int(os.environ.get("STACK_WORKERS", "2")))
        p.add_argument("--port", type=int, default=int(os.environ.get("STACK_PORT", "0")))
        p.add_argument("--database-url", default=os.environ.get("STACK_DATABASE_URL", DEFAULT_DB))
        p.add_argument("--redis-url", default=os.environ.get("STACK_REDIS_URL", DEFAULT_REDIS))
        p.add_argument(
            "--channel-prefix", default=os.environ.get("STACK_CHANNEL_PREFIX", "catruc-stack")
        )
        p.add_argument("--no-seed", action="store_true", help="no demo data in a new database")
    render.add_argument("--root", default=PROD_ROOT)
    render.add_argument("--listen", default="80")
    render.add_argument("--upstream", action="append", required=True)
    args = parser.parse_args(argv)
    if args.command == "stop":
        return cmd_stop(args)
    if args.command == "render-nginx":
        sys.stdout.write(render_site(root=args.root, listen=args.listen, upstreams=args.upstream))
        return 0
    return cmd_start(args)


if __name__ == "__main__":
    sys.exit(main())
