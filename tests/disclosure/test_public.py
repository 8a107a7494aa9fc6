"""The public board (bảng công khai): no login, only what is on the board, comments that wait for moderation,
script in anything a person typed shown inert, and bots and floods refused."""

from __future__ import annotations

import datetime as dt
import html
import time

import pytest
from django.test import Client
from django.utils import timezone, translation

from caunoi.disclosure import services, spam
from caunoi.disclosure.models import Comment, CommentStatus
from tests.disclosure.support import PDF, publish

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def url(item, suffix=""):
    return f"/cong-khai/{item.unit.code}/{item.pk}/{suffix}"


def token(item, age=10.0):
    return spam.comment_token(item.pk, now=time.time() - age)


def comment_form(item, **changes):
    data = {
        "display_name": "Bác Tư",
        "text": "Đề nghị niêm yết thêm ở nhà văn hoá thôn.",
        "token": token(item),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_anyone_reads_the_board_and_an_item_without_signing_in(personas):
    commune = personas.units["commune"]
    item = publish(commune, personas.commune_officer, documents=[("Dự toán.pdf", PDF)])
    publish(
        commune,
        personas.commune_officer,
        title="Chưa tới ngày",
        published_at=timezone.now() + dt.timedelta(days=3),
    )
    client = Client()

    index = client.get("/cong-khai/")
    assert index.status_code == 200
    assert commune.name in index.content.decode()

    board = client.get(f"/cong-khai/{commune.code}/")
    page = board.content.decode()
    assert board.status_code == 200
    assert item.title in page and "Chưa tới ngày" not in page
    assert "public" in board["Cache-Control"]
    assert "Set-Cookie" not in board

    detail = client.get(url(item))
    page = html.unescape(detail.content.decode())
    assert detail.status_code == 200
    assert "Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15" in page
    assert "Dự toán.pdf" in page
    assert "no-store" in detail["Cache-Control"]


def test_the_board_filters_by_kind_and_ignores_unknown_kinds(personas):
    commune = personas.units["commune"]
    budget = publish(commune, personas.commune_officer)
    land = publish(
        commune, personas.commune_officer, category="land", title="Phương án bồi thường đường tỉnh 176"
    )
    client = Client()
    only_land = client.get(f"/cong-khai/{commune.code}/?category=land").content.decode()
    assert land.title in only_land and budget.title not in only_land
    everything = client.get(f"/cong-khai/{commune.code}/?category=<script>").content.decode()
    assert land.title in everything and budget.title in everything
    assert "<script>" not in everything


def test_what_is_not_on_the_board_is_not_found(personas):
    commune, sibling = personas.units["commune"], personas.units["sibling"]
    later = publish(commune, personas.commune_officer, published_at=timezone.now() + dt.timedelta(days=1))
    withdrawn = publish(commune, personas.commune_officer)
    services.publication_withdraw(publication=withdrawn, actor=personas.commune_officer, reason="Nhầm")
    other = publish(sibling, personas.sibling_officer)
    client = Client()
    for path in (
        url(later),
        url(withdrawn),
        f"/cong-khai/{commune.code}/{other.pk}/",  # another commune's item under this commune's board
        "/cong-khai/99999/",
        f"/cong-khai/{commune.code}/999999/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert (
            "no longer on the board" in response.content.decode() or "không còn" in response.content.decode()
        )


def test_script_typed_by_officers_and_residents_is_shown_inert(personas):
    item = publish(
        personas.units["commune"], personas.commune_officer, title=f"Tiêu đề {XSS}", body=f"Nội dung {XSS}"
    )
    comment = services.comment_submit(
        publication=item, display_name=XSS[:60], text=f"Ý kiến {XSS}", client_address="203.0.113.9"
    )
    services.comment_moderate(comment=comment, approve=True, actor=personas.commune_officer)
    for path in (url(item), f"/cong-khai/{item.unit.code}/"):
        page = Client().get(path).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert" in page


def test_a_resident_comments_and_it_appears_once_approved(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    client = Client()
    response = client.post(url(item), comment_form(item))
    assert response.status_code == 302
    assert response["Location"] == url(item) + "?sent=1"
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    thanks = html.unescape(client.get(response["Location"]).content.decode())
    assert comment.text not in thanks

    services.comment_moderate(comment=comment, approve=True, actor=personas.commune_officer)
    shown = html.unescape(client.get(url(item)).content.decode())
    assert comment.text in shown and "Bác Tư" in shown


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"website": "http://spam.example"}, "Leave this field empty"),
        ({"token": "forged"}, "could not be checked"),
        ({"token": None}, "could not be checked"),
        ("fast", "faster than a person"),
        ("stale", "more than two hours"),
        ("other", "could not be checked"),
    ],
)
def test_bots_are_refused_and_nothing_typed_is_lost(personas, changes, message, settings):
    settings.LANGUAGE_CODE = "en"
    item = publish(personas.units["commune"], personas.commune_officer)
    other = publish(personas.units["commune"], personas.commune_officer, title="Khác")
    if changes == "fast":
        changes = {"token": token(item, age=0.5)}
    elif changes == "stale":
        changes = {"token": token(item, age=3 * 3600)}
    elif changes == "other":
        changes = {"token": token(other)}
    response = Client(headers={"accept-language": "en"}).post(url(item), comment_form(item, **changes))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert message in page
    assert "Đề nghị niêm yết thêm ở nhà văn hoá thôn." in page  # shown again to send
    assert not Comment.objects.exists()


