"""Concrete dates of a deadline: yearly "trước 15/12" → 15/12 every year; one-off → its date once."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Iterator

from store.knowledge import Deadline
from store.recurrence import Recurrence


def _safe_date(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def occurrences(d: Deadline, start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Dates in [start, end] on which deadline `d` falls due, in order."""
    rec = Recurrence.of(d.recurrence)
    if not d.due_month:
        if d.due_year and rec is Recurrence.ONCE:  # "trong năm 2021": due by the year's end
            day = dt.date(d.due_year, 12, 31)
            if start <= day <= end:
                yield day
        return
    day = d.due_day or calendar.monthrange(d.due_year or start.year, d.due_month)[1]
    if not rec.repeats:
        if d.due_year:
            when = _safe_date(d.due_year, d.due_month, day)
            if start <= when <= end:
                yield when
        return
    step = rec.months
    first_year = d.due_year or start.year - 1
    # walk from the first month of the cycle in the year before `start`
    y, m = first_year, (d.due_month - 1) % step + 1 if step < 12 else d.due_month
    while True:
        when = _safe_date(y, m, day)
        if when > end:
            return
        if when >= start and (not d.due_year or when.year >= d.due_year):
            yield when
        m += step
        while m > 12:
            m -= 12
            y += 1


def next_occurrence(d: Deadline, today: dt.date, horizon_days: int = 800) -> dt.date | None:
    for when in occurrences(d, today, today + dt.timedelta(days=horizon_days)):
        return when
    return None
