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
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from deploy.web_process import web_start  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-background-networking", "--disable-component-update", "--no-sandbox"]
PIN = "2468"


def shipped_bytes(client: Path | None = None) -> tuple[int, int, int]:
    client = client or ROOT / "mobile_client"
    js = sum(p.stat().st_size for p in client.rglob("*.js"))
    css = sum(p.stat().st_size for p in client.rglob("*.css"))
    return js, css, js + css


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


# Watches <body data-ready> from outside the app and marks the frame after it was set.
PAINT_WATCH = """
new MutationObserver((_, obs) => {
  if (document.body && document.body.dataset.ready === '1') {
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => performance.mark('bench-painted'), 0));
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
"""


MARKS = ["boot", "data-loaded", "tasks-rendered", "bench-painted"]


def prepare(browser, url: str, user: str):
    """Log in once online, let the first sync finish and the worker take control; then offline."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, timezone_id="Asia/Ho_Chi_Minh"
    )
    context.add_init_script(PAINT_WATCH)
    page = context.new_page()
    page.goto(url + "/app/#/login")
    page.fill("[name=username]", user)
    page.fill("[name=password]", os.environ.get("DEMO_PASSWORD", "demo1234"))
    page.click("button[type=submit]")
    for _ in range(2):
        for d in PIN:
            page.click(f"[data-key='{d}']")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_function(
        "document.getElementById('syncbar').dataset.syncing === '0'"
        " && document.querySelectorAll('li.task').length > 0",
        timeout=120_000,
    )
    page.wait_for_timeout(1500)  # the rest of the day drawn after the first screen
    tasks = page.eval_on_selector_all("li.task", "els => els.length")
    page.close()
    context.set_offline(True)
    return context, tasks


def cold_start(context, url: str, throttle: float) -> dict:
    page = context.new_page()  # same context: same IndexedDB and service worker, new renderer page
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.goto(url + "/app/#/home")
    page.wait_for_function(
        "performance.getEntriesByName('bench-painted').length > 0", timeout=60_000
    )
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
            prepared = [prepare(browser, url, args.user) for _, url in servers]
            results: list[list[dict]] = [[] for _ in clients]
            # Runs alternate between the clients, so a busy moment of a shared machine
            # falls on both alike.
            for _ in range(args.runs):
                for i, ((context, _), (_, url)) in enumerate(zip(prepared, servers, strict=True)):
                    results[i].append(cold_start(context, url, args.throttle))
            browser.close()
        finally:
            for proc, _ in servers:
                proc.terminate()
                proc.wait(10)
    for client, (_, tasks), phases in zip(clients, prepared, results, strict=True):
        js, css, total = shipped_bytes(client)
        times = [m["tasks-rendered"] for m in phases]
        painted = [m["bench-painted"] for m in phases]
        print(f"== {client or 'mobile_client'}")
        print(
            f"shipped: JS {js:,} B + CSS {css:,} B = {total:,} B ({total / 1024:.1f} KiB; target <= 150 KB)"
        )
        print(
            f"cold offline start to task list ({tasks} tasks, {args.throttle:g}x CPU throttle, {args.runs} runs):"
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
