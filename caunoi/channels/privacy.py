"""The channels' part of a citizen's export and erasure (see caunoi.citizens.privacy)."""

from __future__ import annotations

from typing import Any

from caunoi.citizens import privacy
from caunoi.citizens.models import Citizen


def _export(citizen: Citizen) -> dict[str, Any]:
    from caunoi.channels.models import ChannelIdentity, InboundMessage

    return {
        "identities": [
            {
                "channel": i.channel,
                "id": i.external_id,
                "follows": i.follows,
                "last_interaction_at": i.last_interaction_at.isoformat() if i.last_interaction_at else None,
            }
            for i in ChannelIdentity.objects.filter(citizen=citizen)
        ],
        "messages": [
            {
                "channel": m.channel,
                "type": m.message_type,
                "text": m.text,
                "attachments": m.attachments,
                "at": m.occurred_at.isoformat(),
            }
            for m in InboundMessage.objects.filter(citizen=citizen).order_by("occurred_at")
        ],
    }


def _erase(citizen: Citizen) -> int:
    """Drop the channel ids (they identify the person) and blank what they wrote; rows stay for counts."""
    from caunoi.channels.models import ChannelIdentity, InboundMessage

    blanked = InboundMessage.objects.filter(citizen=citizen).update(text="", attachments=[], identity=None)
    removed, _ = ChannelIdentity.objects.filter(citizen=citizen).delete()
    return blanked + removed


def register() -> None:
    privacy.register_exporter("channels", _export)
    privacy.register_eraser("channels", _erase)
