"""Managers' reports: utilisation, clients, difficult clients, update-only clients, SLA, trends.
Every table can be downloaded as CSV or XLSX with the same filters."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale

from app.auth import queries as auth_queries
from app.auth.access import roles_required
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.reports import queries
from app.reports.filters import FilterError, office_tz, parse_filters, presets
from app.reports.tables import Table, to_csv, to_xlsx

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

managers_only = roles_required("manager", "admin")


def _engineers(period, filters, args):
    grain = args.get("grain") if args.get("grain") in queries.GRAINS else "week"
    return [queries.engineers_table(period, filters), queries.engineer_periods_table(period, filters, grain)]


def _clients(period, filters, args):
    return [queries.clients_table(period, filters, utcnow())]


def _difficult(period, filters, args):
    basis = args.get("basis") if args.get("basis") in ("minutes", "tickets") else "minutes"
    return [queries.difficult_table(period, filters, basis=basis, ratio=_number(args, "ratio", 2.0, 1.0, 100.0),
                                    min_share=_number(args, "min_share", 1.0, 0.0, 100.0))]


def _updates(period, filters, args):
    return [queries.updates_only_table(period, filters, update_share=_number(args, "update_share", 80.0, 0.0, 100.0),
                                       hourly_share=_number(args, "hourly_share", 10.0, 0.0, 100.0))]


def _sla(period, filters, args):
    now = utcnow()
    return [queries.sla_table(period, filters, now), queries.breaches_table(period, filters, now),
            queries.moved_deadlines_table(period, filters)]


def _trends(period, filters, args):
    return [queries.trends_table(period, filters)]


def _tags(period, filters, args):
    return [queries.tags_table(period, filters)]


#: name → (title, builder); the order is the order of the tabs
REPORTS = {
    "engineers": (lambda: _("Engineers"), _engineers),
    "clients": (lambda: _("Clients"), _clients),
    "difficult": (lambda: _("Difficult clients"), _difficult),
    "updates": (lambda: _("Only updates"), _updates),
    "sla": (lambda: "SLA", _sla),
    "trends": (lambda: _("Trends"), _trends),
    "tags": (lambda: _("Tags"), _tags),
}


def _number(args, name: str, default: float, low: float, high: float) -> float:
    """A threshold from the query string; out of range or not a number: the default (shown)."""
    try:
        value = float(args.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def _build(name: str):
    if name not in REPORTS:
        abort(404)
    try:
        period, filters, form = parse_filters(request.args)
        error = None
    except FilterError as exc:
        period, filters, form = exc.fallback
        error = exc
    tables = REPORTS[name][1](period, filters, request.args)
    for table in tables:
        table.tz = period.tz
    return period, filters, form, error, tables


@bp.get("/")
@managers_only
def index():
    return redirect(url_for("reports.report", name="engineers", **request.args.to_dict()))


@bp.get("/<name>")
@managers_only
def report(name: str):
    period, filters, form, error, tables = _build(name)
    sort, descending = request.args.get("sort"), request.args.get("dir", "desc") != "asc"
    page = max(request.args.get("page", 1, type=int), 1)
    for table in tables:
        if sort:
            table.sort(sort, descending)
    return render_template(f"reports/{name}.html", name=name, reports=REPORTS, tables=tables, period=period,
                           filters=filters, form=form, error=error, sort=sort, descending=descending,
                           page=page), 422 if error else 200


@bp.get("/<name>/export.<fmt>")
@managers_only
def export(name: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    period, _filters, _form, error, tables = _build(name)
    if error:
        abort(400)
    table: Table | None = next((t for t in tables if t.name == request.args.get("table", tables[0].name)), None)
    if table is None:
        abort(404)
    if request.args.get("sort"):
        table.sort(request.args["sort"], request.args.get("dir", "desc") != "asc")
    filename = f"hourdesk-{table.name}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    if fmt == "csv":
        # the BOM: Excel reads UTF-8; Russian Excel wants `;` and a decimal comma
        body = "\ufeff" + to_csv(table, russian=str(get_locale()) == "ru")
        mimetype = "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.app_template_global()
def report_url(endpoint: str, **changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(endpoint, **args)


@bp.app_template_global()
def report_engineers():
    """The staff the engineer filter offers."""
    return auth_queries.active_staff()


@bp.app_template_global()
def report_presets():
    return presets(utcnow().astimezone(office_tz()).date())
