"""Write use-cases of public opinion: analysing messages, officers' labels, retraining, spikes and
emerging topics. Counts are kept in step with every change, so dashboards read only aggregates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import smtplib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.permissions import ROLE_CAPABILITIES, Capability, Role
from caunoi.core.services import audit_record
from caunoi.core.text import fold, nfc
from caunoi.geo.models import Unit, UnitLevel
from caunoi.opinion.analysis import Analysis, analyse
from caunoi.opinion.classifier import Models, load_or_train
from caunoi.opinion.corpus.build import Example
from caunoi.opinion.models import (
    AnalysedMessage,
    Answer,
    ContributorMark,
    Correction,
    EmergingStatus,
    EmergingTopic,
    FieldReport,
    NoticeKind,
    OpinionState,
    Question,
    QuestionKind,
    Sentiment,
    Source,
    SpikeAlert,
    StaffNotice,
    Survey,
    SurveyResponse,
    SurveyStatus,
    Topic,
    TopicDayCount,
)
from caunoi.opinion.pipeline import redact

URGENT = 0.5  # urgency from which a message counts as urgent in the aggregates
FALLBACK_TOPIC = "other"


def min_cell() -> int:
    """k of the small-cell rule: aggregates over fewer distinct citizens are not shown."""
    return int(settings.CAUNOI_OPINION_MIN_CELL)


def contributor_mark(citizen_id: int, day: dt.date) -> str:
    """A keyed pseudonym of (citizen, month): counts distinct people, cannot be reversed without the
    secret key, and changes every month so it cannot follow a person for long."""
    message = f"opinion-contributor|{citizen_id}|{day:%Y-%m}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


def commune_of(unit: Unit) -> Unit:
    """Aggregates are per commune: a village's messages count for its commune."""
    while unit.level == UnitLevel.VILLAGE and unit.parent is not None:
        unit = unit.parent
    return unit


def places_of(citizens: Iterable[Any]) -> dict[int, Unit]:
    """Where each citizen's messages count (nơi tính số liệu): the commune of their home unit; for a
    resident still at province level — a Zalo follower starts there until they share an address —
    the commune their inbox conversation was placed in (the Zalo form, ``user_submit_info``, moves
    both, and an officer may move the conversation); otherwise the province itself."""
    from caunoi.inbox.models import Conversation

    places = {c.pk: commune_of(c.home_unit) for c in citizens}
    unplaced = [pk for pk, unit in places.items() if unit.level == UnitLevel.PROVINCE]
    if unplaced:
        for conversation in Conversation.objects.filter(citizen_id__in=unplaced).select_related(
            "unit__parent"
        ):
            unit = commune_of(conversation.unit)
            if unit.level == UnitLevel.COMMUNE:
                places[conversation.citizen_id] = unit
    return places


def corrections() -> list[Example]:
    rows = Correction.objects.select_related("topic").order_by("id")
    return [Example(c.topic.key, c.sentiment, c.text) for c in rows]


def current_models() -> Models:
    """The models the last retraining chose (corpus plus corrections), loaded from the cache and
    rebuilt from the database if this machine has not got the file."""
    state = OpinionState.load()
    if not state.model_key:
        return load_or_train()
    return load_or_train(corrections()[: state.corrections_trained])


def _topics_by_key() -> dict[str, Topic]:
    return {t.key: t for t in Topic.objects.filter(active=True)}


def _count_deltas(rows: Iterable[AnalysedMessage], sign: int) -> dict[tuple[int, int, dt.date], Counter[str]]:
    deltas: dict[tuple[int, int, dt.date], Counter[str]] = defaultdict(Counter)
    for row in rows:
        cell = deltas[(row.topic_id, row.unit_id, row.day)]
        cell["messages"] += sign
        cell[row.sentiment] += sign
        if row.urgency >= URGENT:
            cell["urgent"] += sign
    return deltas


def _apply_counts(deltas: dict[tuple[int, int, dt.date], Counter[str]]) -> None:
    for (topic_id, unit_id, day), delta in deltas.items():
        count, _created = TopicDayCount.objects.get_or_create(topic_id=topic_id, unit_id=unit_id, day=day)
        TopicDayCount.objects.filter(pk=count.pk).update(
            **{name: F(name) + value for name, value in delta.items() if value}
        )


