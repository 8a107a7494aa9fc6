"""Bộ gửi: the sender side of the outbox, as ``ARCHITECTURE.md`` ("Delivery semantics") fixes it.

1. **Claim** a batch of due rows in one statement that flips them to ``sending`` (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, so senders never wait on each other; on SQLite the single ``UPDATE …
   RETURNING`` is atomic because SQLite serialises writers). The claim only takes rows of a campaign
   that is ``sending`` and of channels that are not paused.
2. **Send** outside any transaction, through one ``ChannelSession`` per channel and Official Account,
   under a token bucket per channel and account. Before each small chunk the campaign's state is
   read again: a paused or cancelled campaign gets its claimed rows back untouched.
3. **Record** each chunk in one transaction: ``sent`` with the provider's id (and the ``SentMessage``
   that receipts update), or what the error class says — retry later with backoff and jitter, wait
   as long as the provider asked, pause the channel (quota, re-authorisation), move on to the next
   channel of the fallback order, or fail for good with the provider's code.

A worker killed between 2 and 3 leaves rows in ``sending``; ``deliveries_recover`` turns them into
``unknown`` (announcements: at most once) or queues them again (alerts: at least once).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Field, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone

from caunoi.campaigns import conf, counts, zns
from caunoi.campaigns.models import (
    PENDING,
    Campaign,
    CampaignState,
    ContentVariant,
    Delivery,
    DeliveryCount,
    DeliveryPolicy,
    DeliveryStatus,
    Priority,
    UnitPublication,
)
from caunoi.channels.base import ChannelKind, ErrorClass, OutboundMessage, SendError, SendResult
from caunoi.channels.models import ChannelIdentity, SentMessage, SentStatus, ZaloAccount, ZaloAccountStatus
from caunoi.channels.outbound import ChannelSession, recipient_for
from caunoi.core.errors import ApplicationError
from caunoi.core.ratelimit import RateLimitPolicy, define_policy, rate_limit_take

logger = logging.getLogger(__name__)
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


# Claiming ------------------------------------------------------------------------------------------


def claim(
    campaign: Campaign,
    *,
    limit: int,
    after_id: int = 0,
    now: dt.datetime | None = None,
    slot: int = 0,
) -> list[int]:
    """Flip up to ``limit`` due rows of a sending campaign to ``sending`` and return their ids.

    Rows are taken in id order above ``after_id``, the sender's high-water mark, walking the
    (campaign, id) index: above the mark nearly every row is still queued, so a claim reads little
    more than it takes. A sender wraps around to 0 when it finds nothing above its mark (retries
    falling due, rows handed back by a pause). The counts move in the same transaction.
    """
    now = now or timezone.now()
    q = connection.ops.quote_name
    table, campaigns = q(Delivery._meta.db_table), q(Campaign._meta.db_table)
    paused = sorted(campaign.channel_pauses)
    not_paused = f"AND d.channel NOT IN ({', '.join(['%s'] * len(paused))})" if paused else ""
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s "  # noqa: S608 - names from the models, values bound
        f"WHERE id IN (SELECT d.id FROM {table} d WHERE d.campaign_id = %s AND d.status = %s "
        f"AND d.id > %s AND d.next_attempt_at <= %s {not_paused} ORDER BY d.id LIMIT %s {lock}) "
        f"AND EXISTS (SELECT 1 FROM {campaigns} c WHERE c.id = %s AND c.state = %s) "
        f"RETURNING id, channel"
    )
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        DeliveryStatus.SENDING.value,
        adapt(now),
        campaign.pk,
        DeliveryStatus.QUEUED.value,
        after_id,
        adapt(now),
        *paused,
        limit,
        campaign.pk,
        CampaignState.SENDING.value,
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        q_, s_ = DeliveryStatus.QUEUED.value, DeliveryStatus.SENDING.value
        counts.shift(counts.moves(campaign.pk, ((ch, q_, ch, s_) for _, ch in rows)), slot=slot)
    return [row[0] for row in rows]


# Rate limits ---------------------------------------------------------------------------------------


def _policy(channel: str) -> RateLimitPolicy:
    """A bucket a fifth of a second deep: the configured rate holds over any window longer than that."""
    rate = conf.rate_per_second(channel)
    capacity = max(2, round(rate / 5))
    return define_policy(
        f"campaigns.send.{channel}.{rate:g}",
        capacity=capacity,
        refill_seconds=capacity / rate,
        fail_open=False,
    )


def _take(channel: str, key: str, count: int, stop_at: float, held: dict[tuple[str, str], int]) -> bool:
    """Wait for ``count`` tokens of the channel's bucket for ``key``; False when time ran out.

    The shared bucket is a database row, so a sender leases tokens from it half a bucket at a time and
    spends them from ``held``, its own allowance: at a raised limit that is one round trip per many
    chunks, not one per chunk. Half a bucket is a tenth of a second of sending, so the configured rate
    still holds over any longer window; and a sender that wakes up a little late finds the bucket not
    yet full, so no token is lost to the cap.
    """
    policy = _policy(channel)
    grant = max(1, policy.capacity // 2)
    have = held.get((channel, key), 0)
    while have < count:
        decision = rate_limit_take(policy, key, cost=grant)
        if decision.allowed:
            have += grant
            continue
        if time.monotonic() + decision.retry_after > stop_at:
            held[(channel, key)] = have
            return False
        time.sleep(max(decision.retry_after, 0.001))
    held[(channel, key)] = have - count
    return True


# Sending --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    delivery: Delivery
    result: SendResult | None = None  # None: not sent now (released, rescheduled or moved on)
    status: str = ""
    next_attempt_at: dt.datetime | None = None
    channel: str = ""
    error: SendError | None = None
    identity: ChannelIdentity | None = None
    account: ZaloAccount | None = None
    answered_at: dt.datetime | None = None


def _in_quiet_hours(moment: dt.datetime) -> dt.datetime | None:
    """The end of the SMS quiet hours if ``moment`` falls inside them, else None."""
    start, end = conf.quiet_hours()
    local = moment.astimezone(LOCAL)
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=LOCAL).astimezone(dt.UTC)


def sms_reschedule_quiet(campaign: Campaign, *, now: dt.datetime | None = None) -> int:
    """Giờ yên tĩnh: queued SMS of a non-emergency campaign wait for the morning instead of failing."""
    now = now or timezone.now()
    if campaign.priority == Priority.EMERGENCY:
        return 0
    until = _in_quiet_hours(now)
    if until is None:
        return 0
    return Delivery.objects.filter(
        campaign=campaign, channel=ChannelKind.SMS, status=DeliveryStatus.QUEUED, next_attempt_at__lt=until
    ).update(next_attempt_at=until, error_class=ErrorClass.RESCHEDULE.value, error_code="quiet_hours")


def _backoff(attempts: int) -> dt.timedelta:
    base = conf.retry_base_seconds() * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(base, 3600) * random.uniform(0.5, 1.5))


# The invitation is written in Vietnamese, the language every variant falls back to.
SURVEY_INVITATION = "Mời bà con trả lời khảo sát"


def _survey_link(campaign: Campaign, delivery: Delivery) -> str:
    """The recipient's own survey link (``/opinion/s/<token>/``): one answer per citizen, unforgeable."""
    if campaign.survey_id is None:
        return ""
    from caunoi.opinion.services import survey_link_token

    token = survey_link_token(survey=campaign.survey, citizen_id=delivery.citizen_id)  # type: ignore[arg-type]
    return settings.CAUNOI_PUBLIC_URL + reverse("opinion:survey_answer", args=[token])


