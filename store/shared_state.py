"""State shared by every replica of `serve`: a key-value store with expiry, in the SQL database or in Redis.

Several replicas behind a load balancer must agree on what one process used to keep in memory: the follow-up
context of a conversation, the rate-limit counters of a chat or an address, the web admin's sessions. They live
here, keyed by strings:

- `SqlState` (the default): the `shared_state` table of the project's database — SQLite for one machine,
  PostgreSQL for several. Writes are single upserts (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), atomic on both;
  expired rows are ignored when read and pruned at most once a minute by the process that writes.
- `RedisState` (HOCTAP_REDIS_URL set): the same operations on Redis (SET PX, SET NX, a Lua script for counters),
  every key under one prefix (HOCTAP_REDIS_PREFIX, default `hoctap:`).

`open_state(db_url, redis_url)` gives the process's store for a configuration. `server_secret(db_url, data_dir)`
is the key that signs web session cookies and e-mail links: HOCTAP_SESSION_SECRET, else a key kept once in the
database (so replicas with separate data folders agree), seeded from an older `DATA/session-secret` file when there
is one so that cookies and links already given out keep working.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy import and_, case, delete, or_, select
from sqlalchemy.exc import SQLAlchemyError

from store.channels import SharedState

log = logging.getLogger(__name__)

MAX_KEY = 200
PRUNE_EVERY_S = 60.0
SECRET_KEY = "server-secret"


class StateUnavailable(Exception):
    """The shared store cannot be reached (database or Redis down)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _key(key: str) -> str:
    if not key or len(key) > MAX_KEY:
        raise ValueError(f"a shared-state key has 1 to {MAX_KEY} characters: {key[:40]!r}")
    return key


