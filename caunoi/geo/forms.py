from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from caunoi.geo.models import UnitType


class VillageForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("For example: Thôn Nà Khà, Tổ dân phố 5")
    )
    unit_type = forms.ChoiceField(
        label=_("Type"),
        choices=[(t.value, t.label) for t in (UnitType.VILLAGE, UnitType.RESIDENTIAL_GROUP)],
    )
