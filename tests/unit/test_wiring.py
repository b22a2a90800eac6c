"""What each app plugs into the sync engine, read from the registries once Django is ready.

Registration is spread over the apps' `apps.py` and the modules they import; this test puts
it in one table, prints it (`./dev test tests/unit/test_wiring.py -s`), and checks that
docs/architecture.md shows the same table, so the wiring a reader sees is the running one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.care import horizon, jobs, publish, resident_handlers, void
from sync import registry

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
HEADING = "## What each app plugs into the engine"
KINDS = (
    "scope provider",
    "permission checker",
    "commit hook",
    "handler",
    "preloader",
    "publishes",
    "voidable",
    "job",
    "task source",
    "transfer hook",
)


def _where(fn: Callable[..., Any]) -> tuple[str, str]:
    """(app, file) of a function: `server/<app>/…` or the engine itself (`sync`)."""
    path = Path(inspect.getfile(fn)).resolve().relative_to(ROOT)
    app = path.parts[1] if path.parts[0] == "server" else path.parts[0]
    return app, str(path)


def wiring() -> list[tuple[str, str, str, str]]:
    """(app, kind, what, file), sorted by app and kind."""
    rows: list[tuple[str, str, str, str]] = []

    def add(kind: str, what: str, fn: Callable[..., Any]) -> None:
        app, where = _where(fn)
        if app != "tests":  # tests register throwaway handlers of their own
            rows.append((app, kind, what, where))

    for fn, kind in (
        (registry._scope_provider, "scope provider"),
        (registry._permission_checker, "permission checker"),
    ):
        assert fn is not None, f"no {kind} registered"
        add(kind, f"`{fn.__name__}`", fn)
    for hook in registry.after_commit_hooks():
        add("commit hook", f"`{hook.__name__}`", hook)
    for name in registry.registered_names():
        reg = registry.lookup(name)
        assert reg is not None
        add("handler", f"`{name}` ({reg.args_model.__name__})", reg.handler)
        loader = registry.preloader_for(name)
        if loader is not None:
            add("preloader", f"`{name}`", loader)
    for label, (type_, data_fn, _area) in publish._PUBLISHERS.items():
        add("publishes", f"`{type_}` ({label})", data_fn)
    for type_ in void.voidable_types():
        spec = void._VOIDABLE[type_]
        add("voidable", f"`{type_}` ({spec.model._meta.label})", spec.apply)
    for job in jobs.all_jobs():
        add("job", f"`{job.name}` every {job.every_seconds} s", job.run)
    for source in horizon.TASK_SOURCES:
        add("task source", f"`{source.__name__}`", source)
    for hook in resident_handlers.TRANSFER_HOOKS:
        add("transfer hook", f"`{hook.__name__}`", hook)
    return sorted(rows, key=lambda r: (r[0], KINDS.index(r[1]), r[2]))


def table() -> list[str]:
    lines = ["| app | plugs in | what | where |", "|---|---|---|---|"]
    lines += [f"| {app} | {kind} | {what} | `{where}` |" for app, kind, what, where in wiring()]
    return lines


def documented() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    assert HEADING in text, f"{DOC} has no section {HEADING!r}"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_it_prints_what_each_app_plugs_in_and_the_docs_show_the_same():
    print("\n".join(table()))
    assert documented() == table(), (
        f"the wiring changed: replace the table under {HEADING!r} in docs/architecture.md "
        "with the one printed above (./dev test tests/unit/test_wiring.py -s)"
    )


def test_it_registers_no_preloader_for_an_event_nobody_handles():
    # A preloader keyed by a misspelt name would never run, silently.
    assert set(registry._preloaders) <= set(registry.registered_names())