def _with_link(text: str, link: str) -> str:
    return f"{text}\n\n{SURVEY_INVITATION}: {link}" if link else text


def _message(
    campaign: Campaign, variant: ContentVariant, delivery: Delivery, recipient: object
) -> OutboundMessage:
    channel = delivery.channel
    text = variant.rendition(channel)
    title = variant.title or campaign.title
    if channel == ChannelKind.ZNS:
        resident = {
            "name": delivery.citizen.display_name,
            "commune": delivery.unit.name,
            "reference": f"CN{campaign.pk}-{delivery.pk}",
        }
        return OutboundMessage(
            recipient=recipient,  # type: ignore[arg-type]
            template_id=campaign.zns_template_id,
            template_params=zns.params_fill({k: str(v) for k, v in campaign.zns_params.items()}, resident),
            tracking_id=delivery.tracking_id,
        )
    link = _survey_link(campaign, delivery)
    if channel == ChannelKind.EMAIL:
        html = variant.email_html or "".join(
            f"<p>{escape(p)}</p>" for p in variant.body.split("\n\n") if p.strip()
        )
        if link:
            html += f'<p><a href="{escape(link)}">{escape(SURVEY_INVITATION)}</a></p>'
        return OutboundMessage(
            recipient=recipient,  # type: ignore[arg-type]
            subject=title,
            text=_with_link(variant.body, link),
            html=html,
            tracking_id=delivery.tracking_id,
        )
    if channel == ChannelKind.ZALO and not variant.zalo_text:
        text = f"{title}\n\n{variant.body}"
    return OutboundMessage(
        recipient=recipient,  # type: ignore[arg-type]
        text=_with_link(text, link),
        tracking_id=delivery.tracking_id,
        unaccented=campaign.sms_unaccented and channel == ChannelKind.SMS,
    )


