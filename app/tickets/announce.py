"""What the office speaker says, and when (docs/domain.md, "Events and the speaker").

The server decides: a ticket is announced when it is registered and then every
HOURDESK_ANNOUNCE_EVERY_MINUTES while it stays `open`; the state (`next_announce_at`,
`announce_count`) lives on the ticket, so a restart loses nothing and every speaker hears the same.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.events import publish
from app.extensions import db
from app.sla import clock
from app.sla.models import BusinessCalendar
from app.sla.operations import calendar_of
from app.tickets.models import Ticket

PHRASES = {
    "ru": "Новая заявка номер {number} от клиента {client}. Приоритет: {priority}. {subject}",
    "en": "New ticket number {number} from {client}. Priority: {priority}. {subject}",
}
PRIORITY_WORDS = {
    "ru": {"low": "низкий", "normal": "обычный", "high": "высокий", "critical": "критический"},
    "en": {"low": "low", "normal": "normal", "high": "high", "critical": "critical"},
}
REPEAT_PREFIX = {"ru": "Повторно. ", "en": "Again. "}


def phrase(ticket: Ticket, lang: str) -> str:
    lang = lang if lang in PHRASES else "en"
    text = PHRASES[lang].format(number=ticket.id, client=ticket.client.name, subject=ticket.subject,
                                priority=PRIORITY_WORDS[lang][ticket.priority])
    return (REPEAT_PREFIX[lang] + text) if ticket.announce_count else text


def _quiet_until(now: datetime) -> datetime | None:
    """With quiet hours set and `now` outside the office calendar: when speaking may resume."""
    name = current_app.config["HOURDESK_ANNOUNCE_CALENDAR"]
    if not name:
        return None
    record = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == name))
    if record is None:
        current_app.logger.warning("HOURDESK_ANNOUNCE_CALENDAR names no calendar: %s", name)
        return None
    resume = clock.next_open(calendar_of(record), now)
    return resume if resume > now else None


def announce(ticket: Ticket, now: datetime) -> None:
    """Queue one announcement (delivered to the `speakers` room after commit) and plan the next.
    In quiet hours nothing is said: the announcement waits for the office to open."""
    if plan(ticket, now):
        say(ticket)


def plan(ticket: Ticket, now: datetime) -> bool:
    """Count the announcement due now and plan the next (a new ticket before it is written, so
    the row goes in once); False: quiet hours, nothing is said until the office opens."""
    resume = _quiet_until(now)
    if resume is not None:
        ticket.next_announce_at = resume
        return False
    ticket.announce_count = (ticket.announce_count or 0) + 1
    ticket.next_announce_at = now + timedelta(minutes=current_app.config["HOURDESK_ANNOUNCE_EVERY_MINUTES"])
    return True


def say(ticket: Ticket) -> None:
    """Queue the announcement `plan` counted."""
    lang = current_app.config["HOURDESK_OFFICE_LOCALE"]
    # "repeat": which announcement of this ticket it is (a speaker that hears one twice can tell)
    publish("announce", {"ticket_id": ticket.id, "text": phrase(ticket, lang), "lang": lang,
                         "repeat": ticket.announce_count}, ["speakers"])


def stop(ticket: Ticket) -> None:
    """Acknowledged (left `open`): no more announcements."""
    ticket.next_announce_at = None


def announce_due(now: datetime, limit: int = 200) -> int:
    """The scheduler's job: repeat every open ticket whose time has come (an index range)."""
    due = db.session.scalars(select(Ticket).options(selectinload(Ticket.client))
                             .where(Ticket.next_announce_at <= now, Ticket.status == "open")
                             .order_by(Ticket.next_announce_at).limit(limit)).all()
    for ticket in due:
        announce(ticket, now)
    return len(due)
