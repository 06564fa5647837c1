"""Reminders: scopes, subscriptions, planning, delivery rules, messages, CLI and calendar."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from store.db import session_scope
from bot.reminders import (
    ScopeError,
    delete_chat_data,
    list_subscriptions,
    resolve_scope,
    subscribe,
    subscribe_deadline,
    unsubscribe,
)
from bot.reminders import delivery, sweeper
from bot.reminders.delivery import PermanentSendError, TransientSendError
from store.reminders import Reminder
from bot.config import ReminderConfig
from bot.reminders.scope import concerns

from tests.support.reminders import ENV_KEYS, ROOT, make_store, settings_for, sqlite_url

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = dt.datetime(2026, 1, 1, 0, 0, tzinfo=TZ)  # subscriptions are made then
EXPECTED_3597 = (
    "🔔 Còn 7 ngày: báo cáo năm tình hình thực hiện gửi Sở GDĐT (hạn 15/12/2026)\n"
    "Đơn vị báo cáo: các Sở, ngành, đơn vị và UBND các huyện, thành phố\n"
    "Nguồn: Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông\n"
    "⚠️ Lưu ý: từ 01/7/2025 chính quyền địa phương có hai cấp (tỉnh và xã), không còn cấp huyện; "
    "Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025."
)  # issue 12; issue 19: a secretary's note


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in ENV_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def store(tmp_path):
    url = sqlite_url(tmp_path / "hoctap.sqlite3")
    make_store(url)
    return url, settings_for(url, tmp_path)


# the senders the sweeper is given in these tests: the console's, replaced by a test's own (monkeypatch.setitem)
SENDERS: dict[str, delivery.Sender] = {"console": delivery.console_sender}


@pytest.fixture
def outbox(monkeypatch):
    """A recording console channel (instead of printing)."""
    sent: list[tuple[str, delivery.ReminderMessage]] = []

    async def rec(chat_id, message):
        sent.append((chat_id, message))

    monkeypatch.setitem(SENDERS, "console", rec)
    return sent


def at(y, m, d, hh=8, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def tick(settings, now):
    return asyncio.run(sweeper.tick(settings, now, senders=SENDERS))


def rows(url, **where):
    with session_scope(url) as s:
        q = select(Reminder)
        for k, v in where.items():
            q = q.where(getattr(Reminder, k) == v)
        return list(s.scalars(q.order_by(Reminder.id)))


# --- scopes -------------------------------------------------------------------------------------


def test_resolve_scope():
    assert resolve_scope("Đắk Nông") == resolve_scope("dak nong")
    s = resolve_scope("Đắk Nông")
    assert (s.province, s.agency) == ("Đắk Nông", None)
    s = resolve_scope("Sở GDĐT Tiền Giang")
    assert (s.province, s.agency) == ("Tiền Giang", "Sở Giáo dục và Đào tạo")
    assert resolve_scope("so gddt tien giang") == s
    assert resolve_scope("all") == resolve_scope("") == resolve_scope("tất cả")
    assert resolve_scope("all").province is None and resolve_scope("all").agency is None
    assert resolve_scope("Bộ GDĐT").agency == "Bộ Giáo dục và Đào tạo"
    with pytest.raises(ScopeError):
        resolve_scope("Sao Hỏa")
    with pytest.raises(ScopeError):
        resolve_scope("Đắk Nông và Tiền Giang")


def _c(sub_prov, sub_ag, *, prov, actors, actor_text="", sub_dl=None, dl="x"):
    return concerns(
        sub_province=sub_prov,
        sub_agency=sub_ag,
        sub_deadline_id=sub_dl,
        deadline_id=dl,
        deadline_province=prov,
        actors=actors,
        actor_text=actor_text,
    )


def test_concerns_rules():
    local = ["Các sở, ban, ngành tỉnh", "Ủy ban nhân dân cấp huyện"]
    # provinces must agree; a national letter (no province) concerns every province
    assert _c("Đắk Nông", None, prov="Đắk Nông", actors=local)
    assert not _c("Tiền Giang", None, prov="Đắk Nông", actors=local)
    assert _c("Tiền Giang", None, prov=None, actors=["Ủy ban nhân dân tỉnh"])
    assert _c(None, None, prov="Đắk Nông", actors=local)
    # the generic "các sở, ban, ngành" covers each provincial department, not the UBND or other levels
    assert _c("Đắk Nông", "Sở Giáo dục và Đào tạo", prov="Đắk Nông", actors=local)
    assert _c("Đắk Nông", "Sở Tài chính", prov="Đắk Nông", actors=local)
    assert _c(None, "Ủy ban nhân dân cấp huyện", prov="Đắk Nông", actors=local)
    assert not _c("Đắk Nông", "Ủy ban nhân dân tỉnh", prov="Đắk Nông", actors=local)
    assert not _c("Đắk Nông", "Bộ Giáo dục và Đào tạo", prov="Đắk Nông", actors=local)
    assert not _c(None, "Phòng Giáo dục và Đào tạo", prov="Đắk Nông", actors=local)
    # actor text counts too (an extractor that missed an actor)
    assert _c(
        None, "Hội Khuyến học tỉnh", prov="Hải Phòng", actors=[], actor_text="Hội Khuyến học thành phố và các sở, ngành"
    )
    # national deadline for provincial people's committees
    assert _c("Đắk Nông", "Ủy ban nhân dân tỉnh", prov=None, actors=["Ủy ban nhân dân tỉnh"])
    assert not _c("Đắk Nông", "Sở Tài chính", prov=None, actors=["Ủy ban nhân dân tỉnh"])
    assert _c(None, "Bộ Giáo dục và Đào tạo", prov=None, actors=["Các bộ, ngành, đoàn thể ở trung ương"])
    # one-deadline subscriptions
    assert _c(None, None, prov="Đắk Nông", actors=local, sub_dl="dl-1", dl="dl-1")
    assert not _c(None, None, prov="Đắk Nông", actors=local, sub_dl="dl-1", dl="dl-2")


# --- subscriptions --------------------------------------------------------------------------------


def test_subscribe_is_idempotent_and_updates_lead_days(store):
    url, _ = store
    a = subscribe(url, channel="telegram", chat_id="42", province="Đắk Nông", now=T0)
    b = subscribe(url, channel="telegram", chat_id=42, province="dak nong", lead_days=(3,), now=T0)
    assert a.id == b.id and b.lead_days == [3]
    c = subscribe(url, channel="telegram", chat_id="42", province="Đắk Nông", agency="Sở GDĐT", now=T0)
    assert c.id != a.id and c.agency == "Sở Giáo dục và Đào tạo"
    d = subscribe_deadline(url, channel="telegram", chat_id="42", deadline_id="dl-daknong-1512", now=T0)
    assert d.deadline_id == "dl-daknong-1512" and d.lead_days == [7, 1]
    with pytest.raises(LookupError):
        subscribe_deadline(url, channel="telegram", chat_id="42", deadline_id="dl-gone")
    assert [x.id for x in list_subscriptions(url, channel="telegram", chat_id="42")] == [a.id, c.id, d.id]
    assert list_subscriptions(url, channel="zalo", chat_id="42") == []
    with pytest.raises(ValueError):
        subscribe(url, channel="fax", chat_id="1")
    with pytest.raises(ScopeError):
        subscribe(url, channel="web", chat_id="1", province="Atlantis")
    with pytest.raises(ValueError):
        subscribe(url, channel="web", chat_id="1", lead_days=(-1,))


def test_changing_lead_days_cancels_unwanted_pending_rows(store, outbox):
    url, settings = store
    subscribe(url, channel="console", chat_id="a", province="Đắk Nông", lead_days=(7, 1), now=T0)
    tick(settings, at(2026, 1, 2))
    assert {r.lead_days for r in rows(url, status="pending")} == {7, 1}
    subscribe(url, channel="console", chat_id="a", province="Đắk Nông", lead_days=(3,), now=T0)
    tick(settings, at(2026, 1, 2, 9))
    assert {r.lead_days for r in rows(url, status="pending")} == {3}
    tick(settings, at(2026, 6, 12))  # 15/6 - 3
    assert [(m.deadline_id, m.lead_days) for _, m in outbox] == [("dl-daknong-1506", 3)]


def test_unsubscribe_and_delete_chat_data(store, outbox):
    url, settings = store
    s1 = subscribe(url, channel="console", chat_id="a", province="Đắk Nông", now=T0)
    subscribe(url, channel="console", chat_id="a", province="Tiền Giang", now=T0)
    subscribe(url, channel="console", chat_id="b", now=T0)
    tick(settings, at(2026, 6, 8))  # plans rows, sends the 7-day reminder for 15/6
    assert rows(url, chat_id="a")
    assert unsubscribe(url, channel="console", chat_id="a", subscription_id=s1.id) == 1
    assert len(list_subscriptions(url, channel="console", chat_id="a")) == 1
    assert not rows(url, subscription_id=s1.id)
    n = delete_chat_data(url, channel="console", chat_id="a")
    assert n >= 2 and not rows(url, chat_id="a") and not list_subscriptions(url, channel="console", chat_id="a")
    assert unsubscribe(url, channel="console", chat_id="b") == 1
    outbox.clear()
    tick(settings, at(2026, 6, 14))
    assert outbox == []


# --- planning -------------------------------------------------------------------------------------


def test_occurrences_and_send_times(store):
    url, settings = store
    subscribe(url, channel="console", chat_id="all", now=T0)
    tick(settings, at(2026, 1, 1, 0, 5))  # quiet hours: plans, sends nothing
    rs = rows(url)
    got = {(r.deadline_id, r.due_date, r.lead_days) for r in rs}
    assert ("dl-daknong-1512", dt.date(2026, 12, 15), 7) in got
    assert ("dl-daknong-1512", dt.date(2026, 12, 15), 1) in got
    assert ("dl-daknong-1506", dt.date(2026, 6, 15), 7) in got
    assert ("dl-tiengiang-0112", dt.date(2026, 12, 1), 1) in got
    assert ("dl-bgddt-2012", dt.date(2026, 12, 20), 7) in got
    assert not any(r.deadline_id == "dl-tiengiang-2025" for r in rs)  # a past one-off yields nothing
    assert max(r.due_date for r in rs) <= dt.date(2026, 1, 1) + dt.timedelta(days=400)
    tick(settings, at(2026, 7, 1, 0, 5))  # the horizon moves with the days
    assert ("dl-daknong-1506", dt.date(2027, 6, 15), 7) in {(r.deadline_id, r.due_date, r.lead_days) for r in rows(url)}
    r = next(r for r in rs if (r.deadline_id, r.due_date, r.lead_days) == ("dl-daknong-1512", dt.date(2026, 12, 15), 7))
    assert r.send_at == dt.datetime(2026, 12, 8, 1, 0)  # 08:00 in Hà Nội = 01:00 UTC
    assert all(r.status == "pending" for r in rs)


def test_one_off_deadline_with_interpretation(tmp_path, outbox):
    url = sqlite_url(tmp_path / "db.sqlite3")
    make_store(url)
    settings = settings_for(url, tmp_path)
    subscribe(url, channel="console", chat_id="tg", province="Tiền Giang", lead_days=(7,), now=at(2025, 1, 1))
    tick(settings, at(2025, 12, 24))
    msgs = {m.deadline_id: m for _, m in outbox}
    m = msgs["dl-tiengiang-2025"]
    assert m.due_date == dt.date(2025, 12, 31) and m.lead_days == 7 and not m.late
    assert m.text.startswith(
        "🔔 Còn 7 ngày: tổ chức sơ kết sau 05 năm thực hiện Đề án (hạn 31/12/2025)\nĐơn vị báo cáo: Sở GDĐT"
    )
    assert "cuối năm 2025 → 31/12/2025" in m.text
    outbox.clear()
    tick(settings, at(2026, 12, 24))
    assert "dl-tiengiang-2025" not in {m.deadline_id for _, m in outbox}


def test_message_text_and_fields(store, outbox):
    url, settings = store
    subscribe(url, channel="console", chat_id="dn", province="Đắk Nông", now=T0)
    sent = tick(settings, at(2026, 12, 8, 8, 0))
    assert [(c, m.deadline_id, m.lead_days) for c, m in outbox] == [("dn", "dl-daknong-1512", 7)]
    m = outbox[0][1]
    assert m.text == EXPECTED_3597
    assert (m.document_id, m.due_date, m.late, m.days_left) == (
        "daknong-2021-3597-ubnd-kgvx",
        dt.date(2026, 12, 15),
        False,
        7,
    )
    assert sent[0].message is m and sent[0].chat_id == "dn"
    outbox.clear()
    tick(settings, at(2026, 12, 8, 8, 1))
    assert outbox == []  # never twice


# --- delivery rules -------------------------------------------------------------------------------


def test_quiet_hours_delay_never_drop(store, outbox, monkeypatch):
    url, settings = store
    monkeypatch.setenv("HOCTAP_REMIND_HOUR", "22")  # inside the default quiet hours 21-7
    subscribe(url, channel="console", chat_id="q", province="Đắk Nông", lead_days=(2,), now=T0)
    tick(settings, at(2026, 12, 1, 12, 0))
    r = next(r for r in rows(url) if r.deadline_id == "dl-daknong-1512")
    assert r.send_at == dt.datetime(2026, 12, 14, 0, 0)  # 13/12 22:00 → delayed to 07:00 local on 14/12
    for t in (at(2026, 12, 13, 21), at(2026, 12, 13, 22), at(2026, 12, 13, 23, 59), at(2026, 12, 14, 6, 59)):
        assert tick(settings, t) == []
    got = tick(settings, at(2026, 12, 14, 7, 0))
    assert [d.message.deadline_id for d in got] == ["dl-daknong-1512"]
    assert (
        got[0].message.text.startswith("🔔 Còn 1 ngày: ")
        and "(hạn 15/12/2026)" in got[0].message.text
        and not got[0].message.late
    )


def test_quiet_hours_hold_overdue_reminders(store, outbox):
    url, settings = store
    subscribe(url, channel="console", chat_id="q", province="Đắk Nông", lead_days=(7,), now=T0)
    assert tick(settings, at(2026, 12, 8, 21, 30)) == []  # the system was down all day
    assert tick(settings, at(2026, 12, 9, 6, 30)) == []
    got = tick(settings, at(2026, 12, 9, 7, 0))
    assert [d.message.deadline_id for d in got] == ["dl-daknong-1512"]
    m = got[0].message
    assert m.late and m.days_left == 6
    assert m.text.startswith("🔔 (Nhắc muộn) Còn 6 ngày: ") and "(hạn 15/12/2026)" in m.text


def test_downtime_sends_latest_missed_and_expires_past(store, outbox):
    url, settings = store
    subscribe(url, channel="console", chat_id="d", province="Đắk Nông", lead_days=(7, 1), now=T0)
    tick(settings, at(2026, 6, 1))  # plans; then the server is down until 15/12 07:30
    got = tick(settings, at(2026, 12, 15, 7, 30))
    # 15/6 (both lead times) passed: expired. 15/12 (today) and 20/12 (national letter) have not passed:
    # only the latest missed lead time of each is sent, saying it is late.
    assert [(d.message.deadline_id, d.message.due_date, d.message.lead_days, d.message.late) for d in got] == [
        ("dl-bgddt-2012", dt.date(2026, 12, 20), 7, True),
        ("dl-daknong-1512", dt.date(2026, 12, 15), 1, True),
    ]
    assert (
        got[0].message.text.startswith("🔔 (Nhắc muộn) Còn 5 ngày: ")
        and "báo cáo tình hình, kết quả thực hiện Đề án gửi Bộ GDĐT (hạn 20/12/2026)\nĐơn vị báo cáo: UBND các tỉnh"
        in got[0].message.text
    )
    assert (
        got[1].message.text.startswith("🔔 (Nhắc muộn) Hôm nay là hạn: báo cáo")
        and "(hạn 15/12/2026)" in got[1].message.text
    )
    st = {(r.deadline_id, r.due_date, r.lead_days): r.status for r in rows(url) if r.due_date.year == 2026}
    assert st[("dl-daknong-1506", dt.date(2026, 6, 15), 7)] == "expired"
    assert st[("dl-daknong-1506", dt.date(2026, 6, 15), 1)] == "expired"
    assert st[("dl-daknong-1512", dt.date(2026, 12, 15), 7)] == "expired"
    assert st[("dl-daknong-1512", dt.date(2026, 12, 15), 1)] == "sent"
    assert st[("dl-bgddt-2012", dt.date(2026, 12, 20), 7)] == "sent"
    assert st[("dl-bgddt-2012", dt.date(2026, 12, 20), 1)] == "pending"
    assert tick(settings, at(2026, 12, 15, 12)) == []
    assert [(d.message.deadline_id, d.message.late) for d in tick(settings, at(2026, 12, 19, 8))] == [
        ("dl-bgddt-2012", False)
    ]


def test_transient_failures_retry_with_backoff_then_permanent(store, monkeypatch):
    url, settings = store
    calls: list[str] = []
    plan = {"fail": 2}

    async def flaky(chat_id, message):
        calls.append(chat_id)
        if chat_id == "blocked":
            raise PermanentSendError("bot was blocked by the user")
        if plan["fail"] > 0:
            plan["fail"] -= 1
            raise TransientSendError("429 too many requests")

    monkeypatch.setitem(SENDERS, "telegram", flaky)
    subscribe(url, channel="telegram", chat_id="ok", province="Đắk Nông", lead_days=(7,), now=T0)
    subscribe(url, channel="telegram", chat_id="blocked", province="Đắk Nông", lead_days=(7,), now=T0)
    t = at(2026, 12, 8, 8)
    assert tick(settings, t) == []  # ok: transient; blocked: permanent
    r_ok = next(r for r in rows(url, chat_id="ok") if r.due_date == dt.date(2026, 12, 15))
    r_bl = next(r for r in rows(url, chat_id="blocked") if r.due_date == dt.date(2026, 12, 15))
    assert r_ok.status == "pending" and r_ok.attempts == 1 and "429" in r_ok.last_error
    assert r_ok.next_attempt_at == dt.datetime(2026, 12, 8, 1, 0, 30)  # first backoff: 30 s
    assert r_bl.status == "failed" and "blocked" in r_bl.last_error
    assert tick(settings, t + dt.timedelta(seconds=10)) == []  # not before the backoff
    assert tick(settings, t + dt.timedelta(seconds=30)) == []  # second failure: 60 s
    assert rows(url, id=r_ok.id)[0].next_attempt_at == dt.datetime(2026, 12, 8, 1, 1, 30)
    got = tick(settings, t + dt.timedelta(seconds=95))
    assert [d.chat_id for d in got] == ["ok"]
    assert rows(url, id=r_ok.id)[0].status == "sent" and calls.count("blocked") == 1


def test_gives_up_after_max_attempts(store, monkeypatch):
    url, settings = store
    monkeypatch.setenv("HOCTAP_REMIND_MAX_ATTEMPTS", "3")

    async def down(chat_id, message):
        raise ConnectionError("network unreachable")

    monkeypatch.setitem(SENDERS, "zalo", down)
    subscribe(url, channel="zalo", chat_id="z", province="Đắk Nông", lead_days=(7,), now=T0)
    t = at(2026, 12, 8, 8)
    for k in range(6):
        tick(settings, t + dt.timedelta(hours=k))
    r = next(r for r in rows(url, chat_id="z") if r.due_date == dt.date(2026, 12, 15))
    assert r.status == "failed" and r.attempts == 3 and "network" in r.last_error


def test_unregistered_channel_rows_wait(store, outbox):
    url, settings = store
    subscribe(url, channel="web", chat_id="w", province="Đắk Nông", lead_days=(7,), now=T0)
    assert tick(settings, at(2026, 12, 8, 8)) == []  # no web sender in this process
    r = next(r for r in rows(url, chat_id="w") if r.due_date == dt.date(2026, 12, 15))
    assert r.status == "pending"


def test_stale_sending_rows_are_recovered(store, outbox, monkeypatch):
    url, settings = store
    monkeypatch.setenv("HOCTAP_REMIND_LEASE_S", "120")
    subscribe(url, channel="console", chat_id="c", province="Đắk Nông", lead_days=(7,), now=T0)
    from bot.reminders.sweeper import claim, config_for

    tick(settings, at(2026, 12, 1))  # plan only
    t = at(2026, 12, 8, 8)
    claimed = claim(url, config_for(settings), t, ["console"])  # a worker claims … and dies
    assert [c.deadline_id for c in claimed] == ["dl-daknong-1512"]
    assert tick(settings, t + dt.timedelta(seconds=60)) == []  # still leased
    got = tick(settings, t + dt.timedelta(seconds=121))
    assert [d.message.deadline_id for d in got] == ["dl-daknong-1512"]
    assert rows(url, id=claimed[0].id)[0].status == "sent"


def test_deadline_missing_during_reindex_is_not_lost(store, outbox):
    url, settings = store
    from store.knowledge import Deadline

    subscribe(url, channel="console", chat_id="c", province="Đắk Nông", lead_days=(7,), now=T0)
    tick(settings, at(2026, 12, 1))
    with session_scope(url) as s:
        saved = s.get(Deadline, "dl-daknong-1512")
        s.expunge(saved)
        s.delete(s.get(Deadline, "dl-daknong-1512"))
    assert tick(settings, at(2026, 12, 8, 8)) == []
    with session_scope(url) as s:
        s.merge(saved)
    got = tick(settings, at(2026, 12, 8, 8, 16))
    assert [d.message.deadline_id for d in got] == ["dl-daknong-1512"]


def test_config_from_env(monkeypatch):
    monkeypatch.setenv("HOCTAP_REMIND_HOUR", "9:30")
    monkeypatch.setenv("HOCTAP_QUIET_HOURS", "22-6")
    c = ReminderConfig.from_env()
    assert c.remind_time == dt.time(9, 30) and c.quiet_start == dt.time(22) and c.quiet_end == dt.time(6)
    assert c.in_quiet_hours(at(2026, 1, 1, 23)) and c.in_quiet_hours(at(2026, 1, 1, 5, 59))
    assert not c.in_quiet_hours(at(2026, 1, 1, 6))
    monkeypatch.setenv("HOCTAP_QUIET_HOURS", "off")
    assert not ReminderConfig.from_env().in_quiet_hours(at(2026, 1, 1, 3))


# --- command line and calendar --------------------------------------------------------------------


def _bot(args, data_dir, **kw):
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def test_cli_subscribe_tick_unsubscribe(tmp_path):
    make_store(sqlite_url(tmp_path / "hoctap.sqlite3"))
    p = _bot(
        [
            "subscribe",
            "--channel",
            "console",
            "--chat-id",
            "c1",
            "--scope",
            "Đắk Nông",
            "--lead-days",
            "7,1",
            "--now",
            "2026-01-01T00:00:00+07:00",
        ],
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    bad = _bot(["subscribe", "--channel", "console", "--chat-id", "c1", "--scope", "Sao Hỏa"], tmp_path)
    assert bad.returncode == 2 and "Sao Hỏa" in bad.stderr
    p = _bot(["remind", "tick", "--now", "2026-12-08T08:00:00+07:00"], tmp_path)
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert lines == [
        {
            "chat_id": "c1",
            "deadline_id": "dl-daknong-1512",
            "due_date": "2026-12-15",
            "lead_days": 7,
            "text": EXPECTED_3597,
        }
    ]
    assert list(lines[0]) == ["chat_id", "deadline_id", "due_date", "lead_days", "text"]
    again = _bot(["remind", "tick", "--now", "2026-12-08T08:30:00+07:00"], tmp_path)
    assert again.returncode == 0 and again.stdout == ""
    p = _bot(["unsubscribe", "--channel", "console", "--chat-id", "c1"], tmp_path)
    assert p.returncode == 0 and "1" in p.stdout
    p = _bot(["remind", "tick", "--now", "2026-12-14T08:00:00"], tmp_path)  # local time without offset
    assert p.returncode == 0 and p.stdout == ""


def test_calendar_ics_round_trip(tmp_path, store):
    import icalendar
    from bot.reminders.calendar_ics import build_calendar

    url, _ = store
    data = build_calendar(url)
    cal = icalendar.Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        f"{i}@hoctap.xhht"
        for i in ("dl-daknong-1512", "dl-daknong-1506", "dl-tiengiang-0112", "dl-tiengiang-2025", "dl-bgddt-2012")
    }
    e = events["dl-daknong-1512@hoctap.xhht"]
    assert e.decoded("DTSTART") == dt.date(2021, 12, 15)  # first occurrence after the letter (12/7/2021)
    assert e["RRULE"].to_ical() == b"FREQ=YEARLY"
    assert "Công văn 3597/UBND-KGVX" in str(e["DESCRIPTION"])
    alarms = [a for a in e.walk("VALARM")]
    assert sorted(a.decoded("TRIGGER") for a in alarms) == [
        dt.timedelta(days=-7, hours=8),
        dt.timedelta(days=-1, hours=8),
    ]
    once = events["dl-tiengiang-2025@hoctap.xhht"]
    assert once.decoded("DTSTART") == dt.date(2025, 12, 31) and "RRULE" not in once
    assert "cuối năm 2025 → 31/12/2025" in str(once["DESCRIPTION"])
    # stable: a second export has the same UIDs and dates (a re-import updates, never duplicates)
    cal2 = icalendar.Calendar.from_ical(build_calendar(url))
    assert {(str(e["UID"]), e.decoded("DTSTART")) for e in cal2.walk("VEVENT")} == {
        (u, e.decoded("DTSTART")) for u, e in events.items()
    }
    # scoped calendars
    tg = icalendar.Calendar.from_ical(build_calendar(url, province="Tiền Giang"))
    assert {str(e["UID"]).split("@")[0] for e in tg.walk("VEVENT")} == {
        "dl-tiengiang-0112",
        "dl-tiengiang-2025",
        "dl-bgddt-2012",
    }
    # and through the command line
    out = tmp_path / "lich" / "han.ics"
    p = _bot(["calendar", "--out", str(out)], tmp_path)
    assert p.returncode == 0, p.stderr
    cal3 = icalendar.Calendar.from_ical(out.read_bytes())
    assert len(cal3.walk("VEVENT")) == 5 and cal3["VERSION"] == "2.0"


def test_half_yearly_rrule_and_occurrences(tmp_path):
    import icalendar
    from store.knowledge import Deadline
    from bot.reminders.calendar_ics import build_calendar

    url = sqlite_url(tmp_path / "db.sqlite3")
    make_store(
        url,
        [
            Deadline(
                id="dl-hy",
                document_id="daknong-2021-3597-ubnd-kgvx",
                actors=["Các sở, ban, ngành tỉnh"],
                actor_text="các Sở, ngành",
                action="báo cáo",
                what="báo cáo 6 tháng",
                due_day=15,
                due_month=6,
                recurrence="half-yearly",
                due_text="định kỳ 6 tháng",
                province="Đắk Nông",
            )
        ],
    )
    settings = settings_for(url, tmp_path)
    subscribe_deadline(url, channel="console", chat_id="h", deadline_id="dl-hy", lead_days=(1,), now=T0)
    asyncio.run(sweeper.tick(settings, at(2026, 1, 1, 0, 1), senders=SENDERS))
    assert sorted(r.due_date for r in rows(url, chat_id="h")) == [dt.date(2026, 6, 15), dt.date(2026, 12, 15)]
    e = next(
        e
        for e in icalendar.Calendar.from_ical(build_calendar(url)).walk("VEVENT")
        if str(e["UID"]) == "dl-hy@hoctap.xhht"
    )
    assert e["RRULE"].to_ical() == b"FREQ=MONTHLY;INTERVAL=6"
    assert e.decoded("DTSTART") == dt.date(2021, 12, 15)


def test_claim_respects_batch_size_sqlite(tmp_path):
    from tests.support.reminders import bulk_deadlines
    from bot.reminders import planner
    from bot.reminders.sweeper import claim

    url = sqlite_url(tmp_path / "b.sqlite3")
    make_store(url, bulk_deadlines(12, dt.date(2026, 12, 15)))
    subscribe(url, channel="console", chat_id="c", province="Đắk Nông", lead_days=(7,), now=T0)
    cfg = ReminderConfig(batch_size=5)
    now = at(2026, 12, 8, 8)
    planner.plan(url, cfg, now)
    batches = [claim(url, cfg, now, ["console"]) for _ in range(4)]
    assert [len(b) for b in batches] == [5, 5, 3, 0]
    assert len({x.id for b in batches for x in b}) == 13


def test_run_forever_sends_and_stops(store, outbox, monkeypatch):
    """The loop `serve` starts: real time, so subscribe 'now' to a deadline due in 3 days, lead 3."""
    from store.knowledge import Deadline

    url, settings = store
    monkeypatch.setenv("HOCTAP_QUIET_HOURS", "off")
    monkeypatch.setenv("HOCTAP_REMIND_HOUR", "0")
    today = dt.datetime.now(TZ).date()
    due = today + dt.timedelta(days=3)
    with session_scope(url) as s:
        s.add(
            Deadline(
                id="dl-soon",
                document_id="daknong-2021-3597-ubnd-kgvx",
                actors=["Các sở, ban, ngành tỉnh"],
                actor_text="các Sở, ngành",
                action="báo cáo",
                what="báo cáo gấp",
                due_day=due.day,
                due_month=due.month,
                due_year=due.year,
                recurrence="once",
                province="Đắk Nông",
            )
        )
    subscribe_deadline(
        url,
        channel="console",
        chat_id="rt",
        deadline_id="dl-soon",
        lead_days=(3,),
        now=dt.datetime.combine(today, dt.time(0, 0), tzinfo=TZ) - dt.timedelta(minutes=1),
    )

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(sweeper.run_forever(settings, interval_s=0.05, stop_event=stop, senders=SENDERS))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if outbox:
                break
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert [(c, m.deadline_id, m.days_left) for c, m in outbox] == [("rt", "dl-soon", 3)]


def test_slow_channel_never_outlives_its_lease(store, monkeypatch):
    """Items of a batch not sent before the lease could run out are handed back, not sent twice."""
    import time as _time

    url, settings = store
    monkeypatch.setenv("HOCTAP_REMIND_LEASE_S", "2")  # send timeout 1 s: a 1 s budget per batch
    from tests.support.reminders import bulk_deadlines

    make_store(url, bulk_deadlines(6, dt.date(2026, 12, 15)))
    subscribe(url, channel="console", chat_id="s", province="Đắk Nông", lead_days=(7,), now=T0)
    seen = []

    async def slow(chat_id, message):
        seen.append(message.deadline_id)
        await asyncio.sleep(0.3)

    monkeypatch.setitem(SENDERS, "console", slow)
    t0 = _time.monotonic()
    got = tick(settings, at(2026, 12, 8, 8))
    assert len(got) == len(seen) == len(set(seen)) == 7
    assert _time.monotonic() - t0 < 10
    assert {r.status for r in rows(url) if r.due_date == dt.date(2026, 12, 15) and r.lead_days == 7} == {"sent"}
