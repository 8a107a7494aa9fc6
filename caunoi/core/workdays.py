"""The Vietnamese working-day calendar (lịch ngày làm việc) that every legal deadline counts in.

Days off are the weekend, the public holidays of the Labour Code 2019 Art. 112 (Bộ luật Lao động) and
the days the province configures (``DayOff`` rows: extra days off, and days worked in exchange —
the government's yearly notice often swaps a Saturday for a bridging weekday).

* Solar holidays: New Year 1/1, Victory Day 30/4, Labour Day 1/5, National Day 2/9 plus one adjacent
  day (the government picks it each year; by default we pick the neighbour that joins the weekend).
* Lunar holidays: Tết (the last day of the lunar year and the first four days of the new one, both
  spans configurable) and Hùng Kings' day (Giỗ Tổ Hùng Vương, 10th day of the 3rd lunar month).
* A holiday that falls on a weekend gives a compensatory day off (nghỉ bù) on the next working day
  (Art. 111 cl. 3), unless ``CAUNOI_HOLIDAY_COMPENSATION`` is off.

The lunar calendar is Hồ Ngọc Đức's astronomical algorithm (new moons and solar terms computed for
UTC+7), implemented here without dependencies: Vietnam's calendar is not China's — in 2007 the new
moon fell before midnight in Hà Nội and after midnight in Beijing, so Tết came a day earlier here.

Counting follows the Civil Code (Art. 147-148): a period of N days starts the day after the event
and ends at the end of its last day. ``add_working_days(received, 10)`` is therefore the last moment
(23:59:59.999999, Asia/Ho_Chi_Minh) of the 10th working day after the day ``received`` falls on.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caunoi.core.errors import ValidationFailed
from caunoi.core.models import DayOff
from caunoi.core.services import audit_record

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
VIETNAM_UTC_OFFSET_HOURS = 7

# Lunar calendar ---------------------------------------------------------------------------------
# Julian day numbers (JDN) are ``date.toordinal() + _JDN_OFFSET``; every date here is after 1582, so
# the proleptic Gregorian ordinal Python uses is exact.
_JDN_OFFSET = 1_721_425
_SYNODIC_MONTH = 29.530588853
_EPOCH_NEW_MOON = 2_415_021.076998695  # the new moon of 1900-01-01, the start of k = 0


@dataclass(frozen=True)
class LunarDate:
    """A day of the Vietnamese lunar calendar (âm lịch); ``leap``: a day of a leap month (tháng nhuận)."""

    year: int
    month: int
    day: int
    leap: bool = False


def _jdn(day: dt.date) -> int:
    return day.toordinal() + _JDN_OFFSET


def _date(jdn: int) -> dt.date:
    return dt.date.fromordinal(jdn - _JDN_OFFSET)


def _new_moon(k: int) -> float:
    """The Julian date (UT) of the k-th new moon after 1900-01-01 (Meeus, truncated series)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    rad = math.pi / 180
    jd = 2_415_020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * rad)
    sun_anomaly = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    moon_anomaly = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    latitude = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    m, mp, f = sun_anomaly * rad, moon_anomaly * rad, latitude * rad
    c = (0.1734 - 0.000393 * t) * math.sin(m) + 0.0021 * math.sin(2 * m)
    c += -0.4068 * math.sin(mp) + 0.0161 * math.sin(2 * mp) - 0.0004 * math.sin(3 * mp)
    c += 0.0104 * math.sin(2 * f) - 0.0051 * math.sin(m + mp) - 0.0074 * math.sin(m - mp)
    c += 0.0004 * math.sin(2 * f + m) - 0.0004 * math.sin(2 * f - m) - 0.0006 * math.sin(2 * f + mp)
    c += 0.0010 * math.sin(2 * f - mp) + 0.0005 * math.sin(2 * mp + m)
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd + c - delta_t


def _sun_longitude(jd: float) -> float:
    """The sun's apparent longitude in radians, in [0, 2π), at Julian date ``jd`` (UT)."""
    t = (jd - 2_451_545.0) / 36525
    t2 = t * t
    rad = math.pi / 180
    mean_anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * rad
    mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(mean_anomaly)
    centre += (0.019993 - 0.000101 * t) * math.sin(2 * mean_anomaly) + 0.000290 * math.sin(3 * mean_anomaly)
    longitude = (mean_longitude + centre) * rad
    return longitude - 2 * math.pi * math.floor(longitude / (2 * math.pi))


