"""A pager for lists that may hold millions of rows: it counts at most `COUNT_AT_MOST` of them.

Counting every row of a ten-year desk on each load would cost more than the page itself, and
nobody reads the difference between 10,000 and 2,874,113 tickets. So a list counts up to the cap
and then says "10,000+"; a count the search index already knows (exact or estimated) is taken as
it is. Pages go as deep as the cap: further rows are reached by narrowing the filter, searching or
reversing the sort, since an OFFSET of millions walks millions of index entries.
"""
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import func, literal_column, select

#: rows counted (and pages offered) at most
COUNT_AT_MOST = 10_000


class CappedPagination(SelectPagination):
    """Flask-SQLAlchemy's pager with a bounded count. `total` is exact when `at_least` is False;
    otherwise at least that many rows match (`estimated`: the total is the search index's guess).
    Uncounted (`uncounted=True`), it reads one row past the page to know whether another follows."""

    at_least = False
    estimated = False

    def _query_items(self) -> list:
        if not self._query_args.get("uncounted"):
            return super()._query_items()
        statement = self._query_args["select"].limit(self.per_page + 1).offset(self._query_offset)
        items = list(self._query_args["session"].execute(statement).unique().scalars())
        self.at_least = len(items) > self.per_page
        return items[:self.per_page]

    def _query_count(self) -> int:
        counted, self.at_least = capped_count(self._query_args["session"], self._query_args["select"])
        return counted

    @property
    def pages(self) -> int:
        if self._query_args.get("uncounted"):
            return min(self.page + self.at_least, last_page(self.per_page))
        return min(super().pages, last_page(self.per_page))


def capped_count(session, statement) -> tuple[int, bool]:
    """(rows of `statement`, counted up to COUNT_AT_MOST; True: there are more than that)."""
    # a constant, not the rows: PostgreSQL then counts from the indexes without reading each row.
    # Both numbers are written into the SQL: as parameters, PostgreSQL's generic plan for the
    # prepared statement could not know the cap, and it planned every count anew.
    capped = (statement.with_only_columns(literal_column("1"), maintain_column_froms=True)
              .order_by(None).limit(literal_column(str(int(COUNT_AT_MOST) + 1))).subquery())
    # with the list's execution options (a list planned for its own parameters is counted so too)
    count = select(func.count()).select_from(capped).execution_options(**statement.get_execution_options())
    counted = session.execute(count).scalar() or 0
    return min(counted, COUNT_AT_MOST), counted > COUNT_AT_MOST


def last_page(per_page: int) -> int:
    """The deepest page a list offers."""
    return max(1, COUNT_AT_MOST // per_page)


def capped_paginate(session, statement, *, page: int, per_page: int, total=None,
                    uncounted: bool = False) -> CappedPagination:
    """A page of `statement`. `total`: a count known already (`.count` and `.kind`, as the search
    index gives it: `app.search.queries.MatchCount`), so the rows are not counted again.
    `uncounted`: counting would cost more than the page (a filter over a word in a third of the
    tickets); the page then says how many it has seen so far, "+" when more follow."""
    page = min(max(page, 1), last_page(per_page))
    pager = CappedPagination(page=page, per_page=per_page, max_per_page=None, error_out=False,
                             count=total is None and not uncounted, select=statement, session=session,
                             uncounted=uncounted)
    if uncounted:
        pager.total = pager._query_offset + len(pager.items)
    elif total is not None:
        pager.total = total.count
        pager.at_least, pager.estimated = total.kind == "at_least", total.kind == "estimate"
    return pager
