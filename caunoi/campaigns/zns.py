"""Tin ZNS của chiến dịch: a registered template, its parameters filled for each resident, and the
consent its purpose needs.

A campaign gives each parameter of the template (``ZnsTemplateRecord.params``: name → maximum length)
a value: fixed text, or text with the resident's own fields in braces — ``{name}`` (how they asked to
be addressed), ``{commune}`` (their commune) and ``{reference}`` (this message's reference, to quote
when they call back). Nothing else about a person goes into a template.

A template is registered for one purpose (``ZnsTemplateRecord.purpose``, a consent purpose): an
announcement may use it only if that is the purpose its recipients consented to (news), checked when
the campaign is written, and again for each recipient when the message leaves — a resident who
withdrew that consent in between is skipped with a reason, not sent to. An emergency alert needs no
consent (docs/campaigns.md, "Consent and alerts"), but its template must still have a purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext_lazy as _

from caunoi.campaigns.models import CampaignKind
from caunoi.channels.models import ZaloAccountStatus, ZnsTemplateRecord
from caunoi.citizens.models import Consent, ConsentPurpose
from caunoi.core.errors import ValidationFailed

RESIDENT_FIELDS = ("name", "commune", "reference")
FIELD = re.compile(r"\{([^{}]*)\}")


def consent_needed(kind: str) -> str:
    """The consent an announcement's recipients gave (news); blank for an alert, which needs none."""
    return "" if kind == CampaignKind.ALERT else ConsentPurpose.NEWS.value


def template_record(template_id: str) -> ZnsTemplateRecord | None:
    """The template as registered on a connected Official Account, if it is enabled there."""
    return (
        ZnsTemplateRecord.objects.filter(
            template_id=template_id, enabled=True, account__status=ZaloAccountStatus.CONNECTED
        )
        .order_by("account_id")
        .first()
    )


def purpose_refusal(record: ZnsTemplateRecord, kind: str) -> str:
    """Why this template may not carry this kind of campaign ("" when it may)."""
    purposes = dict(ConsentPurpose.choices)
    if not record.purpose:
        return str(
            _("ZNS template %(id)s has no purpose registered; it cannot be sent.")
            % {"id": record.template_id}
        )
    needed = consent_needed(kind)
    if needed and record.purpose != needed:
        return str(
            _(
                "ZNS template %(id)s is registered for “%(purpose)s”, but the recipients of an "
                "announcement consented to “%(needed)s”. Choose a template registered for that purpose."
            )
            % {
                "id": record.template_id,
                "purpose": purposes.get(record.purpose, record.purpose),
                "needed": purposes.get(needed, needed),
            }
        )
    return ""


def params_clean(*, template_id: str, params: Mapping[str, str], kind: str) -> dict[str, str]:
    """Check a campaign's template and values against the registry; returns the values to keep.

    Raises ``ValidationFailed`` on ``zns_template_id`` (not registered, wrong purpose) or on
    ``zns_params`` (a parameter missing, unknown, too long, or a resident field that does not exist).
    """
    record = template_record(template_id)
    if record is None:
        raise ValidationFailed(
            _("ZNS template %(id)s is not registered on a connected Official Account.") % {"id": template_id},
            field="zns_template_id",
        )
    refusal = purpose_refusal(record, kind)
    if refusal:
        raise ValidationFailed(refusal, field="zns_template_id")
    values = {str(k).strip(): str(v).strip() for k, v in params.items()}
    unknown = sorted(set(values) - set(record.params))
    if unknown:
        raise ValidationFailed(
            _("ZNS template %(id)s has no parameter %(names)s.")
            % {"id": template_id, "names": ", ".join(unknown)},
            field="zns_params",
        )
    for name, limit in record.params.items():
        value = values.get(name, "")
        if not value:
            raise ValidationFailed(
                _("Give a value for the ZNS parameter %(name)s.") % {"name": name}, field="zns_params"
            )
        fields = FIELD.findall(value)
        strange = sorted(set(fields) - set(RESIDENT_FIELDS))
        if strange:
            raise ValidationFailed(
                _("%(name)s: {%(field)s} is not a resident field; use %(known)s.")
                % {
                    "name": name,
                    "field": strange[0],
                    "known": ", ".join(f"{{{f}}}" for f in RESIDENT_FIELDS),
                },
                field="zns_params",
            )
        if not fields and len(value) > int(limit):
            raise ValidationFailed(
                _("%(name)s: at most %(n)d characters.") % {"name": name, "n": int(limit)}, field="zns_params"
            )
    return {name: values[name] for name in record.params}


def params_fill(params: Mapping[str, str], fields: Mapping[str, str]) -> dict[str, str]:
    """The values for one resident: each ``{field}`` replaced by theirs (too long is the provider's
    -1121, which fails that message with the reason)."""
    return {
        name: FIELD.sub(lambda m: fields.get(m.group(1), ""), str(value)) for name, value in params.items()
    }


def consenting(citizen_ids: Iterable[int], purpose: str) -> set[int]:
    """Those of ``citizen_ids`` whose consent for ``purpose`` is active now."""
    return set(
        Consent.objects.active()
        .filter(citizen_id__in=list(citizen_ids), purpose=purpose)
        .values_list("citizen_id", flat=True)
    )