def _new_moon_day(k: int, tz_hours: float) -> int:
    """The local civil day (JDN) on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + tz_hours / 24)


def _solar_term(day_jdn: int, tz_hours: float) -> int:
    """Which twelfth of the ecliptic (0-11, each a major solar term) the sun is in at local midnight."""
    return math.floor(_sun_longitude(day_jdn - 0.5 - tz_hours / 24) / math.pi * 6)


def _month_11_start(year: int, tz_hours: float) -> int:
    """The first day (JDN) of the 11th lunar month, the month that contains the winter solstice."""
    offset = _jdn(dt.date(year, 12, 31)) - 2_415_021
    k = math.floor(offset / _SYNODIC_MONTH)
    start = _new_moon_day(k, tz_hours)
    if _solar_term(start, tz_hours) >= 9:  # the new moon is after the solstice: month 11 began earlier
        start = _new_moon_day(k - 1, tz_hours)
    return start


def _leap_month_offset(month_11_start: int, tz_hours: float) -> int:
    """In a 13-month year, the offset from month 11 of the first month with no major solar term."""
    k = math.floor((month_11_start - _EPOCH_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _solar_term(_new_moon_day(k + i, tz_hours), tz_hours)
    while True:
        last = arc
        i += 1
        arc = _solar_term(_new_moon_day(k + i, tz_hours), tz_hours)
        if arc == last or i >= 14:
            return i - 1


def solar_to_lunar(day: dt.date, *, tz_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> LunarDate:
    """The lunar date of a solar day, as observed at ``tz_hours`` (UTC+7 for Vietnam, +8 for China)."""
    day_jdn = _jdn(day)
    k = math.floor((day_jdn - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, tz_hours)
    if month_start > day_jdn:
        month_start = _new_moon_day(k, tz_hours)
    a11 = _month_11_start(day.year, tz_hours)
    b11 = a11
    if a11 >= month_start:
        lunar_year = day.year
        a11 = _month_11_start(day.year - 1, tz_hours)
    else:
        lunar_year = day.year + 1
        b11 = _month_11_start(day.year + 1, tz_hours)
    months_since_11 = math.floor((month_start - a11) / 29)
    leap = False
    month = months_since_11 + 11
    if b11 - a11 > 365:
        leap_offset = _leap_month_offset(a11, tz_hours)
        if months_since_11 >= leap_offset:
            month = months_since_11 + 10
            leap = months_since_11 == leap_offset
    if month > 12:
        month -= 12
    if month >= 11 and months_since_11 < 4:
        lunar_year -= 1
    return LunarDate(year=lunar_year, month=month, day=day_jdn - month_start + 1, leap=leap)


def lunar_to_solar(lunar: LunarDate, *, tz_hours: float = VIETNAM_UTC_OFFSET_HOURS) -> dt.date:
    """The solar day of a lunar date; ``ValidationFailed`` for a leap month the year does not have."""
    if lunar.month < 11:
        a11 = _month_11_start(lunar.year - 1, tz_hours)
        b11 = _month_11_start(lunar.year, tz_hours)
    else:
        a11 = _month_11_start(lunar.year, tz_hours)
        b11 = _month_11_start(lunar.year + 1, tz_hours)
    k = math.floor(0.5 + (a11 - _EPOCH_NEW_MOON) / _SYNODIC_MONTH)
    offset = (lunar.month - 11) % 12
    if b11 - a11 > 365:
        leap_offset = _leap_month_offset(a11, tz_hours)
        leap_month = (leap_offset - 2) % 12
        if lunar.leap and lunar.month != leap_month:
            raise ValidationFailed(_("This lunar year has no such leap month."), field="month")
        if lunar.leap or offset >= leap_offset:
            offset += 1
    elif lunar.leap:
        raise ValidationFailed(_("This lunar year has no leap month."), field="month")
    return _date(_new_moon_day(k + offset, tz_hours) + lunar.day - 1)


def tet(year: int) -> dt.date:
    """Mùng 1 Tết: the first day of the lunar year that begins in solar ``year``."""
    return lunar_to_solar(LunarDate(year=year, month=1, day=1))


# Public holidays --------------------------------------------------------------------------------


def _setting(name: str, default: int | bool) -> int | bool:
    return getattr(settings, name, default)


Name = str | Promise  # holiday names are translated when shown, not when the year is cached


@lru_cache(maxsize=64)
def _statutory(
    year: int, tet_before: int, tet_after: int, compensate: bool
) -> tuple[tuple[dt.date, Name], ...]:
    days: dict[dt.date, Name] = {dt.date(year, 1, 1): gettext_lazy("New Year's Day")}
    new_year = tet(year)
    for n in range(-tet_before, tet_after):
        days[new_year + dt.timedelta(days=n)] = gettext_lazy("Lunar New Year (Tết)")
    days[lunar_to_solar(LunarDate(year=year, month=3, day=10))] = gettext_lazy(
        "Hùng Kings' Commemoration Day"
    )
    days[dt.date(year, 4, 30)] = gettext_lazy("Reunification Day")
    days[dt.date(year, 5, 1)] = gettext_lazy("International Labour Day")
    national = dt.date(year, 9, 2)
    days[national] = days[_national_day_companion(national)] = gettext_lazy("National Day")
    if compensate:
        taken = set(days)
        for day in sorted(days):
            if day.weekday() < 5:
                continue
            substitute = day + dt.timedelta(days=1)
            while substitute.weekday() >= 5 or substitute in taken:
                substitute += dt.timedelta(days=1)
            taken.add(substitute)
            days[substitute] = format_lazy(gettext_lazy("Compensatory day off for {}"), days[day])
    return tuple(sorted(days.items()))


def _national_day_companion(national: dt.date) -> dt.date:
    """The day adjacent to 2/9 that joins the longest run of days off with the weekend (ties: 1/9)."""

    def run(extra: dt.date) -> int:
        off = {national, extra}
        start = end = national
        while start - dt.timedelta(days=1) in off or (start - dt.timedelta(days=1)).weekday() >= 5:
            start -= dt.timedelta(days=1)
        while end + dt.timedelta(days=1) in off or (end + dt.timedelta(days=1)).weekday() >= 5:
            end += dt.timedelta(days=1)
        return (end - start).days

    candidates = [national + dt.timedelta(days=n) for n in (-1, 1)]
    weekdays = [c for c in candidates if c.weekday() < 5]
    return max(weekdays, key=lambda c: (run(c), -c.toordinal()))


def _statutory_now(year: int) -> dict[dt.date, Name]:
    return dict(
        _statutory(
            year,
            int(_setting("CAUNOI_TET_DAYS_BEFORE", 1)),
            int(_setting("CAUNOI_TET_DAYS_AFTER", 4)),
            bool(_setting("CAUNOI_HOLIDAY_COMPENSATION", True)),
        )
    )


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The Labour Code's holidays (with compensatory days) in ``year``, before the province's changes."""
    return {day: str(name) for day, name in _statutory_now(year).items()}


