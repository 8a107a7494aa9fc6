"""Demo history for the opinion dashboard: four weeks of analysed messages in a few communes of
Tuyên Quang, then a burst about one issue in Phường Hà Giang 1 today, so the dashboard shows topics,
a spike and an emerging topic at once. Live messages from the Zalo emulator's followers are added by
the analysis task as they arrive.

The history is recorded the way the analysis task records messages (redacted text, counts,
contributor marks); the demo's pseudo-citizens exist only as numbers far above any real id.
Idempotent: nothing is added when analysed messages already exist.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from caunoi.geo.models import Unit, UnitLevel
from caunoi.opinion.analysis import analyse
from caunoi.opinion.corpus.build import training_examples
from caunoi.opinion.models import AnalysedMessage, Source
from caunoi.opinion.services import _record, clusters_discover, current_models, spikes_detect

PROVINCE = "08"
NAMED = ("00694", "00691")  # the demo officers' communes
OTHERS = 4
DAYS = 28
PSEUDO_CITIZENS = 1_000_000_000  # demo-only ids, never a real citizen's
BURST = [
    "Cây xăng đầu cầu Mè bán xăng pha nước, xe chết máy hết",
    "xang o cay xang cau Me bi pha nuoc, xe may hong",
    "Đổ xăng ở cây xăng cầu Mè xong xe không nổ được",
    "cây xăng cầu Mè bán xăng kém chất lượng quá",
    "Xe tôi đổ xăng cầu Mè về là chết máy",
    "xăng pha nước ở cầu Mè, đề nghị kiểm tra cây xăng",
    "Cay xang cau Me ban xang ban, nhieu xe hong",
    "cây xăng cầu Mè lừa dân, xăng toàn nước",
    "đổ xăng cây xăng cầu Mè bị hỏng xe, ai chịu trách nhiệm",
    "kiểm tra giúp cây xăng cầu Mè, xăng có nước",
    "Cây xăng cầu Mè phải bị xử lý, xe cả xóm hỏng",
    "xe ô tô nhà tôi cũng hỏng vì xăng cầu Mè",
]


def demo_seed() -> None:
    if AnalysedMessage.objects.exists():
        return
    communes = Unit.objects.filter(parent__code=PROVINCE, level=UnitLevel.COMMUNE).order_by("code")
    units = {
        u.code: u for u in [*communes.filter(code__in=NAMED), *communes.exclude(code__in=NAMED)[:OTHERS]]
    }
    if not units:
        return
    rng = random.Random(8)
    texts = [e.text for e in training_examples()]
    today = timezone.localdate()
    rows: list[tuple[str, Unit, dt.date, int]] = []
    for offset in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=offset)
        for unit in units.values():
            for _ in range(rng.randint(1, 6)):
                rows.append((rng.choice(texts), unit, day, PSEUDO_CITIZENS + rng.randint(0, 400)))
    burst_unit = units.get("00694") or next(iter(units.values()))
    for n, text in enumerate(BURST):
        rows.append((text, burst_unit, today, PSEUDO_CITIZENS + 10_000 + n))
    models = current_models()
    results = analyse(models, [text for text, _, _, _ in rows])
    with transaction.atomic():
        _record(
            [(r, unit, day, citizen) for r, (_, unit, day, citizen) in zip(results, rows, strict=True)],
            source=Source.INBOUND,
            model_key=models.key,
        )
    spikes_detect(day=today)
    clusters_discover(today=today)
