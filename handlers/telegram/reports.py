"""Reporting in Telegram: the "✅ Đã nộp" button under a unit's reminders, and /tinhhinh (who has reported,
who has not, who is late) for admins and registered units."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from handlers.report_actions import BAD_BUTTON, ReportActions, parse_done
from handlers.telegram.rendering import Block
from handlers.telegram.shared import CHANNEL, Shared


class Reports:
    def __init__(self, shared: Shared):
        self.shared = shared
        self.actions = ReportActions(shared.svc)

    async def on_done(self, query, context, chat_id: int, parts: list[str]) -> None:
        try:
            deadline_id, due, unit_id = parse_done(parts)
        except ValueError:
            await query.answer(BAD_BUTTON)
            return
        who = query.from_user.id if query.from_user else chat_id
        text = await self.actions.mark_done(CHANNEL, chat_id, deadline_id, due, unit_id, f"telegram:{who}")
        await query.answer(text[:190])
        await self.shared.send_blocks(context.bot, chat_id, [(text, "")])

    async def tinhhinh(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        arg = (update.effective_message.text or "").partition(" ")[2]
        text = await self.actions.status(CHANNEL, update.effective_chat.id, arg)
        blocks: list[Block] = [(part, "") for part in text.split("\n\n")]
        await self.shared.send_blocks(context.bot, update.effective_chat.id, blocks)
