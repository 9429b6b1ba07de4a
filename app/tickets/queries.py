"""Read models for ticket lists and the engineer's dashboard."""
import time
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, false, func, literal, select, union_all
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.clients.models import Client
from app.core import paging
from app.core.db_setup import PLAN_EACH_TIME
from app.core.sql import constants_in
from app.extensions import db
from app.notifications.models import StaffNotice
from app.search import queries as search_queries
from app.tickets.lifecycle import ACTIVE_STATUSES, SLA_ACTIVE_STATUSES, STATUSES
from app.tickets.models import PRIORITY_RANK, Tag, Ticket, TicketChange, tag_key, ticket_tags

SORTS = {
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
    "priority": (Ticket.priority_rank.asc(), Ticket.created_at.desc(), Ticket.id.desc()),
    "due": (Ticket.resolution_due_at.is_(None), Ticket.resolution_due_at.asc(), Ticket.id.asc()),
}


def status_in(*statuses: str):
    """`status IN (…)` with the statuses written as constants (`core.sql.constants_in`): with a
    parameter SQLite took `open`, a few hundred of three million, for a sixth of the tickets and
    walked every ticket by urgency to find them; and the constants match the partial indexes'
    conditions (ACTIVE_SQL, CLOCK_RUNNING_SQL)."""
    unknown = set(statuses) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown statuses {sorted(unknown)}")
    return constants_in(Ticket.status, statuses)


def of_company(query: Select, client_id: int) -> Select:
    """`query` narrowed to one company's tickets, planned for that company on every execution
    (`PLAN_EACH_TIME`): the largest has thousands of times the tickets of an average one, and a plan
    kept for an average company sorted all of the largest's (100–180 ms at 3 M)."""
    return query.where(Ticket.client_id == client_id).execution_options(**PLAN_EACH_TIME)


def ticket_list_query(*, status: str | None = None, priority: str | None = None,
                      assignee_id: int | str | None = None, client_id: int | None = None,
                      q: str | None = None, sort: str | None = None, internal: bool = True,
                      tag: str | None = None) -> Select:
    """Tickets filtered as the list page and the API ask. `assignee_id` may be 'none'
    (unassigned). `q` finds the number (#123 or 123) and words, in any of their forms, in the
    subject, description, comments (internal ones only with `internal`: staff), client name and
    INN; the results come best first unless another `sort` is asked for (past RANK_AT_MOST matches
    nothing is ranked: newest first). Newest first along a search's or a tag's own index means by
    number, the order tickets were registered in."""
    # selectinload, not a join: the page query stays on one table so it can walk an index in order
    query = select(Ticket).options(selectinload(Ticket.client), selectinload(Ticket.assignee))
    if status == "active":
        query = query.where(status_in(*ACTIVE_STATUSES))
    elif status:
        query = query.where(status_in(status))
    if priority:
        # by rank: the index of the urgency sort then finds them newest first, and counts them
        query = query.where(Ticket.priority_rank == PRIORITY_RANK[priority])
    if assignee_id == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee_id:
        query = query.where(Ticket.assignee_id == int(assignee_id))
    if client_id:
        query = of_company(query, client_id)
    q = (q or "").strip()
    # Newest first with no selective filter (one client's, one engineer's): a tag's or a search's
    # own index hands its tickets out by number, newest first, so a page reads its 25 rows and
    # stops; a status or priority only skips some on the way
    by_number = sort in (None, "", "newest") and not (assignee_id or client_id)
    if tag:
        tag_id = db.session.scalar(select(Tag.id).where(Tag.name_key == tag_key(tag)))
        if tag_id is None:
            return query.where(false())
        tagged = select(ticket_tags.c.ticket_id).where(ticket_tags.c.tag_id == tag_id)
        if by_number and not q:
            tagged = tagged.subquery()
            return query.join(tagged, tagged.c.ticket_id == Ticket.id).order_by(tagged.c.ticket_id.desc())
        query = query.where(Ticket.id.in_(tagged))
    if not q:
        return query.order_by(*SORTS.get(sort or "newest", SORTS["newest"]))
    matches = text_matches(q, internal=internal)
    if matches is None:
        return query.where(false())
    if "score" not in matches.c and ticket_number(q) is None and by_number and not tag:
        return query.join(matches, matches.c.ticket_id == Ticket.id).order_by(matches.c.ticket_id.desc())
    if "score" not in matches.c:
        # too many to rank: in the list's own order, walking the tickets' index for it and stopping
        # at the page (`id + 0`: looking each match up by its key instead would sort them all)
        return query.where((Ticket.id + 0).in_(select(matches.c.ticket_id))).order_by(
            *SORTS.get(sort or "newest", SORTS["newest"]))
    query = query.join(matches, matches.c.ticket_id == Ticket.id)
    if sort in SORTS:
        return query.order_by(*SORTS[sort])
    return query.order_by(matches.c.score, Ticket.id.desc())


