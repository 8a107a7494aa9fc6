"""Đếm tiến độ: a campaign's deliveries counted by channel and status, kept as they change.

Whoever changes a delivery's status shifts these counts in the same transaction (``shift``), so the
progress bar and the engine's "anything still in flight?" read a handful of ``DeliveryCount`` rows
instead of counting a million deliveries — and the deliveries need no index on their status (see the
comment on ``Delivery.Meta``). ``rebuild`` counts the table again: after the bulk insert, and when a
campaign ends, so a count can never stay wrong past the end of a campaign.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection, transaction
from django.db.models import Count, Sum

from caunoi.campaigns.models import Campaign, Delivery, DeliveryCount, DeliveryStatus

SLOTS = 16  # rows per (campaign, channel, status); slot 0 is for the services and the tick

Key = tuple[int, str, str]  # campaign id, channel, status


def counted(status: str) -> str:
    """Delivered and seen count as sent: the progress bar shows hand-offs; receipts are in the results."""
    return DeliveryStatus.SENT.value if status in (DeliveryStatus.DELIVERED, DeliveryStatus.SEEN) else status


def sender_slot() -> int:
    """A slot for one sender: two senders recording at once then rarely touch the same row."""
    return random.randrange(1, SLOTS)


def moves(campaign_id: int, changes: Iterable[tuple[str, str, str, str]]) -> Counter[Key]:
    """Deltas for rows moved from (channel, status) to (channel, status)."""
    deltas: Counter[Key] = Counter()
    for old_channel, old_status, new_channel, new_status in changes:
        before, after = (old_channel, counted(old_status)), (new_channel, counted(new_status))
        if before != after:
            deltas[(campaign_id, *before)] -= 1
            deltas[(campaign_id, *after)] += 1
    return deltas


def shift(deltas: Mapping[Key, int], *, slot: int = 0) -> None:
    """Add ``deltas`` to the counts in one upsert, inside the caller's transaction.

    Keys are written in sorted order, so two transactions shifting the same rows take their locks in
    the same order and never deadlock.
    """
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(DeliveryCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} (campaign_id, channel, status, slot, n) VALUES {values} "  # noqa: S608 - names from the model, values bound
        f"ON CONFLICT (campaign_id, channel, status, slot) DO UPDATE SET n = {table}.n + EXCLUDED.n"
    )
    params: list[int | str] = []
    for (campaign_id, channel, status), n in rows:
        params += [campaign_id, channel, counted(status), slot, n]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def move(campaign_id: int, channel: str, old: str, new: str, n: int, *, slot: int = 0) -> None:
    """``n`` rows of one channel went from status ``old`` to ``new`` (a set-based update)."""
    shift({(campaign_id, channel, old): -n, (campaign_id, channel, new): n}, slot=slot)


def rebuild(campaign: Campaign) -> None:
    """Count the campaign's deliveries again (one grouped scan), replacing what was kept."""
    totals: Counter[tuple[str, str]] = Counter()
    rows = Delivery.objects.filter(campaign=campaign).values("channel", "status").annotate(n=Count("pk"))
    with transaction.atomic():
        for row in rows.order_by():
            totals[(row["channel"], counted(row["status"]))] += row["n"]
        DeliveryCount.objects.filter(campaign=campaign).delete()
        DeliveryCount.objects.bulk_create(
            [
                DeliveryCount(campaign=campaign, channel=channel, status=status, slot=0, n=n)
                for (channel, status), n in sorted(totals.items())
            ]
        )


def by_channel_status(campaign: Campaign) -> dict[tuple[str, str], int]:
    """{(channel, status): count} summed over the slots; a blank channel is "no channel reaches them"."""
    rows = (
        DeliveryCount.objects.filter(campaign=campaign)
        .values("channel", "status")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {(r["channel"], r["status"]): int(r["total"]) for r in rows if r["total"]}


def in_status(campaign: Campaign, *statuses: str) -> int:
    total = DeliveryCount.objects.filter(campaign=campaign, status__in=statuses).aggregate(t=Sum("n"))["t"]
    return int(total or 0)
