"""When reminders go out: local (Asia/Ho_Chi_Minh) rules, UTC storage.

- A reminder for an occurrence due on D with lead L is sent at the reminder hour
  (HOCTAP_REMIND_HOUR, default 08:00) local time on D − L.
- Quiet hours (HOCTAP_QUIET_HOURS, default "21-7") delay a reminder to the end of the
  quiet period; they never drop it.
- A new subscription is reminded HOCTAP_REMINDER_LEAD_DAYS (default "7,1") days before each deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import TIMEZONE, environment, parse_hm, reminder_options

TZ = ZoneInfo(TIMEZONE)
DEFAULT_LEAD_DAYS = (7, 1)


_parse_hm = parse_hm  # the reading of "8" / "8:30" lives with the configuration


@dataclass(frozen=True)
class ReminderConfig:
    remind_time: dt.time = dt.time(8, 0)
    quiet_start: dt.time | None = dt.time(21, 0)  # None = no quiet hours
    quiet_end: dt.time | None = dt.time(7, 0)
    horizon_days: int = 400  # plan occurrences this far ahead
    lease_s: float = 300.0  # a row left "sending" longer than this is reclaimed
    send_timeout_s: float = 60.0  # must stay below the lease
    max_attempts: int = 8  # transient failures before giving up
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0
    batch_size: int = 20
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS  # a new subscription's lead times (HOCTAP_REMINDER_LEAD_DAYS)

    @classmethod
    def from_env(cls, extra: dict | None = None) -> "ReminderConfig":
        """The reminders' part of the configuration (bot.config: `.env`, then the environment):
        HOCTAP_REMIND_HOUR ("8" or "8:30"), HOCTAP_QUIET_HOURS ("21-7", "" or "off" for none),
        HOCTAP_REMIND_LEASE_S, HOCTAP_REMIND_HORIZON_DAYS, HOCTAP_REMIND_MAX_ATTEMPTS,
        HOCTAP_REMIND_BATCH, HOCTAP_REMINDER_LEAD_DAYS ("7,1"); `extra` (Settings.extra) keys remind_hour,
        quiet_hours, ... win."""
        return cls(**reminder_options(environment(), extra))

    # --- quiet hours --------------------------------------------------------------------
    def in_quiet_hours(self, local: dt.datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return False
        t = local.timetz().replace(tzinfo=None)
        if self.quiet_start < self.quiet_end:  # e.g. 12-14
            return self.quiet_start <= t < self.quiet_end
        return t >= self.quiet_start or t < self.quiet_end  # across midnight, e.g. 21-7

    def after_quiet(self, local: dt.datetime) -> dt.datetime:
        """`local` itself, or the end of the quiet period it falls in."""
        if not self.in_quiet_hours(local):
            return local
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        return end

    # --- send times -----------------------------------------------------------------------
    def send_at_local(self, due: dt.date, lead_days: int) -> dt.datetime:
        day = due - dt.timedelta(days=lead_days)
        return self.after_quiet(dt.datetime.combine(day, self.remind_time, tzinfo=TZ))

    def send_at_utc(self, due: dt.date, lead_days: int) -> dt.datetime:
        return to_utc_naive(self.send_at_local(due, lead_days))

    def backoff(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1)))


def to_utc_naive(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        return t
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None)


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


def parse_lead_days(value) -> tuple[int, ...]:
    """'7,1' / [7, 1] → (7, 1): distinct, 0..366, largest first."""
    if value is None:
        return DEFAULT_LEAD_DAYS
    if isinstance(value, str):
        items = [x for x in value.replace(";", ",").replace(" ", ",").split(",") if x.strip()]
    else:
        items = list(value)
    out = sorted({int(x) for x in items}, reverse=True)
    if not out or any(x < 0 or x > 366 for x in out):
        raise ValueError("lead days must be whole numbers between 0 and 366, e.g. 7,1")
    return tuple(out)
