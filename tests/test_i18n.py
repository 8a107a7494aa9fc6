"""The Vietnamese catalogue is complete and compiled; the UI is Vietnamese by default, English on request.

The .po files are read with a small parser (no extra dependency); the .mo files are read with the standard
library's ``gettext`` so a stale compiled catalogue is caught.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

CAUNOI = Path(__file__).resolve().parent.parent / "caunoi"
LOCALE = CAUNOI / "locale"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return (header, entries) of a .po file; obsolete (#~) entries and comments are left out."""
    entries: list[Entry] = []
    flags: set[str] = set()
    previous = ""  # the last keyword read: msgctxt, msgid, msgid_plural or msgstr[n]
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            assert entries and previous, f"{path}:{lineno}: a string outside an entry"
            entry, text = entries[-1], _unquote(line)
            if previous.startswith("msgstr"):
                entry.msgstr[int(previous[7:-1])] += text
            else:
                setattr(entry, previous, getattr(entry, previous) + text)
            continue
        keyword, _, rest = line.partition(" ")
        text = _unquote(rest)
        if keyword == "msgctxt" or (keyword == "msgid" and previous != "msgctxt"):
            entries.append(Entry(msgid="", flags=flags, line=lineno))
            flags = set()
        entry = entries[-1]
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, text)
            previous = keyword
        elif re.fullmatch(r"msgstr(\[\d+\])?", keyword):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            entry.msgstr[index] = text
            previous = f"msgstr[{index}]"
        else:
            raise AssertionError(f"{path}:{lineno}: cannot read {raw!r}")
    header = entries.pop(0)
    assert header.msgid == "" and header.msgctxt is None, f"{path}: the first entry must be the header"
    return header, entries


def header_fields(header: Entry) -> dict[str, str]:
    pairs = (line.partition(":") for line in header.msgstr[0].splitlines() if line)
    return {k.strip(): v.strip() for k, _, v in pairs}


_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w*\}")


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text.replace("%%", "")))


def label(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid!r}"


def po_path(lang: str, locale: Path = LOCALE) -> Path:
    return locale / lang / "LC_MESSAGES" / "django.po"


def locale_dirs(root: Path = CAUNOI) -> list[Path]:
    """The project catalogue (``caunoi/locale``) and each app's own (``caunoi/<app>/locale``).

    makemessages writes a string into the catalogue nearest to the file that holds it, so an app's
    Python code and its ``templates/`` land in the app's catalogue.
    """
    return sorted(p for p in root.glob("**/locale") if p.is_dir() and "static" not in p.parts)


CATALOGUES = [pytest.param(d, id=str(d.relative_to(CAUNOI))) for d in locale_dirs()]


def check_vi_complete(path: Path) -> list[str]:
    """Everything wrong with a Vietnamese catalogue, as readable lines."""
    header, entries = parse_po(path)
    problems = []
    if "fuzzy" in header.flags:
        problems.append("the header is marked fuzzy")
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {label(entry)}")
        if sorted(entry.msgstr) != [0]:  # Vietnamese has one plural form (nplurals=1)
            problems.append(f"expected only msgstr[0], got forms {sorted(entry.msgstr)}: {label(entry)}")
        for form, text in entry.msgstr.items():
            if not text.strip():
                problems.append(f"untranslated: {label(entry)}")
                continue
            wanted = placeholders(entry.msgid if entry.msgid_plural is None else entry.msgid_plural)
            if entry.msgid_plural is not None:
                wanted = wanted | placeholders(entry.msgid)
            if placeholders(text) != wanted:
                problems.append(
                    f"placeholders {sorted(placeholders(text).elements())} in msgstr[{form}] "
                    f"≠ {sorted(wanted.elements())}: {label(entry)}"
                )
    return problems


BROKEN_PO = r"""# A catalogue with every mistake the checks look for.
#, fuzzy
msgid ""
msgstr ""
"Language: vi\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: a.py:1
msgid "Sign in"
msgstr "Đăng nhập"

#, fuzzy
msgid "Sign out"
msgstr "Đăng xuất"

msgid "Save"
msgstr ""

#, python-format
msgid "Hello %(name)s."
msgstr "Xin chào %(ten)s."

#, python-format
msgid "%(n)s unit"
msgid_plural "%(n)s units"
msgstr[0] "%(n)s đơn vị"
msgstr[1] "%(n)s đơn vị"

msgctxt "verb"
msgid "Record"
msgstr ""
"Ghi "
"nhận"
"""


