"""Every change to a ticket goes through this module.

`update_ticket` changes a ticket's fields and `set_status` its status (the only door: closing
debits the ledger and returns what it debited, reopening a closed ticket reverses it); both write a
`TicketChange` row for each field, so the desk, the portal, the API and the scheduled jobs share
one path and one audit trail. Operations flush, never commit: the request (or the job) commits
once. On SQLite, write requests begin with the write lock (`app.core.db_setup`); jobs and scripts
take it with `serialized_writes`.
"""
import dataclasses
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from app.auth.models import User
from app.clients.models import Client
from app.contracts import operations as ledger_ops
from app.contracts import queries as contract_queries
from app.contracts.models import SpecLine, TicketClose
from app.core.errors import Conflict, Forbidden, ValidationFailed
from app.core.events import publish
from app.core.i18n import gettext as _
from app.core.text import fold
from app.core.types import utcnow
from app.core.uow import after_rollback
from app.extensions import db
from app.sla import operations as sla_ops
from app.sla.models import SlaPolicy
from app.tickets import announce as announcements
from app.tickets import attachments as attachment_store
from app.tickets import queries as ticket_queries
from app.tickets.lifecycle import (
    CHANNELS,
    PRIORITIES,
    REOPENINGS,
    SLA_ACTIVE_STATUSES,
    allowed_targets,
    can_transition,
)
from app.tickets.models import (
    PRIORITY_RANK,
    Attachment,
    Comment,
    Tag,
    Ticket,
    TicketChange,
    TicketRating,
    TicketSlaEvent,
    tag_key,
)

SUBJECT_MAX = 255
DESCRIPTION_MAX = 20_000
COMMENT_MAX = 20_000

#: fields `update_ticket` may change (the status changes through `set_status`)
EDITABLE_FIELDS = ("subject", "description", "priority", "assignee", "resolution_due_at", "tags")
#: a ticket carries a few topics, each a short name
MAX_TAGS, TAG_MAX = 10, 50


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(_("Enter a subject."), code="subject_required", field="subject")
    if len(subject) > SUBJECT_MAX:
        raise ValidationFailed(_("The subject is longer than %(n)d characters.", n=SUBJECT_MAX),
                               code="subject_too_long", field="subject")
    return subject


