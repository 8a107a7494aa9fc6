from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caunoi.core.errors import ApplicationError
from caunoi.disclosure import services, spam
from caunoi.disclosure.models import Category
from caunoi.geo.models import Unit

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PublicationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Board of"), queryset=Unit.objects.none(), to_field_name="code")
    category = forms.ChoiceField(label=_("Kind of content"), choices=Category.choices)
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Public: write nothing personal about anyone (no phone numbers, ID numbers or addresses)."
        ),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=services.LEGAL_BASIS_MAX,
        required=False,
        help_text=_("Leave empty to show the article of the Law on Grassroots Democracy for this kind."),
    )
    published_at = forms.DateTimeField(label=_("Published from"), required=False, widget=_DATETIME)
    ends_at = forms.DateTimeField(
        label=_("Published until"),
        required=False,
        widget=_DATETIME,
        help_text=_("The law sets minimum periods for some content; leave empty to keep it on the board."),
    )
    comments_open = forms.BooleanField(label=_("Residents may comment"), required=False, initial=True)
    file = forms.FileField(
        label=_("Document (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG, DOCX or XLSX; the content is checked. Add more on the next page."),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PublicationEditForm(PublicationForm):
    """The same fields, without the unit: a publication stays on the board it was made for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, units=None, **kwargs)
        del self.fields["unit"]
        del self.fields["file"]
        self.fields["published_at"].required = True


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"), help_text=_("PDF, PNG, JPEG, DOCX or XLSX; the content is checked.")
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is it withdrawn?"), max_length=300)


class CommentForm(forms.Form):
    """Góp ý: the public comment form, with its honeypot and signed timestamp token."""

    display_name = forms.CharField(
        label=_("Name to show"),
        max_length=services.NAME_MAX,
        help_text=_("Shown with your comment. A first name or a village is enough."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    text = forms.CharField(
        label=_("Your comment"),
        max_length=services.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("Write at most %(limit_value)d characters (you wrote %(show_value)d).")
        },
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, publication_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publication_id = publication_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("The form could not be sent. If you wrote in the field “Leave this field empty”, clear it.")
            )
        try:
            spam.comment_token_check(cleaned.get("token") or "", self.publication_id)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return cleaned
