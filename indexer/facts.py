"""Extract structured facts from a parsed document: deadlines, responsibilities, targets,
cited documents and contacts. Each fact keeps the node (line) it came from, verbatim.

Vietnamese terms: hạn (deadline), định kỳ (periodic), hằng/hàng năm (every year), chủ trì (lead),
phối hợp (cooperate), tham mưu (advise), mục tiêu/chỉ tiêu (target), sơ kết/tổng kết (interim/final review).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable

from bot.lexicon import Lexicon
from vntext import fold
from indexer.criteria_events import CriteriaSet, EventFact, extract_criteria, extract_events
from indexer.header import Header
from indexer.sections import STRUCTURAL, Node
from store.recurrence import Recurrence

# ---------------------------------------------------------------------------------------------
# shared patterns

AGENCY_START = (
    r"(?:Các\s+|các\s+)?(?:Sở|Hội|Chi hội|Ủy ban|Uỷ ban|UBND|UB|Ban(?!\s+hành)|Bộ(?=\s+[A-ZĐÀ-Ỹ])|Công an|Đài|Báo(?!\s+cáo)|Liên đoàn|Đoàn|Trường|Phòng|"
    r"Trung tâm|Văn phòng|Cục|Vụ|Tỉnh đoàn|Thành đoàn|Thanh tra|Kho bạc|Cơ quan|Chủ tịch|Giám đốc|Thủ trưởng|"
    r"Viện|Học viện|Bảo hiểm|Cơ sở|Thiết chế|sở|cơ sở|cơ quan|thiết chế|bộ|đơn vị|địa phương|"
    r"Tổng cục|Hiệu trưởng|Mặt trận|Cổng thông tin|Chi cục|Hạt|Bệnh viện|Tòa án|Viện kiểm sát)\b"
)
_AGENCY_START_RE = re.compile(r"^(?:Đề nghị\s+|đề nghị\s+)?" + AGENCY_START)
TASK_VERBS = (
    r"tham mưu|phát động|chủ trì|phối hợp|thực hiện|xây dựng|tổ chức|chỉ đạo|hướng dẫn|triển khai|"
    r"có trách nhiệm|chịu trách nhiệm|bố trí|theo dõi|tuyên truyền|nghiên cứu|đẩy mạnh|tăng cường|"
    r"rà soát|kiểm tra|báo cáo|gửi|nộp|tổng hợp|cân đối|huy động|vận động|đánh giá|ban hành|"
    r"quán triệt|phổ biến|lồng ghép|giao|cung cấp|đảm bảo|bảo đảm|duy trì|củng cố|kiện toàn|là|"
    r"thành lập|lập|chuẩn bị|cập nhật"
)
_TASK_VERB_RE = re.compile(r"(?<!công)(?<!dân)\s(?:" + TASK_VERBS + r")\b")  # "công lập", "dân lập": no verb
ACTION_WORDS = [
    "báo cáo",
    "gửi",
    "nộp",
    "tổng hợp",
    "sơ kết",
    "tổng kết",
    "hoàn thành",
    "quán triệt",
    "tổ chức",
    "ban hành",
    "xây dựng",
    "triển khai",
    "đánh giá",
    "kiểm tra",
    "phổ biến",
    "thực hiện",
]
_ACTION_RE = re.compile(r"\b(" + "|".join(ACTION_WORDS) + r")\b", re.IGNORECASE)
_ACTORISH = re.compile(
    r"\b(sở|ubnd|ủy ban|uỷ ban|bộ|hội|đơn vị|địa phương|cơ quan|ngành|các cấp|trường|phòng|ban|"
    r"đoàn thể|chủ tịch|giám đốc|tỉnh|huyện|trung tâm)\b",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[tuple[int, str]]:
    """Sentences with their offsets (split after '.', ';' or ':' followed by a capital or a marker)."""
    out, start = [], 0
    for m in re.finditer(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ“\"(+-])|(?<=\.)\s*$", text):
        seg = text[start : m.start()]
        if seg.strip():
            out.append((start, seg))
        start = m.end()
    if text[start:].strip():
        out.append((start, text[start:]))
    return out


def _tidy(s: str) -> str:
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^[,;:.\-–\s]+|[,;:.\s]+$", "", s)
    s = re.sub(r"^(và|hoặc|,)\s+", "", s)
    s = re.sub(r"\s+(và|hoặc)$", "", s)
    return s.strip()


def _strip_marker(line: str) -> str:
    return re.sub(r"^(?:[-+•]\s*|[a-zđ]\)\s*|\d{1,2}\.\s+|[IVX]{1,5}\.\s+|Điều\s+\d+[.:]\s*)", "", line.strip())


# ---------------------------------------------------------------------------------------------
# agencies named by section headings


@dataclass
class AgencyHeading:
    text: str  # as written, without "Đề nghị" and the trailing colon
    agencies: list[str]  # canonical names (or the written names when unknown)
    parts: list[str]  # each agency as written
    inline_task: str | None  # "4. Sở Tài chính tham mưu …" → "tham mưu …"
    requested: bool  # "Đề nghị …": asked, not ordered (bodies outside the issuer's authority)


def split_agencies(text: str) -> list[str]:
    """'Sở TTTT, Báo Đắk Nông, Đài PT-TH' → three; 'Sở Văn hóa, Thể thao và Du lịch' stays one."""
    parts = re.split(
        r",\s+(?:đề nghị\s+)?(?="
        + AGENCY_START
        + r")|;\s*|\s+và\s+(?=(?:các\s+)?(?:Hội|Sở|Ủy ban|UBND|Phòng|Báo|Đài|Ban)\b)",
        text,
    )
    return [p.strip(" :,.;") for p in parts if p and p.strip(" :,.;")]


_LABEL = re.compile(r"^([^:;.]{3,90}):\s+(\S.*)$")  # a body named before a colon, its task after it


def agency_heading(node: Node, lex: Lexicon) -> AgencyHeading | None:
    if node.kind not in ("arabic", "sublist", "letter", "paren", "roman", "dieu"):
        return None
    title = node.title.strip()
    # "Điều 3. Trách nhiệm của Bộ Giáo dục và Đào tạo" (laws) names its agency after "Trách nhiệm của"
    title = re.sub(
        r"^(?:Trách nhiệm|Nhiệm vụ|Nhiệm vụ, quyền hạn|Trách nhiệm, quyền hạn)(?:\s+và\s+quyền hạn)?\s+của\s+",
        "",
        title,
    )
    if not title or not _AGENCY_START_RE.match(title):
        return None
    requested = bool(re.match(r"^đề nghị\s+", title, re.IGNORECASE))
    t = re.sub(r"^đề nghị\s+", "", title, flags=re.IGNORECASE).rstrip(" :")
    inline = None
    has_subsections = any(c.kind in STRUCTURAL for c in node.children)
    labelled = _LABEL.match(t) if not has_subsections else None  # "Sở Khoa học và Công nghệ: cấp tài khoản, …"
    if labelled:
        t, inline = labelled.group(1).strip(), labelled.group(2).strip()
    elif not has_subsections and (len(t) > 90 or re.search(r"[.;]", t) or _TASK_VERB_RE.search(" " + t[:200])):
        m = _TASK_VERB_RE.search(t)
        if not m or m.start() < 3:
            return None
        inline = t[m.start() :].strip()
        t = t[: m.start()].strip(" ,:")
    if len(t) > 160:
        return None
    parts = split_agencies(t)
    agencies = []
    for p in parts:
        found = lex.find_agencies(p)
        name = found[0] if found else p
        if name not in agencies:
            agencies.append(name)
    return AgencyHeading(t, agencies, parts, inline, requested)


def role_of(task: str) -> str:
    f = fold(task.strip())[:40]
    if f.startswith("chu tri"):
        return "chủ trì"
    if f.startswith(("phoi hop", "to chuc phoi hop")):
        return "phối hợp"
    if f.startswith("tham muu") or f.startswith("la co quan thuong truc"):
        return "tham mưu"
    return "thực hiện"


# ---------------------------------------------------------------------------------------------
# fact records (plain data; the builder stores them)


@dataclass
class FactSource:
    node: Node
    quote: str


@dataclass
class DeadlineFact:
    key: str
    actors: list[str]
    actor_text: str
    action: str
    what: str
    recipient: str | None
    due_day: int | None
    due_month: int | None
    due_year: int | None
    recurrence: Recurrence
    due_text: str
    period: str | None
    interpretation: str | None
    src: FactSource


@dataclass
class ResponsibilityFact:
    agency: str
    agency_text: str
    role: str
    task: str
    src: FactSource


@dataclass
class TargetFact:
    indicator: str
    value: float | None
    unit: str
    year: int | None
    scope: str
    src: FactSource


@dataclass
class CitationFact:
    doc_type: str
    number: str
    date: dt.date | None
    issuer: str | None
    about: str | None
    src: FactSource


@dataclass
class ContactFact:
    name: str | None
    role: str | None
    phone: str | None
    email: str | None
    organization: str | None
    src: FactSource


@dataclass
class Facts:
    deadlines: list[DeadlineFact] = field(default_factory=list)
    responsibilities: list[ResponsibilityFact] = field(default_factory=list)
    targets: list[TargetFact] = field(default_factory=list)
    citations: list[CitationFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    criteria: list[CriteriaSet] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# addressees: "… đề nghị X … thực hiện một số nội dung sau"

_ADDRESSEE_RE = re.compile(
    r"(?:đề nghị|yêu cầu)\s+(?P<who>.+?)\s+(?:(?:(?<!Ban )chỉ đạo\s+.+?\s+)?(?:triển khai\s+)?thực hiện|triển khai)"
    r"\s+(?:một số|các)\s+(?:nội dung|nhiệm vụ|công việc)",
    re.IGNORECASE | re.DOTALL,
)


def preamble_addressees(root: Node) -> str | None:
    for c in root.children:
        if c.kind in STRUCTURAL:
            break
        m = _ADDRESSEE_RE.search(c.line)
        if m:
            who = m.group("who")
            who = re.sub(r"\s*\(sau đây gọi tắt là[^)]*\)", "", who)
            who = re.sub(r"^(các đơn vị)$", r"\1", who)
            return _tidy(who)
    return None


# ---------------------------------------------------------------------------------------------
# deadlines

# (a number is no date: "không quá 1.500 chữ" is no 1/5)
_DATE = r"(?P<d>\d{1,2})\s*(?:/|-|\.|\s+thang\s+)\s*(?P<m>\d{1,2})(?!\d)(?:\s*(?:/|-|\.|\s+nam\s+)\s*(?P<y>\d{4}))?"
# a time of day before the day ("trước 17h00 ngày 27/11/2026", "chậm nhất 16 giờ 30 phút ngày …")
_CLOCK = r"(?:\d{1,2}\s*(?:h|gio)(?:\s*\d{2})?(?:\s*phut)?\s*,?\s+)?"
_CUE_DATE = re.compile(
    r"(?P<cue>truoc|cham nhat(?: la)?(?: vao)?|han chot(?: la)?|khong muon hon|khong qua|han cuoi|"
    r"den het|han nop(?: la)?|nop truoc)\s+" + _CLOCK + r"(?:ngay\s+)?" + _DATE
)
# "Thời gian đăng ký: từ ngày 01/01 đến ngày 31/3 hằng năm": a window to register or submit in ends on its last day
_WINDOW_END = re.compile(
    r"\btu\s+(?:ngay\s+)?\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{4})?\s+(?P<cue>den(?: het)?)\s+(?:ngay\s+)?" + _DATE
)
_WINDOW_ACTS = re.compile(r"\b(dang k[iy]|nop|tiep nhan|gui ho so|gui ve)\b")
_YEAR_PHRASE = re.compile(r"(?P<cue>cuoi nam|trong nam|den het nam|truoc het nam|dau nam|giua nam)\s+(?P<y>20\d\d)")
# "trước ngày 25 của tháng cuối quý", "chậm nhất ngày 05 của tháng đầu quý sau", "trước ngày 20 hằng tháng"
_PERIODIC_DAY = re.compile(
    r"(?P<cue>truoc|cham nhat(?: la)?(?: vao)?|han chot(?: la)?|khong muon hon)\s+ngay\s+(?P<d>\d{1,2})"
    r"\s+(?:cua\s+)?(?P<kind>thang cuoi (?:moi |cua |hang )?qui|thang dau (?:cua )?qui (?:sau|tiep theo|ke tiep)"
    r"|hang thang|moi thang|thang cuoi (?:cua )?(?:moi )?(?:6 thang|nua nam))"
)
# the kind of period a _PERIODIC_DAY phrase names (its folded `kind`, read in order: the half-year before the
# quarter, both being "tháng cuối …") → (recurrence, due month in the first period, period)
PERIODIC_KINDS: tuple[tuple[re.Pattern, Recurrence, int, str], ...] = (
    (re.compile(r"thang cuoi .*(?:6 thang|nua nam)"), Recurrence.HALF_YEARLY, 6, "6 tháng"),
    (re.compile(r"thang cuoi"), Recurrence.QUARTERLY, 3, "quý"),
    (re.compile(r"thang dau"), Recurrence.QUARTERLY, 1, "quý"),
    (re.compile(r"(?:hang|moi) thang"), Recurrence.MONTHLY, 1, "tháng"),
)


def periodic_kind(kind: str) -> tuple[Recurrence, int, str]:
    """The recurrence, due month and period of a _PERIODIC_DAY `kind` ("thang cuoi moi 6 thang" → half-yearly, 6)."""
    return next((rec, month, period) for pattern, rec, month, period in PERIODIC_KINDS if pattern.match(kind))


# "trong thời hạn 15 ngày kể từ ngày nhận được …": due relative to an event, no calendar date
_RELATIVE = re.compile(
    r"(?:trong (?:thoi )?han|trong vong|khong qua|cham nhat(?: la)?(?: sau)?)\s+(?P<n>\d+)\s+ngay"
    r"(?: lam viec)?\s*,?\s*(?:ke tu|tinh tu|sau)\s+(?:ngay\s+|khi\s+)?(?P<event>[^,;.]{3,120})"
)
_RECURRING = re.compile(r"hang nam|dinh ki|moi nam|thuong nien|hang nam|nam nao cung")
_PERIOD = re.compile(r"(\d+\s+thang|hang nam|hang qui|hang thang|nam)\s*(?:\(|$)")


def _recipient(text: str) -> str | None:
    m = re.search(
        r"(?:gửi về|gửi|báo cáo về|nộp về|nộp cho|nộp|về|báo cáo)\s+("
        + AGENCY_START
        + r"[^;.]*?)(?=\s+để\s|\s+nhằm\s|\s+và báo cáo|\s+theo\s|\s+về\s|[;.]|,\s|\s+trước\s|\s+chậm nhất\s|$)",
        text,
    )
    if not m:
        return None
    r = m.group(1).strip()
    # keep a closed parenthesis: "UBND tỉnh (qua Sở GDĐT)"
    if r.count("(") > r.count(")"):
        end = text.find(")", m.end(1))
        if end != -1:
            r = text[m.start(1) : end + 1]
    return r


def _actor_from_sentence(sent: str, first_cue: int) -> str | None:
    head = sent[:first_cue]
    if re.match(
        r"\s*(chủ trì|phối hợp|tham mưu|tổ chức|thực hiện|xây dựng|chỉ đạo|tiếp tục|hướng dẫn|báo cáo|gửi|nộp)\b",
        head,
        re.IGNORECASE,
    ):
        return None  # the sentence starts with its verb: the subject is the section's agency
    m = re.search(r"\s(có trách nhiệm|chịu trách nhiệm|phải|cần|được giao|thực hiện|tiến hành)\s", head)
    cut = m.start() if m else None
    if cut is None:
        ma = _ACTION_RE.search(head)
        cut = ma.start() if ma else None
    if cut is None:
        return None
    subj = head[:cut]
    # drop an introductory "Căn cứ …," clause: start at the first agency-like word
    mm = re.search(
        r"(?:^|,\s*)((?:các|Các)\s+(?:sở|Sở|cấp|đơn vị|cơ quan|bộ|địa phương|huyện)|Sở\s|UBND|Ủy ban|Bộ\s|Hội\s|"
        r"Phòng\s|Trường\s|Chủ tịch|Giám đốc|Thủ trưởng)",
        subj,
    )
    if not mm:
        return None
    s = _tidy(subj[mm.start(1) :])
    return s if 3 <= len(s) <= 200 else None


_ASKS_RE = re.compile(
    r"(?:yêu cầu|đề nghị|giao|Yêu cầu|Đề nghị|Giao)\s+(?P<who>(?:các|Các|Sở|UBND|Ủy ban|Bộ|Hội|Phòng|Trường)"
    r"[^;.]*?)\s+(?:triển khai|thực hiện|tổ chức|khẩn trương|nghiêm túc|chủ động|chủ trì|phối hợp|"
    r"hướng dẫn|tổng hợp)"
)


def _interp(cue: str, y: int) -> tuple[int, int, str]:
    if cue in ("cuoi nam", "trong nam", "den het nam", "truoc het nam"):
        return (
            31,
            12,
            f"{'cuối năm' if cue == 'cuoi nam' else 'trong năm' if cue == 'trong nam' else 'hết năm'} {y} → 31/12/{y}",
        )
    if cue == "giua nam":
        return 30, 6, f"giữa năm {y} → 30/06/{y}"
    return 31, 1, f"đầu năm {y} → 31/01/{y}"


def _deadline_key(doc_id: str, *parts) -> str:
    h = hashlib.sha1("|".join([doc_id] + [str(p) for p in parts]).encode()).hexdigest()[:16]
    return f"dl-{h}"


# "… tiếp tục được hưởng đến hết ngày 31/12/2026", "giữ nguyên kết quả đến hết ngày …": a right's last day, no deadline
_LASTS_UNTIL = re.compile(
    r"\b(tiep tuc|giu nguyen|duoc huong|con gia tri|co gia tri|co hieu luc|ap dung)\b[^.;]{0,40}$"
)


def _date_hit(m: re.Match, sent: str) -> tuple | None:
    d, mo = int(m.group("d")), int(m.group("m"))
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return None
    if m.group("cue") == "den het" and _LASTS_UNTIL.search(m.string[: m.start()]):  # m runs over the folded sentence
        return None
    return d, mo, int(m.group("y")) if m.group("y") else None


def _window_end_hit(m: re.Match, sent: str) -> tuple | None:
    """The last day of a window to register or submit in (not of an event: "Tuần lễ … từ ngày 01/10 đến ngày 07/10")."""
    return _date_hit(m, sent) if _WINDOW_ACTS.search(m.string) else None  # m runs over the folded sentence


def _year_hit(m: re.Match, sent: str) -> tuple | None:
    if not _ACTION_RE.search(sent[m.end() :] + " " + sent[: m.start()]):
        return None
    return None, None, int(m.group("y"))


def _periodic_hit(m: re.Match, sent: str) -> tuple | None:
    return (int(m.group("d")), None, None) if 1 <= int(m.group("d")) <= 31 else None


def _relative_hit(m: re.Match, sent: str) -> tuple | None:
    if _ACTION_RE.search(sent) or re.search(r"\b(phải|có trách nhiệm)\b", sent):
        return None, None, None
    return None


# The deadline cues, in the order a sentence is read: kind, its pattern over the folded sentence, and what a
# match says — (day, month, year), or None when the sentence does not make it a deadline.
DEADLINE_CUES: tuple[tuple[str, re.Pattern, Callable[[re.Match, str], tuple | None]], ...] = (
    ("date", _CUE_DATE, _date_hit),  # "trước ngày 15/12", "chậm nhất ngày 20/6/2026"
    ("window", _WINDOW_END, _window_end_hit),  # "đăng ký: từ ngày 01/01 đến ngày 31/3 hằng năm"
    ("year", _YEAR_PHRASE, _year_hit),  # "cuối năm 2025" (with an action in the sentence)
    ("periodic", _PERIODIC_DAY, _periodic_hit),  # "trước ngày 25 của tháng cuối quý"
    ("relative", _RELATIVE, _relative_hit),  # "trong thời hạn 15 ngày kể từ …" (with an obligation)
)


def _cue_hits(sent: str, fs: str) -> list[tuple]:
    """(kind, match, day, month, year) of every deadline cue of a sentence (`fs`: the sentence folded)."""
    hits = []
    for kind, pattern, read in DEADLINE_CUES:
        for m in pattern.finditer(fs):
            got = read(m, sent)
            if got is not None:
                hits.append((kind, m, *got))
    return hits


# a dated cue with its period around it: "(định kỳ 6 tháng (trước ngày 15/6)", "trước ngày 15/12 hằng năm"
_SCHEDULE = re.compile(
    r"\(?\s*(?:theo\s+)?(?:định kỳ|định kì)?\s*(?:\d+\s+tháng|hằng năm|hàng năm|hằng quý|hàng quý)?\s*\(?"
    r"(?:(?:chậm nhất\s+)?trước|chậm nhất(?: là)?(?: vào)?|hạn chót(?: là)?|không muộn hơn|không quá|hạn cuối|đến hết|"
    r"hạn nộp(?: là)?|nộp trước)"
    r"\s+(?:\d{1,2}\s*(?:h|giờ)(?:\s*\d{2})?(?:\s*phút)?\s*,?\s+)?(?:ngày\s+)?\d{1,2}\s*(?:/|-|\.|\s+tháng\s+)\s*\d{1,2}(?!\d)(?:\s*(?:/|-|\.|\s+năm\s+)\s*\d{4})?\s*\)?"
    r"(?:\s*(?:hằng|hàng)\s+năm)?",
    re.IGNORECASE,
)


def _obligation_clause(sent: str, hits: list[tuple]) -> str:
    """The obligation: the sentence without its schedule phrases and purpose clause."""
    sent_clean = sent
    for kind, m, *_ in hits:
        if kind in ("periodic", "relative"):
            sent_clean = sent_clean[: m.start()] + " " * (m.end() - m.start()) + sent_clean[m.end() :]
    # (the schedule pattern is costly on long legal sentences: only where a dated cue was found)
    what = _SCHEDULE.sub(" ", sent_clean) if any(h[0] == "date" for h in hits) else sent_clean
    what = re.sub(
        r"\b(?:theo\s+)?(?:định kỳ|Định kỳ)\s*(?:\d+\s+tháng)?\s*(?:và\s+(?:hằng|hàng)\s+năm)?"
        r"(?:\s*(?:hằng|hàng)\s+(?:quý|tháng))?\s*,?",
        " ",
        what,
    )
    what = re.sub(r"(?i)\b(cuối năm|trong năm|đến hết năm|trước hết năm|đầu năm|giữa năm)\s+20\d\d\s*,?", " ", what)
    what = re.split(r"\s+để\s+|\s+nhằm\s+|\s+và báo cáo đột xuất", what)[0]
    return _tidy(what)


def _actor_and_what(clause: str) -> tuple[str | None, str]:
    """The clause's subject, when it names one, and what it must do."""
    actor = _actor_from_sentence(clause, len(clause))
    if actor:
        i = clause.find(actor)
        what = clause[i + len(actor) :] if i >= 0 else clause
    else:
        what = clause
    what = re.sub(r"^\s*(có trách nhiệm|chịu trách nhiệm|phải|cần)\s+", "", _tidy(what))
    return actor, _tidy(what)


