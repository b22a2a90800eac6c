"""Phone cold start: time to render the task list from a cold OFFLINE start under 4x CPU
throttling (CDP Emulation.setCPUThrottlingRate), and the JS + CSS bytes the app ships.

Self-contained: a scratch SQLite database with the demo centres (seed_demo), uvicorn on a
free port, Debian's /usr/bin/chromium through Playwright. Prints figures; asserts nothing.

    python bench/phone_cold_start.py [--runs 7] [--user carer.bl1] [--client DIR ...]

--client measures other copies of mobile_client/ in the same run, one server each, one after
the other (e.g. the last commit's: `git archive HEAD mobile_client | tar -x -C /tmp/old`,
then `--client /tmp/old/mobile_client --client mobile_client`), so before and after are
measured under the same machine load.

Figures per run: `tasks-rendered` (the app's mark: the task list's first screen is in the
DOM) and `painted` (the next frame after it, observed from outside the app by an init
script, so it also holds for versions of the app that do not mark it).

The app runs under its own Content-Security-Policy (server/middleware.py, no 'unsafe-eval'),
as on a phone: the bench never asks the page to eval a string (Playwright's
`wait_for_function` does), it waits on selectors and on `page.evaluate`, which CDP runs
outside the policy.

The phone's clock reads today at --at (06:50 Vietnam time by default: the morning round, the
longest first screen) whenever the bench runs; at night (22:00-06:00) the shift holds no task
and the list would be empty. Only Date is shifted (an init script, a constant offset); timers, frames and performance marks stay the
browser's own, so the figures are real time.

Size: "sent" is the bodies the server returns for every JS and CSS file to a request with
`Accept-Encoding: gzip` (the worker with its version filled in), "raw" the same files on
disk; the budgets are those of tests/web/test_app_files.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from deploy.web_process import web_start  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-background-networking", "--disable-component-update", "--no-sandbox"]
PIN = "2468"
ZONE = "Asia/Ho_Chi_Minh"
SENT_BUDGET = 150_000
RAW_BUDGET = 200_000


def _code_files(client: Path) -> list[Path]:
    return sorted(p for p in client.rglob("*") if p.suffix in {".js", ".css"})


def shipped_bytes(client: Path | None = None) -> tuple[int, int, int]:
    client = client or ROOT / "mobile_client"
    js = sum(p.stat().st_size for p in client.rglob("*.js"))
    css = sum(p.stat().st_size for p in client.rglob("*.css"))
    return js, css, js + css


def sent_bytes(url: str, client: Path | None = None) -> int:
    """The bytes on the wire: urllib does not decode, so the body is what the server sent."""
    client = client or ROOT / "mobile_client"
    sent = 0
    for path in _code_files(client):
        request = urllib.request.Request(
            f"{url}/app/{path.relative_to(client).as_posix()}",
            headers={"Accept-Encoding": "gzip, deflate, br"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            sent += len(response.read())
    return sent


# Served from another folder through a two-line settings module (MOBILE_CLIENT_DIR is not
# read from the environment).
SETTINGS_FOR_CLIENT = "from server.settings import *  # noqa\nMOBILE_CLIENT_DIR = {dir!r}\n"


def start_server(db: Path, client: Path | None = None) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "SQLITE_PATH": str(db),
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "server.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if client is not None:
        (db.parent / "bench_client_settings.py").write_text(
            SETTINGS_FOR_CLIENT.format(dir=str(client.resolve()))
        )
        env["PYTHONPATH"] = os.pathsep.join([str(db.parent), str(ROOT), env.get("PYTHONPATH", "")])
        env["DJANGO_SETTINGS_MODULE"] = "bench_client_settings"
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not db.exists():
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    proc, port = web_start(env, options=["--log-level", "warning"], ready_path="/app/")
    return proc, f"http://127.0.0.1:{port}"


# Watches <body data-ready> from outside the app and marks the frame after it was set; then
# flags <html data-bench-painted> for the bench's selector wait (no eval under the CSP).
# Init scripts are injected by CDP, so the policy's script-src does not apply to them.
PAINT_WATCH = """
new MutationObserver((_, obs) => {
  if (document.body && document.body.dataset.ready === '1') {
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => {
      performance.mark('bench-painted');
      document.documentElement.dataset.benchPainted = '1';
    }, 0));
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
"""


# Date only, by a constant offset fixed once for the whole run, so the phone's clock keeps
# moving forward across the cold starts (the app compares stored times with now).
SHIFT_DATE = """
(() => {
  const offset = %d;
  const Real = Date;
  class Shifted extends Real {
    constructor(...args) { if (args.length === 0) super(Real.now() + offset); else super(...args); }
    static now() { return Real.now() + offset; }
  }
  globalThis.Date = Shifted;
})();
"""


def clock_offset_ms(at: str) -> int:
    """From the real now to today at `at` in Vietnam (negative at night)."""
    zone = ZoneInfo(ZONE)
    now = datetime.now(zone)
    hour, minute = (int(x) for x in at.split(":"))
    return round(
        (now.replace(hour=hour, minute=minute, second=0, microsecond=0) - now).total_seconds()
        * 1000
    )


def wait_until(page, expression: str, timeout_s: float) -> None:
    """Polls `expression` with page.evaluate (CDP, outside the page's CSP); only used while
    preparing, never inside a measured start."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout_s:g} s: {expression}")
        page.wait_for_timeout(100)


MARKS = ["boot", "data-loaded", "tasks-rendered", "bench-painted"]


def server_time_shifted(route, offset_ms: int) -> None:
    """A sync answer whose `server_time` agrees with the shifted phone: the phone's clock is
    right, only the hour is chosen, so it shows no wrong-clock warning (js/clock.js)."""
    response = route.fetch()
    body = response.json()
    if "server_time" in body:
        told = datetime.fromisoformat(body["server_time"].replace("Z", "+00:00"))
        shifted = told + timedelta(milliseconds=offset_ms)
        body["server_time"] = shifted.strftime("%Y-%m-%dT%H:%M:%SZ")
    route.fulfill(response=response, json=body)


def prepare(browser, url: str, user: str, offset_ms: int):
    """Log in once online, let the first sync finish and the worker take control; then offline."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, timezone_id=ZONE)
    context.add_init_script(SHIFT_DATE % offset_ms)
    context.add_init_script(PAINT_WATCH)
    context.route("**/api/sync/v1", lambda route: server_time_shifted(route, offset_ms))
    page = context.new_page()
    page.goto(url + "/app/#/login")
    page.fill("[name=username]", user)
    page.fill("[name=password]", os.environ.get("DEMO_PASSWORD", "demo1234"))
    page.click("button[type=submit]")
    for _ in range(2):
        for d in PIN:
            page.click(f"[data-key='{d}']")
    wait_until(page, "navigator.serviceWorker.controller !== null", 60)
    wait_until(
        page,
        "document.getElementById('syncbar').dataset.syncing === '0'"
        " && document.querySelectorAll('li.task').length > 0",
        120,
    )
    page.wait_for_timeout(1500)  # the rest of the day drawn after the first screen
    tasks = page.eval_on_selector_all("li.task", "els => els.length")
    if page.query_selector("[data-clock]") is not None:
        raise RuntimeError(
            "the phone warns of a wrong clock: the first screen would not be the usual one"
        )
    page.close()
    context.unroute("**/api/sync/v1")
    context.set_offline(True)
    return context, tasks


def cold_start(context, url: str, throttle: float) -> dict:
    page = context.new_page()  # same context: same IndexedDB and service worker, new renderer page
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.goto(url + "/app/#/home")
    page.wait_for_selector("html[data-bench-painted]", state="attached", timeout=60_000)
    marks = page.evaluate(
        f"Object.fromEntries({MARKS!r}.map(n => [n, performance.getEntriesByName(n)[0].startTime]))"
    )
    page.close()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--user", default="carer.bl1")
    parser.add_argument("--throttle", type=float, default=4.0)
    parser.add_argument(
        "--at", default="06:50", help="the phone's time of day, Vietnam (HH:MM; default 06:50)"
    )
    parser.add_argument(
        "--client", action="append", type=Path, help="a mobile_client folder (repeatable)"
    )
    args = parser.parse_args()
    clients = args.client or [None]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        db = Path(tmp) / "bench.sqlite3"
        servers = []
        try:
            for client in clients:
                servers.append(start_server(db, client))
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            offset = clock_offset_ms(args.at)
            prepared = [prepare(browser, url, args.user, offset) for _, url in servers]
            results: list[list[dict]] = [[] for _ in clients]
            # Runs alternate between the clients, so a busy moment of a shared machine
            # falls on both alike.
            for _ in range(args.runs):
                for i, ((context, _), (_, url)) in enumerate(zip(prepared, servers, strict=True)):
                    results[i].append(cold_start(context, url, args.throttle))
            sent = [
                sent_bytes(url, client) for client, (_, url) in zip(clients, servers, strict=True)
            ]
            browser.close()
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(10)
    for client, (_, tasks), phases, wire in zip(clients, prepared, results, sent, strict=True):
        js, css, total = shipped_bytes(client)
        times = [m["tasks-rendered"] for m in phases]
        painted = [m["bench-painted"] for m in phases]
        print(f"== {client or 'mobile_client'}")
        print(
            f"shipped JS + CSS: sent (gzip) {wire:,} B ({wire / 1000:.1f} KB; target <= "
            f"{SENT_BUDGET // 1000} KB), raw JS {js:,} B + CSS {css:,} B = {total:,} B "
            f"({total / 1000:.1f} KB; target <= {RAW_BUDGET // 1000} KB)"
        )
        print(
            f"cold offline start to task list ({tasks} tasks at {args.at}, {args.throttle:g}x CPU throttle, "
            f"{args.runs} runs):"
        )
        print(
            f"  median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms "
            f"(target <= 1000 ms); runs: {', '.join(f'{t:.0f}' for t in times)}"
        )
        print(
            f"  painted (next frame): median {statistics.median(painted):.0f} ms; "
            f"runs: {', '.join(f'{t:.0f}' for t in painted)}"
        )
        med = {k: statistics.median(m[k] for m in phases) for k in MARKS}
        print(
            f"  medians by phase: modules parsed and boot() running at {med['boot']:.0f} ms, "
            f"local data read at {med['data-loaded']:.0f} ms, task list rendered at {med['tasks-rendered']:.0f} ms"
        )


if __name__ == "__main__":
    main()
