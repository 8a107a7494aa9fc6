"""A citizen's data across every app: the export holds all of it, erasure (by request or by retention)
leaves none of it, and the counts per unit survive.

tests/citizens/test_privacy.py proves the citizens app alone (contact fields, consents, the retention
boundary days 29/30/31); tests/channels/test_zalo_webhook.py the channels' part. Here one demo citizen
who wrote on Zalo, has a conversation in the inbox and a petition (phản ánh) is exported, erased and
exported again, and a long-silent one is erased by the retention job, checking every app at once.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from caunoi.channels.models import ChannelIdentity, InboundMessage
from caunoi.citizens.models import Citizen
from caunoi.citizens.services import citizen_erase, citizen_export, retention_apply_all, retention_policy_set
from caunoi.inbox.models import Entry, Petition
from tests.security.conftest import World

pytestmark = pytest.mark.django_db


def _citizen_with_everything() -> Citizen:
    """A demo citizen who wrote on Zalo and has both a conversation and a petition."""
    citizen = (
        Citizen.objects.filter(
            inbound_messages__isnull=False, conversation__isnull=False, petitions__isnull=False
        )
        .distinct()
        .order_by("pk")
        .first()
    )
    assert citizen is not None, "the demo seeds a citizen with messages, a conversation and a petition"
    ChannelIdentity.objects.get_or_create(
        citizen=citizen, channel="zalo", external_id="8800000000000000001", defaults={"follows": True}
    )
    return citizen


def _personal_strings(citizen: Citizen) -> dict[str, list[str]]:
    """What identifies or was written by the citizen, per app (blank values left out)."""
    return {
        "citizens": [v for v in (citizen.display_name, citizen.phone, citizen.email) if v],
        "channels": [
            *InboundMessage.objects.filter(citizen=citizen).exclude(text="").values_list("text", flat=True),
            *ChannelIdentity.objects.filter(citizen=citizen).values_list("external_id", flat=True),
        ],
        "inbox": [
            *Entry.objects.filter(conversation__citizen=citizen, kind="inbound")
            .exclude(text="")
            .values_list("text", flat=True),
            *Petition.objects.filter(citizen=citizen).values_list("text", flat=True),
            *Petition.objects.filter(citizen=citizen).exclude(address="").values_list("address", flat=True),
        ],
    }


def _counts() -> dict[str, Any]:
    from caunoi.opinion.models import TopicDayCount

    return {
        "citizens per commune": sorted(Citizen.objects.values_list("home_unit_id", flat=True)),
        "messages": InboundMessage.objects.count(),
        "petitions per commune": sorted(Petition.objects.values_list("commune_id", flat=True)),
        "topic day counts": sorted(TopicDayCount.objects.values_list("messages", flat=True)),
    }


def _export_text(world: World, citizen: Citizen) -> str:
    citizen.refresh_from_db()
    return json.dumps(
        citizen_export(citizen=citizen, actor=world.users["commune_officer"]), ensure_ascii=False
    )


def _round_trip(world: World, apps: tuple[str, ...]) -> Citizen:
    citizen = _citizen_with_everything()
    personal = _personal_strings(citizen)
    assert all(personal[app] for app in apps), personal
    counts = _counts()

    first = _export_text(world, citizen)
    missing = [(app, s[:40]) for app in apps for s in personal[app] if s not in first]
    assert missing == [], "the export must hold everything we keep"

    citizen_erase(citizen=citizen, actor=world.users["commune_officer"], reason="Người dân yêu cầu xoá")

    second = _export_text(world, citizen)
    left = [(app, s[:40]) for app in apps for s in personal[app] if s in second]
    assert left == [], "the export after erasure must be empty of personal data"
    citizen.refresh_from_db()
    stored = {app: strings for app, strings in _personal_strings(citizen).items() if app in apps}
    assert stored == {app: [] for app in apps}, "nothing personal is left in the database either"
    assert _counts() == counts, "erasure keeps every row that is counted"
    return citizen


def test_export_holds_and_erase_removes_the_citizens_and_channels_data(world: World) -> None:
    citizen = _round_trip(world, ("citizens", "channels"))
    assert not InboundMessage.objects.filter(citizen=citizen).exclude(text="").exists()


def test_export_holds_and_erase_removes_the_inbox_data(world: World) -> None:
    _round_trip(world, ("inbox",))


def _silent_for(citizen: Citizen, days: float, now: dt.datetime) -> None:
    Citizen.objects.filter(pk=citizen.pk).update(last_activity_at=now - dt.timedelta(days=days))


def _retention_run(world: World) -> tuple[Citizen, Citizen, dict[str, list[str]], dict[str, list[str]]]:
    now = timezone.now()
    retention_policy_set(data_kind="citizen_inactive", keep_days=365, actor=world.users["province_admin"])
    silent = _citizen_with_everything()
    others = Citizen.objects.present().exclude(pk=silent.pk)
    kept = others.filter(inbound_messages__isnull=False).first() or others.first()
    assert kept is not None
    for citizen in Citizen.objects.present():
        _silent_for(citizen, 10, now)
    _silent_for(silent, 365 + 1 / 24, now)  # an hour past the limit
    _silent_for(kept, 365 - 1 / 24, now)  # an hour inside it
    silent_data, kept_data = _personal_strings(silent), _personal_strings(kept)
    counts = _counts()

    assert retention_apply_all(now=now) == {"citizen_inactive": 1}

    assert _counts() == counts
    silent.refresh_from_db()
    kept.refresh_from_db()
    assert silent.erased_at is not None and kept.erased_at is None
    assert _personal_strings(kept) == kept_data, "a citizen inside the limit keeps everything"
    return silent, kept, silent_data, kept_data


def test_retention_erases_a_silent_citizens_contact_and_messages_and_nothing_else(world: World) -> None:
    silent, _kept, _silent_data, _kept_data = _retention_run(world)
    after = _personal_strings(silent)
    assert after["citizens"] == [] and after["channels"] == []


def test_retention_erases_a_silent_citizens_inbox_data(world: World) -> None:
    silent, _kept, _silent_data, _kept_data = _retention_run(world)
    assert _personal_strings(silent)["inbox"] == []
