"""Business time: lunch breaks, weekends, public holidays, pauses over several days, boundaries."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.sla.clock import CalendarError, add_business_minutes, business_minutes_between, make_calendar, round_the_clock

MSK = ZoneInfo("Europe/Moscow")
WEEK = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = make_calendar(timezone="Europe/Moscow", intervals=WEEK, country="RU", extra_holidays=[date(2026, 12, 31)])


def msk(*args):
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize("start, minutes, due", [
    (msk(2026, 11, 30, 9, 0), 60, msk(2026, 11, 30, 10, 0)),          # Monday morning
    (msk(2026, 11, 30, 12, 30), 60, msk(2026, 11, 30, 14, 30)),       # across lunch
    (msk(2026, 11, 30, 13, 20), 10, msk(2026, 11, 30, 14, 10)),       # registered during lunch
    (msk(2026, 11, 30, 7, 0), 30, msk(2026, 11, 30, 9, 30)),          # before opening
    (msk(2026, 11, 30, 9, 0), 480, msk(2026, 11, 30, 18, 0)),         # exactly a working day: ends at 18:00
    (msk(2026, 11, 30, 17, 0), 60, msk(2026, 11, 30, 18, 0)),         # lands on the closing boundary
    (msk(2026, 11, 30, 17, 0), 61, msk(2026, 12, 1, 9, 1)),           # one minute more: next morning
    (msk(2026, 11, 30, 12, 0), 60, msk(2026, 11, 30, 13, 0)),         # lands on the lunch boundary
    (msk(2026, 12, 4, 17, 30), 60, msk(2026, 12, 7, 9, 30)),          # Friday evening → Monday
    (msk(2026, 12, 5, 11, 0), 15, msk(2026, 12, 7, 9, 15)),           # Saturday
    (msk(2026, 12, 30, 17, 0), 120, msk(2027, 1, 11, 10, 0)),         # extra holiday + Russian New Year holidays
    (msk(2026, 11, 30, 10, 0), 0, msk(2026, 11, 30, 10, 0)),
    (msk(2026, 11, 30, 19, 0), 0, msk(2026, 11, 30, 19, 0)),          # zero minutes: the start itself
])
def test_add_business_minutes(start, minutes, due):
    assert add_business_minutes(OFFICE, start, minutes) == due


@pytest.mark.parametrize("start, end, minutes", [
    (msk(2026, 11, 30, 9, 0), msk(2026, 11, 30, 18, 0), 480),
    (msk(2026, 11, 30, 12, 0), msk(2026, 11, 30, 15, 0), 120),         # lunch does not count
    (msk(2026, 12, 4, 17, 0), msk(2026, 12, 7, 10, 0), 120),           # weekend does not count
    (msk(2026, 11, 30, 20, 0), msk(2026, 12, 1, 8, 0), 0),             # night
    (msk(2026, 11, 30, 12, 0), msk(2026, 11, 30, 11, 0), 0),           # end before start
    (msk(2026, 12, 31, 9, 0), msk(2026, 12, 31, 18, 0), 0),            # extra holiday
])
def test_business_minutes_between(start, end, minutes):
    assert business_minutes_between(OFFICE, start, end) == minutes


def test_pauses_spanning_days_are_not_counted():
    start = msk(2026, 11, 30, 9, 0)
    pause = (msk(2026, 11, 30, 16, 0), msk(2026, 12, 2, 11, 0))        # waiting for the client, Mon 16:00 → Wed 11:00
    # Monday 9–16 gives 360 minutes (lunch excluded); the rest resumes on Wednesday at 11:00
    assert add_business_minutes(OFFICE, start, 480, pauses=[pause]) == msk(2026, 12, 2, 13, 0)
    assert business_minutes_between(OFFICE, start, msk(2026, 12, 2, 13, 0), pauses=[pause]) == 480
    # an open pause (still waiting) stops the clock
    assert business_minutes_between(OFFICE, start, msk(2026, 12, 4, 18, 0),
                                    pauses=[(msk(2026, 11, 30, 10, 0), None)]) == 60
    # several pauses, one inside lunch
    pauses = [(msk(2026, 11, 30, 9, 30), msk(2026, 11, 30, 10, 0)), (msk(2026, 11, 30, 13, 10), msk(2026, 11, 30, 14, 30))]
    assert add_business_minutes(OFFICE, start, 240, pauses=pauses) == msk(2026, 11, 30, 15, 0)


def test_measure_and_add_agree():
    start = msk(2026, 11, 27, 16, 45)
    for minutes in (1, 59, 75, 240, 481, 1000, 5000):
        due = add_business_minutes(OFFICE, start, minutes)
        assert business_minutes_between(OFFICE, start, due) == minutes


def test_round_the_clock():
    calendar = round_the_clock("Europe/Moscow")
    start = msk(2026, 12, 31, 23, 30)
    assert add_business_minutes(calendar, start, 60) == msk(2027, 1, 1, 0, 30)
    assert business_minutes_between(calendar, start, start + timedelta(days=2)) == 2880


def test_daylight_saving_time():
    berlin = make_calendar(timezone="Europe/Berlin", intervals={"sun": [["00:00", "24:00"]]})
    start = datetime(2027, 3, 28, 0, 0, tzinfo=ZoneInfo("Europe/Berlin"))   # clocks jump 02:00 → 03:00
    assert business_minutes_between(berlin, start, start + timedelta(days=1)) == 23 * 60


def test_results_are_utc_and_naive_input_is_refused():
    assert add_business_minutes(OFFICE, msk(2026, 11, 30, 9, 0), 1).tzinfo == timezone.utc
    with pytest.raises(ValueError):
        add_business_minutes(OFFICE, datetime(2026, 11, 30, 9, 0), 1)


@pytest.mark.parametrize("kwargs, field", [
    ({"timezone": "Mars/Olympus", "intervals": WEEK}, "timezone"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["13:00", "09:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["09:00", "09:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["9am", "5pm"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": [["09:00", "25:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"funday": [["09:00", "18:00"]]}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": {"mon": []}}, "intervals"),
    ({"timezone": "Europe/Moscow", "intervals": WEEK, "country": "XX"}, "country"),
])
def test_bad_calendars(kwargs, field):
    with pytest.raises(CalendarError) as info:
        make_calendar(**kwargs)
    assert info.value.field == field and str(info.value)


def test_a_calendar_with_only_holidays_is_refused_when_used():
    only_new_year = make_calendar(timezone="UTC", intervals={"fri": [["09:00", "10:00"]]},
                                  extra_holidays=[date(2027, 1, 1) + timedelta(days=7 * k) for k in range(200)])
    with pytest.raises(CalendarError):
        add_business_minutes(only_new_year, datetime(2027, 1, 1, tzinfo=timezone.utc), 61)


def test_next_open():
    from app.sla.clock import next_open
    assert next_open(OFFICE, msk(2026, 11, 30, 10, 0)) == msk(2026, 11, 30, 10, 0)      # open
    assert next_open(OFFICE, msk(2026, 11, 30, 13, 30)) == msk(2026, 11, 30, 14, 0)     # lunch
    assert next_open(OFFICE, msk(2026, 12, 5, 12, 0)) == msk(2026, 12, 7, 9, 0)         # Saturday