# The calendar with the province's changes, cached per year ------------------------------------


@dataclass(frozen=True)
class _Year:
    """One solar year: which days are worked, and a running count for O(log n) arithmetic."""

    first: dt.date
    working: tuple[bool, ...]
    cumulative: tuple[int, ...]  # cumulative[i] = working days among the first i days of the year
    days_off: dict[dt.date, Name]
    built_at: float  # time.monotonic() when it was read from the database


# Each process keeps the years it has used. A change made through the services clears this process's
# copy at once; other processes (web workers, the Huey consumer) see it within CACHE_SECONDS.
CACHE_SECONDS = 300.0
_cache: dict[int, _Year] = {}
_cache_lock = threading.Lock()


def _overrides(year: int) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    off: dict[dt.date, str] = {}
    worked: dict[dt.date, str] = {}
    for row in DayOff.objects.filter(date__year=year).only("date", "name", "kind"):
        (off if row.kind == DayOff.Kind.OFF else worked)[row.date] = row.name
    return off, worked


def _year(year: int) -> _Year:
    cached = _cache.get(year)
    if cached is not None and time.monotonic() - cached.built_at < CACHE_SECONDS:
        return cached
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    days_off = _statutory_now(year)
    extra_off, worked = _overrides(year)
    days_off.update(extra_off)  # a configured name replaces the statutory one
    working: list[bool] = []
    cumulative = [0]
    for i in range(length):
        day = first + dt.timedelta(days=i)
        is_working = day in worked or (day.weekday() < 5 and day not in days_off)
        working.append(is_working)
        cumulative.append(cumulative[-1] + is_working)
    for day in worked:
        days_off.pop(day, None)
    built = _Year(first, tuple(working), tuple(cumulative), days_off, time.monotonic())
    with _cache_lock:
        _cache[year] = built
    return built


def clear_cache() -> None:
    """Forget the cached years; the ``DayOff`` services call it after every change."""
    with _cache_lock:
        _cache.clear()


