"""The schema comes only from migrations: an empty database upgraded to head matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from competition.extensions import db
from tests.conftest import database_url, migrated_app


def test_upgrade_from_empty_matches_models(tmp_path):
    app = migrated_app(database_url(tmp_path, "migrations"), tmp_path)
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        tables = set(db.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"contest", "event", "event_part", "user_account", "audit_entry", "competitor"} <= tables