def _record(
    analyses: Sequence[tuple[Analysis, Unit, dt.date, int | None]], *, source: str, model_key: str
) -> list[AnalysedMessage]:
    """Keep analysed texts (redacted), their counts and contributor marks. Call inside a transaction."""
    topics = _topics_by_key()
    rows, marks = [], []
    for analysis, unit, day, citizen_id in analyses:
        if analysis.skipped is not None or analysis.topic is None:
            continue
        commune = commune_of(unit)
        topic = topics.get(analysis.topic) or topics[FALLBACK_TOPIC]
        rows.append(
            AnalysedMessage(
                source=source,
                unit=commune,
                day=day,
                text=analysis.redacted,
                topic=topic,
                topic_score=analysis.topic_score,
                sentiment=analysis.sentiment or Sentiment.NEUTRAL,
                urgency=analysis.urgency,
                sos_cues=list(analysis.sos),
                needs_moderation=analysis.needs_moderation,
                model_key=model_key,
            )
        )
        if citizen_id is not None:
            marks.append(
                ContributorMark(
                    topic=topic,
                    unit=commune,
                    day=day,
                    month=f"{day:%Y-%m}",
                    mark=contributor_mark(citizen_id, day),
                )
            )
    AnalysedMessage.objects.bulk_create(rows)
    ContributorMark.objects.bulk_create(marks, ignore_conflicts=True)
    _apply_counts(_count_deltas(rows, +1))
    _recount_people({(m.topic_id, m.unit_id, m.day) for m in marks})
    return rows


def _recount_people(cells: set[tuple[int, int, dt.date]]) -> None:
    """Set each cell's ``people`` to the number of its marks, after marks were added: a recount, not
    an increment, because a mark that already existed (the same person again) was not added."""
    if not cells:
        return
    from django.db.models import Count

    counted = (
        ContributorMark.objects.filter(
            topic_id__in={c[0] for c in cells},
            unit_id__in={c[1] for c in cells},
            day__in={c[2] for c in cells},
        )
        .values_list("topic_id", "unit_id", "day")
        .annotate(n=Count("id"))
    )
    for topic_id, unit_id, day, n in counted:
        if (topic_id, unit_id, day) in cells:
            TopicDayCount.objects.filter(topic_id=topic_id, unit_id=unit_id, day=day).update(people=n)


def messages_analyse_pending(*, limit: int = 500) -> int:
    """Analyse citizens' inbound messages not yet analysed; returns how many were read.

    The models are loaded (and if need be trained) before the transaction opens; the cursor moves
    under a row lock, so two workers never analyse the same message twice.
    """
    from caunoi.channels.models import InboundMessage

    models = current_models()
    with transaction.atomic():
        state = OpinionState.load(for_update=True)
        batch = list(
            InboundMessage.objects.filter(pk__gt=state.inbound_cursor)
            .select_related("citizen__home_unit__parent")
            .order_by("pk")[:limit]
        )
        if not batch:
            return 0
        with_text = [m for m in batch if m.text.strip()]
        results = analyse(models, [m.text for m in with_text])
        places = places_of({m.citizen for m in with_text})
        _record(
            [
                (result, places[m.citizen_id], timezone.localdate(m.occurred_at), m.citizen_id)
                for result, m in zip(results, with_text, strict=True)
            ],
            source=Source.INBOUND,
            model_key=models.key,
        )
        state.inbound_cursor = batch[-1].pk
        state.save(update_fields=["inbound_cursor"])
    return len(batch)


