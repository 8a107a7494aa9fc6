"""Emergency alerts: two people (or one for a pre-approved template), the SOS units, the all-clear and
the after-action report; and the demo seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from caunoi.campaigns import counts, engine, selectors, services
from caunoi.campaigns.demo import DRAFT_TITLE, FLOOD, demo_seed
from caunoi.campaigns.models import AlertTemplate, Campaign, CampaignState, Delivery, Priority
from caunoi.channels.models import InboundMessage
from caunoi.core.errors import PermissionDenied
from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from tests.campaigns.helpers import citizens_bulk
from tests.conftest import login_as, make_staff

pytestmark = pytest.mark.django_db


def template(p, pre_approved):
    return services.alert_template_create(
        unit=p.units["province"],
        name="Sạt lở",
        title="Cảnh báo sạt lở đất",
        body="Nguy cơ sạt lở. Di chuyển đến nơi an toàn.",
        pre_approved=pre_approved,
        actor=p.province_admin,
    )


def test_a_release_needs_a_second_person_unless_the_template_is_pre_approved(personas, settings):
    u = personas.units
    alert = services.alert_create(
        template=template(personas, False), units=[u["commune"]], actor=personas.editor
    )
    services.alert_release(campaign=alert, actor=personas.editor)
    assert alert.state == CampaignState.SUBMITTED and not selectors.active_alert_units()
    with pytest.raises(PermissionDenied):
        services.alert_confirm(campaign=alert, actor=personas.editor)
    services.alert_confirm(campaign=alert, actor=personas.approver)
    assert alert.state == CampaignState.SENDING and alert.priority == Priority.EMERGENCY
    assert alert.policy == "at_least_once"

    quick = services.alert_create(
        template=template(personas, True), units=[u["sibling"]], actor=personas.editor
    )
    settings.CAUNOI_ALERT_PREAPPROVED_ONE_PERSON = False
    services.alert_release(campaign=quick, actor=personas.editor)
    assert quick.state == CampaignState.SUBMITTED
    quick = services.alert_create(
        template=template(personas, True), units=[u["sibling"]], actor=personas.editor
    )
    settings.CAUNOI_ALERT_PREAPPROVED_ONE_PERSON = True
    services.alert_release(campaign=quick, actor=personas.editor)
    assert quick.state == CampaignState.SENDING


def test_active_alert_units_the_all_clear_and_the_after_action_report(personas):
    u = personas.units
    villages = list(Unit.objects.filter(parent=u["commune"]))
    alert = services.alert_create(
        template=template(personas, True), units=[u["commune"]], actor=personas.editor
    )
    services.alert_release(campaign=alert, actor=personas.editor)
    active = selectors.active_alert_units()
    assert u["commune"].pk in active and u["sibling"].pk not in active
    assert all(v.pk in active for v in villages)
    services.campaign_start(campaign=alert)
    engine.dispatch(alert.pk, budget_seconds=5)
    InboundMessage.objects.create(
        citizen=personas.citizen,
        channel="zalo",
        provider_message_id="sos-1",
        message_type="text",
        text="can cuu",
        occurred_at=timezone.now() + dt.timedelta(seconds=1),
    )
    report = selectors.alert_after_action(Campaign.objects.get(pk=alert.pk))
    assert report.replies == 1 and report.replies_by_unit == [(u["commune"].name, 1)]
    assert report.progress.total == Delivery.objects.filter(campaign=alert).count() == 1

    all_clear = services.alert_stand_down(campaign=alert, text="Đã hết nguy hiểm.", actor=personas.approver)
    assert selectors.active_alert_units() == set()
    assert all_clear.stand_down_of == alert and all_clear.state == CampaignState.SENDING


def test_recovery_resends_alerts_and_reports_announcements_as_unknown(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    u = personas.units
    citizens_bulk(u["commune"], 4, news=False)
    alert = services.alert_create(
        template=template(personas, True), units=[u["commune"]], actor=personas.editor, channels=["sms"]
    )
    services.alert_release(campaign=alert, actor=personas.editor)
    services.campaign_start(campaign=alert)
    ids = engine.claim(alert, limit=3)
    assert len(ids) == 3
    past = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.filter(pk__in=ids).update(claimed_at=past)
    assert engine.deliveries_recover() == {"resent": 3, "unknown": 0}
    assert sorted(engine.claim(alert, limit=3)) == sorted(ids)
    Delivery.objects.filter(pk__in=ids).update(claimed_at=past)
    Campaign.objects.filter(pk=alert.pk).update(policy="at_most_once")
    assert engine.deliveries_recover() == {"resent": 0, "unknown": 3}
    # The counts followed every step: claimed, queued again, claimed, reported unknown.
    table = Counter(Delivery.objects.filter(campaign=alert).values_list("channel", "status"))
    assert table[("sms", "unknown")] == 3 and counts.by_channel_status(alert) == dict(table)


def test_sms_waits_for_the_morning_in_quiet_hours_but_emergencies_do_not(personas, settings):
    settings.CAUNOI_SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    settings.CAUNOI_SMS_QUIET_HOURS = "00:00-23:59"
    u = personas.units
    c = services.campaign_create(
        unit=u["province"],
        title="Tin",
        body="Tin.",
        channels=["sms"],
        target_units=[u["commune"]],
        actor=personas.editor,
    )
    services.campaign_submit(campaign=c, actor=personas.editor)
    services.campaign_approve(campaign=c, actor=personas.approver)
    services.campaign_launch(campaign=c, actor=personas.editor)
    services.campaign_start(campaign=c)
    assert engine.sms_reschedule_quiet(c) == 1
    row = Delivery.objects.get(campaign=c)
    assert row.status == "queued" and row.error_code == "quiet_hours" and row.next_attempt_at > timezone.now()
    c.priority = Priority.EMERGENCY
    assert engine.sms_reschedule_quiet(c) == 0


def test_demo_seed_is_idempotent(personas):
    u = personas.units
    make_staff("tinh.bientap", Role.EDITOR, u["province"])
    make_staff("tinh.pheduyet", Role.APPROVER, u["province"])
    make_staff("tinh.quantri", Role.PROVINCE_ADMIN, u["province"])
    make_staff("xa.hagiang1", Role.COMMUNE_OFFICER, u["commune"])
    demo_seed()
    demo_seed()
    assert AlertTemplate.objects.filter(name=FLOOD, pre_approved=True).count() == 1
    draft = Campaign.objects.get(title=DRAFT_TITLE)
    assert draft.variants.get(language="hmn").state == "submitted"
    assert Campaign.objects.filter(state=CampaignState.COMPLETED).count() == 1


def test_alert_pages_release_confirm_and_report_through_the_views(client, personas):
    u = personas.units
    tmpl = template(personas, False)
    login_as(client, personas.editor)
    assert client.get("/campaigns/alerts/templates/").status_code == 200
    response = client.post(
        "/campaigns/alerts/new/",
        {"template": tmpl.pk, "units": [u["commune"].pk], "note": "Tập trung ở trường học."},
    )
    assert response.status_code == 302
    alert = Campaign.objects.get(kind="alert")
    assert "Tập trung ở trường học." in alert.variants.get(language="vi").body
    client.post(f"/campaigns/{alert.pk}/do/alert_release/")
    assert Campaign.objects.get(pk=alert.pk).state == CampaignState.SUBMITTED
    client.post(f"/campaigns/{alert.pk}/do/alert_confirm/")  # the same person: refused
    assert Campaign.objects.get(pk=alert.pk).state == CampaignState.SUBMITTED
    login_as(client, personas.approver)
    page = client.get(f"/campaigns/{alert.pk}/").content.decode()
    assert f"/campaigns/{alert.pk}/do/alert_confirm/" in page
    client.post(f"/campaigns/{alert.pk}/do/alert_confirm/")
    assert Campaign.objects.get(pk=alert.pk).state == CampaignState.SENDING
    assert client.get(f"/campaigns/{alert.pk}/report/").status_code == 200
    response = client.post(f"/campaigns/{alert.pk}/do/stand_down/", {"text": "Đã an toàn."})
    assert response.status_code == 302
    assert Campaign.objects.get(pk=alert.pk).stood_down_at is not None
    # Other province: not found.
    login_as(client, personas.other_province_officer)
    assert client.get(f"/campaigns/{alert.pk}/report/").status_code == 404
