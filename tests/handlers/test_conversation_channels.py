"""The conversation of issue 19 (item 5) as Telegram and Zalo users see it, against the stand-ins."""

from __future__ import annotations

import pytest

from tests.handlers.test_telegram import tg  # noqa: F401  (the fixture)
from tests.handlers.test_zalo import event, post, signed, zalo  # noqa: F401  (the fixture)
from tests.support.channels import visible_text, wait_for

pytestmark = pytest.mark.slow


def _said(standin, chat) -> str:
    return "\n".join(visible_text(t) for t in standin.texts(chat))


async def test_telegram_what_can_you_do_and_a_follow_up(tg):
    standin, server = tg
    chat = 1911
    standin.message(chat, "bạn làm được gì?")
    await wait_for(lambda: "Bạn có thể hỏi, ví dụ:" in _said(standin, chat))
    standin.message(chat, "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?")
    await wait_for(lambda: "15/06" in _said(standin, chat))
    n = len(standin.texts(chat))
    standin.message(chat, "còn Tiền Giang thì sao?")
    await wait_for(lambda: len(standin.texts(chat)) > n)
    follow = "\n".join(visible_text(t) for t in standin.texts(chat)[n:])
    assert "01/12" in follow and "Tiền Giang" in follow


async def test_zalo_typos_and_an_undefined_term(zalo):
    standin, server = zalo
    user = "u-1911"
    for q in ("sở gíao dục tiềng giang báo cáo hạn chót ngay nào", "học tập suốt đời là gì"):
        status, _ = await post(server, (b := event(user, q)), signed(b))
        assert status == 200
    await wait_for(lambda: len(standin.texts(user)) >= 2)
    await server.zalo.idle()
    said = "\n".join(standin.texts(user))
    assert "01/12" in said and "Tiền Giang" in said
    assert "Các văn bản hiện có không định nghĩa “học tập suốt đời”" in said


async def test_telegram_pages_the_rest_of_a_long_list(tg, assistant):
    from tests.handlers.test_telegram import _buttons, _reply_count

    standin, server = tg
    chat = 1912
    q = "nhiệm vụ của hội khuyến học"
    expected = assistant.ask(q, conversation_id="more-expected")
    assert expected.more
    standin.message(chat, q)
    calls = await _reply_count(standin, chat, 1)
    more = [b for b in _buttons(calls[-1]) if b["callback_data"].startswith("more:")]
    assert [b["text"] for b in more] == [f"➕ Xem thêm ({len(expected.more)})"]
    seen, data = [], more[0]["callback_data"]
    while data:  # press "Xem thêm" until the list ends
        n = len(standin.sent(chat))
        standin.press(chat, data)
        page = (await wait_for(lambda: len(standin.sent(chat)) > n and standin.sent(chat)))[-1]
        seen.append(visible_text(page.params["text"]))
        data = next((b["callback_data"] for b in _buttons(page) if b["callback_data"].startswith("more:")), None)
    shown = " ".join(" ".join(seen).split())
    assert all(" ".join(x.split()) in shown for x in expected.more)
    standin.press(chat, "more:999999:0")  # another chat's or a forgotten answer
    await wait_for(lambda: any(c.method == "answerCallbackQuery" and c.params.get("show_alert") for c in standin.calls))


async def test_zalo_pages_the_rest_of_a_long_list(zalo, assistant):
    standin, server = zalo
    user = "u-1912"
    q = "nhiệm vụ của hội khuyến học"
    expected = assistant.ask(q, conversation_id="zmore-expected")
    status, _ = await post(server, (b := event(user, q)), signed(b))
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    buttons = standin.messages[-1]["body"]["message"]["attachment"]["payload"]["buttons"]
    more = [x for x in buttons if x["payload"].startswith("#xemthem ")]
    assert [x["title"] for x in more] == [f"➕ Xem thêm ({len(expected.more)})"]
    n = len(standin.texts(user))
    status, _ = await post(server, (b := event(user, more[0]["payload"])), signed(b))
    await wait_for(lambda: len(standin.texts(user)) > n)
    await server.zalo.idle()
    said = " ".join(" ".join(standin.texts(user)[n:]).split())
    assert " ".join(expected.more[0].split()) in said
    status, _ = await post(server, (b := event(user, "#xemthem 1 abc")), signed(b))
    await wait_for(lambda: any("không còn được lưu" in t for t in standin.texts(user)))


async def test_telegram_cites_in_the_one_format_and_finds_tasks_taken_over(tg, assistant):
    standin, server = tg
    chat = 1913
    q = "Sở Nội vụ Đồng Tháp có nhiệm vụ gì về XHHT?"
    expected = assistant.ask(q, conversation_id="tg-reg")
    standin.message(chat, q)
    await wait_for(lambda: "Nguồn" in _said(standin, chat))
    said = _said(standin, chat)
    assert "Sở Lao động - Thương binh và Xã hội (Tiền Giang)" in said and "đã được sắp xếp vào Sở Nội vụ" in said
    assert expected.sources[0].citation in said  # the citation built once, shown as is
    assert "(không ghi số), năm 2021" in said and "chưa ghi số" not in said


async def test_zalo_cites_in_the_one_format_and_lists_a_new_province_s_documents(zalo, assistant):
    standin, server = zalo
    user = "u-1913"
    q = "tỉnh Lâm Đồng có văn bản nào về XHHT?"
    expected = assistant.ask(q, conversation_id="zl-reg")
    status, _ = await post(server, (b := event(user, q)), signed(b))
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    said = "\n".join(standin.texts(user))
    assert "Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông" in said and "Đắk Nông nay thuộc tỉnh Lâm Đồng" in said
    assert all(s.citation in said for s in expected.sources)
