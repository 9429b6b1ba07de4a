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
