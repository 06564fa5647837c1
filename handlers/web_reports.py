"""Public web routes of the reporting loop (mounted by `serve` beside the web chat):

  POST /api/subscribe          {"email", "scope", "lead_days", "deadline_id"?} → {"status": "pending_confirmation", …}
                               and a confirmation e-mail (double opt-in); 400 bad input, 503 no SMTP / not sent
  GET  /subscribe/confirm      ?token=… — the confirmation link: creates the e-mail subscription
  GET  /report/done            ?token=… — an e-mail's "Đã nộp" link: a page with one button (mail scanners that
  POST /report/done              open links change nothing); the POST marks the unit's occurrence sent
  GET  /unsubscribe            ?token=… — a page with one button; POST (also RFC 8058 one-click from the mail
  POST /unsubscribe              program, `List-Unsubscribe=One-Click`) removes the subscription

Tokens are signed, expire and work once (bot.reports.tokens); a forged, expired or reused one gets a page
saying so (400), never a 500. `serve` also gets the e-mail reminder sender here when HOCTAP_SMTP_URL is set.
"""

from __future__ import annotations

import datetime as dt
import html
import logging

from aiohttp import web

from bot.reminders import unsubscribe
from bot.reminders.delivery import PermanentSendError, TransientSendError
from bot.reports import tokens
from bot.reports.mail import MailConfigError, mailer_for
from bot.reports.status import ReportError, mark
from bot.reports.subscribing import EmailRequest, RequestError, check_deadline, confirm, parse_request
from handlers.common import ChannelServices, client_ip, rate_limited_reply
from handlers.web import _error, _json, _read_json
from store.db import session_scope
from store.reports import ReportUnit

log = logging.getLogger(__name__)

NO_MAIL = "Máy chủ chưa cấu hình gửi e-mail (HOCTAP_SMTP_URL), nên chưa thể đăng ký nhắc hạn qua e-mail."


def page(title: str, body: str, status: int = 200) -> web.Response:
    doc = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title><style>'
        "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "button{font-size:1rem;padding:.5rem 1rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=doc, status=status, content_type="text/html", headers={"Cache-Control": "no-store"})


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _form(action: str, token: str, label: str) -> str:
    return (
        f'<form method="post" action="{action}"><input type="hidden" name="token" value="{html.escape(token)}">'
        f"<button type=\"submit\">{html.escape(label)}</button></form>"
    )


