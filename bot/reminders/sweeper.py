"""The sweeper: plans reminder rows, claims the due ones atomically, sends them, records them.

Delivery guarantees, with the database as the only state:
- claiming moves rows pending → sending under a fresh token in one statement
  (`SELECT … FOR UPDATE SKIP LOCKED` inside it on PostgreSQL), so two workers never claim
  the same row;
- each reminder is marked sent in its own transaction right after its channel accepted it,
  and a batch is sent one reminder at a time: a crash repeats at most the one reminder that
  was between "accepted" and "recorded";
- a row left "sending" longer than the lease (a crashed worker) is claimed again;
- transient failures are retried with exponential backoff, permanent ones marked failed;
- after downtime, missed reminders whose deadline has not passed are sent, marked late
  (only the most recent lead time of an occurrence), and the rest expire;
- in quiet hours nothing is sent: rows wait (delayed, never dropped).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import Date, DateTime, and_, bindparam, or_, select, update
from sqlalchemy.orm import aliased

from store.db import get_engine, session_scope
from store.knowledge import Deadline, Document
from bot.occurrences import occurrences
from bot.reminders.delivery import (
    PermanentSendError,
    ReminderMessage,
    Sender,
    Senders,
    TransientSendError,
    reminder_text,
    source_label,
)
from store.reminders import CANCELLED, EXPIRED, FAILED, PENDING, SENDING, SENT, Reminder, Subscription
from bot.reminders.planner import plan
from bot.config import ReminderConfig, to_utc_naive
from bot.reminders.schedule import normalise_now, to_local
from bot.reminders.scope import subscription_concerns
from store.engine import normalise_url
from bot.reports.status import STOPPED, audit_send, occurrence_stopped, subscription_unit_id
from bot.reports.wording import short_line
from store.reports import ReportUnit

log = logging.getLogger(__name__)

MISSING_DEADLINE_RETRY = dt.timedelta(minutes=15)


@dataclass
class Delivered:
    reminder_id: int
    channel: str
    chat_id: str
    message: ReminderMessage
    sent_at: dt.datetime  # naive UTC


@dataclass
class _Claimed:
    id: int
    subscription_id: int
    channel: str
    chat_id: str
    deadline_id: str
    due_date: dt.date
    lead_days: int
    send_at: dt.datetime
    attempts: int
    token: str


def config_for(settings) -> ReminderConfig:
    return ReminderConfig.from_env(getattr(settings, "extra", None))


# --- housekeeping -------------------------------------------------------------------------------


def housekeep(db_url: str, cfg: ReminderConfig, now: dt.datetime) -> tuple[int, int]:
    """Expire rows whose deadline has passed; supersede older overdue lead times. (expired, superseded)"""
    eng = get_engine(db_url)
    expire_cond, superseded_cond = _stale_conditions(cfg, now)
    with eng.connect() as conn:  # cheap check first: most ticks have nothing to tidy
        has_expired = conn.execute(select(Reminder.id).where(expire_cond).limit(1)).first() is not None
        has_super = conn.execute(select(Reminder.id).where(superseded_cond).limit(1)).first() is not None
    n_exp = n_sup = 0
    if has_expired or has_super:
        pg = eng.dialect.name == "postgresql"
        with eng.begin() as conn:
            n_exp = _expire(conn, expire_cond, "deadline passed", pg)
            n_sup = _expire(conn, superseded_cond, "superseded by a later reminder", pg)
    if n_exp or n_sup:
        log.info("expired %d reminder(s), superseded %d", n_exp, n_sup)
    return n_exp, n_sup


def _stale_conditions(cfg: ReminderConfig, now: dt.datetime) -> tuple:
    """(rows still open whose deadline has passed, pending overdue rows a shorter lead time of the same
    deadline and day has already reached)."""
    now_utc = to_utc_naive(now)
    today = to_local(now).date()
    stale = now_utc - dt.timedelta(seconds=cfg.lease_s)
    open_row = or_(Reminder.status == PENDING, and_(Reminder.status == SENDING, Reminder.claimed_at < stale))
    expire_cond = and_(open_row, Reminder.due_date < today)
    newer = aliased(Reminder)
    superseded_cond = and_(
        Reminder.status == PENDING,
        Reminder.next_attempt_at <= now_utc,
        Reminder.due_date >= today,
        select(newer.id)
        .where(
            newer.subscription_id == Reminder.subscription_id,
            newer.deadline_id == Reminder.deadline_id,
            newer.due_date == Reminder.due_date,
            newer.lead_days < Reminder.lead_days,
            newer.send_at <= now_utc,
            newer.status.in_((PENDING, SENDING, SENT)),
        )
        .exists(),
    )
    return expire_cond, superseded_cond


def _expire(conn, cond, reason: str, pg: bool) -> int:
    """Mark the rows matching `cond` expired with `reason`; how many."""
    done = dict(status=EXPIRED, last_error=reason, claim_token=None)
    if pg:  # lock what is free now, then update exactly that (rows being sent are skipped)
        ids = list(conn.execute(select(Reminder.id).where(cond).with_for_update(skip_locked=True)).scalars())
        if not ids:
            return 0
        return conn.execute(
            update(Reminder).where(Reminder.id.in_(ids)).values(**done).execution_options(synchronize_session=False)
        ).rowcount
    return (
        conn.execute(update(Reminder).where(cond).values(**done).execution_options(synchronize_session=False)).rowcount
        or 0
    )


# --- claiming -----------------------------------------------------------------------------------


def _due_conds(cfg: ReminderConfig, now: dt.datetime, channels: list[str]):
    """Rows to claim: stale "sending" rows (a crashed worker's), then due pending rows. Two separate
    conditions so that each can use the (status, next_attempt_at) index."""
    now_utc = to_utc_naive(now)
    stale = now_utc - dt.timedelta(seconds=cfg.lease_s)
    common = and_(Reminder.channel.in_(channels), Reminder.due_date >= to_local(now).date())
    return [
        and_(Reminder.status == SENDING, Reminder.claimed_at < stale, common),
        and_(Reminder.status == PENDING, Reminder.next_attempt_at <= now_utc, common),
    ]


def _any_due_stmt(status: str, column):
    return (
        select(Reminder.id)
        .where(
            Reminder.status == status,
            column < bindparam("before", type_=DateTime),
            Reminder.channel.in_(bindparam("channels", expanding=True)),
            Reminder.due_date >= bindparam("today", type_=Date),
        )
        .limit(1)
    )


_ANY_STALE = _any_due_stmt(SENDING, Reminder.claimed_at)
_ANY_PENDING = _any_due_stmt(PENDING, Reminder.next_attempt_at)


def anything_due(db_url: str, cfg: ReminderConfig, now: dt.datetime, channels: list[str]) -> bool:
    """A cheap read: is any row due for these channels? (Most ticks: no, and nothing is written.)"""
    if not channels:
        return False
    now_utc = to_utc_naive(now)
    params = {"channels": list(channels), "today": to_local(now).date()}
    with get_engine(db_url).connect() as conn:
        if conn.execute(_ANY_PENDING, {**params, "before": now_utc + dt.timedelta(microseconds=1)}).first():
            return True
        stale = now_utc - dt.timedelta(seconds=cfg.lease_s)
        return conn.execute(_ANY_STALE, {**params, "before": stale}).first() is not None


def claim(
    db_url: str, cfg: ReminderConfig, now: dt.datetime, channels: list[str], limit: int | None = None
) -> list[_Claimed]:
    """Atomically take up to `limit` due rows for the given channels (stale sending, then pending)."""
    if not channels:
        return []
    now_utc = to_utc_naive(now)
    token = uuid.uuid4().hex
    eng = get_engine(db_url)
    want = limit or cfg.batch_size
    claim_values = dict(status=SENDING, claim_token=token, claimed_at=now_utc, attempts=Reminder.attempts + 1)
    with eng.begin() as conn:
        taken = 0
        for cond in _due_conds(cfg, now, channels):
            if taken >= want:
                break
            ids = select(Reminder.id).where(cond).order_by(Reminder.next_attempt_at, Reminder.id).limit(want - taken)
            if eng.dialect.name == "postgresql":
                # lock first, then update exactly those rows. (A single UPDATE … WHERE id IN (SELECT … LIMIT n
                # FOR UPDATE SKIP LOCKED) may rescan the subquery per row and so ignore the limit.)
                picked = list(conn.execute(ids.with_for_update(skip_locked=True)).scalars())
                if picked:
                    taken += (
                        conn.execute(
                            update(Reminder)
                            .where(Reminder.id.in_(picked))
                            .values(**claim_values)
                            .execution_options(synchronize_session=False)
                        ).rowcount
                        or 0
                    )
            else:  # SQLite: one writing statement (the database lock makes it atomic)
                taken += (
                    conn.execute(
                        update(Reminder)
                        .where(Reminder.id.in_(ids.scalar_subquery()), cond)
                        .values(**claim_values)
                        .execution_options(synchronize_session=False)
                    ).rowcount
                    or 0
                )
        if not taken:
            return []
        rows = conn.execute(
            select(
                Reminder.id,
                Reminder.subscription_id,
                Reminder.channel,
                Reminder.chat_id,
                Reminder.deadline_id,
                Reminder.due_date,
                Reminder.lead_days,
                Reminder.send_at,
                Reminder.attempts,
            )
            .where(Reminder.claim_token == token, Reminder.status == SENDING)
            .order_by(Reminder.send_at, Reminder.id)
        ).all()
    return [_Claimed(*r, token=token) for r in rows]


def _finish(db_url: str, item: _Claimed, **values) -> bool:
    """Record the outcome of a claimed row, if this worker still holds it."""
    with get_engine(db_url).begin() as conn:
        n = conn.execute(
            update(Reminder)
            .where(Reminder.id == item.id, Reminder.claim_token == item.token, Reminder.status == SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not n:
        log.warning("reminder %s was taken over or removed while being sent", item.id)
    return bool(n)


# --- building messages --------------------------------------------------------------------------


def _prepare(db_url: str, items: list[_Claimed], now: dt.datetime) -> dict[int, ReminderMessage | str]:
    """A message per claimed row, or the reason it cannot be sent now ('missing' / 'cancelled')."""
    out: dict[int, ReminderMessage | str] = {}
    today = to_local(now).date()
    with session_scope(db_url) as s:
        dls = {d.id: d for d in s.scalars(select(Deadline).where(Deadline.id.in_({i.deadline_id for i in items})))}
        docs = {
            d.id: d for d in s.scalars(select(Document).where(Document.id.in_({d.document_id for d in dls.values()})))
        }
        subs = {
            x.id: x
            for x in s.scalars(select(Subscription).where(Subscription.id.in_({i.subscription_id for i in items})))
        }
        for it in items:
            out[it.id] = _message(s, it, dls.get(it.deadline_id), subs.get(it.subscription_id), docs, today)
    return out


def _message(s, it: _Claimed, d, sub, docs: dict, today: dt.date) -> ReminderMessage | str:
    """The message of one claimed row, or why it is not sent: 'missing' (deadline being re-indexed),
    'cancelled' (no subscription, no such occurrence, out of scope), STOPPED (its unit has already reported)."""
    if sub is None:
        return "cancelled"
    if d is None:  # perhaps the indexer is replacing the deadlines right now
        return "missing"
    doc = docs.get(d.document_id)
    still_due = any(True for _ in occurrences(d, it.due_date, it.due_date))
    if not still_due or not subscription_concerns(sub, d, doc):
        return "cancelled"
    if occurrence_stopped(s, sub, d.id, it.due_date):
        return STOPPED  # its unit has reported: cancelled the way marking cancels (an undo puts it back)
    days_left = (it.due_date - today).days
    late = today > to_local(it.send_at).date()
    unit_id = subscription_unit_id(s, sub)
    unit = s.get(ReportUnit, unit_id) if unit_id else None
    return ReminderMessage(
        text=reminder_text(d, doc, it.due_date, days_left, late=late),
        deadline_id=d.id,
        document_id=d.document_id,
        chunk_id=d.chunk_id,
        due_date=it.due_date,
        lead_days=it.lead_days,
        late=late,
        days_left=days_left,
        source_label=source_label(doc),
        reminder_id=it.id,
        subscription_id=it.subscription_id,
        unit_id=unit_id,
        unit_name=unit.name if unit else "",
        title=short_line(d, it.due_date),
    )


def _cancel_reason(m) -> str:
    """last_error of a cancelled row: STOPPED when its unit has reported (an undo puts it back)."""
    return STOPPED if m == STOPPED else "no longer applies"


async def _deliver(
    db_url: str, cfg: ReminderConfig, item: _Claimed, msg: ReminderMessage, now: dt.datetime, sender: Sender
) -> Delivered | None:
    now_utc = to_utc_naive(now)
    try:
        await asyncio.wait_for(sender(item.chat_id, msg), timeout=cfg.send_timeout_s)
    except PermanentSendError as e:
        log.warning("reminder %s to %s:%s refused: %s", item.id, item.channel, item.chat_id, e)
        _finish(db_url, item, status=FAILED, last_error=f"permanent: {e}"[:1000], claim_token=None)
        audit_send(db_url, item.channel, item.chat_id, msg, "tu_choi", str(e))
        return None
    except (TransientSendError, asyncio.TimeoutError, Exception) as e:  # noqa: BLE001 - retry the rest
        err = f"{type(e).__name__}: {e}"[:1000]
        if item.attempts >= cfg.max_attempts:
            log.warning("reminder %s failed %d times, giving up: %s", item.id, item.attempts, err)
            _finish(db_url, item, status=FAILED, last_error=err, claim_token=None)
        else:
            retry_at = now_utc + cfg.backoff(item.attempts)
            log.info("reminder %s: %s; retry at %s UTC", item.id, err, retry_at)
            _finish(db_url, item, status=PENDING, next_attempt_at=retry_at, last_error=err, claim_token=None)
        return None
    # the channel accepted it: record that at once, in its own transaction
    if _finish(db_url, item, status=SENT, sent_at=now_utc, late=msg.late, last_error=None):
        audit_send(db_url, item.channel, item.chat_id, msg, "gui")
    return Delivered(item.id, item.channel, item.chat_id, msg, now_utc)


# --- the tick -------------------------------------------------------------------------------------


async def tick(
    settings, now: dt.datetime | None = None, *, senders: Senders, config: ReminderConfig | None = None
) -> list[Delivered]:
    """Plan missing reminder rows, then claim and deliver what is due at `now`.

    `now`: aware datetime, or naive Asia/Ho_Chi_Minh local time; default the real time.
    `senders`: channel name → its sender, for the channels this process serves (`serve` passes those of the
    channels it has started; `remind tick` the console's): only their rows are claimed, others' stay pending.
    `config`: the reminders' part of the loaded configuration (default: read from the environment).
    Returns what was delivered.
    """
    cfg = config or config_for(settings)
    now = normalise_now(now)
    url = normalise_url(settings.database_url)
    senders = dict(senders)  # the same channels for the whole tick
    chans = sorted(senders)
    quiet = cfg.in_quiet_hours(to_local(now))

    def prepare_db() -> bool:
        plan(url, cfg, now)
        if quiet or not anything_due(url, cfg, now, chans):
            return False
        housekeep(url, cfg, now)
        return True

    if not await asyncio.to_thread(prepare_db):
        return []
    delivered: list[Delivered] = []
    while True:
        batch = await asyncio.to_thread(claim, url, cfg, now, chans)
        if not batch:
            break
        claimed_at = time.monotonic()
        msgs = await asyncio.to_thread(_prepare, url, batch, now)
        handed_back = 0
        for k, item in enumerate(batch):
            m = msgs.get(item.id)
            if k and time.monotonic() - claimed_at + cfg.send_timeout_s >= cfg.lease_s:
                # a slow channel: the lease could run out before this one is sent, and another worker
                # would then send it too. Hand it back (claimed again at once, with a fresh lease).
                _finish(url, item, status=PENDING, claim_token=None, attempts=Reminder.attempts - 1)
                handed_back += 1
            elif m == "missing":
                _finish(
                    url,
                    item,
                    status=PENDING,
                    claim_token=None,
                    attempts=Reminder.attempts - 1,
                    next_attempt_at=to_utc_naive(now) + MISSING_DEADLINE_RETRY,
                )
            elif m in ("cancelled", STOPPED) or m is None:
                _finish(url, item, status=CANCELLED, claim_token=None, last_error=_cancel_reason(m))
            else:
                d = await _deliver(url, cfg, item, m, now, senders[item.channel])
                if d is not None:
                    delivered.append(d)
        if len(batch) < cfg.batch_size and not handed_back:
            break
    return delivered


async def run_forever(
    settings, interval_s: float = 60, stop_event: asyncio.Event | None = None, *, senders: Senders
) -> None:
    """Tick every `interval_s` seconds (real time) until `stop_event` is set; errors are logged.

    `senders`: as for `tick`, the channels served and how to reach them."""
    stop_event = stop_event or asyncio.Event()
    while not stop_event.is_set():
        try:
            sent = await tick(settings, senders=senders)
            if sent:
                log.info("sent %d reminder(s)", len(sent))
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the sweeper alive (database restarts, ...): logged with its traceback
            log.exception("reminder sweep failed")
        try:
            await asyncio.wait_for(stop_event.wait(), timeout=interval_s)
        except asyncio.TimeoutError:
            pass
