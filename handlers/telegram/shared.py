"""What the Telegram features share: the channel's services, its actions (`handlers.actions`), the lexicon of
provinces and agencies, the document library uploads go to, and sending rendered blocks to a chat."""

from __future__ import annotations

from telegram import Message

from bot.lexicon import load_lexicon
from handlers.actions import Actions
from handlers.common import ChannelServices
from handlers.more import MoreCache
from handlers.telegram.rendering import Block, send_blocks

CHANNEL = "telegram"


class Shared:
    """One per bot: built once, handed to every feature (commands, subscriptions, uploads, admin, the gate)."""

    def __init__(self, services: ChannelServices):
        self.svc = services
        self.cfg = services.config
        self.actions = Actions(services)
        self.more = MoreCache(state=getattr(services, "shared_state", None))  # the rest of long answers, "Xem thêm"
        self.lex = load_lexicon(str(services.settings.knowledge_dir))
        from indexer.uploads import DocumentLibrary

        self.library = DocumentLibrary(services.settings)

    async def send_blocks(
        self, bot, chat_id, blocks: list[Block], markup=None, reply_to: Message | None = None
    ) -> None:
        await send_blocks(bot, chat_id, blocks, markup, reply_to)
