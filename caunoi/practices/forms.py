from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caunoi.accounts.models import User
from caunoi.geo.models import Unit
from caunoi.practices.models import CriterionKey, Level, PracticeField, ReplicationStatus

_FIGURE = re.compile(r"^(?P<label>[^:=]+)[:=]\s*(?P<value>-?[\d.,]+)\s*(?P<unit>.*)$")


def figures_to_text(figures: list[dict[str, Any]]) -> str:
    lines = []
    for f in figures:
        value = f["value"]
        shown = int(value) if float(value).is_integer() else value
        lines.append(f"{f['label']}: {shown} {f.get('unit', '')}".rstrip())
    return "\n".join(lines)


class DateInput(forms.DateInput):
    input_type = "date"


class PracticeForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=250)
    field = forms.ChoiceField(label=_("Field"), choices=PracticeField.choices)
    people_in_charge = forms.CharField(
        label=_("People in charge"),
        max_length=300,
        help_text=_("Roles or names, e.g. “Chairwoman of the Women's Union, Head of Thôn Châng”."),
    )
    started_on = forms.DateField(label=_("Start"), widget=DateInput)
    ended_on = forms.DateField(label=_("End (if it has one)"), widget=DateInput, required=False)
    problem = forms.CharField(label=_("The problem it solves"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.CharField(
        label=_("Method: how people were mobilised"), widget=forms.Textarea(attrs={"rows": 4})
    )
    results = forms.CharField(label=_("Results"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    figures = forms.CharField(
        label=_("Results in figures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: label: number unit — e.g. “Households joining: 120 households”."),
    )
    beneficiaries = forms.IntegerField(label=_("Beneficiaries (people)"), min_value=0, initial=0)
    beneficiaries_note = forms.CharField(label=_("Who benefits"), max_length=300, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year

    def clean_figures(self) -> list[dict[str, str]]:
        figures = []
        for raw in self.cleaned_data["figures"].splitlines():
            line = raw.strip()
            if not line:
                continue
            match = _FIGURE.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("“%(line)s” is not “label: number unit”."), params={"line": line}, code="figure"
                )
            figures.append(
                {"label": match["label"].strip(), "value": match["value"], "unit": match["unit"].strip()}
            )
        return figures


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or document"),
        help_text=_("JPEG, PNG, WebP, PDF, Word, Excel, PowerPoint or OpenDocument."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommitteeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)
            self.initial.setdefault("level", Level.PROVINCE)


class WeightsForm(forms.Form):
    """Weights in whole percent; the sum is checked by the service so the message names the total."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in CriterionKey:
            self.fields[key.value] = forms.IntegerField(label=key.label, min_value=0, max_value=100)


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]


class ScoreForm(forms.Form):
    """Scores arrive as text so that the service, not the browser, explains what is out of range."""

    def __init__(self, *args: Any, criteria: list[tuple[str, str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label, weight in criteria:
            self.fields[key] = forms.CharField(
                label=f"{label} ({weight}%)",
                max_length=8,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0-10"}),
            )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("recognise", _("Recognise")), ("refuse", _("Do not recognise"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class OpenEvaluationForm(forms.Form):
    practice = forms.IntegerField(widget=forms.HiddenInput)


class ReplicationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Commune adopting it"), queryset=Unit.objects.none())
    started_on = forms.DateField(label=_("Start"), widget=DateInput)
    adaptation_notes = forms.CharField(
        label=_("How you adapt it"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is different in your commune: people, season, language, budget."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())


class ReplicationUpdateForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    results = forms.CharField(
        label=_("Results so far"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    beneficiaries = forms.IntegerField(label=_("Beneficiaries (people)"), min_value=0, initial=0)
    status = forms.ChoiceField(label=_("Status"), choices=ReplicationStatus.choices)


class SimilarForm(forms.Form):
    text = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Diacritics are optional: “ngap lut” finds “ngập lụt”."),
    )
