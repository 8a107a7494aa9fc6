"""Audit cases for caunoi.disclosure.services (collected by tests/accounts/test_audit_per_service.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from django.test import override_settings

from caunoi.disclosure import services
from caunoi.disclosure.models import Comment
from tests.accounts.test_audit_per_service import Expect
from tests.conftest import Personas
from tests.disclosure.support import PDF, publish


def _publish(p: Personas) -> Expect:
    publish(p.units["commune"], p.commune_officer)
    return Expect("disclosure.publish", p.commune_officer, p.units["commune"])


def _update(p: Personas) -> Expect:
    item = publish(p.units["commune"], p.commune_officer)
    services.publication_update(
        publication=item,
        category=item.category,
        title="Dự toán ngân sách (sửa)",
        body=item.body,
        published_at=item.published_at,
        actor=p.province_admin,
    )
    return Expect("disclosure.update", p.province_admin, p.units["commune"])


def _withdraw(p: Personas) -> Expect:
    item = publish(p.units["sibling"], p.sibling_officer)
    services.publication_withdraw(publication=item, actor=p.sibling_officer, reason="Nhầm số liệu")
    return Expect("disclosure.withdraw", p.sibling_officer, p.units["sibling"])


def _attach(p: Personas) -> Expect:
    item = publish(p.units["commune"], p.commune_officer)
    with override_settings(MEDIA_ROOT=tempfile.mkdtemp()):  # keep test files out of var/media
        services.attachment_add(publication=item, name="du-toan.pdf", content=PDF, actor=p.commune_officer)
    return Expect("disclosure.attach", p.commune_officer, p.units["commune"])


def _detach(p: Personas) -> Expect:
    item = publish(p.units["commune"], p.commune_officer)
    with override_settings(MEDIA_ROOT=tempfile.mkdtemp()):
        attachment = services.attachment_add(
            publication=item, name="du-toan.pdf", content=PDF, actor=p.commune_officer
        )
        services.attachment_remove(attachment=attachment, actor=p.commune_officer)
    return Expect("disclosure.detach", p.commune_officer, p.units["commune"])


def _comment(p: Personas) -> Expect:
    item = publish(p.units["commune"], p.commune_officer)
    services.comment_submit(
        publication=item,
        display_name="Bác Tư",
        text="Đề nghị công khai chi tiết.",
        client_address="203.0.113.9",
    )
    return Expect("disclosure.comment", None, p.units["commune"], actor_label="web")


def _moderate(p: Personas) -> Expect:
    item = publish(p.units["commune"], p.commune_officer)
    comment = Comment.objects.create(publication=item, display_name="Bác Tư", text="Đồng ý.")
    services.comment_moderate(comment=comment, approve=True, actor=p.commune_officer)
    return Expect("disclosure.moderate", p.commune_officer, p.units["commune"])


CASES: dict[str, Callable[[Personas], Expect]] = {
    "caunoi.disclosure.services.publication_publish": _publish,
    "caunoi.disclosure.services.publication_update": _update,
    "caunoi.disclosure.services.publication_withdraw": _withdraw,
    "caunoi.disclosure.services.attachment_add": _attach,
    "caunoi.disclosure.services.attachment_remove": _detach,
    "caunoi.disclosure.services.comment_submit": _comment,
    "caunoi.disclosure.services.comment_moderate": _moderate,
}
EXEMPT: dict[str, str] = {}
