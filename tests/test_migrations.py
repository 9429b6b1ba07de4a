"""The migrations build the schema the models describe, from empty, on SQLite and PostgreSQL,
and downgrade back to nothing."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, inspect

from app import create_app
from app.core.db_setup import include_name
from app.extensions import db
from config import TestingConfig
from tests.conftest import MIGRATIONS, scratch_postgres_database


def _check_round_trip(url: str) -> None:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                             "include_name": include_name})
            diff = compare_metadata(context, db.metadata)
            # the comparison does see differences: against no models at all, every table is extra
            assert len(compare_metadata(context, MetaData())) >= len(db.metadata.tables)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_sqlite_upgrade_matches_models_and_downgrades(tmp_path):
    _check_round_trip(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.mark.postgres
def test_postgresql_upgrade_matches_models_and_downgrades():
    with scratch_postgres_database("hourdesk_mig") as url:
        _check_round_trip(url)


def test_sqlite_migrations_keep_data_and_search(tmp_path):
    """Batch mode rebuilds tables on SQLite: with data in them (foreign keys, search triggers), a
    downgrade and upgrade through the rebuilding revisions must keep every row and the search."""
    from app.demo import demo_cli
    from app.tickets.models import Ticket
    from app.tickets.queries import ticket_list_query

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'data.sqlite3'}")
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert app.test_cli_runner().invoke(demo_cli, ["load"]).exit_code == 0
        before = db.session.query(Ticket).count()
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="c439ffd2cfd2")   # before the SLA tables (rebuilds tickets)
        upgrade(directory=MIGRATIONS)
        db.session.remove()
        assert db.session.query(Ticket).count() == before
        assert [t.subject for t in db.session.scalars(ticket_list_query(q="принтер"))] == [
            "Не печатает принтер в бухгалтерии"]
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
