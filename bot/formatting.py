"""Plain-text renderings of documents and facts, shared by answers, reminders and calendars.

Every string here is assembled from the documents' own words (no generated text).
"""

from __future__ import annotations

import datetime as dt

from store.knowledge import Deadline, Document
from store.recurrence import Recurrence

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
RECURRENCE_VI = {r: r.vietnamese for r in Recurrence if r.repeats} | {Recurrence.ONCE: ""}


# A day within each period: "trước ngày 25 của tháng cuối quý", "trước ngày 20 hằng tháng".
PERIODIC_DAY_PHRASES = {
    Recurrence.QUARTERLY: "ngày {day} tháng {month} (hằng quý)",
    Recurrence.HALF_YEARLY: "ngày {day} tháng cuối mỗi 6 tháng",
    Recurrence.MONTHLY: "ngày {day} hằng tháng",
}


def sentence_case(text: str) -> str:
    text = (text or "").strip()
    return text[:1].upper() + text[1:] if text else text


def fmt_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def document_citation(doc: Document) -> str:
    """'Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021'."""
    parts = [doc.label]
    if doc.issuer:
        parts.append(f"của {doc.issuer}")
    s = " ".join(parts)
    if doc.date:
        s += f", ngày {doc.date.day}/{doc.date.month}/{doc.date.year}"
    elif doc.year:
        s += f", năm {doc.year}"
    return s


def deadline_due_phrase(d: Deadline) -> str:
    """'15/12 hằng năm', '01/12 hằng năm', '31/12/2025', 'ngày 25 tháng cuối quý (hằng quý)'."""
    if d.due_day and d.recurrence in PERIODIC_DAY_PHRASES:
        month = "đầu quý sau" if d.due_month in (1, 4, 7, 10) else "cuối quý"
        return PERIODIC_DAY_PHRASES[d.recurrence].format(day=d.due_day, month=month)
    if d.due_day and d.due_month:
        base = f"{d.due_day:02d}/{d.due_month:02d}"
        if d.due_year:
            return f"{base}/{d.due_year}"
        rec = RECURRENCE_VI.get(d.recurrence, "")
        return f"{base} {rec}".strip()
    if d.due_year:
        return f"năm {d.due_year}"
    return d.due_text


def deadline_sentence(d: Deadline) -> str:
    """'Các Sở, ngành, đơn vị và UBND các huyện, thành phố báo cáo tình hình thực hiện về Sở GDĐT'."""
    who = (d.actor_text or ", ".join(d.actors or [])).strip()
    what = (d.what or d.action or "").strip()
    if who and what[:1].isupper() and not what[1:2].isupper():  # "… trung ương thực hiện …", not "Thực hiện"
        what = what[:1].lower() + what[1:]
    return sentence_case(f"{who} {what}".strip()) if who else sentence_case(what)
