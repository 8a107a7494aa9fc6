"""Disk full on the attachment store: ``MEDIA_ROOT`` on a tmpfs of 64 KiB, mounted for this test.

An upload that does not fit must get a clear error, leave no half-written file behind and create no row;
one that fits afterwards (the disk has room again) is kept as usual. Skipped, saying why, where no tmpfs
can be mounted (not root, or no mount permission in the container).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from caunoi.core.models import AuditEvent
from caunoi.disclosure.models import Attachment
from tests.conftest import login_as
from tests.disclosure.support import PDF, publish

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

SIZE_KIB = 64


@pytest.fixture
def small_disk() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="caunoi-fault-disk-"))
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_KIB}k,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        folder.rmdir()
        pytest.skip(
            f"cannot mount a small tmpfs for the full disk: {mount.stderr.strip() or 'not permitted'}"
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_an_upload_onto_a_full_disk_is_refused_clearly_and_leaves_nothing(personas, settings, small_disk):
    settings.MEDIA_ROOT = str(small_disk)
    item = publish(personas.units["commune"], personas.commune_officer)
    client = login_as(Client(), personas.commune_officer)
    audits = AuditEvent.objects.filter(action="disclosure.attach").count()

    # A PDF of twice the disk: it passes every check on its bytes, then cannot be written.
    big = PDF + b"%" + os.urandom(SIZE_KIB * 2 * 1024).hex().encode()[: SIZE_KIB * 2 * 1024] + b"\n%%EOF\n"
    response = client.post(
        f"/disclosure/{item.pk}/attach/",
        {"file": SimpleUploadedFile("ngan-sach.pdf", big, content_type="application/pdf")},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kho lưu tệp đã đầy" in page, page[-3000:]  # Vietnamese by default
    assert not Attachment.objects.filter(publication=item).exists()
    assert AuditEvent.objects.filter(action="disclosure.attach").count() == audits
    assert files_under(small_disk) == []  # no half-written .part left to fill the disk further

    # The disk has room for a small file: it is kept, once, as usual.
    response = client.post(
        f"/disclosure/{item.pk}/attach/",
        {"file": SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(publication=item)
    assert files_under(small_disk) == [f"disclosure/{attachment.stored_name}"]
