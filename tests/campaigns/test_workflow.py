"""Four eyes, the state machine, translations and who may see what."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caunoi.accounts.selectors import viewer_for_user
from caunoi.campaigns import audience, counts, selectors, services
from caunoi.campaigns.models import Campaign, CampaignState, Delivery, VariantState
from caunoi.core.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from caunoi.core.models import AuditEvent
from tests.campaigns.helpers import approved_campaign, citizens_bulk
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def draft(p, **kw):
    return services.campaign_create(
        unit=p.units["province"],
        title="Thông báo lịch tiếp dân",
        body="Chủ tịch UBND tỉnh tiếp công dân ngày 15 hằng tháng.",
        channels=kw.pop("channels", ["sms", "zalo", "web"]),
        target_units=kw.pop("targets", [p.units["commune"]]),
        actor=kw.pop("actor", p.editor),
        **kw,
    )


def test_the_author_never_approves_their_own_campaign_and_every_step_is_audited(personas):
    c = draft(personas, actor=personas.province_admin)
    services.campaign_submit(campaign=c, actor=personas.province_admin)
    with pytest.raises(PermissionDenied):
        services.campaign_approve(campaign=c, actor=personas.province_admin)
    services.campaign_return(campaign=c, comment="Ghi rõ địa điểm", actor=personas.approver)
    assert c.state == CampaignState.RETURNED and c.return_comment == "Ghi rõ địa điểm"
    services.campaign_submit(campaign=c, actor=personas.province_admin)
    services.campaign_approve(campaign=c, actor=personas.approver)
    assert c.approved_by == personas.approver
    actions = list(
        AuditEvent.objects.filter(object_type="campaigns.campaign", object_id=str(c.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "campaign.create",
        "campaign.submit",
        "campaign.return",
        "campaign.submit",
        "campaign.approve",
    ]


def test_an_editor_cannot_approve_and_a_return_needs_a_comment(personas):
    c = services.campaign_submit(campaign=draft(personas), actor=personas.editor)
    with pytest.raises(PermissionDenied):
        services.campaign_approve(campaign=c, actor=personas.commune_officer)
    with pytest.raises(ValidationFailed):
        services.campaign_return(campaign=c, comment="  ", actor=personas.approver)


def test_authors_target_only_units_in_their_area(personas):
    u = personas.units
    with pytest.raises(ValidationFailed) as err:
        services.campaign_create(
            unit=u["commune"],
            title="x",
            body="y",
            channels=["sms"],
            target_units=[u["sibling"]],
            actor=personas.commune_officer,
        )
    assert err.value.field == "target_units"
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            unit=u["province"],
            title="x",
            body="y",
            channels=["sms"],
            target_units=[u["commune"]],
            actor=personas.commune_officer,
        )
    c = services.campaign_create(
        unit=u["commune"],
        title="Họp tổ",
        body="Họp tổ dân phố tối nay.",
        channels=["sms"],
        target_units=[u["commune"]],
        actor=personas.commune_officer,
    )
    assert c.unit == u["commune"]


def test_a_zalo_message_longer_than_2000_characters_is_refused(personas):
    with pytest.raises(ValidationFailed) as err:
        draft(personas, zalo_text="a" * 2001)
    assert err.value.field == "zalo_text"


def test_translation_workflow_and_vietnamese_fallback(personas):
    u = personas.units
    citizens_bulk(u["commune"], 3, language="hmn")
    citizens_bulk(u["commune"], 2, language="tay", start=10)
    c = draft(personas, channels=["sms"])
    services.variant_assign(
        campaign=c, language="hmn", translator=personas.commune_officer, actor=personas.editor
    )
    v = services.variant_save(
        campaign=c, language="hmn", body="Ntawv tshaj tawm", actor=personas.commune_officer
    )
    assert v.state == VariantState.ASSIGNED
    services.variant_submit(variant=v, actor=personas.commune_officer)
    with pytest.raises(PermissionDenied):
        services.variant_review(variant=v, approve=True, actor=personas.commune_officer)
    # Not approved yet: everybody gets Vietnamese.
    assert set(audience.audience(c).values_list(*["d_language"], flat=True)) == {"vi"}
    services.variant_review(variant=v, approve=True, actor=personas.approver)
    langs = sorted(audience.audience(c).values_list(*["d_language"], flat=True))
    assert langs == ["hmn", "hmn", "hmn", "vi", "vi", "vi"]  # Tày has no approved text: Vietnamese


ACTIONS = ["submit", "approve", "return", "launch", "pause", "resume", "cancel"]


def _action(action, c, p):
    def run():
        if action == "return":
            return services.campaign_return(campaign=c, comment="Sửa", actor=p.approver)
        actor = p.approver if action == "approve" else p.editor
        return getattr(services, f"campaign_{action}")(campaign=c, actor=actor)

    return run


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ACTIONS), max_size=8))
def test_any_sequence_of_actions_follows_the_state_machine(personas, actions):
    c = draft(personas, channels=["web"])
    allowed = {
        "submit": ({CampaignState.DRAFT, CampaignState.RETURNED}, CampaignState.SUBMITTED),
        "approve": ({CampaignState.SUBMITTED}, CampaignState.APPROVED),
        "return": ({CampaignState.SUBMITTED}, CampaignState.RETURNED),
        "launch": ({CampaignState.APPROVED}, CampaignState.SENDING),
        "pause": ({CampaignState.SENDING, CampaignState.SCHEDULED}, CampaignState.PAUSED),
        "resume": ({CampaignState.PAUSED, CampaignState.SENDING}, CampaignState.SENDING),
        "cancel": (
            set(CampaignState) - {CampaignState.COMPLETED, CampaignState.CANCELLED},
            CampaignState.CANCELLED,
        ),
    }
    for action in actions:
        before = Campaign.objects.get(pk=c.pk).state
        c = Campaign.objects.get(pk=c.pk)
        call = _action(action, c, personas)
        sources, target = allowed[action]
        if before in sources:
            call()
            assert Campaign.objects.get(pk=c.pk).state == target
        else:
            with pytest.raises(InvalidState):
                call()
            assert Campaign.objects.get(pk=c.pk).state == before


def test_audience_counts_consent_language_and_units(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    u = personas.units
    citizens_bulk(u["commune"], 7)
    citizens_bulk(u["commune"], 4, news=False, start=20)  # no consent: not for announcements
    citizens_bulk(u["sibling"], 5, start=40)  # another commune
    c = draft(personas, channels=["sms", "email"])
    count = audience.audience_count(c)
    assert count.total == 8  # 7 + the persona's citizen
    assert count.by_channel == {"sms": 8, "email": 0}
    assert count.reachable["sms"] == 8 and count.unreachable == 0
    services.campaign_update(
        campaign=c,
        actor=personas.editor,
        title=c.title,
        channels=["sms"],
        target_units=[u["commune"]],
        languages=["hmn"],
    )
    assert audience.audience_count(c).total == 0


def test_alerts_reach_everyone_reachable_and_insert_is_set_based_and_idempotent(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    u = personas.units
    citizens_bulk(u["commune"], 50, news=False)
    template = services.alert_template_create(
        unit=u["province"],
        name="Lũ",
        title="Cảnh báo lũ",
        body="Sơ tán ngay.",
        pre_approved=True,
        actor=personas.province_admin,
    )
    c = services.alert_create(
        template=template, units=[u["commune"]], actor=personas.editor, channels=["sms"]
    )
    c.state = CampaignState.SENDING
    with CaptureQueriesContext(connection) as queries:
        added = audience.deliveries_insert(c)
    table = 'INSERT INTO "campaigns_delivery"'
    inserts = [q for q in queries.captured_queries if q["sql"].lstrip().startswith(table)]
    assert added == 51 and len(inserts) == 1
    assert audience.deliveries_insert(c) == 0
    assert Delivery.objects.filter(campaign=c, channel="sms", status="queued").count() == 51
    # The counts the progress bar reads were made from the table in the same transaction.
    assert counts.by_channel_status(c) == {("sms", "queued"): 51}


def test_scoping_404_for_another_commune_and_another_province(client, personas):
    c = services.campaign_create(
        unit=personas.units["commune"],
        title="Họp",
        body="Họp tổ.",
        channels=["sms"],
        target_units=[personas.units["commune"]],
        actor=personas.commune_officer,
    )
    for user in (personas.sibling_officer, personas.other_province_officer, personas.reporter):
        login_as(client, user)
        assert client.get(f"/campaigns/{c.pk}/").status_code == 404
        assert client.get(f"/api/v1/campaigns/{c.pk}/progress").status_code == 404
        with pytest.raises(NotFound):
            selectors.access_campaign(viewer_for_user(user), c.pk)
    login_as(client, personas.province_admin)
    assert client.get(f"/campaigns/{c.pk}/").status_code == 200


def test_the_pages_of_a_campaign_render_for_its_people(client, personas):
    c = approved_campaign(
        personas.editor,
        personas.approver,
        unit=personas.units["province"],
        targets=[personas.units["commune"]],
    )
    login_as(client, personas.editor)
    page = client.get(f"/campaigns/{c.pk}/")
    assert page.status_code == 200
    assert "đ per citizen" in page.content.decode() or "đ mỗi người" in page.content.decode()
    for path in (
        "",
        "new/",
        f"{c.pk}/audience/",
        f"{c.pk}/results/",
        f"{c.pk}/edit/",
        "segments/",
        f"{c.pk}/text/hmn/",
    ):
        assert client.get(f"/campaigns/{path}").status_code == 200, path
    xlsx = client.get(f"/campaigns/{c.pk}/results.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    response = client.post(f"/campaigns/{c.pk}/do/launch/")
    assert response.status_code == 302
    assert Campaign.objects.get(pk=c.pk).state == CampaignState.SENDING
    assert client.get(f"/campaigns/{c.pk}/progress/").status_code == 200


def test_api_create_submit_approve_launch_progress_with_problem_json(client, personas):
    login_as(client, personas.editor)
    body = {
        "unit_code": "08",
        "title": "Bản tin",
        "body": "Nội dung.",
        "channels": ["web"],
        "target_unit_codes": ["00694"],
    }
    created = client.post("/api/v1/campaigns", body, content_type="application/json")
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    assert client.post(f"/api/v1/campaigns/{cid}/submit").json()["state"] == "submitted"
    denied = client.post(f"/api/v1/campaigns/{cid}/approve")
    assert denied.status_code == 403 and denied["Content-Type"].startswith("application/problem+json")
    login_as(client, personas.approver)
    assert client.post(f"/api/v1/campaigns/{cid}/approve").json()["state"] == "approved"
    assert client.post(f"/api/v1/campaigns/{cid}/launch").json()["state"] == "sending"
    progress = client.get(f"/api/v1/campaigns/{cid}/progress").json()
    assert progress["state"] == "sending"
    conflict = client.post(f"/api/v1/campaigns/{cid}/approve")
    assert conflict.status_code == 409


def test_the_live_count_shows_the_sms_cost_for_the_audience_before_sending(client, personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    settings.CAUNOI_SMS_PRICE_UCS2_VND = 800
    citizens_bulk(personas.units["commune"], 9)
    c = draft(personas, channels=["sms"])  # 10 people, one UCS-2 part each
    login_as(client, personas.editor)
    partial = client.get(f"/campaigns/{c.pk}/audience/").content.decode()
    assert "8000" in partial.replace(".", "").replace(",", "")
