"""SQL pieces that differ between SQLite and PostgreSQL, written so both give the same answers.

Dates (a line's `performed_on`) are grouped by their text (`YYYY-MM-DD`, `YYYY-MM`, the Monday of
the ISO week); instants (a ticket's `created_at`) are grouped by office-time boundaries computed in
Python and compared in SQL, so months follow the office's time zone on both backends.
"""
from datetime import datetime

from sqlalchemy import Integer, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from app.extensions import db


def dialect() -> str:
    return db.engine.dialect.name


def date_bucket(column, grain: str) -> ColumnElement:
    """The day, the Monday of the week, or the month of a DATE column, as `YYYY-MM-DD` / `YYYY-MM` text."""
    if dialect() == "postgresql":
        if grain == "day":
            return func.to_char(column, "YYYY-MM-DD")
        if grain == "week":
            return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
        return func.to_char(column, "YYYY-MM")
    if grain == "day":
        return func.strftime("%Y-%m-%d", column)
    if grain == "week":
        return func.date(column, "-6 days", "weekday 1")
    return func.strftime("%Y-%m", column)


def instant_bucket(column, boundaries: list[tuple[str, datetime, datetime]]) -> ColumnElement:
    """The label of the [start, end) interval an instant falls in (NULL outside them all)."""
    return case(*[((column >= start) & (column < end), literal(label)) for label, start, end in boundaries],
                else_=None)


def minutes_between(start, end) -> ColumnElement:
    """Minutes from one instant to another (fractional; callers round the aggregate)."""
    if dialect() == "postgresql":
        return func.extract("epoch", end - start) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def cents(column) -> ColumnElement:
    """A money column as whole cents, so sums are exact on both backends (SQLite has no decimal)."""
    return cast(func.round(column * 100), Integer)


def total_if(condition, value) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)
