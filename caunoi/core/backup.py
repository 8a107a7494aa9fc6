"""Sao lưu và phục hồi (backup and restore): one archive holds the database and every stored file.

A province that loses a machine needs its petitions, their attachments and the audit trail back
together, so both travel in one ``tar.gz``:

- ``manifest.json`` first: format, version, database engine, time, the latest migration per app;
- ``database.sqlite3`` (SQLite's online backup API: a consistent snapshot while the services run) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``files/<root>/…``: everything under ``MEDIA_ROOT`` (attachments, evidence, loudspeaker audio), and
  the practices evidence folder when it is configured elsewhere.

Restoring needs an empty database unless ``replace`` is asked for, refuses while a worker is beating,
and ends with ``migrate`` so an older backup is brought up to the installed version. The archive holds
personal data: ``caunoi backup -`` writes to stdout so it can be piped straight into ``gpg`` or ``age``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Max
from django.utils import timezone

from caunoi.core.errors import ApplicationError
from caunoi.core.models import WorkerHeartbeat
from caunoi.core.services import audit_record

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES_PREFIX = "files/"
# A worker beating this recently may be writing: restoring under it would mix two histories.
RUNNING_WORKER_SECONDS = 120


@dataclass(frozen=True)
class BackupSummary:
    engine: str
    database_bytes: int
    files: int
    created_at: str


def file_roots() -> dict[str, Path]:
    """The folders whose files belong in a backup, by the name they carry inside the archive."""
    roots = {"media": Path(settings.MEDIA_ROOT)}
    evidence = settings.CAUNOI_PRACTICES_EVIDENCE_DIR
    if evidence and not Path(evidence).resolve().is_relative_to(roots["media"].resolve()):
        roots["practices-evidence"] = Path(evidence)
    return roots


def _stored_files() -> Iterator[tuple[str, Path]]:
    for name, root in file_roots().items():
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            yield f"{FILES_PREFIX}{name}/{path.relative_to(root).as_posix()}", path


def _migrations() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
        return {app: name for app, name in cursor.fetchall()}


def _pg_env() -> tuple[dict[str, str], list[str]]:
    """Connection settings for pg_dump/pg_restore: the password travels in the environment only."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres"), "--dbname", str(db["NAME"])]
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ApplicationError(
            f"{command[0]} is not installed; install the PostgreSQL client tools (postgresql-client)"
        ) from None
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ApplicationError(f"{command[0]} failed: {detail}")


def _dump_database(folder: Path) -> Path:
    target = folder / DATABASE_MEMBERS[connection.vendor]
    if connection.vendor == "sqlite":
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30)
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # page by page, consistent even while others write (WAL included)
        finally:
            source.close()
            copy.close()
    else:
        env, args = _pg_env()
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args], env
        )
    return target


def backup_write(destination: IO[bytes]) -> BackupSummary:
    """Write the whole archive to ``destination`` (a file, or stdout for piping into encryption)."""
    if connection.vendor not in DATABASE_MEMBERS:
        raise ApplicationError(f"backups of a {connection.vendor} database are not supported")
    audit_record(actor=None, action="backup.create", after={"engine": connection.vendor})
    created_at = timezone.now().isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="caunoi-backup-") as tmp:
        dump = _dump_database(Path(tmp))
        files = list(_stored_files())
        manifest = {
            "format": FORMAT,
            "caunoi_version": version("caunoi"),
            "engine": connection.vendor,
            "created_at": created_at,
            "database": dump.name,
            "files": len(files),
            "migrations": _migrations(),
        }
        with tarfile.open(fileobj=destination, mode="w|gz") as archive:
            body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(dump, arcname=dump.name)
            for name, path in files:
                archive.add(path, arcname=name)
        return BackupSummary(connection.vendor, dump.stat().st_size, len(files), created_at)


def _read_manifest(archive: tarfile.TarFile) -> dict[str, object]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, json.JSONDecodeError, UnicodeDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ApplicationError("this file is not a Cầu Nối backup (no readable manifest.json of format 1)")
    return manifest


def _database_is_empty() -> bool:
    if "django_migrations" not in connection.introspection.table_names():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations")
        return bool(cursor.fetchone()[0] == 0)


