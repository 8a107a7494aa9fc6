from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from caunoi.citizens.consent_texts import consent_wording
from caunoi.citizens.models import ConsentPurpose, ConsentSource
from caunoi.geo.models import Unit


class CitizenForm(forms.Form):
    display_name = forms.CharField(label=_("Name (how to address them)"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    home_unit = forms.ModelChoiceField(label=_("Commune or village"), queryset=Unit.objects.none())
    preferred_language = forms.ChoiceField(
        label=_("Language the citizen chose"),
        choices=[],
        help_text=_("Ask the citizen; never guess it from their name or village."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["preferred_language"].choices = settings.CAUNOI_CONTENT_LANGUAGES  # type: ignore[attr-defined]


class CitizenCreateForm(CitizenForm):
    consents = forms.MultipleChoiceField(
        label=_("Consents the citizen gave"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read each text to the citizen. Tick only what they agreed to."),
    )
    consent_source = forms.ChoiceField(
        label=_("How the consent was given"),
        choices=[(s.value, s.label) for s in (ConsentSource.IN_PERSON, ConsentSource.PHONE)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consents"].choices = [  # type: ignore[attr-defined]
            (p.value, f"{p.label} — “{consent_wording(p.value)}”") for p in ConsentPurpose
        ]


class ConsentGrantForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    source = forms.ChoiceField(
        label=_("How it was given"),
        choices=[(s.value, s.label) for s in (ConsentSource.IN_PERSON, ConsentSource.PHONE)],
    )


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("For example: the citizen asked on 12/03/2026.")
    )
    confirm = forms.BooleanField(label=_("I understand this cannot be undone."))


class RetentionForm(forms.Form):
    keep_days = forms.IntegerField(label=_("Keep for (days)"), min_value=1, max_value=36500)
