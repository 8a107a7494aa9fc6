"""ZNS / ZBS template messages by phone (research §11), served on the same port as the OA API.

Same access token as the OA, but ZNS's own codes (-124 for a bad token) and no per-minute limit.
The daily quota restarts at midnight Vietnam time; ``mode: development`` reaches only the admins
listed in the configuration and does not use the daily quota. ``tracking_id`` is not in the documented
response, so it is echoed where Zalo echoes it: in the delivery webhook.
"""

from __future__ import annotations

import re
from typing import Any

from caunoi.channels.zalo.emulator import events
from caunoi.channels.zalo.emulator.codes import ZaloError
from caunoi.channels.zalo.emulator.config import ZnsTemplate
from caunoi.channels.zalo.emulator.openapi import Handler
from caunoi.channels.zalo.emulator.state import EmulatorState, LoggedMessage
from caunoi.channels.zalo.emulator.wire import Call

PHONE = re.compile(r"^84\d{8,10}$")
LOCAL_PHONE = re.compile(r"^0\d{8,10}$")


def _templates(state: EmulatorState) -> dict[str, ZnsTemplate]:
    return {t.template_id: t for t in state.config.zns_templates}


def send(state: EmulatorState, call: Call) -> dict[str, Any]:
    try:
        body = call.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ZaloError(-111, zns=True)
    config = state.config
    phone = str(body.get("phone", ""))
    if config.zns_accept_leading_zero and LOCAL_PHONE.match(phone):
        phone = "84" + phone[1:]
    if not PHONE.match(phone):
        raise ZaloError(-108, zns=True)
    template = _templates(state).get(str(body.get("template_id", "")))
    if template is None:
        raise ZaloError(-109, zns=True)
    data = body.get("template_data")
    if not isinstance(data, dict) or (template.params and not data):
        raise ZaloError(-111, zns=True)
    for name, limit in template.params.items():
        value = data.get(name)
        if value is None or str(value) == "":
            raise ZaloError(-1122, name, zns=True)
        if len(str(value)) > limit:
            raise ZaloError(-1121, name, zns=True)
    tracking_id = str(body.get("tracking_id", ""))
    development = body.get("mode") == "development"
    with state.lock:
        if development and phone not in config.zns_admin_phones:
            raise ZaloError(-127, zns=True)
        state.zns_roll_day()
        if not development:
            if state.zns_remaining <= 0:
                raise ZaloError(-144, zns=True)
            state.zns_remaining -= 1
        now = state.clock()
        msg_id = state.new_msg_id()
        state.log(
            LoggedMessage(
                msg_id=msg_id,
                channel="zns",
                recipient=phone,
                kind="template",
                sent_time=events.epoch_ms(now),
                billed=True,
                template_id=template.template_id,
                tracking_id=tracking_id,
            )
        )
        delay = state.later(config.zns_delivery_delay_s)
        receipt = events.zns_received_event(
            config, phone=phone, msg_id=msg_id, tracking_id=tracking_id, at=now + config.scaled(delay)
        )
        state.emit(receipt, after=delay, zns=True)
        remaining = state.zns_remaining
    return {
        "msg_id": msg_id,
        "sent_time": events.epoch_ms(now),
        "sending_mode": "1",
        "quota": {"dailyQuota": str(config.zns_daily_quota), "remainingQuota": str(remaining)},
    }


def quota(state: EmulatorState, call: Call) -> dict[str, str]:
    with state.lock:
        state.zns_roll_day()
        return {"dailyQuota": str(state.config.zns_daily_quota), "remainingQuota": str(state.zns_remaining)}


def _template_row(template: ZnsTemplate) -> dict[str, Any]:
    return {
        "templateId": template.template_id,
        "templateName": template.name,
        "status": "ENABLE",
        "templateQuality": "HIGH",
    }


def template_all(state: EmulatorState, call: Call) -> list[dict[str, Any]]:
    return [_template_row(t) for t in state.config.zns_templates]


def template_info(state: EmulatorState, call: Call) -> dict[str, Any]:
    template = _templates(state).get(call.query.get("template_id", ""))
    if template is None:
        raise ZaloError(-109, zns=True)
    return {
        **_template_row(template),
        "listParams": [
            {
                "name": name,
                "require": True,
                "type": "STRING",
                "maxLength": limit,
                "minLength": 1,
                "acceptNull": False,
            }
            for name, limit in template.params.items()
        ],
        "listButtons": [],
        "templateTag": template.tag,
        "price": str(template.price_vnd),
        "price_sdt": str(template.price_vnd),
        "price_uid": str(template.price_vnd) if template.uid_allowed else "",
    }


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/message/template"): send,
    ("GET", "/message/quota"): quota,
    ("GET", "/template/all"): template_all,
    ("GET", "/template/info/v2"): template_info,
}
