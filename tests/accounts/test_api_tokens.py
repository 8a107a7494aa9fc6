"""Integration tokens: hashed at rest, shown once, scoped to one unit and one role, revocable, audited."""

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from caunoi.accounts.models import ApiToken
from caunoi.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_token(personas):
    return api_token_create(
        name="Cổng thông tin xã",
        unit=personas.units["commune"],
        role=Role.COMMUNE_OFFICER,
        actor=personas.province_admin,
    )


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_it_stores_only_the_sha256_digest_of_the_secret(personas, commune_token):
    token, secret = commune_token

    stored = ApiToken.objects.filter(pk=token.pk).values().get()

    assert secret.startswith(f"cn_{token.prefix}_")
    assert stored["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in stored.values())
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor == personas.province_admin
    assert event.unit_id == personas.units["commune"].pk
    assert secret not in str(event.summary)


def test_it_refuses_a_token_that_could_act_as_an_admin(personas):
    with pytest.raises(ValidationFailed) as error:
        api_token_create(
            name="Quá quyền",
            unit=personas.units["province"],
            role=Role.PROVINCE_ADMIN,
            actor=personas.province_admin,
        )

    assert error.value.field == "role"
    assert not ApiToken.objects.exists()


def test_a_bearer_token_is_a_viewer_with_its_unit_and_role(client, personas, commune_token):
    token, secret = commune_token

    me = client.get("/api/v1/me", **bearer(secret))

    assert me.status_code == 200
    assert me.json()["principal"] == f"token:{token.prefix}"
    assert me.json()["kind"] == "token"
    assert [(g["role"], g["unit_code"]) for g in me.json()["grants"]] == [("commune_officer", "00694")]


def test_a_commune_token_lists_its_citizens_and_not_the_siblings(client, personas, commune_token):
    from caunoi.citizens.services import citizen_create

    _token, secret = commune_token
    sibling = citizen_create(
        home_unit=personas.units["sibling"], display_name="Anh Vàng A Sử", actor=personas.sibling_officer
    )

    listed = client.get("/api/v1/citizens", **bearer(secret))
    own = client.get(f"/api/v1/citizens/{personas.citizen.pk}", **bearer(secret))
    other = client.get(f"/api/v1/citizens/{sibling.pk}", **bearer(secret))

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [personas.citizen.pk]
    assert own.status_code == 200
    assert other.status_code == 404
    assert other["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", [Role.REPORTER, Role.AUDITOR])
def test_a_token_without_the_citizens_capability_gets_404(client, personas, role):
    _token, secret = api_token_create(
        name="Báo cáo", unit=personas.units["commune"], role=role, actor=personas.province_admin
    )

    response = client.get("/api/v1/citizens", **bearer(secret))

    assert response.status_code == 404
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200


def test_a_token_write_is_audited_under_the_token(client, personas, commune_token):
    token, secret = commune_token

    response = client.post(
        "/api/v1/citizens",
        data={"home_unit_code": "00694", "display_name": "Chị Hà Thị Mai"},
        content_type="application/json",
        **bearer(secret),
    )

    assert response.status_code == 201
    event = AuditEvent.objects.get(action="citizen.create", object_id=str(response.json()["id"]))
    assert event.actor is None
    assert event.actor_label == f"token:{token.prefix}"
    assert event.unit_id == personas.units["commune"].pk


def test_it_records_when_a_token_was_last_used(client, personas, commune_token):
    token, secret = commune_token
    assert token.last_used_at is None

    client.get("/api/v1/me", **bearer(secret))
    token.refresh_from_db()
    first_use = token.last_used_at

    client.get("/api/v1/me", **bearer(secret))
    token.refresh_from_db()

    assert first_use is not None
    assert timezone.now() - first_use < dt.timedelta(seconds=30)
    assert token.last_used_at == first_use, "touched at most once a minute"


def test_a_revoked_token_and_a_wrong_secret_get_401(client, personas, commune_token):
    token, secret = commune_token
    forged = secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")
    api_token_revoke(token=token, actor=personas.province_admin)

    for credential in (secret, forged, "cn_nothing", "not-a-token"):
        response = client.get("/api/v1/me", **bearer(credential))
        assert response.status_code == 401, credential
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"] == "Bearer"
    assert api_token_authenticate(secret) is None
    event = AuditEvent.objects.get(action="token.revoke")
    assert (event.actor, event.unit_id) == (personas.province_admin, personas.units["commune"].pk)


def test_the_token_page_shows_a_new_secret_once_and_revokes(client, personas):
    integration = Client()  # no session: only the token speaks
    login_as(client, personas.province_admin)

    created = client.post(
        "/accounts/tokens/", {"name": "Loa phường", "role": "reporter", "unit": personas.units["commune"].pk}
    )
    secret = created.context["new_secret"]
    token = ApiToken.objects.get(name="Loa phường")
    later = client.get("/accounts/tokens/")
    works = integration.get("/api/v1/me", **bearer(secret)).status_code
    revoked = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    after = integration.get("/api/v1/me", **bearer(secret)).status_code

    assert created.status_code == 200
    assert secret.startswith(f"cn_{token.prefix}_")
    assert created.content.decode().count(secret) == 1
    assert later.context["new_secret"] is None
    assert secret not in later.content.decode()
    assert token.prefix in later.content.decode()
    assert works == 200
    assert revoked.status_code == 302
    assert after == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(
        AuditEvent.objects.filter(object_type="accounts.apitoken").values_list("action", flat=True)
    ) == [
        "token.revoke",
        "token.create",
    ]


def test_the_token_page_refuses_a_unit_in_another_province(client, personas):
    login_as(client, personas.province_admin)

    response = client.post(
        "/accounts/tokens/",
        {"name": "Sai tỉnh", "role": "reporter", "unit": personas.units["other_commune"].pk},
    )

    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert response.context["new_secret"] is None
    assert not ApiToken.objects.exists()


def test_revoking_twice_is_refused(personas, commune_token):
    from caunoi.core.errors import InvalidState

    token, _secret = commune_token
    api_token_revoke(token=token, actor=personas.province_admin)

    with pytest.raises(InvalidState):
        api_token_revoke(token=token, actor=personas.province_admin)
