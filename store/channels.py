"""Tables the channel adapters keep (declared on the project's one `Base`).

- `channel_processed`: updates/messages already handled (Telegram update ids, Zalo msg ids), so a
  delivery repeated by the platform is answered once.
- `channel_queries`: every question asked through a channel (for /admin_unanswered, /admin_stats and
  to attach 👍/👎 feedback to the question).
- `channel_feedback`: 👍/👎 with the question it was about.
- `channel_chats`: chats that talked to the assistant (for /admin_broadcast); removed by /xoadulieu.
- `zalo_tokens`: the Zalo OA access/refresh token pair (the refresh token is one-time use, so the new
  pair is stored in one transaction before it is used).
- `channel_delivery_failures`: replies that could not be delivered (logged and recorded).
- `shared_state`: keys with an expiry shared by every replica (`store.shared_state`: conversation contexts, rate
  limits, admin sessions, the signing key).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class ProcessedUpdate(Base):
    __tablename__ = "channel_processed"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class QueryLog(Base):
    __tablename__ = "channel_queries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    chat_id: Mapped[str] = mapped_column(String(100), index=True)
    question: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str] = mapped_column(String(40), default="")
    elapsed_ms: Mapped[float] = mapped_column(Float, default=0.0)
    top_source: Mapped[str | None] = mapped_column(String(200))
    suggestions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    deadline_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "channel_feedback"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "query_id", name="uq_feedback_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100), index=True)
    query_id: Mapped[int | None] = mapped_column(Integer, index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int] = mapped_column(Integer)  # +1 👍, -1 👎
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class KnownChat(Base):
    __tablename__ = "channel_chats"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="private")
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ZaloToken(Base):
    __tablename__ = "zalo_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    seed: Mapped[str] = mapped_column(String(64), default="")  # hash of the pair given in the environment
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DeliveryFailure(Base):
    __tablename__ = "channel_delivery_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100), index=True)
    error_code: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SharedState(Base):
    """Short-lived state every replica reads and writes (`store.shared_state`): conversation contexts, rate-limit
    counters, web admin sessions and the server's signing key. `expires_at` None: kept until deleted."""

    __tablename__ = "shared_state"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
    counter: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
