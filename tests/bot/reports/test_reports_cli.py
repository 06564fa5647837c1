"""Units, marks, the status table, exports and a unit's history, through `python -m bot report …` and the
functions behind it, on a real SQLite store with the reminder tests' deadlines; the reminders of a unit's
subscriptions stop once it has reported, and come back when an admin undoes the mark."""

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

from bot.reminders import subscribe, sweeper
from bot.reports.status import mark, status_table, undo
from bot.reports.units import UnitError, find_unit, parse_csv, register_units, units_for
from store.db import dispose_engines, session_scope
from store.knowledge import Deadline
from store.reminders import Reminder
from store.reports import ReportEvent, ReportUnit, UnitSubscription
from tests.support.reminders import ENV_KEYS, ROOT, make_store, settings_for, sqlite_url

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UNITS_CSV = (
    "ten,tinh,nhom,ten_khac,email,telegram,zalo\n"
    "Sở Tư pháp,Đắk Nông,,STP Đắk Nông,stp@example.org,,\n"
    "Sở Y tế,Lâm Đồng,,,syt@example.org,,\n"
    "Sở Nội vụ Đồng Tháp,Tiền Giang,,SNV,,,\n"
    "UBND xã Quảng Khê,Lâm Đồng,,,,,\n"
).encode()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in ENV_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def store(tmp_path):
    url = sqlite_url(tmp_path / "hoctap.sqlite3")
    make_store(url)
    with session_scope(url) as s:
        register_units(s, parse_csv(UNITS_CSV), "test")
    yield url, settings_for(url, tmp_path), tmp_path
    dispose_engines(str(tmp_path))


def _cli(data_dir, *args, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "report", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def at(y, m, d, h=8):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


# -- units -------------------------------------------------------------------------------------------------
def test_csv_units_are_stored_under_todays_province_and_found_by_alias_and_former_names(store):
    url, _, _ = store
    with session_scope(url) as s:
        stp = find_unit(s, "stp dak nong")
        assert (stp.name, stp.province, stp.email) == ("Sở Tư pháp", "Lâm Đồng", "stp@example.org")
        # the 2025 register: a merged department of a merged province finds the unit that took it over
        assert find_unit(s, "Sở Lao động - Thương binh và Xã hội Tiền Giang").name == "Sở Nội vụ Đồng Tháp"
        with pytest.raises(UnitError, match="Không có đơn vị “Sở Xây dựng”"):
            find_unit(s, "Sở Xây dựng")
        dn = s.get(Deadline, "dl-daknong-1512")
        assert [u.name for u in units_for(s, dn)] == ["Sở Tư pháp", "Sở Y tế"]  # "các Sở, ngành" of Đắk Nông
        tg = s.get(Deadline, "dl-tiengiang-0112")  # "các sở, ngành, đơn vị, địa phương" of Tiền Giang (Đồng Tháp)
        assert [u.name for u in units_for(s, tg)] == ["Sở Nội vụ Đồng Tháp"]
        register_units(s, parse_csv("ten,tinh\nUBND xã Tân Phước,Tiền Giang\n".encode()), "test")
        assert [u.name for u in units_for(s, tg)] == ["Sở Nội vụ Đồng Tháp", "UBND xã Tân Phước"]
        assert "UBND xã Quảng Khê" not in [u.name for u in units_for(s, dn)]  # Đắk Nông's letter names no commune


def test_a_malformed_csv_registers_nothing_and_names_each_bad_line(store, tmp_path):
    url, _, data_dir = store
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "ten,tinh,email\nSở Xây dựng,Lâm Đồng,sxd@example.org\n,Lâm Đồng,\nSở Công Thương,Atlantis,\n"
        "Sở Tài chính,Lâm Đồng,khong-phai-email\n",
        encoding="utf-8",
    )
    r = _cli(data_dir, "units", "import", str(bad))
    assert r.returncode == 2
    assert "dòng 3: thiếu tên đơn vị" in r.stderr and "dòng 4: không nhận ra tỉnh/thành phố “Atlantis”" in r.stderr
    assert "dòng 5: địa chỉ e-mail không hợp lệ" in r.stderr and "Traceback" not in r.stderr
    with session_scope(url) as s:
        assert s.scalars(select(ReportUnit.name).where(ReportUnit.name == "Sở Xây dựng")).first() is None
    nohead = tmp_path / "nohead.csv"
    nohead.write_bytes(b"\xff\xfe\x00garbage")
    assert "không phải UTF-8" in _cli(data_dir, "units", "import", str(nohead)).stderr
    good = tmp_path / "good.csv"
    good.write_text("name,province\nSở Xây dựng,Lâm Đồng\nSở Tư pháp,Lâm Đồng\n", encoding="utf-8")
    r = _cli(data_dir, "units", "import", str(good))
    assert r.returncode == 0 and "Đã đăng ký 1 đơn vị mới, cập nhật 1 đơn vị." in r.stdout