def _table_actor_and_what(clause: str) -> tuple[str | None, str]:
    """A row of a schedule table ("| 1 | Tự chấm điểm, gửi hồ sơ | Trước 15/11/2026 | Các đơn vị |", "- Trước ngày
    30/6: Báo cáo tổng kết … | Hội Người cao tuổi xã"): the body doing it is the last cell, what it does the
    longest other cell (a step's number and the date taken out are no cells)."""
    cells = [_tidy(c).strip(" -:;.") for c in clause.split("|")]
    cells = [c for c in cells if c and not re.fullmatch(r"[\d.\s]+", c)]
    if len(cells) < 2:
        return _actor_and_what(" ".join(cells))
    actor, rest = cells[-1], cells[:-1]
    return actor, max(rest, key=len)


def _asked_actor(clause: str, earlier: list[str], node: Node, lex: Lexicon) -> str | None:
    """Whom the text asks: "Giao Sở GDĐT chủ trì …" in the clause, or in an earlier sentence of the paragraph
    ("UBND tỉnh yêu cầu X triển khai …"), else the agency a heading above names."""
    m = _ASKS_RE.match(clause)
    if m and (who := _tidy(m.group("who"))):
        return who
    m = next((m for m in map(_ASKS_RE.search, reversed(earlier)) if m), None)
    if m and (who := _tidy(m.group("who"))):
        return who
    ah = next((ah for ah in (agency_heading(a, lex) for a in reversed(node.ancestors() + [node])) if ah), None)
    return ah.text if ah else None


