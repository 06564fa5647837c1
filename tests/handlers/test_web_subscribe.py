"""The web chat's subscribe form's server side (issue 19, items 1 and 4) over real HTTP: /api/info gives the
form today's provinces and bodies, the Telegram bot's name and the lead days; /calendar.ics?deadline=ID is that one
deadline; a PDF source's page link; unknown things answer 404 with a Vietnamese message, never 500."""

from __future__ import annotations

import aiohttp
import pytest
from icalendar import Calendar

from bot.config import ChannelConfig
from store.knowledge import Document
from handlers.serve import Server

pytestmark = pytest.mark.slow


@pytest.fixture
async def web(assistant):
    cfg = ChannelConfig(web_port=0, rate_limit_count=1000, telegram_bot_username="hoctap_test_bot")
    server = Server(assistant, cfg, sweeper=False)
    await server.start()
    async with aiohttp.ClientSession(base_url=server.url) as http:
        yield server, http
    await server.stop()


async def test_info_offers_only_todays_provinces_and_bodies(web):
    server, http = web
    async with http.get("/api/info") as r:
        info = await r.json()
    assert info["telegram_bot"] == "hoctap_test_bot" and info["actions"] == {"subscribe": "Đăng ký nhắc hạn"}
    assert info["lead_days"] == list(server.services.reminders.lead_days)
    assert len(info["provinces"]) == 34 and "Lâm Đồng" in info["provinces"] and "Đắk Nông" not in info["provinces"]
    gone = ("Sở Lao động", "Thông tin và Truyền thông", "Kế hoạch và Đầu tư", "cấp huyện", "Phòng Giáo dục")
    assert not [a for a in info["agencies"] if any(g.lower() in a.lower() for g in gone)]
    assert "Sở Nội vụ" in info["agencies"] and "Sở Giáo dục và Đào tạo" in info["agencies"]


async def test_calendar_of_one_deadline(web, assistant):
    server, http = web
    deadline = assistant.kb.deadlines[0].id
    async with http.get("/calendar.ics", params={"deadline": deadline}) as r:
        assert r.status == 200 and r.content_type == "text/calendar"
        cal = Calendar.from_ical(await r.read())
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1 and str(events[0]["UID"]).startswith(deadline + "@")
    async with http.get("/calendar.ics") as r:
        assert len(Calendar.from_ical(await r.read()).walk("VEVENT")) > 1
    async with http.get("/calendar.ics", params={"deadline": "dl-khong-co"}) as r:
        assert r.status == 404 and "Không tìm thấy hạn này" in (await r.json())["error"]


async def test_document_link_serves_only_indexed_pdf_files(web, assistant, tmp_path):
    server, http = web
    for doc_id in ("daknong-2021-3597-ubnd-kgvx", "khong-co"):  # a text document; no such document
        async with http.get(f"/api/document/{doc_id}") as r:
            assert r.status == 404 and (await r.json())["error"] == "Không có bản PDF của văn bản này."
    async with http.get("/api/document/..%2F..%2Fetc%2Fpasswd") as r:
        assert r.status == 404 and "error" in await r.json()
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% a scanned plan\n%%EOF\n")
    assistant.kb.docs["scan-test"] = Document(id="scan-test", file_name=str(pdf), content_hash="", doc_type="kế hoạch")
    try:
        async with http.get("/api/document/scan-test") as r:
            assert r.status == 200 and r.content_type == "application/pdf"
            assert await r.read() == pdf.read_bytes()
    finally:
        del assistant.kb.docs["scan-test"]


async def test_subscribe_endpoint_absent_answers_404_json(web):
    """The form calls POST /api/subscribe (issue 21's e-mail channel); until it is served the answer is a 404 the
    form explains (see the browser test), never a 500."""
    server, http = web
    has_route = any(getattr(r.resource, "canonical", "") == "/api/subscribe" for r in server.app.router.routes())
    body = {"email": "a@b.vn", "scope": "Lâm Đồng", "lead_days": [7, 1]}
    async with http.post("/api/subscribe", json=body) as r:
        assert r.status != 500
        if not has_route:
            assert r.status == 404 and "error" in await r.json()
