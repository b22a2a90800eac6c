"""No module of the product is over 400 lines (docs/architecture.md, "The layers"): past that size
a module holds more than one responsibility, and it is split by responsibility, not by line
count. Migrations are generated and vendored files are someone else's."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOST_LINES = 400
PRODUCT = ("server", "sync", "mobile_client", "deploy", "bench")
NOT_OURS = {"migrations", "vendor", "node_modules", ".work", "__pycache__"}


def modules() -> list[Path]:
    found = []
    for top in PRODUCT:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in {".py", ".js"} and not NOT_OURS & set(path.parts):
                found.append(path)
    return found


def test_the_walk_finds_the_modules_it_is_about():
    names = {p.relative_to(ROOT).as_posix() for p in modules()}
    assert {"sync/push.py", "mobile_client/js/app.js", "bench/load.py"} <= names
    assert not any("/migrations/" in n for n in names)


def test_no_module_is_over_400_lines():
    over = {}
    for path in modules():
        with path.open(encoding="utf-8") as f:
            lines = sum(1 for _ in f)
        if lines > MOST_LINES:
            over[path.relative_to(ROOT).as_posix()] = lines
    assert over == {}, f"split these by responsibility: {over}"
