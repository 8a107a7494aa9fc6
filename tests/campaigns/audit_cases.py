"""Audit cases of the campaign services, collected by tests/accounts/test_audit_per_service.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caunoi.campaigns import services
from caunoi.campaigns.models import Campaign, ContentVariant
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas

Case = Callable[[Personas], Any]
P = "caunoi.campaigns.services."


def _draft(p: Personas) -> Campaign:
    return services.campaign_create(
        unit=p.units["province"],
        title="Bản tin tuần",
        body="Lịch tiếp công dân tuần này.",
        channels=["sms", "web"],
        target_units=[p.units["commune"]],
        actor=p.editor,
    )


def _submitted(p: Personas) -> Campaign:
    return services.campaign_submit(campaign=_draft(p), actor=p.editor)


def _approved(p: Personas) -> Campaign:
    return services.campaign_approve(campaign=_submitted(p), actor=p.approver)


def _create(p: Personas) -> Expect:
    _draft(p)
    return Expect("campaign.create", p.editor, p.units["province"])


def _update(p: Personas) -> Expect:
    c = _draft(p)
    services.campaign_update(
        campaign=c, actor=p.editor, title="Bản tin", channels=["sms"], target_units=[p.units["sibling"]]
    )
    return Expect("campaign.update", p.editor, p.units["province"])


def _variant_save(p: Personas) -> Expect:
    services.variant_save(campaign=_draft(p), language="hmn", body="Tsab ntawv", actor=p.editor)
    return Expect("campaign.variant_save", p.editor, p.units["province"])


def _variant_assign(p: Personas) -> Expect:
    services.variant_assign(campaign=_draft(p), language="tay", translator=p.commune_officer, actor=p.editor)
    return Expect("campaign.variant_assign", p.editor, p.units["province"])


def _translated(p: Personas) -> ContentVariant:
    c = _draft(p)
    services.variant_assign(campaign=c, language="tay", translator=p.province_admin, actor=p.editor)
    return services.variant_save(campaign=c, language="tay", body="Slư tiểng Tày", actor=p.province_admin)


def _variant_submit(p: Personas) -> Expect:
    services.variant_submit(variant=_translated(p), actor=p.province_admin)
    return Expect("campaign.variant_submit", p.province_admin, p.units["province"])


def _variant_review(p: Personas) -> Expect:
    v = services.variant_submit(variant=_translated(p), actor=p.province_admin)
    services.variant_review(variant=v, approve=True, actor=p.approver)
    return Expect("campaign.variant_approve", p.approver, p.units["province"])


def _submit(p: Personas) -> Expect:
    _submitted(p)
    return Expect("campaign.submit", p.editor, p.units["province"])


def _approve(p: Personas) -> Expect:
    _approved(p)
    return Expect("campaign.approve", p.approver, p.units["province"])


def _return(p: Personas) -> Expect:
    services.campaign_return(campaign=_submitted(p), comment="Thêm giờ họp", actor=p.approver)
    return Expect("campaign.return", p.approver, p.units["province"])


def _launch(p: Personas) -> Expect:
    services.campaign_launch(campaign=_approved(p), actor=p.editor)
    return Expect("campaign.launch", p.editor, p.units["province"])


def _sending(p: Personas) -> Campaign:
    return services.campaign_launch(campaign=_approved(p), actor=p.editor)


def _pause(p: Personas) -> Expect:
    services.campaign_pause(campaign=_sending(p), actor=p.editor)
    return Expect("campaign.pause", p.editor, p.units["province"])


def _resume(p: Personas) -> Expect:
    c = services.campaign_pause(campaign=_sending(p), actor=p.editor)
    services.campaign_resume(campaign=c, actor=p.approver)
    return Expect("campaign.resume", p.approver, p.units["province"])


def _cancel(p: Personas) -> Expect:
    services.campaign_cancel(campaign=_sending(p), actor=p.approver)
    return Expect("campaign.cancel", p.approver, p.units["province"])


def _start(p: Personas) -> Expect:
    services.campaign_start(campaign=_sending(p))
    return Expect("campaign.start", None, p.units["province"], actor_label="system")


def _start_due(p: Personas) -> Expect:
    from django.utils import timezone

    c = _approved(p)
    Campaign.objects.filter(pk=c.pk).update(state="scheduled", scheduled_at=timezone.now())
    services.campaigns_start_due()
    return Expect("campaign.start_scheduled", None, p.units["province"], actor_label="system")


def _recur(p: Personas) -> Expect:
    c = _sending(p)
    Campaign.objects.filter(pk=c.pk).update(state="completed", recurrence="weekly")
    c.refresh_from_db()
    services.campaign_recur(campaign=c)
    return Expect("campaign.recur", None, p.units["province"], actor_label="system")


def _segment(p: Personas) -> Expect:
    services.segment_create(
        unit=p.units["commune"], name="Tổ 1", rule_language="hmn", actor=p.commune_officer
    )
    return Expect("segment.create", p.commune_officer, p.units["commune"])


def _template(p: Personas, pre_approved: bool = True) -> Any:
    return services.alert_template_create(
        unit=p.units["province"],
        name="Lũ quét",
        title="Cảnh báo lũ quét",
        body="Nguy cơ lũ quét trong 6 giờ tới. Di chuyển lên chỗ cao.",
        pre_approved=pre_approved,
        actor=p.province_admin,
    )


def _template_create(p: Personas) -> Expect:
    _template(p)
    return Expect("alert_template.create", p.province_admin, p.units["province"])


def _alert(p: Personas, pre_approved: bool = True) -> Campaign:
    return services.alert_create(
        template=_template(p, pre_approved), units=[p.units["commune"]], actor=p.editor
    )


def _alert_create(p: Personas) -> Expect:
    _alert(p)
    return Expect("alert.create", p.editor, p.units["province"])


def _alert_release(p: Personas) -> Expect:
    services.alert_release(campaign=_alert(p), actor=p.editor)
    return Expect("alert.release", p.editor, p.units["province"])


def _alert_confirm(p: Personas) -> Expect:
    c = services.alert_release(campaign=_alert(p, pre_approved=False), actor=p.editor)
    services.alert_confirm(campaign=c, actor=p.approver)
    return Expect("alert.confirm", p.approver, p.units["province"])


def _alert_stand_down(p: Personas) -> Expect:
    c = services.alert_release(campaign=_alert(p), actor=p.editor)
    services.alert_stand_down(campaign=c, text="Đã an toàn.", actor=p.approver)
    return Expect("alert.stand_down", p.approver, p.units["province"])


def _publish(p: Personas) -> Expect:
    c = _sending(p)
    services.campaign_publish_units(campaign=c)
    return Expect("web_post.publish", None, p.units["commune"], actor_label="system")


CASES: dict[str, Case] = {
    P + "campaign_create": _create,
    P + "campaign_update": _update,
    P + "variant_save": _variant_save,
    P + "variant_assign": _variant_assign,
    P + "variant_submit": _variant_submit,
    P + "variant_review": _variant_review,
    P + "campaign_submit": _submit,
    P + "campaign_approve": _approve,
    P + "campaign_return": _return,
    P + "campaign_launch": _launch,
    P + "campaign_pause": _pause,
    P + "campaign_resume": _resume,
    P + "campaign_cancel": _cancel,
    P + "campaign_start": _start,
    P + "campaigns_start_due": _start_due,
    P + "campaign_recur": _recur,
    P + "campaign_publish_units": _publish,
    P + "segment_create": _segment,
    P + "alert_template_create": _template_create,
    P + "alert_create": _alert_create,
    P + "alert_release": _alert_release,
    P + "alert_confirm": _alert_confirm,
    P + "alert_stand_down": _alert_stand_down,
}
EXEMPT: dict[str, str] = {
    "caunoi.campaigns.services.segment_tags_sync": "queues zalo_tag_sync, which is audited as zalo.tag_sync",
}
