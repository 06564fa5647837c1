"""The "✅ Đã nộp" button and /tinhhinh, end to end: the real python-telegram-bot Application against the Bot API
stand-in, and signed Zalo events against the OA stand-in, on a private copy of the seed store with two units of
Đắk Nông registered. Pressing the button marks the unit's occurrence and no further reminder of it reaches any
chat subscribed for that unit; the other unit still gets its reminder; a chat of another unit cannot mark it."""

from __future__ import annotations

import datetime as dt

import aiohttp

import pytest
from sqlalchemy import select

from bot.config import ChannelConfig
from bot.reminders import subscribe
from bot.reminders.sweeper import tick
from bot.reports.units import parse_csv, register_units
from handlers.report_actions import NOT_ALLOWED, NOT_YOURS
from handlers.serve import Server
from store.db import dispose_engines, session_scope
from store.knowledge import Deadline
from store.reports import ReportStatus, ReportUnit, UnitSubscription
from tests.handlers.test_zalo import APP_ID, APP_SECRET, OA_SECRET, event, post, signed
from tests.support.channels import BotApiStandIn, ZaloStandIn, settings_for, visible_text, wait_for

pytestmark = pytest.mark.slow

ADMIN = 4242
TOKEN = "admin-token-for-tests-1234"
UNITS = "ten,tinh,telegram\nSở Tư pháp,Đắk Nông,\nSở Y tế,Đắk Nông,\nSở GDĐT Lâm Đồng,Lâm Đồng,3003\n".encode()


@pytest.fixture
def private_assistant(store_copy):
    from bot.assistant import Assistant

    settings = settings_for(store_copy)
    with session_scope(settings.database_url) as s:
        register_units(s, parse_csv(UNITS), "test")
    yield Assistant.from_settings(settings)
    dispose_engines(str(store_copy))


def _june_deadline(url) -> str:
    with session_scope(url) as s:
        return s.scalars(
            select(Deadline.id).where(Deadline.province == "Đắk Nông", Deadline.due_month == 6, Deadline.due_day == 15)
        ).one()


def _for_unit(url, channel, chat_id, unit, now):
    sub = subscribe(url, channel=channel, chat_id=str(chat_id), province="Đắk Nông", lead_days=(7, 1), now=now)
    with session_scope(url) as s:
        uid = s.scalars(select(ReportUnit.id).where(ReportUnit.name == unit)).one()
        s.add(UnitSubscription(subscription_id=sub.id, unit_id=uid))
    return uid


def _buttons(call) -> list[dict]:
    kb = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in kb for b in row]


T0 = dt.datetime(2027, 1, 2, 9)
WEEK_BEFORE, DAY_BEFORE = dt.datetime(2027, 6, 8, 10), dt.datetime(2027, 6, 14, 10)


async def test_telegram_done_button_stops_the_units_reminders_and_tinhhinh_lists_who_is_late(private_assistant):
    standin = await BotApiStandIn().start()
    cfg = ChannelConfig(
        web_port=0,
        telegram_token=standin.token,
        telegram_base_url=standin.url,
        telegram_poll_timeout=1,
        admin_ids=frozenset({str(ADMIN)}),
        admin_token=TOKEN,
    )
    server = Server(private_assistant, cfg, sweeper=False)
    await server.start()
    try:
        await wait_for(lambda: server.telegram.app.running and any(c.method == "deleteWebhook" for c in standin.calls))
        url = server.services.db_url
        dl = _june_deadline(url)
        stp = _for_unit(url, "telegram", 2001, "Sở Tư pháp", T0)
        _for_unit(url, "telegram", 2002, "Sở Tư pháp", T0)
        syt = _for_unit(url, "telegram", 2003, "Sở Y tế", T0)
        senders = {"telegram": server.services.senders["telegram"]}
        sent = await tick(server.services.settings, now=WEEK_BEFORE, senders=senders)
        assert sorted(d.chat_id for d in sent) == ["2001", "2002", "2003"]
        call = standin.sent(2001)[-1]
        assert visible_text(call.params["text"]).startswith(
            "🔔 Còn 7 ngày: báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT (hạn 15/6/2027)"
        )
        done = [b["callback_data"] for b in _buttons(call) if b["text"] == "✅ Đã nộp"]
        assert done == [f"nop:{dl}:20270615:{stp}"]

        standin.press(2003, done[0])  # a chat of another unit cannot mark Sở Tư pháp
        await wait_for(lambda: any(NOT_YOURS in visible_text(t) for t in standin.texts(2003)))
        standin.press(2001, f"nop:{dl}:2027-06:{stp}")  # malformed
        standin.press(2001, done[0])
        reply = await wait_for(lambda: [t for t in standin.texts(2001) if "Đã ghi nhận" in visible_text(t)])
        assert "✅ Đã ghi nhận: Sở Tư pháp đã nộp báo cáo hạn 15/06/2027" in visible_text(reply[0])
        with session_scope(url) as s:
            row = s.scalars(select(ReportStatus)).one()
            assert (row.unit_id, row.status, row.marked_by) == (stp, "da_nop", "telegram:2001")

        later = await tick(server.services.settings, now=DAY_BEFORE, senders=senders)
        assert [(d.chat_id, d.message.lead_days) for d in later] == [("2003", 1)]  # neither 2001 nor 2002
        assert await tick(server.services.settings, now=DAY_BEFORE, senders=senders) == []
        assert syt != stp

        # a courtesy reminder from the admin page reaches Sở Y tế's registered Telegram contact, whose button marks it
        with session_scope(url) as s:
            s.get(ReportUnit, syt).telegram = "2004"
        form = {"deadline": dl, "due": "2027-06-15"}
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            async with http.post(server.url + "admin/reports/remind", data=form) as r:
                assert "Đã gửi thư nhắc tới 1 đơn vị (Sở Y tế)" in await r.text()
        call = (await wait_for(lambda: standin.sent(2004)))[-1]
        assert visible_text(call.params["text"]).startswith("🔔 Nhắc nộp báo cáo: báo cáo 6 tháng")
        standin.press(2004, [b["callback_data"] for b in _buttons(call) if b["text"] == "✅ Đã nộp"][0])
        await wait_for(lambda: any("Sở Y tế đã nộp" in visible_text(t) for t in standin.texts(2004)))

        n = len(standin.sent(9999))
        standin.message(9999, "/tinhhinh")
        refused = await wait_for(lambda: standin.texts(9999)[n:])
        assert NOT_ALLOWED in visible_text(refused[0])
        for chat in (ADMIN, 3003):  # an admin, and the recipient body's registered desk
            standin.message(chat, "/tinhhinh 200")  # the next 200 days reach 15/6/2027
            shown = await wait_for(
                lambda: "\n".join(visible_text(t) for t in standin.texts(chat)) if standin.texts(chat) else ""
            )
            assert "Đã nộp (2): Sở Tư pháp, Sở Y tế" in shown, shown
    finally:
        standin.release_polls()
        await server.stop()
        await standin.stop()


