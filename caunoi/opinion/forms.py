from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from caunoi.geo.models import Unit
from caunoi.opinion.models import QuestionKind, Sentiment, Topic


class LabelForm(forms.Form):
    """One message's label. The topics are read once per page and passed in, so a queue of twenty
    forms does not query the taxonomy twenty times."""

    topic = forms.TypedChoiceField(label=_("Topic"), coerce=int)
    sentiment = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics = {t.pk: t for t in topics}
        self.fields["topic"].choices = [(t.pk, t.name) for t in topics]  # type: ignore[attr-defined]

    def clean_topic(self) -> Topic:
        return self.topics[self.cleaned_data["topic"]]


class AdoptForm(forms.Form):
    name = forms.CharField(label=_("Name of the new topic"), max_length=120)


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(
        label=_("Choices (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class FieldReportForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    mood = forms.ChoiceField(label=_("General mood"), choices=Sentiment.choices, initial=Sentiment.NEUTRAL)
    remarks = forms.CharField(
        label=_("What people say (one remark per line)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    proposals = forms.CharField(
        label=_("Proposals"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.fields["unit"] = forms.TypedChoiceField(
            label=_("Commune"), coerce=int, choices=[(u.pk, u.name) for u in units]
        )
        self.order_fields(["unit", "day", "mood", "remarks", "proposals"])

    def clean_unit(self) -> Any:
        return self.units[self.cleaned_data["unit"]]


class ResponseCampaignForm(forms.Form):
    """Soạn chiến dịch trả lời: the draft's text and channels; the communes come from the spike or
    the emerging topic."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Announcement"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    channels = forms.MultipleChoiceField(label=_("Channels"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from caunoi.campaigns.models import CHANNEL_LABELS

        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(key, label) for key, label in CHANNEL_LABELS.items()]  # type: ignore[attr-defined]


class ResponseAnswerForm(forms.Form):
    """Soạn câu trả lời mẫu: a knowledge-base entry, saved unapproved."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    question = forms.CharField(label=_("Question"), max_length=300)
    keywords = forms.CharField(label=_("Keywords (comma-separated)"), max_length=300, required=False)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
