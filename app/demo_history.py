"""Years of synthetic history for `flask demo generate`: what the reports and benchmarks need.

The shape follows the field: client load is Pareto-like (a few companies bring most tickets), a few
heavy clients sit on small contracts, some clients pay for support but take only free updates,
several engineers share the work. Every client has contacts who write the tickets. Tickets carry a
description (Russian or English), 2–6 comments (a third internal), their status and assignment
history, tags, file records (the files themselves are not made: a download says they are
missing), specification lines, SLA timestamps (some late), closes that debit yearly contract lots
(overage when a lot runs dry), expiries of unused minutes and CSAT ratings. A busy desk's backlog
stays unresolved (open, in progress, waiting): about one ticket in eight, more of the recent ones.
Everything is written with bulk inserts in chunks, deterministic for a seed; the ledger's caches
(lot remainders, client balances) are set to the sums of the entries written.
"""
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from app.auth.models import User
from app.auth.operations import create_user
from app.contracts.models import ClientBalance, Contract, HourLot, LedgerEntry, Service, SpecLine, TicketClose
from app.contracts.operations import contract_period, save_service
from app.core.text import fold
from app.core.types import utcnow
from app.extensions import db
from app.tickets.lifecycle import CHANNELS, PRIORITIES
from app.tickets.models import (
    PRIORITY_RANK,
    Attachment,
    Comment,
    Tag,
    Ticket,
    TicketChange,
    TicketRating,
    tag_key,
    ticket_tags,
)

CHUNK = 20_000
MINUTES = [15, 30, 30, 45, 60, 60, 60, 90, 120, 180, 240]
HOURS_PER_MONTH = [2, 4, 5, 8, 10, 10, 20, 40]
#: response / resolution targets (minutes) by priority, for the synthetic deadlines
TARGETS = {"critical": (15, 240), "high": (30, 480), "normal": (60, 960), "low": (240, 2400)}
SERVICES = [
    ("SUP", "Техническая поддержка", "Technical support", "hourly", None, "support"),
    ("ONS", "Выезд инженера", "On-site visit", "hourly", None, "onsite"),
    ("UPD", "Обновление 1С", "1C update", "free", None, "update"),
    ("DEV", "Доработка конфигурации", "Configuration development", "paid", "3500.00", "development"),
]


@dataclass
class Profile:
    client_id: int
    weight: float
    #: "normal", "heavy" (much work, a small contract) or "updates" (a contract, only free updates)
    kind: str
    minutes_per_month: int | None
    #: year index → (lot id, contract id, remaining minutes)
    lots: dict = field(default_factory=dict)


def _ensure_engineers(count: int) -> list[int]:
    staff = list(db.session.scalars(select(User.id).where(User.role.in_(("engineer", "manager", "admin")),
                                                          User.active.is_(True))))
    engineers = list(db.session.scalars(select(User.id).where(User.role == "engineer", User.active.is_(True))))
    n = len(engineers)
    while len(engineers) < count:
        n += 1
        email = f"engineer{n}.generated@hourdesk.example"
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            engineers.append(create_user(email, role="engineer", password=secrets.token_urlsafe(16),
                                         name=f"Инженер {n}").id)
    db.session.flush()
    return engineers or staff


def _ensure_services() -> dict[str, Service]:
    found = {s.code: s for s in db.session.scalars(select(Service))}
    for code, ru, en, billing, rate, kind in SERVICES:
        if code not in found:
            found[code] = save_service(None, code=code, name_ru=ru, name_en=en, billing=billing, rate=rate, kind=kind)
    db.session.flush()
    return found


