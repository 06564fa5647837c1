"""Zalo Official Account adapter (OA API v3): webhook in, consultation messages out.

Webhook (`POST /zalo/webhook`): `X-ZEvent-Signature` must be sha256 hex of
`app_id + raw body + timestamp + OA secret key` (timestamp from the body, milliseconds), optionally
written `mac=<hex>`. Missing, wrong or stale (> 5 minutes) → 401, logged. Events are de-duplicated by
`msg_id`; the HTTP request is answered at once and the reply is sent by a background task (Zalo retries
a webhook that takes more than 2 seconds).

Replies go to `{ZALO_API_BASE_URL}/v3.0/oa/message/cs` with the `access_token` header, with
`oa.query.show` quick-reply buttons for follow-ups. The access token is refreshed with the one-time
refresh token at `{ZALO_OAUTH_BASE_URL}/v4/oa/access_token`; the new pair is stored in one transaction
before it is used.

Text commands (Zalo has no slash commands): #hanchot [tỉnh], #dangky [tỉnh], #huy, #xoadulieu, #trogiup.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import time

import aiohttp
from aiohttp import web
from sqlalchemy import update as sa_update

from store.db import session_scope
from bot.lexicon import load_lexicon
from bot.answerers.deadlines import ACTIONS, SUBSCRIBE_ACTION
from handlers.more import GONE, MoreCache, more_label, page
from handlers.actions import (
    Actions,
    BodyTimeout,
    BodyTooLarge,
    Subscribed,
    Upcoming,
    first_province,
    is_action,
    read_body,
    reminder_view,
    utf8_clean,
)
from handlers.common import (
    ERROR_REPLY,
    EXAMPLE_QUESTIONS,
    ChannelServices,
    StoreUnavailable,
    rate_limited_reply,
    source_lines,
    split_text,
)
from handlers.report_actions import BAD_BUTTON, ReportActions, parse_zalo_done, zalo_done_payload
from store.channels import ZaloToken, utcnow

log = logging.getLogger(__name__)

CHANNEL = "zalo"
TEXT_LIMIT = 2000  # characters per Zalo text message
MAX_BODY = 64 * 1024  # webhook bodies are small; anything bigger is refused
TOKEN_ERRORS = {-216, -124, -155}  # access token invalid / expired
RATE_LIMIT_ERRORS = {-32, -229}  # too many requests / quota
WINDOW_ERRORS = {-213, -230, -201, -211}  # outside the messaging window / not a follower
HELP_TEXT = (
    "Trợ lý Xã hội học tập trả lời câu hỏi về các văn bản xây dựng xã hội học tập (ai làm gì, hạn nào, "
    "chỉ tiêu bao nhiêu), kèm nguồn trích dẫn.\n\n"
    "Lệnh: #hanchot [tỉnh] — hạn báo cáo 90 ngày tới; #dangky [tỉnh] — nhận nhắc hạn; #huy — hủy nhắc hạn; "
    "#xoadulieu — xóa dữ liệu của bạn.\n\nVí dụ: " + EXAMPLE_QUESTIONS[0]
)


def _scalar(v) -> str:
    """A JSON id as text: strings and integers only (not objects, lists, floats or booleans)."""
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        return ""
    return str(v).strip() if isinstance(v, str) or abs(v) < 10**30 else ""


FILE_EVENTS = ("user_send_file", "user_send_image", "user_send_link", "user_send_gif")


def file_reply(admin: bool, public_url: str) -> str:
    """What a file sent on Zalo gets: admins the address of the web admin page, others a polite note."""
    if not admin:
        return (
            "Cảm ơn bạn đã gửi tệp. Chỉ quản trị viên mới thêm được văn bản vào kho; bạn vẫn có thể hỏi "
            "tôi về các văn bản hiện có."
        )
    where = (public_url.rstrip("/") + "/admin") if public_url else "trang /admin của máy chủ trợ lý"
    return (
        f"Zalo không chuyển tệp cho máy chủ. Để thêm hoặc thay văn bản, hãy mở {where}, đăng nhập bằng mã "
        "quản trị và tải tệp lên (.pdf, .docx, .txt, ảnh chụp); văn bản trả lời được ngay sau khi đọc xong."
    )


def upcoming_text(upcoming: Upcoming, limit: int = 10) -> str:
    """The #hanchot reply: the heading and one numbered line per deadline (the first `limit`)."""
    if not upcoming.items:
        return upcoming.empty_reply
    lines = [upcoming.heading]
    lines += [
        f"\n{i}. {u.due_date:%d/%m/%Y} — {u.sentence} ({u.citation})" for i, u in enumerate(upcoming.items[:limit], 1)
    ]
    return "\n".join(lines)


