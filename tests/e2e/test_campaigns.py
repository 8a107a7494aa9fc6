"""A commune officer writes a bulletin, sees who it reaches, has it approved by a second person, sends it
and follows it to the results page with its charts."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import expect

from caunoi.campaigns import engine, services
from caunoi.campaigns.models import Campaign, CampaignState
from caunoi.channels.models import WebPost
from tests.e2e.conftest import screenshot, vi

pytestmark = pytest.mark.e2e


def state(name: str) -> str:
    with translation.override("vi"):
        return translation.pgettext("campaign state", name)


def test_an_officer_writes_submits_and_follows_a_bulletin_to_its_results(
    page, live_server, officer, approver, sign_in, commune
):
    sign_in(officer)
    page.goto(f"{live_server.url}/campaigns/")
    page.get_by_role("button", name=vi("Write a campaign")).click()
    page.locator("#id_unit").select_option(label=commune.name)
    page.locator("#id_title").fill("Lịch họp tổ dân phố")
    page.locator("#id_body").fill("Tổ dân phố họp lúc 19 giờ thứ Sáu tại nhà văn hoá.")
    page.locator("#id_target_units").select_option(label=commune.name)
    for box in page.locator("input[name=channels]").all():
        box.uncheck()
    page.locator("input[name=channels][value=sms]").check()
    page.locator("input[name=channels][value=web]").check()
    page.get_by_role("button", name=vi("Save the draft")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Lịch họp tổ dân phố")
    # The live count (htmx): the two residents who consented to news, whatever channel reaches them.
    expect(page.locator("#audience .figure")).to_have_text("2")
    expect(page.locator("main")).to_contain_text(
        vi("Only citizens who consented to receive news are counted.")
    )
    page.get_by_role("button", name=vi("Submit for approval")).click()
    expect(page.locator("main dl")).to_contain_text(state("Awaiting approval"))
    expect(page.locator("main")).to_contain_text(
        vi("Another person approves it: you cannot approve your own campaign.")
    )
    screenshot(page, "campaign-submitted", full_page=True)

    campaign = Campaign.objects.get(title="Lịch họp tổ dân phố")
    services.campaign_approve(campaign=campaign, actor=approver)  # the second person, on their own screen
    page.reload()
    page.get_by_role("button", name=vi("Send now")).click()
    expect(page.locator("main dl")).to_contain_text(state("Sending"))
    # What the worker does: fill the outbox, publish the web page, send.
    services.campaign_start(campaign=Campaign.objects.get(pk=campaign.pk))
    engine.dispatch(campaign.pk, budget_seconds=10)
    assert Campaign.objects.get(pk=campaign.pk).state == CampaignState.COMPLETED
    assert WebPost.objects.filter(unit=commune, title="Lịch họp tổ dân phố").count() == 1

    page.reload()
    expect(page.locator("#progress progress")).to_have_attribute("value", "2")
    page.get_by_role("link", name=vi("Results")).click()
    expect(page.locator("main svg")).to_have_count(3)
    screenshot(page, "campaign-results", full_page=True)
