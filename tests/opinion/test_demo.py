from __future__ import annotations

import pytest

from caunoi.opinion.demo import demo_seed
from caunoi.opinion.models import AnalysedMessage, EmergingTopic, SpikeAlert, TopicDayCount
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_the_demo_history_fills_the_dashboard_once(personas: Personas) -> None:
    demo_seed()
    count = AnalysedMessage.objects.count()
    assert count > 300
    assert TopicDayCount.objects.filter(unit=personas.units["commune"]).exists()
    assert SpikeAlert.objects.filter(unit=personas.units["commune"]).exists()
    assert EmergingTopic.objects.exists()
    demo_seed()
    assert AnalysedMessage.objects.count() == count
