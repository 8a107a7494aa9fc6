"""The Vietnamese working-day calendar: lunar dates, Labour Code holidays, configured days, arithmetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.sites import site
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caunoi.core import workdays
from caunoi.core.errors import ValidationFailed
from caunoi.core.models import AuditEvent, DayOff
from caunoi.core.workdays import LunarDate
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def at(y: int, m: int, d: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=VN)


# Lunar calendar -----------------------------------------------------------------------------------

TET = {
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 2),  # a day before China's: the new moon is at 23:07 in Hà Nội
}


@pytest.mark.parametrize(("year", "expected"), TET.items())
def test_tet_falls_on_the_known_day(year, expected):
    assert workdays.tet(year) == expected
    assert workdays.solar_to_lunar(expected) == LunarDate(year, 1, 1)
    assert workdays.solar_to_lunar(expected - dt.timedelta(days=1)).month == 12


@pytest.mark.parametrize(
    ("year", "vietnam", "china"),
    [
        (2007, dt.date(2007, 2, 17), dt.date(2007, 2, 18)),  # new moon 23:14 UTC+7, 00:14 UTC+8
        (1985, dt.date(1985, 1, 21), dt.date(1985, 2, 20)),  # month 11 differs: a whole month apart
        (2030, dt.date(2030, 2, 2), dt.date(2030, 2, 3)),
    ],
)
def test_the_vietnamese_calendar_diverges_from_the_chinese_one_where_it_should(year, vietnam, china):
    assert workdays.tet(year) == vietnam
    assert workdays.lunar_to_solar(LunarDate(year, 1, 1), tz_hours=8) == china


def test_it_knows_leap_months():
    # 2023 had a leap 2nd month (tháng 2 nhuận) from 22 March; 2020 a leap 4th from 23 May.
    assert workdays.solar_to_lunar(dt.date(2023, 3, 22)) == LunarDate(2023, 2, 1, leap=True)
    assert workdays.solar_to_lunar(dt.date(2023, 2, 20)) == LunarDate(2023, 2, 1)
    assert workdays.lunar_to_solar(LunarDate(2020, 4, 1, leap=True)) == dt.date(2020, 5, 23)
    with pytest.raises(ValidationFailed):
        workdays.lunar_to_solar(LunarDate(2023, 5, 1, leap=True))
    with pytest.raises(ValidationFailed):
        workdays.lunar_to_solar(LunarDate(2024, 2, 1, leap=True))  # 2024 has no leap month


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_solar_to_lunar_and_back_is_the_same_day(day):
    lunar = workdays.solar_to_lunar(day)
    assert 1 <= lunar.day <= 30
    assert 1 <= lunar.month <= 12
    assert workdays.lunar_to_solar(lunar) == day


@pytest.mark.parametrize(
    "hung_kings",
    [dt.date(2023, 4, 29), dt.date(2024, 4, 18), dt.date(2025, 4, 7), dt.date(2026, 4, 26)],
)
def test_hung_kings_day_is_the_tenth_of_the_third_lunar_month(hung_kings):
    assert workdays.solar_to_lunar(hung_kings) == LunarDate(hung_kings.year, 3, 10)
    assert workdays.statutory_holidays(hung_kings.year)[hung_kings]


# Holidays ----------------------------------------------------------------------------------------


def test_the_2026_calendar_matches_the_governments_schedule():
    with translation.override("en"):
        days = workdays.holidays(2026)
    assert days == {
        dt.date(2026, 1, 1): "New Year's Day",
        # Tết Bính Ngọ: 30 Tết (16/2) and mùng 1-4; with the weekends, 14-22 February off.
        **{dt.date(2026, 2, d): "Lunar New Year (Tết)" for d in range(16, 21)},
        dt.date(2026, 4, 26): "Hùng Kings' Commemoration Day",  # a Sunday …
        dt.date(2026, 4, 27): "Compensatory day off for Hùng Kings' Commemoration Day",  # … moved to Monday
        dt.date(2026, 4, 30): "Reunification Day",
        dt.date(2026, 5, 1): "International Labour Day",
        dt.date(2026, 9, 1): "National Day",
        dt.date(2026, 9, 2): "National Day",
    }
    assert not any(workdays.is_working_day(dt.date(2026, 2, d)) for d in range(14, 23))
    assert workdays.is_working_day(dt.date(2026, 2, 23))


def test_holiday_names_follow_the_language_shown():
    with translation.override("vi"):
        vi = workdays.holidays(2026)[dt.date(2026, 9, 2)]
    with translation.override("en"):
        en = workdays.holidays(2026)[dt.date(2026, 9, 2)]
    assert en == "National Day"
    assert vi  # translated by the project catalogue when it has the string


@pytest.mark.parametrize(
    ("year", "companion"),
    [
        (2021, dt.date(2021, 9, 3)),  # Thursday 2/9 → Friday
        (2022, dt.date(2022, 9, 1)),  # Friday 2/9 → Thursday
        (2024, dt.date(2024, 9, 3)),  # Monday 2/9 → Tuesday (1/9 is a Sunday)
        (2025, dt.date(2025, 9, 1)),  # Tuesday 2/9 → Monday
    ],
)
def test_national_day_takes_the_adjacent_day_the_government_chose(year, companion):
    days = workdays.statutory_holidays(year)
    national = [d for d in days if d.month == 9]
    assert sorted(national) == sorted([dt.date(year, 9, 2), companion])


def test_a_holiday_on_a_weekend_gives_the_next_working_day_off():
    # 2022: 30/4 Saturday and 1/5 Sunday → Monday 2/5 and Tuesday 3/5 off.
    days = workdays.holidays(2022)
    assert dt.date(2022, 5, 2) in days and dt.date(2022, 5, 3) in days
    assert workdays.is_working_day(dt.date(2022, 5, 4))
    # 2029: 2/9 Sunday → 3/9 the adjacent day, 4/9 the compensation.
    assert [d.day for d in workdays.holidays(2029) if d.month == 9] == [2, 3, 4]


@override_settings(CAUNOI_TET_DAYS_BEFORE=2, CAUNOI_TET_DAYS_AFTER=5, CAUNOI_HOLIDAY_COMPENSATION=False)
def test_the_tet_span_and_compensation_are_configurable():
    with translation.override("en"):
        days = workdays.holidays(2026)
    tet_days = sorted(d for d, name in days.items() if name == "Lunar New Year (Tết)")
    assert tet_days == [dt.date(2026, 2, d) for d in range(15, 22)]
    assert dt.date(2026, 4, 27) not in days


# Configured days (DayOff) -------------------------------------------------------------------------


def test_configured_days_off_and_working_days_change_the_calendar_and_are_audited(personas):
    admin = personas.province_admin
    # The 2025 notice: Monday 27/1 off before Tết, Saturday 8/2 worked in exchange.
    assert workdays.is_working_day(dt.date(2025, 1, 27))
    workdays.day_off_set(actor=admin, day=dt.date(2025, 1, 27), name="Nghỉ  bù Tết ", kind="off")
    workdays.day_off_set(actor=admin, day=dt.date(2025, 2, 8), name="Làm bù", kind="working")

    assert not workdays.is_working_day(dt.date(2025, 1, 27))
    assert workdays.is_working_day(dt.date(2025, 2, 8))
    assert workdays.holidays(2025)[dt.date(2025, 1, 27)] == "Nghỉ bù Tết"
    assert dt.date(2025, 2, 8) not in workdays.holidays(2025)

    workdays.day_off_set(actor=admin, day=dt.date(2025, 2, 8), name="Làm bù thứ Bảy", kind="working")
    assert DayOff.objects.filter(date=dt.date(2025, 2, 8)).count() == 1
    workdays.day_off_remove(actor=admin, day=dt.date(2025, 1, 27))
    assert workdays.is_working_day(dt.date(2025, 1, 27))

    rows = list(AuditEvent.objects.filter(action__startswith="calendar.").order_by("id"))
    assert [r.action for r in rows] == [
        "calendar.day_set",
        "calendar.day_set",
        "calendar.day_set",
        "calendar.day_remove",
    ]
    assert all(r.actor == admin for r in rows)
    assert rows[2].summary["before"] == {"name": "Làm bù", "kind": "working"}


def test_a_configured_working_day_can_cancel_a_statutory_holiday(personas):
    workdays.day_off_set(
        actor=personas.province_admin, day=dt.date(2026, 9, 1), name="Làm việc", kind="working"
    )
    assert workdays.is_working_day(dt.date(2026, 9, 1))
    assert dt.date(2026, 9, 1) not in workdays.holidays(2026)


@pytest.mark.parametrize(
    ("day", "name", "kind", "field"),
    [
        (dt.date(2026, 1, 5), "  ", "off", "name"),
        (dt.date(2026, 1, 5), "Nghỉ", "holiday", "kind"),
        (dt.date(1800, 1, 5), "Nghỉ", "off", "date"),
    ],
)
def test_bad_configured_days_are_refused(personas, day, name, kind, field):
    with pytest.raises(ValidationFailed) as error:
        workdays.day_off_set(actor=personas.province_admin, day=day, name=name, kind=kind)
    assert error.value.field == field
    assert not DayOff.objects.exists()


def test_the_admin_page_is_for_holders_of_the_inbox_configuration_capability(client, personas):
    for user in (personas.province_admin, personas.commune_officer):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    url = f"/{django_settings.CAUNOI_ADMIN_PATH}/core/dayoff/add/"
    login_as(client, personas.commune_officer)
    assert client.get(url).status_code == 403
    client.logout()

    login_as(client, personas.province_admin)
    response = client.post(url, {"date": "2026-12-31", "name": "Nghỉ cuối năm", "kind": "off"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not workdays.is_working_day(dt.date(2026, 12, 31))
    event = AuditEvent.objects.get(action="calendar.day_set")
    assert event.actor == personas.province_admin
    assert site.is_registered(DayOff)


# Arithmetic ---------------------------------------------------------------------------------------


def test_a_deadline_ends_at_the_end_of_the_nth_working_day():
    # Received Friday 13/2/2026, just before Tết: 5 working days → Friday 27/2 (Tết week is off).
    due = workdays.add_working_days(at(2026, 2, 13, 16), 5)
    assert due == dt.datetime.combine(dt.date(2026, 2, 27), dt.time.max, tzinfo=VN)
    assert workdays.working_days_between(at(2026, 2, 13, 16), due) == 5
    # Received on a Saturday: the count starts on Monday.
    assert workdays.add_working_days(at(2026, 3, 7), 1).date() == dt.date(2026, 3, 9)
    # Backwards: two working days before Monday 9/3 is Thursday 5/3.
    assert workdays.add_working_days(at(2026, 3, 9), -2).date() == dt.date(2026, 3, 5)
    assert workdays.add_working_days(at(2026, 3, 9), 0) == at(2026, 3, 9)


def test_the_local_day_decides_not_the_utc_day():
    # 18:30 UTC on Friday is already Saturday 01:30 in Hà Nội: the count starts on Monday, not Friday.
    friday_evening_utc = dt.datetime(2026, 3, 6, 18, 30, tzinfo=UTC)
    due = workdays.add_working_days(friday_evening_utc, 1)
    assert due.tzinfo == UTC
    assert due.astimezone(VN).date() == dt.date(2026, 3, 9)
    assert workdays.working_days_between(friday_evening_utc, at(2026, 3, 9)) == 1
    with pytest.raises(ValueError, match="aware"):
        workdays.add_working_days(dt.datetime(2026, 3, 6, 9), 1)


def test_it_counts_across_years_and_years_are_cached(django_assert_num_queries):
    start = at(2025, 12, 30)
    due = workdays.add_working_days(start, 300)
    assert workdays.working_days_between(start, due) == 300
    assert workdays.working_days_between(due, start) == -300
    with django_assert_num_queries(0):
        workdays.add_working_days(start, 300)
        workdays.is_working_day(dt.date(2026, 6, 1))


MOMENTS = st.datetimes(
    min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2031, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=MOMENTS, days=st.integers(min_value=-400, max_value=400))
def test_adding_then_counting_gives_back_the_same_number_and_never_lands_on_a_day_off(start, days):
    due = workdays.add_working_days(start, days)
    assert workdays.working_days_between(start, due) == days
    if days != 0:
        assert workdays.is_working_day(due.astimezone(VN).date())
        assert due.astimezone(VN).time() == dt.time.max
        # It is the first such day: one working day less would not be enough.
        step = 1 if days > 0 else -1
        assert (
            workdays.working_days_between(start, workdays.add_working_days(start, days - step)) == days - step
        )
        assert (due > start) == (days > 0)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=MOMENTS, b=MOMENTS)
def test_counting_matches_a_day_by_day_walk(a, b):
    first, last = sorted([a.astimezone(VN).date(), b.astimezone(VN).date()])
    walked = sum(
        workdays.is_working_day(first + dt.timedelta(days=n)) for n in range(1, (last - first).days + 1)
    )
    assert workdays.working_days_between(a, b) == (walked if b >= a else -walked)


def test_another_process_sees_a_change_once_its_cached_year_expires(personas, monkeypatch):
    day = dt.date(2026, 12, 30)
    assert workdays.is_working_day(day)
    DayOff.objects.create(date=day, name="Nghỉ (đổi ở tiến trình khác)", kind=DayOff.Kind.OFF)
    assert workdays.is_working_day(day)  # this process still holds the year it read
    later = workdays.time.monotonic() + workdays.CACHE_SECONDS + 1
    monkeypatch.setattr(workdays.time, "monotonic", lambda: later)
    assert not workdays.is_working_day(day)
