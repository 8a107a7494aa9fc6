"""The OA Open API (research §4 to §6): consultation and template sends, users, tags, uploads, quota, getoa.

Handlers return the ``data`` of a success (``None`` for none) or raise ``ZaloError``; the server wraps
them in the envelope after checking the rate limit and the ``access_token`` header. Limits the research
only infers (which code a bad ``count`` gets, an oversized upload) use the closest code of §10.1.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from caunoi.channels.zalo.emulator import events
from caunoi.channels.zalo.emulator.codes import ZaloError
from caunoi.channels.zalo.emulator.population import VN_TZ, Follower, is_minor
from caunoi.channels.zalo.emulator.state import Asset, EmulatorState, LoggedMessage
from caunoi.channels.zalo.emulator.wire import Call
from caunoi.core.text import nfc

Handler = Callable[[EmulatorState, Call], Any]

TEXT_LIMIT = 2000
TITLE_LIMIT = 100
SUBTITLE_LIMIT = 500
MAX_LIST_ELEMENTS = 5
MAX_BUTTONS = 5
BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone"}
GETLIST_MAX_COUNT = 50
GETLIST_MAX_OFFSET = 9951
UPLOAD_LIMITS = {"image": 1024 * 1024, "gif": 5 * 1024 * 1024, "file": 5 * 1024 * 1024}
FILE_EXTENSIONS = {"pdf", "doc", "docx", "csv"}
_PERIOD_RANGE = re.compile(r"^(\d{4})_(\d{2})_(\d{2}):(\d{4})_(\d{2})_(\d{2})$")


def _body(call: Call) -> dict[str, Any]:
    try:
        body = call.json()
    except ValueError:
        raise ZaloError(-201, "body") from None
    if not isinstance(body, dict):
        raise ZaloError(-201, "body")
    return body


def _params(call: Call) -> dict[str, Any]:
    try:
        params = call.data_param()
    except ValueError:
        raise ZaloError(-201, "data") from None
    if not isinstance(params, dict):
        raise ZaloError(-201, "data")
    return params


def _person(state: EmulatorState, user_id: Any) -> Follower:
    person = state.followers.get(str(user_id or ""))
    if person is None:
        raise ZaloError(-213)
    return person


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or len(nfc(value)) > limit or (required and not value):
        raise ZaloError(-201, field)
    return value


# Consultation messages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Content:
    """What a CS message is, once validated: for the log, and for the echo webhook."""

    kind: str
    text: str = ""
    echo: tuple[str, dict[str, Any]] | None = None


def _asset(state: EmulatorState, asset_id: Any, kinds: tuple[str, ...], field: str) -> Asset:
    asset = state.assets.get(str(asset_id or ""))
    if asset is None or asset.kind not in kinds:
        raise ZaloError(-201, field)
    if asset.expires_at <= state.clock():
        raise ZaloError(-100)
    return asset


def _cs_content(state: EmulatorState, message: Any) -> _Content:
    if not isinstance(message, dict):
        raise ZaloError(-201, "message")
    attachment = message.get("attachment")
    if attachment is None:
        text = _text(message.get("text"), "text", TEXT_LIMIT, required=True)
        return _Content("text", text, ("oa_send_text", {"text": text}))
    caption = _text(message.get("text"), "text", TEXT_LIMIT)
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise ZaloError(-201, "attachment")
    payload = attachment["payload"]
    if attachment.get("type") == "file":
        asset = _asset(state, payload.get("token"), ("file",), "token")
        file_payload = {"name": asset.name, "size": str(asset.size), "type": asset.name.rsplit(".", 1)[-1]}
        return _Content(
            "file", asset.name, ("oa_send_file", {"attachments": [{"type": "file", "payload": file_payload}]})
        )
    if attachment.get("type") != "template":
        raise ZaloError(-233)
    template_type = payload.get("template_type")
    elements = payload.get("elements")
    if not isinstance(elements, list) or not elements or not all(isinstance(e, dict) for e in elements):
        raise ZaloError(-201, "elements")
    if template_type == "media":
        return _media(state, elements, caption)
    if template_type == "list":
        return _list(elements, payload.get("buttons"))
    if template_type == "request_user_info":
        if len(elements) != 1:
            raise ZaloError(-201, "elements")
        title = _text(elements[0].get("title"), "title", TITLE_LIMIT, required=True)
        _text(elements[0].get("subtitle"), "subtitle", SUBTITLE_LIMIT)
        return _Content("request_user_info", title)
    raise ZaloError(-233)


def _media(state: EmulatorState, elements: list[dict[str, Any]], caption: str) -> _Content:
    if len(elements) != 1:
        raise ZaloError(-201, "elements")
    element = elements[0]
    media_type = element.get("media_type")
    url, asset_id = element.get("url"), element.get("attachment_id")
    if media_type == "sticker":
        if not asset_id:
            raise ZaloError(-201, "attachment_id")
        payload = {"id": str(asset_id)}
    elif media_type in ("image", "gif"):
        if bool(url) == bool(asset_id):  # exactly one of the two
            raise ZaloError(-201, "url")
        if media_type == "gif" and not (element.get("width") and element.get("height")):
            raise ZaloError(-201, "width")
        if asset_id:
            _asset(state, asset_id, (media_type,), "attachment_id")
        payload = {"url": url or f"{state.base_url}/_media/{media_type}/{asset_id}"}
    else:
        raise ZaloError(-233)
    kind = str(media_type)
    echo: dict[str, Any] = {"attachments": [{"type": kind, "payload": payload}]}
    if caption:
        echo["text"] = caption
    return _Content(kind, caption, (f"oa_send_{kind}", echo))


def _list(elements: list[dict[str, Any]], buttons: Any) -> _Content:
    if len(elements) > MAX_LIST_ELEMENTS:
        raise ZaloError(-201, "elements")
    for position, element in enumerate(elements):
        _text(element.get("title"), "title", TITLE_LIMIT, required=True)
        _text(element.get("subtitle"), "subtitle", SUBTITLE_LIMIT, required=position == 0)
    buttons = buttons or []
    if not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS:
        raise ZaloError(-201, "buttons")
    for button in buttons:
        if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
            raise ZaloError(-201, "buttons")
        _text(button.get("title"), "title", TITLE_LIMIT, required=True)
    title = str(elements[0]["title"])
    return _Content("list", title, ("oa_send_list", {"text": title}))


def cs_send(state: EmulatorState, call: Call) -> dict[str, Any]:
    """POST v3.0/oa/message/cs: free for 48 h after the user's last interaction, billed to 7 d, then -230."""
    body = _body(call)
    recipient = body.get("recipient")
    user_id = str(recipient.get("user_id", "")) if isinstance(recipient, dict) else ""
    if not user_id:
        raise ZaloError(-201, "user_id")
    config = state.config
    with state.lock:
        content = _cs_content(state, body.get("message"))
        person = state.followers.get(user_id)
        if person is None:
            raise ZaloError(config.unknown_user_error)
        if config.cs_requires_follow and not person.is_follower:
            raise ZaloError(-213)
        now = state.clock()
        since = now - person.last_interaction if person.last_interaction is not None else None
        if since is None or since > config.cs_window_s:
            raise ZaloError(-230)
        quota = _reply_quota(state, person) if since <= config.free_window_s else None
        msg_id = state.new_msg_id()
        sent_time = events.epoch_ms(now)
        state.log(
            LoggedMessage(
                msg_id=msg_id,
                channel="cs",
                recipient=user_id,
                kind=content.kind,
                sent_time=sent_time,
                text=content.text,
                quota_type=quota["quota_type"] if quota else "",
                billed=quota is None,
            )
        )
        state.after_oa_send(person, msg_id, content.echo)
        if content.kind == "request_user_info" and state.rng.random() < config.submit_info_share:
            delay = state.later(config.submit_info_delay_s)
            state.emit(events.submit_info_event(config, person, now + config.scaled(delay)), after=delay)
    data: dict[str, Any] = {"message_id": msg_id, "user_id": user_id, "sent_time": sent_time}
    if quota is not None:
        data["quota"] = quota
    return data


