"""Replacing a document through the upload service re-plans the reminders of the deadline it changed, once:
the old date is never reminded again, the new date is reminded exactly once per lead time. Real store,
real planner and sweeper (bot.reminders), a capturing sender on the console channel."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.support.uploads import lamdong_text, make_store

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(y, m, d, h=8):
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


class Outbox(list):
    """What the console channel was given; `senders` is what the sweeper is handed."""

    def __init__(self):
        super().__init__()

        async def capture(chat_id, message):
            self.append((chat_id, message.due_date, message.lead_days, message.text))

        self.senders = {"console": capture}


@pytest.fixture
def sent():
    return Outbox()


async def test_replacing_a_document_replans_its_reminders_once(tmp_path, sent):
    from bot.reminders.planner import forget_plan_cache
    from bot.reminders.subscriptions import subscribe
    from bot.reminders.sweeper import tick
    from indexer.uploads import DocumentLibrary

    settings = make_store(tmp_path)
    lib = DocumentLibrary(settings)
    added = lib.add("lamdong.txt", lamdong_text().encode(), actor="test:admin")
    assert added.summary.deadlines == 2
    subscribe(settings.database_url, channel="console", chat_id="can-bo", province="Lâm Đồng", now=_at(2026, 12, 1))
    forget_plan_cache()
    await tick(settings, now=_at(2027, 1, 3), senders=sent.senders)  # 7 days before 10/01/2027
    assert [(c, d, n) for c, d, n, _ in sent] == [("can-bo", dt.date(2027, 1, 10), 7)]

    lib.replace("lamdong", "lamdong-sua.txt", lamdong_text("20/01/2027").encode(), actor="test:admin")
    await tick(settings, now=_at(2027, 1, 3, 9), senders=sent.senders)
    await tick(settings, now=_at(2027, 1, 9), senders=sent.senders)  # the old date's 1-day reminder: no longer owed
    assert len(sent) == 1
    await tick(settings, now=_at(2027, 1, 13), senders=sent.senders)  # 7 days before the new date
    await tick(settings, now=_at(2027, 1, 13, 9), senders=sent.senders)  # and again: not twice
    assert [(d, n) for _, d, n, _ in sent[1:]] == [(dt.date(2027, 1, 20), 7)]
    assert "(hạn 20/1/2027)" in sent[1][3]
    await tick(settings, now=_at(2027, 1, 19), senders=sent.senders)
    assert [(d, n) for _, d, n, _ in sent[1:]] == [(dt.date(2027, 1, 20), 7), (dt.date(2027, 1, 20), 1)]

    # undo the replacement: the 10/01 deadline is back, but its day has passed; nothing is sent twice
    lib.undo(lib.history("lamdong", 1)[0].id, actor="test:admin")
    await tick(settings, now=_at(2027, 1, 19, 10), senders=sent.senders)
    assert len(sent) == 3