def _next_channel(campaign: Campaign, current: str) -> str:
    order = campaign.personal_channels
    if current in order:
        later = order[order.index(current) + 1 :]
        return later[0] if later else ""
    return ""


def _classify(campaign: Campaign, outcome: Outcome, now: dt.datetime) -> None:
    """Decide what a provider's answer means for this row (the status it ends the chunk in)."""
    result = outcome.result
    assert result is not None
    delivery = outcome.delivery
    if result.ok:
        outcome.status = DeliveryStatus.SENT
        return
    error = result.error
    assert error is not None
    outcome.error = error
    attempts = delivery.attempts + 1
    if error.error_class == ErrorClass.PERMANENT:
        following = _next_channel(campaign, delivery.channel)
        if following:
            outcome.status, outcome.channel, outcome.next_attempt_at = DeliveryStatus.QUEUED, following, now
        else:
            outcome.status = DeliveryStatus.FAILED
    elif error.error_class in (ErrorClass.QUOTA, ErrorClass.REAUTH):
        outcome.status, outcome.next_attempt_at = DeliveryStatus.QUEUED, now
    elif error.error_class == ErrorClass.RATE_LIMITED:
        wait = dt.timedelta(seconds=error.retry_after or 60)
        outcome.status, outcome.next_attempt_at = DeliveryStatus.QUEUED, now + wait
    elif error.error_class == ErrorClass.RESCHEDULE:
        outcome.status, outcome.next_attempt_at = DeliveryStatus.QUEUED, now + dt.timedelta(hours=1)
    elif error.maybe_sent and campaign.policy == DeliveryPolicy.AT_MOST_ONCE:
        outcome.status = DeliveryStatus.UNKNOWN  # the provider may hold it: a resend could reach them twice
    elif attempts >= conf.max_attempts():
        outcome.status = DeliveryStatus.FAILED
    else:
        outcome.status, outcome.next_attempt_at = DeliveryStatus.QUEUED, now + _backoff(attempts)


