"""Reminders over the real store built by the indexer from knowledge/."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from tests.support.reminders import ENV_KEYS, ROOT

pytestmark = pytest.mark.slow

EXPECTED_3597 = (
    "🔔 Còn 7 ngày: báo cáo năm tình hình thực hiện gửi Sở GDĐT (hạn 15/12/2026)\n"
    "Đơn vị báo cáo: các Sở, ngành, đơn vị và UBND các huyện, thành phố\n"
    "Nguồn: Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, mục Phần kết\n"
    "⚠️ Lưu ý: từ 01/7/2025 chính quyền địa phương có hai cấp (tỉnh và xã), không còn cấp huyện; "
    "Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025."
)  # issue 12; issue 19: a secretary's note


def _run(args, env, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_reminders_from_the_indexed_knowledge(store_copy, tmp_path):
    """A private copy of the store the indexer built from knowledge/ (tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), HOCTAP_DATA_DIR="")
    data = store_copy
    p = _run(
        [
            "bot",
            "--data-dir",
            str(data),
            "subscribe",
            "--channel",
            "console",
            "--chat-id",
            "dn",
            "--scope",
            "Đắk Nông",
            "--now",
            "2026-01-01T00:00:00+07:00",
        ],
        env,
    )
    assert p.returncode == 0, p.stderr
    p = _run(
        [
            "bot",
            "--data-dir",
            str(data),
            "subscribe",
            "--channel",
            "console",
            "--chat-id",
            "all",
            "--now",
            "2026-01-01T00:00:00+07:00",
        ],
        env,
    )
    assert p.returncode == 0, p.stderr
    p = _run(["bot", "--data-dir", str(data), "remind", "tick", "--now", "2026-12-08T08:00:00+07:00"], env)
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    mine = [x for x in lines if x["chat_id"] == "dn"]
    assert [(x["due_date"], x["lead_days"], x["text"]) for x in mine] == [("2026-12-15", 7, EXPECTED_3597)]

    # every indexed deadline with a date ahead has its reminders planned for the "all" subscription
    from bot.config import load_settings
    from store.db import session_scope
    from store.knowledge import Deadline
    from bot.occurrences import occurrences
    from store.reminders import Reminder

    settings = load_settings(data)
    start = dt.date(2026, 12, 8)
    with session_scope(settings.database_url) as s:
        dls = list(s.scalars(select(Deadline)))
        planned = {
            (r.deadline_id, r.due_date, r.lead_days)
            for r in s.scalars(select(Reminder).where(Reminder.chat_id == "all"))
        }
    assert dls, "the indexer extracted no deadlines"
    want = set()
    for d in dls:
        for due in occurrences(d, start, start + dt.timedelta(days=400)):
            for lead in (7, 1):
                if due - dt.timedelta(days=lead) >= start:
                    want.add((d.id, due, lead))
    assert want and want <= planned
    recurring = {d.id for d in dls if d.recurrence != "once"}
    assert recurring and recurring <= {x[0] for x in planned}
    # and the calendar has them all
    import icalendar

    ics = tmp_path / "han.ics"
    p = _run(["bot", "--data-dir", str(data), "calendar", "--out", str(ics)], env)
    assert p.returncode == 0, p.stderr
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert {f"{d.id}@hoctap.xhht" for d in dls if d.due_month or d.due_year} == uids
