"""End to end: the real python-telegram-bot Application, polling (and in webhook mode) over HTTP against
a Bot API stand-in on 127.0.0.1. What the chat shows is compared with `assistant.ask` for the same question."""

from __future__ import annotations

import asyncio
import html
import re

import aiohttp
import pytest
from sqlalchemy import select

from tests.support.channels import BotApiStandIn, visible_text, wait_for

from store.db import session_scope
from handlers.common import EXAMPLE_QUESTIONS
from bot.config import ChannelConfig
from store.channels import Feedback, ProcessedUpdate, QueryLog
from handlers.serve import Server
from handlers.telegram import TG_LIMIT, render_html, webhook_secret

pytestmark = pytest.mark.slow

ADMIN = 4242
QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"


def _cfg(standin: BotApiStandIn, **kw) -> ChannelConfig:
    cfg = ChannelConfig(
        web_port=0,
        telegram_token=standin.token,
        telegram_base_url=standin.url,
        telegram_poll_timeout=1,
        admin_ids=frozenset({str(ADMIN)}),
    )
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


async def _running(assistant, standin, **kw) -> Server:
    server = Server(assistant, _cfg(standin, **kw), sweeper=False)
    await server.start()
    await wait_for(
        lambda: (
            server.telegram.app.running
            # the webhook registered (app.running comes true a moment before), or polling begun
            and any(
                c.method == ("setWebhook" if server.cfg.telegram_webhook_url else "deleteWebhook")
                for c in standin.calls
            )
        )
    )
    return server


@pytest.fixture
async def tg(assistant):
    standin = await BotApiStandIn().start()
    server = await _running(assistant, standin)
    yield standin, server
    standin.release_polls()
    await server.stop()
    await standin.stop()


def _buttons(call) -> list[dict]:
    kb = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b for row in kb for b in row]


def _joined(standin, chat_id, n_before=0) -> str:
    return "\n".join(visible_text(t) for t in standin.texts(chat_id)[n_before:])


async def _reply_count(standin, chat_id, n) -> list:
    return await wait_for(lambda: len(standin.sent(chat_id)) >= n and standin.sent(chat_id))


# -- questions and buttons ----------------------------------------------------------------------------------
async def test_question_gets_the_assistant_answer_with_buttons(tg, assistant):
    standin, server = tg
    chat = 1001
    standin.message(chat, QUESTION)
    calls = await _reply_count(standin, chat, 1)
    await asyncio.sleep(0.2)
    expected = assistant.ask(QUESTION, conversation_id="t-expected")
    calls = standin.sent(chat)
    assert all(c.params.get("parse_mode") == "HTML" for c in calls)
    shown = _joined(standin, chat)
    # the whole answer text, unchanged, and every source's document named
    assert " ".join(expected.answer.split()) in " ".join(shown.split())
    for s in expected.sources[:3]:
        assert s.doc in shown
    buttons = _buttons(calls[-1])
    data = [b["callback_data"] for b in buttons]
    assert any(d.startswith("fb:u:") for d in data) and any(d.startswith("fb:d:") for d in data)
    src = [d for d in data if d.startswith("src:")]
    assert src == [f"src:{s.chunk_id}" for s in expected.sources[:3] if s.chunk_id is not None]
    if expected.deadline_ids:
        assert f"sub:{expected.deadline_ids[0]}" in data
    # the question is logged for the admin commands
    with session_scope(server.services.db_url) as s:
        q = s.scalars(select(QueryLog).where(QueryLog.chat_id == str(chat))).one()
        assert q.question == QUESTION and q.answered == expected.answered