def _reply_quota(state: EmulatorState, person: Follower) -> dict[str, str] | None:
    """Unlimited free replies since 2026-01-01 (``remain`` pinned at 8), or the old cap of N per window."""
    cap = state.config.cs_free_replies_per_window
    if cap is None:
        return {"quota_type": "reply", "remain": "8", "total": "8"}
    if person.window_replies >= cap:
        return None
    person.window_replies += 1
    return {"quota_type": "reply", "remain": str(cap - person.window_replies), "total": str(cap)}


def template_send(state: EmulatorState, call: Call) -> dict[str, Any]:
    """POST v3.0/oa/message/template (ZBS by user id): not gated by the CS window, always billed.

    Sources disagree on the body, so both ``user_id`` and ``recipient.user_id`` are read.
    """
    body = _body(call)
    recipient = body.get("recipient")
    user_id = body.get("user_id") or (recipient.get("user_id") if isinstance(recipient, dict) else None)
    template = {t.template_id: t for t in state.config.zns_templates}.get(str(body.get("template_id", "")))
    if template is None:
        raise ZaloError(-201, "template_id")
    if not template.uid_allowed:
        raise ZaloError(-249)
    data = body.get("template_data")
    if not isinstance(data, dict) or any(not str(data.get(name, "")) for name in template.params):
        raise ZaloError(-201, "template_data")
    with state.lock:
        person = _person(state, user_id)
        now = state.clock()
        msg_id = state.new_msg_id()
        state.log(
            LoggedMessage(
                msg_id=msg_id,
                channel="template",
                recipient=person.user_id,
                kind="template",
                sent_time=events.epoch_ms(now),
                billed=True,
                template_id=template.template_id,
            )
        )
        state.after_oa_send(person, msg_id, None)
    return {"message_id": msg_id, "user_id": person.user_id, "sent_time": events.epoch_ms(now)}


