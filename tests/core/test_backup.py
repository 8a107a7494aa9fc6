"""`caunoi backup` and `caunoi restore` as an operator runs them, on the engine under test.

The source is this test run's database; the restore goes into a scratch database of the same kind, so
what comes back is read with a plain connection, not through Django.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from caunoi.citizens.services import citizen_create
from caunoi.core.models import AuditEvent
from tests.core.test_worker import database_url

CAUNOI = str(Path(sys.executable).with_name("caunoi"))
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def caunoi(*args: str, database: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database, "CAUNOI_MEDIA_ROOT": str(media)}
    return subprocess.run([CAUNOI, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("caunoi: error: "), result.stderr
    return lines[0]


@pytest.fixture
def target(tmp_path: Path) -> Iterator[str]:
    """An empty database of the engine under test, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"caunoi_restore_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(url) as db:
        return db.execute(sql, params).fetchall()


def test_backup_and_restore_round_trip_the_database_and_the_stored_files(
    transactional_db, units, tmp_path, target
):
    citizen = citizen_create(home_unit=units["commune"], display_name="Chị Lò Thị Mai", actor=None)
    source_media = tmp_path / "media"
    (source_media / "inbox").mkdir(parents=True)
    (source_media / "inbox" / "anh-ngap.jpg").write_bytes(b"\xff\xd8\xff photo of the flooded road")
    archive = tmp_path / "caunoi.tar.gz"

    made = caunoi("backup", str(archive), database=database_url(), media=source_media)
    assert made.returncode == 0, made.stderr
    assert "1 stored files" in made.stderr
    assert AuditEvent.objects.filter(action="backup.create").count() == 1
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert "files/media/inbox/anh-ngap.jpg" in names
    assert manifest["engine"] == connection.vendor and manifest["files"] == 1
    assert "citizens" in manifest["migrations"]
    assert not list(tmp_path.glob("*.partial"))

    # The restored files are exactly the backup's: a file erased after the backup does not survive.
    restored_media = tmp_path / "restored-media"
    (restored_media / "inbox").mkdir(parents=True)
    (restored_media / "inbox" / "not-in-the-backup.pdf").write_bytes(b"%PDF-1.4 stale")
    put_back = caunoi("restore", str(archive), database=target, media=restored_media)
    assert put_back.returncode == 0, put_back.stderr
    assert "1 stored files" in put_back.stdout
    assert (restored_media / "inbox" / "anh-ngap.jpg").read_bytes().endswith(b"flooded road")
    assert not (restored_media / "inbox" / "not-in-the-backup.pdf").exists()
    assert query(target, "SELECT id FROM citizens_citizen WHERE id = %s", citizen.pk) == [(citizen.pk,)]
    assert query(target, "SELECT COUNT(*) FROM core_auditevent WHERE action = 'backup.restore'") == [(1,)]

    # A database that holds data is overwritten only when asked, and never under a running worker.
    again = caunoi("restore", str(archive), database=target, media=restored_media)
    assert "already holds data; pass --replace" in one_line_error(again)
    query_write = "INSERT INTO core_workerheartbeat (name, beat_at) VALUES ('tq-worker-1', CURRENT_TIMESTAMP)"
    if target.startswith("sqlite:///"):
        with sqlite3.connect(target.removeprefix("sqlite:///")) as db:
            db.execute(query_write.replace("CURRENT_TIMESTAMP", "strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    else:
        with psycopg.connect(target) as db:
            db.execute(query_write.replace("CURRENT_TIMESTAMP", "now()"))
    running = caunoi("restore", str(archive), "--replace", database=target, media=restored_media)
    assert "a worker is running" in one_line_error(running)
    with_replace_refused = query(target, "SELECT COUNT(*) FROM core_workerheartbeat")
    assert with_replace_refused == [(1,)]  # refused means untouched

    query_delete = "DELETE FROM core_workerheartbeat"
    if target.startswith("sqlite:///"):
        with sqlite3.connect(target.removeprefix("sqlite:///")) as db:
            db.execute(query_delete)
    else:
        with psycopg.connect(target) as db:
            db.execute(query_delete)
    replaced = caunoi("restore", str(archive), "--replace", database=target, media=restored_media)
    assert replaced.returncode == 0, replaced.stderr
    assert query(target, "SELECT COUNT(*) FROM core_auditevent WHERE action = 'backup.restore'") == [(1,)]


def test_restore_refuses_what_is_not_a_backup_of_this_engine_in_one_line(db, tmp_path, target):
    garbage = tmp_path / "notes.tar.gz"
    garbage.write_bytes(b"not an archive at all")
    assert "cannot read" in one_line_error(
        caunoi("restore", str(garbage), database=target, media=tmp_path / "m")
    )

    other_engine = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    foreign = tmp_path / "foreign.tar.gz"
    body = json.dumps({"format": 1, "engine": other_engine, "database": "database.x"}).encode()
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    refused = one_line_error(caunoi("restore", str(foreign), database=target, media=tmp_path / "m"))
    assert f"this backup is of a {other_engine} database" in refused

    no_manifest = tmp_path / "plain.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        tar.add(garbage, arcname="database.sqlite3")
    assert "not a Cầu Nối backup" in one_line_error(
        caunoi("restore", str(no_manifest), database=target, media=tmp_path / "m")
    )
