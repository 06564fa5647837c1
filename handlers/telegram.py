"""Telegram adapter (python-telegram-bot 22): a thin layer between chats and `bot.assistant`.

Commands: /start /help /hanchot /dangky /huy /lich /xoadulieu and, for HOCTAP_ADMIN_IDS only,
/admin_stats /admin_unanswered /admin_broadcast /admin_reindex. Free text is a question.

Callback data (≤ 64 bytes):
  ex:<i>            ask example question i          src:<chunk_id>     show the full source section
  sub:<deadline>    remind me of this deadline      fb:<u|d>:<qid>     👍 / 👎 on query qid
  sug:<qid>:<i>     ask the i-th suggested follow-up of query qid
  dk:pp:<page> / dk:p:<pi> / dk:ap:<pi>:<page> / dk:a:<pi>:<ai>   /dangky keyboards (pi/ai = -1: all)
  huy:<id> | huy:all               /huy                  xoa:yes | xoa:no    /xoadulieu
  up:v:<event>      the facts of an uploaded document      up:u:<event>       undo that change (admins)
  up:r:<event>:<i>  the uploaded document replaces the i-th similar one (admins)

Webhook mode (TELEGRAM_WEBHOOK_URL): `webhook_route` is the route `serve` mounts at the URL's path; it checks the
secret header and hands the update to the bot. What the commands do (upcoming deadlines, subscriptions, reminder
texts) comes from `handlers.actions`; this module renders it as HTML and buttons.

Admins add a document by sending the file (.docx, .pdf — scans too —, .txt, .md, .html, .png, .jpg, .tif;
Telegram lets bots download at most 20 MB); caption "/thaythe <mã văn bản>" replaces that document.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import re
import sys
from typing import Callable, Iterable
from urllib.parse import urlsplit

from aiohttp import web

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.admin_changes import current_provinces
from bot.answer import Answer
from bot.formatting import deadline_sentence, document_citation
from bot.lexicon import load_lexicon
from indexer.loaders import chunk_page
from handlers.actions import (
    NOT_SUBSCRIBED,
    Actions,
    Subscribed,
    Upcoming,
    describe_subscription,
    first_province,
    reminder_view,
    utf8_clean,
)
from handlers.common import (
    ERROR_REPLY,
    EXAMPLE_QUESTIONS,
    Asked,
    ChannelServices,
    knowledge_summary,
    rate_limited_reply,
    source_lines,
    split_text,
)

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TG_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API serves bots files of at most 20 MB
UPLOAD_REFUSED = (
    "Cảm ơn bạn đã gửi tệp. Chỉ quản trị viên mới thêm được văn bản vào kho; bạn vẫn có thể hỏi "
    "tôi về các văn bản hiện có."
)


async def announce_new_deadlines(svc, library, outcome) -> int:
    """Tell subscribers whose scope a newly added deadline concerns, through their channel's reminder sender
    (Telegram, Zalo, …, whichever this process serves). Returns the number of messages sent."""
    from bot.reminders import delivery

    try:
        notices = await svc.db(library.new_deadline_notices, outcome)
    except Exception:
        log.exception("new-deadline notices could not be prepared")
        return 0
    sent = 0
    for channel, chat_id, message in notices:
        sender = delivery.get_sender(channel)
        if sender is None:
            continue
        try:
            await sender(chat_id, message)
            sent += 1
        except Exception as e:  # noqa: BLE001 - a chat that blocked the bot must not stop the others
            log.info("new-deadline notice to %s:%s not sent (%s)", channel, chat_id, type(e).__name__)
    if notices:
        log.info("announced %d new deadline notice(s) of %s", sent, outcome.doc_id)
    return sent


def too_big_reply(name: str, size: int | None, public_url: str = "") -> str:
    where = f"{public_url}/admin" if public_url else "trang quản trị web (/admin)"
    got = f" ({size / 1024 / 1024:.1f} MB)" if size else ""
    return (
        f"Tệp «{name}»{got} vượt giới hạn 20 MB mà Telegram cho phép bot tải về. Hãy tải tệp lên qua {where} "
        f"(tối đa 50 MB), hoặc gửi bản nhẹ hơn (quét ở 200–300 dpi, đen trắng)."
    )


TG_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
PAGE = 12  # keyboard buttons per page in /dangky
COSTLY_BUTTONS = ("ex:", "sug:", "src:")  # buttons that count towards the per-chat rate limit

Block = tuple[str, str]  # (plain text, tag: "" | "b" | "i")


# -- HTML rendering -------------------------------------------------------------------------------------
def esc(text) -> str:
    return html.escape(str(text or ""), quote=False)


def _fit_escaped(plain: str, budget: int) -> list[str]:
    """Split plain text so each piece, once escaped, is at most `budget` characters."""
    out: list[str] = []
    for piece in split_text(plain, budget):
        while len(esc(piece)) > budget:  # escaping made it longer ("&" → "&amp;")
            n = budget
            while (excess := len(esc(piece[:n])) - budget) > 0:
                n -= max(1, (excess + 4) // 5)
            blank = piece.rfind(" ", 0, n)
            if blank > n // 3:
                n = blank
            out.append(piece[:n].rstrip())
            piece = piece[n:].lstrip()
        if piece:
            out.append(piece)
    return out


def render_html(blocks: Iterable[Block], limit: int = TG_LIMIT) -> list[str]:
    """Blocks of plain text → Telegram HTML messages of at most `limit` characters.

    Every string is escaped; tags never straddle two messages (a long block is split into pieces,
    each wrapped in its own tag); messages break between blocks, paragraphs, lines or words."""
    pieces: list[str] = []
    for plain, tag in blocks:
        if not plain.strip():
            pieces.append("")
            continue
        op, cl = (f"<{tag}>", f"</{tag}>") if tag else ("", "")
        for part in _fit_escaped(plain, limit - len(op) - len(cl)):
            pieces.append(op + esc(part) + cl)
    messages: list[str] = []
    cur: list[str] = []
    size = 0
    for p in pieces:
        add = len(p) + (1 if cur else 0)
        if cur and size + add > limit:
            messages.append("\n".join(cur).strip("\n"))
            cur, size = [], 0
            add = len(p)
        if not cur and not p:
            continue  # no blank line at the top of a message
        cur.append(p)
        size += add
    if cur:
        messages.append("\n".join(cur).strip("\n"))
    return [m for m in messages if m.strip()]


def answer_blocks(ans: Answer) -> list[Block]:
    blocks: list[Block] = [(ans.answer, "")]
    if ans.sources:
        blocks += [("", ""), ("📚 Nguồn:", "b")]
        blocks += [(line, "i") for line in source_lines(ans)]
    return blocks


def _cb(data: str) -> str | None:
    return data if len(data.encode()) <= 64 else None


def answer_keyboard(asked: Asked) -> InlineKeyboardMarkup | None:
    ans, qid = asked.answer, asked.query_id
    rows: list[list[InlineKeyboardButton]] = []
    srcs = [s for s in ans.sources[:3] if s.chunk_id is not None]
    if srcs:
        label = (lambda i: "📄 Xem nguồn đầy đủ") if len(srcs) == 1 else (lambda i: f"📄 Nguồn {i}")
        rows.append([InlineKeyboardButton(label(i), callback_data=f"src:{s.chunk_id}") for i, s in enumerate(srcs, 1)])
    if ans.deadline_ids and _cb(f"sub:{ans.deadline_ids[0]}"):
        rows.append([InlineKeyboardButton("🔔 Nhắc tôi hạn này", callback_data=f"sub:{ans.deadline_ids[0]}")])
    if qid is not None:
        rows.append(
            [
                InlineKeyboardButton("👍 Hữu ích", callback_data=f"fb:u:{qid}"),
                InlineKeyboardButton("👎 Chưa đúng", callback_data=f"fb:d:{qid}"),
            ]
        )
        for i, sug in enumerate(ans.suggestions[:3]):
            rows.append([InlineKeyboardButton("❓ " + sug[:60], callback_data=f"sug:{qid}:{i}")])
    return InlineKeyboardMarkup(rows) if rows else None


def upcoming_blocks(upcoming: Upcoming, limit: int = 15) -> tuple[list[Block], InlineKeyboardMarkup | None]:
    """The /hanchot reply: the heading, each of the first `limit` deadlines (due date, sentence, citation), and
    a 🔔 button for each of the first six."""
    if not upcoming.items:
        return [(upcoming.empty_reply, "")], None
    blocks: list[Block] = [("📅 " + upcoming.heading, "b")]
    buttons = []
    for i, u in enumerate(upcoming.items[:limit], 1):
        blocks += [("", ""), (f"{i}. {u.due_date:%d/%m/%Y}", "b"), (u.sentence, ""), (u.citation, "i")]
        if i <= 6 and _cb(f"sub:{u.deadline_id}"):
            buttons.append(InlineKeyboardButton(f"🔔 {i}", callback_data=f"sub:{u.deadline_id}"))
    if len(upcoming.items) > limit:
        blocks.append((f"… và {len(upcoming.items) - limit} hạn khác. Gõ /lich để tải toàn bộ lịch.", "i"))
    if not buttons:
        return blocks, None
    blocks += [("", ""), ("Bấm 🔔 để được nhắc trước hạn.", "i")]
    return blocks, InlineKeyboardMarkup([buttons[:3], buttons[3:]] if len(buttons) > 3 else [buttons])


def subscribed_html(sub: Subscribed) -> str:
    """The reply to a subscription: a scope chosen with /dangky, or one deadline's 🔔 button."""
    if sub.deadline_id:
        return esc(f"🔔 {sub.text} Gõ /huy để hủy.")
    return (
        "✅ "
        + sub.headline(lambda name: f"<b>{esc(name)}</b>")
        + "\n"
        + esc(sub.lead_sentence)
        + " Gõ /huy để hủy, /hanchot để xem các hạn sắp tới."
    )


