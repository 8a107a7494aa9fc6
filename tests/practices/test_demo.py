"""The demo registry is made through the real services, once, with a recognised and a replicated model."""

from __future__ import annotations

import pytest

import caunoi.demo
from caunoi.practices.models import Evidence, Practice, Replication
from caunoi.practices.selectors import evaluation_result

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent_and_tells_the_whole_story(units, monkeypatch, evidence_dir):
    monkeypatch.setattr(caunoi.demo, "APP_SEEDS", ("caunoi.practices.demo",))

    caunoi.demo.demo_seed()
    caunoi.demo.demo_seed()

    assert Practice.objects.count() == 5
    statuses = sorted(Practice.objects.values_list("status", flat=True))
    assert statuses == ["draft", "recognised", "recognised", "recognised", "submitted"]
    road = Practice.objects.get(unit__code="00694", status="recognised")
    result = evaluation_result(road.evaluations.get())
    assert result.members == 3 and result.std is not None and result.std > 0
    replication = Replication.objects.get()
    assert (replication.source, replication.unit.code, replication.progress) == (road, "00691", 60)
    for item in Evidence.objects.all():
        assert (evidence_dir / item.stored_name).is_file()
    assert set(Evidence.objects.values_list("content_type", flat=True)) == {"image/jpeg", "application/pdf"}
