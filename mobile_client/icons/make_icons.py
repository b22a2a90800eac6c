"""Draw the app icons (a white tick in a circle on the brand green) as PNGs, no libraries.

Run: python3 mobile_client/icons/make_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

GREEN = (11, 93, 59)
WHITE = (255, 255, 255)


def _near_segment(x: float, y: float, ax: float, ay: float, bx: float, by: float, width: float) -> bool:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= width * width


def pixel(x: float, y: float) -> tuple[int, int, int]:
    # Coordinates in 0..1. A ring, and a tick inside it; the rest is green (maskable-safe).
    r = ((x - 0.5) ** 2 + (y - 0.5) ** 2) ** 0.5
    if 0.30 <= r <= 0.35:
        return WHITE
    if _near_segment(x, y, 0.36, 0.52, 0.46, 0.62, 0.035) or _near_segment(x, y, 0.46, 0.62, 0.66, 0.40, 0.035):
        return WHITE
    return GREEN


def png(size: int) -> bytes:
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        for i in range(size):
            rows.extend(pixel((i + 0.5) / size, (j + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    for size in (192, 512):
        (here / f"icon-{size}.png").write_bytes(png(size))
