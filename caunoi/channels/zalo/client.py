"""The Zalo OA Open API (research §3 to §6) from one pooled HTTP client, and the Zalo channel on top.

Zalo answers nearly everything with HTTP 200 and says in the body whether it worked; anything else
(a proxy's 502, a timeout) is a transient fault. Sends never raise for what Zalo or the network did:
they return a ``SendResult`` whose ``SendError`` tells the delivery engine what to do, because the
engine (not this module) owns retries, backoff and the token-bucket. Reads (users, tags, quota)
raise ``ZaloApiError`` carrying the same ``SendError``. Payloads that cannot pass (text over 2,000
characters, a 2 MB image) are refused here with the code Zalo would have used, without a call.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import httpx

from caunoi.channels.base import (
    ChannelKind,
    Eligibility,
    ErrorClass,
    OutboundMessage,
    Recipient,
    SendError,
    SendResult,
)
from caunoi.channels.zalo.errors import RATE_LIMIT_WINDOW_S, ZaloApi, classify, local_error
from caunoi.channels.zalo.events import as_dict, as_int, as_list, from_epoch_ms
from caunoi.core.text import nfc

OPENAPI_BASE_URL = "https://openapi.zalo.me"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_CONNECTIONS = 16

TEXT_LIMIT = 2000
TITLE_LIMIT = 100
SUBTITLE_LIMIT = 500
LIST_MAX_ELEMENTS = 5
MAX_BUTTONS = 5
GETLIST_MAX_COUNT = 50
GETLIST_MAX_OFFSET = 9951  # so at most about 10,000 followers can ever be paged (§5.1)
IMAGE_MAX_BYTES = 1024 * 1024
FILE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # jpg, png
FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx", "csv"})

# Transient codes of our own, for the delivery engine's at-most-once policy: NOT_SENT never reached
# Zalo; after NO_ANSWER (read timeout, dropped connection) Zalo may have taken the message.
NOT_SENT = "not-sent"
NO_ANSWER = "no-answer"

FREE_WINDOW = dt.timedelta(hours=48)
CS_WINDOW = dt.timedelta(days=7)


class ZaloApiError(Exception):
    """A read or upload that Zalo (or the network) refused; ``error`` says what to do about it."""

    def __init__(self, error: SendError) -> None:
        self.error = error
        super().__init__(f"{error.code} {error.message}")


@dataclass(frozen=True)
class ApiAnswer:
    data: Any = None
    error: SendError | None = None


class ZaloHttp:
    """The transport both Zalo APIs share: token header, pooled connections, the envelope.

    Thread-safe: one instance serves a pool of sender threads. After a token refresh, assign the new
    token to ``access_token``; calls already in flight finish with the old one.
    """

    api = ZaloApi.OA

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.access_token = access_token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._owns_http = http is None
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.http = http or httpx.Client(timeout=timeout, limits=limits)
        self.rate_limit_remain: int | None = None  # X-RateLimit-Remain of the latest answer (§3)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> ApiAnswer:
        """One API call. The OA API's GET parameters travel as one JSON string in ``?data=``; the ZNS
        API takes a plain ``query``."""
        if params is not None:
            query = {"data": json.dumps(params, ensure_ascii=False)}
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"access_token": self.access_token}
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                params=query,
                content=content,
                files=files,
                headers=headers,
                timeout=self.timeout,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return ApiAnswer(error=SendError(ErrorClass.TRANSIENT, NOT_SENT, f"{type(exc).__name__}: {exc}"))
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            return ApiAnswer(error=SendError(ErrorClass.TRANSIENT, NO_ANSWER, reason, maybe_sent=True))
        remain = as_int(response.headers.get("X-RateLimit-Remain"))
        if remain is not None:
            self.rate_limit_remain = remain
        return self._envelope(response)

    def _envelope(self, response: httpx.Response) -> ApiAnswer:
        if response.status_code != 200:
            wait = as_int(response.headers.get("Retry-After"))
            return ApiAnswer(
                error=SendError(
                    ErrorClass.TRANSIENT,
                    f"http-{response.status_code}",
                    f"HTTP {response.status_code} from Zalo",
                    float(wait) if wait is not None else None,
                )
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        body = as_dict(body)
        code = as_int(body.get("error"))
        if code is None:
            return ApiAnswer(
                error=SendError(ErrorClass.TRANSIENT, "bad-envelope", "not Zalo's envelope", maybe_sent=True)
            )
        if code != 0:
            # Zalo's window restarts every minute: wait for the next one, not a whole minute.
            retry_after = (
                max(1.0, RATE_LIMIT_WINDOW_S - time.time() % RATE_LIMIT_WINDOW_S) if code == -32 else None
            )
            return ApiAnswer(
                error=classify(code, str(body.get("message") or ""), api=self.api, retry_after=retry_after)
            )
        return ApiAnswer(data=body.get("data"))

    def _data(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.call(method, path, **kwargs)
        if answer.error is not None:
            raise ZaloApiError(answer.error)
        return answer.data


# Values the OA API returns -------------------------------------------------------------------------


@dataclass(frozen=True)
class ListElement:
    title: str
    subtitle: str = ""
    image_url: str = ""
    url: str = ""  # opened when the element is tapped

    def as_json(self) -> dict[str, Any]:
        element: dict[str, Any] = {"title": nfc(self.title)}
        if self.subtitle:
            element["subtitle"] = nfc(self.subtitle)
        if self.image_url:
            element["image_url"] = self.image_url
        if self.url:
            element["default_action"] = {"type": "oa.open.url", "url": self.url}
        return element


@dataclass(frozen=True)
class Button:
    """``type`` is one of oa.open.url, oa.query.show, oa.query.hide, oa.open.sms, oa.open.phone (§4.5)."""

    title: str
    type: str
    payload: str | Mapping[str, str]

    def as_json(self) -> dict[str, Any]:
        payload = self.payload if isinstance(self.payload, str) else dict(self.payload)
        return {"title": nfc(self.title), "type": self.type, "payload": payload}


@dataclass(frozen=True)
class UserPage:
    """One page of ``user/getlist``: ``total`` may exceed what paging can ever reach (about 10,000)."""

    offset: int
    total: int
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class UserDetail:
    user_id: str  # OA-scoped: what every OA API takes
    user_id_by_app: str  # App-scoped: a different number
    display_name: str
    is_follower: bool
    is_sensitive: bool  # under 18
    last_interaction_date: dt.date | None  # Zalo gives only the day ("DD/MM/YYYY")
    tag_names: tuple[str, ...]
    shared_info: dict[str, str]  # what the user gave through request_user_info
    avatar: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class UserQuota:
    """``v3.0/oa/quota/message`` for one user: the right check of the 48 h / 7 d windows (§4.6)."""

    last_interaction_at: dt.datetime | None
    reply_remain: int | None
    reply_total: int | None


@dataclass(frozen=True)
class OaProfile:
    oa_id: str
    name: str
    is_verified: bool
    oa_type: int | None  # 2 business, 4 state agency
    num_follower: int | None
    package_name: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


class ZaloClient(ZaloHttp):
    """OA Open API calls of one Official Account.

    ``cs_price_vnd`` is what a consultation message costs between 48 h and 7 days after the user's
    last interaction (Zalo publishes no price list, so it is configured).
    """

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = OPENAPI_BASE_URL,
        http: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        cs_price_vnd: Decimal = Decimal(0),
    ) -> None:
        super().__init__(
            access_token, base_url=base_url, http=http, timeout=timeout, max_connections=max_connections
        )
        self.cs_price_vnd = cs_price_vnd

    # Consultation messages (§4.2) ------------------------------------------------------------------

    def send_text(self, user_id: str, text: str, *, quote_message_id: str = "") -> SendResult:
        text = nfc(text)  # Zalo counts NFC characters; decomposed Vietnamese would look twice as long
        if not text.strip() or len(text) > TEXT_LIMIT:
            return SendResult(error=local_error(-201, f"text must have 1 to {TEXT_LIMIT:,} characters"))
        message: dict[str, Any] = {"text": text}
        if quote_message_id:
            message["quote_message_id"] = quote_message_id
        return self._send_cs(user_id, message)

    def send_image(
        self, user_id: str, *, attachment_id: str = "", url: str = "", caption: str = ""
    ) -> SendResult:
        """An uploaded image (``attachment_id``) or one on the web (``url``): exactly one of the two."""
        if bool(attachment_id) == bool(url):
            raise ValueError("give exactly one of attachment_id and url")
        caption = nfc(caption)
        if len(caption) > TEXT_LIMIT:
            return SendResult(error=local_error(-201, f"a caption has at most {TEXT_LIMIT:,} characters"))
        element = {
            "media_type": "image",
            **({"attachment_id": attachment_id} if attachment_id else {"url": url}),
        }
        message: dict[str, Any] = {"attachment": _template("media", [element])}
        if caption:
            message["text"] = caption
        return self._send_cs(user_id, message)

    def send_file(self, user_id: str, token: str) -> SendResult:
        """A file from ``upload_file``; a file message carries no caption."""
        return self._send_cs(user_id, {"attachment": {"type": "file", "payload": {"token": token}}})

    def send_list(
        self, user_id: str, elements: Sequence[ListElement], buttons: Sequence[Button] = ()
    ) -> SendResult:
        problem = _list_problem(elements, buttons)
        if problem:
            return SendResult(error=local_error(-201, problem))
        attachment = _template("list", [e.as_json() for e in elements])
        if buttons:
            attachment["payload"]["buttons"] = [b.as_json() for b in buttons]
        return self._send_cs(user_id, {"attachment": attachment})

    def send_request_user_info(
        self, user_id: str, title: str, subtitle: str = "", image_url: str = ""
    ) -> SendResult:
        """Ask for name, phone and address; the answer comes later as a ``user_submit_info`` event."""
        title, subtitle = nfc(title), nfc(subtitle)
        if not title or len(title) > TITLE_LIMIT or len(subtitle) > SUBTITLE_LIMIT:
            return SendResult(
                error=local_error(-201, f"title 1-{TITLE_LIMIT}, subtitle ≤ {SUBTITLE_LIMIT} characters")
            )
        element = {"title": title, "subtitle": subtitle}
        if image_url:
            element["image_url"] = image_url
        return self._send_cs(user_id, {"attachment": _template("request_user_info", [element])})

    def send_template_by_user_id(
        self,
        user_id: str,
        template_id: str,
        template_data: Mapping[str, str],
        *,
        price_vnd: Decimal = Decimal(0),
    ) -> SendResult:
        """A ZBS template by user id (``v3.0/oa/message/template``): no CS window, always billed.

        Sources disagree on the body (§4.4); this sends ``user_id`` at the top level.
        """
        body = {
            "user_id": user_id,
            "template_id": template_id,
            "template_data": {name: nfc(str(value)) for name, value in template_data.items()},
        }
        answer = self.call("POST", "/v3.0/oa/message/template", body=body)
        if answer.error is not None:
            return SendResult(error=answer.error)
        data = as_dict(answer.data)
        return SendResult(provider_message_id=str(data.get("message_id") or ""), cost_vnd=price_vnd)

    def _send_cs(self, user_id: str, message: dict[str, Any]) -> SendResult:
        answer = self.call(
            "POST", "/v3.0/oa/message/cs", body={"recipient": {"user_id": user_id}, "message": message}
        )
        if answer.error is not None:
            return SendResult(error=answer.error)
        data = as_dict(answer.data)
        quota = data.get("quota")
        if not isinstance(quota, dict):  # no quota object: paid per message (48 h to 7 d)
            return SendResult(
                provider_message_id=str(data.get("message_id") or ""), cost_vnd=self.cs_price_vnd
            )
        return SendResult(
            provider_message_id=str(data.get("message_id") or ""), quota_remaining=as_int(quota.get("remain"))
        )

    # Followers and tags (§5) -----------------------------------------------------------------------

    def user_list(
        self,
        *,
        offset: int = 0,
        count: int = GETLIST_MAX_COUNT,
        tag_name: str = "",
        last_interaction_period: str = "",
        is_follower: bool | None = None,
    ) -> Iterator[UserPage]:
        """Pages of user ids until the list ends or the offset ceiling (9,951) is passed.

        Only a backfill: followers are kept current from follow/unfollow events.
        """
        if not 1 <= count <= GETLIST_MAX_COUNT or offset < 0:
            raise ValueError(f"count is 1 to {GETLIST_MAX_COUNT} and offset ≥ 0")
        filters: dict[str, Any] = {}
        if tag_name:
            filters["tag_name"] = tag_name
        if last_interaction_period:
            filters["last_interaction_period"] = last_interaction_period
        if is_follower is not None:
            filters["is_follower"] = "true" if is_follower else "false"
        while offset <= GETLIST_MAX_OFFSET:
            params = {"offset": offset, "count": count, **filters}
            data = as_dict(self._data("GET", "/v3.0/oa/user/getlist", params=params))
            ids = tuple(
                str(u) for u in (as_dict(user).get("user_id") for user in as_list(data.get("users"))) if u
            )
            total = as_int(data.get("total")) or 0
            if ids:
                yield UserPage(offset=offset, total=total, user_ids=ids)
            offset += count
            if not ids or offset >= total:
                return

    def user_detail(self, user_id: str) -> UserDetail:
        data = as_dict(self._data("GET", "/v3.0/oa/user/detail", params={"user_id": user_id}))
        tag_names = as_list(as_dict(data.get("tags_and_notes_info")).get("tag_names"))
        shared = as_dict(data.get("shared_info"))
        return UserDetail(
            user_id=str(data.get("user_id") or user_id),
            user_id_by_app=str(data.get("user_id_by_app") or ""),
            display_name=nfc(str(data.get("display_name") or "")),
            is_follower=data.get("user_is_follower") is True,
            is_sensitive=data.get("is_sensitive") is True,
            last_interaction_date=_day(data.get("user_last_interaction_date")),
            tag_names=tuple(str(t) for t in tag_names),
            shared_info={str(k): nfc(str(v)) for k, v in shared.items() if v},
            avatar=str(data.get("avatar") or ""),
            raw=data,
        )

    def tag_follower(self, user_id: str, tag_name: str) -> None:
        """Zalo creates the tag on first use."""
        self._data("POST", "/v2.0/oa/tag/tagfollower", body={"user_id": _long(user_id), "tag_name": tag_name})

    def remove_from_tag(self, user_id: str, tag_name: str) -> None:
        self._data(
            "POST", "/v2.0/oa/tag/rmfollowerfromtag", body={"user_id": _long(user_id), "tag_name": tag_name}
        )

    def remove_tag(self, tag_name: str) -> None:
        self._data("POST", "/v2.0/oa/tag/rmtag", body={"tag_name": tag_name})

    def tags_of_oa(self) -> list[str]:
        return [str(tag) for tag in as_list(self._data("GET", "/v2.0/oa/tag/gettagsofoa"))]

    # Uploads (§6): kept by Zalo about 7 days, so ids are used at once and not stored ---------------

    def upload_image(self, content: bytes, filename: str) -> str:
        """A jpg or png of at most 1 MB; returns its ``attachment_id``."""
        if len(content) > IMAGE_MAX_BYTES:
            raise ZaloApiError(local_error(-210, "an image has at most 1 MB"))
        if not content.startswith(IMAGE_SIGNATURES):
            raise ZaloApiError(local_error(-201, "an image must be a jpg or png"))
        content_type = "image/png" if content.startswith(IMAGE_SIGNATURES[1]) else "image/jpeg"
        return self._upload("/v2.0/oa/upload/image", "attachment_id", filename, content, content_type)

    def upload_file(self, content: bytes, filename: str) -> str:
        """A PDF, DOC, DOCX or CSV of at most 5 MB; returns the ``token`` that ``send_file`` takes."""
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if extension not in FILE_EXTENSIONS:
            raise ZaloApiError(local_error(-201, "a file must be PDF, DOC, DOCX or CSV"))
        if len(content) > FILE_MAX_BYTES:
            raise ZaloApiError(local_error(-210, "a file has at most 5 MB"))
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return self._upload("/v2.0/oa/upload/file", "token", filename, content, content_type)

    def _upload(self, path: str, key: str, filename: str, content: bytes, content_type: str) -> str:
        data = self._data("POST", path, files={"file": (filename, content, content_type)})
        value = as_dict(data).get(key)
        if not value:
            raise ZaloApiError(
                SendError(ErrorClass.TRANSIENT, "bad-envelope", f"upload answer without {key}")
            )
        return str(value)

    # Quota and the OA ------------------------------------------------------------------------------

    def quota(self, user_id: str) -> UserQuota:
        data = as_dict(self._data("POST", "/v3.0/oa/quota/message", body={"user_id": user_id}))
        reply = as_dict(data.get("cs_reply"))
        return UserQuota(
            last_interaction_at=from_epoch_ms(data.get("last_interaction")),
            reply_remain=as_int(reply.get("remain")),
            reply_total=as_int(reply.get("total")),
        )

    def oa_profile(self) -> OaProfile:
        """``getoa`` has no side effects, which makes it the connection's health check."""
        data = as_dict(self._data("GET", "/v2.0/oa/getoa"))
        return OaProfile(
            oa_id=str(data.get("oaid") or ""),
            name=nfc(str(data.get("name") or "")),
            is_verified=data.get("is_verified") is True,
            oa_type=as_int(data.get("oa_type")),
            num_follower=as_int(data.get("num_follower")),
            package_name=str(data.get("package_name") or ""),
            raw=data,
        )


