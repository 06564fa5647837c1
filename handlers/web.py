"""Web chat: one static page plus a small JSON API (aiohttp).

  GET  /                       the chat page (static/index.html); sets the session cookie
  POST /api/ask                {"question": "...", "today"?: "YYYY-MM-DD"} → the `bot ask --json` object
                               (header X-Query-Id: the id to send feedback about)
  POST /api/feedback           {"query_id": 12, "rating": 1 | -1}
  GET  /api/info               example questions and the documents the assistant knows
  GET  /api/deadlines          ?days=90&province=... → upcoming deadlines
  GET  /api/source/{chunk_id}  the full source section behind an answer's source
  GET  /calendar.ics           ?province=...&agency=... → the deadlines as an iCalendar file
  GET  /healthz

The conversation context is kept per browser session (cookie `hoctap_sid` → conversation "web:<sid>").
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from pathlib import Path

from aiohttp import web

from bot.formatting import deadline_sentence, document_citation
from bot.lexicon import load_lexicon
from handlers.common import (ERROR_REPLY, EXAMPLE_QUESTIONS, ChannelServices, first_province, knowledge_summary,
                             rate_limited_reply)

log = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE = "hoctap_sid"
MAX_BODY = 64 * 1024
_SID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

SERVICES = web.AppKey("services", ChannelServices)


def _json(data, **kw) -> web.Response:
    return web.json_response(data, dumps=lambda o: json.dumps(o, ensure_ascii=False), **kw)


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status=status)


def _session_id(request: web.Request) -> tuple[str, bool]:
    """(session id, is_new)."""
    sid = request.cookies.get(COOKIE, "")
    if _SID_RE.match(sid):
        return sid, False
    return secrets.token_urlsafe(18), True


def _set_cookie(resp: web.StreamResponse, sid: str) -> None:
    resp.set_cookie(COOKIE, sid, httponly=True, samesite="Lax", max_age=30 * 24 * 3600, path="/")


async def _read_json(request: web.Request):
    """The JSON body, or an error response."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None, _error(413, "Nội dung gửi lên quá lớn.")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return None, _error(413, "Nội dung gửi lên quá lớn.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, _error(400, 'Cần gửi JSON, ví dụ {"question": "Hạn báo cáo về Sở GDĐT là khi nào?"}.')
    if not isinstance(data, dict):
        return None, _error(400, "Nội dung JSON phải là một đối tượng.")
    return data, None


