"""What every channel shares: asking the assistant off the event loop, the query log, feedback,
de-duplication, rate limiting, chat bookkeeping and reminder calls. The channels' actions (upcoming deadlines,
subscriptions, reminder texts, reading requests) are in `handlers.actions`.

No answering logic lives here: questions go to `bot.assistant.Assistant.ask` unchanged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import ipaddress
import logging
import os
import secrets
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from bot.answer import Answer
from bot.assistant import StoreNotLoaded
from store.db import session_scope
from bot.config import ChannelConfig
from vntext.controls import escape_controls
from store.channels import DeliveryFailure, Feedback, KnownChat, ProcessedUpdate, QueryLog, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

EXAMPLE_QUESTIONS = (
    "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?",
    "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?",
    "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?",
    "Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?",
    "Mục tiêu 2030 về học tập trên môi trường số?",
)

LOG_WAIT_S = 3.0  # the longest an answer waits for its query-log row

ERROR_REPLY = "Xin lỗi, hệ thống đang gặp sự cố khi trả lời. Bạn vui lòng thử lại sau ít phút."
EMPTY_REPLY = "Bạn hãy gõ một câu hỏi, ví dụ: «" + EXAMPLE_QUESTIONS[0] + "»"


def too_long_reply(limit: int) -> str:
    return f"Câu hỏi quá dài (tối đa {limit} ký tự). Bạn hãy rút gọn câu hỏi rồi gửi lại."


def rate_limited_reply(retry_after_s: float) -> str:
    return (
        f"Bạn đang gửi hơi nhanh. Vui lòng đợi khoảng {max(1, round(retry_after_s))} giây "
        "rồi hỏi tiếp nhé — cảm ơn bạn!"
    )


class RateLimiter:
    """Sliding window per key: at most `count` events in `window_s` seconds.

    `hit(key)` returns (allowed, retry_after_s, first_refusal): the polite reply is sent once per
    window, not for every message a flooding chat sends.
    """

    def __init__(self, count: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        self.count, self.window_s, self.clock = count, window_s, clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._warned_until: dict[str, float] = {}

    def hit(self, key: str) -> tuple[bool, float, bool]:
        now = self.clock()
        q = self._events[key]
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if len(q) < self.count:
            q.append(now)
            if len(self._events) > 10_000:  # keep memory bounded under many chats
                self._prune(now)
            return True, 0.0, False
        retry = q[0] + self.window_s - now
        first = self._warned_until.get(key, 0.0) <= now
        if first:
            self._warned_until[key] = q[0] + self.window_s
        return False, retry, first

    async def ahit(self, key: str) -> tuple[bool, float, bool]:
        """`hit` for the event loop (in this process: no waiting)."""
        return self.hit(key)

    def _prune(self, now: float) -> None:
        for k in [k for k, q in self._events.items() if not q or q[-1] <= now - self.window_s]:
            self._events.pop(k, None)
            self._warned_until.pop(k, None)


class SharedRateLimiter:
    """The same limit counted in the shared store (`store.shared_state`), so that it holds across replicas: a
    fixed window per key, opened by its first event (`State.hit`, one atomic upsert or Redis script). The polite
    reply is sent once per window, at the first refusal. When the store does not answer, the process counts on its
    own (`fallback`) rather than refusing everyone or letting a flood through."""

    def __init__(self, state, count: int, window_s: float, prefix: str = "rate:"):
        self.state, self.count, self.window_s, self.prefix = state, count, window_s, prefix
        self.fallback = RateLimiter(count, window_s)

    def hit(self, key: str) -> tuple[bool, float, bool]:
        from store.shared_state import StateUnavailable

        full = self.prefix + key
        if len(full) > 200:
            full = self.prefix + "#" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        try:
            n, left = self.state.hit(full, self.window_s)
        except StateUnavailable as e:
            warn_once_a_minute("rate_state", "rate limits counted per process: the shared store fails (%s)", e)
            return self.fallback.hit(key)
        if n <= self.count:
            return True, 0.0, False
        return False, left, n == self.count + 1

    async def ahit(self, key: str) -> tuple[bool, float, bool]:
        """`hit` for the event loop: the store is asked in a worker thread (bounded by store.shared_state's guard)."""
        return await asyncio.get_running_loop().run_in_executor(None, self.hit, key)


def rate_limiters(config: ChannelConfig, settings) -> tuple:
    """The per-chat and per-IP limiters: counted in the shared store when it reaches beyond this machine
    (PostgreSQL, or Redis with HOCTAP_REDIS_URL), in this process otherwise (SQLite: one machine, the default)."""
    from store.shared_state import is_shared, open_state

    per_ip = max(config.ip_rate_limit_count, config.rate_limit_count)  # never tighter than the per-chat limit
    db_url, redis_url = settings.database_url, getattr(settings, "redis_url", "")
    if not is_shared(db_url, redis_url):
        return RateLimiter(config.rate_limit_count, config.rate_limit_window_s), RateLimiter(
            per_ip, config.rate_limit_window_s
        )
    state = open_state(db_url, redis_url)
    return (
        SharedRateLimiter(state, config.rate_limit_count, config.rate_limit_window_s, "rate:"),
        SharedRateLimiter(state, per_ip, config.rate_limit_window_s, "iprate:"),
    )


def client_ip(request, trusted_proxies: tuple = ()) -> str:
    """The client's address: the peer, or — only when the peer is a trusted proxy — the right-most
    address of X-Forwarded-For that is not itself a trusted proxy."""
    peer = request.remote or ""
    if not trusted_proxies or not _in_networks(peer, trusted_proxies):
        return peer
    hops = [h.strip() for v in request.headers.getall("X-Forwarded-For", []) for h in v.split(",")]
    for hop in reversed(hops):
        try:
            ip = ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a forged or garbled header: do not guess
        if not _in_networks(str(ip), trusted_proxies):
            return str(ip)
    return peer


def _in_networks(addr: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


def session_signer(config: ChannelConfig, data_dir, db_url: str | None = None):
    """An itsdangerous Signer for the web session cookie. The key: HOCTAP_SESSION_SECRET, else the one kept once in
    the database (`store.shared_state.server_secret`: every replica and worker agrees on it, whatever its data
    folder; an older DATA/session-secret seeds it so that cookies already given out stay valid). Without `db_url`,
    or when the database does not answer at start, a random key created once in DATA/session-secret (mode 600)."""
    from itsdangerous import Signer

    key = config.session_secret
    if not key and db_url:
        from store.shared_state import StateUnavailable, server_secret

        try:
            from bot.health import sqlite_unwritable

            key = server_secret(db_url, data_dir, sqlite_unwritable)
        except StateUnavailable as e:
            log.warning("the session key could not be read from the database (%s): using the data folder's", e)
    key = key or _shared_key(os.path.join(str(data_dir), "session-secret"))
    return Signer(key, salt="hoctap-web-session")


def _read_key(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _shared_key(path: str) -> str:
    key = _read_key(path)
    if len(key) >= 32:
        return key
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # only if there is none yet: two workers starting agree on one key
        except FileExistsError:
            if len(_read_key(path)) < 32:  # a damaged key file: replace it
                os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as e:  # a read-only data folder: sessions last until the next restart
        log.warning(
            "could not keep the session key in the data folder (%s); cookies end at restart",
            e.strerror or type(e).__name__,
        )
        return secrets.token_urlsafe(48)
    return _read_key(path) or secrets.token_urlsafe(48)


class Busy(Exception):
    """Too many questions are waiting for the assistant: refuse now rather than queue without bound."""


class StoreUnavailable(Exception):
    """The database cannot be used right now (see bot.health.sqlite_unwritable)."""


def guard_store(db_url: str) -> None:
    """Raise StoreUnavailable instead of touching a SQLite database that cannot be written (a write to its
    memory-mapped -shm file would kill the whole process with SIGBUS)."""
    from bot.health import sqlite_unwritable

    why = sqlite_unwritable(db_url)
    if why:
        raise StoreUnavailable(why)


def reopen_if_readonly(db_url: str, error: BaseException) -> bool:
    """SQLite opens a database it cannot write read-only, and a pooled connection stays so after the
    file is writable again ("attempt to write a readonly database" until a restart). On that error, when
    the database is writable now, drop the pooled connections (new ones open read-write): True to retry."""
    from bot.health import sqlite_unwritable

    if "readonly database" not in str(error).lower() or sqlite_unwritable(db_url, max_age_s=0):
        return False
    from store.db import get_engine

    get_engine(db_url).dispose()
    log.warning("the database is writable again: its read-only connections were reopened")
    return True


_warned: dict[str, float] = {}


def warn_once_a_minute(key: str, msg: str, *args) -> None:
    now = time.monotonic()
    if now - _warned.get(key, -1e9) >= 60:
        _warned[key] = now
        log.warning(msg, *args)


@dataclass
class Asked:
    answer: Answer
    query_id: int | None


class ChannelServices:
    """One per process; shared by the Telegram, Zalo and web adapters. `reminders`: the reminders' part of the
    loaded configuration (default: read from the environment)."""

    def __init__(self, assistant, config: ChannelConfig, *, ask_workers: int = 2, reminders=None):
        from bot.config import ReminderConfig
        from bot.reminders import announce

        announce.register()  # uploads announce their new deadlines to the subscribers they concern
        self.assistant = assistant
        self.config = config
        self.db_url: str = assistant.db_url
        self.settings = assistant.settings
        self.reminders: ReminderConfig = reminders or ReminderConfig.from_env(getattr(self.settings, "extra", None))
        # per chat, and per client IP whatever session it claims; shared by the replicas (see rate_limiters)
        self.rate, self.ip_rate = rate_limiters(config, self.settings)
        self._ask_pool = ThreadPoolExecutor(max_workers=ask_workers, thread_name_prefix="ask")
        self._pending = 0  # questions being answered or waiting for a worker (event loop only)
        from bot.reminders.delivery import Sender, console_sender

        # the reminder senders of the channels this process serves, by channel: `serve` adds each channel's once
        # it has started, and hands them to the sweeper; new-deadline notices go through them too
        self.senders: dict[str, Sender] = {"console": console_sender}

    def close(self) -> None:
        self._ask_pool.shutdown(wait=False, cancel_futures=True)

    # -- running blocking work off the event loop ------------------------------------------------
    async def db(self, fn: Callable[..., T], *args, **kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def in_pool(self, fn: Callable[..., T], *args) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._ask_pool, fn, *args)

    # -- questions --------------------------------------------------------------------------------
    def check_question(self, text: str | None) -> str | None:
        """A reply for input that is not a question we can take (empty / too long), else None."""
        q = (text or "").strip()
        if not q:
            return EMPTY_REPLY
        if len(q) > self.config.max_question_chars:
            return too_long_reply(self.config.max_question_chars)
        return None

    async def ask(self, channel: str, chat_id: str, question: str, *, today=None) -> Asked:
        """Ask the assistant (in a worker thread) and log the question. Raises on assistant failure
        after logging it; callers answer with ERROR_REPLY."""
        q = question.strip()
        conv = f"{channel}:{chat_id}"
        if self._pending >= self.config.max_pending_questions:
            warn_once_a_minute(
                "busy", "more than %d questions waiting: new ones are refused (503)", self.config.max_pending_questions
            )
            raise Busy()
        self._pending += 1
        try:
            ans: Answer = await self.in_pool(lambda: self.assistant.ask(q, conversation_id=conv, today=today))
        except StoreNotLoaded as e:  # started without its database: one line a minute, not a traceback each time
            warn_once_a_minute("not_loaded", "questions refused: the store is not loaded (%s)", e)
            raise
        except Exception as e:
            log.exception("assistant failed on a %s question", channel)
            await self.db(self._log_query, channel, chat_id, q, None, type(e).__name__)
            raise
        finally:
            self._pending -= 1
        # the query log must never hold an answer back: a database that does not answer (a network
        # partition, a lock) costs at most LOG_WAIT_S, and the row is still written when it can be
        log_task = asyncio.ensure_future(self.db(self._log_query, channel, chat_id, q, ans, None))
        try:
            qid = await asyncio.wait_for(asyncio.shield(log_task), LOG_WAIT_S)
        except asyncio.TimeoutError:
            warn_once_a_minute(
                "log_slow", "the query log did not answer within %.0f s: answering without it", LOG_WAIT_S
            )
            qid = None
        return Asked(ans, qid)

    def _log_query(
        self, channel: str, chat_id: str, q: str, ans: Answer | None, error: str | None, _retry: bool = True
    ) -> int | None:
        try:
            guard_store(self.db_url)
            with session_scope(self.db_url) as s:
                row = QueryLog(
                    channel=channel,
                    chat_id=str(chat_id),
                    question=q[:4000],
                    answered=bool(ans and ans.answered),
                    intent=(ans.intent if ans else "")[:40],
                    elapsed_ms=float(ans.elapsed_ms if ans else 0.0),
                    top_source=(ans.sources[0].file[:200] if ans and ans.sources else None),
                    suggestions=list(ans.suggestions if ans else [])[:10],
                    deadline_ids=list(ans.deadline_ids if ans else [])[:20],
                    error=error,
                )
                s.add(row)
                s.flush()
                return row.id
        except StoreUnavailable as e:  # the log must never stop an answer
            warn_once_a_minute("log_query", "questions are not logged: %s", e)
            return None
        except Exception as e:
            if _retry and reopen_if_readonly(self.db_url, e):
                return self._log_query(channel, chat_id, q, ans, error, _retry=False)
            log.exception("could not log a query")
            return None

    def query(self, query_id: int) -> QueryLog | None:
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            return s.get(QueryLog, query_id)

    # -- feedback ---------------------------------------------------------------------------------
    def record_feedback(self, channel: str, chat_id: str, query_id: int, rating: int) -> bool:
        """Store 👍 (+1) / 👎 (-1) with the question; a second vote on the same answer replaces the first."""
        rating = 1 if rating > 0 else -1
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            ql = s.get(QueryLog, query_id)
            if ql is None or ql.channel != channel or ql.chat_id != str(chat_id):
                return False
            fb = s.scalar(
                select(Feedback).where(
                    Feedback.channel == channel, Feedback.chat_id == str(chat_id), Feedback.query_id == query_id
                )
            )
            if fb is None:
                s.add(
                    Feedback(
                        channel=channel, chat_id=str(chat_id), query_id=query_id, question=ql.question, rating=rating
                    )
                )
            else:
                fb.rating, fb.created_at = rating, utcnow()
            return True

    # -- de-duplication ---------------------------------------------------------------------------
    def claim(self, channel: str, key: str) -> bool:
        """True the first time (channel, key) is seen; False for a repeated delivery."""
        guard_store(self.db_url)
        try:
            with session_scope(self.db_url) as s:
                s.add(ProcessedUpdate(channel=channel, key=str(key)[:200]))
            return True
        except IntegrityError:
            return False

    def prune_processed(self, older_than_days: int = 7) -> int:
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            r = s.execute(
                delete(ProcessedUpdate).where(
                    ProcessedUpdate.created_at < utcnow() - dt.timedelta(days=older_than_days)
                )
            )
            return r.rowcount or 0

    @property
    def shared_state(self):
        """The shared store when it reaches beyond this machine (PostgreSQL, Redis), else None (in-process state
        is enough: SQLite, one machine)."""
        from bot.health import sqlite_unwritable
        from store.shared_state import is_shared, open_state

        redis_url = getattr(self.settings, "redis_url", "")
        if not is_shared(self.db_url, redis_url):
            return None
        return open_state(self.db_url, redis_url, unwritable=sqlite_unwritable)

    def prune_state(self) -> int:
        """Expired keys of the shared store (old contexts, finished rate windows); Redis expires its own."""
        from store.shared_state import open_state

        return open_state(self.db_url, getattr(self.settings, "redis_url", "")).prune()

    # -- chats ------------------------------------------------------------------------------------
    def touch_chat(self, channel: str, chat_id: str, kind: str = "private") -> None:
        try:
            guard_store(self.db_url)
        except StoreUnavailable as e:  # bookkeeping only: the message is still answered
            warn_once_a_minute("touch_chat", "chats are not recorded: %s", e)
            return
        try:
            with session_scope(self.db_url) as s:
                row = s.get(KnownChat, (channel, str(chat_id)))
                if row is None:
                    s.add(KnownChat(channel=channel, chat_id=str(chat_id), kind=kind))
                else:
                    row.last_seen, row.kind = utcnow(), kind
        except IntegrityError:
            pass  # two updates of a new chat at once: the other one recorded it

    def known_chats(self, channel: str) -> list[str]:
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            return list(s.scalars(select(KnownChat.chat_id).where(KnownChat.channel == channel)))

    def delete_chat(self, channel: str, chat_id: str) -> int:
        """Everything stored about one chat: questions, feedback, bookkeeping and reminders."""
        cid = str(chat_id)
        n = 0
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            for model in (QueryLog, Feedback, KnownChat, DeliveryFailure):
                r = s.execute(delete(model).where(model.channel == channel, model.chat_id == cid))
                n += r.rowcount or 0
        from bot.reminders import delete_chat_data

        n += int(delete_chat_data(self.db_url, channel=channel, chat_id=cid) or 0)
        return n

    def record_failure(self, channel: str, chat_id: str, code: Any, error: str) -> None:
        try:
            guard_store(self.db_url)
            with session_scope(self.db_url) as s:
                s.add(
                    DeliveryFailure(
                        channel=channel, chat_id=str(chat_id), error_code=str(code)[:40], error=str(error)[:2000]
                    )
                )
        except Exception:
            log.exception("could not record a delivery failure")

    # -- admin ------------------------------------------------------------------------------------
    def is_admin(self, chat_id) -> bool:
        return str(chat_id) in self.config.admin_ids

    def query_stats(self) -> dict:
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            total = s.scalar(select(func.count()).select_from(QueryLog)) or 0
            answered = s.scalar(select(func.count()).select_from(QueryLog).where(QueryLog.answered.is_(True))) or 0
            up = s.scalar(select(func.count()).select_from(Feedback).where(Feedback.rating > 0)) or 0
            down = s.scalar(select(func.count()).select_from(Feedback).where(Feedback.rating < 0)) or 0
            avg = s.scalar(select(func.avg(QueryLog.elapsed_ms))) or 0.0
            chats = s.scalar(select(func.count()).select_from(KnownChat)) or 0
            failures = s.scalar(select(func.count()).select_from(DeliveryFailure)) or 0
            by_channel = dict(s.execute(select(QueryLog.channel, func.count()).group_by(QueryLog.channel)).all())
        return {
            "questions": total,
            "answered": answered,
            "unanswered": total - answered,
            "thumbs_up": up,
            "thumbs_down": down,
            "avg_ms": round(float(avg), 1),
            "chats": chats,
            "delivery_failures": failures,
            "by_channel": by_channel,
        }

    def unanswered(self, limit: int = 20) -> list[tuple[str, str, str]]:
        """Recent questions the assistant could not answer, or that got a 👎: (when, channel, question)."""
        guard_store(self.db_url)
        with session_scope(self.db_url) as s:
            rows = [
                (q.created_at, q.channel, q.question)
                for q in s.scalars(
                    select(QueryLog).where(QueryLog.answered.is_(False)).order_by(QueryLog.id.desc()).limit(limit)
                )
            ]
            rows += [
                (f.created_at, f.channel, "👎 " + f.question)
                for f in s.scalars(
                    select(Feedback).where(Feedback.rating < 0).order_by(Feedback.id.desc()).limit(limit)
                )
            ]
        rows.sort(key=lambda r: r[0], reverse=True)
        # questions are stored as typed: NUL, ESC or an RTL override are shown as escapes, never raw
        return [(f"{w:%d/%m %H:%M}", escape_controls(c), escape_controls(q)) for w, c, q in rows[:limit]]


async def announce_new_deadlines(svc: ChannelServices, library, outcome) -> int:
    """Tell subscribers whose scope a newly added deadline concerns, through their channel's reminder sender
    (`svc.senders`: Telegram, Zalo, …, whichever this process serves). Returns the number of messages sent."""
    try:
        notices = await svc.db(library.new_deadline_notices, outcome)
    except Exception:
        log.exception("new-deadline notices could not be prepared")
        return 0
    sent = 0
    for channel, chat_id, message in notices:
        sender = svc.senders.get(channel)
        if sender is None:
            continue
        try:
            await sender(chat_id, message)
            sent += 1
        except Exception as e:  # noqa: BLE001 - a chat that blocked the bot must not stop the others
            log.info("new-deadline notice to %s:%s not sent (%s)", channel, chat_id, type(e).__name__)
    if notices:
        log.info("announced %d new deadline notice(s) of %s", sent, outcome.doc_id)
    return sent


def knowledge_summary(db_url: str) -> list[str]:
    """The documents the assistant answers from, as people cite them ('Công văn 3597/UBND-KGVX ...')."""
    from bot.formatting import document_citation
    from store.knowledge import Document

    guard_store(db_url)
    with session_scope(db_url) as s:
        return [document_citation(d) for d in s.scalars(select(Document).order_by(Document.id))]


def source_lines(ans: Answer, limit: int = 3) -> list[str]:
    """'1. Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021, mục 2' for the answer's first sources
    (the citation built once by bot/citing.py)."""
    return [
        f"{i}. " + (s.citation or s.doc + (f" — {s.section}" if s.section else ""))
        for i, s in enumerate(ans.sources[:limit], 1)
    ]


def split_text(text: str, limit: int) -> list[str]:
    """Split plain text into pieces of at most `limit` characters, at paragraph, line, sentence or
    word boundaries when possible (a single word longer than the limit is cut)."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    out: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = limit
        for sep in ("\n\n", "\n", ". ", "; ", ", ", " "):
            i = rest.rfind(sep, 0, limit)
            if i > limit // 3:
                cut = i + len(sep.rstrip())  # keep the punctuation, drop the blank
                break
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return [p for p in out if p]


def esc(x) -> str:
    """Text made safe inside an HTML page or attribute (the admin pages); None is empty."""
    return html.escape(str(x if x is not None else ""), quote=True)
