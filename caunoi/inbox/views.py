"""Staff pages of the inbox and petitions: thin, scoped by ``access_*``; every write is one service."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from caunoi.accounts.models import User
from caunoi.citizens.models import ConsentSource
from caunoi.citizens.services import citizen_create
from caunoi.core.access import capability_required
from caunoi.core.errors import ApplicationError, NotFound
from caunoi.core.permissions import ROLE_CAPABILITIES, Capability, Viewer, viewer_of
from caunoi.core.problem import problem_response
from caunoi.geo.models import Unit, UnitLevel
from caunoi.inbox import delivery, exports, files, knowledge, selectors, services
from caunoi.inbox.forms import (
    AnswerForm,
    AssignForm,
    AttachmentForm,
    CannedAnswerForm,
    CategoryForm,
    ConversationStatusForm,
    DeadlineForm,
    FromMessageForm,
    KnowledgeForm,
    LabelsForm,
    MergeForm,
    NoteForm,
    PetitionCreateForm,
    PetitionFilterForm,
    PetitionStatusForm,
    PlaceForm,
    ReplyForm,
    RoutingRuleForm,
    TransferForm,
    ZaloMenuForm,
)
from caunoi.inbox.models import Conversation, ConversationStatus, Petition, PetitionKind

PAGE_SIZE = 50


def _officers(unit: Unit) -> QuerySet[User]:
    """Staff who may handle this unit's inbox: a role on the unit or on a unit above it."""
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.HANDLE_INBOX in caps]
    ancestors = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"] + [unit.path]
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__revoked_at__isnull=True,
            role_assignments__role__in=roles,
            role_assignments__unit__path__in=ancestors,
        )
        .distinct()
        .order_by("full_name")
    )


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def _bad_form(request: HttpRequest, form: Any) -> None:
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, " ".join(errors) or _("Check the form."))


# Conversations ----------------------------------------------------------------------------------


def _conversation_filters(request: HttpRequest) -> selectors.ConversationFilters:
    label = request.GET.get("label", "")
    return selectors.ConversationFilters(
        search=request.GET.get("q", "")[:100],
        status=request.GET.get("status", "")
        if request.GET.get("status", "") in ConversationStatus.values
        else "",
        mine=request.GET.get("mine") == "1",
        sos=request.GET.get("sos") == "1",
        label_id=int(label) if label.isdigit() else None,
    )


@capability_required(Capability.VIEW_INBOX)
def inbox(request: HttpRequest) -> HttpResponse:
    """Hộp thư: SOS pinned on top with a sound, then the newest conversations; refreshed every few seconds."""
    viewer = viewer_of(request)
    filters = _conversation_filters(request)
    page = selectors.window(
        selectors.conversation_list(viewer=viewer, filters=filters), request.GET.get("page"), PAGE_SIZE
    )
    partial = bool(request.htmx)  # type: ignore[attr-defined]
    context = {
        "page": page,
        "filters": filters,
        "sos": list(selectors.sos_conversations(viewer=viewer)),
        "statuses": ConversationStatus.choices,
        "perms_configure": viewer.can(Capability.CONFIGURE_INBOX),
    }
    template = "inbox/_conversations.html" if partial else "inbox/inbox.html"
    return render(request, template, context)


def _channel_choices(options: list[delivery.ChannelOption]) -> list[tuple[str, str]]:
    return [(o.kind, o.label) for o in options if o.available]


@capability_required(Capability.VIEW_INBOX)
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = selectors.access_conversation(viewer, conversation_id)
    services.conversation_mark_read(conversation=conversation)
    can_handle = viewer.covers(Capability.HANDLE_INBOX, conversation.unit)
    options = delivery.channel_options(conversation.citizen) if can_handle else []
    entries = list(selectors.conversation_entries(conversation))
    place_known = conversation.citizen.home_unit.level in (UnitLevel.COMMUNE, UnitLevel.VILLAGE)
    return render(
        request,
        "inbox/conversation.html",
        {
            "conversation": conversation,
            "entries": entries,
            "last_id": entries[-1].pk if entries else 0,
            "contact": selectors.consented_contact(conversation),
            "can_handle": can_handle,
            "options": options,
            "reply_form": ReplyForm(
                channels=_channel_choices(options),
                initial={"channel": conversation.last_channel},
            ),
            "note_form": NoteForm(),
            "assign_form": AssignForm(
                officers=_officers(conversation.unit), initial={"assignee": conversation.assignee_id}
            ),
            "labels_form": LabelsForm(
                labels=selectors.labels_for(conversation.unit),
                initial={"labels": list(conversation.labels.all())},
            ),
            "place_form": PlaceForm(places=selectors.places(viewer)) if can_handle else None,
            "place_known": place_known,
            "petition_form": FromMessageForm(places=selectors.places(viewer)),
            "last_inbound": next((e for e in reversed(entries) if e.kind == "inbound"), None),
            "canned": list(selectors.canned_answers(viewer, conversation.unit)),
            "petitions": list(conversation.petitions.select_related("unit").order_by("-received_at")),
            "statuses": ConversationStatus.choices,
        },
    )


