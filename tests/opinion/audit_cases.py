"""Audit cases of the opinion services, collected by tests/accounts/test_audit_per_service.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from caunoi.opinion import services
from caunoi.opinion.models import AnalysedMessage, EmergingTopic, SpikeAlert, Topic, TopicDayCount
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas

Case = Callable[[Personas], Any]
P = "caunoi.opinion.services."


def _message(p: Personas) -> AnalysedMessage:
    topic = Topic.objects.get(key="utilities")
    message = AnalysedMessage.objects.create(
        unit=p.units["commune"],
        day=timezone.localdate(),
        text="Mất điện cả ngày",
        topic=topic,
        topic_score=0.4,
        sentiment="negative",
        urgency=0.1,
    )
    TopicDayCount.objects.create(
        topic=topic, unit=p.units["commune"], day=message.day, messages=1, negative=1
    )
    return message


def _label(p: Personas) -> Expect:
    services.correction_record(
        message=_message(p), topic=Topic.objects.get(key="land"), sentiment="neutral", actor=p.commune_officer
    )
    return Expect("opinion.label", p.commune_officer, p.units["commune"])


def _retrain_request(p: Personas) -> Expect:
    services.classifier_retrain_request(actor=p.editor)
    return Expect("opinion.retrain_request", p.editor, None)


def _retrain(p: Personas) -> Expect:
    services.classifier_retrain(actor=p.editor)
    return Expect("opinion.retrain", p.editor, None)


def _spike(p: Personas) -> SpikeAlert:
    return SpikeAlert.objects.create(
        topic=Topic.objects.get(key="roads"),
        unit=p.units["commune"],
        day=timezone.localdate(),
        count=9,
        baseline=0.2,
        score=8.0,
    )


def _spikes_detect(p: Personas) -> Expect:
    from caunoi.opinion.models import ContributorMark

    today = timezone.localdate()
    topic = Topic.objects.get(key="roads")
    TopicDayCount.objects.create(topic=topic, unit=p.units["commune"], day=today, messages=9)
    for n in range(6):
        ContributorMark.objects.create(
            topic=topic, unit=p.units["commune"], day=today, month=f"{today:%Y-%m}", mark=f"m{n}"
        )
    services.spikes_detect(day=today)
    return Expect("opinion.spike", None, p.units["commune"])


def _spike_acknowledge(p: Personas) -> Expect:
    services.spike_acknowledge(alert=_spike(p), actor=p.commune_officer)
    return Expect("opinion.spike_acknowledge", p.commune_officer, p.units["commune"])


def _emerging(p: Personas) -> EmergingTopic:
    emerging = EmergingTopic.objects.create(keywords=["xang", "cau_me"], size=9)
    emerging.units.set([p.units["commune"]])
    emerging.representatives.set([_message(p)])
    return emerging


def _adopt(p: Personas) -> Expect:
    services.emerging_topic_adopt(emerging=_emerging(p), name="Xăng dầu", actor=p.commune_officer)
    return Expect("opinion.topic_create", p.commune_officer, None)


def _dismiss(p: Personas) -> Expect:
    services.emerging_topic_dismiss(emerging=_emerging(p), actor=p.commune_officer)
    return Expect("opinion.emerging_dismiss", p.commune_officer, None)


CASES: dict[str, Case] = {
    P + "correction_record": _label,
    P + "classifier_retrain_request": _retrain_request,
    P + "classifier_retrain": _retrain,
    P + "spikes_detect": _spikes_detect,
    P + "spike_acknowledge": _spike_acknowledge,
    P + "emerging_topic_adopt": _adopt,
    P + "emerging_topic_dismiss": _dismiss,
}

EXEMPT: dict[str, str] = {
    P + "min_cell": "a read of a setting",
    P + "contributor_mark": "a pure function (keyed hash)",
    P + "commune_of": "a read",
    P + "corrections": "a read",
    P + "current_models": "loads the current model; training from the cache writes no data anyone changed",
    P + "messages_analyse_pending": "the system analysing messages already received; nobody acts",
    P
    + "clusters_discover": "derived aggregate recomputed by the system; naming or dismissing one is audited",
}


def _survey(p: Personas) -> Any:
    return services.survey_create(
        unit=p.units["commune"], title="Khảo sát", description="", actor=p.commune_officer
    )


def _survey_create(p: Personas) -> Expect:
    _survey(p)
    return Expect("survey.create", p.commune_officer, p.units["commune"])


def _question_add(p: Personas) -> Expect:
    services.question_add(
        survey=_survey(p),
        kind="scale",
        text="Mức hài lòng?",
        choices=[],
        required=True,
        actor=p.commune_officer,
    )
    return Expect("survey.question_add", p.commune_officer, p.units["commune"])


def _opened(p: Personas) -> Any:
    survey = _survey(p)
    services.question_add(
        survey=survey, kind="text", text="Góp ý", choices=[], required=False, actor=p.commune_officer
    )
    return services.survey_open(survey=survey, actor=p.commune_officer)


def _survey_open(p: Personas) -> Expect:
    _opened(p)
    return Expect("survey.open", p.commune_officer, p.units["commune"])


def _survey_close(p: Personas) -> Expect:
    services.survey_close(survey=_opened(p), actor=p.commune_officer)
    return Expect("survey.close", p.commune_officer, p.units["commune"])


CASES.update(
    {
        P + "survey_create": _survey_create,
        P + "question_add": _question_add,
        P + "survey_open": _survey_open,
        P + "survey_close": _survey_close,
    }
)
EXEMPT.update(
    {
        P + "survey_link_token": "signs a link; nothing is written",
        P + "survey_link_read": "a read",
        P + "survey_already_answered": "a read",
        P + "survey_response_submit": "a citizen's own anonymous answer; nobody acts for the state",
    }
)


def _field_report(p: Personas) -> Expect:
    services.field_report_submit(
        unit=p.units["commune"],
        day=timezone.localdate(),
        mood="neutral",
        remarks="Bà con hỏi lịch tiêm phòng",
        proposals="",
        actor=p.reporter,
    )
    return Expect("opinion.field_report", p.reporter, p.units["commune"])


CASES[P + "field_report_submit"] = _field_report


def _digests(p: Personas) -> Expect:
    import datetime as dt

    monday = timezone.make_aware(dt.datetime(2026, 11, 23, 9, 0))
    services.digests_prepare(now=monday)
    return Expect("opinion.digests", None, None)


def _reminders(p: Personas) -> Expect:
    import datetime as dt

    services.report_reminders_prepare(today=dt.date(2026, 11, 25))
    return Expect("opinion.report_reminders", None, None)


def _notice_send(p: Personas) -> Expect:
    from caunoi.opinion.models import NoticeKind, StaffNotice

    p.approver.email = "lanhdao@tuyenquang.example.vn"
    p.approver.save(update_fields=["email"])
    StaffNotice.objects.create(
        kind=NoticeKind.DIGEST, user=p.approver, unit=p.units["province"], period="2026-W48"
    )
    services.notices_send()
    return Expect("opinion.notice_send", None, p.units["province"])


def _response_campaign(p: Personas) -> Expect:
    from caunoi.accounts.selectors import viewer_for_user

    services.response_campaign_draft(
        source=_spike(p),
        title="Về tình trạng đường sạt lở",
        body="Bà con lưu ý: đoạn đường đang được khắc phục.",
        channels=["zalo"],
        viewer=viewer_for_user(p.commune_officer),
        actor=p.commune_officer,
    )
    return Expect("opinion.response_campaign", p.commune_officer, p.units["commune"])


def _response_answer(p: Personas) -> Expect:
    services.response_answer_draft(
        source=_emerging(p),
        unit=p.units["commune"],
        question="Giá xăng",
        keywords="xăng",
        answer="Giá xăng do Nhà nước điều hành, xã không quyết định.",
        actor=p.province_admin,
    )
    return Expect("opinion.response_answer", p.province_admin, p.units["commune"])


CASES.update(
    {
        P + "digests_prepare": _digests,
        P + "report_reminders_prepare": _reminders,
        P + "notices_send": _notice_send,
        P + "response_campaign_draft": _response_campaign,
        P + "response_answer_draft": _response_answer,
    }
)
EXEMPT.update(
    {
        P + "places_of": "a read",
        P + "week_of": "a pure function",
        P + "response_targets": "a read",
        P + "notices_run": "calls digests_prepare, report_reminders_prepare and notices_send, each audited",
    }
)