class WebChat:
    def __init__(self, services: ChannelServices):
        self.svc = services
        self.lex = load_lexicon(str(services.settings.knowledge_dir))
        self._page = (STATIC_DIR / "index.html").read_bytes()

    def add_routes(self, app: web.Application) -> None:
        app[SERVICES] = self.svc
        app.router.add_get("/", self.index)
        app.router.add_post("/api/ask", self.ask)
        app.router.add_post("/api/feedback", self.feedback)
        app.router.add_get("/api/info", self.info)
        app.router.add_get("/api/deadlines", self.deadlines)
        app.router.add_get("/api/source/{chunk_id}", self.source)
        app.router.add_get("/calendar.ics", self.calendar)
        app.router.add_get("/healthz", self.health)

    async def index(self, request: web.Request) -> web.Response:
        resp = web.Response(body=self._page, content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                                     "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                                "script-src 'self' 'unsafe-inline'; img-src 'self' data:"})
        sid, new = _session_id(request)
        if new:
            _set_cookie(resp, sid)
        return resp

    async def health(self, request: web.Request) -> web.Response:
        return _json({"ok": True})

    async def ask(self, request: web.Request) -> web.Response:
        data, err = await _read_json(request)
        if err:
            return err
        question = data.get("question")
        if not isinstance(question, str):
            return _error(400, 'Thiếu câu hỏi: gửi {"question": "..."}.')
        problem = self.svc.check_question(question)
        if problem:
            return _error(413 if question.strip() else 400, problem)
        today = None
        if data.get("today") is not None:
            try:
                today = dt.date.fromisoformat(str(data["today"]))
            except ValueError:
                return _error(400, "Ngày 'today' phải có dạng YYYY-MM-DD.")
        sid, new = _session_id(request)
        allowed, retry, _ = self.svc.rate.hit(f"{CHANNEL}:{sid if not new else request.remote}")
        if not allowed:
            return _error(429, rate_limited_reply(retry))
        try:
            asked = await self.svc.ask(CHANNEL, sid, question, today=today)
        except Exception:
            return _error(500, ERROR_REPLY)
        resp = _json(asked.answer.to_dict())
        if asked.query_id is not None:
            resp.headers["X-Query-Id"] = str(asked.query_id)
        if new:
            _set_cookie(resp, sid)
        return resp

    async def feedback(self, request: web.Request) -> web.Response:
        data, err = await _read_json(request)
        if err:
            return err
        sid, new = _session_id(request)
        try:
            qid, rating = int(data.get("query_id")), int(data.get("rating"))
        except (TypeError, ValueError):
            return _error(400, 'Cần {"query_id": số, "rating": 1 hoặc -1}.')
        if new or rating not in (1, -1):
            return _error(400, "Góp ý không hợp lệ.")
        ok = await self.svc.db(self.svc.record_feedback, CHANNEL, sid, qid, rating)
        return _json({"ok": True}) if ok else _error(404, "Không tìm thấy câu hỏi này.")

    async def info(self, request: web.Request) -> web.Response:
        try:
            docs = await self.svc.db(knowledge_summary, self.svc.db_url)
        except Exception:
            log.exception("could not list documents")
            docs = []
        return _json({"examples": list(EXAMPLE_QUESTIONS), "documents": docs,
                      "provinces": list(self.lex.provinces), "agencies": [a.name for a in self.lex.agencies]})

    def _province(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        raw = (request.query.get("province") or "").strip()
        if not raw:
            return None, None
        found = first_province(self.lex, raw)
        return (found, None) if found else (None, _error(400, "Không nhận ra tỉnh, thành phố này."))

    async def deadlines(self, request: web.Request) -> web.Response:
        province, err = self._province(request)
        if err:
            return err
        try:
            days = max(1, min(int(request.query.get("days", "90")), 730))
        except ValueError:
            return _error(400, "'days' phải là số ngày.")
        try:
            items = await self.svc.in_pool(lambda: self.svc.assistant.upcoming_deadlines(days=days, province=province))
        except Exception:
            log.exception("upcoming_deadlines failed")
            return _error(500, ERROR_REPLY)
        return _json({"days": days, "province": province, "deadlines": [
            {"id": u.deadline.id, "due_date": u.due_date.isoformat(), "text": u.text,
             "what": deadline_sentence(u.deadline), "document": document_citation(u.document),
             "file": u.document.id, "chunk_id": u.deadline.chunk_id, "section": u.deadline.section_path,
             "quote": u.deadline.quote} for u in items]})

    async def source(self, request: web.Request) -> web.Response:
        try:
            chunk_id = int(request.match_info["chunk_id"])
        except ValueError:
            return _error(400, "Mã đoạn không hợp lệ.")
        found = await self.svc.in_pool(self.svc.assistant.chunk, chunk_id)
        if not found:
            return _error(404, "Không tìm thấy đoạn văn bản này.")
        doc, ch = found
        return _json({"chunk_id": ch.id, "file": doc.id, "doc": doc.label, "citation": document_citation(doc),
                      "section": ch.section_path, "text": ch.text})

    async def calendar(self, request: web.Request) -> web.Response:
        province, err = self._province(request)
        if err:
            return err
        agency = None
        if request.query.get("agency"):
            found = self.lex.find_agencies(request.query["agency"][:300])
            if not found:
                return _error(400, "Không nhận ra cơ quan này.")
            agency = found[0]
        try:
            from bot.reminders.calendar_ics import build_calendar
        except ImportError:
            return _error(503, "Chức năng lịch chưa sẵn sàng.")
        try:
            body = await self.svc.db(build_calendar, self.svc.db_url, province=province, agency=agency)
        except Exception:
            log.exception("build_calendar failed")
            return _error(500, ERROR_REPLY)
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Content-Disposition": 'attachment; filename="han-bao-cao-xhht.ics"'})
