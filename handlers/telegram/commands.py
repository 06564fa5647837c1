"""Questions and the everyday commands: free text and the example, suggestion, source, feedback buttons;
/start /help /hanchot /lich /xoadulieu and unknown commands."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.formatting import document_citation
from handlers.actions import first_province, is_action
from handlers.common import ERROR_REPLY, EXAMPLE_QUESTIONS, knowledge_summary
from handlers.telegram.gate import addressed_text
from handlers.more import GONE, more_label, page
from handlers.start_links import read_start_payload
from handlers.telegram.rendering import Block, answer_blocks, answer_keyboard, esc, subscribed_html, upcoming_blocks
from handlers.telegram.shared import CHANNEL, Shared
from indexer.loaders import chunk_page

log = logging.getLogger(__name__)

BAD_START_LINK = (
    "Liên kết đăng ký này không hợp lệ hoặc hạn báo cáo không còn trong kho văn bản. "
    "Gõ /dangky để chọn tỉnh và cơ quan, hoặc /hanchot để xem các hạn sắp tới."
)


def province_arg(shared: Shared, context) -> str | None:
    """The province named after a command (/hanchot Đắk Nông), None without one."""
    return first_province(shared.lex, " ".join(context.args or []))


class Commands:
    def __init__(self, shared: Shared):
        self.shared = shared
        self.svc = shared.svc
        self.actions = shared.actions
        self.offer_subscription = None  # set by the app: Subscriptions.offer

    # -- questions --------------------------------------------------------------------------------------
    async def answer(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, question: str, reply_to: Message | None = None
    ) -> None:
        send = self.shared.send_blocks
        if self.offer_subscription is not None and is_action(question):  # "đăng ký nhắc hạn": not a question
            await self.offer_subscription(context.bot, chat_id)
            return
        problem = self.svc.check_question(question)
        if problem:
            await send(context.bot, chat_id, [(problem, "")], reply_to=reply_to)
            return
        try:
            await context.bot.send_chat_action(chat_id, "typing")
        except TelegramError:
            pass
        try:
            asked = await self.svc.ask(CHANNEL, str(chat_id), question)
        except Exception:  # noqa: BLE001 - any failure answers with the error reply
            await send(context.bot, chat_id, [(ERROR_REPLY, "")], reply_to=reply_to)
            return
        await self.shared.more.aput(chat_id, asked.query_id, asked.answer.more)
        await send(context.bot, chat_id, answer_blocks(asked.answer), answer_keyboard(asked), reply_to=reply_to)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        chat = update.effective_chat
        if chat.type == ChatType.PRIVATE:
            await self.answer(context, chat.id, msg.text or "")
        else:
            text = addressed_text(msg, context.bot)
            if text is not None:
                await self.answer(context, chat.id, text, reply_to=msg)

    # -- commands -------------------------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.args:  # "/start <payload>": a link from the web form carrying a subscription
            await self.start_subscription(update, context, context.args[0])
            return
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
            [[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(EXAMPLE_QUESTIONS)]
        )
        await self.shared.send_blocks(context.bot, update.effective_chat.id, blocks, kb)

    async def start_subscription(self, update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str) -> None:
        """Subscribe the chat as the link asked (one deadline, or a province and body, with lead days)."""
        chat_id = update.effective_chat.id
        lex = self.shared.lex
        req = read_start_payload(payload, lex.provinces, [a.name for a in lex.agencies])
        if req is None:
            await self.shared.send_blocks(context.bot, chat_id, [(BAD_START_LINK, "")])
            return
        try:
            sub = await self.actions.subscribe(
                CHANNEL,
                chat_id,
                province=req.province,
                agency=req.agency,
                deadline_id=req.deadline_id,
                lead_days=req.lead_days,
            )
        except (KeyError, LookupError, ValueError) as e:
            log.info("start link refused: %s", e)
            await self.shared.send_blocks(context.bot, chat_id, [(BAD_START_LINK, "")])
            return
        await context.bot.send_message(chat_id, subscribed_html(sub))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
        await self.shared.send_blocks(context.bot, update.effective_chat.id, blocks)

    async def hanchot(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        try:
            upcoming = await self.actions.upcoming(province_arg(self.shared, context))
        except Exception:
            log.exception("upcoming_deadlines failed")
            await self.shared.send_blocks(context.bot, chat_id, [(ERROR_REPLY, "")])
            return
        await self.shared.send_blocks(context.bot, chat_id, *upcoming_blocks(upcoming))

    async def lich(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        province = province_arg(self.shared, context)
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

    async def xoadulieu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat.type == ChatType.PRIVATE:
            await update.effective_message.reply_text("Tôi không biết lệnh này. Gõ /help để xem các lệnh.")

    # -- buttons: (query, context, chat_id, the callback data split at ':') ------------------------------
    async def on_example(self, query, context, chat_id: int, parts: list[str]) -> None:
        await query.answer()
        await self.answer(context, chat_id, EXAMPLE_QUESTIONS[int(parts[1])])

    async def on_suggestion(self, query, context, chat_id: int, parts: list[str]) -> None:
        ql = await self.svc.db(self.svc.query, int(parts[1]))
        i = int(parts[2])
        if ql is None or ql.chat_id != str(chat_id) or i >= len(ql.suggestions or []):
            await query.answer("Gợi ý này không còn nữa.")
            return
        await query.answer()
        await self.answer(context, chat_id, ql.suggestions[i])  # an action ("Đăng ký nhắc hạn") is performed there

    async def on_more(self, query, context, chat_id: int, parts: list[str]) -> None:
        """more:<query id>:<start>: the next page of a long answer's rest, with a button for the page after."""
        lines = await self.shared.more.aget(chat_id, int(parts[1]))
        if lines is None:
            await query.answer(GONE, show_alert=True)
            return
        await query.answer()
        shown, nxt = page(lines, int(parts[2]))
        markup = None
        if nxt < len(lines):
            button = InlineKeyboardButton(more_label(len(lines) - nxt), callback_data=f"more:{parts[1]}:{nxt}")
            markup = InlineKeyboardMarkup([[button]])
        await self.shared.send_blocks(context.bot, chat_id, [("\n".join(shown), "")], markup)

    async def on_source(self, query, context, chat_id: int, parts: list[str]) -> None:
        chunk_id = int(parts[1])
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
        await self.shared.send_blocks(context.bot, chat_id, blocks)

    async def on_feedback(self, query, context, chat_id: int, parts: list[str]) -> None:
        ok = await self.svc.db(
            self.svc.record_feedback, CHANNEL, str(chat_id), int(parts[2]), 1 if parts[1] == "u" else -1
        )
        await query.answer("Cảm ơn góp ý của bạn!" if ok else "Không tìm thấy câu hỏi này nữa.")

    async def on_delete(self, query, context, chat_id: int, parts: list[str]) -> None:
        if parts[1] == "yes":
            n = await self.svc.db(self.svc.delete_chat, CHANNEL, str(chat_id))
            await query.answer("Đã xóa.")
            await query.edit_message_text(f"🗑 Đã xóa toàn bộ dữ liệu của cuộc trò chuyện này ({n} mục).")
        else:
            await query.answer("Đã giữ nguyên.")
            await query.edit_message_text("Đã giữ nguyên dữ liệu.")
