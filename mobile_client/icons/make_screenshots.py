"""Take the manifest's screenshots (icons/screenshots/*.png) of the app with demo data.

    PORT=8000 ./dev run                        # demo data, in another terminal
    .venv/bin/python mobile_client/icons/make_screenshots.py http://127.0.0.1:8000 carer.bl1

Debian's Chromium through Playwright. The pictures are shown only by the browser's install
dialog, so the service worker does not precache them (server/web/views.py).
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent / "screenshots"
SHOTS = {"narrow": (360, 740), "wide": (1280, 720)}
PIN = "2468"


def shrink(png: bytes) -> bytes:
    """Recompress at zlib level 9 (Chromium writes fast, larger PNGs)."""
    chunks, pos, idat = [], 8, b""
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IDAT":
            idat += data
        elif kind in (b"IHDR", b"IEND"):
            chunks.append((kind, data))
        pos += 12 + length
    raw = zlib.compress(zlib.decompress(idat), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")

    return png[:8] + chunk(*chunks[0]) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main(base_url: str, username: str) -> None:
    password = os.environ.get("DEMO_PASSWORD", "demo1234")
    HERE.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--disable-background-networking", "--disable-component-update"],
        )
        for form, (width, height) in SHOTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                timezone_id="Asia/Ho_Chi_Minh",
                locale="vi-VN",
            )
            page = context.new_page()
            page.goto(base_url + "/app/#/login")
            page.fill("[name=username]", username)
            page.fill("[name=password]", password)
            page.click("button[type=submit]")
            for _ in range(2):
                for digit in PIN:
                    page.click(f"[data-key='{digit}']")
            page.wait_for_function(
                "document.querySelector('[data-pending]')?.dataset.pending === '0'",
                timeout=30_000,
            )
            page.wait_for_timeout(1500)
            (HERE / f"{form}.png").write_bytes(shrink(page.screenshot()))
            context.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
