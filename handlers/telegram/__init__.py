"""Telegram adapter (python-telegram-bot 22): a thin layer between chats and `bot.assistant`, by feature.

- `app`: `TelegramBot`, the `Application` builder: which command and which button goes to which handler;
  start (polling, or webhook), stop, and the reminder sender.
- `commands`: questions (free text, example and suggestion buttons), sources, 👍/👎, /start /help /hanchot /lich
  /xoadulieu.
- `subscriptions`: /dangky, /huy, the 🔔 button, the reminders as messages.
- `uploads`: admins add or replace a document by sending the file.
- `admin`: /admin_stats /admin_unanswered /admin_broadcast /admin_reindex (HOCTAP_ADMIN_IDS only).
- `gate`: duplicates, addressing in groups, the rate limit — before every handler.
- `rendering`: blocks of plain text as Telegram HTML messages and their keyboards.
- `webhook`: the route `serve` mounts at TELEGRAM_WEBHOOK_URL's path (it checks the secret header).

What the commands do (upcoming deadlines, subscriptions, reminder texts) comes from `handlers.actions`; this
package renders it as HTML and buttons.

Callback data (≤ 64 bytes):
  ex:<i>            ask example question i          src:<chunk_id>     show the full source section
  sub:<deadline>    remind me of this deadline      fb:<u|d>:<qid>     👍 / 👎 on query qid
  sug:<qid>:<i>     ask the i-th suggested follow-up of query qid
  more:<qid>:<start> the next page of a long answer's rest ("Xem thêm (N)")
  dk:pp:<page> / dk:p:<pi> / dk:ap:<pi>:<page> / dk:a:<pi>:<ai>   /dangky keyboards (pi/ai = -1: all)
  huy:<id> | huy:all               /huy                  xoa:yes | xoa:no    /xoadulieu
  up:v:<event>      the facts of an uploaded document      up:u:<event>       undo that change (admins)
  up:r:<event>:<i>  the uploaded document replaces the i-th similar one (admins)
"""

from handlers.common import announce_new_deadlines
from handlers.telegram.app import TelegramBot
from handlers.telegram.rendering import (
    TG_LIMIT,
    Block,
    answer_blocks,
    esc,
    render_html,
    subscribed_html,
    upcoming_blocks,
)
from handlers.telegram.shared import CHANNEL
from handlers.telegram.uploads import too_big_reply
from handlers.telegram.webhook import WEBHOOK_DEFAULT_PATH, bot_base_url, webhook_path, webhook_route, webhook_secret

__all__ = [
    "CHANNEL",
    "TG_LIMIT",
    "WEBHOOK_DEFAULT_PATH",
    "Block",
    "TelegramBot",
    "announce_new_deadlines",
    "answer_blocks",
    "bot_base_url",
    "esc",
    "render_html",
    "subscribed_html",
    "too_big_reply",
    "upcoming_blocks",
    "webhook_path",
    "webhook_route",
    "webhook_secret",
]
