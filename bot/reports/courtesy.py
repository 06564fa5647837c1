"""The courtesy reminder an admin sends on request to the units that have not reported an occurrence (late, or
not yet sent): an e-mail with its "Đã nộp" link to a unit with an e-mail contact, else a Telegram or Zalo message
with the "✅ Đã nộp" button to its contact there; each send (or refusal) in the unit's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.reminders.delivery import PermanentSendError, ReminderMessage, TransientSendError
from bot.reports.mail import Mailer, record_refusal
from bot.reports.status import Occurrence, ReportError, record_event, status_table
from store.db import session_scope
from store.reports import CHUA_NOP, QUA_HAN


@dataclass
class Courtesy:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [f"Đã gửi thư nhắc tới {len(self.sent)} đơn vị" + (f" ({', '.join(self.sent)})" if self.sent else "")]
        if self.failed:
            parts.append(f"không gửi được tới {', '.join(self.failed)}")
        if self.no_email:
            parts.append(f"chưa có e-mail hay Telegram/Zalo liên hệ được của {', '.join(self.no_email)}")
        return "; ".join(parts) + "."


def find_occurrence(db_url: str, deadline_id: str, due: dt.date, today: dt.date) -> Occurrence:
    window = max(30, (due - today).days + 1)
    for o in status_table(db_url, today, due_within=window, past_days=max(90, (today - due).days + 1)):
        if o.deadline_id == deadline_id and o.due_date == due:
            return o
    raise ReportError(f"Không có kỳ báo cáo {deadline_id} ngày {due:%d/%m/%Y} của các đơn vị đã đăng ký.")


async def remind_late(
    db_url: str, occ: Occurrence, actor: str, mailer: Mailer | None = None, chat_senders=None
) -> Courtesy:
    """E-mail each unit not reported (its e-mail contact), else message it on Telegram or Zalo (its contact there,
    through the channel's sender when this process serves it), with its "Đã nộp" link or button."""
    out = Courtesy()
    for u in occ.units:
        if u.status not in (CHUA_NOP, QUA_HAN):
            continue
        route = _route(u, occ, mailer, chat_senders or {})
        if route is None:
            out.no_email.append(u.unit)
            continue
        where, send = route
        try:
            await send()
        except (PermanentSendError, TransientSendError) as e:
            if isinstance(e, PermanentSendError) and where.startswith("email:"):
                record_refusal(db_url, u.email, str(e))
            out.failed.append(u.unit)
            _audit(db_url, u, occ, "tu_choi", actor, f"{where}: {e}")
            continue
        out.sent.append(u.unit)
        _audit(db_url, u, occ, "nhac_tre", actor, where)
    return out


def _route(u, occ: Occurrence, mailer: Mailer | None, chat_senders: dict):
    """(where, a coroutine function sending the courtesy reminder) or None when the unit cannot be reached."""
    if u.email and mailer is not None:
        return f"email:{u.email}", lambda: mailer.send(mailer.courtesy_email(u.email, u.unit, u.unit_id, occ))
    for channel, chat_id in u.contacts.items():
        sender = chat_senders.get(channel)
        if sender is not None:
            return f"{channel}:{chat_id}", lambda: sender(chat_id, courtesy_message(occ, u))
    return None


def courtesy_message(occ: Occurrence, u) -> ReminderMessage:
    text = (
        f"🔔 Nhắc nộp báo cáo: {occ.title}\nCơ quan nhận báo cáo chưa ghi nhận báo cáo của {u.unit}. "
        "Nếu đơn vị đã nộp, xin bấm “✅ Đã nộp”."
    )
    return ReminderMessage(
        text=text,
        deadline_id=occ.deadline_id,
        document_id=occ.document_id,
        chunk_id=None,
        due_date=occ.due_date,
        lead_days=0,
        unit_id=u.unit_id,
        unit_name=u.unit,
        title=occ.title,
    )


def _audit(db_url: str, u, occ: Occurrence, action: str, actor: str, detail: str) -> None:
    with session_scope(db_url) as s:
        record_event(s, u.unit_id, u.unit, occ.deadline_id, occ.due_date, action, actor, detail)
