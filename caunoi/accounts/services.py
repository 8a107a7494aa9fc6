from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth import login, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from caunoi.accounts.models import ApiToken, RoleAssignment, User
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.permissions import Role
from caunoi.core.services import audit_record
from caunoi.geo.models import Unit, UnitLevel

TOKEN_PREFIX = "cn_"  # noqa: S105 - a public prefix, not a secret
# Writing last_used_at on every call would turn each API read into a write; once a minute is enough.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def _primary_unit(user: User) -> Unit | None:
    assignment = RoleAssignment.objects.active().filter(user=user).select_related("unit").first()
    return assignment.unit if assignment else None


def staff_create(
    *, username: str, full_name: str, email: str = "", password: str, role: str, unit: Unit, actor: Any
) -> User:
    """Tạo tài khoản cán bộ, always with a first role: an account without one would be invisible."""
    username = username.strip()
    if not username:
        raise ValidationFailed(_("Enter a username."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("This username is taken."), field="username")
    _check_role_unit(role, unit)
    user = User(username=username, full_name=full_name.strip(), email=email.strip())
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        # The unit of the first role places the event in an auditor's scope.
        audit_record(actor=actor, action="staff.create", obj=user, unit=unit, after={"username": username})
        role_grant(user=user, role=role, unit=unit, actor=actor)
    return user


# Where each role may be held: province roles on a province, commune roles on a commune or ward,
# auditors on either. A commune officer on a province would silently reach every commune.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.PROVINCE_ADMIN: (UnitLevel.PROVINCE,),
    Role.EDITOR: (UnitLevel.PROVINCE,),
    Role.APPROVER: (UnitLevel.PROVINCE,),
    Role.COMMUNE_OFFICER: (UnitLevel.COMMUNE,),
    Role.REPORTER: (UnitLevel.COMMUNE,),
    Role.AUDITOR: (UnitLevel.PROVINCE, UnitLevel.COMMUNE),
}


def _check_role_unit(role: str, unit: Unit) -> None:
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role."), field="role")
    if unit.level not in ROLE_LEVELS[role]:
        if ROLE_LEVELS[role] == (UnitLevel.PROVINCE,):
            raise ValidationFailed(_("This role is held on a province."), field="unit")
        if ROLE_LEVELS[role] == (UnitLevel.COMMUNE,):
            raise ValidationFailed(_("This role is held on a commune or ward."), field="unit")
        raise ValidationFailed(_("Roles are held on a province or a commune."), field="unit")
    if not unit.is_active:
        raise ValidationFailed(_("This unit no longer exists."), field="unit")


def role_grant(*, user: User, role: str, unit: Unit, actor: Any) -> RoleAssignment:
    _check_role_unit(role, unit)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, unit=unit, granted_by=actor if getattr(actor, "pk", None) else None
            )
            audit_record(actor=actor, action="role.grant", obj=user, unit=unit, after={"role": role})
    except IntegrityError:
        raise InvalidState(_("This person already holds that role on that unit.")) from None
    return assignment


def role_revoke(*, assignment: RoleAssignment, actor: Any) -> RoleAssignment:
    if assignment.revoked_at is not None:
        raise InvalidState(_("This role was already revoked."))
    with transaction.atomic():
        assignment.revoked_at = timezone.now()
        assignment.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="role.revoke",
            obj=assignment.user,
            unit=assignment.unit,
            before={"role": assignment.role},
        )
    return assignment


def staff_login(*, request: HttpRequest, user: User) -> None:
    """Start a session; two-factor verification, where needed, is asked for next by the middleware."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    audit_record(actor=user, action="staff.login", obj=user, unit=_primary_unit(user))


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator; it counts only after the first correct code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> None:
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and try again."), field="code"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=device.user, action="staff.2fa_enable", obj=device.user, unit=_primary_unit(device.user)
        )
    otp_login(request, device)


def totp_verify(*, request: HttpRequest, user: User, code: str) -> None:
    code = code.strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):
            otp_login(request, device)
            audit_record(actor=user, action="staff.2fa_verify", obj=user, unit=_primary_unit(user))
            return
    audit_record(actor=user, action="staff.2fa_failure", obj=user, unit=_primary_unit(user))
    raise ValidationFailed(
        _("That code is not right. Check the time on your phone and try again."), field="code"
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, name: str, unit: Unit, role: str, actor: Any) -> tuple[ApiToken, str]:
    """Returns the token and its secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if role not in (Role.COMMUNE_OFFICER, Role.REPORTER, Role.AUDITOR):
        raise ValidationFailed(
            _("Integration tokens can act as commune officer, reporter or auditor."), field="role"
        )
    _check_role_unit(role, unit)
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name, unit=unit, role=role, prefix=prefix, digest=_digest(secret), created_by=actor
        )
        audit_record(
            actor=actor, action="token.create", obj=token, unit=unit, after={"name": name, "role": role}
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    if token.revoked_at is not None:
        raise InvalidState(_("This token was already revoked."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", obj=token, unit=token.unit)
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX) or secret.count("_") < 2:
        return None
    prefix = secret[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("unit").first()
    if token is None or not secrets.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
