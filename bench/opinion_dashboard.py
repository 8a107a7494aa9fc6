"""The opinion dashboard over a province's pre-aggregated counts: p50/p95 render time, PostgreSQL.

Target (issue 6): the weekly dashboard of a province with 1,000,000 messages renders in < 500 ms.
The count tables (``TopicDayCount``: topic x commune x day, and ``ContributorMark``: the monthly
pseudonyms that count distinct people for the small-cell rule) are filled with set-based SQL as the
analysis task would leave them after BENCH_MESSAGES messages (default 1,000,000) spread over
BENCH_DAYS days (default 90) across the 124 communes and 13 topics, from a pool of 1,500 people per
commune who write again and again. Both tables are then as large as a real province's would be.

Timed, BENCH_REPEAT times after one warm-up, by Django's test client in this process: the weekly and
the 4-week page as the province administrator (all communes) and as a commune officer, and the
selector alone. Baseline, on the same database in the same run: the survey list page, an ordinary
scoped page of the same app, so the ratio says what the aggregates cost beyond rendering a page.

The database (BENCH_DATABASE_URL, default ``caunoi_bench_opinion`` on 127.0.0.1) is dropped and created.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caunoi_bench_opinion")
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000000"))
DAYS = int(os.environ.get("BENCH_DAYS", "90"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
PEOPLE_PER_COMMUNE = 1500

os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "CAUNOI_VAR_DIR": tempfile.mkdtemp(prefix="caunoi-bench-opinion-"),
        "CAUNOI_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": DB_URL,
        "CAUNOI_HUEY_NAME": "bench-opinion",
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
from caunoi.accounts.selectors import viewer_for_user  # noqa: E402
from caunoi.core.permissions import Role, Viewer  # noqa: E402
from caunoi.geo.models import Unit, UnitLevel  # noqa: E402
from caunoi.geo.services import units_load  # noqa: E402
from caunoi.opinion import selectors  # noqa: E402
from caunoi.opinion.models import ContributorMark, TopicDayCount  # noqa: E402


def seed() -> tuple[User, User]:
    call_command("migrate", verbosity=0)
    units_load(province_code="08")
    province = Unit.objects.get(code="08")
    communes = Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE)
    officer = User.objects.create_user(username="bench.officer", password="x-Bench-2026-x", full_name="Cadre")
    RoleAssignment.objects.create(user=officer, role=Role.COMMUNE_OFFICER, unit=communes.order_by("code")[0])
    admin = User.objects.create_user(username="bench.admin", password="x-Bench-2026-x", full_name="Admin")
    RoleAssignment.objects.create(user=admin, role=Role.PROVINCE_ADMIN, unit=province)
    today = timezone.localdate()
    started = time.monotonic()
    cells = communes.count() * 13 * DAYS
    mean = MESSAGES / cells / 0.93  # the uneven weights below average 0.93
    with connection.cursor() as cursor:
        # Counts per cell: uneven (some communes and topics much busier), summing to about MESSAGES.
        cursor.execute(
            """
            INSERT INTO opinion_topicdaycount
                   (topic_id, unit_id, day, messages, negative, neutral, positive, urgent, people)
            SELECT topic_id, unit_id, day, m, m / 2, m - m / 2 - m / 5, m / 5, m / 20, 0
            FROM (
                SELECT t.id AS topic_id, u.id AS unit_id, %s::date - d AS day,
                       floor(random() * 2 * %s * (0.5 + (u.id %% 7) / 6.0)
                             * (0.5 + (t.id %% 5) / 4.0))::int AS m
                FROM opinion_topic t
                CROSS JOIN geo_unit u
                CROSS JOIN generate_series(0, %s - 1) AS d
                WHERE u.parent_id = %s AND u.level = %s AND t.active
            ) cell
            WHERE m > 0
            """,
            [today, mean, DAYS, province.pk, UnitLevel.COMMUNE],
        )
        # One mark per person writing about a topic in a commune on a day; people repeat across days.
        cursor.execute(
            """
            INSERT INTO opinion_contributormark (topic_id, unit_id, day, month, mark)
            SELECT c.topic_id, c.unit_id, c.day, to_char(c.day, 'YYYY-MM'),
                   substr(md5(c.unit_id || '-' || to_char(c.day, 'YYYY-MM') || '-'
                              || ((c.id * 31 + g * 7919) %% %s)), 1, 16)
            FROM opinion_topicdaycount c
            CROSS JOIN LATERAL generate_series(1, least(%s - 1, greatest(1, (c.messages * 0.8)::int))) AS g
            """,
            [PEOPLE_PER_COMMUNE, PEOPLE_PER_COMMUNE],
        )
        # Each day's people, as the analysis task keeps them beside the counts.
        cursor.execute(
            """
            UPDATE opinion_topicdaycount c SET people = m.n
            FROM (SELECT topic_id, unit_id, day, COUNT(*) AS n FROM opinion_contributormark
                  GROUP BY topic_id, unit_id, day) m
            WHERE m.topic_id = c.topic_id AND m.unit_id = c.unit_id AND m.day = c.day
            """
        )
        cursor.execute("ANALYZE")
    total = sum(TopicDayCount.objects.values_list("messages", flat=True).iterator())
    print(
        f"seeded {total:,} messages as {TopicDayCount.objects.count():,} count rows of {cells:,} cells "
        f"and {ContributorMark.objects.count():,} people marks over {DAYS} days "
        f"in {time.monotonic() - started:.0f} s"
    )
    return officer, admin


def signed_in(user: User) -> Client:
    """A session past the two-factor step, as a confirmed authenticator would leave it."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(call: Callable[[], object]) -> tuple[float, float]:
    call()
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def page(client: Client, url: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return get


def main() -> None:
    officer, admin = seed()
    today = timezone.localdate()
    print(f"load average before the timings: {os.getloadavg()}")
    print(f"\n{'what':36} {'viewer':9} {'p50 ms':>8} {'p95 ms':>8} {'x baseline p95':>15}")
    for label, user in (("province", admin), ("commune", officer)):
        client = signed_in(user)
        base50, base95 = timed(page(client, "/opinion/surveys/"))
        print(f"{'baseline: survey list page':36} {label:9} {base50:8.1f} {base95:8.1f} {1.0:15.2f}")
        viewer = viewer_for_user(user)

        def selector(viewer: Viewer = viewer) -> object:
            return selectors.dashboard(viewer=viewer, today=today, days=7)

        rows: list[tuple[str, Callable[[], object]]] = [
            ("weekly dashboard page", page(client, "/opinion/")),
            ("4-week dashboard page", page(client, "/opinion/?days=28")),
            ("weekly selector alone", selector),
        ]
        for name, call in rows:
            p50, p95 = timed(call)
            print(f"{name:36} {label:9} {p50:8.1f} {p95:8.1f} {p95 / base95:15.2f}")
    print(f"load average after: {os.getloadavg()}")
    print(f"\ntarget: weekly dashboard < 500 ms, 1,000,000 messages (this run: {MESSAGES:,}, {DAYS} days)")


if __name__ == "__main__":
    main()
