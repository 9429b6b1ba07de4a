"""Calendars and SLA policies, and the deadline rules tickets use. They flush, never commit."""
import json
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select

from app.audit.operations import record_action, record_changes, snapshot
from app.core.errors import ValidationFailed
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.sla import clock
from app.sla.models import BusinessCalendar, SlaPolicy, SlaTarget, TicketPause

PRIORITIES = ("low", "normal", "high", "critical")
MAX_TARGET_MINUTES = 60 * 24 * 365


def calendar_of(record: BusinessCalendar) -> clock.Calendar:
    """The clock's calendar for a stored one (cached: building holiday tables is not free)."""
    key = (record.timezone, json.dumps(record.intervals, sort_keys=True), record.country,
           tuple(record.extra_holidays), record.always_open)
    return _calendar_cached(key)


@lru_cache(maxsize=256)
def _calendar_cached(key) -> clock.Calendar:
    timezone, intervals, country, extra, always_open = key
    return clock.make_calendar(timezone=timezone, intervals=json.loads(intervals), country=country,
                               extra_holidays=[date.fromisoformat(d) for d in extra], always_open=always_open)


CALENDAR_FIELDS = ("name", "timezone", "country", "intervals", "extra_holidays", "always_open")


def create_calendar(*, name: str, timezone: str, intervals: dict | None = None, country: str | None = None,
                    extra_holidays: list | None = None, always_open: bool = False, actor=None) -> BusinessCalendar:
    """A business calendar, checked by the clock itself (zones, overlapping or empty intervals)."""
    record = BusinessCalendar()
    _fill_calendar(record, name=name, timezone=timezone, intervals=intervals, country=country,
                   extra_holidays=extra_holidays, always_open=always_open)
    db.session.add(record)
    db.session.flush()
    if actor is not None:
        record_action("calendar", record.id, "created", actor=actor, detail=record.name)
    return record


def update_calendar(record: BusinessCalendar, *, name: str, timezone: str, intervals: dict | None = None,
                    country: str | None = None, extra_holidays: list | None = None, always_open: bool = False,
                    actor) -> int:
    """Correct a calendar, with the same checks as on creation; audited field by field. Deadlines
    already set on tickets stay; new deadlines and warnings follow the corrected calendar."""
    before = snapshot(record, CALENDAR_FIELDS)
    _fill_calendar(record, name=name, timezone=timezone, intervals=intervals, country=country,
                   extra_holidays=extra_holidays, always_open=always_open)
    db.session.flush()
    return record_changes("calendar", record.id, before, snapshot(record, CALENDAR_FIELDS), actor=actor)


def _fill_calendar(record: BusinessCalendar, *, name, timezone, intervals, country, extra_holidays, always_open) -> None:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Enter a name of up to 100 characters."), code="invalid_name", field="name")
    days = []
    for raw in extra_holidays or []:
        try:
            days.append(date.fromisoformat(str(raw)))
        except ValueError:
            raise ValidationFailed(_("%(d)s is not a date like 2026-12-31.", d=raw), code="invalid_date",
                                   field="extra_holidays") from None
    try:
        clock.make_calendar(timezone=timezone, intervals=intervals, country=country, extra_holidays=days,
                            always_open=always_open)
    except clock.CalendarError as exc:
        raise ValidationFailed(str(exc), code="invalid_calendar", field=exc.field) from None
    if db.session.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == name,
                                                           BusinessCalendar.id != (record.id or 0))):
        raise ValidationFailed(_("A calendar with this name exists."), code="duplicate_name", field="name")
    record.name, record.timezone, record.intervals = name, timezone, intervals or {}
    record.country = country.upper() if country else None
    record.extra_holidays, record.always_open = sorted(d.isoformat() for d in days), bool(always_open)


def _targets_text(policy: SlaPolicy) -> dict:
    return {t.priority: f"{t.response_minutes}/{t.resolution_minutes}" for t in policy.targets}


def create_policy(*, name: str, calendar: BusinessCalendar | None, targets: dict, actor=None) -> SlaPolicy:
    """An SLA policy: response and resolution targets (business minutes) for every priority."""
    policy = SlaPolicy()
    _fill_policy(policy, name=name, calendar=calendar, targets=targets)
    db.session.add(policy)
    db.session.flush()
    if actor is not None:
        record_action("policy", policy.id, "created", actor=actor, detail=policy.name)
    return policy


def update_policy(policy: SlaPolicy, *, name: str, calendar: BusinessCalendar | None, targets: dict, actor) -> int:
    """Correct a policy's name, calendar or targets; audited. Tickets keep the deadlines they were
    given; tickets registered from now on get the corrected targets."""
    before = {"name": policy.name, "calendar_id": policy.calendar_id, "targets": _targets_text(policy)}
    _fill_policy(policy, name=name, calendar=calendar, targets=targets)
    db.session.flush()
    after = {"name": policy.name, "calendar_id": policy.calendar_id, "targets": _targets_text(policy)}
    return record_changes("policy", policy.id, before, after, actor=actor)


