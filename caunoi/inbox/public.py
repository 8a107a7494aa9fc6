"""Theo dõi công khai: the tracking link every citizen gets, and the signed link to rate or reopen.

The reference code alone shows the public page (status, responsible unit, deadline, published
answer — nothing personal). Rating and reopening need the signed token sent only to the citizen; it
names the answer it was issued for, so a new answer needs a new link.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from caunoi.inbox.models import Petition

SALT = "caunoi.inbox.citizen-feedback"


def citizen_token(petition: Petition) -> str:
    answered = petition.answered_at.isoformat() if petition.answered_at else ""
    return signing.dumps({"p": petition.pk, "a": answered}, salt=SALT, compress=True)


def token_valid(petition: Petition, token: str) -> bool:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return False
    answered = petition.answered_at.isoformat() if petition.answered_at else ""
    return isinstance(data, dict) and data.get("p") == petition.pk and data.get("a") == answered


def tracking_url(petition: Petition, *, signed: bool = False) -> str:
    base = str(settings.CAUNOI_PUBLIC_URL).rstrip("/")
    path = reverse("track:petition", args=[petition.reference])
    if signed:
        path = reverse("track:feedback", args=[petition.reference, citizen_token(petition)])
    return f"{base}{path}"
