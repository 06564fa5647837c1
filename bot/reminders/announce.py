"""Announcing new deadlines: when an upload creates deadlines, every subscription whose scope one of them concerns
is told ("Văn bản mới: … — hạn 15/12 hằng năm") through its channel's reminder sender.

`register()` — called once at start-up by the channels' services (handlers.common.ChannelServices) — adds
`new_deadline_notices` to the indexer's hooks (`indexer.uploads.on_new_deadlines`): the indexer announces a
new document without knowing the reminders.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.formatting import deadline_due_phrase, deadline_sentence, document_citation
from bot.occurrences import next_occurrence
from bot.reminders.delivery import ReminderMessage
from bot.reminders.scope import subscription_concerns
from store.db import session_scope
from store.knowledge import Deadline, Document
from store.reminders import Subscription

if TYPE_CHECKING:  # pragma: no cover
    from indexer.uploads import Outcome


def register() -> None:
    """Make uploads announce their new deadlines to the subscribers they concern (idempotent)."""
    from indexer.uploads import on_new_deadlines

    on_new_deadlines(new_deadline_notices)


def new_deadline_notices(
    db_url: str, outcome: "Outcome", today: dt.date | None = None
) -> list[tuple[str, str, object]]:
    """(channel, chat id, message) for every subscription whose scope a deadline created by this change
    concerns ("Văn bản mới: … — hạn 15/12 hằng năm"); the message has the fields reminder senders read."""
    if not outcome.new_deadlines:
        return []
    today = today or dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    out = []
    with session_scope(db_url) as s:
        doc = s.get(Document, outcome.doc_id)
        dls = [d for d in s.scalars(select(Deadline).where(Deadline.id.in_(outcome.new_deadlines)))]
        subs = list(s.scalars(select(Subscription)))
        for sub in subs:
            if getattr(sub, "active", True) is False:
                continue
            mine = [d for d in dls if subscription_concerns(sub, d, doc)]
            for d in mine:
                due = next_occurrence(d, today) or today
                text = (
                    f"📄 Văn bản mới: {document_citation(doc) if doc else outcome.doc_id} — "
                    f"{deadline_due_phrase(d)}: {deadline_sentence(d)}"
                )
                out.append(
                    (
                        sub.channel,
                        sub.chat_id,
                        ReminderMessage(
                            text=text,
                            deadline_id=d.id,
                            document_id=outcome.doc_id,
                            chunk_id=d.chunk_id,
                            due_date=due,
                            lead_days=(due - today).days,
                            days_left=(due - today).days,
                            source_label=document_citation(doc) if doc else "",
                            subscription_id=sub.id,
                        ),
                    )
                )
    return out
