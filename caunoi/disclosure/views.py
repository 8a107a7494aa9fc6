"""Staff pages of the disclosure board: publish, attach, withdraw, moderate (PUBLISH_WEB, scoped)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError, ValidationFailed
from caunoi.core.permissions import Capability, viewer_of
from caunoi.disclosure import selectors, services
from caunoi.disclosure.downloads import attachment_response
from caunoi.disclosure.forms import AttachmentForm, PublicationEditForm, PublicationForm, WithdrawForm
from caunoi.disclosure.models import Category, CommentStatus

CAP = Capability.PUBLISH_WEB


@capability_required(CAP)
@require_safe
def publication_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    filters = selectors.PublicationFilters(
        unit_code=request.GET.get("unit", ""),
        category=request.GET.get("category", ""),
        search=request.GET.get("q", "").strip(),
    )
    page = Paginator(selectors.publication_list(viewer=viewer, filters=filters), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "disclosure/list.html",
        {
            "page": page,
            "filters": filters,
            "units": selectors.publishing_units(viewer=viewer),
            "categories": Category.choices,
            "pending": selectors.moderation_queue(viewer=viewer).count(),
            "now": timezone.now(),
        },
    )


@capability_required(CAP)
@require_http_methods(["GET", "POST"])
def publication_create(request: HttpRequest) -> HttpResponse:
    """Công khai một nội dung mới, with its first document if there is one."""
    units = selectors.publishing_units(viewer=viewer_of(request))
    form = PublicationForm(request.POST or None, request.FILES or None, units=units)
    if len(units) == 1:
        form.fields["unit"].initial = units[0].code
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        documents = [(upload.name or "", upload.read())] if upload is not None else []
        try:
            publication = services.publication_publish(actor=request.user, documents=documents, **data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Published: %(title)s.") % {"title": publication.title})
            return redirect("disclosure:detail", publication.pk)
    return render(request, "disclosure/form.html", {"form": form, "creating": True})


@capability_required(CAP)
@require_safe
def publication_detail(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = selectors.access_publication(viewer_of(request), publication_id)
    return render(
        request,
        "disclosure/detail.html",
        {
            "publication": publication,
            "attachments": publication.attachments.all(),
            "comments": selectors.publication_comments(publication=publication),
            "attach": AttachmentForm(),
            "withdraw": WithdrawForm(),
            "visible": publication.is_visible(),
            "statuses": CommentStatus,
        },
    )


@capability_required(CAP)
@require_http_methods(["GET", "POST"])
def publication_edit(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = selectors.access_publication(viewer_of(request), publication_id)
    initial = {
        "category": publication.category,
        "title": publication.title,
        "body": publication.body,
        "legal_basis": publication.legal_basis,
        "published_at": timezone.localtime(publication.published_at),
        "ends_at": timezone.localtime(publication.ends_at) if publication.ends_at else None,
        "comments_open": publication.comments_open,
    }
    form = PublicationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.publication_update(publication=publication, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("disclosure:detail", publication.pk)
    return render(
        request, "disclosure/form.html", {"form": form, "publication": publication, "creating": False}
    )


@capability_required(CAP)
@require_POST
def publication_withdraw(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = selectors.access_publication(viewer_of(request), publication_id)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(_("Say why it is withdrawn."), field="reason")
        services.publication_withdraw(
            publication=publication, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrawn: %(title)s.") % {"title": publication.title})
    return redirect("disclosure:detail", publication.pk)


@capability_required(CAP)
@require_POST
def attachment_add(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = selectors.access_publication(viewer_of(request), publication_id)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("file", [])) or _("Choose a file."))
        return redirect("disclosure:detail", publication.pk)
    upload = form.cleaned_data["file"]
    try:
        attachment = services.attachment_add(
            publication=publication, name=upload.name or "", content=upload.read(), actor=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Attached: %(name)s.") % {"name": attachment.name})
    return redirect("disclosure:detail", publication.pk)


@capability_required(CAP)
@require_POST
def attachment_remove(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.access_attachment(viewer_of(request), attachment_id)
    services.attachment_remove(attachment=attachment, actor=request.user)
    messages.success(request, _("Removed: %(name)s.") % {"name": attachment.name})
    return redirect("disclosure:detail", attachment.publication_id)


@capability_required(CAP)
@require_safe
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """Staff may open a document before its publication date, or after it has ended."""
    return attachment_response(selectors.access_attachment(viewer_of(request), attachment_id))


@capability_required(CAP)
@require_safe
def moderation(request: HttpRequest) -> HttpResponse:
    """Ý kiến chờ duyệt: the comments residents sent on this viewer's publications, oldest first."""
    page = Paginator(selectors.moderation_queue(viewer=viewer_of(request)), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "disclosure/moderation.html", {"page": page})


@capability_required(CAP)
@require_POST
def comment_moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = selectors.access_comment(viewer_of(request), comment_id)
    approve = request.POST.get("decision") == "approve"
    services.comment_moderate(comment=comment, approve=approve, actor=request.user)
    messages.success(
        request, _("The comment is shown on the board.") if approve else _("The comment is hidden.")
    )
    if request.POST.get("next") == "detail":
        return redirect("disclosure:detail", comment.publication_id)
    return redirect("disclosure:moderation")
