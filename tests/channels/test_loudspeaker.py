"""Loudspeaker bulletins: the script read on air, real speech from espeak-ng, and the pull feed."""

import datetime as dt
import logging
import os
import shutil
import subprocess
import wave
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from caunoi.channels.loudspeaker import (
    AudioFile,
    Bulletin,
    BulletinPriority,
    SpeechEngineMissing,
    bulletin_script,
    loudspeaker_feed,
    spoken_vietnamese,
    synthesize,
)
from caunoi.core.errors import ApplicationError, ValidationFailed

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (`make audio-tools` installs it)"
)
needs_sox = pytest.mark.skipif(
    shutil.which("sox") is None, reason="sox is not installed (`make audio-tools`)"
)

TITLE = "Lịch tiêm chủng mở rộng tháng 12"
BODY = "UBND phường thông báo: tiêm chủng lúc 7h30 ngày 27/11/2026 tại Trạm y tế."
NS = {"caunoi": "urn:caunoi:loudspeaker:1", "atom": "http://www.w3.org/2005/Atom"}


def script(priority, body=BODY, **kwargs):
    return bulletin_script(TITLE, body, priority=priority, unit_name="Phường Hà Giang 1", **kwargs)


# The script --------------------------------------------------------------------------------------


def test_a_normal_bulletin_names_the_station_the_kind_and_closes():
    text = script(BulletinPriority.NORMAL)

    assert text.split("\n\n") == [
        "Đây là Đài truyền thanh Phường Hà Giang 1.",
        f"Sau đây là bản tin thông báo: {TITLE}.",
        "Ủy ban nhân dân phường thông báo: tiêm chủng lúc 7 giờ 30 ngày 27 tháng 11 năm 2026 tại Trạm y tế.",
        f"Đài truyền thanh Phường Hà Giang 1 vừa phát bản tin thông báo: {TITLE}. "
        "Cảm ơn bà con đã lắng nghe.",
    ]


def test_a_priority_bulletin_says_so_and_is_read_once():
    text = script("priority")

    assert "Sau đây là bản tin ưu tiên:" in text
    assert text.count("Ủy ban nhân dân phường thông báo") == 1
    assert not text.startswith("Chú ý")


def test_an_emergency_bulletin_calls_for_attention_and_is_read_twice():
    text = script(BulletinPriority.EMERGENCY, body="Lũ quét trên suối Nậm Kép. Bà con không qua ngầm.")

    assert text.startswith("Chú ý! Chú ý! Đây là Đài truyền thanh Phường Hà Giang 1.")
    assert "Sau đây là bản tin khẩn cấp:" in text
    assert text.count("Lũ quét trên suối Nậm Kép. Bà con không qua ngầm.") == 2
    assert f"Xin nhắc lại bản tin khẩn cấp: {TITLE}." in text
    assert text.endswith("vừa phát bản tin khẩn cấp: " + TITLE + ". Cảm ơn bà con đã lắng nghe.")


def test_list_lines_become_sentences_so_the_voice_pauses():
    text = script(
        "normal", body="Nội dung:\n- Thời gian: 8h\n- Địa điểm: nhà văn hóa thôn\n\n1. Mang sổ tiêm"
    )

    assert "Nội dung:\nThời gian: 8 giờ.\nĐịa điểm: nhà văn hóa thôn.\nMang sổ tiêm." in text


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("UBND xã Minh Quang", "Ủy ban nhân dân xã Minh Quang"),
        ("HĐND và UBMTTQ tỉnh", "Hội đồng nhân dân và Ủy ban Mặt trận Tổ quốc tỉnh"),
        ("TP. Tuyên Quang, TP Hà Giang", "thành phố Tuyên Quang, thành phố Hà Giang"),
        ("Đ/c Bí thư; V/v phòng chống lũ", "đồng chí Bí thư; Về việc phòng chống lũ"),
        ("QĐ số 12/QĐ-UBND", "quyết định số 12/quyết định-Ủy ban nhân dân"),
        ("TPHCM, tp, UBNDX", "TPHCM, tp, UBNDX"),  # not abbreviations we know, left alone
        ("ngày 27/11/2026", "ngày 27 tháng 11 năm 2026"),
        ("Ngày 05-01-2027 họp", "Ngày 5 tháng 1 năm 2027 họp"),
        ("hạn 27/11/2026.", "hạn ngày 27 tháng 11 năm 2026."),
        ("từ ngày 3/9", "từ ngày 3 tháng 9"),
        ("giảm 1/2 số hộ", "giảm 1/2 số hộ"),  # a fraction, not a date
        ("15/13/2026", "15/13/2026"),
        ("lúc 14h30", "lúc 14 giờ 30"),
        ("lúc 7h, 9h00 và 16:45", "lúc 7 giờ, 9 giờ và 16 giờ 45"),
        ("mở cửa 24h", "mở cửa 24 giờ"),
        ("5ha lúa", "5 héc ta lúa"),
        ("mưa 100-150mm", "mưa 100 đến 150 mi li mét"),
        ("giai đoạn 2021-2025", "giai đoạn 2021 đến 2025"),
        ("phí 50.000đ, 1.200.000 VNĐ", "phí 50.000 đồng, 1.200.000 đồng"),
        ("gió 60km/h, nhiệt độ 12°C", "gió 60 ki lô mét một giờ, nhiệt độ 12 độ C"),
        ("gọi 0912345678.", "gọi 0 9 1 2 3 4 5 6 7 8."),
        ("SĐT: 02073822123", "số điện thoại: 0 2 0 7 3 8 2 2 1 2 3"),
        ("sạt lở QL2 và ĐT185; ĐT: 0207", "sạt lở quốc lộ 2 và đường tỉnh 185; ĐT: 0207"),
    ],
)
def test_written_forms_are_expanded_for_speech(written, spoken):
    assert spoken_vietnamese(written) == spoken