@transaction.atomic
def correction_record(*, message: AnalysedMessage, topic: Topic, sentiment: str, actor: Any) -> Correction:
    """An officer's label (gán nhãn): corrects this message's counts and trains the next model."""
    if sentiment not in Sentiment.values:
        raise ValidationFailed(_("Choose negative, neutral or positive."), field="sentiment")
    if not topic.active:
        raise ValidationFailed(_("This topic is no longer in use."), field="topic")
    message = AnalysedMessage.objects.select_for_update().get(pk=message.pk)
    before = {"topic": message.topic.key, "sentiment": message.sentiment}
    _apply_counts(_count_deltas([message], -1))
    message.topic, message.sentiment, message.labelled = topic, sentiment, True
    message.save(update_fields=["topic", "sentiment", "labelled"])
    _apply_counts(_count_deltas([message], +1))
    correction, _created = Correction.objects.update_or_create(
        message=message,
        defaults={"text": message.text, "topic": topic, "sentiment": sentiment, "labelled_by": actor},
    )
    audit_record(
        actor=actor,
        action="opinion.label",
        obj=message,
        unit=message.unit,
        before=before,
        after={"topic": topic.key, "sentiment": sentiment},
    )
    return correction


@transaction.atomic
def classifier_retrain_request(*, actor: Any) -> None:
    """Queue a retraining on officers' corrections (huấn luyện lại)."""
    from caunoi.opinion.tasks import classifier_retrain_task

    pending = Correction.objects.count() - OpinionState.load().corrections_trained
    audit_record(actor=actor, action="opinion.retrain_request", after={"new_corrections": pending})
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: classifier_retrain_task(actor_id))


def classifier_retrain(*, actor: Any) -> str:
    """Train on the corpus plus every correction (seconds, outside any transaction), then make the
    new model current. Returns its key."""
    examples = corrections()
    models = load_or_train(examples)
    with transaction.atomic():
        state = OpinionState.load(for_update=True)
        before = {"model": state.model_key, "corrections": state.corrections_trained}
        state.model_key = models.key
        state.corrections_trained = len(examples)
        state.trained_at = timezone.now()
        state.save(update_fields=["model_key", "corrections_trained", "trained_at"])
        audit_record(
            actor=actor,
            action="opinion.retrain",
            before=before,
            after={"model": models.key, "corrections": len(examples)},
        )
    return models.key


def _poisson_tail(count: int, rate: float) -> float:
    """P(X ≥ count) for X ~ Poisson(rate)."""
    from scipy.stats import poisson

    return float(poisson.sf(count - 1, rate))


SPIKE_BASELINE_DAYS = 28
SPIKE_RATE_FLOOR = 0.2  # a commune that never writes about a topic is not surprised by one message
SPIKE_MIN_MESSAGES = 5
SPIKE_P_VALUE = 1e-3


@transaction.atomic
def spikes_detect(*, day: dt.date) -> list[SpikeAlert]:
    """Find topics that rose well above their own baseline in a commune on ``day`` and alert the
    commune (a card on its dashboard, and an audit row).

    Robust to small numbers: the baseline is the mean of the previous 28 days with a floor, the test
    is a Poisson tail at 0.1 %, and a spike needs at least 5 messages from at least k people.
    """
    from django.db.models import Count, Sum

    start = day - dt.timedelta(days=SPIKE_BASELINE_DAYS)
    today = TopicDayCount.objects.filter(day=day, messages__gte=SPIKE_MIN_MESSAGES).select_related(
        "unit", "topic"
    )
    cells = {(c.topic_id, c.unit_id): c for c in today}
    if not cells:
        return []
    history = (
        TopicDayCount.objects.filter(day__gte=start, day__lt=day, unit_id__in={u for _, u in cells})
        .values("topic_id", "unit_id")
        .annotate(total=Sum("messages"))
    )
    baseline = {(h["topic_id"], h["unit_id"]): h["total"] / SPIKE_BASELINE_DAYS for h in history}
    people = {
        (m["topic_id"], m["unit_id"]): m["n"]
        for m in ContributorMark.objects.filter(day=day, unit_id__in={u for _, u in cells})
        .values("topic_id", "unit_id")
        .annotate(n=Count("mark", distinct=True))
    }
    alerts = []
    for key, cell in cells.items():
        rate = max(baseline.get(key, 0.0), SPIKE_RATE_FLOOR)
        p_value = _poisson_tail(cell.messages, rate)
        if p_value >= SPIKE_P_VALUE or people.get(key, 0) < min_cell():
            continue
        alert, created = SpikeAlert.objects.get_or_create(
            topic=cell.topic,
            unit=cell.unit,
            day=day,
            defaults={
                "count": cell.messages,
                "baseline": round(rate, 3),
                "score": round(-math.log10(max(p_value, 1e-300)), 2),
            },
        )
        if created:
            audit_record(
                actor=None,
                action="opinion.spike",
                obj=alert,
                unit=cell.unit,
                after={"topic": cell.topic.key, "count": cell.messages, "baseline": alert.baseline},
            )
        alerts.append(alert)
    return alerts