def bot_base_url(url: str) -> str:
    """TELEGRAM_BASE_URL → the prefix python-telegram-bot puts before the token.

    Accepts a server address ('http://127.0.0.1:8081'), the '.../bot' prefix, or a '{token}' template."""
    url = url.rstrip("/")
    if "{token}" in url or url.endswith("/bot"):
        return url
    return url + "/bot"


def webhook_secret(cfg) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the bot token (stable across restarts)."""
    if cfg.telegram_webhook_secret:
        return cfg.telegram_webhook_secret
    return hashlib.sha256(b"hoctap-webhook:" + cfg.telegram_token.encode()).hexdigest()[:48]


WEBHOOK_DEFAULT_PATH = "/telegram/webhook"


def webhook_path(cfg) -> str:
    """The route of the webhook: the path of TELEGRAM_WEBHOOK_URL (WEBHOOK_DEFAULT_PATH when it has none)."""
    path = urlsplit(cfg.telegram_webhook_url).path
    return path if path and path != "/" else WEBHOOK_DEFAULT_PATH


def webhook_route(cfg, current_bot: Callable[[], "TelegramBot"]):
    """The aiohttp handler of the webhook route. It checks the secret header (403) and the update (400), then
    hands the update to `current_bot()` (serve makes a new bot when the first one could not start); 503 while
    that bot is not running yet: Telegram delivers the update again later."""

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), webhook_secret(cfg).encode()):
            log.warning("Telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            data = json.loads(await request.text())
            if not isinstance(data, dict) or "update_id" not in data or not utf8_clean(data):
                raise ValueError("not an update")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return web.json_response({"error": "bad update"}, status=400)
        bot = current_bot()
        if not bot.app.running:
            return web.json_response({"error": "starting"}, status=503)
        await bot.process_webhook(data)
        return web.json_response({"ok": True})

    return telegram_webhook


class TelegramBot:
    """Builds the PTB `Application` and holds the handlers (bound methods over shared services)."""

    def __init__(self, services: ChannelServices):
        self.svc = services
        self.cfg = services.config
        self.actions = Actions(services)
        self.lex = load_lexicon(str(services.settings.knowledge_dir))
        self._reindex_lock = asyncio.Lock()
        from indexer.uploads import DocumentLibrary

        self.library = DocumentLibrary(services.settings)
        self.app: Application = self._build()

    # -- application ------------------------------------------------------------------------------
    def _build(self) -> Application:
        b: ApplicationBuilder = (
            Application.builder()
            .token(self.cfg.telegram_token)
            .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
            .concurrent_updates(8)
        )
        if self.cfg.telegram_base_url:
            base = bot_base_url(self.cfg.telegram_base_url)
            b = b.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1) if "/bot" in base else base)
        if self.cfg.telegram_webhook_url:
            b = b.updater(None)
        app = b.build()
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        cmds = {
            "start": self.cmd_start,
            "help": self.cmd_help,
            "hanchot": self.cmd_hanchot,
            "dangky": self.cmd_dangky,
            "huy": self.cmd_huy,
            "lich": self.cmd_lich,
            "xoadulieu": self.cmd_xoadulieu,
            "admin_stats": self.cmd_admin_stats,
            "admin_unanswered": self.cmd_admin_unanswered,
            "admin_broadcast": self.cmd_admin_broadcast,
            "admin_reindex": self.cmd_admin_reindex,
        }
        for name, fn in cmds.items():
            app.add_handler(CommandHandler(name, fn, filters=filters.UpdateType.MESSAGE))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, self.cmd_unknown))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & (filters.Document.ALL | filters.PHOTO), self.on_file)
        )
        for prefix, handler in self._callback_routes().items():  # one handler per kind of button
            app.add_handler(CallbackQueryHandler(self._guarded(handler), pattern=rf"^{prefix}(?::|$)"))
        app.add_handler(CallbackQueryHandler(self.on_unknown_callback))
        app.add_error_handler(self.on_error)
        return app

    async def start(self) -> None:
        """Initialise and start: polling by default, or register the webhook when TELEGRAM_WEBHOOK_URL is set."""
        await self.app.initialize()
        await self.app.start()
        try:
            await self.app.bot.set_my_commands(
                [
                    BotCommand("start", "Giới thiệu và câu hỏi mẫu"),
                    BotCommand("help", "Hướng dẫn"),
                    BotCommand("hanchot", "Các hạn báo cáo sắp tới"),
                    BotCommand("dangky", "Đăng ký nhắc hạn"),
                    BotCommand("huy", "Hủy nhắc hạn"),
                    BotCommand("lich", "Tải lịch hạn báo cáo (.ics)"),
                    BotCommand("xoadulieu", "Xóa dữ liệu của cuộc trò chuyện này"),
                ]
            )
        except TelegramError as e:
            log.warning("could not set the command list: %s", e)
        updates = ["message", "callback_query"]
        if self.cfg.telegram_webhook_url:
            await self.app.bot.set_webhook(
                self.cfg.telegram_webhook_url, secret_token=webhook_secret(self.cfg), allowed_updates=updates
            )
            log.info("Telegram: webhook registered")
        else:
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=self.cfg.telegram_poll_timeout, allowed_updates=updates, bootstrap_retries=-1
            )
            log.info("Telegram: polling as @%s", self.app.bot.username)
        from bot.reminders import delivery

        delivery.register_sender(CHANNEL, self.send_reminder)

    async def stop(self) -> None:
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()
        finally:
            await self.app.shutdown()

    async def process_webhook(self, data: dict) -> None:
        """An update delivered to our webhook route (already authenticated by the secret header)."""
        update = Update.de_json(data, self.app.bot)
        await self.app.update_queue.put(update)

    # -- gate: dedup, addressing in groups, rate limit --------------------------------------------------
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is None and update.callback_query is None:
            raise ApplicationHandlerStop  # edits, channel posts, ...: not for us
        if not await self.svc.db(self.svc.claim, CHANNEL, f"{context.bot.id}:{update.update_id}"):
            log.info("Telegram: update %s already handled", update.update_id)
            raise ApplicationHandlerStop
        chat = update.effective_chat
        if chat is None:
            raise ApplicationHandlerStop
        msg = update.message
        if (
            msg is not None
            and chat.type != ChatType.PRIVATE
            and not self._is_command(msg)
            and self._addressed_text(msg, context.bot) is None
        ):
            raise ApplicationHandlerStop  # group chatter not meant for the bot
        await self.svc.db(self.svc.touch_chat, CHANNEL, str(chat.id), chat.type)
        if self.svc.is_admin(chat.id):
            return
        if update.callback_query is not None and not (update.callback_query.data or "").startswith(COSTLY_BUTTONS):
            return  # keyboard steps and 👍/👎 are cheap: only buttons that ask the assistant count
        allowed, retry, first = self.svc.rate.hit(f"{CHANNEL}:{chat.id}")
        if allowed:
            return
        if first:
            if update.callback_query is not None:
                await update.callback_query.answer(rate_limited_reply(retry), show_alert=True)
            else:
                await context.bot.send_message(chat.id, esc(rate_limited_reply(retry)))
        elif update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop

    @staticmethod
    def _is_command(msg: Message) -> bool:
        return bool(msg.entities and msg.entities[0].type == MessageEntity.BOT_COMMAND and msg.entities[0].offset == 0)

    @staticmethod
    def _addressed_text(msg: Message, bot) -> str | None:
        """In a group: the question without the @mention if the message mentions or replies to the bot."""
        text = msg.text or ""
        uname = (bot.username or "").lower()
        for ent in msg.entities or ():
            if ent.type == MessageEntity.MENTION and msg.parse_entity(ent).lstrip("@").lower() == uname:
                t = msg.parse_entity(ent)
                return (text.replace(t, " ", 1)).strip()
            if ent.type == MessageEntity.TEXT_MENTION and ent.user and ent.user.id == bot.id:
                return text.replace(msg.parse_entity(ent), " ", 1).strip()
        if msg.reply_to_message and msg.reply_to_message.from_user and msg.reply_to_message.from_user.id == bot.id:
            return text.strip()
        return None

    # -- sending ----------------------------------------------------------------------------------------
    async def _send_blocks(self, bot, chat_id, blocks: list[Block], markup=None, reply_to: Message | None = None):
        parts = render_html(blocks)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if reply_to is not None and i == 0:
                await reply_to.reply_text(part, reply_markup=markup if last else None)
            else:
                await bot.send_message(chat_id, part, reply_markup=markup if last else None)

    async def _answer(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, question: str, reply_to: Message | None = None
    ) -> None:
        problem = self.svc.check_question(question)
        if problem:
            await self._send_blocks(context.bot, chat_id, [(problem, "")], reply_to=reply_to)
            return
        try:
            await context.bot.send_chat_action(chat_id, "typing")
        except TelegramError:
            pass
        try:
            asked = await self.svc.ask(CHANNEL, str(chat_id), question)
        except Exception:  # noqa: BLE001 - any failure answers with the error reply
            await self._send_blocks(context.bot, chat_id, [(ERROR_REPLY, "")], reply_to=reply_to)
            return
        await self._send_blocks(
            context.bot, chat_id, answer_blocks(asked.answer), answer_keyboard(asked), reply_to=reply_to
        )

    # -- commands -------------------------------------------------------------------------------------
    async def cmd_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            docs = await self.svc.db(knowledge_summary, self.svc.db_url)
        except Exception:
            log.exception("could not list documents")
            docs = []
        blocks: list[Block] = [
            ("Xin chào! Tôi là Trợ lý Xã hội học tập.", "b"),
            (
                "Tôi trả lời câu hỏi về các văn bản xây dựng xã hội học tập: ai phải làm gì, trước hạn nào, "
                "chỉ tiêu bao nhiêu — kèm trích dẫn nguồn — và nhắc hạn báo cáo.",
                "",
            ),
        ]
        if docs:
            blocks += [("", ""), (f"Tôi đang có {len(docs)} văn bản:", "b")] + [(f"• {d}", "") for d in docs[:15]]
        blocks += [("", ""), ("Hãy gõ câu hỏi, hoặc chọn một câu hỏi mẫu bên dưới. /help để xem các lệnh.", "")]
        kb = InlineKeyboardMarkup(
            [[InlineKeyboardButton(q[:60], callback_data=f"ex:{i}")] for i, q in enumerate(EXAMPLE_QUESTIONS)]
        )
        await self._send_blocks(context.bot, update.effective_chat.id, blocks, kb)

    async def cmd_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        blocks: list[Block] = [
            ("Cách dùng", "b"),
            (
                "Gõ câu hỏi bằng tiếng Việt (có dấu hoặc không dấu). Trong nhóm, hãy nhắc @"
                + (context.bot.username or "bot")
                + " hoặc trả lời tin nhắn của tôi.",
                "",
            ),
            ("", ""),
            ("/hanchot [tỉnh] — các hạn báo cáo trong 90 ngày tới", ""),
            ("/dangky — đăng ký nhắc hạn theo tỉnh và cơ quan", ""),
            ("/huy — hủy nhắc hạn", ""),
            ("/lich [tỉnh] — tải lịch hạn báo cáo (.ics) để thêm vào lịch của bạn", ""),
            ("/xoadulieu — xóa mọi dữ liệu lưu về cuộc trò chuyện này", ""),
            ("", ""),
            ("Dưới mỗi câu trả lời: nút xem nguồn đầy đủ, đăng ký nhắc hạn và 👍/👎 để góp ý.", "i"),
        ]
        await self._send_blocks(context.bot, update.effective_chat.id, blocks)

    def _province_arg(self, context) -> str | None:
        return first_province(self.lex, " ".join(context.args or []))

    async def cmd_hanchot(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        try:
            upcoming = await self.actions.upcoming(self._province_arg(context))
        except Exception:
            log.exception("upcoming_deadlines failed")
            await self._send_blocks(context.bot, chat_id, [(ERROR_REPLY, "")])
            return
        await self._send_blocks(context.bot, chat_id, *upcoming_blocks(upcoming))

    # /dangky --------------------------------------------------------------------------------------
    def _province_keyboard(self, page: int) -> InlineKeyboardMarkup:
        # today's 34 provinces (knowledge/admin_changes.json); buttons keep the gazetteer index, old names still work
        today = set(current_provinces())
        provs = [(i, p) for i, p in enumerate(self.lex.provinces) if p in today]
        start = page * PAGE
        rows = [[InlineKeyboardButton("🌏 Mọi tỉnh, thành", callback_data="dk:p:-1")]] if page == 0 else []
        chunk = [InlineKeyboardButton(p, callback_data=f"dk:p:{i}") for i, p in provs[start : start + PAGE]]
        rows += [chunk[i : i + 2] for i in range(0, len(chunk), 2)]
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀ Trước", callback_data=f"dk:pp:{page - 1}"))
        if start + PAGE < len(provs):
            nav.append(InlineKeyboardButton("Sau ▶", callback_data=f"dk:pp:{page + 1}"))
        if nav:
            rows.append(nav)
        return InlineKeyboardMarkup(rows)

    def _agency_keyboard(self, pi: int, page: int) -> InlineKeyboardMarkup:
        ags = self.lex.agencies
        start = page * PAGE
        rows = [[InlineKeyboardButton("🏛 Mọi cơ quan", callback_data=f"dk:a:{pi}:-1")]] if page == 0 else []
        rows += [
            [InlineKeyboardButton(a.name[:60], callback_data=f"dk:a:{pi}:{start + i}")]
            for i, a in enumerate(ags[start : start + PAGE])
        ]
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀ Trước", callback_data=f"dk:ap:{pi}:{page - 1}"))
        if start + PAGE < len(ags):
            nav.append(InlineKeyboardButton("Sau ▶", callback_data=f"dk:ap:{pi}:{page + 1}"))
        nav.append(InlineKeyboardButton("↩ Chọn lại tỉnh", callback_data="dk:pp:0"))
        rows.append(nav)
        return InlineKeyboardMarkup(rows)

    @staticmethod
    def _pick(items, i: int):
        """items[i], None for -1 ("all"); ValueError for anything else (a forged or stale button)."""
        if i == -1:
            return None
        if not 0 <= i < len(items):
            raise ValueError(f"choice {i} out of range")
        return items[i]

    async def cmd_dangky(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        province = self._province_arg(context)
        if province:
            pi = self.lex.provinces.index(province)
            await update.effective_message.reply_text(
                f"Đăng ký nhắc hạn — <b>{esc(province)}</b>. Chọn cơ quan của bạn:",
                reply_markup=self._agency_keyboard(pi, 0),
            )
            return
        await update.effective_message.reply_text(
            "Đăng ký nhắc hạn báo cáo. Bước 1/2: chọn <b>tỉnh, thành phố</b>:", reply_markup=self._province_keyboard(0)
        )

    async def _dangky_callback(self, query, context, parts: list[str]) -> None:
        kind = parts[1]
        if kind == "pp":
            await query.edit_message_text(
                "Đăng ký nhắc hạn báo cáo. Bước 1/2: chọn <b>tỉnh, thành phố</b>:",
                reply_markup=self._province_keyboard(int(parts[2])),
            )
        elif kind in ("p", "ap"):
            pi = int(parts[2])
            page = int(parts[3]) if kind == "ap" else 0
            name = self._pick(self.lex.provinces, pi) or "mọi tỉnh, thành"
            await query.edit_message_text(
                f"Tỉnh: <b>{esc(name)}</b>. Bước 2/2: chọn <b>cơ quan</b>:",
                reply_markup=self._agency_keyboard(pi, page),
            )
        elif kind == "a":
            pi, ai = int(parts[2]), int(parts[3])
            province = self._pick(self.lex.provinces, pi)
            agency = getattr(self._pick(self.lex.agencies, ai), "name", None)
            sub = await self.actions.subscribe(CHANNEL, query.message.chat.id, province=province, agency=agency)
            await query.edit_message_text(subscribed_html(sub))

    async def cmd_huy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        subs = await self.actions.subscriptions(CHANNEL, chat_id)
        if not subs:
            await update.effective_message.reply_text(esc(NOT_SUBSCRIBED + " Gõ /dangky để đăng ký."))
            return
        if len(subs) == 1:
            gone = await self.actions.unsubscribe(CHANNEL, chat_id)
            await update.effective_message.reply_text(esc(gone.text))
            return
        rows = [
            [InlineKeyboardButton("❌ " + describe_subscription(s)[:58], callback_data=f"huy:{s.id}")]
            for s in subs[:20]
        ]
        rows.append([InlineKeyboardButton("Hủy tất cả", callback_data="huy:all")])
        await update.effective_message.reply_text("Chọn đăng ký muốn hủy:", reply_markup=InlineKeyboardMarkup(rows))

    async def cmd_lich(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        province = self._province_arg(context)
        from bot.reminders.calendar_ics import build_calendar

        try:
            data = await self.svc.db(
                build_calendar, self.svc.db_url, province=province, lead_days=self.actions.lead_days
            )
        except Exception:
            log.exception("build_calendar failed")
            await context.bot.send_message(chat_id, esc(ERROR_REPLY))
            return
        await context.bot.send_document(
            chat_id,
            InputFile(data, filename="han-bao-cao-xhht.ics", attach=True),
            caption=esc(
                "📅 Lịch hạn báo cáo"
                + (f" — {province}" if province else "")
                + ". Mở tệp để thêm vào Lịch Google, Outlook hoặc điện thoại."
            ),
        )

    async def cmd_xoadulieu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        kb = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("🗑 Xóa hết", callback_data="xoa:yes"),
                    InlineKeyboardButton("Không", callback_data="xoa:no"),
                ]
            ]
        )
        await update.effective_message.reply_text(
            "Xóa <b>mọi dữ liệu</b> lưu về cuộc trò chuyện này (câu hỏi, góp ý, đăng ký nhắc hạn)?", reply_markup=kb
        )

    async def cmd_unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat.type == ChatType.PRIVATE:
            await update.effective_message.reply_text("Tôi không biết lệnh này. Gõ /help để xem các lệnh.")

    # -- admin ------------------------------------------------------------------------------------------
    async def _admin_only(self, update: Update) -> bool:
        if self.svc.is_admin(update.effective_chat.id):
            return True
        log.warning("Telegram: admin command refused for chat %s", update.effective_chat.id)
        await update.effective_message.reply_text("⛔ Lệnh này chỉ dành cho quản trị viên.")
        return False

    async def cmd_admin_stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admin_only(update):
            return
        kb = await self.svc.in_pool(self.svc.assistant.stats)
        qs = await self.svc.db(self.svc.query_stats)
        lines: list[Block] = [("📊 Thống kê", "b"), ("Kho tri thức:", "i")]
        lines += [(f"• {k}: {v}", "") for k, v in kb.items()]
        lines += [("Kênh trò chuyện:", "i")]
        lines += [(f"• {k}: {v}", "") for k, v in qs.items()]
        await self._send_blocks(context.bot, update.effective_chat.id, lines)

    async def cmd_admin_unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admin_only(update):
            return
        rows = await self.svc.db(self.svc.unanswered, 30)
        blocks: list[Block] = [("❓ Câu hỏi chưa trả lời được / bị 👎", "b")]
        blocks += [(f"{w} [{c}] {q}", "") for w, c, q in rows] or [("Chưa có.", "i")]
        await self._send_blocks(context.bot, update.effective_chat.id, blocks)

    async def cmd_admin_broadcast(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admin_only(update):
            return
        text = (update.effective_message.text or "").partition(" ")[2].strip()
        if not text:
            await update.effective_message.reply_text("Cú pháp: /admin_broadcast &lt;nội dung&gt;")
            return
        chats = await self.svc.db(self.svc.known_chats, CHANNEL)
        sent = failed = 0
        for cid in chats:
            try:
                await self._send_blocks(context.bot, cid, [("📢 Thông báo", "b"), (text, "")])
                sent += 1
            except RetryAfter as e:
                delay = e.retry_after
                await asyncio.sleep(
                    min(30.0, delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
                )
                failed += 1
            except TelegramError as e:
                failed += 1
                await self.svc.db(self.svc.record_failure, CHANNEL, cid, type(e).__name__, str(e))
            await asyncio.sleep(0.04)  # stay under Telegram's ~30 messages/second
        await update.effective_message.reply_text(f"Đã gửi tới {sent} cuộc trò chuyện, lỗi {failed}.")

    async def cmd_admin_reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admin_only(update):
            return
        if self._reindex_lock.locked():
            await update.effective_message.reply_text("Đang lập chỉ mục lại, vui lòng đợi.")
            return
        async with self._reindex_lock:
            st = self.svc.settings
            await update.effective_message.reply_text("⏳ Đang lập chỉ mục lại kho văn bản…")
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "indexer",
                "--data-dir",
                str(st.data_dir),
                "build",
                str(st.knowledge_dir),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), timeout=3600)
            except asyncio.TimeoutError:
                proc.kill()
                await update.effective_message.reply_text("❌ Lập chỉ mục quá lâu, đã dừng.")
                return
            tail = out.decode("utf-8", "replace").strip().splitlines()[-8:]
            status = "✅ Đã lập chỉ mục lại." if proc.returncode == 0 else f"❌ Lỗi (mã {proc.returncode})."
            await self._send_blocks(context.bot, update.effective_chat.id, [(status, "b")] + [(t, "") for t in tail])

    # -- free text ----------------------------------------------------------------------------------------
    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        chat = update.effective_chat
        if chat.type == ChatType.PRIVATE:
            await self._answer(context, chat.id, msg.text or "")
        else:
            text = self._addressed_text(msg, context.bot)
            if text is not None:
                await self._answer(context, chat.id, text, reply_to=msg)

    # -- buttons ----------------------------------------------------------------------------------------
    def _callback_routes(self) -> dict:
        """Button kinds (the callback data's prefix before ':') and their handlers."""
        return {
            "ex": self._cb_example,
            "sug": self._cb_suggestion,
            "src": self._cb_source,
            "sub": self._cb_subscribe,
            "fb": self._cb_feedback,
            "dk": self._cb_dangky,
            "huy": self._cb_huy,
            "up": self._upload_callback,
            "xoa": self._cb_delete,
        }

    def _guarded(self, handler):
        """A CallbackQueryHandler callback: parses the data, answers malformed buttons politely."""

        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            data = query.data or ""
            chat_id = query.message.chat.id if query.message else query.from_user.id
            try:
                await handler(query, context, chat_id, data.split(":"))
            except (ValueError, IndexError):
                log.info("Telegram: malformed callback data %r", data[:64])
                await query.answer("Nút này không hợp lệ.")

        return run

    async def on_unknown_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()

    async def _cb_example(self, query, context, chat_id: int, parts: list[str]) -> None:
        await query.answer()
        await self._answer(context, chat_id, EXAMPLE_QUESTIONS[int(parts[1])])

    async def _cb_suggestion(self, query, context, chat_id: int, parts: list[str]) -> None:
        ql = await self.svc.db(self.svc.query, int(parts[1]))
        i = int(parts[2])
        if ql is None or ql.chat_id != str(chat_id) or i >= len(ql.suggestions or []):
            await query.answer("Gợi ý này không còn nữa.")
            return
        await query.answer()
        await self._answer(context, chat_id, ql.suggestions[i])

    async def _cb_source(self, query, context, chat_id: int, parts: list[str]) -> None:
        await self._show_source(query, context, chat_id, int(parts[1]))

    async def _cb_subscribe(self, query, context, chat_id: int, parts: list[str]) -> None:
        await self._subscribe_deadline(query, chat_id, parts[1])

    async def _cb_feedback(self, query, context, chat_id: int, parts: list[str]) -> None:
        ok = await self.svc.db(
            self.svc.record_feedback, CHANNEL, str(chat_id), int(parts[2]), 1 if parts[1] == "u" else -1
        )
        await query.answer("Cảm ơn góp ý của bạn!" if ok else "Không tìm thấy câu hỏi này nữa.")

    async def _cb_dangky(self, query, context, chat_id: int, parts: list[str]) -> None:
        await self._dangky_callback(query, context, parts)
        await query.answer()

    async def _cb_huy(self, query, context, chat_id: int, parts: list[str]) -> None:
        await self._huy_callback(query, chat_id, parts[1])

    async def _cb_delete(self, query, context, chat_id: int, parts: list[str]) -> None:
        if parts[1] == "yes":
            n = await self.svc.db(self.svc.delete_chat, CHANNEL, str(chat_id))
            await query.answer("Đã xóa.")
            await query.edit_message_text(f"🗑 Đã xóa toàn bộ dữ liệu của cuộc trò chuyện này ({n} mục).")
        else:
            await query.answer("Đã giữ nguyên.")
            await query.edit_message_text("Đã giữ nguyên dữ liệu.")

    # -- adding documents by sending them (admins) --------------------------------------------------------
    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        chat = update.effective_chat
        if chat.type != ChatType.PRIVATE:
            return  # files in groups are conversation, not uploads
        if not self.svc.is_admin(chat.id):
            log.info("Telegram: file from non-admin chat %s refused", chat.id)
            await msg.reply_text(esc(UPLOAD_REFUSED))
            return
        if msg.document is not None:
            file_id, name, size = msg.document.file_id, msg.document.file_name or "", msg.document.file_size
        else:
            ph = msg.photo[-1]  # the largest size Telegram keeps
            file_id, name, size = ph.file_id, f"anh-{msg.message_id}.jpg", ph.file_size
        name = name or f"tep-{msg.message_id}"
        from indexer.loaders import SUPPORTED

        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if suffix not in SUPPORTED:
            await msg.reply_text(esc(f"Tệp «{name}» có định dạng chưa được hỗ trợ. Hãy gửi {', '.join(SUPPORTED)}."))
            return
        if size and size > TG_DOWNLOAD_LIMIT:
            await msg.reply_text(esc(too_big_reply(name, size, self.cfg.public_url)))
            return
        caption = (msg.caption or "").strip()
        target = None
        m = re.match(r"^/?(?:thaythe|thay thế|thay the)(?:@\w+)?\s+(\S+)", caption, re.IGNORECASE)
        if m:
            target = m.group(1)
        status = await msg.reply_text(
            esc(f"📥 Đã nhận «{name}»" + (f" (thay thế {target})" if target else "") + ". Đang tải về…")
        )
        who = f"telegram:{update.effective_user.id if update.effective_user else chat.id}"
        context.application.create_task(
            self._ingest(context.bot, chat.id, status, file_id, name, target, who), update=update
        )

    async def _ingest(
        self, bot, chat_id: int, status: Message, file_id: str, name: str, target: str | None, who: str
    ) -> None:
        loop = asyncio.get_running_loop()
        shown: list[str] = []

        async def show(text: str) -> None:
            shown.append(text)
            try:
                await bot.edit_message_text(esc("\n".join(shown[-6:])), chat_id=chat_id, message_id=status.message_id)
            except TelegramError as e:
                log.info("Telegram: progress message not edited (%s)", e)

        def progress(text: str) -> None:  # called from the worker thread
            asyncio.run_coroutine_threadsafe(show(text), loop)

        try:
            tg_file = await bot.get_file(file_id)
            data = bytes(await tg_file.download_as_bytearray())
        except BadRequest as e:  # "file is too big" and the like
            await bot.send_message(
                chat_id,
                esc(
                    f"❌ Không tải được «{name}» từ Telegram ({e.message}). "
                    + too_big_reply(name, None, self.cfg.public_url)
                ),
            )
            return
        except TelegramError as e:
            await bot.send_message(
                chat_id, esc(f"❌ Không tải được «{name}» từ Telegram ({type(e).__name__}). Bạn gửi lại giúp nhé.")
            )
            return
        await show(f"📥 Đã tải «{name}» ({len(data) // 1024} KB).")
        from indexer.uploads import UploadError

        try:
            if target:
                outcome = await asyncio.to_thread(self.library.replace, target, name, data, who, progress)
            else:
                outcome = await asyncio.to_thread(self.library.add, name, data, who, progress)
            await self.svc.in_pool(self.svc.assistant.reload)  # answerable now
        except UploadError as e:
            await bot.send_message(chat_id, esc(f"❌ {e}"))
            return
        except Exception:
            log.exception("Telegram upload failed")
            await bot.send_message(chat_id, esc("❌ Có lỗi khi lập chỉ mục văn bản này; kho văn bản giữ nguyên."))
            return
        await show("✅ Xong.")
        await self._send_upload_summary(bot, chat_id, outcome)
        await announce_new_deadlines(self.svc, self.library, outcome)

    async def _send_upload_summary(self, bot, chat_id: int, outcome) -> None:
        verb = {"added": "Đã thêm", "replaced": "Đã thay thế", "removed": "Đã gỡ", "restored": "Đã khôi phục"}
        blocks: list[Block] = [
            (f"✅ {verb.get(outcome.action, outcome.action)} văn bản ({outcome.seconds:.0f} giây)", "b")
        ]
        if outcome.summary:
            blocks += [(x, "") for x in outcome.summary.lines()]
        rows = []
        if outcome.event_id is not None and outcome.summary:
            rows.append(
                [InlineKeyboardButton("📋 Xem hạn, nhiệm vụ, chỉ tiêu", callback_data=f"up:v:{outcome.event_id}")]
            )
        for i, (sid, label) in enumerate(outcome.similar[:3]):
            blocks.append((f"Có vẻ trùng với văn bản đã có: {label} ({sid}).", "i"))
            rows.append([InlineKeyboardButton(f"🔁 Thay thế {sid}"[:60], callback_data=f"up:r:{outcome.event_id}:{i}")])
        if outcome.event_id is not None and outcome.action in ("added", "replaced", "removed"):
            rows.append([InlineKeyboardButton("↩️ Hoàn tác", callback_data=f"up:u:{outcome.event_id}")])
        await self._send_blocks(bot, chat_id, blocks, InlineKeyboardMarkup(rows) if rows else None)

    async def _upload_callback(self, query, context, chat_id: int, parts: list[str]) -> None:
        if not self.svc.is_admin(chat_id):
            await query.answer("⛔ Chỉ dành cho quản trị viên.", show_alert=True)
            return
        from indexer.uploads import UploadError

        kind, event_id = parts[1], int(parts[2])
        ev = await self.svc.db(self.library.event, event_id)
        if ev is None:
            await query.answer("Không tìm thấy thay đổi này.", show_alert=True)
            return
        who = f"telegram:{query.from_user.id}"
        if kind == "v":
            await query.answer()
            await self._send_blocks(context.bot, chat_id, await self.svc.db(self._facts_blocks, ev.document_id))
            return
        await query.answer("⏳ Đang xử lý…")
        try:
            if kind == "u":
                outcome = await asyncio.to_thread(self.library.undo, event_id, who)
            elif kind == "r":
                similar = await self.svc.db(self.library.similar, ev.document_id)
                old_id = similar[int(parts[3])][0]
                outcome = await asyncio.to_thread(self.library.replace_with, old_id, ev.document_id, who)
            else:
                return
            await self.svc.in_pool(self.svc.assistant.reload)
            await announce_new_deadlines(self.svc, self.library, outcome)
        except UploadError as e:
            await context.bot.send_message(chat_id, esc(f"❌ {e}"))
            return
        try:
            await query.edit_message_reply_markup(None)  # the old buttons no longer apply
        except TelegramError:
            pass
        await self._send_upload_summary(context.bot, chat_id, outcome)

    def _facts_blocks(self, doc_id: str) -> list[Block]:
        from sqlalchemy import select

        from store.db import session_scope
        from store.knowledge import Deadline, Document, Responsibility, Target

        with session_scope(self.svc.db_url) as s:
            d = s.get(Document, doc_id)
            if d is None:
                return [("Văn bản này không còn trong kho.", "i")]
            blocks: list[Block] = [("📄 " + document_citation(d), "b")]
            dls = list(s.scalars(select(Deadline).where(Deadline.document_id == doc_id)))
            blocks.append((f"Hạn báo cáo ({len(dls)}):", "b"))
            from bot.formatting import deadline_due_phrase

            blocks += [(f"• {deadline_due_phrase(x)}: {deadline_sentence(x)}", "") for x in dls[:15]] or [("—", "")]
            rs = list(s.scalars(select(Responsibility).where(Responsibility.document_id == doc_id)))
            by_agency: dict[str, int] = {}
            for r in rs:
                by_agency[r.agency] = by_agency.get(r.agency, 0) + 1
            blocks.append((f"Nhiệm vụ ({len(rs)}):", "b"))
            blocks += [(f"• {a}: {n}", "") for a, n in list(by_agency.items())[:20]] or [("—", "")]
            ts = list(s.scalars(select(Target).where(Target.document_id == doc_id)))
            blocks.append((f"Chỉ tiêu ({len(ts)}):", "b"))
            blocks += [
                (f"• {t.year or ''} {t.value:g}% {t.indicator}" if t.value is not None else f"• {t.indicator}", "")
                for t in ts[:15]
            ] or [("—", "")]
        return blocks

    async def _show_source(self, query, context, chat_id: int, chunk_id: int) -> None:
        found = await self.svc.in_pool(self.svc.assistant.chunk, chunk_id)
        if not found:
            await query.answer(
                "Không tìm thấy đoạn văn bản này (kho văn bản có thể vừa được cập nhật).", show_alert=True
            )
            return
        doc, ch = found
        await query.answer()
        blocks: list[Block] = [("📄 " + document_citation(doc), "b")]
        page = await self.svc.db(chunk_page, self.svc.db_url, chunk_id)
        if ch.section_path or page:
            blocks.append((" — ".join(x for x in (ch.section_path, f"trang {page}" if page else "") if x), "i"))
        blocks += [("", ""), (ch.text, "")]
        await self._send_blocks(context.bot, chat_id, blocks)

    async def _subscribe_deadline(self, query, chat_id: int, deadline_id: str) -> None:
        try:
            sub = await self.actions.subscribe(CHANNEL, chat_id, deadline_id=deadline_id)
        except (KeyError, LookupError, ValueError) as e:
            log.info("subscribe_deadline refused: %s", e)
            await query.answer("Không tìm thấy hạn này (kho văn bản có thể vừa được cập nhật).", show_alert=True)
            return
        await query.answer("🔔 Đã đăng ký nhắc hạn.")
        await query.get_bot().send_message(chat_id, subscribed_html(sub))

    async def _huy_callback(self, query, chat_id: int, which: str) -> None:
        gone = await self.actions.unsubscribe(CHANNEL, chat_id, None if which == "all" else int(which))
        await query.answer("Đã hủy." if gone.removed else "Không còn đăng ký này.")
        await query.edit_message_text(esc(gone.text))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram handler error: %s", context.error, exc_info=context.error)

    # -- reminders --------------------------------------------------------------------------------------
    async def send_reminder(self, chat_id: str, message) -> None:
        from bot.reminders.delivery import PermanentSendError, TransientSendError

        view = reminder_view(message)
        blocks: list[Block] = ([(view.heading, "b")] if view.heading else []) + [(view.text, "")]
        markup = None
        if getattr(message, "chunk_id", None) is not None:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton("📄 Xem nguồn", callback_data=f"src:{message.chunk_id}")]]
            )
        try:
            await self._send_blocks(self.app.bot, chat_id, blocks, markup)
        except (Forbidden, BadRequest) as e:
            raise PermanentSendError(f"{type(e).__name__}: {e}") from e
        except (RetryAfter, TimedOut, NetworkError) as e:
            raise TransientSendError(f"{type(e).__name__}: {e}") from e
