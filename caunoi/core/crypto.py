"""Secrets at rest (Zalo tokens and the like): Fernet, with keys that can be rotated.

``CAUNOI_ENCRYPTION_KEYS`` holds one or more comma-separated keys (the first encrypts, all decrypt),
so a key is rotated by putting the new one first and re-saving. Without it, a key is derived from
``SECRET_KEY``: good enough for the demo, but then rotating SECRET_KEY makes stored tokens unreadable.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionFailed(Exception):
    """A stored secret cannot be read with the configured keys (keys changed?)."""


@cache
def _cipher() -> MultiFernet:
    raw_keys = [key.strip() for key in settings.CAUNOI_ENCRYPTION_KEYS if key.strip()]
    if not raw_keys:
        derived = hashlib.sha256(b"caunoi-encryption:" + settings.SECRET_KEY.encode()).digest()
        raw_keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in raw_keys])


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _cipher().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("a stored secret cannot be decrypted with the configured keys") from None
