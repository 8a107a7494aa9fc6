"""Active learning and emerging topics: officers label the least certain messages, the model
retrains on them; a burst about one issue shows up as an emerging topic an officer can name."""

from __future__ import annotations

import pytest
from django.test import Client

from caunoi.accounts.selectors import viewer_for_user
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.models import AuditEvent
from caunoi.opinion.models import (
    AnalysedMessage,
    Correction,
    EmergingStatus,
    OpinionState,
    Topic,
    TopicDayCount,
)
from caunoi.opinion.selectors import emerging_list, label_queue
from caunoi.opinion.services import (
    classifier_retrain,
    clusters_discover,
    correction_record,
    current_models,
    emerging_topic_adopt,
    emerging_topic_dismiss,
)
from tests.conftest import Personas, login_as
from tests.opinion.helpers import analyse_all, citizens, write

pytestmark = pytest.mark.django_db

VARIED = [
    "Mất điện cả ngày hôm nay, khổ quá",
    "Đường liên thôn bị sụt lún, xe không đi được",
    "cho hỏi làm giấy khai sinh cần những gì",
    "cảm ơn bác sĩ trạm y tế khám rất tận tình",
    "hôm nay trời đẹp",
    "ok",
]


def test_the_queue_offers_the_least_certain_messages_first(personas: Personas) -> None:
    for person, text in zip(citizens(personas.units["commune"], len(VARIED)), VARIED, strict=True):
        write(person, text)
    analyse_all()
    queue = label_queue(viewer=viewer_for_user(personas.commune_officer))
    scores = [m.topic_score for m in queue]
    assert len(queue) == len(VARIED) and scores == sorted(scores)
    assert label_queue(viewer=viewer_for_user(personas.sibling_officer)) == []
    assert label_queue(viewer=viewer_for_user(personas.editor)) == []  # may label, may not read messages


def test_a_correction_moves_the_counts_and_is_audited(personas: Personas) -> None:
    write(citizens(personas.units["commune"], 1)[0], "Mất điện cả ngày hôm nay, khổ quá")
    analyse_all()
    message = AnalysedMessage.objects.get()
    land = Topic.objects.get(key="land")
    old_topic = message.topic
    correction_record(message=message, topic=land, sentiment="neutral", actor=personas.commune_officer)
    message.refresh_from_db()
    assert message.topic == land and message.sentiment == "neutral" and message.labelled
    assert TopicDayCount.objects.get(topic=old_topic).messages == 0
    moved = TopicDayCount.objects.get(topic=land)
    assert (moved.messages, moved.neutral, moved.negative) == (1, 1, 0)
    assert Correction.objects.get().text == message.text
    event = AuditEvent.objects.get(action="opinion.label")
    assert event.actor == personas.commune_officer and event.unit_id == personas.units["commune"].pk
    with pytest.raises(ValidationFailed):
        correction_record(message=message, topic=land, sentiment="angry", actor=personas.commune_officer)


def test_retraining_learns_the_officers_labels(personas: Personas) -> None:
    text = "xin cấp thêm bình chữa cháy cho chợ phiên"
    person = citizens(personas.units["commune"], 1)[0]
    write(person, text)
    analyse_all()
    message = AnalysedMessage.objects.get()
    before = current_models().key
    culture = Topic.objects.get(key="culture")
    correction_record(message=message, topic=culture, sentiment="neutral", actor=personas.commune_officer)
    key = classifier_retrain(actor=personas.commune_officer)
    state = OpinionState.load()
    assert key != before and state.model_key == key and state.corrections_trained == 1
    assert current_models().key == key
    assert AuditEvent.objects.filter(action="opinion.retrain", actor=personas.commune_officer).exists()


def test_the_label_page_saves_and_retrains_through_the_browser(personas: Personas, client: Client) -> None:
    write(citizens(personas.units["commune"], 1)[0], "Mất điện cả ngày hôm nay, khổ quá")
    analyse_all()
    message = AnalysedMessage.objects.get()
    login_as(client, personas.commune_officer)
    page = client.get("/opinion/label/")
    assert page.status_code == 200 and message.text in page.content.decode()
    land = Topic.objects.get(key="land")
    response = client.post(
        f"/opinion/label/{message.pk}/",
        {f"m{message.pk}-topic": land.pk, f"m{message.pk}-sentiment": "neutral"},
    )
    assert response.status_code == 302
    assert Correction.objects.get().topic == land
    assert client.post("/opinion/retrain/").status_code == 302
    assert AuditEvent.objects.filter(action="opinion.retrain_request").exists()
    login_as(client, personas.sibling_officer)
    assert client.post(f"/opinion/label/{message.pk}/", {}).status_code == 404


BURST = [
    "Cây xăng đầu cầu Mè bán xăng pha nước, xe chết máy hết",
    "xang o cay xang cau Me bi pha nuoc, xe may hong",
    "Đổ xăng ở cây xăng cầu Mè xong xe không nổ được",
    "cây xăng cầu Mè bán xăng kém chất lượng quá",
    "Xe tôi đổ xăng cầu Mè về là chết máy",
    "xăng pha nước ở cầu Mè, đề nghị kiểm tra cây xăng",
    "Cay xang cau Me ban xang ban, nhieu xe hong",
    "cây xăng cầu Mè lừa dân, xăng toàn nước",
    "đổ xăng cây xăng cầu Mè bị hỏng xe",
    "kiểm tra giúp cây xăng cầu Mè, xăng có nước",
]


def test_a_burst_about_one_issue_becomes_an_emerging_topic_that_can_be_named(personas: Personas) -> None:
    commune = personas.units["commune"]
    people = citizens(commune, 40)
    background = [
        "Mất điện cả ngày hôm nay, khổ quá",
        "Đường liên thôn bị sụt lún, xe không đi được",
        "cho hỏi làm giấy khai sinh cần những gì",
        "trạm y tế thiếu thuốc",
        "trường học thiếu giáo viên",
    ]
    for i, person in enumerate(people[:30]):
        write(person, background[i % len(background)] + f" ở tổ {i}")
    for person, text in zip(people[30:], BURST, strict=True):
        write(person, text)
    analyse_all()
    found = clusters_discover()
    assert found
    viewer = viewer_for_user(personas.commune_officer)
    visible = list(emerging_list(viewer=viewer))
    fuel = next(e for e in visible if any("xang" in k for k in e.keywords))
    assert fuel.size >= 8
    assert list(emerging_list(viewer=viewer_for_user(personas.sibling_officer))) == []
    topic = emerging_topic_adopt(emerging=fuel, name="Xăng dầu", actor=personas.commune_officer)
    assert topic.key == "xang-dau" and Topic.objects.filter(name="Xăng dầu").exists()
    assert Correction.objects.filter(topic=topic).count() == fuel.representatives.count()
    fuel.refresh_from_db()
    assert fuel.status == EmergingStatus.ADOPTED and fuel.adopted_topic == topic
    assert AuditEvent.objects.filter(action="opinion.topic_create").exists()
    with pytest.raises(InvalidState):
        emerging_topic_dismiss(emerging=fuel, actor=personas.commune_officer)
