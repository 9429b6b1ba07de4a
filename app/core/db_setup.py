"""Per-connection database settings and the write lock for ledger changes."""
import select
import time
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

#: set in `g` for a request that only reads (`uow.UnitOfWorkFlask.preprocess_request`)
READ_REQUEST = "hourdesk_read_request"
#: set in `g` when a request's transaction began READ ONLY (PostgreSQL): the request may commit it
READ_ONLY_BEGAN = "hourdesk_read_only_began"

#: set while a unit of work must hold the database's write lock from its first statement
_IMMEDIATE: ContextVar[bool] = ContextVar("hourdesk_immediate", default=False)


@contextmanager
def serialized_writes(session):
    """Run the enclosed work in a transaction that owns the write lock from its start.

    SQLite: `BEGIN IMMEDIATE`, so two closes cannot both read a lot's minutes and then both write
    (a deferred transaction would fail with "database is locked" on the upgrade instead of
    waiting); any transaction still open (from reads) is committed first, so nothing read before
    the lock is trusted after it. PostgreSQL: the current transaction goes on; ledger operations
    lock the client's row `FOR UPDATE` and re-read what they decide on.
    """
    if hasattr(session, "registry"):  # a scoped_session: act on this thread's session
        session = session.registry()
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    if session.in_transaction():
        session.commit()
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_write_request() -> bool:
    """Does this request change data: a writing method, or a GET view marked `writes`?"""
    view = current_app.view_functions.get(request.endpoint)
    return request.method in WRITE_METHODS or getattr(view, "writes", False)


def init_request_transactions(app) -> None:
    """On SQLite, a request that writes takes the write lock when its transaction begins.

    A deferred transaction that reads first and writes later fails at once ("database is locked",
    SQLITE_BUSY_SNAPSHOT) if another connection committed in between, and the outbox delivery and
    the scheduler commit several times a second. Starting write requests with BEGIN IMMEDIATE
    makes them wait their turn instead (busy timeout). Reads (GET) stay concurrent.
    """
    @app.before_request
    def _begin_immediate_for_writes():
        if is_write_request():
            g._immediate_token = _IMMEDIATE.set(True)

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("_immediate_token", None)
        if token is not None:
            _IMMEDIATE.reset(token)


def read_only_reads(engine: Engine) -> None:
    """A web request that only reads (`is_write_request` false when it started) runs in a READ ONLY
    transaction: PostgreSQL refuses any write in it, so ending it with COMMIT (see
    `uow.UnitOfWorkFlask`) keeps nothing, however the view behaved. Everything else (writes, jobs,
    commands, Socket.IO handlers) begins read-write; the setting travels with the pooled connection,
    so it is set at every transaction's start (psycopg sends it with its BEGIN: no round trip)."""
    @event.listens_for(engine, "begin")
    def _read_only_for_reads(conn):
        read_only = has_request_context() and g.get(READ_REQUEST, False)
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection.read_only != read_only:
            dbapi_connection.read_only = read_only
        if read_only:
            g.setdefault(READ_ONLY_BEGAN, True)


def writes(view):
    """Mark a GET view that changes data, so it too begins with the write lock."""
    view.writes = True
    return view


def engine_options(url: str, options: dict) -> dict:
    """The engine's options for this database: SQLite waits for its write lock instead of failing at
    once; psycopg checks its connections itself (`ping_when_in_doubt`) instead of `pool_pre_ping`."""
    if url.startswith("sqlite"):
        return {**options, "connect_args": {"timeout": 15}}
    if url.startswith("postgresql+psycopg:"):
        return {**options, "pool_pre_ping": False}
    return options


#: a pooled connection unused for longer than this is pinged before use: a firewall or a NAT may
#: have forgotten it without telling either side
PING_AFTER_IDLE_SECONDS = 30.0
_IDLE_SINCE = "hourdesk_idle_since"


def ping_when_in_doubt(engine: Engine) -> None:
    """Ping a pooled connection only when it may be dead, instead of on every checkout.

    `pool_pre_ping` costs a round trip per request (0.3 ms of registering's 8 on PostgreSQL). A
    server that restarts, or ends a backend, first sends the client a FATAL message and closes the
    socket, so a connection it dropped has bytes waiting while it sits in the pool; a healthy idle
    connection has none. So a connection is pinged when its socket has something to read, or when it
    has been idle longer than `PING_AFTER_IDLE_SECONDS`; a failed ping makes the pool replace it
    (DisconnectionError), and the request goes on with a fresh connection, as with pre-ping.
    """
    @event.listens_for(engine, "checkin")
    def _note_idle_start(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_in_doubt(dbapi_connection, record, _proxy):
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None:   # connected just now, for this checkout
            return
        if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS and not _has_input(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


_PLAN_EACH_TIME = "hourdesk_plan_each_time"
#: execution options: PostgreSQL plans this statement for its own parameters on every execution
#: (psycopg does not prepare it). For statements over skewed data, such as one company's tickets
#: (the portal, the engineers' list filtered by a company): after five executions PostgreSQL may
#: settle on a generic plan made for an average company (a hundred tickets), which sorted the
#: busiest company's 72,000 open tickets on every page (100–180 ms instead of 3-15). Planning
#: costs a fraction of a millisecond.
PLAN_EACH_TIME = {_PLAN_EACH_TIME: True}


def unprepared_when_asked(engine: Engine) -> None:
    """Run statements marked `PLAN_EACH_TIME` without a prepared statement (psycopg's
    `prepare=False`), through SQLAlchemy's documented `do_execute` hook."""
    @event.listens_for(engine, "do_execute")
    def _execute_unprepared(cursor, statement, parameters, context):
        if context.execution_options.get(_PLAN_EACH_TIME):
            cursor.execute(statement, parameters, prepare=False)
            return True
        return None


def _has_input(dbapi_connection) -> bool:
    """Has the server sent anything to this idle connection (a FATAL message, or the socket's end)?"""
    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def configure_engine(engine: Engine) -> None:
    if engine.dialect.driver == "psycopg":
        read_only_reads(engine)
        ping_when_in_doubt(engine)
        unprepared_when_asked(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # pysqlite's own transaction handling is off (below); we say how each transaction begins
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the engineers' pages read while a close is being written.
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


#: database objects that migrations create but models do not describe (search indexes);
#: Alembic's comparison leaves them alone
SEARCH_OBJECTS = ("tickets_search", "ix_tickets_subject_trgm", "ticket_fts", "all_tsv", "public_tsv",
                  "ix_ticket_search_all_tsv", "ix_ticket_search_public_tsv")


def include_name(name, type_, parent_names) -> bool:
    """Alembic `include_name` hook: skip the search structures and FTS5's shadow tables."""
    if name is None:
        return True
    return not any(name == obj or name.startswith(obj + "_") for obj in SEARCH_OBJECTS)
