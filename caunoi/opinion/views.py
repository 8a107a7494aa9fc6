"""Pages of public opinion: the dashboard (aggregates only), the drill-down to redacted messages for
staff who may read them, the labelling queue, and emerging topics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from caunoi.core.access import capability_required, public
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.opinion import charts, exports, selectors, services
from caunoi.opinion.forms import (
    AdoptForm,
    FieldReportForm,
    LabelForm,
    QuestionForm,
    ResponseAnswerForm,
    ResponseCampaignForm,
    SurveyForm,
)
from caunoi.opinion.models import Correction, EmergingTopic, OpinionState, SpikeAlert
from caunoi.practices.selectors import practices_for_topics
from caunoi.reports.pdf import pdf_response
from caunoi.reports.xlsx import XLSX

PERIODS = (7, 28)


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        return 7
    return days if days in PERIODS else 7


@capability_required(Capability.VIEW_OPINION)
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    today = timezone.localdate()
    board = selectors.dashboard(viewer=viewer, today=today, days=_days(request))
    shown = [r for r in board.topics if not r.current.suppressed and r.current.messages]
    bars = [
        charts.Bar(r.topic.name, (r.current.negative, r.current.neutral, r.current.positive)) for r in shown
    ]
    topics = [r.topic for r in board.topics]
    top = max((c.messages for c in board.heat.values() if not c.suppressed), default=0)
    heat_rows = [
        (
            unit,
            [
                (topic, cell, charts.heat_class(cell.messages, top) if cell else "heat-0")
                for topic in topics
                for cell in [board.heat.get((unit.pk, topic.pk))]
            ],
        )
        for unit in board.communes
    ]
    return render(
        request,
        "opinion/dashboard.html",
        {
            "board": board,
            "periods": PERIODS,
            "bars_svg": charts.sentiment_bars(bars),
            "daily_svg": charts.daily_line(board.daily),
            "heat_topics": topics,
            "heat_rows": heat_rows,
            "can_read_messages": viewer.can(Capability.VIEW_INBOX),
            "can_label": viewer.can(Capability.LABEL_OPINION),
            "missing_reports": (
                selectors.field_reports_missing(viewer=viewer, today=today)
                if today.day >= services.REPORT_REMINDER_FROM_DAY
                else []
            ),
        },
    )


@capability_required(Capability.VIEW_INBOX)
def message_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)

    def _int(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    days = _days(request)
    today = timezone.localdate()
    qs = selectors.message_list(
        viewer=viewer,
        topic_id=_int("topic"),
        unit_id=_int("unit"),
        start=today - dt.timedelta(days=days - 1),
        end=today,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "opinion/messages.html", {"page": page, "days": days})


@capability_required(Capability.LABEL_OPINION)
def label_queue(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    queue = selectors.label_queue(viewer=viewer)
    state = OpinionState.load()
    topics = list(selectors.active_topics())
    forms = [
        (
            m,
            LabelForm(
                initial={"topic": m.topic_id, "sentiment": m.sentiment}, prefix=f"m{m.pk}", topics=topics
            ),
        )
        for m in queue
    ]
    return render(
        request,
        "opinion/label.html",
        {
            "forms": forms,
            "state": state,
            "pending": Correction.objects.count() - state.corrections_trained,
        },
    )


@capability_required(Capability.LABEL_OPINION)
@require_POST
def label_save(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    message = selectors.access_message_for_labelling(viewer, pk)
    form = LabelForm(request.POST, prefix=f"m{pk}", topics=list(selectors.active_topics()))
    if form.is_valid():
        try:
            services.correction_record(
                message=message,
                topic=form.cleaned_data["topic"],
                sentiment=form.cleaned_data["sentiment"],
                actor=request.user,
            )
            flash.success(request, _("Label saved. It will count from the next retraining."))
        except ApplicationError as exc:
            flash.error(request, exc.message)
    else:
        flash.error(request, _("Choose a topic and a sentiment."))
    return redirect("opinion:label")


@capability_required(Capability.LABEL_OPINION)
@require_POST
def retrain(request: HttpRequest) -> HttpResponse:
    services.classifier_retrain_request(actor=request.user)
    flash.success(request, _("Retraining has started; it takes a few seconds."))
    return redirect("opinion:label")


@capability_required(Capability.VIEW_OPINION)
def emerging_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    emerging = list(selectors.emerging_list(viewer=viewer)[:20])
    # The recognised models that addressed each topic, found for the whole page at once.
    models = practices_for_topics([("", e.keywords) for e in emerging], viewer=viewer, limit=3)
    items = [
        (e, selectors.representatives(viewer=viewer, emerging=e), similar)
        for e, similar in zip(emerging, models, strict=True)
    ]
    return render(
        request,
        "opinion/emerging.html",
        {"items": items, "can_label": viewer.can(Capability.LABEL_OPINION), "form": AdoptForm()},
    )


@capability_required(Capability.LABEL_OPINION)
@require_POST
def emerging_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    emerging = selectors.access_emerging(viewer_of(request), pk)
    form = AdoptForm(request.POST)
    if form.is_valid():
        try:
            topic = services.emerging_topic_adopt(
                emerging=emerging, name=form.cleaned_data["name"], actor=request.user
            )
            flash.success(
                request, _("“%(name)s” is now a topic; the classifier is retraining.") % {"name": topic.name}
            )
        except ApplicationError as exc:
            flash.error(request, exc.message)
    else:
        flash.error(request, _("Give the topic a name."))
    return redirect("opinion:emerging")


@capability_required(Capability.LABEL_OPINION)
@require_POST
def emerging_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    emerging = selectors.access_emerging(viewer_of(request), pk)
    try:
        services.emerging_topic_dismiss(emerging=emerging, actor=request.user)
    except ApplicationError as exc:
        flash.error(request, exc.message)
    return redirect("opinion:emerging")


@capability_required(Capability.LABEL_OPINION)
@require_POST
def emerging_discover(request: HttpRequest) -> HttpResponse:
    from caunoi.opinion.tasks import clusters_discover

    clusters_discover()
    flash.success(request, _("Looking for emerging topics; refresh in a minute."))
    return redirect("opinion:emerging")


@capability_required(Capability.VIEW_OPINION)
@require_POST
def spike_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.access_spike(viewer_of(request), pk)
    try:
        services.spike_acknowledge(alert=alert, actor=request.user)
    except ApplicationError as exc:
        flash.error(request, exc.message)
    return redirect("opinion:dashboard")


@capability_required(Capability.VIEW_OPINION)
def survey_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    can_manage = viewer.can(Capability.MANAGE_SURVEYS)
    if request.method == "POST" and can_manage:
        form = SurveyForm(request.POST)
        unit = _own_unit(viewer)
        if form.is_valid() and unit is not None:
            survey = services.survey_create(unit=unit, actor=request.user, **form.cleaned_data)
            return redirect("opinion:survey", pk=survey.pk)
    else:
        form = SurveyForm()
    surveys = selectors.survey_list(viewer=viewer)[:100]
    return render(
        request, "opinion/surveys.html", {"surveys": surveys, "form": form, "can_manage": can_manage}
    )


def _own_unit(viewer: Any) -> Any:
    """A survey belongs to the unit where its author manages surveys (the widest one)."""
    from caunoi.geo.models import Unit

    prefixes = viewer.prefixes(Capability.MANAGE_SURVEYS)
    return Unit.objects.filter(path__in=prefixes).order_by("path").first()


@capability_required(Capability.VIEW_OPINION)
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    survey = selectors.access_survey(viewer, pk)
    results = selectors.survey_results(viewer=viewer, survey=survey)
    charts_by_question = {r.question.pk: charts.count_bars(r.counts) for r in results.questions}
    return render(
        request,
        "opinion/survey.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "results": results,
            "charts": charts_by_question,
            "can_manage": viewer.covers(Capability.MANAGE_SURVEYS, survey.unit),
            "question_form": QuestionForm(),
        },
    )


@capability_required(Capability.MANAGE_SURVEYS)
@require_POST
def survey_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.access_survey(viewer_of(request), pk, manage=True)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(
                survey=survey,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                choices=form.cleaned_data["choices"].splitlines(),
                required=form.cleaned_data["required"],
                actor=request.user,
            )
        except ApplicationError as exc:
            flash.error(request, exc.message)
    else:
        flash.error(request, _("Write the question and choose its kind."))
    return redirect("opinion:survey", pk=pk)


@capability_required(Capability.MANAGE_SURVEYS)
@require_POST
def survey_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    survey = selectors.access_survey(viewer_of(request), pk, manage=True)
    try:
        if action == "open":
            services.survey_open(survey=survey, actor=request.user)
        elif action == "close":
            services.survey_close(survey=survey, actor=request.user)
    except ApplicationError as exc:
        flash.error(request, exc.message)
    return redirect("opinion:survey", pk=pk)


@public
@csrf_exempt  # the signed link is itself the secret; the public pages set no cookie to check against
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The citizen's page, reached by their signed link: one response, no sign-in."""
    survey, citizen = services.survey_link_read(token)
    questions = list(survey.questions.all())
    error = ""
    if services.survey_already_answered(survey=survey, citizen_id=citizen.pk):
        return render(request, "opinion/survey_answer.html", {"survey": survey, "done": True})
    if request.method == "POST":
        answers: dict[int, Any] = {}
        for q in questions:
            name = f"q{q.pk}"
            answers[q.pk] = (
                request.POST.getlist(name) if q.kind == "multiple" else request.POST.get(name, "").strip()
            )
        try:
            services.survey_response_submit(token=token, answers=answers)
            return render(request, "opinion/survey_answer.html", {"survey": survey, "done": True})
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "opinion/survey_answer.html",
        {"survey": survey, "questions": questions, "error": error, "is_open": survey.status == "open"},
    )


