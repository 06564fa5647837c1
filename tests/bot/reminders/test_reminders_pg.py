"""Two sweeper processes at once against PostgreSQL: every reminder delivered, none twice.

Needs HOCTAP_TEST_POSTGRES_URL (`.ci/run` sets it to postgresql://postgres@127.0.0.1:5432/test).
Each run works in its own schema, dropped afterwards, so parallel runs do not clash.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support.pg import pg_schema
from tests.support.reminders import WORKER, ENV_KEYS, ROOT, bulk_deadlines, make_store

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL,
        reason="HOCTAP_TEST_POSTGRES_URL is not set: the two-worker PostgreSQL test needs a server "
        "(e.g. HOCTAP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test, as .ci/run sets)",
    ),
]

LOCAL = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def pg_schema_url():
    with pg_schema(PG_URL, prefix="hoctap_rem") as url:
        yield url


def test_two_workers_no_duplicates(pg_schema_url, tmp_path):
    from store.db import session_scope
    from bot.reminders import subscribe
    from store.reminders import Reminder

    url = pg_schema_url
    make_store(url, bulk_deadlines(60, dt.date(2026, 12, 15)))
    chats = [f"c{i}" for i in range(4)]
    for chat in chats:
        subscribe(
            url,
            channel="console",
            chat_id=chat,
            province="Đắk Nông",
            lead_days=(7, 1),
            now=dt.datetime(2026, 1, 1, tzinfo=LOCAL),
        )
    expected = {(c, f"dl-bulk-{i:04d}") for c in chats for i in range(60)} | {(c, "dl-daknong-1512") for c in chats}

    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), HOCTAP_REMIND_BATCH="5")
    go = tmp_path / "go"
    now = dt.datetime(2026, 12, 8, 8, 0, tzinfo=LOCAL).isoformat()
    procs, outs = [], []
    for w in range(2):
        out = tmp_path / f"w{w}.out"
        outs.append(out)
        with open(out, "wb") as fo:
            procs.append(
                subprocess.Popen(
                    [*WORKER, "--db", url, "--now", now, "--delay", "0.004", "--until-idle", "--go-file", str(go)],
                    cwd=ROOT,
                    env=env,
                    stdout=fo,
                    stderr=subprocess.PIPE,
                )
            )
    # both have imported everything: start them together (both plan, then both claim)
    for p in procs:
        line = p.stderr.readline()
        assert b"worker_ready" in line, line
    t0 = time.monotonic()
    go.touch()
    for p in procs:
        p.wait(timeout=120)
        err = p.stderr.read().decode()
        assert p.returncode == 0, err
        p.stderr.close()
    elapsed = time.monotonic() - t0

    per_worker = [[(x["chat_id"], x["deadline_id"]) for x in map(json.loads, o.read_text().splitlines())] for o in outs]
    everything = per_worker[0] + per_worker[1]
    dupes = [k for k, c in Counter(everything).items() if c > 1]
    assert not dupes, f"delivered twice: {dupes[:5]}"
    assert set(everything) == expected
    assert all(n > 0 for n in map(len, per_worker)), f"one worker did all the work: {list(map(len, per_worker))}"
    with session_scope(url) as s:
        st = dict(
            s.execute(
                select(Reminder.status, func.count())
                .where(Reminder.lead_days == 7, Reminder.due_date == dt.date(2026, 12, 15))
                .group_by(Reminder.status)
            ).all()
        )
        total_rows = s.execute(select(func.count()).select_from(Reminder)).scalar_one()
    assert st == {"sent": len(expected)}
    # both planned at once: still one row per (subscription, deadline, occurrence, lead time)
    with session_scope(url) as s:
        keys = s.execute(
            select(Reminder.subscription_id, Reminder.deadline_id, Reminder.due_date, Reminder.lead_days)
        ).all()
    assert len(keys) == len(set(map(tuple, keys))) == total_rows
    print(
        f"\ntwo PostgreSQL workers: {len(everything)} reminders ({len(per_worker[0])} + {len(per_worker[1])}), "
        f"{elapsed:.2f}s"
    )


def test_claim_takes_at_most_the_batch_and_skips_locked_rows(pg_schema_url):
    """Two claims in overlapping transactions get disjoint batches of the requested size."""
    import threading

    from bot.reminders import planner, subscribe, sweeper
    from bot.config import ReminderConfig

    url = pg_schema_url
    make_store(url, bulk_deadlines(20, dt.date(2026, 12, 15)))
    subscribe(
        url,
        channel="console",
        chat_id="c",
        province="Đắk Nông",
        lead_days=(7,),
        now=dt.datetime(2026, 1, 1, tzinfo=LOCAL),
    )
    cfg = ReminderConfig(batch_size=5)
    now = dt.datetime(2026, 12, 8, 8, 0, tzinfo=LOCAL)
    planner.plan(url, cfg, now)
    # hold the first claim's transaction open while the second one runs
    from store.db import get_engine

    eng = get_engine(url)
    real_begin = eng.begin
    gate, got = threading.Event(), {}

    def first():
        got["a"] = sweeper.claim(url, cfg, now, ["console"])

    import contextlib

    @contextlib.contextmanager
    def slow_begin():
        with real_begin() as conn:
            yield conn
            if threading.current_thread().name == "first":
                gate.set()
                time.sleep(0.5)  # locks held, not committed

    eng.begin = slow_begin
    try:
        t = threading.Thread(target=first, name="first")
        t.start()
        assert gate.wait(10)
        got["b"] = sweeper.claim(url, cfg, now, ["console"])
        t.join()
    finally:
        del eng.begin
    a, b = {x.id for x in got["a"]}, {x.id for x in got["b"]}
    assert len(a) == 5 and len(b) == 5 and not a & b


def test_downtime_expiry_and_late_reminders_on_postgresql(pg_schema_url, tmp_path, monkeypatch):
    """The same housekeeping as on SQLite (expire passed, send the latest missed one late)."""
    import asyncio

    from tests.support.reminders import settings_for
    from bot.reminders import subscribe, sweeper

    url = pg_schema_url
    make_store(url)
    sent = []

    async def rec(chat_id, message):
        sent.append(message)

    settings = settings_for(url, tmp_path)
    subscribe(
        url,
        channel="console",
        chat_id="d",
        province="Đắk Nông",
        lead_days=(7, 1),
        now=dt.datetime(2026, 1, 1, tzinfo=LOCAL),
    )
    asyncio.run(sweeper.tick(settings, dt.datetime(2026, 6, 1, 8, tzinfo=LOCAL), senders={"console": rec}))
    asyncio.run(sweeper.tick(settings, dt.datetime(2026, 12, 15, 7, 30, tzinfo=LOCAL), senders={"console": rec}))
    assert [(m.deadline_id, m.lead_days, m.late) for m in sent] == [
        ("dl-bgddt-2012", 7, True),
        ("dl-daknong-1512", 1, True),
    ]
    from store.db import session_scope
    from store.reminders import Reminder

    with session_scope(url) as s:
        st = {(r.deadline_id, r.due_date, r.lead_days): r.status for r in s.scalars(select(Reminder))}
    assert st[("dl-daknong-1506", dt.date(2026, 6, 15), 7)] == "expired"
    assert st[("dl-daknong-1512", dt.date(2026, 12, 15), 7)] == "expired"