def _date_period(sent: str, fs: str, m: re.Match, rec: Recurrence) -> str | None:
    """The report's period around a dated cue: "Định kỳ 6 tháng (trước 15/6)" / "hằng năm (trước ngày 15/12)"."""
    period = None
    before = fs[max(0, m.start() - 20) : m.start()]
    pm = re.search(r"(\d+\s+thang|hang nam|hang qui)\s*\(?\s*$", before)
    if pm:
        period = {"hang nam": "năm", "hang quy": "quý"}.get(pm.group(1), None) or sent[
            max(0, m.start() - 20) + pm.start(1) : max(0, m.start() - 20) + pm.end(1)
        ]
    elif re.match(r"\s*\)?\s*hang nam", fs[m.end() : m.end() + 12]):
        period = "năm"
    if fs[m.end() : m.end() + 12].strip().startswith(("hang nam", ")")) and rec is Recurrence.YEARLY and not period:
        period = "năm"
    return period


def _due(hit: tuple, sent: str, fs: str, recurring: bool, header: Header) -> tuple:
    """A cue's (day, month, year, recurrence, period, interpretation)."""
    kind, m, d, mo, y = hit
    if kind == "year":
        d, mo, interp = _interp(m.group("cue"), y)
        return d, mo, y, Recurrence.ONCE, None, interp
    if kind == "periodic":
        rec, mo, period = periodic_kind(m.group("kind"))
        return d, mo, None, rec, period, None
    if kind == "relative":
        interp = f"{m.group('n')} ngày kể từ {sent[m.start('event') : m.end('event')].strip()}"
        return d, mo, None, Recurrence.RELATIVE, None, interp
    rec = Recurrence.YEARLY if (recurring and y is None) else Recurrence.ONCE
    if y is None and rec is Recurrence.ONCE:
        y = header.year
    return d, mo, y, rec, _date_period(sent, fs, m, rec), None


