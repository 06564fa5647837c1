"""Issue 20, finding 5 (degraded mode): `serve` started while the database is down answers questions from the last
build — the store's rows kept beside the index by the last load (bot.knowledge.write_snapshot) — while /healthz
says 503 with the reason; without such a snapshot questions get 503. The database here is a PostgreSQL address
where nothing listens (connections refused), so no server is needed."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from tests.support.channels import settings_for

from bot.config import ChannelConfig
from bot.knowledge import SNAPSHOT
from handlers.serve import Server

pytestmark = pytest.mark.slow

QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"


def _nothing_listens() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"


async def test_a_start_without_the_database_answers_from_the_last_build(store_copy):
    from bot.assistant import Assistant

    settings = settings_for(store_copy)
    first = Assistant.from_settings(settings)  # a normal start keeps the snapshot of its build
    expected = first.ask(QUESTION)
    assert expected.answered and (store_copy / SNAPSHOT).is_file()
    assert (store_copy / SNAPSHOT).stat().st_mode & 0o077 == 0

    settings.database_url = _nothing_listens()
    degraded = Assistant.from_settings(settings)  # raised before; then 503 for every question
    assert degraded.load_error and "refused" in degraded.load_error.lower()
    server = Server(degraded, ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                got = await r.json()
                assert r.status == 200 and got["answered"] and got["answer"] == expected.answer
                assert [s["file"] for s in got["sources"]] == [s.file for s in expected.sources]
            async with http.get(server.url + "healthz") as r:
                h = await r.json()
                assert r.status == 503 and not h["checks"]["database"]["ok"]
    finally:
        await server.stop()


async def test_without_a_snapshot_of_the_build_in_place_questions_get_503(store_copy):
    from bot.assistant import Assistant

    settings = settings_for(store_copy)
    (store_copy / SNAPSHOT).unlink(missing_ok=True)
    settings.database_url = _nothing_listens()
    degraded = Assistant.from_settings(settings)
    assert degraded.kb is None
    server = Server(degraded, ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 503 and (await r.json())["error"]
    finally:
        await server.stop()