@transaction.atomic
def spike_acknowledge(*, alert: SpikeAlert, actor: Any) -> SpikeAlert:
    if alert.acknowledged_at is not None:
        raise InvalidState(_("This spike has already been acknowledged."))
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(actor=actor, action="opinion.spike_acknowledge", obj=alert, unit=alert.unit)
    return alert


def clusters_discover(*, days: int = 14, today: dt.date | None = None) -> list[EmergingTopic]:
    """Group recent messages into clusters (MiniBatchKMeans on TF-IDF of content words) and keep
    those with a recent burst as emerging topics, each with keywords (class-based TF-IDF) and the
    messages nearest its centre. Replaces the undecided clusters of the previous run."""
    from caunoi.opinion.discovery import discover

    today = today or timezone.localdate()
    recent = list(
        AnalysedMessage.objects.filter(day__gt=today - dt.timedelta(days=days))
        .order_by("-id")
        .values_list("id", "text", "topic_id", "unit_id", "day")[:20000]
    )
    found = discover(recent, today=today)
    with transaction.atomic():
        EmergingTopic.objects.filter(status=EmergingStatus.NEW).delete()
        created = []
        for cluster in found:
            emerging = EmergingTopic.objects.create(
                keywords=cluster.keywords,
                size=cluster.size,
                main_topic_id=cluster.main_topic_id,
                novelty=cluster.novelty,
            )
            emerging.representatives.set(cluster.representative_ids)
            emerging.units.set(cluster.unit_ids)
            created.append(emerging)
    return created


@transaction.atomic
def emerging_topic_adopt(*, emerging: EmergingTopic, name: str, actor: Any) -> Topic:
    """Name an emerging topic and add it to the taxonomy. Its representative messages become the new
    topic's first labels, and a retraining is queued so the classifier learns it."""
    name = " ".join(nfc(name).split())
    if not name:
        raise ValidationFailed(_("Give the topic a name."), field="name")
    if len(name) > 120:
        raise ValidationFailed(_("The name is too long (at most 120 characters)."), field="name")
    emerging = EmergingTopic.objects.select_for_update().get(pk=emerging.pk)
    if emerging.status != EmergingStatus.NEW:
        raise InvalidState(_("This emerging topic has already been decided."))
    if Topic.objects.filter(name__iexact=name).exists():
        raise ValidationFailed(_("A topic with this name already exists."), field="name")
    base = slugify(fold(name))[:32] or "topic"
    key, n = base, 1
    while Topic.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    topic = Topic.objects.create(key=key, name=name, order=500)
    for message in emerging.representatives.all():
        correction_record(message=message, topic=topic, sentiment=message.sentiment, actor=actor)
    emerging.status = EmergingStatus.ADOPTED
    emerging.adopted_topic = topic
    emerging.decided_by = actor
    emerging.decided_at = timezone.now()
    emerging.save(update_fields=["status", "adopted_topic", "decided_by", "decided_at"])
    audit_record(actor=actor, action="opinion.topic_create", obj=topic, after={"key": key, "name": name})
    classifier_retrain_request(actor=actor)
    return topic


@transaction.atomic
def emerging_topic_dismiss(*, emerging: EmergingTopic, actor: Any) -> EmergingTopic:
    emerging = EmergingTopic.objects.select_for_update().get(pk=emerging.pk)
    if emerging.status != EmergingStatus.NEW:
        raise InvalidState(_("This emerging topic has already been decided."))
    emerging.status = EmergingStatus.DISMISSED
    emerging.decided_by = actor
    emerging.decided_at = timezone.now()
    emerging.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action="opinion.emerging_dismiss", obj=emerging, after={"keywords": emerging.keywords}
    )
    return emerging


# Surveys (khảo sát) ---------------------------------------------------------------------------

