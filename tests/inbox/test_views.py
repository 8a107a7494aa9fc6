"""The pages: scope (another commune's conversation or case is "not found"), a fixed number of
queries per list page, inert citizen text, attachment safety, and a public page with nothing personal."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caunoi.citizens.models import ConsentPurpose
from caunoi.inbox.models import Conversation, Petition, PetitionAttachment, PetitionSource
from caunoi.inbox.public import citizen_token
from caunoi.inbox.services import petition_answer, petition_create
from tests.conftest import login_as
from tests.inbox.helpers import citizen_in, write_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _case(personas, unit_key="commune", text="Đèn đường hỏng", citizen=None):
    return petition_create(
        citizen=citizen or citizen_in(personas.units[unit_key]),
        text=text,
        commune=personas.units[unit_key],
        source=PetitionSource.PHONE,
        actor=personas.province_admin,
    )


def test_every_inbox_page_renders_for_the_commune_officer(personas):
    citizen = citizen_in(personas.units["commune"], phone="0912000111", consents=[ConsentPurpose.FEEDBACK])
    entry = write_in(citizen, "Xin hỏi giờ làm việc")
    petition = _case(personas)
    client = login_as(Client(), personas.commune_officer)
    for url in [
        reverse("inbox:inbox"),
        reverse("inbox:inbox") + "?q=gio+lam&sos=1",
        reverse("inbox:conversation", args=[entry.conversation_id]),
        reverse("inbox:conversation_entries", args=[entry.conversation_id]) + "?after=0",
        reverse("inbox:petitions"),
        reverse("inbox:petitions") + "?q=den+duong&overdue=on",
        reverse("inbox:petition_create"),
        reverse("inbox:petition", args=[petition.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("inbox:conversation", args=[entry.conversation_id])).content.decode()
    assert "912000111" in page  # consented to be answered


def test_contact_details_without_consent_are_not_shown(personas):
    citizen = citizen_in(personas.units["commune"], phone="0912000222", consents=[ConsentPurpose.NEWS])
    entry = write_in(citizen, "Cho hỏi")
    page = login_as(Client(), personas.commune_officer).get(
        reverse("inbox:conversation", args=[entry.conversation_id])
    )
    assert "912000222" not in page.content.decode()


def test_other_communes_get_not_found(personas):
    entry = write_in(citizen_in(personas.units["commune"]), "Việc riêng của xã")
    petition = _case(personas)
    attachment = PetitionAttachment.objects.create(
        petition=petition, name="a.png", mime="image/png", size=1, stored_name="x"
    )
    urls_get = [
        reverse("inbox:conversation", args=[entry.conversation_id]),
        reverse("inbox:conversation_entries", args=[entry.conversation_id]),
        reverse("inbox:petition", args=[petition.pk]),
        reverse("inbox:attachment", args=[attachment.pk]),
    ]
    urls_post = [
        reverse("inbox:conversation_reply", args=[entry.conversation_id]),
        reverse("inbox:conversation_note", args=[entry.conversation_id]),
        reverse("inbox:petition_from_entry", args=[entry.pk]),
        reverse("inbox:petition_answer", args=[petition.pk]),
        reverse("inbox:petition_transfer", args=[petition.pk]),
    ]
    for user in (personas.sibling_officer, personas.other_province_officer):
        client = login_as(Client(), user)
        for url in urls_get:
            assert client.get(url).status_code == 404, (user, url)
        for url in urls_post:
            assert client.post(url, {"text": "x", "answer": "x"}).status_code == 404, (user, url)
    auditor = login_as(Client(), personas.auditor)
    assert auditor.get(urls_get[0]).status_code == 200  # reads
    assert auditor.post(urls_post[1], {"text": "x"}).status_code == 404  # never writes
    assert not Petition.objects.filter(answer="x").exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_list_pages_use_a_fixed_number_of_queries(personas, rows):
    for i in range(rows):
        citizen = citizen_in(personas.units["commune"], f"Người {i}")
        write_in(citizen, f"Tin nhắn {i}")
        _case(personas, citizen=citizen)
    client = login_as(Client(), personas.commune_officer)
    for url, limit in [(reverse("inbox:inbox"), 14), (reverse("inbox:petitions"), 12)]:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) <= limit, (url, len(queries), [q["sql"][:120] for q in queries])


def test_citizen_html_is_shown_as_text(personas):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    entry = write_in(citizen_in(personas.units["commune"], evil), evil)
    petition = _case(personas, text=evil)
    client = login_as(Client(), personas.commune_officer)
    for url in (
        reverse("inbox:inbox"),
        reverse("inbox:conversation", args=[entry.conversation_id]),
        reverse("inbox:petition", args=[petition.pk]),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_attachments_are_sniffed_and_served_as_safe_downloads(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    petition = _case(personas)
    client = login_as(Client(), personas.commune_officer)
    url = reverse("inbox:petition_attachment", args=[petition.pk])

    fake = io.BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "anh.png"
    client.post(url, {"attachment": fake})
    assert not petition.attachments.exists()

    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    exe.name = "tai-lieu.exe"
    client.post(url, {"attachment": exe})
    assert not petition.attachments.exists()

    good = io.BytesIO(PNG)
    good.name = '"><script>x</script>.png'
    client.post(url, {"attachment": good})
    attachment = petition.attachments.get()
    assert attachment.mime == "image/png"
    stored = tmp_path / "inbox" / attachment.stored_name
    assert stored.read_bytes() == PNG
    response = client.get(reverse("inbox:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    page = client.get(reverse("inbox:petition", args=[petition.pk])).content.decode()
    assert "<script>x</script>" not in page


def test_a_docx_that_is_not_one_is_refused(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    petition = _case(personas)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.txt", "x")
    buffer.seek(0)
    buffer.name = "don.docx"
    login_as(Client(), personas.commune_officer).post(
        reverse("inbox:petition_attachment", args=[petition.pk]), {"attachment": buffer}
    )
    assert not petition.attachments.exists()


def test_public_tracking_page_shows_nothing_personal(personas):
    citizen = citizen_in(
        personas.units["commune"], "Bà Nguyễn Thị Riêng Tư", phone="0912999888", email="rieng@example.vn"
    )
    petition = _case(personas, citizen=citizen, text="Nhà bà Riêng Tư số 12 bị thấm nước")
    petition_answer(petition=petition, answer="Đã cử cán bộ kiểm tra.", actor=personas.commune_officer)
    client = Client()
    page = client.get(reverse("track:petition", args=[petition.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert petition.reference in html and "Đã cử cán bộ kiểm tra." in html
    assert personas.units["commune"].name in html
    for secret in ("Riêng Tư", "912999888", "rieng@example.vn", "số 12"):
        assert secret not in html
    assert page["Cache-Control"] == "no-store"
    assert client.get(reverse("track:petition", args=["TQ-2026-999999"])).status_code == 404
    assert client.get(reverse("track:home") + f"?reference={petition.reference.lower()}").status_code == 302


def test_citizen_rates_and_reopens_through_the_signed_link(personas):
    petition = _case(personas)
    petition_answer(petition=petition, answer="Đã sửa.", actor=personas.commune_officer)
    client = Client(enforce_csrf_checks=False)
    url = reverse("track:feedback", args=[petition.reference, citizen_token(petition)])
    assert client.get(url).status_code == 200
    assert client.post(url, {"rating": "5", "comment": "Tốt"}).status_code == 302
    petition.refresh_from_db()
    assert petition.rating == 5
    assert client.post(url, {"reopen": "on", "comment": "Lại hỏng"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == "in_progress"
    bad = reverse("track:feedback", args=[petition.reference, "forged"])
    assert client.get(bad).status_code == 404


def test_exports(personas):
    _case(personas)
    client = login_as(Client(), personas.commune_officer)
    response = client.get(reverse("inbox:petitions_export") + "?kind=feedback")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import openpyxl  # type: ignore[import-untyped,unused-ignore]

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0].startswith("TQ-")
    commune = personas.units["commune"]
    pdf = client.get(reverse("inbox:unit_report", args=[commune.pk, 2026, 11]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sibling = personas.units["sibling"]
    assert client.get(reverse("inbox:unit_report", args=[sibling.pk, 2026, 11])).status_code == 404


def test_officer_enters_a_case_for_a_citizen_by_phone(personas):
    client = login_as(Client(), personas.commune_officer)
    response = client.post(
        reverse("inbox:petition_create"),
        {
            "source": "phone",
            "display_name": "Ông Ma Văn Kiên",
            "phone": "0987654321",
            "consent_contact": "on",
            "kind": "petition",
            "place": personas.units["commune"].pk,
            "text": "Đề nghị sửa cầu treo thôn Châng",
        },
    )
    assert response.status_code == 302
    petition = Petition.objects.get(text="Đề nghị sửa cầu treo thôn Châng")
    assert petition.citizen is not None
    assert petition.source == "phone" and petition.citizen.phone.endswith("987654321")
    assert set(petition.citizen.consents.values_list("purpose", flat=True)) == {"feedback", "contact"}


def test_province_resident_gets_a_commune(personas):
    entry = write_in(citizen_in(personas.units["province"]), "Tôi ở đâu?")
    conversation = entry.conversation
    assert conversation.unit == personas.units["province"]
    client = login_as(Client(), personas.province_admin)
    client.post(
        reverse("inbox:conversation_place", args=[conversation.pk]), {"place": personas.units["commune"].pk}
    )
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert conversation.unit == personas.units["commune"]
    assert conversation.citizen.home_unit == personas.units["commune"]


def test_api_lists_and_answers_in_scope_only(personas):
    petition = _case(personas)
    client = login_as(Client(), personas.commune_officer)
    listed = client.get("/api/v1/inbox/petitions?q=den+duong").json()
    assert listed["count"] == 1 and listed["items"][0]["reference"] == petition.reference
    answered = client.post(
        f"/api/v1/inbox/petitions/{petition.pk}/answer",
        {"answer": "Đã sửa."},
        content_type="application/json",
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    sibling = login_as(Client(), personas.sibling_officer)
    assert sibling.get(f"/api/v1/inbox/petitions/{petition.pk}").status_code == 404
    assert sibling.get("/api/v1/inbox/conversations").json()["count"] == 0


def test_a_case_from_a_province_residents_message_names_its_commune(personas):
    entry = write_in(citizen_in(personas.units["province"]), "Cầu treo thôn Châng bị gãy", channel="zalo")
    client = login_as(Client(), personas.province_admin)
    page = client.get(reverse("inbox:conversation", args=[entry.conversation_id])).content.decode()
    assert reverse("inbox:petition_from_entry", args=[entry.pk]) in page
    response = client.post(
        reverse("inbox:petition_from_entry", args=[entry.pk]),
        {"kind": "petition", "place": personas.units["commune"].pk},
    )
    petition = Petition.objects.get(conversation_id=entry.conversation_id)
    assert response.status_code == 302
    assert (petition.commune, petition.unit, petition.kind) == (
        personas.units["commune"],
        personas.units["commune"],
        "petition",
    )
    listed = client.get(reverse("inbox:petitions") + f"?unit={personas.units['commune'].pk}")
    assert petition.reference in listed.content.decode()
    other = client.get(reverse("inbox:petitions") + f"?unit={personas.units['sibling'].pk}")
    assert petition.reference not in other.content.decode()
