"""Every change to the "Dân vận khéo" registry: register, submit, evaluate, recognise, replicate.

Each function validates, writes in one transaction and records an audit row. Callers have already
fetched the objects through ``selectors.access_*`` (scope); the rules that are about the object itself
(a draft only is editable, a member never scores their own commune) live here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.accounts.models import User
from caunoi.core.errors import InvalidState, PermissionDenied, ValidationFailed
from caunoi.core.services import audit_record
from caunoi.core.text import fold, nfc
from caunoi.geo.models import Unit, UnitLevel
from caunoi.practices import evidence as evidence_files
from caunoi.practices.models import (
    DEFAULT_WEIGHTS,
    LEVEL_RANK,
    Committee,
    CommitteeMember,
    Criterion,
    CriterionKey,
    Evaluation,
    EvaluationStatus,
    Evidence,
    Level,
    Practice,
    PracticeField,
    PracticeStatus,
    Replication,
    ReplicationStatus,
    ReplicationUpdate,
    Score,
    StatusChange,
)
from caunoi.practices.selectors import evaluation_result, is_from_commune_of, stale_days

TEXT_FIELDS = ("title", "people_in_charge", "problem", "method", "results", "beneficiaries_note")


def _user(actor: Any) -> User | None:
    """The staff member to store in ``created_by``-style columns (None for a token or the system)."""
    return actor if isinstance(actor, User) else getattr(actor, "user", None)


def _search_text(practice: Practice) -> str:
    """The folded text search runs on: "ngap lut" finds "ngập lụt", the commune name included."""
    parts = [practice.title, practice.problem, practice.method, practice.results, practice.people_in_charge]
    parts.append(practice.unit.name)
    return fold(" ".join(parts))


def _clean_figures(figures: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for figure in figures:
        label = nfc(str(figure.get("label", ""))).strip()
        unit = nfc(str(figure.get("unit", ""))).strip()
        try:
            value = Decimal(str(figure.get("value", "")).replace(",", "."))
        except InvalidOperation:
            raise ValidationFailed(
                _("“%(label)s”: the figure must be a number.") % {"label": label}, field="figures"
            ) from None
        if not label or not value.is_finite():
            raise ValidationFailed(_("Each figure needs a label and a number."), field="figures")
        cleaned.append({"label": label[:120], "value": float(value), "unit": unit[:40]})
    return cleaned


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    for name in TEXT_FIELDS:
        if name in fields:
            fields[name] = nfc(str(fields[name] or "")).strip()
    for name in ("title", "people_in_charge", "problem", "method"):
        if name in fields and not fields[name]:
            raise ValidationFailed(_("This field is required."), field=name)
    if "field" in fields and fields["field"] not in PracticeField.values:
        raise ValidationFailed(_("Choose one of the four fields."), field="field")
    year = fields.get("year")
    if year is not None and not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ValidationFailed(_("Enter a year from 2000 to next year."), field="year")
    started, ended = fields.get("started_on"), fields.get("ended_on")
    if started and ended and ended < started:
        raise ValidationFailed(_("The end cannot be before the start."), field="ended_on")
    if "figures" in fields:
        fields["figures"] = _clean_figures(fields["figures"] or [])
    if "beneficiaries" in fields and int(fields["beneficiaries"] or 0) < 0:
        raise ValidationFailed(_("Enter a number of people, 0 or more."), field="beneficiaries")
    return fields


def _lock(practice: Practice) -> Practice:
    """Re-read the workflow fields under a row lock, so two officers acting at once cannot both pass."""
    current = (
        Practice.objects.select_for_update()
        .only("status", "recognised_level", "recognised_year")
        .get(pk=practice.pk)
    )
    practice.status = current.status
    practice.recognised_level = current.recognised_level
    practice.recognised_year = current.recognised_year
    return practice


def _record_change(*, practice: Practice, to_status: str, actor: Any, comment: str = "") -> None:
    StatusChange.objects.create(
        practice=practice,
        from_status=practice.status,
        to_status=to_status,
        comment=nfc(comment).strip(),
        actor=_user(actor),
    )
    practice.status = to_status


@transaction.atomic
def practice_create(
    *,
    unit: Unit,
    year: int,
    title: str,
    field: str,
    people_in_charge: str,
    started_on: dt.date,
    problem: str,
    method: str,
    actor: Any,
    ended_on: dt.date | None = None,
    results: str = "",
    figures: Iterable[Mapping[str, Any]] = (),
    beneficiaries: int = 0,
    beneficiaries_note: str = "",
) -> Practice:
    """Đăng ký mô hình: a commune (or a provincial body) registers a practice for a year, as a draft."""
    if unit.level not in (UnitLevel.COMMUNE, UnitLevel.PROVINCE):
        raise ValidationFailed(_("A practice belongs to a commune or to the province."), field="unit")
    fields = _validate(
        {
            "year": year,
            "title": title,
            "field": field,
            "people_in_charge": people_in_charge,
            "started_on": started_on,
            "ended_on": ended_on,
            "problem": problem,
            "method": method,
            "results": results,
            "figures": list(figures),
            "beneficiaries": beneficiaries,
            "beneficiaries_note": beneficiaries_note,
        }
    )
    practice = Practice(unit=unit, created_by=_user(actor), **fields)
    practice.search_folded = _search_text(practice)
    practice.save()
    StatusChange.objects.create(practice=practice, to_status=PracticeStatus.DRAFT, actor=_user(actor))
    audit_record(actor=actor, action="practice.create", obj=practice, unit=unit)
    return practice


@transaction.atomic
def practice_update(*, practice: Practice, actor: Any, **changes: Any) -> Practice:
    """Edit a draft; once submitted the text is what the committee scores, so it is frozen."""
    if not _lock(practice).is_editable:
        raise InvalidState(_("Only a draft can be edited."))
    allowed = {*TEXT_FIELDS, "year", "field", "started_on", "ended_on", "figures", "beneficiaries"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Unknown field."), field=sorted(unknown)[0])
    merged = {name: changes.get(name, getattr(practice, name)) for name in allowed}
    fields = _validate(merged)
    changed = sorted(name for name, value in fields.items() if getattr(practice, name) != value)
    for name, value in fields.items():
        setattr(practice, name, value)
    practice.search_folded = _search_text(practice)
    practice.save()
    audit_record(
        actor=actor, action="practice.update", obj=practice, unit=practice.unit, after={"fields": changed}
    )
    return practice


@transaction.atomic
def practice_submit(*, practice: Practice, actor: Any, comment: str = "") -> Practice:
    """Gửi đăng ký: a draft with results and at least one piece of evidence goes to the committee."""
    if _lock(practice).status != PracticeStatus.DRAFT:
        raise InvalidState(_("Only a draft can be submitted."))
    if not practice.results.strip() and not practice.figures:
        raise ValidationFailed(_("Describe the results (with figures) before submitting."), field="results")
    if not practice.evidence.exists():
        raise ValidationFailed(_("Attach at least one photo or document as evidence."), field="file")
    _record_change(practice=practice, to_status=PracticeStatus.SUBMITTED, actor=actor, comment=comment)
    practice.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="practice.submit", obj=practice, unit=practice.unit)
    return practice


@transaction.atomic
def practice_return(*, practice: Practice, actor: Any, comment: str) -> Practice:
    """Trả lại để bổ sung: the evaluating side sends a submitted practice back, saying what is missing."""
    if _lock(practice).status != PracticeStatus.SUBMITTED:
        raise InvalidState(_("Only a submitted practice can be returned."))
    if not comment.strip():
        raise ValidationFailed(_("Say what the commune should add or correct."), field="comment")
    _record_change(practice=practice, to_status=PracticeStatus.DRAFT, actor=actor, comment=comment)
    practice.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="practice.return",
        obj=practice,
        unit=practice.unit,
        after={"comment": comment[:200]},
    )
    return practice


def evidence_add(
    *, practice: Practice, upload: evidence_files.Upload, actor: Any, caption: str = ""
) -> Evidence:
    """Đính kèm minh chứng. The file is checked and written first; the row follows in a transaction,
    and a failed row removes the file again, so neither exists without the other."""
    if not practice.is_editable:
        raise InvalidState(_("Evidence can be added to a draft only."))
    stored = evidence_files.store(upload, folder=str(practice.pk))
    try:
        with transaction.atomic():
            item = Evidence.objects.create(
                practice=practice,
                kind=stored.file_type.kind,
                caption=nfc(caption).strip()[:200],
                original_name=stored.original_name,
                content_type=stored.file_type.content_type,
                size=stored.size,
                sha256=stored.sha256,
                stored_name=stored.stored_name,
                uploaded_by=_user(actor),
            )
            audit_record(
                actor=actor,
                action="evidence.add",
                obj=item,
                unit=practice.unit,
                after={"practice": practice.pk, "type": stored.file_type.content_type, "size": stored.size},
            )
    except BaseException:
        evidence_files.discard(stored.stored_name)
        raise
    return item


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor: Any) -> None:
    practice = evidence.practice
    if not practice.is_editable:
        raise InvalidState(_("Evidence can be removed from a draft only."))
    stored_name = evidence.stored_name
    audit_record(
        actor=actor,
        action="evidence.remove",
        obj=evidence,
        unit=practice.unit,
        before={"practice": practice.pk, "name": evidence.original_name},
    )
    evidence.delete()
    transaction.on_commit(lambda: evidence_files.discard(stored_name))


def _check_committee_unit(level: str, unit: Unit) -> None:
    wanted = UnitLevel.COMMUNE if level == Level.COMMUNE else UnitLevel.PROVINCE
    if unit.level != wanted:
        raise ValidationFailed(
            _("A commune-level committee sits in a commune; province and central ones in the province."),
            field="unit",
        )


@transaction.atomic
def committee_create(*, name: str, level: str, year: int, unit: Unit, actor: Any) -> Committee:
    """Lập hội đồng: the four criteria start with the default weights, changed afterwards if needed."""
    if level not in Level.values:
        raise ValidationFailed(_("Choose a level."), field="level")
    _check_committee_unit(level, unit)
    name = nfc(name).strip()
    if not name:
        raise ValidationFailed(_("This field is required."), field="name")
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationFailed(_("Enter a year from 2000 to next year."), field="year")
    committee = Committee.objects.create(
        name=name, level=level, year=year, unit=unit, created_by=_user(actor)
    )
    Criterion.objects.bulk_create(
        Criterion(committee=committee, key=key, weight=weight) for key, weight in DEFAULT_WEIGHTS.items()
    )
    audit_record(
        actor=actor, action="committee.create", obj=committee, unit=unit, after={"level": level, "year": year}
    )
    return committee


@transaction.atomic
def committee_weights_set(*, committee: Committee, weights: Mapping[str, int], actor: Any) -> Committee:
    """Trọng số tiêu chí: whole percentages that sum to 100; frozen once the committee has decided."""
    if set(weights) != set(CriterionKey.values):
        raise ValidationFailed(_("Give a weight for each of the four criteria."), field="weights")
    for key, weight in weights.items():
        if not isinstance(weight, int) or not 0 <= weight <= 100:
            raise ValidationFailed(_("A weight is a whole number from 0 to 100."), field=key)
    total = sum(weights.values())
    if total != 100:
        raise ValidationFailed(
            _("The weights add up to %(total)s; they must add up to 100.") % {"total": total}, field="weights"
        )
    if committee.evaluations.filter(status=EvaluationStatus.DECIDED).exists():
        raise InvalidState(_("This committee has already decided; its weights can no longer change."))
    before = dict(committee.criteria.values_list("key", "weight"))
    for criterion in committee.criteria.all():
        criterion.weight = weights[criterion.key]
        criterion.save(update_fields=["weight"])
    audit_record(
        actor=actor,
        action="committee.weights",
        obj=committee,
        unit=committee.unit,
        before=before,
        after=dict(weights),
    )
    return committee


@transaction.atomic
def committee_member_add(*, committee: Committee, user: User, actor: Any) -> CommitteeMember:
    if not user.is_active:
        raise ValidationFailed(_("This account is disabled."), field="user")
    try:
        with transaction.atomic():
            member = CommitteeMember.objects.create(committee=committee, user=user)
    except IntegrityError:
        raise InvalidState(_("%(name)s is already a member.") % {"name": user}) from None
    audit_record(
        actor=actor,
        action="committee.member_add",
        obj=committee,
        unit=committee.unit,
        after={"user": user.pk},
    )
    return member


@transaction.atomic
def committee_member_remove(*, committee: Committee, user: User, actor: Any) -> None:
    """A member leaves; scores already given stay, since the results computed from them stand."""
    deleted, _rows = CommitteeMember.objects.filter(committee=committee, user=user).delete()
    if not deleted:
        raise InvalidState(_("%(name)s is not a member.") % {"name": user})
    audit_record(
        actor=actor,
        action="committee.member_remove",
        obj=committee,
        unit=committee.unit,
        before={"user": user.pk},
    )


@transaction.atomic
def evaluation_open(*, practice: Practice, committee: Committee, actor: Any) -> Evaluation:
    """Đưa ra hội đồng: a submitted practice, or one recognised at a lower level, goes to a committee
    of its area. A submitted practice becomes "under evaluation"; a recognised one keeps its standing
    until the higher committee decides."""
    if not practice.unit.path.startswith(committee.unit.path):
        raise ValidationFailed(_("This committee does not cover the practice's unit."), field="committee")
    if practice.year > committee.year:
        raise ValidationFailed(_("The committee's year is before the practice's year."), field="committee")
    if _lock(practice).status == PracticeStatus.SUBMITTED:
        _record_change(practice=practice, to_status=PracticeStatus.UNDER_EVALUATION, actor=actor)
        practice.save(update_fields=["status", "updated_at"])
    elif not (
        practice.status == PracticeStatus.RECOGNISED
        and LEVEL_RANK[committee.level] > LEVEL_RANK[practice.recognised_level]
    ):
        raise InvalidState(
            _("Only a submitted practice, or one recognised at a lower level, can go to this committee.")
        )
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(practice=practice, committee=committee)
    except IntegrityError:
        raise InvalidState(_("This committee is already evaluating this practice.")) from None
    audit_record(
        actor=actor,
        action="evaluation.open",
        obj=evaluation,
        unit=practice.unit,
        after={"practice": practice.pk, "committee": committee.pk},
    )
    return evaluation


def _score_value(raw: Any, label: str, key: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationFailed(
            _("%(criterion)s: enter a score from 0 to 10.") % {"criterion": label}, field=key
        ) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(10):
        raise ValidationFailed(
            _("%(criterion)s: %(value)s is outside 0-10.") % {"criterion": label, "value": raw}, field=key
        )
    if value != value.quantize(Decimal("0.1")):
        raise ValidationFailed(
            _("%(criterion)s: use at most one decimal place.") % {"criterion": label}, field=key
        )
    return value


@transaction.atomic
def score_record(*, evaluation: Evaluation, member: User, scores: Mapping[str, Any]) -> list[Score]:
    """Chấm điểm: one member's scores on every criterion, 0 to 10; a new sheet replaces the old one.

    A member who works in the practice's own commune may not score it (conflict of interest).
    """
    if evaluation.status != EvaluationStatus.OPEN:
        raise InvalidState(_("This evaluation is closed."))
    committee = evaluation.committee
    if not CommitteeMember.objects.filter(committee=committee, user=member).exists():
        raise PermissionDenied(_("Only members of the committee can score."))
    practice = evaluation.practice
    if is_from_commune_of(member, practice):
        raise PermissionDenied(
            _("You work in %(unit)s, the practice's own unit, so you cannot score it.")
            % {"unit": practice.unit}
        )
    criteria = list(committee.criteria.all())
    values: dict[int, Decimal] = {}
    for criterion in criteria:
        label = str(criterion.get_key_display())
        if criterion.key not in scores or str(scores[criterion.key]).strip() == "":
            raise ValidationFailed(
                _("%(criterion)s: enter a score from 0 to 10.") % {"criterion": label}, field=criterion.key
            )
        values[criterion.pk] = _score_value(scores[criterion.key], label, criterion.key)
    rows = []
    for criterion in criteria:
        score, _created = Score.objects.update_or_create(
            evaluation=evaluation,
            member=member,
            criterion=criterion,
            defaults={"value": values[criterion.pk]},
        )
        rows.append(score)
    audit_record(
        actor=member,
        action="evaluation.score",
        obj=evaluation,
        unit=practice.unit,
        after={c.key: str(values[c.pk]) for c in criteria},
    )
    return rows


@transaction.atomic
def evaluation_decide(
    *, evaluation: Evaluation, recognised: bool, actor: Any, comment: str = ""
) -> Evaluation:
    """Công nhận / không công nhận: the committee's decision, from at least one complete score sheet.

    Recognition sets the practice's level to the committee's level and year; refusal needs a comment
    and leaves an earlier, lower recognition in place.
    """
    evaluation.status = (
        Evaluation.objects.select_for_update().values_list("status", flat=True).get(pk=evaluation.pk)
    )
    if evaluation.status != EvaluationStatus.OPEN:
        raise InvalidState(_("This evaluation is already decided."))
    result = evaluation_result(evaluation)
    if result.members == 0:
        raise InvalidState(_("No member has scored every criterion yet."))
    comment = nfc(comment).strip()
    if not recognised and not comment:
        raise ValidationFailed(_("Say why the practice is not recognised."), field="comment")
    practice = Practice.objects.select_for_update().get(pk=evaluation.practice_id)
    committee = evaluation.committee
    if recognised:
        if practice.status != PracticeStatus.RECOGNISED:
            _record_change(
                practice=practice, to_status=PracticeStatus.RECOGNISED, actor=actor, comment=comment
            )
        else:
            StatusChange.objects.create(
                practice=practice,
                from_status=practice.status,
                to_status=practice.status,
                comment=comment or str(_("Recognised at a higher level.")),
                actor=_user(actor),
            )
        practice.recognised_level = committee.level
        practice.recognised_year = committee.year
    elif practice.status == PracticeStatus.UNDER_EVALUATION:
        _record_change(
            practice=practice, to_status=PracticeStatus.NOT_RECOGNISED, actor=actor, comment=comment
        )
    practice.save(update_fields=["status", "recognised_level", "recognised_year", "updated_at"])
    evaluation.status = EvaluationStatus.DECIDED
    evaluation.decided_at = timezone.now()
    evaluation.result = result.mean
    evaluation.recognised = recognised
    evaluation.comment = comment
    evaluation.save(update_fields=["status", "decided_at", "result", "recognised", "comment"])
    audit_record(
        actor=actor,
        action="evaluation.decide",
        obj=evaluation,
        unit=practice.unit,
        after={"recognised": recognised, "result": str(result.mean), "level": committee.level},
    )
    return evaluation


@transaction.atomic
def replication_start(
    *, source: Practice, unit: Unit, adaptation_notes: str, started_on: dt.date, actor: Any
) -> Replication:
    """Nhân rộng mô hình: another commune adopts a recognised practice and says how it adapts it."""
    if source.status != PracticeStatus.RECOGNISED:
        raise InvalidState(_("Only a recognised practice can be replicated."))
    if unit.level != UnitLevel.COMMUNE:
        raise ValidationFailed(_("Choose the commune that adopts the practice."), field="unit")
    if unit.pk == source.unit_id:
        raise ValidationFailed(_("A commune does not replicate its own practice."), field="unit")
    notes = nfc(adaptation_notes).strip()
    if not notes:
        raise ValidationFailed(
            _("Say how the practice is adapted to your commune."), field="adaptation_notes"
        )
    try:
        with transaction.atomic():
            replication = Replication.objects.create(
                source=source,
                unit=unit,
                year=started_on.year,
                adaptation_notes=notes,
                started_on=started_on,
                last_update_at=timezone.now(),
                created_by=_user(actor),
            )
    except IntegrityError:
        raise InvalidState(_("%(unit)s is already replicating this practice.") % {"unit": unit}) from None
    audit_record(
        actor=actor, action="replication.start", obj=replication, unit=unit, after={"source": source.pk}
    )
    return replication


@transaction.atomic
def replication_report(
    *,
    replication: Replication,
    progress: int,
    note: str,
    actor: Any,
    results: str = "",
    beneficiaries: int = 0,
    status: str = ReplicationStatus.IN_PROGRESS,
) -> ReplicationUpdate:
    """Báo cáo tiến độ: progress, what happened and results so far; completed or stopped ends it."""
    if replication.status != ReplicationStatus.IN_PROGRESS:
        raise InvalidState(_("This replication has ended."))
    if not 0 <= progress <= 100:
        raise ValidationFailed(_("Progress is a percentage from 0 to 100."), field="progress")
    if status not in ReplicationStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    if beneficiaries < 0:
        raise ValidationFailed(_("Enter a number of people, 0 or more."), field="beneficiaries")
    note = nfc(note).strip()
    if not note:
        raise ValidationFailed(_("Say what happened since the last report."), field="note")
    results = nfc(results).strip()
    if status == ReplicationStatus.COMPLETED and not (results or replication.results):
        raise ValidationFailed(_("Describe the results before marking it completed."), field="results")
    update = ReplicationUpdate.objects.create(
        replication=replication,
        progress=progress,
        note=note,
        results=results,
        beneficiaries=beneficiaries,
        author=_user(actor),
    )
    replication.progress = 100 if status == ReplicationStatus.COMPLETED else progress
    replication.status = status
    if results:
        replication.results = results
    if beneficiaries:
        replication.beneficiaries = beneficiaries
    replication.last_update_at = timezone.now()
    replication.save(update_fields=["progress", "status", "results", "beneficiaries", "last_update_at"])
    audit_record(
        actor=actor,
        action="replication.update",
        obj=replication,
        unit=replication.unit,
        after={"progress": replication.progress, "status": status},
    )
    return update


@transaction.atomic
def replications_remind_stale(*, now: dt.datetime | None = None) -> int:
    """Nhắc báo cáo: flag replications in progress without an update for ``stale_days()`` days.

    Each is reminded once per quiet period (``reminded_at`` after the last update); the reminder is an
    audit row the commune's dashboard card shows. Returns how many were reminded.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=stale_days())
    due = list(
        Replication.objects.select_for_update()
        .filter(status=ReplicationStatus.IN_PROGRESS, last_update_at__lt=cutoff)
        .exclude(reminded_at__gt=cutoff)
        .select_related("unit", "source")
    )
    for replication in due:
        replication.reminded_at = now
        replication.save(update_fields=["reminded_at"])
        audit_record(
            actor=None,
            action="replication.remind",
            obj=replication,
            unit=replication.unit,
            after={"days_quiet": (now - replication.last_update_at).days},
        )
    return len(due)
