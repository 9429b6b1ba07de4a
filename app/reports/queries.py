"""The managers' reports. Every figure is aggregated in SQL (grouped queries over indexed columns);
Python only joins the grouped rows by key, names them and divides totals for shares.

Definitions (the closing note and the page notes repeat them):
- logged minutes: raw minutes of specification lines whose work date (`performed_on`) is in the
  period, whatever the ticket's status (as `GET /api/v1/reports/utilisation`);
- granted / debited / expired: ledger entries written in the period (debited is net of reversals);
- overage: unreversed closes in the period, minus waived overage;
- tickets: registered in the period; resolution time: tickets resolved in the period;
- SLA met: of the tickets registered in the period whose outcome is known (acknowledged / resolved,
  or past the deadline), the share done in time;
- CSAT: ratings given in the period.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import and_, func, literal_column, or_, select

from app.auth.models import User
from app.clients.models import Client
from app.contracts.models import ClientBalance, Contract, LedgerEntry, Service, SpecLine, TicketClose
from app.core.i18n import gettext as _
from app.extensions import db
from app.reports.sql import cents, date_bucket, instant_bucket, minutes_between, total_if
from app.reports.tables import Column, Table
from app.sla import clock
from app.sla.models import BusinessCalendar
from app.sla.operations import calendar_of
from app.tickets.lifecycle import PRIORITIES
from app.tickets.models import Tag, Ticket, TicketChange, TicketRating, TicketSlaEvent, ticket_tags

GRAINS = ("day", "week", "month")
#: the office's working week when no calendar is named (HOURDESK_OFFICE_CALENDAR)
DEFAULT_WEEK = {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the office's time zone."""
    start: date
    end: date
    tz: ZoneInfo

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz)

    @property
    def end_at(self) -> datetime:   # exclusive
        return datetime.combine(self.end + timedelta(days=1), time(), self.tz)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[tuple[str, datetime, datetime]]:
        """(YYYY-MM, start, end) of each month the period touches, clipped to the period."""
        out, first = [], self.start.replace(day=1)
        while first <= self.end:
            following = (first + timedelta(days=32)).replace(day=1)
            start, end = max(first, self.start), min(following - timedelta(days=1), self.end)
            out.append((first.strftime("%Y-%m"), datetime.combine(start, time(), self.tz),
                        datetime.combine(end + timedelta(days=1), time(), self.tz)))
            first = following
        return out


@dataclass(frozen=True)
class Filters:
    engineer_id: int | None = None
    client_id: int | None = None


def _link_to(endpoint: str, arg: str):
    """`url_for(endpoint, arg=value)` for every row of a report: the URL is built once and each row's
    value put into it (url_for takes 18 µs, and a month's report links up to 30,000 clients)."""
    marker = "9876543210"
    head, tail = url_for(endpoint, **{arg: int(marker)}).split(marker)
    return lambda value: f"{head}{int(value)}{tail}"


def office_calendar() -> clock.Calendar:
    name = current_app.config["HOURDESK_OFFICE_CALENDAR"]
    record = db.session.scalar(select(BusinessCalendar).where(BusinessCalendar.name == name)) if name else None
    if record is not None:
        return calendar_of(record)
    return _default_calendar(current_app.config["HOURDESK_OFFICE_TIMEZONE"], current_app.config["HOURDESK_OFFICE_COUNTRY"])


@lru_cache(maxsize=8)
def _default_calendar(tz: str, country: str) -> clock.Calendar:
    # built once per zone and country: holiday tables are not free
    return clock.make_calendar(timezone=tz, intervals=DEFAULT_WEEK, country=country or None)


def _percent(part, whole, digits: int = 1) -> float | None:
    return None if not whole else round(100 * part / whole, digits)


def _line_filters(period: Period, filters: Filters) -> list:
    conditions = [SpecLine.performed_on >= period.start, SpecLine.performed_on <= period.end]
    if filters.engineer_id:
        conditions.append(SpecLine.engineer_id == filters.engineer_id)
    if filters.client_id:
        conditions.append(SpecLine.client_id == filters.client_id)
    return conditions


