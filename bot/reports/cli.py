"""`python -m bot report …` — units, marks, the status table, exports, a unit's history.

  report units import FILE.csv [--by NAME]           register or update units (see bot.reports.units)
  report units list [--json]
  report mark --deadline ID --due YYYY-MM-DD --unit "…" [--status da_nop|mien] [--by NAME]
  report undo --deadline ID --due YYYY-MM-DD --unit "…" [--by NAME]
  report status [--due-within 30] [--json] [--today YYYY-MM-DD]
  report export --out F.xlsx|F.csv [--due-within 30] [--today YYYY-MM-DD]
  report history --unit "…" [--out F.csv|F.xlsx]
  report remind-late --deadline ID --due YYYY-MM-DD      a courtesy e-mail to the units not reported

Bad input (unknown unit or deadline, a date that is not an occurrence, a malformed CSV) prints a Vietnamese
message on standard error and exits 2; nothing is changed then.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

EXIT_USAGE = 2


def add_commands(sub) -> None:
    r = sub.add_parser("report", help="who has reported, who is late; units, marks, exports")
    rs = r.add_subparsers(dest="report_command", required=True)
    u = rs.add_parser("units", help="registered units")
    us = u.add_subparsers(dest="units_command", required=True)
    ui = us.add_parser("import", help="register units from a CSV file")
    ui.add_argument("file")
    ui.add_argument("--by", default="cli")
    ui.set_defaults(func=run_units_import)
    ul = us.add_parser("list", help="list the registered units")
    ul.add_argument("--json", action="store_true")
    ul.set_defaults(func=run_units_list)
    for name, func in (("mark", run_mark), ("undo", run_undo)):
        m = rs.add_parser(name, help="mark a unit's report sent (or exempt)" if name == "mark" else "undo a mark")
        m.add_argument("--deadline", required=True)
        m.add_argument("--due", required=True, help="the occurrence, YYYY-MM-DD")
        m.add_argument("--unit", required=True)
        m.add_argument("--by", default="cli")
        if name == "mark":
            m.add_argument("--status", default="da_nop", choices=("da_nop", "mien"))
        m.set_defaults(func=func)
    st = rs.add_parser("status", help="per occurrence: who has reported, who has not, who is late")
    _window(st)
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=run_status)
    ex = rs.add_parser("export", help="the status table as .xlsx or .csv")
    ex.add_argument("--out", required=True)
    _window(ex)
    ex.set_defaults(func=run_export)
    rl = rs.add_parser("remind-late", help="e-mail the units that have not reported an occurrence (courtesy)")
    rl.add_argument("--deadline", required=True)
    rl.add_argument("--due", required=True, help="the occurrence, YYYY-MM-DD")
    rl.add_argument("--by", default="cli")
    rl.set_defaults(func=run_remind_late)
    h = rs.add_parser("history", help="a unit's history (every status change and send)")
    h.add_argument("--unit", required=True)
    h.add_argument("--out", default=None, help=".csv or .xlsx (default: print)")
    h.set_defaults(func=run_history)


def _window(p) -> None:
    p.add_argument("--due-within", type=int, default=30, help="days ahead (default 30)")
    p.add_argument("--today", type=_date, default=None, help="YYYY-MM-DD (default: today in Việt Nam)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as e:
        raise ValueError(f"ngày không hợp lệ “{text}” (cần YYYY-MM-DD)") from e


def _url(args) -> str:
    from bot.config import load_settings

    return load_settings(args.data_dir).database_url


def _err(msg: str) -> int:
    print(msg, file=sys.stderr)
    return EXIT_USAGE


def _today(args) -> dt.date:
    from bot.admin_changes import today_vn

    return getattr(args, "today", None) or today_vn()


def run_units_import(args) -> int:
    from bot.reports.units import UnitError, parse_csv, register_units
    from store.db import session_scope

    try:
        rows = parse_csv(Path(args.file).read_bytes())
    except OSError as e:
        return _err(f"Không đọc được tệp {args.file}: {e.strerror}")
    except UnitError as e:
        return _err(str(e))
    with session_scope(_url(args)) as s:
        added, updated = register_units(s, rows, args.by)
    print(f"Đã đăng ký {added} đơn vị mới, cập nhật {updated} đơn vị.")
    return 0


def run_units_list(args) -> int:
    from sqlalchemy import select

    from store.db import session_scope
    from store.reports import ReportUnit

    with session_scope(_url(args)) as s:
        units = [
            {
                "id": u.id,
                "name": u.name,
                "province": u.province,
                "group": u.group,
                "aliases": u.aliases,
                "email": u.email,
                "telegram": u.telegram,
                "zalo": u.zalo,
            }
            for u in s.scalars(select(ReportUnit).order_by(ReportUnit.name))
        ]
    if args.json:
        print(json.dumps(units, ensure_ascii=False, indent=1))
    else:
        for u in units:
            print(
                f"#{u['id']} {u['name']} — {u['province'] or 'trung ương'}" + (f" <{u['email']}>" if u["email"] else "")
            )
        if not units:
            print("Chưa có đơn vị nào được đăng ký (report units import FILE.csv).")
    return 0


def _change(args, undo: bool) -> int:
    from bot.reports.status import ReportError, mark
    from bot.reports.status import undo as undo_mark

    try:
        due = _date(args.due)
        if undo:
            res = undo_mark(_url(args), args.deadline, due, args.unit, args.by)
        else:
            res = mark(_url(args), args.deadline, due, args.unit, args.by, status=args.status)
    except (ReportError, ValueError) as e:
        return _err(str(e))
    print(res.text)
    return 0


def run_mark(args) -> int:
    return _change(args, undo=False)


def run_undo(args) -> int:
    return _change(args, undo=True)


def run_status(args) -> int:
    from bot.reports.export import status_text
    from bot.reports.status import status_table

    occs = status_table(_url(args), _today(args), args.due_within)
    if args.json:
        print(json.dumps([o.to_json() for o in occs], ensure_ascii=False, indent=1))
    else:
        print(status_text(occs))
    return 0


def run_export(args) -> int:
    from bot.reports.export import write_table
    from bot.reports.status import status_table

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        return _err("--out phải là tệp .xlsx hoặc .csv")
    occs = status_table(_url(args), _today(args), args.due_within, every_deadline=True)
    write_table(occs, out)
    print(
        f"Đã ghi {sum(1 for o in occs if o.units)} kỳ báo cáo của các đơn vị ({len(occs)} hạn) vào {out}",
        file=sys.stderr,
    )
    return 0


def run_history(args) -> int:
    from bot.reports.export import history_rows, write_rows
    from bot.reports.status import ReportError, unit_history

    try:
        name, events = unit_history(_url(args), args.unit)
    except ReportError as e:
        return _err(str(e))
    header, rows = history_rows(events)
    if args.out:
        write_rows(Path(args.out), name[:31], header, rows)
        print(f"Đã ghi {len(rows)} sự kiện của {name} vào {args.out}", file=sys.stderr)
    else:
        print(name)
        for r in rows:
            print(" · ".join(_cell(x) for x in r if x not in (None, "")))
    return 0


def run_remind_late(args) -> int:
    import asyncio

    from bot.config import load_settings
    from bot.reports.courtesy import find_occurrence, remind_late
    from bot.reports.mail import MailConfigError, mailer_for
    from bot.reports.status import ReportError

    settings = load_settings(args.data_dir)
    try:
        mailer = mailer_for(settings)
        occ = find_occurrence(settings.database_url, args.deadline, _date(args.due), _today(args))
    except (MailConfigError, ReportError, ValueError) as e:
        return _err(str(e))
    if mailer is None:
        return _err("Chưa cấu hình gửi e-mail (HOCTAP_SMTP_URL, HOCTAP_MAIL_FROM).")
    print(asyncio.run(remind_late(settings.database_url, occ, args.by, mailer)).text)
    return 0


def _cell(x) -> str:
    if isinstance(x, dt.datetime):
        return x.strftime("%d/%m/%Y %H:%M UTC")
    if isinstance(x, dt.date):
        return x.strftime("%d/%m/%Y")
    return str(x)
