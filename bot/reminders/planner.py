"""Planning: one reminder row per (subscription, deadline, occurrence, lead time).

Runs at every tick but only does work when something changed (the local day, the
subscriptions or the deadlines). Rows are inserted if missing, relying on the unique
constraint (INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL), so several workers
planning at once never create duplicates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from store.db import get_engine
from store.knowledge import Deadline, Document
from bot.occurrences import occurrences
from store.reminders import PENDING, Reminder, Subscription
from bot.config import TZ, ReminderConfig
from bot.reminders.scope import concerns

log = logging.getLogger(__name__)

_last_plan: dict[str, str] = {}
_plan_lock = threading.Lock()
INSERT_CHUNK = 2000


@dataclass
class _DeadlineView:
    """The columns planning needs (occurrences() reads due_* and recurrence)."""

    id: str
    due_day: int | None
    due_month: int | None
    due_year: int | None
    recurrence: str
    province: str | None
    actors: list
    actor_text: str


def _load(conn) -> tuple[list, list[_DeadlineView], str]:
    subs = conn.execute(
        select(
            Subscription.id,
            Subscription.channel,
            Subscription.chat_id,
            Subscription.province,
            Subscription.agency,
            Subscription.deadline_id,
            Subscription.lead_days,
            Subscription.created_at,
        ).order_by(Subscription.id)
    ).all()
    rows = conn.execute(
        select(
            Deadline.id,
            Deadline.due_day,
            Deadline.due_month,
            Deadline.due_year,
            Deadline.recurrence,
            Deadline.province,
            Document.province,
            Deadline.actors,
            Deadline.actor_text,
        )
        .join(Document, Document.id == Deadline.document_id, isouter=True)
        .order_by(Deadline.id)
    ).all()
    dls = [
        _DeadlineView(r[0], r[1], r[2], r[3], r[4] or "once", r[5] or r[6], list(r[7] or []), r[8] or "") for r in rows
    ]
    h = hashlib.sha1()
    for s in subs:
        h.update(repr(tuple(s)).encode())
    h.update(b"#")
    for d in dls:
        h.update(
            repr((d.id, d.due_day, d.due_month, d.due_year, d.recurrence, d.province, d.actors, d.actor_text)).encode()
        )
    return subs, dls, h.hexdigest()


def _insert_missing(conn, rows: list[dict]) -> int:
    if not rows:
        return 0
    ins = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = ins(Reminder.__table__).on_conflict_do_nothing(
        index_elements=["subscription_id", "deadline_id", "due_date", "lead_days"]
    )
    n = 0
    for i in range(0, len(rows), INSERT_CHUNK):  # executemany (batched "insertmanyvalues")
        rc = conn.execute(stmt, rows[i : i + INSERT_CHUNK]).rowcount
        n += rc if rc and rc > 0 else 0
    return n


def candidates(subs, dls, cfg: ReminderConfig, today: dt.date) -> list[dict]:
    end = today + dt.timedelta(days=cfg.horizon_days)
    out = []
    for d in dls:
        occs = list(occurrences(d, today, end))
        if not occs:
            continue
        for sid, channel, chat_id, s_prov, s_agency, s_dl, leads, created in subs:
            if not concerns(
                sub_province=s_prov,
                sub_agency=s_agency,
                sub_deadline_id=s_dl,
                deadline_id=d.id,
                deadline_province=d.province,
                actors=d.actors,
                actor_text=d.actor_text,
                on=today,
            ):
                continue
            for due in occs:
                for lead in leads or ():
                    send_at = cfg.send_at_utc(due, int(lead))
                    if created and send_at < created:
                        continue  # its time had passed before the subscription existed: not owed
                    out.append(
                        {
                            "subscription_id": sid,
                            "channel": channel,
                            "chat_id": chat_id,
                            "deadline_id": d.id,
                            "due_date": due,
                            "lead_days": int(lead),
                            "send_at": send_at,
                            "next_attempt_at": send_at,
                            "status": PENDING,
                            "attempts": 0,
                        }
                    )
    return out


_SIGNATURE_STMT = select(
    select(func.count(Subscription.id)).scalar_subquery(),
    select(func.max(Subscription.id)).scalar_subquery(),
    select(func.max(Subscription.updated_at)).scalar_subquery(),
    select(func.count(Deadline.id)).scalar_subquery(),
    select(func.min(Deadline.id)).scalar_subquery(),
    select(func.max(Deadline.id)).scalar_subquery(),
    select(func.count(Document.id)).scalar_subquery(),
    select(func.max(Document.indexed_at)).scalar_subquery(),
)


def _signature(conn, today: dt.date, cfg: ReminderConfig) -> str:
    """Cheap fingerprint of what planning depends on. Subscriptions change through this package
    (updated_at is bumped); deadlines only through the indexer, which re-inserts a document's
    rows together with the document (new indexed_at)."""
    row = conn.execute(_SIGNATURE_STMT).one()
    subs, dls, docs = row[0:3], row[3:6], row[6:8]
    return (
        f"{today}|{cfg.horizon_days}|{cfg.remind_time}|{cfg.quiet_start}-{cfg.quiet_end}|"
        f"{tuple(subs)}|{tuple(dls)}|{tuple(docs)}"
    )


def plan(db_url: str, cfg: ReminderConfig, now: dt.datetime, *, force: bool = False) -> int:
    """Insert the missing reminder rows for occurrences from today (local) to the horizon."""
    today = now.astimezone(TZ).date()
    eng = get_engine(db_url)
    with eng.connect() as conn:
        quick = _signature(conn, today, cfg)
        if not force and _last_plan.get(db_url) == quick:
            return 0
        subs, dls, _ = _load(conn)
        cands = candidates(subs, dls, cfg, today)
        existing = {
            tuple(r)
            for r in conn.execute(
                select(Reminder.subscription_id, Reminder.deadline_id, Reminder.due_date, Reminder.lead_days).where(
                    Reminder.due_date >= today
                )
            )
        }
    missing = [
        c for c in cands if (c["subscription_id"], c["deadline_id"], c["due_date"], c["lead_days"]) not in existing
    ]
    missing.sort(key=lambda c: (c["subscription_id"], c["deadline_id"], c["due_date"], c["lead_days"]))
    n = 0
    if missing:
        with eng.begin() as conn:  # the first statement writes: no read-to-write upgrade on SQLite
            n = _insert_missing(conn, missing)
        log.info("planned %d new reminder(s) (%d missing)", n, len(missing))
    with _plan_lock:
        _last_plan[db_url] = quick
    return n


def forget_plan_cache(db_url: str | None = None) -> None:
    with _plan_lock:
        if db_url is None:
            _last_plan.clear()
        else:
            _last_plan.pop(db_url, None)


def count_rows(db_url: str, **where) -> int:
    with get_engine(db_url).connect() as conn:
        q = select(func.count()).select_from(Reminder)
        for k, v in where.items():
            q = q.where(getattr(Reminder, k) == v)
        return conn.execute(q).scalar_one()