def _minutes_by_billing():
    return (total_if(SpecLine.billing == "hourly", SpecLine.minutes).label("hourly"),
            total_if(SpecLine.billing == "paid", SpecLine.minutes).label("paid"),
            total_if(SpecLine.billing == "free", SpecLine.minutes).label("free"),
            func.count(func.distinct(SpecLine.ticket_id)).label("tickets"))


#: more ids than this are not written into a statement: a report over every client of a large
#: desk would bind tens of thousands of parameters, and reading the two columns of the whole table
#: is cheaper (PostgreSQL: 30,000 ids took 0.2 s, the table 0.02 s)
IN_LIST_AT_MOST = 1000


def _by_id(id_column, value_column, ids) -> dict:
    """{id: value} for these ids (None and 0 are no id)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    query = select(id_column, value_column)
    if len(ids) <= IN_LIST_AT_MOST:
        return dict(db.session.execute(query.where(id_column.in_(ids))).all())
    return {key: value for key, value in db.session.execute(query) if key in ids}


def _names(model, ids) -> dict[int, str]:
    return _by_id(model.id, model.name, ids)


# --- utilisation (also the API's figures) -------------------------------------------------------

def _inns(ids) -> dict[int, str]:
    """Each client's INN: every table that lists clients shows it (clients are told apart by it)."""
    return _by_id(Client.id, Client.inn, ids)


def _priority_label(priority: str) -> str:
    from app.tickets.forms import PRIORITY_LABELS  # the words the desk uses for a priority
    return str(PRIORITY_LABELS.get(priority, priority))


def utilisation(period: Period, group: str, filters: Filters = Filters()) -> list[dict]:
    """Raw minutes of lines performed in the period by billing, and distinct tickets, per engineer
    or per client. Engineers without work in the period are listed with zeros (unless a client or
    an engineer is chosen)."""
    key = SpecLine.engineer_id if group == "engineer" else SpecLine.client_id
    grouped = {row.key: row for row in db.session.execute(
        select(key.label("key"), *_minutes_by_billing()).where(*_line_filters(period, filters)).group_by(key))}
    keys = set(grouped)
    if group == "engineer" and not filters.client_id and not filters.engineer_id:
        keys |= set(db.session.scalars(select(User.id).where(User.role == "engineer", User.active.is_(True))))
    names = _names(User if group == "engineer" else Client, keys)
    items = []
    for k in keys:
        row = grouped.get(k)
        # lines written before every line named its engineer
        items.append({"key": k, "name": names.get(k, "—") if k is not None else _("(engineer not recorded)"),
                      "hourly_minutes": int(row.hourly) if row else 0, "paid_minutes": int(row.paid) if row else 0,
                      "free_minutes": int(row.free) if row else 0, "tickets": int(row.tickets) if row else 0})
    items.sort(key=lambda i: (-(i["hourly_minutes"] + i["paid_minutes"] + i["free_minutes"]), i["name"]))
    return items


def engineers_table(period: Period, filters: Filters) -> Table:
    working = clock.business_minutes_between(office_calendar(), period.start_at, period.end_at)
    rows = []
    for item in utilisation(period, "engineer", filters):
        total = item["hourly_minutes"] + item["paid_minutes"] + item["free_minutes"]
        rows.append({"engineer": item["name"], "hourly": item["hourly_minutes"], "paid": item["paid_minutes"],
                     "free": item["free_minutes"], "total": total, "tickets": item["tickets"],
                     "working": working, "share": _percent(total, working)})
    return Table("engineers", _("Utilisation by engineer"), [
        Column("engineer", _("Engineer"), "text"), Column("hourly", _("Hourly"), "minutes"),
        Column("paid", _("Paid"), "minutes"), Column("free", _("Free"), "minutes"),
        Column("total", _("Logged"), "minutes"), Column("tickets", _("Tickets")),
        Column("working", _("Working time"), "minutes"), Column("share", _("Share of working time"), "percent")],
        rows, note=_("Minutes of specification lines by the day the work was done; working time from the office calendar."))


