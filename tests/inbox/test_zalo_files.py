"""Photos and files citizens send on Zalo, fetched from the emulator's links by the inbox's task:
checked by their bytes, stored outside the web root, served with safe headers to staff in scope; an
expired link, a file host that is down, a host that is not Zalo's or a file too large is recorded with
its reason, and the message is never lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from caunoi.channels.models import ChannelIdentity, InboundMessage
from caunoi.core.models import AuditEvent
from caunoi.inbox import files
from caunoi.inbox.models import Entry, FileStatus, MessageAttachment
from caunoi.inbox.services import FetchLater, conversations_ingest, message_file_fetch, petition_from_entry
from tests.conftest import login_as
from tests.inbox.helpers import citizen_in
from tests.zalo_live import LiveZalo, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media_root(tmp_path: Path, settings) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _send(zalo_live: LiveZalo, identity: ChannelIdentity, kind: str) -> Entry:
    """The follower sends a photo or file; the channels store it and the inbox files it."""
    before = InboundMessage.objects.count()
    zalo_live.admin("POST", "events", json={"event": f"user_send_{kind}", "user_id": identity.external_id})
    wait_until(lambda: zalo_live.process_webhooks() >= 0 and InboundMessage.objects.count() > before)
    conversations_ingest()
    return Entry.objects.filter(inbound__message_type=kind).latest("pk")


def _sent_name(entry: Entry) -> str:
    """The file name the citizen's Zalo message gave."""
    return str(entry.inbound.attachments[0]["name"]) if entry.inbound is not None else ""


def _run_queued_fetches() -> int:
    from huey.contrib.djhuey import HUEY

    queued = [t for t in HUEY.pending() if type(t).__name__ == "message_file_fetch_task"]
    for task in queued:
        HUEY.execute(task)
    return len(queued)


def test_a_photo_and_files_sent_on_zalo_are_fetched_checked_and_served_to_staff(
    zalo_live, personas, media_root
):
    from huey.contrib.djhuey import HUEY

    HUEY.flush()
    identity = zalo_live.followers_write_in(1)[0]
    photo = _send(zalo_live, identity, "image")
    documents: list[Entry] = []
    while len(documents) < 12 and not ({".doc", ".pdf"} <= {_sent_name(e)[-4:] for e in documents}):
        documents.append(_send(zalo_live, identity, "file"))  # until one file we take and one we do not
    assert _run_queued_fetches() == 1 + len(documents)  # the ingest queued one fetch per photo or file

    stored = MessageAttachment.objects.get(entry=photo)
    assert (stored.status, stored.mime, stored.kind) == (FileStatus.STORED, "image/png", "image")
    assert stored.name.endswith(".png")  # named by what the bytes are, not by the link's ".jpg"
    path = files.storage_path(stored.stored_name)
    assert path.is_file() and path.is_relative_to(media_root) and path.read_bytes().startswith(b"\x89PNG")
    outcomes = set()
    for entry in documents:
        file = MessageAttachment.objects.get(entry=entry)
        outcomes.add(file.status)
        if file.name.endswith(".doc"):  # the old Word format is not taken, and says so
            assert file.status == FileStatus.REFUSED and "DOCX" in file.error and not file.stored_name
        else:
            assert file.status == FileStatus.STORED and file.mime in {
                "application/pdf",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            }
    assert outcomes == {FileStatus.STORED, FileStatus.REFUSED}
    assert AuditEvent.objects.filter(action="conversation.file", actor_label="zalo-files").count() == 1 + len(
        documents
    )

    admin = login_as(Client(), personas.province_admin)
    response = admin.get(f"/inbox/message-files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response).startswith(b"\x89PNG")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"].startswith("attachment;")
    thread = admin.get(f"/inbox/c/{photo.conversation_id}/").content.decode()
    assert f"/inbox/message-files/{stored.pk}/" in thread
    # The conversation is the province's (commune not known yet): a commune officer sees nothing.
    officer = login_as(Client(), personas.commune_officer)
    assert officer.get(f"/inbox/message-files/{stored.pk}/").status_code == 404
    # A case opened from the message keeps the photo, and the commune answering it can open it.
    photo.refresh_from_db()
    case = petition_from_entry(entry=photo, commune=personas.units["commune"], actor=personas.province_admin)
    [kept] = case.attachments.all()
    assert (kept.stored_name, kept.mime) == (stored.stored_name, "image/png")
    assert officer.get(f"/inbox/attachments/{kept.pk}/").status_code == 200
    HUEY.flush()


def test_an_expired_link_is_recorded_and_the_message_kept(zalo_live, personas, media_root):
    identity = zalo_live.followers_write_in(1)[0]
    entry = _send(zalo_live, identity, "image")
    zalo_live.admin("POST", "faults", json={"expire_media": True})  # 7 days later
    file = message_file_fetch(file=MessageAttachment.objects.get(entry=entry))
    assert file.status == FileStatus.FAILED and file.attempts == 1
    assert file.error.startswith(gettext("The link has expired (Zalo keeps files about 7 days).")), file.error
    entry.refresh_from_db()
    assert entry.inbound is not None and entry.attachments == [{"type": "image", "name": ""}]
    admin = login_as(Client(), personas.province_admin)
    assert admin.get(f"/inbox/message-files/{file.pk}/").status_code == 404
    assert (
        "HTTP 404: the link has expired" in admin.get(f"/inbox/c/{entry.conversation_id}/").content.decode()
    )