def message_v2(state: EmulatorState, call: Call) -> None:
    raise ZaloError(-240)


# Users and tags ------------------------------------------------------------------------------------


def _int_param(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ZaloError(-201, name) from None


def _period(value: str, now: float) -> tuple[float, float]:
    """``last_interaction_period`` as [start, end) in epoch seconds, days counted in Vietnam time."""
    today = dt.datetime.fromtimestamp(now, VN_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    day = 86400.0
    if value == "TODAY":
        return today.timestamp(), now + 1
    if value == "YESTERDAY":
        return today.timestamp() - day, today.timestamp()
    if value in ("L7D", "L30D"):
        return now - (7 if value == "L7D" else 30) * day, now + 1
    match = _PERIOD_RANGE.match(value)
    if match is None:
        raise ZaloError(-201, "last_interaction_period")
    y1, m1, d1, y2, m2, d2 = (int(part) for part in match.groups())
    try:
        start = dt.datetime(y1, m1, d1, tzinfo=VN_TZ).timestamp()
        end = dt.datetime(y2, m2, d2, tzinfo=VN_TZ).timestamp() + day
    except ValueError:
        raise ZaloError(-201, "last_interaction_period") from None
    return start, end


def user_getlist(state: EmulatorState, call: Call) -> dict[str, Any]:
    """GET v3.0/oa/user/getlist: count ≤ 50, offset ≤ 9951, so only ~10,000 users can ever be paged."""
    params = _params(call)
    offset, count = _int_param(params, "offset", 0), _int_param(params, "count", 15)
    if not 1 <= count <= GETLIST_MAX_COUNT or not 0 <= offset <= GETLIST_MAX_OFFSET:
        raise ZaloError(-210)
    tag = params.get("tag_name")
    is_follower = params.get("is_follower")
    if isinstance(is_follower, str):
        is_follower = is_follower.lower() == "true"
    with state.lock:
        period = params.get("last_interaction_period")
        start, end = _period(str(period), state.clock()) if period else (None, None)
        users = []
        for user_id in state.user_ids:
            person = state.followers[user_id]
            if tag and tag not in person.tags:
                continue
            if is_follower is not None and person.is_follower != bool(is_follower):
                continue
            last = person.last_interaction
            if start is not None and end is not None and (last is None or not start <= last < end):
                continue
            users.append(user_id)
    page = users[offset : offset + count]
    return {"total": len(users), "count": count, "offset": offset, "users": [{"user_id": u} for u in page]}


def user_detail(state: EmulatorState, call: Call) -> dict[str, Any]:
    params = _params(call)
    with state.lock:
        person = _person(state, params.get("user_id"))
        last = person.last_interaction
        avatar = f"{state.base_url}/_media/avatar/{person.user_id}.jpg"
        detail: dict[str, Any] = {
            "user_id": person.user_id,
            "user_id_by_app": person.user_id_by_app,
            "user_external_id": "",
            "display_name": person.display_name,
            "user_alias": "",
            "is_sensitive": is_minor(person, state.clock()),
            "user_last_interaction_date": (
                dt.datetime.fromtimestamp(last, VN_TZ).strftime("%d/%m/%Y") if last is not None else ""
            ),
            "user_is_follower": person.is_follower,
            "avatar": avatar,
            "avatars": {"120": avatar, "240": avatar},
            "dynamic_param": "",
            "tags_and_notes_info": {"notes": [], "tag_names": sorted(person.tags)},
        }
        if person.shared_info is not None:
            detail["shared_info"] = dict(person.shared_info)
    return detail


def _tag_name(body: dict[str, Any]) -> str:
    name = body.get("tag_name")
    if not isinstance(name, str) or not name.strip():
        raise ZaloError(-201, "tag_name")
    return name.strip()


def tag_follower(state: EmulatorState, call: Call) -> None:
    """Tags are created by the first ``tagfollower`` that names them."""
    body = _body(call)
    name = _tag_name(body)
    with state.lock:
        person = _person(state, body.get("user_id"))
        state.oa_tags.setdefault(name)
        person.tags.add(name)


def untag_follower(state: EmulatorState, call: Call) -> None:
    body = _body(call)
    name = _tag_name(body)
    with state.lock:
        person = _person(state, body.get("user_id"))
        if name not in state.oa_tags:
            raise ZaloError(-201, "tag_name")
        person.tags.discard(name)


def remove_tag(state: EmulatorState, call: Call) -> None:
    name = _tag_name(_body(call))
    with state.lock:
        if name not in state.oa_tags:
            raise ZaloError(-201, "tag_name")
        del state.oa_tags[name]
        for person in state.followers.values():
            person.tags.discard(name)


def tags_of_oa(state: EmulatorState, call: Call) -> list[str]:
    with state.lock:
        return list(state.oa_tags)


# Uploads -------------------------------------------------------------------------------------------


def _kind_of(content: bytes, filename: str, kind: str) -> bool:
    if kind == "image":
        return content.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
    if kind == "gif":
        return content.startswith((b"GIF87a", b"GIF89a"))
    return filename.rsplit(".", 1)[-1].lower() in FILE_EXTENSIONS


def _upload(state: EmulatorState, call: Call, kind: str) -> str:
    upload = call.files().get("file")
    if upload is None:
        raise ZaloError(-201, "file")
    if len(upload.content) > UPLOAD_LIMITS[kind]:
        raise ZaloError(-210)
    if not _kind_of(upload.content, upload.filename, kind):
        raise ZaloError(-201, "file")
    with state.lock:
        now = state.clock()
        month = dt.datetime.fromtimestamp(now, VN_TZ).strftime("%Y-%m")
        if state.upload_counts[(month, kind)] >= state.config.upload_quota_per_month:
            raise ZaloError(-211)
        state.upload_counts[(month, kind)] += 1
        asset_id = secrets.token_urlsafe(24)
        state.assets[asset_id] = Asset(
            kind, upload.filename, len(upload.content), now + state.config.upload_ttl_s
        )
    return asset_id


def upload_image(state: EmulatorState, call: Call) -> dict[str, str]:
    return {"attachment_id": _upload(state, call, "image")}


def upload_gif(state: EmulatorState, call: Call) -> dict[str, str]:
    return {"attachment_id": _upload(state, call, "gif")}


def upload_file(state: EmulatorState, call: Call) -> dict[str, str]:
    return {"token": _upload(state, call, "file")}


# Quota and OA ---------------------------------------------------------------------------------------


def quota_v3(state: EmulatorState, call: Call) -> Any:
    """POST v3.0/oa/quota/message: the windows of one user, or (with ``quota_owner``) bought assets."""
    body = _body(call)
    if "user_id" not in body:
        return []  # the emulated OA has bought no quota packages
    config = state.config
    with state.lock:
        person = _person(state, body["user_id"])
        last = person.last_interaction
        in_free = last is not None and state.clock() - last <= config.free_window_s
        cap = config.cs_free_replies_per_window
        total = 8 if cap is None else cap
        remain = (total if cap is None else cap - person.window_replies) if in_free else 0
        return {
            "last_interaction": events.epoch_ms(last) if last is not None else "",
            "cs_reply": {"remain": str(remain), "total": str(total)},
            "promotion": {
                "daily_remain": "0",
                "daily_total": "0",
                "monthly_remain": "0",
                "monthly_total": "0",
            },
        }


def get_oa(state: EmulatorState, call: Call) -> dict[str, Any]:
    config = state.config
    with state.lock:
        followers = sum(1 for p in state.followers.values() if p.is_follower)
    return {
        "oaid": config.oa_id,
        "name": config.oa_name,
        "description": "Kênh tiếp nhận phản ánh, kiến nghị và thông tin cho người dân (giả lập).",
        "oa_alias": "caunoi-emulator",
        "is_verified": True,
        "oa_type": 4,
        "cate_name": "Cơ quan nhà nước",
        "num_follower": followers,
        "avatar": f"{state.base_url}/_media/oa/avatar.png",
        "cover": f"{state.base_url}/_media/oa/cover.png",
        "package_name": "Gói Nâng cao",
        "package_valid_through_date": "",
        "package_auto_renew_date": "",
        "linked_ZCA": "",
    }


ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/v3.0/oa/message/cs"): cs_send,
    ("POST", "/v3.0/oa/message/template"): template_send,
    ("POST", "/v2.0/oa/message"): message_v2,
    ("GET", "/v3.0/oa/user/getlist"): user_getlist,
    ("GET", "/v3.0/oa/user/detail"): user_detail,
    ("POST", "/v2.0/oa/tag/tagfollower"): tag_follower,
    ("POST", "/v2.0/oa/tag/rmfollowerfromtag"): untag_follower,
    ("POST", "/v2.0/oa/tag/rmtag"): remove_tag,
    ("GET", "/v2.0/oa/tag/gettagsofoa"): tags_of_oa,
    ("POST", "/v2.0/oa/upload/image"): upload_image,
    ("POST", "/v2.0/oa/upload/gif"): upload_gif,
    ("POST", "/v2.0/oa/upload/file"): upload_file,
    ("POST", "/v3.0/oa/quota/message"): quota_v3,
    ("GET", "/v2.0/oa/getoa"): get_oa,
}