SURVEY_LINK_SALT = "caunoi.opinion.survey"
SURVEY_LINK_MAX_AGE = 60 * 60 * 24 * 60  # a link works for 60 days


def _respondent(survey_id: int, citizen_id: int) -> str:
    message = f"opinion-respondent|{survey_id}|{citizen_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


@transaction.atomic
def survey_create(*, unit: Unit, title: str, description: str, actor: Any) -> Survey:
    title = " ".join(nfc(title).split())
    if not title:
        raise ValidationFailed(_("Give the survey a title."), field="title")
    survey = Survey.objects.create(
        unit=unit, title=title[:200], description=nfc(description).strip(), created_by=actor
    )
    audit_record(actor=actor, action="survey.create", obj=survey, unit=unit, after={"title": survey.title})
    return survey


@transaction.atomic
def question_add(
    *, survey: Survey, kind: str, text: str, choices: Sequence[str], required: bool, actor: Any
) -> Question:
    if survey.status != SurveyStatus.DRAFT:
        raise InvalidState(_("Questions can only be added while the survey is a draft."))
    text = " ".join(nfc(text).split())
    if not text:
        raise ValidationFailed(_("Write the question."), field="text")
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("Choose a kind of question."), field="kind")
    options = [" ".join(nfc(c).split()) for c in choices if c.strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
        raise ValidationFailed(_("Give at least two choices, one per line."), field="choices")
    question = Question.objects.create(
        survey=survey,
        order=survey.questions.count() + 1,
        kind=kind,
        text=text[:300],
        choices=options if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
        required=required,
    )
    audit_record(
        actor=actor, action="survey.question_add", obj=survey, unit=survey.unit, after={"question": text}
    )
    return question


@transaction.atomic
def survey_open(*, survey: Survey, actor: Any) -> Survey:
    if survey.status != SurveyStatus.DRAFT:
        raise InvalidState(_("Only a draft survey can be opened."))
    if not survey.questions.exists():
        raise InvalidState(_("Add at least one question first."))
    survey.status, survey.opened_at = SurveyStatus.OPEN, timezone.now()
    survey.save(update_fields=["status", "opened_at"])
    audit_record(actor=actor, action="survey.open", obj=survey, unit=survey.unit)
    return survey


@transaction.atomic
def survey_close(*, survey: Survey, actor: Any) -> Survey:
    if survey.status != SurveyStatus.OPEN:
        raise InvalidState(_("Only an open survey can be closed."))
    survey.status, survey.closed_at = SurveyStatus.CLOSED, timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="survey.close", obj=survey, unit=survey.unit)
    return survey


def survey_link_token(*, survey: Survey, citizen_id: int) -> str:
    """The signed token of one citizen's link (``/opinion/s/<token>/``); campaigns put it in the
    message they send. It carries the ids only, signed, so it cannot be forged or moved to another
    person."""
    from django.core import signing

    return signing.dumps({"s": survey.pk, "c": citizen_id}, salt=SURVEY_LINK_SALT, compress=True)


def survey_link_read(token: str) -> tuple[Survey, Any]:
    """(survey, citizen) of a link, or NotFound for a forged, expired or unknown one."""
    from django.core import signing

    from caunoi.citizens.models import Citizen
    from caunoi.core.errors import NotFound

    try:
        data = signing.loads(token, salt=SURVEY_LINK_SALT, max_age=SURVEY_LINK_MAX_AGE)
    except signing.BadSignature:
        raise NotFound() from None
    survey = Survey.objects.filter(pk=data.get("s")).first()
    citizen = (
        Citizen.objects.filter(pk=data.get("c"), erased_at__isnull=True).select_related("home_unit").first()
    )
    if survey is None or citizen is None:
        raise NotFound()
    return survey, citizen


def survey_already_answered(*, survey: Survey, citizen_id: int) -> bool:
    return SurveyResponse.objects.filter(
        survey=survey, respondent=_respondent(survey.pk, citizen_id)
    ).exists()


