"""/healthz: database, queue and worker heartbeat as JSON; 503 until a worker has beaten recently."""

import datetime as dt

import pytest
from django.utils import timezone

from caunoi.core.models import WorkerHeartbeat
from caunoi.core.services import worker_heartbeat_record


def health(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]  # a monitor must never see a cached answer
    return response.status_code, response.json()


@pytest.mark.django_db
def test_without_any_worker_heartbeat_it_answers_503(client):
    status, body = health(client)

    assert status == 503
    assert body["status"] == "fail"
    assert set(body["checks"]) == {"database", "queue", "worker"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["vendor"] in {"sqlite", "postgresql"}
    assert body["checks"]["queue"]["ok"] is True
    assert body["checks"]["queue"]["backend"] in {"SqliteHuey", "PriorityRedisHuey"}
    assert isinstance(body["checks"]["queue"]["pending"], int)
    assert body["checks"]["worker"] == {"ok": False, "error": "no heartbeat yet"}


@pytest.mark.django_db
def test_a_stale_heartbeat_answers_503(client, settings):
    settings.CAUNOI_WORKER_STALE_SECONDS = 180
    WorkerHeartbeat.objects.create(name="worker-1", beat_at=timezone.now() - dt.timedelta(seconds=200))

    status, body = health(client)

    assert status == 503
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_seconds"] >= 200


@pytest.mark.django_db
def test_a_fresh_heartbeat_answers_200(client):
    WorkerHeartbeat.objects.create(name="old-machine", beat_at=timezone.now() - dt.timedelta(days=3))
    beat = worker_heartbeat_record(name="worker-2")

    status, body = health(client)

    assert status == 200
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["last_heartbeat"] == beat.beat_at.isoformat()
    assert body["checks"]["worker"]["age_seconds"] < 5


@pytest.mark.django_db
def test_a_worker_heartbeat_updates_its_own_row(client):
    first = worker_heartbeat_record(name="worker-3")
    second = worker_heartbeat_record(name="worker-3")

    assert WorkerHeartbeat.objects.filter(name="worker-3").count() == 1
    assert second.pk == first.pk
    assert second.beat_at >= first.beat_at


@pytest.mark.django_db
def test_health_is_public_and_ignores_the_two_factor_step(client, personas):
    from django.test import Client

    worker_heartbeat_record(name="worker-4")
    assert health(Client())[0] == 200  # anonymous
    # An approver who has signed in but not yet passed 2FA still reaches it.
    client.force_login(personas.approver, backend="django.contrib.auth.backends.ModelBackend")
    assert health(client)[0] == 200
