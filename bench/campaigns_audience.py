"""Audience resolution on PostgreSQL: citizens → delivery rows in one ``INSERT … SELECT``.

Fills a fresh database (BENCH_DATABASE_URL, default ``caunoi_bench_audience`` on 127.0.0.1, dropped
and created again) with BENCH_AUDIENCE_MAX citizens (default 1,000,000) spread over the communes of
Tuyên Quang, each with the news consent. Then, for each size in
BENCH_AUDIENCE_SIZES (default "100000,1000000"), a **separate process** resolves one campaign whose
audience has that size and reports its time and its own peak RSS — so the two RSS figures are
comparable: the rows never pass through Python, so the peak must not grow with the audience.

Baseline, in the same child: copying the same citizens' ids into an unlogged table with a plain
``INSERT … SELECT`` (the cost of writing that many rows, with none of our logic).
Targets: 1M in < 60 s; peak RSS < 500 MB and the same at 100k and 1M.

Then, on the same campaign, the **progress bar** (``campaigns:progress``, the partial the campaign page
polls every 2 s while sending) fetched through Django's test client as a signed-in editor, read from
the kept counts; baseline: the grouped count over the deliveries the page used to run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caunoi_bench_audience")
MAX = int(os.environ.get("BENCH_AUDIENCE_MAX", "1000000"))
SIZES = [int(s) for s in os.environ.get("BENCH_AUDIENCE_SIZES", "100000,1000000").split(",")]
CHILD = len(sys.argv) > 2 and sys.argv[1] == "--child"

os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "CAUNOI_VAR_DIR": os.environ.get("CAUNOI_VAR_DIR", tempfile.mkdtemp(prefix="caunoi-bench-aud-")),
        "CAUNOI_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": DB_URL,
        "CAUNOI_SMS_GATEWAY_URL": "http://127.0.0.1:9/sms",  # SMS counts as set up; nothing is sent
    }
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caunoi.settings")

if not CHILD:
    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from caunoi.accounts.models import RoleAssignment, User  # noqa: E402
from caunoi.campaigns import audience, selectors, services  # noqa: E402
from caunoi.campaigns.models import Campaign, CampaignState, Delivery  # noqa: E402
from caunoi.core.permissions import Role  # noqa: E402
from caunoi.geo.models import Unit, UnitLevel  # noqa: E402
from caunoi.geo.services import units_load  # noqa: E402


def fill() -> None:
    """MAX citizens in SQL (generate_series): the first 10 % in Hà Giang 1, the rest across the others."""
    call_command("migrate", verbosity=0)
    units_load(province_code="08")
    first = Unit.objects.get(code="00694").pk
    others = list(
        Unit.objects.filter(parent__code="08", level=UnitLevel.COMMUNE)
        .exclude(pk=first)
        .values_list("pk", flat=True)
    )
    small = min(SIZES)
    now = timezone.now()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO citizens_citizen (display_name, name_folded, phone, email, home_unit_id, "
            "preferred_language, created_at, last_activity_at) "
            "SELECT '', '', '849' || lpad(g::text, 8, '0'), '', "
            "CASE WHEN g <= %s THEN %s ELSE (%s::bigint[])[1 + g %% %s] END, "
            "(ARRAY['vi','vi','tay','hmn','dao','nut'])[1 + g %% 6], %s, %s "
            "FROM generate_series(1, %s) g",
            [small, first, others, len(others), now, now, MAX],
        )
        c.execute(
            "INSERT INTO citizens_consent "
            "(citizen_id, purpose, wording, wording_version, source, granted_at) "
            "SELECT id, 'news', 'Nhận thông báo', 'bench', 'in_person', %s FROM citizens_citizen ",
            [now],
        )
        c.execute("ANALYZE")
    editor, _ = User.objects.get_or_create(username="bench.editor", defaults={"full_name": "Bench"})
    RoleAssignment.objects.get_or_create(
        user=editor, role=Role.PROVINCE_ADMIN, unit=Unit.objects.get(code="08")
    )


def child(size: int) -> None:
    editor = User.objects.get(username="bench.editor")
    province = Unit.objects.get(code="08")
    target = Unit.objects.get(code="00694") if size <= min(SIZES) else province
    campaign = services.campaign_create(
        unit=province,
        title=f"Bench {size}",
        body="Bản tin.",
        channels=["sms", "web"],
        target_units=[target],
        actor=editor,
    )
    Campaign.objects.filter(pk=campaign.pk).update(state=CampaignState.SENDING)
    campaign.refresh_from_db()
    with connection.cursor() as c:
        c.execute("CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (citizen_id bigint, campaign_id bigint)")
        c.execute("TRUNCATE bench_copy")
    ids = audience.unit_ids_under([target])
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO bench_copy SELECT id, %s FROM citizens_citizen WHERE home_unit_id = ANY(%s)",
            [campaign.pk, ids],
        )
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    added = audience.deliveries_insert(campaign)
    elapsed = time.perf_counter() - started
    assert added == Delivery.objects.filter(campaign=campaign).count()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress, grouped = progress_timings(campaign, editor, added)
    print(
        json.dumps(
            {
                "size": size,
                "rows": added,
                "seconds": elapsed,
                "baseline": baseline,
                "rss_mb": rss,
                "progress_ms": progress * 1000,
                "grouped_ms": grouped * 1000,
            }
        )
    )


def progress_timings(campaign: Campaign, editor: User, rows: int, repeat: int = 10) -> tuple[float, float]:
    """Median time of the progress partial over HTTP, and of the old grouped count (the baseline)."""
    client = Client()
    client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(user=editor, name="bench", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # past the two-factor step, as a signed-in officer
    session.save()
    url = reverse("campaigns:progress", args=[campaign.pk])
    assert selectors.campaign_progress(campaign).total == rows
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append(time.perf_counter() - started)
    grouped = []
    for _ in range(3):
        started = time.perf_counter()
        list(
            Delivery.objects.filter(campaign=campaign)
            .values("channel", "status", "error_code")
            .annotate(n=Count("pk"))
            .order_by()
        )
        grouped.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], sorted(grouped)[1]


def main() -> None:
    started = time.perf_counter()
    fill()
    print(f"filled {MAX:,} citizens in {time.perf_counter() - started:.1f} s")
    rss: list[float] = []
    for size in SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rss.append(r["rss_mb"])
        print(
            f"audience {size:>9,}: {r['rows']:>9,} rows {r['seconds']:7.2f} s   "
            f"baseline (plain INSERT … SELECT) {r['baseline']:6.2f} s   "
            f"ratio {r['seconds'] / r['baseline']:5.2f}x   "
            f"peak RSS {r['rss_mb']:6.1f} MB"
        )
        print(
            f"progress bar at {r['rows']:>9,} rows: {r['progress_ms']:8.1f} ms   "
            f"baseline (grouped count over the deliveries) {r['grouped_ms']:8.1f} ms   "
            f"ratio {r['progress_ms'] / r['grouped_ms']:5.3f}x"
        )
    print(f"peak RSS ratio largest/smallest audience: {max(rss) / min(rss):.2f}x")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if CHILD:
        child(int(sys.argv[2]))
    else:
        main()
