"""Inbox and petition list pages: p50/p95 render time with many messages and cases, on PostgreSQL.

Target (issue 5): < 300 ms at p95 with 1,000,000 messages and 100,000 petitions across the 124
communes. Run at full scale with ``BENCH_MESSAGES=1000000 BENCH_PETITIONS=100000``; the default is a
tenth of that, for a shared machine.

Pages are rendered by Django's test client in this process (no network, no server), as a commune
officer (one commune) and as the province administrator (all 124). Each page is requested BENCH_REPEAT
times after one warm-up. Baseline, measured in the same run on the same database: the citizens list
(``/citizens/``, an existing list page over as many citizens as there are conversations), so the
ratio says what the inbox costs beyond an ordinary scoped list.

The database (BENCH_DATABASE_URL, default ``caunoi_bench_inbox`` on 127.0.0.1) is dropped and created.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caunoi_bench_inbox")
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "100000"))
PETITIONS = int(os.environ.get("BENCH_PETITIONS", "10000"))
PER_CONVERSATION = int(os.environ.get("BENCH_MESSAGES_PER_CONVERSATION", "10"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
BATCH = 5000

os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "CAUNOI_VAR_DIR": tempfile.mkdtemp(prefix="caunoi-bench-inbox-"),
        "CAUNOI_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": DB_URL,
        "CAUNOI_HUEY_NAME": "bench-inbox",
    }
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caunoi.settings")


def fresh_database() -> None:
    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


fresh_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Pages render with the source static files (no collectstatic manifest), as in the tests.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from caunoi.accounts.models import RoleAssignment, User  # noqa: E402
from caunoi.citizens.models import Citizen  # noqa: E402
from caunoi.core.permissions import Role  # noqa: E402
from caunoi.core.text import fold  # noqa: E402
from caunoi.geo.models import Unit, UnitLevel  # noqa: E402
from caunoi.geo.services import units_load  # noqa: E402
from caunoi.inbox.models import Category, Conversation, EntryKind, Petition  # noqa: E402

WORDS = [
    "đường",
    "bị",
    "sạt",
    "lở",
    "ngập",
    "lụt",
    "đèn",
    "đường",
    "hỏng",
    "rác",
    "thải",
    "không",
    "thu",
    "gom",
    "nước",
    "sinh",
    "hoạt",
    "mất",
    "điện",
    "cầu",
    "treo",
    "xuống",
    "cấp",
    "trường",
    "học",
    "trạm",
    "y",
    "tế",
    "lương",
    "hưu",
    "trợ",
    "cấp",
    "hộ",
    "nghèo",
    "sổ",
    "đỏ",
    "đất",
    "đai",
    "xây",
    "dựng",
    "trái",
    "phép",
    "tiếng",
    "ồn",
    "karaoke",
    "an",
    "ninh",
    "trật",
    "tự",
    "trộm",
    "cắp",
    "gia",
    "súc",
    "dịch",
    "bệnh",
    "tiêm",
    "chủng",
    "giờ",
    "làm",
    "việc",
    "thủ",
    "tục",
    "khai",
    "sinh",
]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize()


def seed() -> tuple[User, User, Unit]:
    call_command("migrate", verbosity=0)
    units_load(province_code="08")
    province = Unit.objects.get(code="08")
    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    commune = Unit.objects.get(code="00694")
    officer = User.objects.create_user(
        username="bench.officer", password="x-Bench-2026-x", full_name="Bench Officer"
    )
    RoleAssignment.objects.create(user=officer, role=Role.COMMUNE_OFFICER, unit=commune)
    admin = User.objects.create_user(
        username="bench.admin", password="x-Bench-2026-x", full_name="Bench Admin"
    )
    RoleAssignment.objects.create(user=admin, role=Role.PROVINCE_ADMIN, unit=province)
    rng = random.Random(5)
    now = timezone.now()
    conversations = max(1, MESSAGES // PER_CONVERSATION)
    started = time.monotonic()
    citizens = [
        Citizen(
            display_name=f"Người dân {i}",
            name_folded=f"nguoi dan {i}",
            home_unit=communes[i % len(communes)],
            last_activity_at=now,
        )
        for i in range(conversations)
    ]
    for i in range(0, len(citizens), BATCH):
        Citizen.objects.bulk_create(citizens[i : i + BATCH])
    citizen_ids = list(Citizen.objects.order_by("id").values_list("id", "home_unit_id"))
    convs = []
    for i, (citizen_id, unit_id) in enumerate(citizen_ids):
        text = sentence(rng)
        convs.append(
            Conversation(
                citizen_id=citizen_id,
                unit_id=unit_id,
                preview=text[:200],
                last_channel="zalo",
                last_message_at=now - dt.timedelta(minutes=i),
                is_sos=(i % 5000 == 0),
                unread=bool(i % 2),
            )
        )
    for i in range(0, len(convs), BATCH):
        Conversation.objects.bulk_create(convs[i : i + BATCH])
    conv_ids = list(Conversation.objects.values_list("id", flat=True))
    made = seed_entries(rng, now)
    categories = list(Category.objects.all())
    petitions = []
    for i in range(PETITIONS):
        citizen_id, unit_id = citizen_ids[i % len(citizen_ids)]
        text = sentence(rng)
        received = now - dt.timedelta(hours=i % 2000)
        petitions.append(
            Petition(
                reference=f"TQ-2026-{i + 1:06d}",
                kind="feedback",
                status=rng.choice(["received", "in_progress", "answered", "closed"]),
                source="zalo",
                title=text[:120],
                text=text,
                text_folded=fold(text),
                category=rng.choice(categories),
                citizen_id=citizen_id,
                commune_id=unit_id,
                unit_id=unit_id,
                received_at=received,
                due_at=received + dt.timedelta(days=14),
            )
        )
        if len(petitions) >= BATCH:
            Petition.objects.bulk_create(petitions)
            petitions = []
    Petition.objects.bulk_create(petitions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {made:,} messages in {len(conv_ids):,} conversations and {PETITIONS:,} petitions "
        f"across {len(communes)} communes in {time.monotonic() - started:.0f} s"
    )
    return officer, admin, commune


SENTENCES = 5000  # distinct texts the set-based insert draws from


def seed_entries(rng: random.Random, now: dt.datetime) -> int:
    """PER_CONVERSATION entries per conversation in one INSERT … SELECT: a million rows in a minute or
    two instead of a Python loop; texts come from a table of SENTENCES generated (and folded) here."""
    texts = [sentence(rng) for _ in range(SENTENCES)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_sentence (n int PRIMARY KEY, text text, folded text)")
        cursor.executemany(
            "INSERT INTO bench_sentence VALUES (%s, %s, %s)", [(i, t, fold(t)) for i, t in enumerate(texts)]
        )
        cursor.execute(
            """
            INSERT INTO inbox_entry (conversation_id, kind, channel, text, text_folded, attachments,
                                     send_error, occurred_at)
            SELECT c.id, CASE WHEN j %% 3 = 0 THEN %s ELSE %s END, 'zalo', s.text, s.folded, '[]'::jsonb,
                   '', %s - j * interval '1 minute'
            FROM inbox_conversation c
            CROSS JOIN generate_series(0, %s - 1) AS j
            JOIN bench_sentence s ON s.n = (c.id * 7919 + j * 104729) %% %s
            """,
            [EntryKind.REPLY, EntryKind.INBOUND, now, PER_CONVERSATION, SENTENCES],
        )
        made = cursor.rowcount
        cursor.execute("DROP TABLE bench_sentence")
    return int(made)


def signed_in(user: User) -> Client:
    """A session past the two-factor step, as a confirmed authenticator would leave it."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timings(client: Client, url: str) -> tuple[float, float, int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95, len(response.content)


