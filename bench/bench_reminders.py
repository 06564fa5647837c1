"""Reminder sweeper benchmark: planning, idle tick latency and delivery throughput.

    .venv/bin/python bench/bench_reminders.py [--subs 1000] [--deadlines 40] [--db URL]

Uses a throw-away SQLite file (or --db, e.g. a PostgreSQL URL with its own schema). The console
channel is replaced by a no-op sender so only the sweeper and the database are measured.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


TZ = dt.timezone(dt.timedelta(hours=7))
# (province, agency) of the subscriptions, in turn
SCOPES = [
    ("Đắk Nông", None),
    ("Tiền Giang", "Sở Giáo dục và Đào tạo"),
    (None, None),
    ("Hải Phòng", None),
    ("Đắk Nông", "Sở Tài chính"),
]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subs", type=int, default=1000)
    ap.add_argument("--deadlines", type=int, default=40, help="extra one-off deadlines due on 15/12/2026")
    ap.add_argument("--db", default=None)
    a = ap.parse_args(argv)

    from tests.support.reminders import bulk_deadlines, make_store, settings_for, sqlite_url

    tmp = tempfile.mkdtemp(prefix="bench-rem-")
    url = a.db or sqlite_url(Path(tmp) / "bench.sqlite3")
    make_store(url, bulk_deadlines(a.deadlines, dt.date(2026, 12, 15)))
    settings = settings_for(url, tmp)
    t_sub = _subscribe_all(url, a.subs)
    plan_s, rows, lat, n, burst_s = asyncio.run(_ticks(settings, url))
    print(f"database: {url.split('?')[0]}")
    print(f"subscriptions: {a.subs} ({t_sub:.2f}s to create)")
    print(f"first tick (plans {rows} rows over the 400-day horizon): {plan_s * 1000:.0f} ms")
    print(f"idle tick latency: median {statistics.median(lat) * 1000:.2f} ms, max {max(lat) * 1000:.2f} ms")
    print(f"burst: {n} reminders claimed, sent and recorded in {burst_s:.2f}s ({n / burst_s:.0f}/s)")
    return 0


def _subscribe_all(url: str, subs: int) -> float:
    """Create `subs` console subscriptions over SCOPES in turn; the seconds it took."""
    from bot.reminders import subscribe

    t0 = time.perf_counter()
    for i in range(subs):
        p, ag = SCOPES[i % len(SCOPES)]
        subscribe(
            url, channel="console", chat_id=f"chat{i}", province=p, agency=ag, now=dt.datetime(2026, 1, 1, tzinfo=TZ)
        )
    return time.perf_counter() - t0


async def _ticks(settings, url: str) -> tuple[float, int, list[float], int, float]:
    """(first tick's seconds, rows planned, idle ticks' seconds, reminders of the burst, the burst's seconds)."""
    from bot.reminders import sweeper
    from bot.reminders.planner import count_rows, forget_plan_cache

    async def noop(chat_id, message):
        pass

    senders = {"console": noop}
    # first tick of the day: plans every row for the horizon
    t = time.perf_counter()
    await sweeper.tick(settings, dt.datetime(2026, 12, 1, 12, 0, tzinfo=TZ), senders=senders)
    plan_s = time.perf_counter() - t
    rows = count_rows(url)
    # idle ticks (nothing due): the common case, every minute
    lat = []
    for k in range(50):
        t = time.perf_counter()
        await sweeper.tick(settings, dt.datetime(2026, 12, 1, 12, 1 + k, tzinfo=TZ), senders=senders)
        lat.append(time.perf_counter() - t)
    # a burst: everything due on 08/12 08:00
    forget_plan_cache()
    t = time.perf_counter()
    got = await sweeper.tick(settings, dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ), senders=senders)
    burst_s = time.perf_counter() - t
    return plan_s, rows, lat, len(got), burst_s


if __name__ == "__main__":
    sys.exit(main())