# -- marking stops the unit's reminders for every subscriber ------------------------------------------------
def _subscribe_unit(url, chat_id, unit_name, now):
    sub = subscribe(url, channel="console", chat_id=chat_id, province="Đắk Nông", lead_days=(7,), now=now)
    with session_scope(url) as s:
        unit = s.scalars(select(ReportUnit).where(ReportUnit.name == unit_name)).one()
        s.add(UnitSubscription(subscription_id=sub.id, unit_id=unit.id))


def _tick(settings, now) -> list:
    sent = []

    async def rec(chat_id, message):
        sent.append((chat_id, message))

    asyncio.run(sweeper.tick(settings, now, senders={"console": rec}))
    return sent


def test_mark_stops_the_occurrence_for_every_subscriber_of_the_unit_and_undo_resumes(store):
    url, settings, data_dir = store
    t0 = at(2026, 1, 1)
    _subscribe_unit(url, "stp-1", "Sở Tư pháp", t0)
    _subscribe_unit(url, "stp-2", "Sở Tư pháp", t0)
    _subscribe_unit(url, "syt", "Sở Y tế", t0)
    _tick(settings, at(2026, 12, 1))  # plans the rows
    r = _cli(
        data_dir,
        "mark",
        "--deadline",
        "dl-daknong-1512",
        "--due",
        "2026-12-15",
        "--unit",
        "STP Đắk Nông",
        "--by",
        "chị Lan",
    )
    assert r.returncode == 0, r.stderr
    assert "✅ Đã ghi nhận: Sở Tư pháp đã nộp báo cáo hạn 15/12/2026" in r.stdout
    again = _cli(data_dir, "mark", "--deadline", "dl-daknong-1512", "--due", "2026-12-15", "--unit", "Sở Tư pháp")
    assert "đã được ghi nhận “đã nộp” cho hạn 15/12/2026 từ trước" in again.stdout
    dispose_engines(str(data_dir))
    sent = _tick(settings, at(2026, 12, 8))
    assert [(c, m.deadline_id) for c, m in sent] == [("syt", "dl-daknong-1512")]  # only the unit not yet reported
    assert sent[0][1].unit_name == "Sở Y tế"
    assert _tick(settings, at(2026, 12, 8, 9)) == []  # ticking again sends nothing twice

    res = undo(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "admin")
    assert res.cancelled == 2 and "trở lại “chưa nộp”" in res.text
    assert sorted(c for c, _ in _tick(settings, at(2026, 12, 8, 10))) == ["stp-1", "stp-2"]
    with session_scope(url) as s:
        actions = [
            (e.action, e.actor) for e in s.scalars(select(ReportEvent).where(ReportEvent.unit_name == "Sở Tư pháp"))
        ]
    # every status change and every send, with who
    assert actions[:3] == [("dang_ky", "test"), ("da_nop", "chị Lan"), ("hoan_tac", "admin")]
    assert sorted(actions[3:]) == [("gui", "console:stp-1"), ("gui", "console:stp-2")]


