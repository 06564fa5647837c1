"""Each occurrence's status per unit: marking it sent (`da_nop`) or exempt (`mien`), undoing that, and the
table of who has reported, who has not and who is late.

Only marks are stored (`report_statuses`); a unit without one is `chua_nop`, or `qua_han` once the due day
has passed. Marking stops the reminders of that occurrence for every subscription of the unit (pending rows are
cancelled now; the sweeper checks again before sending); undoing puts back the rows that marking cancelled.
Every change is recorded in `report_events` with who and when.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update

from bot.occurrences import occurrences
from bot.reminders.scope import same_province
from bot.reports.units import UnitError, find_unit, folded, units_for
from store.db import session_scope
from store.knowledge import Deadline, Document
from store.reminders import CANCELLED, PENDING, Reminder, Subscription
from store.reports import (
    CHUA_NOP,
    DA_NOP,
    MIEN,
    QUA_HAN,
    STATUS_LABELS,
    ReportEvent,
    ReportStatus,
    ReportUnit,
    UnitSubscription,
    utcnow,
)

log = logging.getLogger(__name__)

STOPPED = "đã nộp"  # last_error of the reminder rows a mark cancelled (undo puts them back)
PAST_DAYS = 90  # occurrences this far back are still listed (who is late)


@dataclass
class UnitStatus:
    unit_id: int
    unit: str
    province: str | None
    status: str
    marked_at: dt.datetime | None = None
    marked_by: str | None = None
    email: str | None = None
    contacts: dict = field(default_factory=dict)  # channel → chat id ("telegram", "zalo")

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Occurrence:
    deadline_id: str
    due_date: dt.date
    title: str  # the reminder's short line without the countdown
    document_id: str
    units: list[UnitStatus] = field(default_factory=list)

    def of(self, status: str) -> list[UnitStatus]:
        return [u for u in self.units if u.status == status]

    def to_json(self) -> dict:
        return {
            "deadline_id": self.deadline_id,
            "due_date": self.due_date.isoformat(),
            "title": self.title,
            "document_id": self.document_id,
            "units": [
                {
                    "unit": u.unit,
                    "province": u.province,
                    "status": u.status,
                    "marked_at": u.marked_at.isoformat() if u.marked_at else None,
                    "marked_by": u.marked_by,
                }
                for u in self.units
            ],
        }


@dataclass
class MarkResult:
    unit: str
    deadline_id: str
    due_date: dt.date
    status: str
    changed: bool
    cancelled: int = 0

    @property
    def text(self) -> str:
        day = self.due_date.strftime("%d/%m/%Y")
        if self.status == CHUA_NOP:
            return f"Đã hoàn tác: {self.unit} trở lại “chưa nộp” cho hạn {day}; nhắc hạn tiếp tục."
        what = STATUS_LABELS[self.status].lower()
        if not self.changed:
            return f"{self.unit} đã được ghi nhận “{what}” cho hạn {day} từ trước."
        return f"✅ Đã ghi nhận: {self.unit} {what} báo cáo hạn {day}. Các nhắc hạn tiếp theo cho đơn vị này đã dừng."


class ReportError(ValueError):
    """Bad input for a status change (the message is for the user, in Vietnamese)."""


def _occurrence(session, deadline_id: str, due: dt.date) -> tuple[Deadline, Document | None]:
    d = session.get(Deadline, deadline_id)
    if d is None:
        raise ReportError(f"Không có hạn “{deadline_id}”.")
    if not any(True for _ in occurrences(d, due, due)):
        raise ReportError(f"Hạn {deadline_id} không đến hạn ngày {due.strftime('%d/%m/%Y')}.")
    return d, session.get(Document, d.document_id)


def _unit_subscriptions(session, unit: ReportUnit) -> list[int]:
    """The subscriptions of a unit: linked to it, or (not linked) naming its agency in its province."""
    linked = set(session.scalars(select(UnitSubscription.subscription_id)))
    mine = set(session.scalars(select(UnitSubscription.subscription_id).where(UnitSubscription.unit_id == unit.id)))
    contacts = [c for c in (unit.email, unit.telegram, unit.zalo) if c]
    query = select(Subscription).where(or_(Subscription.agency.is_not(None), Subscription.chat_id.in_(contacts)))
    unlinked = session.scalars(query.where(Subscription.id.not_in(linked)) if linked else query)
    return sorted(mine | {sub.id for sub in unlinked if _inferred_unit(session, sub) == unit.id})


def subscription_unit_id(session, sub) -> int | None:
    """The unit a subscription is for: linked explicitly, else the unit whose contact is this chat or address,
    else the one unit named like its agency in its province."""
    link = session.get(UnitSubscription, sub.id)
    if link is not None:
        return link.unit_id
    return _inferred_unit(session, sub)


def _inferred_unit(session, sub) -> int | None:
    contact = {"email": ReportUnit.email, "telegram": ReportUnit.telegram, "zalo": ReportUnit.zalo}.get(sub.channel)
    if contact is not None:
        unit_id = session.scalars(select(ReportUnit.id).where(contact == sub.chat_id)).first()
        if unit_id is not None:
            return unit_id
    if not sub.agency:
        return None
    hits = [
        u.id
        for u in session.scalars(select(ReportUnit))
        if folded(sub.agency) in folded(u.name)
        and (not sub.province or not u.province or same_province(sub.province, u.province))
    ]
    return hits[0] if len(hits) == 1 else None


def _status_row(s, deadline_id: str, due: dt.date, unit_id: int) -> ReportStatus | None:
    """The recorded status of one unit for one occurrence, if any."""
    return s.scalars(
        select(ReportStatus).where(
            ReportStatus.deadline_id == deadline_id, ReportStatus.due_date == due, ReportStatus.unit_id == unit_id
        )
    ).first()


def mark(db_url: str, deadline_id: str, due: dt.date, unit_text: str, actor: str, status: str = DA_NOP) -> MarkResult:
    """Record that a unit has sent (or is exempt from) one occurrence's report; stop its reminders."""
    if status not in (DA_NOP, MIEN):
        raise ReportError(f"Trạng thái không hợp lệ “{status}”.")
    with session_scope(db_url) as s:
        d, doc = _occurrence(s, deadline_id, due)
        unit = _concerned_unit(s, unit_text, d, doc)
        row = _status_row(s, d.id, due, unit.id)
        if row is not None and row.status == status:
            return MarkResult(unit.name, d.id, due, status, changed=False)
        if row is None:
            row = ReportStatus(deadline_id=d.id, due_date=due, unit_id=unit.id)
            s.add(row)
        row.status, row.marked_at, row.marked_by = status, utcnow(), actor[:200]
        subs = _unit_subscriptions(s, unit)
        n = _set_reminders(s, subs, d.id, due, PENDING, CANCELLED, STOPPED)
        s.add(
            ReportEvent(
                unit_id=unit.id,
                unit_name=unit.name,
                deadline_id=d.id,
                due_date=due,
                action=status,
                actor=actor[:200],
                detail=f"{n} nhắc hạn dừng",
            )
        )
        return MarkResult(unit.name, d.id, due, status, changed=True, cancelled=n)


