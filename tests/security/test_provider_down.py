"""A provider that is down must not lock officers out of their own data.

Found by tests/security/test_xss_browser.py: opening a citizen's conversation opens a Zalo session to
judge the reply window (caunoi.inbox.delivery.channel_options → channels.outbound.ChannelSession), which
refreshes an expired access token over the network; when Zalo cannot be reached, the whole page is an
error instead of the conversation with Zalo shown as unavailable for now.
"""

from __future__ import annotations

from typing import Any

import pytest

from caunoi.channels.models import ChannelIdentity
from caunoi.inbox.models import Conversation
from tests.conftest import COMMUNE
from tests.security.conftest import World

pytestmark = pytest.mark.django_db


def test_a_zalo_conversation_opens_while_zalo_is_unreachable(world: World, settings: Any) -> None:
    unreachable = "http://127.0.0.1:9"  # the discard port: connection refused
    settings.CAUNOI_ZALO_OAUTH_URL = settings.CAUNOI_ZALO_API_URL = unreachable
    conversation = Conversation.objects.filter(unit__code=COMMUNE).order_by("pk").first()
    assert conversation is not None
    ChannelIdentity.objects.create(
        citizen=conversation.citizen,
        channel="zalo",
        external_id="7700000000000000042",
        account=world.objects["zalo_account"],  # connected, but its access token has expired
        follows=True,
    )

    response = world.client("commune_officer").get(f"/inbox/c/{conversation.pk}/")

    assert response.status_code == 200, response.content[:300]
    assert conversation.citizen.display_name in response.content.decode()
