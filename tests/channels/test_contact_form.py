"""The public contact form (gửi phản ánh): a resident writes, a citizen and an inbound web message are
kept with exactly the consents ticked; bots and floods are refused without losing what a person typed."""

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from caunoi.channels import services, web
from caunoi.channels.models import InboundMessage
from caunoi.citizens.consent_texts import consent_wording
from caunoi.citizens.models import Citizen, Consent
from caunoi.citizens.services import citizen_erase, citizen_export
from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent, RateLimitBucket
from caunoi.core.ratelimit import client_key
from caunoi.geo.services import village_create

pytestmark = pytest.mark.django_db

URL = "/p/00694/contact/"
EMBED = "/p/00694/contact/embed/"
TEXT = "Đoạn đường từ tổ 5 đến chợ ngập sâu sau mưa, xe máy không đi được."


def token(code="00694", age=10.0):
    return web.contact_token(code, now=time.time() - age)


def form(**changes):
    data = {"text": TEXT, "place": "00694", "consent_feedback": "on", "token": token()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def new_citizens(personas):
    return Citizen.objects.exclude(pk=personas.citizen.pk)


def textarea(response):
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.content.decode(), re.S)
    assert match, "the form is shown again"
    return html.unescape(match.group(1)).strip()


def assert_refused(personas, response, message, status=200):
    assert response.status_code == status
    page = response.content.decode()
    assert message in html.unescape(page), page
    assert not InboundMessage.objects.exists()
    assert not new_citizens(personas).exists()


# The page --------------------------------------------------------------------------------------


def test_the_form_shows_both_consents_unticked_with_their_wording_and_says_anonymous_cannot_be_answered(
    personas,
):
    village = village_create(
        commune=personas.units["commune"], name="Tổ dân phố 7", actor=personas.commune_officer
    )

    response = Client().get(URL)

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert consent_wording("feedback") in page and consent_wording("contact") in page
    assert 'name="consent_feedback"' in page and 'name="consent_contact"' in page
    assert "checked" not in page
    assert "không thể trả lời" in page  # anonymous messages cannot be answered
    assert f'<option value="{village.code}">Tổ dân phố 7</option>' in page
    assert '<option value="00694" selected>' in page
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    for field in ("text", "place", "display_name", "phone", "email"):
        assert f'for="id_{field}"' in page  # every field has its label


def test_a_resident_who_asks_to_be_called_back_becomes_a_citizen_with_exactly_those_consents(personas):
    village = village_create(
        commune=personas.units["commune"], name="Tổ dân phố 7", actor=personas.commune_officer
    )
    client = Client()

    response = client.post(
        URL,
        form(
            place=village.code,
            display_name="Chị Hoàng Thị Mai",
            phone="0912 000 111",
            consent_contact="on",
        ),
    )

    assert response.status_code == 302
    message = InboundMessage.objects.get()
    assert (message.channel, message.message_type, message.text) == ("web", "text", TEXT)
    assert re.fullmatch(r"[0-9a-f]{32}", message.provider_message_id)
    citizen = message.citizen
    assert (citizen.display_name, citizen.phone, citizen.home_unit) == (
        "Chị Hoàng Thị Mai",
        "84912000111",
        village,
    )
    consents = {c.purpose: c for c in Consent.objects.filter(citizen=citizen)}
    assert set(consents) == {"feedback", "contact"}
    assert {c.source for c in consents.values()} == {"web"}
    assert consents["contact"].wording == consent_wording("contact", "vi")
    assert all(c.withdrawn_at is None for c in consents.values())
    audit = AuditEvent.objects.get(action="web.contact")
    assert (audit.actor, audit.actor_label, audit.unit_id) == (None, "web", village.pk)

    receipt = client.get(response["Location"])
    reference = web.message_reference(message.provider_message_id)
    assert receipt.status_code == 200
    assert f'<strong class="reference">{reference}</strong>' in receipt.content.decode()
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", reference)
    assert "no-store" in receipt["Cache-Control"]