def _ensure_contacts(client_ids: list[int], rng: random.Random, now: datetime) -> dict[int, list[int]]:
    """One to three contacts per client (those a client has already count): who writes its tickets.
    They get one unusable password (random, hashed once): they are for the data, not for logging in."""
    found: dict[int, list[int]] = {}
    for start in range(0, len(client_ids), 500):
        chunk = client_ids[start:start + 500]
        for user_id, client_id in db.session.execute(select(User.id, User.client_id).where(
                User.client_id.in_(chunk), User.role == "client")):
            found.setdefault(client_id, []).append(user_id)
    password = generate_password_hash(secrets.token_urlsafe(24), method=current_app.config["PASSWORD_HASH_METHOD"])
    rows = []
    for client_id in client_ids:
        if client_id in found:
            continue
        for n in range(rng.choice((1, 2, 2, 3))):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            rows.append({"email": f"contact{n + 1}.c{client_id}@client{client_id}.example", "name": f"{first} {last}",
                         "password_hash": password, "role": "client", "client_id": client_id,
                         "locale": "ru" if rng.random() < 0.85 else "en", "active": True, "created_at": now})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start:start + 5000])
    if rows:
        for user_id, client_id in db.session.execute(select(User.id, User.client_id).where(
                User.role == "client", User.email.like("contact%.c%@client%.example"))):
            if client_id not in found or user_id not in found[client_id]:
                found.setdefault(client_id, []).append(user_id)
    db.session.commit()
    return found


def _ensure_tags() -> list[int]:
    have = {key: tag_id for key, tag_id in db.session.execute(select(Tag.name_key, Tag.id))}
    for name in TAGS:
        if tag_key(name) not in have:
            db.session.execute(insert(Tag), [{"name": name, "name_key": tag_key(name), "created_at": utcnow()}])
    db.session.commit()
    return sorted(db.session.scalars(select(Tag.id).where(Tag.name_key.in_([tag_key(n) for n in TAGS]))))


def _description(topic: int, rng: random.Random) -> str:
    """Two to five sentences about the ticket's topic, in Russian mostly, some in English."""
    english = rng.random() < 0.2
    opening = (OPENINGS_EN if english else OPENINGS_RU)[topic % len(OPENINGS_RU)]
    details = DETAILS_EN if english else DETAILS_RU
    return " ".join([opening] + rng.sample(details, rng.randint(1, 4)))


