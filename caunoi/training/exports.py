"""Training workbooks and the certificate PDF, built from the scoped selectors."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.core.permissions import Viewer
from caunoi.reports.pdf import render_pdf
from caunoi.reports.xlsx import Sheet, workbook_bytes
from caunoi.training import selectors
from caunoi.training.models import Certificate


def readiness_workbook(*, viewer: Viewer) -> bytes:
    rows = selectors.readiness(viewer=viewer)
    return workbook_bytes(
        [
            Sheet(
                _("Readiness"),
                [
                    _("Unit code"),
                    _("Unit"),
                    _("Course"),
                    _("Assigned"),
                    _("Completed"),
                    _("Overdue"),
                    _("Completion rate"),
                ],
                [
                    (r.unit_code, r.unit_name, r.course_title, r.assigned, r.completed, r.overdue, r.percent)
                    for r in rows
                ],
            )
        ]
    )


def completions_workbook(*, viewer: Viewer) -> bytes:
    enrollments = selectors.enrollment_list(viewer=viewer)
    today = timezone.localdate()

    def status(e: object) -> str:
        if getattr(e, "completed_at", None):
            return str(_("completed"))
        return str(_("overdue")) if e.due_on < today else str(_("in progress"))  # type: ignore[attr-defined]

    return workbook_bytes(
        [
            Sheet(
                _("Completions"),
                [
                    _("Unit"),
                    _("Staff member"),
                    _("Course"),
                    _("Due date"),
                    _("Status"),
                    _("Completed"),
                    _("Certificate"),
                ],
                [
                    (
                        e.unit.name,
                        str(e.user),
                        e.course.title,
                        e.due_on,
                        status(e),
                        e.completed_at,
                        getattr(getattr(e, "certificate", None), "code", ""),
                    )
                    for e in enrollments
                ],
            )
        ]
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    return render_pdf(
        "training/certificate_pdf.html",
        {
            "certificate": certificate,
            "issued": timezone.localtime(certificate.issued_at),
            "issuer": certificate.enrollment.course.unit.name,
        },
    )
