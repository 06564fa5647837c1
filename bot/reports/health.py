"""/healthz's `reminders` check: what the outbox holds and the recipients that refused delivery lately.

A refused recipient (an e-mail address the server rejects, a chat that blocked the bot) is a problem of that
recipient, not of the server: the check stays ok (200) and names them, so an admin can fix the address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from store.channels import DeliveryFailure
from store.db import session_scope
from store.reminders import FAILED, PENDING, Reminder, utcnow

RECENT = dt.timedelta(days=7)
MAX_NAMED = 5


def reminders_check(db_url: str) -> tuple[bool, str]:
    """(ok, detail): pending and failed reminders, and the refusals of the last 7 days by recipient."""
    since = utcnow() - RECENT
    with session_scope(db_url) as s:
        pending = s.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == PENDING)) or 0
        failed = (
            s.scalar(
                select(func.count())
                .select_from(Reminder)
                .where(Reminder.status == FAILED, Reminder.created_at >= since)
            )
            or 0
        )
        refused = list(
            s.execute(
                select(DeliveryFailure.channel, DeliveryFailure.chat_id, DeliveryFailure.error)
                .where(DeliveryFailure.created_at >= since)
                .order_by(DeliveryFailure.id.desc())
                .limit(50)
            )
        )
    detail = f"{pending} nhắc hạn đang chờ gửi; {failed} không gửi được trong 7 ngày qua"
    names = list(dict.fromkeys(f"{c}:{who} ({err[:80]})" for c, who, err in refused))
    if names:
        detail += (
            "; bị từ chối: "
            + "; ".join(names[:MAX_NAMED])
            + (f" và {len(names) - MAX_NAMED} nơi khác" if len(names) > MAX_NAMED else "")
        )
    return True, detail
