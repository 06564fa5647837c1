"""Web chat: one static page plus a small JSON API (aiohttp).

  GET  /                       the chat page (static/index.html); sets the session cookie
  POST /api/ask                {"question": "...", "today"?: "YYYY-MM-DD"} → the `bot ask --json` object
                               (header X-Query-Id: the id to send feedback about)
  POST /api/feedback           {"query_id": 12, "rating": 1 | -1}
  GET  /api/info               example questions and the documents the assistant knows
  GET  /api/deadlines          ?days=90&province=... → upcoming deadlines
  GET  /api/source/{chunk_id}  the full source section behind an answer's source
  GET  /api/document/{doc_id}  a PDF document's file (a source's `url` opens it at its page: `…#page=N`)
  GET  /calendar.ics           ?province=...&agency=... → the deadlines as an iCalendar file; ?deadline=ID → that one
  POST /api/subscribe          (the e-mail channel's, issue 21) called by the chat's subscribe form
  GET  /api/openapi.json       the OpenAPI 3.0 description of this API (handlers/openapi.py)
  GET  /healthz                {"ok", "checks": {database, store, lexical, dense, model}} — 503 when one fails
                               (bot.health; each request looks at the live state)

The conversation context is kept per browser session: cookie `hoctap_sid` holds a random id signed with the
server's key (HOCTAP_SESSION_SECRET, else a key kept once in the database, so every replica accepts it), so
clients cannot choose ids → conversation "web:<sid>", whose context any replica reads (store.shared_state). Rate limits: per session (HOCTAP_RATE_LIMIT per HOCTAP_RATE_WINDOW_S; requests without a session
count per client IP) and, as a backstop, per client IP for every API request (HOCTAP_IP_RATE_LIMIT). The client
IP is the peer address; X-Forwarded-For is believed only from HOCTAP_TRUSTED_PROXIES (addresses or networks).

Bodies are read whole (however many TCP segments they come in) up to 64 KB, within 30 s.
Every error is JSON {"error": "..."}: 400 bad input, 404, 405, 408 body too slow, 413 too large, 429 too many
requests (Retry-After), 503 when the database or the assistant fails; never a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
from pathlib import Path

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from itsdangerous import BadSignature

from bot.formatting import document_citation
from bot.lexicon import load_lexicon
from bot.answerers.deadlines import SUBSCRIBE_ACTION
from handlers.actions import (
    Actions,
    BodyTimeout,
    BodyTooLarge,
    current_agency_names,
    current_province_names,
    first_province,
    read_body,
    utf8_clean,
)
from handlers.common import (
    ERROR_REPLY,
    EXAMPLE_QUESTIONS,
    Busy,
    ChannelServices,
    client_ip,
    guard_store,
    knowledge_summary,
    rate_limited_reply,
    reopen_if_readonly,
    session_signer,
    warn_once_a_minute,
)

log = logging.getLogger(__name__)

CHANNEL = "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE = "hoctap_sid"
MAX_BODY = 64 * 1024
MAX_QUERY_ID = 2**31 - 1  # query ids are SQL integers (32-bit on PostgreSQL)
TODAY_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
HEALTH_WAIT_S = 5.0
DB_WAIT_S = 8.0  # the longest a page waits for the database (one that hangs answers 503 after it)
BUSY_REPLY = "Hệ thống đang bận hoặc đang gặp sự cố. Bạn vui lòng thử lại sau ít phút."

SERVICES = web.AppKey("services", ChannelServices)

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không có địa chỉ này.",
    405: "Phương thức không được hỗ trợ ở địa chỉ này.",
    408: "Gửi dữ liệu quá chậm, yêu cầu đã bị hủy.",
    413: "Nội dung gửi lên quá lớn.",
    429: "Quá nhiều yêu cầu.",
}


def _json(data, **kw) -> web.Response:
    return web.json_response(data, dumps=lambda o: json.dumps(o, ensure_ascii=False), **kw)


def _error(status: int, message: str, **kw) -> web.Response:
    return _json({"error": message}, status=status, **kw)


@web.middleware
async def json_errors(request: web.Request, handler):
    """Every error as JSON {"error": ...} (404, 405, 413 from aiohttp itself too); an unexpected exception
    is logged with its traceback and answered with a short JSON message, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as e:
        ctype = e.content_type or ""
        if e.status < 400 or ctype.endswith("json") or ctype.startswith("text/html"):
            raise  # redirects, and error pages a handler wrote itself
        headers = {k: e.headers[k] for k in ("Allow", "Retry-After") if k in e.headers} or None
        own = e.text if e.text and e.text != f"{e.status}: {e.reason}" else None
        return _error(e.status, own or HTTP_MESSAGES.get(e.status, e.reason or "Lỗi."), headers=headers)
    except asyncio.CancelledError:
        raise
    except HttpProcessingError as e:  # a malformed part of a request read by a handler (multipart headers...)
        log.info("malformed request on %s %s: %s", request.method, request.path, type(e).__name__)
        return _error(400, HTTP_MESSAGES[400])
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error(500, ERROR_REPLY)


