"""Every deadline as an iCalendar event: recurrence rule, stable UID, alarms (RFC 5545).

Re-importing the file updates the events instead of duplicating them: the UID is derived
from the deadline's stable id, and DTSTART from the document (not from the export date).
"""

from __future__ import annotations

import datetime as dt
import re

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select

from bot.config import TIMEZONE
from store.db import session_scope
from bot.formatting import deadline_sentence, document_citation
from store.knowledge import Deadline, Document
from bot.occurrences import occurrences
from bot.reports.wording import calendar_title
from bot.config import ReminderConfig
from bot.reminders.scope import canonical_agency, canonical_province, concerns
from store.engine import normalise_url
from store.recurrence import Recurrence

UID_DOMAIN = "hoctap.xhht"
PRODID = "-//Tro ly Xa hoi hoc tap//Han bao cao//VI"
_RRULE = {
    Recurrence.YEARLY: {"freq": "yearly"},
    Recurrence.HALF_YEARLY: {"freq": "monthly", "interval": 6},
    Recurrence.QUARTERLY: {"freq": "monthly", "interval": 3},
    Recurrence.MONTHLY: {"freq": "monthly"},
}
_FAR_PAST, _FAR_FUTURE = dt.date(1990, 1, 1), dt.date(2200, 12, 31)


def event_uid(deadline_id: str) -> str:
    return f"{deadline_id}@{UID_DOMAIN}"


def _document_year(doc: Document | None) -> int | None:
    if doc is None:
        return None
    if doc.year:
        return doc.year
    for text in (doc.date_text, doc.id, doc.file_name):  # "ngày   tháng   năm 2021", "tiengiang-2021-…"
        m = re.search(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)", text or "")
        if m:
            return int(m.group(1))
    return None


def _first_date(d: Deadline, doc: Document | None) -> dt.date | None:
    """The first occurrence on or after the document's date (stable across exports)."""
    if Recurrence.of(d.recurrence) in _RRULE and d.due_month:
        year = _document_year(doc)
        anchor = (
            doc.date
            if doc and doc.date
            else dt.date(year, 1, 1)
            if year
            else dt.date(d.due_year, 1, 1)
            if d.due_year
            else dt.date(2000, 1, 1)
        )
        return next(iter(occurrences(d, anchor, anchor + dt.timedelta(days=800))), None)
    return next(iter(occurrences(d, _FAR_PAST, _FAR_FUTURE)), None)


def _rrule(d: Deadline, first: dt.date) -> dict | None:
    rule = _RRULE.get(Recurrence.of(d.recurrence)) if d.due_month else None
    if rule is None:
        return None
    rule = dict(rule)
    if rule["freq"] == "monthly" and (d.due_day or 31) > 28:
        rule["bymonthday"] = -1 if (d.due_day or 31) >= 31 else d.due_day  # "end of month" stays so
    return rule


def _description(d: Deadline, doc: Document | None, first: dt.date) -> str:
    lines = [deadline_sentence(d) + "."]
    if d.due_text:
        lines.append(f"Thời hạn: {d.due_text}" + (f" ({d.interpretation})" if d.interpretation else ""))
    elif d.interpretation:
        lines.append(f"Thời hạn: {d.interpretation}")
    if d.recipient:
        lines.append(f"Gửi: {d.recipient}")
    if d.period:
        lines.append(f"Kỳ báo cáo: {d.period}")
    if doc is not None:
        lines.append(f"Nguồn: {document_citation(doc)}" + (f" — {d.section_path}" if d.section_path else ""))
    if d.quote:
        lines.append(f"Trích: “{d.quote.strip()}”")
    return "\n".join(lines)


def build_calendar(
    db_url: str,
    *,
    province: str | None = None,
    agency: str | None = None,
    lead_days=None,
    now: dt.datetime | None = None,
    deadline_id: str | None = None,
) -> bytes:
    """An .ics calendar of the deadlines in scope (all by default; only `deadline_id` when given — an e-mail
    reminder's attachment), each with an RRULE when it recurs, a stable UID and one alarm per lead time (08:00
    local, like the chat reminders)."""
    province, agency = canonical_province(province), canonical_agency(agency)
    cfg = ReminderConfig.from_env()
    leads = tuple(lead_days) if lead_days else cfg.lead_days
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    cal = _calendar(province, agency)
    with session_scope(normalise_url(db_url)) as s:
        docs = {x.id: x for x in s.scalars(select(Document))}
        query = select(Deadline).order_by(Deadline.document_id, Deadline.id)
        for d in s.scalars(query.where(Deadline.id == deadline_id) if deadline_id else query):
            doc = docs.get(d.document_id)
            if not _in_scope(d, doc, province, agency):
                continue
            first = _first_date(d, doc)
            if first is None:
                continue
            cal.add_component(_event(d, doc, first, stamp, leads, cfg.remind_time))
    return cal.to_ical()


def _calendar(province: str | None, agency: str | None) -> Calendar:
    """An empty calendar named for its scope."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add(
        "x-wr-calname",
        "Hạn báo cáo — Xây dựng xã hội học tập"
        + (f" ({', '.join(x for x in (agency, province) if x)})" if province or agency else ""),
    )
    cal.add("x-wr-timezone", TIMEZONE)
    return cal


def _in_scope(d: Deadline, doc: Document | None, province: str | None, agency: str | None) -> bool:
    return concerns(
        sub_province=province,
        sub_agency=agency,
        sub_deadline_id=None,
        deadline_id=d.id,
        deadline_province=d.province or (doc.province if doc else None),
        actors=d.actors,
        actor_text=d.actor_text,
    )


def _event(d: Deadline, doc: Document | None, first: dt.date, stamp: dt.datetime, leads, remind) -> Event:
    """The all-day event of a deadline from its first date, with its recurrence and one alarm per lead time."""
    ev = Event()
    ev.add("uid", event_uid(d.id))
    ev.add("dtstamp", stamp)
    ev.add("dtstart", first)
    ev.add("dtend", first + dt.timedelta(days=1))
    ev.add("summary", calendar_title(d))  # the reminder's short line (the date is the event's own)
    ev.add("description", _description(d, doc, first))
    ev.add("transp", "TRANSPARENT")
    ev.add("categories", ["Hạn báo cáo"])
    rule = _rrule(d, first)
    if rule:
        ev.add("rrule", rule)
    for lead in leads:
        al = Alarm()
        al.add("action", "DISPLAY")
        # all-day events start at 00:00: ring at the reminder hour, `lead` days before
        al.add("trigger", -dt.timedelta(days=lead) + dt.timedelta(hours=remind.hour, minutes=remind.minute))
        when = "Hôm nay là hạn" if lead == 0 else f"Còn {lead} ngày"
        al.add("description", f"🔔 {when}: {calendar_title(d)}")
        ev.add_component(al)
    return ev
