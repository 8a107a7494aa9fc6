"""Logging filters: secrets a provider puts in a URL never reach a log line.

httpx logs every request as ``HTTP Request: POST <url> "HTTP/1.1 200 OK"`` at INFO. Some SMS gateways
take their API key in the query string or a password in the URL (``https://user:pass@host/send?key=…``),
so the URL is logged with its user information and query values masked.
"""

from __future__ import annotations

import logging
import re

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s@\"']+@", re.IGNORECASE)
_QUERY_VALUE = re.compile(r"(?P<key>[?&][^=&\s\"'#]+=)[^&\s\"'#]+")


def redact_url_secrets(text: str) -> str:
    """``text`` with every URL's ``user:password@`` and query-string values replaced by ``***``."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _QUERY_VALUE.sub(r"\g<key>***", text)


class RedactUrlSecrets(logging.Filter):
    """Attached to the ``httpx`` logger (settings.LOGGING), whatever handler or level is in use."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_url_secrets(record.getMessage())
        record.args = ()
        return True
