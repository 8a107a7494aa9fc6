"""Foundation figures: loading the national unit list, and what role scoping costs on a list page.

Each figure comes with a baseline measured in the same run, so the ratio holds on any machine:
- units load: the full idempotent load (34 provinces, 3,321 communes) against just reading the rows
  from the package;
- scoped citizen list: first page + count for a commune officer and for a province admin, against
  the same page with no scope filter at all;
- units API: GET /api/v1/units?province=08 through the whole Django stack, against GET /healthz.

Runs on a throwaway SQLite database (or on BENCH_DATABASE_URL, e.g. a PostgreSQL URL).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="caunoi-bench-")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("CAUNOI_VAR_DIR", _tmp)
os.environ.setdefault("CAUNOI_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caunoi.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

CITIZENS = int(os.environ.get("BENCH_CITIZENS", "20000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def timed(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def line(name: str, value: float, baseline: float, unit: str = "ms") -> None:
    print(
        f"{name:<48} {value:9.2f} {unit}   baseline {baseline:9.2f} {unit}   ratio {value / baseline:6.2f}x"
    )


def main() -> None:
    from caunoi.accounts.models import RoleAssignment, User
    from caunoi.accounts.selectors import viewer_for_user
    from caunoi.citizens.models import Citizen
    from caunoi.citizens.selectors import citizen_list
    from caunoi.core.permissions import Role
    from caunoi.geo import sources
    from caunoi.geo.models import Unit, UnitLevel
    from caunoi.geo.services import units_load

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; citizens: {CITIZENS}; repeats: {REPEAT}")

    start = time.perf_counter()
    sources.national_provinces()
    sources.national_communes()
    read_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    report = units_load()
    load_ms = (time.perf_counter() - start) * 1000
    assert report.communes_created == 3321, report
    line("units: first national load (3,321 communes)", load_ms, read_ms)
    start = time.perf_counter()
    again = units_load()
    reload_ms = (time.perf_counter() - start) * 1000
    assert not again.changed
    line("units: idempotent reload (nothing changes)", reload_ms, read_ms)

    communes = list(Unit.objects.filter(parent__code="08", level=UnitLevel.COMMUNE).order_by("code"))
    now = timezone.now()
    Citizen.objects.bulk_create(
        [
            Citizen(
                display_name=f"Người dân {i}",
                name_folded=f"nguoi dan {i}",
                phone=f"8491{i:07d}",
                home_unit=communes[i % len(communes)],
                last_activity_at=now,
            )
            for i in range(CITIZENS)
        ],
        batch_size=2000,
    )
    officer = User.objects.create(username="bench.officer")
    RoleAssignment.objects.create(user=officer, role=Role.COMMUNE_OFFICER, unit=communes[0])
    admin = User.objects.create(username="bench.admin")
    RoleAssignment.objects.create(user=admin, role=Role.PROVINCE_ADMIN, unit=Unit.objects.get(code="08"))
    officer_viewer, admin_viewer = viewer_for_user(officer), viewer_for_user(admin)

    def unscoped() -> None:
        qs = Citizen.objects.present().select_related("home_unit", "home_unit__parent")
        qs.count()
        list(qs[:50])

    def scoped(viewer: object) -> Callable[[], None]:
        def run() -> None:
            qs = citizen_list(viewer=viewer)  # type: ignore[arg-type]
            qs.count()
            list(qs[:50])

        return run

    baseline = timed(unscoped)
    line("citizen list page, commune officer (1 commune)", timed(scoped(officer_viewer)), baseline)
    line("citizen list page, province admin (124 communes)", timed(scoped(admin_viewer)), baseline)
    line(
        "citizen search 'nguoi dan 1234', province admin",
        timed(lambda: list(citizen_list(viewer=admin_viewer, search="nguoi dan 1234")[:50])),
        baseline,
    )

    from caunoi.core.services import worker_heartbeat_record

    worker_heartbeat_record(name="bench")  # so /healthz answers 200, as on a running installation
    client = Client()
    health = timed(lambda: client.get("/healthz"))
    units_api = timed(lambda: client.get("/api/v1/units?province=08"))
    line("GET /api/v1/units?province=08 (124 units)", units_api, health)
    print(f"units API throughput in-process: {1000 / units_api:8.0f} req/s (one thread)")


if __name__ == "__main__":
    main()
