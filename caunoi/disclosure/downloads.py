"""Serving an attached document safely, for the public board and for staff alike.

Always a download (``Content-Disposition: attachment``) with the type we sniffed, ``nosniff``, and a
CSP that forbids everything, so even a file that fooled the checks cannot run as a page of our site.
"""

from __future__ import annotations

from django.http import FileResponse, HttpResponseBase

from caunoi.core.errors import NotFound
from caunoi.disclosure import files
from caunoi.disclosure.models import Attachment


def attachment_response(attachment: Attachment) -> HttpResponseBase:
    path = files.storage_path(attachment.stored_name)
    if not path.is_file():
        raise NotFound()
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.mime
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
