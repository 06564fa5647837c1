"""Walk the clock day by day over a whole year: every due reminder exactly once, on its day,
never in quiet hours; walking the same year again delivers nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from store.knowledge import Deadline
from bot.occurrences import occurrences
from bot.reminders import subscribe, subscribe_deadline, sweeper
from bot.config import ReminderConfig

from tests.support.reminders import ENV_KEYS, deadlines, make_store, settings_for, sqlite_url

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
# several ticks a day, some inside the quiet hours (21:00–07:00); reminders are due at 06:30 local,
# which is itself quiet, so each one must wait for 07:00
TICK_TIMES = [
    dt.time(0, 30),
    dt.time(6, 45),
    dt.time(7, 0),
    dt.time(7, 20),
    dt.time(12, 0),
    dt.time(20, 59),
    dt.time(21, 0),
    dt.time(23, 45),
]

EXTRA = [
    Deadline(
        id="dl-hy-3006",
        document_id="daknong-2021-3597-ubnd-kgvx",
        actors=["Sở Giáo dục và Đào tạo"],
        actor_text="Sở Giáo dục và Đào tạo",
        action="tổng hợp",
        what="tổng hợp báo cáo 6 tháng",
        due_day=30,
        due_month=6,
        recurrence="half-yearly",
        due_text="định kỳ 6 tháng",
        province="Đắk Nông",
    ),
    Deadline(
        id="dl-monthly-31",
        document_id="tiengiang-2021-ke-hoach-xhht",
        actors=["Hội Khuyến học tỉnh"],
        actor_text="Hội Khuyến học tỉnh",
        action="báo cáo",
        what="báo cáo nhanh hằng tháng",
        due_day=31,
        due_month=1,
        recurrence="monthly",
        due_text="cuối mỗi tháng",
        province="Tiền Giang",
    ),
    Deadline(
        id="dl-once-0310",
        document_id="daknong-2021-3597-ubnd-kgvx",
        actors=["Các sở, ban, ngành tỉnh"],
        actor_text="các Sở, ngành",
        action="gửi",
        what="gửi danh sách cán bộ đầu mối",
        due_day=10,
        due_month=3,
        due_year=YEAR,
        recurrence="once",
        due_text="trước ngày 10/3/2026",
        province="Đắk Nông",
    ),
]

# (chat, province, agency, one deadline, lead days) and, by hand, the deadlines each one concerns
SUBS = [
    (
        "dn-all",
        "Đắk Nông",
        None,
        None,
        (7, 1),
        {"dl-daknong-1512", "dl-daknong-1506", "dl-bgddt-2012", "dl-hy-3006", "dl-once-0310"},
    ),
    (
        "gddt-any",
        None,
        "Sở Giáo dục và Đào tạo",
        None,
        (7, 1),
        {"dl-daknong-1512", "dl-daknong-1506", "dl-tiengiang-0112", "dl-tiengiang-2025", "dl-hy-3006", "dl-once-0310"},
    ),
    ("tg-gddt", "Tiền Giang", "Sở Giáo dục và Đào tạo", None, (3,), {"dl-tiengiang-0112", "dl-tiengiang-2025"}),
    (
        "everything",
        None,
        None,
        None,
        (14, 7, 1, 0),
        {
            "dl-daknong-1512",
            "dl-daknong-1506",
            "dl-tiengiang-0112",
            "dl-tiengiang-2025",
            "dl-bgddt-2012",
            "dl-hy-3006",
            "dl-monthly-31",
            "dl-once-0310",
        },
    ),
    ("ubnd-tinh", "Đắk Nông", "Ủy ban nhân dân tỉnh", None, (7,), {"dl-bgddt-2012"}),
    ("khuyen-hoc-tg", "Tiền Giang", "Hội Khuyến học tỉnh", None, (2,), {"dl-monthly-31"}),
    ("one", None, None, "dl-tiengiang-0112", (1,), {"dl-tiengiang-0112"}),
    ("bo", None, "Bộ Giáo dục và Đào tạo", None, (7, 1), set()),
]


def expected_reminders() -> set[tuple]:
    by_id = {d.id: d for d in deadlines() + EXTRA}
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    out = set()
    for chat, _p, _a, _d, leads, ids in SUBS:
        for did in ids:
            for due in occurrences(by_id[did], start, end + dt.timedelta(days=60)):
                for lead in leads:
                    day = due - dt.timedelta(days=lead)
                    if start <= day <= end:
                        out.add((chat, did, due, lead))
    return out


def test_year_walk_exactly_once(tmp_path, monkeypatch):
    for k in ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    url = sqlite_url(tmp_path / "year.sqlite3")
    make_store(url, EXTRA)
    settings = settings_for(url, tmp_path)
    settings.extra["remind_hour"] = "6:30"
    created = dt.datetime(YEAR - 1, 12, 31, 23, 0, tzinfo=TZ)
    for chat, prov, ag, did, leads, _ in SUBS:
        if did:
            subscribe_deadline(url, channel="console", chat_id=chat, deadline_id=did, lead_days=leads, now=created)
        else:
            subscribe(url, channel="console", chat_id=chat, province=prov, agency=ag, lead_days=leads, now=created)

    log: list[tuple] = []
    clock = {"now": None}

    async def record(chat_id, message):
        log.append((chat_id, message.deadline_id, message.due_date, message.lead_days, clock["now"], message))

    cfg = ReminderConfig.from_env(settings.extra)

    async def walk():
        day = dt.date(YEAR, 1, 1)
        n = 0
        while day.year == YEAR:
            for t in TICK_TIMES:
                clock["now"] = dt.datetime.combine(day, t, tzinfo=TZ)
                await sweeper.tick(settings, clock["now"], senders={"console": record})
                n += 1
            day += dt.timedelta(days=1)
        return n

    t0 = time.perf_counter()
    ticks = asyncio.run(walk())
    first_walk_s = time.perf_counter() - t0

    expected = expected_reminders()
    keys = [x[:4] for x in log]
    dupes = [k for k, c in Counter(keys).items() if c > 1]
    assert not dupes, f"delivered more than once: {dupes[:5]}"
    assert set(keys) == expected, (
        f"missing {sorted(expected - set(keys))[:5]}, unexpected {sorted(set(keys) - expected)[:5]}"
    )
    for chat, did, due, lead, now, msg in log:
        assert now.date() == due - dt.timedelta(days=lead), (chat, did, due, lead, now)
        assert not cfg.in_quiet_hours(now), (chat, did, due, lead, now)
        assert now.time() == dt.time(7, 0)  # the first moment after the quiet hours
        assert not msg.late and msg.days_left == lead
        assert msg.text.startswith(f"🔔 Còn {lead} ngày" if lead else "🔔 Hôm nay")
    assert len(expected) > 100
    assert not any(x[1] == "dl-tiengiang-2025" for x in log)  # a one-off of 2025: nothing in 2026
    assert {x[0] for x in log} == {s[0] for s in SUBS if s[5]}

    n_first = len(log)
    t0 = time.perf_counter()
    asyncio.run(walk())
    second_walk_s = time.perf_counter() - t0
    assert len(log) == n_first, f"the second walk delivered {len(log) - n_first} reminder(s)"
    print(
        f"\nyear walk: {ticks} ticks, {n_first} reminders, first walk {first_walk_s:.2f}s "
        f"({first_walk_s / ticks * 1000:.2f} ms/tick), second walk {second_walk_s:.2f}s"
    )


@pytest.mark.parametrize("lead", [0])
def test_due_day_reminder_with_lead_zero(tmp_path, monkeypatch, lead):
    """Lead 0: on the day itself, 'Hôm nay … là hạn'."""
    for k in ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    url = sqlite_url(tmp_path / "z.sqlite3")
    make_store(url)
    subscribe(
        url,
        channel="console",
        chat_id="z",
        province="Tiền Giang",
        lead_days=(lead,),
        now=dt.datetime(2026, 1, 1, tzinfo=TZ),
    )
    sent = []

    async def rec(chat_id, message):
        sent.append(message)

    asyncio.run(
        sweeper.tick(settings_for(url, tmp_path), dt.datetime(2026, 12, 1, 8, 0, tzinfo=TZ), senders={"console": rec})
    )
    assert [m.text.split(":")[0] for m in sent] == ["🔔 Hôm nay là hạn"]
    assert "(hạn 1/12/2026)" in sent[0].text.splitlines()[0]
