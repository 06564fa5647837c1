"""Issue 20, finding 6 and 8, through the running server on 127.0.0.1 (real HTTP, real SQLite): a multipart upload
whose file name holds NUL and a Telegram update with a non-integer id got 500; both are 400 now, and the query log
shows NUL, ESC and RTL-override characters as escapes in every admin view."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from tests.support.channels import BotApiStandIn, wait_for
from tests.support.uploads import make_store

from bot.config import ChannelConfig
from handlers.serve import Server
from store.channels import QueryLog
from store.db import session_scope
from vntext.controls import escape_controls, has_controls

pytestmark = pytest.mark.slow

TOKEN = "thu-nghiem-quan-tri-2026"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
SECRET = "s3cret-Token_1"


def _multipart(filename: bytes, content: bytes = b"Noi dung van ban thu nghiem.\n") -> bytes:
    return (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\n" + content + b"\r\n--XyZ--\r\n"
    )


@pytest.fixture
async def admin_server(tmp_path, monkeypatch):
    from bot.assistant import Assistant

    monkeypatch.setenv("HOCTAP_OCR_CACHE", str(tmp_path / "ocr-cache"))
    settings = make_store(tmp_path)
    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0, admin_token=TOKEN), sweeper=False)
    await server.start()
    yield server, settings
    await server.stop()


async def test_a_file_name_with_nul_is_refused_with_400_and_nothing_changes(admin_server):
    server, settings = admin_server
    before = sorted(p.name for p in settings.knowledge_dir.iterdir())
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=XyZ"}
    async with aiohttp.ClientSession() as http:
        # raw NUL in the part's header (aiohttp refuses the header), then NUL, ESC and RTL override percent-encoded
        for name in (b"a\x00b.txt", b"a%00b.txt", b"bao-cao%1B[31m.txt", b"%E2%80%AEtxt.exe.txt"):
            async with http.post(server.url + "admin/upload", data=_multipart(name), headers=headers) as r:
                body = await r.json()
                assert r.status == 400, (name, body)
                assert "không hợp lệ" in body["error"] or "ký tự điều khiển" in body["error"]
        assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == before  # nothing stored
        # the page form (HTML) gets 400 too, never the 500 page
        html_headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "multipart/form-data; boundary=XyZ"}
        async with http.post(server.url + "admin/upload", data=_multipart(b"a\x00b.txt"), headers=html_headers) as r:
            assert r.status == 400 and "không hợp lệ" in await r.text()
        # an ordinary name is still taken
        async with http.post(server.url + "admin/upload", data=_multipart(b"ghi-chu.txt"), headers=headers) as r:
            assert r.status == 202, await r.text()
            job = await r.json()
        while job["state"] == "running":
            await asyncio.sleep(0.3)
            async with http.get(f"{server.url}admin/jobs/{job['id']}", headers=AUTH) as r:
                job = await r.json()
        assert job["state"] == "done", job


async def test_a_telegram_update_with_a_text_id_or_an_empty_message_gets_400(assistant):
    standin = await BotApiStandIn().start()
    cfg = ChannelConfig(
        web_port=0,
        telegram_token=standin.token,
        telegram_base_url=standin.url,
        telegram_poll_timeout=1,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret=SECRET,
    )
    server = Server(assistant, cfg, sweeper=False)
    await server.start()
    try:
        await wait_for(lambda: server.telegram.app.running)
        url = server.url + "tg/hook"
        ok = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with aiohttp.ClientSession() as http:
            for upd in (
                {"update_id": "abc", "message": {}},
                {"update_id": 5, "message": {}},
                {"update_id": True, "message": {}},
                {"update_id": 6, "message": {"chat": "x"}},
                {"update_id": 7, "callback_query": []},
            ):
                async with http.post(url, json=upd, headers=ok) as r:
                    assert r.status == 400, (upd, await r.text())
                    assert (await r.json())["error"] == "bad update"
            async with http.post(url, json={"update_id": "abc", "message": {}}) as r:
                assert r.status == 403  # the secret is still checked first
    finally:
        standin.release_polls()
        await server.stop()
        await standin.stop()


def test_escape_controls_shows_every_control_and_bidi_character():
    raw = "Hạn\x00 nộp\x1b[31m báo cáo\u202e?\u2066x\u200b\x7f\x85\t\n"
    shown = escape_controls(raw)
    assert not has_controls(shown)
    assert shown == "Hạn\\x00 nộp\\x1b[31m báo cáo\\u202e?\\u2066x\\u200b\\x7f\\x85\\x09\\x0a"
    assert escape_controls("Sở GDĐT Đắk Nông") == "Sở GDĐT Đắk Nông"  # Vietnamese text untouched
    assert escape_controls("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"


async def test_the_query_log_keeps_what_was_typed_and_admins_see_escapes(assistant):
    server = Server(
        assistant, ChannelConfig(web_port=0, rate_limit_count=1000, ip_rate_limit_count=1000), sweeper=False
    )
    await server.start()
    try:
        question = "zqxw\x00 vbnm\x1b[2J ploki\u202egnp.exe"
        async with aiohttp.ClientSession() as http:
            async with http.post(server.url + "api/ask", data=json.dumps({"question": question})) as r:
                assert r.status == 200
                qid = int(r.headers["X-Query-Id"])
        with session_scope(server.services.db_url) as s:
            assert s.get(QueryLog, qid).question == question.strip()  # stored as typed
        rows = await server.services.db(server.services.unanswered, 50)
        mine = [q for _, _, q in rows if "zqxw" in q]
        assert mine == ["zqxw\\x00 vbnm\\x1b[2J ploki\\u202egnp.exe"]
        assert not any(has_controls(q) for _, _, q in rows)
    finally:
        await server.stop()