@dataclass
class _DeadlineScan:
    """One document's deadline reading: its id, header, lexicon, preamble addressees, and the facts so far."""

    doc_id: str
    header: Header
    lex: Lexicon
    addressees: str | None
    out: list[DeadlineFact] = field(default_factory=list)

    def key(self, d, mo, y, rec, action: str, what: str) -> str:
        key = _deadline_key(self.doc_id, d, mo, y, rec, fold(action))
        if any(x.key == key for x in self.out):
            key = _deadline_key(self.doc_id, d, mo, y, rec, fold(action), fold(what)[:60])
        return key


def _default_actor(h, addressees: str | None) -> str:
    """Who a deadline naming no body binds: a report's own plans bind its issuer ("Kiểm tra 62 trung tâm …, hoàn
    thành trước ngày 30/11/2027" in the Sở's report to the province); a letter's, its addressees."""
    if (h.doc_type or "").lower() == "báo cáo" and h.issuer:
        return h.issuer
    return "; ".join(h.recipients) if h.recipients else (addressees or h.issuer or "")


def _sentence_deadlines(sc: _DeadlineScan, node: Node, sentences: list, si: int) -> None:
    """The deadlines one sentence sets (one fact per cue), added to `sc.out`."""
    sent = sentences[si][1]
    fs = fold(sent)
    if len(fs) != len(sent):  # folding keeps positions for Vietnamese text; be safe otherwise
        return
    hits = _cue_hits(sent, fs)
    if not hits:
        return
    recurring = bool(_RECURRING.search(fs))
    clause = _obligation_clause(sent, hits)
    actor, what = _table_actor_and_what(clause) if "|" in clause else _actor_and_what(clause)
    h = sc.header
    actor = (
        actor or _asked_actor(clause, [s for _, s in sentences[:si]], node, sc.lex) or _default_actor(h, sc.addressees)
    )
    ma = _ACTION_RE.search(what)
    action = ma.group(1).lower() if ma else ""
    recipient = _recipient(what) or _recipient(sent)
    actors = sc.lex.find_agencies(actor) if actor else []
    for hit in hits:
        m = hit[1]
        d, mo, y, rec, period, interp = _due(hit, sent, fs, recurring, h)
        fact = DeadlineFact(
            sc.key(d, mo, y, rec, action, what),
            actors,
            actor,
            action,
            what,
            recipient,
            d,
            mo,
            y if rec is Recurrence.ONCE else None,
            rec,
            sent[m.start() : m.end()][:200],
            period,
            interp,
            FactSource(node, node.line),
        )
        sc.out.append(fact)