def text_matches(q: str, *, internal: bool):
    """(ticket_id, score) of the tickets `q` finds, the ticket numbered `q` first; only ticket_id
    when they are too many to rank; None: nothing can match."""
    exact = ticket_number(q)
    words = search_queries.matching(q, internal=internal)
    if exact is None:
        return words
    by_number = select(literal(exact).label("ticket_id"), literal(-1e9).label("score"))
    if words is None:
        return by_number.subquery("matches")
    if "score" not in words.c:
        return union_all(select(words.c.ticket_id), select(literal(exact))).subquery("matches")
    both = union_all(select(words.c.ticket_id, words.c.score), by_number).subquery("candidates")
    # the numbered ticket may match by its words too: once, with the better score
    return (select(both.c.ticket_id, func.min(both.c.score).label("score")).group_by(both.c.ticket_id)
            .subquery("matches"))


def ticket_number(q: str) -> int | None:
    """The ticket number `q` names (123 or #123); a longer run of digits is an INN or a phone."""
    digits = q.strip().lstrip("#")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def search_total(q: str, *, internal: bool):
    """How many tickets the words of `q` find, whatever the other filters, from the index
    (`MatchCount`); None for a ticket number, whose list counts its own rows."""
    if ticket_number(q) is not None:
        return None
    return search_queries.count_matches(q, internal=internal)


def list_count(*, status=None, priority=None, assignee_id=None, client_id=None, q: str = "", tag=None):
    """What the engineers' list knows of its count before counting its rows, as `ticket_list_query`
    filters them: (a count known already, or None: count the rows; True: do not count at all).
    A plain search's matches the search index counted (or estimated), a tag's its own index counts;
    a filter over more matches than a list counts is not counted (the page says "25+")."""
    words = search_total(q, internal=True) if q else None
    filtered = any((status, priority, assignee_id, client_id, tag))
    if tag and not q and not any((status, priority, assignee_id, client_id)):
        return tag_total(tag), False
    if not filtered:
        return words, False
    return None, bool(words and not words.exact)


def tag_total(tag: str) -> search_queries.MatchCount:
    """How many tickets carry `tag`, from the tag's own index alone, up to the lists' cap."""
    counted, more = paging.capped_count(db.session, select(ticket_tags.c.ticket_id).join(
        Tag, Tag.id == ticket_tags.c.tag_id).where(Tag.name_key == tag_key(tag)))
    return search_queries.MatchCount(counted, "at_least" if more else "exact")


#: the tag uses that rank the suggestions: the latest ones, so the cost does not grow with the years
RECENT_TAG_USES = 5_000


#: seconds a process reuses the tag suggestions (a tag created here forgets them at once)
TAG_NAMES_SECONDS = 60
_tag_names_cache: dict[str, tuple[float, list[str]]] = {}


def tag_names(limit: int = 300) -> list[str]:
    """The tags, most used lately first (the suggestions of a tag field; every ticket page and
    form offers them, so they are read once a minute per process, not on each page)."""
    key = f"{db.engine.url}|{limit}"
    cached = _tag_names_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    names = _tag_names(limit)
    _tag_names_cache[key] = (time.monotonic() + TAG_NAMES_SECONDS, names)
    return names


def forget_tag_names() -> None:
    """A tag was created: the next suggestions read them again."""
    _tag_names_cache.clear()


