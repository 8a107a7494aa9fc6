"""Zalo webhook bodies (research §9.4 to §9.6, §11.5) as ``InboundEvent``s, whatever arrives.

``parse_event`` never raises: the body is already signed and stored when it is parsed, and one odd
event must not stop the queue behind it. Anything it does not know becomes ``OTHER`` with the raw
body kept.

Who the citizen is (§9.4): the OA-scoped user id, which every OA API takes — ``sender.id`` for user
events, ``recipient.id`` for ``oa_send_*`` echoes, ``follower.id`` for follow/unfollow, a flat
``user_id`` for ``user_click_chatnow``, and the phone number for a ZNS receipt. ``user_id_by_app``
is App-scoped and never used as the id. Anonymous chats get ``anonymous:<id>`` so their ids can
never be mistaken for a follower's.

What each event becomes:
    user_send_{text,image,gif,file,location,sticker,link,audio,video,business_card},
    anonymous_send_*                → MESSAGE (``provider_message_id`` is the message's own id)
    follow / unfollow               → FOLLOW / UNFOLLOW
    user_submit_info                → SUBMIT_INFO with ``contact``
    user_received_message           → DELIVERED (ZALO; ZNS with ``tracking_id`` for a ZNS receipt)
    user_seen_message               → SEEN; it may name several messages, see ``seen_message_ids``
    oa_send_* echoes, user_click_chatnow, user_reacted_message, tags, groups, calls, ZNS template
    and quota changes, user_withdraw, anything new → OTHER (user, text and ids filled where known)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from caunoi.channels.base import ChannelKind, InboundEvent, InboundKind
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.text import nfc

USER_MESSAGE_TYPES = frozenset(
    {"text", "image", "gif", "file", "location", "sticker", "link", "audio", "video", "business_card"}
)
ZNS_EVENTS = frozenset({"change_template_status", "change_oa_daily_quota"})
# Events that open the consultation window again (§4.1) besides the MESSAGE and FOLLOW kinds.
WINDOW_OPENING_EVENTS = frozenset({"user_click_chatnow"})


def parse_event(payload: Mapping[str, Any]) -> InboundEvent:
    payload = payload if isinstance(payload, Mapping) else {}
    name = _str(payload.get("event_name"))
    message = as_dict(payload.get("message"))
    sender, recipient = _id(payload.get("sender")), _id(payload.get("recipient"))
    msg_id = _str(message.get("msg_id"))
    fields: dict[str, Any] = {}

    if "group" in name:  # GMF: recipient is a group, not a person
        kind, user = InboundKind.OTHER, ""
    elif name in ("follow", "unfollow"):
        kind, user = (
            (InboundKind.FOLLOW if name == "follow" else InboundKind.UNFOLLOW),
            _id(payload.get("follower")),
        )
    elif name.startswith(("user_send_", "anonymous_send_")) and name.split("_send_")[1] in USER_MESSAGE_TYPES:
        kind = InboundKind.MESSAGE
        user = f"anonymous:{sender}" if name.startswith("anonymous_") and sender else sender
        fields = _content(name.split("_send_")[1], message)
        fields["provider_message_id"] = msg_id
    elif name.startswith("oa_send_"):  # the OA's own message, sent by us or from Zalo's web chat
        kind = InboundKind.OTHER
        user = f"anonymous:{recipient}" if "anonymous" in name and recipient else recipient
        fields = _content(name.removeprefix("oa_send_").removeprefix("anonymous_"), message)
        fields["provider_message_id"] = msg_id
    elif name == "user_received_message" and ("delivery_time" in message or "tracking_id" in message):
        kind, user = InboundKind.DELIVERED, recipient  # ZNS: recipient.id is the phone (§11.5)
        fields = {
            "channel": ChannelKind.ZNS,
            "message_type": "zns",
            "provider_message_id": msg_id,
            "tracking_id": _str(message.get("tracking_id")),
            "occurred_at": from_epoch_ms(message.get("delivery_time"))
            or from_epoch_ms(payload.get("timestamp")),
        }
    elif name == "user_received_message":
        kind, user = InboundKind.DELIVERED, sender
        fields = {"provider_message_id": msg_id}
    elif name == "user_seen_message":
        kind, user = InboundKind.SEEN, sender
        ids = _seen_ids(message)
        fields = {"provider_message_id": ids[0] if ids else ""}
    elif name == "user_submit_info":
        kind, user = InboundKind.SUBMIT_INFO, sender
        fields = {"contact": _contact(as_dict(payload.get("info")))}
    elif name == "user_click_chatnow":
        kind, user = InboundKind.OTHER, _str(payload.get("user_id"))
    elif name == "user_reacted_message":
        kind, user = InboundKind.OTHER, sender
        fields = {
            "message_type": "reaction",
            "provider_message_id": msg_id,
            "text": _str(message.get("react_icon")),
        }
    else:
        kind, user = InboundKind.OTHER, ""
        if name in ZNS_EVENTS:
            fields = {"channel": ChannelKind.ZNS}

    fields.setdefault("channel", ChannelKind.ZALO)
    fields.setdefault("occurred_at", from_epoch_ms(payload.get("timestamp")))
    return InboundEvent(
        kind=kind,
        external_event_id=_event_id(name, user, msg_id, payload, message),
        external_user_id=user,
        raw=dict(payload),
        **fields,
    )


def seen_message_ids(event: InboundEvent) -> tuple[str, ...]:
    """Every message a ``user_seen_message`` reports; ``provider_message_id`` holds only the first."""
    return _seen_ids(as_dict(event.raw.get("message")))


def opens_window(event: InboundEvent) -> bool:
    """Whether the event restarts the citizen's 48 h / 7 d consultation windows (§4.1)."""
    if event.kind in (InboundKind.MESSAGE, InboundKind.FOLLOW):
        return not event.external_user_id.startswith("anonymous:")
    return event.kind is InboundKind.OTHER and event.raw.get("event_name") in WINDOW_OPENING_EVENTS


