"""Words for the audit trail: what kind of object, which field or action."""
from app.core.i18n import lazy_gettext as _l

ENTITY_LABELS = {"user": _l("user"), "client": _l("client"), "contract": _l("contract"), "service": _l("service"),
                 "calendar": _l("calendar"), "policy": _l("SLA policy"), "token": _l("API token"),
                 "webhook": _l("webhook")}

FIELD_LABELS = {
    # whole-object actions
    "created": _l("created"), "terminated": _l("terminated"), "password_reset_link": _l("password reset link issued"),
    "password_reset": _l("password set by reset link"), "revoked": _l("revoked"), "unlocked": _l("log-in lock lifted"),
    "mail_domains": _l("Mail domains"), "secret_rotated": _l("new signing secret"), "replayed": _l("delivery sent again"),
    "disabled": _l("switched off by the desk"), "url": _l("Receiver address"), "events": _l("Events"),
    # users
    "email": _l("E-mail"), "name": _l("Name"), "role": _l("Role"), "client_id": _l("Company"),
    "locale": _l("Language"), "active": _l("Active"),
    # clients
    "inn": _l("INN"), "country": _l("Country"), "timezone": _l("Time zone"), "phone": _l("Phone"),
    "notes": _l("Notes"), "account_manager_id": _l("Account manager"), "low_balance_unit": _l("Low balance unit"),
    "low_balance_value": _l("Low balance threshold"),
    # contracts
    "next_minutes_per_month": _l("Hours per month from the next period"),
    "next_hour_price": _l("Hour price from the next period"), "overdraft": _l("Overdraft"),
    "overage_rate": _l("Overage rate"), "billing_increment_minutes": _l("Billing increment, minutes"),
    "rollover": _l("Rollover"), "sla_policy_id": _l("SLA policy"), "terminated_on": _l("Terminated on"),
    # services
    "code": _l("Code"), "name_ru": _l("Name (Russian)"), "name_en": _l("Name (English)"), "billing": _l("Billing"),
    "rate": _l("Rate"), "kind": _l("Kind"),
    # calendars and policies
    "intervals": _l("Working hours"), "extra_holidays": _l("Extra days off"), "always_open": _l("Round the clock (24/7)"),
    "calendar_id": _l("Calendar"), "targets": _l("Targets"),
}


def display_value(field: str, value: str | None) -> str:
    """A recorded value as the reader says it: enumerations in words, ids as names, yes/no."""
    if value is None or value == "":
        return "—"
    from app.auth.forms import ROLE_LABELS
    from app.contracts.forms import BILLING_LABELS, OVERDRAFT_LABELS, SERVICE_KIND_LABELS
    words = {"role": ROLE_LABELS, "billing": BILLING_LABELS, "overdraft": OVERDRAFT_LABELS, "kind": SERVICE_KIND_LABELS,
             "locale": {"ru": "Русский", "en": "English"},
             "low_balance_unit": {"hours": _l("a number of hours"), "percent": _l("a percent of the contract's grant")}}
    if field in words:
        return str(words[field].get(value, value))
    if value in ("yes", "no"):
        return str(_l("yes") if value == "yes" else _l("no"))
    if field in ("next_minutes_per_month",) and value.lstrip("-").isdigit():
        from app.core.web import format_minutes
        return format_minutes(int(value))
    models = _id_models()
    if field in models and value.isdigit():
        from app.extensions import db
        found = db.session.get(models[field], int(value))
        return found.name if found is not None else f"#{value}"
    return value


def _id_models() -> dict:
    from app.auth.models import User
    from app.clients.models import Client
    from app.sla.models import BusinessCalendar, SlaPolicy
    return {"client_id": Client, "account_manager_id": User, "sla_policy_id": SlaPolicy, "calendar_id": BusinessCalendar}
