"""A commune officer records a citizen with one consent, withdraws it, exports and erases the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caunoi.citizens.models import Citizen, ConsentPurpose
from tests.e2e.conftest import screenshot, vi

pytestmark = pytest.mark.e2e


def test_it_records_withdraws_exports_and_erases_a_citizen(page, live_server, officer, sign_in):
    sign_in(officer)
    page.goto(f"{live_server.url}/citizens/")
    page.get_by_role("button", name=vi("Record a citizen")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Record a citizen"))
    page.get_by_label(vi("Name (how to address them)")).fill("Ông Ma Văn Thắng")
    page.get_by_label(vi("Phone")).fill("0913 222 333")
    page.get_by_label(vi("Commune or village")).select_option(label="Tổ dân phố 5")
    consents = page.locator("input[name=consents]")
    expect(consents).to_have_count(len(ConsentPurpose))
    for box in consents.all():
        expect(box).not_to_be_checked()  # nothing is ticked for the citizen
    page.locator("input[name=consents][value=feedback]").check()
    screenshot(page, "citizen-form", full_page=True)
    page.get_by_role("button", name=vi("Save")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ông Ma Văn Thắng")
    expect(page.get_by_role("status")).to_have_text(vi("Citizen recorded."))
    expect(page.locator("main dl")).to_contain_text("84913222333")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(str(ConsentPurpose.FEEDBACK.label))
    expect(rows.locator(".badge-ok")).to_have_text(vi("active"))
    screenshot(page, "citizen-detail", full_page=True)

    rows.get_by_role("button", name=vi("Withdraw")).click()
    expect(page.get_by_role("status")).to_have_text(vi("Consent withdrawn."))
    expect(rows.locator(".badge-off")).to_be_visible()
    expect(rows.locator(".badge-ok")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("button", name=vi("Download everything we hold (JSON)")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("citizen-")
    assert download.suggested_filename.endswith(".json")
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert exported["citizen"]["display_name"] == "Ông Ma Văn Thắng"
    assert exported["citizen"]["phone"] == "84913222333"
    assert exported["citizen"]["home_unit"]["name"] == "Tổ dân phố 5"
    [consent] = exported["consents"]
    assert consent["purpose"] == ConsentPurpose.FEEDBACK
    assert consent["withdrawn_at"] is not None

    page.get_by_label(vi("Reason")).fill("Người dân yêu cầu ngày 27/11/2026")
    page.get_by_label(vi("I understand this cannot be undone.")).check()
    page.get_by_role("button", name=vi("Erase"), exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/citizens/")
    expect(page.get_by_role("status")).to_have_text(vi("The citizen's personal data was erased."))
    expect(page.get_by_role("link", name="Chị Lò Thị Hoa")).to_be_visible()
    expect(page.locator("#rows")).not_to_contain_text("Ông Ma Văn Thắng")
    expect(page.locator("#rows")).not_to_contain_text("84913222333")
    erased = Citizen.objects.get(erased_at__isnull=False)
    assert erased.display_name == ""
    assert erased.phone == ""
    assert not erased.consents.filter(withdrawn_at__isnull=True).exists()
