from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caunoi.channels import web
from caunoi.channels.base import Attachment
from caunoi.channels.models import WebPostPriority
from caunoi.channels.zalo.client import IMAGE_MAX_BYTES
from caunoi.citizens.consent_texts import consent_wording
from caunoi.citizens.models import ConsentPurpose
from caunoi.core.errors import ApplicationError
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
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Hello! This is a test message from Cầu Nối."),
    )
    image = forms.FileField(
        label=_("Image (optional)"),
        required=False,
        help_text=_("JPG or PNG, at most 1 MB; uploaded to Zalo and sent with the text as its caption."),
    )

    def clean_image(self) -> Attachment | None:
        upload = self.cleaned_data.get("image")
        if upload is None:
            return None
        if upload.size > IMAGE_MAX_BYTES:
            raise forms.ValidationError(_("The image is larger than 1 MB."))
        content = upload.read()
        # The bytes decide, not the file name: a renamed file is refused here rather than by Zalo.
        if content.startswith(b"\x89PNG\r\n\x1a\n"):
            content_type = "image/png"
        elif content.startswith(b"\xff\xd8\xff"):
            content_type = "image/jpeg"
        else:
            raise forms.ValidationError(_("The file is not a JPG or PNG image."))
        return Attachment(filename=upload.name or "image", content_type=content_type, content=content)


class SmsTestForm(forms.Form):
    phone = forms.CharField(label=_("To the phone number"), max_length=20)
    text = forms.CharField(
        label=_("Message"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("Cầu Nối: a test message."),
    )
    unaccented = forms.BooleanField(
        label=_("Send without accents (cheaper: 160 characters a part instead of 70)"), required=False
    )


class EmailTestForm(forms.Form):
    address = forms.EmailField(label=_("To the email address"))


class ZnsPurposeForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Used for"),
        choices=[("", _("Not in use")), *ConsentPurpose.choices],
        required=False,
    )


class WebPostForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Published by"), queryset=Unit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text. Leave an empty line between paragraphs."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=[])
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=WebPostPriority.choices,
        help_text=_("Emergency announcements stay on top of the page for three days."),
    )
    with_audio = forms.BooleanField(
        label=_("Also read it out for the village loudspeakers (audio in the loudspeaker feed)"),
        required=False,
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["language"].choices = settings.CAUNOI_CONTENT_LANGUAGES  # type: ignore[attr-defined]


class ContactForm(forms.Form):
    """Gửi phản ánh: the public contact form, with its honeypot and signed timestamp token."""

    text = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write your message."),
            "max_length": _("Write at most %(limit_value)d characters (you wrote %(show_value)d)."),
        },
    )
    place = forms.ModelChoiceField(
        label=_("Your commune or village"),
        queryset=Unit.objects.none(),
        to_field_name="code",
        error_messages={
            "required": _("Choose your commune or village."),
            "invalid_choice": _("Choose your commune or village from the list."),
        },
    )
    display_name = forms.CharField(label=_("Your name (optional)"), max_length=120, required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    consent_feedback = forms.BooleanField(
        label="",
        required=True,
        error_messages={
            "required": _("We can only pass your message to the officers if you agree that it is handled.")
        },
    )
    consent_contact = forms.BooleanField(label="", required=False)
    # The honeypot: hidden from people (and from screen readers), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, unit: Unit, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["place"].queryset = places  # type: ignore[attr-defined]
        if unit.level == "commune":
            self.fields["place"].initial = unit.code
        self.fields["consent_feedback"].label = consent_wording(ConsentPurpose.FEEDBACK, get_language())
        self.fields["consent_contact"].label = consent_wording(ConsentPurpose.CONTACT, get_language())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("The form could not be sent. If you wrote in the field “Leave this field empty”, clear it.")
            )
        try:
            web.contact_token_check(cleaned.get("token") or "", self.unit.code)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None
        return cleaned

    def consents(self) -> list[str]:
        ticked = {
            ConsentPurpose.FEEDBACK: self.cleaned_data.get("consent_feedback"),
            ConsentPurpose.CONTACT: self.cleaned_data.get("consent_contact"),
        }
        return [purpose for purpose, given in ticked.items() if given]
