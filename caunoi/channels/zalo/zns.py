"""ZNS, now "ZBS Template Message" (research §11): approved templates sent to a phone number.

Only templates registered here are sent, and their parameters are checked against the registry
first, so a campaign with a missing or overlong field fails at once and for free instead of at
Zalo (-1122, -1121). The OA's access token is the same as for the OA API; the error numbers are
ZNS's own. Delivery comes back as a ``user_received_message`` webhook carrying our ``tracking_id``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from caunoi.channels.base import (
    ChannelKind,
    Eligibility,
    InboundEvent,
    InboundKind,
    OutboundMessage,
    Recipient,
    SendResult,
)
from caunoi.channels.zalo.client import DEFAULT_MAX_CONNECTIONS, DEFAULT_TIMEOUT_S, ZaloHttp
from caunoi.channels.zalo.errors import ZaloApi, local_error
from caunoi.channels.zalo.events import as_dict, as_int, parse_event
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.text import nfc

ZNS_BASE_URL = "https://business.openapi.zalo.me"
TRACKING_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,48}$")  # Zalo: at most 48 characters, no special ones


@dataclass(frozen=True)
class ZnsTemplate:
    """A template Zalo approved: parameter names with their maximum lengths, the purpose it serves
    (which consent a recipient needs) and its price per message by phone."""

    id: str
    params: Mapping[str, int]
    purpose: str
    price_vnd: Decimal


@dataclass(frozen=True)
class ZnsQuota:
    daily: int | None
    remaining: int | None


class ZnsClient(ZaloHttp):
    api = ZaloApi.ZNS

    def __init__(
        self,
        access_token: str,
        *,
        templates: Iterable[ZnsTemplate],
        base_url: str = ZNS_BASE_URL,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        super().__init__(
            access_token, base_url=base_url, http=http, timeout=timeout, max_connections=max_connections
        )
        self.templates = {template.id: template for template in templates}

    def send(
        self,
        phone: str,
        template_id: str,
        params: Mapping[str, str],
        *,
        tracking_id: str = "",
        development: bool = False,
    ) -> SendResult:
        """Send one template; ``development`` reaches only App/OA admins and costs nothing (§11.4).

        Only the template's own parameters are sent.
        """
        if tracking_id and not TRACKING_ID.match(tracking_id):
            raise ValueError("tracking_id: at most 48 letters, digits and _ . : -")
        try:
            phone = normalize_vn_phone(phone)
        except ValueError:
            return SendResult(error=local_error(-108, "not a Vietnamese phone number", api=ZaloApi.ZNS))
        template = self.templates.get(template_id)
        if template is None:
            return SendResult(
                error=local_error(-109, f"template {template_id} is not registered", api=ZaloApi.ZNS)
            )
        data: dict[str, str] = {}
        for name, limit in template.params.items():
            value = nfc(str(params.get(name, ""))).strip()
            if not value:
                return SendResult(error=local_error(-1122, f"missing parameter {name}", api=ZaloApi.ZNS))
            if len(value) > limit:
                return SendResult(
                    error=local_error(-1121, f"{name} over {limit} characters", api=ZaloApi.ZNS)
                )
            data[name] = value
        body: dict[str, Any] = {"phone": phone, "template_id": template.id, "template_data": data}
        if tracking_id:
            body["tracking_id"] = tracking_id
        if development:
            body["mode"] = "development"
        answer = self.call("POST", "/message/template", body=body)
        if answer.error is not None:
            return SendResult(error=answer.error)
        result = as_dict(answer.data)
        quota = as_dict(result.get("quota"))
        return SendResult(
            provider_message_id=str(result.get("msg_id") or ""),
            cost_vnd=Decimal(0) if development else template.price_vnd,
            quota_remaining=as_int(quota.get("remainingQuota")),
        )

    def template_ids(self) -> list[str]:
        """The OA's enabled templates (§11.2); one page of up to 100 is more than an OA registers."""
        rows = self._data("GET", "/template/all", query={"offset": "0", "limit": "100", "status": "1"})
        return [
            str(row.get("templateId"))
            for row in rows or []
            if isinstance(row, dict) and row.get("templateId")
        ]

    def template_info(self, template_id: str, *, purpose: str) -> tuple[ZnsTemplate, str]:
        """A template's parameters (name → maximum length), its price by phone, and its name."""
        data = as_dict(self._data("GET", "/template/info/v2", query={"template_id": template_id}))
        params = {
            str(p.get("name")): as_int(p.get("maxLength")) or 0
            for p in data.get("listParams") or []
            if isinstance(p, dict) and p.get("name")
        }
        try:
            price = Decimal(str(data.get("price_sdt") or data.get("price") or "0"))
        except ArithmeticError:
            price = Decimal(0)
        name = nfc(str(data.get("templateName") or ""))
        return ZnsTemplate(id=template_id, params=params, purpose=purpose, price_vnd=price), name

    def quota(self) -> ZnsQuota:
        """The OA's daily ZNS quota, which Zalo moves with sending quality (§11.3)."""
        data = as_dict(self._data("GET", "/message/quota"))
        return ZnsQuota(daily=as_int(data.get("dailyQuota")), remaining=as_int(data.get("remainingQuota")))


class ZnsChannel:
    """Templates by phone: reaches anyone with Zalo on that number, follower or not, at a price."""

    kind = ChannelKind.ZNS

    def __init__(self, client: ZnsClient) -> None:
        self.client = client

    def eligibility(self, recipient: Recipient, *, now: dt.datetime) -> Eligibility:
        """The cost is the dearest registered template: the message is not known yet."""
        try:
            normalize_vn_phone(recipient.phone)
        except ValueError:
            return Eligibility(False, "no valid Vietnamese phone number")
        prices = [template.price_vnd for template in self.client.templates.values()]
        if not prices:
            return Eligibility(False, "no ZNS template registered")
        return Eligibility(True, "ZNS template by phone", max(prices))

    def send(self, message: OutboundMessage) -> SendResult:
        if not message.template_id:
            return SendResult(error=local_error(-109, "ZNS sends templates only", api=ZaloApi.ZNS))
        return self.client.send(
            message.recipient.phone,
            message.template_id,
            message.template_params,
            tracking_id=message.tracking_id,
        )


def parse_delivery_receipt(payload: Mapping[str, Any]) -> InboundEvent:
    """A ZNS receipt as DELIVERED, with our ``tracking_id``; ``occurred_at`` is the ``delivery_time``."""
    event = parse_event(payload)
    if event.channel is not ChannelKind.ZNS or event.kind is not InboundKind.DELIVERED:
        raise ValueError("not a ZNS delivery receipt")
    return event