class ZaloChannel:
    """Consultation messages (tin tư vấn) by Zalo user id, and ZBS templates where the OA has them.

    Eligibility follows the consultation window: free for 48 h after the citizen's last interaction,
    billed until 7 days, closed after (Zalo would answer -230).
    """

    kind = ChannelKind.ZALO

    def __init__(
        self,
        client: ZaloClient,
        *,
        template_prices: Mapping[str, Decimal] | None = None,
        free_window: dt.timedelta = FREE_WINDOW,
        cs_window: dt.timedelta = CS_WINDOW,
    ) -> None:
        self.client = client
        self.template_prices = dict(template_prices or {})
        self.free_window = free_window
        self.cs_window = cs_window

    def eligibility(self, recipient: Recipient, *, now: dt.datetime) -> Eligibility:
        if not recipient.zalo_user_id:
            return Eligibility(False, "no Zalo user id")
        last = recipient.last_interaction_at
        if last is None:
            return Eligibility(False, "never interacted with the OA")
        if now - last <= self.free_window:
            return Eligibility(True, "free reply window", Decimal(0), last + self.free_window)
        if now - last <= self.cs_window:
            return Eligibility(True, "paid window", self.client.cs_price_vnd, last + self.cs_window)
        return Eligibility(False, "consultation window closed (7 days)", window_ends_at=last + self.cs_window)

    def send(self, message: OutboundMessage) -> SendResult:
        """One Zalo message per delivery: a second call after the first succeeded could never be undone."""
        user_id = message.recipient.zalo_user_id
        if not user_id:
            raise ValueError("the recipient has no Zalo user id")
        if message.template_id:
            price = self.template_prices.get(message.template_id, Decimal(0))
            return self.client.send_template_by_user_id(
                user_id, message.template_id, message.template_params, price_vnd=price
            )
        if len(message.attachments) > 1:
            return SendResult(error=local_error(-201, "one attachment per Zalo message"))
        if not message.attachments:
            return self.client.send_text(user_id, message.text, quote_message_id=message.reply_to)
        attachment = message.attachments[0]
        try:
            if attachment.content_type.startswith("image/"):
                if attachment.url and not attachment.content:
                    return self.client.send_image(user_id, url=attachment.url, caption=message.text)
                image = self.client.upload_image(attachment.content, attachment.filename)
                return self.client.send_image(user_id, attachment_id=image, caption=message.text)
            if message.text or not attachment.content:
                return SendResult(error=local_error(-201, "a Zalo file message has content and no caption"))
            token = self.client.upload_file(attachment.content, attachment.filename)
        except ZaloApiError as exc:
            return SendResult(error=exc.error)
        return self.client.send_file(user_id, token)


