from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caunoi.core.permissions import Role
from caunoi.geo.models import Unit
from caunoi.training.models import QuestionKind


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=1, max_value=100, initial=70)
    requires_attendance = forms.BooleanField(
        label=_("Learners must attend an in-person session"), required=False
    )


class CourseCreateForm(CourseForm):
    unit = forms.ModelChoiceField(label=_("Unit that owns the course"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Blank line: new paragraph. “## ” heading, “- ” bullet, “1. ” numbered item, **bold**."),
    )
    link_url = forms.URLField(label=_("Link (optional)"), required=False, assume_scheme="https")
    link_title = forms.CharField(label=_("Link title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("Handout (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG, DOCX, XLSX or PPTX, at most 10 MB."),
    )


class LessonEditForm(LessonForm):
    """The lesson's text and link; handouts are attached from the course page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["file"]


class FileForm(forms.Form):
    file = forms.FileField(
        label=_("Handout"), help_text=_("PDF, PNG, JPEG, DOCX, XLSX or PPTX, at most 10 MB.")
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Answers, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Start each correct answer with “*”."),
    )
    explanation = forms.CharField(
        label=_("Explanation shown after submitting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_choices(self) -> list[tuple[str, bool]]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
        return [(line.lstrip("*").strip(), line.startswith("*")) for line in lines]


class AssignmentForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        help_text=_("The unit and every unit below it."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.COMMUNE_OFFICER)
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    unit = forms.ModelChoiceField(label=_("For the learners of"), queryset=Unit.objects.none())
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=200)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
