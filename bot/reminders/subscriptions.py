"""Subscriptions: created from /dangky, the web chat or the command line."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from store.db import session_scope
from store.engine import normalise_url
from store.reminders import CANCELLED, CHANNELS, PENDING, Reminder, Subscription, utcnow
from bot.config import parse_lead_days, to_utc_naive
from bot.reminders.schedule import normalise_now
from bot.reminders.scope import canonical_agency, canonical_province


class UnknownDeadlineError(LookupError):
    """subscribe_deadline: no deadline with that id."""


def _check_channel(channel: str, chat_id) -> tuple[str, str]:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}")
    chat = str(chat_id).strip()
    if not chat:
        raise ValueError("chat id is empty")
    return channel, chat


def _scope_key(province: str | None, agency: str | None, deadline_id: str | None) -> str:
    return f"{province or '*'}|{agency or '*'}|{deadline_id or '*'}"


def _upsert(
    db_url: str,
    *,
    channel: str,
    chat_id: str,
    province: str | None,
    agency: str | None,
    deadline_id: str | None,
    lead_days: Iterable[int] | str | None,
    now: dt.datetime | None,
) -> Subscription:
    channel, chat_id = _check_channel(channel, chat_id)
    leads = list(parse_lead_days(lead_days))
    stamp = to_utc_naive(normalise_now(now))
    key = _scope_key(province, agency, deadline_id)
    url = normalise_url(db_url)
    for attempt in range(3):
        try:
            with session_scope(url) as s:
                sub = s.scalars(
                    select(Subscription).where(
                        Subscription.channel == channel, Subscription.chat_id == chat_id, Subscription.scope_key == key
                    )
                ).first()
                if sub is None:
                    sub = Subscription(
                        channel=channel,
                        chat_id=chat_id,
                        province=province,
                        agency=agency,
                        deadline_id=deadline_id,
                        scope_key=key,
                        lead_days=leads,
                        created_at=stamp,
                        updated_at=utcnow(),
                    )
                    s.add(sub)
                    s.flush()
                elif list(sub.lead_days or []) != leads:
                    sub.lead_days = leads
                    sub.updated_at = utcnow()
                    # reminders for lead times no longer wanted are not sent
                    s.execute(
                        update(Reminder)
                        .where(
                            Reminder.subscription_id == sub.id,
                            Reminder.status == PENDING,
                            Reminder.lead_days.not_in(leads),
                        )
                        .values(status=CANCELLED)
                    )
                return sub
        except IntegrityError:  # a concurrent identical subscribe won the unique constraint
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def subscribe(
    db_url: str,
    *,
    channel: str,
    chat_id,
    province: str | None = None,
    agency: str | None = None,
    lead_days=(7, 1),
    now: dt.datetime | None = None,
) -> Subscription:
    """Subscribe a chat to the deadlines of a province and/or agency (None = all).

    Idempotent for the same channel + chat + scope: a second call updates the lead days.
    `province` / `agency` may be canonical names or recognisable text ("gddt"); otherwise
    `ScopeError` (a ValueError). `now` (for tests and simulations) stamps the creation time:
    reminders whose sending time was before the subscription are not owed.
    """
    return _upsert(
        db_url,
        channel=channel,
        chat_id=chat_id,
        province=canonical_province(province),
        agency=canonical_agency(agency),
        deadline_id=None,
        lead_days=lead_days,
        now=now,
    )


def subscribe_deadline(
    db_url: str, *, channel: str, chat_id, deadline_id: str, lead_days=(7, 1), now: dt.datetime | None = None
) -> Subscription:
    """A subscription to one deadline (the "nhắc tôi hạn này" button).

    Raises `UnknownDeadlineError` (a LookupError) when no deadline has that id."""
    if not deadline_id:
        raise ValueError("deadline id is empty")
    from store.knowledge import Deadline

    with session_scope(normalise_url(db_url)) as s:
        if s.get(Deadline, str(deadline_id)) is None:
            raise UnknownDeadlineError(f"no deadline {deadline_id!r} (the store may have been re-indexed)")
    return _upsert(
        db_url,
        channel=channel,
        chat_id=chat_id,
        province=None,
        agency=None,
        deadline_id=str(deadline_id),
        lead_days=lead_days,
        now=now,
    )


def list_subscriptions(db_url: str, *, channel: str, chat_id) -> list[Subscription]:
    with session_scope(normalise_url(db_url)) as s:
        return list(
            s.scalars(
                select(Subscription)
                .where(Subscription.channel == channel, Subscription.chat_id == str(chat_id))
                .order_by(Subscription.id)
            )
        )


def unsubscribe(db_url: str, *, channel: str, chat_id, subscription_id: int | None = None) -> int:
    """Remove the chat's subscriptions (or just one); returns how many were removed.

    Their reminder rows go too (future ones will not be sent)."""
    with session_scope(normalise_url(db_url)) as s:
        q = select(Subscription.id).where(Subscription.channel == channel, Subscription.chat_id == str(chat_id))
        if subscription_id is not None:
            q = q.where(Subscription.id == int(subscription_id))
        ids = list(s.scalars(q))
        if not ids:
            return 0
        s.execute(delete(Reminder).where(Reminder.subscription_id.in_(ids)))
        s.execute(delete(Subscription).where(Subscription.id.in_(ids)))
        return len(ids)


def delete_chat_data(db_url: str, *, channel: str, chat_id) -> int:
    """Delete everything kept about a chat (subscriptions and reminder history); returns rows removed."""
    with session_scope(normalise_url(db_url)) as s:
        n = (
            s.execute(delete(Reminder).where(Reminder.channel == channel, Reminder.chat_id == str(chat_id))).rowcount
            or 0
        )
        ids = list(
            s.scalars(
                select(Subscription.id).where(Subscription.channel == channel, Subscription.chat_id == str(chat_id))
            )
        )
        if ids:
            n += s.execute(delete(Reminder).where(Reminder.subscription_id.in_(ids))).rowcount or 0
            n += s.execute(delete(Subscription).where(Subscription.id.in_(ids))).rowcount or 0
        return n