def extract_deadlines(doc_id: str, root: Node, header: Header, lex: Lexicon, in_target_section) -> list[DeadlineFact]:
    """Every sentence's deadlines (DEADLINE_CUES), outside target sections."""
    sc = _DeadlineScan(doc_id, header, lex, preamble_addressees(root))
    for node in root.iter():
        if node.kind == "root" or not node.line or in_target_section(node):
            continue
        content = _strip_marker(node.line) if node.kind != "para" else node.line
        sentences = _sentences(content)
        for si in range(len(sentences)):
            _sentence_deadlines(sc, node, sentences, si)
    return sc.out


# ---------------------------------------------------------------------------------------------
# responsibilities


def _task_text(n: Node) -> str:
    block = [n.line] + [g.line for g in n.iter() if g is not n]
    return _strip_marker("\n".join(block))


_COLON_AGENCY = re.compile(r"^(?P<who>" + AGENCY_START + r"[^:]{0,80}):\s+(?P<task>.+)$")


def extract_responsibilities(root: Node, header: Header, lex: Lexicon) -> list[ResponsibilityFact]:
    out: list[ResponsibilityFact] = []

    def add(agencies, parts, text, task, node, quote):
        task = task.strip()
        if not task:
            return
        names = agencies if agencies else parts
        for name in names:
            out.append(ResponsibilityFact(name, text, role_of(task), task, FactSource(node, quote)))

    for node in root.iter():
        ah = agency_heading(node, lex)
        if ah:
            if ah.inline_task:
                add(ah.agencies, ah.parts, ah.text, ah.inline_task, node, node.line)
            for c in node.children:
                # a law's article lists its agency's tasks as numbered clauses (khoản)
                if c.kind in STRUCTURAL and agency_heading(c, lex) is not None:
                    continue
                add(ah.agencies, ah.parts, ah.text, _task_text(c), c, c.text_block())
            continue
        if node.kind == "para":
            m = _COLON_AGENCY.match(node.line)
            if m and not any(agency_heading(a, lex) for a in node.ancestors()):
                who = m.group("who").strip()
                found = lex.find_agencies(who)
                add(found[:1] or [who], [who], who, m.group("task"), node, node.line)
    # letters whose numbered items are asked of their addressees ("đề nghị X thực hiện một số nội dung sau")
    who = preamble_addressees(root)
    if who:
        tops = [c for c in root.children if c.kind in STRUCTURAL]
        if tops and not any(agency_heading(t, lex) for t in tops):
            agencies = lex.find_agencies(who)
            for t in tops:
                add(agencies, [who], who, _task_text(t), t, t.text_block())
    return out