@capability_required(Capability.VIEW_INBOX)
def conversation_entries(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The lines added since ``after`` (htmx polling), so a reply or a new message shows without reload."""
    viewer = viewer_of(request)
    conversation = selectors.access_conversation(viewer, conversation_id)
    after = request.GET.get("after", "0")
    entries = list(
        selectors.conversation_entries(conversation, after_id=int(after) if after.isdigit() else 0)
    )
    if entries:
        services.conversation_mark_read(conversation=conversation)
    return render(
        request,
        "inbox/_entries.html",
        {
            "conversation": conversation,
            "entries": entries,
            "last_id": entries[-1].pk if entries else (int(after) if after.isdigit() else 0),
            "can_handle": viewer.covers(Capability.HANDLE_INBOX, conversation.unit),
        },
    )


def _handle(request: HttpRequest, conversation_id: int) -> Conversation:
    return selectors.access_conversation(
        viewer_of(request), conversation_id, capability=Capability.HANDLE_INBOX
    )


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    form = ReplyForm(request.POST, channels=[(c, c) for c in delivery.REPLY_CHANNELS])
    if not form.is_valid():
        _bad_form(request, form)
    else:
        try:
            entry = services.conversation_reply(
                conversation=conversation,
                text=form.cleaned_data["text"],
                channel=form.cleaned_data["channel"],
                actor=request.user,
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            if entry.send_error:
                messages.error(
                    request,
                    _("The reply was kept but not delivered: %(error)s") % {"error": entry.send_error},
                )
            else:
                messages.success(request, _("Reply sent."))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.conversation_note(
                conversation=conversation, text=form.cleaned_data["text"], actor=request.user
            )
        except ApplicationError as exc:
            _fail(request, exc)
    else:
        _bad_form(request, form)
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    form = AssignForm(request.POST, officers=_officers(conversation.unit))
    if form.is_valid():
        try:
            services.conversation_assign(
                conversation=conversation, assignee=form.cleaned_data["assignee"], actor=request.user
            )
        except ApplicationError as exc:
            _fail(request, exc)
    else:
        _bad_form(request, form)
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_labels(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    form = LabelsForm(request.POST, labels=selectors.labels_for(conversation.unit))
    if form.is_valid():
        try:
            labels = list(form.cleaned_data["labels"])
            if form.cleaned_data["new_label"]:
                labels.append(
                    services.label_create(
                        unit=conversation.unit, name=form.cleaned_data["new_label"], actor=request.user
                    )
                )
            services.conversation_labels_set(conversation=conversation, labels=labels, actor=request.user)
        except ApplicationError as exc:
            _fail(request, exc)
    else:
        _bad_form(request, form)
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    form = ConversationStatusForm(request.POST)
    if form.is_valid():
        services.conversation_status_set(
            conversation=conversation, status=form.cleaned_data["status"], actor=request.user
        )
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_sos_clear(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _handle(request, conversation_id)
    services.conversation_sos_clear(conversation=conversation, actor=request.user)
    messages.success(request, _("Marked as handled; it left the SOS queue."))
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def conversation_place(request: HttpRequest, conversation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    conversation = _handle(request, conversation_id)
    form = PlaceForm(request.POST, places=selectors.places(viewer))
    if form.is_valid():
        try:
            services.conversation_commune_set(
                conversation=conversation, place=form.cleaned_data["place"], actor=request.user
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Commune set; the conversation moved to its inbox."))
            if not viewer.covers(Capability.VIEW_INBOX, conversation.unit):
                return redirect("inbox:inbox")
    else:
        _bad_form(request, form)
    return redirect("inbox:conversation", conversation_id=conversation.pk)


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def petition_from_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Một chạm: the message becomes a case with a reference code."""
    viewer = viewer_of(request)
    entry = selectors.access_entry(viewer, entry_id)
    form = FromMessageForm(request.POST, places=selectors.places(viewer))
    if not form.is_valid():
        _bad_form(request, form)
        return redirect("inbox:conversation", conversation_id=entry.conversation_id)
    try:
        place: Unit | None = form.cleaned_data["place"]
        village = place if place is not None and place.level == UnitLevel.VILLAGE else None
        petition = services.petition_from_entry(
            entry=entry,
            kind=form.cleaned_data["kind"],
            category=form.cleaned_data["category"],
            commune=village.parent if village is not None else place,
            village=village,
            actor=request.user,
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("inbox:conversation", conversation_id=entry.conversation_id)
    messages.success(request, _("Case %(ref)s opened.") % {"ref": petition.reference})
    if viewer_of(request).covers(Capability.VIEW_INBOX, petition.unit):
        return redirect("inbox:petition", petition_id=petition.pk)
    return redirect("inbox:conversation", conversation_id=entry.conversation_id)


# Petitions --------------------------------------------------------------------------------------


def _petition_filters(form: PetitionFilterForm) -> selectors.PetitionFilters:
    data = form.cleaned_data if form.is_valid() else {}
    category, unit = data.get("category"), data.get("unit")
    return selectors.PetitionFilters(
        search=(data.get("q") or "")[:100],
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        category_id=category.pk if category else None,
        unit_id=unit.pk if unit else None,
        overdue=bool(data.get("overdue")),
        mine=bool(data.get("mine")),
    )


@capability_required(Capability.VIEW_INBOX)
def petition_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    units = selectors.handling_units(viewer, Capability.VIEW_INBOX).order_by("path")
    form = PetitionFilterForm(request.GET or None, units=units)
    filters = _petition_filters(form)
    page = selectors.window(
        selectors.petition_list(viewer=viewer, filters=filters), request.GET.get("page"), PAGE_SIZE
    )
    template = "inbox/_petitions.html" if request.htmx else "inbox/petitions.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "now": timezone.now(),
            "can_handle": viewer.can(Capability.HANDLE_INBOX),
            "query": request.GET.urlencode(),
            "units": units[:200],
        },
    )


