"""The unit of work: side effects wait for the commit.

Operations call `after_commit(fn)` to queue an e-mail, a Socket.IO event or an announcement; the
queue runs only once the session commits and is dropped on rollback, so nobody is told about a
change that never happened.
"""
from collections.abc import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "hourdesk_after_commit"


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Queue `fn` to run after `session` commits."""
    if hasattr(session, "registry"):  # a scoped_session: act on this thread's session
        session = session.registry()
    if not session.in_transaction():
        session.begin()  # tie the queue to a transaction, so a rollback() is sure to drop it
    session.info.setdefault(_KEY, []).append(fn)


def install(session_factory) -> None:
    @event.listens_for(session_factory, "after_commit")
    def _run(session):
        pending = session.info.pop(_KEY, [])
        for fn in pending:
            try:
                fn()
            except Exception:  # a failed notification must not undo a committed change
                current_app.logger.exception("after-commit side effect failed")

    # "soft": fires on every rollback() call, even when no database transaction had begun yet
    @event.listens_for(session_factory, "after_soft_rollback")
    def _drop(session, previous_transaction):
        session.info.pop(_KEY, None)