async def test_zalo_done_button_marks_and_replies(private_assistant):
    standin = await ZaloStandIn(app_id=APP_ID, app_secret=APP_SECRET).start()
    cfg = ChannelConfig(
        web_port=0,
        zalo_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET,
        zalo_app_secret=APP_SECRET,
        zalo_access_token="acc-1",
        zalo_refresh_token="ref-1",
        zalo_api_base_url=standin.url,
        zalo_oauth_base_url=standin.url,
        admin_ids=frozenset({"z-admin"}),
    )
    server = Server(private_assistant, cfg, sweeper=False, zalo_backoff_s=0.01)
    await server.start()
    try:
        url = server.services.db_url
        dl = _june_deadline(url)
        stp = _for_unit(url, "zalo", "z-stp", "Sở Tư pháp", T0)
        _for_unit(url, "zalo", "z-syt", "Sở Y tế", T0)
        senders = {"zalo": server.services.senders["zalo"]}
        await tick(server.services.settings, now=WEEK_BEFORE, senders=senders)
        msg = [m["body"]["message"] for m in standin.messages if m["body"]["recipient"]["user_id"] == "z-stp"][-1]
        buttons = msg["attachment"]["payload"]["buttons"]
        assert [(b["title"], b["payload"]) for b in buttons] == [("✅ Đã nộp", f"#danop {dl} 2027-06-15 {stp}")]

        for user, text in (
            ("z-syt", f"#danop {dl} 2027-06-15 {stp}"),
            ("z-stp", "#danop rác"),
            ("z-stp", buttons[0]["payload"]),
        ):
            status, _ = await post(server, (b := event(user, text)), signed(b))
            assert status == 200
        await wait_for(lambda: any("Đã ghi nhận" in t for t in standin.texts("z-stp")))
        await server.zalo.idle()
        assert NOT_YOURS in standin.texts("z-syt")[-1]
        assert "Nút này không còn hợp lệ." in standin.texts("z-stp")
        later = await tick(server.services.settings, now=DAY_BEFORE, senders=senders)
        assert [d.chat_id for d in later] == ["z-syt"]
        for user, text in (("z-admin", "#tinhhinh 200"), ("z-syt", "#tinhhinh"), ("z-admin", "#tinhhinh abc")):
            status, _ = await post(server, (b := event(user, text)), signed(b))
            assert status == 200
        await wait_for(lambda: len(standin.texts("z-admin")) >= 2 and standin.texts("z-syt")[-1] == NOT_ALLOWED)
        await server.zalo.idle()
        shown = "\n".join(standin.texts("z-admin"))
        assert "Đã nộp (1): Sở Tư pháp" in shown and "Chưa nộp (1): Sở Y tế" in shown
        assert "Cú pháp: /tinhhinh [số ngày tới, 1–730]" in shown
    finally:
        await server.stop()
        await standin.stop()
