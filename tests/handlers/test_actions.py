"""The channels' action layer (handlers.actions) over the real store: upcoming deadlines, subscriptions, reminder
texts — and that the web, Telegram and Zalo adapters render the same data and the same wording."""

from __future__ import annotations

import datetime as dt
import itertools

import aiohttp
import pytest

from tests.support.channels import visible_text

from bot.config import load_config
from bot.reminders import list_subscriptions
from bot.reminders.delivery import ReminderMessage
from bot.config import ReminderConfig
from handlers import zalo as zalo_adapter
from handlers.actions import (
    NOT_SUBSCRIBED,
    NOTHING_TO_CANCEL,
    REMINDER_TITLE,
    Actions,
    Upcoming,
    lead_days_phrase,
    reminder_view,
)
from handlers.common import ChannelServices
from bot.config import ChannelConfig
from handlers.serve import Server
from handlers.telegram import TelegramBot, render_html, subscribed_html, upcoming_blocks, webhook_path
from handlers.zalo import ZaloBot, subscribed_text, upcoming_text

pytestmark = pytest.mark.slow

LEADS = (5, 2)
PHRASE = "5 ngày và 2 ngày"
_CHATS = itertools.count(1)


def _chat(prefix: str) -> str:
    return f"{prefix}-{dt.datetime.now().timestamp():.0f}-{next(_CHATS)}"


@pytest.fixture
def services(assistant):
    svc = ChannelServices(assistant, ChannelConfig(web_port=0), reminders=ReminderConfig(lead_days=LEADS))
    yield svc
    svc.close()


class FakeZaloClient:
    def __init__(self):
        self.sent: list[tuple[str, str, list]] = []

    async def send(self, user_id, text, buttons=()):
        self.sent.append((user_id, text, list(buttons)))
        return {"error": 0}


def _zalo(services) -> tuple[ZaloBot, FakeZaloClient]:
    bot = ZaloBot(services)
    bot.client = FakeZaloClient()
    return bot, bot.client


# -- configuration ---------------------------------------------------------------------------------------------
def test_the_lead_days_come_from_the_configuration(tmp_path, monkeypatch):
    assert load_config(tmp_path, environ={}).reminders.lead_days == (7, 1)
    assert load_config(tmp_path, environ={"HOCTAP_REMINDER_LEAD_DAYS": "2, 5"}).reminders.lead_days == LEADS
    with pytest.raises(ValueError, match="HOCTAP_REMINDER_LEAD_DAYS"):
        load_config(tmp_path, environ={"HOCTAP_REMINDER_LEAD_DAYS": "a week"})
    monkeypatch.setenv("HOCTAP_REMINDER_LEAD_DAYS", "5,2")
    assert lead_days_phrase() == PHRASE
    assert lead_days_phrase([1]) == "1 ngày" and lead_days_phrase((1, 7, 3)) == "7 ngày, 3 ngày và 1 ngày"


def test_the_services_take_the_reminders_part_of_the_environment(assistant, monkeypatch):
    monkeypatch.setenv("HOCTAP_REMINDER_LEAD_DAYS", "3")
    svc = ChannelServices(assistant, ChannelConfig(web_port=0))
    try:
        assert Actions(svc).lead_days == (3,)
    finally:
        svc.close()


# -- subscriptions ---------------------------------------------------------------------------------------------
async def test_a_subscription_uses_and_promises_the_configured_lead_days(services):
    actions, chat = Actions(services), _chat("tg")
    sub = await actions.subscribe("telegram", chat, province="Tiền Giang")
    stored = list_subscriptions(services.db_url, channel="telegram", chat_id=chat)
    assert [list(s.lead_days) for s in stored] == [list(LEADS)]
    assert sub.text == f"Đã đăng ký nhắc hạn báo cáo cho Tiền Giang — mọi cơ quan. Tôi sẽ nhắn trước hạn {PHRASE}."
    assert "7 ngày" not in sub.text


