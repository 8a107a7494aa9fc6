"""Retention per kind of personal data: each kind has a default, overridable in the UI, and a purge.

Apps register their kinds here; the daily task applies every policy. A purge erases or de-identifies
what is older than the cutoff and returns how many records it touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RetentionKind:
    key: str
    label: Any
    default_days: int
    purge: Callable[[dt.datetime], int]


_kinds: dict[str, RetentionKind] = {}


def register(kind: RetentionKind) -> None:
    _kinds[kind.key] = kind


def kinds() -> list[RetentionKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)


def kind(key: str) -> RetentionKind:
    return _kinds[key]


def register_builtin() -> None:
    from caunoi.citizens.services import citizens_purge_inactive

    register(
        RetentionKind(
            key="citizen_inactive",
            label=_("Contact details of citizens with no activity"),
            default_days=settings.CAUNOI_RETENTION_DEFAULT_DAYS["citizen_inactive"],
            purge=citizens_purge_inactive,
        )
    )
