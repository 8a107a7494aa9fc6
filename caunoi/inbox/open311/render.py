"""GeoReport v2 documents as JSON or XML, and the spec's own error format.

Views build plain structures (dicts, lists, strings, numbers, booleans, None); this module writes them
in the format the URL asked for. XML follows the spec's element names: a list under ``services`` holds
``service`` elements, ``attributes`` holds ``attribute`` and so on.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The element each list item gets, by the name of the list (GeoReport v2 XML).
ITEM = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(element: ET.Element, value: Any, name: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM.get(name, "item")), item, ITEM.get(name, "item"))
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value, root)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )


def respond(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` as JSON (as is) or XML (under ``root``), with the spec's content types."""
    body = to_xml(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=FORMATS[fmt])
    response["Access-Control-Allow-Origin"] = "*"  # public data; browser apps read it directly
    return response


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """GeoReport errors: ``[{"code": 400, "description": "…"}]`` or ``<errors><error>…</error></errors>``."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
