"""The unit of work: one commit per web request or job, and side effects that wait for it.

Operations flush and never commit; for a web request `UnitOfWorkFlask` commits once the view has
answered, for a scheduled job its thin wrapper does. Operations call `after_commit(fn)` to queue an
e-mail, a Socket.IO event or an announcement; the queue runs only once the session commits and is
dropped on rollback, so nobody is told about a change that never happened.
"""
from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.db_setup import READ_ONLY_BEGAN, READ_REQUEST, is_write_request, serialized_writes
from app.extensions import db

_KEY = "hourdesk_after_commit"
_BEFORE_KEY = "hourdesk_before_commit"
_ROLLBACK_KEY = "hourdesk_after_rollback"


def _this_session(session: Session) -> Session:
    if hasattr(session, "registry"):  # a scoped_session: act on this thread's session
        session = session.registry()
    if not session.in_transaction():
        session.begin()  # tie the queue to a transaction, so a rollback() is sure to drop it
    return session


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Queue `fn` to run after `session` commits."""
    _this_session(session).info.setdefault(_KEY, []).append(fn)


def before_commit(session: Session, fn: Callable[[], None], key=None) -> Callable[[], None]:
    """Run `fn` once just before `session` commits, inside the transaction: for checks that must
    see the transaction's final state (a balance after all of its entries). Whatever `fn` writes
    commits with the rest. With `key`, a second call with the same key in one transaction is ignored.
    Returns the function that will run: the one queued first under `key` (to add work to it)."""
    queue = _this_session(session).info.setdefault(_BEFORE_KEY, {})
    return queue.setdefault(key if key is not None else object(), fn)


def after_rollback(session: Session, fn: Callable[[], None]) -> None:
    """Run `fn` if the transaction rolls back (to undo what lives outside the database: a file)."""
    _this_session(session).info.setdefault(_ROLLBACK_KEY, []).append(fn)


def install(session_factory) -> None:
    @event.listens_for(session_factory, "before_commit")
    def _check(session):
        # a check may queue another (rare): run until the queue stays empty
        while queue := session.info.pop(_BEFORE_KEY, None):
            for fn in queue.values():
                fn()

    @event.listens_for(session_factory, "after_commit")
    def _run(session):
        session.info.pop(_ROLLBACK_KEY, None)
        pending = session.info.pop(_KEY, [])
        for fn in pending:
            try:
                fn()
            except Exception:  # a failed notification must not undo a committed change
                current_app.logger.exception("after-commit side effect failed")

    # "soft": fires on every rollback() call, even when no database transaction had begun yet
    @event.listens_for(session_factory, "after_soft_rollback")
    def _drop(session, previous_transaction):
        _drop_queued(session)


def _drop_queued(session: Session) -> None:
    """What a rollback does to the queues: side effects dropped, clean-ups run."""
    session.info.pop(_KEY, None)
    session.info.pop(_BEFORE_KEY, None)
    for fn in session.info.pop(_ROLLBACK_KEY, []):
        try:
            fn()
        except Exception:
            current_app.logger.exception("rollback clean-up failed")


# --- the web request as the unit of work --------------------------------------------------------

_FAILED_KEY = "_hourdesk_uow_failed"


class UnitOfWorkFlask(Flask):
    """A Flask whose requests are units of work: views call operations (which flush) and render;
    this is the one place that commits.

    A request that writes (POST/PUT/PATCH/DELETE, or a GET view marked `writes`) commits once its
    view has returned a response below 400 and no domain error was turned into a form or flash
    message (`abandon`); anything else — an exception, an error status, a read — rolls back. The
    response is built before the commit, so what the view read is what it answers.

    On PostgreSQL a read runs in a READ ONLY transaction (`db_setup.read_only_reads`) and ends with
    a COMMIT, which there can keep nothing: psycopg forgets every prepared statement on a ROLLBACK
    (and sends DEALLOCATE ALL), so pages that only read were planned anew on every request.
    """

    def preprocess_request(self):
        setattr(g, READ_REQUEST, not is_write_request())   # before any before_request handler reads
        return super().preprocess_request()

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
            if g.pop(_FAILED_KEY, False) or response.status_code >= 400:
                db.session.rollback()
            elif is_write_request():
                db.session.commit()
            elif g.pop(READ_ONLY_BEGAN, False):
                _drop_queued(db.session.registry())   # a read announces nothing, as if rolled back
                db.session.commit()
            else:
                db.session.rollback()
        except BaseException:
            db.session.rollback()
            raise
        return response


def abandon() -> None:
    """Roll the request's work back now and make sure it is not committed when the view returns:
    for a view that answers a domain error with a form error or a message instead of raising."""
    db.session.rollback()
    if has_request_context():
        g.setdefault(_FAILED_KEY, True)


@contextmanager
def job_transaction():
    """A scheduled job's or a command's unit of work: the write lock from its start (SQLite), one
    commit at the end, a rollback on any error. A job that works in batches opens one per batch."""
    with serialized_writes(db.session):
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
