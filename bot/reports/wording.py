"""A reminder's words, from the deadline fact's own fields (never generated text):

  🔔 Còn 7 ngày: báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT (hạn 15/6/2027)
  Đơn vị báo cáo: Các sở, ban, ngành tỉnh, Ủy ban nhân dân cấp huyện
  Nguồn: Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, mục Phần kết

`short_line` is the first line without its countdown (the status table's and the e-mail subject's title);
`calendar_title` the same without the date (the .ics event repeats).
"""

from __future__ import annotations

import datetime as dt
import re

from vntext import fold, nfc

# long names a secretary shortens (the glossary's own abbreviations)
SHORT_NAMES = (
    ("Ủy ban nhân dân", "UBND"),
    ("Uỷ ban nhân dân", "UBND"),
    ("Giáo dục và Đào tạo", "GDĐT"),
    ("Lao động - Thương binh và Xã hội", "LĐTBXH"),
    ("Thông tin và Truyền thông", "TTTT"),
    ("Văn hóa, Thể thao và Du lịch", "VHTTDL"),
    ("xã hội học tập", "XHHT"),
)
PERIODS = {"6 tháng": "6 tháng", "năm": "năm", "quý": "quý", "tháng": "tháng"}
MAX_WHAT = 90
MAX_PARTIES = 2
MAX_PARTIES_TEXT = 100


def shorten(text: str) -> str:
    out = nfc(text or "")
    for long, short in SHORT_NAMES:
        out = re.sub(re.escape(long), short, out, flags=re.I)
    return re.sub(r"\s+", " ", out).strip()


def day_text(d: dt.date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")
    return head + " …"


def _what(deadline) -> str:
    """'báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT': the action, the period, what, to whom."""
    action = (deadline.action or "").strip()
    what = shorten(deadline.what or action).rstrip(" .;:")
    recipient = shorten(deadline.recipient or "")
    if recipient:  # "… về Sở Giáo dục và Đào tạo" / "… gửi về UBND tỉnh (qua Sở GDĐT)": said once, at the end
        pat = r"\s*(?:gửi về|gửi|về|cho|tới)?\s*" + re.escape(recipient) + r"\s*$"
        what = re.sub(pat, "", what, flags=re.I).strip()
    if action and fold(action).lower() not in fold(what).lower():
        what = f"{action} {what}".strip()
    period = PERIODS.get((deadline.period or "").strip())
    if period and fold(what).lower().startswith("bao cao") and period not in what:  # "báo cáo 6 tháng …"
        what = f"{what[:7]} {period}{what[7:]}"
    line = _cut(what, MAX_WHAT)
    if recipient:
        line += f" gửi {recipient}"
    return line[:1].lower() + line[1:] if line[:2] != line[:2].upper() else line


def short_line(deadline, due: dt.date) -> str:
    """'báo cáo 6 tháng tình hình thực hiện gửi Sở GDĐT (hạn 15/6/2027)'."""
    return f"{_what(deadline)} (hạn {day_text(due)})"


def calendar_title(deadline) -> str:
    w = _what(deadline)
    return w[:1].upper() + w[1:]


def countdown(days_left: int, late: bool) -> str:
    when = f"Còn {days_left} ngày" if days_left > 0 else "Hôm nay là hạn"
    return f"🔔 (Nhắc muộn) {when}" if late else f"🔔 {when}"


def parties_line(deadline) -> str:
    """'Đơn vị báo cáo: các Sở, ngành, đơn vị và UBND các huyện, thành phố' — the document's own words when they
    are short; else its parties, the first ones and 'và N đơn vị khác'."""
    text = shorten(deadline.actor_text or "").rstrip(" .;:")
    if text and len(text) <= MAX_PARTIES_TEXT:
        return f"Đơn vị báo cáo: {text}"
    parties = [shorten(a) for a in (deadline.actors or []) if a and a.strip()]
    if not parties:
        return f"Đơn vị báo cáo: {_cut(text, MAX_PARTIES_TEXT)}" if text else ""
    shown = ", ".join(parties[:MAX_PARTIES])
    rest = len(parties) - MAX_PARTIES
    return f"Đơn vị báo cáo: {shown}" + (f" và {rest} đơn vị khác" if rest > 0 else "")


def citation_line(deadline, source: str) -> str:
    """'Nguồn: Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, mục Phần kết'."""
    section = (deadline.section_path or "").split(" › ")
    label = _cut(section[-1].strip(), 60) if section and section[-1].strip() else ""
    parts = [p for p in (source, f"mục {label}" if label else "") if p]
    return "Nguồn: " + ", ".join(parts) if parts else ""