async def test_start_examples_source_and_feedback_buttons(tg, assistant):
    standin, server = tg
    chat = 1002
    standin.message(chat, "/start")
    start = (await _reply_count(standin, chat, 1))[0]
    assert "Trợ lý Xã hội học tập" in visible_text(start.params["text"])
    ex = [b for b in _buttons(start) if b["callback_data"].startswith("ex:")]
    # each label is the whole question (none cut mid-word) and fits a phone's button
    assert [b["text"] for b in ex] == list(EXAMPLE_QUESTIONS) and all(len(q) <= 60 for q in EXAMPLE_QUESTIONS)

    # an example question button asks that question
    standin.press(chat, ex[1]["callback_data"])
    await _reply_count(standin, chat, 2)
    await asyncio.sleep(0.2)
    expected = assistant.ask(EXAMPLE_QUESTIONS[1], conversation_id="t-ex")
    n_after_answer = len(standin.sent(chat))
    assert " ".join(expected.answer.split()[:30]) in " ".join(_joined(standin, chat, 1).split())
    assert any(c.method == "answerCallbackQuery" for c in standin.calls)

    # "show the full source" sends the whole section the first source came from
    answer_call = standin.sent(chat)[-1]
    data = [b["callback_data"] for b in _buttons(answer_call)]
    src = next(d for d in data if d.startswith("src:"))
    doc, chunk = assistant.chunk(int(src.split(":")[1]))
    standin.press(chat, src)
    await _reply_count(standin, chat, n_after_answer + 1)
    await asyncio.sleep(0.2)
    shown = _joined(standin, chat, n_after_answer)
    assert " ".join(chunk.text.split()) in " ".join(shown.split())
    assert doc.label in shown

    # 👎 is stored with the question
    down = next(d for d in data if d.startswith("fb:d:"))
    standin.press(chat, down)
    await wait_for(lambda: _feedback(server, chat))
    fb = _feedback(server, chat)[0]
    assert fb.rating == -1 and fb.question == EXAMPLE_QUESTIONS[1]
    # a second vote on the same answer replaces the first
    standin.press(chat, down.replace("fb:d:", "fb:u:"))
    await wait_for(lambda: _feedback(server, chat) and _feedback(server, chat)[0].rating == 1)
    assert len(_feedback(server, chat)) == 1


def _feedback(server, chat):
    with session_scope(server.services.db_url) as s:
        return list(s.scalars(select(Feedback).where(Feedback.chat_id == str(chat))))


async def test_suggestion_and_forged_callbacks(tg, assistant):
    standin, server = tg
    chat = 1003
    standin.press(chat, "src:999999999")  # a chunk that does not exist
    standin.press(chat, "fb:u:notanumber")  # malformed
    standin.press(chat, "sug:1:0")  # someone else's query (or none)
    standin.press(chat, "sub:no-such-deadline")
    standin.press(chat, "dk:a:9999:9999")  # out-of-range keyboard choice
    await wait_for(lambda: len([c for c in standin.calls if c.method == "answerCallbackQuery"]) >= 5)
    await asyncio.sleep(0.2)
    assert standin.sent(chat) == []
    assert _feedback(server, chat) == []
    from bot.reminders import list_subscriptions

    subs = list_subscriptions(server.services.db_url, channel="telegram", chat_id=str(chat))
    assert subs == []


