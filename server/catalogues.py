"""The translation catalogues: read and write `locale/<lang>/LC_MESSAGES/django.po`, compile
them to the `.mo` files Django loads, and find every message the code marks for translation.

The standard library only (the source walk asks Django's template lexer): GNU gettext is not
needed on a developer's machine, in the image or on a server, so `./dev`, the Dockerfile and
an install compile the catalogues with the project's own Python (deploy/README.md,
"Languages").

    python -m server.catalogues compile   every django.po -> django.mo (a build product)
    python -m server.catalogues update    add the code's new messages, drop those it no longer says
"""

from __future__ import annotations

import ast
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGS = ("vi", "en")
# Where translatable text lives: the Django project and the sync engine (Python), and the
# server's templates. The papers (server/reports) keep their own Vietnamese on purpose.
SOURCE_DIRS = ("server", "sync")
# The names a translatable message is called through (`_` is gettext or gettext_lazy).
GETTEXT_NAMES = frozenset({"_", "gettext", "gettext_lazy", "gettext_noop"})
PLURAL_FORMS = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}


def po_path(lang: str, locale: Path = LOCALE) -> Path:
    return locale / lang / "LC_MESSAGES" / "django.po"


# ---- .po files -------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body[1:-1])


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    parts = [f"{line}\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


@dataclass
class Entry:
    msgid: str
    msgstr: str
    comments: list[str]


def read_po(path: Path) -> tuple[str, list[Entry]]:
    """The catalogue's header (the msgstr of the empty msgid) and its entries, in file order.
    Plurals and contexts are not used by this project, so they are refused, not guessed."""
    header, entries = "", []
    comments: list[str] = []
    field, values = "", {"msgid": "", "msgstr": ""}

    def flush() -> None:
        nonlocal header, comments, field
        if field:
            if values["msgid"]:
                entries.append(Entry(values["msgid"], values["msgstr"], comments))
            else:
                header = values["msgstr"]
            comments, field = [], ""
            values.update(msgid="", msgstr="")

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            if field == "msgstr":
                flush()
            comments.append(raw)
        elif line.startswith(("msgid ", "msgstr ")):
            keyword, _, rest = line.partition(" ")
            if keyword == "msgid":
                flush()
            field = keyword
            values[field] = _unquote(rest)
        elif line.startswith('"') and field:
            values[field] += _unquote(line)
        else:
            raise ValueError(f"{path}:{number}: unsupported line {raw!r}")
    flush()
    return header, entries


def write_po(path: Path, header: str, entries: list[Entry]) -> None:
    blocks = [f'msgid ""\nmsgstr {_quote(header)}']
    for entry in entries:
        lines = [*entry.comments, f"msgid {_quote(entry.msgid)}", f"msgstr {_quote(entry.msgstr)}"]
        blocks.append("\n".join(lines))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def default_header(lang: str) -> str:
    return (
        "Project-Id-Version: ca-truc\n"
        f"Language: {lang}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {PLURAL_FORMS[lang]}\n"
    )


# ---- .mo files -------------------------------------------------------------------------


def mo_bytes(header: str, entries: list[Entry]) -> bytes:
    """GNU's binary catalogue (what msgfmt writes), without the optional hash table: Python's
    gettext, and so Django, reads only the two sorted string tables. Untranslated entries are
    left out, as msgfmt does, so the message falls back to its msgid."""
    pairs = sorted(
        [(b"", header.encode())]
        + [(e.msgid.encode(), e.msgstr.encode()) for e in entries if e.msgstr]
    )
    count = len(pairs)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    tables, data = [b"", b""], bytearray()
    for column in (0, 1):
        for pair in pairs:
            text = pair[column]
            tables[column] += struct.pack("<2I", len(text), data_at + len(data))
            data += text + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
    return head + tables[0] + tables[1] + bytes(data)


def compile_all(locale: Path = LOCALE) -> list[Path]:
    written = []
    for po in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        body = mo_bytes(*read_po(po))
        if not mo.exists() or mo.read_bytes() != body:
            mo.write_bytes(body)
        written.append(mo)
    return written


# ---- the messages in the code ----------------------------------------------------------


@dataclass(frozen=True)
class Found:
    msgid: str | None  # None: the call's argument is not a string literal
    where: str


def python_messages(path: Path, label: str) -> list[Found]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in GETTEXT_NAMES:
            continue
        first = node.args[0] if node.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        msgid = first.value if literal else None  # type: ignore[union-attr]
        found.append(Found(msgid, f"{label}:{node.lineno}"))
    return found


def template_messages(text: str, label: str) -> list[Found]:
    """What `{% translate %}` and `{% blocktranslate %}` ask for, with the msgid Django looks
    up: variables become `%(name)s`, a literal % doubles, `trimmed` folds the whitespace."""
    from django.template.base import Lexer, TokenType
    from django.utils.text import smart_split
    from django.utils.translation import trim_whitespace

    found: list[Found] = []
    block: list[str] | None = None
    trimmed = False
    for token in Lexer(text).tokenize():
        where = f"{label}:{token.lineno}"
        if block is not None:
            if token.token_type == TokenType.BLOCK:
                if token.contents.split()[0] not in {"endblocktranslate", "endblocktrans"}:
                    found.append(Found(None, where))
                msgid = "".join(block)
                found.append(Found(trim_whitespace(msgid) if trimmed else msgid, where))
                block = None
            elif token.token_type == TokenType.VAR:
                block.append(f"%({token.contents.split('|')[0].strip()})s")
            elif token.token_type == TokenType.TEXT:
                block.append(token.contents.replace("%", "%%"))
            continue
        if token.token_type != TokenType.BLOCK:
            continue
        bits = list(smart_split(token.contents))
        if bits[0] in {"translate", "trans"}:
            value = bits[1] if len(bits) > 1 else ""
            quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
            plain = quoted and "context" not in bits
            found.append(Found(value[1:-1] if plain else None, where))
        elif bits[0] in {"blocktranslate", "blocktrans"}:
            if {"count", "context", "plural"} & set(bits):
                found.append(Found(None, where))
            block, trimmed = [], "trimmed" in bits
    return found


def source_messages(root: Path = ROOT) -> list[Found]:
    found: list[Found] = []
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            label = str(path.relative_to(root))
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py":
                found += python_messages(path, label)
            elif path.suffix == ".html":
                found += template_messages(path.read_text(encoding="utf-8"), label)
    return found


def update(root: Path = ROOT, locale: Path = LOCALE) -> dict[str, tuple[int, int]]:
    """Bring every catalogue in step with the code: add each message it lacks (Vietnamese,
    the msgids' language, with itself; English empty, for a person to fill in: the test names
    each) and drop each message the code no longer says, so a translator never works on
    dead text. Answers (added, dropped) per language."""
    wanted: dict[str, str] = {}
    for item in source_messages(root):
        if item.msgid is not None:
            wanted.setdefault(item.msgid, item.where)
    counts = {}
    for lang in LANGS:
        path = po_path(lang, locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        header, entries = read_po(path) if path.exists() else (default_header(lang), [])
        kept = [e for e in entries if e.msgid in wanted]
        known = {e.msgid for e in kept}
        new = [
            Entry(msgid, msgid if lang == "vi" else "", [f"#: {where}"])
            for msgid, where in wanted.items()
            if msgid not in known
        ]
        write_po(path, header, kept + new)
        counts[lang] = (len(new), len(entries) - len(kept))
    return counts


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "compile":
        for mo in compile_all():
            print(f"→ {mo.relative_to(ROOT)}")
        return 0
    if command == "update":
        for lang, (added, dropped) in update().items():
            print(
                f"{po_path(lang).relative_to(ROOT)}: {added} new, {dropped} no longer in the code"
            )
        return 0
    print("usage: python -m server.catalogues compile | update", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
