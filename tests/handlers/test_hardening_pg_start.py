"""Issue 20, finding 5: with PostgreSQL at a wrong address `serve` exited with a 136-line traceback; with a server
that accepts and never answers it hung silently at start (> 60 s), and /calendar.ics and /api/info hung over 40 s.
Now connections time out (HOCTAP_DB_CONNECT_TIMEOUT_S), `serve` starts degraded within 10 s — /healthz 503 with the
reason, one line in the log, loading retried in the background — and the pages answer within seconds.

Needs HOCTAP_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.handlers.test_hardening_pg import TcpProxy, _with_db, pg_db  # noqa: F401  (pg_db: a fixture)
from tests.support.serve import ServeProcess

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL, reason="HOCTAP_TEST_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    ),
]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there any more: connections are refused
    return port


async def _start(tmp_path, db_url: str) -> tuple[ServeProcess, float]:
    settings = SimpleNamespace(database_url=db_url, embedding_model=tmp_path / "no-model", data_dir=tmp_path / "data")
    t0 = time.monotonic()
    server = await asyncio.to_thread(ServeProcess, settings, tmp_path)  # the proxy runs in this loop
    return server, time.monotonic() - t0


async def _timed(http, method: str, url: str, **kw) -> tuple[int, dict | str, float]:
    t0 = time.monotonic()
    async with http.request(method, url, **kw) as r:
        body = await (r.json() if "json" in r.content_type else r.text())
        return r.status, body, time.monotonic() - t0


async def test_a_wrong_address_starts_degraded_with_one_line_and_no_traceback(tmp_path):
    url = _with_db(PG_URL, "test", _closed_port())
    server, took = await _start(tmp_path, url)
    try:
        assert took < 10
        async with aiohttp.ClientSession() as http:
            status, h, _ = await _timed(http, "GET", server.url + "healthz")
            assert status == 503 and not h["checks"]["database"]["ok"]
            assert "không kết nối được" in h["checks"]["database"]["detail"]
            assert "chưa được nạp" in h["checks"]["store"]["detail"]
            status, body, took = await _timed(http, "POST", server.url + "api/ask", json={"question": "Hạn báo cáo?"})
            assert status == 503 and body["error"] and took < 5
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Traceback" not in log and "retrying" in log


async def test_a_server_that_never_answers_starts_degraded_within_10_s_and_pages_answer(tmp_path, pg_db):
    u = urlsplit(PG_URL)
    proxy = TcpProxy(u.hostname or "127.0.0.1", u.port or 5432)
    await proxy.open()
    proxy.flowing.clear()  # connections are accepted, nothing comes back
    server, took = await _start(tmp_path, _with_db(PG_URL, pg_db, proxy.port))
    try:
        assert took < 10, f"serve took {took:.1f} s to start"
        async with aiohttp.ClientSession() as http:
            status, h, took = await _timed(http, "GET", server.url + "healthz")
            assert status == 503 and not h["checks"]["database"]["ok"] and took < 7
            status, info, took = await _timed(http, "GET", server.url + "api/info")
            assert status == 200 and info["examples"] and took < 10
            status, _, took = await _timed(http, "GET", server.url + "calendar.ics")
            assert status == 503 and took < 10
            proxy.flowing.set()  # the database answers again: loaded in the background, no restart
            end = time.monotonic() + 60
            while time.monotonic() < end:
                status, h, _ = await _timed(http, "GET", server.url + "healthz")
                if h["checks"]["database"]["ok"] and "chưa được nạp" not in h["checks"]["store"]["detail"]:
                    break
                await asyncio.sleep(1)
            assert h["checks"]["database"]["ok"], h
            assert "chưa được nạp" not in h["checks"]["store"]["detail"], h  # the store was loaded (empty here)
    finally:
        server.stop()
        await proxy.close()