# -- reminders ------------------------------------------------------------------------------------------------
async def test_dangky_creates_a_subscription_and_huy_removes_it(tg, assistant):
    from bot.lexicon import load_lexicon
    from bot.reminders import list_subscriptions

    standin, server = tg
    chat = 1004
    lex = load_lexicon()
    db = server.services.db_url

    standin.message(chat, "/dangky")
    first = (await _reply_count(standin, chat, 1))[0]
    data = [b["callback_data"] for b in _buttons(first)]
    assert "dk:p:-1" in data and "dk:pp:1" in data  # "all provinces" and a next page
    pi = lex.provinces.index("Tiền Giang")
    if f"dk:p:{pi}" not in data:  # on a later page: page through like a user
        standin.press(chat, f"dk:pp:{pi // 12}")
        await wait_for(lambda: standin.sent(None, "editMessageText"))
    standin.press(chat, f"dk:p:{pi}")
    edit = await wait_for(
        lambda: [c for c in standin.sent(None, "editMessageText") if "Tiền Giang" in c.params["text"]]
    )
    agencies = [b for b in _buttons(edit[-1]) if b["callback_data"].startswith(f"dk:a:{pi}:")]
    ai = next(i for i, a in enumerate(lex.agencies) if a.name == "Sở Giáo dục và Đào tạo")
    assert any(b["callback_data"] == f"dk:a:{pi}:{ai}" for b in agencies)
    standin.press(chat, f"dk:a:{pi}:{ai}")
    await wait_for(lambda: list_subscriptions(db, channel="telegram", chat_id=str(chat)))
    subs = list_subscriptions(db, channel="telegram", chat_id=str(chat))
    assert [(s.province, s.agency) for s in subs] == [("Tiền Giang", "Sở Giáo dục và Đào tạo")]
    await wait_for(lambda: any("Đã đăng ký" in c.params["text"] for c in standin.sent(None, "editMessageText")))

    standin.message(chat, "/huy")
    await wait_for(lambda: not list_subscriptions(db, channel="telegram", chat_id=str(chat)))
    await wait_for(lambda: any("Đã hủy" in t for t in standin.texts(chat)))


async def test_subscribe_button_under_a_deadline(tg, assistant):
    from bot.reminders import list_subscriptions

    standin, server = tg
    chat = 1005
    standin.message(chat, "/hanchot")
    msg = (await _reply_count(standin, chat, 1))[0]
    items = assistant.upcoming_deadlines(days=90)
    if not items:
        assert "Không có hạn" in visible_text(msg.params["text"])
        pytest.skip("no deadline within 90 days of today in the knowledge base")
    shown = _joined(standin, chat)
    assert f"{items[0].due_date:%d/%m/%Y}" in shown
    sub = next(b["callback_data"] for b in _buttons(standin.sent(chat)[-1]) if b["callback_data"].startswith("sub:"))
    assert sub == f"sub:{items[0].deadline.id}"
    standin.press(chat, sub)
    await wait_for(lambda: list_subscriptions(server.services.db_url, channel="telegram", chat_id=str(chat)))
    subs = list_subscriptions(server.services.db_url, channel="telegram", chat_id=str(chat))
    assert subs[0].deadline_id == items[0].deadline.id


async def test_reminder_is_delivered_through_telegram(tg, assistant):
    import datetime as dt
    from bot.reminders import subscribe_deadline
    from bot.reminders.sweeper import tick

    standin, server = tg
    chat = 1012
    items = assistant.upcoming_deadlines(days=365)
    if not items:
        pytest.skip("no deadline within a year in the knowledge base")
    u = items[0]
    send_day = u.due_date - dt.timedelta(days=7)
    subscribe_deadline(
        server.services.db_url,
        channel="telegram",
        chat_id=str(chat),
        deadline_id=u.deadline.id,
        lead_days=(7,),
        now=dt.datetime.combine(send_day - dt.timedelta(days=30), dt.time(9)),
    )
    delivered = await tick(
        server.services.settings,
        now=dt.datetime.combine(send_day, dt.time(10)),
        senders={"telegram": server.services.senders["telegram"]},  # serve's, once the bot has started
    )
    mine = [d for d in delivered if d.chat_id == str(chat)]
    assert len(mine) == 1
    call = standin.sent(chat)[-1]
    assert " ".join(mine[0].message.text.split()) in " ".join(visible_text(call.params["text"]).split())
    if mine[0].message.chunk_id is not None:
        assert [b["callback_data"] for b in _buttons(call)] == [f"src:{mine[0].message.chunk_id}"]


async def test_lich_sends_an_ics_file(tg):
    standin, server = tg
    chat = 1006
    standin.message(chat, "/lich")
    doc = (await wait_for(lambda: standin.sent(chat, "sendDocument")))[0]
    name, content = next(iter(doc.files.values()))
    assert name.endswith(".ics")
    assert content.startswith(b"BEGIN:VCALENDAR")


