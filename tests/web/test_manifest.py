"""The web app manifest: identity, separate `any` and `maskable` icons (what each must look
like), screenshots for the install dialog; every file it names is served as it says, and
the large ones stay out of the service worker's precache."""

from __future__ import annotations

import importlib.util
import json
import re
import struct
import zlib
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "mobile_client"


@pytest.fixture
def manifest(client) -> dict:
    response = client.get("/app/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def decode(png: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, channels, rows) of an 8-bit RGB/RGBA PNG with filter 0 rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        header = data if kind == b"IHDR" else header
        idat += data if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels + 1
    rows = [raw[r * stride + 1 : (r + 1) * stride] for r in range(height)]
    assert depth == 8 and all(raw[r * stride] == 0 for r in range(height))
    return width, height, channels, rows


def test_it_names_the_app_and_keeps_its_identity(manifest):
    # The id equals the start_url the app had without one: installed phones stay one app.
    assert manifest["id"] == "/app/"
    assert manifest["start_url"] == "/app/" and manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "vi"
    assert manifest["short_name"] == "Ca Trực" and len(manifest["short_name"]) <= 12
    assert manifest["name"] and manifest["description"]
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])


def test_it_separates_any_and_maskable_icons_at_both_sizes(manifest, client):
    icons = manifest["icons"]
    assert {(i["purpose"], i["sizes"]) for i in icons} == {
        (purpose, size) for purpose in ("any", "maskable") for size in ("192x192", "512x512")
    }
    for icon in icons:
        response = client.get("/app/" + icon["src"])
        assert response.status_code == 200 and response["Content-Type"] == icon["type"]
        width, height, channels, rows = decode(response.content)
        assert f"{width}x{height}" == icon["sizes"]
        corner = rows[0][:channels]
        if icon["purpose"] == "any":
            # A disc on a transparent square: the corners show whatever is behind.
            assert channels == 4 and corner[3] == 0
        else:
            _assert_inside_the_safe_zone(width, channels, rows)


def _assert_inside_the_safe_zone(size: int, channels: int, rows: list[bytes]) -> None:
    """Full bleed (opaque, the background colour everywhere) and nothing but background
    outside the centred circle of 80 % of the width, the part every launcher mask keeps."""
    assert channels == 3
    background = rows[0][:3]
    outside = inside_glyph = 0
    for y, row in enumerate(rows):
        for x in range(size):
            pixel = row[x * 3 : x * 3 + 3]
            r = (((x + 0.5) / size - 0.5) ** 2 + ((y + 0.5) / size - 0.5) ** 2) ** 0.5
            if pixel != background:
                if r > 0.4:
                    outside += 1
                else:
                    inside_glyph += 1
    assert outside == 0
    assert inside_glyph > size  # the glyph is there


def test_it_points_apple_touch_icon_at_a_full_bleed_icon(client):
    shell = client.get("/app/").content.decode()
    href = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', shell).group(1)
    assert href.startswith("icons/maskable-")  # iOS draws transparent corners black


def test_it_shows_screenshots_outside_the_precache(manifest, client):
    shots = manifest["screenshots"]
    assert {s["form_factor"] for s in shots} == {"narrow", "wide"}
    worker = client.get("/app/sw.js").content.decode()
    precached = json.loads(re.search(r"const FILES = (\[.*?\]);", worker).group(1))
    for shot in shots:
        assert shot["label"]
        response = client.get("/app/" + shot["src"])
        assert response.status_code == 200 and response["Content-Type"] == shot["type"]
        assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", response.content[16:24])  # IHDR comes first
        assert f"{width}x{height}" == shot["sizes"]
        assert len(response.content) < 100_000  # small: only the install dialog shows them
        assert shot["src"] not in precached
    assert "icons/maskable-192.png" in precached  # the icons are, being small


def test_the_committed_icons_are_what_make_icons_draws():
    spec = importlib.util.spec_from_file_location("make_icons", CLIENT / "icons" / "make_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The 512 px ones take half a minute in pure Python; the 192 px ones prove the drawing.
    for name, maskable in (("icon-192.png", False), ("maskable-192.png", True)):
        assert (CLIENT / "icons" / name).read_bytes() == module.png(192, maskable=maskable)
