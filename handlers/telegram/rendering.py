"""Telegram HTML: blocks of plain text rendered as messages of at most 4096 characters, the keyboards under
answers and /hanchot, the reply to a subscription, and sending blocks to a chat."""

from __future__ import annotations

import html
from typing import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit

from bot.answer import Answer
from bot.answerers.deadlines import ACTIONS, SUBSCRIBE_ACTION
from handlers.actions import Subscribed, Upcoming
from handlers.common import Asked, source_lines, split_text
from handlers.more import more_label

TG_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096

Block = tuple[str, str]  # (plain text, tag: "" | "b" | "i" | "pre")


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
    srcs = list({s.chunk_id: s for s in reversed(ans.sources[:3]) if s.chunk_id is not None}.values())[::-1]
    if srcs:
        label = (lambda i: "📄 Xem nguồn đầy đủ") if len(srcs) == 1 else (lambda i: f"📄 Nguồn {i}")
        rows.append([InlineKeyboardButton(label(i), callback_data=f"src:{s.chunk_id}") for i, s in enumerate(srcs, 1)])
    if ans.more and qid is not None:  # the rest of a long list, a page at a time
        rows.append([InlineKeyboardButton(more_label(len(ans.more)), callback_data=f"more:{qid}:0")])
    if ans.deadline_ids and _cb(f"sub:{ans.deadline_ids[0]}"):  # the "Đăng ký nhắc hạn" suggestion, as an action
        rows.append([InlineKeyboardButton("🔔 " + SUBSCRIBE_ACTION, callback_data=f"sub:{ans.deadline_ids[0]}")])
    if qid is not None:
        rows.append(
            [
                InlineKeyboardButton("👍 Hữu ích", callback_data=f"fb:u:{qid}"),
                InlineKeyboardButton("👎 Chưa đúng", callback_data=f"fb:d:{qid}"),
            ]
        )
        for i, sug in enumerate(ans.suggestions[:4]):
            if sug not in ACTIONS:  # an action is its own button above; a question is asked when pressed
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


async def send_blocks(bot, chat_id, blocks: list[Block], markup=None, reply_to: Message | None = None) -> None:
    """Render `blocks` and send them as one or more messages, `markup` under the last; the first one replies to
    `reply_to` when given."""
    parts = render_html(blocks)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if reply_to is not None and i == 0:
            await reply_to.reply_text(part, reply_markup=markup if last else None)
        else:
            await bot.send_message(chat_id, part, reply_markup=markup if last else None)