def _template(template_type: str, elements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "template", "payload": {"template_type": template_type, "elements": elements}}


def _list_problem(elements: Sequence[ListElement], buttons: Sequence[Button]) -> str:
    if not 1 <= len(elements) <= LIST_MAX_ELEMENTS or len(buttons) > MAX_BUTTONS:
        return f"a list has 1 to {LIST_MAX_ELEMENTS} elements and at most {MAX_BUTTONS} buttons"
    if not elements[0].subtitle:
        return "the first element of a list needs a subtitle"
    titles = [e.title for e in elements] + [b.title for b in buttons]
    if any(not t or len(nfc(t)) > TITLE_LIMIT for t in titles):
        return f"titles have 1 to {TITLE_LIMIT} characters"
    if any(len(nfc(e.subtitle)) > SUBTITLE_LIMIT for e in elements):
        return f"subtitles have at most {SUBTITLE_LIMIT} characters"
    return ""


def _long(user_id: str) -> int | str:
    """The tag APIs' examples send ``user_id`` as an unquoted long (§5.4)."""
    return int(user_id) if user_id.isdigit() else user_id


def _day(value: Any) -> dt.date | None:
    try:
        return dt.datetime.strptime(str(value), "%d/%m/%Y").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        return None


# Files citizens send (research §9.6: ``url`` of an image or file payload) -------------------------

