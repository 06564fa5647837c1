"""The web admin's guards: server-side sessions, CSRF, and throttling of wrong tokens.

- **Sessions**: signing in creates a random session id (the cookie) with an expiry (12 h,
  HOCTAP_ADMIN_SESSION_TTL_S); the server keeps its SHA-256 in `DATA/admin-sessions.json` (shared by the workers of
  one data folder) — or, with PostgreSQL or Redis, in the shared store that every replica reads
  (`SharedSessionStore`) —, so signing out revokes it everywhere and a copied cookie stops working.
- **CSRF**: every POST under /admin made with the session cookie must carry the session's CSRF token (query
  `csrf`, header `X-CSRF-Token`, or the form field `csrf` of a urlencoded form) and, from a browser, an `Origin`
  (else `Referer`) of this very host. `csrf_middleware` enforces it for every admin route, present and future;
  `AdminWeb.form` writes forms that carry the token. Scripts using `Authorization: Bearer` are not concerned.
- **Throttling** (`Throttle`): wrong tokens (sign-in or bearer) are free 5 times per client and 50 times in total
  per 10 minutes; then each further try waits twice as long as the last (1 s, 2 s, … 10 min), answered 429 with
  `Retry-After` without the token being compared. A signed-in session is never throttled.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

SESSION_TTL_S = 12 * 3600
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


@dataclass
class Session:
    csrf: str
    expires: float


class SessionStore:
    """Admin sessions by the SHA-256 of their id, in a JSON file of the data folder (atomic writes under a lock)."""

    def __init__(self, data_dir: Path, ttl_s: float = SESSION_TTL_S):
        self.path = Path(data_dir) / "admin-sessions.json"
        self.ttl_s = ttl_s
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _change(self, fn) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = {k: v for k, v in self._load().items() if v.get("expires", 0) > time.time()}
            fn(data)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, self.path)

    def create(self) -> tuple[str, Session]:
        sid, session = secrets.token_urlsafe(32), Session(secrets.token_urlsafe(24), time.time() + self.ttl_s)
        self._change(lambda d: d.__setitem__(_digest(sid), {"csrf": session.csrf, "expires": session.expires}))
        return sid, session

    def get(self, sid: str) -> Session | None:
        if not sid or len(sid) > 100:
            return None
        row = self._load().get(_digest(sid))
        if not isinstance(row, dict) or row.get("expires", 0) <= time.time():
            return None
        return Session(str(row.get("csrf", "")), float(row["expires"]))

    def revoke(self, sid: str) -> None:
        self._change(lambda d: d.pop(_digest(sid), None))


class SharedSessionStore:
    """Admin sessions in the shared store (`store.shared_state`: PostgreSQL or Redis), so that a session signed in
    at one replica is one at every other and signing out revokes it everywhere. Same interface as SessionStore;
    a store that does not answer raises StateUnavailable (the page answers 503)."""

    PREFIX = "admin-session:"

    def __init__(self, state, ttl_s: float = SESSION_TTL_S):
        self.state, self.ttl_s = state, ttl_s

    def create(self) -> tuple[str, Session]:
        sid, session = secrets.token_urlsafe(32), Session(secrets.token_urlsafe(24), time.time() + self.ttl_s)
        self.state.put_json(self.PREFIX + _digest(sid), {"csrf": session.csrf, "expires": session.expires}, self.ttl_s)
        return sid, session

    def get(self, sid: str) -> Session | None:
        if not sid or len(sid) > 100:
            return None
        row = self.state.get_json(self.PREFIX + _digest(sid))
        if not isinstance(row, dict) or float(row.get("expires", 0)) <= time.time():
            return None
        return Session(str(row.get("csrf", "")), float(row["expires"]))

    def revoke(self, sid: str) -> None:
        if sid and len(sid) <= 100:
            self.state.delete(self.PREFIX + _digest(sid))


def session_store(settings, ttl_s: float = SESSION_TTL_S):
    """The admin sessions of this deployment: in the shared store when it reaches beyond one machine (PostgreSQL,
    or Redis with HOCTAP_REDIS_URL), else in the data folder (SQLite: the default, one machine)."""
    from store.shared_state import is_shared, open_state

    db_url, redis_url = settings.database_url, getattr(settings, "redis_url", "")
    if is_shared(db_url, redis_url):
        return SharedSessionStore(open_state(db_url, redis_url), ttl_s)
    return SessionStore(settings.data_dir, ttl_s)


class Throttle:
    """Back-off for wrong tokens, per client and in total: `free` (per client) and `free_total` failures per
    `window_s` cost nothing; each later one doubles the wait (from 1 s up to `max_wait_s`)."""

    def __init__(self, free: int = 5, free_total: int = 50, window_s: float = 600, max_wait_s: float = 600):
        self.free, self.free_total, self.window_s, self.max_wait_s = free, free_total, window_s, max_wait_s
        self._fails: dict[str, list[float]] = {}
        self._until: dict[str, float] = {}

    def wait(self, client: str) -> float:
        """Seconds this client must wait before its token is looked at (0: go ahead)."""
        now = time.monotonic()
        return max(0.0, max(self._until.get(client, 0.0), self._until.get("*", 0.0)) - now)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        for key, free in ((client, self.free), ("*", self.free_total)):
            times = [t for t in self._fails.get(key, []) if t > now - self.window_s] + [now]
            self._fails[key] = times
            over = len(times) - free
            if over > 0:
                self._until[key] = now + min(self.max_wait_s, 2.0 ** (over - 1))
        if len(self._fails) > 10_000:  # many clients: keep memory bounded
            for k in [k for k, v in self._fails.items() if k != "*" and v[-1] <= now - self.window_s]:
                self._fails.pop(k, None)
                self._until.pop(k, None)

    def succeeded(self, client: str) -> None:
        self._fails.pop(client, None)
        self._until.pop(client, None)


def same_origin(request: web.Request, public_url: str = "") -> bool:
    """The request's Origin (else Referer) names this host (or HOCTAP_PUBLIC_URL's)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not source or source == "null":
        return False
    netloc = urlsplit(source).netloc.lower()
    allowed = {request.host.lower()}
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    return netloc in allowed


def token_matches(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


async def form_fields(request: web.Request) -> dict:
    """The fields of a posted form; {} when the body is not a readable form (bytes that are not UTF-8, a
    malformed multipart part): the handler then says what is missing, never a 500."""
    try:
        return dict(await request.post())
    except (ValueError, UnicodeDecodeError, AssertionError, HttpProcessingError):
        return {}


async def csrf_token_of(request: web.Request) -> str:
    """The CSRF token a request carries: query, header, or the field of a urlencoded form."""
    given = request.query.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not given and request.content_type == "application/x-www-form-urlencoded":
        given = str((await form_fields(request)).get(CSRF_FIELD, ""))
    return given