@capability_required(Capability.FIELD_REPORTS)
def field_reports(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    units = selectors.field_report_units(viewer=viewer)
    if request.method == "POST":
        form = FieldReportForm(request.POST, units=units)
        if form.is_valid():
            try:
                services.field_report_submit(actor=request.user, **form.cleaned_data)
                flash.success(request, _("Report saved. Thank you."))
                return redirect("opinion:field_reports")
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        form = FieldReportForm(units=units, initial={"day": timezone.localdate()})
    page = Paginator(selectors.field_report_list(viewer=viewer), 20).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "opinion/field_reports.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "missing": selectors.field_reports_missing(viewer=viewer, today=today),
            "remind_from": services.REPORT_REMINDER_FROM_DAY,
        },
    )


# Exports (xuất báo cáo) ------------------------------------------------------------------------------


@capability_required(Capability.VIEW_OPINION)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The dashboard's aggregates as a workbook, small cells suppressed as on the page."""
    viewer = viewer_of(request)
    days = _days(request)
    board = selectors.dashboard(viewer=viewer, today=timezone.localdate(), days=days)
    content = exports.workbook(board, scope=selectors.scope_name(viewer))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="du-luan-{board.end:%Y%m%d}-{days}d.xlsx"'
    return response


@capability_required(Capability.VIEW_OPINION)
def export_pdf(request: HttpRequest) -> HttpResponse:
    """The dashboard as a printable report with its charts (Vietnamese glyphs from the shipped font)."""
    viewer = viewer_of(request)
    days = _days(request)
    board = selectors.dashboard(viewer=viewer, today=timezone.localdate(), days=days)
    content = exports.report_pdf(board, scope=selectors.scope_name(viewer))
    return pdf_response(content, f"bao-cao-du-luan-{board.end:%Y%m%d}-{days}d.pdf")