def test_a_resident_who_leaves_no_contact_is_kept_anonymous_with_only_the_feedback_consent(personas):
    response = Client().post(URL, form())

    assert response.status_code == 302
    citizen = InboundMessage.objects.get().citizen
    assert (citizen.display_name, citizen.phone, citizen.email, citizen.home_unit_id) == (
        "",
        "",
        "",
        personas.units["commune"].pk,
    )
    assert list(citizen.consents.values_list("purpose", flat=True)) == ["feedback"]
    assert AuditEvent.objects.get(action="web.contact").summary["after"]["anonymous"] is True


def test_the_consent_wording_kept_is_the_one_shown_in_english(personas):
    client = Client()
    client.cookies["django_language"] = "en"

    page = client.get(URL).content.decode()
    client.post(URL, form(email="mai@example.vn", consent_contact="on"))

    assert html.escape(consent_wording("contact", "en")) in page
    consent = Consent.objects.get(purpose="contact", citizen__email="mai@example.vn")
    assert consent.wording == consent_wording("contact", "en") != consent_wording("contact", "vi")


def test_a_bad_receipt_link_is_not_found(personas):
    assert Client().get("/p/00694/contact/sent/?r=GIA-MAO").status_code == 404


# Refused, and nothing the resident typed is lost ------------------------------------------------


def test_the_honeypot_refuses_bots(personas):
    response = Client().post(URL, form(website="http://spam.example"))

    assert_refused(personas, response, "Chưa gửi được biểu mẫu")
    assert textarea(response) == TEXT


def test_a_form_sent_faster_than_a_person_writes_is_refused(personas):
    response = Client().post(URL, form(token=token(age=1)))

    assert_refused(personas, response, "nhanh hơn")
    assert textarea(response) == TEXT
    fresh = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert fresh, "the form carries a token again"
    web.contact_token_check(fresh.group(1), "00694", now=time.time() + 5)  # a new one: sending again works


def test_a_form_left_open_for_more_than_two_hours_is_refused(personas):
    response = Client().post(URL, form(token=token(age=2 * 3600 + 5), display_name="Anh Tú"))

    assert_refused(personas, response, "hơn hai giờ")
    assert textarea(response) == TEXT
    assert 'value="Anh Tú"' in response.content.decode()


def test_a_forged_missing_future_or_other_units_token_is_refused(personas):
    now = time.time()
    for bad in [
        "",
        "not-a-token",
        (lambda t: t[:-2] + ("yy" if t.endswith("xx") else "xx"))(token()),  # tampered signature
        web.contact_token("00691", now=now - 10),  # another unit's form
        web.contact_token("00694", now=now + 3600),  # issued in the future
    ]:
        assert_refused(personas, Client().post(URL, form(token=bad)), "Không kiểm tra được biểu mẫu")


def test_the_rate_limit_per_client_refuses_with_a_clear_error_and_keeps_the_text(personas):
    client = Client()
    for n in range(5):
        assert client.post(URL, form(text=f"Phản ánh số {n}")).status_code == 302

    response = client.post(URL, form(text="Phản ánh thứ sáu", display_name="Bác Sình"))

    assert response.status_code == 429
    page = html.unescape(response.content.decode())
    assert "Quá nhiều tin nhắn" in page and "phút" in page
    assert textarea(response) == "Phản ánh thứ sáu"
    assert 'value="Bác Sình"' in page
    assert InboundMessage.objects.count() == 5
    assert new_citizens(personas).count() == 5
    # Another connection is not held back, and the address itself is never stored.
    assert Client(REMOTE_ADDR="198.51.100.7").post(URL, form()).status_code == 302
    assert not RateLimitBucket.objects.filter(key__contains="127.0.0.1").exists()
    assert RateLimitBucket.objects.filter(policy="web_contact.client", key=client_key("127.0.0.1")).exists()


def test_the_rate_limit_per_unit_protects_a_communes_inbox(personas):
    RateLimitBucket.objects.create(
        policy="web_contact.unit", key="00694", tokens=0, updated_at=timezone.now()
    )

    response = Client().post(URL, form())

    assert_refused(personas, response, "Đơn vị này đang nhận rất nhiều tin nhắn", status=429)
    # The refused request did not spend the client's token either: the transaction was rolled back.
    assert not RateLimitBucket.objects.filter(policy="web_contact.client").exists()


