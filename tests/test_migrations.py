"""The schema comes only from migrations: an empty database upgraded to head matches the models."""

from __future__ import annotations

import sqlalchemy as sa
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
        if db.engine.dialect.name == "sqlite":  # the migration turned them off on its own connection only
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
    assert differences == []
    assert {"contest", "event", "event_part", "user_account", "audit_entry", "competitor"} <= tables


def test_decision_reasons_move_to_shared_rows_and_back(tmp_path):
    """8a3f5d1c6e24 moves each decision's reason data into promotion_reason (one row per distinct data,
    addressed by its digest); its downgrade puts the data back in every row."""
    from flask_migrate import downgrade, upgrade

    from competition.promotion import services
    from tests.promotion.test_workflow import NOW, finished_contest

    app = migrated_app(database_url(tmp_path, "reasons"), tmp_path)
    with app.app_context():
        world = finished_contest()
        finished_contest(body=world.contest.body, organizer=world.organizer)
        for contest in services.year_contests(world.contest.body_id, 2026):
            services.evaluate_contest(contest, actor=world.organizer, now=NOW)
        for decision in services.decisions_of(world.contest):
            if decision.actionable:  # confirmed: the level history links to its decision
                services._apply(decision, actor=world.organizer, now=NOW)
        db.session.commit()
        links = sa.text("SELECT id, decision_id FROM level_record ORDER BY id")
        level_links = db.session.execute(links).all()
        assert sum(d is not None for _, d in level_links) == 10  # the ten promotions
        select = sa.text("SELECT id, reason_digest FROM promotion_decision ORDER BY id")
        digests = db.session.execute(select).all()
        data = {d: services.reason_digest(_json(v)) for d, v in _reasons()}
        assert len(digests) == 22 and len(data) == 11 and all(d == k for d, k in data.items())
        db.session.remove()

        downgrade(revision="5c8e1a7d3b92")
        rows = db.session.execute(sa.text("SELECT id, reason_data FROM promotion_decision ORDER BY id")).all()
        db.session.remove()
        assert [services.reason_digest(_json(v)) for _, v in rows] == [d for _, d in digests]
        assert "promotion_reason" not in db.inspect(db.engine).get_table_names()

        assert db.session.execute(links).all() == level_links  # rebuilding the table kept the links
        db.session.remove()

        upgrade()
        assert db.session.execute(select).all() == digests
        assert db.session.execute(links).all() == level_links
        assert {d: services.reason_digest(_json(v)) for d, v in _reasons()} == data
        db.session.remove()
        db.engine.dispose()


def _reasons():
    return db.session.execute(
        sa.select(sa.text("digest, data")).select_from(sa.text("promotion_reason"))
    ).all()


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value