def _record(campaign: Campaign, outcomes: list[Outcome], now: dt.datetime, *, slot: int = 0) -> None:
    """Write one chunk's outcomes in one transaction; receipts then update the ``SentMessage`` rows.

    On PostgreSQL the commit does not wait for the disk (``synchronous_commit = off`` for this
    transaction only): a crash of the database then loses at most the last fraction of a second of
    records, which leaves those rows in ``sending`` exactly as a killed worker does, and recovery
    treats them the same way. The claim before the send stays a durable commit — losing it could
    send a row twice.
    """
    if not outcomes:
        return
    pauses: dict[str, str] = {}
    moved: list[tuple[str, str, str, str]] = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        sent_rows = []
        for o in outcomes:
            d = o.delivery
            before = d.channel
            if o.result is not None:
                d.attempts += 1
            if o.status == DeliveryStatus.SENT and o.result is not None:
                result = o.result
                provider_id = result.provider_message_id or f"tracking:{d.tracking_id}"
                sent_rows.append(
                    SentMessage(
                        channel=d.channel,
                        account=o.account,
                        identity=o.identity,
                        provider_message_id=provider_id[:64],
                        tracking_id=d.tracking_id,
                        sent_at=o.answered_at or now,
                    )
                )
                d.provider_message_id = provider_id[:64]
                d.cost_vnd = result.cost_vnd
                d.sent_at = d.finished_at = o.answered_at or now
                d.error_code = d.error_class = d.error_message = ""
            if o.error is not None:
                d.error_code = o.error.code[:32]
                d.error_class = o.error.error_class.value
                d.error_message = o.error.message[:300]
                if o.error.error_class in (ErrorClass.QUOTA, ErrorClass.REAUTH):
                    pauses[d.channel] = f"{o.error.error_class.value} {o.error.code}: {o.error.message}"[:300]
            d.status = o.status
            if o.channel:
                d.channel = o.channel
            if o.next_attempt_at is not None:
                d.next_attempt_at = o.next_attempt_at
            if o.status in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED, DeliveryStatus.UNKNOWN):
                d.finished_at = now
            d.claimed_at = None if o.status == DeliveryStatus.QUEUED else d.claimed_at
            moved.append((before, DeliveryStatus.SENDING, d.channel, d.status))
        created = SentMessage.objects.bulk_create(sent_rows)
        by_tracking = {s.tracking_id: s for s in created}
        for o in outcomes:
            if o.status == DeliveryStatus.SENT:
                o.delivery.sent_message = by_tracking.get(o.delivery.tracking_id)
        _update_rows([o.delivery for o in outcomes])
        counts.shift(counts.moves(campaign.pk, moved), slot=slot)
        if pauses:
            channel_pause(campaign, pauses)


_UPDATED = (
    "status",
    "channel",
    "attempts",
    "next_attempt_at",
    "claimed_at",
    "provider_message_id",
    "error_code",
    "error_class",
    "error_message",
    "cost_vnd",
    "sent_message_id",
    "sent_at",
    "finished_at",
)