def engineer_periods_table(period: Period, filters: Filters, grain: str) -> Table:
    bucket = date_bucket(SpecLine.performed_on, grain).label("bucket")
    grouped = db.session.execute(
        select(SpecLine.engineer_id, bucket, *_minutes_by_billing()).where(*_line_filters(period, filters))
        .group_by(SpecLine.engineer_id, bucket)).all()
    names = _names(User, {r.engineer_id for r in grouped})
    calendar = office_calendar()
    working = {}
    rows = []
    for r in grouped:
        if r.bucket not in working:
            working[r.bucket] = clock.business_minutes_between(calendar, *_bucket_span(r.bucket, grain, period))
        total = int(r.hourly) + int(r.paid) + int(r.free)
        rows.append({"period": r.bucket, "engineer": names.get(r.engineer_id, "—"), "hourly": int(r.hourly),
                     "paid": int(r.paid), "free": int(r.free), "total": total, "tickets": int(r.tickets),
                     "working": working[r.bucket], "share": _percent(total, working[r.bucket])})
    rows.sort(key=lambda r: (r["period"], r["engineer"]))
    label = {"day": _("Day"), "week": _("Week (Monday)"), "month": _("Month")}[grain]
    return Table("engineer_periods", _("Utilisation by engineer and %(grain)s", grain=label.lower()), [
        Column("period", label, "text"), Column("engineer", _("Engineer"), "text"),
        Column("hourly", _("Hourly"), "minutes"), Column("paid", _("Paid"), "minutes"),
        Column("free", _("Free"), "minutes"), Column("total", _("Logged"), "minutes"),
        Column("tickets", _("Tickets")), Column("working", _("Working time"), "minutes"),
        Column("share", _("Share of working time"), "percent")], rows)


def _bucket_span(label: str, grain: str, period: Period) -> tuple[datetime, datetime]:
    if grain == "month":
        first = date.fromisoformat(label + "-01")
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first = date.fromisoformat(label)
        last = first + timedelta(days=7 if grain == "week" else 1)
    first, last = max(first, period.start), min(last, period.end + timedelta(days=1))
    return datetime.combine(first, time(), period.tz), datetime.combine(last, time(), period.tz)


# --- by client -------------------------------------------------------------------------------------