# Zalo serves what users send from its CDN; the hosts below are the ones seen in public samples [L].
# Anything else (besides the configured API host, the emulator in tests and demos) is refused without
# a request, so a webhook can never make the server fetch an internal address.
MEDIA_HOST_SUFFIXES = ("zdn.vn", "zadn.vn", "zalo.me", "zaloapp.com")
MEDIA_MAX_REDIRECTS = 3


class MediaFetchError(Exception):
    """The file behind a Zalo link could not be fetched. ``reason``: ``host`` (not Zalo's), ``expired``
    (404/410), ``refused`` (another 4xx, too many redirects), ``too_large``, ``unavailable`` (5xx, 429)
    or ``network``. ``permanent``: trying again cannot help; otherwise retry later."""

    def __init__(self, message: str, *, reason: str, permanent: bool) -> None:
        self.reason = reason
        self.permanent = permanent
        super().__init__(message)


@dataclass(frozen=True)
class FetchedMedia:
    content: bytes
    content_type: str


def media_host_allowed(url: str, *, extra_hosts: Sequence[str] = ()) -> bool:
    parts = httpx.URL(url)
    host = (parts.host or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host or parts.userinfo:
        return False
    if host in {h.lower() for h in extra_hosts}:
        return True
    return parts.scheme == "https" and any(host == s or host.endswith("." + s) for s in MEDIA_HOST_SUFFIXES)


def fetch_media(
    url: str,
    *,
    max_bytes: int,
    extra_hosts: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT_S,
    http: httpx.Client | None = None,
) -> FetchedMedia:
    """Download the file a citizen sent, at most ``max_bytes``, following redirects only to allowed
    hosts. Raises ``MediaFetchError``: 404/410 (Zalo's link expired), 4xx, a disallowed host or a file
    over the limit are permanent; a timeout, a refused connection or a 5xx are worth retrying."""
    client = http or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for _hop in range(MEDIA_MAX_REDIRECTS + 1):
            if not media_host_allowed(url, extra_hosts=extra_hosts):
                raise MediaFetchError(
                    f"not a Zalo file host: {httpx.URL(url).host or url[:80]}", reason="host", permanent=True
                )
            try:
                with client.stream("GET", url, timeout=timeout) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code in (404, 410):
                        raise MediaFetchError(
                            f"HTTP {response.status_code}: the link has expired or was removed",
                            reason="expired",
                            permanent=True,
                        )
                    if response.status_code >= 500 or response.status_code == 429:
                        raise MediaFetchError(
                            f"HTTP {response.status_code} from the file host",
                            reason="unavailable",
                            permanent=False,
                        )
                    if response.status_code != 200:
                        raise MediaFetchError(
                            f"HTTP {response.status_code} from the file host",
                            reason="refused",
                            permanent=True,
                        )
                    declared = as_int(response.headers.get("content-length"))
                    if declared is not None and declared > max_bytes:
                        raise MediaFetchError(
                            f"the file is {declared} bytes, over {max_bytes}",
                            reason="too_large",
                            permanent=True,
                        )
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise MediaFetchError(
                                f"the file is over {max_bytes} bytes", reason="too_large", permanent=True
                            )
                        chunks.append(chunk)
                    content_type = response.headers.get("content-type", "").split(";")[0].strip()
                    return FetchedMedia(content=b"".join(chunks), content_type=content_type)
            except httpx.HTTPError as exc:
                raise MediaFetchError(
                    f"{type(exc).__name__}: the file host did not answer", reason="network", permanent=False
                ) from exc
        raise MediaFetchError("too many redirects", reason="refused", permanent=True)
    finally:
        if http is None:
            client.close()
