"""The English catalogue: complete, compiled, used by the language switch, and in step with the code.

The UI is written in Vietnamese (the msgids); locale/en/LC_MESSAGES/django.po translates every string and
the committed django.mo is what Django loads (`make run` needs no gettext tools)."""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)] if self.msgid_plural else [self.msgstr]


def parse_po(text: str) -> list[Entry]:
    """The active entries of a PO file (header and obsolete `#~` entries left out), standard library only."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def flush() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if started and target is not None and target[0] == "msgstr":
                flush()
            current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                flush()
            continue
        if line.startswith('"'):
            assert target is not None, f"django.po:{number}: continuation line outside an entry"
            _append(current, target, ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and started and target is not None and target[0] == "msgstr":
            flush()
        value = ast.literal_eval(rest.strip())
        if keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[len("msgstr[") : -1]))
            current.msgstr_plural[target[1]] = ""
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            target = (keyword, None)
            if keyword == "msgctxt":
                current.msgctxt = ""
            elif keyword == "msgid_plural":
                current.msgid_plural = ""
        else:
            raise AssertionError(f"django.po:{number}: unexpected line {raw!r}")
        if not started:
            current.line = number
        started = True
        _append(current, target, value)
    flush()
    return [e for e in entries if e.msgid or e.msgctxt is not None]


def _append(entry: Entry, target: tuple[str, int | None], value: str) -> None:
    name, index = target
    if index is not None:
        entry.msgstr_plural[index] += value
    elif name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + value
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + value
    else:
        setattr(entry, name, getattr(entry, name) + value)


def header(text: str) -> str:
    """The msgstr of the header entry (msgid "")."""
    start = text.index('msgid ""\nmsgstr ""')
    block = text[start:].split("\n\n", 1)[0]
    return "".join(ast.literal_eval(line) for line in block.splitlines()[2:])


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(PO.read_text(encoding="utf-8"))


# --- (a) complete ------------------------------------------------------------------------------


def test_catalogue_is_complete_and_not_fuzzy(catalogue: list[Entry]) -> None:
    assert len(catalogue) > 100, "the English catalogue looks truncated"
    empty = [f"django.po:{e.line}: {e.msgid!r}" for e in catalogue if not all(s.strip() for s in e.translations)]
    fuzzy = [f"django.po:{e.line}: {e.msgid!r}" for e in catalogue if "fuzzy" in e.flags]
    assert not empty, "untranslated entries:\n" + "\n".join(empty)
    assert not fuzzy, "fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    keys = [e.key for e in catalogue]
    assert len(keys) == len(set(keys)), "duplicate msgids"


def test_header_is_not_fuzzy_and_declares_english_utf8() -> None:
    text = PO.read_text(encoding="utf-8")
    head = text[: text.index('msgid ""')]
    assert "#, fuzzy" not in head, "a fuzzy header makes msgfmt and Django skip the metadata"
    meta = header(text)
    assert "Language: en\n" in meta
    assert "charset=UTF-8" in meta
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in meta


def test_placeholders_are_kept(catalogue: list[Entry]) -> None:
    placeholder = re.compile(r"%(?:\([^)]+\))?[sd]")
    tag = re.compile(r"<[^>]+>")
    wrong = []
    for e in catalogue:
        want = sorted(placeholder.findall(e.msgid))
        want_tags = sorted(tag.findall(e.msgid))
        for text in e.translations:
            if sorted(placeholder.findall(text)) != want or sorted(tag.findall(text)) != want_tags:
                wrong.append(f"django.po:{e.line}: {e.msgid!r} → {text!r}")
    assert not wrong, "placeholders or HTML changed in translation:\n" + "\n".join(wrong)


# --- (b) the committed .mo is the compiled .po ----------------------------------------------------


def test_mo_matches_po(catalogue: list[Entry]) -> None:
    assert MO.exists(), "run `make messages` (compilemessages) and commit locale/en/LC_MESSAGES/django.mo"
    with MO.open("rb") as fp:
        mo = gettext.GNUTranslations(fp)
    stale = []
    for e in catalogue:
        if e.msgid_plural is not None:
            got = [
                mo.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                if e.msgctxt is not None
                else mo.ngettext(e.msgid, e.msgid_plural, n)
                for n in (1, 2)
            ]
            want = [e.msgstr_plural[0], e.msgstr_plural[1]]
        else:
            got = [mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt is not None else mo.gettext(e.msgid)]
            want = [e.msgstr]
        if got != want:
            stale.append(f"django.po:{e.line}: {e.msgid!r}: .mo has {got!r}, .po has {want!r}")
    # Every message of the .mo is in the .po (nothing left over from an older catalogue).
    catalog: dict[Any, str] = mo._catalog  # type: ignore[attr-defined]
    po_ids = {e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}" for e in catalogue}
    mo_ids = {k[0] if isinstance(k, tuple) else k for k in catalog} - {""}
    extra = sorted(mo_ids - po_ids)
    assert not stale, "django.mo is older than django.po; run compilemessages:\n" + "\n".join(stale)
    assert not extra, f"django.mo has messages that django.po no longer has; run compilemessages: {extra}"


# --- (c) the language switch -------------------------------------------------------------------


def test_vietnamese_by_default_and_english_after_switching(make_user: Callable[..., Any]) -> None:
    user = make_user("health_officer")
    client = Client()
    client.force_login(user)

    page = client.get("/").content.decode()
    assert '<html lang="vi">' in page
    assert 'data-area="people">Người</a>' in page
    assert "Tổng quan" in page
    assert "Cán bộ y tế" in page  # the role label (TextChoices)
    assert 'data-area="people">People</a>' not in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert 'data-area="people">People</a>' in page
    assert 'data-area="people">Người</a>' not in page
    assert "Overview" in page
    assert "Health officer" in page
    assert "Log out" in page

    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert 'data-area="people">Người</a>' in client.get("/").content.decode()


def test_login_page_switches_to_english_before_logging_in(db: Any) -> None:
    client = Client()
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Đăng nhập" not in page


# --- (d) the catalogue holds every string of the code --------------------------------------------


def _gettext_available() -> bool:
    if shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msguniq"):
        return True
    if os.environ.get("CHIHUY_REQUIRE_GETTEXT") == "1":
        pytest.fail("CHIHUY_REQUIRE_GETTEXT=1 but the gettext tools (xgettext, msgmerge) are not installed")
    return False


def test_catalogue_is_up_to_date_with_the_code(tmp_path: Path, catalogue: list[Entry]) -> None:
    if not _gettext_available():
        pytest.skip("gettext tools (xgettext) not installed; set CHIHUY_REQUIRE_GETTEXT=1 to make this an error")
    work = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for tree in ("chihuy", "config", "locale"):
        shutil.copytree(ROOT / tree, work / tree, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", work / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--ignore", ".venv/*", "--ignore", "var/*"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    regenerated = parse_po((work / PO.relative_to(ROOT)).read_text(encoding="utf-8"))

    # Entries for strings the code no longer has are harmless (makemessages marks them obsolete, #~); only
    # strings missing from the committed catalogue, or left untranslated, fail.
    committed = {e.key for e in catalogue}
    current = {e.key for e in regenerated}
    new = sorted(msgid for _ctx, msgid in current - committed)
    untranslated = sorted(
        e.msgid for e in regenerated if "fuzzy" in e.flags or not all(s.strip() for s in e.translations)
    )
    fix = "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po, commit .po and .mo"
    assert not new, f"strings in the code that the catalogue lacks ({fix}):\n" + "\n".join(new)
    assert not untranslated, f"untranslated or fuzzy after makemessages ({fix}):\n" + "\n".join(untranslated)
