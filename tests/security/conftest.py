"""A seeded installation to attack: the demo data of every app (made through the real services), plus the
few objects the demo leaves out, and a sample value for every URL parameter.

The world is built once per module inside a transaction rolled back at its end; each test runs in its own
savepoint on top (pytest-django's ``db``), so what one probe changes never leaks into the next.

``sample_url`` turns every route of the URL conf into a concrete URL pointing at a real object of
Tuyên Quang. A route with a parameter this file has no sample for fails the tests that walk the URL
conf, so a new URL is covered (or deliberately given a sample) the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from caunoi.accounts.models import ApiToken, RoleAssignment, User
from caunoi.accounts.services import api_token_create
from caunoi.channels import services as channel_services
from caunoi.channels.models import WebPost, ZaloAccount, ZaloAccountStatus, ZnsTemplateRecord
from caunoi.citizens.models import Citizen
from caunoi.core import files
from caunoi.core.permissions import Role
from caunoi.demo import demo_seed
from caunoi.geo.models import Unit
from tests.conftest import COMMUNE, PROVINCE, ensure_units, login_as
from tests.e2e.conftest import (  # noqa: F401 - the browser fixtures, for test_xss_browser.py
    _static_root,
    browser_context_args,
    browser_type_launch_args,
    commune,
    officer,
    page,
    sign_in,
)
from tests.test_url_rules import walk

API_NAMESPACE = "api-v1"
ADMIN_NAMESPACE = "admin"

# The demo's people (caunoi/demo.py), named like the personas of tests/conftest.py.
DEMO_USERS = {
    "province_admin": "tinh.quantri",
    "approver": "tinh.pheduyet",
    "editor": "tinh.bientap",
    "auditor": "tinh.kiemtra",
    "commune_officer": "xa.hagiang1",
    "reporter": "ctv.hagiang1",
    "sibling_officer": "xa.hagiang2",
    "other_province_officer": "caobang.canbo",
}

# A one-pixel JPEG: the smallest real file every upload endpoint accepts.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00"
    + bytes(range(1, 65))
    + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00\xff\xc4\x00\x14\x00\x01"
    + b"\x00" * 15
    + b"\x08\xff\xda\x00\x08\x01\x01\x00\x00?\x00\xd2\xcf \xff\xd9"
)


@dataclass
class Route:
    """One URL pattern outside the admin: where it lives and who may reach it."""

    route: str
    namespace: str
    name: str
    pattern: URLPattern
    rule: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}:{self.name}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"<(?:\w+:)?(\w+)>", self.route)

    @property
    def csrf_exempt(self) -> bool:
        return bool(getattr(self.pattern.callback, "csrf_exempt", False))


def html_routes() -> list[Route]:
    """Every page, form and webhook of the URL conf (the API and the admin have their own tests)."""
    found = []
    for route, namespaces, pattern in walk(get_resolver().url_patterns):
        if namespaces[:1] in ((API_NAMESPACE,), (ADMIN_NAMESPACE,)):
            continue
        rule = getattr(pattern.callback, "access_rule", "")
        found.append(Route(route, ":".join(namespaces), pattern.name or "", pattern, rule))
    return found


@dataclass
class World:
    users: dict[str, User]
    samples: dict[str, Callable[[], Any]] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def client(self, persona: str, **kwargs: Any) -> Client:
        """A client signed in as ``persona``; a server error is a 500 answer to count, not an exception."""
        kwargs.setdefault("raise_request_exception", False)
        client = Client(**kwargs)
        if persona != "anonymous":
            login_as(client, self.users[persona])
        return client


class MissingSample(LookupError):
    """A route parameter this suite has no sample value for: add one to ``_samples`` below."""


def sample_url(world: World, route: Route) -> str:
    url = "/" + route.route
    for param in route.params:
        for key in (f"{route.key}.{param}", f"{route.namespace}.{param}", param):
            if key in world.samples:
                value = world.samples[key]()
                break
        else:
            raise MissingSample(f"/{route.route} ({route.key}): no sample for <{param}>")
        url = re.sub(rf"<(?:\w+:)?{param}>", str(value), url, count=1)
    return url


def _first(model: Any, **filters: Any) -> Callable[[], Any]:
    def pick() -> Any:
        obj = model.objects.filter(**filters).order_by("pk").first()
        return obj.pk if obj is not None else 999_999_999  # no such object: the route must answer 404

    return pick


def _samples(world: World) -> dict[str, Callable[[], Any]]:
    from caunoi.campaigns.models import Campaign, ContentVariant
    from caunoi.citizens.models import Consent
    from caunoi.disclosure.models import Attachment, Comment, Publication
    from caunoi.inbox import public as inbox_public
    from caunoi.inbox.models import (
        Category,
        Conversation,
        Entry,
        MessageAttachment,
        Petition,
        RoutingRule,
    )
    from caunoi.inbox.open311.views import token_for
    from caunoi.opinion import services as opinion_services
    from caunoi.opinion.models import AnalysedMessage, EmergingTopic, SpikeAlert, Survey
    from caunoi.practices.models import Committee, Evaluation, Evidence, Practice, Replication
    from caunoi.training.models import Lesson, LessonFile, Question, TrainingSession

    ward = Unit.objects.get(code=COMMUNE)
    petition = Petition.objects.filter(commune=ward).order_by("pk").first() or Petition.objects.first()
    assert petition is not None
    post: WebPost = world.objects["web_post"]
    survey = Survey.objects.order_by("pk").first()
    citizen = Citizen.objects.filter(home_unit=ward).order_by("pk").first()
    assert citizen is not None
    # A draft, so its page carries the forms (edit, evidence upload) the hostile-input tests look for.
    practice = (
        Practice.objects.filter(status="draft").order_by("pk").first()
        or Practice.objects.filter(unit=ward).order_by("pk").first()
    )
    lesson_file = LessonFile.objects.order_by("pk").first()
    lesson = lesson_file.lesson if lesson_file else Lesson.objects.order_by("pk").first()
    assert lesson is not None
    publication = Publication.objects.filter(attachments__isnull=False).order_by("pk").first()
    assert publication is not None
    committee = Committee.objects.order_by("pk").first()
    return {
        # accounts
        "accounts.user_id": lambda: world.users["commune_officer"].pk,
        "assignment_id": lambda: RoleAssignment.objects.get(user=world.users["reporter"]).pk,
        "token_id": lambda: world.objects["api_token"].pk,
        # geo, citizens
        "unit_id": lambda: ward.pk,
        "citizen_id": lambda: citizen.pk,
        "consent_id": _first(Consent, citizen=citizen),
        # channels
        "account_id": lambda: world.objects["zalo_account"].pk,
        "template_id": lambda: world.objects["zns_template"].pk,
        "post_id": lambda: post.pk,
        "public.filename": lambda: post.audio_filename,
        "unit_code": lambda: COMMUNE,
        "slug": lambda: post.slug,
        # campaigns
        "campaign_id": _first(Campaign, unit__code=PROVINCE),
        "campaigns:action.action": lambda: "submit",
        "campaigns:variant_action.action": lambda: "submit",
        "language": lambda: "vi",
        "variant_id": _first(ContentVariant),
        # inbox and the public tracking pages
        "conversation_id": _first(Conversation, unit=ward),
        "entry_id": _first(Entry, conversation__unit=ward),
        "petition_id": lambda: petition.pk,
        "inbox.attachment_id": lambda: world.objects["petition_attachment"].pk,
        "inbox.file_id": _first(MessageAttachment),
        "year": lambda: 2026,
        "month": lambda: 11,
        "rule_id": _first(RoutingRule),
        "reference": lambda: petition.reference,
        "track.token": lambda: inbox_public.citizen_token(petition),
        "open311.fmt": lambda: "json",
        "open311.code": lambda: Category.objects.order_by("pk").first().code,  # type: ignore[union-attr]
        "open311.request_id": lambda: petition.reference,
        "open311.token": lambda: token_for(petition).replace(":", "%3A"),
        # opinion
        "opinion:label_save.pk": _first(AnalysedMessage, unit=ward),
        "opinion:emerging_adopt.pk": _first(EmergingTopic),
        "opinion:emerging_dismiss.pk": _first(EmergingTopic),
        "opinion:spike_acknowledge.pk": _first(SpikeAlert),
        "opinion.kind": lambda: "topic",
        "opinion:respond.pk": lambda: SpikeAlert.objects.order_by("pk").first().topic_id,  # type: ignore[union-attr]
        "opinion:respond_campaign.pk": lambda: SpikeAlert.objects.order_by("pk").first().topic_id,  # type: ignore[union-attr]
        "opinion:respond_answer.pk": lambda: SpikeAlert.objects.order_by("pk").first().topic_id,  # type: ignore[union-attr]
        "opinion:survey.pk": lambda: survey.pk if survey else 999_999_999,
        "opinion:survey_question_add.pk": lambda: survey.pk if survey else 999_999_999,
        "opinion:survey_status.pk": lambda: survey.pk if survey else 999_999_999,
        "opinion:survey_status.action": lambda: "open",
        "opinion.token": lambda: (
            opinion_services.survey_link_token(survey=survey, citizen_id=citizen.pk) if survey else "x"
        ),
        # practices
        "practice_id": lambda: practice.pk if practice else 999_999_999,
        "evidence_id": _first(Evidence, practice__unit=ward),
        "replication_id": _first(Replication),
        "committee_id": lambda: committee.pk if committee else 999_999_999,
        "practices.user_id": lambda: committee.members.order_by("pk").first().user_id,  # type: ignore[union-attr]
        "evaluation_id": _first(Evaluation),
        "practices.kind": lambda: "practices",
        # training
        "course_id": lambda: lesson.course_id,
        "lesson_id": lambda: lesson.pk,
        "question_id": _first(Question, course=lesson.course),
        "training.file_id": lambda: lesson_file.pk if lesson_file else 999_999_999,
        "session_id": _first(TrainingSession),
        # disclosure
        "publication_id": lambda: publication.pk,
        "disclosure.attachment_id": _first(Attachment, publication=publication),
        "disclosure_public.attachment_id": _first(Attachment, publication=publication),
        "comment_id": _first(Comment),
        "province_code": lambda: PROVINCE,
    }


def _build_world() -> World:
    ensure_units()
    demo_seed()
    users = {persona: User.objects.get(username=name) for persona, name in DEMO_USERS.items()}
    ward = Unit.objects.get(code=COMMUNE)
    world = World(users=users)
    token, _secret = api_token_create(
        name="Cổng xã", unit=ward, role=Role.COMMUNE_OFFICER, actor=users["province_admin"]
    )
    world.objects["api_token"] = token
    account = ZaloAccount.objects.create(
        unit=ward,
        oa_id="4000000000000000001",
        app_id="1000000000000000001",
        name="UBND Phường Hà Giang 1",
        status=ZaloAccountStatus.CONNECTED,
    )
    world.objects["zalo_account"] = account
    world.objects["zns_template"] = ZnsTemplateRecord.objects.create(
        account=account, template_id="900001", name="Thông báo lịch họp", synced_at=timezone.now()
    )
    world.objects["web_post"] = channel_services.web_post_publish(
        unit=ward,
        title="Lịch tiêm chủng tháng 12",
        body="Trạm y tế phường tiêm vắc xin sởi vào sáng thứ Bảy.",
        actor=users["commune_officer"],
    )
    from caunoi.inbox import services as inbox_services
    from caunoi.inbox.models import Petition

    petition = Petition.objects.filter(commune=ward).order_by("pk").first()
    assert petition is not None
    checked = files.check_upload(
        "anh-hien-truong.jpg", JPEG, kinds={"jpg"}, max_bytes=1_000_000, field="file", refused="jpg"
    )
    world.objects["petition_attachment"] = inbox_services.petition_attachment_add(
        petition=petition, upload=checked, actor=users["commune_officer"]
    )
    from caunoi.opinion import services as opinion_services

    survey = opinion_services.survey_create(
        unit=ward, title="Ý kiến về giờ làm việc", description="", actor=users["commune_officer"]
    )
    world.objects["survey"] = survey
    world.objects["tuyen_quang_markers"] = [
        *Citizen.objects.filter(home_unit__path__startswith=ward.path).values_list("display_name", flat=True),
        *Petition.objects.filter(commune=ward).values_list("reference", flat=True),
    ]
    world.samples = _samples(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, rolled back at its end; tests nest their own savepoints on top."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def row_counts() -> dict[str, int]:
    """How many rows every table holds: a write that slipped through changes one of them."""
    from django.apps import apps

    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


__all__ = ["ApiToken", "Route", "World", "html_routes", "row_counts", "sample_url"]
