from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from caunoi.channels import selectors, services
from caunoi.channels.forms import (
    ConnectForm,
    EmailTestForm,
    SmsTestForm,
    TestSendForm,
    WebPostForm,
    ZnsPurposeForm,
)
from caunoi.channels.models import WebPostPriority
from caunoi.core.access import capability_required, public
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.problem import problem_response
from caunoi.geo.models import Unit


def _webhook_problem(exc: ApplicationError) -> JsonResponse:
    """Providers get problem+json; a body we cannot read is their 400, not a form's 422."""
    return problem_response(400 if exc.status == 422 else exc.status, str(exc.title), exc.message)


@public
@csrf_exempt
@require_POST
def zalo_webhook(request: HttpRequest) -> JsonResponse:
    """POST /webhooks/zalo: verified by its signature, stored once, answered at once."""
    try:
        stored = services.zalo_webhook_receive(raw_body=request.body, headers=request.headers)
    except ApplicationError as exc:
        return _webhook_problem(exc)
    return JsonResponse({"received": True, "duplicate": stored is None})


@public
@csrf_exempt
@require_POST
def sms_delivery_report(request: HttpRequest) -> JsonResponse:
    """POST /webhooks/sms: the SMS gateway's delivery report, proved by the shared secret, stored once."""
    try:
        stored = services.sms_delivery_report_receive(raw_body=request.body, headers=request.headers)
    except ApplicationError as exc:
        return _webhook_problem(exc)
    return JsonResponse({"received": True, "duplicate": stored is None})


@public
@csrf_exempt
@require_POST
def email_bounce(request: HttpRequest) -> JsonResponse:
    """POST /webhooks/email-bounce: a raw DSN (RFC 822) from the MTA pipe or a forwarding service.

    Mail that is not a DSN is acknowledged and dropped, so the sender does not keep retrying it.
    """
    try:
        stored = services.email_bounce_receive(raw_body=request.body, headers=request.headers)
    except ApplicationError as exc:
        return _webhook_problem(exc)
    return JsonResponse({"received": True, "stored": stored is not None})


SESSION_KEY = "caunoi_zalo_connect"


def _connectable_units(request: HttpRequest) -> QuerySet[Unit]:
    return (
        Unit.objects.active()
        .filter(viewer_of(request).unit_q(Capability.MANAGE_CHANNELS), level__in=["province", "commune"])
        .order_by("path")
    )


@capability_required(Capability.MANAGE_CHANNELS)
def channel_settings(request: HttpRequest) -> HttpResponse:
    """Kênh: each connected OA's health and ZNS templates, the SMS gateway and email, with test sends."""
    viewer = viewer_of(request)
    accounts = selectors.zalo_account_list(viewer=viewer).order_by("name")
    return render(
        request,
        "channels/settings.html",
        {
            "healths": [selectors.zalo_account_health(account=a) for a in accounts],
            "connect_form": ConnectForm(units=_connectable_units(request)),
            "send_form": TestSendForm(),
            "sms_form": SmsTestForm(),
            "email_form": EmailTestForm(),
            "purposes": ZnsPurposeForm.base_fields["purpose"].choices,  # type: ignore[attr-defined]
            "sms": selectors.sms_settings(),
            "email": selectors.email_settings(),
            "recent": selectors.recent_test_sends(viewer=viewer),
            "configured": bool(settings.CAUNOI_ZALO_APP_ID and settings.CAUNOI_ZALO_APP_SECRET),
            "demo": settings.DEMO,
        },
    )


def _home_unit(request: HttpRequest) -> Unit:
    """The unit a channel-wide action (an SMS or email test) is recorded against: the viewer's widest."""
    unit = _connectable_units(request).first()
    if unit is None:
        raise NotFound()
    return unit


