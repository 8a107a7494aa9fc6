"""Shared helpers for the campaign tests: citizens in bulk, a campaign taken through four eyes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from caunoi.campaigns import counts, services
from caunoi.campaigns.models import Campaign, Delivery
from caunoi.citizens.models import Citizen, Consent, ConsentPurpose, ConsentSource
from caunoi.geo.models import Unit


def citizens_bulk(
    unit: Unit,
    count: int,
    *,
    language: str = "vi",
    news: bool = True,
    phone_prefix: str = "8491",
    start: int = 0,
) -> list[Citizen]:
    """``count`` citizens of ``unit`` with a phone each (and the news consent unless ``news=False``)."""
    now = timezone.now()
    people = Citizen.objects.bulk_create(
        [
            Citizen(
                display_name=f"Người dân {start + i}",
                name_folded=f"nguoi dan {start + i}",
                phone=f"{phone_prefix}{start + i:07d}",
                home_unit=unit,
                preferred_language=language,
                last_activity_at=now,
            )
            for i in range(count)
        ]
    )
    if news:
        Consent.objects.bulk_create(
            [
                Consent(
                    citizen=c,
                    purpose=ConsentPurpose.NEWS,
                    wording="Nhận thông báo",
                    wording_version="test",
                    source=ConsentSource.IN_PERSON,
                    granted_at=now,
                )
                for c in people
            ]
        )
    return people


def approved_campaign(
    author: Any,
    approver: Any,
    *,
    unit: Unit,
    targets: Iterable[Unit],
    channels: Iterable[str] = ("sms",),
    title: str = "Lịch tiêm chủng tháng 12",
    body: str = "Trạm y tế phường tổ chức tiêm chủng mở rộng vào sáng thứ Bảy.",
    **extra: Any,
) -> Campaign:
    campaign = services.campaign_create(
        unit=unit, title=title, body=body, channels=channels, target_units=targets, actor=author, **extra
    )
    services.campaign_submit(campaign=campaign, actor=author)
    return services.campaign_approve(campaign=campaign, actor=approver)


def assert_counts_match(campaign: Campaign) -> None:
    """The counts the engine keeps (``DeliveryCount``) say what a count over the deliveries says."""
    table: Counter[tuple[str, str]] = Counter()
    for channel, status in Delivery.objects.filter(campaign=campaign).values_list("channel", "status"):
        table[(channel, counts.counted(status))] += 1
    assert counts.by_channel_status(campaign) == dict(table)
