from __future__ import annotations

from django.db.models import Q, QuerySet

from caunoi.citizens.models import Citizen, Consent
from caunoi.core.errors import NotFound
from caunoi.core.permissions import Capability, Viewer
from caunoi.core.text import fold


def citizen_list(*, viewer: Viewer, search: str = "", unit_id: int | None = None) -> QuerySet[Citizen]:
    """Citizens of the communes this viewer serves; erased rows are not listed."""
    qs = Citizen.objects.present().filter(viewer.unit_q(Capability.VIEW_CITIZENS, "home_unit"))
    if unit_id is not None:
        qs = qs.filter(Q(home_unit_id=unit_id) | Q(home_unit__parent_id=unit_id))
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        q = Q(name_folded__contains=fold(search))
        if len(digits) >= 6:
            q |= Q(phone__endswith=digits.lstrip("0"))
        qs = qs.filter(q)
    return qs.select_related("home_unit", "home_unit__parent")


def access_citizen(
    viewer: Viewer,
    citizen_id: int,
    *,
    capability: Capability = Capability.VIEW_CITIZENS,
    for_update: bool = False,
) -> Citizen:
    """One citizen inside the scope of ``capability`` (pass MANAGE_CITIZENS before a change)."""
    qs = Citizen.objects.filter(viewer.unit_q(capability, "home_unit")).select_related("home_unit")
    if for_update:
        qs = qs.select_for_update()
    citizen = qs.filter(pk=citizen_id).first()
    if citizen is None:
        raise NotFound()
    return citizen


def access_consent(viewer: Viewer, consent_id: int) -> Consent:
    consent = (
        Consent.objects.filter(viewer.unit_q(Capability.MANAGE_CITIZENS, "citizen__home_unit"), pk=consent_id)
        .select_related("citizen", "citizen__home_unit")
        .first()
    )
    if consent is None:
        raise NotFound()
    return consent


def consent_counts(*, viewer: Viewer) -> dict[str, int]:
    """Active consents per purpose in the viewer's scope, for the dashboard."""
    from django.db.models import Count

    rows = (
        Consent.objects.active()
        .filter(viewer.unit_q(Capability.VIEW_CITIZENS, "citizen__home_unit"))
        .values("purpose")
        .annotate(n=Count("id"))
    )
    return {row["purpose"]: row["n"] for row in rows}
