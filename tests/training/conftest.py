from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _media(tmp_path: Path, settings: Any) -> None:
    """Lesson files go to a temporary MEDIA_ROOT, never the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Service messages in English (the msgids), whatever language an earlier request left active."""
    with translation.override("en"):
        yield
