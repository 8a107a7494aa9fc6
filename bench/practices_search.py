"""Finding what works at the size of Tuyên Quang's registry: 11,182 models (the 2020-2025 review).

Fills a fresh SQLite database (in a temporary CAUNOI_VAR_DIR) with BENCH_PRACTICES (default 11,182)
recognised models spread over the 124 communes, their text assembled from Vietnamese phrases. Then:

- diacritic-free search (``practice_list`` with two folded words, scoped to a province administrator),
  median of 20 runs; baseline: the same ``LIKE`` on the folded column with no scope and no annotation;
- similarity ("communes with this problem used these models"): the index build (first call), then the
  median query of ``practices_similar``; baseline: the folded-word search for the same words.

Targets: search < 100 ms, similar query < 150 ms once built, build < 10 s.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("BENCH_PRACTICES", "11182"))
os.environ.update(
    {
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "CAUNOI_VAR_DIR": tempfile.mkdtemp(prefix="caunoi-bench-practices-"),
        "CAUNOI_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "caunoi.settings",
    }
)

import datetime as dt  # noqa: E402

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

PROBLEMS = [
    "đường ngõ hẹp, xe cứu thương không vào được",
    "rác thải nhựa đổ xuống suối, ô nhiễm nguồn nước",
    "mùa mưa lũ ngập lụt, người già bị mắc kẹt",
    "tảo hôn, học sinh nữ bỏ học sau lớp 9",
    "trộm cắp vặt xe máy ban đêm",
    "phản ánh của người dân chậm được trả lời",
    "thu nhập thấp, thanh niên đi làm ăn xa",
    "đồi trọc, sạt lở khi mưa lớn",
    "nhà tiêu không hợp vệ sinh",
    "ma tuý, tệ nạn xã hội trong thanh niên",
]
METHODS = [
    "cán bộ, đảng viên gương mẫu làm trước",
    "họp dân công khai phương án",
    "người có uy tín vận động bằng tiếng dân tộc",
    "phụ nữ đến từng nhà",
    "lập nhóm Zalo của thôn",
    "thanh niên xung kích",
    "hương ước, quy ước của thôn",
    "vay vốn chính sách",
]


def _time(fn: Callable[[], object], runs: int = 20) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    from caunoi.accounts.models import RoleAssignment, User
    from caunoi.accounts.selectors import viewer_for_user
    from caunoi.core.text import fold
    from caunoi.geo.models import Unit, UnitLevel
    from caunoi.geo.services import units_load
    from caunoi.practices import selectors, similarity
    from caunoi.practices.models import Practice

    call_command("migrate", interactive=False, verbosity=0)
    units_load(province_code="08")
    province = Unit.objects.get(code="08")
    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE))
    admin = User.objects.create_user(username="bench.admin", password="x-Bench-2026-long")
    RoleAssignment.objects.create(user=admin, role="province_admin", unit=province)
    viewer = viewer_for_user(admin)

    rng = random.Random(2026)
    rows = []
    for i in range(N):
        unit = rng.choice(communes)
        problem = ", ".join(rng.sample(PROBLEMS, 2))
        method = "; ".join(rng.sample(METHODS, 3))
        title = f"Mô hình số {i}: {problem.split(',')[0]}"
        rows.append(
            Practice(
                unit=unit,
                year=rng.randint(2020, 2025),
                title=title,
                field=rng.choice(["economy", "culture_society", "defence_security", "political_system"]),
                people_in_charge="Bí thư chi bộ",
                started_on=dt.date(2021, 1, 1),
                problem=problem,
                method=method,
                status="recognised",
                recognised_level="commune",
                recognised_year=2025,
                search_folded=fold(f"{title} {problem} {method} {unit.name}"),
            )
        )
    start = time.perf_counter()
    Practice.objects.bulk_create(rows, batch_size=2000)
    print(f"practices: {N:,} inserted in {time.perf_counter() - start:.1f} s")

    filters = selectors.PracticeFilters(search="ngap lut")
    search_ms = _time(lambda: list(selectors.practice_list(viewer=viewer, filters=filters)[:30]))
    baseline_ms = _time(
        lambda: list(
            Practice.objects.filter(search_folded__contains="ngap").filter(search_folded__contains="lut")[:30]
        )
    )
    print(
        f"search 'ngap lut' (first page): {search_ms:.1f} ms; baseline plain LIKE: {baseline_ms:.1f} ms;"
        f" ratio {search_ms / baseline_ms:.1f}x"
    )

    start = time.perf_counter()
    similarity.rank("duong ngo hep xe cuu thuong")
    build_s = time.perf_counter() - start
    text = "ngõ hẹp quá, xe cứu thương không vào, dân ngại hiến đất"
    similar_ms = _time(lambda: selectors.practices_similar(viewer=viewer, text=text, limit=10))
    word_ms = _time(lambda: list(Practice.objects.filter(search_folded__contains="xe cuu thuong")[:10]))
    found = selectors.practices_similar(viewer=viewer, text=text, limit=3)
    print(
        f"similar: index built in {build_s:.2f} s; query {similar_ms:.1f} ms; "
        f"baseline folded LIKE {word_ms:.1f} ms; ratio {similar_ms / word_ms:.1f}x"
    )
    print("top match:", found[0].practice.problem if found else "(none)")


if __name__ == "__main__":
    main()