def undo(db_url: str, deadline_id: str, due: dt.date, unit_text: str, actor: str) -> MarkResult:
    """An admin takes a mark back: the unit is "chưa nộp" again and its cancelled reminders pending again."""
    with session_scope(db_url) as s:
        d, doc = _occurrence(s, deadline_id, due)
        unit = _concerned_unit(s, unit_text, d, doc)
        row = _status_row(s, d.id, due, unit.id)
        if row is None:
            raise ReportError(
                f"{unit.name} chưa được ghi nhận gì cho hạn {due.strftime('%d/%m/%Y')}: không có gì để hoàn tác."
            )
        s.delete(row)
        n = _set_reminders(s, _unit_subscriptions(s, unit), d.id, due, CANCELLED, PENDING, None, only=STOPPED)
        s.add(
            ReportEvent(
                unit_id=unit.id,
                unit_name=unit.name,
                deadline_id=d.id,
                due_date=due,
                action="hoan_tac",
                actor=actor[:200],
                detail=f"bỏ “{row.status}”; {n} nhắc hạn tiếp tục",
            )
        )
        return MarkResult(unit.name, d.id, due, CHUA_NOP, changed=True, cancelled=n)


def _concerned_unit(session, unit_text: str, d: Deadline, doc) -> ReportUnit:
    try:
        unit = find_unit(session, unit_text)
    except UnitError as e:
        raise ReportError(str(e)) from e
    if unit not in units_for(session, d, doc):
        raise ReportError(f"{unit.name} không thuộc các đơn vị phải báo cáo hạn {d.id}.")
    return unit


