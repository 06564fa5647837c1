"""Kill the sweeper (SIGKILL) at random points while it sends, restart it: nothing is lost, and a
reminder is repeated only when the kill fell between the channel accepting it and the database
recording it — at most one per kill."""

from __future__ import annotations

import pytest

import datetime as dt
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from store.db import session_scope
from bot.reminders import subscribe
from store.reminders import Reminder

from tests.support.reminders import WORKER, ENV_KEYS, ROOT, bulk_deadlines, make_store, sqlite_url

pytestmark = pytest.mark.slow

LOCAL = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2026, 12, 8, 9, 0, tzinfo=LOCAL)
LEASE_S = 60
KILLS = 6


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), HOCTAP_REMIND_LEASE_S=str(LEASE_S), HOCTAP_REMIND_BATCH="8")
    return env


def _lines(path: Path) -> list[dict]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if raw.endswith("\n") and raw.startswith("{"):
            out.append(json.loads(raw))
    return out


def test_sigkill_while_sending_loses_nothing(tmp_path):
    rng = random.Random(int(os.environ.get("HOCTAP_TEST_SEED", "0")) or None)
    seed = rng.randrange(1 << 30)
    rng = random.Random(seed)
    url = sqlite_url(tmp_path / "crash.sqlite3")
    make_store(url, bulk_deadlines(40, dt.date(2026, 12, 15)))
    for chat in ("a", "b"):
        subscribe(
            url,
            channel="console",
            chat_id=chat,
            province="Đắk Nông",
            lead_days=(7,),
            now=dt.datetime(2026, 1, 1, tzinfo=LOCAL),
        )
    # due at 08/12 08:00: 2 chats × (40 one-offs + the yearly 15/12 letter); the 20/12 national letter is later
    expected = {(c, f"dl-bulk-{i:04d}") for c in "ab" for i in range(40)} | {(c, "dl-daknong-1512") for c in "ab"}

    kills, killed_with_progress, outs = 0, 0, []
    run = 0
    t_begin = time.monotonic()
    while kills < KILLS:
        now = START + dt.timedelta(seconds=run * (LEASE_S + 30))  # every restart is past the lease
        out = tmp_path / f"run{run}.out"
        outs.append(out)
        with open(out, "wb") as fo:
            p = subprocess.Popen(
                [*WORKER, "--db", url, "--now", now.isoformat(), "--delay", "0.02"],
                cwd=ROOT,
                env=_env(),
                stdout=fo,
                stderr=subprocess.PIPE,
            )
        target = rng.randint(1, 12)  # kill after this many new lines, plus a random instant
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and p.poll() is None:
            if out.stat().st_size and len(out.read_bytes().splitlines()) >= target:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.02))
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
            kills += 1
            killed_with_progress += bool(out.stat().st_size)
        else:
            p.wait()
            assert p.returncode == 0, p.stderr.read().decode()
            break  # it finished everything before the kill
        p.stderr.close()
        run += 1

    # restart once more (past the lease) and let it finish
    now = START + dt.timedelta(seconds=(run + 1) * (LEASE_S + 30))
    out = tmp_path / "final.out"
    outs.append(out)
    with open(out, "wb") as fo:
        p = subprocess.run(
            [*WORKER, "--db", url, "--now", now.isoformat(), "--until-idle"],
            cwd=ROOT,
            env=_env(),
            stdout=fo,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    assert p.returncode == 0, p.stderr.decode()
    elapsed = time.monotonic() - t_begin

    delivered = [(x["chat_id"], x["deadline_id"]) for o in outs for x in _lines(o)]
    counts = Counter(delivered)
    repeats = sum(c - 1 for c in counts.values())
    missing = expected - set(counts)
    assert not missing, f"lost reminders (seed {seed}): {sorted(missing)[:5]}"
    assert set(counts) == expected
    assert repeats <= kills, f"{repeats} repeats for {kills} kills (seed {seed})"
    # each kill repeats at most the one reminder it interrupted
    per_run = [Counter((x["chat_id"], x["deadline_id"]) for x in _lines(o)) for o in outs]
    for i in range(len(outs) - 1):
        later = Counter()
        for c in per_run[i + 1 :]:
            later.update(c)
        assert sum(1 for k in per_run[i] if later[k]) <= 1, f"run {i}: more than one repeat (seed {seed})"
    assert all(
        json.loads(json.dumps(x)).keys() == {"chat_id", "deadline_id", "due_date", "lead_days", "text"}
        for o in outs
        for x in _lines(o)
    )
    with session_scope(url) as s:
        st = dict(
            s.execute(
                select(Reminder.status, func.count())
                .where(Reminder.due_date == dt.date(2026, 12, 15), Reminder.lead_days == 7)
                .group_by(Reminder.status)
            ).all()
        )
    assert st == {"sent": len(expected)}, st
    assert kills >= 1 and killed_with_progress >= 1
    print(f"\ncrash test (seed {seed}): {kills} kills, {repeats} repeated, {len(expected)} reminders, {elapsed:.1f}s")
