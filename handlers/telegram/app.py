"""The PTB `Application`: the features' handlers wired to commands and buttons, started by polling or by webhook."""

from __future__ import annotations

import logging

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers.common import ChannelServices
from handlers.telegram.admin import Admin
from handlers.telegram.commands import Commands
from handlers.telegram.gate import Gate
from handlers.telegram.reports import Reports
from handlers.telegram.shared import Shared
from handlers.telegram.subscriptions import Subscriptions
from handlers.telegram.uploads import Uploads
from handlers.telegram.webhook import bot_base_url, webhook_secret

log = logging.getLogger(__name__)

# the command list Telegram shows (admin commands stay unlisted)
MENU = [
    BotCommand("start", "Giới thiệu và câu hỏi mẫu"),
    BotCommand("help", "Hướng dẫn"),
    BotCommand("hanchot", "Các hạn báo cáo sắp tới"),
    BotCommand("dangky", "Đăng ký nhắc hạn"),
    BotCommand("huy", "Hủy nhắc hạn"),
    BotCommand("lich", "Tải lịch hạn báo cáo (.ics)"),
    BotCommand("xoadulieu", "Xóa dữ liệu của cuộc trò chuyện này"),
]


class TelegramBot:
    """Builds the PTB `Application` from the features (commands, subscriptions, uploads, admin), each holding
    its handlers over the shared services; starts and stops it; sends reminders."""

    def __init__(self, services: ChannelServices):
        self.svc = services
        self.cfg = services.config
        self.shared = Shared(services)
        self.gate = Gate(self.shared)
        self.commands = Commands(self.shared)
        self.subscriptions = Subscriptions(self.shared)
        self.commands.offer_subscription = self.subscriptions.offer  # "Đăng ký nhắc hạn" typed or pressed: an action
        self.uploads = Uploads(self.shared)
        self.admin = Admin(self.shared)
        self.reports = Reports(self.shared)
        self.app: Application = self._build()

    def command_routes(self) -> dict:
        """/command → its handler, in the order they are tried."""
        c, s, a = self.commands, self.subscriptions, self.admin
        return {
            "start": c.start,
            "help": c.help,
            "hanchot": c.hanchot,
            "dangky": s.dangky,
            "huy": s.huy,
            "lich": c.lich,
            "xoadulieu": c.xoadulieu,
            "tinhhinh": self.reports.tinhhinh,
            "admin_stats": a.stats,
            "admin_unanswered": a.unanswered,
            "admin_broadcast": a.broadcast,
            "admin_reindex": a.reindex,
        }

    def button_routes(self) -> dict:
        """Button kinds (the callback data's prefix before ':') and their handlers."""
        c, s = self.commands, self.subscriptions
        return {
            "ex": c.on_example,
            "sug": c.on_suggestion,
            "src": c.on_source,
            "more": c.on_more,
            "sub": s.on_subscribe,
            "fb": c.on_feedback,
            "dk": s.on_dangky,
            "huy": s.on_huy,
            "up": self.uploads.on_button,
            "xoa": c.on_delete,
            "nop": self.reports.on_done,
        }

    def _builder(self) -> ApplicationBuilder:
        b: ApplicationBuilder = (
            Application.builder()
            .token(self.cfg.telegram_token)
            .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
            .concurrent_updates(8)
        )
        if self.cfg.telegram_base_url:
            base = bot_base_url(self.cfg.telegram_base_url)
            b = b.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1) if "/bot" in base else base)
        if self.cfg.telegram_webhook:
            b = b.updater(None)
        return b

    def _build(self) -> Application:
        app = self._builder().build()
        app.add_handler(TypeHandler(Update, self.gate.check), group=-1)
        for name, fn in self.command_routes().items():
            app.add_handler(CommandHandler(name, fn, filters=filters.UpdateType.MESSAGE))
        message = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(message & filters.COMMAND, self.commands.unknown))
        app.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, self.commands.on_text))
        app.add_handler(MessageHandler(message & (filters.Document.ALL | filters.PHOTO), self.uploads.on_file))
        for prefix, handler in self.button_routes().items():  # one handler per kind of button
            app.add_handler(CallbackQueryHandler(guarded(handler), pattern=rf"^{prefix}(?::|$)"))
        app.add_handler(CallbackQueryHandler(on_unknown_button))
        app.add_error_handler(on_error)
        return app

    async def start(self) -> None:
        """Initialise and start: polling by default, or register the webhook when TELEGRAM_WEBHOOK_URL is set."""
        await self.app.initialize()
        await self.app.start()
        try:
            await self.app.bot.set_my_commands(MENU)
        except TelegramError as e:
            log.warning("could not set the command list: %s", e)
        updates = ["message", "callback_query"]
        if self.cfg.telegram_webhook:
            await self.app.bot.set_webhook(
                self.cfg.telegram_webhook_url, secret_token=webhook_secret(self.cfg), allowed_updates=updates
            )
            log.info("Telegram: webhook registered")
        else:
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=self.cfg.telegram_poll_timeout, allowed_updates=updates, bootstrap_retries=-1
            )
            log.info("Telegram: polling as @%s", self.app.bot.username)

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

    async def send_reminder(self, chat_id: str, message) -> None:
        """The Telegram reminder sender (`serve` hands it to the sweeper once the bot has started)."""
        await self.subscriptions.send_reminder(self.app.bot, chat_id, message)


def guarded(handler):
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


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("Telegram handler error: %s", context.error, exc_info=context.error)