def test_a_bulletin_in_another_language_is_read_as_written_in_a_vietnamese_frame():
    text = script("normal", body="UBND xã pjạng slư: 7h30", language="tay")

    assert "UBND xã pjạng slư: 7h30." in text
    assert text.startswith("Đây là Đài truyền thanh Phường Hà Giang 1.")


@pytest.mark.parametrize(
    ("title", "body", "priority", "field"),
    [("", BODY, "normal", "title"), (TITLE, "  \n ", "normal", "body"), (TITLE, BODY, "urgent", "priority")],
)
def test_an_incomplete_bulletin_is_refused(title, body, priority, field):
    with pytest.raises(ValidationFailed) as caught:
        bulletin_script(title, body, priority=priority, unit_name="Xã Minh Quang")

    assert caught.value.field == field


# Speech ------------------------------------------------------------------------------------------


def plausible_seconds(text):
    return len(text.split()) / 140 * 60  # espeak-ng speaks about the words-per-minute it is asked for


@needs_espeak
@needs_sox
def test_a_script_becomes_an_ogg_file_of_plausible_length(tmp_path):
    text = script("normal")

    audio = synthesize(text, tmp_path)

    assert audio.path.parent == tmp_path
    assert audio.path.suffix == ".ogg" and audio.mime == "audio/ogg"
    assert audio.path.read_bytes()[:4] == b"OggS"
    assert audio.bytes == audio.path.stat().st_size > 10_000
    assert 0.6 * plausible_seconds(text) < audio.duration_seconds < 1.6 * plausible_seconds(text)
    soxi = subprocess.run(["sox", "--i", "-D", str(audio.path)], capture_output=True, text=True, check=True)
    assert float(soxi.stdout) == pytest.approx(audio.duration_seconds, abs=0.01)
    assert list(tmp_path.iterdir()) == [audio.path]  # no work files left behind


@needs_espeak
@needs_sox
def test_the_same_bulletin_is_synthesized_once(tmp_path):
    text = script("emergency")

    first = synthesize(text, tmp_path)
    os.utime(first.path, (0, 0))
    again = synthesize(text, tmp_path)

    assert again == first
    assert again.path.stat().st_mtime == 0  # served from the file, not spoken again
    other_voice = synthesize(text, tmp_path, voice="vi-vn-x-south")
    other_text = synthesize(script("normal"), tmp_path)
    assert len({first.path, other_voice.path, other_text.path}) == 3
    assert other_text.duration_seconds < first.duration_seconds  # the emergency text is read twice


@needs_espeak
def test_without_sox_the_audio_is_published_as_wav_and_the_log_says_why(tmp_path, monkeypatch, caplog):
    only_espeak = tmp_path / "bin"
    only_espeak.mkdir()
    (only_espeak / "espeak-ng").symlink_to(shutil.which("espeak-ng"))
    monkeypatch.setenv("PATH", str(only_espeak))
    text = script("priority")

    with caplog.at_level(logging.WARNING, logger="caunoi.channels.loudspeaker"):
        audio = synthesize(text, tmp_path / "audio")

    assert (audio.path.suffix, audio.mime) == (".wav", "audio/wav")
    with wave.open(str(audio.path)) as wav:
        assert wav.getnchannels() == 1
        assert audio.duration_seconds == pytest.approx(wav.getnframes() / wav.getframerate(), abs=0.01)
    assert 0.6 * plausible_seconds(text) < audio.duration_seconds < 1.6 * plausible_seconds(text)
    assert "sox is not installed, so bulletin audio is published as WAV" in caplog.text


