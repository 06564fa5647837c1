"""The e-mail channel: reminders with the deadline's .ics attached and signed one-click links ("Đã nộp",
unsubscribe), the double opt-in confirmation, and the courtesy reminder to late units — over SMTP (aiosmtplib).

  HOCTAP_SMTP_URL   smtp://user:pass@host:587 (STARTTLS when the server offers it) or smtps://…:465 (TLS)
  HOCTAP_MAIL_FROM  the sender address, e.g. "Trợ lý XHHT <nhachan@so-gddt.example.vn>"
  HOCTAP_PUBLIC_URL where the links point (the web server), default http://127.0.0.1:8080

The sweeper sends e-mail reminders like any channel (one row, claimed, sent, marked; retried with backoff):
`send_reminder` raises PermanentSendError when the server refuses the recipient (5xx) — the row is marked failed,
the refusal recorded in `channel_delivery_failures` (shown by /healthz) — and TransientSendError otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import quote, unquote, urlsplit

from bot.reminders.delivery import PermanentSendError, ReminderMessage, TransientSendError
from bot.reports import tokens
from bot.reports.units import EMAIL_RE

log = logging.getLogger(__name__)

CHANNEL = "email"
SEND_TIMEOUT_S = 30.0


class MailConfigError(ValueError):
    """HOCTAP_SMTP_URL or HOCTAP_MAIL_FROM cannot be used (the message names the variable)."""


@dataclass
class MailConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps: TLS from the start
    sender: str
    public_url: str

    def __repr__(self) -> str:  # the password is never printed
        return f"MailConfig(host={self.host!r}, port={self.port}, user={self.username!r}, tls={self.use_tls})"

    @classmethod
    def from_env(cls, env=None) -> "MailConfig | None":
        """None when HOCTAP_SMTP_URL is not set; MailConfigError when it or HOCTAP_MAIL_FROM is malformed."""
        env = os.environ if env is None else env
        url = (env.get("HOCTAP_SMTP_URL") or "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise MailConfigError("HOCTAP_SMTP_URL: cần dạng smtp[s]://user:pass@host:port")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 587)
        except ValueError as e:
            raise MailConfigError("HOCTAP_SMTP_URL: cổng không hợp lệ") from e
        sender = (env.get("HOCTAP_MAIL_FROM") or "").strip()
        if not EMAIL_RE.match(parseaddr(sender)[1] or ""):
            raise MailConfigError("HOCTAP_MAIL_FROM: cần một địa chỉ e-mail người gửi")
        public = (env.get("HOCTAP_PUBLIC_URL") or "http://127.0.0.1:8080").strip().rstrip("/")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, user, password, parts.scheme == "smtps", sender, public)


def valid_address(text: str) -> str | None:
    """The address, stripped and lower-cased (one subscription per mailbox however it is typed), when it looks
    like one; else None."""
    t = (text or "").strip()
    if len(t) > 200 or not EMAIL_RE.match(t):
        return None
    return t.lower()


class Mailer:
    """Sends the project's e-mails through one SMTP server."""

    def __init__(self, cfg: MailConfig, db_url: str, data_dir):
        self.cfg, self.db_url, self.data_dir = cfg, db_url, data_dir

    def link(self, path: str, purpose: str, payload: dict) -> str:
        return f"{self.cfg.public_url}{path}?token={quote(tokens.make(self.data_dir, purpose, payload))}"

    async def send(self, msg: EmailMessage) -> None:
        """Deliver one message: PermanentSendError when refused for good (5xx), TransientSendError otherwise."""
        import aiosmtplib

        msg["From"] = msg["From"] or self.cfg.sender
        try:
            await aiosmtplib.send(
                msg,
                hostname=self.cfg.host,
                port=self.cfg.port,
                username=self.cfg.username,
                password=self.cfg.password,
                use_tls=self.cfg.use_tls,
                timeout=SEND_TIMEOUT_S,
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            raise PermanentSendError(_refusal(e)) from e
        except aiosmtplib.SMTPResponseException as e:
            if 500 <= e.code < 600:
                raise PermanentSendError(f"{e.code} {e.message}") from e
            raise TransientSendError(f"{e.code} {e.message}") from e
        except (aiosmtplib.SMTPException, OSError) as e:
            raise TransientSendError(f"{type(e).__name__}: {e}") from e

    # -- the messages ---------------------------------------------------------------------------------------
    def reminder_email(self, to: str, message: ReminderMessage, subscription_id: int | None) -> EmailMessage:
        from bot.reminders.calendar_ics import build_calendar

        msg = _base(to, message.text.splitlines()[0])
        unsub = self.link("/unsubscribe", tokens.UNSUBSCRIBE, {"s": subscription_id, "e": to})
        lines = [message.text, ""]
        if message.unit_id:
            done = self.link(
                "/report/done",
                tokens.DONE,
                {"d": message.deadline_id, "u": message.due_date.isoformat(), "n": message.unit_id, "e": to},
            )
            lines += [
                f"✅ Đơn vị {message.unit_name} đã nộp báo cáo này? Bấm để ghi nhận (nhắc hạn sẽ dừng):",
                done,
                "",
            ]
        lines += ["Lịch hạn (.ics) đính kèm thư này.", "", f"Không muốn nhận nhắc hạn nữa: {unsub}"]
        msg.set_content("\n".join(lines))
        ics = build_calendar(self.db_url, deadline_id=message.deadline_id)
        msg.add_attachment(
            ics, maintype="text", subtype="calendar", filename="hanchot.ics", params={"method": "PUBLISH"}
        )
        msg["List-Unsubscribe"] = f"<{unsub}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        if message.reminder_id:
            msg.replace_header("Message-ID", f"<nhachan-{message.reminder_id}@hoctap>")  # one per reminder row
        return msg

    def confirmation_email(self, to: str, scope_label: str, lead_days, confirm_url: str) -> EmailMessage:
        msg = _base(to, "Xác nhận đăng ký nhắc hạn báo cáo")
        msg.set_content(
            f"Ai đó (có thể là bạn) đã đăng ký nhận nhắc hạn báo cáo qua e-mail cho địa chỉ {to}.\n"
            f"Phạm vi: {scope_label}; nhắc trước {', '.join(str(x) for x in lead_days)} ngày.\n\n"
            f"Bấm để xác nhận (liên kết dùng một lần, hết hạn sau 2 ngày):\n{confirm_url}\n\n"
            "Nếu không phải bạn, hãy bỏ qua thư này: sẽ không có thư nào khác được gửi."
        )
        return msg

    def courtesy_email(self, to: str, unit_name: str, unit_id: int, occ) -> EmailMessage:
        msg = _base(to, f"Nhắc nộp báo cáo: {occ.title}")
        done = self.link(
            "/report/done", tokens.DONE, {"d": occ.deadline_id, "u": occ.due_date.isoformat(), "n": unit_id}
        )
        msg.set_content(
            f"Kính gửi {unit_name},\n\nCơ quan nhận báo cáo chưa ghi nhận báo cáo của đơn vị cho kỳ: {occ.title}.\n"
            f"Nếu đơn vị đã nộp, xin bấm để ghi nhận:\n{done}\n\nTrân trọng."
        )
        return msg

    async def send_reminder(self, chat_id: str, message: ReminderMessage) -> None:
        """The sweeper's sender for the e-mail channel (chat_id: the address)."""
        try:
            msg = await asyncio.to_thread(
                self.reminder_email, chat_id, message, message.subscription_id
            )  # reads the db
            await self.send(msg)
        except PermanentSendError as e:
            log.warning("e-mail reminder %s refused: %s", message.reminder_id, e)
            record_refusal(self.db_url, chat_id, str(e))
            raise


def _base(to: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = formataddr(("", to))
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="hoctap")
    return msg


def _refusal(e) -> str:
    parts = [f"{r.recipient}: {r.code} {r.message}" for r in getattr(e, "recipients", [])]
    return "; ".join(parts) or str(e)


def record_refusal(db_url: str, address: str, error: str) -> None:
    from store.channels import DeliveryFailure
    from store.db import session_scope

    try:
        with session_scope(db_url) as s:
            s.add(DeliveryFailure(channel=CHANNEL, chat_id=address[:100], error_code="refused", error=error[:2000]))
    except Exception:  # the refusal is logged either way
        log.exception("could not record an e-mail refusal")


def mailer_for(settings) -> Mailer | None:
    """The configured mailer, or None when HOCTAP_SMTP_URL is not set."""
    from bot.config import environment

    cfg = MailConfig.from_env(environment())
    return Mailer(cfg, settings.database_url, settings.data_dir) if cfg else None