# Values: Zalo sends ids and epoch-ms timestamps as strings (ids exceed 2^53), sometimes as numbers.


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def from_epoch_ms(value: Any) -> dt.datetime | None:
    milliseconds = as_int(value)
    if milliseconds is None or milliseconds <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):  # beyond the years datetime can hold
        return None


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(party: Any) -> str:
    return _str(as_dict(party).get("id"))


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _seen_ids(message: dict[str, Any]) -> tuple[str, ...]:
    ids = message.get("msg_ids")
    found = [_str(i) for i in as_list(ids)] if "msg_ids" in message else [_str(message.get("msg_id"))]
    return tuple(i for i in found if i)


def _event_id(name: str, user: str, msg_id: str, payload: Mapping[str, Any], message: dict[str, Any]) -> str:
    """The idempotency key under Zalo's retries: a retry resends the same body, so the same key.

    The message id where there is one (prefixed by the event, because the echo, the receipt and the
    seen report of one message share its id), else a digest of event, user and timestamp.
    """
    if msg_id and "msg_ids" not in message:
        return f"{name}:{msg_id}"
    parts = [name, user, _str(payload.get("timestamp")), *_seen_ids(message)]
    if not user:  # tag, group and unknown events: let the whole body tell them apart
        parts.append(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{name or 'unknown'}:{digest}"


def _content(message_type: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_type": message_type,
        "text": nfc(_str(message.get("text"))),
        "attachments": _attachments(message_type, message),
    }


def _attachments(message_type: str, message: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """§9.6 payloads, flattened: ``{"type", "url", "thumbnail", "description", "name", "size",
    "checksum", "file_type", "id", "latitude", "longitude", "phone", "qr_code_url"}`` as present."""
    found = []
    for item in as_list(message.get("attachments")):
        if not isinstance(item, dict):
            continue
        payload = as_dict(item.get("payload"))
        flat: dict[str, Any] = {"type": _str(item.get("type")) or message_type}
        for key in ("url", "thumbnail", "description", "name", "checksum", "id"):
            if value := _str(payload.get(key)):
                flat[key] = nfc(value)
        if (file_type := _str(payload.get("type"))) and flat["type"] == "file":
            flat["file_type"] = file_type
        if (size := as_int(payload.get("size"))) is not None:
            flat["size"] = size
        coordinates = as_dict(payload.get("coordinates"))
        latitude, longitude = _float(coordinates.get("latitude")), _float(coordinates.get("longitude"))
        if latitude is not None and longitude is not None:
            flat["latitude"], flat["longitude"] = latitude, longitude
        if message_type == "business_card":
            flat.update(_business_card(flat.get("description", "")))
        found.append(flat)
    return tuple(found)


def _business_card(description: str) -> dict[str, str]:
    """A business card is a ``link`` whose description is a JSON string with ``phone`` and ``qrCodeUrl``."""
    try:
        card = json.loads(description)
    except (ValueError, RecursionError):
        return {"type": "business_card"}
    card = as_dict(card)
    found = {
        "type": "business_card",
        "phone": _str(card.get("phone")),
        "qr_code_url": _str(card.get("qrCodeUrl")),
    }
    return {key: value for key, value in found.items() if value}


def _contact(info: dict[str, Any]) -> dict[str, str]:
    """``user_submit_info`` fields, the phone as ``84…`` when it is a Vietnamese number."""
    address = info.get("full_address")
    parts = as_dict(address)
    phone = _str(info.get("phone"))
    with contextlib.suppress(ValueError):  # not Vietnamese: kept as given
        phone = normalize_vn_phone(phone)
    contact = {
        "name": _str(info.get("name")),
        "phone": phone,
        "dob": _str(info.get("user_dob")),
        "gender": _str(info.get("gender")),
        "address": _str(address) or _str(parts.get("user_address")) or _str(info.get("address")),
        "ward": _str(parts.get("user_ward")),
        "district": _str(parts.get("user_district")),
        "city": _str(parts.get("user_city")) or _str(info.get("city")),
    }
    return {key: nfc(value).strip() for key, value in contact.items() if value.strip()}
