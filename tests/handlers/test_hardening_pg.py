"""Issue 11 on PostgreSQL: the database goes away under a running server (web chat + reminder sweeper)
and comes back, then hangs (connected, no answer) and recovers. `/healthz` turns 503 with the database check failing, answers keep coming from memory,
feedback gets a JSON 503, the sweeper survives; after the database is back, `/healthz` is 200 again and
feedback is stored — without a restart.

"Going away" is a TCP proxy on 127.0.0.1 between the server and the shared PostgreSQL server that the
test closes (every connection reset, the port refusing) and reopens on the same port: the shared server
itself is never stopped. Needs HOCTAP_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest

from tests.support.channels import ROOT, clean_env, embedding_model, settings_for

from bot.config import ChannelConfig
from handlers.serve import Server

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL, reason="HOCTAP_TEST_POSTGRES_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    ),
]
QUESTION = "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?"


class TcpProxy:
    """127.0.0.1:<port> → the PostgreSQL server; `close()` drops every connection and the port."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.flowing = asyncio.Event()  # cleared: bytes are held back (a database that does not answer)
        self.flowing.set()

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.server.close()
        for w in list(self.writers):
            w.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _handle(self, reader, writer):
        try:
            ur, uw = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, uw}

        async def pipe(r, w):
            try:
                while data := await r.read(65536):
                    await self.flowing.wait()
                    w.write(data)
                    await w.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                w.transport.abort()

        await asyncio.gather(pipe(reader, uw), pipe(ur, writer))


def _with_db(url: str, db: str, port: int | None = None, driver: str = "postgresql") -> str:
    u = urlsplit(url)
    netloc = (
        u.netloc
        if port is None
        else u.netloc.rsplit(":", 1)[0].split("@")[0] + "@127.0.0.1:" + str(port)
        if "@" in u.netloc
        else f"127.0.0.1:{port}"
    )
    return urlunsplit((driver, netloc, "/" + db, "", ""))


@pytest.fixture
def pg_db():
    import psycopg

    name = "hoctap_h11_" + uuid.uuid4().hex[:8]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield name
    from store.db import dispose_engines

    dispose_engines(name)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_postgres_going_away_and_back_under_the_server(pg_db, tmp_path):
    direct = _with_db(PG_URL, pg_db)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "--data-dir",
            str(tmp_path / "data"),
            "build",
            "--no-progress",
            str(ROOT / "knowledge"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(DATABASE_URL=direct, HOCTAP_EMBEDDING_MODEL=str(embedding_model())),
    )
    assert r.returncode == 0, r.stderr[-2000:]

    u = urlsplit(PG_URL)
    proxy = TcpProxy(u.hostname or "127.0.0.1", u.port or 5432)
    await proxy.open()
    settings = settings_for(tmp_path / "data")
    settings.database_url = _with_db(PG_URL, pg_db, proxy.port, driver="postgresql+psycopg") + "?connect_timeout=3"
    from bot.assistant import Assistant

    assistant = await asyncio.to_thread(Assistant.from_settings, settings)  # the proxy runs in this loop
    srv = Server(
        assistant,
        ChannelConfig(web_port=0, rate_limit_count=1000, ip_rate_limit_count=1000),
        sweeper=True,
        sweeper_interval_s=0.5,
    )
    await srv.start()
    try:
        async with aiohttp.ClientSession(base_url=srv.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:

            async def health():
                async with http.get("/healthz") as r:
                    return r.status, await r.json()

            status, h = await health()
            assert status == 200 and h["checks"]["database"]["detail"] == "postgresql", h
            async with http.post("/api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200
                qid = int(r.headers["X-Query-Id"])

            await proxy.close()  # PostgreSQL is gone
            status, h = await asyncio.wait_for(health(), 30)
            assert status == 503 and not h["checks"]["database"]["ok"], h
            assert "postgres" not in h["checks"]["database"]["detail"].split("(")[0]
            async with http.post("/api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200 and (await r.json())["answered"]  # from memory; the log is skipped
                assert "X-Query-Id" not in r.headers
            async with http.post("/api/feedback", json={"query_id": qid, "rating": 1}) as r:
                assert r.status == 503 and (await r.json())["error"]
            await asyncio.sleep(1.5)  # a few sweeps fail meanwhile
            sweeper = next(t for t in srv._tasks if t.get_name() == "reminder-sweeper")
            assert not sweeper.done(), "the reminder sweeper died with the database"

            await proxy.open()  # back, on the same port
            for _ in range(40):
                status, h = await health()
                if status == 200:
                    break
                await asyncio.sleep(0.25)
            assert status == 200, h
            async with http.post("/api/feedback", json={"query_id": qid, "rating": 1}) as r:
                assert r.status == 200
            assert not sweeper.done()

            proxy.flowing.clear()  # PostgreSQL hangs: connected, but no answer
            t0 = asyncio.get_running_loop().time()
            async with http.post("/api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200 and (await r.json())["answered"]
                assert "X-Query-Id" not in r.headers  # the log did not answer in time
            assert asyncio.get_running_loop().time() - t0 < 10
            t0 = asyncio.get_running_loop().time()
            results = await asyncio.gather(*(health() for _ in range(5)))  # one check, shared
            assert all(st == 503 and not h["ok"] for st, h in results), results
            assert asyncio.get_running_loop().time() - t0 < 15
            proxy.flowing.set()  # answers again: the held queries complete
            for _ in range(60):
                status, h = await health()
                if status == 200:
                    break
                await asyncio.sleep(0.25)
            assert status == 200, h
    finally:
        await srv.stop()
        try:
            await proxy.close()
        except Exception:  # noqa: BLE001 - closing the proxy at the end: best effort
            pass
