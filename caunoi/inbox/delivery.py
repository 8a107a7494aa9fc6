"""Trả lời người dân trên kênh của họ: which channels can reach a citizen now, and sending one text.

Never called inside a database transaction (a provider call must not hold locks). Zalo's consultation
window decides whether Zalo can be used: free for 48 h after the citizen's last message, paid until 7
days, closed after that — then the officer is told so and offered SMS or email, when the citizen gave a
phone or email and agreed to be contacted about their case. When Zalo cannot be reached (its token
cannot be refreshed), Zalo is shown as unavailable for now and the other channels are still offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.channels.base import ChannelKind, Eligibility, OutboundMessage
from caunoi.channels.models import ChannelIdentity, SentMessage, ZaloAccountStatus
from caunoi.channels.outbound import ChannelSession, channel_statuses, recipient_for, sent_message_record
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.core.errors import InvalidState

# Channels an officer's text can go through (ZNS needs an approved template, so it is not offered).
REPLY_CHANNELS = (ChannelKind.ZALO, ChannelKind.SMS, ChannelKind.EMAIL)


@dataclass(frozen=True)
class ChannelOption:
    kind: str
    available: bool
    reason: str = ""
    cost_vnd: Decimal = Decimal(0)
    identity: ChannelIdentity | None = None

    @property
    def label(self) -> str:
        return {ChannelKind.ZALO: "Zalo", ChannelKind.SMS: "SMS", ChannelKind.EMAIL: "Email"}.get(
            ChannelKind(self.kind), self.kind
        )


def _zalo_identity(citizen: Citizen) -> ChannelIdentity | None:
    from caunoi.channels.outbound import zalo_identity_for

    return zalo_identity_for(citizen)


def _zalo_down_reason(identity: ChannelIdentity) -> str:
    """Why Zalo cannot be used right now: the OA must be connected again, or Zalo does not answer."""
    assert identity.account is not None
    identity.account.refresh_from_db(fields=["status"])
    if identity.account.status != ZaloAccountStatus.CONNECTED:
        return _(
            "The Zalo Official Account must be connected again by an administrator. Use another channel."
        )
    return _("Zalo cannot be reached right now. Try again in a few minutes, or use another channel.")


def channel_options(citizen: Citizen) -> list[ChannelOption]:
    """Each reply channel with whether it reaches this citizen now, and why not in words for the officer."""
    configured = {s.kind: s.configured for s in channel_statuses()}
    may_contact = (
        citizen.consents.active()
        .filter(purpose__in=[ConsentPurpose.CONTACT, ConsentPurpose.FEEDBACK])
        .exists()
    )
    now = timezone.now()
    options: list[ChannelOption] = []
    identity = _zalo_identity(citizen)
    if identity is None:
        options.append(ChannelOption(ChannelKind.ZALO, False, _("The citizen has not written on Zalo.")))
    else:
        verdict: Eligibility | None
        try:
            with ChannelSession(ChannelKind.ZALO, account=identity.account) as session:
                verdict = session.eligibility(recipient_for(citizen, identity), now=now)
        except InvalidState:
            # Opening the session may refresh the OA's token over the network. Zalo being down (or the
            # OA needing to be connected again) makes Zalo unavailable for now, never the page an error.
            verdict = None
        if verdict is None:
            options.append(
                ChannelOption(ChannelKind.ZALO, False, _zalo_down_reason(identity), identity=identity)
            )
        elif verdict.eligible:
            reason = (
                _("Free reply window (48 hours after their last message).")
                if not verdict.cost_vnd
                else _("Paid reply window (until 7 days after their last message).")
            )
            options.append(ChannelOption(ChannelKind.ZALO, True, reason, verdict.cost_vnd, identity))
        else:
            options.append(
                ChannelOption(
                    ChannelKind.ZALO,
                    False,
                    _("Zalo's reply window has closed: the citizen last wrote more than 7 days ago."),
                    identity=identity,
                )
            )
    if not citizen.phone:
        options.append(ChannelOption(ChannelKind.SMS, False, _("No phone number.")))
    elif not may_contact:
        options.append(ChannelOption(ChannelKind.SMS, False, _("The citizen did not agree to be contacted.")))
    elif not configured.get(ChannelKind.SMS):
        options.append(ChannelOption(ChannelKind.SMS, False, _("No SMS gateway is set up.")))
    else:
        options.append(ChannelOption(ChannelKind.SMS, True, _("Priced per SMS part.")))
    if not citizen.email:
        options.append(ChannelOption(ChannelKind.EMAIL, False, _("No email address.")))
    elif not may_contact:
        options.append(
            ChannelOption(ChannelKind.EMAIL, False, _("The citizen did not agree to be contacted."))
        )
    else:
        options.append(ChannelOption(ChannelKind.EMAIL, True))
    return options


@dataclass(frozen=True)
class Outcome:
    channel: str
    sent: SentMessage | None
    error: str = ""


def send_text(
    citizen: Citizen,
    text: str,
    *,
    channel: str = "",
    subject: str = "",
    reply_to: str = "",
    tracking_id: str = "",
) -> Outcome:
    """Send ``text`` on ``channel`` (or the first channel that reaches the citizen now)."""
    options = [o for o in channel_options(citizen) if o.available]
    chosen = (
        next((o for o in options if o.kind == channel), None)
        if channel
        else (options[0] if options else None)
    )
    if chosen is None:
        return Outcome(channel or "", None, _("No channel reaches this citizen now."))
    kind = ChannelKind(chosen.kind)
    account = chosen.identity.account if chosen.identity is not None else None
    recipient = recipient_for(citizen, chosen.identity)
    message = OutboundMessage(
        recipient=recipient,
        text=text,
        subject=subject,
        reply_to=reply_to if kind == ChannelKind.ZALO else "",
        tracking_id=tracking_id,
    )
    with ChannelSession(kind, account=account if kind == ChannelKind.ZALO else None) as session:
        result = session.send(message)
    if result.error is not None:
        return Outcome(kind, None, f"{result.error.code}: {result.error.message}"[:300])
    sent = sent_message_record(
        kind=kind, result=result, tracking_id=tracking_id, account=account, identity=chosen.identity
    )
    return Outcome(kind, sent)