def _conversation(row: dict, rng: random.Random, engineer_ids: list[int], now: datetime, comments: list,
                  changes: list, files: list) -> None:
    """A ticket's comments (2–6, a third internal), the history of its status and assignee, and now
    and then a file record; sets its first response."""
    ticket_id, created, contact = row["id"], row["created_at"], row["requester_id"]
    engineer = row["assignee_id"] or rng.choice(engineer_ids)
    end = row["closed_at"] or row["resolved_at"] or row["cancelled_at"] or now
    span = max((end - created).total_seconds(), 60.0)
    first_response = None
    for when in sorted(created + timedelta(seconds=span * rng.random()) for _ in range(rng.randint(2, 6))):
        internal = rng.random() < 0.33
        by_staff = internal or rng.random() < 0.55
        if by_staff and not internal and first_response is None:
            first_response = when
        texts = NOTES if internal else (STAFF_REPLIES if by_staff else CLIENT_REPLIES)
        comments.append({"ticket_id": ticket_id, "author_id": engineer if by_staff else contact,
                         "body": rng.choice(texts), "public": not internal, "created_at": when})
    row["first_response_at"] = first_response

    def change(user, field, old, new, at):
        changes.append({"ticket_id": ticket_id, "user_id": user, "field": field, "old_value": old, "new_value": new,
                        "reason": None, "at": at})
    change(row["created_by_id"], "created", None, "open", created)
    status = "open"
    if row["acknowledged_at"] is not None:
        change(engineer, "status", status, "in_progress", row["acknowledged_at"])
        change(engineer, "assignee", None, f"#{engineer}", row["acknowledged_at"])
        status = "in_progress"
    if row["status"] == "waiting":
        change(engineer, "status", status, "waiting", row["acknowledged_at"] or created)
    for stamp, target in (("resolved_at", "resolved"), ("closed_at", "closed"), ("cancelled_at", "cancelled")):
        if row[stamp] is not None:
            change(engineer, "status", status, target, row[stamp])
            status = target
    if rng.random() < 0.08:
        name, kind, size = rng.choice(FILES)
        files.append({"ticket_id": ticket_id, "comment_id": None, "public": True, "filename": name,
                      "content_type": kind, "size_bytes": size + rng.randrange(size), "sha256": "0" * 64,
                      "storage_key": f"generated-{ticket_id}", "uploaded_by_id": contact, "created_at": created})


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def generate_history(*, client_ids: list[int], n_tickets: int, years: int, lines_per_ticket: float,
                     engineers: int, rng: random.Random, now: datetime | None = None, tz: str = "Europe/Moscow",
                     sla_policy_id: int | None = None) -> dict:
    """Contracts, tickets, lines, closes, ledger entries and ratings for `client_ids`; the contracts,
    and the tickets registered under them, carry `sla_policy_id`."""
    now = now or utcnow()
    zone = ZoneInfo(tz)
    engineer_ids = _ensure_engineers(engineers)
    services = _ensure_services()
    start = (now.astimezone(zone).date().replace(day=1) - timedelta(days=365 * years)).replace(day=1)
    profiles = _profiles(client_ids, rng)
    contacts = _ensure_contacts(client_ids, rng, now)
    tag_ids = _ensure_tags()
    counts = {"contracts": 0, "tickets": 0, "lines": 0, "closes": 0, "entries": 0, "ratings": 0, "comments": 0,
              "changes": 0, "attachments": 0, "contacts": sum(len(v) for v in contacts.values())}
    _contracts(profiles, start, years, zone, counts, now, sla_policy_id)
    ticket_id, close_id = _next_id(Ticket), _next_id(TicketClose)
    weights = [p.weight for p in profiles]
    cumulative = list(_accumulate(weights))
    span = (now - datetime.combine(start, time(), zone)).total_seconds()
    begin = datetime.combine(start, time(), zone)
    left = n_tickets
    while left > 0:
        size = min(CHUNK, left)
        left -= size
        chosen = rng.choices(profiles, cum_weights=cumulative, k=size)
        created_list = sorted(begin + timedelta(seconds=rng.random() * span) for _ in range(size))
        tickets, lines, closes, entries, ratings = [], [], [], [], []
        comments, changes, tagged, files = [], [], [], []
        for profile, created in zip(chosen, created_list, strict=True):
            row, close = _ticket(ticket_id, profile, created, now, rng, engineer_ids)
            row["sla_policy_id"] = sla_policy_id if profile.minutes_per_month else None
            row["requester_id"] = rng.choice(contacts[profile.client_id])
            row["created_by_id"] = row["requester_id"] if row["channel"] in ("email", "portal") else \
                rng.choice(engineer_ids)
            tickets.append(row)
            _conversation(row, rng, engineer_ids, now, comments, changes, files)
            if rng.random() < 0.4:
                tagged += [{"ticket_id": ticket_id, "tag_id": tag} for tag in set(rng.sample(tag_ids, rng.choice((1, 1, 2))))]
            hourly = 0
            for _ in range(max(1, round(rng.expovariate(1 / lines_per_ticket)))):
                service = services["UPD"] if profile.kind == "updates" else \
                    services[rng.choices(("SUP", "ONS", "DEV", "UPD"), weights=(70, 10, 8, 12))[0]]
                minutes = rng.choice(MINUTES)
                performed = min((created + timedelta(hours=rng.randrange(0, 48))).astimezone(zone).date(),
                                now.astimezone(zone).date())
                done = close is not None
                billed = (math.ceil(minutes / 15) * 15 if service.billing == "hourly" else 0) if done else None
                # work is always somebody's: mostly the assignee's, else a colleague's (an open ticket has none)
                engineer = row["assignee_id"] if row["assignee_id"] and rng.random() < 0.8 else rng.choice(engineer_ids)
                lines.append({"ticket_id": ticket_id, "client_id": profile.client_id, "service_id": service.id,
                              "engineer_id": engineer,
                              "minutes": minutes, "billed_minutes": billed, "billing": service.billing, "note": "",
                              "performed_on": performed, "created_at": created, "created_by_id": engineer})
                if service.billing == "hourly":
                    hourly += billed or 0
            if close is not None:
                closes_row, close_entries = _close(close_id, ticket_id, profile, close, hourly, now, zone)
                closes.append(closes_row)
                entries += close_entries
                if rng.random() < 0.25:
                    ratings.append({"ticket_id": ticket_id, "rating": rng.choices((1, 2, 3, 4, 5), weights=(3, 5, 10, 30, 52))[0],
                                    "comment": "", "rated_at": min(close + timedelta(days=1), now)})
                close_id += 1
            ticket_id += 1
        for model, rows in ((Ticket, tickets), (SpecLine, lines), (TicketClose, closes), (LedgerEntry, entries),
                            (TicketRating, ratings), (Comment, comments), (TicketChange, changes),
                            (ticket_tags, tagged), (Attachment, files)):
            bulk(model, rows)
        counts["comments"] += len(comments)
        counts["changes"] += len(changes)
        counts["attachments"] += len(files)
        counts["tickets"] += len(tickets)
        counts["lines"] += len(lines)
        counts["closes"] += len(closes)
        counts["entries"] += len(entries)
        counts["ratings"] += len(ratings)
        db.session.commit()
    counts["entries"] += _expire_and_cache(profiles, now)
    if db.engine.dialect.name == "postgresql":   # explicit ids: move the sequences past them
        for table in ("tickets", "ticket_closes", "contracts", "hour_lots"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(max(id), 1) FROM {table}))"))
    db.session.commit()
    return counts


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def _profiles(client_ids: list[int], rng: random.Random) -> list[Profile]:
    """Pareto-like weights; the heaviest 1 % get small contracts, 8 % take only updates."""
    profiles = [Profile(cid, rng.paretovariate(1.16), "normal", None) for cid in client_ids]
    ranked = sorted(profiles, key=lambda p: -p.weight)
    heavy = set(id(p) for p in ranked[:max(1, len(ranked) // 100)])
    for p in profiles:
        if id(p) in heavy:
            p.kind, p.minutes_per_month = "heavy", rng.choice((2, 4)) * 60
        elif rng.random() < 0.08:
            p.kind, p.minutes_per_month = "updates", rng.choice((10, 20)) * 60
        elif rng.random() < 0.85:
            p.minutes_per_month = rng.choice(HOURS_PER_MONTH) * 60
    return profiles


def _contracts(profiles: list[Profile], start: date, years: int, zone: ZoneInfo, counts: dict, now: datetime,
               sla_policy_id: int | None) -> None:
    """One 12-month contract a year per client with a contract, each with its grant lot and entry."""
    contract_id, lot_id = _next_id(Contract), _next_id(HourLot)
    contracts, lots, entries = [], [], []
    for p in profiles:
        if not p.minutes_per_month:
            continue
        for year in range(years + 1):
            starts = start.replace(year=start.year + year)
            ends, valid_from, expires = contract_period(starts, 12, zone.key)
            granted = p.minutes_per_month * 12
            contracts.append({"id": contract_id, "client_id": p.client_id, "number": f"G-{p.client_id}-{starts.year}",
                              "starts_on": starts, "months": 12, "ends_on": ends, "minutes_per_month": p.minutes_per_month,
                              "billing_increment_minutes": 15, "overdraft": "convert_to_paid",
                              "overage_rate": Decimal("2000.00"), "rollover": False, "sla_policy_id": sla_policy_id,
                              "status": "active" if
                              ends >= now.astimezone(zone).date() else "expired", "created_at": valid_from})
            lots.append({"id": lot_id, "client_id": p.client_id, "contract_id": contract_id, "source": "grant",
                         "granted_minutes": granted, "valid_from": valid_from, "expires_at": expires,
                         "remaining_minutes": 0, "created_at": valid_from})
            entries.append({"client_id": p.client_id, "lot_id": lot_id, "kind": "grant", "minutes": granted,
                            "created_at": valid_from})
            p.lots[starts.year] = [lot_id, contract_id, granted, valid_from, expires]
            contract_id += 1
            lot_id += 1
    for model, rows in ((Contract, contracts), (HourLot, lots), (LedgerEntry, entries)):
        bulk(model, rows)
    counts["contracts"] += len(contracts)
    counts["entries"] += len(entries)
    db.session.commit()


def _ticket(ticket_id: int, profile: Profile, created: datetime, now: datetime, rng: random.Random,
            engineer_ids: list[int]) -> tuple[dict, datetime | None]:
    """A ticket row; older tickets are mostly closed. Returns (row, closed_at or None)."""
    priority = rng.choices(PRIORITIES, weights=[20, 60, 15, 5])[0]
    respond, resolve = TARGETS[priority]
    age_days = (now - created).total_seconds() / 86400
    # a busy desk's backlog: an eighth of the old tickets still wait for something, most of the new ones
    if rng.random() < 0.12 + 0.55 * math.exp(-age_days / 21):
        status = "open" if age_days < 2 and rng.random() < 0.4 else rng.choices(("in_progress", "waiting"), (65, 35))[0]
    elif age_days > 14:
        status = rng.choices(("closed", "cancelled", "resolved"), weights=(92, 4, 4))[0]
    else:
        status = rng.choices(("resolved", "closed", "cancelled"), weights=(35, 55, 10))[0]
    # most tickets are acknowledged and resolved in time; some are late
    acknowledged = created + timedelta(minutes=respond * rng.uniform(0.1, 1.4)) if status != "open" else None
    resolved = created + timedelta(minutes=resolve * rng.uniform(0.2, 1.5)) \
        if status in ("resolved", "closed") else None
    closed = resolved + timedelta(hours=rng.randrange(1, 72)) if status == "closed" else None
    if closed is not None and closed > now:
        closed = now
    topic = rng.randrange(len(SUBJECTS))
    subject = f"{SUBJECTS[topic]} ({ticket_id})"
    assignee = rng.choice(engineer_ids) if status != "open" else None
    row = {"id": ticket_id, "client_id": profile.client_id, "subject": subject, "subject_search": fold(subject),
           "description": _description(topic, rng), "priority": priority, "priority_rank": PRIORITY_RANK[priority],
           "channel": rng.choice(CHANNELS), "status": status, "assignee_id": assignee,
           "created_at": created, "updated_at": closed or resolved or acknowledged or created,
           "acknowledged_at": min(acknowledged, now) if acknowledged else None,
           "resolved_at": min(resolved, now) if resolved else None, "closed_at": closed,
           "cancelled_at": created + timedelta(hours=1) if status == "cancelled" else None,
           "response_due_at": created + timedelta(minutes=respond),
           "resolution_due_at": created + timedelta(minutes=resolve)}
    return row, closed


def _close(close_id: int, ticket_id: int, profile: Profile, closed: datetime, hourly: int, now: datetime,
           zone: ZoneInfo) -> tuple[dict, list[dict]]:
    """The close of a ticket: debit the year's lot, the rest is overage at the contract's rate."""
    lot = next((v for v in profile.lots.values() if v[3] <= closed < v[4]), None)
    debited = min(hourly, max(lot[2], 0)) if lot else 0
    overage = hourly - debited if lot else 0
    entries = []
    if debited:
        lot[2] -= debited
        entries.append({"client_id": profile.client_id, "lot_id": lot[0], "kind": "debit", "minutes": -debited,
                        "ticket_id": ticket_id, "close_id": close_id, "created_at": closed})
    amount = (Decimal(overage) * Decimal("2000.00") / 60).quantize(Decimal("0.01"))
    row = {"id": close_id, "ticket_id": ticket_id, "client_id": profile.client_id,
           "contract_id": lot[1] if lot else None, "closed_at": closed, "hourly_minutes": hourly,
           "debited_minutes": debited, "overage_minutes": overage,
           "overage_rate": Decimal("2000.00") if lot else Decimal("0"), "overage_amount": amount}
    return row, entries


def _expire_and_cache(profiles: list[Profile], now: datetime) -> int:
    """Expire what lots past their date still hold; set lot remainders and client balances."""
    expiries, remainders, balances = [], [], []
    for p in profiles:
        balance = 0
        for lot_id, _contract_id, remaining, _valid_from, expires in p.lots.values():
            if expires <= now and remaining > 0:
                expiries.append({"client_id": p.client_id, "lot_id": lot_id, "kind": "expiry", "minutes": -remaining,
                                 "created_at": expires})
                remaining = 0
            remainders.append({"lot_id": lot_id, "remaining": remaining})
            balance += remaining
        if p.lots:
            balances.append({"client_id": p.client_id, "balance_minutes": balance})
    lots = HourLot.__table__
    for i in range(0, len(remainders), 5000):   # one executemany per 5,000 lots
        db.session.execute(update(lots).where(lots.c.id == bindparam("lot_id"))
                           .values(remaining_minutes=bindparam("remaining")), remainders[i:i + 5000])
    bulk(ClientBalance, balances)
    bulk(LedgerEntry, expiries)
    db.session.commit()
    return len(expiries)


def bulk(model, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `model`'s table: PostgreSQL's COPY, several
    times faster than INSERTs, else executemany in 5,000s. Python-side column defaults the rows
    leave out are filled in first (COPY knows only the database's own defaults)."""
    if not rows:
        return
    table = getattr(model, "__table__", model)
    if db.engine.dialect.name != "postgresql":
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[i:i + 5000])
        return
    given = list(rows[0])
    defaults = {column.name: column.default for column in table.columns
                if column.name not in given and column.default is not None and not column.primary_key
                and not column.default.is_sequence and not getattr(column, "_insert_sentinel", False)}
    columns = given + list(defaults)
    raw = db.session.connection().connection.driver_connection   # the psycopg connection, in our transaction
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        extra = [default.arg if default.is_scalar else default.arg(None) for default in defaults.values()]
        for row in rows:
            copy.write_row([row[name] for name in given] + extra)


SUBJECTS = ["Не печатает принтер", "Не работает почта", "Обновить 1С", "VPN не подключается", "Медленно работает сервер",
            "Создать учётную запись", "Ошибка при проведении документа", "Заменить картридж",
            "Настроить резервное копирование", "Wi-Fi в переговорной", "Password reset", "Laptop does not boot",
            "Install antivirus", "Backup failed", "Обновление конфигурации", "Не открывается отчёт",
            "Перенос базы на новый сервер", "Телефония: нет гудка"]
TAGS = ["принтер", "почта", "1С", "VPN", "сервер", "учётные записи", "резервное копирование", "сеть", "телефония",
        "обновление", "оплата", "ноутбук"]
#: the first sentence of a description, per subject above (same order)
OPENINGS_RU = ["Принтер в бухгалтерии перестал печатать, задания висят в очереди.",
               "С утра не отправляется и не приходит почта у нескольких сотрудников.",
               "Нужно обновить конфигурацию 1С до последнего релиза.",
               "VPN-клиент на удалённых рабочих местах не подключается к офису.",
               "Сервер отвечает очень медленно, документы открываются по минуте.",
               "Выходит новый сотрудник, нужна учётная запись и доступы.",
               "При проведении документа реализации 1С выдаёт ошибку.",
               "Закончился картридж в принтере на ресепшене.",
               "Нужно настроить ежедневное резервное копирование баз.",
               "В переговорной пропал Wi-Fi, гости не могут подключиться.",
               "Сотрудник забыл пароль и не может войти в систему.",
               "Ноутбук директора не загружается после обновления.",
               "На новых компьютерах нужно установить антивирус.",
               "Ночная резервная копия завершилась с ошибкой.",
               "Требуется обновление отраслевой конфигурации.",
               "Не открывается отчёт по продажам за прошлый месяц.",
               "Переезжаем на новый сервер, нужно перенести базы.",
               "В офисной телефонии на части аппаратов нет гудка."]
OPENINGS_EN = ["The accounting printer stopped printing; jobs are stuck in the queue.",
               "Mail is neither sent nor received by several people since this morning.",
               "The 1C configuration needs updating to the latest release.",
               "The VPN client on remote machines does not connect to the office.",
               "The server is very slow; documents take a minute to open.",
               "A new employee starts on Monday and needs an account and access.",
               "1C shows an error when posting a sales document.",
               "The reception printer is out of toner.",
               "We need a daily backup of the databases.",
               "The meeting room lost its Wi-Fi; guests cannot connect.",
               "An employee forgot the password and cannot log in.",
               "The director's laptop does not boot after an update.",
               "The new computers need an antivirus installed.",
               "Last night's backup ended with an error.",
               "The industry configuration needs an update.",
               "Last month's sales report does not open.",
               "We are moving to a new server; the databases need moving.",
               "Some office phones have no dial tone."]
DETAILS_RU = ["Перезагрузка не помогла.", "Проблема началась после вчерашнего обновления Windows.",
              "Срочно: сегодня сдаём отчётность.", "Скриншот ошибки прикладываем.",
              "У остальных сотрудников всё работает.", "Просим подключиться удалённо после обеда.",
              "Номер рабочего места — 14, второй этаж.", "Ошибка повторяется каждый раз.",
              "Антивирус ничего подозрительного не нашёл.", "Пробовали с другого компьютера — то же самое.",
              "Контактное лицо — главный бухгалтер, телефон в карточке клиента.",
              "Если нужно, можем выделить время в субботу."]
DETAILS_EN = ["Restarting did not help.", "It started after yesterday's Windows update.",
              "Urgent: the reports are due today.", "A screenshot of the error is attached.",
              "Everyone else is fine.", "Please connect remotely after lunch.",
              "The desk is number 14 on the second floor.", "The error happens every time.",
              "The antivirus found nothing.", "Same on another computer."]
STAFF_REPLIES = ["Добрый день! Подключаемся, посмотрим.", "Проверьте, пожалуйста, ещё раз — должно заработать.",
                 "Обновили драйвер и перезапустили службу печати.", "Нужен удалённый доступ, пришлите ID AnyDesk.",
                 "Работы выполнены, проверьте, пожалуйста.", "Hello! We are looking into it.",
                 "Please check again, it should work now."]
CLIENT_REPLIES = ["Спасибо, всё работает!", "Пока не заработало, ошибка та же.", "ID для подключения: 123 456 789.",
                  "Можно после 15:00?", "Проверили — работает, спасибо.", "Thanks, it works now.",
                  "Still the same error, sorry."]
NOTES = ["Клиент опять сам поменял настройки.", "Похоже на проблему с драйвером, нужен выезд.",
         "Согласовать с менеджером: работы сверх договора.", "Лог ошибки сохранил на сервере.",
         "Internal: check the licence count before renewing."]
FILES = [("скриншот.png", "image/png", 80_000), ("ошибка.txt", "text/plain", 2_000), ("счёт.pdf", "application/pdf", 60_000),
         ("report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 30_000)]
FIRST_NAMES = ["Анна", "Ирина", "Ольга", "Мария", "Елена", "Сергей", "Андрей", "Дмитрий", "Алексей", "Павел"]
LAST_NAMES = ["Иванова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Петров", "Волков", "Морозов", "Новиков", "Фёдоров"]

