"""Two-factor sign-in: required of province admins and approvers; optional, but then enforced, for others."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.core.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step should succeed"
    return response


def code_for(device, ahead=0):
    """The code an authenticator app shows now (or ``ahead`` time steps later)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):06d}"


def wrong_code(device):
    right = {code_for(device, ahead) for ahead in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in right)


def pages(units):
    return [
        "/",
        "/units/",
        f"/units/{units['commune'].pk}/",
        "/citizens/",
        "/citizens/retention/",
        "/audit/",
        "/accounts/staff/",
        "/accounts/tokens/",
    ]


@pytest.mark.parametrize("persona", ["approver", "province_admin"])
def test_it_sends_a_role_that_needs_2fa_to_setup_from_every_page(client, personas, persona):
    sign_in(client, getattr(personas, persona))

    for page in pages(personas.units):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(f"{SETUP}?next="), page

    for endpoint in ("/api/v1/me", "/api/v1/citizens"):
        api = client.get(endpoint)
        assert api.status_code == 403
        assert api["Content-Type"] == "application/problem+json"
        assert api.json()["status"] == 403


def test_it_lets_the_approver_in_after_a_correct_setup_code(client, personas):
    approver = personas.approver
    sign_in(client, approver)

    page = client.get(f"{SETUP}?next=/units/")
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    assert page.status_code == 200
    assert page.context["secret"] == base64.b32encode(device.bin_key).decode()

    response = client.post(SETUP, {"code": code_for(device), "next": "/units/"})

    assert response.status_code == 302
    assert response["Location"] == "/units/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["principal"] == approver.username
    event = AuditEvent.objects.get(action="staff.2fa_enable")
    assert event.actor == approver
    assert event.unit_id == personas.units["province"].pk


def test_it_shows_a_form_error_for_a_wrong_setup_code(client, personas):
    sign_in(client, personas.approver)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=personas.approver, confirmed=False)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/")["Location"].startswith(SETUP)
    assert not AuditEvent.objects.filter(action="staff.2fa_enable").exists()


def test_it_does_not_force_2fa_on_a_commune_officer(client, personas):
    sign_in(client, personas.commune_officer)

    assert client.get("/").status_code == 200
    assert client.get("/citizens/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert not TOTPDevice.objects.filter(user=personas.commune_officer).exists()


def test_an_officer_who_enabled_2fa_must_verify_at_next_login(client, personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise pause the right one
    officer = personas.commune_officer
    sign_in(client, officer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=officer)
    assert client.post(SETUP, {"code": code_for(device)}).status_code == 302
    client.post("/accounts/logout/")

    sign_in(client, officer)
    gated = client.get("/citizens/")
    api = client.get("/api/v1/me")
    wrong = client.post(VERIFY, {"code": wrong_code(device), "next": "/citizens/"})
    right = client.post(VERIFY, {"code": code_for(device, ahead=1), "next": "/citizens/"})

    assert gated.status_code == 302
    assert gated["Location"] == f"{VERIFY}?next=%2Fcitizens%2F"
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert wrong.status_code == 200
    assert "code" in wrong.context["form"].errors
    assert right.status_code == 302
    assert right["Location"] == "/citizens/"
    assert client.get("/citizens/").status_code == 200


def test_it_audits_logins_2fa_setup_and_failed_codes(client, personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    approver = personas.approver
    sign_in(client, approver)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=approver)
    client.post(SETUP, {"code": code_for(device)})
    client.post("/accounts/logout/")
    sign_in(client, approver)
    client.post(VERIFY, {"code": wrong_code(device)})
    client.post(VERIFY, {"code": code_for(device, ahead=1)})

    events = AuditEvent.objects.filter(actor=approver).order_by("id")

    assert [e.action for e in events] == [
        "staff.login",
        "staff.2fa_enable",
        "staff.login",
        "staff.2fa_failure",
        "staff.2fa_verify",
    ]
    assert {e.unit_id for e in events} == {personas.units["province"].pk}
    assert all(e.object_id == str(approver.pk) for e in events)
    assert all(e.request_id for e in events)


def test_a_wrong_password_neither_signs_in_nor_audits_a_login(client, personas):
    response = client.post("/accounts/login/", {"username": "xa.officer", "password": "not-the-password"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.filter(action="staff.login").exists()


def test_login_ignores_a_next_url_on_another_site(client, personas):
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "xa.officer", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
