"""The demo board is made through the services and a second run changes nothing."""

import pytest
from django.test import Client

from caunoi.core.permissions import Role
from caunoi.disclosure.demo import demo_seed
from caunoi.disclosure.models import Comment, CommentStatus, Publication
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_the_demo_board_is_seeded_once_and_shows_on_the_public_page(units, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_staff("xa.hagiang1", Role.COMMUNE_OFFICER, units["commune"])
    demo_seed()
    demo_seed()
    assert Publication.objects.count() == 3
    assert sorted(Comment.objects.values_list("status", flat=True)) == [
        CommentStatus.APPROVED,
        CommentStatus.PENDING,
    ]
    page = Client().get("/cong-khai/00694/").content.decode()
    assert "Dự toán thu, chi ngân sách phường năm 2026" in page
    assert "Phương án bồi thường" not in page  # its period has ended
