"""Revision 0003_reporting on a database at the previous head (0002) holding subscriptions and reminders:
every row survives the upgrade, the reporting tables work (a unit, its subscription, a status, an event, a used
token; the unique status per occurrence), and the models match the head — on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

import store.migrate
from store.db import dispose_engines, session_scope
from store.engine import normalise_url
from tests.store.test_migrations import LEGACY_ROWS, _make_legacy, _rows, _schema_diff, _version, needs_pg
from tests.store.test_migrations import pg_database  # noqa: F401 - fixture

PREVIOUS = "0002_criteria_events_pages_log"


def _at_previous_head(url: str, dialect: str) -> dict:
    _make_legacy(url, dialect)
    eng = create_engine(normalise_url(url))
    try:
        with eng.begin() as c:  # a second subscription and reminder, as a deployment at 0002 would have
            c.execute(
                text(
                    "INSERT INTO reminder_subscriptions (id, channel, chat_id, province, agency, deadline_id, scope_key,"
                    " lead_days, created_at, updated_at) VALUES (7, 'zalo', 'z-7', 'Tiền Giang', NULL, NULL,"
                    " 'Tiền Giang||', '[3]', '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
                )
            )
        cfg = store.migrate.alembic_config(url)
        with eng.begin() as c:
            cfg.attributes["connection"] = c
            command.stamp(cfg, "0001_baseline_501e347")
            command.upgrade(cfg, PREVIOUS)
    finally:
        eng.dispose()
    assert _version(url) == [PREVIOUS]
    return _rows(url)


def _check(url: str, before: dict) -> None:
    from store.reminders import Reminder, Subscription
    from store.reports import DA_NOP, ReportEvent, ReportStatus, ReportUnit, UnitSubscription, UsedToken

    store.migrate.upgrade(url)
    assert _version(url) == [store.migrate.head_revision()]  # 0003_reporting and every later revision
    assert _rows(url) == before
    assert len(before["reminder_subscriptions"]) == 2 and len(before["reminders"]) == 1
    try:
        with session_scope(url) as s:
            assert {x.chat_id for x in s.scalars(select(Subscription))} == {"12345", "z-7"}
            assert s.scalars(select(Reminder.status)).one() == "sent"
            unit = ReportUnit(name="Sở Tư pháp", province="Đắk Nông", group="Các sở, ban, ngành tỉnh", aliases=["STP"])
            s.add(unit)
            s.flush()
            s.add_all(
                [
                    UnitSubscription(subscription_id=7, unit_id=unit.id),
                    ReportStatus(
                        deadline_id="dl-x",
                        due_date=dt.date(2027, 6, 15),
                        unit_id=unit.id,
                        status=DA_NOP,
                        marked_by="cli",
                    ),
                    ReportEvent(unit_id=unit.id, unit_name=unit.name, action=DA_NOP, actor="cli"),
                    UsedToken(token_hash="a" * 64, purpose="confirm"),
                ]
            )
        with pytest.raises(IntegrityError):
            with session_scope(url) as s:
                s.add(
                    ReportStatus(
                        deadline_id="dl-x",
                        due_date=dt.date(2027, 6, 15),
                        unit_id=unit.id,
                        status="mien",
                        marked_by="cli",
                    )
                )
        with session_scope(url) as s:
            s.delete(s.get(Subscription, 7))  # a subscription's unit link goes with it
        with session_scope(url) as s:
            assert s.scalars(select(UnitSubscription)).all() == []
            assert s.scalars(select(ReportStatus.status)).one() == DA_NOP
    finally:
        dispose_engines(url)
    assert _schema_diff(url) == []


def test_sqlite_upgrade_from_0002_keeps_every_subscription_and_reminder(tmp_path):
    url = f"sqlite:///{tmp_path / 'at0002.sqlite3'}"
    before = _at_previous_head(url, "sqlite")
    assert sum(map(len, before.values())) == len(LEGACY_ROWS) + 1
    _check(url, before)


@pytest.mark.postgres
@needs_pg
def test_postgres_upgrade_from_0002_keeps_every_subscription_and_reminder(pg_database):
    before = _at_previous_head(pg_database, "postgresql")
    _check(pg_database, before)
