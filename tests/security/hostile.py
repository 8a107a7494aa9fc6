"""The hostile-input corpora (tests/security/corpora/) and the forms of a page, read from its HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

CORPORA = Path(__file__).parent / "corpora"
KINDS = ("xss", "sqli", "traversal", "oversized")


def corpus(kind: str) -> list[str]:
    """One payload per line; ``oversized`` lines are ``<times> <text>`` and are expanded."""
    lines = [
        line
        for line in (CORPORA / f"{kind}.txt").read_text(encoding="utf-8").split("\n")
        if line and not line.startswith("#")
    ]
    if kind != "oversized":
        return lines
    payloads = []
    for line in lines:
        times, _space, text = line.partition(" ")
        payloads.append(text * int(times))
    return payloads


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (tag/type, name, value)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name → option values

    def data(self, payload: str, *, skip: frozenset[str] = frozenset()) -> dict[str, list[str]]:
        """The form filled by a hostile user: every field a person types into gets ``payload``; hidden
        fields keep what the page gave, choices take the first offered value, boxes are ticked."""
        out: dict[str, list[str]] = {}
        for kind, name, value in self.fields:
            if not name or name in skip:
                continue
            if kind in ("hidden", "submit", "button"):
                if value:
                    out.setdefault(name, []).append(value)
            elif kind in ("checkbox", "radio"):
                if kind == "radio" and name in out:
                    continue
                out.setdefault(name, []).append(value or "on")
            elif kind == "select":
                choices = [v for v in self.options.get(name, []) if v]
                if choices:
                    out[name] = [choices[0]]
            elif kind == "file":
                continue
            else:
                out[name] = [payload]
        return out

    @property
    def has_file(self) -> bool:
        return any(kind == "file" for kind, _name, _value in self.fields)


class _FormParser(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(
                action=urljoin(self.base, a.get("action") or self.base),
                method=(a.get("method") or "get").lower(),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            self._form.fields.append((a.get("type", "text").lower(), a.get("name", ""), a.get("value", "")))
        elif tag == "textarea":
            self._form.fields.append(("textarea", a.get("name", ""), ""))
        elif tag == "select":
            self._select = a.get("name", "")
            self._form.fields.append(("select", self._select, ""))
            self._form.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._form.options[self._select].append(a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self._form.fields.append(("button", a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, base: str) -> list[Form]:
    parser = _FormParser(base)
    parser.feed(html)
    return parser.forms


class _LiveScriptFinder(HTMLParser):
    """Markup a browser would run: a script, an event handler or a ``javascript:`` link carrying a payload."""

    URL_ATTRS = ("href", "src", "action", "formaction", "data", "srcdoc")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            handler = name.startswith("on") and "__xss" in value
            script_url = name in self.URL_ATTRS and (
                value.strip().lower().startswith("javascript:") or (name == "srcdoc" and "__xss" in value)
            )
            if handler or script_url:
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "__xss" in data:
            self.found.append(f"<script>{data[:40]}")


def live_scripts(html: str) -> list[str]:
    finder = _LiveScriptFinder()
    finder.feed(html)
    return finder.found
