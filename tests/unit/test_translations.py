"""Every message the server can show exists in both languages (deploy/README.md, "Languages").

The code's messages are found by walking it (`gettext` / `gettext_lazy` / `_` calls in Python,
`{% translate %}` / `{% blocktranslate %}` in templates); a new string wrapped but not added to
both catalogues, an English msgstr left empty, or a placeholder lost in translation fails here.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import io
import re

import pytest
from django.utils import translation

from server.catalogues import (
    LANGS,
    ROOT,
    Entry,
    default_header,
    mo_bytes,
    po_path,
    python_messages,
    read_po,
    source_messages,
    template_messages,
    update,
    write_po,
)

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def catalogue(lang: str) -> dict[str, str]:
    return {e.msgid: e.msgstr for e in read_po(po_path(lang))[1]}


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_a_catalogue_is_translated(lang):
    empty = [msgid for msgid, msgstr in catalogue(lang).items() if not msgstr.strip()]
    assert not empty, f"{po_path(lang)}: no msgstr for {empty}"


def test_both_catalogues_hold_the_same_messages():
    vi, en = set(catalogue("vi")), set(catalogue("en"))
    assert vi - en == set() and en - vi == set()


def test_the_vietnamese_catalogue_is_the_messages_themselves():
    changed = {k: v for k, v in catalogue("vi").items() if k != v}
    assert not changed  # the msgids are the product's Vietnamese


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_code_is_in_the_catalogue(lang):
    known = catalogue(lang)
    missing = sorted({f"{f.where}: {f.msgid!r}" for f in source_messages() if f.msgid not in known})
    assert not missing, (
        "not in the catalogue (python -m server.catalogues update, then fill the English): "
        + "\n".join(missing)
    )


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_catalogue_is_still_in_the_code(lang):
    said = {f.msgid for f in source_messages()}
    dead = sorted(set(catalogue(lang)) - said)
    assert not dead, "no longer in the code (python -m server.catalogues update): " + "\n".join(
        map(repr, dead)
    )


def test_update_adds_new_messages_keeps_translations_and_drops_dead_ones(tmp_path):
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "m.py").write_text("_('còn dùng')\n_('mới thêm')\n")
    locale = tmp_path / "locale"
    for lang, text in (("vi", "còn dùng"), ("en", "still used")):
        path = po_path(lang, locale)
        path.parent.mkdir(parents=True)
        write_po(
            path,
            default_header(lang),
            [
                Entry("còn dùng", text, []),
                Entry("đã bỏ", "dropped" if lang == "en" else "đã bỏ", []),
            ],
        )
    assert update(tmp_path, locale) == {"vi": (1, 1), "en": (1, 1)}
    en = {e.msgid: e.msgstr for e in read_po(po_path("en", locale))[1]}
    assert en == {"còn dùng": "still used", "mới thêm": ""}  # the new one waits for a person
    vi = {e.msgid: e.msgstr for e in read_po(po_path("vi", locale))[1]}
    assert vi == {"còn dùng": "còn dùng", "mới thêm": "mới thêm"}


def test_every_marked_message_is_a_literal():
    built = [f.where for f in source_messages() if f.msgid is None]
    assert not built, f"write _('… %(name)s …') % {{...}}, not an f-string or a variable: {built}"


def test_english_keeps_the_placeholders():
    lost = {
        msgid: msgstr
        for msgid, msgstr in catalogue("en").items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    }
    assert not lost


def test_the_walk_finds_python_calls_and_template_tags(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from django.utils.translation import gettext as _, gettext_lazy\n"
        "A = gettext_lazy('một')\n"
        "def f(x):\n"
        "    return _('hai %(n)s') % {'n': x}, _(f'ba {x}'), translation.gettext('bốn')\n"
    )
    found = [f.msgid for f in python_messages(source, "m.py")]
    assert sorted(found, key=str) == sorted(["một", "hai %(n)s", None, "bốn"], key=str)

    html = (
        "{% load i18n %}{% translate \"năm\" %} {% translate 'sáu' as six %} {% translate name %}"
        "{% blocktranslate with n=x %}bảy {{ n }} 100%{% endblocktranslate %}"
        "{% blocktranslate trimmed %}\n  tám\n  chín\n{% endblocktranslate %}"
    )
    found = [f.msgid for f in template_messages(html, "t.html")]
    assert found == ["năm", "sáu", None, "bảy %(n)s 100%%", "tám chín"]


def test_a_compiled_catalogue_reads_back_through_python_gettext(tmp_path):
    entries = [
        Entry("Xin chào", "Hello", []),
        Entry("Chưa dịch", "", []),
        Entry("a\nb", "c\nd", []),
    ]
    po = tmp_path / "django.po"
    write_po(po, "Content-Type: text/plain; charset=UTF-8\n", entries)
    header, back = read_po(po)
    assert back == entries
    compiled = stdlib_gettext.GNUTranslations(io.BytesIO(mo_bytes(header, back)))
    assert compiled.gettext("Xin chào") == "Hello"
    assert compiled.gettext("Chưa dịch") == "Chưa dịch"  # falls back to the msgid
    assert compiled.gettext("a\nb") == "c\nd"


def test_django_reads_the_compiled_catalogues():
    # ./dev compiles them before the tests; an install or the image does the same.
    with translation.override("en"):
        assert translation.gettext("Không tìm thấy thiết bị.") == "Device not found."
    with translation.override("vi"):
        assert translation.gettext("Không tìm thấy thiết bị.") == "Không tìm thấy thiết bị."


# Where a message reaches a person: a Vietnamese literal handed straight to one of these was
# forgotten by `_()` (the papers, the demo data and stored values go elsewhere).
MESSAGE_SINKS = frozenset(
    {
        "Rejected",
        "Refusal",
        "DetailsProblem",
        "Problem",
        "AuthError",
        "SyncError",
        "ViewRefused",
        "Decision",
        "EventResult",
        "error",
        "open_conflict",
        "add_error",
        "ValidationError",
        "PermissionDenied",
        "message_user",
    }
)


def _unwrapped(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and not node.value.isascii()
    if isinstance(node, ast.JoinedStr | ast.BinOp | ast.IfExp):
        return any(_unwrapped(child) for child in ast.iter_child_nodes(node))
    return False


def test_no_message_reaches_a_person_unwrapped():
    forgotten = []
    for path in sorted([*ROOT.glob("server/**/*.py"), *ROOT.glob("sync/**/*.py")]):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name in MESSAGE_SINKS and any(
                _unwrapped(arg) for arg in [*node.args, *(k.value for k in node.keywords)]
            ):
                forgotten.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not forgotten, f"wrap these messages in _(): {forgotten}"
