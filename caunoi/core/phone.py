"""Vietnamese phone numbers in one form, ``84`` + 9 digits, as Zalo ZNS and SMS gateways expect."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")


def normalize_vn_phone(raw: str) -> str:
    """``0912 345 678``, ``+84912345678`` and ``84912345678`` all become ``84912345678``.

    Raises ``ValueError`` for anything that is not a Vietnamese mobile or landline number.
    """
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("0084"):
        digits = digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if not (9 <= len(digits) <= 10) or digits[0] == "0":
        raise ValueError(f"not a Vietnamese phone number: {raw!r}")
    return "84" + digits
