"""Small builders for the inbox tests: a citizen's message as the channels store it, then ingested."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from caunoi.channels.models import InboundMessage
from caunoi.citizens.models import Citizen, ConsentPurpose
from caunoi.citizens.services import citizen_create
from caunoi.geo.models import Unit
from caunoi.inbox.models import Conversation, Entry
from caunoi.inbox.services import conversations_ingest


def citizen_in(unit: Unit, name: str = "Anh Hoàng Văn Nam", **kwargs: Any) -> Citizen:
    kwargs.setdefault("consents", [ConsentPurpose.FEEDBACK])
    return citizen_create(home_unit=unit, display_name=name, actor=None, **kwargs)


def inbound(citizen: Citizen, text: str, *, channel: str = "web", when: Any = None) -> InboundMessage:
    return InboundMessage.objects.create(
        citizen=citizen,
        channel=channel,
        provider_message_id=uuid.uuid4().hex,
        message_type="text",
        text=text,
        occurred_at=when or timezone.now(),
    )


def write_in(citizen: Citizen, text: str, **kwargs: Any) -> Entry:
    """The citizen writes; the inbox reads it, as the ingest pump would."""
    message = inbound(citizen, text, **kwargs)
    conversations_ingest()
    return Entry.objects.get(inbound=message)


def conversation_of(citizen: Citizen) -> Conversation:
    return Conversation.objects.get(citizen=citizen)
