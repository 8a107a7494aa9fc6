"""Login throttling (django-axes: 5 failures per username and IP) and password strength."""

import pytest
from django.contrib.auth import get_user_model

from caunoi.accounts.services import staff_create
from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, ip="10.0.0.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_a_username_out_after_five_wrong_passwords_from_one_ip(client, personas):
    first_four = [attempt(client, "xa.officer", f"wrong-password-{i}") for i in range(4)]
    fifth = attempt(client, "xa.officer", "wrong-password-5")
    sixth = attempt(client, "xa.officer", PASSWORD)

    assert [r.status_code for r in first_four] == [200] * 4
    assert all(r.context["form"].non_field_errors() for r in first_four)
    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in sixth.templates]
    assert client.get("/")["Location"].startswith(LOGIN), "the right password must not sign in while locked"
    assert not AuditEvent.objects.filter(action="staff.login").exists()


def test_a_lockout_does_not_touch_another_user_or_another_ip(client, personas):
    for i in range(5):
        attempt(client, "xa.officer", f"wrong-password-{i}")

    other_user = attempt(client, "xa.sibling", PASSWORD)
    client.post("/accounts/logout/")
    other_ip = attempt(client, "xa.officer", PASSWORD, ip="10.0.0.99")

    assert other_user.status_code == 302
    assert other_ip.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "password",
    [
        "Ng4n-qu4",  # too short
        "password1234",  # common
        "123456789012",  # numeric (and common)
        "nguoi.moi.2026x",  # too close to the username
    ],
)
def test_staff_create_refuses_a_weak_password(personas, password):
    with pytest.raises(ValidationFailed) as error:
        staff_create(
            username="nguoi.moi.2026",
            full_name="Người Mới",
            password=password,
            role="commune_officer",
            unit=personas.units["commune"],
            actor=personas.province_admin,
        )

    assert error.value.field == "password"
    assert not get_user_model().objects.filter(username="nguoi.moi.2026").exists()
    assert not AuditEvent.objects.filter(action="staff.create").exists()


def test_staff_create_accepts_a_strong_password(personas):
    user = staff_create(
        username="nguoi.moi",
        full_name="Người Mới",
        password="Mùa-lúa-chín-Hoàng-Su-Phì",
        role="commune_officer",
        unit=personas.units["commune"],
        actor=personas.province_admin,
    )

    assert user.check_password("Mùa-lúa-chín-Hoàng-Su-Phì")


def test_the_staff_page_shows_a_weak_password_as_a_form_error(client, personas):
    from tests.conftest import login_as

    login_as(client, personas.province_admin)
    response = client.post(
        "/accounts/staff/new/",
        {
            "username": "xa.yeu",
            "full_name": "Mật khẩu yếu",
            "password": "password1234",
            "role": "reporter",
            "unit": personas.units["commune"].pk,
        },
    )

    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="xa.yeu").exists()
