"""Webhook delivery as Zalo does it (research §9.2, §9.3): signed, 2-second deadline, five retries, then off.

Each event is serialised and signed once, so a retry resends the very same bytes and signature; only
the ``num_retry`` header changes. After the last retry fails the App's subscription is cancelled and
nothing more is sent until it is re-enabled (``POST /_admin/webhook``), as in the App console.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

import httpx

from caunoi.channels.zalo.emulator.config import EmulatorConfig
from caunoi.channels.zalo.emulator.events import Event
from caunoi.channels.zalo.emulator.wire import dumps

logger = logging.getLogger(__name__)


def signature(signer_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """``mac=`` + SHA-256 hex of id + raw body + timestamp + secret: plain SHA-256, not HMAC."""
    digest = hashlib.sha256(signer_id.encode() + raw_body + timestamp.encode() + secret.encode())
    return "mac=" + digest.hexdigest()


@dataclass
class _Delivery:
    event_name: str
    body: bytes
    signature: str
    zns: bool
    retries: int = 0


class WebhookSender:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.url = config.webhook_url
        self.enabled = True
        self.disabled_at: float | None = None
        self.counts: Counter[str] = Counter()
        self.last_error = ""
        self.recent: deque[dict[str, Any]] = deque(maxlen=100)
        self._heap: list[tuple[float, int, _Delivery]] = []
        self._seq = itertools.count()
        self._inflight = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        size = max(1, config.webhook_concurrency)
        self._client = httpx.Client(
            timeout=config.webhook_timeout_s,
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        )

    def start(self) -> None:
        for number in range(max(1, self.config.webhook_concurrency)):
            thread = threading.Thread(target=self._work, name=f"zalo-webhook-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.config.webhook_timeout_s + 1)
        self._client.close()

    def send(self, event: Event, *, delay: float = 0.0, zns: bool = False) -> None:
        """Queue one event; ``delay`` is real seconds (already scaled by the time factor)."""
        body = dumps(event)
        mac = signature(
            self.config.signature_id, body, event["timestamp"], self.config.webhook_signing_secret
        )
        delivery = _Delivery(event["event_name"], body, mac, zns)
        with self._cond:
            if not self.url or not self.enabled:
                self.counts["dropped"] += 1
                return
            self.counts["queued"] += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), delivery))
            self._cond.notify()

    def retarget(self, *, url: str | None = None, enabled: bool | None = None) -> None:
        with self._cond:
            if url is not None:
                self.url = url
            if enabled is not None:
                self.enabled = enabled
                self.disabled_at = None if enabled else self.disabled_at

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or in flight (delayed receipts count as queued)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._heap and not self._inflight, timeout)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return {
                "url": self.url,
                "enabled": self.enabled,
                "disabled_at": self.disabled_at,
                "pending": len(self._heap) + self._inflight,
                "counts": dict(self.counts),
                "last_error": self.last_error,
                "recent": list(self.recent),
            }

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        _, _, delivery = heapq.heappop(self._heap)
                        if not self.enabled:
                            self.counts["dropped"] += 1
                            self._cond.notify_all()
                            continue
                        self._inflight += 1
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            error = self._post(delivery)
            with self._cond:
                self._inflight -= 1
                self._settle(delivery, error)
                self._cond.notify_all()

    def _post(self, delivery: _Delivery) -> str:
        """Empty string on HTTP 200 (Zalo wants exactly that, within the timeout), else what went wrong."""
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": delivery.signature}
        if delivery.retries:
            headers["num_retry"] = str(delivery.retries)
        if delivery.zns:
            headers["X-ZEvent-Server"] = "ZNS"
        try:
            response = self._client.post(self.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "" if response.status_code == 200 else f"HTTP {response.status_code}"

    def _settle(self, delivery: _Delivery, error: str) -> None:
        self.recent.append(
            {
                "event_name": delivery.event_name,
                "num_retry": delivery.retries,
                "error": error,
                "at": time.time(),
            }
        )
        if not error:
            self.counts["delivered"] += 1
            return
        self.counts["failed_attempts"] += 1
        self.last_error = error
        schedule = self.config.webhook_retry_schedule_s
        if delivery.retries < len(schedule) and self.enabled:
            delay = self.config.scaled(schedule[delivery.retries])
            delivery.retries += 1
            self.counts["retries"] += 1
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), delivery))
            return
        if self.enabled:
            logger.warning("webhook subscription cancelled after %s retries: %s", delivery.retries, error)
            self.enabled = False
            self.disabled_at = time.time()
        self.counts["dropped"] += 1 + len(self._heap)
        self._heap.clear()
