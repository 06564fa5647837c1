"""Channel-neutral reporting actions (Telegram, Zalo, web): the "✅ Đã nộp" button of a reminder and
/tinhhinh. Each returns the Vietnamese text to show; the adapters only render it.

Who may press "✅ Đã nộp": a chat subscribed for that unit (the reminder went to it), the unit's registered
contact (a courtesy reminder went to it) or an admin; who may ask
/tinhhinh: admins and the chats registered as a unit's contact (the recipient body's desk, any unit).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from bot.admin_changes import today_vn
from bot.reports.export import status_text
from bot.reports.status import ReportError, mark, status_table, subscription_unit_id
from handlers.common import ChannelServices
from store.db import session_scope
from store.reminders import Subscription
from store.reports import ReportUnit

log = logging.getLogger(__name__)

NOT_YOURS = "Bạn không nhận nhắc hạn cho đơn vị này nên không thể báo đã nộp thay đơn vị."
NOT_ALLOWED = "⛔ Lệnh /tinhhinh dành cho quản trị viên và các đơn vị đã đăng ký."
BAD_BUTTON = "Nút này không còn hợp lệ."


def done_button_data(message) -> str | None:
    """The callback data of a reminder's "✅ Đã nộp" button ('nop:<deadline>:<yyyymmdd>:<unit id>'), or None
    when the reminder is not a unit's."""
    if not getattr(message, "unit_id", None):
        return None
    return f"nop:{message.deadline_id}:{message.due_date:%Y%m%d}:{message.unit_id}"


def parse_done(parts: list[str]) -> tuple[str, dt.date, int]:
    """('nop', deadline, yyyymmdd, unit id) → (deadline, date, unit id); ValueError when malformed."""
    if len(parts) != 4:
        raise ValueError("malformed")
    return parts[1], dt.datetime.strptime(parts[2], "%Y%m%d").date(), int(parts[3])


def zalo_done_payload(message) -> str | None:
    """The text a Zalo quick-reply button sends back: '#danop <deadline> <YYYY-MM-DD> <unit id>'."""
    if not getattr(message, "unit_id", None):
        return None
    return f"#danop {message.deadline_id} {message.due_date.isoformat()} {message.unit_id}"


def parse_zalo_done(arg: str) -> tuple[str, dt.date, int]:
    parts = arg.split()
    if len(parts) != 3:
        raise ValueError("malformed")
    return parts[0], dt.date.fromisoformat(parts[1]), int(parts[2])


class ReportActions:
    def __init__(self, services: ChannelServices):
        self.svc = services

    def _may_mark(self, channel: str, chat_id, unit_id: int) -> str | None:
        """The unit's name when this chat may mark it; None otherwise."""
        with session_scope(self.svc.db_url) as s:
            unit = s.get(ReportUnit, unit_id)
            if unit is None:
                return None
            if self.svc.is_admin(chat_id) or {"telegram": unit.telegram, "zalo": unit.zalo}.get(channel) == str(
                chat_id
            ):
                return unit.name  # an admin, or the unit's own registered contact
            subs = s.scalars(
                select(Subscription).where(Subscription.channel == channel, Subscription.chat_id == str(chat_id))
            )
            return unit.name if any(subscription_unit_id(s, sub) == unit_id for sub in subs) else None

    async def mark_done(self, channel: str, chat_id, deadline_id: str, due: dt.date, unit_id: int, actor: str) -> str:
        name = await self.svc.db(self._may_mark, channel, chat_id, unit_id)
        if name is None:
            log.info("%s: chat %s may not mark unit %s", channel, chat_id, unit_id)
            return NOT_YOURS
        try:
            res = await self.svc.db(mark, self.svc.db_url, deadline_id, due, name, actor)
        except ReportError as e:
            return str(e)
        return res.text

    def _may_see(self, channel: str, chat_id) -> bool:
        if self.svc.is_admin(chat_id):
            return True
        column = {"telegram": ReportUnit.telegram, "zalo": ReportUnit.zalo}.get(channel)
        if column is None:
            return False
        with session_scope(self.svc.db_url) as s:
            return s.scalars(select(ReportUnit.id).where(column == str(chat_id))).first() is not None

    async def status(self, channel: str, chat_id, arg: str = "") -> str:
        """/tinhhinh [số ngày tới]: the occurrences of the last 90 days and the next N (default 30)."""
        if not await self.svc.db(self._may_see, channel, chat_id):
            return NOT_ALLOWED
        arg = arg.strip()
        if arg and not (arg.isdigit() and 0 < int(arg) <= 730):
            return "Cú pháp: /tinhhinh [số ngày tới, 1–730], ví dụ /tinhhinh 60"
        due_within = int(arg) if arg else 30
        occs = await self.svc.db(status_table, self.svc.db_url, today_vn(), due_within)
        return "📋 Tình hình nộp báo cáo\n\n" + status_text(occs)
