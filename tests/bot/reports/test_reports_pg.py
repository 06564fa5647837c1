"""The reporting loop on PostgreSQL: units registered, a unit's occurrence marked sent stops the reminders of all
its subscribers (pending rows cancelled, the sweeper checks again), undo resumes them, the status table and the
audit agree — the same as on SQLite (tests/bot/reports/test_reports_cli.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.reports.status import mark, status_table, undo
from bot.reports.units import parse_csv, register_units
from store.db import session_scope
from store.reminders import Reminder
from store.reports import ReportEvent
from tests.bot.reports.test_reports_cli import UNITS_CSV, _subscribe_unit, _tick, at
from tests.store.test_migrations import needs_pg
from tests.store.test_migrations import pg_database  # noqa: F401 - fixture
from tests.support.reminders import make_store, settings_for

pytestmark = [pytest.mark.postgres, needs_pg]


def test_mark_and_undo_on_postgres(pg_database, tmp_path):
    url = pg_database
    make_store(url)
    with session_scope(url) as s:
        register_units(s, parse_csv(UNITS_CSV), "test")
    settings = settings_for(url, tmp_path)
    for chat, unit in (("stp-1", "Sở Tư pháp"), ("stp-2", "Sở Tư pháp"), ("syt", "Sở Y tế")):
        _subscribe_unit(url, chat, unit, at(2026, 1, 1))
    _tick(settings, at(2026, 12, 1))
    res = mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "chị Lan")
    assert res.changed and res.cancelled == 2
    with session_scope(url) as s:
        assert sorted(
            s.scalars(
                select(Reminder.status).where(
                    Reminder.deadline_id == "dl-daknong-1512", Reminder.due_date == dt.date(2026, 12, 15)
                )
            )
        ) == [
            "cancelled",
            "cancelled",
            "pending",
        ]
    assert [c for c, _ in _tick(settings, at(2026, 12, 8))] == ["syt"]
    occ = [o for o in status_table(url, dt.date(2026, 12, 16), due_within=0) if o.deadline_id == "dl-daknong-1512"][-1]
    assert [(u.unit, u.status) for u in occ.units] == [("Sở Tư pháp", "da_nop"), ("Sở Y tế", "qua_han")]
    undo(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "admin")
    assert sorted(c for c, _ in _tick(settings, at(2026, 12, 8, 9))) == ["stp-1", "stp-2"]
    with session_scope(url) as s:
        assert [e.action for e in s.scalars(select(ReportEvent).order_by(ReportEvent.id))][-5:] == [
            "da_nop",
            "gui",
            "hoan_tac",
            "gui",
            "gui",
        ]