def _tag_names(limit: int) -> list[str]:
    recent = (select(ticket_tags.c.tag_id).order_by(ticket_tags.c.ticket_id.desc())
              .limit(RECENT_TAG_USES).subquery())
    uses = select(recent.c.tag_id, func.count().label("uses")).group_by(recent.c.tag_id).subquery()
    return list(db.session.scalars(select(Tag.name).outerjoin(uses, uses.c.tag_id == Tag.id)
                                   .order_by(func.coalesce(uses.c.uses, 0).desc(), Tag.name).limit(limit)))


def dashboard_queues(user_id: int, now: datetime, *, my_clients: bool = False) -> dict[str, Select]:
    """The home page's queues as statements, each in the order of its own partial index (tests read
    their plans): nobody acknowledged, nobody's, mine (most urgent, then oldest), overdue."""
    base = select(Ticket).options(selectinload(Ticket.client), selectinload(Ticket.assignee))
    if my_clients:
        base = base.where(Ticket.client_id.in_(select(Client.id).where(Client.account_manager_id == user_id)))
    # the statuses as constants, as the partial indexes' conditions name them (ACTIVE_SQL, CLOCK_RUNNING_SQL)
    active, clock_running = status_in(*ACTIVE_STATUSES), status_in(*SLA_ACTIVE_STATUSES)
    urgent_oldest = (Ticket.priority_rank, Ticket.created_at)
    return {
        "unacknowledged": base.where(status_in("open")).order_by(*urgent_oldest),
        "unassigned": base.where(Ticket.assignee_id.is_(None), active).order_by(*urgent_oldest),
        "mine": base.where(Ticket.assignee_id == user_id, active).order_by(*urgent_oldest),
        "overdue": base.where(clock_running, Ticket.resolution_due_at < now).order_by(Ticket.resolution_due_at),
    }


def dashboard(user_id: int, now: datetime, limit: int = 10, *, my_clients: bool = False) -> dict:
    """The engineer's home: tickets nobody acknowledged (oldest first), nobody's, mine, overdue;
    with `my_clients`, only the clients the user is account manager of. `attention`: ids of tickets
    with news for the user they have not read (the client replied, it was reopened)."""
    result = {}
    for name, query in dashboard_queues(user_id, now, my_clients=my_clients).items():
        result[name] = list(db.session.scalars(query.limit(limit)))
        # counted up to the lists' cap: a large backlog shows "10,000+" (`<name>_more`)
        result[name + "_count"], result[name + "_more"] = paging.capped_count(db.session, query)
    result["attention"] = set(db.session.scalars(select(StaffNotice.ticket_id).where(
        StaffNotice.user_id == user_id, StaffNotice.read_at.is_(None),
        StaffNotice.kind.in_(("client_replied", "reopened")))))
    return result


# built once per database, on first use: building it took longer than running it
@cache
def _ticket_page_statement(dialect: str):
    # PostgreSQL joins the tags and the files to the ticket's row (two statements fewer, each a
    # round trip); SQLite's planner reads the tag links by tag for that join, all of them (0.5 s)
    many = joinedload if dialect == "postgresql" else selectinload
    return select(Ticket).where(Ticket.id == bindparam("ticket_id")).options(
        joinedload(Ticket.rating), joinedload(Ticket.requester), many(Ticket.tags), many(Ticket.attachments),
        selectinload(Ticket.comments))


def ticket_page(ticket_id: int) -> Ticket | None:
    """The ticket with what its page shows loaded in one query per relationship, not one per comment."""
    statement = _ticket_page_statement(db.session.get_bind().dialect.name)
    ticket = db.session.scalars(statement, {"ticket_id": ticket_id}).unique().first()
    if ticket is not None:
        # the comments' files are among the ticket's files, read already
        for comment in ticket.comments:
            set_committed_value(comment, "attachments", [a for a in ticket.attachments if a.comment_id == comment.id])
    return ticket


def history(ticket_id: int) -> list[TicketChange]:
    """A ticket's changes, oldest first. Their people load lazily: a history names a few, mostly
    staff, whom the ticket page holds already, so they are found in the session."""
    return list(db.session.scalars(_history_statement(), {"ticket_id": ticket_id}))


@cache
def _history_statement():
    return select(TicketChange).where(TicketChange.ticket_id == bindparam("ticket_id")).order_by(TicketChange.id)
