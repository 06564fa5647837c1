"""Understanding a question: normalisation, abbreviations, dates and periods, agencies,
provinces, document numbers and what kind of answer is wanted (intent)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace

from bot.lexicon import Lexicon, agency_names, fold_words
from vntext import fold, nfc
from vntext.doc_types import DOC_TYPES

MAX_QUESTION_CHARS = 2000

INTENTS = (
    "deadline",
    "responsibility",
    "target",
    "criteria",
    "event",
    "document",
    "citation",
    "contact",
    "howto",
    "search",
)


@dataclass
class DateRange:
    start: dt.date
    end: dt.date
    label: str


@dataclass
class Understanding:
    text: str  # normalised question
    folded: str  # folded words, no punctuation
    intent: str = "search"
    days: list[tuple[int, int]] = field(default_factory=list)  # (day, month) asked about
    months: list[int] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    period_years: list[int] = field(default_factory=list)  # the bounds of a period named ("Kế hoạch 2026-2030")
    period: str | None = None  # "6 tháng", "năm"
    window: DateRange | None = None  # relative period: "sắp tới", "tháng này", "tuần sau"
    agencies: list[str] = field(default_factory=list)
    # the agencies named only as whom something goes to ("gửi … cho Sở GDĐT"), not as who does it
    recipients: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)  # document numbers: "14/CT-TTg", "162"
    doc_types: list[str] = field(default_factory=list)
    role: str | None = None  # chủ trì / phối hợp
    wants_report: bool = False  # the question is about reports (báo cáo, nộp, gửi)
    follow_up: bool = False
    topic_text: str = ""  # the words the topic is read from (a follow-up keeps its question's)
    replaced_names: list[str] = field(default_factory=list)  # names a follow-up replaced ("Đắk Nông")
    problem: str | None = None  # why the input cannot be a question


_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


def clean_input(raw: str | None) -> tuple[str, str | None]:
    """Normalised text and, if it is not a usable question, the reason."""
    if raw is None:
        return "", "empty"
    if len(raw) >= 100_000:
        return "", "too_long"
    raw = _ANSI_RE.sub(" ", raw)  # terminal escape sequences ("\x1b[31m") are control, not words
    t = "".join(ch if (unicodedata.category(ch)[0] != "C" or ch in "\n\t") else " " for ch in raw)
    t = nfc(re.sub(r"\s+", " ", t)).strip()
    if not t:
        return "", "empty"
    if len(t) > MAX_QUESTION_CHARS:
        return t[:MAX_QUESTION_CHARS], "too_long"
    if not any(ch.isalnum() for ch in t):
        return t, "no_words"
    return t, None


_REL_PATTERNS = [
    (r"\b(sap toi|sap den|sap het han|gan day nhat|tiep theo|sap|upcoming)\b", "upcoming"),
    (r"\bthang nay\b", "this_month"),
    (r"\b(thang sau|thang toi)\b", "next_month"),
    (r"\btuan nay\b", "this_week"),
    (r"\b(tuan sau|tuan toi)\b", "next_week"),
    (r"\b(hom nay)\b", "today"),
    (r"\b(ngay mai)\b", "tomorrow"),
    (r"\b(nam nay)\b", "this_year"),
    (r"\b(nam sau|nam toi)\b", "next_year"),
]


def relative_window(kind: str, today: dt.date) -> DateRange:
    if kind == "upcoming":
        return DateRange(today, today + dt.timedelta(days=60), "sắp tới (60 ngày)")
    if kind == "this_month":
        return DateRange(today, today.replace(day=calendar.monthrange(today.year, today.month)[1]), "tháng này")
    if kind == "next_month":
        y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return DateRange(dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]), f"tháng {m}/{y}")
    if kind == "this_week":
        end = today + dt.timedelta(days=6 - today.weekday())
        return DateRange(today, end, "tuần này")
    if kind == "next_week":
        start = today + dt.timedelta(days=7 - today.weekday())
        return DateRange(start, start + dt.timedelta(days=6), "tuần sau")
    if kind == "today":
        return DateRange(today, today, "hôm nay")
    if kind == "tomorrow":
        d = today + dt.timedelta(days=1)
        return DateRange(d, d, "ngày mai")
    if kind == "this_year":
        return DateRange(today, dt.date(today.year, 12, 31), f"năm {today.year}")
    return DateRange(dt.date(today.year + 1, 1, 1), dt.date(today.year + 1, 12, 31), f"năm {today.year + 1}")


_YEAR_RANGE = re.compile(r"\b20\d\d\s*[-–]\s*20\d\d\b|\b20\d\d\s+20\d\d\b")


_YEARLY_TOO = re.compile(r"\b(bao cao nam|hang nam|ca nam|va nam|moi nam)\b(?! \d)")


# a word that makes the agency after it the one something goes to: "gửi (về) Sở", "nộp cho Phòng", "báo cáo lên Bộ"
_TO_AGENCY = re.compile(r"\b(gui|cho|ve|len|toi|den|nop)( [a-z]+)?\s*$")


def recipients(mentions: list[tuple[str, str]]) -> list[str]:
    """The agencies each of whose mentions follows a word saying where something goes, when another agency, or
    nobody, is named as doing it ("UBND xã gửi kế hoạch cho Sở GDĐT …": the Sở receives)."""
    doing = {name for before, name in mentions if not _TO_AGENCY.search(before)}  # named once as doing it
    return [name for name in agency_names(mentions) if name not in doing]


def _parse_years(f: str, u: Understanding) -> None:
    """Years named ("năm 2025", "2030"), and those that bound a period ("2026-2030", "giai đoạn 2021 - 2025")."""
    ranges = [m.span() for m in _YEAR_RANGE.finditer(f)]
    for m in re.finditer(r"\b(?:nam\s+)?(20\d\d)\b", f):
        y = int(m.group(1))
        if y not in u.years:
            u.years.append(y)
        if any(a <= m.start(1) < b for a, b in ranges) and y not in u.period_years:
            u.period_years.append(y)


def parse_dates(f: str, u: Understanding, today: dt.date) -> None:
    """Dates in a folded question: 15/12, 15-12, 15.12, ngày 15 tháng 12, tháng 12, năm 2025, 6 tháng."""
    # (not a decimal: "12.5%")
    for m in re.finditer(r"(?<![\d/])(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}))?(?![\d]|\s*%)", f):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12:
            u.days.append((d, mo))
            if m.group(3):
                u.years.append(int(m.group(3)))
    # "ngày 15 tháng 12", and "15 tháng 12" without "ngày" ("hạn 15 tháng 12")
    for m in re.finditer(r"(?:\bngay\s+|(?<![\d/.,]))\b(\d{1,2})\s+thang\s+(\d{1,2})\b(?:\s+nam\s+(\d{4}))?", f):
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12 and (d, mo) not in u.days:
            u.days.append((d, mo))
    for m in re.finditer(r"\bthang\s+(\d{1,2})\b(?!\s*(?:nam\s+)?(?:/|-))", f):
        mo = int(m.group(1))
        pre = f[max(0, m.start() - 12) : m.start()]
        if re.search(r"\b(\d+|ki)\s*$", pre) or re.search(r"ngay\s+\d{1,2}\s+$", pre):
            continue
        if 1 <= mo <= 12 and not any(x[1] == mo for x in u.days):
            u.months.append(mo)
    _parse_years(f, u)
    pm = re.search(r"\b(6|3|12)\s+thang\b", f)
    if pm and not re.search(r"\b" + pm.group(1) + r"\s+thang\s+\d", f):
        # "báo cáo 6 tháng và báo cáo năm": both periods asked, none kept alone
        u.period = None if _YEARLY_TOO.search(f) else f"{pm.group(1)} tháng"
    elif re.search(r"\b(hang nam|moi nam|thuong nien|cuoi nam)\b", f) and not u.days:
        u.period = "năm" if "cuoi nam" not in f else None
    for pat, kind in _REL_PATTERNS:
        if re.search(pat, f):
            u.window = relative_window(kind, today)
            break


_NUMBER_RE = re.compile(r"\b(\d{1,5}(?:/\d{4})?[/\-][a-z0-9đ&\-/]+)\b")
_TYPE_NUM_RE = re.compile(  # a type named with its number: "quyết định 1373", "kế hoạch số 12"
    r"\b(" + "|".join(t.folded for t in DOC_TYPES if t.numbered) + r")\s+(?:so\s+)?(\d{1,5})\b"
)
_TYPE_WORDS = {t.folded: t.title for t in DOC_TYPES if t.asked}  # the types a question may ask about


def _typed_together(doc_type: str, number: str, text: str) -> bool:
    """The type and the number stand together as typed, no comma or stop between them."""
    return re.search(rf"\b{doc_type}\s+(?:so\s*:?\s*)?{number}\b", " ".join(fold(text).split())) is not None


# "ký" as signing, not "định kỳ", "đăng ký", "kỹ năng", "kỳ họp", "nhiệm kỳ", "thời kỳ", "học kỳ", "kỳ đánh giá",
# "kỳ báo cáo", "kỳ này", "mỗi kỳ"; nor "thư ký" (a secretary)
SIGNING = (
    r"(?<!dinh )(?<!dang )(?<!nhiem )(?<!thoi )(?<!hoc )(?<!moi )(?<!cac )(?<!hai )(?<!thu )\bki\b"
    r"(?!\s+(?:nang|hop|thuat|luat|niem|vong|thi|danh gia|bao cao|nay|truoc|toi|sau|cuoi|dau|tiep theo|xet|"
    r"(?:quyet dinh )?cong nhan|quyet dinh cong nhan|khen thuong|giay)\b)"  # "ký công nhận": who recognises, not the signer
)
_EVENT_NOUNS = r"tuan le|ngay hoi|le phat dong|le khai mac|le tong ket|hoi thi|hoi thao|hoi nghi|lien hoan|trien lam|dien dan|le hoi"


# "điện thoại" asked as a number to call, not the device a class teaches ("học dùng điện thoại", "điện thoại thông minh")
PHONE = r"(?<!dung )(?<!su dung )(?<!cai )(?<!hoc )(?<!mang )dien thoai(?! thong minh)"
# "nhắn số nào", "zalo cho ai": a message to send, to whom
MESSAGE_TO = r"(nhan|nhan tin|zalo) (cho |qua |vao )?(ai|so nao)"
# an e-mail address asked, not what a mail itself sends or says ("Email gửi kèm theo những file nào?")
MAIL = r"(?:email|thu dien tu)(?! (?:nay |do |tren )?(?:gui kem|dinh kem|kem theo|noi|ghi|yeu cau|de nghi|nhac))"
_CONTACT = (
    r"\b(lien he|so dien thoai|" + PHONE + r"|" + MAIL + r"|dau moi|hoi ai|goi (dien )?(cho )?(ai|so nao)|sdt|so dt|"
    r"hotline|vuong mac|" + MESSAGE_TO + r")\b"
)
# a task due by a date ("… phải gửi kế hoạch thực hiện Đề án 1373 trước ngày nào?"): a deadline, whatever
# document the question names
_DUE = r"\b(truoc ngay|han (chot|nop|gui)|phai (gui|nop|bao cao|hoan thanh))\b"


_SENT_TO = r"\bgui (den|toi) (nhung |cac )?(don vi|co quan|noi) nao\b"
_SENT_THING = r"\b(bao cao|ho so|danh sach|de xuat|san pham|bai du thi)\b"  # what a deadline sends, not a document


def _document_intent(f: str, u: Understanding) -> str | None:
    """A question about a document itself (who signed it, to whom) or about a document it cites, or None."""
    has = lambda pat: re.search(pat, f) is not None
    if has(
        r"\b(ai ki|do ai ki|nguoi ki|ki ngay|ki boi|ai ban hanh|co quan nao ban hanh|ban hanh ngay|ban hanh khi nao|"
        r"ngay ban hanh|gui cho ai|kinh gui|noi nhan|gui nhung ai|so hieu|ki van ban|"
        r"gui (cho )?(nhung |cac )?(don vi|co quan|noi) nao)\b"
    ) or (has(SIGNING) and has(r"\b(ai|nao)\b")):
        return "document"
    if has(_SENT_TO) and not has(_SENT_THING):  # "Kế hoạch … gửi đến những nơi nào?": its receivers
        return "document"
    if has(
        r"\b(quyet dinh nao|thong tu nao|huong dan nao|van ban nao|cong van nao|ke hoach nao|chi thi nao|"
        r"can cu nao|theo qui dinh nao|so may|so bao nhieu|la so|ket luan cua ai|thuc hien ket luan|"
        r"thuc hien theo|can cu vao)\b"
    ):
        return "citation"
    if (
        u.numbers
        and not has(_DUE)
        and has(
            r"\b(ngay nao|khi nao|bao gio|nam nao|ve viec gi|ve gi|noi dung gi|phe duyet gi|cua ai|"
            r"co quan nao|ai ban hanh|do ai|la gi|qui dinh gi|qui dinh ve gi)\b"
        )
    ):
        return "citation"
    return None


def classify_intent(f: str, u: Understanding) -> str:
    has = lambda pat: re.search(pat, f) is not None
    if has(_CONTACT):
        return "contact"
    about_document = _document_intent(f, u)
    if about_document:
        return about_document
    if (
        has(r"\b(" + _EVENT_NOUNS + r")\b")
        and has(
            r"\b(khi nao|ngay nao|bao gio|dien ra|o dau|dia diem|thoi gian|"
            r"to chuc|luc nao|bat dau|ket thuc)\b"
        )
        and not has(r"\b(truoc ngay|han|thoi han|nop|gui|bao cao|cham nhat)\b")
        and not has(r"^ai\b|\b(ai chu tri|chu tri|phoi hop|nhiem vu|trach nhiem|co quan nao|don vi nao)\b")
    ):
        return "event"
    if (
        has(r"\b(tieu chi|tieu chuan|cong nhan|danh hieu|diem chuan)\b")
        and not has(r"\b(ti le|phan tram)\b")
        and not has(r"\b(lam sao|lam the nao|cach nao|bang cach)\b")
    ):
        return "criteria"
    tasks_of_body = u.agencies and has(r"\b(nhiem vu|trach nhiem|viec) (gi|nao)\b|\blam gi\b")
    if (has(r"\b(muc tieu|chi tieu|ti le|phan tram|bao nhieu %|dat chuan|phan dau)\b") or "%" in u.text) and not (
        tasks_of_body  # "Sở Nội vụ có nhiệm vụ gì trong quyết định giao chỉ tiêu …?": its tasks
    ):
        return "target"
    # "when?" alone is about a deadline only if something says whose or which one: "Đội tuyển đá ngày nào?"
    # is not; "Đắk Nông phải báo cáo khi nào?", "Sở GDĐT khi nào?", "tháng 6 khi nào?" are
    if (
        has(r"\b(han|thoi han|han chot|nop|bao cao|gui ve|truoc ngay|dinh ki|so ket|tong ket)\b")
        or u.days
        or (
            has(r"\b(khi nao|ngay nao|bao gio|thoi diem|(?<!du )lich)\b")
            and (u.agencies or u.provinces or u.months or u.years or u.window or u.period)
        )
    ):
        if not has(r"\b(nhiem vu|trach nhiem|lam gi|chu tri|phoi hop)\b") or u.days or u.window:
            return "deadline"
    if has(
        r"\b(nhiem vu|trach nhiem|lam gi|chu tri|phoi hop|duoc de nghi|duoc giao|can lam|phai lam|viec gi|"
        r"co quan nao|don vi nao|ai phu trach|"
        r"dam nhiem|phu trach|vai tro|giao cho)\b"
    ):
        return "responsibility"
    if has(r"\b(lam sao|lam the nao|the nao|cach nao|bang cach|can gi|dieu kien|tieu chi|thu tuc|huong dan)\b"):
        return "howto"
    return "search"


_SHARE_ASKED = re.compile(r"\b(bao nhiêu|bao nhieu|mấy|may)\s*%", re.IGNORECASE)
_MONEY_WORDS = re.compile(
    r"\b(kinh phí|ngân sách|dự toán|số tiền|hỗ trợ|kinh phi|ngan sach|du toan|so tien|ho tro)\b", re.I
)


def _share_of_money(text: str) -> str:
    """ "ngân sách tỉnh hỗ trợ bao nhiêu %" as "… bao nhiêu phần trăm": folded words keep no "%", and a share of a
    budget would be read as a sum asked (a share asked of anything else is read as it was)."""
    return _SHARE_ASKED.sub(r"\1 phần trăm", text) if _MONEY_WORDS.search(text) else text


def understand(question: str, lex: Lexicon, today: dt.date, previous: Understanding | None = None) -> Understanding:
    text, problem = clean_input(question)
    f = fold_words(_share_of_money(text))
    u = Understanding(text=text, folded=f, problem=problem, topic_text=text)
    if problem and problem != "too_long":
        return u
    expanded = lex.expand(text)
    mentions = lex.agency_mentions(expanded)
    u.agencies, u.recipients = agency_names(mentions), recipients(mentions)
    u.provinces = lex.find_provinces(text)
    parse_dates(fold(text), u, today)
    for m in _NUMBER_RE.finditer(fold(text)):
        if re.search(r"[a-z]", m.group(1)):  # "14/CT-TTg"; all digits ("15/12", "20/12/2025") is a date
            u.numbers.append(m.group(1))
    for m in _TYPE_NUM_RE.finditer(f):
        if not _typed_together(m.group(1), m.group(2), text):  # "Theo biên bản, 1 hộ …": no "Biên bản 1"
            continue
        u.numbers.append(m.group(2))
        u.doc_types.append(_TYPE_WORDS.get(m.group(1), ""))
    for k, v in _TYPE_WORDS.items():
        if re.search(r"\b" + k + r"\b", f) and v not in u.doc_types:
            u.doc_types.append(v)
    if re.search(r"\bchu tri\b", f):
        u.role = "chủ trì"
    elif re.search(r"\bphoi hop\b", f):
        u.role = "phối hợp"
    u.wants_report = bool(re.search(r"\b(bao cao|nop|gui ve)\b", f))
    # a year inside a document number ("44/2014/TT-…") is not a year asked about
    u.years = [y for y in u.years if not any(str(y) in n for n in u.numbers)]
    u.intent = classify_intent(f, u)
    # follow-ups: "còn Tiền Giang thì sao?", "thế còn Sở Tài chính?" — only when the question has no
    # topic of its own ("Thời tiết Lâm Đồng ngày mai thế nào?" is complete and answered on its own)
    if (
        previous is not None
        and previous.problem is None
        and _FOLLOW_UP_RE.search(f)
        and len(f.split()) <= FOLLOW_UP_MAX_WORDS
        and not _own_topic_words(u, lex)
    ):
        merged = replace(
            previous,
            text=text,
            folded=f,
            follow_up=True,
            topic_text=previous.topic_text,
            replaced_names=previous.replaced_names + previous.provinces + previous.agencies,
        )
        if u.provinces:
            merged.provinces = u.provinces
        if u.agencies:
            merged.agencies = u.agencies
        if u.days or u.months or u.window or u.years:
            merged.days, merged.months, merged.window, merged.years = u.days, u.months, u.window, u.years
        return merged
    return u


FOLLOW_UP_MAX_WORDS = 10
_FOLLOW_UP_RE = re.compile(r"^(con|the con|vay con|con o|con voi)\b|\bthi sao\b|\bthe nao\b$|\bthi the nao\b")
# Words a follow-up is made of, besides the entities it names (folded syllables).
_FOLLOW_UP_WORDS = set(
    """con the vay o voi thi sao nao ra nhu gi a nhi day kia nua cung ve cua tai tinh thanh pho
