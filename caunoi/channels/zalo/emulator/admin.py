"""The emulator's own control surface under ``/_admin/``: state, faults, message log, followers, driver.

Not part of Zalo. It exists so tests, demos and benchmarks can look inside (did every delivery arrive
exactly once?), bend the world (expire every token now, empty the ZNS quota, make 10 % of calls 5xx)
and make citizens act. It has no authentication: the emulator listens on localhost.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from caunoi.channels.zalo.emulator import driver
from caunoi.channels.zalo.emulator.config import HOUR
from caunoi.channels.zalo.emulator.state import EmulatorState, Faults
from caunoi.channels.zalo.emulator.wire import Call, Reply, html_reply, json_reply

_FAULT_TYPES: dict[str, type | tuple[type, ...]] = {
    "latency_ms": int,
    "error_rate_5xx": (int, float),
    "timeout_rate": (int, float),
    "rate_limit": bool,
    "expire_tokens": bool,
    "expire_media": bool,
    "media_unavailable": bool,
    "zns_quota": int,
    "reset": bool,
}


class BadRequest(ValueError):
    pass


def _body(call: Call) -> dict[str, Any]:
    try:
        body = call.json()
    except ValueError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


class Admin:
    def __init__(
        self, state: EmulatorState, stopping: threading.Event, *, http_stats: Callable[[], dict[str, int]]
    ) -> None:
        self.state = state
        self.stopping = stopping
        self.http_stats = http_stats
        self.threads: list[threading.Thread] = []
        self.routes = {
            ("GET", "/_admin"): self.page,
            ("GET", "/_admin/"): self.page,
            ("GET", "/_admin/state"): self.get_state,
            ("POST", "/_admin/faults"): self.set_faults,
            ("GET", "/_admin/messages"): self.messages,
            ("DELETE", "/_admin/messages"): self.reset_messages,
            ("GET", "/_admin/followers"): self.followers,
            ("POST", "/_admin/followers"): self.put_follower,
            ("POST", "/_admin/tokens"): self.tokens,
            ("POST", "/_admin/events"): self.event,
            ("POST", "/_admin/drive"): self.drive,
            ("POST", "/_admin/webhook"): self.webhook,
        }

    def handle(self, call: Call) -> Reply:
        route = self.routes.get((call.method, call.path))
        if route is None:
            known = any(path == call.path for _, path in self.routes)
            return json_reply(
                {"error": "method not allowed" if known else "not found"}, status=405 if known else 404
            )
        try:
            return route(call)
        except BadRequest as exc:
            return json_reply({"error": str(exc)}, status=400)

    def join(self, timeout: float) -> None:
        for thread in self.threads:
            thread.join(timeout)

    def get_state(self, call: Call) -> Reply:
        with self.state.lock:
            summary = self.state.summary()
        summary["webhook"] = self.state.webhooks.stats()
        summary["http"] = self.http_stats()
        return json_reply(summary)

    def set_faults(self, call: Call) -> Reply:
        """Switch faults; ``expire_tokens``, ``expire_media`` and ``zns_quota`` act once, the others stay
        until changed."""
        body = _body(call)
        for key, value in body.items():
            expected = _FAULT_TYPES.get(key)
            if expected is None:
                raise BadRequest(f"unknown fault {key}; known: {', '.join(_FAULT_TYPES)}")
            if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
                raise BadRequest(f"{key} has the wrong type")
        for key in ("error_rate_5xx", "timeout_rate"):
            if not 0 <= body.get(key, 0) <= 1:
                raise BadRequest(f"{key} must be between 0 and 1")
        if body.get("latency_ms", 0) < 0 or body.get("zns_quota", 0) < 0:
            raise BadRequest("latency_ms and zns_quota cannot be negative")
        state = self.state
        with state.lock:
            faults = Faults() if body.get("reset") else state.faults
            changes = {k: v for k, v in body.items() if k in Faults.__dataclass_fields__}
            state.faults = replace(faults, **changes)
            if body.get("expire_tokens"):
                state.expire_tokens()
            if body.get("expire_media"):
                state.expire_media()
            if body.get("reset") or "media_unavailable" in body:
                state.media_unavailable = bool(body.get("media_unavailable", False))
            if "zns_quota" in body:
                state.zns_roll_day()
                state.zns_remaining = body["zns_quota"]
            return json_reply(
                {
                    "faults": asdict(state.faults),
                    "media_unavailable": state.media_unavailable,
                    "zns_remaining": state.zns_remaining,
                }
            )

    def messages(self, call: Call) -> Reply:
        """Every message accepted, with counts per recipient and per tracking_id to expose duplicates."""
        try:
            limit = int(call.query.get("limit", "1000"))
        except ValueError:
            raise BadRequest("limit must be a number") from None
        recipient = call.query.get("recipient")
        with self.state.lock:
            rows = self.state.messages
            if recipient:
                rows = [m for m in rows if m.recipient == recipient]
            return json_reply(
                {
                    "total": len(self.state.messages),
                    "counts": dict(self.state.message_counts),
                    "per_recipient": dict(self.state.per_recipient),
                    "per_tracking_id": dict(self.state.per_tracking_id),
                    "messages": [asdict(m) for m in rows[-limit:]] if limit > 0 else [],
                }
            )

    def reset_messages(self, call: Call) -> Reply:
        with self.state.lock:
            self.state.reset_messages()
        return json_reply({"total": 0})

    def followers(self, call: Call) -> Reply:
        try:
            offset = int(call.query.get("offset", "0"))
            limit = int(call.query.get("limit", "100"))
        except ValueError:
            raise BadRequest("offset and limit must be numbers") from None
        with self.state.lock:
            ids = self.state.user_ids
            if call.query.get("user_id"):
                ids = [i for i in ids if i == call.query["user_id"]]
            page = [self.state.followers[i].admin_view() for i in ids[offset : offset + limit]]
            return json_reply({"total": len(ids), "followers": page})

    def put_follower(self, call: Call) -> Reply:
        """Create a follower (or change one, given ``user_id``) with a chosen last interaction.

        ``last_interaction_hours_ago``: a number, or null for "never interacted".
        """
        body = _body(call)
        hours = body.get("last_interaction_hours_ago", 0)
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float)):
            raise BadRequest("last_interaction_hours_ago must be a number or null")
        state = self.state
        with state.lock:
            now = state.clock()
            person = state.followers.get(str(body.get("user_id", "")))
            if person is None:
                if "user_id" in body:
                    raise BadRequest("unknown user_id")
                person = state.maker.person(now=now, following=True, last_interaction=now)
                state.add_person(person)
            if "last_interaction_hours_ago" in body:
                if hours is None:
                    person.last_interaction = None
                else:
                    state.interact(person, now - hours * HOUR)
            for key in ("display_name", "phone", "language"):
                if isinstance(body.get(key), str):
                    setattr(person, key, body[key])
            if isinstance(body.get("is_follower"), bool):
                person.is_follower = body["is_follower"]
            return json_reply(person.admin_view())

    def tokens(self, call: Call) -> Reply:
        """A token pair without the consent flow, as the API Explorer of the developer site gives one."""
        with self.state.lock:
            return json_reply(self.state.issue_tokens())

    def event(self, call: Call) -> Reply:
        body = _body(call)
        user_id, text = body.get("user_id"), body.get("text")
        try:
            event, _ = driver.citizen_event(
                self.state,
                str(body.get("event", "user_send_text")),
                user_id=str(user_id) if user_id is not None else None,
                text=str(text) if text is not None else None,
            )
        except driver.NoCandidate as exc:
            return json_reply({"error": str(exc)}, status=409)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return json_reply({"event": event})

    def drive(self, call: Call) -> Reply:
        """Start a drive; ``"wait": true`` answers only when every event has been emitted."""
        body = _body(call)
        kinds = body.get("kinds")
        try:
            events = int(body.get("events", 100))
            rate = float(body.get("rate_per_second", 10))
            if kinds is not None and not isinstance(kinds, dict):
                raise ValueError("kinds must be an object of weights")
            plan = driver.plan_drive(
                self.state,
                events=events,
                rate_per_second=rate,
                kinds=kinds,
                topic=str(body.get("topic") or ""),
                commune_code=str(body.get("commune_code") or ""),
            )
        except (TypeError, ValueError) as exc:
            raise BadRequest(str(exc)) from None
        if body.get("wait"):
            driver.run_drive(self.state, plan, stop=self.stopping)
            with self.state.lock:
                return json_reply(plan.as_dict())
        thread = threading.Thread(
            target=driver.run_drive, args=(self.state, plan), kwargs={"stop": self.stopping}, daemon=True
        )
        self.threads.append(thread)
        thread.start()
        with self.state.lock:
            return json_reply(plan.as_dict(), status=202)

    def webhook(self, call: Call) -> Reply:
        """Point the webhook elsewhere, or re-enable a cancelled subscription (as in the App console)."""
        body = _body(call)
        url, enabled = body.get("url"), body.get("enabled")
        if (url is not None and not isinstance(url, str)) or (
            enabled is not None and not isinstance(enabled, bool)
        ):
            raise BadRequest("url must be a string and enabled a boolean")
        self.state.webhooks.retarget(url=url, enabled=enabled)
        return json_reply(self.state.webhooks.stats())

    def page(self, call: Call) -> Reply:
        state = self.state
        with state.lock:
            summary = state.summary()
        base = html.escape(state.base_url)
        config = state.config
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
            for k, v in [
                ("app_id", config.app_id),
                ("app secret (secret_key header)", config.app_secret),
                ("oa_id", config.oa_id),
                ("OA secret key (webhook signature)", config.oa_secret_key),
                ("followers", summary["followers"]),
                ("messages accepted", summary["messages"]),
                ("ZNS quota", summary["zns"]),
                ("faults", summary["faults"]),
                ("webhook", {k: v for k, v in state.webhooks.stats().items() if k != "recent"}),
            ]
        )
        links = "".join(
            f'<li><a href="{base}{path}">{path}</a></li>'
            for path in ("/_admin/state", "/_admin/messages", "/_admin/followers")
        )
        consent = f"{base}/v4/oa/permission?app_id={config.app_id}&redirect_uri=…&code_challenge=…&state=…"
        return html_reply(
            '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Zalo emulator</title>'
            "<style>body{font-family:sans-serif;margin:2rem}th{text-align:left;padding-right:1rem}</style>"
            f"</head><body><h1>Zalo emulator — {html.escape(config.oa_name)}</h1><table>{rows}</table>"
            f"<h2>Look inside</h2><ul>{links}</ul><p>Consent page: <code>{consent}</code></p>"
            "<p>POST JSON to <code>/_admin/faults</code>, <code>/_admin/drive</code>,"
            " <code>/_admin/events</code>, <code>/_admin/followers</code>, <code>/_admin/tokens</code>,"
            " <code>/_admin/webhook</code>;"
            " DELETE <code>/_admin/messages</code> empties the log.</p></body></html>"
        )
