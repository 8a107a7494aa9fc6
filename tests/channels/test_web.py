"""Public announcements (bài đăng công khai): publish → page and feeds, withdraw → gone, the loudspeaker
feed with real espeak-ng audio, and who may publish where."""

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.test import Client
from django.utils import timezone

from caunoi.channels import services
from caunoi.channels.models import AudioStatus, WebPost
from caunoi.channels.tasks import web_post_audio_task
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.models import AuditEvent
from caunoi.geo.services import village_create
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
NS = {"caunoi": "urn:caunoi:loudspeaker:1", "atom": "http://www.w3.org/2005/Atom"}
needs_speech = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed (`make audio-tools`)",
)

BODY = "UBND phường thông báo lịch tiêm chủng.\n\nMang theo sổ tiêm <b>và</b> thẻ BHYT."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def publish(personas, title="Lịch tiêm chủng tháng 12", unit=None, **kwargs):
    return services.web_post_publish(
        unit=unit or personas.units["commune"],
        title=title,
        body=kwargs.pop("body", BODY),
        actor=kwargs.pop("actor", personas.commune_officer),
        **kwargs,
    )


def parse(response):
    assert response.status_code == 200, response.status_code
    return ET.fromstring(response.content)  # noqa: S314 -- our own feed, parsed back to prove it is well-formed


def rss_items(client, code="00694", query=""):
    response = client.get(f"/p/{code}/rss.xml{query}")
    assert response["Content-Type"].startswith("application/rss+xml")
    return parse(response).find("channel").findall("item")


def atom_entries(client, code="00694"):
    response = client.get(f"/p/{code}/atom.xml")
    assert response["Content-Type"].startswith("application/atom+xml")
    return parse(response).findall(f"{ATOM}entry")


# Publish, read, withdraw ---------------------------------------------------------------------------


