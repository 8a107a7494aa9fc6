"""Who sees and changes what: every persona against every page and API endpoint that touches scoped data.

The table below is the contract. Rows are probes (one request each), columns are personas. Outcomes:

    in / out   200, and the list contains / omits the citizen of Phường Hà Giang 1 (Chị Lò Thị Hoa)
    200 … 404  that HTTP status; for a write, the change happened (2xx/3xx) or did not happen (anything else)
    login      HTML for anonymous: redirected to the login page, nothing changed
    401        API for anonymous: problem+json with ``WWW-Authenticate: Bearer``, nothing changed

Out-of-scope objects answer 404, never 403, so their existence cannot be probed. A 403 only appears on a
unit page the viewer may read but not change (adding a village). Creating a citizen through the API in a
unit outside one's area is a 422 naming ``home_unit_code`` (the unit is a field of the body).

The data is built once per module inside a transaction that is rolled back at the end; each test runs in
its own savepoint on top of it (pytest-django's ``db``), so writes made by one probe never leak into the next.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caunoi.accounts.models import ApiToken, RoleAssignment, User
from caunoi.accounts.services import api_token_create
from caunoi.citizens.models import Citizen, Consent, ConsentPurpose, RetentionPolicy
from caunoi.citizens.services import citizen_create
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitLevel
from caunoi.geo.services import village_create
from tests.conftest import (
    COMMUNE,
    OTHER_PROVINCE,
    PROVINCE,
    SIBLING,
    STAFF_PERSONAS,
    ensure_units,
    login_as,
    make_staff,
)

pytestmark = pytest.mark.django_db

PERSONAS = [*STAFF_PERSONAS, "anonymous"]

# fmt: off
MATRIX = """
probe                    admin  approver  editor  auditor  officer  reporter  sibling  other_prov  anon
citizen_list             in     404       404     404      in       404       out      out         login
citizen_detail           200    404       404     404      200      404       404      404         login
citizen_edit_form        200    404       404     404      200      404       404      404         login
citizen_edit             302    404       404     404      302      404       404      404         login
consent_grant            302    404       404     404      302      404       404      404         login
consent_withdraw         302    404       404     404      302      404       404      404         login
citizen_export           200    404       404     404      200      404       404      404         login
citizen_erase            302    404       404     404      302      404       404      404         login
citizen_create_form      200    404       404     404      200      404       200      200         login
unit_commune             200    200       200     200      200      200       404      404         login
unit_village             200    200       200     200      200      200       404      404         login
unit_sibling             200    200       200     200      404      404       200      404         login
unit_other_province      404    404       404     404      404      404       404      200         login
village_add              302    403       403     403      302      403       404      404         login
staff_list               200    404       404     404      404      404       404      404         login
staff_new_form           200    404       404     404      404      404       404      404         login
staff_create             302    404       404     404      404      404       404      404         login
staff_detail             200    404       404     404      404      404       404      404         login
staff_detail_other_prov  404    404       404     404      404      404       404      404         login
role_revoke              302    404       404     404      404      404       404      404         login
token_list               200    404       404     404      404      404       404      404         login
token_create             200    404       404     404      404      404       404      404         login
token_revoke             302    404       404     404      404      404       404      404         login
token_revoke_other_prov  404    404       404     404      404      404       404      404         login
audit_log                200    404       404     200      404      404       404      404         login
audit_export             200    404       404     200      404      404       404      404         login
retention_page           200    404       404     404      404      404       404      404         login
retention_save           302    404       404     404      404      404       404      404         login
dashboard                200    200       200     200      200      200       200      200         login
api_me                   200    200       200     200      200      200       200      200         401
api_citizen_list         in     404       404     404      in       404       out      out         401
api_citizen_detail       200    404       404     404      200      404       404      404         401
api_citizen_create       201    404       404     404      201      404       422      422         401
api_consent_grant        201    404       404     404      201      404       404      404         401
api_consent_withdraw     200    404       404     404      200      404       404      404         401
api_citizen_export       200    404       404     404      200      404       404      404         401
api_citizen_erase        200    404       404     404      200      404       404      404         401
"""
# fmt: on


# Column headings are short names of the personas (tests/conftest.py).
COLUMNS = {
    "admin": "province_admin",
    "officer": "commune_officer",
    "sibling": "sibling_officer",
    "other_prov": "other_province_officer",
    "anon": "anonymous",
}


def _parse(table: str) -> list[tuple[str, str, str]]:
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = [COLUMNS.get(h, h) for h in lines[0][1:]], lines[1:]
    assert header == PERSONAS, "the matrix columns must be the personas, in order"
    cases: list[tuple[str, str, str]] = []
    for row in rows:
        assert len(row) == len(header) + 1, f"row {row[0]} has {len(row) - 1} outcomes"
        cases.extend((row[0], persona, outcome) for persona, outcome in zip(header, row[1:], strict=True))
    return cases


CASES = _parse(MATRIX)


# --- the world: two provinces, a commune with a village, citizens in three communes ------------------


@dataclass
class World:
    users: dict[str, User]
    units: dict[str, Unit]
    hoa: Citizen  # Phường Hà Giang 1 (00694), consent to news
    village_citizen: Citizen  # a village of Hà Giang 1
    sibling_citizen: Citizen  # Phường Hà Giang 2 (00691)
    cao_bang_citizen: Citizen  # a commune of Cao Bằng (04)
    news_consent: Consent
    reporter_role: RoleAssignment
    commune_token: ApiToken
    cao_bang_token: ApiToken


def _build_world() -> World:
    ensure_units()
    other_commune = (
        Unit.objects.filter(parent__code=OTHER_PROVINCE, level=UnitLevel.COMMUNE).order_by("code").first()
    )
    assert other_commune is not None
    units = {
        "province": Unit.objects.get(code=PROVINCE),
        "commune": Unit.objects.get(code=COMMUNE),
        "sibling": Unit.objects.get(code=SIBLING),
        "other_commune": other_commune,
    }
    roles = {
        "province_admin": (Role.PROVINCE_ADMIN, "province"),
        "approver": (Role.APPROVER, "province"),
        "editor": (Role.EDITOR, "province"),
        "auditor": (Role.AUDITOR, "province"),
        "commune_officer": (Role.COMMUNE_OFFICER, "commune"),
        "reporter": (Role.REPORTER, "commune"),
        "sibling_officer": (Role.COMMUNE_OFFICER, "sibling"),
        "other_province_officer": (Role.COMMUNE_OFFICER, "other_commune"),
    }
    usernames = {
        "province_admin": "tinh.admin",
        "approver": "tinh.approver",
        "editor": "tinh.editor",
        "auditor": "tinh.auditor",
        "commune_officer": "xa.officer",
        "reporter": "xa.reporter",
        "sibling_officer": "xa.sibling",
        "other_province_officer": "other.officer",
    }
    users = {
        name: make_staff(usernames[name], role, units[unit_key]) for name, (role, unit_key) in roles.items()
    }
    officer, admin = users["commune_officer"], users["province_admin"]
    village = village_create(commune=units["commune"], name="Thôn Nà Khà", actor=officer)
    units["village"] = village
    hoa = citizen_create(
        home_unit=units["commune"],
        display_name="Chị Lò Thị Hoa",
        phone="0912345678",
        email="hoa@example.vn",
        consents=[ConsentPurpose.NEWS],
        actor=officer,
    )
    village_citizen = citizen_create(
        home_unit=village, display_name="Ông Hoàng Văn Pó", phone="0987000111", actor=officer
    )
    sibling_citizen = citizen_create(
        home_unit=units["sibling"], display_name="Anh Vàng A Sử", actor=users["sibling_officer"]
    )
    cao_bang_citizen = citizen_create(
        home_unit=units["other_commune"],
        display_name="Bà Nông Thị Lan",
        actor=users["other_province_officer"],
    )
    commune_token, _secret = api_token_create(
        name="Cổng thông tin xã", unit=units["commune"], role=Role.COMMUNE_OFFICER, actor=admin
    )
    cao_bang_token, _secret = api_token_create(
        name="Cao Bằng portal", unit=units["other_commune"], role=Role.REPORTER, actor=None
    )
    return World(
        users=users,
        units=units,
        hoa=hoa,
        village_citizen=village_citizen,
        sibling_citizen=sibling_citizen,
        cao_bang_citizen=cao_bang_citizen,
        news_consent=hoa.consents.get(purpose=ConsentPurpose.NEWS),
        reporter_role=RoleAssignment.objects.get(user=users["reporter"]),
        commune_token=commune_token,
        cao_bang_token=cao_bang_token,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, rolled back at its end; tests nest their own savepoints on top."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- probes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None
    api: bool = False
    # For writes: did the change happen? Checked against the outcome (success ↔ True).
    effect: Callable[[World], bool] | None = None
    # Extra assertions on a successful response.
    check: Callable[[Any, World], None] | None = None


def _hoa(w: World) -> Citizen:
    return Citizen.objects.get(pk=w.hoa.pk)


def _listed_ids(response: Any, api: bool) -> set[int]:
    if api:
        return {item["id"] for item in response.json()["items"]}
    return {c.pk for c in response.context["page"].object_list}


def _check_citizen_page(response: Any, w: World) -> None:
    assert response.context["citizen"].pk == w.hoa.pk
    assert "84912345678" in response.content.decode()


def _check_api_citizen(response: Any, w: World) -> None:
    assert response.json()["phone"] == "84912345678"
    assert [c["purpose"] for c in response.json()["consents"]] == ["news"]


def _check_staff_page(response: Any, w: World) -> None:
    assert response.context["person"].pk == w.users["commune_officer"].pk
    assert [a.role for a in response.context["person"].active_roles] == ["commune_officer"]


def _check_export(response: Any, w: World) -> None:
    data = json.loads(response.content)
    assert data["citizen"]["phone"] == "84912345678"
    assert [c["purpose"] for c in data["consents"]] == ["news"]


def _check_audit(response: Any, w: World) -> None:
    events = list(response.context["page"].object_list)
    outside = [
        (e.action, e.unit_path)
        for e in events
        if e.unit_path and not e.unit_path.startswith(f"VN/{PROVINCE}/")
    ]
    assert outside == [], "only this province's events (and installation-wide ones without a unit)"
    assert any(e.action == "citizen.create" and e.object_id == str(w.hoa.pk) for e in events)
    assert not any(
        e.object_id == str(w.cao_bang_citizen.pk) and e.object_type == "citizens.citizen" for e in events
    )


def _check_audit_csv(response: Any, w: World) -> None:
    body = b"".join(response.streaming_content).decode()
    assert "citizen.create" in body
    assert w.units["other_commune"].name not in body


def _check_staff_list(response: Any, w: World) -> None:
    names = {u.username for u in response.context["people"]}
    assert {"xa.officer", "xa.sibling", "tinh.auditor"} <= names
    assert "other.officer" not in names


def _check_token_list(response: Any, w: World) -> None:
    tokens = {t.pk for t in response.context["tokens"]}
    assert w.commune_token.pk in tokens
    assert w.cao_bang_token.pk not in tokens


def _check_new_token(response: Any, w: World) -> None:
    secret = response.context["new_secret"]
    assert secret.startswith("cn_")
    assert secret in response.content.decode()


def _check_me(response: Any, w: World) -> None:
    body = response.json()
    assert body["kind"] == "staff"
    assert body["principal"] in {u.username for u in w.users.values()}


def _new_village_exists(w: World) -> bool:
    return Unit.objects.filter(parent=w.units["commune"], name="Thôn Khuổi Mìn").exists()


PROBES: dict[str, Probe] = {
    # Citizens (HTML)
    "citizen_list": Probe("get", lambda w: "/citizens/"),
    "citizen_detail": Probe(
        "get",
        lambda w: f"/citizens/{w.hoa.pk}/",
        check=_check_citizen_page,
    ),
    "citizen_edit_form": Probe("get", lambda w: f"/citizens/{w.hoa.pk}/edit/"),
    "citizen_edit": Probe(
        "post",
        lambda w: f"/citizens/{w.hoa.pk}/edit/",
        data=lambda w: {
            "display_name": "Chị Lò Thị Hoa (đã sửa)",
            "phone": "0912345678",
            "email": "hoa@example.vn",
            "home_unit": w.units["commune"].pk,
            "preferred_language": "tay",
        },
        effect=lambda w: _hoa(w).display_name == "Chị Lò Thị Hoa (đã sửa)",
    ),
    "consent_grant": Probe(
        "post",
        lambda w: f"/citizens/{w.hoa.pk}/consents/",
        data=lambda w: {"purpose": "contact", "source": "phone"},
        effect=lambda w: _hoa(w).consents.active().filter(purpose="contact").exists(),
    ),
    "consent_withdraw": Probe(
        "post",
        lambda w: f"/citizens/consents/{w.news_consent.pk}/withdraw/",
        effect=lambda w: Consent.objects.get(pk=w.news_consent.pk).withdrawn_at is not None,
    ),
    "citizen_export": Probe(
        "post",
        lambda w: f"/citizens/{w.hoa.pk}/export/",
        effect=lambda w: AuditEvent.objects.filter(action="citizen.export", object_id=str(w.hoa.pk)).exists(),
        check=_check_export,
    ),
    "citizen_erase": Probe(
        "post",
        lambda w: f"/citizens/{w.hoa.pk}/erase/",
        data=lambda w: {"reason": "Người dân yêu cầu", "confirm": "on"},
        effect=lambda w: _hoa(w).erased_at is not None,
    ),
    "citizen_create_form": Probe("get", lambda w: "/citizens/new/"),
    # Units
    "unit_commune": Probe("get", lambda w: f"/units/{w.units['commune'].pk}/"),
    "unit_village": Probe("get", lambda w: f"/units/{w.units['village'].pk}/"),
    "unit_sibling": Probe("get", lambda w: f"/units/{w.units['sibling'].pk}/"),
    "unit_other_province": Probe("get", lambda w: f"/units/{w.units['other_commune'].pk}/"),
    "village_add": Probe(
        "post",
        lambda w: f"/units/{w.units['commune'].pk}/",
        data=lambda w: {"name": "Thôn Khuổi Mìn", "unit_type": "thon"},
        effect=_new_village_exists,
    ),
    # Staff
    "staff_list": Probe("get", lambda w: "/accounts/staff/", check=_check_staff_list),
    "staff_new_form": Probe("get", lambda w: "/accounts/staff/new/"),
    "staff_create": Probe(
        "post",
        lambda w: "/accounts/staff/new/",
        data=lambda w: {
            "username": "xa.moi",
            "full_name": "Cán bộ mới",
            "password": "Sông-Lô-chảy-qua-2026",
            "role": Role.REPORTER.value,
            "unit": w.units["commune"].pk,
        },
        effect=lambda w: User.objects.filter(username="xa.moi").exists(),
    ),
    "staff_detail": Probe(
        "get",
        lambda w: f"/accounts/staff/{w.users['commune_officer'].pk}/",
        check=_check_staff_page,
    ),
    "staff_detail_other_prov": Probe(
        "get", lambda w: f"/accounts/staff/{w.users['other_province_officer'].pk}/"
    ),
    "role_revoke": Probe(
        "post",
        lambda w: f"/accounts/roles/{w.reporter_role.pk}/revoke/",
        effect=lambda w: RoleAssignment.objects.get(pk=w.reporter_role.pk).revoked_at is not None,
    ),
    # API tokens
    "token_list": Probe("get", lambda w: "/accounts/tokens/", check=_check_token_list),
    "token_create": Probe(
        "post",
        lambda w: "/accounts/tokens/",
        data=lambda w: {"name": "Loa phường", "role": "reporter", "unit": w.units["commune"].pk},
        effect=lambda w: ApiToken.objects.filter(name="Loa phường").exists(),
        check=_check_new_token,
    ),
    "token_revoke": Probe(
        "post",
        lambda w: f"/accounts/tokens/{w.commune_token.pk}/revoke/",
        effect=lambda w: ApiToken.objects.get(pk=w.commune_token.pk).revoked_at is not None,
    ),
    "token_revoke_other_prov": Probe(
        "post",
        lambda w: f"/accounts/tokens/{w.cao_bang_token.pk}/revoke/",
        effect=lambda w: ApiToken.objects.get(pk=w.cao_bang_token.pk).revoked_at is not None,
    ),
    # Audit and retention
    "audit_log": Probe("get", lambda w: "/audit/", check=_check_audit),
    "audit_export": Probe("get", lambda w: "/audit/export.csv", check=_check_audit_csv),
    "retention_page": Probe("get", lambda w: "/citizens/retention/"),
    "retention_save": Probe(
        "post",
        lambda w: "/citizens/retention/",
        data=lambda w: {"data_kind": "citizen_inactive", "keep_days": "400"},
        effect=lambda w: RetentionPolicy.objects.filter(data_kind="citizen_inactive", keep_days=400).exists(),
    ),
    "dashboard": Probe("get", lambda w: "/"),
    # JSON API
    "api_me": Probe("get", lambda w: "/api/v1/me", api=True, check=_check_me),
    "api_citizen_list": Probe("get", lambda w: "/api/v1/citizens", api=True),
    "api_citizen_detail": Probe(
        "get",
        lambda w: f"/api/v1/citizens/{w.hoa.pk}",
        api=True,
        check=_check_api_citizen,
    ),
    "api_citizen_create": Probe(
        "post",
        lambda w: "/api/v1/citizens",
        data=lambda w: {"home_unit_code": COMMUNE, "display_name": "Em Ma Thị Dung", "phone": "0911222333"},
        api=True,
        effect=lambda w: Citizen.objects.filter(display_name="Em Ma Thị Dung").exists(),
    ),
    "api_consent_grant": Probe(
        "post",
        lambda w: f"/api/v1/citizens/{w.hoa.pk}/consents",
        data=lambda w: {"purpose": "surveys"},
        api=True,
        effect=lambda w: _hoa(w).consents.active().filter(purpose="surveys").exists(),
    ),
    "api_consent_withdraw": Probe(
        "post",
        lambda w: f"/api/v1/citizens/{w.hoa.pk}/consents/news/withdraw",
        api=True,
        effect=lambda w: Consent.objects.get(pk=w.news_consent.pk).withdrawn_at is not None,
    ),
    "api_citizen_export": Probe(
        "get",
        lambda w: f"/api/v1/citizens/{w.hoa.pk}/export",
        api=True,
        effect=lambda w: AuditEvent.objects.filter(action="citizen.export", object_id=str(w.hoa.pk)).exists(),
        check=_check_export,
    ),
    "api_citizen_erase": Probe(
        "post",
        lambda w: f"/api/v1/citizens/{w.hoa.pk}/erase",
        data=lambda w: {"reason": "Người dân yêu cầu qua cổng"},
        api=True,
        effect=lambda w: _hoa(w).erased_at is not None,
    ),
}


def test_every_probe_is_in_the_matrix_and_back():
    assert {probe for probe, _persona, _outcome in CASES} == set(PROBES)


def _send(client: Client, probe: Probe, w: World) -> Any:
    url = probe.url(w)
    data = probe.data(w) if probe.data else {}
    if probe.method == "get":
        return client.get(url)
    if probe.api:
        return client.post(url, data=json.dumps(data), content_type="application/json")
    return client.post(url, data=data)


@pytest.mark.parametrize(("probe_name", "persona", "outcome"), CASES, ids=[f"{p}-{u}" for p, u, _o in CASES])
def test_scoping_matrix(client, world, probe_name, persona, outcome):
    probe = PROBES[probe_name]
    if persona != "anonymous":
        login_as(client, world.users[persona])

    response = _send(client, probe, world)

    succeeded = False
    if outcome in ("in", "out"):
        assert response.status_code == 200, response.content[:300]
        listed = _listed_ids(response, probe.api)
        assert (world.hoa.pk in listed) is (outcome == "in")
        assert world.cao_bang_citizen.pk not in listed or persona == "other_province_officer"
        succeeded = True
    elif outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif outcome == "401":
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["status"] == 401
    else:
        status = int(outcome)
        assert response.status_code == status, response.content[:300]
        succeeded = status < 400
        if probe.api and not succeeded:
            assert response["Content-Type"] == "application/problem+json"
            assert response.json()["status"] == status
        if status == 302:
            assert not response["Location"].startswith("/accounts/login/")
        if status == 422:
            assert response.json()["errors"][0]["field"] == "home_unit_code"
    if succeeded and probe.check is not None:
        probe.check(response, world)
    if probe.effect is not None:
        assert probe.effect(world) is succeeded, "the change happened" if not succeeded else "nothing changed"


@pytest.mark.parametrize(
    ("persona", "own"),
    [
        ("province_admin", {"hoa", "village_citizen", "sibling_citizen"}),
        ("commune_officer", {"hoa", "village_citizen"}),
        ("sibling_officer", {"sibling_citizen"}),
        ("other_province_officer", {"cao_bang_citizen"}),
    ],
)
def test_each_list_shows_exactly_the_citizens_in_scope(client, world, persona, own):
    login_as(client, world.users[persona])
    expected = {getattr(world, name).pk for name in own}

    html = client.get("/citizens/")
    api = client.get("/api/v1/citizens")

    assert {c.pk for c in html.context["page"].object_list} == expected
    assert {item["id"] for item in api.json()["items"]} == expected
    assert api.json()["count"] == len(expected)


def test_a_token_sees_only_its_unit_and_role(client, world):
    _token, secret = api_token_create(
        name="Zalo OA xã",
        unit=world.units["commune"],
        role=Role.COMMUNE_OFFICER,
        actor=world.users["province_admin"],
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    listed = client.get("/api/v1/citizens", **auth).json()["items"]
    sibling = client.get(f"/api/v1/citizens/{world.sibling_citizen.pk}", **auth)

    assert {item["id"] for item in listed} == {world.hoa.pk, world.village_citizen.pk}
    assert sibling.status_code == 404


def _add_citizens(w: World, n: int) -> None:
    officer = w.users["commune_officer"]
    for i in range(n):
        unit = w.units["village"] if i % 2 else w.units["commune"]
        citizen_create(
            home_unit=unit, display_name=f"Người dân số {i}", phone=f"09120000{i:02d}", actor=officer
        )


def _add_staff(w: World, n: int) -> None:
    for i in range(n):
        user = User.objects.create(username=f"xa.can.bo.{i}", full_name=f"Cán bộ {i}")
        RoleAssignment.objects.create(user=user, role=Role.REPORTER, unit=w.units["commune"])
        RoleAssignment.objects.create(user=user, role=Role.COMMUNE_OFFICER, unit=w.units["sibling"])


def _add_tokens(w: World, n: int) -> None:
    for i in range(n):
        api_token_create(
            name=f"Tích hợp {i}", unit=w.units["commune"], role=Role.REPORTER, actor=w.users["province_admin"]
        )


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# Six queries today: session, user, OTP device, role assignments, count, page.
MAX_LIST_QUERIES = 8


@pytest.mark.parametrize(
    ("persona", "url", "grow"),
    [
        ("commune_officer", "/citizens/", _add_citizens),
        ("commune_officer", "/api/v1/citizens", _add_citizens),
        ("province_admin", "/citizens/", _add_citizens),
        ("province_admin", "/api/v1/citizens", _add_citizens),
        ("province_admin", "/accounts/staff/", _add_staff),
        ("province_admin", "/accounts/tokens/", _add_tokens),
        ("auditor", "/audit/", _add_citizens),
    ],
)
def test_lists_have_a_query_limit_that_does_not_grow_with_rows(
    client, world, django_assert_max_num_queries, persona, url, grow
):
    login_as(client, world.users[persona])
    before = _count_queries(client, url)
    grow(world, 30)

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert _count_queries(client, url) == before
    if url == "/api/v1/citizens":
        assert response.json()["count"] >= 30
