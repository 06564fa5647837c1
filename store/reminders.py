"""Reminder tables: who wants reminders (subscriptions) and one row per reminder to send.

The database is the single source of truth: a reminder row exists once per
(subscription, deadline, occurrence, lead time) thanks to a unique constraint, and its
status moves pending → sending → sent (or expired / failed / cancelled). Times are naive UTC.

Reminders refer to deadlines by their stable id, without a foreign key: the indexer may
replace the deadlines table, and the delivery history must survive that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base

CHANNELS = ("telegram", "zalo", "web", "console", "email")

# reminder statuses
PENDING, SENDING, SENT = "pending", "sending", "sent"
EXPIRED, FAILED, CANCELLED = "expired", "failed", "cancelled"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Subscription(Base):
    __tablename__ = "reminder_subscriptions"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "scope_key", name="uq_reminder_subscription"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(80))  # canonical province, None = all
    agency: Mapped[str | None] = mapped_column(String(300))  # canonical agency, None = all
    deadline_id: Mapped[str | None] = mapped_column(String(40))  # a single deadline ("nhắc tôi hạn này")
    scope_key: Mapped[str] = mapped_column(String(500))  # province|agency|deadline, for uniqueness
    lead_days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def scope_label(self) -> str:
        if self.deadline_id:
            return f"hạn {self.deadline_id}"
        parts = [p for p in (self.agency, self.province) if p]
        return ", ".join(parts) if parts else "tất cả"


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("subscription_id", "deadline_id", "due_date", "lead_days", name="uq_reminder"),
        Index("ix_reminders_due", "status", "next_attempt_at"),
        Index("ix_reminders_chat", "channel", "chat_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("reminder_subscriptions.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))  # copied from the subscription (claim filter)
    chat_id: Mapped[str] = mapped_column(String(120))
    deadline_id: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[dt.date] = mapped_column(Date)  # the occurrence (local date)
    lead_days: Mapped[int] = mapped_column(Integer)
    send_at: Mapped[dt.datetime] = mapped_column(DateTime)  # planned, UTC
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime)  # send_at, then retry times
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
