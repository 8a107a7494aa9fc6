"""Audit cases of the registry's services, picked up by tests/accounts/test_audit_per_service.py.

The evidence cases write into a temporary directory of their own, since that meta-test does not use
this package's fixtures.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from typing import Any

from django.test import override_settings
from django.utils import timezone

from caunoi.practices import services
from caunoi.practices.models import Replication
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas
from tests.practices.conftest import SCORES, make_practice, photo, province_committee, recognised_practice

Case = Callable[[Personas], Expect]


def _in_temp_dir(case: Callable[[Personas], Expect]) -> Case:
    def run(p: Personas) -> Expect:
        with (
            tempfile.TemporaryDirectory() as directory,
            override_settings(CAUNOI_PRACTICES_EVIDENCE_DIR=directory),
        ):
            return case(p)

    return run


def _submitted(p: Personas) -> Any:
    practice = make_practice(p.commune_officer, p.units["commune"])
    services.evidence_add(practice=practice, upload=photo(), actor=p.commune_officer)
    return services.practice_submit(practice=practice, actor=p.commune_officer)


def _practice_create(p: Personas) -> Expect:
    make_practice(p.commune_officer, p.units["commune"])
    return Expect("practice.create", p.commune_officer, p.units["commune"])


def _practice_update(p: Personas) -> Expect:
    practice = make_practice(p.commune_officer, p.units["commune"])
    services.practice_update(practice=practice, actor=p.commune_officer, results="Mở rộng 2 km")
    return Expect("practice.update", p.commune_officer, p.units["commune"])


def _practice_submit(p: Personas) -> Expect:
    _submitted(p)
    return Expect("practice.submit", p.commune_officer, p.units["commune"])


def _practice_return(p: Personas) -> Expect:
    services.practice_return(practice=_submitted(p), actor=p.province_admin, comment="Thiếu số liệu")
    return Expect("practice.return", p.province_admin, p.units["commune"])


def _evidence_add(p: Personas) -> Expect:
    practice = make_practice(p.commune_officer, p.units["commune"])
    services.evidence_add(practice=practice, upload=photo(), actor=p.commune_officer)
    return Expect("evidence.add", p.commune_officer, p.units["commune"])


def _evidence_remove(p: Personas) -> Expect:
    practice = make_practice(p.commune_officer, p.units["commune"])
    item = services.evidence_add(practice=practice, upload=photo(), actor=p.commune_officer)
    services.evidence_remove(evidence=item, actor=p.commune_officer)
    return Expect("evidence.remove", p.commune_officer, p.units["commune"])


def _committee_create(p: Personas) -> Expect:
    province_committee(p)
    return Expect("committee.create", p.province_admin, p.units["province"])


def _committee_weights_set(p: Personas) -> Expect:
    weights = {"results": 30, "support": 30, "sustainability": 20, "replicability": 20}
    services.committee_weights_set(committee=province_committee(p), weights=weights, actor=p.province_admin)
    return Expect("committee.weights", p.province_admin, p.units["province"])


def _committee_member_add(p: Personas) -> Expect:
    province_committee(p, p.approver)
    return Expect("committee.member_add", p.province_admin, p.units["province"])


def _committee_member_remove(p: Personas) -> Expect:
    committee = province_committee(p, p.approver)
    services.committee_member_remove(committee=committee, user=p.approver, actor=p.province_admin)
    return Expect("committee.member_remove", p.province_admin, p.units["province"])


def _evaluation_open(p: Personas) -> Expect:
    services.evaluation_open(practice=_submitted(p), committee=province_committee(p), actor=p.province_admin)
    return Expect("evaluation.open", p.province_admin, p.units["commune"])


def _score_record(p: Personas) -> Expect:
    committee = province_committee(p, p.approver)
    evaluation = services.evaluation_open(practice=_submitted(p), committee=committee, actor=p.province_admin)
    services.score_record(evaluation=evaluation, member=p.approver, scores=SCORES)
    return Expect("evaluation.score", p.approver, p.units["commune"])


def _evaluation_decide(p: Personas) -> Expect:
    recognised_practice(p)
    return Expect("evaluation.decide", p.province_admin, p.units["commune"])


def _replication_start(p: Personas) -> Expect:
    practice, _evaluation = recognised_practice(p)
    services.replication_start(
        source=practice,
        unit=p.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=dt.date(2026, 2, 1),
        actor=p.sibling_officer,
    )
    return Expect("replication.start", p.sibling_officer, p.units["sibling"])


def _replication_report(p: Personas) -> Expect:
    practice, _evaluation = recognised_practice(p)
    replication = services.replication_start(
        source=practice,
        unit=p.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=dt.date(2026, 2, 1),
        actor=p.sibling_officer,
    )
    services.replication_report(
        replication=replication, progress=40, note="Đã họp dân", actor=p.sibling_officer
    )
    return Expect("replication.update", p.sibling_officer, p.units["sibling"])


def _replications_remind_stale(p: Personas) -> Expect:
    practice, _evaluation = recognised_practice(p)
    replication = services.replication_start(
        source=practice,
        unit=p.units["sibling"],
        adaptation_notes="Họp bằng tiếng Tày",
        started_on=dt.date(2026, 2, 1),
        actor=p.sibling_officer,
    )
    Replication.objects.filter(pk=replication.pk).update(
        last_update_at=timezone.now() - dt.timedelta(days=90)
    )
    assert services.replications_remind_stale() == 1
    return Expect("replication.remind", None, p.units["sibling"], actor_label="system")


CASES: dict[str, Case] = {
    f"caunoi.practices.services.{name}": _in_temp_dir(case)
    for name, case in {
        "practice_create": _practice_create,
        "practice_update": _practice_update,
        "practice_submit": _practice_submit,
        "practice_return": _practice_return,
        "evidence_add": _evidence_add,
        "evidence_remove": _evidence_remove,
        "committee_create": _committee_create,
        "committee_weights_set": _committee_weights_set,
        "committee_member_add": _committee_member_add,
        "committee_member_remove": _committee_member_remove,
        "evaluation_open": _evaluation_open,
        "score_record": _score_record,
        "evaluation_decide": _evaluation_decide,
        "replication_start": _replication_start,
        "replication_report": _replication_report,
        "replications_remind_stale": _replications_remind_stale,
    }.items()
}

EXEMPT: dict[str, str] = {}
