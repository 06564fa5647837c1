"""Subscribing from every channel (issue 19, item 1): Telegram's "🔔 Đăng ký nhắc hạn" suggestion subscribes at once,
`/start <payload>` (the web form's t.me link) subscribes as the link says, Zalo's suggestion button sends
`#nhachan <deadline>` which subscribes; against the Bot API and Zalo stand-ins, the real store."""

from __future__ import annotations

import pytest

from bot.reminders import list_subscriptions
from handlers.start_links import read_start_payload, start_payload
from handlers.telegram.commands import BAD_START_LINK
from tests.handlers.test_telegram import _buttons, _reply_count, tg  # noqa: F401  (the fixture)
from tests.handlers.test_zalo import event, post, signed, zalo  # noqa: F401  (the fixture)
from tests.support.channels import visible_text, wait_for

pytestmark = pytest.mark.slow

DEADLINE_QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"


def test_start_payload_round_trips_and_refuses_what_it_does_not_know():
    provinces, agencies = ["Lâm Đồng", "Đồng Tháp"], ["Sở Giáo dục và Đào tạo", "Sở Nội vụ"]
    p = start_payload(province="Đồng Tháp", agency="Sở Nội vụ", lead_days=(1, 7))
    assert p == "pdong-thap_aso-noi-vu_l1-7" and len(p) <= 64
    req = read_start_payload(p, provinces, agencies)
    assert (req.province, req.agency, req.lead_days, req.deadline_id) == ("Đồng Tháp", "Sở Nội vụ", (7, 1), None)
    assert read_start_payload("ddl-0123abcd_l3", provinces, agencies).deadline_id == "dl-0123abcd"
    for bad in ("", "pkhong-co-tinh", "l99", "x1", "p", "dl x", "pdong-thap_pdong-thap", "a" * 65):
        assert read_start_payload(bad, provinces, agencies) is None, bad


async def test_telegram_subscribe_suggestion_is_an_action(tg, assistant):
    standin, server = tg
    chat = 1901
    expected = assistant.ask(DEADLINE_QUESTION, conversation_id="s-expected")
    assert expected.deadline_ids and "Đăng ký nhắc hạn" in expected.suggestions
    standin.message(chat, DEADLINE_QUESTION)
    calls = await _reply_count(standin, chat, 1)
    buttons = _buttons(calls[-1])
    action = [b for b in buttons if b["text"] == "🔔 Đăng ký nhắc hạn"]
    assert [b["callback_data"] for b in action] == [f"sub:{expected.deadline_ids[0]}"]
    assert not any(b["text"] == "❓ Đăng ký nhắc hạn" for b in buttons)  # never sent as a question
    standin.press(chat, action[0]["callback_data"])
    subs = await wait_for(lambda: list_subscriptions(server.services.db_url, channel="telegram", chat_id=str(chat)))
    assert subs[0].deadline_id == expected.deadline_ids[0]
    await wait_for(lambda: any("Đã đăng ký nhắc hạn này" in visible_text(t) for t in standin.texts(chat)))


async def test_telegram_start_payload_subscribes_as_the_link_says(tg, assistant):
    standin, server = tg
    db = server.services.db_url
    deadline = assistant.kb.deadlines[0].id
    standin.message(1902, f"/start {start_payload(deadline_id=deadline, lead_days=(3,))}")
    subs = await wait_for(lambda: list_subscriptions(db, channel="telegram", chat_id="1902"))
    assert (subs[0].deadline_id, list(subs[0].lead_days)) == (deadline, [3])
    standin.message(1903, "/start " + start_payload(province="Tiền Giang", agency="Sở Giáo dục và Đào tạo"))
    subs = await wait_for(lambda: list_subscriptions(db, channel="telegram", chat_id="1903"))
    # an old province name is accepted as is: reminders of Đồng Tháp's documents cover it (2025 register)
    assert [(s.province, s.agency) for s in subs] == [("Tiền Giang", "Sở Giáo dục và Đào tạo")]
    await wait_for(lambda: any("Đã đăng ký nhắc hạn báo cáo cho" in visible_text(t) for t in standin.texts(1903)))
    for chat, payload in ((1904, "pkhong-co-tinh-nay"), (1905, "ddl-khong-co-han-nay")):
        standin.message(chat, f"/start {payload}")
        await wait_for(lambda: any(BAD_START_LINK in visible_text(t) for t in standin.texts(chat)))
        assert not list_subscriptions(db, channel="telegram", chat_id=str(chat))
    standin.message(1906, "/start")  # no payload: the greeting, as before
    await wait_for(lambda: any("Xin chào" in visible_text(t) for t in standin.texts(1906)))


