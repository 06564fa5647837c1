"""The courtesy reminder an admin sends on request to the units that have not reported an occurrence (late, or
not yet sent): one e-mail per unit with an e-mail contact, with its "Đã nộp" link; each send (or refusal) in the
unit's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.reminders.delivery import PermanentSendError, TransientSendError
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
            parts.append(f"chưa có e-mail của {', '.join(self.no_email)}")
        return "; ".join(parts) + "."


def find_occurrence(db_url: str, deadline_id: str, due: dt.date, today: dt.date) -> Occurrence:
    window = max(30, (due - today).days + 1)
    for o in status_table(db_url, today, due_within=window, past_days=max(90, (today - due).days + 1)):
        if o.deadline_id == deadline_id and o.due_date == due:
            return o
    raise ReportError(f"Không có kỳ báo cáo {deadline_id} ngày {due:%d/%m/%Y} của các đơn vị đã đăng ký.")


async def remind_late(mailer: Mailer, occ: Occurrence, actor: str) -> Courtesy:
    out = Courtesy()
    for u in occ.units:
        if u.status not in (CHUA_NOP, QUA_HAN):
            continue
        if not u.email:
            out.no_email.append(u.unit)
            continue
        try:
            await mailer.send(mailer.courtesy_email(u.email, u.unit, u.unit_id, occ))
        except (PermanentSendError, TransientSendError) as e:
            if isinstance(e, PermanentSendError):
                record_refusal(mailer.db_url, u.email, str(e))
            out.failed.append(u.unit)
            _audit(mailer.db_url, u, occ, "tu_choi", actor, str(e))
            continue
        out.sent.append(u.unit)
        _audit(mailer.db_url, u, occ, "nhac_tre", actor, u.email)
    return out


def _audit(db_url: str, u, occ: Occurrence, action: str, actor: str, detail: str) -> None:
    with session_scope(db_url) as s:
        record_event(s, u.unit_id, u.unit, occ.deadline_id, occ.due_date, action, actor, detail)
