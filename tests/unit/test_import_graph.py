"""Dependencies point one way: domain apps -> the sync engine -> nothing of ours.

The test reads every import of `server/` and `sync/` (also those inside functions, which is
where a cycle hides from Python) and draws the graph between apps (`server/<app>` and
`sync`). No two apps may import each other, even through a third: an app that builds on
another plugs into it through a registry the other offers (meds adds its dose tasks to care's
horizon and its away check to care's transfers from server/meds/apps.py). And no app reads
the engine's tables or takes its locks itself: it calls the functions `sync/` offers.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The engine's internals: its tables and its lock order. Apps ask for what they need through
# functions (`sync.conflicts.conflicts_of`, `sync.event_log.event_authors`,
# `sync.service.server_write`, ...), so the engine may change how it stores and locks. The
# admin of the engine's own tables lives in `sync/admin.py`, inside the engine.
ENGINE_INTERNALS = ("sync.models", "sync.changes")


def _app(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "sync":
        return "sync"
    if parts[0] == "server" and len(parts) > 1 and (ROOT / "server" / parts[1]).is_dir():
        return parts[1]
    return None


def _imports(path: Path) -> set[str]:
    """Every module the file imports, with `from x import y` also as `x.y` (y may be a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _sources() -> list[Path]:
    files = [*ROOT.glob("server/**/*.py"), *ROOT.glob("sync/**/*.py")]
    return sorted(f for f in files if "migrations" not in f.parts)


def app_graph() -> dict[tuple[str, str], set[str]]:
    """(importing app, imported app) -> the files that make the edge."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in _sources():
        rel = path.relative_to(ROOT)
        source = _app(".".join(rel.with_suffix("").parts))
        for module in _imports(path):
            target = _app(module)
            if source and target and target != source:
                edges[(source, target)].add(str(rel))
    return edges


def cycles(edges: dict[tuple[str, str], set[str]]) -> set[frozenset[str]]:
    """The groups of apps that reach each other through imports (each app of a group can
    reach every other), i.e. the graph's strongly connected components of two or more."""
    reach: dict[str, set[str]] = {}
    for a, b in edges:
        reach.setdefault(a, set()).add(b)
    changed = True
    while changed:  # transitive closure: a dozen apps, a few rounds
        changed = False
        for targets in reach.values():
            more = set().union(*(reach.get(b, set()) for b in targets)) - targets
            if more:
                targets |= more
                changed = True
    return {
        frozenset({a} | {b for b in reach[a] if a in reach.get(b, ())})
        for a in reach
        if any(a in reach.get(b, ()) for b in reach[a] if b != a)
    }


def test_it_finds_no_import_cycle_between_apps():
    edges = app_graph()
    found = cycles(edges)
    for group in found:
        for (a, b), files in sorted(edges.items()):
            if {a, b} <= group:
                print(f"{a} -> {b}: {', '.join(sorted(files))}")
    assert not found, f"import cycles between apps: {[sorted(p) for p in found]} (see -s output)"


def test_it_keeps_the_engine_free_of_domain_apps():
    engine = {target: files for (source, target), files in app_graph().items() if source == "sync"}
    assert engine == {}, f"sync imports domain apps: {engine}"


def test_it_lets_no_app_reach_into_the_engine_s_tables_or_locks():
    readers = {
        str(path.relative_to(ROOT)): sorted(set(ENGINE_INTERNALS) & _imports(path))
        for path in _sources()
        if path.parts[len(ROOT.parts)] == "server"
    }
    readers = {path: found for path, found in readers.items() if found}
    assert readers == {}, f"read through sync's functions instead: {readers}"


def test_it_sees_an_import_inside_a_function_and_a_cycle_through_a_third_app(tmp_path):
    hidden = tmp_path / "hidden.py"
    hidden.write_text("def f():\n    from server.meds import doses\n    import sync.models\n")
    assert {"server.meds.doses", "sync.models"} <= _imports(hidden)
    assert cycles({("a", "b"): set(), ("b", "c"): set(), ("c", "a"): set()}) == {
        frozenset({"a", "b", "c"})
    }
