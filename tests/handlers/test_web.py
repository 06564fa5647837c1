"""The web chat's JSON API and page, against the running aiohttp server (127.0.0.1, any free port)."""

from __future__ import annotations

import json
import statistics
import time

import aiohttp
import pytest
from sqlalchemy import select

from tests.support.channels import TEST_OUTPUT

from store.db import session_scope
from handlers.common import EXAMPLE_QUESTIONS
from bot.config import ChannelConfig
from store.channels import Feedback, QueryLog
from handlers.serve import Server

pytestmark = pytest.mark.slow

QUESTION = "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?"


@pytest.fixture
async def web(assistant):
    server = Server(assistant, ChannelConfig(web_port=0, rate_limit_count=1000), sweeper=False)
    await server.start()
    async with aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield server, http
    await server.stop()


def _sid(cookie: str) -> str:
    """The session id inside the signed cookie ('<id>.<signature>')."""
    sid, _, sig = cookie.rpartition(".")
    assert sid and sig
    return sid


def _comparable(d: dict) -> dict:
    d = dict(d)
    d.pop("elapsed_ms")
    return d


async def test_api_ask_returns_the_assistant_answer_object(web, assistant):
    server, http = web
    async with http.post("/api/ask", json={"question": QUESTION}) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/json")
        got = await r.json()
        qid = int(r.headers["X-Query-Id"])
        assert "hoctap_sid" in r.cookies
    expected = assistant.ask(QUESTION, conversation_id="w-expected").to_dict()
    assert set(got) == set(expected)
    assert _comparable(got) == _comparable(expected)
    assert got["answered"] and got["sources"]
    # same shape as `python -m bot ask --json`
    from bot.answer import Answer

    assert list(got) == list(Answer("q", True, "a", "i").to_dict())
    # 👍 on the web is stored with the question
    async with http.post("/api/feedback", json={"query_id": qid, "rating": 1}) as r:
        assert r.status == 200
    with session_scope(server.services.db_url) as s:
        fb = s.scalars(select(Feedback).where(Feedback.query_id == qid)).one()
        assert fb.question == QUESTION and fb.rating == 1 and fb.channel == "web"


async def test_conversation_is_kept_per_browser_session(web):
    server, http = web
    async with http.get("/") as r:
        assert r.status == 200
        sid = _sid(r.cookies["hoctap_sid"].value)
    for q in ("Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?", "còn Đắk Nông thì sao?"):
        async with http.post("/api/ask", json={"question": q}) as r:
            assert r.status == 200
    async with aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        async with other.post("/api/ask", json={"question": "còn Đắk Nông thì sao?"}) as r:
            assert r.status == 200
            other_sid = _sid(r.cookies["hoctap_sid"].value)
    assert other_sid != sid
    with session_scope(server.services.db_url) as s:
        mine = list(s.scalars(select(QueryLog.question).where(QueryLog.channel == "web", QueryLog.chat_id == sid)))
        theirs = list(s.scalars(select(QueryLog.question).where(QueryLog.chat_id == other_sid)))
    assert len(mine) == 2 and theirs == ["còn Đắk Nông thì sao?"]


@pytest.mark.parametrize(
    "body,ctype,status",
    [
        (b"", "application/json", 400),
        (b"not json at all", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'{"question": 42}', "application/json", 400),
        (b'{"question": "   "}', "application/json", 400),
        (json.dumps({"question": "hạn báo cáo " * 200}).encode(), "application/json", 413),
        (json.dumps({"question": "x", "pad": "y" * 70_000}).encode(), "application/json", 413),
        (b'{"question": "h\\u1ea1n b\\u00e1o c\\u00e1o", "today": "31/12/2025"}', "application/json", 400),
        (b"\xff\xfe\x00bad utf8", "text/plain", 400),
    ],
)
async def test_bad_input_gets_a_clear_answer(web, body, ctype, status):
    server, http = web
    async with http.post("/api/ask", data=body, headers={"Content-Type": ctype}) as r:
        assert r.status == status
        err = await r.json()
        assert isinstance(err["error"], str) and err["error"]


async def test_page_deadlines_sources_and_calendar(web, assistant):
    server, http = web
    async with http.get("/") as r:
        page = await r.text()
        assert r.headers["Content-Type"].startswith("text/html")
    assert 'name="viewport"' in page and 'lang="vi"' in page and "calendar.ics" in page
    async with http.get("/api/info") as r:
        info = await r.json()
    assert info["examples"] == list(EXAMPLE_QUESTIONS) and info["documents"]
    async with http.get("/api/deadlines?days=365") as r:
        dl = await r.json()
    expected = assistant.upcoming_deadlines(days=365)
    assert [d["id"] for d in dl["deadlines"]] == [u.deadline.id for u in expected]
    assert [d["due_date"] for d in dl["deadlines"]] == [u.due_date.isoformat() for u in expected]
    async with http.get("/api/deadlines?province=Tiền Giang") as r:
        assert r.status == 200 and (await r.json())["province"] == "Tiền Giang"
    async with http.get("/api/deadlines?province=Atlantis") as r:
        assert r.status == 400
    async with http.get("/api/deadlines?days=abc") as r:
        assert r.status == 400

    ans = assistant.ask(QUESTION, conversation_id="w-src")
    cid = ans.sources[0].chunk_id
    async with http.get(f"/api/source/{cid}") as r:
        src = await r.json()
    doc, chunk = assistant.chunk(cid)
    assert src["text"] == chunk.text and src["doc"] == doc.label
    async with http.get("/api/source/999999999") as r:
        assert r.status == 404
    async with http.get("/api/source/abc") as r:
        assert r.status == 400

    async with http.get("/calendar.ics") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/calendar")
        assert "attachment" in r.headers["Content-Disposition"]
        assert (await r.read()).startswith(b"BEGIN:VCALENDAR")
    async with http.get("/calendar.ics?province=Đắk Nông") as r:
        assert r.status == 200


async def test_rate_limit_on_the_api(assistant):
    server = Server(assistant, ChannelConfig(web_port=0, rate_limit_count=3), sweeper=False)
    await server.start()
    try:
        async with aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await (await http.get("/")).read()
            codes = []
            for _ in range(5):
                async with http.post("/api/ask", json={"question": "hạn báo cáo"}) as r:
                    codes.append(r.status)
                    if r.status == 429:
                        assert "gửi hơi nhanh" in (await r.json())["error"]
        assert codes == [200, 200, 200, 429, 429]
    finally:
        await server.stop()


async def test_api_ask_latency(web):
    """Measured for the report: end-to-end latency of POST /api/ask (written to test-output/)."""
    server, http = web
    qs = [
        QUESTION,
        "han bao cao ve so gddt tien giang",
        "Ngày 15/6 có hạn gì?",
        "Hội Khuyến học Hải Phòng được đề nghị làm gì?",
        "Giá xăng hôm nay bao nhiêu?",
    ]
    times = []
    for _ in range(4):
        for q in qs:
            t0 = time.perf_counter()
            async with http.post("/api/ask", json={"question": q}) as r:
                assert r.status == 200
                await r.read()
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    result = {
        "n": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
    }
    TEST_OUTPUT.mkdir(exist_ok=True)
    (TEST_OUTPUT / "web-api-latency.json").write_text(json.dumps(result, indent=2))
    print("web /api/ask latency:", result)
    assert result["median_ms"] < 2000
