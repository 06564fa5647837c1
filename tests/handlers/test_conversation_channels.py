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