@transaction.atomic
def survey_response_submit(*, token: str, answers: dict[int, Any]) -> SurveyResponse:
    """A citizen answers through their link: once. Free text is redacted and analysed like a message
    (its mood and topic count in the results); no answer is linked to the citizen."""
    survey, citizen = survey_link_read(token)
    if survey.status != SurveyStatus.OPEN:
        raise InvalidState(_("This survey is not open."))
    respondent = _respondent(survey.pk, citizen.pk)
    if SurveyResponse.objects.filter(survey=survey, respondent=respondent).exists():
        raise InvalidState(_("You have already answered this survey. Thank you!"))
    questions = list(survey.questions.all())
    rows: list[Answer] = []
    texts: list[tuple[Answer, str]] = []
    for question in questions:
        value = answers.get(question.pk)
        if value is None or value in ("", []):
            if question.required:
                raise ValidationFailed(
                    _("Please answer: %(q)s") % {"q": question.text}, field=f"q{question.pk}"
                )
            continue
        answer = Answer(question=question)
        if question.kind == QuestionKind.SINGLE:
            answer.choices = [_choice_index(question, value)]
        elif question.kind == QuestionKind.MULTIPLE:
            answer.choices = sorted(
                {_choice_index(question, v) for v in (value if isinstance(value, list) else [value])}
            )
        elif question.kind == QuestionKind.SCALE:
            if str(value) not in {"1", "2", "3", "4", "5"}:
                raise ValidationFailed(_("Choose a value from 1 to 5."), field=f"q{question.pk}")
            answer.scale = int(str(value))
        else:
            texts.append((answer, str(value)[:2000]))
        rows.append(answer)
    if texts:
        topics = _topics_by_key()
        for (answer, _raw), result in zip(
            texts, analyse(current_models(), [t for _, t in texts]), strict=True
        ):
            answer.text = result.redacted or redact(_raw)
            answer.sentiment = result.sentiment or ""
            answer.topic = topics.get(result.topic or "")
    response = SurveyResponse.objects.create(
        survey=survey, respondent=respondent, unit=commune_of(citizen.home_unit)
    )
    for answer in rows:
        answer.response = response
    Answer.objects.bulk_create(rows)
    return response


def _choice_index(question: Question, value: Any) -> int:
    try:
        index = int(value)
    except (TypeError, ValueError):
        index = -1
    if not 0 <= index < len(question.choices):
        raise ValidationFailed(_("Choose one of the answers offered."), field=f"q{question.pk}")
    return index


# Field reports (báo cáo dư luận từ cơ sở) ---------------------------------------------------------

FIELD_REPORT_MAX_LINES = 50


@transaction.atomic
def field_report_submit(
    *, unit: Unit, day: dt.date, mood: str, remarks: str, proposals: str, actor: Any
) -> FieldReport:
    """A collaborator's report. Each remark line is redacted and analysed like a citizen's message
    and counted once in the topic x commune x day counts (a line stands for one voice heard)."""
    if mood not in Sentiment.values:
        raise ValidationFailed(_("Choose negative, neutral or positive."), field="mood")
    if day > timezone.localdate():
        raise ValidationFailed(_("The day cannot be in the future."), field="day")
    lines = [" ".join(line.split()) for line in nfc(remarks).splitlines() if line.strip()]
    if not lines:
        raise ValidationFailed(_("Write at least one remark, one per line."), field="remarks")
    if len(lines) > FIELD_REPORT_MAX_LINES:
        raise ValidationFailed(
            _("At most %(n)s remarks per report.") % {"n": FIELD_REPORT_MAX_LINES}, field="remarks"
        )
    commune = commune_of(unit)
    report = FieldReport.objects.create(
        unit=commune,
        day=day,
        mood=mood,
        remarks="\n".join(redact(line) for line in lines),
        proposals=redact(nfc(proposals).strip()),
        reported_by=actor,
    )
    models = current_models()
    results = analyse(models, lines)
    _record(
        [(result, commune, day, None) for result in results],
        source=Source.FIELD_REPORT,
        model_key=models.key,
    )
    topics = _topics_by_key()
    marks = [
        ContributorMark(
            topic=topics.get(result.topic or "") or topics[FALLBACK_TOPIC],
            unit=commune,
            day=day,
            month=f"{day:%Y-%m}",
            mark=_field_mark(report.pk, n),
        )
        for n, result in enumerate(results)
        if result.skipped is None
    ]
    ContributorMark.objects.bulk_create(marks, ignore_conflicts=True)
    _recount_people({(m.topic.pk, commune.pk, day) for m in marks})
    audit_record(
        actor=actor, action="opinion.field_report", obj=report, unit=commune, after={"remarks": len(lines)}
    )
    return report


