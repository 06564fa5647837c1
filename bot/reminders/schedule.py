"""When reminders go out: local (Asia/Ho_Chi_Minh) rules, UTC storage.

- A reminder for an occurrence due on D with lead L is sent at the reminder hour
  (HOCTAP_REMIND_HOUR, default 08:00) local time on D − L.
- Quiet hours (HOCTAP_QUIET_HOURS, default "21-7") delay a reminder to the end of the
  quiet period; they never drop it.
- A new subscription is reminded HOCTAP_REMINDER_LEAD_DAYS (default "7,1") days before each deadline.

The rules are `bot.config.ReminderConfig` (part of the one configuration, which this module builds on); here
are the conversions between local time and the naive UTC that is stored.
"""

from __future__ import annotations

import datetime as dt

from bot.config import TZ


def to_local(t: dt.datetime) -> dt.datetime:
    """Naive UTC (as stored) or aware → aware Asia/Ho_Chi_Minh."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(TZ)


def normalise_now(now: dt.datetime | None) -> dt.datetime:
    """An aware `now`: real time if None; a naive value is read as Asia/Ho_Chi_Minh local time."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=TZ)
    return now