@capability_required(Capability.MANAGE_CHANNELS)
def sms_estimate(request: HttpRequest) -> HttpResponse:
    """The cost of the SMS being typed, before it is sent (htmx, as the officer types)."""
    form = SmsTestForm(request.GET)
    form.is_valid()
    text = form.cleaned_data.get("text", "")
    estimate = services.sms_test_estimate(text=text, unaccented=form.cleaned_data.get("unaccented", False))
    return render(request, "channels/_sms_estimate.html", {"estimate": estimate})


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def sms_test_send(request: HttpRequest) -> HttpResponse:
    form = SmsTestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a phone number and the message."))
        return redirect("channels:settings")
    try:
        services.sms_test_send(actor=request.user, unit=_home_unit(request), **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sent. The gateway's delivery report is shown below when it arrives."))
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def email_test_send(request: HttpRequest) -> HttpResponse:
    form = EmailTestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("channels:settings")
    try:
        services.email_test_send(
            address=form.cleaned_data["address"], actor=request.user, unit=_home_unit(request)
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sent. A bounce, if any, is shown below."))
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def zns_templates_sync(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.access_zalo_account(viewer_of(request), account_id)
    try:
        templates = services.zns_templates_sync(account=account, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s ZNS templates are up to date.") % {"n": len(templates)})
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def zns_template_purpose(request: HttpRequest, account_id: int, template_id: int) -> HttpResponse:
    account = selectors.access_zalo_account(viewer_of(request), account_id)
    template = selectors.access_zns_template(account, template_id)
    form = ZnsPurposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed purposes."))
        return redirect("channels:settings")
    services.zns_template_purpose_set(
        template=template, purpose=form.cleaned_data["purpose"], actor=request.user
    )
    messages.success(request, _("Template %(id)s saved.") % {"id": template.template_id})
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def zalo_connect(request: HttpRequest) -> HttpResponse:
    form = ConnectForm(request.POST, units=_connectable_units(request))
    if not form.is_valid():
        messages.error(request, _("Choose the unit the Official Account belongs to."))
        return redirect("channels:settings")
    start = services.zalo_authorization_start(
        redirect_uri=request.build_absolute_uri(reverse("channels:zalo_callback"))
    )
    request.session[SESSION_KEY] = {
        "state": start.state,
        "verifier": start.code_verifier,
        "unit": form.cleaned_data["unit"].pk,
    }
    return redirect(start.url)


@capability_required(Capability.MANAGE_CHANNELS)
def zalo_callback(request: HttpRequest) -> HttpResponse:
    """Zalo sends the OA admin back here with a single-use code (and our state)."""
    pending = request.session.pop(SESSION_KEY, None)
    if not pending:
        messages.error(request, _("The connection was not started from this browser; start again."))
        return redirect("channels:settings")
    unit = _connectable_units(request).filter(pk=pending["unit"]).first()
    if unit is None:
        raise NotFound()
    try:
        account = services.zalo_account_connect(
            unit=unit,
            query=request.GET.dict(),
            expected_state=pending["state"],
            code_verifier=pending["verifier"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is connected.") % {"name": account})
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def zalo_followers_backfill(request: HttpRequest, account_id: int) -> HttpResponse:
    """Runs in the worker: the list API pages 50 users a call."""
    account = selectors.access_zalo_account(viewer_of(request), account_id)
    from caunoi.channels.tasks import zalo_followers_backfill_task

    zalo_followers_backfill_task(account.pk, request.user.pk)
    messages.success(request, _("Fetching the follower list; the count below grows as it arrives."))
    return redirect("channels:settings")


@capability_required(Capability.MANAGE_CHANNELS)
@require_POST
def zalo_test_send(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.access_zalo_account(viewer_of(request), account_id)
    form = TestSendForm(request.POST, request.FILES)
    if not form.is_valid():
        image_problems = form.errors.get("image")
        messages.error(
            request,
            str(image_problems[0]) if image_problems else _("Choose a follower and write the message."),
        )
        return redirect("channels:settings")
    identity = selectors.access_identity(account, form.cleaned_data["identity"])
    try:
        services.zalo_test_send(
            account=account,
            identity=identity,
            text=form.cleaned_data["text"],
            image=form.cleaned_data["image"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sent. Delivery and reading are shown below as Zalo reports them."))
    return redirect("channels:settings")


@capability_required(Capability.PUBLISH_WEB)
@require_http_methods(["GET", "POST"])
def web_posts(request: HttpRequest) -> HttpResponse:
    """Trang công khai: publish an announcement for one's units, and see or withdraw earlier ones."""
    viewer = viewer_of(request)
    form = WebPostForm(
        request.POST or None,
        units=selectors.web_publish_units(viewer=viewer),
        initial={"language": "vi", "priority": WebPostPriority.NORMAL},
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = services.web_post_publish(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Published: %(title)s.") % {"title": post.title})
            return redirect("channels:web_posts")
    page = Paginator(selectors.web_post_list(viewer=viewer), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "channels/web_posts.html",
        {"form": form, "page": page, "home_units": selectors.web_home_units(viewer=viewer)},
    )


@capability_required(Capability.PUBLISH_WEB)
@require_POST
def web_post_withdraw(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.access_web_post(viewer_of(request), post_id)
    try:
        services.web_post_withdraw(post=post, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrawn: %(title)s.") % {"title": post.title})
    return redirect("channels:web_posts")
