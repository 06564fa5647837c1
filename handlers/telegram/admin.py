"""Commands for HOCTAP_ADMIN_IDS only: /admin_stats /admin_unanswered /admin_broadcast /admin_reindex."""

from __future__ import annotations

import asyncio
import logging
import sys

from telegram import Update
from telegram.error import RetryAfter, TelegramError
from telegram.ext import ContextTypes

from handlers.telegram.rendering import Block
from handlers.telegram.shared import CHANNEL, Shared

log = logging.getLogger(__name__)


KB_LABELS = {
    "documents": "Văn bản",
    "chunks": "Đoạn văn bản",
    "deadlines": "Hạn báo cáo",
    "responsibilities": "Nhiệm vụ",
    "targets": "Chỉ tiêu",
    "dense_search": "Tìm kiếm ngữ nghĩa",
}
QUERY_LABELS = {
    "questions": "Câu hỏi",
    "answered": "Đã trả lời",
    "unanswered": "Chưa trả lời được",
    "thumbs_up": "Đánh giá 👍",
    "thumbs_down": "Đánh giá 👎",
    "avg_ms": "Thời gian trả lời TB (ms)",
    "chats": "Cuộc trò chuyện",
    "delivery_failures": "Lần gửi tin lỗi",
}
CHANNEL_NAMES = {"web": "web", "telegram": "Telegram", "zalo": "Zalo", "console": "dòng lệnh", "email": "e-mail"}


def _value(v) -> str:
    if isinstance(v, bool):
        return "có" if v else "không"
    if isinstance(v, float):
        return f"{v:,.1f}".replace(",", " ").replace(".", ",")
    return f"{v:,}".replace(",", ".") if isinstance(v, int) else str(v)


def _table(rows: list[tuple[str, str]]) -> str:
    """Label and value in two aligned columns (shown in monospace)."""
    width = max(len(label) for label, _ in rows)
    right = max(len(v) for _, v in rows)
    return "\n".join(f"{label.ljust(width)}  {v.rjust(right)}" for label, v in rows)


def stats_blocks(kb: dict, qs: dict) -> list[Block]:
    """/admin_stats: the store and the conversations, in Vietnamese, as two tables."""
    store = [(KB_LABELS.get(k, k), _value(v)) for k, v in kb.items()]
    talk = [(QUERY_LABELS.get(k, k), _value(v)) for k, v in qs.items() if k != "by_channel"]
    talk += [(f"  qua {CHANNEL_NAMES.get(c, c)}", _value(n)) for c, n in sorted((qs.get("by_channel") or {}).items())]
    return [
        ("📊 Thống kê", "b"),
        ("Kho văn bản", "i"),
        (_table(store), "pre"),
        ("Trò chuyện", "i"),
        (_table(talk), "pre"),
    ]


class Admin:
    def __init__(self, shared: Shared):
        self.shared = shared
        self.svc = shared.svc
        self._reindex_lock = asyncio.Lock()

    async def admin_only(self, update: Update) -> bool:
        if self.svc.is_admin(update.effective_chat.id):
            return True
        log.warning("Telegram: admin command refused for chat %s", update.effective_chat.id)
        await update.effective_message.reply_text("⛔ Lệnh này chỉ dành cho quản trị viên.")
        return False

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.admin_only(update):
            return
        kb = await self.svc.in_pool(self.svc.assistant.stats)
        qs = await self.svc.db(self.svc.query_stats)
        await self.shared.send_blocks(context.bot, update.effective_chat.id, stats_blocks(kb, qs))

    async def unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.admin_only(update):
            return
        rows = await self.svc.db(self.svc.unanswered, 30)
        blocks: list[Block] = [("❓ Câu hỏi chưa trả lời được / bị 👎", "b")]
        blocks += [(f"{w} [{c}] {q}", "") for w, c, q in rows] or [("Chưa có.", "i")]
        await self.shared.send_blocks(context.bot, update.effective_chat.id, blocks)

    async def broadcast(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.admin_only(update):
            return
        text = (update.effective_message.text or "").partition(" ")[2].strip()
        if not text:
            await update.effective_message.reply_text("Cú pháp: /admin_broadcast &lt;nội dung&gt;")
            return
        chats = await self.svc.db(self.svc.known_chats, CHANNEL)
        sent = failed = 0
        for cid in chats:
            try:
                await self.shared.send_blocks(context.bot, cid, [("📢 Thông báo", "b"), (text, "")])
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

    async def reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self.admin_only(update):
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
                *([str(st.data_dir / "documents")] if (st.data_dir / "documents").is_dir() else []),
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
            await self.shared.send_blocks(
                context.bot, update.effective_chat.id, [(status, "b")] + [(t, "") for t in tail]
            )