def holidays(year: int) -> dict[dt.date, str]:
    """The named days off of ``year`` — holidays, compensatory and configured days — in date order.

    Weekends are not listed unless a holiday falls on one; a configured working day is left out.
    """
    return {day: str(name) for day, name in sorted(_year(year).days_off.items())}


def is_working_day(day: dt.date) -> bool:
    year = _year(day.year)
    return year.working[(day - year.first).days]


def _worked_until(day: dt.date) -> int:
    """Working days from 2000-01-01 up to and including ``day``; only differences are meaningful."""
    total = 0
    for year in range(min(day.year, 2000), max(day.year, 2000)):
        total += _year(year).cumulative[-1] * (1 if year < day.year else -1)
    current = _year(day.year)
    return total + current.cumulative[(day - current.first).days + 1]


def _local_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-day arithmetic needs an aware datetime (times are stored in UTC)")
    return moment.astimezone(VIETNAM).date()


def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=VIETNAM)


def working_days_between(a: dt.datetime, b: dt.datetime) -> int:
    """Working days in (day of ``a``, day of ``b``], Vietnamese time; negative when ``b`` is earlier.

    A petition received on Monday and answered on Wednesday took 2 working days; answered the same
    day, 0. ``working_days_between(t, add_working_days(t, n)) == n`` for every ``t`` and ``n``.
    """
    return _worked_until(_local_date(b)) - _worked_until(_local_date(a))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The end of the ``days``-th working day after the day of ``start`` (before it, if negative).

    The result is 23:59:59.999999 Asia/Ho_Chi_Minh on a working day, returned in ``start``'s time
    zone; ``days == 0`` returns ``start`` unchanged. Backwards, it is the last working day ``d`` with
    ``working_days_between(d, start) == -days`` (reminders "two working days before the due date").
    """
    if days == 0:
        return start
    origin = _local_date(start)
    base = _worked_until(origin)
    # Counts step up on working days, so the first day holding a count is the working day sought.
    day = _first_day_with_count(origin, base + days)
    return _end_of_day(day).astimezone(start.tzinfo)


def _first_day_with_count(near: dt.date, count: int) -> dt.date:
    """The first day whose ``_worked_until`` equals ``count`` (a working day, since counts step there)."""
    year = near.year
    offset = _worked_until(dt.date(year, 1, 1)) - _year(year).cumulative[1]
    while True:
        calendar = _year(year)
        if count <= offset:
            year -= 1
            offset -= _year(year).cumulative[-1]
            continue
        if count > offset + calendar.cumulative[-1]:
            offset += calendar.cumulative[-1]
            year += 1
            continue
        index = bisect.bisect_left(calendar.cumulative, count - offset)
        return calendar.first + dt.timedelta(days=index - 1)


# Configuration services (audited) ---------------------------------------------------------------


def day_off_set(*, actor: object, day: dt.date, name: str, kind: str) -> DayOff:
    """Declare ``day`` a day off or a working day (ngày nghỉ / ngày làm bù), replacing any earlier rule.

    Used for the government's yearly holiday notice (extra Tết days, swapped Saturdays) and for
    provincial days off; deadlines already computed are not moved — they count from the next change.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed(_("Give the day a name."), field="name")
    if kind not in DayOff.Kind.values:
        raise ValidationFailed(_("Choose a day off or a working day."), field="kind")
    if not 1900 < day.year < 2200:
        raise ValidationFailed(_("The date is out of range."), field="date")
    with transaction.atomic():
        before = DayOff.objects.filter(date=day).values("name", "kind").first()
        row, _created = DayOff.objects.update_or_create(date=day, defaults={"name": name, "kind": kind})
        audit_record(
            actor=actor,
            action="calendar.day_set",
            obj=row,
            before=dict(before) if before else None,
            after={"date": day.isoformat(), "name": name, "kind": kind},
        )
        transaction.on_commit(clear_cache)
    clear_cache()
    return row


def day_off_remove(*, actor: object, day: dt.date) -> None:
    """Return ``day`` to the statutory calendar."""
    with transaction.atomic():
        row = DayOff.objects.filter(date=day).first()
        if row is None:
            return
        audit_record(
            actor=actor,
            action="calendar.day_remove",
            obj=row,
            before={"date": day.isoformat(), "name": row.name, "kind": row.kind},
        )
        row.delete()
        transaction.on_commit(clear_cache)
    clear_cache()