nam ngay thang so bo uy ban nhan dan ubnd huyen xa""".split()
)


def _own_topic_words(u: Understanding, lex: Lexicon) -> list[str]:
    """Words of the question that are neither follow-up words nor the entities or dates it names."""
    from bot.retrieval import content_terms
    from vntext import folded_syllables

    named = set(folded_syllables(" ".join(u.provinces + u.agencies + u.numbers)))
    named |= set(folded_syllables(lex.expand(" ".join(u.agencies))))
    for a in u.agencies:
        ag = lex.agency_by_name.get(a)
        for al in ag.aliases if ag else ():
            named |= set(folded_syllables(al))
    return [
        t
        for t in content_terms(lex.expand(u.text))
        if t not in named and t not in _FOLLOW_UP_WORDS and not t.isdigit() and "/" not in t
    ]


# -- a conversation's context, kept between questions (bot.assistant: in the shared store, as JSON) -------------
CONTEXT_VERSION = 1


def context_to_json(u: Understanding) -> str:
    """What a follow-up needs of the question before it: the Understanding's fields, as JSON."""
    import dataclasses
    import json

    data = dataclasses.asdict(u)
    if u.window is not None:
        data["window"] = {"start": u.window.start.isoformat(), "end": u.window.end.isoformat(), "label": u.window.label}
    return json.dumps({"v": CONTEXT_VERSION, "u": data}, ensure_ascii=False, separators=(",", ":"))


def context_from_json(raw: str | None) -> Understanding | None:
    """The Understanding `context_to_json` wrote; None for anything else (another version, damaged JSON, a field
    of the wrong kind): a context that cannot be read back is no context, never an error."""
    import json

    try:
        data = json.loads(raw) if raw else None
        if not isinstance(data, dict) or data.get("v") != CONTEXT_VERSION or not isinstance(data.get("u"), dict):
            return None
        f = dict(data["u"])
        w = f.get("window")
        f["window"] = (
            DateRange(dt.date.fromisoformat(w["start"]), dt.date.fromisoformat(w["end"]), str(w["label"]))
            if w
            else None
        )
        f["days"] = [(int(d), int(m)) for d, m in f.get("days", [])]
        u = Understanding(**f)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if not isinstance(u.text, str) or not isinstance(u.folded, str) or not isinstance(u.topic_text, str):
        return None
    if not all(isinstance(x, list) for x in (u.agencies, u.provinces, u.years, u.months, u.replaced_names)):
        return None
    return u