def _set_reminders(session, subs: list[int], deadline_id, due, old, new, error, only=None) -> int:
    if not subs:
        return 0
    cond = [Reminder.subscription_id.in_(subs), Reminder.deadline_id == deadline_id, Reminder.due_date == due]
    cond.append(Reminder.status == old)
    if only is not None:
        cond.append(Reminder.last_error == only)
    res = session.execute(
        update(Reminder)
        .where(*cond)
        .values(status=new, last_error=error, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    return res.rowcount or 0


def occurrence_stopped(session, sub, deadline_id: str, due: dt.date) -> bool:
    """Has the unit of this subscription already reported (or been exempted from) this occurrence?"""
    unit_id = subscription_unit_id(session, sub)
    if unit_id is None:
        return False
    return (
        session.scalars(
            select(ReportStatus.id).where(
                ReportStatus.deadline_id == deadline_id, ReportStatus.due_date == due, ReportStatus.unit_id == unit_id
            )
        ).first()
        is not None
    )


def status_table(
    db_url: str, today: dt.date, due_within: int = 30, past_days: int = PAST_DAYS, every_deadline: bool = False
) -> list[Occurrence]:
    """Every occurrence from `past_days` ago to `due_within` days ahead that registered units must report,
    with each unit's status, in date order; `every_deadline`: also those no registered unit must report (no
    units), from today on — the upcoming-deadline table."""
    from bot.reports.wording import short_line

    start, end = today - dt.timedelta(days=past_days), today + dt.timedelta(days=due_within)
    out: list[Occurrence] = []
    with session_scope(db_url) as s:
        marks = {(m.deadline_id, m.due_date, m.unit_id): m for m in s.scalars(select(ReportStatus))}
        for d in s.scalars(select(Deadline).order_by(Deadline.id)):
            doc = s.get(Document, d.document_id)
            units = units_for(s, d, doc)
            if not units and not every_deadline:
                continue
            for due in occurrences(d, start if units else today, end):
                occ = Occurrence(d.id, due, short_line(d, due), d.document_id)
                for u in units:
                    m = marks.get((d.id, due, u.id))
                    st = m.status if m else (QUA_HAN if due < today else CHUA_NOP)
                    occ.units.append(
                        UnitStatus(
                            u.id,
                            u.name,
                            u.province,
                            st,
                            m.marked_at if m else None,
                            m.marked_by if m else None,
                            u.email,
                            {k: v for k, v in (("telegram", u.telegram), ("zalo", u.zalo)) if v},
                        )
                    )
                out.append(occ)
    return sorted(out, key=lambda o: (o.due_date, o.deadline_id))


def unit_history(db_url: str, unit_text: str) -> tuple[str, list[ReportEvent]]:
    """(the unit's name, every event recorded about it, oldest first)."""
    with session_scope(db_url) as s:
        try:
            unit = find_unit(s, unit_text)
        except UnitError as e:
            raise ReportError(str(e)) from e
        events = list(s.scalars(select(ReportEvent).where(ReportEvent.unit_id == unit.id).order_by(ReportEvent.id)))
        return unit.name, events


def record_event(session, unit_id, unit_name, deadline_id, due, action: str, actor: str, detail: str = "") -> None:
    session.add(
        ReportEvent(
            unit_id=unit_id,
            unit_name=unit_name or "",
            deadline_id=deadline_id,
            due_date=due,
            action=action,
            actor=actor[:200],
            detail=detail[:2000],
        )
    )


def audit_send(db_url: str, channel: str, chat_id: str, message, action: str, detail: str = "") -> None:
    """Record a reminder sent to (or refused by) a unit's subscriber in the unit's history."""
    if not getattr(message, "unit_id", None):
        return
    try:
        with session_scope(db_url) as s:
            record_event(
                s,
                message.unit_id,
                message.unit_name,
                message.deadline_id,
                message.due_date,
                action,
                f"{channel}:{chat_id}",
                detail or f"nhắc trước {message.lead_days} ngày",
            )
    except Exception:  # the reminder itself is recorded; its audit line is best effort
        log.exception("could not record the send of reminder %s", getattr(message, "reminder_id", None))
