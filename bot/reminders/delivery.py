"""Reminder messages and the channels that carry them.

A channel sends reminders with `async def sender(chat_id: str, message: ReminderMessage) -> None`; whoever runs
the sweeper hands it the senders of the channels it serves, by channel name (`sweeper.tick(settings,
senders={"telegram": bot.send_reminder, …})`: `serve` adds each channel's once it has started). A sender returns
once the channel has accepted the message, raises `TransientSendError` for failures worth retrying (network,
rate limit) and `PermanentSendError` when retrying is pointless (chat blocked the bot, chat not found).
The console channel is built in (`console_sender`): one JSON line per reminder on standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping

from bot.admin_changes import load_register


@dataclass
class ReminderMessage:
    text: str
    deadline_id: str
    document_id: str | None
    chunk_id: int | None
    due_date: dt.date
    lead_days: int
    late: bool = False
    days_left: int | None = None  # whole days from the sending day to the due date
    source_label: str = ""  # "Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông"
    reminder_id: int | None = None  # stable per reminder: usable as an idempotency key
    subscription_id: int | None = None
    unit_id: int | None = None  # the subscription's unit: its channels show a "✅ Đã nộp" button
    unit_name: str = ""
    title: str = ""  # the short line (e-mail subject): 'báo cáo 6 tháng … gửi Sở GDĐT (hạn 15/6/2027)'


class TransientSendError(Exception):
    """The channel failed in a way worth retrying later (with backoff)."""


class PermanentSendError(Exception):
    """The channel refused the message for good: the reminder is marked failed."""


Sender = Callable[[str, ReminderMessage], Awaitable[None]]
Senders = Mapping[str, Sender]  # channel name → its sender


def console_line(chat_id: str, message: ReminderMessage) -> str:
    return json.dumps(
        {
            "chat_id": chat_id,
            "deadline_id": message.deadline_id,
            "due_date": message.due_date.isoformat(),
            "lead_days": message.lead_days,
            "text": message.text,
        },
        ensure_ascii=False,
    )


async def console_sender(chat_id: str, message: ReminderMessage) -> None:
    try:
        sys.stdout.write(console_line(chat_id, message) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError) as e:  # the reader went away: try again later
        raise TransientSendError(str(e)) from e


def console_only() -> dict[str, Sender]:
    """The senders of a process that serves no chat channel (`remind tick`, `remind run`): the console."""
    return {"console": console_sender}


# --- message text ---------------------------------------------------------------------------


def source_label(doc) -> str:
    """'Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông' (the document's own words)."""
    if doc is None:
        return ""
    s = doc.label
    if doc.issuer:
        s += f" của {doc.issuer}"
    return s


def caution_text(deadline, doc, on: dt.date) -> str | None:
    """One line when a party of the deadline no longer exists on `on` (UBND cấp huyện, a merged
    department, the issuing province now part of another) — from the register of administrative
    changes. None otherwise."""
    reg = load_register()
    gone = reg.gone_bodies(deadline.actor_text or "", deadline.recipient or "", actors=deadline.actors or (), on=on)
    parts = list(dict.fromkeys(b.fate for b in gone))
    prov = getattr(doc, "province", None) if doc is not None else None
    mg = reg.merger_of(prov)
    if mg and mg.new != reg.canonical(prov) and on >= mg.effective:
        parts.append(
            f"{reg.canonical(prov)} nay thuộc {mg.label} từ {mg.effective.day:02d}/{mg.effective.month}/"
            f"{mg.effective.year}"
        )
    if not parts:
        return None
    return "⚠️ Lưu ý: " + "; ".join(parts) + "."


def reminder_text(deadline, doc, due: dt.date, days_left: int, *, late: bool = False) -> str:
    """A secretary's note, from the fact's own fields (bot.reports.wording):
    '🔔 Còn 7 ngày: báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT (hạn 15/6/2027)', then who must report
    (shortened), the citation, the interpretation of the date when it was read, and the caution when one of
    its parties no longer exists."""
    from bot.reports.wording import citation_line, countdown, parties_line, short_line

    lines = [f"{countdown(days_left, late)}: {short_line(deadline, due)}", parties_line(deadline)]
    if deadline.interpretation:
        lines.append(f"Thời hạn được hiểu: {deadline.interpretation}")
    lines.append(citation_line(deadline, source_label(doc)))
    lines.append(caution_text(deadline, doc, due - dt.timedelta(days=max(0, days_left))) or "")
    return "\n".join(line for line in lines if line)
