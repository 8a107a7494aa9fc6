"""Redis unavailable for a while, with the queue on Redis (``REDIS_URL``), while Zalo's webhooks arrive.

Our own ``redis-server`` on a free port (never the shared one), stopped and started by the test. While it is
down, a webhook is still stored before it is acknowledged; its task cannot be queued, so the stored row
is what the sweep (``webhook_events_requeue``) queues again once Redis is back. ``/healthz`` says the queue
is down meanwhile, and green again after.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from caunoi.channels.models import InboundMessage, WebhookEvent
from tests.core.test_worker import CAUNOI
from tests.faults import procs
from tests.faults.conftest import WebhookRig

pytestmark = [pytest.mark.fault, pytest.mark.worker]

REDIS_SERVER = shutil.which("redis-server")
BEFORE, DURING = 40, 60

# The body of the five-minute sweep (caunoi.channels.tasks.webhook_events_requeue) without its age limit,
# run as an operator would with `caunoi manage shell`: it queues again every stored, unprocessed event.
SWEEP = (
    "import datetime as dt\n"
    "from caunoi.channels.selectors import webhook_events_stuck\n"
    "from caunoi.channels.tasks import webhook_event_process_task\n"
    "for pk in webhook_events_stuck(older_than=dt.timedelta(0)):\n"
    "    webhook_event_process_task(pk)\n"
)


def redis(port: int, log: Path) -> procs.Proc:
    assert REDIS_SERVER
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return procs.Proc("redis", argv, {}, log)


def redis_answers(port: int) -> bool:
    import redis as redis_client

    try:
        return bool(redis_client.Redis(port=port, socket_timeout=1).ping())
    except redis_client.RedisError:
        return False


@pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)
def test_redis_down_for_a_while_loses_no_acknowledged_webhook_and_health_says_so(
    webhook_rig: WebhookRig, tmp_path
):
    rig = webhook_rig
    port = procs.free_port()
    env = {**rig.env(), "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    env.pop("CAUNOI_HUEY_FILE", None)
    queue = redis(port, tmp_path / "redis.log")
    web = procs.web(rig.web_port, env, tmp_path / "web.log")
    worker = procs.worker(env, tmp_path / "worker.log")
    everyone = (queue, web, worker)
    try:
        queue.start()
        procs.wait(lambda: redis_answers(port), "redis answers", procs=everyone)
        web.start()
        worker.start()
        procs.wait(lambda: procs.green(rig.web_url), "/healthz green", procs=everyone)
        assert (procs.health(rig.web_url) or (0, {}))[1]["checks"]["queue"]["backend"] == "PriorityRedisHuey"

        rig.drive(BEFORE, rate_per_second=80)
        procs.wait(
            lambda: InboundMessage.objects.count() == BEFORE, "the first messages processed", procs=everyone
        )

        queue.kill9()
        status, body = procs.health(rig.web_url) or (0, {})
        assert status == 503 and body["checks"]["queue"]["ok"] is False, body
        assert body["checks"]["database"]["ok"] is True  # it names what is down, not everything
        # Zalo writes in while the queue is down: each event is stored before it is acknowledged.
        rig.drive(DURING, rate_per_second=80)
        procs.wait(
            lambda: WebhookEvent.objects.count() == BEFORE + DURING,
            "the webhooks stored while Redis is down",
            procs=everyone,
        )
        time.sleep(1.0)
        assert InboundMessage.objects.count() == BEFORE  # nothing could be queued, so nothing ran
        status, body = procs.health(rig.web_url) or (0, {})
        assert status == 503 and body["checks"]["queue"]["ok"] is False, body

        queue.start()  # back, and empty: whatever it held is gone, as after a restart without persistence
        procs.wait(lambda: redis_answers(port), "redis answers again", procs=everyone)
        procs.wait(lambda: procs.green(rig.web_url), "/healthz green again", procs=everyone)
        procs.wait(lambda: rig.settled(BEFORE + DURING), "Zalo's retries settled", procs=everyone)
        counts = rig.webhook_stats()["counts"]
        assert counts.get("dropped", 0) == 0 and counts["delivered"] == BEFORE + DURING, counts

        sweep = subprocess.run(
            [CAUNOI, "manage", "shell", "-c", SWEEP], env=env, capture_output=True, text=True, timeout=60
        )
        assert sweep.returncode == 0, sweep.stderr
        procs.wait(
            lambda: not WebhookEvent.objects.filter(processed_at__isnull=True).exists(),
            "the swept events processed by the worker",
            procs=everyone,
        )
        assert WebhookEvent.objects.count() == BEFORE + DURING
        assert set(WebhookEvent.objects.values_list("attempts", flat=True)) == {1}
        assert InboundMessage.objects.count() == BEFORE + DURING  # each once, none lost
        assert httpx.get(f"{rig.web_url}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        web.stop()
        worker.stop()
        queue.stop()