# ---------------------------------------------------------------------------------------------
# targets

_PCT = re.compile(
    r"(?P<v>\d+(?:[.,]\d+)?)\s*%\s*(?P<ind>.+?)(?=(?:[,;]?\s*trong đó\s*:?\s*\d+(?:[.,]\d+)?\s*%)|[;]|\.\s|\.$|$)"
)


# "Đến năm 2026, 85% xã, phường …" states a target wherever it stands
_YEAR_TARGET = re.compile(
    r"^(?:Phấn đấu\s+)?(?:đến|Đến|trong|Trong)\s+(?:hết\s+)?năm\s+20\d\d\s*,[^.;]*?\d+(?:[.,]\d+)?\s*%"
)


def is_target_section(node: Node) -> bool:
    for n in node.structural_path() if node.kind != "root" else []:
        if re.search(r"\b(mục tiêu|chỉ tiêu)\b", n.title, re.IGNORECASE):
            return True
    return False


def extract_targets(root: Node) -> list[TargetFact]:
    out: list[TargetFact] = []
    for node in root.iter():
        content = _strip_marker(node.line) if node.line else ""
        in_section = node.kind in ("dash", "plus", "para") and is_target_section(node)
        if not in_section and not _YEAR_TARGET.match(content):
            continue
        if content.endswith(":"):
            continue
        year = None
        for a in reversed(node.structural_path()):
            m = re.search(r"năm\s+(20\d\d)", a.title)
            if m:
                year = int(m.group(1))
                break
        if year is None:
            m = re.search(r"(?:đến|đến năm|năm)\s+(20\d\d)", content)
            year = int(m.group(1)) if m else None
        scope = ""
        p = node.parent
        while p is not None and p.kind != "root":
            if p.kind == "dash" and p.line.rstrip().endswith(":"):
                scope = re.sub(r"^(Về|về)\s+", "", _strip_marker(p.line).rstrip(": "))
                break
            p = p.parent
        found = False
        for m in _PCT.finditer(content):
            found = True
            val = float(m.group("v").replace(",", "."))
            ind = _tidy(m.group("ind"))
            out.append(TargetFact(ind, val, "%", year, scope, FactSource(node, node.line)))
        if not found and node.kind in ("plus", "dash") and year:
            out.append(TargetFact(_tidy(content), None, "", year, scope, FactSource(node, node.line)))
    return out