def _field_mark(report_id: int, line: int) -> str:
    message = f"opinion-field-report|{report_id}|{line}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


# Notices to staff: the weekly digest for leaders, reminders of missing field reports ---------------

DIGEST_HOUR = 7  # local time on Monday from which the week's digest goes out
REPORT_REMINDER_FROM_DAY = 20  # from this day of the month, a commune without a report is reminded
LEADER_ROLES = (Role.APPROVER,)  # lãnh đạo: the people who approve, and so decide what to answer
REPORTING_ROLES = tuple(role for role, caps in ROLE_CAPABILITIES.items() if Capability.FIELD_REPORTS in caps)


def week_of(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _notices_create(kind: str, period: str, pairs: Iterable[tuple[int, int]]) -> int:
    """Write the notices of a period that do not exist yet; a rerun adds nothing."""
    existing = set(StaffNotice.objects.filter(kind=kind, period=period).values_list("user_id", "unit_id"))
    rows = [
        StaffNotice(kind=kind, user_id=user_id, unit_id=unit_id, period=period)
        for user_id, unit_id in dict.fromkeys(pairs)
        if (user_id, unit_id) not in existing
    ]
    StaffNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def digests_prepare(*, now: dt.datetime) -> int:
    """Bản tin dư luận tuần: from Monday DIGEST_HOUR, one digest per leader and unit for the ISO week
    (the leader roles at a province or a commune), about the full week before. Returns how many were
    written."""
    local = timezone.localtime(now)
    if local.weekday() == 0 and local.hour < DIGEST_HOUR:
        return 0
    from caunoi.accounts.models import RoleAssignment

    leaders = (
        RoleAssignment.objects.active()
        .filter(role__in=LEADER_ROLES, user__is_active=True, unit__in=Unit.objects.active())
        .filter(unit__level__in=(UnitLevel.PROVINCE, UnitLevel.COMMUNE))
        .values_list("user_id", "unit_id")
    )
    period = week_of(local.date())
    written = _notices_create(NoticeKind.DIGEST, period, leaders)
    if written:
        audit_record(actor=None, action="opinion.digests", after={"period": period, "written": written})
    return written


def _reported_units(today: dt.date) -> QuerySet[FieldReport, Any]:
    return FieldReport.objects.filter(day__year=today.year, day__month=today.month).values("unit_id")


@transaction.atomic
def report_reminders_prepare(*, today: dt.date) -> int:
    """Nhắc báo cáo dư luận tháng: from REPORT_REMINDER_FROM_DAY, every collaborator or officer of a
    commune that has sent no field report this month gets one reminder for the month."""
    if today.day < REPORT_REMINDER_FROM_DAY:
        return 0
    from caunoi.accounts.models import RoleAssignment

    staff = (
        RoleAssignment.objects.active()
        .filter(
            role__in=REPORTING_ROLES,
            user__is_active=True,
            unit__in=Unit.objects.active(),
            unit__level=UnitLevel.COMMUNE,
        )
        .exclude(unit_id__in=_reported_units(today))
        .values_list("user_id", "unit_id")
    )
    period = f"{today:%Y-%m}"
    written = _notices_create(NoticeKind.REPORT_REMINDER, period, staff)
    if written:
        audit_record(
            actor=None, action="opinion.report_reminders", after={"period": period, "written": written}
        )
    return written


def notices_send(*, limit: int = 200) -> int:
    """Email the notices written above, each claimed before its email goes out so two workers or a
    rerun never send it twice. A refused email is released for the next run; a reminder whose
    commune has reported meanwhile, and any notice to someone without an email address, is closed
    unsent (the reminder still shows in the product until the report arrives)."""
    from caunoi.opinion import notices

    ids = list(
        StaffNotice.objects.filter(claimed_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for pk in ids:
        if not StaffNotice.objects.filter(pk=pk, claimed_at__isnull=True).update(claimed_at=timezone.now()):
            continue  # another worker has it
        notice = StaffNotice.objects.select_related("user", "unit").get(pk=pk)
        email = notices.compose(notice)
        if isinstance(email, str):
            StaffNotice.objects.filter(pk=pk).update(error=email)
            continue
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as error:
            StaffNotice.objects.filter(pk=pk).update(claimed_at=None, error=str(error)[:200])
            continue
        with transaction.atomic():
            StaffNotice.objects.filter(pk=pk).update(sent_at=timezone.now(), error="")
            audit_record(
                actor=None,
                action="opinion.notice_send",
                obj=notice,
                unit=notice.unit,
                after={"kind": notice.kind, "period": notice.period},
            )
        sent += 1
    return sent


def notices_run(*, now: dt.datetime | None = None) -> int:
    """The hourly round: write the week's digests and the month's reminders that are due, then email
    whatever is waiting. Returns how many emails went out."""
    now = now or timezone.now()
    digests_prepare(now=now)
    report_reminders_prepare(today=timezone.localtime(now).date())
    return notices_send()


# Answering what people worry about (trả lời những điều người dân quan tâm) ---------------------------


def response_targets(source: EmergingTopic | SpikeAlert) -> list[Unit]:
    """The communes a response to an emerging topic or a spike is about: the spike's commune, or the
    communes the emerging topic's messages came from (the province only when none was placed)."""
    if isinstance(source, SpikeAlert):
        return [source.unit]
    units = list(source.units.order_by("name"))
    communes = [u for u in units if u.level != UnitLevel.PROVINCE]
    return communes or units  # messages not placed in a commune point at the province only if alone


def _response_unit(viewer: Any, targets: Sequence[Unit], capability: Capability) -> Unit:
    """The unit the draft belongs to: the viewer's narrowest unit with the capability that covers
    every target (a commune officer answering their commune's spike drafts it as the commune)."""
    from caunoi.geo.models import Unit as UnitModel

    prefixes = sorted(viewer.prefixes(capability), key=len, reverse=True)
    for prefix in prefixes:
        if all(t.path.startswith(prefix) for t in targets):
            return UnitModel.objects.get(path=prefix)
    raise ValidationFailed(_("These communes are outside your area."), field="target_units")


def response_campaign_draft(
    *,
    source: EmergingTopic | SpikeAlert,
    title: str,
    body: str,
    channels: Sequence[str],
    viewer: Any,
    actor: Any,
) -> Any:
    """Soạn chiến dịch trả lời: a draft campaign to the communes concerned, made by the campaigns'
    own service, so it goes through their usual approval; nothing is sent here."""
    from caunoi.campaigns import services as campaigns

    targets = [t for t in response_targets(source) if viewer.covers(Capability.WRITE_CAMPAIGNS, t)]
    if not targets:
        raise ValidationFailed(_("These communes are outside your area."), field="target_units")
    unit = _response_unit(viewer, targets, Capability.WRITE_CAMPAIGNS)
    with transaction.atomic():
        campaign = campaigns.campaign_create(
            unit=unit, title=title, body=body, channels=channels, target_units=targets, actor=actor
        )
        audit_record(
            actor=actor,
            action="opinion.response_campaign",
            obj=source,
            unit=unit,
            after={"campaign": campaign.pk, "targets": [t.code for t in targets]},
        )
    return campaign


def response_answer_draft(
    *, source: EmergingTopic | SpikeAlert, unit: Unit, question: str, keywords: str, answer: str, actor: Any
) -> Any:
    """Soạn câu trả lời mẫu: a knowledge-base entry, not approved, made by the inbox's own service; it
    answers citizens automatically only once an officer approves it in the inbox settings."""
    from caunoi.inbox import services as inbox

    with transaction.atomic():
        entry = inbox.knowledge_entry_save(
            unit=unit, question=question, answer=answer, keywords=keywords, approved=False, actor=actor
        )
        audit_record(
            actor=actor,
            action="opinion.response_answer",
            obj=source,
            unit=unit,
            after={"knowledge_entry": entry.pk},
        )
    return entry