def _fill_policy(policy: SlaPolicy, *, name, calendar, targets) -> None:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Enter a name of up to 100 characters."), code="invalid_name", field="name")
    if calendar is None:
        raise ValidationFailed(_("Choose a calendar."), code="invalid_calendar", field="calendar_id")
    if not isinstance(targets, dict) or set(targets) != set(PRIORITIES):
        raise ValidationFailed(_("Give targets for each priority: %(p)s.", p=", ".join(PRIORITIES)),
                               code="invalid_targets", field="targets")
    values_by_priority = {}
    for rank, priority in enumerate(reversed(PRIORITIES)):
        target = targets[priority] or {}
        values = []
        for key in ("response_minutes", "resolution_minutes"):
            value = target.get(key) if isinstance(target, dict) else None
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TARGET_MINUTES:
                raise ValidationFailed(_("%(p)s: %(k)s must be a positive whole number of minutes.", p=priority, k=key),
                                       code="invalid_targets", field="targets")
            values.append(value)
        if values[0] > values[1]:
            raise ValidationFailed(_("%(p)s: the response target cannot be later than the resolution target.", p=priority),
                                   code="invalid_targets", field="targets")
        values_by_priority[priority] = (rank, values)
    if db.session.scalar(select(SlaPolicy.id).where(SlaPolicy.name == name, SlaPolicy.id != (policy.id or 0))):
        raise ValidationFailed(_("A policy with this name exists."), code="duplicate_name", field="name")
    policy.name, policy.calendar = name, calendar
    existing = {t.priority: t for t in policy.targets}
    for priority, (rank, (response, resolution)) in values_by_priority.items():
        target = existing.get(priority)
        if target is None:
            policy.targets.append(SlaTarget(priority=priority, priority_rank=rank, response_minutes=response,
                                            resolution_minutes=resolution))
        else:
            target.response_minutes, target.resolution_minutes = response, resolution


def pauses_of(ticket_id: int) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in db.session.scalars(
        select(TicketPause).where(TicketPause.ticket_id == ticket_id).order_by(TicketPause.started_at))]


def deadlines(policy: SlaPolicy, priority: str, created_at: datetime,
              pauses=()) -> tuple[datetime | None, datetime | None]:
    """Response and resolution deadlines in the policy calendar's business time; the resolution
    clock stops during pauses (an open pause: no resolution deadline until it ends)."""
    target = policy.target(priority)
    if target is None:
        return None, None
    calendar = calendar_of(policy.calendar)
    response = clock.add_business_minutes(calendar, created_at, target.response_minutes)
    if any(end is None for _, end in pauses):
        return response, None
    return response, clock.add_business_minutes(calendar, created_at, target.resolution_minutes, pauses=pauses)


#: a date further away than this is a typing error (9999 for 2026), not a plan
DUE_HORIZON = timedelta(days=5 * 366)


def check_horizon(due: datetime, now: datetime, field: str) -> None:
    """A due date within five years of now (either way): year 1 or 9999 is refused, clearly."""
    if not now - DUE_HORIZON <= due <= now + DUE_HORIZON:
        raise ValidationFailed(_("A due date must be within five years of today."), code="due_out_of_range",
                               field=field)


def check_desired_due(policy: SlaPolicy | None, priority: str, created_at: datetime, desired: datetime | None,
                      now: datetime | None = None) -> datetime | None:
    """The client's desired due date rule (the portal reuses it): it must be in the future and not
    earlier than the SLA resolution deadline. Returns the resolution deadline to use (the desired
    date when it is later), or raises 422 `unrealistic_due_date` naming the earliest acceptable time."""
    now = now or utcnow()
    _response, earliest = deadlines(policy, priority, created_at) if policy else (None, None)
    if desired is None:
        return earliest
    if desired.tzinfo is None:
        raise ValidationFailed(_("A due time needs a time zone."), code="invalid_due", field="desired_due_at")
    check_horizon(desired, now, "desired_due_at")
    floor = max(earliest or now, now)
    if desired < floor:
        # named to the minute, rounded up: the very time it names is accepted when sent back
        named = floor if floor == floor.replace(second=0, microsecond=0) else \
            floor.replace(second=0, microsecond=0) + timedelta(minutes=1)
        raise ValidationFailed(_("The desired due date is too early: the earliest realistic one is %(e)s.",
                                 e=named.isoformat(timespec="minutes")),
                               code="unrealistic_due_date", field="desired_due_at", earliest=named)
    return desired


def start_pause(ticket_id: int, at: datetime) -> None:
    if not db.session.scalar(select(TicketPause.id).where(TicketPause.ticket_id == ticket_id,
                                                          TicketPause.ended_at.is_(None))):
        db.session.add(TicketPause(ticket_id=ticket_id, started_at=at))


def end_pause(ticket_id: int, at: datetime) -> bool:
    pause = db.session.scalar(select(TicketPause).where(TicketPause.ticket_id == ticket_id,
                                                        TicketPause.ended_at.is_(None)))
    if pause is None:
        return False
    pause.ended_at = at
    db.session.flush()
    return True


WARNING_SHARE = 0.8


def warning_instant(policy: SlaPolicy | None, start: datetime, due: datetime, pauses=()) -> datetime:
    """When 80 % of the time from `start` to `due` has passed: business time in the policy's
    calendar (pauses excluded), or plain time for a deadline set by hand without a policy."""
    if due <= start:
        return due
    if policy is None:
        return start + (due - start) * WARNING_SHARE
    calendar = calendar_of(policy.calendar)
    total = clock.business_minutes_between(calendar, start, due, pauses)
    return clock.add_business_minutes(calendar, start, int(total * WARNING_SHARE), pauses)
