"""Adding documents by sending them (admins): a file in a private chat is downloaded, indexed and announced; its
summary offers the facts read (up:v), undoing the change (up:u) and replacing a similar document (up:r).

Files: .docx, .pdf — scans too —, .txt, .md, .html, .png, .jpg, .tif; Telegram lets bots download at most
20 MB. The caption "/thaythe <mã văn bản>" replaces that document."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.formatting import deadline_sentence, document_citation
from handlers.common import announce_new_deadlines
from handlers.telegram.rendering import Block, esc
from handlers.telegram.shared import Shared

log = logging.getLogger(__name__)

HOLD_MAX = 5  # files waiting for "replace or keep both?" at once
TG_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API serves bots files of at most 20 MB
UPLOAD_REFUSED = (
    "Cảm ơn bạn đã gửi tệp. Chỉ quản trị viên mới thêm được văn bản vào kho; bạn vẫn có thể hỏi "
    "tôi về các văn bản hiện có."
)


def too_big_reply(name: str, size: int | None, public_url: str = "") -> str:
    where = f"{public_url}/admin" if public_url else "trang quản trị web (/admin)"
    got = f" ({size / 1024 / 1024:.1f} MB)" if size else ""
    return (
        f"Tệp «{name}»{got} vượt giới hạn 20 MB mà Telegram cho phép bot tải về. Hãy tải tệp lên qua {where} "
        f"(tối đa 50 MB), hoặc gửi bản nhẹ hơn (quét ở 200–300 dpi, đen trắng)."
    )


class Uploads:
    def __init__(self, shared: Shared):
        self.shared = shared
        self.svc = shared.svc
        self.cfg = shared.cfg
        self.library = shared.library
        self.held: dict[str, tuple[str, str, str, str]] = {}  # token → (file id, name, existing id, who)

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
        who = f"telegram:{update.effective_user.id if update.effective_user else chat.id}"
        if not target:
            existing = await self.svc.db(self.library.same_stem, name)
            if existing:  # ask first: replace that document, or keep both (the new one as "<id>-2")
                await self.ask_replace_or_keep(msg, file_id, name, existing, who)
                return
        status = await msg.reply_text(
            esc(f"📥 Đã nhận «{name}»" + (f" (thay thế {target})" if target else "") + ". Đang tải về…")
        )
        context.application.create_task(
            self.ingest(context.bot, chat.id, status, file_id, name, target, who), update=update
        )

    async def ask_replace_or_keep(self, msg: Message, file_id: str, name: str, existing: str, who: str) -> None:
        for k in list(self.held)[:-HOLD_MAX]:  # a few files wait at once; Telegram keeps the file itself
            self.held.pop(k, None)
        token = secrets.token_urlsafe(9)
        self.held[token] = (file_id, name, existing, who)
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(f"🔁 Thay thế {existing}"[:60], callback_data=f"up:s:{token}:r")],
                [InlineKeyboardButton("➕ Giữ cả hai", callback_data=f"up:s:{token}:k")],
            ]
        )
        await msg.reply_text(
            esc(
                f"Đã có văn bản «{existing}» trùng tên với tệp «{name}». Thay thế văn bản đó, hay giữ cả hai "
                f"(tệp mới thành «{existing}-2»)?"
            ),
            reply_markup=keyboard,
        )

    async def on_same_name(self, query, context, chat_id: int, token: str, choice: str) -> None:
        held = self.held.pop(token, None)
        if held is None:
            await query.answer("Tệp này đã được xử lý hoặc không còn chờ; hãy gửi lại.", show_alert=True)
            return
        await query.answer("⏳ Đang xử lý…")
        try:
            await query.edit_message_reply_markup(None)  # answered once
        except TelegramError:
            pass
        file_id, name, existing, who = held
        target = existing if choice == "r" else None
        status = await context.bot.send_message(
            chat_id, esc(f"📥 «{name}»" + (f" (thay thế {existing})" if target else " (giữ cả hai)") + ". Đang tải về…")
        )
        await self.ingest(context.bot, chat_id, status, file_id, name, target, who)

    async def ingest(
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
        await self.send_summary(bot, chat_id, outcome)
        await announce_new_deadlines(self.svc, self.library, outcome)

    async def send_summary(self, bot, chat_id: int, outcome) -> None:
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
        await self.shared.send_blocks(bot, chat_id, blocks, InlineKeyboardMarkup(rows) if rows else None)

    async def on_button(self, query, context, chat_id: int, parts: list[str]) -> None:
        if not self.svc.is_admin(chat_id):
            await query.answer("⛔ Chỉ dành cho quản trị viên.", show_alert=True)
            return
        from indexer.uploads import UploadError

        if parts[1] == "s":  # the answer to "replace or keep both?"
            await self.on_same_name(query, context, chat_id, parts[2], parts[3])
            return
        kind, event_id = parts[1], int(parts[2])
        ev = await self.svc.db(self.library.event, event_id)
        if ev is None:
            await query.answer("Không tìm thấy thay đổi này.", show_alert=True)
            return
        who = f"telegram:{query.from_user.id}"
        if kind == "v":
            await query.answer()
            await self.shared.send_blocks(context.bot, chat_id, await self.svc.db(self.facts_blocks, ev.document_id))
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
        await self.send_summary(context.bot, chat_id, outcome)

    def facts_blocks(self, doc_id: str) -> list[Block]:
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
