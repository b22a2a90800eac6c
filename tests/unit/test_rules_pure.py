"""Every rules module decides from plain values: it imports no models, no database and nothing
that reaches outside the process, and calls no I/O (docs/architecture.md, "The layers").

The rules are the part of the product a reviewer checks against the regulations, table by
table (tests/unit/test_*_rules.py); a rule that loads a row or reads a clock of its own could
not be tested that way, and would decide differently in a handler and in a report.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The standard library a rule may use: values, arithmetic, text; nothing with a side effect.
PURE_STDLIB = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "itertools",
    "math",
    "operator",
    "re",
    "statistics",
    "string",
    "typing",
    "unicodedata",
    "uuid",
    "zoneinfo",
}
# What else a rule may build on: the engine's wire format, for its clocks (HLC stamps, the
# judged time; it imports no Django and does no I/O), the named role sets (plain strings), and
# gettext, so the
# message a rule writes is marked for translation where it is written (it reads only the
# language the request chose: deploy/README.md, "Languages").
PURE_PROJECT = {"sync.protocol", "django.utils.translation", "server.accounts.roles"}
IO_CALLS = {"open", "print", "input", "exec", "eval", "__import__"}


def rules_modules() -> list[Path]:
    found = [*ROOT.glob("server/**/rules.py"), *ROOT.glob("server/**/*_rules.py")]
    return sorted(p for p in found if "migrations" not in p.parts)


def _allowed(module: str) -> bool:
    if module.split(".")[0] in PURE_STDLIB or module in PURE_PROJECT:
        return True
    # Another rules module (e.g. the dashboard's rules read care's resident moves).
    return module.startswith("server.") and module.rsplit(".", 1)[-1].endswith("rules")


def impurities(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["<relative import>"]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in IO_CALLS:
                problems.append(f"line {node.lineno}: calls {node.func.id}()")
            continue
        elif isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow"}:
            # The time a rule judges is given to it (judged by the server: sync/protocol.py).
            problems.append(f"line {node.lineno}: reads the clock (.{node.attr})")
            continue
        else:
            continue
        problems += [f"line {node.lineno}: imports {n}" for n in names if not _allowed(n)]
    return problems


def test_it_finds_every_rules_module():
    names = {str(p.relative_to(ROOT)) for p in rules_modules()}
    assert {
        "server/care/rules.py",
        "server/care/resident_rules.py",
        "server/meds/rules.py",
        "server/stock/rules.py",
        "server/kitchen/rules.py",
        "server/hygiene/rules.py",
        "server/live/dashboard/rules.py",
    } <= names


@pytest.mark.parametrize("path", rules_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_rules_module_imports_no_models_and_does_no_io(path):
    assert impurities(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source, problem",
    [
        ("from server.meds.models import MedicationOrder\n", "imports server.meds.models"),
        ("def f():\n    from django.db import connection\n", "imports django.db"),
        ("import requests\n", "imports requests"),
        ("import os\n", "imports os"),
        ("def f(p):\n    return open(p).read()\n", "calls open()"),
        ("from datetime import datetime\nx = datetime.now()\n", "reads the clock (.now)"),
        ("from django.utils import timezone\n", "imports django.utils"),
    ],
)
def test_it_catches_what_makes_a_rule_impure(source, problem):
    assert any(problem in p for p in impurities(source))


def test_it_lets_a_rule_use_values_and_other_rules():
    source = (
        "from decimal import Decimal\nimport math\n"
        "from server.care.resident_rules import Move\nfrom sync.protocol import Stamp\n"
    )
    assert impurities(source) == []
