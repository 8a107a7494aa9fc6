from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Capability, viewer_of
from caunoi.core.registry import DashboardCard, NavItem, register_card, register_nav


def _learner_card(request: HttpRequest) -> dict[str, Any] | None:
    """Khoá học của tôi: open courses with their due dates, overdue ones first."""
    from caunoi.training.selectors import my_enrollments, my_new_reminders

    viewer = viewer_of(request)
    if not viewer.can(Capability.VIEW_TRAINING):
        return None
    enrollments = list(my_enrollments(viewer=viewer).filter(completed_at__isnull=True)[:5])
    if not enrollments:
        return None
    return {
        "enrollments": enrollments,
        "today": timezone.localdate(),
        "reminders": my_new_reminders(viewer=viewer),
    }


def _readiness_card(request: HttpRequest) -> dict[str, Any] | None:
    from caunoi.training.selectors import readiness, readiness_totals

    viewer = viewer_of(request)
    if not viewer.can(Capability.MANAGE_TRAINING):
        return None
    rows = readiness(viewer=viewer)
    totals = readiness_totals(rows)
    lagging = sorted((r for r in rows if r.overdue), key=lambda r: (-r.overdue, r.unit_name))[:5]
    return {"totals": totals, "lagging": lagging}


def register() -> None:
    register_nav(
        NavItem(
            "training",
            _("Training"),
            "training:home",
            70,
            lambda request: viewer_of(request).can(Capability.VIEW_TRAINING),
        )
    )
    register_card(DashboardCard("training_mine", "training/card_mine.html", 15, _learner_card))
    register_card(DashboardCard("training_readiness", "training/card_readiness.html", 60, _readiness_card))
