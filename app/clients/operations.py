"""State changes for client companies. They flush, never commit."""
import re
from zoneinfo import available_timezones

from sqlalchemy import select

from app.audit.operations import record_action, record_changes, snapshot
from app.auth.models import MANAGER_ROLES, User, staff_role_in
from app.clients.inn import validate_inn
from app.clients.models import Client
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import gettext as _
from app.core.text import fold
from app.extensions import db

NAME_MAX = 255
#: the fields whose changes the audit trail records
CLIENT_FIELDS = ("name", "inn", "country", "timezone", "email", "phone", "notes", "account_manager_id", "active",
                 "low_balance_unit", "low_balance_value", "mail_domains")
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")


def clean_mail_domains(value: str | None) -> str | None:
    """"Romashka.RU, @romashka.com" → "romashka.ru romashka.com"; a word that is no domain is refused."""
    words = [word.strip().lstrip("@").lower() for word in re.split(r"[\s,;]+", value or "") if word.strip()]
    for word in words:
        try:
            ascii_form = word.encode("idna").decode("ascii")   # ромашка.рф is a domain too
        except UnicodeError:
            ascii_form = word
        if not _DOMAIN.fullmatch(ascii_form):
            raise ValidationFailed(_("%(d)s is not a mail domain (e.g. romashka.ru).", d=word), code="invalid_domain",
                                   field="mail_domains")
    cleaned = " ".join(dict.fromkeys(words))
    if len(cleaned) > 500:
        raise ValidationFailed(_("At most 500 characters of domains."), code="invalid_domain", field="mail_domains")
    return cleaned or None


#: legal forms that start most company names; engineers type the name that follows them
LEGAL_FORMS = frozenset({"ооо", "оао", "зао", "пао", "ао", "нао", "ип", "тов", "пп", "фоп", "гуп", "муп",
                         "llc", "ltd", "inc", "jsc", "gmbh"})
_QUOTES = str.maketrans({c: " " for c in "\"'«»„“”‘’`"})


def search_key(name: str) -> str:
    """What the picker compares: case-folded, ё as е, quotes and leading legal forms dropped,
    so 'ООО «Ромашка»' is found by typing 'ром' (and by 'ооо ром' too)."""
    words = fold(name.translate(_QUOTES)).split()
    while len(words) > 1 and words[0].rstrip(".") in LEGAL_FORMS:
        words.pop(0)
    return " ".join(words)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Enter the company name."), code="name_required", field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("The name is longer than %(n)d characters.", n=NAME_MAX), code="name_too_long", field="name")
    return name


def _clean_timezone(tz: str | None) -> str:
    tz = (tz or "Europe/Moscow").strip()
    if tz not in _timezones():
        raise ValidationFailed(_("Unknown time zone %(tz)s.", tz=tz), code="invalid_timezone", field="timezone")
    return tz


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
    return _TZ_CACHE


def _check_unique_inn(inn: str, exclude_id: int | None = None) -> None:
    query = select(Client.id, Client.name).where(Client.inn == inn)
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    other = db.session.execute(query).first()
    if other:
        raise Conflict(_("The tax id %(inn)s already belongs to %(name)s.", inn=inn, name=other.name),
                       code="duplicate_inn", field="inn", client_id=other.id)


def _clean_low_balance(unit: str | None, value) -> tuple[str | None, int | None]:
    """The client's low-hours threshold: none (office default), a percent of the grant (1–100) or
    a number of hours (0–10000)."""
    unit = unit or None
    if unit is None:
        return None, None
    limits = {"percent": (1, 100), "hours": (0, 10_000)}
    if unit not in limits:
        raise ValidationFailed(_("Unknown threshold unit %(u)s.", u=unit), code="invalid_low_balance_unit",
                               field="low_balance_unit")
    low, high = limits[unit]
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(_("Enter a whole number from %(a)d to %(b)d.", a=low, b=high),
                               code="invalid_low_balance_value", field="low_balance_value")
    return unit, value


def create_client(*, name: str, inn: str, country: str | None = None, timezone: str | None = None,
                  email: str | None = None, phone: str | None = None, notes: str | None = None,
                  account_manager=None, low_balance_unit: str | None = None, low_balance_value: int | None = None,
                  mail_domains: str | None = None, actor=None) -> Client:
    """Register a company; the tax id is validated and must be unique. Every client has an
    account manager: the one given, else the office's first active manager."""
    low_balance_unit, low_balance_value = _clean_low_balance(low_balance_unit, low_balance_value)
    account_manager = _check_account_manager(account_manager) if account_manager is not None else \
        default_account_manager()
    name = _clean_name(name)
    inn, country = validate_inn(inn, country)
    tz = _clean_timezone(timezone)
    _check_unique_inn(inn)
    client = Client(name=name, name_search=search_key(name), inn=inn, country=country, timezone=tz,
                    email=(email or None), phone=(phone or None), notes=(notes or None),
                    account_manager=account_manager, low_balance_unit=low_balance_unit,
                    low_balance_value=low_balance_value, mail_domains=clean_mail_domains(mail_domains))
    db.session.add(client)
    db.session.flush()
    if actor is not None:
        record_action("client", client.id, "created", actor=actor, detail=f"{client.name}, {client.inn}")
    return client


def default_account_manager() -> User | None:
    """Who answers for a client registered without one named: the office's first active manager."""
    return db.session.scalars(select(User).where(staff_role_in(MANAGER_ROLES), User.active.is_(True))
                              .order_by(User.role != "manager", User.id).limit(1)).first()


def _check_account_manager(user: User) -> User:
    if not user.active or user.role not in MANAGER_ROLES:
        raise ValidationFailed(_("The account manager must be an active manager."), code="invalid_account_manager",
                               field="account_manager_id")
    return user


def update_client(client: Client, *, name: str, inn: str, country: str | None = None,
                  timezone: str | None = None, email: str | None = None, phone: str | None = None,
                  notes: str | None = None, account_manager=None, active: bool = True,
                  low_balance_unit: str | None = None, low_balance_value: int | None = None,
                  mail_domains: str | None = None, actor=None) -> Client:
    """Edit a company; the same checks as on creation. Each changed field is audited."""
    before = snapshot(client, CLIENT_FIELDS)
    client.low_balance_unit, client.low_balance_value = _clean_low_balance(low_balance_unit, low_balance_value)
    name = _clean_name(name)
    inn, country = validate_inn(inn, country)
    tz = _clean_timezone(timezone)
    _check_unique_inn(inn, exclude_id=client.id)
    client.name, client.name_search, client.inn, client.country, client.timezone = (
        name, search_key(name), inn, country, tz)
    client.email, client.phone, client.notes = email or None, phone or None, notes or None
    client.mail_domains = clean_mail_domains(mail_domains)
    if account_manager is None:
        raise ValidationFailed(_("Choose the client's account manager."), code="account_manager_required",
                               field="account_manager_id")
    client.account_manager = _check_account_manager(account_manager)
    client.active = active
    db.session.flush()
    if (before["name"], before["inn"]) != (client.name, client.inn):
        from app.search.operations import client_renamed  # search indexes tickets, which import clients
        client_renamed(client)
    record_changes("client", client.id, before, snapshot(client, CLIENT_FIELDS), actor=actor)
    return client
