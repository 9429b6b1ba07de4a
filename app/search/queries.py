"""Matching tickets by text, ranked. Stems come from `app.search.text`; each is matched as a
prefix and all must be present. SQLite ranks with FTS5's bm25, PostgreSQL with ts_rank; the
subject weighs most, then the client, then the description and comments."""
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import Float, Integer, column, func, literal_column, select, table, text

from app.core import paging
from app.extensions import db
from app.search.models import TicketSearch
from app.search.text import query_terms

_FTS = table("ticket_fts", column("rowid", Integer))
#: bm25 weights per FTS5 column: subject, description and public comments, internal comments, client
_BM25 = "bm25(ticket_fts, 8.0, 1.0, 1.0, 3.0)"


def _fts_query(terms: list[str], internal: bool) -> str:
    expression = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
    if internal:
        return expression
    return "{subject_terms body_terms client_terms} : (" + expression + ")"


#: PostgreSQL: a planner's estimate above this is not checked by counting (`count_matches`)
ESTIMATE_TRUSTED = 10_000

#: up to this many matches are ranked by relevance; more (a word in every other ticket) come newest
#: first: scoring tens of thousands of rows would cost more than the page's whole budget
RANK_AT_MOST = 1000


def _condition(terms: list[str], internal: bool):
    """(the WHERE clause, the score expression) for tickets matching every stem."""
    if db.engine.dialect.name == "sqlite":
        return (text("ticket_fts MATCH :fts").bindparams(fts=_fts_query(terms, internal)),
                literal_column(_BM25, Float))
    vector = literal_column("all_tsv" if internal else "public_tsv")
    query = func.to_tsquery("simple", " & ".join(_pg_term(term) + ":*" for term in terms))
    return vector.op("@@")(query), -func.ts_rank(vector, query)


def _source():
    return (_FTS, _FTS.c.rowid) if db.engine.dialect.name == "sqlite" else (TicketSearch, TicketSearch.ticket_id)


@dataclass(frozen=True)
class MatchCount:
    count: int
    #: "exact"; "at_least": counting stopped at COUNT_AT_MOST; "estimate": the planner's guess
    kind: str = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"


def count_matches(q: str, *, internal: bool) -> MatchCount:
    """How many tickets match every word of `q`. SQLite's FTS5 counts from its index alone, up to
    COUNT_AT_MOST (a common word is in a third of ten years of tickets). PostgreSQL must visit each
    matching row: it asks the planner first, takes an estimate over ESTIMATE_TRUSTED as it is, and
    otherwise counts up to RANK_AT_MOST (past that, the estimate again). Once per request: the list
    asks, then its pager."""
    terms = query_terms(q)
    if not terms:
        return MatchCount(0)
    key = ("search_count", tuple(terms), internal)   # a tuple: no attribute name can clash with it
    if has_app_context() and key in g:
        return g.get(key)
    where, _ = _condition(terms, internal)
    source, ident = _source()
    sqlite = db.engine.dialect.name == "sqlite"
    matching_ids = select(ident).select_from(source).where(where)
    # PostgreSQL's GIN index hands over all of a common word's matches before the first is counted
    # (a quarter of a second for two common words in 3 M tickets): when the planner expects many
    # more than it would rank, its estimate is the answer
    estimate = None if sqlite else _estimate(matching_ids)
    if estimate is not None and estimate > ESTIMATE_TRUSTED:
        found = MatchCount(estimate, "estimate")
    else:
        at_most = paging.COUNT_AT_MOST if sqlite else RANK_AT_MOST
        count = db.session.scalar(select(func.count()).select_from(matching_ids.limit(at_most + 1).subquery())) or 0
        if count <= at_most:
            found = MatchCount(count)
        elif sqlite:
            found = MatchCount(paging.COUNT_AT_MOST, "at_least")
        else:
            found = MatchCount(max(estimate, count), "estimate")
    if has_app_context():
        g.__dict__[key] = found
    return found


def _estimate(query) -> int:
    """PostgreSQL's estimate of the rows a query returns (EXPLAIN, not running it)."""
    compiled = query.compile(dialect=db.engine.dialect)
    plan = db.session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def matching(q: str, *, internal: bool):
    """A subquery of (ticket_id, score) for the tickets matching every word of `q` (a lower score
    ranks higher; only ticket_id when there are too many to rank), or None when `q` has no word to
    search for. `internal`: internal comments count (staff); contacts never match a ticket by its
    internal comments."""
    terms = query_terms(q)
    if not terms:
        return None
    where, score = _condition(terms, internal)
    source, ident = _source()
    if count_matches(q, internal=internal).count > RANK_AT_MOST:
        return select(ident.label("ticket_id")).select_from(source).where(where).subquery("matches")
    # few, counted: found first, then joined (left to itself, PostgreSQL's planner may walk millions
    # of tickets in a list's order testing each, when it expects more matches than there are)
    return (select(ident.label("ticket_id"), score.label("score")).select_from(source).where(where)
            .cte("word_matches").prefix_with("MATERIALIZED"))


def _pg_term(term: str) -> str:
    # a stem is letters and digits only (app.search.text), but quote it anyway: tsquery syntax
    return "'" + term.replace("'", "''").replace("\\", "\\\\") + "'"
