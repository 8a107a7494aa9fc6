"""The request and reply the emulator's handlers see: plain values, so handlers need no HTTP server."""

from __future__ import annotations

import email.policy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        """The JSON body; ValueError when it is not JSON."""
        return json.loads(self.body or b"{}")

    def data_param(self) -> Any:
        """Zalo's GET convention: every parameter inside one JSON string in ``?data=``."""
        return json.loads(self.query.get("data") or "{}")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def files(self) -> dict[str, Upload]:
        """The parts of a multipart/form-data body that carry a file, by field name."""
        content_type = self.header("content-type")
        if not content_type.startswith("multipart/form-data"):
            return {}
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=email.policy.HTTP).parsebytes(head + self.body)
        found = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            if isinstance(name, str) and filename is not None:
                payload = part.get_payload(decode=True)
                content = payload if isinstance(payload, bytes) else b""
                found[name] = Upload(filename, part.get_content_type(), content)
        return found


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_reply(value: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status=status, body=dumps(value), headers=headers or {})


def html_reply(text: str, *, status: int = 200) -> Reply:
    return Reply(status=status, body=text.encode(), content_type="text/html; charset=utf-8")


def redirect(location: str) -> Reply:
    return Reply(status=302, content_type="text/plain", headers={"Location": location})