async def test_every_channel_says_the_configured_lead_days(services, assistant):
    """Telegram (/dangky and the 🔔 button), Zalo (#dangky) and the web calendar's alarms follow the
    configured lead days: no channel writes '7 ngày và 1 ngày' itself."""
    actions = Actions(services)
    tg = await actions.subscribe("telegram", _chat("tg"), province="Tiền Giang", agency=None)
    html = subscribed_html(tg)
    assert visible_text(html) == (
        f"✅ Đã đăng ký nhắc hạn báo cáo cho Tiền Giang — mọi cơ quan.\n"
        f"Tôi sẽ nhắn trước hạn {PHRASE}. Gõ /huy để hủy, /hanchot để xem các hạn sắp tới."
    )
    assert "<b>Tiền Giang</b>" in html
    deadline_id = assistant.upcoming_deadlines(days=400)[0].deadline.id
    one = await actions.subscribe("telegram", _chat("tg"), deadline_id=deadline_id)
    assert (
        visible_text(subscribed_html(one))
        == f"🔔 Đã đăng ký nhắc hạn này. Tôi sẽ nhắn trước hạn {PHRASE}. Gõ /huy để hủy."
    )

    bot, client = _zalo(services)
    user = _chat("zl")
    await bot._dangky(user, "Tiền Giang")
    assert (
        client.sent[-1][1]
        == subscribed_text(tg)
        == (
            f"Đã đăng ký nhắc hạn báo cáo cho Tiền Giang — mọi cơ quan. Tôi sẽ nhắn trước hạn {PHRASE}. "
            "Gõ #huy để hủy. (Có thể ghi tỉnh: #dangky Tiền Giang)"
        )
    )
    assert [list(s.lead_days) for s in list_subscriptions(services.db_url, channel="zalo", chat_id=user)] == [[5, 2]]

    server = Server(
        assistant, ChannelConfig(web_port=0, rate_limit_count=1000), reminders=services.reminders, sweeper=False
    )
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.url + "calendar.ics") as r:
            ics = (await r.text()).replace("\r\n ", "")
    finally:
        await server.stop()
    assert "TRIGGER:-P4DT16H" in ics and "TRIGGER:-P1DT16H" in ics  # 5 and 2 days before, at 08:00
    assert "TRIGGER:-P6DT16H" not in ics


async def test_unsubscribing_says_what_was_removed(services):
    actions, chat = Actions(services), _chat("zl")
    assert (await actions.unsubscribe("zalo", chat)).text == NOT_SUBSCRIBED
    await actions.subscribe("zalo", chat, province="Tiền Giang")
    await actions.subscribe("zalo", chat)
    subs = await actions.subscriptions("zalo", chat)
    gone = await actions.unsubscribe("zalo", chat, subs[0].id)
    assert gone.text == "Đã hủy nhắc hạn: Tiền Giang (nhắc trước 5, 2 ngày)."
    assert (await actions.unsubscribe("zalo", chat, subs[0].id)).text == NOTHING_TO_CANCEL  # a stale button
    bot, client = _zalo(services)
    await bot._huy(chat, "")
    assert client.sent[-1][1] == "Đã hủy nhắc hạn: mọi tỉnh, thành — mọi cơ quan (nhắc trước 5, 2 ngày)."
    await bot._huy(chat, "")
    assert client.sent[-1][1] == NOT_SUBSCRIBED


# -- reminders -------------------------------------------------------------------------------------------------
def _reminder(text: str, late: bool = False) -> ReminderMessage:
    return ReminderMessage(
        text=text, deadline_id="d1", document_id=None, chunk_id=None, due_date=dt.date.today(), lead_days=3, late=late
    )


def test_a_reminder_text_gets_one_heading():
    late = "🔔 (Nhắc muộn) Còn 3 ngày (15/12/2026) đến hạn: Sở GDĐT báo cáo."
    assert reminder_view(_reminder(late, late=True)).plain == late
    assert reminder_view(_reminder("🔔 Còn 3 ngày (15/12/2026) đến hạn: X.")).heading == ""
    other = reminder_view(_reminder("📄 Văn bản mới: Công văn 1 — X"))
    assert (other.heading, other.plain) == (REMINDER_TITLE, f"{REMINDER_TITLE}: 📄 Văn bản mới: Công văn 1 — X")