def test_a_flood_from_one_connection_gets_429(personas):
    item = publish(personas.units["commune"], personas.commune_officer)
    client = Client(REMOTE_ADDR="203.0.113.50")
    for n in range(5):
        assert client.post(url(item), comment_form(item, text=f"Ý kiến số {n}")).status_code == 302
    response = client.post(url(item), comment_form(item, text="Ý kiến thứ sáu"))
    assert response.status_code == 429
    assert "Ý kiến thứ sáu" in html.unescape(response.content.decode())
    assert Comment.objects.count() == 5
    assert Client(REMOTE_ADDR="198.51.100.1").post(url(item), comment_form(item)).status_code == 302


def test_closed_comments_show_no_form(personas):
    item = publish(personas.units["commune"], personas.commune_officer, comments_open=False)
    page = Client().get(url(item)).content.decode()
    assert 'name="text"' not in page
    assert Client().post(url(item), comment_form(item)).status_code == 200
    assert not Comment.objects.exists()


def test_documents_download_with_safe_headers(personas):
    item = publish(
        personas.units["commune"], personas.commune_officer, documents=[('<b>"Dự toán"</b>.pdf', PDF)]
    )
    attachment = item.attachments.get()
    response = Client().get(url(item, f"files/{attachment.pk}/"))
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # Not reachable through another publication, nor once the item is withdrawn.
    other = publish(personas.units["commune"], personas.commune_officer, title="Khác")
    assert Client().get(url(other, f"files/{attachment.pk}/")).status_code == 404
    services.publication_withdraw(publication=item, actor=personas.commune_officer, reason="Nhầm")
    assert Client().get(url(item, f"files/{attachment.pk}/")).status_code == 404


def test_the_board_costs_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    commune = personas.units["commune"]
    for n in range(15):
        item = publish(commune, personas.commune_officer, title=f"Mục {n}", documents=[("a.pdf", PDF)])
        c = services.comment_submit(
            publication=item, display_name="Tư", text="Ý kiến", client_address=f"192.0.2.{n}"
        )
        services.comment_moderate(comment=c, approve=True, actor=personas.commune_officer)
    client = Client()
    with django_assert_max_num_queries(4):
        assert client.get(f"/cong-khai/{commune.code}/").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/cong-khai/").status_code == 200


def test_the_board_speaks_vietnamese_by_default(personas, settings):
    settings.LANGUAGE_CODE = "vi"
    publish(personas.units["commune"], personas.commune_officer)
    with translation.override("vi"):
        page = Client().get("/cong-khai/00694/").content.decode()
    assert "Bảng công khai của" in page
    assert "Ngân sách và tài chính" in page
