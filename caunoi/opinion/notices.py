"""The emails of staff notices: the weekly digest (bản tin dư luận tuần) and the reminder of a missing
monthly field report. A digest is composed when it is sent, from the same aggregates as the
dashboard of the leader's unit — so the small-cell rule holds in the inbox too — and never quotes a
message.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from caunoi.core.permissions import Capability, Grant, Viewer
from caunoi.opinion.models import FieldReport, NoticeKind, StaffNotice


def _link(name: str) -> str:
    return f"{settings.CAUNOI_PUBLIC_URL}{reverse(name)}"


def leader_viewer(notice: StaffNotice) -> Viewer | None:
    """The leader as they see the notice's unit, through their roles there that may view opinion."""
    from caunoi.accounts.models import RoleAssignment

    roles = (
        RoleAssignment.objects.active()
        .filter(user=notice.user, unit=notice.unit)
        .values_list("role", flat=True)
    )
    unit = notice.unit
    grants = tuple(Grant(role, unit.pk, unit.path, unit.name) for role in roles)
    viewer = Viewer(user=notice.user, token=None, grants=grants)
    return viewer if viewer.can(Capability.VIEW_OPINION) else None


def compose(notice: StaffNotice) -> EmailMessage | str:
    """The email for a notice, or why none is sent (no address, no longer in the role, reported)."""
    if not notice.user.email:
        return "no email address"
    with translation.override(settings.LANGUAGE_CODE):
        if notice.kind == NoticeKind.DIGEST:
            return _digest(notice)
        return _reminder(notice)


def _digest(notice: StaffNotice) -> EmailMessage | str:
    from caunoi.opinion import selectors

    viewer = leader_viewer(notice)
    if viewer is None:
        return "no longer a leader of this unit"
    year, week = (int(part) for part in notice.period.split("-W"))
    end = dt.date.fromisocalendar(year, week, 1) - dt.timedelta(days=1)  # the full week before
    board = selectors.dashboard(viewer=viewer, today=end, days=7)
    subject = _("Public opinion, %(start)s to %(end)s: %(unit)s") % {
        "start": f"{board.start:%d/%m}",
        "end": f"{board.end:%d/%m/%Y}",
        "unit": notice.unit.name,
    }
    body = render_to_string(
        "opinion/email/digest.txt",
        {
            "board": board,
            "unit": notice.unit,
            "topics": [r for r in board.topics if not r.current.suppressed and r.current.messages][:8],
            "link": _link("opinion:dashboard"),
        },
    )
    return EmailMessage(subject, body, settings.CAUNOI_EMAIL_FROM, [notice.user.email])


def _reminder(notice: StaffNotice) -> EmailMessage | str:
    year, month = (int(part) for part in notice.period.split("-"))
    if FieldReport.objects.filter(unit=notice.unit, day__year=year, day__month=month).exists():
        return "the commune has reported"
    subject = _("Reminder: the field report of %(unit)s for %(month)02d/%(year)d") % {
        "unit": notice.unit.name,
        "month": month,
        "year": year,
    }
    body = render_to_string(
        "opinion/email/report_reminder.txt",
        {"unit": notice.unit, "month": month, "year": year, "link": _link("opinion:field_reports")},
    )
    return EmailMessage(subject, body, settings.CAUNOI_EMAIL_FROM, [notice.user.email])