def test_without_espeak_ng_synthesis_is_a_clear_application_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(SpeechEngineMissing) as caught:
        synthesize("Xin chào bà con.", tmp_path / "audio")

    assert isinstance(caught.value, ApplicationError)
    assert caught.value.status == 503
    assert "make audio-tools" in caught.value.message


# The feed ----------------------------------------------------------------------------------------


def bulletin(guid, title, priority, published_at, units=("00694",)):
    audio = AudioFile(path=Path(f"{guid}.ogg"), mime="audio/ogg", duration_seconds=27.8, bytes=137_629)
    return Bulletin(
        guid=guid,
        title=title,
        script=f"Đây là Đài truyền thanh. {title}",
        priority=priority,
        unit_codes=units,
        published_at=published_at,
        audio=audio,
        audio_url=f"https://caunoi.example.vn/media/loa/{guid}.ogg",
    )


def parse(feed):
    return ET.fromstring(feed)  # noqa: S314 -- our own output, parsed back to prove it is well-formed


def test_the_feed_is_rss_with_audio_enclosures_priorities_and_vietnam_time():
    earlier = dt.datetime(2026, 11, 27, 0, 30, tzinfo=dt.UTC)
    later = dt.datetime(2026, 11, 27, 7, 30, tzinfo=dt.UTC)
    feed = loudspeaker_feed(
        [
            bulletin("b-1", "Lịch tiêm chủng", BulletinPriority.NORMAL, earlier),
            bulletin(
                "b-2", "Lũ quét suối Nậm Kép", BulletinPriority.EMERGENCY, later, units=("00694", "00691")
            ),
        ],
        title="Đài truyền thanh tỉnh Tuyên Quang",
        link="https://caunoi.example.vn/",
        self_url="https://caunoi.example.vn/loa/feed.xml",
    )

    rss = parse(feed)
    assert feed.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") == "Đài truyền thanh tỉnh Tuyên Quang"
    self_link = channel.find("atom:link", NS)
    assert (self_link.get("rel"), self_link.get("href")) == ("self", "https://caunoi.example.vn/loa/feed.xml")
    first, second = channel.findall("item")
    assert first.findtext("guid") == "b-2"  # newest first
    assert first.find("guid").get("isPermaLink") == "false"
    assert first.findtext("caunoi:priority", namespaces=NS) == "emergency"
    assert [unit.text for unit in first.findall("caunoi:unit", NS)] == ["00694", "00691"]
    assert first.findtext("pubDate") == "Fri, 27 Nov 2026 14:30:00 +0700"
    assert parsedate_to_datetime(first.findtext("pubDate")) == later
    assert channel.findtext("lastBuildDate") == first.findtext("pubDate")
    enclosure = first.find("enclosure")
    assert enclosure.attrib == {
        "url": "https://caunoi.example.vn/media/loa/b-2.ogg",
        "length": "137629",
        "type": "audio/ogg",
    }
    assert second.findtext("caunoi:priority", namespaces=NS) == "normal"
    assert second.findtext("pubDate").endswith("+0700")


def test_titles_cannot_inject_xml_into_the_feed():
    hostile = 'Họp </title><item><title>giả</title></item> & "x" ]]> \x0b\x00 hết'
    now = dt.datetime(2026, 11, 27, 1, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

    feed = loudspeaker_feed(
        [bulletin('g"<1>', hostile, BulletinPriority.PRIORITY, now)],
        title="Loa <b>&",
        link="https://caunoi.example.vn/",
        self_url="https://caunoi.example.vn/loa/feed.xml?a=1&b=2",
    )

    channel = parse(feed).find("channel")
    [item] = channel.findall("item")
    assert item.findtext("title") == 'Họp </title><item><title>giả</title></item> & "x" ]]>  hết'
    assert item.findtext("guid") == 'g"<1>'
    assert channel.findtext("title") == "Loa <b>&"
    assert channel.find("atom:link", NS).get("href") == "https://caunoi.example.vn/loa/feed.xml?a=1&b=2"


def test_an_empty_feed_is_still_valid_rss():
    feed = loudspeaker_feed([], title="Loa", link="https://caunoi.example.vn/", self_url="https://x.vn/f.xml")

    channel = parse(feed).find("channel")
    assert channel.findall("item") == []
    assert channel.findtext("description") == "Loa"


def test_a_naive_publication_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        loudspeaker_feed(
            [bulletin("b", "t", BulletinPriority.NORMAL, dt.datetime(2026, 11, 27, 7, 30))],
            title="Loa",
            link="https://caunoi.example.vn/",
            self_url="https://x.vn/f.xml",
        )