# ---------------------------------------------------------------------------------------------
# cited documents

_CITE = re.compile(
    r"(?P<type>[Qq]uyết định|[Tt]hông tư|[Cc]ông văn|[Cc]hỉ thị|[Kk]ế hoạch|[Kk]ết luận|[Tt]hông báo|[Nn]ghị quyết|[Nn]ghị định|Luật|[Hh]ướng dẫn|[Vv]ăn bản)"
    r"\s+(?:số\s+)?(?P<num>\d+[\w./\-&Đđ]*[/\-][\w./\-&Đđ]+)"
    r"(?:\s+ngày\s+(?P<d>\d{1,2})\s*(?:/|\s+tháng\s+)\s*(?P<m>\d{1,2})\s*(?:/|\s+năm\s+)\s*(?P<y>\d{4}))?"
    r"(?:\s+của\s+(?P<iss>(?:Thủ tướng Chính phủ|Văn phòng Chính phủ|Ban Bí thư|Bộ Chính trị(?:\s+Khóa\s+[IVX]+)?|"
    r"Bộ\s+[^,;()]+?|Ủy ban nhân dân\s+[^,;()]+?|UBND\s+[^,;()]+?|Tỉnh ủy\s+[^,;()]+?|Chính phủ|Quốc hội|[^,;()]{3,60}?)"
    r"(?=\s+(?:về|phê duyệt|ban hành|quy định|hướng dẫn|theo|một cách|đối với|trên|tại|và(?!\s+Đào tạo)|thực hiện|gửi)\b|\s*[,;.()]|$)))?"
    r"(?=[\s,;.)]|$)"
)
_SIGNED_BEFORE = re.compile(
    r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4}),?\s+(?P<iss>[^,;]{3,60}?)\s+(?:đã\s+)?(?:ký|ban hành)\s*$",
    re.IGNORECASE,
)
_ABOUT = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?(?:về việc|về|phê duyệt|ban hành|quy định(?: về)?|hướng dẫn)\s+([^;]+?)(?=;|\.\s|\.$|\)|$)"
)