async def test_xoadulieu_deletes_what_is_stored_about_the_chat(tg, assistant):
    from bot.reminders import list_subscriptions, subscribe

    standin, server = tg
    chat = 1007
    db = server.services.db_url
    standin.message(chat, QUESTION)
    await _reply_count(standin, chat, 1)
    subscribe(db, channel="telegram", chat_id=str(chat), province="Đắk Nông")
    await wait_for(lambda: _queries(server, chat))
    standin.message(chat, "/xoadulieu")
    confirm = await wait_for(lambda: [c for c in standin.sent(chat) if "xoa:yes" in str(c.params.get("reply_markup"))])
    assert confirm
    standin.press(chat, "xoa:yes")
    await wait_for(lambda: any("Đã xóa" in c.params["text"] for c in standin.sent(None, "editMessageText")))
    assert _queries(server, chat) == []
    assert list_subscriptions(db, channel="telegram", chat_id=str(chat)) == []


def _queries(server, chat):
    with session_scope(server.services.db_url) as s:
        return list(s.scalars(select(QueryLog).where(QueryLog.chat_id == str(chat))))


# -- delivery, groups, limits -----------------------------------------------------------------------------------
async def test_a_duplicated_update_is_answered_once(tg):
    standin, server = tg
    chat = 1008
    upd = standin.message(chat, "/help", twice=True)
    await _reply_count(standin, chat, 1)
    # wait until the stand-in has delivered the update the second time, then a little more
    await wait_for(lambda: not standin._redeliver)
    await asyncio.sleep(0.5)
    assert len(standin.sent(chat)) == 1
    with session_scope(server.services.db_url) as s:
        assert s.get(ProcessedUpdate, ("telegram", f"{standin.BOT['id']}:{upd['update_id']}")) is not None


async def test_group_chat_answers_mentions_and_commands_only(tg, assistant):
    standin, server = tg
    group = -5001
    standin.message(group, "chào cả nhóm, họp lúc 3 giờ nhé", chat_type="group", user_id=77)
    standin.message(group, "/help@other_bot", chat_type="group", user_id=77)
    standin.message(group, f"@hoctap_test_bot {QUESTION}", chat_type="group", user_id=77)
    await _reply_count(standin, group, 1)
    await asyncio.sleep(0.5)
    expected = assistant.ask(QUESTION, conversation_id="t-group")
    assert " ".join(expected.answer.split()[:30]) in " ".join(_joined(standin, group).split())
    first = standin.sent(group)[0]
    assert first.params.get("reply_parameters") or first.params.get("reply_to_message_id")
    n = len(standin.sent(group))
    standin.message(group, "/help@hoctap_test_bot", chat_type="group", user_id=77)
    await _reply_count(standin, group, n + 1)
    assert "/hanchot" in visible_text(standin.texts(group)[-1])


async def test_rate_limit_replies_politely_once(assistant):
    standin = await BotApiStandIn().start()
    server = await _running(assistant, standin, rate_limit_count=2, rate_limit_window_s=60)
    try:
        chat = 1009
        for _ in range(5):
            standin.message(chat, "/help")
        await _reply_count(standin, chat, 3)
        await asyncio.sleep(0.6)
        texts = [visible_text(t) for t in standin.texts(chat)]
        assert len(texts) == 3
        assert sum("gửi hơi nhanh" in t for t in texts) == 1
    finally:
        standin.release_polls()
        await server.stop()
        await standin.stop()


