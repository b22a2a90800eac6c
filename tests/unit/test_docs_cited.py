"""The repository explains itself: code, tests, benchmarks and docs cite only documents that
are in it. A reader who takes the project over has the repository and nothing else, so a
citation of a design note kept elsewhere is a dead end (the project's own are in docs/).
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()
SKIP_DIRS = {".git", ".venv", "var", "node_modules", ".work", "__pycache__", ".mypy_cache"}

# Names of design notes that lived outside the repository, and the folder that held them.
OUTSIDE = re.compile(
    r"\.\./shared|/work/shared|\bseeds? 0\d\d\b|\b(DESIGN|RULES|STYLE|PITFALLS|UX|DOMAIN)\b"
)
DOC_PATH = re.compile(r"\bdocs/[\w-]+\.md\b")
BARE_MD = re.compile(r"(?<![\w/.-])[\w-]+\.md\b")
SECTION = re.compile(r'(docs/[\w-]+\.md)`?(?:,? "([^"]+)"| §(\d+))')


@cache
def files() -> list[Path]:
    """The project's text files: what git tracks or would track, else a walk of the tree."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        paths = [ROOT / line for line in out]
    except (OSError, subprocess.CalledProcessError):
        paths = [p for p in ROOT.rglob("*") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]
    return [p for p in paths if p.is_file() and p.resolve() != THIS and _text(p) is not None]


@cache
def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def lines() -> list[tuple[str, int, str]]:
    return [
        (str(p.relative_to(ROOT)), n, line)
        for p in files()
        for n, line in enumerate(_text(p).splitlines(), 1)  # type: ignore[union-attr]
    ]


def headings(doc: str) -> list[str]:
    return [line for line in (_text(ROOT / doc) or "").splitlines() if line.startswith("#")]


def test_it_cites_no_design_note_kept_outside_the_repository():
    found = [f"{f}:{n}: {line.strip()}" for f, n, line in lines() if OUTSIDE.search(line)]
    assert found == [], "cite docs/*.md instead:\n" + "\n".join(found)


def test_it_cites_only_docs_that_exist():
    names = {p.name for p in files() if p.suffix == ".md"}
    missing = [
        f"{f}:{n}: {cited}"
        for f, n, line in lines()
        for cited in DOC_PATH.findall(line) + BARE_MD.findall(line)
        if not ((ROOT / cited).is_file() if cited.startswith("docs/") else cited in names)
    ]
    assert missing == [], "\n".join(missing)


def test_it_cites_sections_that_exist():
    missing = []
    for f, n, line in lines():
        for doc, title, number in SECTION.findall(line):
            heads = headings(doc)
            if title and not any(title in h for h in heads):
                missing.append(f'{f}:{n}: {doc} has no section "{title}"')
            if number and not any(re.match(rf"#+ {number}\.", h) for h in heads):
                missing.append(f"{f}:{n}: {doc} has no section {number}")
    assert missing == [], "\n".join(missing)


def test_it_names_the_document_of_every_section_sign_in_code():
    # "§4" alone in code points nowhere; docs/ files may refer to their own sections.
    bare = [
        f"{f}:{n}: {line.strip()}"
        for f, n, line in lines()
        if "§" in line and not f.endswith(".md") and not DOC_PATH.search(line)
    ]
    assert bare == [], "\n".join(bare)