def normalize_number(num: str) -> str:
    num = num.rstrip(".,;")
    num = re.sub(r"^(\d+)/(\d{4})(?=[A-ZĐ])", r"\1/\2/", num)
    return num


def extract_citations(root: Node) -> list[CitationFact]:
    out: list[CitationFact] = []
    seen: set[str] = set()
    for node in root.iter():
        if not node.line:
            continue
        for m in _CITE.finditer(node.line):
            num = normalize_number(m.group("num"))
            if not re.search(r"[A-Za-zĐđ]", num):
                continue
            date = None
            if m.group("y"):
                try:
                    date = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                except ValueError:
                    date = None
            iss = m.group("iss").strip() if m.group("iss") else None
            if date is None:
                sb = _SIGNED_BEFORE.search(node.line[max(0, m.start() - 160) : m.start()].rstrip())
                if sb:
                    try:
                        date = dt.date(int(sb.group(3)), int(sb.group(2)), int(sb.group(1)))
                    except ValueError:
                        pass
                    iss = iss or sb.group("iss").strip()
            if num in seen:
                # a later mention may carry the date or issuer the first lacked
                for c in out:
                    if c.number == num:
                        c.date = c.date or date
                        c.issuer = c.issuer or iss
                continue
            seen.add(num)
            am = _ABOUT.match(node.line[m.end() :])
            about = _tidy(am.group(1))[:300] if am else None
            start = max(0, node.line.rfind(";", 0, m.start()) + 1)
            end_candidates = [i for i in (node.line.find(";", m.end()), node.line.find(". ", m.end())) if i != -1]
            end = min(end_candidates) if end_candidates else len(node.line)
            quote = _tidy(node.line[start:end])
            out.append(CitationFact(m.group("type").capitalize(), num, date, iss, about, FactSource(node, quote)))
    return out


# ---------------------------------------------------------------------------------------------
# contacts

# "Điện thoại: 0275 3842 618", "ĐT: …", "Hotline/Zalo: 0918 265 347" (any case)
_PHONE = re.compile(
    r"(?<!\w)(?:điện thoại|đt|tel|sđt|hotline|zalo|di động|dđ)\s*:?\s*(\+?\d[\d .]{7,14}\d)", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PERSON = re.compile(
    r"\b(Bà|Ông|bà|ông|đồng chí|Đồng chí)\s+([A-ZĐÀ-Ỹ][\wÀ-ỹđ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹđ]*){1,4})"
    r"(?:\s*[-–,]\s*([^,;:()]+?))?(?=,|;|\)|\s+điện thoại|$)"
)
_VIA = re.compile(r"\(?qua\s+((?:Vụ|Phòng|phòng|Văn phòng|Sở|Cục|Ban)\s+[^(),;:]+?)(?=\s+theo|\)|,|;|$)")


def extract_contacts(root: Node) -> list[ContactFact]:
    out: list[ContactFact] = []
    for node in root.iter():
        line = node.line
        if not line:
            continue
        phone = _PHONE.search(line)
        email = _EMAIL.search(line)
        via = _VIA.search(line)
        is_contact_sentence = re.search(r"liên hệ|phản ánh về|đầu mối", line, re.IGNORECASE)
        if not (phone or email or (via and is_contact_sentence)):
            continue
        person = _PERSON.search(line)
        org = None
        m = re.search(r"(?:liên hệ|phản ánh)\s+về\s+(" + AGENCY_START + r"[^(,;]*)", line)
        if m:
            org = _tidy(m.group(1))
        if via:
            org = f"{org} ({via.group(0).strip('() ')})" if org else via.group(1)
        s_start = max(0, line.rfind(". ", 0, (phone or email or via).start()) + 1)
        quote = _tidy(line[s_start:])
        out.append(
            ContactFact(
                person.group(2) if person else None,
                _tidy(person.group(3)) if person and person.group(3) else None,
                re.sub(r"[ .]", "", phone.group(1)) if phone else None,
                email.group(0) if email else None,
                org,
                FactSource(node, quote),
            )
        )
    return out


def extract_all(doc_id: str, root: Node, header: Header, lex: Lexicon) -> Facts:
    return Facts(
        deadlines=extract_deadlines(doc_id, root, header, lex, is_target_section),
        responsibilities=extract_responsibilities(root, header, lex),
        targets=extract_targets(root),
        citations=extract_citations(root),
        contacts=extract_contacts(root),
        criteria=extract_criteria(root, "\n".join(n.line for n in root.iter() if n.line)),
        events=extract_events(root, header.year),
    )
