from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from caunoi.accounts.models import User
from caunoi.citizens.models import ConsentPurpose
from caunoi.geo.models import Unit
from caunoi.inbox.models import (
    Category,
    ConversationStatus,
    Label,
    PetitionKind,
    PetitionSource,
    PetitionStatus,
)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        if obj.level == "village" and obj.parent is not None:
            return f"{obj.name} ({obj.parent.short_name})"
        return str(obj.name)


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    channel = forms.ChoiceField(label=_("Send through"), required=False)

    def __init__(self, *args: Any, channels: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = list(channels)  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Officer"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, officers: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = officers  # type: ignore[attr-defined]


class LabelsForm(forms.Form):
    labels = forms.ModelMultipleChoiceField(
        label=_("Labels"), queryset=Label.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_label = forms.CharField(label=_("New label"), max_length=40, required=False)

    def __init__(self, *args: Any, labels: QuerySet[Label], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labels"].queryset = labels  # type: ignore[attr-defined]


class ConversationStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ConversationStatus.choices)


class PlaceForm(forms.Form):
    place = UnitChoiceField(label=_("Commune or village"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, places: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]


class FromMessageForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PetitionKind.choices, initial=PetitionKind.FEEDBACK)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(active=True), required=False
    )
    place = UnitChoiceField(
        label=_("Where it happens (commune or village)"), queryset=Unit.objects.none(), required=False
    )

    def __init__(self, *args: Any, places: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]


class PetitionCreateForm(forms.Form):
    """Nhập hộ: an officer enters a case a citizen brought by phone or in person."""

    source = forms.ChoiceField(
        label=_("Received"),
        choices=[
            (PetitionSource.PHONE, PetitionSource.PHONE.label),
            (PetitionSource.IN_PERSON, PetitionSource.IN_PERSON.label),
        ],
    )
    display_name = forms.CharField(label=_("Citizen's name"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    consent_contact = forms.BooleanField(
        label=_("The citizen agrees to be contacted back about this case"), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PetitionKind.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(active=True), required=False
    )
    place = UnitChoiceField(label=_("Where it happens (commune or village)"), queryset=Unit.objects.none())
    address = forms.CharField(label=_("Place (as described)"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6)
    title = forms.CharField(label=_("Subject"), max_length=200, required=False)
    text = forms.CharField(
        label=_("What the citizen says"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    attachment = forms.FileField(label=_("Photo or document"), required=False)

    def __init__(self, *args: Any, places: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places  # type: ignore[attr-defined]

    def consents(self) -> list[str]:
        chosen: list[str] = [ConsentPurpose.FEEDBACK]
        if self.cleaned_data.get("consent_contact"):
            chosen.append(ConsentPurpose.CONTACT)
        return chosen


class PetitionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (PetitionStatus.IN_PROGRESS, PetitionStatus.IN_PROGRESS.label),
            (PetitionStatus.WAITING, PetitionStatus.WAITING.label),
        ],
    )
    text = forms.CharField(
        label=_("Message to the citizen"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer (published on the tracking page)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class TransferForm(forms.Form):
    to_unit = UnitChoiceField(label=_("Transfer to"), queryset=Unit.objects.none())
    office = forms.CharField(label=_("Office"), max_length=120, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, targets: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = targets  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Reference of the main case"), max_length=24)


class AttachmentForm(forms.Form):
    attachment = forms.FileField(label=_("Photo or document"))


class PetitionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *PetitionStatus.choices], required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *PetitionKind.choices], required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Mine"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class CitizenFeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was your case answered?"),
        coerce=int,
        choices=[(5, _("5 – very well")), (4, "4"), (3, "3"), (2, "2"), (1, _("1 – not at all"))],  # noqa: RUF001
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reopen = forms.BooleanField(label=_("The problem is not solved: reopen the case"), required=False)


class TrackForm(forms.Form):
    reference = forms.CharField(label=_("Case code"), max_length=24)


class CategoryForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    default_kind = forms.ChoiceField(label=_("Usual kind"), choices=PetitionKind.choices)


class DeadlineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PetitionKind.choices)
    working_days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=120)
    remind_days_before = forms.IntegerField(label=_("Remind days before"), min_value=0, max_value=60)


class RoutingRuleForm(forms.Form):
    unit = UnitChoiceField(label=_("Where the case is"), queryset=Unit.objects.none())
    category = forms.ModelChoiceField(
        label=_("Category (empty: all)"), queryset=Category.objects.all(), required=False
    )
    responsible_unit = UnitChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none())
    office = forms.CharField(label=_("Office"), max_length=120, required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["responsible_unit"].queryset = units  # type: ignore[attr-defined]


class CannedAnswerForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class KnowledgeForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    question = forms.CharField(label=_("Question"), max_length=300)
    keywords = forms.CharField(label=_("Keywords (comma-separated)"), max_length=300, required=False)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    approved = forms.BooleanField(label=_("Approved: may be sent automatically"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ZaloMenuForm(forms.Form):
    """Which unit's Zalo OA menu to generate, and whether a tap shows the keyword in the chat."""

    unit = UnitChoiceField(label=_("Unit of the Official Account"), queryset=Unit.objects.none())
    action = forms.ChoiceField(
        label=_("When a citizen taps an item"),
        choices=[
            ("oa.query.show", _("the keyword appears in the chat (oa.query.show)")),
            ("oa.query.hide", _("the keyword is sent hidden (oa.query.hide)")),
        ],
        initial="oa.query.show",
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