async def test_zalo_subscribe_suggestion_subscribes(zalo, assistant):
    standin, server = zalo
    user = "u-1901"
    expected = assistant.ask(DEADLINE_QUESTION, conversation_id="z19-expected")
    status, _ = await post(server, (b := event(user, DEADLINE_QUESTION)), signed(b))
    assert status == 200
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    buttons = standin.messages[-1]["body"]["message"]["attachment"]["payload"]["buttons"]
    action = [x for x in buttons if x["title"] == "🔔 Đăng ký nhắc hạn"]
    assert [x["payload"] for x in action] == [f"#nhachan {expected.deadline_ids[0]}"]
    status, _ = await post(server, (b := event(user, action[0]["payload"])), signed(b))
    assert status == 200
    subs = await wait_for(lambda: list_subscriptions(server.services.db_url, channel="zalo", chat_id=user))
    assert subs[0].deadline_id == expected.deadline_ids[0]
    await wait_for(lambda: any("Đã đăng ký nhắc hạn này" in t for t in standin.texts(user)))
    status, _ = await post(server, (b := event(user, "#nhachan dl-khong-co")), signed(b))
    await wait_for(lambda: any("Không tìm thấy hạn này" in t for t in standin.texts(user)))


async def test_telegram_dangky_offers_only_todays_bodies_and_maps_old_names(tg):
    from bot.lexicon import load_lexicon

    standin, server = tg
    lex = load_lexicon()
    chat = 1907
    standin.message(chat, "/dangky Đắk Nông")  # an old province name: today's Lâm Đồng
    first = (await _reply_count(standin, chat, 1))[0]
    assert "Lâm Đồng" in visible_text(first.params["text"])
    pi = lex.provinces.index("Lâm Đồng")
    offered, msg = [], first
    names = {f"dk:a:{pi}:{i}": a.name for i, a in enumerate(lex.agencies)}
    while True:  # every page of bodies, as a user would page through them
        buttons = _buttons(msg)
        offered += [names[b["callback_data"]] for b in buttons if b["callback_data"] in names]
        nxt = [b for b in buttons if b["text"] == "Sau ▶"]
        if not nxt:
            break
        n = len(standin.sent(None, "editMessageText"))
        standin.press(chat, nxt[0]["callback_data"])
        await wait_for(lambda: len(standin.sent(None, "editMessageText")) > n)
        msg = standin.sent(None, "editMessageText")[-1]
    assert "Sở Nội vụ" in offered and "Sở Giáo dục và Đào tạo" in offered
    for gone in ("Sở Lao động - Thương binh và Xã hội", "Sở Thông tin và Truyền thông", "Sở Kế hoạch và Đầu tư"):
        assert gone not in offered
    assert not [a for a in offered if "cấp huyện" in a or a.startswith("Phòng Giáo dục")]


async def test_telegram_subscribe_typed_as_text_opens_the_subscription_keyboard(tg):
    standin, server = tg
    for chat, text in ((1908, "Đăng ký nhắc hạn"), (1909, "dang ky nhac han")):
        standin.message(chat, text)
        first = (await _reply_count(standin, chat, 1))[0]
        assert "Bước 1/2" in visible_text(first.params["text"])
        assert any(b["callback_data"] == "dk:p:-1" for b in _buttons(first))  # the /dangky keyboard, not an answer


async def test_zalo_subscribe_typed_as_text_says_how(zalo):
    standin, server = zalo
    user = "u-1908"
    status, _ = await post(server, (b := event(user, "đăng ký nhắc hạn")), signed(b))
    assert status == 200
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    assert standin.texts(user)[-1].startswith("Để nhận nhắc hạn, gõ #dangky")
    buttons = standin.messages[-1]["body"]["message"]["attachment"]["payload"]["buttons"]
    assert {"#dangky", "#hanchot"} <= {x["payload"] for x in buttons}