def test_a_published_post_is_on_the_public_page_in_both_feeds_and_on_its_own_page(personas):
    post = publish(personas, priority="priority")
    client = Client()

    page = client.get("/p/00694/")
    assert page.status_code == 200
    assert "Lịch tiêm chủng tháng 12" in page.content.decode()

    [item] = rss_items(client)
    assert item.findtext("title") == "Lịch tiêm chủng tháng 12"
    assert item.findtext("link") == f"http://testserver/p/00694/{post.slug}/"
    assert item.findtext("guid") == f"urn:caunoi:webpost:{post.pk}"
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("category") == "Ưu tiên"
    assert parsedate_to_datetime(item.findtext("pubDate")) == post.published_at.replace(microsecond=0)
    # The description is HTML for readers: the body escaped once, with its paragraphs.
    assert item.findtext("description") == (
        "<p>UBND phường thông báo lịch tiêm chủng.</p>\n\n"
        "<p>Mang theo sổ tiêm &lt;b&gt;và&lt;/b&gt; thẻ BHYT.</p>"
    )

    [entry] = atom_entries(client)
    assert entry.findtext(f"{ATOM}title") == "Lịch tiêm chủng tháng 12"
    assert entry.findtext(f"{ATOM}id") == f"urn:caunoi:webpost:{post.pk}"
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/p/00694/{post.slug}/"
    feed = parse(client.get("/p/00694/atom.xml"))
    assert feed.findtext(f"{ATOM}title") == "Thông báo của Phường Hà Giang 1"

    detail = client.get(f"/p/00694/{post.slug}/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "<h1>Lịch tiêm chủng tháng 12</h1>" in html
    assert "<p>Mang theo sổ tiêm &lt;b&gt;và&lt;/b&gt; thẻ BHYT.</p>" in html  # never HTML from users
    assert "<audio" not in html


def test_publishing_is_audited_and_the_address_is_readable_and_unique_per_unit(personas):
    first = publish(personas, title="Đường ngập: đi lối khác!")
    second = publish(personas, title="Đường ngập: đi lối khác!")
    contact = publish(personas, title="Contact")

    assert (first.slug, second.slug, contact.slug) == (
        "duong-ngap-di-loi-khac",
        "duong-ngap-di-loi-khac-2",
        "contact-2",
    )
    row = AuditEvent.objects.filter(action="web_post.publish", object_id=str(first.pk)).get()
    assert (row.actor, row.unit_id) == (personas.commune_officer, personas.units["commune"].pk)


def test_a_withdrawn_post_is_gone_from_the_page_and_the_feeds(personas):
    kept = publish(personas, title="Họp tổ dân phố")
    gone = publish(personas, title="Lịch cắt điện sai")
    services.web_post_withdraw(post=gone, actor=personas.commune_officer)
    client = Client()

    page = client.get("/p/00694/").content.decode()
    assert "Họp tổ dân phố" in page and "Lịch cắt điện sai" not in page
    assert [i.findtext("title") for i in rss_items(client)] == ["Họp tổ dân phố"]
    assert [e.findtext(f"{ATOM}title") for e in atom_entries(client)] == ["Họp tổ dân phố"]
    withdrawn = client.get(f"/p/00694/{gone.slug}/")
    assert withdrawn.status_code == 410
    assert BODY.split(".")[0] not in withdrawn.content.decode()
    assert client.get(f"/p/00694/{kept.slug}/").status_code == 200
    with pytest.raises(InvalidState):
        services.web_post_withdraw(post=gone, actor=personas.commune_officer)


def test_a_recent_emergency_is_pinned_above_newer_posts_and_an_old_one_is_not(personas):
    emergency = publish(personas, title="Lũ quét suối Nậm Kép", priority="emergency")
    old = publish(personas, title="Sạt lở năm ngoái", priority="emergency")
    WebPost.objects.filter(pk=old.pk).update(published_at=timezone.now() - dt.timedelta(days=10))
    publish(personas, title="Lịch thu gom rác")  # newer than the emergency
    WebPost.objects.filter(pk=emergency.pk).update(published_at=timezone.now() - dt.timedelta(hours=2))

    html = Client().get("/p/00694/").content.decode()

    pinned = html.index('id="pinned-heading"')
    listed = html.index('id="posts-heading"')
    assert pinned < html.index("Lũ quét suối Nậm Kép") < listed
    assert listed < html.index("Lịch thu gom rác") < html.index("Sạt lở năm ngoái")
    assert html.count("Lũ quét suối Nậm Kép") == 1


def test_the_language_filter_keeps_one_content_language(personas):
    publish(personas, title="Thông báo tiếng Việt")
    publish(personas, title="Pjạo slư Tày", language="tay")
    client = Client()

    both = client.get("/p/00694/").content.decode()
    assert "Thông báo tiếng Việt" in both and "Pjạo slư Tày" in both
    assert 'href="?lang=tay"' in both and 'href="?lang=hmn"' not in both  # only languages in use

    tay = client.get("/p/00694/?lang=tay").content.decode()
    assert "Pjạo slư Tày" in tay and "Thông báo tiếng Việt" not in tay
    assert [i.findtext("title") for i in rss_items(client, query="?lang=tay")] == ["Pjạo slư Tày"]
    unknown = client.get("/p/00694/?lang=xx").content.decode()
    assert "Thông báo tiếng Việt" in unknown and "Pjạo slư Tày" in unknown


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": "\n \n"}, "body"),
        ({"language": "fr"}, "language"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_an_incomplete_post_is_refused_with_the_field_named(personas, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        publish(personas, **changes)

    assert caught.value.field == field
    assert not WebPost.objects.exists()


def test_a_village_has_no_public_page_to_publish_on(personas):
    village = village_create(
        commune=personas.units["commune"], name="Thôn Nà Khà", actor=personas.commune_officer
    )

    with pytest.raises(ValidationFailed) as caught:
        publish(personas, unit=village)

    assert caught.value.field == "unit"
    assert Client().get(f"/p/{village.code}/").status_code == 404


def test_unknown_units_answer_a_public_not_found_page(personas):
    response = Client().get("/p/99999/")

    assert response.status_code == 404
    assert "dashboard" not in response.content.decode().lower()
    assert Client().get("/p/99999/rss.xml").status_code == 404
    assert Client().get("/p/00694/khong-co/").status_code == 404


def test_the_index_lists_the_units_that_publish_and_the_latest_posts(personas, django_assert_max_num_queries):
    publish(personas, title="Tin của phường")
    publish(personas, title="Tin của tỉnh", unit=personas.units["province"], actor=personas.province_admin)

    with django_assert_max_num_queries(4):
        html = Client().get("/p/").content.decode()

    assert 'href="/p/00694/"' in html and 'href="/p/08/"' in html
    assert 'href="/p/00691/"' not in html  # no posts there
    assert html.index("Tin của tỉnh") < html.index("Tin của phường")  # newest first
    assert "2 thông báo" not in html and "1 thông báo" in html  # counted per unit


def test_public_pages_are_short_cached_set_no_cookie_and_are_not_framed(personas):
    post = publish(personas)
    client = Client()

    for url in ["/p/", "/p/00694/", f"/p/00694/{post.slug}/", "/p/00694/rss.xml", "/p/00694/atom.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"], url
        assert not response.cookies, url  # no CSRF or session cookie: shared caches may keep it
        assert response["X-Frame-Options"] == "DENY", url
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        in client.get("/p/").content.decode()
    )


def test_the_unit_page_runs_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for n in range(25):
        publish(personas, title=f"Thông báo số {n}", priority="emergency" if n % 5 == 0 else "normal")
    client = Client()

    with django_assert_max_num_queries(8):
        response = client.get("/p/00694/?page=2")
    assert response.status_code == 200


def test_public_pages_show_no_personal_data(personas):
    publish(personas, title="Lịch tiếp công dân")
    services.web_contact_submit(
        unit=personas.units["commune"],
        place=personas.units["commune"],
        text="Đèn đường ngõ 5 bị hỏng, nhà tôi số 12.",
        display_name="Anh Vàng Seo Páo",
        phone="0987654321",
        consents=["feedback", "contact"],
        client_address="203.0.113.9",
    )
    client = Client()
    post = WebPost.objects.get()
    pages = "".join(
        client.get(url).content.decode()
        for url in ["/p/", "/p/00694/", f"/p/00694/{post.slug}/", "/p/00694/rss.xml", "/p/00694/atom.xml"]
    )

    for personal in [
        "Vàng Seo Páo",
        "0987654321",
        "84987654321",
        "Đèn đường ngõ 5",
        personas.citizen.display_name,
        personas.citizen.phone,
        personas.commune_officer.username,
        personas.commune_officer.full_name,
    ]:
        assert personal not in pages, personal


# Audio and the loudspeaker feed --------------------------------------------------------------------


def test_publishing_with_audio_queues_the_speech_after_the_commit(
    personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        publish(personas, title="Không đọc")
    with django_capture_on_commit_callbacks() as queued_with_audio:
        post = publish(personas, title="Có đọc", with_audio=True)

    assert (len(queued), len(queued_with_audio)) == (0, 1)
    assert post.audio_status == AudioStatus.PENDING


@needs_speech
def test_the_audio_is_spoken_by_espeak_ng_served_with_ranges_and_in_the_loudspeaker_feed(personas, media):
    post = publish(personas, title="Lũ quét suối Nậm Kép", priority="emergency", with_audio=True)

    web_post_audio_task.call_local(post.pk)

    post.refresh_from_db()
    assert post.audio_status == AudioStatus.READY
    path = media / post.audio_path
    assert path.parent == media / "loudspeaker" and path.suffix == ".ogg"
    assert post.audio_bytes == path.stat().st_size > 10_000
    assert post.audio_duration_seconds > 10
    assert post.audio_script.startswith("Chú ý! Chú ý! Đây là Đài truyền thanh Phường Hà Giang 1.")
    assert "Ủy ban nhân dân phường" in post.audio_script and "bảo hiểm y tế" in post.audio_script
    audit = AuditEvent.objects.get(action="web_post.audio", object_id=str(post.pk))
    assert (audit.actor, audit.unit_id) == (None, personas.units["commune"].pk)
    client = Client()

    url = f"/p/audio/{path.name}"
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/ogg"
    assert whole["Content-Length"] == str(path.stat().st_size)
    assert whole["Accept-Ranges"] == "bytes"
    body = whole.getvalue()
    assert body == path.read_bytes() and body[:4] == b"OggS"

    head = client.get(url, headers={"Range": "bytes=0-99"})
    assert head.status_code == 206
    assert head["Content-Range"] == f"bytes 0-99/{post.audio_bytes}"
    assert head["Content-Length"] == "100" and head.content == body[:100]
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == body[-10:]
    assert client.get(url, headers={"Range": f"bytes={post.audio_bytes}-"}).status_code == 416
    assert client.get(url, headers={"If-None-Match": whole["ETag"]}).status_code == 304

    feed = parse(client.get("/p/00694/loudspeaker.xml"))
    [item] = feed.find("channel").findall("item")
    assert item.findtext("title") == "Lũ quét suối Nậm Kép"
    assert item.findtext("guid") == f"urn:caunoi:webpost:{post.pk}"
    assert item.findtext("caunoi:priority", namespaces=NS) == "emergency"
    assert [u.text for u in item.findall("caunoi:unit", NS)] == ["00694"]
    assert item.findtext("description") == post.audio_script
    assert item.find("enclosure").attrib == {
        "url": f"http://testserver{url}",
        "length": str(post.audio_bytes),
        "type": "audio/ogg",
    }
    # The province's feed carries its communes' bulletins for the provincial source system.
    [province_item] = parse(client.get("/p/08/loudspeaker.xml")).find("channel").findall("item")
    assert province_item.findtext("caunoi:unit", namespaces=NS) == "00694"
    assert rss_items(client)[0].find("enclosure").get("url") == f"http://testserver{url}"
    page = client.get(f"/p/00694/{post.slug}/").content.decode()
    assert f'<audio controls preload="none" src="http://testserver{url}">' in page

    services.web_post_withdraw(post=post, actor=personas.commune_officer)
    assert client.get(url).status_code == 404
    assert parse(client.get("/p/00694/loudspeaker.xml")).find("channel").findall("item") == []


@needs_speech
def test_speaking_twice_changes_nothing_and_a_post_without_audio_is_not_in_the_loudspeaker_feed(
    personas, media
):
    spoken = publish(personas, title="Có âm thanh", with_audio=True)
    publish(personas, title="Chỉ có chữ")
    web_post_audio_task.call_local(spoken.pk)
    spoken.refresh_from_db()
    before = AuditEvent.objects.filter(action="web_post.audio").count()

    web_post_audio_task.call_local(spoken.pk)

    assert AuditEvent.objects.filter(action="web_post.audio").count() == before
    items = parse(Client().get("/p/00694/loudspeaker.xml")).find("channel").findall("item")
    assert [i.findtext("title") for i in items] == ["Có âm thanh"]


def test_without_espeak_ng_the_post_says_why_and_the_task_does_not_retry(
    personas, media, monkeypatch, tmp_path
):
    post = publish(personas, with_audio=True)
    monkeypatch.setenv("PATH", str(tmp_path))  # the real outside edge: no speech engine on this machine

    web_post_audio_task.call_local(post.pk)

    post.refresh_from_db()
    assert post.audio_status == AudioStatus.FAILED
    assert "espeak-ng" in post.audio_error
    assert AuditEvent.objects.filter(action="web_post.audio_failed", object_id=str(post.pk)).exists()


@pytest.mark.parametrize("name", ["../../etc/passwd", "x.ogg", "a" * 64 + ".mp3", "A" * 64 + ".ogg"])
def test_only_bulletin_audio_names_are_served(personas, media, name):
    assert Client().get(f"/p/audio/{name}").status_code == 404


# The staff screen ----------------------------------------------------------------------------------


def form_data(unit, **changes):
    return {
        "unit": unit.pk,
        "title": "Lịch họp dân",
        "body": "Họp dân lúc 8h.",
        "language": "vi",
        "priority": "normal",
        **changes,
    }


def test_a_commune_officer_publishes_and_withdraws_on_the_public_page_screen(personas):
    officer = login_as(Client(), personas.commune_officer)

    screen = officer.get("/channels/web/")
    assert screen.status_code == 200
    assert 'href="/channels/web/"' in screen.content.decode()  # "Public page" is in the navigation
    created = officer.post("/channels/web/", form_data(personas.units["commune"]))
    assert created.status_code == 302
    post = WebPost.objects.get()
    assert (post.unit, post.created_by, post.audio_status) == (
        personas.units["commune"],
        personas.commune_officer,
        AudioStatus.NONE,
    )
    assert "Lịch họp dân" in officer.get("/channels/web/").content.decode()

    assert officer.post(f"/channels/web/{post.pk}/withdraw/").status_code == 302
    post.refresh_from_db()
    assert post.withdrawn_at is not None


def test_the_publish_screen_is_scoped_to_the_officers_units(personas):
    post = publish(personas, title="Tin riêng của phường Hà Giang 1")
    sibling = login_as(Client(), personas.sibling_officer)

    assert "Tin riêng của phường Hà Giang 1" not in sibling.get("/channels/web/").content.decode()
    assert sibling.post(f"/channels/web/{post.pk}/withdraw/").status_code == 404
    refused = sibling.post("/channels/web/", form_data(personas.units["commune"], title="Giả danh"))
    assert refused.status_code == 200 and "error" in refused.content.decode()
    assert (
        login_as(Client(), personas.other_province_officer)
        .post(f"/channels/web/{post.pk}/withdraw/")
        .status_code
        == 404
    )
    assert login_as(Client(), personas.reporter).get("/channels/web/").status_code == 404
    assert login_as(Client(), personas.auditor).get("/channels/web/").status_code == 404
    post.refresh_from_db()
    assert post.withdrawn_at is None
    assert WebPost.objects.count() == 1


def test_the_editor_and_the_province_admin_publish_for_the_whole_province(personas):
    for user in (personas.editor, personas.province_admin):
        client = login_as(Client(), user)
        response = client.post(
            "/channels/web/", form_data(personas.units["sibling"], title=f"Tin {user.username}")
        )
        assert response.status_code == 302, user
        assert "Tin riêng" not in client.get("/channels/web/").content.decode()
    assert WebPost.objects.filter(unit=personas.units["sibling"]).count() == 2