def _worker_running() -> bool:
    if "core_workerheartbeat" not in connection.introspection.table_names():
        return False
    last = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    return last is not None and timezone.now() - last < dt.timedelta(seconds=RUNNING_WORKER_SECONDS)


def _restore_sqlite(dump: Path) -> None:
    check = sqlite3.connect(str(dump))
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
    if not ok:
        raise ApplicationError("the database in this backup fails SQLite's integrity check")
    target = Path(str(settings.DATABASES["default"]["NAME"]))
    connections.close_all()
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(dump, staged)
    # A WAL left by the old database would be replayed onto the restored one: it goes first.
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def _restore_postgresql(dump: Path, folder: Path) -> None:
    """All or nothing: the old schema is dropped and the dump replayed in one psql transaction, so a
    failure halfway leaves the database as it was, and no table of a newer version is left behind."""
    env, args = _pg_env()
    script = folder / "restore.sql"
    _run(["pg_restore", "--no-owner", "--no-privileges", "--file", str(script), str(dump)], env)
    connections.close_all()
    _run(
        [
            *("psql", "--quiet", "--no-psqlrc", "--single-transaction", "--set", "ON_ERROR_STOP=1", *args),
            *(
                "--command",
                "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;",
                "--file",
                str(script),
            ),
        ],
        env,
    )


def _restore_files(archive: tarfile.TarFile, folder: Path) -> int:
    """Make each file root exactly what the backup holds: files erased since are erased again."""
    roots = file_roots()
    members = [m for m in archive.getmembers() if m.name.startswith(FILES_PREFIX) and m.isfile()]
    for member in members:
        root_name = member.name[len(FILES_PREFIX) :].split("/", 1)[0]
        if root_name not in roots:
            raise ApplicationError(f"the backup holds files for {root_name!r}, which this installation lacks")
    archive.extractall(folder, members=members, filter="data")  # "data" refuses ../ and absolute paths
    for name, root in roots.items():
        restored = folder / FILES_PREFIX / name
        if root.exists():
            shutil.rmtree(root)
        if restored.exists():
            shutil.copytree(restored, root)
        else:
            root.mkdir(parents=True, exist_ok=True)
    return len(members)


def backup_restore(source: Path, *, replace: bool = False) -> BackupSummary:
    """Put a backup back: database first (all or nothing), then the files, then migrate forward."""
    try:
        archive = tarfile.open(source, mode="r:gz")  # noqa: SIM115 - closed by the `with` below
    except (tarfile.TarError, OSError) as exc:
        raise ApplicationError(f"cannot read {source}: {exc}") from None
    with archive, tempfile.TemporaryDirectory(prefix="caunoi-restore-") as tmp:
        manifest = _read_manifest(archive)
        if manifest.get("engine") != connection.vendor:
            raise ApplicationError(
                f"this backup is of a {manifest.get('engine')} database, but DATABASE_URL points at "
                f"{connection.vendor}; restore it into the same kind of database"
            )
        if not _database_is_empty() and not replace:
            raise ApplicationError("the database already holds data; pass --replace to overwrite it")
        if _worker_running():
            raise ApplicationError(
                "a worker is running on this database; stop the web and worker services first"
            )
        member_name = str(manifest.get("database"))
        if member_name != DATABASE_MEMBERS[connection.vendor]:
            raise ApplicationError("the manifest names no database file this version can restore")
        try:
            archive.extract(member_name, tmp, filter="data")
        except KeyError:
            raise ApplicationError(f"the backup lacks {member_name}") from None
        dump = Path(tmp) / member_name
        if connection.vendor == "sqlite":
            _restore_sqlite(dump)
        else:
            _restore_postgresql(dump, Path(tmp))
        database_bytes = dump.stat().st_size
        files = _restore_files(archive, Path(tmp))
    call_command("migrate", interactive=False, verbosity=0)
    audit_record(
        actor=None,
        action="backup.restore",
        after={"created_at": manifest.get("created_at"), "files": files, "engine": connection.vendor},
    )
    return BackupSummary(connection.vendor, database_bytes, files, str(manifest.get("created_at")))
