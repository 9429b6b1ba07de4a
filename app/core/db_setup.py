"""Per-connection database settings."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the engineers' pages read while a close is being written.
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


#: database objects that migrations create but models do not describe (search indexes);
#: Alembic's comparison leaves them alone
SEARCH_OBJECTS = ("tickets_search", "ix_tickets_subject_trgm")


def include_name(name, type_, parent_names) -> bool:
    """Alembic `include_name` hook: skip the search structures and FTS5's shadow tables."""
    if name is None:
        return True
    return not any(name == obj or name.startswith(obj + "_") for obj in SEARCH_OBJECTS)