def _clean_text(text: str | None, limit: int, field: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ValidationFailed(_("The text is longer than %(n)d characters.", n=limit), code=f"{field}_too_long", field=field)
    return text


def _check_choice(value: str, choices: tuple[str, ...], field: str) -> str:
    if value not in choices:
        raise ValidationFailed(_("Unknown %(f)s %(v)s: expected one of %(all)s.", f=field, v=value, all=", ".join(choices)),
                               code=f"invalid_{field}", field=field)
    return value


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and (not assignee.is_staff or not assignee.active):
        raise ValidationFailed(_("Tickets can be assigned to active staff only."), code="invalid_assignee", field="assignee_id")


def _check_due(due: datetime | None) -> None:
    if due is not None and due.tzinfo is None:
        raise ValidationFailed(_("A due time needs a time zone."), code="invalid_due", field="resolution_due_at")
    if due is not None:
        sla_ops.check_horizon(due, utcnow(), "resolution_due_at")


def create_ticket(actor: User | None, client: Client, *, subject: str, description: str = "",
                  priority: str = "normal", channel: str = "phone", requester: User | None = None,
                  assignee: User | None = None, resolution_due_at: datetime | None = None,
                  desired_due_at: datetime | None = None, files=(), follow_up_of: Ticket | None = None,
                  tags=()) -> Ticket:
    """Register a ticket in status `open` and record its creation in the history. `files`:
    (name, stream) pairs attached to it; `follow_up_of`: an earlier ticket of the same client that
    this one continues (a contact comes back after the reopening window); `tags`: topic names
    (new ones are created; staff only). `actor` None: the desk itself (mail from a client's domain)."""
    if client is None or not client.active:
        raise ValidationFailed(_("Choose an active client."), code="invalid_client", field="client_id")
    by_contact = actor is not None and actor.role == "client"
    if by_contact and actor.client_id != client.id:
        raise Forbidden(_("Contacts register tickets for their own company only."))
    _check_file_count(files)
    for name, _stream in files:   # refuse a bad file before anything is written
        attachment_store.check_name(name)
    if requester is not None and requester.client_id != client.id:
        raise ValidationFailed(_("The requester is not a contact of this client."), code="invalid_requester", field="requester_id")
    _check_assignee(assignee)
    _check_due(resolution_due_at)
    tag_names = _clean_tags(tags)
    if tag_names and by_contact:
        raise Forbidden(_("Contacts cannot tag tickets."))
    if follow_up_of is not None and follow_up_of.client_id != client.id:
        raise ValidationFailed(_("A ticket can follow up only a ticket of the same client."), code="invalid_follow_up",
                               field="follow_up_of")
    now = utcnow()
    policy = contract_queries.current_sla_policy(client.id, now)
    response_due, resolution_due = sla_ops.deadlines(policy, priority, now) if policy and priority in PRIORITIES \
        else (None, None)
    if desired_due_at is not None:
        # the client's date must be realistic; a later one becomes the deadline
        resolution_due = sla_ops.check_desired_due(policy, priority, now, desired_due_at, now)
    if resolution_due_at is not None:   # an engineer's explicit due date (agreed on the phone) wins
        resolution_due = resolution_due_at
    ticket = Ticket(
        client=client,
        subject=_clean_subject(subject),
        subject_search=fold(_clean_subject(subject)),
        description=_clean_text(description, DESCRIPTION_MAX, "description"),
        priority=_check_choice(priority, PRIORITIES, "priority"),
        priority_rank=PRIORITY_RANK.get(priority, 2),
        channel=_check_choice(channel, CHANNELS, "channel"),
        requester=requester or (actor if by_contact else None),
        created_by=actor,
        assignee=assignee,
        status="open",
        created_at=now,
        updated_at=now,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        desired_due_at=desired_due_at,
        sla_policy_id=policy.id if policy else None,
        follow_up_of=follow_up_of,
        tags=tags_named(tag_names),
    )
    # the SLA monitor's next look and the first announcement are planned before the row is
    # written, so it is written once
    schedule_sla(ticket, new=True)
    speak = announcements.plan(ticket, now)
    db.session.add(ticket)
    db.session.flush()
    _record(ticket, actor, "created", None, ticket.status)
    if tag_names:
        _record(ticket, actor, "tags", None, ", ".join(t.name for t in ticket.tags))
    add_attachments(ticket, actor, files)
    _publish_ticket("ticket.created", ticket)
    if speak:
        announcements.say(ticket)
    return ticket


def update_ticket(ticket: Ticket, actor: User, *, reason: str | None = None, **changes) -> list[TicketChange]:
    """Change ticket fields (not the status: `set_status`) and audit each one. Only fields whose
    value differs are written. A new priority recomputes the SLA deadlines. Moving the resolution
    deadline needs a `reason`; a deadline that had already passed keeps its breach on record."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"update_ticket cannot change {sorted(unknown)} (a status changes through set_status)")
    if actor is not None and actor.role == "client":
        raise Forbidden(_("Contacts cannot change a ticket's fields; write a comment instead."))
    written: list[TicketChange] = []
    if "subject" in changes:
        written += _set(ticket, actor, "subject", _clean_subject(changes["subject"]))
        ticket.subject_search = fold(ticket.subject)
    if "description" in changes:
        written += _set(ticket, actor, "description", _clean_text(changes["description"], DESCRIPTION_MAX, "description"))
    if "priority" in changes:
        priority = _check_choice(changes["priority"], PRIORITIES, "priority")
        priority_changes = _set(ticket, actor, "priority", priority)
        ticket.priority_rank = PRIORITY_RANK[priority]
        written += priority_changes
        if priority_changes and "resolution_due_at" not in changes:
            written += _apply_sla(ticket, actor, response_too=True)
    if "assignee" in changes:
        assignee = changes["assignee"]
        _check_assignee(assignee)
        if assignee is None and ticket.status == "in_progress":
            raise ValidationFailed(_("A ticket in progress needs an assignee."), code="assignee_required",
                                   field="assignee_id")
        if assignee is not ticket.assignee:
            written.append(_record(ticket, actor, "assignee", _user_label(ticket.assignee), _user_label(assignee)))
            ticket.assignee = assignee
    if "resolution_due_at" in changes and changes["resolution_due_at"] != ticket.resolution_due_at:
        written += _move_deadline(ticket, actor, changes["resolution_due_at"], reason)
    if "tags" in changes:
        tags = tags_named(_clean_tags(changes["tags"]))
        if {t.id for t in tags} != {t.id for t in ticket.tags}:
            old = ", ".join(sorted(t.name for t in ticket.tags)) or None
            ticket.tags = tags
            written.append(_record(ticket, actor, "tags", old, ", ".join(sorted(t.name for t in tags)) or None))
    _changed(ticket, written, utcnow())
    return written


def _clean_tags(tags) -> list[str]:
    """Tag names from a list or a comma-separated string: trimmed, each once, at most MAX_TAGS."""
    if isinstance(tags, str):
        tags = tags.split(",")
    names, keys = [], set()
    for raw in tags or ():
        name = " ".join(str(raw).split()).strip(" #")
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationFailed(_("A tag has at most %(n)d characters.", n=TAG_MAX), code="invalid_tag", field="tags")
        if tag_key(name) not in keys:
            keys.add(tag_key(name))
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationFailed(_("A ticket carries at most %(n)d tags.", n=MAX_TAGS), code="too_many_tags", field="tags")
    return names


def tags_named(names: list[str]) -> list[Tag]:
    """The tags of these names, created when new (two people creating one at once get one tag)."""
    if not names:
        return []
    keys = {tag_key(n): n for n in names}
    found = {t.name_key: t for t in db.session.scalars(select(Tag).where(Tag.name_key.in_(keys)))}
    for key, name in keys.items():
        if key in found:
            continue
        try:
            with db.session.begin_nested():
                tag = Tag(name=name, name_key=key)
                db.session.add(tag)
        except IntegrityError:   # created by someone else meanwhile
            tag = db.session.scalar(select(Tag).where(Tag.name_key == key))
        found[key] = tag
        ticket_queries.forget_tag_names()
    return sorted(found.values(), key=lambda t: t.name_key)


def _move_deadline(ticket: Ticket, actor: User, due: datetime | None, reason: str | None) -> list[TicketChange]:
    """A person moves the resolution deadline, saying why (the SLA report lists such moves). If the
    old deadline had passed, the breach is recorded first: a later deadline cannot undo it."""
    _check_due(due)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the deadline moves."), code="reason_required", field="reason")
    now = utcnow()
    old = ticket.resolution_due_at
    if old is not None and old <= now and ticket.status in SLA_ACTIVE_STATUSES:
        breached = db.session.scalar(select(TicketSlaEvent.id).where(TicketSlaEvent.ticket_id == ticket.id,
                                                                     TicketSlaEvent.kind == "resolution_breach"))
        if breached is None:
            fire_sla_event(ticket, "resolution_breach", old, now)
    ticket.resolution_due_at = due
    return [_record(ticket, actor, "resolution_due_at", _fmt(old), _fmt(due), reason)]


def take_ticket(ticket: Ticket, actor: User) -> list[TicketChange]:
    """«Взять в работу», one click: the ticket is the taker's and, if it is new or waiting, in
    progress (a new one is acknowledged by it)."""
    if ticket.status not in ("open", "in_progress", "waiting"):
        raise Conflict(_("Only a new, waiting or in-progress ticket can be taken."), code="invalid_transition",
                       field="status", allowed=allowed_targets(ticket.status))
    written = update_ticket(ticket, actor, assignee=actor)
    if ticket.status in ("open", "waiting"):
        written += set_status(ticket, actor, "in_progress").changes
    return written


def _changed(ticket: Ticket, written: list[TicketChange], now: datetime, **extra) -> None:
    """After any audited change: stamp the ticket, re-plan its SLA checks, tell who is watching
    (with who did it, so nobody is notified of their own change)."""
    if not written:
        return
    ticket.updated_at = now
    db.session.flush()
    if {c.field for c in written} & {"status", "priority", "resolution_due_at", "response_due_at"}:
        schedule_sla(ticket)
    _publish_ticket("ticket.updated", ticket, changed=sorted({c.field for c in written}), actor_id=written[0].user_id,
                    assignee_id=ticket.assignee_id, **extra)


def _publish_ticket(event: str, ticket: Ticket, **extra) -> None:
    """Tell the staff and the client's own contacts (public fields only)."""
    payload = {"ticket_id": ticket.id, "number": ticket.number, "client_id": ticket.client_id,
               "subject": ticket.subject, "status": ticket.status, "priority": ticket.priority,
               "resolution_due_at": ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None,
               "updated_at": ticket.updated_at.isoformat(), **extra}
    publish(event, payload, ["staff", f"client:{ticket.client_id}"])


def _move(ticket: Ticket, actor: User | None, target: str, reason: str | None, now: datetime) -> list[TicketChange]:
    """The transition itself: the life-cycle table (409 otherwise), the timestamps it implies
    (leaving `open` acknowledges; resolved/closed/cancelled stamp their times; reopening clears
    them and needs a reason), SLA pauses while waiting, and the audit rows."""
    current = ticket.status
    if not can_transition(current, target):
        raise Conflict(_("A ticket in status %(a)s cannot move to %(b)s.", a=current, b=target),
                       code="invalid_transition", field="status", allowed=allowed_targets(current))
    reason = (reason or "").strip() or None
    if (current, target) in REOPENINGS and not reason:
        raise ValidationFailed(_("Say why the ticket is reopened."), code="reason_required", field="reason")
    written = []
    if current == "open" and ticket.acknowledged_at is None:
        written += _set(ticket, actor, "acknowledged_at", now)
    if current == "open":
        announcements.stop(ticket)
    if target in ("resolved", "closed") and ticket.resolved_at is None:
        written += _set(ticket, actor, "resolved_at", now)
    if target == "closed":
        written += _set(ticket, actor, "closed_at", now)
    if target == "cancelled":
        written += _set(ticket, actor, "cancelled_at", now)
    if target == "waiting":
        sla_ops.start_pause(ticket.id, now)
    if current == "waiting" and sla_ops.end_pause(ticket.id, now):
        ticket.status = target
        written += _apply_sla(ticket, actor)   # the wait moves the resolution deadline by its business time
    if (current, target) in REOPENINGS:
        written += _set(ticket, actor, "resolved_at", None)
        written += _set(ticket, actor, "closed_at", None)
    ticket.status = target
    written.insert(0, _record(ticket, actor, "status", current, target, reason))
    return written


def fire_sla_event(ticket: Ticket, kind: str, due_at: datetime, now: datetime) -> TicketSlaEvent:
    """Record that an SLA threshold was reached (at `due_at`, noticed `now`) and tell the staff; the
    ticket's unique (ticket, kind) key makes each fire once. The monitor and a moved deadline use it."""
    event = TicketSlaEvent(ticket_id=ticket.id, kind=kind, due_at=due_at, fired_at=now)
    db.session.add(event)
    publish("sla.breached" if kind.endswith("breach") else "sla.warning",
            {"ticket_id": ticket.id, "kind": kind, "due_at": due_at.isoformat(), "subject": ticket.subject,
             "client_id": ticket.client_id}, ["staff"])
    return event




def sla_points(ticket: Ticket, *, new: bool = False) -> list[tuple[str, datetime]]:
    """The SLA thresholds this ticket still faces, in time order: (kind, instant). `new`: the
    ticket was registered in this transaction, so it has no pauses and nothing has fired yet."""
    if ticket.status not in SLA_ACTIVE_STATUSES:
        return []
    policy = db.session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    pauses = [] if new else sla_ops.pauses_of(ticket.id)
    points = []
    if ticket.status == "open" and ticket.response_due_at is not None:
        points += [("response_warning", sla_ops.warning_instant(policy, ticket.created_at, ticket.response_due_at)),
                   ("response_breach", ticket.response_due_at)]
    if ticket.resolution_due_at is not None:
        points += [("resolution_warning", sla_ops.warning_instant(policy, ticket.created_at, ticket.resolution_due_at,
                                                                  pauses)),
                   ("resolution_breach", ticket.resolution_due_at)]
    fired = set() if new else set(db.session.scalars(select(TicketSlaEvent.kind)
                                                   .where(TicketSlaEvent.ticket_id == ticket.id)))
    # a deadline set in the past: the warning is due no later than the breach, and fires first
    return sorted(((kind, at) for kind, at in points if kind not in fired),
                  key=lambda p: (p[1], p[0].endswith("breach")))


def schedule_sla(ticket: Ticket, *, new: bool = False) -> None:
    """Set when the SLA monitor must look at this ticket next (the earliest unfired threshold)."""
    points = sla_points(ticket, new=new)
    ticket.sla_next_check_at = points[0][1] if points else None


def _apply_sla(ticket: Ticket, actor: User, *, response_too: bool = False) -> list[TicketChange]:
    """Recompute the ticket's deadlines from its policy, its priority and its pauses (audited).
    A client's later desired date still wins over the computed resolution deadline."""
    policy = db.session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    if policy is None:
        return []
    response, resolution = sla_ops.deadlines(policy, ticket.priority, ticket.created_at, sla_ops.pauses_of(ticket.id))
    if resolution is not None and ticket.desired_due_at is not None and ticket.desired_due_at > resolution:
        resolution = ticket.desired_due_at
    written = _set(ticket, actor, "resolution_due_at", resolution) if resolution is not None else []
    if response_too and ticket.acknowledged_at is None:
        written += _set(ticket, actor, "response_due_at", response)
    return written


def _check_contact_may_move(ticket: Ticket, actor: User | None, target: str, now: datetime,
                            client_reply: bool) -> None:
    """A client contact confirms a resolved ticket of its own company (→ closed), reopens a
    resolved one or one closed less than HOURDESK_CLIENT_REOPEN_DAYS ago, and by replying brings a
    waiting ticket back to work; every other status change is the staff's."""
    if actor is None or actor.role != "client":
        return
    if actor.client_id != ticket.client_id:
        raise Forbidden(_("Contacts act on their own company's tickets only."))
    if target == "closed":
        if ticket.status != "resolved":
            raise Conflict(_("Only a resolved ticket can be confirmed."), code="not_resolved", field="status")
    elif target == "in_progress" and client_reply:
        if ticket.status != "waiting":
            raise Conflict(_("Only a waiting ticket resumes with a reply."), code="invalid_transition",
                           field="status", allowed=[])
    elif target == "in_progress":
        if ticket.status not in ("resolved", "closed"):
            raise Conflict(_("Only a resolved or closed ticket can be reopened."), code="invalid_transition",
                           field="status", allowed=[])
        if not client_may_reopen(ticket, now):
            raise Conflict(_("This ticket was closed more than %(n)d days ago: open a new ticket that refers to it.",
                             n=current_app.config["HOURDESK_CLIENT_REOPEN_DAYS"]),
                           code="reopen_window_passed", field="status", allowed=[])
    else:
        raise Forbidden(_("Contacts may confirm or reopen resolved tickets only."))


def client_may_reopen(ticket: Ticket, now: datetime) -> bool:
    """A contact may reopen a resolved ticket, and a closed one within HOURDESK_CLIENT_REOPEN_DAYS."""
    if ticket.status == "resolved":
        return True
    days = current_app.config["HOURDESK_CLIENT_REOPEN_DAYS"]
    return ticket.status == "closed" and ticket.closed_at is not None and ticket.closed_at > now - timedelta(days=days)


@dataclasses.dataclass
class StatusChange:
    """What `set_status` did: the audit rows, and for a close or the reopening of a closed ticket
    the ledger's record of it (minutes debited, overage; or the close it reversed)."""
    changes: list[TicketChange] = dataclasses.field(default_factory=list)
    #: the close this change made (`debited_minutes`, `overage_minutes`)
    close: TicketClose | None = None
    #: the close this reopening reversed
    reversed_close: TicketClose | None = None

    @property
    def debited_minutes(self) -> int:
        return self.close.debited_minutes if self.close else 0

    @property
    def overage_minutes(self) -> int:
        return self.close.overage_minutes if self.close else 0


def set_status(ticket: Ticket, actor: User | None, target: str, *, reason: str | None = None,
               now: datetime | None = None, client_reply: bool = False) -> StatusChange:
    """Move a ticket to `target`: the one door for every status change (desk, portal, API, jobs).

    Closing debits the hourly lines through the ledger (a closed ticket is a 409 `already_closed`,
    a cancelled one cannot be closed, a `block` contract may refuse with `insufficient_hours`);
    reopening a closed ticket reverses exactly what its close debited. Both take the client's
    ledger lock first and decide on the ticket as it is under the lock, so concurrent closes debit
    once. A client contact may only confirm its resolved ticket, reopen, or (`client_reply`: its
    reply) resume a waiting one (`_check_contact_may_move`). A ticket in progress always has an
    assignee: the staff member who moves it there, else whoever answers for the client.
    `actor` None: the system (auto-close)."""
    now = now or utcnow()
    _check_contact_may_move(ticket, actor, target, now, client_reply)
    reopening_closed = ticket.status == "closed" and target == "in_progress"
    lines = None
    if target == "closed" or reopening_closed:
        lines = _lock(ticket)
        if target == "closed" and ticket.status == "closed":
            raise Conflict(_("The ticket is already closed."), code="already_closed", field="status")
        reopening_closed = ticket.status == "closed"   # as it is now, under the lock
        if reopening_closed and not (reason or "").strip():
            raise ValidationFailed(_("Say why the ticket is reopened."), code="reason_required", field="reason")
    result = StatusChange()
    current = ticket.status
    if target == "closed" and can_transition(ticket.status, "closed"):
        result.close = ledger_ops.debit_close(ticket_id=ticket.id, client_id=ticket.client_id, actor=actor, now=now,
                                              lines=lines)
    if reopening_closed:
        result.reversed_close = ledger_ops.reverse_close(ticket_id=ticket.id, client_id=ticket.client_id,
                                                         actor=actor, reason=reason.strip(), now=now, lines=lines)
    result.changes = _move(ticket, actor, target, reason, now)
    if ticket.status == "in_progress" and ticket.assignee is None:
        taker = actor if actor is not None and actor.is_staff else _answering_for(ticket)
        if taker is not None:
            result.changes.append(_record(ticket, actor, "assignee", None, _user_label(taker)))
            ticket.assignee = taker
    if result.close is not None and (result.close.debited_minutes or result.close.overage_minutes):
        overage = f", overage {result.close.overage_minutes} min" if result.close.overage_minutes else ""
        result.changes.append(_record(ticket, actor, "debited", None, f"{result.close.debited_minutes} min{overage}"))
    if result.reversed_close is not None and result.reversed_close.debited_minutes:
        result.changes.append(_record(ticket, actor, "reversed", None, f"{result.reversed_close.debited_minutes} min",
                                      reason.strip()))
    _changed(ticket, result.changes, now, reopened=(current, target) in REOPENINGS)
    if result.close is not None:   # for integrations (webhooks): what the close debited
        close = result.close
        publish("ticket.closed", {"ticket_id": ticket.id, "number": ticket.number, "client_id": ticket.client_id,
                                  "closed_at": now.isoformat(), "hourly_minutes": close.hourly_minutes,
                                  "debited_minutes": close.debited_minutes, "overage_minutes": close.overage_minutes,
                                  "actor_id": actor.id if actor else None}, [])
    return result


def _answering_for(ticket: Ticket) -> User | None:
    """Who takes a ticket a contact brought back to work: the client's account manager, else the
    staff member who last moved it."""
    manager = ticket.client.account_manager
    if manager is not None and manager.active and manager.is_staff:
        return manager
    return db.session.scalars(select(User).join(TicketChange, TicketChange.user_id == User.id).where(
        TicketChange.ticket_id == ticket.id, TicketChange.field == "status", User.role != "client", User.active)
        .order_by(TicketChange.id.desc()).limit(1)).first()


def _lock(ticket: Ticket) -> list[SpecLine]:
    """Take the client's ledger lock (once per transaction) and re-read the ticket, its client and
    its lines under it, in one round trip: whatever another request committed while we waited is
    what we decide on. Returns the lines. (SQLite: the transaction holds the database's write lock
    since it began, IMMEDIATE; the same read serves for the lines.)"""
    rows = ledger_ops.lock_client(ticket.client_id, together=(
        select(Ticket, SpecLine).join(Ticket.client).outerjoin(SpecLine, SpecLine.ticket_id == Ticket.id)
        .options(contains_eager(Ticket.client)).where(Ticket.id == ticket.id).order_by(SpecLine.id)
        .with_for_update(of=[Ticket, Client]).execution_options(populate_existing=True)))
    return [line for _ticket, line in rows if line is not None]


def reopen(ticket: Ticket, actor: User, *, reason: str | None, now: datetime | None = None) -> StatusChange:
    """Reopen a resolved or closed ticket with a reason (a 409 for any other status): the API's
    `/reopen`, which must not acknowledge an open ticket by accident."""
    if ticket.status not in ("resolved", "closed"):
        raise Conflict(_("Only a resolved or closed ticket can be reopened."), code="invalid_transition",
                       field="status", allowed=allowed_targets(ticket.status))
    return set_status(ticket, actor, "in_progress", reason=reason, now=now)


# --- the service specification (lines are stored by app.contracts; the ticket decides when) ----

def add_line(ticket: Ticket, actor: User, *, service, minutes, engineer: User | None = None, note: str = "",
             performed_on=None) -> SpecLine:
    line = ledger_ops.add_spec_line(ticket_id=ticket.id, client_id=ticket.client_id, ticket_status=ticket.status, service=service, minutes=minutes,
                                    engineer=engineer, note=note, performed_on=performed_on, actor=actor)
    _record(ticket, actor, "line_added", None, f"{service.code} {line.minutes} min")
    ticket.updated_at = utcnow()
    return line


def edit_line(ticket: Ticket, actor: User, line: SpecLine, *, minutes=None, note: str | None = None) -> SpecLine:
    old = line.minutes
    ledger_ops.update_spec_line(line, ticket_status=ticket.status, minutes=minutes, note=note)
    if line.minutes != old:
        _record(ticket, actor, "line_minutes", f"{line.service.code} {old} min", f"{line.service.code} {line.minutes} min")
    return line


def remove_line(ticket: Ticket, actor: User, line: SpecLine) -> None:
    label = f"{line.service.code} {line.minutes} min"
    ledger_ops.remove_spec_line(line, ticket_status=ticket.status)
    _record(ticket, actor, "line_removed", label, None)


def override_line_billing(ticket: Ticket, actor: User, line: SpecLine, *, billing: str, reason: str) -> None:
    """A manager's override of how one line is billed, audited with its reason."""
    old = ledger_ops.override_line_billing(line, ticket_status=ticket.status, billing=billing, reason=reason, actor=actor)
    if old != billing:
        _record(ticket, actor, "line_billing", f"{line.service.code}: {old}", f"{line.service.code}: {billing}", reason)


def add_comment(ticket: Ticket, actor: User, body: str, *, public: bool = True, files=()) -> Comment:
    """Add a comment, with attachments (`files`: (name, stream) pairs). A contact's comment is
    always public; the first public staff reply is the ticket's first response."""
    body = _clean_text(body, COMMENT_MAX, "body")
    if not body:
        raise ValidationFailed(_("The comment is empty."), code="body_required", field="body")
    _check_file_count(files)
    if actor.role == "client":
        if actor.client_id != ticket.client_id:
            raise Forbidden(_("Contacts comment on their own company's tickets only."))
        public = True
    comment = Comment(ticket=ticket, author=actor, body=body, public=public)
    db.session.add(comment)
    db.session.flush()
    ticket.updated_at = comment.created_at
    # an internal note is news for the staff only
    publish("ticket.comment", {"ticket_id": ticket.id, "comment_id": comment.id, "public": public,
                               "author": actor.name, "updated_at": ticket.updated_at.isoformat()},
            ["staff", f"client:{ticket.client_id}"] if public else ["staff"])
    if public and actor.is_staff and ticket.first_response_at is None:
        _set(ticket, actor, "first_response_at", utcnow())
    add_attachments(ticket, actor, files, comment=comment)
    if actor.role == "client" and ticket.status == "waiting":
        set_status(ticket, actor, "in_progress", client_reply=True)   # the ball is back with us: the SLA runs again
    db.session.flush()
    return comment


def _check_file_count(files) -> None:
    limit = current_app.config["HOURDESK_ATTACHMENTS_PER_UPLOAD"]
    if len(files) > limit:
        raise ValidationFailed(_("At most %(n)d files at once.", n=limit), code="too_many_attachments",
                               field="attachments")


def add_attachments(ticket: Ticket, actor: User | None, files, *, comment: Comment | None = None) -> list[Attachment]:
    """Keep uploaded files (`files`: (name, stream) pairs) with the ticket or one of its comments.
    Every name is checked before any file is stored; a refused file or a rolled-back transaction
    leaves nothing on disk. A file on an internal note is as internal as the note."""
    if actor is not None and actor.role == "client" and actor.client_id != ticket.client_id:
        raise Forbidden(_("Contacts attach files to their own company's tickets only."))
    _check_file_count(files)
    for name, _stream in files:
        attachment_store.check_name(name)
    kept: list[Attachment] = []
    try:
        for name, stream in files:
            stored = attachment_store.store(name, stream)
            after_rollback(db.session, lambda key=stored.storage_key: attachment_store.remove(key))
            attachment = Attachment(ticket_id=ticket.id, comment_id=comment.id if comment else None,
                                    public=comment.public if comment else True, filename=stored.filename,
                                    content_type=stored.content_type, size_bytes=stored.size_bytes,
                                    sha256=stored.sha256, storage_key=stored.storage_key,
                                    uploaded_by_id=actor.id if actor else None)
            db.session.add(attachment)
            kept.append(attachment)
    except ValidationFailed:
        for attachment in kept:   # the files stored before the refused one
            attachment_store.remove(attachment.storage_key)
            db.session.expunge(attachment)
        raise
    if kept:
        _record(ticket, actor, "attachments", None, ", ".join(a.filename for a in kept))
        db.session.flush()
    return kept


RATING_COMMENT_MAX = 2000


def rate_ticket(ticket: Ticket, actor: User, *, rating, comment: str = "") -> TicketRating:
    """The requester's company rates a closed ticket (CSAT 1–5, optional comment). Rating again
    replaces the earlier rating; both are in the history."""
    if actor.role != "client" or actor.client_id != ticket.client_id:
        raise Forbidden(_("Only the client's contacts rate its tickets."))
    if ticket.status != "closed":
        raise Conflict(_("A ticket can be rated once it is closed."), code="not_closed", field="status")
    text = str(rating).strip() if rating is not None and not isinstance(rating, bool) else ""
    value = int(text) if text.isdigit() else 0
    if not 1 <= value <= 5:
        raise ValidationFailed(_("Choose a rating from 1 to 5."), code="invalid_rating", field="rating")
    comment = _clean_text(comment, RATING_COMMENT_MAX, "comment")
    record = db.session.get(TicketRating, ticket.id)
    old = f"{record.rating}" if record else None
    if record is None:
        record = TicketRating(ticket_id=ticket.id, rating=value, comment=comment, rated_by_id=actor.id)
        db.session.add(record)
    else:
        record.rating, record.comment, record.rated_by_id, record.rated_at = value, comment, actor.id, utcnow()
    _record(ticket, actor, "csat", old, f"{value}", comment or None)
    ticket.updated_at = utcnow()
    db.session.flush()
    _publish_ticket("ticket.updated", ticket, changed=["csat"])
    return record


def resolved_long_ago(now: datetime) -> list[int]:
    """Ids of tickets left resolved for HOURDESK_AUTO_CLOSE_DAYS without the client's answer
    (none when the setting is 0)."""
    days = current_app.config["HOURDESK_AUTO_CLOSE_DAYS"]
    if days <= 0:
        return []
    return list(db.session.scalars(select(Ticket.id).where(Ticket.status == "resolved",
                                                           Ticket.resolved_at <= now - timedelta(days=days))
                                   .order_by(Ticket.id)))


def auto_close(ticket: Ticket, now: datetime) -> StatusChange | None:
    """The life cycle's "auto after N days": close a ticket still resolved since before the
    cut-off, as the system. None when it no longer qualifies (someone acted meanwhile)."""
    days = current_app.config["HOURDESK_AUTO_CLOSE_DAYS"]
    if ticket.status != "resolved" or days <= 0 or ticket.resolved_at > now - timedelta(days=days):
        return None
    result = set_status(ticket, None, "closed", now=now)
    result.changes.append(_record(ticket, None, "auto_closed", None, f"{days} d"))
    return result


def _set(ticket: Ticket, actor: User, field: str, value) -> list[TicketChange]:
    old = getattr(ticket, field)
    if old == value:
        return []
    setattr(ticket, field, value)
    return [_record(ticket, actor, field, _fmt(old), _fmt(value))]


def _record(ticket: Ticket, actor: User | None, field: str, old, new, reason: str | None = None) -> TicketChange:
    change = TicketChange(ticket=ticket, user=actor, field=field, old_value=old, new_value=new, reason=reason)
    db.session.add(change)
    return change


def _fmt(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _user_label(user: User | None) -> str | None:
    return f"{user.name} <{user.email}>" if user else None