async def _read_json(request: web.Request, timeout_s: float = 30.0):
    """The JSON object of the body (read whole, up to MAX_BODY), or an error response."""
    try:
        raw = await read_body(request, MAX_BODY, timeout_s)
    except BodyTooLarge:
        return None, _error(413, "Nội dung gửi lên quá lớn.")
    except BodyTimeout:
        return None, _error(408, HTTP_MESSAGES[408])
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, _error(400, 'Cần gửi JSON, ví dụ {"question": "Hạn báo cáo về Sở GDĐT là khi nào?"}.')
    if not isinstance(data, dict):
        return None, _error(400, "Nội dung JSON phải là một đối tượng.")
    if not utf8_clean(data):
        return None, _error(400, "Nội dung có ký tự không hợp lệ (UTF-16 surrogate) hoặc lồng quá sâu.")
    return data, None


def one_deadline(ics: bytes, deadline_id: str) -> bytes:
    """The calendar with only the event of one deadline (its UID is the deadline's)."""
    from icalendar import Calendar

    from bot.reminders.calendar_ics import event_uid

    cal = Calendar.from_ical(ics)
    uid = event_uid(deadline_id)
    cal.subcomponents[:] = [c for c in cal.subcomponents if c.name != "VEVENT" or str(c.get("UID")) == uid]
    return cal.to_ical()


def _strict_int(v, lo: int, hi: int) -> int | None:
    """An integer in [lo, hi] given as a JSON integer (not a bool, float or string), else None."""
    return v if type(v) is int and lo <= v <= hi else None