@capability_required(Capability.VIEW_INBOX)
def petition_export(request: HttpRequest) -> HttpResponse:
    """Xuất Excel: the petitions the list shows with the same filters."""
    viewer = viewer_of(request)
    units = selectors.handling_units(viewer, Capability.VIEW_INBOX)
    filters = _petition_filters(PetitionFilterForm(request.GET or None, units=units))
    return exports.petitions_xlsx(selectors.petition_list(viewer=viewer, filters=filters))


@capability_required(Capability.VIEW_INBOX)
def unit_report(request: HttpRequest, unit_id: int, year: int, month: int) -> HttpResponse:
    """Báo cáo tháng (PDF) of one unit, with its charts."""
    viewer = viewer_of(request)
    unit = Unit.objects.filter(viewer.unit_q(Capability.VIEW_INBOX), pk=unit_id).first()
    if unit is None or not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise NotFound()
    return exports.monthly_pdf(unit=unit, year=year, month=month)


@capability_required(Capability.HANDLE_INBOX)
@require_http_methods(["GET", "POST"])
def petition_create(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    form = PetitionCreateForm(request.POST or None, request.FILES or None, places=selectors.places(viewer))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place: Unit = data["place"]
        try:
            checked = []
            if data["attachment"]:
                upload = data["attachment"]
                checked.append(
                    files.check_upload(upload.name, upload.read(settings.CAUNOI_INBOX_MAX_FILE_BYTES + 1))
                )
            source = data["source"]
            citizen = citizen_create(
                home_unit=place,
                display_name=data["display_name"],
                phone=data["phone"],
                consents=form.consents(),
                consent_source=ConsentSource.PHONE if source == "phone" else ConsentSource.IN_PERSON,
                actor=request.user,
            )
            petition = services.petition_create(
                citizen=citizen,
                text=data["text"],
                title=data["title"],
                kind=data["kind"],
                category=data["category"],
                commune=place.parent if place.level == UnitLevel.VILLAGE else place,  # type: ignore[arg-type]
                village=place if place.level == UnitLevel.VILLAGE else None,
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                source=source,
                attachments=checked,
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": petition.reference})
            if viewer.covers(Capability.VIEW_INBOX, petition.unit):
                return redirect("inbox:petition", petition_id=petition.pk)
            return redirect("inbox:petitions")
    return render(request, "inbox/petition_form.html", {"form": form})


@capability_required(Capability.VIEW_INBOX)
def petition_detail(request: HttpRequest, petition_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    petition = selectors.access_petition(viewer, petition_id)
    can_handle = viewer.covers(Capability.HANDLE_INBOX, petition.unit) and petition.is_open
    return render(
        request,
        "inbox/petition.html",
        {
            "petition": petition,
            "events": petition.events.select_related("actor", "from_unit", "to_unit").order_by(
                "occurred_at", "id"
            ),
            "similar": selectors.similar_petitions(petition) if can_handle else [],
            "can_handle": can_handle,
            "can_close": viewer.covers(Capability.HANDLE_INBOX, petition.unit)
            and petition.status == "answered",
            "now": timezone.now(),
            "assign_form": AssignForm(
                officers=_officers(petition.unit), initial={"assignee": petition.assignee_id}
            ),
            "status_form": PetitionStatusForm(),
            "answer_form": AnswerForm(),
            "transfer_form": TransferForm(targets=selectors.transfer_targets(petition)),
            "merge_form": MergeForm(),
            "note_form": NoteForm(),
            "attachment_form": AttachmentForm(),
            "canned": list(selectors.canned_answers(viewer, petition.unit)),
        },
    )


def _petition_action(request: HttpRequest, petition_id: int) -> Petition:
    return selectors.access_petition(viewer_of(request), petition_id, capability=Capability.HANDLE_INBOX)


def _after(request: HttpRequest, petition: Petition) -> HttpResponse:
    if viewer_of(request).covers(Capability.VIEW_INBOX, petition.unit):
        return redirect("inbox:petition", petition_id=petition.pk)
    return redirect("inbox:petitions")


@capability_required(Capability.HANDLE_INBOX)
@require_POST
def petition_action(request: HttpRequest, petition_id: int, action: str) -> HttpResponse:
    """One endpoint per form on the case page; each calls exactly one service."""
    petition = _petition_action(request, petition_id)
    user = request.user
    try:
        if action == "assign":
            form: Any = AssignForm(request.POST, officers=_officers(petition.unit))
            if form.is_valid():
                services.petition_assign(
                    petition=petition, assignee=form.cleaned_data["assignee"], actor=user
                )
        elif action == "status":
            form = PetitionStatusForm(request.POST)
            if form.is_valid():
                services.petition_status_set(
                    petition=petition,
                    status=form.cleaned_data["status"],
                    text=form.cleaned_data["text"],
                    actor=user,
                )
        elif action == "answer":
            form = AnswerForm(request.POST)
            if form.is_valid():
                services.petition_answer(petition=petition, answer=form.cleaned_data["answer"], actor=user)
                messages.success(request, _("Answer published and sent to the citizen."))
        elif action == "transfer":
            form = TransferForm(request.POST, targets=selectors.transfer_targets(petition))
            if form.is_valid():
                services.petition_transfer(
                    petition=petition,
                    to_unit=form.cleaned_data["to_unit"],
                    office=form.cleaned_data["office"],
                    reason=form.cleaned_data["reason"],
                    actor=user,
                )
                messages.success(request, _("Transferred; the citizen keeps the same code."))
        elif action == "note":
            form = NoteForm(request.POST)
            if form.is_valid():
                services.petition_note(petition=petition, text=form.cleaned_data["text"], actor=user)
        elif action == "merge":
            form = MergeForm(request.POST)
            if form.is_valid():
                into = selectors.petition_list(
                    viewer=viewer_of(request),
                    filters=selectors.PetitionFilters(search=form.cleaned_data["into"]),
                ).first()
                if into is None:
                    raise NotFound(_("No case with this code in your units."))
                services.petition_merge(petition=petition, into=into, actor=user)
                messages.success(request, _("Merged into %(ref)s.") % {"ref": into.reference})
        elif action == "close":
            form = None
            services.petition_close(petition=petition, actor=user)
        elif action == "attachment":
            form = AttachmentForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["attachment"]
                checked = files.check_upload(
                    upload.name, upload.read(settings.CAUNOI_INBOX_MAX_FILE_BYTES + 1)
                )
                services.petition_attachment_add(petition=petition, upload=checked, actor=user)
        else:
            raise NotFound()
    except NotFound:
        raise
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        if form is not None and not form.is_valid():
            _bad_form(request, form)
    petition.refresh_from_db()
    return _after(request, petition)


def _safe_download(stored_name: str, mime: str, name: str) -> HttpResponseBase:
    """Always a download that cannot run as a page of ours."""
    path = files.storage_path(stored_name)
    if not path.exists():
        raise NotFound()
    response = FileResponse(path.open("rb"), content_type=mime, as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required(Capability.VIEW_INBOX)
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """A case attachment, served only to staff in scope."""
    attachment = selectors.access_attachment(viewer_of(request), attachment_id)
    return _safe_download(attachment.stored_name, attachment.mime, attachment.name)


@capability_required(Capability.VIEW_INBOX)
def message_file_download(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """A photo or file a citizen sent on Zalo, served only to staff who see the conversation."""
    file = selectors.access_message_file(viewer_of(request), file_id)
    return _safe_download(file.stored_name, file.mime, file.name)


# Configuration ---------------------------------------------------------------------------------


def _config_units(viewer: Viewer) -> QuerySet[Unit]:
    return selectors.handling_units(viewer, Capability.CONFIGURE_INBOX).order_by("path")


@capability_required(Capability.CONFIGURE_INBOX)
@require_http_methods(["GET", "POST"])
def inbox_settings(request: HttpRequest, section: str = "") -> HttpResponse:
    """Cấu hình: categories, deadlines, routing rules, canned answers, knowledge base."""
    viewer = viewer_of(request)
    units = _config_units(viewer)
    forms = {
        "category": CategoryForm(request.POST if section == "category" else None),
        "deadline": DeadlineForm(request.POST if section == "deadline" else None),
        "routing": RoutingRuleForm(request.POST if section == "routing" else None, units=units),
        "canned": CannedAnswerForm(request.POST if section == "canned" else None, units=units),
        "knowledge": KnowledgeForm(request.POST if section == "knowledge" else None, units=units),
    }
    if request.method == "POST":
        form = forms.get(section)
        if form is None:
            raise NotFound()
        if form.is_valid():
            data, user = form.cleaned_data, request.user
            try:
                if section == "category":
                    services.category_save(actor=user, **data)
                elif section == "deadline":
                    services.deadline_rule_set(actor=user, **data)
                elif section == "routing":
                    services.routing_rule_save(actor=user, **data)
                elif section == "canned":
                    services.canned_answer_save(actor=user, **data)
                else:
                    services.knowledge_entry_save(actor=user, **data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("inbox:settings")
    from caunoi.inbox.deadlines import rule_for

    return render(
        request,
        "inbox/settings.html",
        {
            "forms": forms,
            "categories": selectors.categories(),
            "deadlines": [(k, rule_for(k)) for k in PetitionKind],
            "rules": selectors.routing_rules(viewer),
            "canned": selectors.canned_answers(viewer, first) if (first := units.first()) is not None else [],
            "knowledge": selectors.knowledge_entries(viewer),
        },
    )


@capability_required(Capability.CONFIGURE_INBOX)
@require_POST
def routing_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.routing_rules(viewer_of(request)).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    services.routing_rule_delete(rule=rule, actor=request.user)
    return redirect("inbox:settings")


def _zalo_menu_form(request: HttpRequest) -> tuple[ZaloMenuForm, Unit | None]:
    """The form over the GET query; without a unit, the first unit in scope that has a connected OA
    (else the first unit in scope) is chosen."""
    units = _config_units(viewer_of(request))
    data = request.GET.copy()
    if "unit" not in data:
        with_oa = units.filter(pk__in=selectors.zalo_account_units()).first()
        first = with_oa or units.first()
        if first is None:
            raise NotFound()
        data["unit"] = str(first.pk)
    data.setdefault("action", "oa.query.show")
    form = ZaloMenuForm(data, units=units)
    return form, form.cleaned_data["unit"] if form.is_valid() else None


@capability_required(Capability.CONFIGURE_INBOX)
def zalo_menu(request: HttpRequest) -> HttpResponse:
    """Menu Zalo OA: generated from the approved knowledge base, to paste into the OA manager."""
    form, unit = _zalo_menu_form(request)
    definition = None
    if unit is not None:
        definition = knowledge.menu_definition(
            unit, action=form.cleaned_data["action"], oa_id=selectors.zalo_oa_id(unit)
        )
    return render(
        request,
        "inbox/zalo_menu.html",
        {
            "form": form,
            "unit": unit,
            "definition": definition,
            "definition_json": json.dumps(definition, ensure_ascii=False, indent=2) if definition else "",
            "title_max": knowledge.MENU_TITLE_MAX,
        },
    )


@capability_required(Capability.CONFIGURE_INBOX)
def zalo_menu_json(request: HttpRequest) -> HttpResponseBase:
    """The same definition as a JSON download; a bad unit or action is a problem+json 400."""
    form, unit = _zalo_menu_form(request)
    if unit is None:
        detail = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        return problem_response(400, _("The menu cannot be generated."), detail)
    definition = knowledge.menu_definition(
        unit, action=form.cleaned_data["action"], oa_id=selectors.zalo_oa_id(unit)
    )
    response = JsonResponse(definition, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="zalo-menu-{unit.code}.json"'
    response["Cache-Control"] = "private, no-store"
    return response
