"""The registry's life cycle through the services: register, submit, evaluate, recognise, replicate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from caunoi.core.errors import InvalidState, PermissionDenied, ValidationFailed
from caunoi.core.models import AuditEvent
from caunoi.practices import services
from caunoi.practices.models import Evaluation, PracticeStatus, Replication, ReplicationStatus, StatusChange
from tests.practices.conftest import SCORES, make_practice, photo, province_committee, submitted_practice

pytestmark = pytest.mark.django_db


def test_a_commune_registers_submits_and_a_province_committee_recognises_it(personas):
    p = personas
    practice = make_practice(p.commune_officer, p.units["commune"])
    services.evidence_add(practice=practice, upload=photo(), actor=p.commune_officer, caption="Họp dân")
    services.practice_submit(practice=practice, actor=p.commune_officer)
    committee = province_committee(p, p.approver, p.sibling_officer)

    evaluation = services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)
    services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)
    services.score_record(
        evaluation=evaluation,
        member=p.sibling_officer,
        scores={"results": "9", "support": "8,5", "sustainability": 6, "replicability": 10},
    )
    services.evaluation_decide(evaluation=evaluation, recognised=True, actor=p.province_admin, comment="Tốt")

    practice.refresh_from_db()
    evaluation.refresh_from_db()
    assert practice.status == PracticeStatus.RECOGNISED
    assert (practice.recognised_level, practice.recognised_year) == ("province", 2026)
    # approver: .4*8 + .25*9 + .2*7 + .15*8 = 8.05; sibling: .4*9 + .25*8.5 + .2*6 + .15*10 = 8.425 → 8.43
    assert evaluation.result == Decimal("8.24")
    assert [c.to_status for c in StatusChange.objects.filter(practice=practice)] == [
        "draft",
        "submitted",
        "under_evaluation",
        "recognised",
    ]
    actions = set(
        AuditEvent.objects.filter(object_id__in=[str(practice.pk), str(evaluation.pk)]).values_list(
            "action", flat=True
        )
    )
    assert {
        "practice.create",
        "practice.submit",
        "evaluation.open",
        "evaluation.score",
        "evaluation.decide",
    } <= actions


def test_a_draft_cannot_be_submitted_without_evidence(personas):
    practice = make_practice(personas.commune_officer, personas.units["commune"])

    with pytest.raises(ValidationFailed) as error:
        services.practice_submit(practice=practice, actor=personas.commune_officer)

    assert error.value.field == "file"
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.DRAFT


def test_a_submitted_practice_is_frozen_until_returned_with_a_comment(personas):
    officer = personas.commune_officer
    practice = submitted_practice(officer, personas.units["commune"])

    with pytest.raises(InvalidState):
        services.practice_update(practice=practice, actor=officer, title="Đổi tên")
    with pytest.raises(ValidationFailed):
        services.practice_return(practice=practice, actor=personas.province_admin, comment=" ")
    services.practice_return(
        practice=practice, actor=personas.province_admin, comment="Bổ sung số liệu năm 2025"
    )
    services.practice_update(practice=practice, actor=officer, title="Hiến đất mở đường ngõ")

    practice.refresh_from_db()
    assert practice.status == PracticeStatus.DRAFT
    assert practice.title == "Hiến đất mở đường ngõ"
    assert "hien dat mo duong ngo" in practice.search_folded
    assert practice.changes.filter(comment="Bổ sung số liệu năm 2025").exists()


def test_the_period_and_the_figures_are_checked(personas):
    import datetime as dt

    with pytest.raises(ValidationFailed) as period:
        make_practice(personas.commune_officer, personas.units["commune"], ended_on=dt.date(2024, 1, 1))
    with pytest.raises(ValidationFailed) as figures:
        make_practice(
            personas.commune_officer, personas.units["commune"], figures=[{"label": "Hộ", "value": "nhiều"}]
        )

    assert period.value.field == "ended_on"
    assert figures.value.field == "figures"


@pytest.mark.parametrize("bad", ["-1", "10.5", "11", "abc", "", "7.25", "nan"])
def test_a_score_outside_0_to_10_is_refused_naming_the_criterion(personas, bad):
    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    evaluation = services.evaluation_open(
        practice=practice, committee=province_committee(p, p.approver), actor=p.province_admin
    )

    with pytest.raises(ValidationFailed) as error:
        services.score_record(evaluation=evaluation, member=p.approver, scores={**SCORES, "support": bad})

    assert error.value.field == "support"
    assert not evaluation.scores.exists()


def test_a_member_cannot_score_a_practice_of_their_own_commune(personas):
    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    committee = province_committee(p, p.commune_officer)
    evaluation = services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)

    with pytest.raises(PermissionDenied) as error:
        services.score_record(evaluation=evaluation, member=p.commune_officer, scores=SCORES)

    assert "Phường Hà Giang 1" in error.value.message
    assert not evaluation.scores.exists()


def test_only_members_score_and_only_scored_evaluations_are_decided(personas):
    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    evaluation = services.evaluation_open(
        practice=practice, committee=province_committee(p, p.approver), actor=p.province_admin
    )

    with pytest.raises(PermissionDenied):
        services.score_record(evaluation=evaluation, member=p.editor, scores=SCORES)
    with pytest.raises(InvalidState):
        services.evaluation_decide(evaluation=evaluation, recognised=True, actor=p.province_admin)
    services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)
    with pytest.raises(ValidationFailed):
        services.evaluation_decide(
            evaluation=evaluation, recognised=False, actor=p.province_admin, comment=""
        )
    services.evaluation_decide(
        evaluation=evaluation, recognised=False, actor=p.province_admin, comment="Chưa có số liệu đối chứng"
    )

    practice.refresh_from_db()
    assert practice.status == PracticeStatus.NOT_RECOGNISED
    assert practice.changes.get(to_status="not_recognised").comment == "Chưa có số liệu đối chứng"
    with pytest.raises(InvalidState):
        services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)


def test_weights_must_sum_to_100_and_freeze_once_decided(personas):
    p = personas
    committee = province_committee(p, p.approver)

    with pytest.raises(ValidationFailed) as error:
        services.committee_weights_set(
            committee=committee,
            weights={"results": 50, "support": 30, "sustainability": 20, "replicability": 10},
            actor=p.province_admin,
        )
    assert "110" in error.value.message
    services.committee_weights_set(
        committee=committee,
        weights={"results": 25, "support": 25, "sustainability": 25, "replicability": 25},
        actor=p.province_admin,
    )
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    evaluation = services.evaluation_open(practice=practice, committee=committee, actor=p.province_admin)
    services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)
    services.evaluation_decide(evaluation=evaluation, recognised=True, actor=p.province_admin)

    assert Evaluation.objects.get(pk=evaluation.pk).result == Decimal("8.00")
    with pytest.raises(InvalidState):
        services.committee_weights_set(
            committee=committee,
            weights={"results": 40, "support": 20, "sustainability": 20, "replicability": 20},
            actor=p.province_admin,
        )


def test_a_commune_recognised_practice_can_rise_to_province_level(personas):
    from caunoi.practices.models import Level

    p = personas
    practice = submitted_practice(p.commune_officer, p.units["commune"])
    commune_committee = services.committee_create(
        name="Hội đồng phường",
        level=Level.COMMUNE,
        year=2026,
        unit=p.units["commune"],
        actor=p.province_admin,
    )
    services.committee_member_add(committee=commune_committee, user=p.approver, actor=p.province_admin)
    first = services.evaluation_open(practice=practice, committee=commune_committee, actor=p.province_admin)
    services.score_record(evaluation=first, member=p.approver, scores=SCORES)
    services.evaluation_decide(evaluation=first, recognised=True, actor=p.province_admin)
    practice.refresh_from_db()
    assert practice.recognised_level == "commune"

    second = services.evaluation_open(
        practice=practice, committee=province_committee(p, p.approver), actor=p.province_admin
    )
    services.score_record(evaluation=second, member=p.approver, scores=SCORES)
    services.evaluation_decide(evaluation=second, recognised=True, actor=p.province_admin)

    practice.refresh_from_db()
    assert (practice.status, practice.recognised_level) == ("recognised", "province")
    with pytest.raises(InvalidState):
        services.evaluation_open(practice=practice, committee=commune_committee, actor=p.province_admin)


def test_another_commune_replicates_a_recognised_practice_and_reports_results(personas):
    from tests.practices.conftest import recognised_practice

    p = personas
    practice, _evaluation = recognised_practice(p)
    with pytest.raises(ValidationFailed):
        services.replication_start(
            source=practice,
            unit=p.units["commune"],
            adaptation_notes="x",
            started_on=practice.started_on,
            actor=p.commune_officer,
        )
    replication = services.replication_start(
        source=practice,
        unit=p.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày ở Thôn Tha",
        started_on=practice.started_on,
        actor=p.sibling_officer,
    )
    with pytest.raises(InvalidState):
        services.replication_start(
            source=practice,
            unit=p.units["sibling"],
            adaptation_notes="Lần hai",
            started_on=practice.started_on,
            actor=p.sibling_officer,
        )
    with pytest.raises(ValidationFailed):
        services.replication_report(
            replication=replication,
            progress=100,
            note="Xong",
            status=ReplicationStatus.COMPLETED,
            actor=p.sibling_officer,
        )
    services.replication_report(
        replication=replication,
        progress=100,
        note="Hoàn thành",
        results="Mở rộng 700 m đường ngõ",
        beneficiaries=520,
        status=ReplicationStatus.COMPLETED,
        actor=p.sibling_officer,
    )

    replication = Replication.objects.get(pk=replication.pk)
    assert (replication.status, replication.progress, replication.beneficiaries) == ("completed", 100, 520)
    assert replication.results == "Mở rộng 700 m đường ngõ"
    with pytest.raises(InvalidState):
        services.replication_report(
            replication=replication, progress=100, note="Thêm", actor=p.sibling_officer
        )


def test_a_practice_not_recognised_cannot_be_replicated(personas):
    practice = submitted_practice(personas.commune_officer, personas.units["commune"])

    with pytest.raises(InvalidState):
        services.replication_start(
            source=practice,
            unit=personas.units["sibling"],
            adaptation_notes="Thử",
            started_on=practice.started_on,
            actor=personas.sibling_officer,
        )
