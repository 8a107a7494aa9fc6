"""Hooks through which every app takes part in a citizen's export and erasure.

An app that stores personal data about a citizen (channel identities, messages, petitions…) registers
an exporter and an eraser here in its ``AppConfig.ready()``. The citizens services call them all, so
an export is complete and an erasure leaves nothing behind, while aggregate counts stay intact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caunoi.citizens.models import Citizen

Exporter = Callable[["Citizen"], Any]
Eraser = Callable[["Citizen"], int]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}


def register_exporter(key: str, exporter: Exporter) -> None:
    _exporters[key] = exporter


def register_eraser(key: str, eraser: Eraser) -> None:
    _erasers[key] = eraser


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)


def erasers() -> dict[str, Eraser]:
    return dict(_erasers)