def main() -> None:
    officer, admin, _commune = seed()
    pages = [
        ("inbox", "/inbox/"),
        ("inbox, page 20", "/inbox/?page=20"),
        ("inbox search 'ngap lut'", "/inbox/?q=ngap+lut"),
        ("petitions", "/inbox/petitions/"),
        ("petitions overdue", "/inbox/petitions/?overdue=on"),
        ("petitions search 'sat lo'", "/inbox/petitions/?q=sat+lo"),
    ]
    print(f"load average before the timings: {os.getloadavg()}")
    print(f"\n{'page':34} {'viewer':9} {'p50 ms':>8} {'p95 ms':>8} {'x baseline p95':>15}")
    for label, user in (("commune", officer), ("province", admin)):
        client = signed_in(user)
        base50, base95, _ = timings(client, "/citizens/")
        print(f"{'baseline: citizens list':34} {label:9} {base50:8.1f} {base95:8.1f} {1.0:15.2f}")
        for name, url in pages:
            p50, p95, _size = timings(client, url)
            print(f"{name:34} {label:9} {p50:8.1f} {p95:8.1f} {p95 / base95:15.2f}")
    print(f"load average after: {os.getloadavg()}")
    print(
        "\ntarget: p95 < 300 ms at 1,000,000 messages / 100,000 petitions "
        f"(this run: {MESSAGES:,} / {PETITIONS:,})"
    )


if __name__ == "__main__":
    main()
