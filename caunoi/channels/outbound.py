"""Gửi tin: the one way campaigns and the inbox reach a citizen on a channel.

Callers (the delivery engine, an officer's reply) open a ``ChannelSession`` for one channel — and, for
Zalo and ZNS, one Official Account — send through it outside any database transaction, and record
what the provider accepted with ``sent_message_record``. Delivery and seen reports then update that
``SentMessage`` through the webhooks, found by its provider id or our ``tracking_id``.

Channels never look at campaigns or petitions: this module takes citizens and identities, and returns
the protocol's plain results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from django.conf import settings
from django.utils import timezone

from caunoi.channels.base import (
    ChannelKind,
    Eligibility,
    ErrorClass,
    OutboundMessage,
    Recipient,
    SendError,
    SendResult,
)
from caunoi.channels.email import EmailChannel
from caunoi.channels.models import ChannelIdentity, SentMessage, ZaloAccount, ZaloAccountStatus
from caunoi.channels.sms import SmsChannel
from caunoi.channels.zalo.client import ZaloChannel, ZaloClient
from caunoi.channels.zalo.zns import ZnsChannel, ZnsClient
from caunoi.citizens.models import Citizen
from caunoi.core.errors import InvalidState

# Channels that reach one person at a time. The web page and the loudspeaker feed publish once for a
# unit (caunoi.channels.services.web_post_publish), so they have no session here.
PERSONAL_CHANNELS = (ChannelKind.ZALO, ChannelKind.ZNS, ChannelKind.SMS, ChannelKind.EMAIL)


def recipient_for(citizen: Citizen, identity: ChannelIdentity | None = None) -> Recipient:
    """Everything the channels may use to reach this citizen; each channel reads only its own field."""
    return Recipient(
        zalo_user_id=identity.external_id if identity is not None else "",
        phone=citizen.phone,
        email=citizen.email,
        language=citizen.preferred_language or "vi",
        last_interaction_at=identity.last_interaction_at if identity is not None else None,
        follows=identity.follows if identity is not None else False,
    )


def zalo_identity_for(citizen: Citizen) -> ChannelIdentity | None:
    """The citizen's Zalo identity on a connected OA, the most recently active first."""
    return (
        ChannelIdentity.objects.filter(
            citizen=citizen, channel=ChannelKind.ZALO, account__status=ZaloAccountStatus.CONNECTED
        )
        .select_related("account")
        .order_by("-last_interaction_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ChannelStatus:
    """Whether a channel is set up at all, for pickers and the Channels page."""

    kind: ChannelKind
    configured: bool
    reason: str = ""


def channel_statuses() -> list[ChannelStatus]:
    zalo = ZaloAccount.objects.filter(status=ZaloAccountStatus.CONNECTED).exists()
    return [
        ChannelStatus(ChannelKind.ZALO, zalo, "" if zalo else "no connected Zalo OA"),
        ChannelStatus(ChannelKind.ZNS, zalo, "" if zalo else "no connected Zalo OA"),
        ChannelStatus(
            ChannelKind.SMS,
            bool(settings.CAUNOI_SMS_GATEWAY_URL),
            "" if settings.CAUNOI_SMS_GATEWAY_URL else "no SMS gateway",
        ),
        ChannelStatus(ChannelKind.EMAIL, True),
        ChannelStatus(ChannelKind.WEB, True),
        ChannelStatus(ChannelKind.LOUDSPEAKER, True),
    ]


class ChannelSession:
    """One channel (and OA) opened for a batch: one connection pool, tokens refreshed as needed.

    A Zalo access token can expire in the middle of a batch; the session then refreshes it once (under
    the account's lease, see ``zalo_access_token``) and sends that message again: Zalo refused it, so
    nothing was delivered twice.
    """

    def __init__(self, kind: ChannelKind, *, account: ZaloAccount | None = None) -> None:
        if kind not in PERSONAL_CHANNELS:
            raise ValueError(f"{kind} publishes for a unit; it has no per-person session")
        if kind in (ChannelKind.ZALO, ChannelKind.ZNS) and account is None:
            raise ValueError(f"{kind} needs the Zalo Official Account to send from")
        self.kind = kind
        self.account = account
        self.rate_limit_remain: int | None = None
        self._channel: ZaloChannel | ZnsChannel | SmsChannel | EmailChannel = self._open(force_refresh=False)

    def _open(self, *, force_refresh: bool) -> ZaloChannel | ZnsChannel | SmsChannel | EmailChannel:
        from caunoi.channels.services import zalo_access_token, zns_templates

        if self.kind == ChannelKind.SMS:
            return SmsChannel()
        if self.kind == ChannelKind.EMAIL:
            return EmailChannel()
        assert self.account is not None
        token = zalo_access_token(account=self.account, force_refresh=force_refresh)
        if self.kind == ChannelKind.ZALO:
            return ZaloChannel(ZaloClient(token, base_url=settings.CAUNOI_ZALO_API_URL))
        return ZnsChannel(
            ZnsClient(
                token, templates=zns_templates(account=self.account), base_url=settings.CAUNOI_ZALO_ZNS_URL
            )
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        channel = self._channel
        if isinstance(channel, ZaloChannel | ZnsChannel):
            channel.client.close()
        else:
            channel.close()

    def eligibility(self, recipient: Recipient, *, now: dt.datetime | None = None) -> Eligibility:
        return self._channel.eligibility(recipient, now=now or timezone.now())

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; never raises for a provider's answer, which comes back as ``result.error``."""
        result = self._send(message)
        if (
            result.error is not None
            and result.error.error_class == ErrorClass.REAUTH
            and self.kind in (ChannelKind.ZALO, ChannelKind.ZNS)
        ):
            self.close()
            try:
                self._channel = self._open(force_refresh=True)
            except InvalidState as exc:
                return SendResult(error=SendError(ErrorClass.REAUTH, result.error.code, str(exc)))
            result = self._send(message)
        return result

    def _send(self, message: OutboundMessage) -> SendResult:
        channel = self._channel
        try:
            result = channel.send(message)
        except ValueError as exc:  # a recipient without the address this channel needs
            return SendResult(error=SendError(ErrorClass.PERMANENT, "no_address", str(exc)))
        if isinstance(channel, ZaloChannel | ZnsChannel):
            self.rate_limit_remain = channel.client.rate_limit_remain
        return result


def sent_message_record(
    *,
    kind: ChannelKind,
    result: SendResult,
    tracking_id: str = "",
    account: ZaloAccount | None = None,
    identity: ChannelIdentity | None = None,
    sent_at: dt.datetime | None = None,
) -> SentMessage:
    """Keep what a provider accepted, so its delivery and seen reports have a row to update.

    A gateway that answers without a message id is followed by our tracking id instead.
    """
    if result.error is not None:
        raise ValueError("only an accepted message is recorded as sent")
    provider_id = result.provider_message_id or (f"tracking:{tracking_id}" if tracking_id else "")
    if not provider_id:
        raise ValueError("a sent message needs the provider's id or our tracking id")
    sent, _ = SentMessage.objects.get_or_create(
        channel=kind,
        provider_message_id=provider_id,
        defaults={
            "account": account,
            "identity": identity,
            "tracking_id": tracking_id,
            "sent_at": sent_at or timezone.now(),
        },
    )
    return sent


def sent_messages_by_tracking(tracking_ids: Iterable[str]) -> dict[str, SentMessage]:
    """Delivery state for a set of our tracking ids (e.g. one campaign's deliveries)."""
    return {s.tracking_id: s for s in SentMessage.objects.filter(tracking_id__in=list(tracking_ids))}
