"""The demo seed runs on the demo personas and twice without adding anything."""

from __future__ import annotations

import pytest

from caunoi import demo
from caunoi.demo import demo_seed as base_seed
from caunoi.inbox.demo import demo_seed
from caunoi.inbox.models import Conversation, KnowledgeEntry, Petition
from tests.conftest import ensure_units

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(monkeypatch):
    ensure_units()
    monkeypatch.setattr(demo, "APP_SEEDS", ())  # the personas and citizens only; other apps seed alone
    base_seed()
    demo_seed()
    counts = (KnowledgeEntry.objects.count(), Conversation.objects.count(), Petition.objects.count())
    assert counts[0] == 3 and counts[1] >= 3 and counts[2] >= 3
    assert Conversation.objects.filter(is_sos=True).exists()
    assert Petition.objects.overdue().exists()
    demo_seed()
    assert (KnowledgeEntry.objects.count(), Conversation.objects.count(), Petition.objects.count()) == counts