def test_a_file_host_that_is_down_is_retried_then_recorded(zalo_live, personas, media_root):
    identity = zalo_live.followers_write_in(1)[0]
    entry = _send(zalo_live, identity, "image")
    file = MessageAttachment.objects.get(entry=entry)
    zalo_live.admin("POST", "faults", json={"media_unavailable": True})
    with pytest.raises(FetchLater, match="503"):
        message_file_fetch(file=file)
    file.refresh_from_db()
    assert (file.status, file.attempts) == (FileStatus.PENDING, 1) and "503" in file.error
    zalo_live.admin("POST", "faults", json={"media_unavailable": False})
    assert message_file_fetch(file=file).status == FileStatus.STORED  # the next try works
    assert file.attempts == 2 and not file.error

    other = MessageAttachment.objects.get(entry=_send(zalo_live, identity, "image"))
    zalo_live.admin("POST", "faults", json={"media_unavailable": True})
    last = message_file_fetch(file=other, final=True)  # the task's last retry
    assert last.status == FileStatus.FAILED and "503" in last.error
    zalo_live.admin("POST", "faults", json={"media_unavailable": False})


def test_a_file_over_the_limit_is_refused_without_keeping_it(zalo_live, personas, media_root, settings):
    settings.CAUNOI_INBOX_MAX_FILE_BYTES = 40
    identity = zalo_live.followers_write_in(1)[0]
    file = message_file_fetch(file=MessageAttachment.objects.get(entry=_send(zalo_live, identity, "image")))
    assert file.status == FileStatus.FAILED and "over 40" in file.error
    assert not media_root.exists() or not any(media_root.rglob("*"))


def test_a_link_to_a_host_that_is_not_zalos_is_never_fetched(personas, media_root):
    citizen = citizen_in(personas.units["commune"])
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "https://evil.example/a.png",
    ):
        message = InboundMessage.objects.create(
            citizen=citizen,
            channel="zalo",
            provider_message_id=f"m-{len(url)}",
            message_type="image",
            attachments=[{"type": "image", "url": url}],
            occurred_at=timezone.now(),
        )
        conversations_ingest()
        file = message_file_fetch(file=MessageAttachment.objects.get(entry__inbound=message))
        assert file.status == FileStatus.FAILED and "not a Zalo file host" in file.error
        assert file.error.startswith(gettext("The link is not on a Zalo file host, so it was not opened."))


def test_a_redirect_away_from_zalos_hosts_is_not_followed():
    """The file host answers with a redirect to an internal address: the fetch stops there."""
    import http.server
    import threading

    from caunoi.channels.zalo.client import MediaFetchError, fetch_media

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://10.255.255.1/latest/meta-data/")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(MediaFetchError) as refused:
            fetch_media(
                f"http://127.0.0.1:{server.server_address[1]}/a.jpg",
                max_bytes=1000,
                extra_hosts=("127.0.0.1",),
                timeout=2,
            )
    finally:
        server.shutdown()
        server.server_close()
    assert refused.value.reason == "host" and refused.value.permanent and "10.255.255.1" in str(refused.value)


def test_a_file_name_with_markup_is_shown_as_text(personas, media_root):
    citizen = citizen_in(personas.units["commune"])
    name = '<img src=x onerror="alert(1)"><b>đơn.doc'  # no "/": a folder part would be dropped
    InboundMessage.objects.create(
        citizen=citizen,
        channel="zalo",
        provider_message_id="markup-file",
        message_type="file",
        attachments=[{"type": "file", "name": name, "url": "https://f1.zdn.vn/x.doc"}],
        occurred_at=timezone.now(),
    )
    conversations_ingest()
    file = MessageAttachment.objects.get()
    assert file.name == name and file.status == FileStatus.PENDING
    page = login_as(Client(), personas.commune_officer).get(f"/inbox/c/{file.entry.conversation_id}/")
    html = page.content.decode()
    assert "<img src=x" not in html and "<b>đơn" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;đơn.doc" in html


def test_a_file_fetched_while_its_citizen_is_erased_is_not_kept(zalo_live, personas, media_root):
    from caunoi.citizens.services import citizen_erase

    identity = zalo_live.followers_write_in(1)[0]
    entry = _send(zalo_live, identity, "image")
    file = MessageAttachment.objects.select_related(
        "entry", "entry__inbound", "entry__conversation__unit"
    ).get(entry=entry)  # the task has loaded the row and the link, and is about to download
    citizen_erase(citizen=identity.citizen, actor=None, reason="Người dân yêu cầu xoá")

    done = message_file_fetch(file=file)

    assert done.status == FileStatus.STORED and done.stored_name  # downloaded and checked…
    assert not files.storage_path(done.stored_name).exists()  # …but not kept
    assert not MessageAttachment.objects.filter(pk=file.pk).exists()
    assert not AuditEvent.objects.filter(
        action="conversation.file", object_id=str(entry.conversation_id)
    ).exists()
