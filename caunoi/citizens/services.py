from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caunoi.citizens import privacy, retention
from caunoi.citizens.consent_texts import WORDING_VERSION, consent_wording
from caunoi.citizens.models import Citizen, Consent, ConsentPurpose, ConsentSource, RetentionPolicy
from caunoi.core.errors import InvalidState, ValidationFailed
from caunoi.core.phone import normalize_vn_phone
from caunoi.core.services import audit_record
from caunoi.core.text import fold, nfc
from caunoi.geo.models import Unit, UnitLevel


def content_languages() -> list[tuple[str, str]]:
    return list(settings.CAUNOI_CONTENT_LANGUAGES)


def _clean_contact(*, display_name: str, phone: str, email: str, preferred_language: str) -> dict[str, str]:
    display_name = nfc(display_name).strip()
    if phone.strip():
        try:
            phone = normalize_vn_phone(phone)
        except ValueError:
            raise ValidationFailed(
                _("Enter a Vietnamese phone number, e.g. 0912 345 678."), field="phone"
            ) from None
    else:
        phone = ""
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(_("Enter a valid email address."), field="email") from None
    if preferred_language and preferred_language not in dict(content_languages()):
        raise ValidationFailed(_("Unknown language."), field="preferred_language")
    return {
        "display_name": display_name,
        "name_folded": fold(display_name),
        "phone": phone,
        "email": email,
        "preferred_language": preferred_language,
    }


def citizen_create(
    *,
    home_unit: Unit,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    preferred_language: str = "vi",
    consents: Iterable[str] = (),
    consent_source: str = ConsentSource.IN_PERSON,
    consent_language: str = "vi",
    actor: Any,
) -> Citizen:
    """Ghi nhận người dân. Consents are only those the citizen actually gave; none is assumed.

    ``home_unit`` is a commune or village; a province means "commune not known yet" (someone who
    first wrote to the provincial Zalo OA), so province officers see them until the commune is set.
    ``consent_language`` is the language the consent texts were shown in, so the stored wording is
    the one the citizen read.
    """
    if home_unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ValidationFailed(_("Choose the citizen's commune or village."), field="home_unit")
    fields = _clean_contact(
        display_name=display_name, phone=phone, email=email, preferred_language=preferred_language
    )
    with transaction.atomic():
        citizen = Citizen.objects.create(
            home_unit=home_unit,
            created_by=actor if getattr(actor, "pk", None) else None,
            last_activity_at=timezone.now(),
            **fields,
        )
        audit_record(actor=actor, action="citizen.create", obj=citizen, unit=home_unit)
        for purpose in consents:
            consent_grant(
                citizen=citizen,
                purpose=purpose,
                source=consent_source,
                actor=actor,
                language=consent_language,
            )
    return citizen


def citizen_update(
    *,
    citizen: Citizen,
    display_name: str,
    phone: str,
    email: str,
    preferred_language: str,
    home_unit: Unit,
    actor: Any,
) -> Citizen:
    if citizen.erased_at:
        raise InvalidState(_("This citizen's data was erased."))
    if home_unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        raise ValidationFailed(_("Choose the citizen's commune or village."), field="home_unit")
    fields = _clean_contact(
        display_name=display_name, phone=phone, email=email, preferred_language=preferred_language
    )
    changed = [name for name, value in fields.items() if getattr(citizen, name) != value]
    if citizen.home_unit_id != home_unit.pk:
        changed.append("home_unit")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(citizen, name, value)
        citizen.home_unit = home_unit
        citizen.save()
        # Only field names go to the audit log: the values are personal data.
        audit_record(
            actor=actor, action="citizen.update", obj=citizen, unit=home_unit, after={"fields": changed}
        )
    return citizen


def citizen_viewed(*, citizen: Citizen, actor: Any) -> None:
    """Record who opened a citizen's personal data: the law asks that access be traceable."""
    audit_record(actor=actor, action="citizen.view", obj=citizen, unit=citizen.home_unit)


def citizen_touch(*, citizen: Citizen) -> None:
    """Record activity (a message, a petition) so retention counts from the last contact."""
    Citizen.objects.filter(pk=citizen.pk).update(last_activity_at=timezone.now())


def consent_grant(
    *, citizen: Citizen, purpose: str, source: str, actor: Any, language: str = "vi"
) -> Consent:
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed(_("Unknown purpose."), field="purpose")
    if source not in ConsentSource.values:
        raise ValidationFailed(_("Unknown source."), field="source")
    if citizen.erased_at:
        raise InvalidState(_("This citizen's data was erased."))
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                citizen=citizen,
                purpose=purpose,
                wording=consent_wording(purpose, language),
                wording_version=WORDING_VERSION,
                source=source,
                granted_at=timezone.now(),
                recorded_by=actor if getattr(actor, "pk", None) else None,
            )
            audit_record(
                actor=actor,
                action="consent.grant",
                obj=citizen,
                unit=citizen.home_unit,
                after={"purpose": purpose, "source": source, "wording_version": WORDING_VERSION},
            )
    except IntegrityError:
        raise InvalidState(_("This consent is already given.")) from None
    return consent