async def test_a_late_reminder_has_exactly_one_heading_on_every_channel(services, monkeypatch):
    late = "🔔 (Nhắc muộn) Còn 3 ngày (15/12/2026) đến hạn: Sở GDĐT báo cáo."
    bot, client = _zalo(services)
    await bot.send_reminder("u1", _reminder(late, late=True))
    assert [t for _, t, _ in client.sent] == [late]

    services.config.telegram_token = "123:fake-token-for-a-test"
    tg = TelegramBot(services)
    sent: list[list] = []

    async def capture(bot, chat_id, blocks, markup=None, reply_to=None):
        sent.append(blocks)

    monkeypatch.setattr(tg.shared, "send_blocks", capture)
    await tg.send_reminder("1", _reminder(late, late=True))
    await tg.send_reminder("1", _reminder("📄 Văn bản mới: Công văn 1 — X"))
    shown = [visible_text("\n".join(render_html(b))) for b in sent]
    assert shown[0] == late and shown[0].count("🔔") == 1
    assert shown[1] == f"{REMINDER_TITLE}\n📄 Văn bản mới: Công văn 1 — X"


# -- upcoming deadlines ----------------------------------------------------------------------------------------
async def test_upcoming_deadlines_are_the_same_items_on_every_channel(services, assistant):
    days = 365
    upcoming = await Actions(services).upcoming(None, days)
    assert upcoming.items and upcoming.heading == f"Hạn báo cáo trong {days} ngày tới:"
    assert [i.deadline_id for i in upcoming.items] == [u.deadline.id for u in assistant.upcoming_deadlines(days=days)]

    server = Server(
        assistant, ChannelConfig(web_port=0, rate_limit_count=1000), reminders=services.reminders, sweeper=False
    )
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.url + f"api/deadlines?days={days}") as r:
            assert r.status == 200
            web = await r.json()
    finally:
        await server.stop()
    assert web == upcoming.to_json()
    assert set(web["deadlines"][0]) == {
        "id",
        "due_date",
        "text",
        "what",
        "document",
        "file",
        "chunk_id",
        "section",
        "quote",
    }

    blocks, keyboard = upcoming_blocks(upcoming)
    telegram = visible_text("\n".join(render_html(blocks)))
    zalo = upcoming_text(upcoming)
    for channel_text, shown in ((telegram, 15), (zalo, 10)):
        assert channel_text.startswith(("📅 " if channel_text is telegram else "") + upcoming.heading)
        pos = 0
        for n, item in enumerate(web["deadlines"][:shown], 1):
            date = dt.date.fromisoformat(item["due_date"]).strftime("%d/%m/%Y")
            for part in (f"{n}. {date}", item["what"], item["document"]):
                pos = channel_text.index(part, pos)
    buttons = [b.callback_data for row in keyboard.inline_keyboard for b in row]
    assert buttons == [f"sub:{i['id']}" for i in web["deadlines"][:6]]


async def test_no_upcoming_deadline_gets_one_reply_everywhere(services):
    none = Upcoming("Tiền Giang", 90, ())
    assert none.empty_reply == "Không có hạn báo cáo nào ở Tiền Giang trong 90 ngày tới."
    assert upcoming_blocks(none) == ([(none.empty_reply, "")], None)
    assert upcoming_text(none) == none.empty_reply
    assert none.to_json() == {"days": 90, "province": "Tiền Giang", "deadlines": []}
    bot, client = _zalo(services)
    await bot._hanchot("u-h", "Tiền Giang")
    upcoming = await Actions(services).upcoming("Tiền Giang")
    assert client.sent[-1][1] == zalo_adapter.split_text(upcoming_text(upcoming), zalo_adapter.TEXT_LIMIT)[-1]


# -- request reading and the webhook route ---------------------------------------------------------------------
def test_the_telegram_webhook_path():
    assert webhook_path(ChannelConfig(telegram_webhook_url="https://x.org/tg/hook")) == "/tg/hook"
    assert webhook_path(ChannelConfig(telegram_webhook_url="https://x.org")) == "/telegram/webhook"
    assert webhook_path(ChannelConfig(telegram_webhook_url="https://x.org/")) == "/telegram/webhook"
