"""Reminders of deadlines: /dangky (province, then agency, on paged keyboards), /huy, the 🔔 button under a
deadline, and the reminders themselves as Telegram messages."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from bot.admin_changes import current_province, current_provinces
from handlers.actions import NOT_SUBSCRIBED, current_agency_names, describe_subscription, reminder_view
from handlers.report_actions import done_button_data
from handlers.telegram.commands import province_arg
from handlers.telegram.rendering import Block, esc, subscribed_html
from handlers.telegram.shared import CHANNEL, Shared

log = logging.getLogger(__name__)

PAGE = 12  # keyboard buttons per page in /dangky
CHOOSE_PROVINCE = "Đăng ký nhắc hạn báo cáo. Bước 1/2: chọn <b>tỉnh, thành phố</b>:"


def pick(items, i: int):
    """items[i], None for -1 ("all"); ValueError for anything else (a forged or stale button)."""
    if i == -1:
        return None
    if not 0 <= i < len(items):
        raise ValueError(f"choice {i} out of range")
    return items[i]


class Subscriptions:
    def __init__(self, shared: Shared):
        self.shared = shared
        self.actions = shared.actions
        self.lex = shared.lex

    # -- /dangky ----------------------------------------------------------------------------------------
    def province_keyboard(self, page: int) -> InlineKeyboardMarkup:
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

    def agency_keyboard(self, pi: int, page: int) -> InlineKeyboardMarkup:
        # bodies that exist today (2025 register: no Sở LĐTBXH, Sở TTTT, Sở KH&ĐT, UBND cấp huyện, Phòng GDĐT);
        # buttons keep the gazetteer index
        today = set(current_agency_names(self.lex))
        ags = [(i, a) for i, a in enumerate(self.lex.agencies) if a.name in today]
        start = page * PAGE
        rows = [[InlineKeyboardButton("🏛 Mọi cơ quan", callback_data=f"dk:a:{pi}:-1")]] if page == 0 else []
        rows += [
            [InlineKeyboardButton(a.name[:60], callback_data=f"dk:a:{pi}:{i}")] for i, a in ags[start : start + PAGE]
        ]
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀ Trước", callback_data=f"dk:ap:{pi}:{page - 1}"))
        if start + PAGE < len(ags):
            nav.append(InlineKeyboardButton("Sau ▶", callback_data=f"dk:ap:{pi}:{page + 1}"))
        nav.append(InlineKeyboardButton("↩ Chọn lại tỉnh", callback_data="dk:pp:0"))
        rows.append(nav)
        return InlineKeyboardMarkup(rows)

    async def dangky(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        province = current_province(province_arg(self.shared, context))  # an old name: today's province
        if province and province in self.lex.provinces:
            pi = self.lex.provinces.index(province)
            await update.effective_message.reply_text(
                f"Đăng ký nhắc hạn — <b>{esc(province)}</b>. Chọn cơ quan của bạn:",
                reply_markup=self.agency_keyboard(pi, 0),
            )
            return
        await update.effective_message.reply_text(CHOOSE_PROVINCE, reply_markup=self.province_keyboard(0))

    async def offer(self, bot, chat_id: int) -> None:
        """The /dangky keyboard, for "Đăng ký nhắc hạn" typed as text or pressed on an older answer's suggestion."""
        await bot.send_message(chat_id, CHOOSE_PROVINCE, reply_markup=self.province_keyboard(0))

    async def on_dangky(self, query, context, chat_id: int, parts: list[str]) -> None:
        """The /dangky keyboards' buttons: dk:pp:<page>, dk:p:<pi>, dk:ap:<pi>:<page>, dk:a:<pi>:<ai>."""
        kind = parts[1]
        if kind == "pp":
            await query.edit_message_text(CHOOSE_PROVINCE, reply_markup=self.province_keyboard(int(parts[2])))
        elif kind in ("p", "ap"):
            pi = int(parts[2])
            page = int(parts[3]) if kind == "ap" else 0
            name = pick(self.lex.provinces, pi) or "mọi tỉnh, thành"
            await query.edit_message_text(
                f"Tỉnh: <b>{esc(name)}</b>. Bước 2/2: chọn <b>cơ quan</b>:",
                reply_markup=self.agency_keyboard(pi, page),
            )
        elif kind == "a":
            pi, ai = int(parts[2]), int(parts[3])
            province = pick(self.lex.provinces, pi)
            agency = getattr(pick(self.lex.agencies, ai), "name", None)
            sub = await self.actions.subscribe(CHANNEL, query.message.chat.id, province=province, agency=agency)
            await query.edit_message_text(subscribed_html(sub))
        await query.answer()

    # -- 🔔 under a deadline --------------------------------------------------------------------------
    async def on_subscribe(self, query, context, chat_id: int, parts: list[str]) -> None:
        try:
            sub = await self.actions.subscribe(CHANNEL, chat_id, deadline_id=parts[1])
        except (KeyError, LookupError, ValueError) as e:
            log.info("subscribe_deadline refused: %s", e)
            await query.answer("Không tìm thấy hạn này (kho văn bản có thể vừa được cập nhật).", show_alert=True)
            return
        await query.answer("🔔 Đã đăng ký nhắc hạn.")
        await query.get_bot().send_message(chat_id, subscribed_html(sub))

    # -- /huy -------------------------------------------------------------------------------------------
    async def huy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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

    async def on_huy(self, query, context, chat_id: int, parts: list[str]) -> None:
        which = parts[1]
        gone = await self.actions.unsubscribe(CHANNEL, chat_id, None if which == "all" else int(which))
        await query.answer("Đã hủy." if gone.removed else "Không còn đăng ký này.")
        await query.edit_message_text(esc(gone.text))

    # -- the reminders --------------------------------------------------------------------------------
    async def send_reminder(self, bot, chat_id: str, message) -> None:
        """A reminder (or a new deadline's notice) as a message with a 📄 button to its source."""
        from bot.reminders.delivery import PermanentSendError, TransientSendError

        view = reminder_view(message)
        blocks: list[Block] = ([(view.heading, "b")] if view.heading else []) + [(view.text, "")]
        row = []
        if getattr(message, "chunk_id", None) is not None:
            row.append(InlineKeyboardButton("📄 Xem nguồn", callback_data=f"src:{message.chunk_id}"))
        done = done_button_data(message)
        if done:
            row.append(InlineKeyboardButton("✅ Đã nộp", callback_data=done))
        markup = InlineKeyboardMarkup([row]) if row else None
        try:
            await self.shared.send_blocks(bot, chat_id, blocks, markup)
        except (Forbidden, BadRequest) as e:
            raise PermanentSendError(f"{type(e).__name__}: {e}") from e
        except (RetryAfter, TimedOut, NetworkError) as e:
            raise TransientSendError(f"{type(e).__name__}: {e}") from e
