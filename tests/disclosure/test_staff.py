"""Staff pages and API of the disclosure board: scoped to the units one publishes for (PUBLISH_WEB)."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from caunoi.accounts.services import api_token_create
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.disclosure import services
from caunoi.disclosure.models import Comment, CommentStatus, Publication
from tests.conftest import login_as
from tests.disclosure.support import PDF, publish

pytestmark = pytest.mark.django_db


def test_an_officer_publishes_with_a_document_for_their_commune_only(personas):
    client = login_as(Client(), personas.commune_officer)
    form = client.get("/disclosure/new/").content.decode()
    assert personas.units["commune"].name in form
    assert personas.units["sibling"].name not in form

    response = client.post(
        "/disclosure/new/",
        {
            "unit": "00694",
            "category": "contributions",
            "title": "Kết quả vận động đóng góp làm đường thôn",
            "body": "Tổng số tiền đóng góp: 350 triệu đồng.",
            "published_at": "2026-01-05T08:00",
            "ends_at": "",
            "comments_open": "on",
            "file": SimpleUploadedFile("ket-qua.pdf", PDF, content_type="application/pdf"),
        },
    )
    item = Publication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disclosure/{item.pk}/"
    assert item.unit == personas.units["commune"] and item.attachments.count() == 1
    assert item.published_at.isoformat() == "2026-01-05T01:00:00+00:00"  # entered in Vietnam time

    refused = client.post(
        "/disclosure/new/",
        {"unit": "00691", "category": "budget", "title": "Của xã khác", "body": "x", "published_at": ""},
    )
    assert refused.status_code == 200
    assert Publication.objects.count() == 1


def test_a_file_that_lies_about_its_type_keeps_the_form_and_publishes_nothing(personas):
    client = login_as(Client(), personas.commune_officer)
    response = client.post(
        "/disclosure/new/",
        {
            "unit": "00694",
            "category": "budget",
            "title": "Dự toán",
            "body": "Tổng thu",
            "file": SimpleUploadedFile("du-toan.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        },
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "content is not a PDF" in html.unescape(response.content.decode())
    assert not Publication.objects.exists()


def test_other_communes_items_are_not_found_for_an_officer(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    comment = Comment.objects.create(publication=item, display_name="Tư", text="Ý kiến")
    attachment = services.attachment_add(
        publication=item, name="a.pdf", content=PDF, actor=personas.commune_officer
    )
    sibling = login_as(Client(), personas.sibling_officer)
    for path in (
        f"/disclosure/{item.pk}/",
        f"/disclosure/{item.pk}/edit/",
        f"/disclosure/files/{attachment.pk}/",
    ):
        assert sibling.get(path).status_code == 404, path
    for path in (
        f"/disclosure/{item.pk}/withdraw/",
        f"/disclosure/{item.pk}/attach/",
        f"/disclosure/files/{attachment.pk}/remove/",
        f"/disclosure/comments/{comment.pk}/moderate/",
    ):
        assert sibling.post(path, {"decision": "approve", "reason": "x"}).status_code == 404, path
    assert item.title not in sibling.get("/disclosure/").content.decode()
    assert "Tư" not in sibling.get("/disclosure/moderation/").content.decode()
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PENDING
    # The province sees it.
    assert login_as(Client(), personas.province_admin).get(f"/disclosure/{item.pk}/").status_code == 200


def test_moderation_queue_shows_pending_comments_and_decisions_apply(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    keep = services.comment_submit(
        publication=item, display_name="Tư", text="Đồng ý", client_address="192.0.2.1"
    )
    drop = services.comment_submit(
        publication=item, display_name="Spam", text="Mua ngay", client_address="192.0.2.2"
    )
    client = login_as(Client(), personas.commune_officer)
    queue = client.get("/disclosure/moderation/").content.decode()
    assert "Đồng ý" in queue and "Mua ngay" in queue
    assert (
        client.post(f"/disclosure/comments/{keep.pk}/moderate/", {"decision": "approve"}).status_code == 302
    )
    assert client.post(f"/disclosure/comments/{drop.pk}/moderate/", {"decision": "reject"}).status_code == 302
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.status, drop.status) == (CommentStatus.APPROVED, CommentStatus.REJECTED)
    assert "Mua ngay" not in client.get("/disclosure/moderation/").content.decode()
    assert (
        AuditEvent.objects.filter(action="disclosure.moderate", actor=personas.commune_officer).count() == 2
    )


def test_edit_withdraw_attach_and_remove_through_the_pages(personas, media):
    item = publish(personas.units["commune"], personas.commune_officer)
    client = login_as(Client(), personas.commune_officer)
    assert client.get(f"/disclosure/{item.pk}/edit/").status_code == 200
    response = client.post(
        f"/disclosure/{item.pk}/edit/",
        {
            "category": "budget",
            "title": "Dự toán (điều chỉnh)",
            "body": item.body,
            "published_at": "2026-01-05T08:00",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "Dự toán (điều chỉnh)" and item.comments_open is False

    client.post(f"/disclosure/{item.pk}/attach/", {"file": SimpleUploadedFile("b.pdf", PDF)})
    attachment = item.attachments.get()
    download = client.get(f"/disclosure/files/{attachment.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    client.post(f"/disclosure/files/{attachment.pk}/remove/")
    assert not item.attachments.exists()

    client.post(f"/disclosure/{item.pk}/withdraw/", {"reason": ""})
    item.refresh_from_db()
    assert item.withdrawn_at is None
    client.post(f"/disclosure/{item.pk}/withdraw/", {"reason": "Nhầm số liệu"})
    item.refresh_from_db()
    assert item.withdrawn_reason == "Nhầm số liệu"


def test_the_staff_list_costs_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for n in range(20):
        item = publish(personas.units["commune"], personas.commune_officer, title=f"Mục {n}")
        Comment.objects.create(publication=item, display_name="Tư", text="Ý kiến")
    client = login_as(Client(), personas.commune_officer)
    client.get("/disclosure/")  # warm the session and the navigation
    with django_assert_max_num_queries(12):
        page = client.get("/disclosure/").content.decode()
    assert "Mục 19" in page


def test_the_api_lists_and_moderates_within_the_token_scope(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    other = publish(personas.units["sibling"], personas.sibling_officer)
    comment = Comment.objects.create(publication=item, display_name="Tư", text="Ý kiến")
    foreign = Comment.objects.create(publication=other, display_name="Lan", text="Ý kiến")
    _token, secret = api_token_create(
        name="Cổng xã",
        unit=personas.units["commune"],
        role=Role.COMMUNE_OFFICER,
        actor=personas.province_admin,
    )
    client = Client(headers={"authorization": f"Bearer {secret}"})
    listing = client.get("/api/v1/disclosure/publications").json()
    assert listing["count"] == 1
    assert listing["items"][0]["id"] == item.pk and listing["items"][0]["pending_comments"] == 1
    assert client.get(f"/api/v1/disclosure/publications/{other.pk}").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/disclosure/comments/pending").json()] == [comment.pk]

    answer = client.post(
        f"/api/v1/disclosure/comments/{comment.pk}/moderate",
        {"approve": True},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    refused = client.post(
        f"/api/v1/disclosure/comments/{foreign.pk}/moderate",
        {"approve": True},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    event = AuditEvent.objects.get(action="disclosure.moderate")
    assert event.actor_label.startswith("token:")

    reporter_token = api_token_create(
        name="CTV", unit=personas.units["commune"], role=Role.REPORTER, actor=personas.province_admin
    )[1]
    reporter = Client(headers={"authorization": f"Bearer {reporter_token}"})
    assert reporter.get("/api/v1/disclosure/publications").json()["count"] == 0
    assert (
        reporter.post(
            f"/api/v1/disclosure/comments/{comment.pk}/moderate",
            {"approve": False},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_the_dashboard_counts_comments_awaiting_moderation(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    Comment.objects.create(publication=item, display_name="Tư", text="Ý kiến")
    Comment.objects.create(publication=item, display_name="Lan", text="Ý kiến", status=CommentStatus.APPROVED)
    assert (
        "1</span> comment awaits moderation"
        in login_as(Client(), personas.commune_officer).get("/").content.decode()
    )
    assert (
        "0</span> comments await moderation"
        in login_as(Client(), personas.sibling_officer).get("/").content.decode()
    )
    assert "await moderation" not in login_as(Client(), personas.auditor).get("/").content.decode()
