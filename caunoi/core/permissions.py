"""Who may do what, and where: capabilities per role, and the viewer's scope in units.

A role is held on a unit and reaches that unit and everything under it (a province role covers
every commune and village of the province). Scope is expressed as materialised unit paths, so a
query filters with ``path__startswith`` instead of a long list of ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from caunoi.accounts.models import ApiToken, User


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")  # quản trị tỉnh
    EDITOR = "editor", _("Department editor")  # biên tập viên
    APPROVER = "approver", _("Approver")  # lãnh đạo phê duyệt
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")  # cán bộ xã
    REPORTER = "reporter", _("Collaborator / reporter")  # cộng tác viên dư luận xã hội
    AUDITOR = "auditor", _("Auditor")  # kiểm tra, giám sát


class Capability(StrEnum):
    VIEW_DASHBOARD = "dashboard.view"
    VIEW_UNITS = "units.view"
    MANAGE_VILLAGES = "units.manage_villages"
    MANAGE_STAFF = "staff.manage"
    MANAGE_TOKENS = "tokens.manage"
    VIEW_CITIZENS = "citizens.view"
    MANAGE_CITIZENS = "citizens.manage"
    MANAGE_RETENTION = "retention.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_CHANNELS = "channels.manage"
    PUBLISH_WEB = "web.publish"  # đăng thông báo công khai: the public pages and the loudspeaker feed
    VIEW_CAMPAIGNS = "campaigns.view"  # xem chiến dịch, tiến độ và kết quả
    WRITE_CAMPAIGNS = "campaigns.write"  # soạn bài tuyên truyền, thông báo; dịch; gửi duyệt
    APPROVE_CAMPAIGNS = "campaigns.approve"  # phê duyệt (bốn mắt: never one's own)
    RELEASE_ALERTS = "alerts.release"  # phát cảnh báo khẩn cấp (a second person confirms)
    VIEW_INBOX = "inbox.view"  # xem hộp thư, phản ánh kiến nghị
    HANDLE_INBOX = "inbox.handle"  # trả lời, phân công, xử lý phản ánh kiến nghị
    CONFIGURE_INBOX = "inbox.configure"  # danh mục lĩnh vực, quy tắc chuyển, thời hạn, ngày nghỉ
    VIEW_OPINION = "opinion.view"  # dư luận xã hội: aggregates only
    LABEL_OPINION = "opinion.label"  # gán nhãn chủ đề (training the classifier)
    MANAGE_SURVEYS = "surveys.manage"  # khảo sát, thăm dò ý kiến
    FIELD_REPORTS = "opinion.field_report"  # báo cáo dư luận từ cơ sở
    VIEW_PRACTICES = "practices.view"  # mô hình "Dân vận khéo"
    REGISTER_PRACTICES = "practices.register"  # đăng ký, nhân rộng mô hình
    MANAGE_EVALUATIONS = "practices.evaluations"  # hội đồng, tiêu chí, công nhận
    VIEW_TRAINING = "training.view"  # học các khoá bồi dưỡng
    MANAGE_TRAINING = "training.manage"  # xây dựng khoá học, giao học, điểm danh, xem mức sẵn sàng


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.PROVINCE_ADMIN: frozenset(Capability),
    Role.EDITOR: frozenset(
        {
            C.VIEW_DASHBOARD,
            C.VIEW_UNITS,
            C.PUBLISH_WEB,
            C.VIEW_CAMPAIGNS,
            C.WRITE_CAMPAIGNS,
            C.RELEASE_ALERTS,
            C.VIEW_OPINION,
            C.LABEL_OPINION,
            C.MANAGE_SURVEYS,
            C.VIEW_PRACTICES,
            C.VIEW_TRAINING,
            C.MANAGE_TRAINING,
        }
    ),
    Role.APPROVER: frozenset(
        {
            C.VIEW_DASHBOARD,
            C.VIEW_UNITS,
            C.VIEW_CAMPAIGNS,
            C.APPROVE_CAMPAIGNS,
            C.RELEASE_ALERTS,
            C.VIEW_OPINION,
            C.VIEW_PRACTICES,
            C.VIEW_TRAINING,
        }
    ),
    Role.COMMUNE_OFFICER: frozenset(
        {
            C.VIEW_DASHBOARD,
            C.VIEW_UNITS,
            C.MANAGE_VILLAGES,
            C.VIEW_CITIZENS,
            C.MANAGE_CITIZENS,
            C.PUBLISH_WEB,
            C.VIEW_CAMPAIGNS,
            C.WRITE_CAMPAIGNS,
            C.VIEW_INBOX,
            C.HANDLE_INBOX,
            C.VIEW_OPINION,
            C.LABEL_OPINION,
            C.MANAGE_SURVEYS,
            C.FIELD_REPORTS,
            C.VIEW_PRACTICES,
            C.REGISTER_PRACTICES,
            C.VIEW_TRAINING,
        }
    ),
    Role.REPORTER: frozenset(
        {C.VIEW_DASHBOARD, C.VIEW_UNITS, C.VIEW_OPINION, C.FIELD_REPORTS, C.VIEW_PRACTICES, C.VIEW_TRAINING}
    ),
    Role.AUDITOR: frozenset(
        {
            C.VIEW_DASHBOARD,
            C.VIEW_UNITS,
            C.VIEW_AUDIT,
            C.VIEW_CAMPAIGNS,
            C.VIEW_INBOX,
            C.VIEW_OPINION,
            C.VIEW_PRACTICES,
            C.VIEW_TRAINING,
        }
    ),
}

# Roles whose holders must use two-factor authentication (TOTP).
TWO_FACTOR_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.APPROVER})


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    unit_name: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass(frozen=True)
class Viewer:
    """The person (or integration token) a request acts for, with the units each capability reaches."""

    user: User | None
    token: ApiToken | None
    grants: tuple[Grant, ...]

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.token is not None:
            return f"token:{self.token.prefix}"
        return "anonymous"

    def can(self, capability: Capability) -> bool:
        return any(capability in ROLE_CAPABILITIES[g.role] for g in self.grants)

    def prefixes(self, capability: Capability) -> list[str]:
        paths = sorted({g.unit_path for g in self.grants if capability in ROLE_CAPABILITIES[g.role]})
        # Drop paths already covered by a shorter one (a province role makes commune roles redundant).
        kept: list[str] = []
        for path in paths:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return kept

    def unit_q(self, capability: Capability, field: str = "") -> Q:
        """A filter on ``<field>__path`` (or ``path`` on Unit itself) limited to this capability's scope."""
        return self.path_q(capability, f"{field}__path" if field else "path")

    def path_q(self, capability: Capability, path_field: str) -> Q:
        """A filter on any field holding a unit path (e.g. the audit log's ``unit_path``)."""
        prefixes = self.prefixes(capability)
        if not prefixes:
            return Q(pk__in=[])
        q = Q()
        for prefix in prefixes:
            q |= Q(**{f"{path_field}__startswith": prefix})
        return q

    def covers(self, capability: Capability, unit: Any) -> bool:
        return any(unit.path.startswith(prefix) for prefix in self.prefixes(capability))


ANONYMOUS = Viewer(user=None, token=None, grants=())


def viewer_of(request: Any) -> Viewer:
    """The viewer the accounts middleware attached to this request (anonymous if none)."""
    return getattr(request, "viewer", ANONYMOUS)
