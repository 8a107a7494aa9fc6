"""A segment becomes a tag on the Zalo OA (nhãn), so officers find the same people in Zalo's own tools."""

from __future__ import annotations

import pytest
from huey.contrib.djhuey import HUEY

from caunoi.campaigns import services
from caunoi.channels.services import zalo_followers_backfill

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tasks_inline():
    """Queued tasks run at once, so the on-commit sync can be observed at the emulator."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


def test_a_new_segment_is_synced_to_a_tag_of_the_same_name(personas, zalo_live, tasks_inline):
    zalo_followers_backfill(account=zalo_live.account, actor=None)
    writers = zalo_live.followers_write_in(3)[:3]

    services.segment_create(
        unit=zalo_live.account.unit,
        name="Hộ chăn nuôi trâu bò",
        actor=personas.province_admin,
        members=[identity.citizen for identity in writers],
    )

    followers = zalo_live.admin("GET", "followers")["followers"]
    tagged = {f["user_id"] for f in followers if "Hộ chăn nuôi trâu bò" in f["tags"]}
    assert tagged == {identity.external_id for identity in writers}


def test_only_the_oas_serving_the_segments_unit_are_synced(personas, zalo_live):
    here = services.segment_create(
        unit=personas.units["commune"], name="Thôn Châng", actor=personas.commune_officer, members=[]
    )
    elsewhere = services.segment_create(
        unit=personas.units["other_commune"],
        name="Cao Bằng",
        actor=personas.other_province_officer,
        members=[],
    )
    assert services.segment_tags_sync(segment=here) == 1  # the province's OA serves its communes
    assert services.segment_tags_sync(segment=elsewhere) == 0
