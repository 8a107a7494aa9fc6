"""Village loudspeakers (đài truyền thanh thông minh): a bulletin becomes a script, the script becomes
audio, and the audio is published in a pull feed for the provincial source system (hệ thống thông tin
nguồn cấp tỉnh, Circular 39/2020/TT-BTTTT). We never drive loudspeakers directly.

Speech is offline: espeak-ng's Northern Vietnamese voice (robotic but intelligible, measured in
research/tech-validation.md §8), converted by sox to Ogg/Vorbis, about a tenth of the WAV's size on
the 3G links the loudspeaker clusters use.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import wave
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import format_datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caunoi.core.errors import ApplicationError, ValidationFailed
from caunoi.core.text import nfc

logger = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
CAUNOI_NS = "urn:caunoi:loudspeaker:1"
ATOM_NS = "http://www.w3.org/2005/Atom"
ET.register_namespace("caunoi", CAUNOI_NS)
ET.register_namespace("atom", ATOM_NS)


class BulletinPriority(StrEnum):
    """The three kinds of bulletin of Circular 39: the commune schedules a normal one, puts a priority
    one ahead in the programme, and plays an emergency one at once (disaster, fire, epidemic)."""

    NORMAL = "normal"
    PRIORITY = "priority"
    EMERGENCY = "emergency"


_BULLETIN_KIND = {
    BulletinPriority.NORMAL: "bản tin thông báo",
    BulletinPriority.PRIORITY: "bản tin ưu tiên",
    BulletinPriority.EMERGENCY: "bản tin khẩn cấp",
}

# Written abbreviations read as words. Case matters ("TP" is a city, "tp" is not an abbreviation), and
# an abbreviation may be glued to a number but not to a letter.
_ABBREVIATIONS = {
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "MTTQ": "Mặt trận Tổ quốc",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "TP.": "thành phố",
    "TP": "thành phố",
    "Đ/c": "đồng chí",
    "đ/c": "đồng chí",
    "V/v": "Về việc",
    "v/v": "về việc",
    "QĐ": "quyết định",
    "NQ": "nghị quyết",
    "PCCC": "phòng cháy chữa cháy",
    "PCTT": "phòng chống thiên tai",
    "TKCN": "tìm kiếm cứu nạn",
    "CSGT": "cảnh sát giao thông",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "HTX": "hợp tác xã",
    "TDP": "tổ dân phố",
    "KDC": "khu dân cư",
    "SĐT": "số điện thoại",
}
_ABBREVIATION = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
    + r")(?![^\W\d_])"
)
_ROADS = {"QL": "quốc lộ", "ĐT": "đường tỉnh"}  # only before a number: "ĐT:" is a phone number
_ROAD = re.compile(r"(?<!\w)(QL|ĐT)\.?\s?(\d+[A-Z]?)(?!\w)")
_UNITS = {
    "mm": "mi li mét",
    "cm": "xăng ti mét",
    "km/h": "ki lô mét một giờ",
    "km": "ki lô mét",
    "m3": "mét khối",
    "m³": "mét khối",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m": "mét",
    "kg": "ki lô gam",
    "ha": "héc ta",
    "°C": "độ C",
    "VNĐ": "đồng",
    "VND": "đồng",
    "đ": "đồng",
}
_UNIT = re.compile(
    r"(\d)\s?(" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)) + r")(?!\w)"
)
_DATE = re.compile(r"(?:\b([Nn]gày)\s+)?(?<![\d/])(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?![\d/])")
_DAY_MONTH = re.compile(r"\b([Nn]gày)\s+(\d{1,2})/(\d{1,2})(?![\d/])")
_CLOCK = re.compile(r"(?<![\d:])([01]?\d|2[0-4])(?:[hH]([0-5]\d)?|:([0-5]\d))(?!\w)")
_PHONE = re.compile(r"(?<!\d)(?<!\d[.,])(0\d{9,10})(?!\d|[.,]\d)")
_RANGE = re.compile(r"(?<![\d\-/])(\d+(?:[.,]\d+)?)\s?[-\u2013]\s?(\d+(?:[.,]\d+)?)(?![\d\-/])")
_BULLET = re.compile(r"^\s*(?:[-\u2013\u2022*+]|\d+[.)])\s+", re.MULTILINE)


def _date(match: re.Match[str]) -> str:
    word, day, month, year = match.group(1), int(match[2]), int(match[3]), match[4]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match[0]
    return f"{word or 'ngày'} {day} tháng {month} năm {year}"


def _day_month(match: re.Match[str]) -> str:
    day, month = int(match[2]), int(match[3])
    return f"{match[1]} {day} tháng {month}" if 1 <= day <= 31 and 1 <= month <= 12 else match[0]


def _clock(match: re.Match[str]) -> str:
    minutes = match[2] or match[3]
    hour = f"{int(match[1])} giờ"
    return f"{hour} {int(minutes)}" if minutes and int(minutes) else hour


def spoken_vietnamese(text: str) -> str:
    """Written Vietnamese → what a reader says: "UBND", "14h30", "27/11/2026" and "0912345678" are not
    read the way they are written, and the speech engine would spell or misread them."""
    text = _DATE.sub(_date, text)
    text = _DAY_MONTH.sub(_day_month, text)
    text = _CLOCK.sub(_clock, text)
    text = _PHONE.sub(lambda m: " ".join(m[1]), text)  # a phone number is read digit by digit
    text = _RANGE.sub(r"\1 đến \2", text)
    text = _UNIT.sub(lambda m: f"{m[1]} {_UNITS[m[2]]}", text)
    text = _ROAD.sub(lambda m: f"{_ROADS[m[1]]} {m[2]}", text)
    return _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m[1]], text)


def _sentences(text: str) -> str:
    """Paragraphs and list lines end in a full stop, so the voice pauses between them."""
    lines = [" ".join(line.split()) for line in _BULLET.sub("", nfc(text)).splitlines()]
    return "\n".join(line if line[-1] in ".!?:;" else line + "." for line in lines if line)


def bulletin_script(
    title: str,
    body: str,
    *,
    priority: BulletinPriority | str,
    unit_name: str,
    language: str = "vi",
) -> str:
    """The text read on air: who is speaking and what kind of bulletin, the bulletin, and a closing.

    An emergency bulletin is read twice, as stations do, for those who came to the loudspeaker late.
    Vietnamese bodies have abbreviations, dates and times written out; a bulletin in another language
    (Tày, H'Mông, Dao…) is read as written, framed in Vietnamese.
    """
    try:
        priority = BulletinPriority(priority)
    except ValueError:
        raise ValidationFailed(_("Unknown bulletin priority."), field="priority") from None
    title, unit_name = " ".join(nfc(title).split()), " ".join(nfc(unit_name).split())
    if not title or not body.strip():
        raise ValidationFailed(_("A bulletin needs a title and a text."), field="body" if title else "title")
    if language == "vi":
        title, body = spoken_vietnamese(title), spoken_vietnamese(body)
    title, body = title.rstrip(" .:;"), _sentences(body)
    station = f"Đài truyền thanh {unit_name}" if unit_name else "Đài truyền thanh"
    kind = _BULLETIN_KIND[priority]
    announce = f"Sau đây là {kind}: {title}."
    if priority == BulletinPriority.EMERGENCY:
        parts = [f"Chú ý! Chú ý! Đây là {station}.", announce, body, f"Xin nhắc lại {kind}: {title}.", body]
    else:
        parts = [f"Đây là {station}.", announce, body]
    parts.append(f"{station} vừa phát {kind}: {title}. Cảm ơn bà con đã lắng nghe.")
    return "\n\n".join(parts)


@dataclass(frozen=True)
class AudioFile:
    path: Path
    mime: str
    duration_seconds: float
    bytes: int


class SpeechSynthesisFailed(ApplicationError):
    status = 503
    title = gettext_lazy("The bulletin could not be turned into speech")


class SpeechEngineMissing(SpeechSynthesisFailed):
    title = gettext_lazy("The speech engine espeak-ng is not installed")


@functools.cache
def _sox_writes_ogg(sox: str) -> bool:
    """sox reads and writes Ogg/Vorbis only with its format library (Debian: libsox-fmt-base)."""
    try:
        listing = subprocess.run([sox, "-h"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    formats = next((line for line in listing.splitlines() if line.startswith("AUDIO FILE FORMATS:")), "")
    return "vorbis" in formats.split()


def _run(command: list[str], *, stdin: bytes = b"", timeout: float) -> str:
    program = Path(command[0]).name
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SpeechSynthesisFailed(
            _("%(program)s took longer than %(seconds)g s.") % {"program": program, "seconds": timeout}
        ) from None
    if done.returncode:
        error = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise SpeechSynthesisFailed(_("%(program)s failed: %(error)s") % {"program": program, "error": error})
    return done.stdout.decode("utf-8", "replace")


def _audio_file(path: Path, ogg_sox: str | None) -> AudioFile:
    """Ogg files are measured by sox, WAV files by their header."""
    if ogg_sox:
        duration = float(_run([ogg_sox, "--i", "-D", str(path)], timeout=10))
        return AudioFile(path, "audio/ogg", round(duration, 2), path.stat().st_size)
    with wave.open(str(path), "rb") as audio:
        duration = audio.getnframes() / audio.getframerate()
    return AudioFile(path, "audio/wav", round(duration, 2), path.stat().st_size)


def synthesize(
    script: str,
    out_dir: Path,
    *,
    voice: str = "vi",
    words_per_minute: int = 140,
    timeout: float = 120.0,
) -> AudioFile:
    """Speak ``script`` into ``out_dir``. The file is named by the hash of what determines its sound, so
    a bulletin sent to a hundred communes, or sent again, is synthesized once."""
    espeak = shutil.which("espeak-ng")
    if not espeak:
        raise SpeechEngineMissing(
            _(
                "espeak-ng is not installed, so bulletins cannot be spoken: run `make audio-tools` "
                "(apt-get install espeak-ng sox)."
            )
        )
    sox = shutil.which("sox")
    ogg_sox = sox if sox and _sox_writes_ogg(sox) else None
    key = hashlib.sha256(f"espeak-ng\0{voice}\0{words_per_minute}\0{nfc(script)}".encode()).hexdigest()
    path = Path(out_dir) / f"{key}.{'ogg' if ogg_sox else 'wav'}"
    if path.exists():
        return _audio_file(path, ogg_sox)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".speech-") as work:
        made = wav = Path(work) / "speech.wav"
        _run(
            [espeak, "-v", voice, "-s", str(words_per_minute), "-b", "1", "-w", str(wav), "--stdin"],
            stdin=nfc(script).encode("utf-8"),
            timeout=timeout,
        )
        if ogg_sox:
            made = Path(work) / "speech.ogg"
            _run([ogg_sox, str(wav), "-r", "16000", str(made)], timeout=timeout)  # speech needs no more
        else:
            logger.warning(
                "sox %s, so bulletin audio is published as WAV (about ten times larger); "
                "install sox with libsox-fmt-base for Ogg/Vorbis",
                "cannot write Ogg/Vorbis" if sox else "is not installed",
            )
        os.replace(made, path)  # atomic: a feed reader never sees half a file
    return _audio_file(path, ogg_sox)


@dataclass(frozen=True)
class Bulletin:
    """One item of the loudspeaker feed: what to play, where, and how urgently."""

    guid: str
    title: str
    script: str
    priority: BulletinPriority
    unit_codes: tuple[str, ...]  # communes/wards whose stations should play it
    published_at: dt.datetime
    audio: AudioFile
    audio_url: str


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)  # escaping cannot make control characters legal XML


def _text(parent: ET.Element, tag: str, text: str, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: _xml(value) for name, value in attrib.items()})
    element.text = _xml(text)
    return element


def _rfc822(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a bulletin's publication time must be timezone-aware")
    return format_datetime(moment.astimezone(VIETNAM))


def loudspeaker_feed(items: Iterable[Bulletin], *, title: str, link: str, self_url: str) -> bytes:
    """RSS 2.0 with the audio as enclosures, newest first, for the provincial source system to pull.

    Priority and target units are in our own namespace (``caunoi:priority``, ``caunoi:unit``), since
    RSS has no place for them and no public schema of the source systems was found.
    """
    bulletins = sorted(items, key=lambda item: item.published_at, reverse=True)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", link)
    _text(channel, "description", title)
    _text(channel, "language", "vi")
    _text(channel, f"{{{ATOM_NS}}}link", "", href=self_url, rel="self", type="application/rss+xml")
    if bulletins:
        _text(channel, "lastBuildDate", _rfc822(bulletins[0].published_at))
    for bulletin in bulletins:
        item = ET.SubElement(channel, "item")
        _text(item, "title", bulletin.title)
        _text(item, "description", bulletin.script)
        _text(item, "guid", bulletin.guid, isPermaLink="false")
        _text(item, "pubDate", _rfc822(bulletin.published_at))
        _text(
            item,
            "enclosure",
            "",
            url=bulletin.audio_url,
            length=str(bulletin.audio.bytes),
            type=bulletin.audio.mime,
        )
        _text(item, f"{{{CAUNOI_NS}}}priority", str(bulletin.priority))
        for code in bulletin.unit_codes:
            _text(item, f"{{{CAUNOI_NS}}}unit", code)
        _text(item, f"{{{CAUNOI_NS}}}duration", f"{bulletin.audio.duration_seconds:g}")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
