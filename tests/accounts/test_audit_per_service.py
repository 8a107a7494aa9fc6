"""Every service that changes state writes an audit row with the right action, actor and unit.

The first test walks every ``caunoi/*/services.py``: a public function must either have a case (below,
or in the app's ``tests/<app>/audit_cases.py``) or an exemption that says why it writes no row. A new
service without either fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import caunoi
from caunoi.accounts import services as accounts
from caunoi.accounts.models import RoleAssignment
from caunoi.channels import services as channels
from caunoi.citizens import services as citizens
from caunoi.citizens.models import Citizen
from caunoi.core.models import AuditEvent
from caunoi.core.permissions import Role
from caunoi.geo import services as geo
from caunoi.geo.models import Unit
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

EXEMPT = {
    "caunoi.core.services.audit_record": "it is the audit row",
    "caunoi.core.services.worker_heartbeat_record": "a liveness beat every minute, not a change anyone made",
    "caunoi.accounts.services.totp_device_start": "an unconfirmed device grants nothing; confirming it is",
    "caunoi.accounts.services.api_token_authenticate": "a read; last_used_at is bookkeeping",
    "caunoi.citizens.services.citizen_touch": "activity bookkeeping that retention counts from",
    "caunoi.citizens.services.content_languages": "a read",
    "caunoi.citizens.services.retention_days": "a read",
    "caunoi.channels.services.zalo_webhook_receive": "stores the provider's raw event, itself the record",
    "caunoi.channels.services.sms_delivery_report_receive": "stores the gateway's raw report, the record",
    "caunoi.channels.services.email_bounce_receive": "stores the raw DSN, itself the record",
    # The Zalo account services talk to Zalo, so their audit rows are asserted where the emulator runs:
    # tests/channels/test_zalo_webhook.py (zalo.connect, zalo.token_refresh, zalo.test_send,
    # zalo.followers_backfill).
    "caunoi.channels.services.zalo_authorization_start": "builds a link; nothing is written",
    "caunoi.channels.services.zalo_account_connect": "audited as zalo.connect, asserted with the emulator",
    "caunoi.channels.services.zalo_access_token": "audited as zalo.token_refresh when it refreshes",
    "caunoi.channels.services.zalo_tokens_refresh_due": "calls zalo_access_token for each due account",
    "caunoi.channels.services.zalo_test_send": "audited as zalo.test_send, asserted with the emulator",
    "caunoi.channels.services.zalo_followers_backfill": "audited as zalo.followers_backfill, asserted there",
    "caunoi.channels.services.zns_templates_sync": "audited as zns.templates_sync, asserted there",
    "caunoi.channels.services.zns_template_purpose_set": "audited as zns.template_purpose, asserted there",
    "caunoi.channels.services.zns_templates": "a read",
    "caunoi.channels.services.zalo_tag_sync": "audited as zalo.tag_sync, asserted with the emulator",
    "caunoi.channels.services.sms_test_send": "audited as sms.test_send, asserted in test_channels_page.py",
    "caunoi.channels.services.email_test_send": "audited as email.test_send, asserted there too",
    "caunoi.channels.services.sms_test_estimate": "a price quote; nothing is written",
    "caunoi.channels.services.webhook_event_process": (
        "applies a citizen's own action or a provider's delivery report; "
        "the citizen and consent services it calls are audited"
    ),
}


@dataclass(frozen=True)
class Expect:
    action: str
    actor: Any  # a User, or None for the system / an integration token
    unit: Unit | None
    actor_label: str | None = None


Case = Callable[[Personas], Expect]


def _request(user: Any = None) -> Any:
    request = RequestFactory().post("/")
    SessionMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type]
    request.user = user or AnonymousUser()
    return request


def _code(device: TOTPDevice, ahead: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead):06d}"


def _staff_create(p: Personas) -> Expect:
    accounts.staff_create(
        username="xa.moi",
        full_name="Cán Bộ Mới",
        password="Đèo-Mã-Pí-Lèng-2026",
        role="commune_officer",
        unit=p.units["commune"],
        actor=p.province_admin,
    )
    return Expect("staff.create", p.province_admin, p.units["commune"])


def _role_grant(p: Personas) -> Expect:
    accounts.role_grant(
        user=p.commune_officer, role=Role.REPORTER, unit=p.units["sibling"], actor=p.province_admin
    )
    return Expect("role.grant", p.province_admin, p.units["sibling"])


def _role_revoke(p: Personas) -> Expect:
    accounts.role_revoke(assignment=RoleAssignment.objects.get(user=p.reporter), actor=p.province_admin)
    return Expect("role.revoke", p.province_admin, p.units["commune"])


def _staff_login(p: Personas) -> Expect:
    accounts.staff_login(request=_request(), user=p.commune_officer)
    return Expect("staff.login", p.commune_officer, p.units["commune"])


def _totp_device_confirm(p: Personas) -> Expect:
    device = accounts.totp_device_start(user=p.approver)
    accounts.totp_device_confirm(request=_request(p.approver), device=device, code=_code(device))
    return Expect("staff.2fa_enable", p.approver, p.units["province"])


def _totp_verify(p: Personas) -> Expect:
    device = TOTPDevice.objects.create(user=p.approver, name="phone", confirmed=True)
    accounts.totp_verify(request=_request(p.approver), user=p.approver, code=_code(device))
    return Expect("staff.2fa_verify", p.approver, p.units["province"])


def _api_token_create(p: Personas) -> Expect:
    accounts.api_token_create(name="Loa", unit=p.units["commune"], role=Role.REPORTER, actor=p.province_admin)
    return Expect("token.create", p.province_admin, p.units["commune"])


def _api_token_revoke(p: Personas) -> Expect:
    token, _secret = accounts.api_token_create(
        name="Loa", unit=p.units["commune"], role=Role.REPORTER, actor=p.province_admin
    )
    accounts.api_token_revoke(token=token, actor=p.province_admin)
    return Expect("token.revoke", p.province_admin, p.units["commune"])


def _citizen_create(p: Personas) -> Expect:
    citizens.citizen_create(home_unit=p.units["commune"], display_name="Anh Mới", actor=p.commune_officer)
    return Expect("citizen.create", p.commune_officer, p.units["commune"])


def _citizen_create_by_token(p: Personas) -> Expect:
    from caunoi.accounts.selectors import viewer_for_token

    token, _secret = accounts.api_token_create(
        name="Cổng", unit=p.units["commune"], role=Role.COMMUNE_OFFICER, actor=p.province_admin
    )
    citizens.citizen_create(
        home_unit=p.units["commune"], display_name="Qua API", actor=viewer_for_token(token)
    )
    return Expect("citizen.create", None, p.units["commune"], actor_label=f"token:{token.prefix}")


def _citizen_update(p: Personas) -> Expect:
    c = p.citizen
    citizens.citizen_update(
        citizen=c,
        display_name=c.display_name,
        phone="0915000111",
        email="",
        preferred_language="vi",
        home_unit=c.home_unit,
        actor=p.commune_officer,
    )
    return Expect("citizen.update", p.commune_officer, p.units["commune"])


def _citizen_viewed(p: Personas) -> Expect:
    citizens.citizen_viewed(citizen=p.citizen, actor=p.province_admin)
    return Expect("citizen.view", p.province_admin, p.units["commune"])


def _consent_grant(p: Personas) -> Expect:
    citizens.consent_grant(citizen=p.citizen, purpose="surveys", source="phone", actor=p.commune_officer)
    return Expect("consent.grant", p.commune_officer, p.units["commune"])


def _consent_withdraw(p: Personas) -> Expect:
    citizens.consent_withdraw(consent=p.citizen.consents.get(purpose="news"), actor=p.commune_officer)
    return Expect("consent.withdraw", p.commune_officer, p.units["commune"])


def _citizen_export(p: Personas) -> Expect:
    citizens.citizen_export(citizen=p.citizen, actor=p.commune_officer)
    return Expect("citizen.export", p.commune_officer, p.units["commune"])


def _citizen_erase(p: Personas) -> Expect:
    citizens.citizen_erase(citizen=p.citizen, actor=p.commune_officer, reason="Yêu cầu của người dân")
    return Expect("citizen.erase", p.commune_officer, p.units["commune"])


def _citizens_purge_inactive(p: Personas) -> Expect:
    Citizen.objects.filter(pk=p.citizen.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=400))
    assert citizens.citizens_purge_inactive(timezone.now() - dt.timedelta(days=365)) == 1
    return Expect("citizen.erase", None, p.units["commune"], actor_label="system")


def _retention_policy_set(p: Personas) -> Expect:
    citizens.retention_policy_set(data_kind="citizen_inactive", keep_days=90, actor=p.province_admin)
    return Expect("retention.set", p.province_admin, None)


def _retention_apply_all(p: Personas) -> Expect:
    Citizen.objects.filter(pk=p.citizen.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=5000))
    citizens.retention_apply_all()
    return Expect("retention.apply", None, None, actor_label="system")


def _units_load(p: Personas) -> Expect:
    Unit.objects.filter(pk=p.units["commune"].pk).update(name="Phường Tên Cũ")
    geo.units_load(province_code="08", actor=p.province_admin)
    return Expect("units.load", p.province_admin, None)


def _web_post_publish(p: Personas) -> Expect:
    channels.web_post_publish(
        unit=p.units["commune"], title="Lịch họp", body="Họp lúc 8h.", actor=p.commune_officer
    )
    return Expect("web_post.publish", p.commune_officer, p.units["commune"])


def _web_post_withdraw(p: Personas) -> Expect:
    post = channels.web_post_publish(
        unit=p.units["sibling"], title="Tin", body="Tin.", actor=p.province_admin
    )
    channels.web_post_withdraw(post=post, actor=p.province_admin)
    return Expect("web_post.withdraw", p.province_admin, p.units["sibling"])


def _web_post_audio_synthesize(p: Personas) -> Expect:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (`make audio-tools`)")
    post = channels.web_post_publish(
        unit=p.units["commune"], title="Loa", body="Bà con chú ý.", actor=p.commune_officer, with_audio=True
    )
    channels.web_post_audio_synthesize(post=post)
    return Expect("web_post.audio", None, p.units["commune"], actor_label="system")


def _web_contact_submit(p: Personas) -> Expect:
    channels.web_contact_submit(
        unit=p.units["commune"],
        place=p.units["commune"],
        text="Đèn đường hỏng.",
        consents=["feedback"],
        client_address="203.0.113.5",
    )
    return Expect("web.contact", None, p.units["commune"], actor_label="web")


def _village_create(p: Personas) -> Expect:
    geo.village_create(commune=p.units["commune"], name="Thôn Nà Khà", actor=p.commune_officer)
    return Expect("village.create", p.commune_officer, p.units["commune"])


CASES: dict[str, Case] = {
    "caunoi.accounts.services.staff_create": _staff_create,
    "caunoi.accounts.services.role_grant": _role_grant,
    "caunoi.accounts.services.role_revoke": _role_revoke,
    "caunoi.accounts.services.staff_login": _staff_login,
    "caunoi.accounts.services.totp_device_confirm": _totp_device_confirm,
    "caunoi.accounts.services.totp_verify": _totp_verify,
    "caunoi.accounts.services.api_token_create": _api_token_create,
    "caunoi.accounts.services.api_token_revoke": _api_token_revoke,
    "caunoi.citizens.services.citizen_create": _citizen_create,
    "caunoi.citizens.services.citizen_create (token)": _citizen_create_by_token,
    "caunoi.citizens.services.citizen_update": _citizen_update,
    "caunoi.citizens.services.citizen_viewed": _citizen_viewed,
    "caunoi.citizens.services.consent_grant": _consent_grant,
    "caunoi.citizens.services.consent_withdraw": _consent_withdraw,
    "caunoi.citizens.services.citizen_export": _citizen_export,
    "caunoi.citizens.services.citizen_erase": _citizen_erase,
    "caunoi.citizens.services.citizens_purge_inactive": _citizens_purge_inactive,
    "caunoi.citizens.services.retention_policy_set": _retention_policy_set,
    "caunoi.citizens.services.retention_apply_all": _retention_apply_all,
    "caunoi.geo.services.units_load": _units_load,
    "caunoi.geo.services.village_create": _village_create,
    "caunoi.channels.services.web_post_publish": _web_post_publish,
    "caunoi.channels.services.web_post_withdraw": _web_post_withdraw,
    "caunoi.channels.services.web_post_audio_synthesize": _web_post_audio_synthesize,
    "caunoi.channels.services.web_contact_submit": _web_contact_submit,
}


def _app_cases() -> None:
    """Apps keep their own cases in ``tests/<app>/audit_cases.py`` (``CASES`` and ``EXEMPT`` dicts)."""
    for app in pkgutil.iter_modules(caunoi.__path__):
        try:
            module = importlib.import_module(f"tests.{app.name}.audit_cases")
        except ModuleNotFoundError:
            continue
        CASES.update(module.CASES)
        EXEMPT.update(module.EXEMPT)


_app_cases()


def _service_functions() -> set[str]:
    names = set()
    for app in pkgutil.iter_modules(caunoi.__path__):
        if not app.ispkg:
            continue
        try:
            module = importlib.import_module(f"caunoi.{app.name}.services")
        except ModuleNotFoundError:
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                names.add(f"{module.__name__}.{name}")
    return names


def test_every_service_has_an_audit_case_or_a_reason_not_to():
    services = _service_functions()
    covered = {name.split(" ")[0] for name in CASES} | set(EXEMPT)

    assert services - covered == set(), "add an audit case (or an exemption with its reason) for these"
    assert covered - services == set(), "these cases name services that no longer exist"


@pytest.mark.parametrize("service", list(CASES))
def test_the_service_writes_an_audit_row(personas, service):
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    expect = CASES[service](personas)

    rows = list(AuditEvent.objects.filter(id__gt=last, action=expect.action))
    assert len(rows) == 1, f"{service} should write exactly one {expect.action} row, wrote {len(rows)}"
    row = rows[0]
    assert row.actor == expect.actor
    assert row.unit_id == (expect.unit.pk if expect.unit else None)
    assert row.unit_path == (expect.unit.path if expect.unit else "")
    if expect.actor_label is not None:
        assert row.actor_label == expect.actor_label
    elif expect.actor is not None:
        assert row.actor_label == expect.actor.username
    assert row.occurred_at <= timezone.now()