class WebChat:
    def __init__(self, services: ChannelServices):
        self.svc = services
        self.cfg = services.config
        self.actions = Actions(services)
        self.lex = load_lexicon(str(services.settings.knowledge_dir))
        self._page = (STATIC_DIR / "index.html").read_bytes()
        self._key_signer = None  # the session cookie's signer: its key is read from the database in `prepare`
        self._health_task: asyncio.Future | None = None

    async def prepare(self, database_answers: bool = True) -> None:
        """Read the session key (from the database: `serve` calls this before it takes requests, off the loop).
        A database that did not answer the checks at start is not asked again: the data folder's key is used."""
        if self._key_signer is None:
            self._key_signer = await asyncio.to_thread(self._make_signer, database_answers)

    def _make_signer(self, database_answers: bool = True):
        db_url = self.svc.db_url if database_answers else None
        return session_signer(self.svc.config, self.svc.settings.data_dir, db_url)

    @property
    def _signer(self):
        if self._key_signer is None:  # not prepared (an app built without `serve`): read now
            self._key_signer = self._make_signer()
        return self._key_signer

    def add_routes(self, app: web.Application) -> None:
        app[SERVICES] = self.svc
        app.router.add_get("/", self.index)
        app.router.add_post("/api/ask", self.ask)
        app.router.add_post("/api/feedback", self.feedback)
        app.router.add_get("/api/info", self.info)
        app.router.add_get("/api/deadlines", self.deadlines)
        app.router.add_get("/api/source/{chunk_id}", self.source)
        app.router.add_get("/api/document/{doc_id}", self.document_file)
        app.router.add_get("/calendar.ics", self.calendar)
        app.router.add_get("/healthz", self.health)
        app.router.add_get("/api/openapi.json", self.openapi)

    # -- sessions and limits --------------------------------------------------------------------
    def _session_id(self, request: web.Request) -> tuple[str, bool]:
        """(session id, is_new). The cookie holds the id signed with the server's key, so a client
        cannot pick ids (nor a fresh one per request to dodge the rate limit) without asking for one."""
        raw = request.cookies.get(COOKIE, "")
        if raw and len(raw) < 200:
            try:
                return self._signer.unsign(raw).decode("ascii"), False
            except (BadSignature, UnicodeError, ValueError):
                pass
        return secrets.token_urlsafe(18), True

    def _set_cookie(self, resp: web.StreamResponse, sid: str) -> None:
        resp.set_cookie(
            COOKIE,
            self._signer.sign(sid).decode("ascii"),
            httponly=True,
            samesite="Lax",
            max_age=30 * 24 * 3600,
            path="/",
        )

    async def _ip_limited(self, request: web.Request) -> web.Response | None:
        """The per-IP backstop (X-Forwarded-For believed only from HOCTAP_TRUSTED_PROXIES)."""
        ip = client_ip(request, self.cfg.trusted_proxies)
        allowed, retry, _ = await self.svc.ip_rate.ahit(f"ip:{ip}")
        if allowed:
            return None
        return _error(429, rate_limited_reply(retry), headers={"Retry-After": str(max(1, round(retry)))})

    # -- routes ---------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        resp = web.Response(
            body=self._page,
            content_type="text/html",
            charset="utf-8",
            headers={
                "Cache-Control": "no-cache",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                "script-src 'self' 'unsafe-inline'; img-src 'self' data:",
            },
        )
        sid, new = self._session_id(request)
        if new:
            self._set_cookie(resp, sid)
        return resp

    async def openapi(self, request: web.Request) -> web.Response:
        from handlers.openapi import SPEC

        return _json(SPEC)

    async def health(self, request: web.Request) -> web.Response:
        """The checks of bot.health. One check at a time: concurrent requests share it, and a check that
        hangs (a database that does not answer) is reported after HEALTH_WAIT_S instead of piling up threads."""
        from bot.health import check

        if self._health_task is None or self._health_task.done():
            self._health_task = asyncio.ensure_future(self.svc.db(check, self.svc.assistant))
        try:
            h = (await asyncio.wait_for(asyncio.shield(self._health_task), HEALTH_WAIT_S)).to_dict()
        except asyncio.TimeoutError:
            h = {
                "ok": False,
                "checks": {
                    "database": {
                        "ok": False,
                        "detail": f"không trả lời trong {HEALTH_WAIT_S:.0f} giây (cơ sở dữ liệu treo?)",
                    }
                },
            }
        return _json(h, status=200 if h["ok"] else 503, headers={"Cache-Control": "no-store"})

    async def ask(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        data, err = await _read_json(request, self.cfg.body_timeout_s)
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
            raw = data["today"]
            try:
                if not isinstance(raw, str) or len(raw) > 10:
                    raise ValueError(raw)
                today = dt.date.fromisoformat(raw)
            except ValueError:
                return _error(400, "Ngày 'today' phải có dạng YYYY-MM-DD.")
            if not TODAY_RANGE[0] <= today <= TODAY_RANGE[1]:
                return _error(400, f"Ngày 'today' phải nằm trong khoảng {TODAY_RANGE[0].year}–{TODAY_RANGE[1].year}.")
        sid, new = self._session_id(request)
        key = sid if not new else "ip:" + client_ip(request, self.cfg.trusted_proxies)
        allowed, retry, _ = await self.svc.rate.ahit(f"{CHANNEL}:{key}")
        if not allowed:
            return _error(429, rate_limited_reply(retry), headers={"Retry-After": str(max(1, round(retry)))})
        try:
            asked = await self.svc.ask(CHANNEL, sid, question, today=today)
        except Busy:
            return _error(503, BUSY_REPLY, headers={"Retry-After": "2"})
        except Exception:  # noqa: BLE001 - any failure answers 503 with the error reply
            return _error(503, ERROR_REPLY)
        resp = _json(asked.answer.to_dict())
        if asked.query_id is not None:
            resp.headers["X-Query-Id"] = str(asked.query_id)
        if new:
            self._set_cookie(resp, sid)
        return resp

    async def feedback(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        data, err = await _read_json(request, self.cfg.body_timeout_s)
        if err:
            return err
        sid, new = self._session_id(request)
        qid = _strict_int(data.get("query_id"), 1, MAX_QUERY_ID)
        rating = _strict_int(data.get("rating"), -1, 1)
        if qid is None or rating not in (1, -1):
            return _error(400, 'Cần {"query_id": số nguyên, "rating": 1 hoặc -1}.')
        if new:
            return _error(400, "Góp ý không hợp lệ: phiên trò chuyện không còn (hãy tải lại trang).")
        for attempt in (1, 2):
            try:
                ok = await self.svc.db(self.svc.record_feedback, CHANNEL, sid, qid, rating)
                break
            except Exception as e:
                if attempt == 1 and reopen_if_readonly(self.svc.db_url, e):
                    continue
                log.exception("could not record feedback")
                return _error(503, BUSY_REPLY)
        return _json({"ok": True}) if ok else _error(404, "Không tìm thấy câu hỏi này.")

    async def info(self, request: web.Request) -> web.Response:
        try:  # a database that does not answer costs at most DB_WAIT_S
            docs = await asyncio.wait_for(self.svc.db(knowledge_summary, self.svc.db_url), DB_WAIT_S)
        except Exception as e:  # noqa: BLE001 - the page still gets its examples
            warn_once_a_minute("info_docs", "could not list documents (%s)", type(e).__name__)
            docs = []
        return _json(
            {
                "examples": list(EXAMPLE_QUESTIONS),
                "documents": docs,
                "provinces": current_province_names(self.lex),
                "agencies": current_agency_names(self.lex),
                "telegram_bot": self.cfg.telegram_bot_username,
                "lead_days": list(self.actions.lead_days),
                "actions": {"subscribe": SUBSCRIBE_ACTION},
            }
        )

    def _province(self, request: web.Request) -> tuple[str | None, web.Response | None]:
        raw = (request.query.get("province") or "").strip()[:200]
        if not raw:
            return None, None
        found = first_province(self.lex, raw)
        return (found, None) if found else (None, _error(400, "Không nhận ra tỉnh, thành phố này."))

    async def deadlines(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        province, err = self._province(request)
        if err:
            return err
        raw_days = request.query.get("days", "90").strip()
        if not (raw_days.isascii() and raw_days.isdigit() and len(raw_days) <= 6):
            return _error(400, "'days' phải là số ngày (1–730).")
        days = max(1, min(int(raw_days), 730))
        try:
            upcoming = await self.actions.upcoming(province, days)
        except Exception:
            log.exception("upcoming_deadlines failed")
            return _error(503, BUSY_REPLY)
        return _json(upcoming.to_json())

    async def source(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        raw = request.match_info["chunk_id"]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
            return _error(400, "Mã đoạn không hợp lệ.")
        try:
            found = await self.svc.in_pool(self.svc.assistant.chunk, int(raw))
        except Exception:
            log.exception("could not read a source chunk")
            return _error(503, BUSY_REPLY)
        if not found:
            return _error(404, "Không tìm thấy đoạn văn bản này.")
        doc, ch = found
        from indexer.loaders import chunk_page

        page = await self.svc.db(chunk_page, self.svc.db_url, ch.id)  # PDFs and scans: "trang N"
        return _json(
            {
                "chunk_id": ch.id,
                "file": doc.id,
                "doc": doc.label,
                "citation": document_citation(doc),
                "section": ch.section_path,
                "text": ch.text,
                "page": page,
            }
        )

    def _pdf_path(self, doc_id: str) -> Path | None:
        """The file of an indexed PDF document (as built, under the knowledge folder, or uploaded through another
        replica and fetched from the database: bot.index_publish), None otherwise."""
        from bot.index_publish import published_document

        kb = self.svc.assistant.kb
        doc = kb.docs.get(doc_id) if kb is not None else None
        if doc is None or not (doc.file_name or "").lower().endswith(".pdf"):
            return None
        named = Path(doc.file_name)
        for path in (named, Path(self.svc.settings.knowledge_dir) / named.name):
            if path.is_file():
                return path
        return published_document(self.svc.settings.data_dir, named.name)

    async def document_file(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        path = self._pdf_path(request.match_info["doc_id"][:200])
        if path is None:
            return _error(404, "Không có bản PDF của văn bản này.")
        return web.FileResponse(path, headers={"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff"})

    async def calendar(self, request: web.Request) -> web.Response:
        limited = await self._ip_limited(request)
        if limited:
            return limited
        province, err = self._province(request)
        if err:
            return err
        deadline = (request.query.get("deadline") or "").strip()[:80]
        if deadline and all(d.id != deadline for d in self.svc.assistant.kb.deadlines):
            return _error(404, "Không tìm thấy hạn này (kho văn bản có thể vừa được cập nhật).")
        agency = None
        if request.query.get("agency"):
            found = self.lex.find_agencies(request.query["agency"][:300])
            if not found:
                return _error(400, "Không nhận ra cơ quan này.")
            agency = found[0]
        from bot.reminders.calendar_ics import build_calendar

        try:
            guard_store(self.svc.db_url)
            body = await asyncio.wait_for(
                self.svc.db(
                    build_calendar, self.svc.db_url, province=province, agency=agency, lead_days=self.actions.lead_days
                ),
                DB_WAIT_S,
            )
        except Exception as e:  # noqa: BLE001 - a database down or hanging: 503 within DB_WAIT_S
            warn_once_a_minute("calendar", "build_calendar failed (%s)", type(e).__name__)
            return _error(503, BUSY_REPLY, headers={"Retry-After": "10"})
        if deadline:
            body = one_deadline(body, deadline)
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{"han-bao-cao" if deadline else "han-bao-cao-xhht"}.ics"'
            },
        )
