"""The e-mail channel end to end, against a real SMTP server (aiosmtpd) on 127.0.0.1 and the running web server:
subscribe through POST /api/subscribe, confirm by the link (double opt-in), tick → one e-mail per subscriber with
the deadline's .ics attached; "Đã nộp" from the e-mail → no further reminder of that occurrence to anyone of that
unit; ticking again sends nothing twice; a refused recipient is recorded, shown by /healthz, not retried, and does
not block the others; forged, expired and reused links and bad requests get clear messages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.config import ChannelConfig
from bot.reminders import subscribe
from bot.reminders.sweeper import tick
from bot.reports.units import parse_csv, register_units
from handlers.serve import Server
from store.channels import DeliveryFailure
from store.db import dispose_engines, session_scope
from store.knowledge import Deadline
from store.reminders import Reminder, Subscription
from store.reports import ReportEvent, UnitSubscription
from tests.support.channels import ROOT, settings_for

pytestmark = pytest.mark.slow

UNITS = "ten,tinh,email\nSở Tư pháp,Đắk Nông,stp@example.org\nSở Y tế,Đắk Nông,syt@example.org\n".encode()
PUBLIC = "http://tro-ly.example.vn"
T0 = dt.datetime(2027, 1, 2, 9)
WEEK_BEFORE, DAY_BEFORE = dt.datetime(2027, 6, 8, 10), dt.datetime(2027, 6, 14, 10)


class Inbox:
    """aiosmtpd handler: keeps every accepted message; refuses bounce@example.org at RCPT."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "bounce@example.org":
            return "550 5.1.1 Người nhận không tồn tại"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for rcpts, m in self.messages if address in rcpts]


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it is up by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.fixture
async def running(store_copy, smtp, monkeypatch):
    from bot.assistant import Assistant

    inbox, port = smtp
    monkeypatch.setenv("HOCTAP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("HOCTAP_MAIL_FROM", "Trợ lý XHHT <nhachan@example.vn>")
    monkeypatch.setenv("HOCTAP_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("HOCTAP_SESSION_SECRET", raising=False)
    settings = settings_for(store_copy)
    with session_scope(settings.database_url) as s:
        register_units(s, parse_csv(UNITS), "test")
    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    async with aiohttp.ClientSession() as http:
        yield server, inbox, http, store_copy
    await server.stop()
    dispose_engines(str(store_copy))


def _local(server, link: str) -> str:
    """A link of an e-mail (on the public address) as a request to the test server."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
    return server.url.rstrip("/") + parts.path + "?" + parts.query


def _links(msg) -> list[str]:
    return re.findall(r"https?://\S+", msg.get_body(("plain",)).get_content())


async def _get(http, url):
    async with http.get(url) as r:
        return r.status, await r.text()


async def _post_form(http, url, data):
    async with http.post(url, data=data) as r:
        return r.status, await r.text()


def _june(url) -> str:
    with session_scope(url) as s:
        return s.scalars(select(Deadline.id).where(Deadline.province == "Đắk Nông", Deadline.due_month == 6)).one()


async def _subscribe_web(server, inbox, http, address) -> str:
    body = {"email": address, "scope": "Đắk Nông", "lead_days": [7, 1]}
    async with http.post(server.url + "api/subscribe", json=body) as r:
        assert r.status == 200, await r.text()
        got = await r.json()
    assert got["status"] == "pending_confirmation" and got["email"] == address and got["lead_days"] == [7, 1]
    (confirm,) = inbox.to(address)
    assert confirm["Subject"] == "Xác nhận đăng ký nhắc hạn báo cáo"
    return [x for x in _links(confirm) if "/subscribe/confirm" in x][0]


async def test_email_subscription_reminders_done_link_and_refusals(running):
    server, inbox, http, data_dir = running
    url = server.services.db_url
    link = await _subscribe_web(server, inbox, http, "stp@example.org")
    with session_scope(url) as s:  # nothing until confirmed
        assert s.scalars(select(Subscription).where(Subscription.channel == "email")).all() == []
    status, text = await _get(http, _local(server, link))
    assert status == 200 and "Đã xác nhận đăng ký" in text and "stp@example.org sẽ nhận nhắc hạn" in text
    status, text = await _get(http, _local(server, link))
    assert status == 400 and "Liên kết này đã được dùng." in text  # reused
    with session_scope(url) as s:
        sub = s.scalars(select(Subscription).where(Subscription.channel == "email")).one()
        assert sub.chat_id == "stp@example.org" and s.get(UnitSubscription, sub.id) is not None  # the unit's

    env = {**os.environ, "HOCTAP_SMTP_URL": os.environ["HOCTAP_SMTP_URL"]}
    env.pop("DATABASE_URL", None)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--data-dir",
            str(data_dir),
            "subscribe",
            "--channel",
            "email",
            "--chat-id",
            "SYT@Example.org",
            "--scope",
            "Đắk Nông",
            "--lead-days",
            "7,1",
            "--now",
            T0.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0 and "đơn vị: Sở Y tế" in r.stdout, r.stderr
    subscribe(url, channel="email", chat_id="bounce@example.org", province="Đắk Nông", lead_days=(7, 1), now=T0)
    with session_scope(url) as s:  # the web subscription made "now": backdate it like the others
        s.get(Subscription, sub.id).created_at = T0

    senders = {"email": server.services.senders["email"]}
    sent = await tick(server.services.settings, now=WEEK_BEFORE, senders=senders)
    assert sorted(d.chat_id for d in sent) == ["stp@example.org", "syt@example.org"]
    (mail,) = inbox.to("stp@example.org")[1:]
    assert mail["Subject"].startswith("🔔 Còn 7 ngày: báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT (hạn 15/6/2027)")
    (ics,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    cal = ics.get_content()
    assert "BEGIN:VEVENT" in (cal if isinstance(cal, str) else cal.decode()) and ics.get_filename() == "hanchot.ics"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with session_scope(url) as s:
        refused = s.scalars(
            select(Reminder).where(Reminder.chat_id == "bounce@example.org", Reminder.status == "failed")
        ).all()
        assert len(refused) == 1 and "550" in refused[0].last_error
        assert s.scalars(select(DeliveryFailure.chat_id).where(DeliveryFailure.channel == "email")).all() == [
            "bounce@example.org"
        ]
    async with http.get(server.url + "healthz") as resp:
        health = await resp.json()
    assert health["checks"]["reminders"]["ok"] and "email:bounce@example.org" in health["checks"]["reminders"]["detail"]

    done = [x for x in _links(mail) if "/report/done" in x][0]
    status, text = await _get(http, _local(server, done))  # opening the link changes nothing
    assert status == 200 and "Xác nhận đã nộp" in text
    token = dict(p.split("=", 1) for p in urlsplit(done).query.split("&"))["token"]
    from urllib.parse import unquote

    status, text = await _post_form(http, server.url + "report/done", {"token": unquote(token)})
    assert status == 200 and "Sở Tư pháp đã nộp báo cáo hạn 15/06/2027" in text
    status, text = await _post_form(http, server.url + "report/done", {"token": unquote(token)})
    assert status == 400 and "đã được dùng" in text

    later = await tick(server.services.settings, now=DAY_BEFORE, senders=senders)
    assert [d.chat_id for d in later] == ["syt@example.org"]  # stp reported; bounce is not retried
    assert await tick(server.services.settings, now=DAY_BEFORE, senders=senders) == []
    assert len(inbox.to("stp@example.org")) == 2 and len(inbox.to("syt@example.org")) == 2
    with session_scope(url) as s:
        actions = [e.action for e in s.scalars(select(ReportEvent).where(ReportEvent.unit_name == "Sở Tư pháp"))]
    assert actions == ["dang_ky", "dang_ky_nhac", "gui", "da_nop"]

    unsub = re.search(r"<([^>]+)>", mail["List-Unsubscribe"]).group(1)
    async with http.post(
        _local(server, unsub),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as resp:
        assert resp.status == 200 and "Đã hủy 1 đăng ký" in await resp.text()
    with session_scope(url) as s:
        assert s.scalars(select(Subscription).where(Subscription.chat_id == "stp@example.org")).all() == []


async def test_bad_requests_and_forged_or_expired_links(running, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    from bot.reports import tokens

    server, inbox, http, data_dir = running
    bad = [
        ({"email": "khong-phai-email", "scope": "Đắk Nông"}, "Địa chỉ e-mail không hợp lệ."),
        ({"email": "a@example.org", "scope": "Atlantis"}, "Không nhận ra"),
        ({"email": "a@example.org", "scope": "Đắk Nông", "lead_days": "abc"}, "lead_days"),
        ({"email": "a@example.org", "deadline_id": "dl-khong-co"}, "Không có hạn “dl-khong-co”"),
    ]
    for body, msg in bad:
        async with http.post(server.url + "api/subscribe", json=body) as r:
            assert r.status == 400 and msg in (await r.json())["error"], body
    async with http.post(server.url + "api/subscribe", data=b"{not json") as r:
        assert r.status == 400
    assert inbox.messages == []

    status, text = await _get(http, server.url + "subscribe/confirm?token=gia-mao.abc.def")
    assert status == 400 and "sai chữ ký" in text
    status, text = await _get(http, server.url + "report/done?token=")
    assert status == 400 and "Liên kết không hợp lệ." in text
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3 * 86400)
    old = tokens.make(data_dir, tokens.CONFIRM, {"e": "a@example.org", "s": "Đắk Nông", "l": [7], "d": None})
    monkeypatch.undo()
    status, text = await _get(http, server.url + f"subscribe/confirm?token={old}")
    assert status == 400 and "Liên kết đã hết hạn" in text
    done_for_confirm = tokens.make(
        data_dir, tokens.DONE, {"d": _june(server.services.db_url), "u": "2027-06-15", "n": 1}
    )
    status, text = await _get(http, server.url + f"subscribe/confirm?token={done_for_confirm}")
    assert status == 400 and "sai chữ ký" in text  # a token of another purpose
    status, text = await _post_form(http, server.url + "unsubscribe", {"token": "x"})
    assert status == 400