SUBSCRIBE_HOW = (
    "Để nhận nhắc hạn, gõ #dangky kèm tỉnh và cơ quan, ví dụ: #dangky Sở GDĐT Lâm Đồng — hoặc bấm "
    "“🔔 Đăng ký nhắc hạn” dưới một hạn báo cáo. Gõ #dangky không kèm gì để nhận nhắc mọi hạn."
)


def suggestion_buttons(ans) -> list[tuple[str, str]]:
    """The answer's suggestions as quick replies: one naming an action performs it ("Đăng ký nhắc hạn" →
    `#nhachan <deadline>`), a question is sent back as the question."""
    out = []
    for s in ans.suggestions[:3]:
        if s == SUBSCRIBE_ACTION:
            if ans.deadline_ids:
                out.append(("🔔 " + s, f"#nhachan {ans.deadline_ids[0]}"))
        elif s not in ACTIONS:
            out.append((s[:100], s))
    return out


def subscribed_text(sub: Subscribed) -> str:
    """The #dangky reply."""
    return f"{sub.text} Gõ #huy để hủy. (Có thể ghi tỉnh: #dangky Tiền Giang)"


class ZaloSendError(Exception):
    def __init__(self, code, message: str, transient: bool):
        super().__init__(f"Zalo error {code}: {message}")
        self.code, self.transient = code, transient


_HEX64 = re.compile(r"[0-9A-Fa-f]{64}")