def clients_table(period: Period, filters: Filters, now: datetime) -> Table:
    start, end = period.start_at, period.end_at
    by_client: dict[int, dict] = defaultdict(dict)

    lines = select(SpecLine.client_id, *_minutes_by_billing()).where(*_line_filters(period, filters)) \
        .group_by(SpecLine.client_id)
    for r in db.session.execute(lines):
        by_client[r.client_id].update(hourly=int(r.hourly), paid=int(r.paid), free=int(r.free))

    ledger = select(LedgerEntry.client_id,
                    total_if(LedgerEntry.kind == "grant", LedgerEntry.minutes).label("granted"),
                    total_if(LedgerEntry.kind.in_(("debit", "reversal")), LedgerEntry.minutes).label("debited"),
                    total_if(LedgerEntry.kind == "expiry", LedgerEntry.minutes).label("expired")) \
        .where(LedgerEntry.created_at >= start, LedgerEntry.created_at < end,
               *([LedgerEntry.client_id == filters.client_id] if filters.client_id else [])) \
        .group_by(LedgerEntry.client_id)
    for r in db.session.execute(ledger):
        by_client[r.client_id].update(granted=int(r.granted), debited=-int(r.debited), expired=-int(r.expired))

    billed = TicketClose.overage_waived_by_id.is_(None)
    closes = select(TicketClose.client_id, total_if(billed, TicketClose.overage_minutes).label("overage"),
                    total_if(billed, cents(TicketClose.overage_amount)).label("cents")) \
        .where(TicketClose.closed_at >= start, TicketClose.closed_at < end, TicketClose.reversed_at.is_(None),
               *([TicketClose.client_id == filters.client_id] if filters.client_id else [])) \
        .group_by(TicketClose.client_id)
    for r in db.session.execute(closes):
        by_client[r.client_id].update(overage=int(r.overage), overage_money=Decimal(int(r.cents)).scaleb(-2))

    client_filter = [Ticket.client_id == filters.client_id] if filters.client_id else []
    created = select(Ticket.client_id, func.count().label("tickets"), *_sla_columns(now)) \
        .where(Ticket.created_at >= start, Ticket.created_at < end, *client_filter).group_by(Ticket.client_id)
    for r in db.session.execute(created):
        by_client[r.client_id].update(tickets=int(r.tickets), **_sla_figures(r))

    resolved = select(Ticket.client_id, func.count().label("n"),
                      func.sum(minutes_between(Ticket.created_at, Ticket.resolved_at)).label("minutes")) \
        .where(Ticket.resolved_at >= start, Ticket.resolved_at < end, *client_filter).group_by(Ticket.client_id)
    for r in db.session.execute(resolved):
        by_client[r.client_id]["resolution"] = round(float(r.minutes) / r.n) if r.n else None

    ratings = select(Ticket.client_id, func.count().label("n"), func.sum(TicketRating.rating).label("total")) \
        .join(Ticket, Ticket.id == TicketRating.ticket_id) \
        .where(TicketRating.rated_at >= start, TicketRating.rated_at < end, *client_filter).group_by(Ticket.client_id)
    for r in db.session.execute(ratings):
        by_client[r.client_id].update(csat=round(int(r.total) / r.n, 2), ratings=int(r.n))

    names, inns = _names(Client, by_client), _inns(by_client)
    rows = []
    client_link = _link_to("clients.detail", "client_id")
    for client_id, figures in by_client.items():
        row = {"client": (names.get(client_id, "—"), client_link(client_id)),
               "inn": inns.get(client_id),
               "granted": 0, "debited": 0, "expired": 0, "hourly": 0, "paid": 0, "free": 0, "overage": 0,
               "overage_money": Decimal("0.00"), "tickets": 0, "resolution": None, "response_met": None,
               "resolution_met": None, "csat": None, "ratings": 0}
        row.update(figures)
        rows.append(row)
    rows.sort(key=lambda r: (-(r["hourly"] + r["paid"] + r["free"]), r["client"][0]))
    return Table("clients", _("By client"), [
        Column("client", _("Client"), "link"), Column("inn", _("INN"), "text"), Column("granted", _("Granted"), "minutes"),
        Column("debited", _("Debited"), "minutes"), Column("expired", _("Expired"), "minutes"),
        Column("hourly", _("Hourly work"), "minutes"), Column("paid", _("Paid work"), "minutes"),
        Column("free", _("Free work"), "minutes"), Column("overage", _("Overage"), "minutes"),
        Column("overage_money", _("Overage, money"), "money"), Column("tickets", _("Tickets")),
        Column("resolution", _("Avg. resolution"), "minutes"), Column("response_met", _("Response SLA met"), "percent"),
        Column("resolution_met", _("Resolution SLA met"), "percent"), Column("csat", _("CSAT"), "ratio"),
        Column("ratings", _("Ratings"))], rows,
        note=_("Ledger figures by entry date; work by the day it was done; tickets and SLA by registration; "
               "resolution time of tickets resolved in the period; CSAT of ratings given in the period."))


def _sla_columns(now: datetime) -> tuple:
    """Per group: response and resolution outcomes known (decided) and met."""
    response_decided = and_(Ticket.response_due_at.is_not(None),
                            or_(Ticket.acknowledged_at.is_not(None), Ticket.response_due_at < now))
    response_met = and_(Ticket.response_due_at.is_not(None), Ticket.acknowledged_at.is_not(None),
                        Ticket.acknowledged_at <= Ticket.response_due_at)
    resolution_decided = and_(Ticket.resolution_due_at.is_not(None), Ticket.status != "cancelled",
                              or_(Ticket.resolved_at.is_not(None), Ticket.resolution_due_at < now))
    # a breach on record stays a breach, whatever deadline the ticket was moved to later
    resolution_met = and_(Ticket.resolution_due_at.is_not(None), Ticket.status != "cancelled",
                          Ticket.resolved_at.is_not(None), Ticket.resolved_at <= Ticket.resolution_due_at,
                          ~_breach_recorded("resolution_breach"))
    return (total_if(response_decided, 1).label("response_decided"), total_if(response_met, 1).label("response_met"),
            total_if(resolution_decided, 1).label("resolution_decided"),
            total_if(resolution_met, 1).label("resolution_met"),
            total_if(_deadline_moved(), 1).label("deadline_moved"))


def _breach_recorded(kind: str):
    return select(TicketSlaEvent.id).where(TicketSlaEvent.ticket_id == Ticket.id, TicketSlaEvent.kind == kind).exists()


