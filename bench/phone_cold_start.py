"""Phone cold start: time to render the task list from a cold OFFLINE start under 4x CPU
throttling (CDP Emulation.setCPUThrottlingRate), and the JS + CSS bytes the app ships.

Self-contained: a scratch SQLite database with the demo centres (seed_demo), uvicorn on a
free port, Debian's /usr/bin/chromium through Playwright. Prints figures; asserts nothing.

    python bench/phone_cold_start.py [--runs 7] [--user carer.bl1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import free_port  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-background-networking", "--disable-component-update", "--no-sandbox"]
PIN = "2468"


def shipped_bytes() -> tuple[int, int, int]:
    client = ROOT / "mobile_client"
    js = sum(p.stat().st_size for p in client.rglob("*.js"))
    css = sum(p.stat().st_size for p in client.rglob("*.css"))
    return js, css, js + css


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "SQLITE_PATH": str(db), "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "server.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/app/", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def measure(url: str, user: str, runs: int, throttle: float) -> tuple[list[float], int, list[dict]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        page.goto(url + "/app/#/login")
        page.fill("[name=username]", user)
        page.fill("[name=password]", os.environ.get("DEMO_PASSWORD", "demo1234"))
        page.click("button[type=submit]")
        for _ in range(2):
            for d in PIN:
                page.click(f"[data-key='{d}']")
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
        page.wait_for_function("document.getElementById('syncbar').dataset.syncing === '0'"
                               " && document.querySelectorAll('li.task').length > 0", timeout=120_000)
        tasks = page.eval_on_selector_all("li.task", "els => els.length")
        page.close()
        context.set_offline(True)
        times, phases = [], []
        for _ in range(runs):
            page = context.new_page()  # same context: same IndexedDB and service worker, new renderer page
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            page.goto(url + "/app/#/home")
            page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
            marks = page.evaluate("Object.fromEntries(['boot', 'data-loaded', 'tasks-rendered']"
                                  ".map(n => [n, performance.getEntriesByName(n)[0].startTime]))")
            times.append(marks["tasks-rendered"])
            phases.append(marks)
            page.close()
        browser.close()
    return times, tasks, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--user", default="carer.bl1")
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    js, css, total = shipped_bytes()
    print(f"shipped: JS {js:,} B + CSS {css:,} B = {total:,} B ({total / 1024:.1f} KiB; target <= 150 KB)")
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp) / "bench.sqlite3")
        try:
            times, tasks, phases = measure(url, args.user, args.runs, args.throttle)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"cold offline start to task list ({tasks} tasks, {args.throttle:g}x CPU throttle, {args.runs} runs):")
    print(f"  median {statistics.median(times):.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms "
          f"(target <= 1000 ms); runs: {', '.join(f'{t:.0f}' for t in times)}")
    med = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
    print(f"  medians by phase: modules parsed and boot() running at {med['boot']:.0f} ms, "
          f"local data read at {med['data-loaded']:.0f} ms, task list rendered at {med['tasks-rendered']:.0f} ms")


if __name__ == "__main__":
    main()