# -- signature ------------------------------------------------------------------------------------------------
def signature(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    return hashlib.sha256(app_id.encode() + raw_body + str(timestamp).encode() + secret.encode()).hexdigest()


def verify_signature(
    header: str | None,
    app_id: str,
    raw_body: bytes,
    timestamp,
    secret: str,
    *,
    max_age_s: int = 300,
    now_ms: float | None = None,
) -> str | None:
    """None if the signature is valid and fresh, else the reason (for the log)."""
    if not header:
        return "missing signature"
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    if not _HEX64.fullmatch(given):
        return "malformed signature"
    if isinstance(timestamp, bool) or not isinstance(timestamp, (str, int)) or len(str(timestamp)) > 20:
        return "missing or bad timestamp"
    try:
        ts = int(str(timestamp))
    except (TypeError, ValueError):
        return "missing or bad timestamp"
    expected = signature(app_id, raw_body, str(timestamp), secret)
    if not hmac.compare_digest(given.lower().encode("ascii"), expected.encode("ascii")):
        return "wrong signature"
    now_ms = time.time() * 1000 if now_ms is None else now_ms
    if abs(now_ms - ts) > max_age_s * 1000:
        return "stale timestamp"
    return None


# -- token pair ----------------------------------------------------------------------------------------------
class TokenStore:
    """The access/refresh pair in the database (row id 1), seeded from the environment.

    If the environment holds a different pair than the one last seeded (the operator pasted new tokens),
    the environment wins; otherwise the stored pair (possibly refreshed since) wins."""

    def __init__(self, db_url: str, access: str, refresh: str):
        self.db_url = db_url
        self._seed = hashlib.sha256(f"{access}\n{refresh}".encode()).hexdigest()
        with session_scope(db_url) as s:
            row = s.get(ZaloToken, 1)
            if row is None:
                s.add(ZaloToken(id=1, access_token=access, refresh_token=refresh, seed=self._seed))
            elif row.seed != self._seed:
                row.access_token, row.refresh_token, row.seed = access, refresh, self._seed
                row.expires_at, row.updated_at = None, utcnow()

    def current(self) -> tuple[str, str]:
        with session_scope(self.db_url) as s:
            row = s.get(ZaloToken, 1)
            return (row.access_token, row.refresh_token) if row else ("", "")

    def replace(self, old_refresh: str, access: str, refresh: str, expires_in: int | None) -> bool:
        """Store the new pair in one statement, only if the old refresh token is still the stored one."""
        exp = utcnow() + dt.timedelta(seconds=int(expires_in)) if expires_in else None
        with session_scope(self.db_url) as s:
            r = s.execute(
                sa_update(ZaloToken)
                .where(ZaloToken.id == 1, ZaloToken.refresh_token == old_refresh)
                .values(access_token=access, refresh_token=refresh, expires_at=exp, updated_at=utcnow())
            )
            return (r.rowcount or 0) == 1


class ZaloClient:
    def __init__(self, services: ChannelServices, session: aiohttp.ClientSession, *, backoff_s: float = 1.0):
        self.svc = services
        self.cfg = services.config
        self.session = session
        self.tokens = TokenStore(services.db_url, self.cfg.zalo_access_token, self.cfg.zalo_refresh_token)
        self._refresh_lock = asyncio.Lock()
        self.backoff_s = backoff_s

    async def refresh(self, stale_access: str) -> str | None:
        """Exchange the refresh token for a new pair (once, even if several sends failed at the same time)."""
        async with self._refresh_lock:
            access, refresh = await self.svc.db(self.tokens.current)
            if access and access != stale_access:
                return access  # another task refreshed already
            if not refresh or not self.cfg.zalo_app_secret:
                log.error("Zalo: access token rejected and no ZALO_REFRESH_TOKEN/ZALO_APP_SECRET to refresh it")
                return None
            url = f"{self.cfg.zalo_oauth_base_url}/v4/oa/access_token"
            try:
                async with self.session.post(
                    url,
                    headers={"secret_key": self.cfg.zalo_app_secret},
                    data={"refresh_token": refresh, "app_id": self.cfg.zalo_app_id, "grant_type": "refresh_token"},
                    timeout=aiohttp.ClientTimeout(total=15),
                ) as r:
                    body = await r.json(content_type=None)
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                log.error("Zalo: token refresh request failed: %s", type(e).__name__)
                return None
            new_access, new_refresh = (body or {}).get("access_token"), (body or {}).get("refresh_token")
            if not new_access or not new_refresh:
                log.error(
                    "Zalo: token refresh refused: error %s %s",
                    (body or {}).get("error"),
                    (body or {}).get("error_name") or (body or {}).get("error_description") or "",
                )
                return None
            stored = await self.svc.db(self.tokens.replace, refresh, new_access, new_refresh, body.get("expires_in"))
            if not stored:
                log.warning("Zalo: the stored refresh token changed during refresh; keeping the stored pair")
                return (await self.svc.db(self.tokens.current))[0]
            log.info("Zalo: access token refreshed")
            return new_access

    async def send(self, user_id: str, text: str, buttons: list[tuple[str, str]] = (), *, attempts: int = 4) -> dict:
        """One consultation message. Refreshes the token on a token error, backs off on rate limits and
        network errors; raises ZaloSendError (transient or not) when it gives up."""
        message: dict = {"text": text}
        if buttons:
            message["attachment"] = {
                "type": "template",
                "payload": {
                    "buttons": [
                        {"title": t[:100], "type": "oa.query.show", "payload": p[:1000]} for t, p in buttons[:5]
                    ]
                },
            }
        payload = {"recipient": {"user_id": str(user_id)}, "message": message}
        url = f"{self.cfg.zalo_api_base_url}/v3.0/oa/message/cs"
        access = (await self.svc.db(self.tokens.current))[0]
        refreshed = False
        last: ZaloSendError | None = None
        for attempt in range(attempts):
            try:
                async with self.session.post(
                    url, json=payload, headers={"access_token": access}, timeout=aiohttp.ClientTimeout(total=15)
                ) as r:
                    if r.status == 429 or r.status >= 500:
                        raise ZaloSendError(f"http {r.status}", "server busy", transient=True)
                    body = await r.json(content_type=None) or {}
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                last = ZaloSendError("network", type(e).__name__, transient=True)
            except ZaloSendError as e:
                last = e
            else:
                code = body.get("error", 0)
                try:
                    code = int(code)
                except (TypeError, ValueError):
                    code = -1
                if code == 0:
                    return body
                msg = str(body.get("message") or "")
                if code in TOKEN_ERRORS and not refreshed:
                    refreshed = True
                    new = await self.refresh(access)
                    if new:
                        access = new
                        continue
                    raise ZaloSendError(code, msg or "invalid access token", transient=False)
                if code in WINDOW_ERRORS:
                    raise ZaloSendError(code, msg or "outside the messaging window", transient=False)
                if code not in RATE_LIMIT_ERRORS:
                    raise ZaloSendError(code, msg, transient=False)
                last = ZaloSendError(code, msg or "rate limited", transient=True)
            if attempt < attempts - 1:
                await asyncio.sleep(self.backoff_s * (2**attempt))
        raise last or ZaloSendError("unknown", "gave up", transient=True)


class ZaloBot:
    def __init__(self, services: ChannelServices, *, backoff_s: float = 1.0):
        self.svc = services
        self.more = MoreCache(
            state=getattr(services, "shared_state", None)
        )  # the rest of long answers, paged by "#xemthem <query id> <start>"
        self.cfg = services.config
        self.actions = Actions(services)
        self.reports = ReportActions(services)
        self.lex = load_lexicon(str(services.settings.knowledge_dir))
        self.session: aiohttp.ClientSession | None = None
        self.client: ZaloClient | None = None
        self.backoff_s = backoff_s
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()
        self.client = await self.svc.db(ZaloClient, self.svc, self.session, backoff_s=self.backoff_s)

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=10)
        for t in self._tasks:
            t.cancel()
        if self.session is not None:
            await self.session.close()

    async def idle(self) -> None:
        """Wait until every reply started so far has been sent (for tests and shutdown)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # -- webhook ---------------------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        try:  # the whole body, however many TCP segments it comes in: the signature covers all of it
            raw = await read_body(request, MAX_BODY, self.cfg.body_timeout_s)
        except BodyTooLarge:
            return web.json_response({"error": "body too large"}, status=413)
        except BodyTimeout:
            return web.json_response({"error": "body not received in time"}, status=408)
        try:
            event = json.loads(raw.decode("utf-8"))
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except (UnicodeDecodeError, ValueError, RecursionError):
            event = None
        ts = event.get("timestamp") if event else None
        why = verify_signature(
            request.headers.get("X-ZEvent-Signature"),
            self.cfg.zalo_app_id,
            raw,
            ts,
            self.cfg.zalo_oa_secret_key,
            max_age_s=self.cfg.zalo_signature_max_age_s,
        )
        if why:
            log.warning("Zalo webhook rejected from %s: %s", request.remote, why)
            return web.json_response({"error": "invalid signature"}, status=401)
        if event is None:
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        if not utf8_clean(event):
            return web.json_response({"error": "invalid text (lone surrogate) or nesting too deep"}, status=400)
        name = event.get("event_name")
        if name in FILE_EVENTS:
            return await self._file_event(event, raw)
        if name != "user_send_text":
            return web.json_response({"ok": True, "ignored": name[:100] if isinstance(name, str) else None})
        msg = event.get("message") if isinstance(event.get("message"), dict) else {}
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        user_id, text, msg_id = _scalar(sender.get("id")), msg.get("text"), _scalar(msg.get("msg_id"))
        if not user_id or len(user_id) > 64 or not user_id.isprintable():
            return web.json_response({"error": "no or bad sender id"}, status=400)
        if not isinstance(text, str) and text is not None:
            return web.json_response({"error": "message.text must be a string"}, status=400)
        text = text or ""
        if len(msg_id) > 200:
            return web.json_response({"error": "bad msg_id"}, status=400)
        key = msg_id or hashlib.sha256(raw).hexdigest()
        try:
            first = await self.svc.db(self.svc.claim, CHANNEL, key)
        except Exception:  # the database is down: Zalo delivers the event again later
            log.exception("Zalo: could not record message %s", key[:40])
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        if not first:
            log.info("Zalo: message %s already handled", key)
            return web.json_response({"ok": True, "duplicate": True})
        task = asyncio.create_task(self._handle(user_id, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    async def _file_event(self, event: dict, raw: bytes):
        """A file, image or link sent to the OA: documents are added on the web admin page (Zalo does not
        hand the file to this server), so admins are pointed there and others told politely."""
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        msg = event.get("message") if isinstance(event.get("message"), dict) else {}
        user_id, msg_id = _scalar(sender.get("id")), _scalar(msg.get("msg_id"))
        if not user_id or len(user_id) > 64 or not user_id.isprintable() or len(msg_id) > 200:
            return web.json_response({"error": "no or bad sender id"}, status=400)
        try:
            first = await self.svc.db(self.svc.claim, CHANNEL, msg_id or hashlib.sha256(raw).hexdigest())
        except Exception:
            log.exception("Zalo: could not record a file event")
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        if first:
            text = file_reply(self.svc.is_admin(user_id), self.cfg.public_url)
            task = asyncio.create_task(self._reply(user_id, text))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    # -- replies ---------------------------------------------------------------------------------------
    async def _reply(self, user_id: str, text: str, buttons: list[tuple[str, str]] = ()) -> bool:
        parts = split_text(text, TEXT_LIMIT) or [text]
        try:
            for i, part in enumerate(parts):
                await self.client.send(user_id, part, list(buttons) if i == len(parts) - 1 else [])
            return True
        except ZaloSendError as e:
            log.error("Zalo: reply to a user not delivered: %s", e)
            await self.svc.db(self.svc.record_failure, CHANNEL, user_id, e.code, str(e))
            return False

    async def _handle(self, user_id: str, text: str) -> None:
        try:
            await self.svc.db(self.svc.touch_chat, CHANNEL, user_id, "private")
            allowed, retry, first = await self.svc.rate.ahit(f"{CHANNEL}:{user_id}")
            if not allowed:
                if first:
                    await self._reply(user_id, rate_limited_reply(retry))
                return
            cmd, _, arg = text.strip().partition(" ")
            handler = {
                "#hanchot": self._hanchot,
                "#dangky": self._dangky,
                "#nhachan": self._nhachan,
                "#xemthem": self._xemthem,
                "#huy": self._huy,
                "#xoadulieu": self._xoadulieu,
                "#danop": self._danop,
                "#tinhhinh": self._tinhhinh,
                "#trogiup": self._help,
                "#batdau": self._help,
            }.get(cmd.lower())
            if handler:
                try:
                    await handler(user_id, arg.strip())
                except StoreUnavailable as e:  # the database cannot be used now: say so, do not touch it
                    log.warning("Zalo: %s not done: %s", cmd.lower(), e)
                    await self._reply(user_id, ERROR_REPLY)
                return
            if is_action(text):  # "Đăng ký nhắc hạn" typed: how to subscribe, not a question
                await self._reply(
                    user_id, SUBSCRIBE_HOW, [("🔔 Nhắc mọi hạn", "#dangky"), ("📅 Hạn sắp tới", "#hanchot")]
                )
                return
            problem = self.svc.check_question(text)
            if problem:
                await self._reply(user_id, problem)
                return
            try:
                asked = await self.svc.ask(CHANNEL, user_id, text)
            except Exception:  # noqa: BLE001 - any failure answers with the error reply
                await self._reply(user_id, ERROR_REPLY)
                return
            ans = asked.answer
            body = ans.answer
            if ans.sources:
                body += "\n\nNguồn:\n" + "\n".join(source_lines(ans))
            buttons = suggestion_buttons(ans)
            if ans.more and asked.query_id is not None:
                await self.more.aput(user_id, asked.query_id, ans.more)
                buttons.insert(0, (more_label(len(ans.more)), f"#xemthem {asked.query_id} 0"))
            if ans.deadline_ids:
                buttons.append(("🔔 Nhắc hạn theo tỉnh", "#dangky"))
            buttons.append(("📅 Hạn sắp tới", "#hanchot"))
            await self._reply(user_id, body, buttons)
        except Exception:
            log.exception("Zalo: handling a message failed")

    async def _help(self, user_id: str, arg: str) -> None:
        await self._reply(user_id, HELP_TEXT, [(q[:100], q) for q in EXAMPLE_QUESTIONS[:3]])

    async def _hanchot(self, user_id: str, arg: str) -> None:
        province = first_province(self.lex, arg)
        upcoming = await self.actions.upcoming(province)
        buttons = [("🔔 Nhận nhắc hạn", "#dangky " + (province or ""))] if upcoming.items else []
        await self._reply(user_id, upcoming_text(upcoming), buttons)

    async def _dangky(self, user_id: str, arg: str) -> None:
        agencies = self.lex.find_agencies(arg) if arg else []
        sub = await self.actions.subscribe(
            CHANNEL, user_id, province=first_province(self.lex, arg), agency=agencies[0] if agencies else None
        )
        await self._reply(user_id, subscribed_text(sub))

    async def _nhachan(self, user_id: str, arg: str) -> None:
        """The "Đăng ký nhắc hạn" suggestion under a deadline answer: subscribe to that deadline."""
        try:
            sub = await self.actions.subscribe(CHANNEL, user_id, deadline_id=arg.split()[0] if arg else "")
        except (KeyError, LookupError, ValueError) as e:
            log.info("Zalo: deadline subscription refused: %s", e)
            await self._reply(user_id, "Không tìm thấy hạn này (kho văn bản có thể vừa được cập nhật). Gõ #hanchot.")
            return
        await self._reply(user_id, f"🔔 {sub.text} Gõ #huy để hủy.")

    async def _xemthem(self, user_id: str, arg: str) -> None:
        """The next page of a long answer's rest (the "Xem thêm (N)" button)."""
        parts = arg.split()
        if len(parts) != 2 or not all(p.isdigit() and len(p) < 12 for p in parts):
            await self._reply(user_id, GONE)
            return
        lines = await self.more.aget(user_id, int(parts[0]))
        if lines is None:
            await self._reply(user_id, GONE)
            return
        shown, nxt = page(lines, int(parts[1]))
        rest = [(more_label(len(lines) - nxt), f"#xemthem {parts[0]} {nxt}")] if nxt < len(lines) else []
        await self._reply(user_id, "\n".join(shown), rest)

    async def _huy(self, user_id: str, arg: str) -> None:
        await self._reply(user_id, (await self.actions.unsubscribe(CHANNEL, user_id)).text)

    async def _xoadulieu(self, user_id: str, arg: str) -> None:
        n = await self.svc.db(self.svc.delete_chat, CHANNEL, user_id)
        await self._reply(user_id, f"Đã xóa toàn bộ dữ liệu lưu về bạn ({n} mục).")

    async def _danop(self, user_id: str, arg: str) -> None:
        """'#danop <deadline> <YYYY-MM-DD> <unit id>': the payload of a reminder's "✅ Đã nộp" button."""
        try:
            deadline_id, due, unit_id = parse_zalo_done(arg)
        except ValueError:
            await self._reply(user_id, BAD_BUTTON)
            return
        await self._reply(
            user_id, await self.reports.mark_done(CHANNEL, user_id, deadline_id, due, unit_id, f"zalo:{user_id}")
        )

    async def _tinhhinh(self, user_id: str, arg: str) -> None:
        await self._reply(user_id, await self.reports.status(CHANNEL, user_id, arg))

    async def send_reminder(self, chat_id: str, message) -> None:
        from bot.reminders.delivery import PermanentSendError, TransientSendError

        parts = split_text(reminder_view(message).plain, TEXT_LIMIT)
        done = zalo_done_payload(message)
        try:
            for i, part in enumerate(parts):
                await self.client.send(chat_id, part, [("✅ Đã nộp", done)] if done and i == len(parts) - 1 else [])
        except ZaloSendError as e:
            await self.svc.db(self.svc.record_failure, CHANNEL, chat_id, e.code, str(e))
            raise (TransientSendError if e.transient else PermanentSendError)(str(e)) from e
