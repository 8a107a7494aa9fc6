"""Fixtures of the registry: evidence kept in a temporary directory, and helpers that build practices
through the real services (no factory bypasses a rule the product enforces)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from caunoi.accounts.models import User
from caunoi.geo.models import Unit
from caunoi.practices import services
from caunoi.practices.models import Committee, Evaluation, Level, Practice
from tests.conftest import Personas


@pytest.fixture(autouse=True)
def english() -> Any:
    """Service messages are read in English here; the pages are checked in Vietnamese where it matters."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Path) -> Path:
    settings.CAUNOI_PRACTICES_EVIDENCE_DIR = str(tmp_path / "evidence")
    settings.CAUNOI_PRACTICES_EVIDENCE_MAX_BYTES = 200_000
    settings.CAUNOI_PRACTICES_SIMILARITY_BACKGROUND = False  # see the recognised set of this test at once
    return tmp_path / "evidence"


def jpeg_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def photo(name: str = "anh.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), "image/jpeg")


def pdf(name: str = "bao-cao.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, "application/pdf")


def make_practice(actor: User, unit: Unit, **overrides: Any) -> Practice:
    fields: dict[str, Any] = {
        "year": 2026,
        "title": "Dân vận khéo trong vận động hiến đất làm đường",
        "field": "economy",
        "people_in_charge": "Bí thư chi bộ, Tổ trưởng tổ dân phố",
        "started_on": dt.date(2025, 3, 1),
        "problem": "Đường ngõ hẹp, xe cứu thương không vào được; người dân ngại hiến đất.",
        "method": (
            "Cán bộ, đảng viên hiến đất trước; họp dân công khai phương án; đo đạc có hàng xóm chứng kiến."
        ),
        "results": "Mở rộng 1,2 km đường ngõ.",
        "figures": [{"label": "Hộ hiến đất", "value": 64, "unit": "hộ"}],
        "beneficiaries": 900,
    }
    fields.update(overrides)
    return services.practice_create(unit=unit, actor=actor, **fields)


def submitted_practice(actor: User, unit: Unit, **overrides: Any) -> Practice:
    practice = make_practice(actor, unit, **overrides)
    services.evidence_add(practice=practice, upload=photo(), actor=actor)
    return services.practice_submit(practice=practice, actor=actor)


def province_committee(p: Personas, *members: User) -> Committee:
    committee = services.committee_create(
        name="Hội đồng tỉnh",
        level=Level.PROVINCE,
        year=2026,
        unit=p.units["province"],
        actor=p.province_admin,
    )
    for member in members:
        services.committee_member_add(committee=committee, user=member, actor=p.province_admin)
    return committee


SCORES = {"results": 8, "support": 9, "sustainability": 7, "replicability": 8}


def recognised_practice(p: Personas, **overrides: Any) -> tuple[Practice, Evaluation]:
    """A practice of Hà Giang 1, scored by the approver and recognised at province level."""
    practice = submitted_practice(p.commune_officer, p.units["commune"], **overrides)
    committee = Committee.objects.filter(level=Level.PROVINCE, year=2026).first() or province_committee(
        p, p.approver
    )
    evaluation = services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)
    services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)
    services.evaluation_decide(evaluation=evaluation, recognised=True, actor=p.province_admin)
    practice.refresh_from_db()
    evaluation.refresh_from_db()
    return practice, evaluation
