"""Read models for client lists and the engineers' picker."""
from sqlalchemy import Select, func, or_, select
from stdnum.ru import inn as ru_inn

from app.clients.models import Client
from app.clients.operations import search_key
from app.core.text import escape_like
from app.extensions import db


def prefix_match(column, prefix: str):
    """`column` starts with `prefix`, in a form each backend answers from its index.

    PostgreSQL: LIKE 'p%' on a text_pattern_ops index. SQLite only uses an index for LIKE under
    NOCASE, so a range on the binary order (exactly the prefix set) carries the index there.
    """
    like = column.like(escape_like(prefix) + "%", escape="\\")
    if db.engine.dialect.name == "sqlite":
        return (column >= prefix) & (column < prefix + "\U0010ffff") & like
    return like


def client_search(q: str | None) -> Select:
    """Clients whose name (without its legal form) or INN starts with `q`."""
    query = select(Client)
    q = (q or "").strip()
    if q:
        digits = q.replace(" ", "")
        conditions = [prefix_match(Client.name_search, search_key(q))]
        if digits.isdigit():
            conditions.append(prefix_match(Client.inn, digits))
        query = query.where(or_(*conditions))
    return query


def client_by_inn(raw: str) -> Client | None:
    """The company with this tax id, written with or without spaces and dashes."""
    return db.session.scalar(select(Client).where(Client.inn == ru_inn.compact(raw or "")))


def picker_results(q: str, limit: int = 10) -> list[Client]:
    """What the search-as-you-type picker shows: active clients, best (shortest) names first."""
    if not (q or "").strip():
        return []
    query = client_search(q).where(Client.active.is_(True)).order_by(Client.name_search).limit(limit)
    return list(db.session.scalars(query))


def count_clients(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
