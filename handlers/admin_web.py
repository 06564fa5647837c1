"""Web admin page: add, replace and remove documents without a shell.

Enabled only when HOCTAP_ADMIN_TOKEN is set (there is no default: without it every /admin route answers
404 saying how to enable it). Sign in with the token on the page (a server-side session: its random id in a
cookie, HttpOnly, SameSite=Strict, expiring, revoked by signing out) or send `Authorization: Bearer <token>` to
the JSON routes. Every POST made with the cookie needs this host's Origin and the session's CSRF token (forms are
written by `AdminWeb.form`); wrong tokens are throttled per client and in total (handlers.admin_auth).

  GET  /admin                      the page: upload form, documents with status, recent changes
  POST /admin/login                form field `token`
  POST /admin/logout
  POST /admin/upload               multipart: `file`, optional `replace` (a document id) or `keep_both` → a background
                                   job; a file named like an existing document → 409 asking (the file is held)
  POST /admin/upload/held          `held` (the token of the 409), `choice` replace | keep → job
  POST /admin/remove               form/JSON `doc_id` → job
  POST /admin/undo                 form/JSON `event_id` → job
  GET  /admin/jobs/{id}            the job's progress page (refreshes itself) — JSON with Accept: application/json
  GET  /admin/api/documents        JSON list of documents and the recent changes
  /admin/reports…                  who has reported, units, exports (handlers/admin_reports.py)

Every change is recorded (who: "web:<address>", when, file, content hash) and shown by `python -m indexer
show`; after each change the assistant reloads, so the document is answerable at once.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import logging
import os
import re
import secrets
import time
from urllib.parse import unquote
from dataclasses import dataclass, field

from aiohttp import web

from handlers.admin_auth import (
    CSRF_FIELD,
    session_store,
    Throttle,
    csrf_token_of,
    form_fields,
    same_origin,
    token_matches,
)
from handlers.common import esc
from indexer.loaders import MAX_BYTES, SUPPORTED
from aiohttp.http_exceptions import HttpProcessingError

from indexer.uploads import DocumentLibrary, Outcome, UploadError, describe_event, file_name_problem
from store.shared_state import StateUnavailable

log = logging.getLogger(__name__)

COOKIE = "hoctap_admin"
# the request's admin session, read once (session_loader); a plain string key before aiohttp 3.12
SESSION_KEY = web.RequestKey("hoctap_admin_session", object) if hasattr(web, "RequestKey") else "hoctap_admin_session"
TOKEN_ENV = "HOCTAP_ADMIN_TOKEN"
MIN_TOKEN_LEN = 12
_JOB_IDS = itertools.count(1)
HOLD_S = 3600  # how long an upload waits for "replace or keep both?"
HOLD_MAX = 5  # files held at once (the oldest go first)


class _TooLarge(Exception):
    pass


@dataclass
class Job:
    id: int
    what: str
    state: str = "running"  # running | done | failed
    messages: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)
    task: asyncio.Task | None = None

    def to_dict(self) -> dict:
        s = self.outcome.summary if self.outcome else None
        return {
            "id": self.id,
            "what": self.what,
            "state": self.state,
            "messages": self.messages,
            "error": self.error,
            "action": self.outcome.action if self.outcome else None,
            "doc_id": self.outcome.doc_id if self.outcome else None,
            "event_id": self.outcome.event_id if self.outcome else None,
            "summary": s.__dict__ if s else None,
            "similar": [list(x) for x in (self.outcome.similar if self.outcome else [])],
        }


class AdminWeb:
    def __init__(self, services, token: str | None = None):
        self.svc = services
        if token is None:  # not given: the channel configuration's, else the configuration's (HOCTAP_ADMIN_TOKEN)
            token = getattr(getattr(services, "config", None), "admin_token", None)
        if token is None:
            from bot.config import admin_token_from, environment

            token = admin_token_from(environment())
        self.token = token.strip()
        self.library = DocumentLibrary(services.settings)
        self.jobs: dict[int, Job] = {}
        self.held: dict[str, tuple[str, bytes, str, float]] = {}  # files waiting for "replace or keep both?"
        cfg = getattr(services, "config", None)
        self.sessions = session_store(services.settings, getattr(cfg, "admin_session_ttl_s", 12 * 3600))
        self.throttle = Throttle()
        self.trusted_proxies = tuple(getattr(cfg, "trusted_proxies", ()) or ())
        self.public_url = getattr(cfg, "public_url", "") or ""

    @property
    def enabled(self) -> bool:
        return len(self.token) >= MIN_TOKEN_LEN

    def add_routes(self, app: web.Application) -> None:
        if self.token and not self.enabled:
            log.warning("%s is shorter than %d characters: the admin page stays disabled", TOKEN_ENV, MIN_TOKEN_LEN)
        app.middlewares.append(self.session_loader)  # the session read once per request, off the event loop
        app.middlewares.append(self.csrf_guard)  # every POST under /admin, present and future
        r = app.router
        r.add_get("/admin", self.page)
        r.add_post("/admin/login", self.login)
        r.add_post("/admin/logout", self.logout)
        r.add_post("/admin/upload", self.upload)
        r.add_post("/admin/upload/held", self.upload_held)
        r.add_post("/admin/remove", self.remove)
        r.add_post("/admin/undo", self.undo)
        r.add_get("/admin/jobs/{job_id}", self.job)
        r.add_get("/admin/api/documents", self.api_documents)
        from handlers.admin_reports import AdminReports  # the reporting page (/admin/reports), same sign-in

        AdminReports(self).add_routes(app)

    # -- auth (sessions, CSRF and throttling: handlers.admin_auth) ----------------------------------------
    def _client(self, request: web.Request) -> str:
        from handlers.common import client_ip

        return client_ip(request, self.trusted_proxies)

    def _session(self, request: web.Request):
        """The request's admin session (read by `session_loader`; read here for a request it did not see)."""
        if SESSION_KEY not in request:
            request[SESSION_KEY] = self._read_session(request.cookies.get(COOKIE, ""))
        return request[SESSION_KEY]

    def _read_session(self, sid: str):
        try:
            return self.sessions.get(sid)
        except StateUnavailable as e:  # the shared store is down: signed out until it is back
            log.warning("admin session not read: %s", e)
            return None

    @web.middleware
    async def session_loader(self, request: web.Request, handler):
        """Read the admin session of a request under /admin once, in a thread (the shared store is a database)."""
        if self.enabled and request.path.startswith("/admin") and request.cookies.get(COOKIE):
            request[SESSION_KEY] = await self.svc.db(self._read_session, request.cookies.get(COOKIE, ""))
        return await handler(request)

    def _bearer(self, request: web.Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        return auth[7:].strip() if auth.startswith("Bearer ") else None

    def _json_error(self, msg: str, status: int, headers=None) -> web.Response:
        return web.json_response(
            {"error": msg}, status=status, headers=headers, dumps=lambda o: json.dumps(o, ensure_ascii=False)
        )

    def _throttled(self, request: web.Request) -> web.Response | None:
        wait = self.throttle.wait(self._client(request))
        if wait <= 0:
            return None
        retry = str(max(1, round(wait)))
        msg = f"Nhập sai mã quá nhiều lần. Vui lòng thử lại sau {retry} giây."
        if self._wants_json(request) or request.method != "POST" or request.path != "/admin/login":
            return self._json_error(msg, 429, {"Retry-After": retry})
        resp = self._html(self._login_form(msg), status=429)
        resp.headers["Retry-After"] = retry
        return resp

    def _gate(self, request: web.Request) -> web.Response | None:
        if not self.enabled:
            return web.Response(
                status=404,
                content_type="text/plain",
                charset="utf-8",
                text="Trang quản trị đang tắt. Đặt biến môi trường HOCTAP_ADMIN_TOKEN (ít nhất "
                f"{MIN_TOKEN_LEN} ký tự) rồi khởi động lại để bật.",
            )
        given = self._bearer(request)
        if given is not None:
            throttled = self._throttled(request)
            if throttled:
                return throttled
            if hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode()):
                return None
            self.throttle.failed(self._client(request))
            log.warning("admin: wrong bearer token from %s", self._client(request))
        elif self._session(request) is not None:
            return None
        if self._wants_json(request) or request.method != "GET":
            return self._json_error("Cần đăng nhập quản trị (mã HOCTAP_ADMIN_TOKEN).", 401)
        return self._html(self._login_form(), status=401)

    @web.middleware
    async def csrf_guard(self, request: web.Request, handler):
        """A POST under /admin made with the session cookie needs this host as its Origin and the session's CSRF
        token; sign-in needs the Origin. Bearer requests (scripts) carry no ambient credential: not concerned."""
        if request.method != "POST" or not request.path.startswith("/admin") or not self.enabled:
            return await handler(request)
        if self._bearer(request) is None:
            session = self._session(request)
            login = request.path == "/admin/login"
            if (login or session is not None) and not same_origin(request, self.public_url):
                return self._refused(request, "Yêu cầu bị từ chối: gửi từ một trang khác (Origin).")
            if session is not None and not login and not token_matches(await csrf_token_of(request), session.csrf):
                return self._refused(request, "Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF).")
        return await handler(request)

    def _refused(self, request: web.Request, msg: str) -> web.Response:
        log.warning("admin: %s %s refused from %s (%s)", request.method, request.path, self._client(request), msg)
        if self._wants_json(request):
            return self._json_error(msg, 403)
        return self._html(f"<p class=err>{esc(msg)}</p><p><a href=/admin>Tải lại trang quản trị</a></p>", 403)

    def form(self, request: web.Request, action: str, inner: str, *, cls: str = "", multipart: bool = False) -> str:
        """An admin form posting to `action` with the session's CSRF token: every admin form is written by this."""
        session = self._session(request)
        sep = "&" if "?" in action else "?"
        target = f"{action}{sep}{CSRF_FIELD}={session.csrf}" if session else action
        attrs = (f" class={cls}" if cls else "") + (" enctype=multipart/form-data" if multipart else "")
        return f"<form method=post action='{esc(target)}'{attrs}>{inner}</form>"

    @staticmethod
    def _wants_json(request: web.Request) -> bool:
        return "application/json" in request.headers.get("Accept", "") or request.path.startswith("/admin/api/")

    @staticmethod
    def _who(request: web.Request) -> str:
        return f"web:{request.remote or '?'}"

    async def login(self, request: web.Request) -> web.Response:
        if not self.enabled:
            return self._gate(request)
        throttled = self._throttled(request)
        if throttled:
            return throttled
        form = await form_fields(request)
        given = str(form.get("token", "")).strip()
        client = self._client(request)
        if not token_matches(given, self.token):
            self.throttle.failed(client)
            log.warning("admin page: wrong token from %s", client)
            return self._html(self._login_form("Mã không đúng."), status=401)
        self.throttle.succeeded(client)
        try:
            sid, _ = await self.svc.db(self.sessions.create)
        except (OSError, StateUnavailable) as e:  # a read-only or full data folder: say so, never a 500
            log.error("admin session not stored: %s", getattr(e, "strerror", None) or e)
            msg = "Không lưu được phiên đăng nhập (thư mục dữ liệu không ghi được). Báo người quản trị máy chủ."
            return self._html(self._login_form(msg), status=503)
        resp = web.HTTPSeeOther("/admin")
        resp.set_cookie(COOKIE, sid, httponly=True, samesite="Strict", path="/admin", max_age=int(self.sessions.ttl_s))
        raise resp

    async def logout(self, request: web.Request) -> web.Response:
        sid = request.cookies.get(COOKIE, "")
        if sid and self.enabled:
            try:
                await self.svc.db(self.sessions.revoke, sid)  # the cookie stops working everywhere, copies included
            except (OSError, StateUnavailable) as e:
                log.error("admin session not revoked: %s", getattr(e, "strerror", None) or e)
                return self._bad(request, "Không đăng xuất được (thư mục dữ liệu không ghi được).", 503)
        resp = web.HTTPSeeOther("/admin")
        resp.del_cookie(COOKIE, path="/admin")
        raise resp

    # -- pages -----------------------------------------------------------------------------------------
    @staticmethod
    def _html(body: str, status: int = 200, refresh: int | None = None) -> web.Response:
        head = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
        page = (
            "<!doctype html><html lang=vi><head><meta charset=utf-8><meta name=viewport "
            "content='width=device-width,initial-scale=1'><title>Quản trị văn bản — Trợ lý XHHT</title>"
            + head
            + "<style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem}table{border-collapse:"
            "collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}"
            "th{background:#f3f3f3}.ok{color:#17692b}.err{color:#a00}form.inline{display:inline}"
            "fieldset{margin:1rem 0}</style></head><body>" + body + "</body></html>"
        )
        return web.Response(
            text=page,
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers={
                "Cache-Control": "no-store",
                "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            },
        )

    @staticmethod
    def _login_form(msg: str = "") -> str:
        return (
            "<h1>Quản trị văn bản</h1>"
            + (f"<p class=err>{esc(msg)}</p>" if msg else "")
            + "<form method=post action=/admin/login><label>Mã quản trị: <input type=password name=token "
            "autocomplete=current-password required></label> <button>Đăng nhập</button></form>"
        )

    def _document_row(self, request: web.Request, d: dict) -> str:
        return (
            f"<tr><td>{esc(d['id'])}<br><small>{esc(d['file'])}</small></td><td>{esc(d['label'])}</td>"
            f"<td>{esc(d['issuer'])}</td><td>{esc(d['date'])}</td>"
            f"<td>{d['deadlines']} hạn · {d['responsibilities']} nhiệm vụ · {d['targets']} chỉ tiêu · "
            f"{d['chunks']} đoạn</td><td>{'✅ đã lập chỉ mục' if d['in_folder'] else '⚠️ tệp không còn trong thư mục'}"
            f"<br><small>{esc(d['last_change'])}</small></td>"
            "<td>"
            + self.form(
                request,
                "/admin/remove",
                f"<input type=hidden name=doc_id value='{esc(d['id'])}'><button>Gỡ</button>",
                cls="inline",
            )
            + "</td></tr>"
        )

    async def page(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        docs = await self.svc.db(self.library.documents)
        events = await self.svc.db(self.library.history, None, 30)
        opts = "".join(f"<option value='{esc(d['id'])}'>{esc(d['id'])} — {esc(d['label'])}</option>" for d in docs)
        rows = [self._document_row(request, d) for d in docs]
        latest: set[int] = set()
        seen_docs: set[str] = set()
        for e in events:  # newest first: only a document's latest change can be undone
            if e.document_id not in seen_docs:
                seen_docs.add(e.document_id)
                if e.action in ("added", "replaced", "removed"):
                    latest.add(e.id)
        hist = "".join(
            f"<li>{esc(describe_event(e))}"
            + (
                " "
                + self.form(
                    request,
                    "/admin/undo",
                    f"<input type=hidden name=event_id value={e.id}><button>Hoàn tác</button>",
                    cls="inline",
                )
                if e.id in latest
                else ""
            )
            + "</li>"
            for e in events
        )
        upload = (
            f"<p><input type=file name=file required accept='{esc(','.join(SUPPORTED))}'> "
            f"(tối đa {MAX_BYTES // 1024 // 1024} MB; {esc(', '.join(SUPPORTED))}; văn bản scan được nhận dạng chữ)</p>"
            f"<p><label>Thay thế văn bản: <select name=replace><option value=''>— không, thêm văn bản mới —</option>"
            f"{opts}</select></label></p><p><button>Tải lên và lập chỉ mục</button></p>"
        )
        body = (
            "<h1>Quản trị văn bản</h1>"
            + self.form(request, "/admin/logout", "<button>Đăng xuất</button>", cls="inline")
            + "<fieldset><legend>Thêm hoặc thay thế văn bản</legend>"
            + self.form(request, "/admin/upload", upload, multipart=True)
            + "</fieldset>"
            f"<h2>Văn bản ({len(docs)})</h2><table><tr><th>Mã</th><th>Loại, số</th><th>Cơ quan</th><th>Ngày</th>"
            f"<th>Dữ kiện</th><th>Trạng thái</th><th></th></tr>{''.join(rows)}</table>"
            f"<h2>Thay đổi gần đây</h2><ul>{hist or '<li>Chưa có.</li>'}</ul>"
        )
        return self._html(body)

    # -- changes ---------------------------------------------------------------------------------------
    def _start(self, what: str, fn) -> Job:
        job = Job(next(_JOB_IDS), what)
        self.jobs[job.id] = job
        if len(self.jobs) > 200:
            for k in sorted(self.jobs)[:50]:
                if self.jobs[k].state != "running":
                    self.jobs.pop(k, None)

        def progress(msg: str) -> None:
            job.messages.append(msg)

        async def run():
            try:
                job.outcome = await asyncio.to_thread(fn, progress)
                await self.svc.in_pool(self.svc.assistant.reload)  # answerable now, not at the next restart
                job.state = "done"
                if job.outcome.new_deadlines:
                    from handlers.common import announce_new_deadlines

                    n = await announce_new_deadlines(self.svc, self.library, job.outcome)
                    if n:
                        job.messages.append(f"📣 Đã báo {n} người đăng ký nhắc hạn về hạn mới.")
            except UploadError as e:
                job.error, job.state = str(e), "failed"
            except Exception as e:
                log.exception("admin job %s failed", job.id)
                job.error, job.state = f"Lỗi khi xử lý ({type(e).__name__}).", "failed"

        job.task = asyncio.get_running_loop().create_task(run())
        return job

    def _job_response(self, request: web.Request, job: Job) -> web.Response:
        if self._wants_json(request):
            return web.json_response(job.to_dict(), status=202, dumps=lambda o: json.dumps(o, ensure_ascii=False))
        raise web.HTTPSeeOther(f"/admin/jobs/{job.id}")

    async def _fields(self, request: web.Request) -> dict:
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        return await form_fields(request)

    async def upload(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        if not request.content_type.startswith("multipart/"):
            return self._bad(request, "Cần gửi tệp dạng multipart/form-data (trường «file»).")
        try:
            name, data, fields = await self._read_upload(request)
        except _TooLarge:
            return self._bad(request, f"Tệp quá lớn (tối đa {MAX_BYTES // 1024 // 1024} MB).", 413)
        except (HttpProcessingError, ValueError, AssertionError, UnicodeDecodeError, LookupError):
            # a malformed part: a header with NUL or a line break, a bad boundary, an unknown charset
            return self._bad(
                request, "Dữ liệu multipart không hợp lệ (tiêu đề phần tệp hỏng hoặc có ký tự điều khiển)."
            )
        if not name or data is None:
            return self._bad(request, "Chưa chọn tệp.")
        problem = file_name_problem(name)
        if problem:
            return self._bad(request, problem)
        replace = fields.get("replace", "")
        if not replace and fields.get("keep_both", "") not in ("1", "on", "true"):
            existing = await self.svc.db(self.library.same_stem, name)
            if existing:  # ask: replace it, or keep both (the new one under "<id>-2")
                return self._ask_replace_or_keep(request, name, data, existing)
        return self._start_upload(request, name, data, replace)

    def _start_upload(self, request: web.Request, name: str, data: bytes, replace: str) -> web.Response:
        who = self._who(request)
        if replace:
            job = self._start(
                f"thay thế {replace} bằng {name}", lambda p: self.library.replace(replace, name, data, who, p)
            )
        else:
            job = self._start(f"thêm {name}", lambda p: self.library.add(name, data, who, p))
        log.info("admin upload %s (%d bytes) by %s", name, len(data), who)
        return self._job_response(request, job)

    def _ask_replace_or_keep(self, request: web.Request, name: str, data: bytes, existing: str) -> web.Response:
        """409: the file is held (an hour at most, a few files) until the admin says which (POST /admin/upload/held)."""
        now = time.monotonic()
        for k in [k for k, v in self.held.items() if now - v[3] > HOLD_S] + list(self.held)[:-HOLD_MAX]:
            self.held.pop(k, None)
        token = secrets.token_urlsafe(16)
        self.held[token] = (name, data, existing, now)
        msg = (
            f"Đã có văn bản «{existing}» trùng tên với tệp «{name}». Thay thế văn bản đó, hay giữ cả hai "
            f"(tệp mới thành «{existing}-2»)?"
        )
        if self._wants_json(request):
            return web.json_response(
                {"error": msg, "existing": existing, "held": token, "choices": ["replace", "keep"]},
                status=409,
                dumps=lambda o: json.dumps(o, ensure_ascii=False),
            )
        hidden = f"<input type=hidden name=held value='{esc(token)}'>"
        body = (
            f"<h1>Tệp trùng tên</h1><p>{esc(msg)}</p>"
            + self.form(
                request,
                "/admin/upload/held",
                hidden + f"<input type=hidden name=choice value=replace><button>Thay thế «{esc(existing)}»</button>",
                cls="inline",
            )
            + " "
            + self.form(
                request,
                "/admin/upload/held",
                hidden + "<input type=hidden name=choice value=keep><button>Giữ cả hai</button>",
                cls="inline",
            )
            + "<p><a href=/admin>Hủy</a></p>"
        )
        return self._html(body, status=409)

    async def upload_held(self, request: web.Request) -> web.Response:
        """The admin's answer about a held file: `choice` replace (the existing document) or keep (both)."""
        denied = self._gate(request)
        if denied:
            return denied
        fields = await self._fields(request)
        held = self.held.pop(str(fields.get("held", "")), None)
        choice = str(fields.get("choice", ""))
        if held is None or choice not in ("replace", "keep"):
            return self._bad(request, "Không còn tệp đang chờ này (quá một giờ hoặc đã chọn); hãy tải tệp lên lại.")
        name, data, existing, _ = held
        return self._start_upload(request, name, data, existing if choice == "replace" else "")

    async def _read_upload(self, request: web.Request) -> tuple[str | None, bytes | None, dict]:
        """(file name, content, the other fields: `replace`, `keep_both`) of a multipart upload; raises _TooLarge
        beyond MAX_BYTES."""
        reader = await request.multipart()
        name, data, fields = None, None, {}
        while True:
            part = await reader.next()
            if part is None:
                break
            if part.name == "file" and part.filename:
                raw = part.filename
                if re.search(r"%[0-9A-Fa-f]{2}", raw):  # percent-encoded by some clients (aiohttp, curl --form-string)
                    raw = unquote(raw)
                name = os.path.basename(raw.replace("\\", "/"))
                buf = bytearray()
                while True:
                    chunk = await part.read_chunk(1 << 16)
                    if not chunk:
                        break
                    buf += chunk
                    if len(buf) > MAX_BYTES:
                        raise _TooLarge()
                data = bytes(buf)
            elif part.name in ("replace", "keep_both"):
                fields[part.name] = (await part.text()).strip()
        return name, data, fields

    async def remove(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        doc_id = str((await self._fields(request)).get("doc_id", "")).strip()
        if not doc_id:
            return self._bad(request, "Thiếu mã văn bản (doc_id).")
        who = self._who(request)
        return self._job_response(request, self._start(f"gỡ {doc_id}", lambda p: self.library.remove(doc_id, who, p)))

    async def undo(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        try:
            event_id = int(str((await self._fields(request)).get("event_id", "")).strip())
        except ValueError:
            return self._bad(request, "Thiếu số thay đổi (event_id).")
        who = self._who(request)
        return self._job_response(
            request, self._start(f"hoàn tác thay đổi {event_id}", lambda p: self.library.undo(event_id, who, p))
        )

    def _bad(self, request: web.Request, msg: str, status: int = 400) -> web.Response:
        if self._wants_json(request):
            return web.json_response({"error": msg}, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))
        return self._html(f"<p class=err>{esc(msg)}</p><p><a href=/admin>Quay lại</a></p>", status=status)

    async def job(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        try:
            job = self.jobs[int(request.match_info["job_id"])]
        except (KeyError, ValueError):
            return self._bad(request, "Không tìm thấy công việc này.", 404)
        if self._wants_json(request):
            return web.json_response(job.to_dict(), dumps=lambda o: json.dumps(o, ensure_ascii=False))
        msgs = "".join(f"<li>{esc(m)}</li>" for m in job.messages)
        body = f"<h1>{esc(job.what)}</h1><ul>{msgs}</ul>"
        if job.state == "running":
            body += "<p>⏳ Đang xử lý… (trang tự làm mới)</p>"
        elif job.state == "failed":
            body += f"<p class=err>❌ {esc(job.error)}</p>"
        else:
            o = job.outcome
            verb = {"added": "Đã thêm", "replaced": "Đã thay thế", "removed": "Đã gỡ", "restored": "Đã khôi phục"}
            body += f"<p class=ok>✅ {verb.get(o.action, o.action)} văn bản {esc(o.doc_id)}.</p>"
            if o.summary:
                body += "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in o.summary.lines()) + "</ul>"
            for sid, label in o.similar:
                body += (
                    f"<p>Văn bản này có vẻ trùng với <b>{esc(sid)}</b> ({esc(label)}). Muốn thay thế văn bản cũ, "
                    f"hãy tải tệp lên với «Thay thế văn bản: {esc(sid)}», rồi gỡ {esc(o.doc_id)}.</p>"
                )
            if o.event_id and o.action in ("added", "replaced", "removed"):
                body += self.form(
                    request,
                    "/admin/undo",
                    f"<input type=hidden name=event_id value={o.event_id}><button>Hoàn tác</button>",
                )
        body += "<p><a href=/admin>← Danh sách văn bản</a></p>"
        return self._html(body, refresh=2 if job.state == "running" else None)

    async def api_documents(self, request: web.Request) -> web.Response:
        denied = self._gate(request)
        if denied:
            return denied
        docs = await self.svc.db(self.library.documents)
        events = await self.svc.db(self.library.history, None, 50)
        ev = [
            {
                "id": e.id,
                "document_id": e.document_id,
                "action": e.action,
                "actor": e.actor,
                "file": e.file_name,
                "sha256": e.content_sha256,
                "at": e.created_at.isoformat() + "Z",
            }
            for e in events
        ]
        return web.json_response({"documents": docs, "events": ev}, dumps=lambda o: json.dumps(o, ensure_ascii=False))
