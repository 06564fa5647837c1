"""The web server's edge: what a connection may hold before any handler runs.

- **Header timeout** (HOCTAP_HEADER_TIMEOUT_S, default 10 s): a connection must send a whole request head
  (request line and headers) within this time of connecting or of its previous response; aiohttp closes it
  otherwise (its keep-alive timer, which watches exactly a connection waiting for its next request).
- **Idle timeout** (HOCTAP_IDLE_TIMEOUT_S, default 60 s): a connection on which nothing arrives for this long
  is closed, a request in progress included (a body that stops arriving: an upload, a webhook).
- **Connection caps**: at most HOCTAP_MAX_CONNECTIONS_PER_CLIENT (default 64) open connections per client
  address and HOCTAP_MAX_CONNECTIONS (default 1000, and never more than the open-file limit allows) in total;
  a connection beyond them gets a short 503 (or 429) and is closed at once, so file handles never run out.
  Addresses of HOCTAP_TRUSTED_PROXIES count towards the total only (a reverse proxy carries many clients).
- **Repeated errors** are logged once a minute with the count of those left out (`RepeatFilter`, and the event
  loop's exception handler: a full file table made asyncio log an accept error with its traceback each second).
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import time
from collections import Counter
from dataclasses import dataclass

from aiohttp import web

from handlers.common import _in_networks

log = logging.getLogger(__name__)

FD_RESERVE = 100  # file handles kept for the database, the index, the model, logs and outgoing calls
SWEEP_S = 1.0
TOO_MANY_CLIENT = "Quá nhiều kết nối cùng lúc từ địa chỉ của bạn. Vui lòng thử lại sau."
TOO_MANY_TOTAL = "Máy chủ đang có quá nhiều kết nối. Vui lòng thử lại sau ít phút."


@dataclass
class EdgeLimits:
    header_timeout_s: float = 10.0
    idle_timeout_s: float = 60.0
    max_connections: int = 1000
    max_per_client: int = 64
    trusted_proxies: tuple = ()

    @classmethod
    def of(cls, cfg) -> "EdgeLimits":
        return cls(
            header_timeout_s=cfg.header_timeout_s,
            idle_timeout_s=cfg.idle_timeout_s,
            max_connections=cfg.max_connections,
            max_per_client=cfg.max_connections_per_client,
            trusted_proxies=tuple(cfg.trusted_proxies),
        )


def raise_open_file_limit() -> int:
    """Raise this process's soft open-file limit to its hard limit (many systems start at 1,024); the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def total_cap(configured: int) -> int:
    """The total connection cap: the configured one, lowered to what the open-file limit leaves."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(8, min(configured, soft - FD_RESERVE))


def _refusal(status: int, message: str) -> bytes:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    reason = "Too Many Requests" if status == 429 else "Service Unavailable"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Retry-After: 5\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


class ConnectionGuard:
    """The protocol factory `loop.create_server` calls: each connection is counted (per client, in total) and
    handed to aiohttp's own protocol, or refused at once beyond the caps; idle ones are closed by a sweep."""

    def __init__(self, factory, limits: EdgeLimits):
        self.factory = factory
        self.limits = limits
        self.cap = total_cap(limits.max_connections)
        self.open: set[_Guarded] = set()
        self.per_client: Counter[str] = Counter()
        self.refused = 0
        self._sweeper: asyncio.Task | None = None

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self)

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="edge-idle-sweep")

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)

    def admit(self, conn: "_Guarded") -> tuple[int, str] | None:
        """None when the connection may stay, else the (status, message) it is refused with."""
        proxied = conn.client and _in_networks(conn.client, self.limits.trusted_proxies)
        if not proxied and self.per_client[conn.client] >= self.limits.max_per_client:
            return 429, TOO_MANY_CLIENT
        if len(self.open) >= self.cap:
            return 503, TOO_MANY_TOTAL
        self.open.add(conn)
        self.per_client[conn.client] += 1
        return None

    def release(self, conn: "_Guarded") -> None:
        if conn in self.open:
            self.open.discard(conn)
            self.per_client[conn.client] -= 1
            if self.per_client[conn.client] <= 0:
                del self.per_client[conn.client]

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            limit = time.monotonic() - self.limits.idle_timeout_s
            for conn in [c for c in self.open if c.last_data < limit]:
                conn.close_idle()


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's protocol inside, with the guard's bookkeeping around it."""

    def __init__(self, guard: ConnectionGuard):
        self.guard = guard
        self.inner = None
        self.transport = None
        self.client = ""
        self.last_data = time.monotonic()

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.client = peer[0] if isinstance(peer, tuple) and peer else ""
        refusal = self.guard.admit(self)
        if refusal:
            self.guard.refused += 1
            warn_repeated("edge-refused", "connection from %s refused: %s", self.client, refusal[1])
            transport.write(_refusal(*refusal))
            transport.close()
            return
        self.inner = self.guard.factory()
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.last_data = time.monotonic()
        if self.inner is not None:
            self.inner.data_received(data)

    def eof_received(self):
        return self.inner.eof_received() if self.inner is not None else None

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()

    def connection_lost(self, exc) -> None:
        self.guard.release(self)
        if self.inner is not None:
            self.inner.connection_lost(exc)

    def close_idle(self) -> None:
        self.guard.release(self)
        if self.transport is not None and not self.transport.is_closing():
            warn_repeated(
                "edge-idle",
                "closed a connection from %s idle for %.0f s",
                self.client,
                self.guard.limits.idle_timeout_s,
            )
            self.transport.abort()


class GuardedSite(web.TCPSite):
    """aiohttp's TCPSite with every connection going through a ConnectionGuard."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, limits: EdgeLimits):
        super().__init__(runner, host, port, backlog=1024)
        self.limits = limits
        self.guard: ConnectionGuard | None = None

    async def start(self) -> None:
        await web.BaseSite.start(self)
        self.guard = ConnectionGuard(self._runner.server, self.limits)
        self._server = await asyncio.get_running_loop().create_server(
            self.guard, self._host, self._port, backlog=self._backlog
        )
        self._bound_port = self._server.sockets[0].getsockname()[1] if self._server.sockets else self._port
        self.guard.start()

    async def stop(self) -> None:
        if self.guard:
            await self.guard.stop()
        await super().stop()


