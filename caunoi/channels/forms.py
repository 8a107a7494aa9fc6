from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caunoi.geo.models import Unit


class ConnectForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("The OA belongs to"),
        queryset=Unit.objects.none(),
        help_text=_("The province or commune that runs it."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class TestSendForm(forms.Form):
    identity = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Hello! This is a test message from Cầu Nối."),
    )
