"""Webhook bodies in Zalo's shapes (research §9.4 to 9.6, §11.5).

User events carry ``sender`` = the OA-scoped user id and ``recipient`` = the OA; OA echoes swap them;
follow events use ``follower`` and a flat ``oa_id``. The shape of an OA-chat ``user_received_message``
is not documented: it is given the user-event shape here, while the ZNS receipt keeps its documented
shape (sender = OA, recipient = phone, plus ``delivery_time`` and ``tracking_id``).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from caunoi.channels.zalo.emulator.config import EmulatorConfig
from caunoi.channels.zalo.emulator.population import Follower
from caunoi.channels.zalo.emulator.texts import FILE_NAMES, IMAGE_CAPTIONS, LINK_DESCRIPTIONS

Event = dict[str, Any]


def epoch_ms(seconds: float) -> str:
    return str(int(seconds * 1000))


def user_event(
    config: EmulatorConfig, person: Follower, name: str, message: dict[str, Any], at: float
) -> Event:
    return {
        "app_id": config.app_id,
        "user_id_by_app": person.user_id_by_app,
        "event_name": name,
        "timestamp": epoch_ms(at),
        "sender": {"id": person.user_id},
        "recipient": {"id": config.oa_id},
        "message": message,
    }


def oa_echo_event(
    config: EmulatorConfig, person: Follower, name: str, message: dict[str, Any], at: float
) -> Event:
    return {
        "app_id": config.app_id,
        "user_id_by_app": person.user_id_by_app,
        "event_name": name,
        "timestamp": epoch_ms(at),
        "sender": {"id": config.oa_id},
        "recipient": {"id": person.user_id},
        "message": message,
    }


def follow_event(config: EmulatorConfig, person: Follower, name: str, source: str, at: float) -> Event:
    return {
        "oa_id": config.oa_id,
        "follower": {"id": person.user_id},
        "user_id_by_app": person.user_id_by_app,
        "event_name": name,
        "source": source,
        "app_id": config.app_id,
        "timestamp": epoch_ms(at),
    }


def chatnow_event(config: EmulatorConfig, person: Follower, at: float) -> Event:
    return {
        "oa_id": config.oa_id,
        "user_id": person.user_id,
        "user_id_by_app": person.user_id_by_app,
        "event_name": "user_click_chatnow",
        "app_id": config.app_id,
        "timestamp": epoch_ms(at),
    }


def submit_info_event(config: EmulatorConfig, person: Follower, at: float) -> Event:
    info = person.share_info()
    return {
        "app_id": config.app_id,
        "user_id_by_app": person.user_id_by_app,
        "event_name": "user_submit_info",
        "timestamp": epoch_ms(at),
        "sender": {"id": person.user_id},
        "recipient": {"id": config.oa_id},
        "info": {
            "name": info["name"],
            "phone": info["phone"],
            "user_dob": person.birth_date.strftime("%d/%m/%Y"),
            "gender": person.gender,
            "full_address": {
                "user_city": info["city"],
                "user_ward": person.place.commune_name if person.place else "",
                "user_address": person.village,
            },
        },
    }


def zns_received_event(
    config: EmulatorConfig, *, phone: str, msg_id: str, tracking_id: str, at: float
) -> Event:
    return {
        "sender": {"id": config.oa_id},
        "recipient": {"id": phone},
        "event_name": "user_received_message",
        "app_id": config.app_id,
        "timestamp": epoch_ms(at),
        "message": {"delivery_time": epoch_ms(at), "msg_id": msg_id, "tracking_id": tracking_id},
    }


def attachment_message(
    kind: str, rng: random.Random, *, media_url: str, msg_id: str, center: tuple[float, float], spread: float
) -> dict[str, Any]:
    """``message`` of a ``user_send_<kind>`` event for the non-text kinds, with §9.6 payloads."""
    message: dict[str, Any] = {"msg_id": msg_id}
    if kind == "image":
        url = f"{media_url}/image/{msg_id}.jpg"
        message["text"] = rng.choice(IMAGE_CAPTIONS)
        payload: dict[str, Any] = {"thumbnail": url, "url": url}
    elif kind == "file":
        name = rng.choice(FILE_NAMES)
        size = rng.randint(20_000, 900_000)
        payload = {
            "size": str(size),
            "name": name,
            "checksum": hashlib.md5(msg_id.encode(), usedforsecurity=False).hexdigest(),
            "type": name.rsplit(".", 1)[-1],
            "url": f"{media_url}/file/{msg_id}/{name}",
        }
    elif kind == "location":
        payload = {
            "coordinates": {
                "latitude": f"{center[0] + rng.uniform(-spread, spread):.6f}",
                "longitude": f"{center[1] + rng.uniform(-spread, spread):.6f}",
            }
        }
    elif kind == "sticker":
        sticker = str(rng.randint(10000, 99999))
        payload = {"url": f"{media_url}/sticker/{sticker}.png", "id": sticker}
    else:  # link
        payload = {
            "thumbnail": f"{media_url}/image/{msg_id}-thumb.jpg",
            "description": rng.choice(LINK_DESCRIPTIONS),
            "url": f"{media_url}/link/{msg_id}",
        }
    message["attachments"] = [{"type": kind, "payload": payload}]
    return message