def test_it_reports_every_kind_of_catalogue_mistake(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(BROKEN_PO, encoding="utf-8")
    header, entries = parse_po(path)
    assert header_fields(header)["Language"] == "vi"
    assert [(e.msgctxt, e.msgid, e.msgid_plural) for e in entries] == [
        (None, "Sign in", None),
        (None, "Sign out", None),
        (None, "Save", None),
        (None, "Hello %(name)s.", None),
        (None, "%(n)s unit", "%(n)s units"),
        ("verb", "Record", None),
    ]
    assert entries[-1].msgstr == {0: "Ghi nhận"}
    problems = check_vi_complete(path)
    assert problems[0] == "the header is marked fuzzy"
    assert [p.split(":")[0] for p in problems[1:]] == [
        "fuzzy",
        "untranslated",
        "placeholders ['%(ten)s'] in msgstr[0] ≠ ['%(name)s']",
        "expected only msgstr[0], got forms [0, 1]",
    ]


def test_it_finds_the_project_catalogue_and_the_apps_own():
    names = {str(d.relative_to(CAUNOI)) for d in locale_dirs()}
    assert {"locale", "campaigns/locale", "inbox/locale"} <= names


@pytest.mark.parametrize("locale", CATALOGUES)
def test_it_has_a_vietnamese_header_with_one_plural_form(locale):
    header, _ = parse_po(po_path("vi", locale))
    fields = header_fields(header)
    assert "fuzzy" not in header.flags
    assert fields["Language"] == "vi"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"


def test_it_reads_the_whole_project_catalogue():
    _, entries = parse_po(po_path("vi"))
    assert len(entries) > 250  # the foundation alone has ~300 strings: a parse that finds few is broken


@pytest.mark.parametrize("locale", CATALOGUES)
def test_it_translates_every_vietnamese_msgid_without_fuzzy_entries_and_with_the_same_placeholders(locale):
    assert check_vi_complete(po_path("vi", locale)) == []


@pytest.mark.parametrize("locale", CATALOGUES)
def test_it_keeps_the_english_catalogue_as_the_untranslated_source(locale):
    header, entries = parse_po(po_path("en", locale))
    fields = header_fields(header)
    assert "fuzzy" not in header.flags
    assert fields["Language"] == "en"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [e for e in entries if any(e.msgstr.values())] == []
    _, vi_entries = parse_po(po_path("vi", locale))
    assert {(e.msgctxt, e.msgid) for e in entries} == {(e.msgctxt, e.msgid) for e in vi_entries}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("locale", CATALOGUES)
def test_it_ships_compiled_catalogues_that_match_the_po_files(locale, lang):
    mo = po_path(lang, locale).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    with mo.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in parse_po(po_path(lang, locale))[1]:
        if "fuzzy" in entry.flags or not any(entry.msgstr.values()):
            continue
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, n): text for n, text in entry.msgstr.items()})
    compiled = {k: v for k, v in catalog.items() if k != ""}
    assert compiled == expected, f"{mo} is stale: run `make messages`"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_it_has_a_translation_for_every_string_in_the_source(tmp_path):
    """makemessages on a copy of the source: a string added without a translation shows up here."""
    copy = tmp_path / "caunoi"
    shutil.copytree(CAUNOI, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    django_admin = [sys.executable, "-m", "django"]
    subprocess.run(
        [*django_admin, "makemessages", "-l", "vi", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    for locale in locale_dirs():
        where = locale.relative_to(CAUNOI)
        refreshed = po_path("vi", copy / where)
        before = {(e.msgctxt, e.msgid) for e in parse_po(po_path("vi", locale))[1]}
        after = {(e.msgctxt, e.msgid) for e in parse_po(refreshed)[1]}
        assert sorted(before - after, key=str) == [], f"{where}: strings gone from the source"
        assert check_vi_complete(refreshed) == [], f"{where}: strings to translate"


def test_it_translates_through_django_gettext():
    with translation.override("vi"):
        assert translation.gettext("Dashboard") == "Tổng quan"
        assert translation.ngettext("%(n)s unit", "%(n)s units", 3) % {"n": 3} == "3 đơn vị"
    with translation.override("en"):
        assert translation.gettext("Dashboard") == "Dashboard"
        assert translation.ngettext("%(n)s unit", "%(n)s units", 3) % {"n": 3} == "3 units"


@pytest.mark.django_db
def test_it_shows_the_login_page_in_vietnamese_for_a_vietnamese_browser(client):
    response = client.get(reverse("accounts:login"), headers={"accept-language": "vi"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi"' in page
    assert "<h1>Đăng nhập</h1>" in page
    assert "Sign in" not in page


@pytest.mark.django_db
def test_it_shows_vietnamese_when_the_browser_asks_for_nothing_we_have(client):
    response = client.get(reverse("accounts:login"), headers={"accept-language": "fr"})
    assert "<h1>Đăng nhập</h1>" in response.content.decode()


@pytest.mark.django_db
def test_it_shows_the_login_page_in_english_once_english_is_chosen(client):
    login_url = reverse("accounts:login")
    chosen = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert chosen.status_code == 302
    assert chosen["Location"] == login_url

    response = client.get(login_url, headers={"accept-language": "vi"})
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert "<h1>Sign in</h1>" in page
    assert "Đăng nhập" not in page
