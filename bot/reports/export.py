"""The status table for people: as text (`report status`, /tinhhinh), .xlsx (a summary sheet "Hạn sắp tới" of the
occurrences — every upcoming deadline, with its counts —, then one sheet per occurrence registered units report;
frozen header, Vietnamese column names, dates as dates) and .csv (one flat table of units), and a unit's
history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from bot.reports.status import Occurrence
from store.reports import CHUA_NOP, DA_NOP, MIEN, QUA_HAN, STATUS_LABELS

ROW_HEADER = ["Hạn nộp", "Báo cáo", "Mã hạn", "Đơn vị", "Tỉnh/thành", "Trạng thái", "Ngày nộp", "Người ghi nhận"]
SUMMARY_HEADER = ["Hạn nộp", "Báo cáo", "Mã hạn", "Số đơn vị", "Đã nộp", "Chưa nộp", "Quá hạn", "Miễn"]
HISTORY_HEADER = ["Thời điểm (UTC)", "Đơn vị", "Việc", "Mã hạn", "Hạn nộp", "Người thực hiện", "Ghi chú"]
ACTIONS = {
    DA_NOP: "Đã nộp",
    MIEN: "Miễn",
    "hoan_tac": "Hoàn tác",
    "dang_ky": "Đăng ký đơn vị",
    "cap_nhat": "Cập nhật đơn vị",
    "gui": "Gửi nhắc hạn",
    "tu_choi": "Bị từ chối",
    "nhac_tre": "Nhắc nộp muộn",
}


def status_text(occs: list[Occurrence], limit_names: int = 30) -> str:
    """Per occurrence: who has reported, who has not, who is late (plain text)."""
    if not occs:
        return "Không có kỳ báo cáo nào của các đơn vị đã đăng ký trong khoảng này."
    blocks = []
    for o in occs:
        lines = [f"📋 {o.title} [{o.deadline_id}]"]
        for st in (DA_NOP, CHUA_NOP, QUA_HAN, MIEN):
            names = [u.unit for u in o.of(st)]
            if names:
                shown = ", ".join(names[:limit_names]) + (
                    f" và {len(names) - limit_names} đơn vị khác" if len(names) > limit_names else ""
                )
                lines.append(f"  {STATUS_LABELS[st]} ({len(names)}): {shown}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _rows(o: Occurrence) -> list[list]:
    return [
        [o.due_date, o.title, o.deadline_id, u.unit, u.province or "", u.label, u.marked_at, u.marked_by or ""]
        for u in o.units
    ]


def _summary(o: Occurrence) -> list:
    counts = [len(o.of(st)) for st in (DA_NOP, CHUA_NOP, QUA_HAN, MIEN)]
    return [o.due_date, o.title, o.deadline_id, len(o.units), *counts]


def sheet_name(o: Occurrence, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", f"{o.due_date:%d-%m-%Y} {o.deadline_id[-8:]}")[:31]
    name, k = base, 2
    while name in taken:
        name = f"{base[:28]} {k}"
        k += 1
    taken.add(name)
    return name


def xlsx_bytes(occs: list[Occurrence]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Hạn sắp tới"
    _fill(ws, SUMMARY_HEADER, [_summary(o) for o in occs])
    taken = {ws.title}
    for o in occs:
        if o.units:  # the upcoming deadlines no registered unit reports are in the summary only
            _fill(wb.create_sheet(sheet_name(o, taken)), ROW_HEADER, _rows(o))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fill(ws, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    for col, cell in zip(ws.iter_cols(min_row=2), ws[1]):
        for c in col:
            if isinstance(c.value, dt.datetime):
                c.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(c.value, dt.date):
                c.number_format = "DD/MM/YYYY"
        width = max([len(str(cell.value))] + [len(str(c.value or "")) for c in col[:200]])
        ws.column_dimensions[cell.column_letter].width = min(60, width + 2)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_csv_cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # a BOM: spreadsheet programs then read UTF-8


def _csv_cell(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return "" if v is None else v


def table_bytes(occs: list[Occurrence], suffix: str) -> bytes:
    if suffix == ".csv":
        return csv_bytes(ROW_HEADER, [r for o in occs for r in _rows(o)])
    return xlsx_bytes(occs)


def write_table(occs: list[Occurrence], out: Path) -> None:
    _write(out, table_bytes(occs, out.suffix.lower()))


def history_rows(events) -> tuple[list[str], list[list]]:
    rows = [
        [e.created_at, e.unit_name, ACTIONS.get(e.action, e.action), e.deadline_id or "", e.due_date, e.actor, e.detail]
        for e in events
    ]
    return HISTORY_HEADER, rows


def history_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = re.sub(r"[\[\]:*?/\\]", "-", title)[:31] or "Lịch sử"
    _fill(wb.active, header, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_rows(out: Path, title: str, header: list[str], rows: list[list]) -> None:
    if out.suffix.lower() == ".csv":
        _write(out, csv_bytes(header, rows))
    else:
        _write(out, history_xlsx(title, header, rows))


def _write(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
