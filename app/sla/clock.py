"""Business time, as pure functions over a calendar (docs/domain.md, "SLA").

A `Calendar` says when the office works: a time zone, several working intervals per weekday (so a
lunch break is simply a gap), public holidays (the `holidays` package, by country) plus extra
dates, or round the clock. `add_business_minutes` finds a deadline; `business_minutes_between`
measures elapsed business time. Both take pause intervals (time a ticket spent waiting for the
client), which do not count. Nothing here reads a clock or a database: `now` is an argument.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
#: how far ahead a deadline may be searched before the calendar is declared unusable
MAX_DAYS = 3 * 366


class CalendarError(ValueError):
    """A calendar that cannot be used, with a message fit for the person who entered it."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Calendar:
    timezone: str
    #: weekday (0 = Monday) → sorted, non-overlapping (start, end) in minutes of the day, end ≤ 1440
    weekly: Mapping[int, tuple[tuple[int, int], ...]]
    country: str | None = None
    extra_holidays: frozenset[date] = frozenset()
    always_open: bool = False
    _holidays: object = field(default=None, compare=False, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if self.always_open:
            return False
        if day in self.extra_holidays:
            return True
        return self._holidays is not None and day in self._holidays

    def intervals_on(self, day: date) -> tuple[tuple[int, int], ...]:
        if self.always_open:
            return ((0, DAY_MINUTES),)
        if self.is_holiday(day):
            return ()
        return self.weekly.get(day.weekday(), ())


def _parse_hhmm(text: str, where: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise CalendarError(f"{where}: {text!r} is not a time like 09:00", "intervals") from None
    if not 0 <= int(minutes) < 60 or not 0 <= value <= DAY_MINUTES:
        raise CalendarError(f"{where}: {text!r} is not a time of day", "intervals")
    return value


def make_calendar(*, timezone: str, intervals: Mapping[str, Sequence[Sequence[str]]] | None = None,
                  country: str | None = None, extra_holidays: Iterable[date] = (), always_open: bool = False) -> Calendar:
    """Build and check a calendar. Raises CalendarError (unknown zone or country, overlapping,
    empty or reversed intervals, no working time at all)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(f"unknown time zone {timezone!r}", "timezone") from None
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    for name, spans in (intervals or {}).items():
        if name not in WEEKDAYS:
            raise CalendarError(f"unknown weekday {name!r}: use {', '.join(WEEKDAYS)}", "intervals")
        parsed = []
        for span in spans:
            if len(span) != 2:
                raise CalendarError(f"{name}: an interval is a pair [start, end]", "intervals")
            start, end = _parse_hhmm(span[0], name), _parse_hhmm(span[1], name)
            if start >= end:
                raise CalendarError(f"{name}: the interval {span[0]}–{span[1]} is empty or reversed", "intervals")
            parsed.append((start, end))
        parsed.sort()
        for (a_start, a_end), (b_start, b_end) in pairwise(parsed):
            if b_start < a_end:
                raise CalendarError(f"{name}: intervals overlap ({a_start // 60:02d}:{a_start % 60:02d}–"
                                    f"{a_end // 60:02d}:{a_end % 60:02d} and {b_start // 60:02d}:{b_start % 60:02d}–"
                                    f"{b_end // 60:02d}:{b_end % 60:02d})", "intervals")
        if parsed:
            weekly[WEEKDAYS.index(name)] = tuple(parsed)
    if not always_open and not weekly:
        raise CalendarError("the calendar has no working time", "intervals")
    country_holidays = None
    if country and not always_open:
        try:
            country_holidays = holidays_lib.country_holidays(country.upper())
        except NotImplementedError:
            raise CalendarError(f"no public holidays are known for country {country!r}", "country") from None
    return Calendar(timezone=timezone, weekly=weekly, country=country.upper() if country else None,
                    extra_holidays=frozenset(extra_holidays), always_open=always_open, _holidays=country_holidays)


def round_the_clock(timezone: str = "UTC") -> Calendar:
    """The 24/7 calendar: every minute is business time."""
    return make_calendar(timezone=timezone, always_open=True)


def _open_segments(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working time from `start` on, as UTC (from, to) segments in order."""
    zone = calendar.zone
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        for begin, end in calendar.intervals_on(day):
            seg_from = _local(midnight, begin, zone)
            seg_to = _local(midnight, end, zone)
            if seg_to <= start:
                continue
            yield max(seg_from, start), seg_to
        day += timedelta(days=1)
    raise CalendarError(f"no working time within {MAX_DAYS} days", "intervals")


def _local(midnight: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """Wall-clock minutes after local midnight, as UTC (24:00 is the next midnight)."""
    if minutes >= DAY_MINUTES:
        next_day = midnight.date() + timedelta(days=1)
        return datetime.combine(next_day, time(0), tzinfo=zone).astimezone(timezone.utc)
    wall = datetime.combine(midnight.date(), time(minutes // 60, minutes % 60), tzinfo=zone)
    return wall.astimezone(timezone.utc)


def _minus_pauses(segments: Iterator[tuple[datetime, datetime]],
                  pauses: Sequence[tuple[datetime, datetime | None]]) -> Iterator[tuple[datetime, datetime]]:
    """Cut the pause intervals out of the segments (an open pause, end None, runs for ever)."""
    cuts = sorted((p_start, p_end or datetime.max.replace(tzinfo=timezone.utc)) for p_start, p_end in pauses)
    for seg_from, seg_to in segments:
        pieces = [(seg_from, seg_to)]
        for p_start, p_end in cuts:
            next_pieces = []
            for a, b in pieces:
                if p_end <= a or p_start >= b:
                    next_pieces.append((a, b))
                    continue
                if a < p_start:
                    next_pieces.append((a, p_start))
                if p_end < b:
                    next_pieces.append((p_end, b))
            pieces = next_pieces
        yield from pieces


def _until(segments: Iterator[tuple[datetime, datetime]], end: datetime) -> Iterator[tuple[datetime, datetime]]:
    for seg_from, seg_to in segments:
        if seg_from >= end:
            return
        yield seg_from, min(seg_to, end)


def _check_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None:
            raise ValueError("business time needs aware datetimes")


def add_business_minutes(calendar: Calendar, start: datetime, minutes: int,
                         pauses: Sequence[tuple[datetime, datetime | None]] = ()) -> datetime:
    """The instant when `minutes` of business time (not counting pauses) have passed since `start`.
    A deadline that lands exactly on the end of a working interval is that instant, not the
    start of the next interval."""
    _check_aware(start)
    if minutes < 0:
        raise ValueError("minutes cannot be negative")
    if minutes == 0:
        return start.astimezone(timezone.utc)
    left = timedelta(minutes=minutes)
    for seg_from, seg_to in _minus_pauses(_open_segments(calendar, start.astimezone(timezone.utc)), pauses):
        length = seg_to - seg_from
        if length >= left:
            return seg_from + left
        left -= length
    raise AssertionError("unreachable: _open_segments raises first")  # pragma: no cover


def next_open(calendar: Calendar, at: datetime) -> datetime:
    """`at` itself during working time, else the start of the next working interval."""
    _check_aware(at)
    seg_from, _ = next(_open_segments(calendar, at.astimezone(timezone.utc)))
    return seg_from


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime,
                             pauses: Sequence[tuple[datetime, datetime | None]] = ()) -> int:
    """Whole business minutes from `start` to `end` (0 if end is not after start), minus pauses."""
    _check_aware(start, end)
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    if end <= start:
        return 0
    total = timedelta()
    for seg_from, seg_to in _minus_pauses(_until(_open_segments(calendar, start), end), pauses):
        total += seg_to - seg_from
    return int(total.total_seconds() // 60)