def _update_rows(rows: list[Delivery]) -> None:
    """One prepared UPDATE run for every row (``executemany``): Django's ``bulk_update`` builds a CASE
    per column and row, which cost more than the provider calls it records."""
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(f)} = %s" for f in _UPDATED)
    sql = f"UPDATE {q(Delivery._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608 - fixed names
    fields = {f: Delivery._meta.get_field("sent_message" if f == "sent_message_id" else f) for f in _UPDATED}
    params = [
        [cast("Field[Any, Any]", fields[f]).get_db_prep_save(getattr(d, f), connection) for f in _UPDATED]
        + [d.pk]
        for d in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def channel_pause(campaign: Campaign, reasons: dict[str, str]) -> None:
    """Stop one channel for this campaign (quota used up, OA to reconnect); the reason is shown."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        locked.channel_pauses = {**locked.channel_pauses, **reasons}
        locked.save(update_fields=["channel_pauses", "updated_at"])
        campaign.channel_pauses = locked.channel_pauses
    logger.warning("campaign %s: channel paused: %s", campaign.pk, reasons)


def _release(
    rows: Iterable[Delivery], state: str, *, delay: dt.timedelta | None = None, slot: int = 0
) -> None:
    """Rows claimed but not sent go back: queued when paused, cancelled when the campaign was cancelled."""
    by_channel: dict[tuple[int, str], list[int]] = defaultdict(list)
    for d in rows:
        by_channel[(d.campaign_id, d.channel)].append(d.pk)
    cancelled = state == CampaignState.CANCELLED
    to = DeliveryStatus.CANCELLED if cancelled else DeliveryStatus.QUEUED
    changes: dict[str, Any] = (
        {"status": to, "finished_at": timezone.now(), "claimed_at": None}
        if cancelled
        else {"status": to, "claimed_at": None, "next_attempt_at": timezone.now() + (delay or dt.timedelta())}
    )
    with transaction.atomic():
        for (campaign_id, channel), ids in sorted(by_channel.items()):
            n = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(**changes)
            counts.move(campaign_id, channel, DeliveryStatus.SENDING, to, n, slot=slot)


def _campaign_state(campaign: Campaign) -> tuple[str, dict[str, str]]:
    row = Campaign.objects.filter(pk=campaign.pk).values_list("state", "channel_pauses").first()
    return (row[0], row[1]) if row else (CampaignState.CANCELLED, {})


class Sender:
    """What one sender keeps open from batch to batch: a session per channel and OA, a thread pool."""

    def __init__(self) -> None:
        self.sessions: dict[tuple[str, int | None], ChannelSession] = {}
        self.pool = ThreadPoolExecutor(conf.send_threads())
        self.slot = counts.sender_slot()
        self.tokens: dict[tuple[str, str], int] = {}  # leased from the rate-limit buckets, not yet spent

    def session(self, channel: str, account: ZaloAccount | None) -> ChannelSession:
        key = (channel, account.pk if account is not None else None)
        if key not in self.sessions:
            self.sessions[key] = ChannelSession(ChannelKind(channel), account=account)
        return self.sessions[key]

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()
        self.pool.shutdown()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What a send reads of a claimed row: loading whole citizens, units and accounts (eight timestamps
# each) for every row of every batch was a third of a sender's time.
_LOADED = (
    "campaign_id",
    "citizen_id",
    "unit_id",
    "language",
    *["sent_message" if f == "sent_message_id" else f for f in _UPDATED],
    "citizen__display_name",
    "citizen__phone",
    "citizen__email",
    "citizen__preferred_language",
    "unit__name",
)


def send_batch(campaign: Campaign, ids: list[int], *, stop_at: float, sender: Sender | None = None) -> int:
    """Send the claimed rows ``ids``; returns how many the providers accepted."""
    if sender is None:
        with Sender() as own:
            return send_batch(campaign, ids, stop_at=stop_at, sender=own)
    rows = list(
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING)
        .select_related("citizen", "unit")
        .only(*_LOADED)
    )
    variants = {v.language: v for v in campaign.variants.all()}
    by_group: dict[tuple[str, int | None], list[Delivery]] = defaultdict(list)
    identities: dict[int, ChannelIdentity] = {}
    zalo_citizens = [d.citizen_id for d in rows if d.channel == ChannelKind.ZALO]
    if zalo_citizens:
        for identity in (
            ChannelIdentity.objects.filter(
                citizen_id__in=zalo_citizens,
                channel=ChannelKind.ZALO,
                account__status=ZaloAccountStatus.CONNECTED,
            )
            .only("citizen_id", "account_id", "external_id", "follows", "last_interaction_at")
            .order_by("last_interaction_at", "id")
        ):
            identities[identity.citizen_id] = identity  # the most recent wins
    default_account = ZaloAccount.objects.filter(status=ZaloAccountStatus.CONNECTED).order_by("pk").first()
    now = timezone.now()
    moved: list[Outcome] = []
    refused = _refusals(campaign, rows)
    for d in rows:
        if d.pk in refused:
            moved.append(Outcome(d, status=DeliveryStatus.FAILED, error=refused[d.pk]))
            continue
        if d.channel == ChannelKind.ZALO:
            found = identities.get(d.citizen_id)
            if found is None:
                moved.append(_move_on(campaign, d, now, "no Zalo identity on a connected OA"))
                continue
            by_group[(d.channel, found.account_id)].append(d)
        elif d.channel == ChannelKind.ZNS:
            by_group[(d.channel, default_account.pk if default_account else None)].append(d)
        else:
            by_group[(d.channel, None)].append(d)
    _record(campaign, moved, now, slot=sender.slot)
    accepted = 0
    for (channel, account_id), group in by_group.items():
        accepted += _send_group(campaign, channel, account_id, group, variants, identities, stop_at, sender)
    return accepted


def _refusals(campaign: Campaign, rows: list[Delivery]) -> dict[int, SendError]:
    """Rows that must not leave, with the reason they end on: the resident withdrew the consent the
    campaign needs (news, for an announcement) since the launch, or — on ZNS — the template no longer
    fits the campaign (unregistered, or its purpose changed). Terminal, not a fallback: another channel
    would not make them consented. One query a batch."""
    refused: dict[int, SendError] = {}
    on_zns = [d for d in rows if d.channel == ChannelKind.ZNS]
    if on_zns:
        record = zns.template_record(campaign.zns_template_id)
        reason = "not registered any more" if record is None else zns.purpose_refusal(record, campaign.kind)
        if reason:
            refused.update(
                {d.pk: SendError(ErrorClass.PERMANENT, "zns_template", reason[:300]) for d in on_zns}
            )
    needed = zns.consent_needed(campaign.kind)
    if needed and rows:
        consenting = zns.consenting({d.citizen_id for d in rows}, needed)
        withdrawn = SendError(
            ErrorClass.PERMANENT, "no_consent", f"no active consent for {needed} when it was to be sent"
        )
        refused.update(
            {d.pk: withdrawn for d in rows if d.citizen_id not in consenting and d.pk not in refused}
        )
    return refused


def _move_on(campaign: Campaign, d: Delivery, now: dt.datetime, reason: str) -> Outcome:
    following = _next_channel(campaign, d.channel)
    error = SendError(ErrorClass.PERMANENT, "ineligible", reason)
    if following:
        return Outcome(d, status=DeliveryStatus.QUEUED, channel=following, next_attempt_at=now, error=error)
    return Outcome(d, status=DeliveryStatus.FAILED, error=error)


def _send_one(session: ChannelSession, message: OutboundMessage) -> tuple[SendResult, dt.datetime]:
    """One call from a pool thread, with the moment the provider answered (the hand-off time);
    whatever it raises is a transient failure of this row."""
    try:
        return session.send(message), timezone.now()
    except Exception as exc:
        logger.warning("send failed locally", exc_info=True)
        return SendResult(error=SendError(ErrorClass.TRANSIENT, "local", str(exc)[:200])), timezone.now()
    finally:
        connections.close_all()  # a token refresh may have opened this thread's own connection


@dataclass
class _Chunk:
    now: dt.datetime
    done: list[Outcome] = field(default_factory=list)  # decided without a provider call
    sending: list[tuple[Outcome, Future[tuple[SendResult, dt.datetime]]]] = field(default_factory=list)


def _settle(campaign: Campaign, chunk: _Chunk | None, slot: int) -> int:
    """Wait for a chunk's provider calls, classify the answers and record the chunk; returns accepted."""
    if chunk is None:
        return 0
    accepted = 0
    for outcome, future in chunk.sending:
        outcome.result, outcome.answered_at = future.result()
        _classify(campaign, outcome, chunk.now)
        accepted += outcome.status == DeliveryStatus.SENT
        chunk.done.append(outcome)
    _record(campaign, chunk.done, timezone.now(), slot=slot)
    return accepted


def _send_group(
    campaign: Campaign,
    channel: str,
    account_id: int | None,
    group: list[Delivery],
    variants: dict[str, ContentVariant],
    identities: dict[int, ChannelIdentity],
    stop_at: float,
    sender: Sender,
) -> int:
    account = ZaloAccount.objects.filter(pk=account_id).first() if account_id else None
    if channel in (ChannelKind.ZALO, ChannelKind.ZNS) and account is None:
        channel_pause(campaign, {channel: "reauth: no connected Zalo Official Account"})
        _release(group, CampaignState.PAUSED, slot=sender.slot)
        return 0
    try:
        session = sender.session(channel, account)
    except ApplicationError as exc:  # e.g. the OA must be connected again
        channel_pause(campaign, {channel: f"reauth: {exc.message}"[:300]})
        _release(group, CampaignState.PAUSED, slot=sender.slot)
        return 0
    except httpx.HTTPError:  # refreshing the token failed on the network: try the rows again later
        logger.warning("campaign %s: could not open %s", campaign.pk, channel, exc_info=True)
        _release(group, CampaignState.PAUSED, delay=dt.timedelta(seconds=30), slot=sender.slot)
        return 0
    key = account.oa_id if account is not None else "all"
    in_flight: _Chunk | None = None  # sent while the next chunk is prepared, recorded after
    accepted = 0
    chunk_size = conf.chunk_size()
    for start in range(0, len(group), chunk_size):
        chunk = group[start : start + chunk_size]
        state, pauses = _campaign_state(campaign)
        stop = state != CampaignState.SENDING or channel in pauses
        if stop or not _take(channel, key, len(chunk), stop_at, sender.tokens):
            accepted += _settle(campaign, in_flight, sender.slot)
            _release(group[start:], state if stop else CampaignState.PAUSED, slot=sender.slot)
            return accepted
        now = timezone.now()
        current = _Chunk(now=now)
        for d in chunk:
            identity = identities.get(d.citizen_id) if channel == ChannelKind.ZALO else None
            recipient = recipient_for(d.citizen, identity)
            if channel == ChannelKind.SMS and campaign.priority != Priority.EMERGENCY:
                until = _in_quiet_hours(now)
                if until is not None:
                    quiet = SendError(ErrorClass.RESCHEDULE, "quiet_hours", "SMS quiet hours")
                    current.done.append(
                        Outcome(d, status=DeliveryStatus.QUEUED, next_attempt_at=until, error=quiet)
                    )
                    continue
            eligibility = session.eligibility(recipient, now=now)
            if not eligibility.eligible:
                current.done.append(_move_on(campaign, d, now, eligibility.reason))
                continue
            variant = variants.get(d.language) or variants["vi"]
            message = _message(campaign, variant, d, recipient)
            current.sending.append(
                (
                    Outcome(d, identity=identity, account=account),
                    sender.pool.submit(_send_one, session, message),
                )
            )
        accepted += _settle(campaign, in_flight, sender.slot)
        in_flight = current
    accepted += _settle(campaign, in_flight, sender.slot)
    return accepted


# The loop a sender task runs ------------------------------------------------------------------------


def dispatch(campaign_id: int, *, budget_seconds: float = 50.0) -> dt.datetime | None:
    """Claim and send until nothing is due or the time budget is spent.

    Returns when to look again (the next retry, the end of quiet hours), or None when there is
    nothing left for this campaign; a finished campaign is marked completed here.
    """
    stop_at = time.monotonic() + budget_seconds
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.state != CampaignState.SENDING:
        return None
    sms_reschedule_quiet(campaign)
    mark = 0
    with Sender() as sender:
        while time.monotonic() < stop_at:
            campaign.refresh_from_db(fields=["state", "channel_pauses"])
            ids = claim(campaign, limit=conf.batch_size(), after_id=mark, slot=sender.slot)
            if not ids and mark:
                mark = 0  # once more from the start: retries due now, rows handed back
                continue
            if not ids:
                break
            mark = max(ids)
            send_batch(campaign, ids, stop_at=stop_at, sender=sender)
        else:
            return timezone.now()
    return campaign_settle(campaign)


def campaign_settle(campaign: Campaign) -> dt.datetime | None:
    """Complete a campaign with nothing pending; otherwise say when its next row falls due.

    The deliveries, not the counts, decide that a campaign is complete; the counts are then counted
    again once, so whatever the progress bar showed, the final figures are the table's.
    """
    pending = Delivery.objects.filter(campaign=campaign, status__in=PENDING)
    paused = list(campaign.channel_pauses)
    waiting = pending.exclude(channel__in=paused) if paused else pending
    if not pending.exists():
        completed = Campaign.objects.filter(pk=campaign.pk, state=CampaignState.SENDING).update(
            state=CampaignState.COMPLETED, completed_at=timezone.now()
        )
        if completed:
            counts.rebuild(campaign)
        return None
    if waiting.filter(status=DeliveryStatus.SENDING).exists():
        return timezone.now() + dt.timedelta(seconds=5)  # another sender is busy; look again
    return waiting.aggregate(due=Min("next_attempt_at"))["due"]


# Recovery, receipts, publication --------------------------------------------------------------------


def _live_campaigns(since: dt.datetime) -> Q:
    """Campaigns whose deliveries may still change: sending or paused, ended since ``since``, or with
    rows counted in flight. Recovery and receipts look only at these, never at the whole outbox."""
    in_flight = (
        DeliveryCount.objects.filter(status=DeliveryStatus.SENDING)
        .values("campaign_id")
        .annotate(t=Sum("n"))
        .filter(t__gt=0)
        .values("campaign_id")
    )
    return Q(
        campaign__in=Campaign.objects.filter(
            Q(state__in=(CampaignState.SENDING, CampaignState.PAUSED))
            | Q(completed_at__gte=since)
            | Q(cancelled_at__gte=since)
            | Q(pk__in=in_flight)
        ).values("pk")
    )


def deliveries_recover(
    *, older_than: dt.timedelta | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Rows a dead worker left in ``sending``: sent again for at-least-once campaigns that are still
    sending, otherwise reported ``unknown`` (the provider may or may not have taken them)."""
    now = now or timezone.now()
    cutoff = now - (conf.claim_lease() if older_than is None else older_than)
    stuck = Delivery.objects.filter(
        _live_campaigns(now - dt.timedelta(days=1)), status=DeliveryStatus.SENDING, claimed_at__lt=cutoff
    )
    groups = sorted(set(stuck.values_list("campaign_id", "channel")))
    resendable = set(
        Campaign.objects.filter(
            pk__in={c for c, _ in groups},
            policy=DeliveryPolicy.AT_LEAST_ONCE,
            state=CampaignState.SENDING,
        ).values_list("pk", flat=True)
    )
    done = {"resent": 0, "unknown": 0}
    for campaign_id, channel in groups:
        resend = campaign_id in resendable
        changes: dict[str, Any] = (
            {
                "status": DeliveryStatus.QUEUED,
                "claimed_at": None,
                "next_attempt_at": now,
                "error_code": "unknown",
                "error_class": ErrorClass.TRANSIENT.value,
                "error_message": "the sender stopped before recording; sent again (at least once)",
            }
            if resend
            else {
                "status": DeliveryStatus.UNKNOWN,
                "finished_at": now,
                "error_code": "unknown",
                "error_class": "",
                "error_message": "the sender stopped before recording; not sent again (at most once)",
            }
        )
        with transaction.atomic():
            n = stuck.filter(campaign_id=campaign_id, channel=channel).update(**changes)
            counts.move(campaign_id, channel, DeliveryStatus.SENDING, changes["status"], n)
        done["resent" if resend else "unknown"] += n
    return done


def receipts_sync(*, campaign: Campaign | None = None) -> int:
    """Carry delivered/seen/failed reports from ``SentMessage`` onto the deliveries (set-based)."""
    recent = timezone.now() - dt.timedelta(days=7)  # receipts come within hours; older rows are settled
    qs = Delivery.objects.filter(sent_message__isnull=False, sent_at__gte=recent)
    qs = qs.filter(campaign=campaign) if campaign is not None else qs.filter(_live_campaigns(recent))
    changed = 0
    for sent_status, status, before in (
        (SentStatus.SEEN, DeliveryStatus.SEEN, (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)),
        (SentStatus.DELIVERED, DeliveryStatus.DELIVERED, (DeliveryStatus.SENT,)),
    ):
        # Delivered and seen are counted as sent: the counts do not move.
        changed += qs.filter(status__in=before, sent_message__status=sent_status).update(status=status)
    failed = qs.filter(
        status__in=(DeliveryStatus.SENT, DeliveryStatus.DELIVERED), sent_message__status=SentStatus.FAILED
    )
    for campaign_id, channel in sorted(set(failed.values_list("campaign_id", "channel"))):
        with transaction.atomic():
            n = failed.filter(campaign_id=campaign_id, channel=channel).update(status=DeliveryStatus.FAILED)
            counts.move(campaign_id, channel, DeliveryStatus.SENT, DeliveryStatus.FAILED, n)
        changed += n
    return changed


def cost_total(campaign: Campaign) -> Decimal:
    return Delivery.objects.filter(campaign=campaign).aggregate(s=Sum("cost_vnd"))["s"] or Decimal(0)


def published_units(campaign: Campaign) -> set[int]:
    return set(UnitPublication.objects.filter(campaign=campaign).values_list("unit_id", flat=True))


def due_pending(campaign: Campaign) -> bool:
    """Rows due now that no sender holds: a sender task must have died before picking them up."""
    if not counts.in_status(campaign, DeliveryStatus.QUEUED):
        return False
    stale = timezone.now() - dt.timedelta(seconds=30)
    return Delivery.objects.filter(
        Q(campaign=campaign, status=DeliveryStatus.QUEUED, next_attempt_at__lt=stale)
    ).exists()
