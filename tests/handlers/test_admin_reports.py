"""The reporting page of the web admin over real HTTP: sign-in required, units from an uploaded CSV (a malformed
one registers nothing and says why), marking and undoing from the table, the .xlsx and .csv downloads read back
with openpyxl, a unit's history, and the courtesy e-mail to the units not reported (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import io
import socket

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.admin_changes import today_vn
from bot.config import ChannelConfig
from handlers.serve import Server
from store.db import dispose_engines, session_scope
from store.knowledge import Deadline
from store.reports import ReportStatus, ReportUnit
from tests.handlers.test_reports_email import Inbox
from tests.support.channels import settings_for

pytestmark = pytest.mark.slow

TOKEN = "admin-token-for-tests-1234"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UNITS = "ten,tinh,email\nSở Tư pháp,Đắk Nông,stp@example.org\nSở Y tế,Đắk Nông,\n"


@pytest.fixture
async def admin(store_copy, monkeypatch):
    from bot.assistant import Assistant

    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("HOCTAP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("HOCTAP_MAIL_FROM", "nhachan@example.vn")
    server = Server(
        Assistant.from_settings(settings_for(store_copy)), ChannelConfig(web_port=0, admin_token=TOKEN), sweeper=False
    )
    await server.start()
    async with aiohttp.ClientSession(headers=AUTH) as http:
        yield server, http, inbox
    await server.stop()
    ctl.stop()
    dispose_engines(str(store_copy))


def _next_december(url) -> tuple[str, dt.date]:
    with session_scope(url) as s:
        dl = s.scalars(select(Deadline.id).where(Deadline.province == "Đắk Nông", Deadline.due_month == 12)).one()
    today = today_vn()
    due = dt.date(today.year, 12, 15)
    return dl, due if due >= today else dt.date(today.year + 1, 12, 15)


async def _upload(server, http, text: str):
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(text.encode()), filename="don-vi.csv", content_type="text/csv")
    async with http.post(server.url + "admin/reports/units", data=form) as r:
        return r.status, await r.text()


async def test_admin_reports_page_units_marks_exports_and_courtesy_email(admin):
    from openpyxl import load_workbook

    server, http, inbox = admin
    url = server.services.db_url
    async with aiohttp.ClientSession() as anon:
        async with anon.get(server.url + "admin/reports") as r:
            assert r.status == 401 and "Mã quản trị" in await r.text()
        async with anon.get(server.url + "admin/reports/export.xlsx") as r:
            assert r.status == 401

    status, text = await _upload(server, http, "ten,tinh\nSở Xây dựng,Lâm Đồng\nSở Ma,Atlantis\n")
    assert status == 400 and "dòng 3: không nhận ra tỉnh/thành phố “Atlantis”" in text
    with session_scope(url) as s:
        assert s.scalars(select(ReportUnit)).all() == []
    status, text = await _upload(server, http, UNITS)
    assert status == 200 and "Đã đăng ký 2 đơn vị mới" in text

    one = {"ten": "Sở Nội vụ", "tinh": "Đắk Nông", "email": "snv@example.org"}
    async with http.post(server.url + "admin/reports/unit", data=one) as r:
        assert r.status == 200 and "Đã thêm đơn vị Sở Nội vụ." in await r.text()
    async with http.post(server.url + "admin/reports/unit", data={**one, "email": "khong-hop-le"}) as r:
        assert r.status == 400 and "địa chỉ e-mail không hợp lệ" in await r.text()
    with session_scope(url) as s:
        u = s.scalars(select(ReportUnit).where(ReportUnit.name == "Sở Nội vụ")).one()
        assert (u.province, u.email) == ("Lâm Đồng", "snv@example.org")  # kept when the edit was refused
        s.delete(u)

    dl, due = _next_december(url)
    days = (due - today_vn()).days + 1
    async with http.get(server.url + f"admin/reports?days={days}") as r:
        page = await r.text()
    assert r.status == 200 and "Sở Tư pháp" in page and "Chưa nộp" in page and dl in page

    form = {"deadline": dl, "due": due.isoformat(), "unit": "Sở Tư pháp", "action": "da_nop"}
    async with http.post(server.url + "admin/reports/mark", data=form) as r:
        assert r.status == 200 and "Đã ghi nhận: Sở Tư pháp đã nộp" in await r.text()
    async with http.post(server.url + "admin/reports/mark", data={**form, "unit": "Sở Ma"}) as r:
        assert r.status == 400 and "Không có đơn vị “Sở Ma”" in await r.text()
    async with http.post(server.url + "admin/reports/mark", data={**form, "due": "hôm qua"}) as r:
        assert r.status == 400 and "Ngày không hợp lệ." in await r.text()
    with session_scope(url) as s:
        assert s.scalars(select(ReportStatus.marked_by)).one().startswith("web:")

    async with http.get(server.url + f"admin/reports/export.xlsx?days={days}") as r:
        assert r.status == 200 and "attachment" in r.headers["Content-Disposition"]
        wb = load_workbook(io.BytesIO(await r.read()))
    sheet = wb[wb.sheetnames[-1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(x[0].date(), x[3], x[5]) for x in rows] == [(due, "Sở Tư pháp", "Đã nộp"), (due, "Sở Y tế", "Chưa nộp")]
    assert sheet.freeze_panes == "A2" and [c.value for c in sheet[1]][:4] == ["Hạn nộp", "Báo cáo", "Mã hạn", "Đơn vị"]
    async with http.get(server.url + f"admin/reports/export.csv?days={days}") as r:
        csv_text = (await r.read()).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Hạn nộp,Báo cáo") and f"{due.isoformat()}," in csv_text

    async with http.post(server.url + "admin/reports/mark", data={**form, "action": "undo"}) as r:
        assert r.status == 200 and "Đã hoàn tác" in await r.text()
    async with http.post(server.url + "admin/reports/remind", data={"deadline": dl, "due": due.isoformat()}) as r:
        text = await r.text()
    assert (
        "Đã gửi thư nhắc tới 1 đơn vị (Sở Tư pháp)" in text
        and "chưa có e-mail hay Telegram/Zalo liên hệ được của Sở Y tế" in text
    )
    (mail,) = inbox.to("stp@example.org")
    assert mail["Subject"].startswith("Nhắc nộp báo cáo: báo cáo năm") and "/report/done?token=" in mail.get_content()

    async with http.get(server.url + "admin/reports/history.csv", params={"unit": "Sở Tư pháp"}) as r:
        hist = (await r.read()).decode("utf-8-sig")
    for what in ("Đăng ký đơn vị", "Đã nộp", "Hoàn tác", "Nhắc nộp muộn"):
        assert what in hist
    async with http.get(server.url + "admin/reports/history.xlsx", params={"unit": "Sở Ma"}) as r:
        assert r.status == 400 and "Không có đơn vị" in await r.text()


async def test_the_reporting_page_works_from_a_signed_in_browser_with_its_csrf_token(admin):
    """The page's own forms, posted by a browser session (cookie, Origin) as issue 20's CSRF guard requires:
    each carries the session's token; the same post without it is refused and changes nothing."""
    from tests.handlers.test_hardening_admin import _browser, _forms

    server, http, _inbox = admin
    assert (await _upload(server, http, UNITS))[0] == 200
    deadline, due = _next_december(server.services.db_url)
    async with _browser(server) as browser:
        async with browser.post(server.url + "admin/login", data={"token": TOKEN}) as r:
            assert r.status == 200, await r.text()
        async with browser.get(server.url + "admin/reports?days=400") as r:
            page = await r.text()
        actions = _forms(page)
        assert actions and all("csrf=" in a for a in actions), actions
        mark = next(a for a in actions if a.startswith("/admin/reports/mark"))
        data = {"deadline": deadline, "due": due.isoformat(), "unit": "Sở Tư pháp", "action": "da_nop"}
        async with browser.post(server.url + "admin/reports/mark", data=data) as r:
            assert r.status == 403  # no token: refused
        with session_scope(server.services.db_url) as s:
            assert s.scalars(select(ReportStatus)).all() == []
        async with browser.post(server.url + mark.lstrip("/"), data=data) as r:
            assert r.status == 200, await r.text()
        with session_scope(server.services.db_url) as s:
            (row,) = s.scalars(select(ReportStatus)).all()
            assert row.status == "da_nop"
