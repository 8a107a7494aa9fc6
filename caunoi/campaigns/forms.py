from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from caunoi.accounts.models import User
from caunoi.campaigns.models import CHANNEL_LABELS, PERSONAL, AlertTemplate, Recurrence, Segment
from caunoi.citizens.models import ConsentPurpose
from caunoi.geo.models import Unit
from caunoi.opinion.models import Survey

CHANNEL_CHOICES = [(str(k), v) for k, v in CHANNEL_LABELS.items()]
FALLBACK_CHOICES = [
    ("zalo,zns,sms,email", _("Zalo → ZNS → SMS → email")),
    ("zalo,sms,zns,email", _("Zalo → SMS → ZNS → email")),
    ("sms,zalo,zns,email", _("SMS → Zalo → ZNS → email")),
    ("email,zalo,zns,sms", _("Email → Zalo → ZNS → SMS")),
]


def _language_choices() -> list[tuple[str, str]]:
    return list(settings.CAUNOI_CONTENT_LANGUAGES)


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return ("— " if obj.level == "village" else "") + obj.name


class CampaignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Sent by"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    target_units = UnitChoiceField(
        label=_("Audience: province, communes or villages"),
        queryset=Unit.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.none(), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Only citizens who chose these languages (none: everyone)"),
        choices=_language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    fallback = forms.ChoiceField(label=_("Fallback order for each citizen"), choices=FALLBACK_CHOICES)
    sms_unaccented = forms.BooleanField(label=_("Send SMS without diacritics (cheaper)"), required=False)
    scheduled_at = forms.DateTimeField(
        label=_("Send at (leave empty to send on launch)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    recurrence = forms.ChoiceField(label=_("Repeat"), choices=Recurrence.choices, required=False)
    survey = forms.ModelChoiceField(
        label=_("Survey (each recipient gets their own link)"), queryset=Survey.objects.none(), required=False
    )
    zns_template_id = forms.ChoiceField(label=_("ZNS template (for the ZNS channel)"), required=False)
    zns_params = forms.CharField(
        label=_("ZNS values, one “parameter = value” a line"),
        help_text=_(
            "A value may carry the resident's own {name}, {commune} or the message's {reference}; "
            "nothing else about a person goes into a template."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(
        self, *args: Any, units: Any, segments: Any, surveys: Any, zns_templates: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        purposes = dict(ConsentPurpose.choices)
        self.fields["zns_template_id"].choices = [  # type: ignore[attr-defined]
            ("", _("— none —")),
            *[
                (t.template_id, f"{t.template_id} {t.name} ({purposes.get(t.purpose) or '—'})")
                for t in zns_templates
            ],
        ]
        self.fields["survey"].queryset = surveys  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units.exclude(level="village")  # type: ignore[attr-defined]
        self.fields["target_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["segment"].queryset = segments  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "channels": data["channels"],
            "target_units": list(data["target_units"]),
            "fallback_order": [c for c in data["fallback"].split(",") if c in {p.value for p in PERSONAL}],
            "segment": data.get("segment"),
            "languages": data.get("languages") or [],
            "sms_unaccented": data.get("sms_unaccented", False),
            "scheduled_at": data.get("scheduled_at"),
            "recurrence": data.get("recurrence") or "",
            "survey": data.get("survey"),
            "zns_template_id": data.get("zns_template_id") or "",
            "zns_params": data.get("zns_params") or {},
        }

    def clean_zns_params(self) -> dict[str, str]:
        """ "parameter = value" lines into a mapping; the service checks them against the template."""
        values: dict[str, str] = {}
        for number, line in enumerate(str(self.cleaned_data.get("zns_params") or "").splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(
                    _("Line %(n)d: write “parameter = value”.") % {"n": number}, code="zns_line"
                )
            values[name.strip()] = value.strip()
        return values


class CampaignCreateForm(CampaignForm):
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    field_order = ["unit", "title", "body"]


class VariantForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text (web page and default for every channel)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )
    zalo_text = forms.CharField(
        label=_("Zalo message (at most 2,000 characters; empty: title and text)"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        required=False,
    )
    sms_text = forms.CharField(
        label=_("SMS text (empty: the text)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    email_html = forms.CharField(
        label=_("Email (HTML; empty: the text as paragraphs)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    loudspeaker_script = forms.CharField(
        label=_("Loudspeaker script (empty: the text)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AssignForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    translator = forms.ModelChoiceField(label=_("Translator"), queryset=User.objects.none())

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["translator"].queryset = staff  # type: ignore[attr-defined]
        self.fields["language"].choices = [c for c in _language_choices() if c[0] != "vi"]  # type: ignore[attr-defined]


class SegmentForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120)
    rule_units = UnitChoiceField(
        label=_("Communes or villages"),
        queryset=None,
        required=False,
    )
    rule_consent = forms.ChoiceField(
        label=_("Who gave consent for"), choices=[("", "—"), *ConsentPurpose.choices], required=False
    )
    rule_language = forms.ChoiceField(
        label=_("Language chosen by the citizen"),
        choices=lambda: [("", "—"), *_language_choices()],
        required=False,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.exclude(level="village")  # type: ignore[attr-defined]
        self.fields["rule_units"].queryset = units  # type: ignore[attr-defined]


class AlertTemplateForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    sms_text = forms.CharField(label=_("SMS text"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    pre_approved = forms.BooleanField(label=_("Pre-approved: one person may release it"), required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.exclude(level="village")  # type: ignore[attr-defined]


class AlertForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Alert template"), queryset=AlertTemplate.objects.none())
    units = UnitChoiceField(
        label=_("Affected communes"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Local detail (where to go, who to call)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args: Any, templates: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        self.fields["units"].queryset = units.filter(level="commune")  # type: ignore[attr-defined]


class StandDownForm(forms.Form):
    text = forms.CharField(
        label=_("All-clear message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("The danger has passed. Residents may return home; keep following the commune's guidance."),
    )