class State:
    """The operations every backend offers. `ttl_s` None: the key is kept until deleted."""

    def get(self, key: str) -> str | None:
        raise NotImplementedError

    def put(self, key: str, value: str, ttl_s: float | None) -> None:
        raise NotImplementedError

    def add(self, key: str, value: str, ttl_s: float | None) -> bool:
        """Set `key` only if it is absent (or expired): True when this call set it."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def hit(self, key: str, window_s: float) -> tuple[int, float]:
        """Count one event in the fixed window that the first event of `key` opened (a new one opens once it is
        over): (events in the window so far, seconds until it ends)."""
        raise NotImplementedError

    def prune(self) -> int:
        """Remove expired keys (Redis expires them itself); returns how many."""
        return 0

    def get_json(self, key: str):
        """The JSON value of `key`; None when absent or not readable JSON."""
        raw = self.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def put_json(self, key: str, value, ttl_s: float | None) -> None:
        self.put(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")), ttl_s)


class SqlState(State):
    """The `shared_state` table of the project's database (SQLite or PostgreSQL). `unwritable(db_url)`: why the
    database cannot be written now, or None (bot.health.sqlite_unwritable: a SQLite file that cannot be written
    must never be touched — SQLite would write its memory-mapped -shm file and the process would die of SIGBUS);
    writes then raise StateUnavailable instead."""

    def __init__(self, db_url: str, unwritable=None):
        self.db_url = db_url
        self.unwritable = unwritable
        self._pruned_at = 0.0

    def _writable(self) -> None:
        why = self.unwritable(self.db_url) if self.unwritable is not None else None
        if why:
            raise StateUnavailable(why)

    @property
    def _engine(self):
        from store.db import get_engine

        return get_engine(self.db_url)

    def _insert(self):
        from sqlalchemy.engine import make_url

        if make_url(self.db_url).get_backend_name() == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(SharedState)

    @staticmethod
    def _expiry(now: dt.datetime, ttl_s: float | None) -> dt.datetime | None:
        return None if ttl_s is None else now + dt.timedelta(seconds=ttl_s)

    @staticmethod
    def _alive(now: dt.datetime):
        return or_(SharedState.expires_at.is_(None), SharedState.expires_at > now)

    def _run(self, stmt, fetch: bool = False):
        try:
            with self._engine.begin() as conn:
                r = conn.execute(stmt)
                return r.first() if fetch else r.rowcount
        except SQLAlchemyError as e:
            raise StateUnavailable(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}") from e

    def get(self, key: str) -> str | None:
        self._writable()  # even a read: SQLite may write its -shm file when it opens a connection
        stmt = select(SharedState.value).where(SharedState.key == _key(key), self._alive(utcnow()))
        row = self._run(stmt, fetch=True)
        return None if row is None else row[0]

    def _upsert(self, key: str, value: str, ttl_s: float | None, now, where=None):
        """INSERT the value, or replace the row the key has (only where `where` holds, when given)."""
        ins = self._insert().values(key=_key(key), value=value, counter=0, expires_at=self._expiry(now, ttl_s))
        return ins.on_conflict_do_update(
            index_elements=[SharedState.key],
            set_={"value": ins.excluded.value, "counter": 0, "expires_at": ins.excluded.expires_at},
            where=where,
        )

    def put(self, key: str, value: str, ttl_s: float | None) -> None:
        self._writable()
        now = utcnow()
        self._run(self._upsert(key, value, ttl_s, now))
        self._maybe_prune(now)

    def add(self, key: str, value: str, ttl_s: float | None) -> bool:
        self._writable()
        now = utcnow()
        expired = and_(SharedState.expires_at.is_not(None), SharedState.expires_at <= now)  # a lapsed key is free
        stmt = self._upsert(key, value, ttl_s, now, where=expired).returning(SharedState.key)
        return self._run(stmt, fetch=True) is not None

    def delete(self, key: str) -> None:
        self._writable()
        self._run(delete(SharedState).where(SharedState.key == _key(key)))

    def hit(self, key: str, window_s: float) -> tuple[int, float]:
        self._writable()
        now = utcnow()
        ends = now + dt.timedelta(seconds=window_s)
        over = and_(SharedState.expires_at.is_not(None), SharedState.expires_at <= now)
        ins = self._insert().values(key=_key(key), value="", counter=1, expires_at=ends)
        stmt = ins.on_conflict_do_update(
            index_elements=[SharedState.key],
            set_={
                "counter": case((over, 1), else_=SharedState.counter + 1),
                "expires_at": case((over, ends), else_=SharedState.expires_at),
            },
        ).returning(SharedState.counter, SharedState.expires_at)
        count, expires = self._run(stmt, fetch=True)
        self._maybe_prune(now)
        return int(count), max(0.0, (expires - now).total_seconds()) if expires else float(window_s)

    def prune(self) -> int:
        self._writable()
        return self._run(delete(SharedState).where(SharedState.expires_at <= utcnow())) or 0

    def _maybe_prune(self, now: dt.datetime) -> None:
        """Expired keys (old contexts, finished windows) are removed by a writer, at most once a minute."""
        mono = time.monotonic()
        if mono - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = mono
        try:
            n = self._run(delete(SharedState).where(SharedState.expires_at <= now))
            if n:
                log.debug("shared state: %d expired key(s) removed", n)
        except StateUnavailable as e:  # the next write tries again
            log.info("shared state not pruned: %s", e)


# INCR, and the window's expiry set by its first event; the time left of the window returned with the count
_HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""


class RedisState(State):
    """The same operations on Redis (HOCTAP_REDIS_URL), every key under `prefix`."""

    def __init__(self, url: str, prefix: str = "hoctap:"):
        import redis

        self._errors = (redis.RedisError, OSError)
        self.prefix = prefix
        self.r = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True)
        self._hit = self.r.register_script(_HIT_SCRIPT)

    def _call(self, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except self._errors as e:
            raise StateUnavailable(f"Redis: {type(e).__name__}: {str(e)[:200]}") from e

    @staticmethod
    def _px(ttl_s: float | None) -> int | None:
        return None if ttl_s is None else max(1, int(ttl_s * 1000))

    def get(self, key: str) -> str | None:
        return self._call(self.r.get, self.prefix + _key(key))

    def put(self, key: str, value: str, ttl_s: float | None) -> None:
        self._call(self.r.set, self.prefix + _key(key), value, px=self._px(ttl_s))

    def add(self, key: str, value: str, ttl_s: float | None) -> bool:
        return bool(self._call(self.r.set, self.prefix + _key(key), value, px=self._px(ttl_s), nx=True))

    def delete(self, key: str) -> None:
        self._call(self.r.delete, self.prefix + _key(key))

    def hit(self, key: str, window_s: float) -> tuple[int, float]:
        n, ttl_ms = self._call(self._hit, keys=[self.prefix + _key(key)], args=[self._px(window_s)])
        return int(n), max(0.0, int(ttl_ms) / 1000)


HIT_TIMEOUT_S = 0.5  # a rate-limit count's longest wait (PostgreSQL answers one in about 1.5 ms)


class GuardedState(State):
    """A backend whose every call is bounded in time: run in a small pool of its own and given up after
    `timeout_s` (a database that accepts and never answers must not hold a question, let alone the event loop).
    A failure or a timeout pauses the store for `pause_s`: calls then raise StateUnavailable at once, and callers
    go on without it (a question without its context, rate limits counted per process) until a call succeeds."""

    def __init__(self, inner: State, timeout_s: float = 2.0, pause_s: float = 10.0):
        from concurrent.futures import ThreadPoolExecutor

        self.inner, self.timeout_s, self.pause_s = inner, timeout_s, pause_s
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="shared-state")
        self._paused_until = 0.0

    def _call(self, name: str, *args, timeout_s: float | None = None):
        from concurrent.futures import TimeoutError as FutureTimeout

        if time.monotonic() < self._paused_until:
            raise StateUnavailable("the shared store failed a moment ago")
        wait = self.timeout_s if timeout_s is None else min(timeout_s, self.timeout_s)
        try:
            return self._pool.submit(getattr(self.inner, name), *args).result(wait)
        except FutureTimeout:
            self._paused_until = time.monotonic() + self.pause_s
            raise StateUnavailable(f"the shared store did not answer within {wait:g} s") from None
        except StateUnavailable:
            self._paused_until = time.monotonic() + self.pause_s
            raise

    def get(self, key: str) -> str | None:
        return self._call("get", key)

    def put(self, key: str, value: str, ttl_s: float | None) -> None:
        self._call("put", key, value, ttl_s)

    def add(self, key: str, value: str, ttl_s: float | None) -> bool:
        return self._call("add", key, value, ttl_s)

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def hit(self, key: str, window_s: float) -> tuple[int, float]:
        # a rate limit is counted before a page asks the database itself: it must not add more than HIT_TIMEOUT_S
        # to the page's own wait for a database that hangs (the process then counts on its own)
        return self._call("hit", key, window_s, timeout_s=HIT_TIMEOUT_S)

    def prune(self) -> int:
        return self.inner.prune()  # housekeeping, in a thread of its own: not bounded


_states: dict[tuple, State] = {}
_lock = threading.Lock()


def open_state(db_url: str, redis_url: str = "", prefix: str | None = None, unwritable=None) -> State:
    """The process's shared store: Redis when `redis_url` is given, else the SQL database at `db_url`; every call
    bounded in time (GuardedState; on SQLite only a lock can hold it, for at most its busy timeout)."""
    prefix = prefix if prefix is not None else (os.environ.get("HOCTAP_REDIS_PREFIX", "").strip() or "hoctap:")
    key = (db_url, redis_url, prefix) if redis_url else (db_url, "", "")
    with _lock:
        st = _states.get(key)
        if st is None:
            st = GuardedState(RedisState(redis_url, prefix) if redis_url else SqlState(db_url, unwritable))
            _states[key] = st
        elif unwritable is not None and isinstance(st.inner, SqlState) and st.inner.unwritable is None:
            st.inner.unwritable = unwritable
        return st


def is_shared(db_url: str, redis_url: str = "") -> bool:
    """Whether the store reaches beyond one machine (Redis, or a database server): per-process counters are
    then not enough."""
    return bool(redis_url) or not db_url.startswith("sqlite")


def server_secret(db_url: str, data_dir=None, unwritable=None) -> str:
    """The key that signs web session cookies and e-mail links: HOCTAP_SESSION_SECRET, else the one kept in the
    database (made once by whichever process asks first; an older DATA/session-secret file seeds it). Raises
    StateUnavailable when the database cannot be reached."""
    env = os.environ.get("HOCTAP_SESSION_SECRET", "").strip()
    if env:
        return env
    st = SqlState(db_url, unwritable)
    key = st.get(SECRET_KEY)
    if key and len(key) >= 32:
        return key
    st.add(SECRET_KEY, _file_key(data_dir) or secrets.token_urlsafe(48), None)
    key = st.get(SECRET_KEY)
    if not key:
        raise StateUnavailable("the signing key could not be kept in the database")
    return key


def _file_key(data_dir) -> str:
    """The key an earlier version kept in DATA/session-secret ('' when there is none)."""
    if data_dir is None:
        return ""
    try:
        key = (Path(data_dir) / "session-secret").read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return key if len(key) >= 32 else ""