def test_bad_marks_get_a_clear_message_and_change_nothing(store):
    url, _, data_dir = store
    cases = [
        (["--deadline", "dl-khong-co", "--due", "2026-12-15", "--unit", "Sở Tư pháp"], "Không có hạn “dl-khong-co”"),
        (
            ["--deadline", "dl-daknong-1512", "--due", "2026-12-14", "--unit", "Sở Tư pháp"],
            "không đến hạn ngày 14/12/2026",
        ),
        (["--deadline", "dl-daknong-1512", "--due", "15/12/2026", "--unit", "Sở Tư pháp"], "ngày không hợp lệ"),
        (["--deadline", "dl-daknong-1512", "--due", "2026-12-15", "--unit", "Sở Ma"], "Không có đơn vị “Sở Ma”"),
        (["--deadline", "dl-tiengiang-0112", "--due", "2026-12-01", "--unit", "Sở Tư pháp"], "không thuộc các đơn vị"),
    ]
    for args, msg in cases:
        r = _cli(data_dir, "mark", *args)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    r = _cli(data_dir, "undo", "--deadline", "dl-daknong-1512", "--due", "2026-12-15", "--unit", "Sở Tư pháp")
    assert r.returncode == 2 and "không có gì để hoàn tác" in r.stderr
    with session_scope(url) as s:
        assert [e.action for e in s.scalars(select(ReportEvent))] == ["dang_ky"] * 4


# -- status and export ----------------------------------------------------------------------------------------
def test_status_lists_sent_not_sent_and_late_and_exports_an_xlsx_with_typed_dates(store, tmp_path):
    from openpyxl import load_workbook

    url, _, data_dir = store
    mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Y tế", "syt@example.org")
    occs = {(o.deadline_id, o.due_date): o for o in status_table(url, dt.date(2026, 12, 10), due_within=30)}
    dec = occs[("dl-daknong-1512", dt.date(2026, 12, 15))]
    assert [(u.unit, u.status) for u in dec.units] == [("Sở Tư pháp", "chua_nop"), ("Sở Y tế", "da_nop")]
    june = (
        occs[("dl-daknong-1506", dt.date(2026, 6, 15))] if ("dl-daknong-1506", dt.date(2026, 6, 15)) in occs else None
    )
    assert june is None  # 15/6 is more than 90 days back
    late = status_table(url, dt.date(2026, 12, 16), due_within=0)
    assert [(u.unit, u.status) for u in late[-1].units] == [("Sở Tư pháp", "qua_han"), ("Sở Y tế", "da_nop")]

    r = _cli(data_dir, "status", "--today", "2026-12-16", "--due-within", "0", "--json")
    got = {(o["deadline_id"], o["due_date"]): o for o in json.loads(r.stdout)}
    units = got[("dl-daknong-1512", "2026-12-15")]["units"]
    assert [(u["unit"], u["status"], u["marked_by"]) for u in units] == [
        ("Sở Tư pháp", "qua_han", None),
        ("Sở Y tế", "da_nop", "syt@example.org"),
    ]
    text = _cli(data_dir, "status", "--today", "2026-12-16", "--due-within", "0").stdout
    assert "📋 báo cáo năm tình hình thực hiện gửi Sở GDĐT (hạn 15/12/2026)" in text
    assert "Đã nộp (1): Sở Y tế" in text and "Quá hạn (1): Sở Tư pháp" in text

    out = tmp_path / "bang" / "tinh-hinh.xlsx"
    r = _cli(data_dir, "export", "--out", str(out), "--today", "2026-12-10")
    assert r.returncode == 0, r.stderr
    wb = load_workbook(out)
    summary = wb["Hạn sắp tới"]
    assert [c.value for c in summary[1]] == [
        "Hạn nộp",
        "Báo cáo",
        "Mã hạn",
        "Số đơn vị",
        "Đã nộp",
        "Chưa nộp",
        "Quá hạn",
        "Miễn",
    ]
    summary_rows = [[c.value for c in row] for row in summary.iter_rows(min_row=2)]
    # every upcoming deadline, also the national one no registered unit reports (no sheet of its own)
    assert [(r[0].date(), r[2], r[3]) for r in summary_rows] == [
        (dt.date(2026, 12, 1), "dl-tiengiang-0112", 1),
        (dt.date(2026, 12, 15), "dl-daknong-1512", 2),
        (dt.date(2026, 12, 20), "dl-bgddt-2012", 0),
    ]
    assert len(wb.sheetnames) == 3
    sheet = wb[wb.sheetnames[-1]]
    assert sheet.freeze_panes == "A2"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(r[0], r[3], r[5]) for r in rows] == [
        (dt.datetime(2026, 12, 15), "Sở Tư pháp", "Chưa nộp"),
        (dt.datetime(2026, 12, 15), "Sở Y tế", "Đã nộp"),
    ]
    assert isinstance(rows[1][6], dt.datetime) and sheet["A2"].number_format == "DD/MM/YYYY"
    csv_out = tmp_path / "tinh-hinh.csv"
    assert _cli(data_dir, "export", "--out", str(csv_out), "--today", "2026-12-10").returncode == 0
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Hạn nộp,Báo cáo,Mã hạn,Đơn vị") and any(
        "2026-12-15" in x and "Sở Y tế" in x for x in lines
    )
    assert "phải là tệp .xlsx hoặc .csv" in _cli(data_dir, "export", "--out", str(tmp_path / "x.pdf")).stderr