def _deadline_moved():
    """A person moved the resolution deadline (with a reason; the SLA's own recomputations have none)."""
    return select(TicketChange.id).where(TicketChange.ticket_id == Ticket.id, TicketChange.field == "resolution_due_at",
                                         TicketChange.reason.is_not(None)).exists()


def _sla_figures(row) -> dict:
    return {"response_met": _percent(int(row.response_met), int(row.response_decided)),
            "resolution_met": _percent(int(row.resolution_met), int(row.resolution_decided))}


# --- difficult clients and update-only clients ---------------------------------------------------

def _contract_minutes(period: Period, client_id: int | None) -> dict[int, int]:
    """Σ prepaid minutes per month of each client's contracts running in the period (its size)."""
    query = select(Contract.client_id, func.sum(Contract.minutes_per_month)).where(
        Contract.starts_on <= period.end, Contract.ends_on >= period.start,
        or_(Contract.status != "terminated", Contract.terminated_on >= period.start))
    if client_id:
        query = query.where(Contract.client_id == client_id)
    return {cid: int(m) for cid, m in db.session.execute(query.group_by(Contract.client_id))}


def difficult_table(period: Period, filters: Filters, *, basis: str = "minutes", ratio: float = 2.0,
                    min_share: float = 1.0) -> Table:
    """Clients whose share of the consumed minutes (or tickets) is `ratio` times their share of
    contract value (prepaid minutes per month) or more, and at least `min_share` % of the whole."""
    consumed = {r.client_id: (int(r.minutes), int(r.tickets)) for r in db.session.execute(
        select(SpecLine.client_id, func.sum(SpecLine.minutes).label("minutes"),
               func.count(func.distinct(SpecLine.ticket_id)).label("tickets"))
        .where(*_line_filters(period, Filters(client_id=filters.client_id))).group_by(SpecLine.client_id))}
    value = _contract_minutes(period, filters.client_id)
    index = 0 if basis == "minutes" else 1
    total_used = sum(v[index] for v in consumed.values())
    total_value = sum(value.values())
    names, inns = _names(Client, consumed), _inns(consumed)
    rows = []
    client_link = _link_to("clients.detail", "client_id")
    for client_id, used in consumed.items():
        used_share = _percent(used[index], total_used, 2) or 0.0
        value_share = _percent(value.get(client_id, 0), total_value, 2) or 0.0
        # from the exact fractions, not the rounded shares shown
        times = round((used[index] * total_value) / (total_used * value[client_id]), 2) if value.get(client_id) else None
        if used_share < min_share or (times is not None and times < ratio):
            continue
        rows.append({"client": (names.get(client_id, "—"), client_link(client_id)),
                     "inn": inns.get(client_id), "used": used[0], "tickets": used[1], "used_share": used_share,
                     "contract_minutes": value.get(client_id, 0), "value_share": value_share, "times": times})
    rows.sort(key=lambda r: (r["times"] is not None, -(r["times"] or 0), -r["used_share"]))
    what = _("minutes") if basis == "minutes" else _("tickets")
    return Table("difficult", _("Difficult clients"), [
        Column("client", _("Client"), "link"), Column("inn", _("INN"), "text"), Column("used", _("Logged"), "minutes"),
        Column("tickets", _("Tickets")),
        Column("used_share", _("Share of %(what)s", what=what), "share"),
        Column("contract_minutes", _("Prepaid per month"), "minutes"),
        Column("value_share", _("Share of contract value"), "share"), Column("times", _("Times their share"), "ratio")],
        rows, note=_("Listed: a share of all logged %(what)s at least %(ratio)s times the client's share of contract value "
                     "(prepaid minutes per month of contracts running in the period), and at least %(min)s %% of the whole; "
                     "no contract at all counts as infinitely more.", what=what, ratio=format(ratio, "g"), min=format(min_share, "g")),
        extra={"basis": basis, "ratio": ratio, "min_share": min_share})


