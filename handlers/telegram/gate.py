"""The gate every update passes first (handler group -1): duplicates, group chatter not addressed to the bot, and
the per-chat rate limit stop there."""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from handlers.common import rate_limited_reply
from handlers.telegram.rendering import esc
from handlers.telegram.shared import CHANNEL, Shared

log = logging.getLogger(__name__)

COSTLY_BUTTONS = ("ex:", "sug:", "src:")  # buttons that count towards the per-chat rate limit


def is_command(msg: Message) -> bool:
    return bool(msg.entities and msg.entities[0].type == MessageEntity.BOT_COMMAND and msg.entities[0].offset == 0)


def addressed_text(msg: Message, bot) -> str | None:
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


class Gate:
    """`check` runs before every handler; raising ApplicationHandlerStop ends the update there."""

    def __init__(self, shared: Shared):
        self.svc = shared.svc

    async def check(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
            and not is_command(msg)
            and addressed_text(msg, context.bot) is None
        ):
            raise ApplicationHandlerStop  # group chatter not meant for the bot
        await self.svc.db(self.svc.touch_chat, CHANNEL, str(chat.id), chat.type)
        if self.svc.is_admin(chat.id):
            return
        if update.callback_query is not None and not (update.callback_query.data or "").startswith(COSTLY_BUTTONS):
            return  # keyboard steps and 👍/👎 are cheap: only buttons that ask the assistant count
        allowed, retry, first = await self.svc.rate.ahit(f"{CHANNEL}:{chat.id}")
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