class ReportWeb:
    def __init__(self, services: ChannelServices):
        self.svc = services
        self.data_dir = services.settings.data_dir
        try:
            self.mailer = mailer_for(services.settings)
        except MailConfigError as e:
            log.error("e-mail disabled: %s", e)
            self.mailer = None
        if self.mailer is not None:
            services.senders["email"] = self.mailer.send_reminder

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_post("/api/subscribe", self.subscribe)
        r.add_get("/subscribe/confirm", self.confirm)
        r.add_get("/report/done", self.done_page)
        r.add_post("/report/done", self.done)
        r.add_get("/unsubscribe", self.unsubscribe_page)
        r.add_post("/unsubscribe", self.unsubscribe)

    async def _limited(self, request: web.Request) -> web.Response | None:
        ip = client_ip(request, self.svc.config.trusted_proxies)
        allowed, retry, _ = await self.svc.ip_rate.ahit(f"ip:{ip}")
        if allowed:
            return None
        return _error(429, rate_limited_reply(retry), headers={"Retry-After": str(max(1, round(retry)))})

    # -- subscribing by e-mail ----------------------------------------------------------------------------
    async def subscribe(self, request: web.Request) -> web.Response:
        limited = await self._limited(request)
        if limited:
            return limited
        data, err = await _read_json(request)
        if err:
            return err
        try:
            req, label = parse_request(data, self.svc.reminders.lead_days)
            await self.svc.db(check_deadline, self.svc.db_url, req.deadline_id)
        except RequestError as e:
            return _error(400, str(e))
        if self.mailer is None:
            return _error(503, NO_MAIL)
        allowed, retry, _ = await self.svc.rate.ahit(f"email:{req.email}")  # one mailbox is not flooded with links
        if not allowed:
            return _error(429, rate_limited_reply(retry), headers={"Retry-After": str(max(1, round(retry)))})
        url = self.mailer.link("/subscribe/confirm", tokens.CONFIRM, req.to_token())
        try:
            await self.mailer.send(self.mailer.confirmation_email(req.email, label, req.lead_days, url))
        except PermanentSendError as e:
            log.warning("confirmation e-mail refused: %s", e)
            return _error(400, f"Máy chủ thư từ chối địa chỉ {req.email}. Vui lòng kiểm tra lại.")
        except TransientSendError as e:
            log.warning("confirmation e-mail not sent: %s", e)
            return _error(
                503, "Chưa gửi được thư xác nhận. Vui lòng thử lại sau ít phút.", headers={"Retry-After": "60"}
            )
        return _json(
            {
                "status": "pending_confirmation",
                "email": req.email,
                "scope": label,
                "lead_days": list(req.lead_days),
                "deadline_id": req.deadline_id,
                "message": f"Đã gửi thư xác nhận tới {req.email}. Bấm liên kết trong thư (trong 2 ngày) để bắt đầu nhận nhắc hạn.",
            }
        )

    async def confirm(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")

        def run():
            return tokens.use(
                self.svc.db_url,
                self.data_dir,
                tokens.CONFIRM,
                token,
                lambda d: confirm(self.svc.db_url, EmailRequest.from_token(d)),
            )

        try:
            sub = await self.svc.db(run)
        except (tokens.TokenError, RequestError, KeyError, TypeError) as e:
            return page(
                "Chưa xác nhận được", _p(str(e) if isinstance(e, ValueError) else "Liên kết không hợp lệ."), 400
            )
        days = ", ".join(str(x) for x in sub.lead_days)
        return page(
            "Đã xác nhận đăng ký",
            _p(f"{sub.chat_id} sẽ nhận nhắc hạn báo cáo ({sub.scope_label}), trước {days} ngày.")
            + _p("Mỗi thư nhắc có liên kết để hủy nhận."),
        )

    # -- "Đã nộp" ---------------------------------------------------------------------------------------------
    def _done_target(self, data: dict) -> tuple[str, dt.date, str]:
        with session_scope(self.svc.db_url) as s:
            unit = s.get(ReportUnit, int(data["n"]))
            if unit is None:
                raise ReportError("Đơn vị trong liên kết không còn trong danh sách.")
            return str(data["d"]), dt.date.fromisoformat(str(data["u"])), unit.name

    async def done_page(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        try:
            deadline_id, due, unit = await self.svc.db(
                self._done_target, tokens.read(self.data_dir, tokens.DONE, token)
            )
        except (tokens.TokenError, ReportError, KeyError, TypeError, ValueError) as e:
            return page("Liên kết không dùng được", _p(_why(e)), 400)
        body = _p(f"Ghi nhận {unit} đã nộp báo cáo hạn {due:%d/%m/%Y} ({deadline_id})?")
        return page("Báo đã nộp", body + _form("/report/done", token, "✅ Xác nhận đã nộp"))

    async def done(self, request: web.Request) -> web.Response:
        token = str((await request.post()).get("token", "") or request.query.get("token", ""))

        def run():
            def act(data):
                deadline_id, due, unit = self._done_target(data)
                return mark(self.svc.db_url, deadline_id, due, unit, f"email:{data.get('e') or 'liên kết'}")

            return tokens.use(self.svc.db_url, self.data_dir, tokens.DONE, token, act)

        try:
            res = await self.svc.db(run)
        except (tokens.TokenError, ReportError, KeyError, TypeError, ValueError) as e:
            return page("Chưa ghi nhận được", _p(_why(e)), 400)
        return page("Đã ghi nhận", _p(res.text))

    # -- unsubscribing ---------------------------------------------------------------------------------------
    async def unsubscribe_page(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        try:
            data = tokens.read(self.data_dir, tokens.UNSUBSCRIBE, token)
        except tokens.TokenError as e:
            return page("Liên kết không dùng được", _p(str(e)), 400)
        return page(
            "Hủy nhận nhắc hạn",
            _p(f"Ngừng gửi nhắc hạn tới {data.get('e')}?") + _form("/unsubscribe", token, "Hủy nhận"),
        )

    async def unsubscribe(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = request.query.get("token", "") or str(form.get("token", ""))

        def act(data):
            return unsubscribe(self.svc.db_url, channel="email", chat_id=str(data["e"]), subscription_id=data.get("s"))

        try:
            n = await self.svc.db(tokens.use, self.svc.db_url, self.data_dir, tokens.UNSUBSCRIBE, token, act)
        except (tokens.TokenError, KeyError, TypeError, ValueError) as e:
            return page("Chưa hủy được", _p(_why(e)), 400)
        return page("Đã hủy nhận nhắc hạn", _p(f"Đã hủy {n} đăng ký nhắc hạn. Bạn sẽ không nhận thêm thư nhắc nào."))


def _why(e: Exception) -> str:
    return str(e) if isinstance(e, (tokens.TokenError, ReportError)) else "Liên kết không hợp lệ."