def updates_only_table(period: Period, filters: Filters, *, update_share: float = 80.0,
                       hourly_share: float = 10.0) -> Table:
    """Clients with a contract in the period whose logged work is mostly free `update` services
    (≥ `update_share` %) and whose hourly work used at most `hourly_share` % of the hours they
    prepaid for the period: the list for offering the unused hours as development work."""
    contracts = _contract_minutes(period, filters.client_id)
    if not contracts:
        rows = []
    else:
        per_service = db.session.execute(
            select(SpecLine.client_id, SpecLine.service_id, SpecLine.billing, func.sum(SpecLine.minutes))
            .where(*_line_filters(period, Filters(client_id=filters.client_id)))
            .group_by(SpecLine.client_id, SpecLine.service_id, SpecLine.billing)).all()
        kinds = dict(db.session.execute(select(Service.id, Service.kind)).all())
        work: dict[int, dict] = defaultdict(lambda: {"total": 0, "updates": 0, "hourly": 0})
        for client_id, service_id, billing, minutes in per_service:
            w = work[client_id]
            w["total"] += int(minutes)
            if billing == "free" and kinds.get(service_id) == "update":
                w["updates"] += int(minutes)
            if billing == "hourly":
                w["hourly"] += int(minutes)
        balances = _by_id(ClientBalance.client_id, ClientBalance.balance_minutes, contracts)
        names, inns = _names(Client, contracts), _inns(contracts)
        rows = []
        client_link = _link_to("clients.detail", "client_id")
        for client_id, per_month in contracts.items():
            w = work.get(client_id)
            if not w or not w["total"]:
                continue
            prepaid = round(per_month * period.days / 30.4375)
            updates = _percent(w["updates"], w["total"])
            used = _percent(w["hourly"], prepaid) or 0.0
            if updates < update_share or used > hourly_share:
                continue
            rows.append({"client": (names.get(client_id, "—"), client_link(client_id)),
                         "inn": inns.get(client_id), "total": w["total"], "updates": w["updates"], "updates_share": updates, "hourly": w["hourly"],
                         "prepaid": prepaid, "hourly_used": used, "balance": balances.get(client_id, 0)})
        rows.sort(key=lambda r: -r["balance"])
    return Table("updates_only", _("Pays but only uses updates"), [
        Column("client", _("Client"), "link"), Column("inn", _("INN"), "text"), Column("total", _("Logged"), "minutes"),
        Column("updates", _("Free updates"), "minutes"), Column("updates_share", _("Updates share"), "percent"),
        Column("hourly", _("Hourly work"), "minutes"), Column("prepaid", _("Prepaid for the period"), "minutes"),
        Column("hourly_used", _("Prepaid hours used"), "percent"), Column("balance", _("Balance now"), "minutes")],
        rows, note=_("Clients with a contract whose logged work is at least %(u)s %% free update services and whose hourly "
                     "work used at most %(h)s %% of the hours prepaid for the period.", u=format(update_share, "g"),
                     h=format(hourly_share, "g")),
        extra={"update_share": update_share, "hourly_share": hourly_share})


# --- SLA ------------------------------------------------------------------------------------------------

def sla_table(period: Period, filters: Filters, now: datetime) -> Table:
    month = instant_bucket(Ticket.created_at, period.months()).label("month")
    conditions = [Ticket.created_at >= period.start_at, Ticket.created_at < period.end_at]
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    grouped = db.session.execute(select(month, Ticket.priority, func.count().label("tickets"), *_sla_columns(now))
                                 .where(*conditions).group_by(month, Ticket.priority)).all()
    rank = {p: i for i, p in enumerate(reversed(PRIORITIES))}
    rows = [{"month": r.month, "priority": r.priority, "tickets": int(r.tickets),
             "response_decided": int(r.response_decided), "response_met_n": int(r.response_met),
             "resolution_decided": int(r.resolution_decided), "resolution_met_n": int(r.resolution_met),
             "deadline_moved": int(r.deadline_moved), **_sla_figures(r)} for r in grouped]
    rows.sort(key=lambda r: (r["month"], rank.get(r["priority"], 9)))
    return Table("sla", _("SLA compliance by priority and month"), [
        Column("month", _("Month"), "text"), Column("priority", _("Priority"), "text"),
        Column("tickets", _("Tickets")), Column("response_decided", _("Responses due")),
        Column("response_met_n", _("Responses in time")), Column("response_met", _("Response met"), "percent"),
        Column("resolution_decided", _("Resolutions due")), Column("resolution_met_n", _("Resolutions in time")),
        Column("resolution_met", _("Resolution met"), "percent"), Column("deadline_moved", _("Deadlines moved"))],
        rows, note=_("Tickets registered in the period; an outcome counts once it is known (done, or the deadline "
                     "passed). A deadline moved after it had passed is still a breach."))


