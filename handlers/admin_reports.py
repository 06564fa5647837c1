"""The reporting page of the web admin (behind the admin sign-in of handlers/admin_web.py):

GET  /admin/reports[?days=30]             per occurrence: who has reported, who has not, who is late; buttons
                                          to mark sent / exempt / undo and to send the late ones a courtesy
                                          e-mail; the units with a CSV upload form
POST /admin/reports/mark                  form: deadline, due, unit, action = da_nop | mien | undo
POST /admin/reports/units                 multipart: `file` (CSV, see bot.reports.units)
POST /admin/reports/remind                form: deadline, due → courtesy e-mails to the units not reported
GET  /admin/reports/export.xlsx|.csv      the status table (?days=30)
GET  /admin/reports/history.csv|.xlsx     ?unit=… a unit's history
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from functools import partial
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select

from bot.admin_changes import today_vn
from bot.reports.courtesy import find_occurrence, remind_late
from bot.reports.export import csv_bytes, history_rows, table_bytes
from bot.reports.status import ReportError, mark, status_table, undo, unit_history
from bot.reports.units import UnitError, parse_csv, register_units
from handlers.common import esc
from store.db import session_scope
from store.reports import STATUS_LABELS, ReportUnit

log = logging.getLogger(__name__)


UNIT_FIELDS = (
    ("ten", "Tên"),
    ("tinh", "Tỉnh/thành"),
    ("nhom", "Nhóm"),
    ("ten_khac", "Tên khác (;)"),
    ("email", "E-mail"),
    ("telegram", "Telegram"),
    ("zalo", "Zalo"),
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CSV = 2_000_000


class AdminReports:
    def __init__(self, admin):
        self.admin = admin  # the AdminWeb: its sign-in gate and page frame
        self.svc = admin.svc

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/admin/reports", self.page)
        r.add_post("/admin/reports/mark", self.mark)
        r.add_post("/admin/reports/units", self.units)
        r.add_post("/admin/reports/unit", self.unit)
        r.add_post("/admin/reports/remind", self.remind)
        r.add_get("/admin/reports/export.{fmt:xlsx|csv}", self.export)
        r.add_get("/admin/reports/history.{fmt:xlsx|csv}", self.history)

    def _days(self, request: web.Request) -> int:
        raw = request.query.get("days", "30")
        return int(raw) if raw.isdigit() and 0 <= int(raw) <= 730 else 30

    async def page(self, request: web.Request, msg: str = "", status: int = 200) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        days = self._days(request)
        occs = await self.svc.db(status_table, self.svc.db_url, today_vn(), days)
        units = await self.svc.db(self._units)
        body = [
            "<h1>Tình hình nộp báo cáo</h1><p><a href=/admin>← Văn bản</a> · "
            f"<a href='/admin/reports/export.xlsx?days={days}'>Tải bảng .xlsx</a> · "
            f"<a href='/admin/reports/export.csv?days={days}'>Tải .csv</a></p>",
            f"<p class={'err' if status >= 400 else 'ok'}>{esc(msg)}</p>" if msg else "",
        ]
        form = partial(self.admin.form, request)  # every form carries the session's CSRF token
        body += [self._occurrence(o, form) for o in occs] or [
            "<p>Không có kỳ báo cáo nào của các đơn vị đã đăng ký.</p>"
        ]
        body.append(self._units_block(units, form))
        return self.admin._html("".join(body), status=status)

    def _units(self) -> list[ReportUnit]:
        with session_scope(self.svc.db_url) as s:
            return list(s.scalars(select(ReportUnit).order_by(ReportUnit.name)))

    @staticmethod
    def _occurrence(o, form) -> str:
        rows = "".join(
            f"<tr><td>{esc(u.unit)}</td><td>{esc(u.province or '')}</td><td>{esc(u.label)}</td>"
            f"<td>{esc(u.marked_at.strftime('%d/%m/%Y %H:%M') if u.marked_at else '')} {esc(u.marked_by or '')}</td>"
            f"<td>{_buttons(o, u, form)}</td></tr>"
            for u in o.units
        )
        remind = _form(
            form,
            "/admin/reports/remind",
            {"deadline": o.deadline_id, "due": o.due_date.isoformat()},
            "✉️ Nhắc các đơn vị chưa nộp",
        )
        return (
            f"<h2>{esc(o.title)}</h2><p>{esc(o.deadline_id)} · {remind}</p><table><tr><th>Đơn vị</th>"
            f"<th>Tỉnh/thành</th><th>Trạng thái</th><th>Ghi nhận</th><th></th></tr>{rows}</table>"
        )

    @staticmethod
    def _units_block(units, form) -> str:
        rows = "".join(
            f"<tr><td>{esc(u.name)}</td><td>{esc(u.province or '')}</td><td>{esc(', '.join(u.aliases or []))}</td>"
            f"<td>{esc(u.email or '')}</td><td><a href='/admin/reports/history.csv?unit={quote(u.name)}'>lịch sử</a></td></tr>"
            for u in units
        )
        return (
            "<h2>Đơn vị báo cáo</h2><table><tr><th>Tên</th><th>Tỉnh/thành</th><th>Tên khác</th><th>E-mail</th><th></th>"
            f"</tr>{rows}</table>"
            + form(
                "/admin/reports/units",
                "<fieldset><legend>Đăng ký từ tệp CSV (cột: ten, tinh, nhom, ten_khac, email, telegram, zalo)</legend>"
                "<input type=file name=file accept='.csv,text/csv' required> <button>Tải lên</button></fieldset>",
                multipart=True,
            )
            + form(
                "/admin/reports/unit",
                "<fieldset><legend>Thêm hoặc sửa một đơn vị</legend>"
                + " ".join(
                    f"<label>{label} <input name={k}{' required' if k == 'ten' else ''}></label>"
                    for k, label in UNIT_FIELDS
                )
                + " <button>Lưu</button></fieldset>",
            )
        )

    async def _form(self, request: web.Request) -> dict:
        return {k: str(v) for k, v in (await request.post()).items() if isinstance(v, str)}

    async def mark(self, request: web.Request) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        f = await self._form(request)
        try:
            due = dt.date.fromisoformat(f.get("due", ""))
            args = (self.svc.db_url, f.get("deadline", ""), due, f.get("unit", ""), self.admin._who(request))
            if f.get("action") == "undo":
                res = await self.svc.db(undo, *args)
            else:
                res = await self.svc.db(mark, *args, f.get("action") if f.get("action") in STATUS_LABELS else "da_nop")
        except (ReportError, ValueError) as e:
            return await self.page(request, str(e) if isinstance(e, ReportError) else "Ngày không hợp lệ.", 400)
        return await self.page(request, res.text)

    async def units(self, request: web.Request) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        try:
            data = await _upload(request)
            rows = parse_csv(data)
            added, updated = await self.svc.db(self._register, rows, self.admin._who(request))
        except UnitError as e:
            return await self.page(request, str(e), 400)
        return await self.page(request, f"Đã đăng ký {added} đơn vị mới, cập nhật {updated} đơn vị.")

    async def unit(self, request: web.Request) -> web.Response:
        """One unit from the form, checked like a CSV line (the same messages)."""
        gate = self.admin._gate(request)
        if gate:
            return gate
        f = await self._form(request)
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([k for k, _ in UNIT_FIELDS])
        w.writerow([f.get(k, "") for k, _ in UNIT_FIELDS])
        try:
            rows = parse_csv(buf.getvalue().encode())
            added, _ = await self.svc.db(self._register, rows, self.admin._who(request))
        except UnitError as e:
            return await self.page(request, str(e).replace("dòng 2: ", ""), 400)
        return await self.page(request, f"Đã {'thêm' if added else 'cập nhật'} đơn vị {rows[0].name}.")

    def _register(self, rows, who: str) -> tuple[int, int]:
        with session_scope(self.svc.db_url) as s:
            return register_units(s, rows, who)

    async def remind(self, request: web.Request) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        f = await self._form(request)
        try:
            due = dt.date.fromisoformat(f.get("due", ""))
            occ = await self.svc.db(find_occurrence, self.svc.db_url, f.get("deadline", ""), due, today_vn())
        except (ReportError, ValueError) as e:
            return await self.page(request, str(e) if isinstance(e, ReportError) else "Ngày không hợp lệ.", 400)
        chats = {k: v for k, v in self.svc.senders.items() if k in ("telegram", "zalo")}
        res = await remind_late(self.svc.db_url, occ, self.admin._who(request), _mailer(self.svc.settings), chats)
        return await self.page(request, res.text)

    async def export(self, request: web.Request) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        fmt = request.match_info["fmt"]
        occs = await self.svc.db(status_table, self.svc.db_url, today_vn(), self._days(request), every_deadline=True)
        data = table_bytes(occs, "." + fmt)
        return _download(data, f"tinh-hinh-bao-cao-{today_vn():%Y%m%d}.{fmt}", fmt)

    async def history(self, request: web.Request) -> web.Response:
        gate = self.admin._gate(request)
        if gate:
            return gate
        try:
            name, events = await self.svc.db(unit_history, self.svc.db_url, request.query.get("unit", ""))
        except ReportError as e:
            return await self.page(request, str(e), 400)
        header, rows = history_rows(events)
        fmt = request.match_info["fmt"]
        if fmt == "csv":
            return _download(csv_bytes(header, rows), "lich-su-don-vi.csv", fmt)
        from bot.reports.export import history_xlsx

        return _download(history_xlsx(name, header, rows), "lich-su-don-vi.xlsx", fmt)


def _mailer(settings):
    from bot.reports.mail import MailConfigError, mailer_for

    try:
        return mailer_for(settings)
    except MailConfigError as e:
        log.error("e-mail disabled: %s", e)
        return None


def _form(form, action: str, fields: dict, label: str) -> str:
    """A one-button form (written by the admin's `form`, with the CSRF token) posting `fields`."""
    hidden = "".join(f"<input type=hidden name={k} value='{esc(v)}'>" for k, v in fields.items())
    return form(action, f"{hidden}<button>{esc(label)}</button>", cls="inline")


def _buttons(o, u, form) -> str:
    base = {"deadline": o.deadline_id, "due": o.due_date.isoformat(), "unit": u.unit}
    if u.status in ("da_nop", "mien"):
        return _form(form, "/admin/reports/mark", {**base, "action": "undo"}, "↩ Hoàn tác")
    return (
        _form(form, "/admin/reports/mark", {**base, "action": "da_nop"}, "✅ Đã nộp")
        + " "
        + _form(form, "/admin/reports/mark", {**base, "action": "mien"}, "Miễn")
    )


async def _upload(request: web.Request) -> bytes:
    try:
        form = await request.post()
    except (ValueError, web.HTTPException) as e:
        raise UnitError("Không đọc được tệp tải lên.") from e
    f = form.get("file")
    if f is None or not hasattr(f, "file"):
        raise UnitError("Chưa chọn tệp CSV.")
    data = f.file.read(MAX_CSV + 1)
    if len(data) > MAX_CSV:
        raise UnitError("Tệp quá lớn (tối đa 2 MB).")
    return data


def _download(data: bytes, filename: str, fmt: str) -> web.Response:
    ctype = XLSX if fmt == "xlsx" else "text/csv"
    return web.Response(
        body=data,
        content_type=ctype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