def consent_withdraw(*, consent: Consent, actor: Any) -> Consent:
    if consent.withdrawn_at is not None:
        raise InvalidState(_("This consent was already withdrawn."))
    with transaction.atomic():
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            action="consent.withdraw",
            obj=consent.citizen,
            unit=consent.citizen.home_unit,
            before={"purpose": consent.purpose},
        )
    return consent


def citizen_export(*, citizen: Citizen, actor: Any) -> dict[str, Any]:
    """Everything we hold about one citizen, as the Personal Data Protection Law lets them ask for."""
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "citizen": {
            "id": citizen.pk,
            "display_name": citizen.display_name,
            "phone": citizen.phone,
            "email": citizen.email,
            "home_unit": {"code": citizen.home_unit.code, "name": citizen.home_unit.name},
            "preferred_language": citizen.preferred_language,
            "created_at": citizen.created_at.isoformat(),
            "last_activity_at": citizen.last_activity_at.isoformat(),
            "erased_at": citizen.erased_at.isoformat() if citizen.erased_at else None,
        },
        "consents": [
            {
                "purpose": c.purpose,
                "wording": c.wording,
                "wording_version": c.wording_version,
                "source": c.source,
                "granted_at": c.granted_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in citizen.consents.order_by("granted_at")
        ],
    }
    for key, exporter in sorted(privacy.exporters().items()):
        data[key] = exporter(citizen)
    audit_record(actor=actor, action="citizen.export", obj=citizen, unit=citizen.home_unit)
    return data


def citizen_erase(*, citizen: Citizen, actor: Any, reason: str) -> Citizen:
    """Xoá dữ liệu cá nhân: blank every personal field here and in every registered app.

    The row stays, with its commune or village, so counts per unit and period do not change. Consents
    stay as evidence of what was agreed, all withdrawn.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("Say why the data is erased (e.g. the citizen's request)."), field="reason")
    now = timezone.now()
    with transaction.atomic():
        # Lock the row: two officers erasing at once must not both run the erasers.
        if Citizen.objects.select_for_update().filter(pk=citizen.pk, erased_at__isnull=False).exists():
            raise InvalidState(_("This citizen's data was already erased."))
        touched = {key: eraser(citizen) for key, eraser in sorted(privacy.erasers().items())}
        citizen.consents.active().update(withdrawn_at=now)
        Citizen.objects.filter(pk=citizen.pk).update(
            display_name="", name_folded="", phone="", email="", preferred_language="", erased_at=now
        )
        audit_record(
            actor=actor,
            action="citizen.erase",
            obj=citizen,
            unit=citizen.home_unit,
            after={"reason": reason[:200], "records": touched},
        )
    citizen.refresh_from_db()
    return citizen


def citizens_purge_inactive(cutoff: dt.datetime) -> int:
    """Retention: erase citizens whose last contact is older than ``cutoff``."""
    count = 0
    for citizen in Citizen.objects.present().filter(last_activity_at__lt=cutoff).select_related("home_unit"):
        citizen_erase(citizen=citizen, actor=None, reason="retention: no activity")
        count += 1
    return count


def retention_policy_set(*, data_kind: str, keep_days: int, actor: Any) -> RetentionPolicy:
    known = {k.key for k in retention.kinds()}
    if data_kind not in known:
        raise ValidationFailed(_("Unknown kind of data."), field="data_kind")
    if not 1 <= keep_days <= 36500:
        raise ValidationFailed(_("Keep data between 1 and 36,500 days."), field="keep_days")
    with transaction.atomic():
        policy, _created = RetentionPolicy.objects.update_or_create(
            data_kind=data_kind, defaults={"keep_days": keep_days, "updated_by": actor}
        )
        audit_record(
            actor=actor,
            action="retention.set",
            obj=policy,
            after={"data_kind": data_kind, "keep_days": keep_days},
        )
    return policy


def retention_days(data_kind: str) -> int:
    policy = RetentionPolicy.objects.filter(data_kind=data_kind).first()
    return policy.keep_days if policy else retention.kind(data_kind).default_days


def retention_apply_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention policy once; returns records purged per kind."""
    now = now or timezone.now()
    results = {}
    for kind in retention.kinds():
        cutoff = now - dt.timedelta(days=retention_days(kind.key))
        results[kind.key] = kind.purge(cutoff)
    if any(results.values()):
        audit_record(actor=None, action="retention.apply", after=results)
    return results