def breaches_table(period: Period, filters: Filters, now: datetime, limit: int = 500) -> Table:
    response_late = and_(Ticket.response_due_at.is_not(None), or_(
        Ticket.acknowledged_at > Ticket.response_due_at,
        and_(Ticket.acknowledged_at.is_(None), Ticket.response_due_at < now)))
    resolution_late = and_(Ticket.resolution_due_at.is_not(None), Ticket.status != "cancelled", or_(
        Ticket.resolved_at > Ticket.resolution_due_at,
        and_(Ticket.resolved_at.is_(None), Ticket.resolution_due_at < now), _breach_recorded("resolution_breach")))
    conditions = [Ticket.created_at >= period.start_at, Ticket.created_at < period.end_at,
                  or_(response_late, resolution_late)]
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    found = db.session.execute(
        select(Ticket.id, Ticket.subject, Ticket.priority, Ticket.client_id, Ticket.created_at, Ticket.response_due_at,
               Ticket.acknowledged_at, Ticket.resolution_due_at, Ticket.resolved_at,
               _breach_recorded("resolution_breach").label("breach_recorded"), _deadline_moved().label("moved"))
        .where(*conditions).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)).all()
    names, inns = _names(Client, {t.client_id for t in found}), _inns({t.client_id for t in found})
    rows = []
    ticket_link = _link_to("tickets.detail", "ticket_id")
    for t in found:
        late = []
        if t.response_due_at and ((t.acknowledged_at and t.acknowledged_at > t.response_due_at)
                                  or (t.acknowledged_at is None and t.response_due_at < now)):
            late.append(_("response"))
        if t.breach_recorded or (t.resolution_due_at and ((t.resolved_at and t.resolved_at > t.resolution_due_at)
                                                          or (t.resolved_at is None and t.resolution_due_at < now))):
            late.append(_("resolution"))
        rows.append({"ticket": (f"#{t.id} {t.subject}", ticket_link(t.id)),
                     "client": names.get(t.client_id, "—"), "inn": inns.get(t.client_id),
                     "priority": _priority_label(t.priority), "created": t.created_at,
                     "breached": ", ".join(late), "due": t.resolution_due_at, "resolved": t.resolved_at,
                     "moved": _("yes") if t.moved else ""})
    return Table("breaches", _("SLA breaches"), [
        Column("ticket", _("Ticket"), "link"), Column("client", _("Client"), "text"), Column("inn", _("INN"), "text"),
        Column("priority", _("Priority"), "text"), Column("created", _("Registered"), "datetime"),
        Column("breached", _("Breached"), "text"), Column("due", _("Resolution due"), "datetime"),
        Column("moved", _("Deadline moved"), "text"), Column("resolved", _("Resolved"), "datetime")], rows,
        note=_("Newest first, at most %(n)d.", n=limit))


def moved_deadlines_table(period: Period, filters: Filters, limit: int = 500) -> Table:
    """Every resolution deadline a person moved in the period: from when to when, who and why."""
    # constants, not parameters: the partial index ix_ticket_changes_moved_deadline is for them
    conditions = [TicketChange.field == literal_column("'resolution_due_at'"), TicketChange.reason.is_not(None),
                  TicketChange.at >= period.start_at, TicketChange.at < period.end_at]
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    found = db.session.execute(
        select(TicketChange.at, TicketChange.old_value, TicketChange.new_value, TicketChange.reason,
               TicketChange.user_id, Ticket.id, Ticket.subject, Ticket.client_id)
        .join(Ticket, Ticket.id == TicketChange.ticket_id).where(*conditions)
        .order_by(TicketChange.at.desc(), TicketChange.id.desc()).limit(limit)).all()
    clients, people = _names(Client, {m.client_id for m in found}), _names(User, {m.user_id for m in found})
    inns = _inns({m.client_id for m in found})
    ticket_link = _link_to("tickets.detail", "ticket_id")
    rows = [{"ticket": (f"#{m.id} {m.subject}", ticket_link(m.id)),
             "client": clients.get(m.client_id, "—"), "inn": inns.get(m.client_id), "at": m.at,
             "from": datetime.fromisoformat(m.old_value) if m.old_value else None,
             "to": datetime.fromisoformat(m.new_value) if m.new_value else None,
             "by": people.get(m.user_id, "—"), "reason": m.reason} for m in found]
    return Table("moved", _("Deadlines moved"), [
        Column("ticket", _("Ticket"), "link"), Column("client", _("Client"), "text"), Column("inn", _("INN"), "text"),
        Column("at", _("When"), "datetime"), Column("from", _("From"), "datetime"), Column("to", _("To"), "datetime"),
        Column("by", _("By"), "text"), Column("reason", _("Reason"), "text")], rows,
        note=_("Newest first, at most %(n)d.", n=limit))