def test_a_units_history_is_exported(store, tmp_path):
    from openpyxl import load_workbook

    url, _, data_dir = store
    mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "chị Lan")
    out = tmp_path / "lich-su.xlsx"
    r = _cli(data_dir, "history", "--unit", "Sở Tư pháp", "--out", str(out))
    assert r.returncode == 0, r.stderr
    ws = load_workbook(out).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(x[1], x[2], x[5]) for x in rows] == [
        ("Sở Tư pháp", "Đăng ký đơn vị", "test"),
        ("Sở Tư pháp", "Đã nộp", "chị Lan"),
    ]
    assert isinstance(rows[0][0], dt.datetime)
    assert "Không có đơn vị" in _cli(data_dir, "history", "--unit", "Sở Ma").stderr


# -- issue 19: the tick says what it sent; the .ics title is the reminder's short line ---------------------------
def test_remind_tick_says_what_it_sent_or_that_nothing_was_due(store):
    url, _, data_dir = store
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "DATABASE_URL"}

    def tick_at(now):
        return subprocess.run(
            [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "remind", "tick", "--now", now],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    r = tick_at("2026-12-08T08:00:00+07:00")
    assert r.returncode == 0 and r.stdout == "" and "Không có nhắc hạn nào đến giờ." in r.stderr
    subscribe(url, channel="console", chat_id="dn", province="Đắk Nông", lead_days=(7,), now=at(2026, 1, 1))
    r = tick_at("2026-12-08T08:00:00+07:00")
    line = json.loads(r.stdout.splitlines()[0])
    assert line["chat_id"] == "dn" and line["text"].startswith("🔔 Còn 7 ngày: báo cáo năm")
    assert "Đã gửi console:dn — 🔔 Còn 7 ngày: báo cáo năm tình hình thực hiện gửi Sở GDĐT (hạn 15/12/2026)" in r.stderr


def test_calendar_event_title_is_the_short_line(store):
    from icalendar import Calendar

    from bot.reminders.calendar_ics import build_calendar

    url, _, _ = store
    cal = Calendar.from_ical(build_calendar(url, deadline_id="dl-daknong-1506"))
    (ev,) = [c for c in cal.walk("VEVENT")]
    assert str(ev["SUMMARY"]) == "Báo cáo tình hình thực hiện 6 tháng gửi Sở GDĐT"
    assert [str(a["DESCRIPTION"]) for a in ev.walk("VALARM")][0].endswith(
        ": Báo cáo tình hình thực hiện 6 tháng gửi Sở GDĐT"
    )


def test_remind_late_from_the_command_line(store, monkeypatch):
    from aiosmtpd.controller import Controller
    import socket

    from tests.handlers.test_reports_email import Inbox

    url, _, data_dir = store
    r = _cli(data_dir, "remind-late", "--deadline", "dl-daknong-1512", "--due", "2026-12-15")
    assert r.returncode == 2 and "Chưa cấu hình gửi e-mail" in r.stderr
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        monkeypatch.setenv("HOCTAP_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("HOCTAP_MAIL_FROM", "nhachan@example.vn")
        mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Y tế", "admin")
        r = _cli(data_dir, "remind-late", "--deadline", "dl-daknong-1512", "--due", "2026-12-15")
        assert r.returncode == 0 and "Đã gửi thư nhắc tới 1 đơn vị (Sở Tư pháp)" in r.stdout, r.stderr
        assert [rcpts for rcpts, _ in inbox.messages] == [["stp@example.org"]]  # not Sở Y tế, which reported
        r = _cli(data_dir, "remind-late", "--deadline", "dl-daknong-1512", "--due", "2026-12-14")
        assert r.returncode == 2 and "Không có kỳ báo cáo" in r.stderr
    finally:
        ctl.stop()


def test_a_subscription_naming_the_units_agency_is_the_units(store):
    """Not linked, a subscription to "Sở Tài chính" of Đắk Nông (a former name of the unit's province) is that
    unit's: marking stops it too; a subscription to another agency is not."""
    url, settings, _ = store
    with session_scope(url) as s:
        register_units(s, parse_csv("ten,tinh\nSở Tài chính,Lâm Đồng\n".encode()), "test")
    for chat, agency in (("by-agency", "Sở Tài chính"), ("other", "Sở Nội vụ")):
        subscribe(
            url, channel="console", chat_id=chat, province="Đắk Nông", agency=agency, lead_days=(7,), now=at(2026, 1, 1)
        )
    _tick(settings, at(2026, 12, 1))
    assert mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tài chính", "admin").cancelled == 1
    assert [c for c, _ in _tick(settings, at(2026, 12, 8))] == ["other"]


def test_a_subscription_from_the_units_contact_is_the_units(store):
    url, settings, data_dir = store
    with session_scope(url) as s:
        register_units(s, parse_csv("ten,tinh,telegram\nSở Tài chính,Lâm Đồng,777\n".encode()), "test")
    subscribe(url, channel="telegram", chat_id="777", province="Lâm Đồng", lead_days=(7,), now=at(2026, 1, 1))
    subscribe(url, channel="telegram", chat_id="778", province="Lâm Đồng", lead_days=(7,), now=at(2026, 1, 1))
    _tick(settings, at(2026, 12, 1))  # plans the rows (no Telegram sender here: nothing is sent)
    assert mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tài chính", "admin").cancelled == 1
    with session_scope(url) as s:
        rows = s.execute(
            select(Reminder.chat_id, Reminder.status).where(Reminder.due_date == dt.date(2026, 12, 15))
        ).all()
    assert sorted(rows) == [("777", "cancelled"), ("778", "pending")]
    listed = json.loads(_cli(data_dir, "units", "list", "--json").stdout)
    assert [(u["name"], u["province"], u["telegram"]) for u in listed if u["telegram"]] == [
        ("Sở Tài chính", "Lâm Đồng", "777")
    ]


def test_a_reminder_planned_after_the_mark_is_held_back_and_comes_back_on_undo(store):
    url, settings, _ = store
    mark(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "admin")  # before anyone subscribed
    _subscribe_unit(url, "stp-late", "Sở Tư pháp", at(2026, 1, 1))
    assert _tick(settings, at(2026, 12, 8)) == []  # planned then, held back at sending time
    with session_scope(url) as s:
        row = s.scalars(select(Reminder).where(Reminder.due_date == dt.date(2026, 12, 15))).one()
        assert (row.status, row.last_error) == ("cancelled", "đã nộp")
    assert undo(url, "dl-daknong-1512", dt.date(2026, 12, 15), "Sở Tư pháp", "admin").cancelled == 1
    (got,) = _tick(settings, at(2026, 12, 9))
    assert got[0] == "stp-late" and got[1].late and got[1].text.startswith("🔔 (Nhắc muộn) Còn 6 ngày")