# -- errors that repeat -----------------------------------------------------------------------------------------
REPEAT_WINDOW_S = 60.0
_seen: dict[str, tuple[float, int]] = {}


def _allow(key: str, burst: int = 1) -> tuple[bool, int]:
    """(log it?, how many of this key were left out since it was last logged)."""
    now = time.monotonic()
    since, count = _seen.get(key, (-1e18, 0))
    if now - since >= REPEAT_WINDOW_S:
        _seen[key] = (now, 0)
        if len(_seen) > 5000:
            _seen.clear()
        return True, max(0, count - burst + 1)
    _seen[key] = (since, count + 1)
    return count + 1 < burst, 0


def warn_repeated(key: str, msg: str, *args) -> None:
    ok, dropped = _allow(key)
    if ok:
        log.warning(msg + (f" ({dropped} more like it in the last minute)" if dropped else ""), *args)


class RepeatFilter(logging.Filter):
    """On a log handler: a warning or error of the same place and message is written `burst` times a minute;
    the next one written says how many were left out."""

    def __init__(self, burst: int = 5):
        super().__init__()
        self.burst = burst

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        ok, dropped = _allow(f"log:{record.name}:{record.pathname}:{record.lineno}:{record.msg}:{exc}", self.burst)
        if ok and dropped:
            record.msg = f"{record.msg} [{dropped} similar messages left out in the last minute]"
        return ok


def install_repeat_filter(burst: int = 5) -> None:
    """Put a RepeatFilter on every handler of the root logger (once)."""
    for h in logging.getLogger().handlers:
        if not any(isinstance(f, RepeatFilter) for f in h.filters):
            h.addFilter(RepeatFilter(burst))


def loop_exception_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """The event loop's errors (an accept() that fails for want of file handles...), once a minute each."""
    exc = context.get("exception")
    key = f"loop:{context.get('message')}:{type(exc).__name__ if exc else ''}:{getattr(exc, 'errno', '')}"
    ok, dropped = _allow(key)
    if ok:
        if dropped:
            context = dict(context, message=f"{context.get('message')} ({dropped} more in the last minute)")
        loop.default_exception_handler(context)