# --- trends ------------------------------------------------------------------------------------------

def trends_table(period: Period, filters: Filters) -> Table:
    """Monthly logged hours by billing and registered tickets, over the period's months."""
    month = date_bucket(SpecLine.performed_on, "month").label("month")
    lines = {r.month: r for r in db.session.execute(
        select(month, *_minutes_by_billing()).where(*_line_filters(period, filters)).group_by(month))}
    created = instant_bucket(Ticket.created_at, period.months()).label("month")
    conditions = [Ticket.created_at >= period.start_at, Ticket.created_at < period.end_at]
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    tickets = dict(db.session.execute(select(created, func.count()).where(*conditions).group_by(created)).all())
    rows = []
    for label, _start, _end in period.months():
        r = lines.get(label)
        rows.append({"month": label, "hourly": int(r.hourly) if r else 0, "paid": int(r.paid) if r else 0,
                     "free": int(r.free) if r else 0, "tickets": int(tickets.get(label, 0))})
    return Table("trends", _("Monthly trends"), [
        Column("month", _("Month"), "text", sortable=False), Column("hourly", _("Hourly"), "minutes", sortable=False),
        Column("paid", _("Paid"), "minutes", sortable=False), Column("free", _("Free"), "minutes", sortable=False),
        Column("tickets", _("Tickets registered"), sortable=False)], rows)


def tags_table(period: Period, filters: Filters) -> Table:
    """Inquiries per 1,000 clients by tag and month: tickets registered that month carrying the tag,
    over the active clients registered by the month's end (the question one company asked to find
    that paying was why its clients called most). With a client filter, that client's tickets."""
    months = period.months()
    created = instant_bucket(Ticket.created_at, months).label("month")
    conditions = [Ticket.created_at >= period.start_at, Ticket.created_at < period.end_at]
    if filters.client_id:
        conditions.append(Ticket.client_id == filters.client_id)
    counts = db.session.execute(
        select(created, Tag.name, func.count(Ticket.id).label("tickets"))
        .join(ticket_tags, ticket_tags.c.ticket_id == Ticket.id).join(Tag, Tag.id == ticket_tags.c.tag_id)
        .where(*conditions).group_by(created, Tag.id, Tag.name)).all()
    if filters.client_id:
        base = {label: 1 for label, _start, _end in months}
    else:
        base = {label: db.session.scalar(select(func.count(Client.id)).where(Client.active.is_(True),
                                                                            Client.created_at < end)) or 0
                for label, _start, end in months}
    rows = [{"month": r.month, "tag": r.name, "tickets": int(r.tickets), "clients": base.get(r.month, 0),
             "per_thousand": round(1000 * int(r.tickets) / base[r.month], 2) if base.get(r.month) else None}
            for r in counts]
    rows.sort(key=lambda r: (r["month"], -(r["per_thousand"] or 0), r["tag"]))
    return Table("tags", _("Inquiries per 1,000 clients by tag and month"), [
        Column("month", _("Month"), "text"), Column("tag", _("Tag"), "text"),
        Column("tickets", _("Tickets")), Column("clients", _("Clients")),
        Column("per_thousand", _("Per 1,000 clients"), "ratio")], rows,
        note=_("Tickets registered in the month with the tag, per 1,000 active clients registered by the month's end."))