# -- admin ----------------------------------------------------------------------------------------------------
async def test_admin_commands_refused_to_others(tg):
    standin, server = tg
    stranger = 1010
    for cmd in ("/admin_stats", "/admin_unanswered", "/admin_broadcast xin chào mọi người", "/admin_reindex"):
        standin.message(stranger, cmd)
    await _reply_count(standin, stranger, 4)
    await asyncio.sleep(0.3)
    texts = [visible_text(t) for t in standin.texts(stranger)]
    assert len(texts) == 4 and all("chỉ dành cho quản trị viên" in t for t in texts)
    assert not any("xin chào mọi người" in visible_text(c.params.get("text", "")) for c in standin.sent())

    standin.message(ADMIN, "/admin_stats")
    stats = visible_text((await _reply_count(standin, ADMIN, 1))[0].params["text"])
    assert "Thống kê" in stats and "Câu hỏi" in stats and "Văn bản" in stats
    assert not re.search(r"[a-z]+_[a-z]+|\{", stats)  # no English keys, no Python dict
    assert "<pre>" in (await _reply_count(standin, ADMIN, 1))[0].params["text"]
    standin.message(ADMIN, "/admin_unanswered")
    await _reply_count(standin, ADMIN, 2)
    assert "chưa trả lời" in visible_text(standin.texts(ADMIN)[1])
    standin.message(ADMIN, "/admin_broadcast Họp giao ban lúc 8 giờ <thứ Hai>")
    await wait_for(
        lambda: any(
            "Họp giao ban lúc 8 giờ <thứ Hai>" in visible_text(c.params.get("text", "")) for c in standin.sent(stranger)
        )
    )


# -- webhook mode ------------------------------------------------------------------------------------------------
async def test_webhook_mode_checks_the_secret_and_dedups(assistant):
    standin = await BotApiStandIn().start()
    server = await _running(
        assistant,
        standin,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret="s3cret-Token_1",
    )
    try:
        hook = next(c for c in standin.calls if c.method == "setWebhook")
        assert hook.params["url"] == "https://bot.example.org/tg/hook"
        assert hook.params["secret_token"] == "s3cret-Token_1" == webhook_secret(server.cfg)
        chat = 1011
        upd = {
            "update_id": 777001,
            "message": {
                "message_id": 5,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "A"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        url = server.url.rstrip("/") + "/tg/hook"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=upd, headers=headers) as r:
                    assert r.status == 403
            ok = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
            async with http.post(url, data=b"{not json", headers=ok) as r:
                assert r.status == 400
            for _ in range(2):  # Telegram delivering the same update twice
                async with http.post(url, json=upd, headers=ok) as r:
                    assert r.status == 200
        await _reply_count(standin, chat, 1)
        await asyncio.sleep(0.4)
        assert len(standin.sent(chat)) == 1
        assert not any(c.method == "getUpdates" for c in standin.calls)
    finally:
        standin.release_polls()
        await server.stop()
        await standin.stop()


# -- rendering -------------------------------------------------------------------------------------------------
def test_long_html_is_split_cleanly_and_escaped():
    para = (
        "Sở Giáo dục & Đào tạo <chủ trì> báo cáo \"tình hình\" trước ngày 15/12 hằng năm; "
        "UBND cấp huyện phối hợp > thực hiện. "
    ) * 30
    text = "\n\n".join([para] * 5) + " " + "x" * 5000  # paragraphs, then one unbreakable word
    parts = render_html([("Tiêu đề <b>", "b"), (text, ""), ("", ""), ("Nguồn: Công văn 3597/UBND-KGVX & <KH>", "i")])
    assert len(parts) > 3
    for p in parts:
        assert len(p) <= TG_LIMIT
        assert p.count("<b>") == p.count("</b>") and p.count("<i>") == p.count("</i>")
        stripped = re.sub(r"</?(b|i)>", "", p)
        assert "<" not in stripped and ">" not in stripped  # everything else escaped
    seen = " ".join(visible_text(p) for p in parts)
    assert " ".join(seen.split()).replace(" ", "") == (
        "Tiêu đề <b>" + text + "Nguồn: Công văn 3597/UBND-KGVX & <KH>"
    ).replace(" ", "").replace("\n", "")
    assert html.escape("<chủ trì>", quote=False) in parts[1] or html.escape("<chủ trì>", quote=False) in parts[0]


def test_dense_escapes_still_fit():
    parts = render_html([("&<>" * 3000, "b")])
    assert all(len(p) <= TG_LIMIT for p in parts)
    assert "".join(visible_text(p) for p in parts) == "&<>" * 3000