def test_a_message_over_2000_characters_is_refused_and_kept(personas):
    long_text = "Ngập úng kéo dài. " * 120  # 2,160 characters

    response = Client().post(URL, form(text=long_text))

    assert_refused(personas, response, "tối đa 2000 ký tự")
    assert textarea(response) == long_text.strip()


def test_without_the_feedback_consent_nothing_is_kept_and_the_form_says_why(personas):
    response = Client().post(URL, form(consent_feedback=None, consent_contact="on", phone="0912000111"))

    assert_refused(personas, response, "nếu bạn đồng ý")
    page = response.content.decode()
    assert re.search(r'<input type="checkbox" name="consent_contact"[^>]*checked', page)  # kept as ticked
    assert not re.search(r'<input type="checkbox" name="consent_feedback"[^>]*checked', page)


def test_asking_to_be_contacted_without_a_phone_or_email_is_refused(personas):
    response = Client().post(URL, form(consent_contact="on"))

    assert_refused(personas, response, "số điện thoại hoặc địa chỉ email")


def test_a_place_outside_the_unit_cannot_be_chosen(personas):
    response = Client().post(URL, form(place="00691"))

    assert_refused(personas, response, "trong danh sách")
    with pytest.raises(ValidationFailed) as caught:
        services.web_contact_submit(
            unit=personas.units["commune"],
            place=personas.units["sibling"],
            text=TEXT,
            consents=["feedback"],
            client_address="203.0.113.1",
        )
    assert caught.value.field == "place"


# Framing ---------------------------------------------------------------------------------------


def test_the_embed_form_may_be_framed_by_our_own_origin_only_by_default(personas):
    response = Client().get(EMBED)

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert policy.endswith("; frame-ancestors 'self'") and "script-src 'self';" in policy
    page = response.content.decode()
    assert "site-header" not in page and "<footer" not in page  # bare, for an iframe


def test_the_embed_form_may_be_framed_by_the_allowed_commune_websites(personas, settings):
    settings.CAUNOI_EMBED_ALLOWED_ORIGINS = ["https://hagiang1.tuyenquang.gov.vn"]
    client = Client(enforce_csrf_checks=True)  # a framed form has no CSRF cookie: the token stands in

    shown = client.get(EMBED)
    sent = client.post(EMBED, form())
    received = client.get(sent["Location"])

    for response in (shown, received):
        assert "X-Frame-Options" not in response
        policy = response["Content-Security-Policy"]
        assert policy.endswith("; frame-ancestors 'self' https://hagiang1.tuyenquang.gov.vn")
    assert sent.status_code == 302 and urlsplit(sent["Location"]).path == "/p/00694/contact/embed/sent/"
    assert "r" in parse_qs(urlsplit(sent["Location"]).query)
    assert InboundMessage.objects.count() == 1
    assert Client().get(URL)["X-Frame-Options"] == "DENY"  # the full page is still never framed


# Privacy ---------------------------------------------------------------------------------------


def test_export_includes_a_web_message_and_erasure_blanks_it(personas):
    Client().post(URL, form(display_name="Anh Lý Văn Sinh", phone="0912000222", consent_contact="on"))
    message = InboundMessage.objects.get()
    citizen = message.citizen

    exported = citizen_export(citizen=citizen, actor=personas.commune_officer)
    assert [m["text"] for m in exported["channels"]["messages"]] == [TEXT]
    assert exported["channels"]["messages"][0]["channel"] == "web"

    citizen_erase(citizen=citizen, actor=personas.commune_officer, reason="Người dân yêu cầu")

    message.refresh_from_db()
    citizen.refresh_from_db()
    assert message.text == "" and message.attachments == []
    assert (citizen.display_name, citizen.phone) == ("", "")
    assert message.citizen.home_unit_id == personas.units["commune"].pk  # still counted for the commune
    assert not citizen.consents.active().exists()
