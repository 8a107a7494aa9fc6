"""Staff management pages: a province admin manages staff inside the province, nobody else sees them."""

import pytest

from caunoi.accounts.models import RoleAssignment, User
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

STRONG = "Ruộng-bậc-thang-Xín-Mần-7"


def new_staff(unit, role="commune_officer", username="xa.moi"):
    return {
        "username": username,
        "full_name": "Cán Bộ Mới",
        "password": STRONG,
        "role": role,
        "unit": unit.pk,
    }


def test_a_province_admin_creates_staff_with_a_first_role(client, personas):
    admin, commune = personas.province_admin, personas.units["commune"]
    login_as(client, admin)

    response = client.post("/accounts/staff/new/", new_staff(commune))

    user = User.objects.get(username="xa.moi")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/staff/{user.pk}/"
    assert user.check_password(STRONG)
    assert list(RoleAssignment.objects.active().filter(user=user).values_list("role", "unit")) == [
        ("commune_officer", commune.pk)
    ]
    listed = client.get("/accounts/staff/")
    assert user in listed.context["people"]
    assert client.get(f"/accounts/staff/{user.pk}/").status_code == 200
    events = {e.action: e for e in AuditEvent.objects.filter(object_id=str(user.pk))}
    assert set(events) == {"staff.create", "role.grant"}
    assert all(e.actor == admin for e in events.values())
    assert events["role.grant"].unit_id == commune.pk


def test_the_new_officer_can_sign_in_and_sees_their_commune(client, personas):
    login_as(client, personas.province_admin)
    client.post("/accounts/staff/new/", new_staff(personas.units["commune"]))
    client.post("/accounts/logout/")

    signed_in = client.post("/accounts/login/", {"username": "xa.moi", "password": STRONG})
    citizens = client.get("/api/v1/citizens")

    assert signed_in.status_code == 302
    assert [c["id"] for c in citizens.json()["items"]] == [personas.citizen.pk]


def test_a_province_admin_cannot_grant_a_role_in_another_province(client, personas):
    login_as(client, personas.province_admin)

    response = client.post("/accounts/staff/new/", new_staff(personas.units["other_commune"]))

    assert response.status_code == 200
    assert "unit" in response.context["grant_form"].errors
    assert not User.objects.filter(username="xa.moi").exists()
    assert not AuditEvent.objects.filter(action__in=["staff.create", "role.grant"]).exists()


def test_a_refused_first_role_creates_no_account(client, personas):
    """An editor role cannot be held on a commune; the account must not be created without its role."""
    login_as(client, personas.province_admin)

    response = client.post("/accounts/staff/new/", new_staff(personas.units["commune"], role="editor"))

    assert response.status_code == 200
    assert "unit" in response.context["grant_form"].errors
    assert not User.objects.filter(username="xa.moi").exists()
    assert not AuditEvent.objects.filter(action="staff.create").exists()
    again = client.post("/accounts/staff/new/", new_staff(personas.units["commune"]))
    assert again.status_code == 302, "the username must still be free"


def test_granting_on_the_detail_page_is_scoped_too(client, personas):
    officer = personas.commune_officer
    login_as(client, personas.province_admin)

    refused = client.post(
        f"/accounts/staff/{officer.pk}/", {"role": "reporter", "unit": personas.units["other_commune"].pk}
    )
    granted = client.post(
        f"/accounts/staff/{officer.pk}/", {"role": "reporter", "unit": personas.units["sibling"].pk}
    )

    assert refused.status_code == 200
    assert "unit" in refused.context["form"].errors
    assert granted.status_code == 302
    assert set(RoleAssignment.objects.active().filter(user=officer).values_list("role", "unit__code")) == {
        (Role.COMMUNE_OFFICER, "00694"),
        (Role.REPORTER, "00691"),
    }
    assert AuditEvent.objects.get(action="role.grant").unit_id == personas.units["sibling"].pk


def test_granting_the_same_role_twice_is_a_form_error(client, personas):
    officer = personas.commune_officer
    login_as(client, personas.province_admin)

    response = client.post(
        f"/accounts/staff/{officer.pk}/", {"role": "commune_officer", "unit": personas.units["commune"].pk}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert RoleAssignment.objects.filter(user=officer).count() == 1


def test_a_province_admin_revokes_a_role(client, personas):
    assignment = RoleAssignment.objects.get(user=personas.reporter)
    login_as(client, personas.province_admin)

    response = client.post(f"/accounts/roles/{assignment.pk}/revoke/")
    again = client.post(f"/accounts/roles/{assignment.pk}/revoke/")

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert again.status_code == 404, "a revoked role is no longer there to revoke"
    event = AuditEvent.objects.get(action="role.revoke")
    assert (event.actor, event.unit_id, event.summary) == (
        personas.province_admin,
        personas.units["commune"].pk,
        {"before": {"role": "reporter"}},
    )
    client.logout()
    login_as(client, personas.reporter)
    assert client.get("/units/").status_code == 404, "without a role the reporter reaches nothing"


def test_a_province_admin_cannot_see_or_revoke_staff_of_another_province(client, personas):
    other = personas.other_province_officer
    assignment = RoleAssignment.objects.get(user=other)
    login_as(client, personas.province_admin)

    assert client.get(f"/accounts/staff/{other.pk}/").status_code == 404
    assert client.post(f"/accounts/roles/{assignment.pk}/revoke/").status_code == 404
    assignment.refresh_from_db()
    assert assignment.revoked_at is None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/accounts/staff/"),
        ("get", "/accounts/staff/new/"),
        ("post", "/accounts/staff/new/"),
        ("get", "/accounts/staff/{officer}/"),
        ("post", "/accounts/roles/{assignment}/revoke/"),
        ("get", "/accounts/tokens/"),
    ],
)
def test_a_commune_officer_gets_404_on_staff_pages(client, personas, method, url):
    officer = personas.commune_officer
    assignment = RoleAssignment.objects.get(user=personas.reporter)
    login_as(client, officer)

    response = getattr(client, method)(url.format(officer=officer.pk, assignment=assignment.pk))

    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.revoked_at is None
