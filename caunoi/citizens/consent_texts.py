"""The words a citizen is shown (or read aloud) for each purpose; stored verbatim with every consent.

Change the text → bump ``WORDING_VERSION``: earlier consents keep the words they were given under.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from caunoi.citizens.models import ConsentPurpose

WORDING_VERSION = "2026-01"

_WORDING = {
    ConsentPurpose.NEWS: _(
        "I agree that the commune and province send me announcements and news on the channels I chose. "
        "I can withdraw this at any time."
    ),
    ConsentPurpose.FEEDBACK: _(
        "I agree that my feedback or petition, with my contact details, is used to handle it and is seen "
        "only by the officers responsible. I can withdraw this at any time."
    ),
    ConsentPurpose.CONTACT: _(
        "I agree that an officer contacts me back about my case by phone or message. "
        "I can withdraw this at any time."
    ),
    ConsentPurpose.SURVEYS: _(
        "I agree to be invited to surveys. My answers are counted only together with others'. "
        "I can withdraw this at any time."
    ),
}


def consent_wording(purpose: str, language: str = "vi") -> str:
    with translation.override(language):
        return str(_WORDING[ConsentPurpose(purpose)])
