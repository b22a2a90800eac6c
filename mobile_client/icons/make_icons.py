"""Draw the app icons (a white tick in a ring on the brand green) as PNGs, no libraries.

- icon-192.png, icon-512.png (purpose "any"): a green disc on a transparent square, shown
  as is (browser tabs, desktop shortcuts).
- maskable-192.png, maskable-512.png (purpose "maskable"): full-bleed green, with the ring
  and tick inside the safe zone (the centred circle of 80 % of the width), so a launcher's
  circle, squircle or rounded square never cuts them. Also the apple-touch-icon.

Run: python3 mobile_client/icons/make_icons.py (tests/web/test_manifest.py checks that the
committed files are what this draws).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

GREEN = (11, 93, 59)
WHITE = (255, 255, 255)
SIZES = (192, 512)
# The maskable safe zone is a circle of radius 0.4 (of the width) around the centre; the
# glyph is drawn at this scale so its outer edge (radius 0.35 at scale 1) sits well inside.
MASKABLE_SCALE = 0.8
SUPERSAMPLE = 3  # per axis: smooth edges without an image library


def _near_segment(x: float, y: float, ax: float, ay: float, bx: float, by: float, width: float) -> bool:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= width * width


def glyph(x: float, y: float) -> bool:
    """The ring and the tick, in coordinates 0..1 (outer radius 0.35)."""
    r = ((x - 0.5) ** 2 + (y - 0.5) ** 2) ** 0.5
    if 0.30 <= r <= 0.35:
        return True
    return _near_segment(x, y, 0.36, 0.52, 0.46, 0.62, 0.035) or _near_segment(
        x, y, 0.46, 0.62, 0.66, 0.40, 0.035
    )


def sample(x: float, y: float, maskable: bool) -> tuple[int, int, int, int]:
    if maskable:
        gx, gy = 0.5 + (x - 0.5) / MASKABLE_SCALE, 0.5 + (y - 0.5) / MASKABLE_SCALE
        return (*WHITE, 255) if glyph(gx, gy) else (*GREEN, 255)
    if (x - 0.5) ** 2 + (y - 0.5) ** 2 > 0.25:
        return (0, 0, 0, 0)
    return (*WHITE, 255) if glyph(x, y) else (*GREEN, 255)


def pixel(i: int, j: int, size: int, maskable: bool) -> tuple[int, ...]:
    n = SUPERSAMPLE
    samples = [
        sample((i + (a + 0.5) / n) / size, (j + (b + 0.5) / n) / size, maskable)
        for a in range(n)
        for b in range(n)
    ]
    alpha = sum(s[3] for s in samples)
    if alpha == 0:
        return (0, 0, 0, 0)
    # Colour weighted by coverage, so edges blend into transparency without a dark fringe.
    rgb = tuple(round(sum(s[k] * s[3] for s in samples) / alpha) for k in range(3))
    return (*rgb, round(alpha / len(samples)))


def png(size: int, *, maskable: bool = False) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        for i in range(size):
            value = pixel(i, j, size, maskable)
            rows.extend(value[:3] if maskable else value)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    colour_type = 2 if maskable else 6  # RGB (opaque) / RGBA
    header = struct.pack(">IIBBBBB", size, size, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def icons() -> dict[str, bytes]:
    out = {}
    for size in SIZES:
        out[f"icon-{size}.png"] = png(size)
        out[f"maskable-{size}.png"] = png(size, maskable=True)
    return out


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for name, data in icons().items():
        (here / name).write_bytes(data)
