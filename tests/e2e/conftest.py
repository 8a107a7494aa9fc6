"""Browser tests: Playwright drives Debian's /usr/bin/chromium against pytest-django's live server.

Never run ``playwright install``: it downloads a browser, which fails here and is not needed
(see research/tech-validation.md §6). ``make chromium`` installs Debian's package when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import ConsoleMessage, Page, expect

from caunoi.accounts.models import RoleAssignment, User
from caunoi.citizens.models import ConsentPurpose, ConsentSource
from caunoi.citizens.services import citizen_create
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit, UnitType
from caunoi.geo.services import units_load, village_create
from tests.conftest import COMMUNE, PASSWORD, PROVINCE

# Sync Playwright runs an event loop in this thread; Django would otherwise refuse ORM calls here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 360, "height": 740}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (never `playwright install`).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop browser set up like an officer's in Tuyên Quang."""
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "accept_downloads": True,
    }


@pytest.fixture(autouse=True, scope="session")
def _static_root() -> None:
    """The live server's whitenoise warns about a missing STATIC_ROOT; tests serve from the sources."""
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """Every browser test also checks that nothing on its pages broke the Content-Security-Policy."""
    page.set_default_timeout(10_000)
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    yield page
    assert not violations, violations


def vi(message: str) -> str:
    """The Vietnamese text the UI shows for ``message``, from the same catalogue the server uses."""
    with translation.override("vi"):
        return translation.gettext(message)


def en(message: str) -> str:
    with translation.override("en"):
        return translation.gettext(message)


@pytest.fixture
def commune(transactional_db: None) -> Unit:
    """Tuyên Quang's units (the live server needs committed rows, so they are loaded per test)."""
    units_load(province_code=PROVINCE)
    return Unit.objects.get(code=COMMUNE)


def _staff(username: str, full_name: str, role: str, unit: Unit) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=full_name)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def officer(commune: Unit) -> User:
    """Cán bộ xã of Phường Hà Giang 1, with a village and a few residents already recorded."""
    user = _staff("lan.nguyen", "Nguyễn Thị Lan", Role.COMMUNE_OFFICER, commune)
    village = village_create(
        commune=commune, name="Tổ dân phố 5", unit_type=UnitType.RESIDENTIAL_GROUP, actor=user
    )
    residents = [
        ("Chị Lò Thị Hoa", "0912345678", commune, [ConsentPurpose.NEWS, ConsentPurpose.FEEDBACK]),
        ("Anh Vàng A Sử", "0987654321", village, [ConsentPurpose.NEWS]),
        ("Bà Hoàng Thị Mai", "", village, [ConsentPurpose.CONTACT]),
    ]
    for name, phone, unit, consents in residents:
        citizen_create(
            home_unit=unit,
            display_name=name,
            phone=phone,
            consents=consents,
            consent_source=ConsentSource.IN_PERSON,
            actor=user,
        )
    return user


@pytest.fixture
def approver(commune: Unit) -> User:
    return _staff("tinh.approver", "Trần Văn Duyệt", Role.APPROVER, Unit.objects.get(code=PROVINCE))


@pytest.fixture
def sign_in(page: Page, live_server: Any) -> Callable[[User], Page]:
    """Sign in through the real login form, typing the username and password."""

    def _sign_in(user: User) -> Page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").press_sequentially(user.get_username())
        page.locator("#id_password").press_sequentially(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#id_password")).to_have_count(0)
        page.wait_for_load_state()  # stylesheets and scripts too, so nothing is cut off by the next step
        return page

    return _sign_in


def screenshot(page: Page, name: str, *, publish: bool = False, full_page: bool = False) -> Path:
    """Keep a screenshot in test-artifacts/ (gitignored); ``publish`` also copies it to docs/screenshots/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_load_state()
    page.screenshot(path=path, full_page=full_page, animations="disabled")
    if publish:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path
