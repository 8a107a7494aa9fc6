"""Every page loads only from our own server: CSS, scripts and fonts are vendored, nothing from a CDN."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Request, Response, expect

from caunoi.citizens.models import Citizen
from tests.e2e.conftest import vi

pytestmark = pytest.mark.e2e


def test_it_loads_nothing_from_another_host_and_every_asset_answers(page, live_server, officer, sign_in):
    own = urlsplit(live_server.url).netloc
    requests: list[Request] = []
    failures: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r))
    page.on("requestfailed", lambda r: failures.append(f"{r.url} {r.failure}"))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None
    )

    def check_status(response: Response) -> None:
        if response.status >= 400:
            failures.append(f"{response.url} {response.status}")

    page.on("response", check_status)

    sign_in(officer)
    citizen = Citizen.objects.get(display_name="Chị Lò Thị Hoa")
    for path in ["/", "/units/", "/citizens/new/", f"/citizens/{citizen.pk}/", "/citizens/"]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_count(1)

    # htmx (vendored) filters the list as the officer types.
    page.get_by_label(vi("Search by name or phone")).fill("vang a su")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    expect(page.locator("#rows")).to_contain_text("Anh Vàng A Sử")

    hosts = {urlsplit(r.url).netloc for r in requests if urlsplit(r.url).scheme in ("http", "https")}
    assert hosts == {own}
    assert {r.resource_type for r in requests} >= {"document", "stylesheet", "script", "xhr"}
    assert failures == []
    assert errors == []
