"""Shared fixtures: the real units of Tuyên Quang (08) and Cao Bằng (04), and the test personas.

Personas (as in Healthchecks' alice/bob/charlie, extended to our scopes):
province_admin, approver, editor, auditor (province 08); commune_officer and reporter (Phường Hà Giang 1);
sibling_officer (Phường Hà Giang 2, same province); other_province_officer (a commune of Cao Bằng);
citizen (lives in Hà Giang 1); anonymous (no login).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.accounts.models import RoleAssignment, User
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.citizens.services import citizen_create
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitLevel
from caunoi.geo.services import units_load

# Production settings hash static files through a manifest written by collectstatic; tests serve them
# from the source folders instead, so they need no collectstatic step.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Production hashing (PBKDF2, a million rounds) costs a fifth of a second per staff member a test makes;
# the tests check who may do what, not the hash. `tests/test_cli.py` checks the real hasher.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

PASSWORD = "correct-Horse-battery-42"
PROVINCE, COMMUNE, SIBLING, OTHER_PROVINCE = "08", "00694", "00691", "04"


def ensure_units() -> None:
    """Load the two provinces the tests use; cheap when they are already there."""
    if Unit.objects.filter(parent__code=PROVINCE, level=UnitLevel.COMMUNE).count() != 124:
        units_load(province_code=PROVINCE)
    if not Unit.objects.filter(parent__code=OTHER_PROVINCE, level=UnitLevel.COMMUNE).exists():
        units_load(province_code=OTHER_PROVINCE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Load the two provinces once into the test database: a test in a rolled-back transaction then finds
    them ready instead of loading them again (most of a second each). Tests on a transactional database
    flush it afterwards; pytest-django runs those last, and ``ensure_units`` reloads for them."""
    with django_db_blocker.unblock():
        ensure_units()


@pytest.fixture
def units(db: Any) -> dict[str, Unit]:
    ensure_units()
    other_commune = (
        Unit.objects.filter(parent__code=OTHER_PROVINCE, level=UnitLevel.COMMUNE).order_by("code").first()
    )
    assert other_commune is not None
    return {
        "province": Unit.objects.get(code=PROVINCE),
        "commune": Unit.objects.get(code=COMMUNE),
        "sibling": Unit.objects.get(code=SIBLING),
        "other_province": Unit.objects.get(code=OTHER_PROVINCE),
        "other_commune": other_commune,
    }


def make_staff(username: str, role: str, unit: Unit) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username.title())
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


@dataclass
class Personas:
    province_admin: User
    approver: User
    editor: User
    auditor: User
    commune_officer: User
    reporter: User
    sibling_officer: User
    other_province_officer: User
    citizen: Citizen
    units: dict[str, Unit]

    def staff(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in STAFF_PERSONAS}


STAFF_PERSONAS = [
    "province_admin",
    "approver",
    "editor",
    "auditor",
    "commune_officer",
    "reporter",
    "sibling_officer",
    "other_province_officer",
]


@pytest.fixture
def personas(units: dict[str, Unit]) -> Personas:
    officer = make_staff("xa.officer", Role.COMMUNE_OFFICER, units["commune"])
    citizen = citizen_create(
        home_unit=units["commune"],
        display_name="Chị Lò Thị Hoa",
        phone="0912345678",
        consents=[ConsentPurpose.NEWS],
        actor=officer,
    )
    return Personas(
        province_admin=make_staff("tinh.admin", Role.PROVINCE_ADMIN, units["province"]),
        approver=make_staff("tinh.approver", Role.APPROVER, units["province"]),
        editor=make_staff("tinh.editor", Role.EDITOR, units["province"]),
        auditor=make_staff("tinh.auditor", Role.AUDITOR, units["province"]),
        commune_officer=officer,
        reporter=make_staff("xa.reporter", Role.REPORTER, units["commune"]),
        sibling_officer=make_staff("xa.sibling", Role.COMMUNE_OFFICER, units["sibling"]),
        other_province_officer=make_staff("other.officer", Role.COMMUNE_OFFICER, units["other_commune"]),
        citizen=citizen,
        units=units,
    )


@pytest.fixture
def wsgi_requests_keep_the_test_connection(db: Any) -> Iterator[None]:
    """As Django's test client does: a request must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def login_as(client: Client, user: User) -> Client:
    """Sign in, passing the two-factor step the way a real authenticator would (a confirmed device)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# A live Zalo (emulator + connected OA), an SMS gateway and an SMTP server, shared by the channels,
# campaigns and inbox tests. Imported last:
# it uses the helpers above.
from tests.providers import gateway, mailbox  # noqa: E402, F401
from tests.zalo_live import zalo_live  # noqa: E402, F401
