"""Issue 20, finding 4 (first part): when the SQLite file was replaced while serving, questions and votes sent
afterwards were acknowledged (a query id) but never reached the file, and /healthz stayed green. Now the file's
identity is checked before every write: 503 with the reason, and no query id for a row that would be lost."""

from __future__ import annotations

import os
import shutil

import aiohttp
import pytest
from sqlalchemy import func, select, create_engine

from tests.support.channels import settings_for

from bot.config import ChannelConfig
from handlers.serve import Server
from store.channels import QueryLog

pytestmark = pytest.mark.slow

QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"


def _rows(db) -> int:
    eng = create_engine(f"sqlite:///{db}")
    try:
        with eng.connect() as c:
            return c.scalar(select(func.count()).select_from(QueryLog))
    finally:
        eng.dispose()


async def test_a_replaced_database_file_is_503_not_a_lost_acknowledged_write(store_copy):
    from bot.assistant import Assistant

    settings = settings_for(store_copy)
    db = store_copy / "hoctap.sqlite3"
    server = Server(
        Assistant.from_settings(settings),
        ChannelConfig(web_port=0, rate_limit_count=1000, ip_rate_limit_count=1000),
        sweeper=False,
    )
    await server.start()
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(server.url) as r:
                assert r.status == 200
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200 and r.headers.get("X-Query-Id")
                qid = int(r.headers["X-Query-Id"])
            # the file is replaced by another (a copy restored over it): a new inode at the same path
            shutil.copy2(db, store_copy / "restored.sqlite3")
            os.replace(store_copy / "restored.sqlite3", db)
            before = _rows(db)
            async with http.get(server.url + "healthz") as r:
                h = await r.json()
                assert r.status == 503 and "đã bị thay" in h["checks"]["database"]["detail"], h
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200 and (await r.json())["answered"]  # the answer still comes...
                assert "X-Query-Id" not in r.headers  # ...but nothing is acknowledged that would be lost
            async with http.post(server.url + "api/feedback", json={"query_id": qid, "rating": 1}) as r:
                assert r.status == 503 and (await r.json())["error"]
            assert _rows(db) == before
    finally:
        await server.stop()
