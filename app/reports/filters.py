"""The reports' filters from a query string: period, engineer, client. Bad input is an error shown
on the page (and a 422 from the API), never a guess."""
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.auth.models import User
from app.clients.models import Client
from app.clients.queries import client_by_inn
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.reports.queries import Filters, Period

#: the longest period a report covers (years of data stay a bounded query)
MAX_DAYS = 366 * 10


@dataclass
class FilterForm:
    """What the filter form shows back."""
    start: str
    end: str
    engineer_id: int | None
    client: str
    client_name: str | None


class FilterError(ValueError):
    def __init__(self, message: str, field: str, fallback):
        super().__init__(message)
        self.message, self.field, self.fallback = message, field, fallback


def office_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["HOURDESK_OFFICE_TIMEZONE"])


def this_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def presets(today: date) -> list[tuple[str, date, date]]:
    first, last = this_month(today)
    previous_last = first - timedelta(days=1)
    return [(_("This month"), first, last), (_("Last month"), previous_last.replace(day=1), previous_last),
            (_("This year"), today.replace(month=1, day=1), today.replace(month=12, day=31)),
            (_("Last 12 months"), (first - timedelta(days=335)).replace(day=1), last)]


def parse_period(start_text: str | None, end_text: str | None, tz: ZoneInfo) -> Period:
    """`from`/`to` as ISO dates, both included; missing: this month. Raises ValueError(field, message)."""
    default_start, default_end = this_month(utcnow().astimezone(tz).date())
    try:
        start = date.fromisoformat(start_text) if start_text else default_start
    except ValueError:
        raise ValueError("from", _("Enter the start as a date (YYYY-MM-DD).")) from None
    try:
        end = date.fromisoformat(end_text) if end_text else default_end
    except ValueError:
        raise ValueError("to", _("Enter the end as a date (YYYY-MM-DD).")) from None
    if end < start:
        raise ValueError("to", _("The end is before the start."))
    if (end - start).days > MAX_DAYS:
        raise ValueError("to", _("A report covers at most ten years."))
    return Period(start, end, tz)


def parse_filters(args) -> tuple[Period, Filters, FilterForm]:
    tz = office_tz()
    form = FilterForm(args.get("from", ""), args.get("to", ""), None, (args.get("client") or "").strip(), None)
    fallback_period = parse_period(None, None, tz)
    try:
        period = parse_period(args.get("from"), args.get("to"), tz)
    except ValueError as exc:
        field, message = exc.args
        raise FilterError(message, field, (fallback_period, Filters(), form)) from None
    form.start, form.end = period.start.isoformat(), period.end.isoformat()
    engineer_id = None
    if args.get("engineer_id"):
        text = args["engineer_id"]
        user = db.session.get(User, int(text)) if text.isdigit() else None
        if user is None or not user.is_staff:
            raise FilterError(_("No such engineer."), "engineer_id", (period, Filters(), form))
        engineer_id = form.engineer_id = user.id
    client_id = None
    if args.get("client_id", "").isdigit():
        found = db.session.get(Client, int(args["client_id"]))
        if found is None:
            raise FilterError(_("No such client."), "client", (period, Filters(engineer_id=engineer_id), form))
        client_id, form.client, form.client_name = found.id, found.inn, found.name
    elif form.client:
        found = client_by_inn(form.client)
        if found is None:
            raise FilterError(_("No client with this INN."), "client", (period, Filters(engineer_id=engineer_id), form))
        client_id, form.client_name = found.id, found.name
    return period, Filters(engineer_id=engineer_id, client_id=client_id), form
