"""Reporting tables: the units that must report, each occurrence's status per unit, and the audit trail.

- `report_units`: a unit of a province or body (name, aliases, the group of parties it belongs to — "Các sở,
  ban, ngành tỉnh" —, contacts by e-mail, Telegram, Zalo). Registered by an admin (CSV or the web admin).
- `report_unit_subscriptions`: a subscription that is a unit's (its reminders stop once the unit has reported).
- `report_statuses`: one row per (deadline, occurrence, unit) that an admin or the unit has marked:
  `da_nop` (with when and by whom) or `mien`; a missing row is `chua_nop`, or `qua_han` once the day has
  passed (derived, never stored).
- `report_events`: every status change and every send, with who and when (a unit's history); kept when a unit
  or a deadline goes (no foreign key).
- `report_used_tokens`: one-time tokens already used (e-mail confirmation, "Đã nộp" and unsubscribe links).

Times are naive UTC, dates are local (Asia/Ho_Chi_Minh) occurrence dates, as in `store.reminders`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base

# statuses
CHUA_NOP, DA_NOP, QUA_HAN, MIEN = "chua_nop", "da_nop", "qua_han", "mien"
STORED_STATUSES = (DA_NOP, MIEN)
STATUS_LABELS = {CHUA_NOP: "Chưa nộp", DA_NOP: "Đã nộp", QUA_HAN: "Quá hạn", MIEN: "Miễn"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class ReportUnit(Base):
    __tablename__ = "report_units"
    __table_args__ = (UniqueConstraint("name", name="uq_report_unit_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(80))  # today's province (2025 register), None = central
    group: Mapped[str | None] = mapped_column(String(200))  # the parties' group it belongs to, as facts name it
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(String(200))
    telegram: Mapped[str | None] = mapped_column(String(120))
    zalo: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class UnitSubscription(Base):
    __tablename__ = "report_unit_subscriptions"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("report_units.id", ondelete="CASCADE"), index=True)


class ReportStatus(Base):
    __tablename__ = "report_statuses"
    __table_args__ = (UniqueConstraint("deadline_id", "due_date", "unit_id", name="uq_report_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[dt.date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("report_units.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    marked_by: Mapped[str] = mapped_column(String(200))


class ReportEvent(Base):
    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_name: Mapped[str] = mapped_column(String(300), default="")
    deadline_id: Mapped[str | None] = mapped_column(String(40))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(30))  # da_nop, mien, undo, sent, refused, registered, ...
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class UsedToken(Base):
    __tablename__ = "report_used_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
