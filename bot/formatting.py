"""Plain-text renderings of documents and facts, shared by answers, reminders and calendars.

Every string here is assembled from the documents' own words (no generated text).
"""

from __future__ import annotations

import datetime as dt
import re

from store.knowledge import Deadline, Document
from store.recurrence import Recurrence

WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
SUBJECT_CHARS = 60
NO_NUMBER = "(không ghi số)"
ELLIPSIS = "…"
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
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


def cut_words(text: str, n: int) -> str:
    """`text` (whitespace collapsed) in at most `n` characters, cut at a word and ended with '…' when cut;
    trailing punctuation before the cut is dropped."""
    text = re.sub(r"\s+", " ", text or "").strip()
    ends_cut = text.endswith(ELLIPSIS)
    text = text.rstrip(ELLIPSIS).rstrip()
    if len(text) <= n and not ends_cut:
        return text.rstrip(":;,")
    if len(text) > n:
        head = text[: n + 1]
        text = head.rsplit(" ", 1)[0] if " " in head else text[:n]
    return text.rstrip(" ,;:.–-") + ELLIPSIS


def document_year(doc: Document) -> int | None:
    """The document's year: its date, its header's year, else the year its file is named by
    ('tiengiang-2021-ke-hoach-xhht')."""
    if doc.date:
        return doc.date.year
    if doc.year:
        return doc.year
    m = _YEAR.search(doc.date_text or "") or _YEAR.search(doc.id or "")
    return int(m.group(1)) if m else None


def document_name(doc: Document) -> str:
    """Type and number, or for a document without one its type, issuer and subject with '(không ghi số)':
    'Kế hoạch của UBND tỉnh Tiền Giang về thực hiện Đề án … (không ghi số)'. Never a bare slash."""
    kind = (doc.doc_type or "văn bản").capitalize()
    number = (doc.number or "").strip()
    if number.startswith("/"):  # "Số: /BGDĐT-GDTX": the number was left blank in the draft
        number = "số …" + number
    if number:
        return f"{kind} {number}" + (f" của {doc.issuer}" if doc.issuer else "")
    if doc.subject and doc.label == doc.subject:  # a law known by its title: "Luật Viên chức"
        return doc.subject + (f" của {doc.issuer}" if doc.issuer else "")
    s = kind + (f" của {doc.issuer}" if doc.issuer else "")
    subject = re.sub(r"^(V/v|Về việc|Về)\s+", "", (doc.subject or "").strip(), flags=re.I)
    if subject:
        subject = subject[:1].lower() + subject[1:] if not subject[1:2].isupper() else subject
        about = cut_words(subject, SUBJECT_CHARS)
        s += f" về {about}" + ("”" if about.count("“") > about.count("”") else "")  # a quote cut open is closed
    return f"{s} {NO_NUMBER}"


def document_citation(doc: Document) -> str:
    """'Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021'; '…, năm 2021' without a day."""
    s = document_name(doc)
    if doc.date:
        return f"{s}, ngày {doc.date.day}/{doc.date.month}/{doc.date.year}"
    year = document_year(doc)
    return f"{s}, năm {year}" if year else s


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
