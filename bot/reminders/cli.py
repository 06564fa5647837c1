"""Command line: subscribe, unsubscribe, remind tick|run, calendar.

  python -m bot [--data-dir D] subscribe --channel console --chat-id ID [--scope TEXT] [--lead-days 7,1]
  python -m bot [--data-dir D] unsubscribe --channel console --chat-id ID [--id N]
  python -m bot [--data-dir D] remind tick [--now ISO-8601]      deliver what is due at that moment
  python -m bot [--data-dir D] remind run [--interval 60]         the sweeper, until interrupted
  python -m bot [--data-dir D] calendar --out FILE.ics [--scope TEXT]

The console channel prints one JSON line per delivered reminder:
{"chat_id", "deadline_id", "due_date", "lead_days", "text"}. A --now without a UTC offset is
Asia/Ho_Chi_Minh local time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

from store.reminders import CHANNELS

EXIT_USAGE = 2


def add_commands(sub) -> None:
    s = sub.add_parser("subscribe", help="subscribe a chat to deadline reminders")
    s.add_argument("--channel", required=True, choices=CHANNELS)
    s.add_argument("--chat-id", required=True)
    s.add_argument("--scope", default="all", help='"Đắk Nông", "Sở GDĐT Tiền Giang", "all" (default)')
    s.add_argument(
        "--lead-days",
        default=None,
        help="days before the deadline, e.g. 7,1 (default $HOCTAP_REMINDER_LEAD_DAYS or 7,1)",
    )
    s.add_argument("--deadline", default=None, help="one deadline id instead of a scope")
    s.add_argument("--unit", default=None, help="the registered unit this subscription is for (report units list)")
    s.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        help="subscription time, for simulations (reminders due before it are not owed)",
    )
    s.set_defaults(func=run_subscribe)

    u = sub.add_parser("unsubscribe", help="remove a chat's reminder subscriptions")
    u.add_argument("--channel", required=True, choices=CHANNELS)
    u.add_argument("--chat-id", required=True)
    u.add_argument("--id", type=int, default=None, help="only this subscription")
    u.set_defaults(func=run_unsubscribe)

    r = sub.add_parser("remind", help="deliver reminders")
    rsub = r.add_subparsers(dest="remind_command", required=True)
    t = rsub.add_parser("tick", help="deliver what is due now (or at --now)")
    t.add_argument("--now", type=_parse_now, default=None, help="ISO-8601 time (local if no offset)")
    t.set_defaults(func=run_tick)
    rr = rsub.add_parser("run", help="run the sweeper until interrupted")
    rr.add_argument("--interval", type=float, default=60.0, help="seconds between sweeps")
    rr.set_defaults(func=run_loop)

    c = sub.add_parser("calendar", help="write every deadline to an iCalendar (.ics) file")
    c.add_argument("--out", required=True, help="the .ics file to write (- for standard output)")
    c.add_argument("--scope", default="all")
    c.add_argument("--lead-days", default=None, help="default $HOCTAP_REMINDER_LEAD_DAYS or 7,1")
    c.set_defaults(func=run_calendar)


def _parse_now(text: str) -> dt.datetime:
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        return dt.datetime.fromisoformat(t)
    except ValueError as e:
        raise ValueError(f"--now: not an ISO-8601 time: {text!r}") from e


def _settings(args):
    from bot.config import load_settings

    return load_settings(args.data_dir)


def _lead_days(text: str | None) -> tuple[int, ...]:
    """--lead-days, else the configured default (HOCTAP_REMINDER_LEAD_DAYS, 7,1)."""
    from bot.config import ReminderConfig, parse_lead_days

    return parse_lead_days(text) if text else ReminderConfig.from_env().lead_days


def _err(msg: str) -> int:
    print(msg, file=sys.stderr)
    return EXIT_USAGE


def run_subscribe(args) -> int:
    from bot.reminders import ScopeError, resolve_scope, subscribe, subscribe_deadline
    from bot.reports.mail import valid_address
    from bot.reports.subscribing import UnitError, link_unit

    try:
        leads = _lead_days(args.lead_days)
    except ValueError as e:
        return _err(f"--lead-days: {e}")
    if args.channel == "email":
        args.chat_id = valid_address(args.chat_id)
        if not args.chat_id:
            return _err("--chat-id: địa chỉ e-mail không hợp lệ.")
    settings = _settings(args)
    if args.deadline:
        sub = subscribe_deadline(
            settings.database_url,
            channel=args.channel,
            chat_id=args.chat_id,
            deadline_id=args.deadline,
            lead_days=leads,
            now=args.now,
        )
    else:
        try:
            scope = resolve_scope(args.scope)
        except ScopeError as e:
            return _err(str(e))
        sub = subscribe(
            settings.database_url,
            channel=args.channel,
            chat_id=args.chat_id,
            province=scope.province,
            agency=scope.agency,
            lead_days=leads,
            now=args.now,
        )
    try:
        unit = link_unit(settings.database_url, sub, args.unit)
    except UnitError as e:
        return _err(f"--unit: {e} (đăng ký #{sub.id} vẫn được giữ, chưa gắn đơn vị)")
    print(
        f"Đã đăng ký nhắc hạn #{sub.id} ({sub.channel}:{sub.chat_id}) — phạm vi: {sub.scope_label}; "
        f"nhắc trước {', '.join(str(x) for x in sub.lead_days)} ngày" + (f"; đơn vị: {unit}." if unit else ".")
    )
    return 0


def run_unsubscribe(args) -> int:
    from bot.reminders import unsubscribe

    n = unsubscribe(_settings(args).database_url, channel=args.channel, chat_id=args.chat_id, subscription_id=args.id)
    print(f"Đã hủy {n} đăng ký nhắc hạn.")
    return 0


def _senders(settings) -> dict:
    """The console, and e-mail when HOCTAP_SMTP_URL is set."""
    from bot.reminders.delivery import console_only
    from bot.reports.mail import mailer_for

    senders = console_only()
    mailer = mailer_for(settings)
    if mailer is not None:
        senders["email"] = mailer.send_reminder
    return senders


def run_tick(args) -> int:
    from bot.reminders import sweeper

    from bot.reports.mail import MailConfigError

    settings = _settings(args)
    try:
        senders = _senders(settings)
    except MailConfigError as e:
        return _err(str(e))
    sent = asyncio.run(sweeper.tick(settings, args.now, senders=senders))
    # the JSON lines on standard output are what was sent; a human summary on standard error
    if not sent:
        print("Không có nhắc hạn nào đến giờ.", file=sys.stderr)
    for d in sent:
        print(f"Đã gửi {d.channel}:{d.chat_id} — {d.message.text.splitlines()[0]}", file=sys.stderr)
    return 0


def run_loop(args) -> int:
    from bot.reminders import sweeper

    settings = _settings(args)
    try:
        asyncio.run(sweeper.run_forever(settings, interval_s=args.interval, senders=_senders(settings)))
    except KeyboardInterrupt:
        pass
    return 0


def run_calendar(args) -> int:
    from bot.reminders import resolve_scope
    from bot.reminders.calendar_ics import build_calendar

    try:
        scope = resolve_scope(args.scope)
        leads = _lead_days(args.lead_days)
    except ValueError as e:
        return _err(str(e))
    data = build_calendar(_settings(args).database_url, province=scope.province, agency=scope.agency, lead_days=leads)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out)
        print(f"Đã ghi {data.count(b'BEGIN:VEVENT')} hạn vào {out}", file=sys.stderr)
    return 0