# Answering what people worry about (trả lời những điều người dân quan tâm) ---------------------------


def _response_source(request: HttpRequest, kind: str, pk: int) -> Any:
    viewer = viewer_of(request)
    if kind == "spike":
        return selectors.access_spike(viewer, pk)
    if kind == "emerging":
        return selectors.access_emerging(viewer, pk)
    raise NotFound()


def _subject(source: Any) -> str:
    if isinstance(source, SpikeAlert):
        return str(source.topic.name)
    return ", ".join(source.keywords[:3])


def _response_page(
    request: HttpRequest,
    kind: str,
    source: Any,
    campaign_form: ResponseCampaignForm | None = None,
    answer_form: ResponseAnswerForm | None = None,
) -> HttpResponse:
    from caunoi.inbox.selectors import handling_units

    viewer = viewer_of(request)
    targets = services.response_targets(source)
    subject = _subject(source)
    places = ", ".join(t.name for t in targets[:5]) + ("…" if len(targets) > 5 else "")
    can_campaign = viewer.can(Capability.WRITE_CAMPAIGNS)
    can_answer = viewer.can(Capability.CONFIGURE_INBOX)
    if can_campaign and campaign_form is None:
        campaign_form = ResponseCampaignForm(
            initial={
                "title": _("About %(subject)s") % {"subject": subject},
                "body": _(
                    "Many residents of %(places)s have written to us recently about %(subject)s. "
                    "Here is what the authorities are doing and what you can do:"
                )
                % {"places": places, "subject": subject},
                "channels": ["zalo"],
            }
        )
    units = handling_units(viewer, Capability.CONFIGURE_INBOX).order_by("path")
    if can_answer and answer_form is None:
        keywords = source.keywords[:3] if isinstance(source, EmergingTopic) else [source.topic.name]
        answer_form = ResponseAnswerForm(
            units=units,
            initial={"unit": units.first(), "question": subject, "keywords": ", ".join(keywords)},
        )
    return render(
        request,
        "opinion/respond.html",
        {
            "kind": kind,
            "source": source,
            "subject": subject,
            "targets": targets,
            "campaign_form": campaign_form if can_campaign else None,
            "answer_form": answer_form if can_answer else None,
        },
    )


@capability_required(Capability.VIEW_OPINION)
def respond(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """From a spike or an emerging topic, draft an answer: a campaign to the communes concerned or a
    knowledge-base entry; either then goes through its usual approval."""
    return _response_page(request, kind, _response_source(request, kind, pk))


@capability_required(Capability.WRITE_CAMPAIGNS)
@require_POST
def respond_campaign(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    source = _response_source(request, kind, pk)
    form = ResponseCampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign = services.response_campaign_draft(
                source=source, viewer=viewer_of(request), actor=request.user, **form.cleaned_data
            )
            flash.success(request, _("A draft campaign was made; send it for approval when it is ready."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return _response_page(request, kind, source, campaign_form=form)


@capability_required(Capability.CONFIGURE_INBOX)
@require_POST
def respond_answer(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    from caunoi.inbox.selectors import handling_units

    source = _response_source(request, kind, pk)
    units = handling_units(viewer_of(request), Capability.CONFIGURE_INBOX)
    form = ResponseAnswerForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.response_answer_draft(source=source, actor=request.user, **form.cleaned_data)
            flash.success(
                request, _("A draft answer was added to the knowledge base; approve it there to use it.")
            )
            return redirect("inbox:settings_knowledge")
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return _response_page(request, kind, source, answer_form=form)
