from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caunoi.accounts.models import User
from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.geo.models import Unit, UnitLevel
from caunoi.practices import evidence as evidence_files
from caunoi.practices import exports, selectors, services
from caunoi.practices.forms import (
    CommentForm,
    CommitteeForm,
    DecideForm,
    EvidenceForm,
    MemberForm,
    PracticeForm,
    ReplicationForm,
    ReplicationUpdateForm,
    ScoreForm,
    SimilarForm,
    WeightsForm,
    figures_to_text,
)
from caunoi.practices.models import (
    EvaluationStatus,
    Level,
    Practice,
    PracticeField,
    PracticeStatus,
    ReplicationStatus,
)
from caunoi.reports.pdf import pdf_response, render_pdf
from caunoi.reports.xlsx import xlsx_response

PAGE_SIZE = 30


def _form_error(form: Form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _units(request: HttpRequest, capability: Capability, levels: tuple[str, ...]) -> QuerySet[Unit]:
    return (
        Unit.objects.active().filter(viewer_of(request).unit_q(capability), level__in=levels).order_by("path")
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# Practices ---------------------------------------------------------------------------------------


@capability_required(Capability.VIEW_PRACTICES)
def practice_list(request: HttpRequest) -> HttpResponse:
    """Sổ mô hình: search without diacritics, filter by field, year, status and level."""
    viewer = viewer_of(request)
    filters = selectors.PracticeFilters(
        search=request.GET.get("q", "").strip()[:200],
        field=request.GET.get("field", "") if request.GET.get("field") in PracticeField.values else "",
        year=_int(request.GET.get("year")),
        status=request.GET.get("status", "") if request.GET.get("status") in PracticeStatus.values else "",
        level=request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
        mine=request.GET.get("mine") == "1",
    )
    page = Paginator(selectors.practice_list(viewer=viewer, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "practices/_rows.html" if request.htmx else "practices/list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "page": page,
            "filters": filters,
            "fields": PracticeField.choices,
            "statuses": PracticeStatus.choices,
            "levels": Level.choices,
            "can_register": viewer.can(Capability.REGISTER_PRACTICES),
            "can_evaluate": viewer.can(Capability.MANAGE_EVALUATIONS),
            "query": request.GET.urlencode(),
        },
    )


@capability_required(Capability.REGISTER_PRACTICES)
@require_http_methods(["GET", "POST"])
def practice_create(request: HttpRequest) -> HttpResponse:
    units = _units(request, Capability.REGISTER_PRACTICES, (UnitLevel.COMMUNE, UnitLevel.PROVINCE))
    form = PracticeForm(request.POST or None, units=units, initial={"unit": units.first()})
    if request.method == "POST" and form.is_valid():
        try:
            practice = services.practice_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Practice registered as a draft. Attach evidence, then submit it."))
            return redirect("practices:detail", practice_id=practice.pk)
    return render(request, "practices/form.html", {"form": form, "creating": True}, status=_status(form))


def _status(form: Form) -> int:
    return 422 if form.is_bound and form.errors else 200


@capability_required(Capability.REGISTER_PRACTICES)
@require_http_methods(["GET", "POST"])
def practice_edit(request: HttpRequest, practice_id: int) -> HttpResponse:
    practice = selectors.access_practice(viewer_of(request), practice_id, manage=True)
    units = _units(request, Capability.REGISTER_PRACTICES, (UnitLevel.COMMUNE, UnitLevel.PROVINCE))
    initial = {name: getattr(practice, name) for name in PracticeForm.base_fields if name != "figures"}
    initial["figures"] = figures_to_text(practice.figures)
    form = PracticeForm(request.POST or None, units=units.filter(pk=practice.unit_id), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "unit"}
        try:
            services.practice_update(practice=practice, actor=request.user, **data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("practices:detail", practice_id=practice.pk)
    return render(
        request,
        "practices/form.html",
        {"form": form, "practice": practice, "creating": False},
        status=_status(form),
    )


@capability_required(Capability.VIEW_PRACTICES)
def practice_detail(request: HttpRequest, practice_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    practice = selectors.access_practice(viewer, practice_id)
    return _render_detail(request, practice)


def _render_detail(
    request: HttpRequest, practice: Practice, *, evidence_form: EvidenceForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = viewer_of(request)
    manage = selectors.can_manage(viewer, practice)
    evaluations = list(
        practice.evaluations.select_related("committee", "committee__unit").order_by("opened_at")
    )
    # Members' score sheets are for the committee; the commune sees the result and the comment.
    open_evaluations = {
        e.pk
        for e in evaluations
        if selectors.can_evaluate(viewer, e.committee.unit) or selectors.is_member(request.user, e.committee)
    }
    similar = selectors.practices_similar(
        viewer=viewer, text=f"{practice.title} {practice.problem}", exclude=[practice.pk], limit=5
    )
    replicate_units = _units(request, Capability.REGISTER_PRACTICES, (UnitLevel.COMMUNE,)).exclude(
        pk=practice.unit_id
    )
    return render(
        request,
        "practices/detail.html",
        {
            "practice": practice,
            "evidence": practice.evidence.all(),
            "changes": practice.changes.select_related("actor"),
            "evaluations": evaluations,
            "open_evaluations": open_evaluations,
            "replications": selectors.replication_list(viewer=viewer, source=practice),
            "similar": similar,
            "can_manage": manage,
            "can_evaluate": selectors.can_evaluate(viewer, practice.unit),
            "can_replicate": practice.status == PracticeStatus.RECOGNISED and replicate_units.exists(),
            "evidence_form": evidence_form or EvidenceForm(),
            "comment_form": CommentForm(),
            "max_bytes": evidence_files.max_bytes(),
        },
        status=status,
    )


@capability_required(Capability.REGISTER_PRACTICES)
@require_POST
def practice_submit(request: HttpRequest, practice_id: int) -> HttpResponse:
    practice = selectors.access_practice(viewer_of(request), practice_id, manage=True)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.practice_submit(
            practice=practice, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        messages.success(request, _("Submitted to the evaluation committee."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("practices:detail", practice_id=practice.pk)


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def practice_return(request: HttpRequest, practice_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    practice = selectors.access_practice(viewer, practice_id)
    if not selectors.can_evaluate(viewer, practice.unit):
        raise NotFound()
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.practice_return(
            practice=practice, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        messages.success(request, _("Returned to the commune with your comment."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("practices:detail", practice_id=practice.pk)


@capability_required(Capability.REGISTER_PRACTICES)
@require_POST
def evidence_upload(request: HttpRequest, practice_id: int) -> HttpResponse:
    practice = selectors.access_practice(viewer_of(request), practice_id, manage=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                practice=practice,
                upload=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                actor=request.user,
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Evidence attached."))
            return redirect("practices:detail", practice_id=practice.pk)
    return _render_detail(request, practice, evidence_form=form, status=422)


@capability_required(Capability.VIEW_PRACTICES)
@require_http_methods(["GET", "HEAD"])
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    """The only way to an evidence file: scoped like its practice, always a download, never sniffed."""
    item = selectors.access_evidence(viewer_of(request), evidence_id)
    path = evidence_files.path_of(item.stored_name)
    if not path.is_file():
        raise NotFound()
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=item.original_name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required(Capability.REGISTER_PRACTICES)
@require_POST
def evidence_remove(request: HttpRequest, evidence_id: int) -> HttpResponse:
    item = selectors.access_evidence(viewer_of(request), evidence_id, manage=True)
    try:
        services.evidence_remove(evidence=item, actor=request.user)
        messages.success(request, _("Evidence removed."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("practices:detail", practice_id=item.practice_id)


@capability_required(Capability.VIEW_PRACTICES)
def practice_certificate(request: HttpRequest, practice_id: int) -> HttpResponse:
    """Giấy chứng nhận mô hình "Dân vận khéo", for a recognised practice."""
    practice = selectors.access_practice(viewer_of(request), practice_id)
    if practice.status != PracticeStatus.RECOGNISED:
        raise NotFound()
    evaluation = (
        practice.evaluations.filter(recognised=True, committee__level=practice.recognised_level)
        .select_related("committee", "committee__unit")
        .order_by("-decided_at")
        .first()
    )
    content = render_pdf(
        "practices/certificate.html",
        {"practice": practice, "evaluation": evaluation, "today": timezone.localdate()},
    )
    return pdf_response(content, f"chung-nhan-mo-hinh-{practice.pk}.pdf")


# Finding what works ------------------------------------------------------------------------------


@capability_required(Capability.VIEW_PRACTICES)
def similar(request: HttpRequest) -> HttpResponse:
    """ "Communes with this problem used these models": describe a problem, get recognised models."""
    form = SimilarForm(request.GET or None)
    results = []
    if form.is_valid():
        results = selectors.practices_similar(
            viewer=viewer_of(request), text=form.cleaned_data["text"], limit=10
        )
    return render(request, "practices/similar.html", {"form": form, "results": results})


@capability_required(Capability.VIEW_PRACTICES)
def spread(request: HttpRequest) -> HttpResponse:
    """Nơi mô hình lan toả: each recognised practice and the communes that adopted it."""
    year = _int(request.GET.get("year"))
    return render(
        request,
        "practices/spread.html",
        {"spreads": selectors.spread_overview(viewer=viewer_of(request), year=year), "year": year},
    )


# Replication -------------------------------------------------------------------------------------


@capability_required(Capability.REGISTER_PRACTICES)
@require_http_methods(["GET", "POST"])
def replication_start(request: HttpRequest, practice_id: int) -> HttpResponse:
    practice = selectors.access_practice(viewer_of(request), practice_id)
    units = _units(request, Capability.REGISTER_PRACTICES, (UnitLevel.COMMUNE,)).exclude(pk=practice.unit_id)
    form = ReplicationForm(request.POST or None, units=units, initial={"unit": units.first()})
    if request.method == "POST" and form.is_valid():
        try:
            replication = services.replication_start(source=practice, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Replication recorded. Report progress as it goes."))
            return redirect("practices:replication", replication_id=replication.pk)
    return render(
        request, "practices/replicate.html", {"form": form, "practice": practice}, status=_status(form)
    )


@capability_required(Capability.VIEW_PRACTICES)
def replication_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    qs = selectors.replication_list(viewer=viewer).filter(viewer.unit_q(Capability.VIEW_PRACTICES, "unit"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "practices/replications.html",
        {
            "page": page,
            "stale": selectors.stale_replications(viewer=viewer),
            "stale_days": selectors.stale_days(),
        },
    )


@capability_required(Capability.VIEW_PRACTICES)
@require_http_methods(["GET", "POST"])
def replication_detail(request: HttpRequest, replication_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    replication = selectors.access_replication(viewer, replication_id)
    manage = viewer.covers(Capability.REGISTER_PRACTICES, replication.unit)
    form = ReplicationUpdateForm(
        request.POST or None,
        initial={"progress": replication.progress, "status": ReplicationStatus.IN_PROGRESS},
    )
    if request.method == "POST":
        if not manage:
            raise NotFound()
        if form.is_valid():
            try:
                services.replication_report(replication=replication, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Progress recorded."))
                return redirect("practices:replication", replication_id=replication.pk)
    return render(
        request,
        "practices/replication.html",
        {
            "replication": replication,
            "updates": replication.updates.select_related("author"),
            "form": form,
            "can_manage": manage and replication.status == ReplicationStatus.IN_PROGRESS,
        },
        status=_status(form),
    )


# Committees and evaluation -----------------------------------------------------------------------


@capability_required(Capability.VIEW_PRACTICES)
@require_http_methods(["GET", "POST"])
def committee_list(request: HttpRequest) -> HttpResponse:
    """Hội đồng đánh giá: those the viewer manages or sits on; province staff create them here."""
    viewer = viewer_of(request)
    can_create = viewer.can(Capability.MANAGE_EVALUATIONS)
    units = _units(request, Capability.MANAGE_EVALUATIONS, (UnitLevel.PROVINCE, UnitLevel.COMMUNE))
    form = CommitteeForm(request.POST or None, units=units, initial={"unit": units.first()})
    if request.method == "POST":
        if not can_create:
            raise NotFound()
        if form.is_valid():
            try:
                committee = services.committee_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Committee created with the default weights."))
                return redirect("practices:committee", committee_id=committee.pk)
    return render(
        request,
        "practices/committees.html",
        {"committees": selectors.committee_list(viewer=viewer), "form": form, "can_create": can_create},
        status=_status(form),
    )


def _staff_choices(committee: Any) -> QuerySet[User]:
    """Staff with a role inside the committee's area (a province committee draws on the province)."""
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__revoked_at__isnull=True,
            role_assignments__unit__path__startswith=committee.unit.path,
        )
        .exclude(pk__in=committee.members.values("user_id"))
        .distinct()
        .order_by("full_name", "username")
    )


@capability_required(Capability.VIEW_PRACTICES)
def committee_detail(request: HttpRequest, committee_id: int) -> HttpResponse:
    return _render_committee(request, committee_id)


def _render_committee(
    request: HttpRequest,
    committee_id: int,
    *,
    weights_form: WeightsForm | None = None,
    member_form: MemberForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_of(request)
    committee = selectors.access_committee(viewer, committee_id)
    manage = selectors.can_evaluate(viewer, committee.unit)
    weights = {c.key: c.weight for c in committee.criteria.all()}
    return render(
        request,
        "practices/committee.html",
        {
            "committee": committee,
            "criteria": committee.criteria.all(),
            "members": committee.members.select_related("user"),
            "evaluations": committee.evaluations.select_related("practice", "practice__unit"),
            "candidates": selectors.evaluable_practices(committee=committee) if manage else [],
            "can_manage": manage,
            "weights_form": weights_form or WeightsForm(initial=weights),
            "member_form": member_form or MemberForm(users=_staff_choices(committee)),
        },
        status=status,
    )


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def committee_weights(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = selectors.access_committee(viewer_of(request), committee_id, manage=True)
    form = WeightsForm(request.POST)
    if form.is_valid():
        try:
            services.committee_weights_set(committee=committee, weights=form.cleaned_data, actor=request.user)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Weights saved."))
            return redirect("practices:committee", committee_id=committee.pk)
    return _render_committee(request, committee.pk, weights_form=form, status=422)


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def committee_member_add(request: HttpRequest, committee_id: int) -> HttpResponse:
    committee = selectors.access_committee(viewer_of(request), committee_id, manage=True)
    form = MemberForm(request.POST, users=_staff_choices(committee))
    if form.is_valid():
        try:
            services.committee_member_add(
                committee=committee, user=form.cleaned_data["user"], actor=request.user
            )
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("practices:committee", committee_id=committee.pk)
    return _render_committee(request, committee.pk, member_form=form, status=422)


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def committee_member_remove(request: HttpRequest, committee_id: int, user_id: int) -> HttpResponse:
    committee = selectors.access_committee(viewer_of(request), committee_id, manage=True)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    try:
        services.committee_member_remove(committee=committee, user=user, actor=request.user)
        messages.success(request, _("Member removed."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("practices:committee", committee_id=committee.pk)


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def evaluation_open(request: HttpRequest, committee_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    committee = selectors.access_committee(viewer, committee_id, manage=True)
    practice_id = _int(request.POST.get("practice"))
    if practice_id is None:
        raise NotFound()
    practice = selectors.access_practice(viewer, practice_id)
    try:
        evaluation = services.evaluation_open(practice=practice, committee=committee, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("practices:committee", committee_id=committee.pk)
    messages.success(request, _("The committee can now score this practice."))
    return redirect("practices:evaluation", evaluation_id=evaluation.pk)


@capability_required(Capability.VIEW_PRACTICES)
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The score sheet: a member scores each criterion 0-10; everyone sees the result and its spread."""
    viewer = viewer_of(request)
    evaluation = selectors.access_evaluation(viewer, evaluation_id)
    summary = selectors.evaluation_summary(evaluation)
    mine = next((s for s in summary.sheets if s.member.pk == getattr(request.user, "pk", None)), None)
    score_form = ScoreForm(
        request.POST or None,
        criteria=summary.criteria,
        initial={k: str(v) for k, v in mine.scores.items()} if mine else None,
    )
    member = request.user if isinstance(request.user, User) else None
    is_member = member is not None and selectors.is_member(member, evaluation.committee)
    if request.method == "POST":
        if member is None or not is_member:
            raise NotFound()
        if score_form.is_valid():
            try:
                services.score_record(evaluation=evaluation, member=member, scores=score_form.cleaned_data)
            except ApplicationError as exc:
                _form_error(score_form, exc)
            else:
                messages.success(request, _("Your scores are saved."))
                return redirect("practices:evaluation", evaluation_id=evaluation.pk)
    own_commune = (
        member is not None and is_member and selectors.is_from_commune_of(member, evaluation.practice)
    )
    return render(
        request,
        "practices/evaluation.html",
        {
            "evaluation": evaluation,
            "practice": evaluation.practice,
            "summary": summary,
            "score_form": score_form,
            "can_score": is_member and evaluation.status == EvaluationStatus.OPEN,
            "own_commune": own_commune,
            "can_decide": selectors.can_evaluate(viewer, evaluation.committee.unit)
            and evaluation.status == EvaluationStatus.OPEN,
            "decide_form": DecideForm(),
        },
        status=_status(score_form),
    )


@capability_required(Capability.MANAGE_EVALUATIONS)
@require_POST
def evaluation_decide(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation = selectors.access_evaluation(viewer_of(request), evaluation_id, manage=True)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to recognise or not."))
        return redirect("practices:evaluation", evaluation_id=evaluation.pk)
    try:
        services.evaluation_decide(
            evaluation=evaluation,
            recognised=form.cleaned_data["decision"] == "recognise",
            comment=form.cleaned_data["comment"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("practices:evaluation", evaluation_id=evaluation.pk)
    messages.success(request, _("Decision recorded."))
    return redirect("practices:detail", practice_id=evaluation.practice_id)


# Exports -----------------------------------------------------------------------------------------


@capability_required(Capability.VIEW_PRACTICES)
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """Xuất Excel: practices, evaluations or replications, scoped like the pages."""
    viewer = viewer_of(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    year = _int(request.GET.get("year"))
    builders = {
        "practices": lambda: exports.practices_sheet(
            selectors.practice_list(viewer=viewer, filters=selectors.PracticeFilters(year=year))
        ),
        "evaluations": lambda: exports.evaluations_sheet(selectors.evaluation_list(viewer=viewer)),
        "replications": lambda: exports.replications_sheet(selectors.replication_list(viewer=viewer)),
    }
    if kind not in builders:
        raise NotFound()
    return xlsx_response([builders[kind]()], f"mo-hinh-{kind}-{stamp}.xlsx")
