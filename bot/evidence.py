"""One evidence ranking for every question.

Candidates are the lines of the chunks the hybrid retriever finds (a heading, a list item, a paragraph;
a long paragraph split into its sentences), each with its context: the document (type, number, subject,
issuer, province), the section's headings, and the structured facts read from that line. One linear
scorer ranks them all from the features below; its weights are fitted on the development questions
(`python -m bench.train_evidence`, logistic regression) and stored in `bot/evidence_model.json`.

Features (all of them about the candidate *for this question*):

- lexical: weighted coverage of the question's topic words by the line, by the line with its context,
  by the whole chunk; the chunk's BM25 against the best candidate's; the salient (rarest) words covered;
- dense: the chunk's e5 cosine similarity, raw and against the best candidate's; its fused rank;
- entities: the question's province, document number, year, agency agreeing or conflicting with the
  candidate's document and section (an agency's heading that names another body is a conflict);
- answer kind: what the question asks (a date, a number or share, a body, a place, a time of day, a
  list, a yes/no, a procedure, a validity, a contact) against what the line carries;
- shape: the document's header block, its opening paragraph, a heading line, a line ending in ":",
  the line's length.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.understanding import MESSAGE_TO, PHONE
from bot.admin_changes import expand_provinces
from bot.knowledge import QUOTED_NAME, quote_in_line
from bot.relevance import coverage, folded_text
from indexer.sections import TABLE_RULE
from vntext import fold, folded_syllables, has_diacritics, nfc

MODEL_PATH = Path(__file__).with_name("evidence_model.json")
# chunks fetched from the retriever for a question (within the question's scope, and outside it)
SCOPED_K = 24
OPEN_K = 12
# a numbered item the question names: "tiêu chí 2", "chỉ số 2.1", "mức độ 3" is a level, not an item
_NAMED_ITEM = re.compile(r"\b(tieu chi|chi so|tieu chuan)\s+(\d+(?:\.\d+)?)\b")
# a level the question names ("mức độ 3"), read where a line begins by naming it
_NAMED_LEVEL = re.compile(r"\bmuc do (\d)\b")
# "… có đạt chỉ tiêu … không?": a line stating a result among this many best lines is put first
RESULT_WINDOW = 5
# a line that begins by giving a cause: "2. Nguyên nhân: …", "- Lý do: …"
_CAUSE_LINE = re.compile(r"^\s*[-+•]?\s*(?:(?:\d{1,2}|[a-zđ])[.)]\s*)?(?:Nguyên nhân|Lý do|Lí do)\b[^:]{0,60}:", re.I)
# a line giving a cause ("Nguyên nhân: …"), of the best line's document, comes first among this many best lines
# when why is asked (a report states its shortfalls and their causes in sibling sections)
REASON_WINDOW = 20
# a line giving a number of the unit asked ("bao nhiêu điểm") comes first among this many best lines
UNIT_WINDOW = 5
# "… có giá trị bao lâu?", "lúc mấy giờ": a line carrying the kind asked (a duration, a validity, a time) comes first among this many best
KIND_WINDOW = 5
BOUND_WINDOW = 10  # a line stating the bound asked ("HẠN CHÓT: 17h00 thứ Tư, ngày 10/3/2027") is looked for this far
KIND_FIRST = ("duration", "validity", "clock")  # "lúc mấy giờ": a line giving a time of day
# "… áp dụng từ ngày nào?" asks when a period starts, "… đến khi nào?" when it ends: a line stating that bound of a
# period comes first among KIND_WINDOW best lines ("có hiệu lực … kể từ ngày 01 tháng 9", not "giữ nguyên kết quả đến
# hết ngày 31 tháng 12")
_START_ASKED = re.compile(r"\b(bat dau|tu ngay nao|tu khi nao|tu bao gio|tu luc nao|tu thoi diem nao|hieu luc tu)\b")
_END_ASKED = re.compile(
    r"\b(den ngay nao|den khi nao|den bao gio|den luc nao|den han nao|het han|het hieu luc|(nao|bao gio) thi het)\b"
)
_DUE_ASKED = re.compile(
    r"\b(truoc ngay nao|han chot|han cuoi|cham nhat (la )?(ngay|khi|luc) nao|truoc khi nao|"
    r"han (nop|gui|bao cao)\b[a-z0-9 ]{0,60}\b(ngay nao|khi nao|luc nao|bao gio))\b"
)
_START_STATED = re.compile(r"\b(ke tu|tu)( ngay)? \d{1,2}\b")
_END_STATED = re.compile(r"\bden( het)?( ngay)? \d{1,2}\b")
# a date right after "trước", "chậm nhất", "hạn chót", or the last day of a window ("đến hết ngày 06/9")
# (a time of day and a weekday may stand between: "Hạn chót: 17h00 thứ Tư, ngày 10/3/2027")
_DUE_STATED = re.compile(
    r"\b(truoc|cham nhat|han chot|han cuoi|den het)\b(?:[^.;,]{0,12}?|[^.;]{0,30}?\bngay\s+)\b\d{1,2}\b"
)
# what each bound asked is stated by, in the order they are looked for (a deadline asked outweighs a period)
_BOUNDS = ((_DUE_ASKED, _DUE_STATED), (_START_ASKED, _START_STATED), (_END_ASKED, _END_STATED))
# a result stated: a figure after "kết quả", an assessment ("Đánh giá: Không đạt"), what was (not) reached; not
# "kết quả công nhận … đã cấp trước năm 2027" (a recommendation naming results)
_RESULT_STATED = re.compile(
    r"\bkết quả\b\s*:?[^.;:]{0,25}?\d|\bđánh giá\s*:|\b(đã đạt|chưa đạt|không đạt|đạt được|thực hiện được|vượt)\b", re.I
)
_UNIT_ASKED = re.compile(r"\b(?:bao nhieu|may)\s+([a-z]+)\b")
# words after "bao nhiêu" that are not a unit counted in the text ("bao nhiêu tiền" is money, "mấy giờ" a time)
NOT_UNITS = frozenset(
    "tien phan gio lau la thi duoc so voi nhu ma con mot moi cho trong tren vay a nhi khi neu va hay de".split()
)


def asked_unit(folded_question: str) -> str | None:
    """The unit a number is asked in ('bao nhiêu điểm' → 'diem', 'mấy lớp' → 'lop'), or None."""
    units = (m.group(1) for m in _UNIT_ASKED.finditer(folded_question))  # "mấy giờ, bao nhiêu đại biểu": 'dai'
    return next((x for x in units if x not in NOT_UNITS), None)


# ... and a best line covering this much less of the topic than a line that covers all of it gives way to that line
FULL_COVER_MARGIN = 0.3
# a header line put first gives way to a line of the body among this many best lines that covers the question as well
HEADER_WINDOW = 5
# a best line naming another body than the one asked gives way to one of this many best lines naming the body asked
BODY_WINDOW = 10
# a best line lacking a salient word of the question gives way to a line of one of this many best lines whose section's
# own heading names it
SECTION_WINDOW = 10
# a section the question names by its whole title ("Vòng chung kết") is looked for further down the ranking: its
# lines ("- Thời gian: …") share few words with the question, the title is in their heading
NAMED_SECTION_WINDOW = 20
NAMED_HEADING_SYLLABLES = (2, 6)
_TITLE_NUMBER = re.compile(r"^\s*(?:(?:Điều|Chương|Mục|Phần)\s+)?(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.):]\s*", re.I)
# a best line sharing no topic word with the question gives way to one of this many best lines that shares some
COVERED_WINDOW = 5
LACKING_WINDOW = 8  # … when the best line lacks a salient word: the line holding them all may rank lower
# "X là gì?": a line saying "X là …" among this many best lines is put first
DEFINITION_WINDOW = 30
# a paragraph longer than this is split into its sentences
SENTENCE_SPLIT_CHARS = 260
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.;!?])\s+(?=\S)")

# "tiến hành", "tiến độ", "Tiền Giang" …: "tien" followed by these is no money ("được tiến hành nhằm …")
_NOT_MONEY = r"(?! ?(do|hanh|bo|ich|giang|si|te|trinh|phong|quyet|toi|tien)\b)"

ASK_PATTERNS = {
    "date": r"\b(ngay nao|khi nao|bao gio|truoc ngay|han chot|thoi han|han|luc nao|tu ngay|den ngay|thoi diem|thoi gian|"
    r"hom nao|ngay may|thang may|thang nao)\b",
    "number": r"\b(bao nhieu|may|ti le|phan tram|muc(?! (?:gi|nao))|so luong|toi da|toi thieu|diem)\b|%",
    "who": r"(^ai\b|\bai (chu tri|phu trach|ki|cong nhan|lam|thuc hien|to chuc|duoc)|\b(co quan nao|don vi nao|so nao|nhung so|nhung don vi|cap nao|ai)\b"
    r"|\b(thanh vien|nguoi|can bo|ca nhan) nao\b)",
    "place": r"\b(o dau|dia diem|tai dau|noi nao|cho nao|dia chi)\b",
    "clock": r"\b(may gio|luc may|gio nao)\b",
    "list": r"\b(nhung|gom|bao gom|danh sach|cac .{0,30} nao|co [a-z]+( [a-z]+)? nao|nhiem vu gi|lam gi|nhung gi|hoat dong gi|noi dung gi|truong hop nao)\b",
    "yesno": r"(\bco\b.{2,80}\b(khong|chua)\s*\??\s*$|\b(duoc khong|phai khong|dung khong|khong a)\s*\??\s*$"
    r"|\bda\b.{2,80}\bchua( nhi| a| vay)?\s*\??\s*$)",  # "đã đạt … chưa nhỉ?"
    "howto": r"\b(lam the nao|lam sao|the nao|thu tuc|ho so|giay to|can gi|dang ki|o dau|cach)\b",
    "validity": r"\b(gia tri|hieu luc|bao lau|may nam|thoi han|ap dung tu|bat dau ap dung)\b",
    "contact": r"\b(lien he|so dien thoai|"
    + PHONE
    + r"|email|dau moi|goi (dien )?(cho )?(ai|so nao)|sdt|"
    + MESSAGE_TO
    + r")\b",
    "money": r"\b(bao nhieu tien|(bao nhieu|may) (ti|trieu|nghin|ngan|dong(?! ho))|het bao nhieu|chi phi|muc phat|bi phat(?! hien| sinh| trien)|phat tien|duoc tra|(?<!kiem )(?<!thanh )(?<!dieu )tra (bao nhieu|the nao)|hoc phi|le phi|muc phi|"
    r"(muc|tien|tra|nhan|huong|bang) luong|luong (cua|bao nhieu|thang|co ban|toi thieu|hang thang)|phu cap|tien thuong|thuong bao nhieu|phat bao nhieu|ho tro bao nhieu(?!\s*%| phan tram)|gia ve|mat phi|mat tien|"
    r"ton phi|(kinh phi|ngan sach|du toan|so tien)\b[a-z0-9 ]{0,50}\bbao nhieu(?!\s*%| (phan tram|lan|nguoi|lop|buoi|ngay|thang|nam|xa|don vi|hoc vien))|((cap|chi|ho tro|duoc|nhan) tien|tien an)\b"
    + _NOT_MONEY
    + r"|tien "
    + _NOT_MONEY
    + r"[a-z ]{0,40}\bbao nhieu)\b",
    "document": r"\b(ai ki|nguoi ki|do ai ki|ki ngay|ban hanh ngay|ngay ban hanh|gui (cho )?(ai|nhung|cac)|kinh gui|noi nhan|so hieu|trich yeu|ve viec gi)\b",
    "result": r"\b(co|da) (dat|hoan thanh|vuot)\b.{2,80}\b(khong|chua)( nhi| a| vay)?\s*\??\s*$|\b(da )?dat (duoc )?bao nhieu\b|"
    r"\bket qua\b.{0,40}\b(the nao|ra sao|bao nhieu)\b",
    "definition": r"\b(la gi|nghia la gi|hieu the nao)\s*\??\s*$",
    "reason": r"\b(vi sao|tai sao|nguyen nhan|li do|do dau)\b",
    "percent": r"\b(ti le|phan tram)\b|%",
    "docref": r"\b(thong tu|quyet dinh|cong van|van ban|nghi dinh|nghi quyet|chi thi|ke hoach|luat) (nao|gi|so may)\b",
    "duration": r"\b(bao lau|may tuan|may thang|may nam|keo dai|may buoi|bao nhieu buoi|bao nhieu tuan)\b",
}
ASK_RES = {k: re.compile(v) for k, v in ASK_PATTERNS.items()}

# a capital letter of the language, as a regular expression's class ("Ô", "Đ", "Ý" too)
CAPITAL = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ"
CARRIES = {
    "date": re.compile(r"\b\d{1,2}\s*/\s*\d{1,2}\b|\bngày\s+\d{1,2}\b|\bquý\s+[IV1-4]+\b|\btháng\s+\d{1,2}\b", re.I),
    "number": re.compile(r"\d"),
    "percent": re.compile(r"\d\s*%"),
    "who": re.compile(
        r"\b(Sở|UBND|Ủy ban|Hội|Bộ|Phòng|Trung tâm|Ban|Công an|Tỉnh đoàn|Chi hội|Chủ tịch|Thủ trưởng|Trường|[Gg]iáo viên|"
        r"[Gg]iảng viên|[Bb]áo cáo viên|[Nn]gười (?:dạy|hướng dẫn|phụ trách|thực hiện|trình bày|chủ trì))\b"
        # a person by the title before the name ("anh Lý Quốc Bảo", "Đồng chí Đàm Văn Tiến", "kỹ sư Hà Văn Cường")
        rf"|\b(?:[Ôô]ng|[Bb]à|anh|chị|thầy|cô|[Đđ]ồng chí|[Đđ]/c|kỹ sư|bác sĩ|[Đđ]ại úy|[Tt]hượng úy)\s+"
        rf"[{CAPITAL}][a-zà-ỹđ]*\s+[{CAPITAL}]"
    ),
    "place": re.compile(r"\b(tại|địa điểm|địa chỉ|quảng trường|hội trường|trụ sở|nhà văn hóa)\b|https?://|www\.", re.I),
    "clock": re.compile(r"\b\d{1,2}\s*(giờ|h)\s*\d{0,2}\b|\bbuổi (sáng|chiều|tối|trưa)\b", re.I),
    "contact": re.compile(r"\b0\d{2,3}(?:[.\s]?\d){6,8}\b|@"),  # 0209.3851.226, 0905 318 624, 0912345678
    "validity": re.compile(r"\b(giá trị|hiệu lực|thời hạn)\b", re.I),
    "howto": re.compile(r"\b(đăng ký|hồ sơ|nộp|gửi|tại|qua|trực tuyến|cấp lại|đề nghị)\b", re.I),
    "result": re.compile(r"\b(kết quả|đánh giá|đã đạt|chưa đạt|không đạt|đạt được|thực hiện được)\b", re.I),
    "reason": re.compile(r"\b(nguyên nhân|lý do|lí do|do ảnh hưởng|bởi vì)\b", re.I),
    "docref": re.compile(r"\b\d{1,4}/(?:\d{4}/)?[A-ZĐ]{1,}[A-ZĐ0-9-]*"),  # "22/2020/TT-BGDĐT", "1373/QĐ-TTg"
    "duration": re.compile(  # "12 tuần", "(một ngày)"; not the "00 ngày 05/10" of "19 giờ 00 ngày 05/10"
        r"(?<!giờ )\b(\d+|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|nửa)\s*(tuần|tháng|năm|ngày|buổi)\b(?!\s*\d)", re.I
    ),
    "money": re.compile(
        r"\d\s*(đồng|triệu|nghìn|ngàn|tỷ|tỉ|VNĐ|VND|đ)\b|\d\s+(lần\s+)?mức lương\b|"  # "0,3 mức lương cơ sở/tháng"
        r"\b(miễn phí|miễn học phí|không (thu|mất) (phí|tiền)|"
        r"không phải (đóng|nộp|trả))\b",
        re.I,
    ),
}
# the kinds of answer only a line carrying them gives: asked and carried by no line near the question (the
# chunk of its best line), the documents do not answer it ("… bị phạt bao nhiêu tiền?")
SPECIFIC_KINDS = {
    "money": "số tiền",
    "clock": "giờ giấc",
    "percent": "tỷ lệ",
    "count": "số lượng",
    "wage": "tiền lương",
}
DUE_NAMED = "thời hạn"
# a sum of money, not the word "free": "miễn phí" answers what a class costs, not a fine, a wage or a budget
MONEY_SUM = re.compile(r"\d\s*(đồng|triệu|nghìn|ngàn|tỷ|tỉ|VNĐ|VND|đ)\b", re.I)
_FEE_ASKED = re.compile(r"\b(hoc phi|le phi|muc phi|phi|mat tien|gia ve|dong tien|thu tien)\b")
# the best chunks a specific kind is looked for in: a share is often stated in a sibling target's section
KIND_NEAR_CHUNKS = {"money": 1, "clock": 1, "percent": 3, "count": 3, "due": 2}


# an item's number or letter at the start of a line ("3. ", "b) "): no figure of its content
_ENUMERATOR = re.compile(r"^\s*[-+•]?\s*(?:\d{1,2}|[a-zđ])[.)]\s+")
# lines that say nothing by themselves: "(Ban hành kèm theo Quyết định số …)", a page number
_NOISE_LINE = re.compile(r"^\s*(\((Ban hành )?[Kk]èm theo\b.*\)\.?|[-–\d\s.]{0,6})\s*$")


_SPELLED = r"\b(?:mot|hai|ba|bon|bay|tam|chin|muoi|nua)"  # numbers in words, folded ("năm", "sáu" fold ambiguously)


def carries_asked(kind: str, text: str, folded_question: str) -> bool:
    """The line carries the kind of answer asked; a number asked in a unit, a number of that unit ("khoảng bao
    nhiêu đại biểu" → "khoảng 1.200 đại biểu", not the "07 giờ 30" of the same section)."""
    unit = asked_unit(folded_question) if kind == "number" else None
    if unit:
        return re.search(r"(\d[\d.,]*|" + _SPELLED + r")\s+" + re.escape(unit) + r"\b", fold(text)) is not None
    return bool(CARRIES[kind].search(text))


_BODY_LABEL = re.compile(
    r"^\s*[-+•]?\s*(?:[a-zđ]\)\s*|\d{1,2}[.)]\s*)?((?:Sở|Bộ|Hội|Ủy ban|UBND|Ban|Phòng|Trung tâm|Công an|Tỉnh đoàn|Liên đoàn|Trường|"
    r"Thủ trưởng|Các)\b[^:;.]{0,80}):"
)


def body_led_by(line: str) -> str | None:
    """The body a line begins by naming ("- Sở Nội vụ: chuẩn bị …" → "Sở Nội vụ"), or None."""
    m = _BODY_LABEL.match(line)
    return m.group(1).strip() if m else None


def asked_kinds(folded_question: str) -> set[str]:
    """What kinds of answer the question asks for (folded question text). A number asked in a unit other than
    money ("đi học bao nhiêu buổi thì được nhận tiền ăn") asks no sum, though the question speaks of money."""
    kinds = {k for k, rx in ASK_RES.items() if rx.search(folded_question)}
    unit = asked_unit(folded_question) if "money" in kinds else None
    if unit is not None and unit not in MONEY_UNITS | FOLDED_NOT_UNITS and not _FEE_ASKED.search(folded_question):
        kinds.discard("money")  # ("học mấy lớp … có mất tiền không?" asks a fee all the same)
    if "money" in kinds and kinds & {"date", "place", "clock"} and not _AMOUNT_ASKED.search(folded_question):
        kinds.discard("money")  # "Nhận tiền thưởng ở đâu, từ ngày nào?": where and when, not how much
    return kinds


# a sum asked in words beside the money's name: "bao nhiêu", "mấy triệu", "mức", "hết", "tổng", "giá"
_AMOUNT_ASKED = re.compile(r"\b(bao nhieu|may|muc|het|tong|gia)\b")


MONEY_UNITS = frozenset("ti trieu nghin ngan dong tram chuc".split())
FOLDED_NOT_UNITS = frozenset({"tinh"})  # "làm hỏng máy tính" folds as "mấy tỉnh": no number asked


@dataclass
class Candidate:
    chunk_id: int
    document_id: str
    line_no: int  # the line's index in the chunk's text
    text: str  # the line (or sentence), verbatim
    is_heading: bool  # the chunk's first line, with more lines below it
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    paragraph: str = ""  # the paragraph the line is a sentence of (empty: the line is a whole paragraph)
    columns: str = ""  # a table row's column names (its table's first row), else empty
    party_named: bool = False  # moved first as the line naming the person or company asked (_party_named_first)


# A table row carries what its columns are: "| 6 | Võ Văn Tùng | … |" under "Họ và tên" names a person, "| Quý IV |
# 55.000.000 | … |" under "Số tiền" gives a sum.
COLUMN_CARRIES = {
    "who": re.compile(r"\b(họ (và )?tên|người|trưởng đoàn|chủ trì|phụ trách|cơ quan|đơn vị)\b", re.I),
    "money": re.compile(r"\b(thành tiền|số tiền|kinh phí|đơn giá|dự toán|mức chi|mức hỗ trợ)\b", re.I),
    "place": re.compile(r"\b(địa điểm|địa chỉ|nơi)\b", re.I),
}
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def row_carries(kind: str, c: Candidate) -> bool:
    """The line is a table row whose columns say it carries this kind of answer (a sum: a number in thousands)."""
    cols = COLUMN_CARRIES.get(kind)
    if not c.columns or cols is None or not cols.search(c.columns):
        return False
    return kind != "money" or _THOUSANDS.search(c.text) is not None


TITLE_CHARS = 90


def is_title(line: str) -> bool:
    """A section's title ('Điều 8. Hồ sơ đề nghị công nhận', 'IV. BÀI HỌC KINH NGHIỆM'), not a statement that
    happens to be numbered ('8. Công dân đạt danh hiệu …: chỉ tiêu 40%; kết quả 33,5%. Đánh giá: Không đạt.')."""
    return len(line) <= TITLE_CHARS and not line.rstrip().endswith((".", ";"))


def _covered_first(ranked: list[Candidate]) -> list[Candidate]:
    """A best line that shares no topic word with the question, even with its headings (an execution clause
    'Điều 3. … chịu trách nhiệm thi hành …' ranked on its chunk's words), gives way to the first of the
    COVERED_WINDOW best lines that does."""
    if not ranked or ranked[0].features.get("cov_line_ctx", 0.0) > 0:
        return ranked
    first = ranked[0]
    return _first_of(ranked, COVERED_WINDOW, lambda c: c.features.get("cov_line_ctx", 0.0) > 0 and _no_worse(c, first))


FACT_KINDS = frozenset({"number", "money", "percent", "date", "clock", "who", "place"})


def _whole_question_first(ranked: list[Candidate], asked: set[str]) -> list[Candidate]:
    """A line that by itself holds every salient word of the question and FULL_COVER_MARGIN more of its words than the
    best line holds with its headings, among the COVERED_WINDOW best, comes first ('… kinh phí hoạt động bình quân chỉ
    khoảng 12 triệu đồng/trung tâm/năm' for "kinh phí … bình quân hiện chỉ khoảng bao nhiêu", before a task to
    budget 20 million that shares half the question's words). Only for a fact asked (a figure, a day, a body, a
    place), not a list or a procedure, which a head and its items answer."""
    if not ranked or not asked & FACT_KINDS or asked & {"list", "howto"} or ranked[0].text.rstrip().endswith(":"):
        return ranked
    first = ranked[0]
    need = first.features.get("cov_line_ctx", 0.0) + FULL_COVER_MARGIN
    # the best line lacks a salient word even with its document's identity ("vận động" of "Quỹ khuyến học … huyện Văn
    # Lâm … vận động được bao nhiêu" in a page of Văn Lâm): a line holding them all needs no margin of other words
    lacking = first.features.get("salient_line_doc", first.features.get("salient_line", 0.0)) < 0.999
    return _first_of(
        ranked,
        LACKING_WINDOW if lacking else COVERED_WINDOW,
        lambda c: (
            c.features.get("salient_line_doc", c.features.get("salient_line", 0.0)) >= 0.999
            and (c.features.get("cov_line", 0.0) >= need or lacking)
            and not is_table_row(c.text)
            and _no_worse(c, first)
        ),
    )


def _list_head_first(ranked: list[Candidate], asked: set[str]) -> list[Candidate]:
    """A list asked ("… cần có những nội dung chính nào?"): a line that opens a list (ends in ':') and, with its
    headings, holds every topic word, among the COVERED_WINDOW best, comes before a best line holding
    FULL_COVER_MARGIN less of them ('Báo cáo tập trung vào các nội dung chính sau:' under '1. Xây dựng báo cáo sơ
    kết', before a line of another section that shares one word)."""
    if not ranked or "list" not in asked:
        return ranked
    first = ranked[0]
    top = first.features.get("cov_line_ctx", 0.0)
    return _first_of(
        ranked,
        COVERED_WINDOW,
        lambda c: (
            c.text.rstrip().endswith(":")
            and c.features.get("cov_line_ctx", 0.0) >= max(0.999, top + FULL_COVER_MARGIN)
            and _no_worse(c, first)
        ),
    )


_LIST_ITEM = re.compile(r"^\s*(?:[-–•+*]|[a-zđ]\)|\d{1,2}[.)])\s")


def _item_head_first(ranked: list[Candidate], asked: set[str]) -> list[Candidate]:
    """A list asked ("… lấy từ những nguồn nào?") whose best line is one item ("- Nguồn xã hội hóa …: 8.500.000
    đồng"): the line that opens its list ("Tổng kinh phí dự kiến: 68.500.000 đồng, gồm:"), the nearest before it in
    its chunk, among the COVERED_WINDOW best, comes first, and brings every item."""
    if not ranked or "list" not in asked or not _LIST_ITEM.match(ranked[0].text):
        return ranked
    first = ranked[0]
    heads = [
        c
        for c in ranked[:COVERED_WINDOW]
        if c.chunk_id == first.chunk_id and c.line_no < first.line_no and c.text.rstrip().endswith(":")
    ]
    head = max(heads, key=lambda c: c.line_no, default=None)
    if head is None or not _no_worse(head, first):
        return ranked
    return [head] + [c for c in ranked if c is not head]


def _no_worse(c: Candidate, than: Candidate) -> bool:
    """The line lacks nothing of the kind asked, and conflicts with nothing the question names, that `than` has."""
    return _flags_no_higher(c, than, ("_lacks", "_conflict"))


def _no_conflict(c: Candidate, than: Candidate) -> bool:
    """The line conflicts with nothing the question names (province, body, year, scope), and is no header, where
    `than` does not."""
    return _flags_no_higher(c, than, ("_conflict",))


def _flags_no_higher(c: Candidate, than: Candidate, suffixes: tuple[str, ...]) -> bool:
    """None of the line's flags ending in `suffixes`, nor its header flag, is set where `than`'s is not."""
    flags = [k for k in c.features if k.endswith(suffixes) or k == "header"]
    return all(c.features[k] <= than.features.get(k, 0.0) for k in flags)


# "phải tách theo những nguồn nào?", "các sở nào": what the members of the list asked are called
MEMBERS_ASKED = re.compile(r"\b(?:nhung|cac)\s+([a-z]+(?: [a-z]+)?)\s+nao\b")
MEMBERS_WINDOW = 5
# members asked by a word that names any body or any content ("những đơn vị nào phối hợp": Hội Khuyến học, Thư viện)
GENERIC_MEMBERS = frozenset(
    "don vi, co quan, to chuc, ca nhan, noi dung, viec, cong viec, hoat dong, van de, loai".split(", ")
)


def members_asked(folded_question: str) -> list[str]:
    """What the members of a list asked are called ("nguon", "phan thi"), unless any body or content is."""
    return [m for m in MEMBERS_ASKED.findall(folded_question) if m not in GENERIC_MEMBERS]


def names_member(member: str, folded_line: str) -> bool:
    """The line names what the list's members are called ("trường học": "Trường Tiểu học Nội Duệ")."""
    return _written_in(member, f" {folded_line} ") if " " in member else f" {member} " in f" {folded_line} "


def _members_named_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """A list asked by what its members are ("những nguồn nào"): a best line that does not name them gives way to
    the first of the MEMBERS_WINDOW best lines of its document that does ("… chia theo nguồn ngân sách nhà nước và
    nguồn xã hội hóa", not "c) Tài khoản đăng nhập …" of the chunk retrieved first)."""
    members = members_asked(folded_question)
    if not ranked or not members:
        return ranked
    names = lambda c: names_member(members[0], folded_text(c.text))
    if names(ranked[0]) or _opens_items_naming(ranked, names):  # "…, gồm:" over "- Quỹ …", "- Nguồn xã hội hóa …"
        return ranked
    first = ranked[0]
    return _first_of_document(ranked, MEMBERS_WINDOW, lambda c: names(c) and _no_conflict(c, first))


def _opens_items_naming(ranked: list[Candidate], names) -> bool:
    """The best line opens a list (ends in ':') and a line after it in its chunk names the members asked."""
    head = ranked[0]
    return head.text.rstrip().endswith(":") and any(
        c.chunk_id == head.chunk_id and c.line_no > head.line_no and names(c) for c in ranked[:MEMBERS_WINDOW]
    )


ROW_WINDOW = 10


def is_table_row(text: str) -> bool:
    """A row of a pipe table ("| 6 | Võ Văn Tùng | … |"), not the rule under its header."""
    return text.lstrip().startswith("|") and not TABLE_RULE.match(text.strip())


NAMED_CELL_SYLLABLES = (2, 4)  # a row label the question writes whole names its row ("Quý IV", "Lớp tin học")
# … and another cell, when longer than a role word ("Chủ tịch Hội đồng", not "Giám đốc" of "Ban Giám đốc")
OTHER_CELL_MIN_SYLLABLES = 3


def row_label(row: str) -> str:
    """A table row's label: its first cell that is not a row number ("Quý IV", "Chuyển đổi số, kỹ năng số")."""
    return next((x for x in table_cells(row) if x and not re.fullmatch(r"[\d.]+|[IVX]{1,5}", x)), "")


def label_asked(row: str, folded_question: str) -> bool:
    """Every word of the row's label (two or more) is a word of the question: the question asks of that row."""
    syl = folded_syllables(row_label(row))
    return len(syl) >= 2 and set(syl) <= set(folded_question.split())


def _names_a_cell(row: str, folded_question: str) -> bool:
    """The question writes one of the row's cells whole: its label ("Quý IV") or another of OTHER_CELL_MIN_SYLLABLES
    or more ("Chủ tịch Hội đồng" of a member list, not "Phó Chủ tịch Hội đồng")."""
    return bool(_named_cell(row, folded_question))


def _named_cell(row: str, folded_question: str) -> str:
    """The longest cell of the row the question writes whole (NAMED_CELL_SYLLABLES, no figures), folded, else ""."""
    low, high = NAMED_CELL_SYLLABLES
    label = row_label(row)
    named = [
        " ".join(syl)
        for cell in table_cells(row)
        if (low if cell == label else OTHER_CELL_MIN_SYLLABLES) <= len(syl := folded_syllables(cell)) <= high
        and not any(x.isdigit() for x in syl)
        and f" {' '.join(syl)} " in folded_question
    ]
    return max(named, key=len, default="")


# which row holds the highest or lowest of a table's column ("xã nào … cao nhất", "đơn vị nào … ít nhất"; not "đạt ít
# nhất 80 điểm", at least), in a table among EXTREME_WINDOW best lines
_EXTREME_ASKED = re.compile(r"\b(cao nhat|nhieu nhat|lon nhat|thap nhat|it nhat|nho nhat)\b")
_WHICH_ROW = re.compile(r"\b[a-z]+( [a-z]+)? nao\b")


# a total asked ("tổng cộng bao nhiêu tiết", "tổng số đại biểu là bao nhiêu", "cả thảy mấy khóa"), and a line giving
# one ("Tổng thời lượng chương trình là 42 tiết", "Tổng số đại biểu dự kiến: 290 người", "| | Tổng cộng | | 210 |")
_TOTAL_ASKED = re.compile(r"\b(tong cong|tong so|ca thay|tat ca la)\b")
_TOTAL_GIVEN = re.compile(r"(?:^|[\s|(])tong(?: cong| so| thoi luong| du toan| kinh phi)?\b[^.;]{0,50}?\d")
TOTAL_COVER_SHARE = 0.5  # of the question's words the best line holds, with its headings, the total's line holds half


def total_given(folded_question: str, folded: str) -> bool:
    """The text (folded, punctuation kept) gives a total of what the question counts ("bao nhiêu tiết": "Tổng thời
    lượng … là 42 tiết", the unit between "tổng" and the number or right after it)."""
    asked = re.search(r"\b(?:bao nhieu|may)\s+(\w+)", folded_question)
    if asked is None:
        return False
    unit = r"(dong|tien|\d{1,3}(?:\.\d{3}){2,})" if asked.group(1) == "tien" else asked.group(1)  # a sum in thousands
    return any(re.search(rf"\b{unit}\b", folded[m.start() : m.end() + 25]) for m in _TOTAL_GIVEN.finditer(folded))


def _total_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """A total asked: the first line of the best line's document that gives a total of what
    is counted, lacks nothing the best line has and holds TOTAL_COVER_SHARE of its words, comes first (the items it
    sums follow)."""
    if not _TOTAL_ASKED.search(folded_question) or not ranked:
        return ranked
    gives = lambda text: total_given(folded_question, text)
    first = ranked[0]
    covers = lambda c: (
        c.features.get("cov_line_ctx", 0.0) >= TOTAL_COVER_SHARE * first.features.get("cov_line_ctx", 0.0)
    )
    return _first_of_document(
        ranked, len(ranked), lambda c: gives(fold(c.text).lower()) and _no_worse(c, first) and covers(c)
    )


def extreme_asked(folded_question: str) -> re.Match | None:
    """The superlative of a question asking which of several holds it, else None."""
    return _EXTREME_ASKED.search(folded_question) if _WHICH_ROW.search(folded_question) else None


_HIGHEST = ("cao nhat", "nhieu nhat", "lon nhat")
EXTREME_WINDOW = 10
_TOTAL_ROW = re.compile(r"^(tong|cong|toan)\b")


def table_cells(row: str) -> list[str]:
    """A pipe table row's cells, stripped ("| 1 | Phường Tân An Cao | 92 |" → ["1", "Phường Tân An Cao", "92"])."""
    return [x.strip() for x in row.strip().strip("|").split("|")]


def column_asked(header: list[str], folded_question: str) -> int | None:
    """The column whose name shares most words with the question (two at least), past the row's label."""
    from bot.search_index import STOPWORDS

    asked = set(folded_question.split()) - STOPWORDS
    shared = [len(set(folded_syllables(name)) & asked) for name in header]
    best = max(range(1, len(shared)), key=lambda i: shared[i], default=None)
    return best if best is not None and shared[best] >= 2 else None


def cell_number(row: str, col: int) -> float | None:
    """The number in the row's cell of that column ("6.500" → 6500, "73,5" → 73.5); none in a total row."""
    cells = table_cells(row)
    if col >= len(cells) or _TOTAL_ROW.match(fold(row_label(row)).lower()):
        return None
    m = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s*%?", cells[col])
    if m is None:
        return None
    return float(m.group(1).replace(".", "") + ("." + m.group(2) if m.group(2) else ""))


def _same_table(c: Candidate, row: Candidate) -> bool:
    """A row of the same table: same document and column names (a long table is cut into several chunks)."""
    if not is_table_row(c.text):
        return False
    return c.chunk_id == row.chunk_id or (
        c.document_id == row.document_id and bool(c.columns) and c.columns == row.columns
    )


def _row_under_header(ranked: list[Candidate]) -> list[Candidate]:
    """A table's header row ("| Chỉ tiêu | Kế hoạch | Kết quả |") says what its rows are, not what any of them says:
    it gives way to the row of its table, among the ROW_WINDOW best, that holds most of the question with it."""
    if not ranked or not is_table_row(ranked[0].text) or ranked[0].columns:
        return ranked
    header = ranked[0].text.replace("|", " ")  # as a row's column names are kept
    rows = [c for c in ranked[:ROW_WINDOW] if c.columns == header and c.document_id == ranked[0].document_id]
    if not rows:
        return ranked
    best = max(rows, key=lambda c: c.features.get("cov_line_ctx", 0.0))
    return [best] + [c for c in ranked if c is not best]


def _row_over_prose(ranked: list[Candidate]) -> list[Candidate]:
    """A best line of prose sharing a word or two with the question ("… các thành viên Ban Giám đốc") gives way to a
    row of a table of its document among the ROW_WINDOW best that, read with its column names, holds
    FULL_COVER_MARGIN more of the question than it, and no less than any line of prose there ("| 6 | Võ Văn Tùng |
    … | Tin học, chuyển đổi số |")."""
    if not ranked or is_table_row(ranked[0].text):
        return ranked
    first = ranked[0]
    prose = [c.features.get("cov_line_ctx", 0.0) for c in ranked[:ROW_WINDOW] if not is_table_row(c.text)]
    need = max([first.features.get("cov_line_ctx", 0.0) + FULL_COVER_MARGIN] + prose)  # and no prose line holds more
    return _first_of(
        ranked,
        ROW_WINDOW,
        lambda c: (
            c.document_id == first.document_id
            and is_table_row(c.text)
            and c.features.get("cov_line_ctx", 0.0) >= need
            and _no_worse(c, first)  # it carries what the prose carries of the kind asked ("gửi về đâu": a place)
        ),
    )


_PERIOD_COLUMNS = ("thang", "quy", "tuan", "nam", "dot")  # a table's first column counting time: "Tháng", "Quý"


def period_asked(columns: str, row: str, folded_question: str) -> bool:
    """The row's first cell is the period the question names under the column that counts it ("Tháng 3/2027 …" of
    "| 3 | Tổ chức tập huấn … |" in a table whose first column is "Tháng")."""
    col = folded_syllables(columns)[:1]
    first = row.strip().strip("|").split("|")[0].strip()
    if not col or col[0] not in _PERIOD_COLUMNS or not re.fullmatch(r"\d{1,2}|[IVX]{1,4}", first):
        return False
    n = str(int(first)) if first.isdigit() else first.lower()
    return re.search(rf"\b{col[0]} 0*{n}\b", folded_question) is not None


def _period_row_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """A best line that is not a row of the period asked gives way to the first, among the LABEL_ROW_WINDOW best,
    that is ("Tháng 3/2027 … có những việc gì?": the rows of month 3)."""
    if not ranked or period_asked(ranked[0].columns, ranked[0].text, folded_question):
        return ranked
    first = ranked[0]
    return _first_of(
        ranked,
        LABEL_ROW_WINDOW,
        lambda c: is_table_row(c.text) and period_asked(c.columns, c.text, folded_question) and _no_conflict(c, first),
    )


# conditions asked ("điều kiện để … là gì", "cần đạt tiêu chuẩn gì"), and the sections that state them
_CONDITION_ASKED = re.compile(r"\b(dieu kien|tieu chuan)\b")
_CONDITION_SECTION = re.compile(r"\b(dieu kien|tieu chuan|tieu chi)\b")
CONDITION_WINDOW = 5

LABEL_ROW_WINDOW = 40  # a row the question names by its whole label is looked for this far down
LABEL_ROW_SYLLABLES = 3  # fewer: "Tổng cộng", "Ghi chú" name no row of their own, unless a name ("Lạc Hồng")


def _labelled_row_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """A best line of prose gives way to a row of a table of its document, among the LABEL_ROW_WINDOW best, whose
    whole label of LABEL_ROW_SYLLABLES or more the question writes ("Năm 2024 … xếp loại Đơn vị học tập mức gì?" of
    "| Xếp loại "Đơn vị học tập" | Khá | Tốt | Tốt |"): its words are few against the document's name the
    question also writes, and the opening sentence that holds that name answers nothing."""
    if not ranked or is_table_row(ranked[0].text):
        return ranked
    first = ranked[0]

    def names_row(c: Candidate) -> bool:
        label = row_label(c.text)
        name = len(label.split()) >= 2 and all(w[:1].isupper() for w in label.split())  # "Lạc Hồng", a place's
        long_enough = name or len(folded_syllables(label)) >= LABEL_ROW_SYLLABLES
        return c.document_id == first.document_id and bool(c.columns) and is_table_row(c.text) and long_enough

    return _first_of(
        ranked,
        LABEL_ROW_WINDOW,
        lambda c: names_row(c) and label_asked(c.text, folded_question) and _no_conflict(c, first),
    )


def _best_row_first(ranked: list[Candidate], folded_question: str = "") -> list[Candidate]:
    """A best line that is a table's row gives way to the row of the same table, among the ROW_WINDOW best, that
    itself holds FULL_COVER_MARGIN more of the question's words: rows differ by their own words only ("| 3 |
    Chuyển đổi số, kỹ năng số | | 25 |" asked by "tiêu chí chuyển đổi số, kỹ năng số", not the row "| 2.1 | …")."""
    ranked = _labelled_row_first(_row_over_prose(_row_under_header(ranked)), folded_question.strip())
    ranked = _period_row_first(ranked, folded_question.strip())
    if not ranked or not is_table_row(ranked[0].text):
        return ranked
    first = ranked[0]
    of_table = lambda c: _same_table(c, first) and bool(c.columns or c is first)  # no header row
    rows = [c for c in ranked[:ROW_WINDOW] if of_table(c)]
    named = [c for c in ranked[:LABEL_ROW_WINDOW] if of_table(c) and _names_a_cell(c.text, folded_question)]
    # "Quý IV … bao nhiêu tiền?": the row "| Quý IV | 55.000.000 |", not "| Quý I |"; of several named, the longest
    # label ("Bà Hoàng Thị Mai ở thôn Đình Cả …": her row, not the hamlet's)
    label_words = lambda c: len(_named_cell(c.text, folded_question).split()) if c in named else 0
    pick = max(named, key=label_words, default=None)
    if pick is not None and pick is not first and label_words(pick) > label_words(first):
        return [pick] + [c for c in ranked if c is not pick]
    rows = named or rows
    best = max(rows, key=lambda c: c.features.get("cov_line", 0.0))
    if best.features.get("cov_line", 0.0) < first.features.get("cov_line", 0.0) + FULL_COVER_MARGIN:
        return ranked
    return [best] + [c for c in ranked if c is not best]


def with_headings(kb, c: Candidate) -> str:
    """The line and its chunk's headings, folded."""
    return folded_text(c.text + "\n" + "\n".join(kb.chunks[c.chunk_id].headings or []))


def _column_names(line: str, lines: list[str]) -> str:
    """A table row's column names (its table's first row: "| STT | Ngày | Đơn vị được kiểm tra | Trưởng đoàn |"):
    what its cells are, as a section's heading is what its lines are about. Empty for any other line."""
    if not is_table_row(line):
        return ""
    header = next((x for x in lines if is_table_row(x)), line)
    return "" if header == line else header.replace("|", " ")


def heading_is_line(heading: str, line: str) -> bool:
    """A section's heading is this line (a numbered item that heads its own section; a long heading is cut '…')."""
    return heading.strip().rstrip("…")[:40] == line.strip()[:40]


def _first_of(ranked: list[Candidate], window: int, wanted) -> list[Candidate]:
    """The ranking with the first of its `window` best lines that is `wanted` moved to the top (unchanged if none)."""
    hit = next((c for c in ranked[:window] if wanted(c)), None)
    return ranked if hit is None else [hit] + [c for c in ranked if c is not hit]


def _first_of_document(ranked: list[Candidate], window: int, wanted) -> list[Candidate]:
    """_first_of among the lines of the best line's own document: what is asked is that document's, not another's."""
    doc = ranked[0].document_id
    return _first_of(ranked, window, lambda c: c.document_id == doc and wanted(c))


def best_chunks(ranked: list[Candidate], n: int | None = None) -> list[int]:
    """The chunks of the ranked lines, best first, each once (the first `n` of them)."""
    return list(dict.fromkeys(c.chunk_id for c in ranked))[:n]


def _heads_chunk(i: int, line: str, lines: list[str], ch) -> bool:
    """The chunk's first line, with more lines below it, and not a statement ('2. Thường trực Hội đồng nhân
    dân xã … giám sát việc thực hiện Nghị quyết.' is a clause, though the text after it was filed under it)."""
    return i == 0 and len(lines) > 1 and ch.kind == "body" and not line.rstrip().endswith((".", ";"))


def split_lines(text: str) -> list[str]:
    """A chunk's lines; a long paragraph is split into its sentences."""
    return [line for line, _ in lines_with_paragraphs(text)]


def lines_with_paragraphs(text: str) -> list[tuple[str, str]]:
    """A chunk's lines, each with the paragraph it comes from (itself, or the long paragraph it is a sentence
    of): a sentence is ranked alone, but read in its paragraph ("…: Hội Khuyến học tỉnh …; Thư viện tỉnh …")."""
    out: list[tuple[str, str]] = []
    for line in (x.strip() for x in (text or "").split("\n")):
        if not line:
            continue
        if len(line) > SENTENCE_SPLIT_CHARS and not line.startswith(("-", "+", "•")):
            out += [(s, line) for s in sentences(line)]
        else:
            out.append((line, line))
    return out


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences: cut after '.', ';', '!' or '?' where the next word begins with a capital (the
    clauses of a list joined by ';' in lower case stay one sentence)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        nxt = paragraph[m.end() : m.end() + 1]
        if nxt.isupper() or nxt in "“\"(":
            out.append(paragraph[start : m.start()].strip())
            start = m.end()
    out.append(paragraph[start:].strip())
    return [x for x in out if x]


@lru_cache(maxsize=1)
def load_model(path: str = str(MODEL_PATH)) -> dict:
    """The fitted weights: {features, mean, scale, coef, intercept}."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def linear_score(features: dict[str, float], model: dict) -> float:
    z = model["intercept"]
    for name, mean, scale, coef in zip(model["features"], model["mean"], model["scale"], model["coef"]):
        z += coef * (features.get(name, 0.0) - mean) / (scale or 1.0)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def unpicked(ranked: list[Candidate], model: dict | None = None) -> list[Candidate]:
    """The candidates ranked as if no answerer had chosen any (its choice is what is being checked)."""
    model = model or load_model()
    return sorted(ranked, key=lambda c: -linear_score({**c.features, "answerer_pick": 0.0}, model))


def _title_key(title: str) -> str:
    return " ".join(fold(title).split())


def _retrieved_with(own: dict[str, float], h, rank: int, best_lex: float, best_dense: float) -> dict[str, float]:
    """A line's retrieval features, as good as those of the section it names (each the better of the two)."""
    return {
        "bm25_rel": max(own.get("bm25_rel", 0.0), (h.lexical / best_lex) if best_lex > 0 else 0.0),
        "dense": max(own.get("dense", 0.0), h.dense),
        "dense_gap": min(own.get("dense_gap", 1.0), best_dense - h.dense),
        "rank_inv": max(own.get("rank_inv", 0.0), 1.0 / (1.0 + rank)),
    }


def _bool(x) -> float:
    return 1.0 if x else 0.0


# "tự chấm được 82 điểm thì xếp loại gì?": a score asked against the levels a document sets by points
_POINTS_ASKED = re.compile(r"\b(\d{1,3}(?:[.,]\d+)?)\s*diem\b")
_LEVEL_ASKED = re.compile(r"\b(xep loai|loai gi|loai nao|muc nao|muc do nao|muc gi|duoc cong nhan|co dat|dat khong)\b")
_POINTS = r"(\d{1,3}(?:[.,]\d+)?)\s*(?:điểm)?"
_POINTS_SPAN = re.compile(r"\btừ\s*" + _POINTS + r"\s*(?:đến|-|–)\s*(dưới\s*)?" + _POINTS, re.I)
_POINTS_FROM = re.compile(r"(?:\btừ\s*|≥\s*)" + _POINTS + r"(?:\s*trở lên)?", re.I)
_POINTS_BELOW = re.compile(r"(?:\bdưới\s*|<\s*)" + _POINTS, re.I)
LEVEL_WINDOW = 20


def points_asked(folded_question: str) -> float | None:
    """The score a question gives to be placed among levels ("82 điểm thì xếp loại gì"), or None."""
    m = _POINTS_ASKED.search(folded_question)
    if m is None or not _LEVEL_ASKED.search(folded_question):
        return None
    return float(m.group(1).replace(",", "."))


def points_span(text: str) -> tuple[float, float, bool, str] | None:
    """The first range of points a line sets, as (low, high, high included, the words): "từ 70 điểm đến dưới 90
    điểm", "từ 90 điểm trở lên", "dưới 70 điểm"; None when it sets none (a line must say "điểm")."""
    if "điểm" not in text.lower():
        return None
    num = lambda x: float(x.replace(",", "."))
    found = [
        (m.start(), kind, m)
        for kind, rx in (("span", _POINTS_SPAN), ("from", _POINTS_FROM), ("below", _POINTS_BELOW))
        if (m := rx.search(text))
    ]
    if not found:
        return None
    _, kind, m = min(found, key=lambda x: (x[0], x[1] != "span"))
    if kind == "span":
        return num(m.group(1)), num(m.group(3)), not m.group(2), m.group(0).strip()
    if kind == "from":
        return num(m.group(1)), float("inf"), True, m.group(0).strip()
    return 0.0, num(m.group(1)), False, m.group(0).strip()


def holds_points(text: str, points: float) -> bool:
    span = points_span(text)
    return span is not None and span_holds(span, points)


def span_holds(span: tuple[float, float, bool, str], points: float) -> bool:
    return span[0] <= points and (points < span[1] or (span[2] and points == span[1]))


def holds_points_anywhere(text: str, points: float) -> bool:
    """Any range of points the line sets holds the score ("… hoặc từ 90 điểm trở lên nhưng có chỉ số bị chấm 0")."""
    for clause in re.split(r";|\bhoặc\b", text):
        if holds_points(clause, points):
            return True
    return False


# "người 65 tuổi có được hỗ trợ … không?": an age asked against the ages lines set
AGE_ASKED = re.compile(r"\b(\d{1,3})\s*tuoi\b")
AGE_FROM = re.compile(r"\b(?:từ|đủ)\s*(?:đủ\s*)?(\d{1,3})\s*tuổi\s*trở lên", re.I)
_AGE_SPANS = (
    (re.compile(r"\btừ\s*(?:đủ\s*)?(\d{1,3})\s*(?:tuổi\s*)?(?:đến|-|–)\s*(?:dưới\s*)?(\d{1,3})\s*tuổi", re.I), "span"),
    (AGE_FROM, "from"),
    (re.compile(r"\btrên\s*(\d{1,3})\s*tuổi", re.I), "above"),
    (re.compile(r"\bdưới\s*(\d{1,3})\s*tuổi", re.I), "below"),
)


def holds_age(text: str, age: int) -> bool:
    """Some range of ages the line sets ("từ đủ 15 tuổi đến 60 tuổi", "trên 60 tuổi", "dưới 6 tuổi") holds `age`."""
    for rx, kind in _AGE_SPANS:
        for m in rx.finditer(text):
            low = int(m.group(1))
            if kind == "span" and low <= age <= int(m.group(2)):
                return True
            if (kind == "from" and age >= low) or (kind == "above" and age > low) or (kind == "below" and age < low):
                return True
    return False


class EvidenceRanker:
    """Builds the candidates for a question's context and ranks them (see the module's docstring)."""

    def __init__(
        self,
        ctx,
        units: list[str],
        model: dict | None = None,
        allowed: set[int] | None = None,
        picks: list[str] = (),
    ):
        """`allowed`: only these chunks are evidence (an article the question names); `picks`: the quotes of
        the facts the answerer of the question's kind chose (a feature: the ranking weighs that choice)."""
        self.ctx = ctx
        self.allowed = allowed
        self.picks = list(picks)
        self.units = units
        self.model = model or load_model()
        self.weights = ctx.kb.unit_weights(units) if units else {}
        self.salient = _salient(units, self.weights)
        self.asked = asked_kinds(ctx.u.folded)
        self.bigrams = content_bigrams(ctx.u.folded)
        self.document_years = document_years(ctx.u.folded)
        # the bodies asked as doing something, not those things go to ("gửi … cho Sở GDĐT")
        self.actors = [a for a in ctx.u.agencies if a not in ctx.u.recipients]
        # the provinces asked and those merged into them in 2025 (Lâm Đồng: also Đắk Nông's documents)
        self.provinces = set(expand_provinces(ctx.u.provinces, ctx.today)) if ctx.u.provinces else set()
        # the names the documents quote that the question names ("dòng họ học tập")
        asked = f" {ctx.u.folded} "
        self.asked_titles = [t for t in ctx.kb.quoted_names() if f" {t} " in asked]

    # -- candidates -------------------------------------------------------------------------
    def hits(self):
        """The retrieved chunks: the question's scope first, then the whole store (entities as features)."""
        ctx, r = self.ctx, self.ctx.retriever
        if r is None:
            return []
        expanded = ctx.lex.with_synonyms(ctx.lex.expand(ctx.u.text))
        if self.allowed is not None:
            return r.search(ctx.u.text, k=SCOPED_K, mode=ctx.mode, allowed=self.allowed, expanded=expanded)
        scope = ctx.docs_for()
        hits = []
        if scope:
            hits = r.search(ctx.u.text, k=SCOPED_K, mode=ctx.mode, allowed=ctx.chunks_of(scope), expanded=expanded)
        seen = {h.chunk_id for h in hits}
        hits += [
            h
            for h in r.search(ctx.u.text, k=OPEN_K if scope else SCOPED_K, mode=ctx.mode, expanded=expanded)
            if h.chunk_id not in seen
        ]
        return hits

    def candidates(self) -> list[Candidate]:
        ctx = self.ctx
        hits = self.hits()
        if not hits:
            return []
        scope = ctx.docs_for()
        best_lex = max(h.lexical for h in hits) or 1.0
        best_dense = max(h.dense for h in hits)
        out: list[Candidate] = []
        sections = self._sections_retrieved(hits)
        for rank, h in enumerate(hits):
            ch = ctx.kb.chunks.get(h.chunk_id)
            if ch is None:
                continue
            chunk_feats = self._chunk_features(ch, h, rank, best_lex, best_dense, scope)
            pairs = lines_with_paragraphs(ch.text)
            lines = [line for line, _ in pairs]
            for i, (line, paragraph) in enumerate(pairs):
                if _NOISE_LINE.match(line):
                    continue
                c = Candidate(ch.id, ch.document_id, i, line, _heads_chunk(i, line, lines, ch))
                c.paragraph = paragraph if paragraph != line else ""
                c.columns = _column_names(line, lines)
                c.features = dict(chunk_feats)
                led_by = ctx.kb.title_led_by(ch.document_id, line)  # 'Lớp 4: trước ngày 25/9' is retrieved
                named = sections.get((ch.document_id, _title_key(led_by))) if led_by else None  # with class 4's
                if named is not None:
                    c.features.update(_retrieved_with(c.features, named[0], named[1], best_lex, best_dense))
                c.features.update(self._line_features(c, ch, lines))
                c.features["title_conflict"] = self._title_conflict(c, ch)
                c.score = linear_score(c.features, self.model)
                out.append(c)
        return self.ordered(out)

    def without_picks(self, ranked: list[Candidate]) -> list[Candidate]:
        """The candidates ranked again as if no answerer had chosen any (its answer did not stand)."""
        for c in ranked:
            if c.features.get("answerer_pick"):
                c.features["answerer_pick"] = 0.0
                c.score = linear_score(c.features, self.model)
        return self.ordered(list(ranked))

    def ordered(self, out: list[Candidate]) -> list[Candidate]:
        """The scored candidates in the order of their scores, then of the rules that move a line first."""
        # another province's lines come last, then those naming another title than the one asked
        # (and lines of documents outside the place or number the question names, when some are of it, or that do
        # not name the commune or district it names, when some do)
        elsewhere = self._not_naming_place(out)
        out.sort(
            key=lambda c: (
                c.features["province_conflict"],
                c.features["scope_conflict"],
                c.document_id in elsewhere,
                c.features["title_conflict"],
                -c.score,
            )
        )
        ranked = _list_head_first(_whole_question_first(_covered_first(out), self.asked), self.asked)
        ranked = _named_field_first(_item_head_first(ranked, self.asked), self.ctx.u.folded)
        ranked = _best_row_first(_members_named_first(ranked, self.ctx.u.folded), f" {self.ctx.u.folded} ")
        ranked = _party_named_first(ranked, self.ctx.u.text or "", self._with_headings)
        ranked = self._place_named_first(ranked)
        ranked = self._bound_first(self._kind_first(self._named_section_first(self._body_first(ranked))))
        ranked = self._reason_first(self._unit_first(self._result_first(ranked)))
        ranked = self._named_level_first(self._named_item_first(self._definition_first(self._condition_first(ranked))))
        ranked = self._age_first(self._points_level_first(self._asked_body_first(ranked)))
        ranked = _named_part_first(ranked, self.ctx.u.folded, self._with_headings)
        ranked = _row_code_first(ranked, self.ctx.u.folded)
        ranked = _row_under_header(ranked)  # whichever rule put a table's header row first ("Kết quả 6 tháng")
        return _total_first(self._extreme_row_first(ranked), self.ctx.u.folded)

    def _extreme_row_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Xã nào được giao số lượt người học cao nhất?': of the table of the first row (or header row) among the
        EXTREME_WINDOW best lines, the row whose cell under the column the question names holds the highest (or
        lowest) number comes first."""
        m = extreme_asked(self.ctx.u.folded)
        line = next((c for c in ranked[:EXTREME_WINDOW] if is_table_row(c.text)), None) if m else None
        if line is None:
            return ranked
        header = line.columns or line.text.replace("|", " ")  # a row's column names, or the header row itself
        rows = [c for c in ranked if c.document_id == line.document_id and c.columns == header and is_table_row(c.text)]
        first = next((x for x in split_lines(self.ctx.kb.chunks[line.chunk_id].text) if is_table_row(x)), "")
        col = column_asked(table_cells(first), self.ctx.u.folded)
        values = [(v, c) for c in rows if col is not None and (v := cell_number(c.text, col)) is not None]
        if len(values) < 2:
            return ranked
        best = (max if m.group(1) in _HIGHEST else min)(values, key=lambda x: x[0])[1]
        return [best] + [c for c in ranked if c is not best]

    def _not_naming_place(self, out: list[Candidate]) -> set[str]:
        """The candidates' documents that do not name the place below a province the question names ("xã Lập
        Thạch"), when some do; else none."""
        names = places_asked(self.ctx.u.text)
        if not names:
            return set()
        texts = {d: _document_text(self.ctx, d) for d in set(c.document_id for c in out)}
        naming = {d for d, text in texts.items() if all(_names(text, name) for _, name in names)}
        return set(texts) - naming if naming else set()

    def _age_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Người 65 tuổi có được hỗ trợ tiền ăn không?': a best line setting ages that do not hold the age asked
        (or none) gives way to the first of the LEVEL_WINDOW best lines of its document whose ages hold it ('b)
        Người trên 60 tuổi … không hưởng hỗ trợ tiền ăn')."""
        m = AGE_ASKED.search(self.ctx.u.folded)
        if m is None or not ranked or holds_age(ranked[0].text, int(m.group(1))):
            return ranked
        return _first_of_document(ranked, LEVEL_WINDOW, lambda c: holds_age(c.text, int(m.group(1))))

    def _points_level_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Tự chấm được 82 điểm thì xếp loại gì?': among the LEVEL_WINDOW best lines, the first whose range of
        points holds the score ('2. Đạt: tổng điểm từ 70 điểm đến dưới 90 điểm …')."""
        points = points_asked(self.ctx.u.folded)
        if points is None or not ranked:
            return ranked
        return _first_of(ranked, LEVEL_WINDOW, lambda c: holds_points(c.text, points))

    def _named_section_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Lễ khai mạc … tổ chức ở đâu, hôm nào?': a best line that, with its headings and its document's identity,
        lacks a salient word of the question gives way to a line of its document, among the SECTION_WINDOW best, in
        a section whose own heading names it ('2. Lễ khai mạc cấp tỉnh' › '- Thời gian: …') and that carries the
        kind asked, if any."""
        if not ranked or not self.salient or self.actors:  # a body asked: its own line (_asked_body_first)
            return ranked
        first = ranked[0]  # a word of its document's subject names no section of it ("sơ kết" of a "báo cáo sơ kết")
        said = self._with_headings(first) + self.ctx.kb.identity_folded(first.document_id)
        missing = [u for u in self.salient if f" {u} " not in said]
        kinds = [k for k in ("date", "place", "clock", "who", "money", "number") if k in self.asked]
        # when and where a part is held ("Vòng chung kết … ngày nào, ở đâu?") is said in its own section ("2. Vòng
        # chung kết"), not by a line that names it under another ("chọn 10 gia đình vào vòng chung kết")
        when_where = bool(self.asked & {"date", "place", "clock", "list"})  # or its items ("Điều 3. Hình thức …")
        whole = not missing and when_where and not self._section_named(first)
        if not missing and not whole:
            return ranked

        def names_it(c: Candidate) -> bool:  # the heading of the section the line is in, not the line itself
            heads = self.ctx.kb.chunks[c.chunk_id].headings or []
            if c.is_heading or not heads:
                return False
            carries = not kinds or any(CARRIES[k].search(c.text) for k in kinds)
            if whole:  # a list asked: any item of the section named; its day or place: the line giving it
                return self._section_named(c) and (carries or "list" in self.asked) and _no_conflict(c, first)
            if heading_is_line(heads[-1], c.text):  # a numbered item heads its own section
                return False
            own = folded_text(heads[-1])
            return any(f" {u} " in own for u in missing) and carries and _no_conflict(c, first)

        return _first_of_document(ranked, NAMED_SECTION_WINDOW if whole else SECTION_WINDOW, names_it)

    def _section_named(self, c: Candidate) -> bool:
        """The question writes the whole title, of NAMED_HEADING_SYLLABLES, of the section the line is in ("2. Vòng
        chung kết" › "- Thời gian: …"; "Điều 3. Hình thức khen thưởng" › "2. Giấy khen …", an item heading its own)."""
        syl = folded_syllables(_TITLE_NUMBER.sub("", self._own_section_title(c)))
        low, high = NAMED_HEADING_SYLLABLES
        return low <= len(syl) <= high and f" {' '.join(syl)} " in f" {self.ctx.u.folded} "

    def _place_named_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'TTHTCĐ xã Quảng Khê được bao nhiêu điểm?' of a province's table: the row naming the commune comes first
        among the PARTY_WINDOW best of the best line's document, unless that document is the commune's own (its
        every line is of it)."""
        if not ranked:
            return ranked
        doc = self.ctx.kb.docs[ranked[0].document_id]
        identity = folded_text(" ".join(filter(None, [doc.label, doc.issuer, doc.subject])))
        for _, name in places_asked(self.ctx.u.text):
            if _names(identity, name) or _names(self._with_headings(ranked[0]), name):
                continue
            moved = _first_of_document(ranked, PARTY_WINDOW, lambda c: _names(folded_text(c.text), name))
            if moved is not ranked:
                return moved
        return ranked

    def _with_headings(self, c: Candidate) -> str:
        return with_headings(self.ctx.kb, c)

    def _title_conflict(self, c: Candidate, ch) -> float:
        """The line, with its headings and its document's subject, names in quotes another title than the one the
        question names (“Đơn vị học tập”'s criteria for “Dòng họ học tập”'s), and never the one asked."""
        if not self.asked_titles:
            return 0.0
        subject = self.ctx.kb.docs[c.document_id].subject or ""  # "… đánh giá, xếp loại “Đơn vị học tập”"
        text = c.text + "\n" + "\n".join(ch.headings or []) + "\n" + subject
        folded = folded_text(text)
        if any(f" {t} " in folded for t in self.asked_titles):
            return 0.0
        names = self.ctx.kb.quoted_names()
        quoted = [folded_text(m.group(1)).strip() for m in QUOTED_NAME.finditer(text)]
        # a title the subject names unquoted: "Hỏi - đáp về danh hiệu Công dân học tập"
        quoted += [n for n in names if f" danh hieu {n} " in folded_text(subject)]
        return _bool(any(q in names and self._rival_title(q) for q in quoted))

    def _rival_title(self, name: str) -> bool:
        """A name of the same kind as a title asked: they share two words in a row (“Dòng họ học tập” and “Đơn vị học
        tập”; “Gia đình hiếu học” and “Gia đình học tập”), not a scholarship's “Tiếp sức đến trường”."""
        pairs = lambda t: set(zip(t.split(), t.split()[1:]))
        return any(pairs(name) & pairs(t) for t in self.asked_titles)

    def _named_level_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Xã muốn lên mức độ 3 cần điều kiện gì?': a line that begins by naming that level ('3. Mức độ 3: đã được
        công nhận mức độ 2 …') comes first; a line naming it in passing ('… biết chữ mức độ 2') does not."""
        m = _NAMED_LEVEL.search(self.ctx.u.folded)
        if m is None:
            return ranked
        led = lambda c, level: re.match(r"^(?:\d{1,2}\s+)?muc do " + level + r"\b", folded_text(c.text).strip())
        hits = [c for c in ranked if led(c, m.group(1))]
        if not hits or not ranked or ranked[0] in hits:
            return ranked
        top = ranked[0]
        # another level's line gives way; any other line only when it holds no word asked that the level's line
        # lacks ("ngân sách xã … mức độ 2": the table's row), the words naming the document aside ("dòng họ")
        if not led(top, r"\d"):
            ident = f" {self.ctx.kb.identity_folded(top.document_id)} "
            holds = lambda c: {
                x for x in self.units if f" {x} " in f" {folded_text(c.text)} " and f" {x} " not in ident
            }
            hits = [c for c in hits if holds(top) <= holds(c)]
        return hits + [c for c in ranked if c not in hits] if hits else ranked

    def _asked_body_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """A body named in the question ("Sở Nội vụ chuẩn bị gì?"): when the best line begins by naming another
        body ("- Sở Khoa học và Công nghệ: …"), a line among BODY_WINDOW best ones that begins by naming the body
        asked comes first (an entity, not a weight: never another body's task)."""
        ctx = self.ctx
        top = ranked[0] if ranked else None
        label = body_led_by(top.text) if top is not None and self.actors else None
        if label is None or ctx.agency_match("", label):
            return ranked
        own = next((c for c in ranked[1:BODY_WINDOW] if ctx.agency_match("", body_led_by(c.text) or "")), None)
        return ranked if own is None else [own] + [c for c in ranked if c is not own]

    def _sections_retrieved(self, hits) -> dict[tuple[str, str], tuple]:
        """The retrieved chunks by (document, the title of their section): (hit, rank), the best-ranked first."""
        out: dict[tuple[str, str], tuple] = {}
        for rank, h in enumerate(hits):
            ch = self.ctx.kb.chunks.get(h.chunk_id)
            if ch is not None and ch.headings:
                out.setdefault((ch.document_id, _title_key(ch.headings[-1])), (h, rank))
        return out

    def _body_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """The header block answers only what is asked about the document itself (its number, date, signer,
        subject, recipients): otherwise a line of the body that covers the question as well, among the
        HEADER_WINDOW best, comes first ('Thực hiện kết luận của Phó Thủ tướng … Vũ Đức Đam …' before 'V/v thực
        hiện kết luận của Phó Thủ tướng …')."""
        if ranked and "document" in self.asked and self.ctx.docs_for() is not None:  # "QĐ 52 về việc gì?": the header
            return _first_of(ranked, HEADER_WINDOW, lambda c: self.ctx.kb.chunks[c.chunk_id].kind == "header")
        if not ranked or "document" in self.asked or self.ctx.u.intent == "document":
            return ranked
        if self.ctx.kb.chunks[ranked[0].chunk_id].kind != "header":
            return ranked
        cov = max(ranked[0].features.get("cov_line", 0.0), 1e-9)  # the line's own words, not its headings'
        return _first_of(
            ranked,
            HEADER_WINDOW,
            lambda c: self.ctx.kb.chunks[c.chunk_id].kind != "header" and c.features.get("cov_line", 0.0) >= cov,
        )

    def _named_item_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Tiêu chí 2 … có những chỉ số nào?': the lines of that numbered item (a criterion, an indicator)
        come first, as an article the question names does (a rule: an entity, not a weight)."""
        m = _NAMED_ITEM.search(self.ctx.u.folded)
        if m is None:
            return ranked
        name = f" {m.group(1)} {m.group(2)} "
        kb = self.ctx.kb

        in_line = [c for c in ranked if name in folded_text(c.text)]  # the line that names it, else its section
        hits = in_line or [c for c in ranked if name in kb.headings_folded(c.chunk_id)]
        return hits + [c for c in ranked if c not in hits] if hits else ranked

    def _reason_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Vì sao … không đạt?': among the REASON_WINDOW best lines, one of the best line's document that gives a
        cause ('2. Nguyên nhân: …') before one that only states what was not reached."""
        if "reason" not in self.asked or not ranked:
            return ranked
        moved = _first_of_document(ranked, REASON_WINDOW, lambda c: bool(CARRIES["reason"].search(c.text)))
        if moved is not ranked:  # a line giving a cause among the best
            return moved
        stated = self._cause_stated(ranked[0])  # the report's own "Nguyên nhân: …", though no topic word is in it
        return [stated] + ranked if stated is not None else ranked

    def _cause_stated(self, best: Candidate) -> Candidate | None:
        """The line of the best line's document that begins by giving a cause ("2. Nguyên nhân: …"), weighed as the
        best line (it answers the question that line is about)."""
        for ch in self.ctx.kb.chunks_of_document(best.document_id):
            for i, (line, _) in enumerate(lines_with_paragraphs(ch.text)):
                if _CAUSE_LINE.match(line):
                    c = Candidate(ch.id, ch.document_id, i, line, False, dict(best.features), best.score)
                    c.features["answerer_pick"] = 0.0
                    return c
        return None

    def _unit_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'bao nhiêu điểm thì đạt …?', 'mấy lớp …?': among the UNIT_WINDOW best lines, one that gives a number
        of the unit asked ('từ 80 điểm trở lên') before one that gives a number of something else ('03 lần')."""
        first = ranked[0] if ranked else None
        noun = counted_noun(self.ctx.u.text, self.ctx.u.folded) or asked_unit(self.ctx.u.folded)
        if first is not None and noun and is_table_row(first.text) and _column_counts(first.columns, noun):
            return ranked  # a row under the column counting it ("| Lạc Hồng | 2.103 |" under "Số hộ GĐHT", "Tổng điểm")
        counted = count_asked(self.ctx.u.text, self.ctx.u.folded)
        if counted is not None:  # "tỉnh có bao nhiêu xã, phường?": "… với 124 xã, phường", of the best line's document
            return _first_of_document(ranked, COUNT_WINDOW, lambda c: gives_count(counted, c.text))
        unit = asked_unit(self.ctx.u.folded)
        if unit is None:
            return ranked
        of_unit = re.compile(r"\d[\d.,]*\s*(?:%\s*)?" + re.escape(unit) + r"\b")
        return _first_of(ranked, UNIT_WINDOW, lambda c: bool(of_unit.search(fold(c.text))))

    def _kind_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'… giữ danh hiệu được bao lâu?': a best line carrying none of the KIND_FIRST kinds asked ('giữ nguyên kết
        quả đến hết ngày 31 tháng 12') gives way to one of the KIND_WINDOW best, of its document, that carries one ('có
        giá trị 01 năm')."""
        kind = next((k for k in KIND_FIRST if k in self.asked), None)  # a length of time asked: a length given
        carries = lambda c: bool(CARRIES[kind].search(c.text))
        if kind is None or not ranked or carries(ranked[0]):
            return ranked
        first = ranked[0]
        return _first_of_document(ranked, KIND_WINDOW, lambda c: carries(c) and _no_worse(c, first))

    def _bound_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """By when something is due ('hạn chót … là ngày nào?'), when a period starts ('bắt đầu áp dụng từ ngày
        nào?') or ends ('đến khi nào?'), or both: a best line not stating that bound with a date gives way to one of the
        best, of its document, that does and conflicts with nothing the question names (another
        clause of the question is answered by its own line, bot/answerers/clauses.py), among BOUND_WINDOW."""
        q = self.ctx.u.folded
        asked = [stated for asks, stated in _BOUNDS if asks.search(q)]
        if not ranked or not asked:
            return ranked
        # both ends asked ("có hiệu lực từ ngày nào đến ngày nào?"): a line stating both
        states = lambda c: all(x.search(folded_text(c.text)) for x in asked) and bool(CARRIES["date"].search(c.text))
        if states(ranked[0]):
            return ranked
        first = ranked[0]
        return _first_of_document(ranked, BOUND_WINDOW, lambda c: states(c) and _no_conflict(c, first))

    def _result_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Xã … có đạt chỉ tiêu … không?': among the RESULT_WINDOW best lines, one that states a result ('kết
        quả 62,5%. Đánh giá: Đạt.') answers it before a target set for later ('100% thôn đạt danh hiệu …')."""
        if "result" not in self.asked:
            return ranked
        states = lambda c: bool(_RESULT_STATED.search(c.text))
        if "number" in self.asked:  # "… đạt bao nhiêu?": the result with its figure, before a shortfall in words
            with_figure = _first_of(
                ranked,
                RESULT_WINDOW,
                lambda c: states(c) and bool(CARRIES["number"].search(_ENUMERATOR.sub("", c.text))),
            )
            if with_figure is not ranked:
                return with_figure
        return _first_of(ranked, RESULT_WINDOW, states)

    def _condition_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'Điều kiện để … được Giấy chứng nhận … là gì?': a best line whose own section states no conditions gives way
        to the first of the CONDITION_WINDOW best lines of its document whose section does ('Điều 6. Tiêu chuẩn khen
        thưởng …' › '3. "Dòng họ học tập tiêu biểu": được công nhận … 03 năm liên tục'), not a quota naming the award."""
        if not ranked or not _CONDITION_ASKED.search(self.ctx.u.folded) or self._of_conditions(ranked[0]):
            return ranked
        first = ranked[0]
        return _first_of_document(ranked, CONDITION_WINDOW, lambda c: self._of_conditions(c) and _no_conflict(c, first))

    def _of_conditions(self, c: Candidate) -> bool:
        """The section the line is in is one of conditions, standards or criteria."""
        return _CONDITION_SECTION.search(folded_text(self._own_section_title(c))) is not None

    def _own_section_title(self, c: Candidate) -> str:
        """The title of the section the line is in, an item heading its own section aside; "" when none."""
        heads = [h for h in self.ctx.kb.chunks[c.chunk_id].headings or [] if not heading_is_line(h, c.text)]
        return heads[-1] if heads else ""

    def _definition_first(self, ranked: list[Candidate]) -> list[Candidate]:
        """'X là gì?': a line among the best DEFINITION_WINDOW that says 'X là …' answers it (a rule: the
        development questions hold too few definitions to fit its weight)."""
        if "definition" not in self.asked:
            return ranked
        return _first_of(ranked, DEFINITION_WINDOW, lambda c: bool(c.features.get("defines")))

    # -- features -----------------------------------------------------------------------------
    def _chunk_features(self, ch, h, rank, best_lex, best_dense, scope) -> dict[str, float]:
        ctx = self.ctx
        doc = ctx.kb.docs[ch.document_id]
        body = ctx.kb.chunk_folded(ch.id)
        ident = ctx.kb.identity_folded(doc.id)
        f = {
            "cov_chunk": coverage(self.units, "", body, self.weights),
            "cov_chunk_doc": coverage(self.units, "", body + ident, self.weights),
            "salient_chunk": coverage(self.salient, "", body + ident, self.weights) if self.salient else 0.0,
            "bm25_rel": (h.lexical / best_lex) if best_lex > 0 else 0.0,
            "dense": h.dense,
            "dense_gap": best_dense - h.dense,
            "rank_inv": 1.0 / (1.0 + rank),
            "scope_match": _bool(scope and ch.document_id in scope),
            "scope_conflict": _bool(scope and ch.document_id not in scope),
            "header": _bool(ch.kind == "header"),
            "preamble": _bool(ch.kind == "preamble"),
            "closing": _bool(ch.kind == "closing"),
        }
        f.update(self._entity_features(ch, doc))
        return f

    def _entity_features(self, ch, doc) -> dict[str, float]:
        ctx, u = self.ctx, self.ctx.u
        heads = " ".join(ch.headings or [])
        agencies_here = {r.agency for r in ctx.kb.responsibilities_by_chunk.get(ch.id, ())}
        agency_match = any(ctx.agency_match(a, heads) for a in agencies_here) if self.actors else False
        if self.actors and not agency_match:
            agency_match = bool(heads) and ctx.agency_match("", heads)
        year_text = " ".join(ch.headings or []) + " " + ch.text
        return {
            "province_match": _bool(u.provinces and doc.province in u.provinces),
            "province_conflict": _bool(u.provinces and doc.province and doc.province not in self.provinces),
            "agency_match": _bool(agency_match),
            "agency_conflict": _bool(self.actors and agencies_here and not agency_match),
            "year_match": _bool(u.years and any(str(y) in year_text for y in u.years)),
        }

    def _defines(self, folded_line: str) -> bool:
        """'X là gì?': the line says 'X là …' (or 'X: …')."""
        term = " ".join(self.units)
        return bool(term) and (f" {term} la " in folded_line or folded_line.startswith(f" {term} "))

    def _line_features(self, c: Candidate, ch, lines: list[str]) -> dict[str, float]:
        ctx = self.ctx
        ft = folded_text(c.text)
        # the line's headings, and the sections it names by number ('Lớp 4: trước ngày 25/9' is about class 4)
        heads = folded_text(" ".join((ch.headings or []) + ctx.kb.referred_titles(c.document_id, c.text)))
        heads += " " + folded_text(c.columns)
        f = {
            "cov_line": coverage(self.units, "", ft, self.weights),
            "cov_line_ctx": coverage(self.units, "", ft + heads, self.weights),
            "salient_line": coverage(self.salient, "", ft, self.weights) if self.salient else 0.0,
            # … with what names its document ("Văn Lâm" of a page on Văn Lâm): not a weight of the fitted model
            "salient_line_doc": (
                coverage(self.salient, "", ft + " " + ctx.kb.identity_folded(c.document_id), self.weights)
                if self.salient
                else 0.0
            ),
            "heading_line": _bool(c.is_heading),
            "ends_colon": _bool(c.text.rstrip().endswith(":")),
            "log_len": math.log(1 + len(c.text)),
            "line_pos": c.line_no / max(1, len(lines) - 1) if len(lines) > 1 else 0.0,
            "cov_heading": coverage(self.units, "", heads, self.weights),
            "bigrams": _share_in(self.bigrams, ft + heads),
        }
        f.update(self._year_features(c, ch, lines))
        f["answerer_pick"] = _bool(any(quote_in_line(q, c.text) for q in self.picks))
        kinds = {type(x).__name__ for x in ctx.kb.fact_at(ch.id, c.text)}
        f["has_fact"] = _bool(kinds)
        for kind, fact in FACT_OF_KIND.items():
            f[f"ask_{kind}_fact"] = _bool(kind in self.asked and fact in kinds)
        for kind in ("date", "number", "who", "place", "clock", "contact", "validity", "howto", "money"):
            asked = kind in self.asked
            has = bool(CARRIES[kind].search(c.text)) or row_carries(kind, c)
            f[f"ask_{kind}_has"] = _bool(asked and has)
            f[f"ask_{kind}_lacks"] = _bool(asked and not has)
        f["ask_document_header"] = _bool("document" in self.asked and ch.kind == "header")
        f["defines"] = _bool("definition" in self.asked and self._defines(ft))
        f["ask_number_percent"] = _bool("number" in self.asked and CARRIES["percent"].search(c.text))
        f["ask_list_heading"] = _bool("list" in self.asked and (c.is_heading or f["ends_colon"]))
        return f

    def _year_features(self, c: Candidate, ch, lines: list[str]) -> dict[str, float]:
        """The years the line names, or else the nearest heading above it that names one, against the years
        asked: "Mục tiêu năm 2025 …" is not answered by a line under "b) Mục tiêu đến năm 2030:"."""
        doc_year = self.ctx.kb.docs[c.document_id].year
        asked = [y for y in self.ctx.u.years if not (y == doc_year and y in self.document_years)]
        if not asked:
            return {"year_line_match": 0.0, "year_line_conflict": 0.0}
        named = line_years(lines, c.line_no, ch.headings)
        hit = any(y in named for y in asked)
        return {"year_line_match": _bool(hit), "year_line_conflict": _bool(named and not hit)}


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# "công văn Bộ GDĐT năm 2026", "kế hoạch của tỉnh năm 2026": the year that names the document, not its content
_DOCUMENT_YEAR = re.compile(
    r"\b(?:cong van|ke hoach|quyet dinh|chi thi|thong tu|thong bao|huong dan|nghi quyet|van ban)\b"
    r"(?: [^ ]+){0,4}? (?:ban hanh )?nam ((?:19|20)\d\d)\b"
)


def document_years(folded_question: str) -> set[int]:
    """The years the question gives a document by (its year of issue), which say nothing of what it asks."""
    return {int(y) for y in _DOCUMENT_YEAR.findall(folded_question)}


def line_years(lines: list[str], i: int, headings=None, periods: bool = False) -> set[int]:
    """The years line i of a chunk names, or else those of the nearest heading above it that names any (a
    title or colon-ended line of the chunk, then the chunk's own headings, innermost first); with `periods`, a
    period's every year (the ranking was fitted on the years written)."""
    above = [p for p in reversed(lines[:i]) if p.rstrip().endswith(":") or (is_title(p) and p[:1] not in "-+•")]
    for text in [lines[i], *above, *reversed(headings or [])]:
        text = _COMPARED_YEAR.sub("", text)  # "Giảm 01 bậc so với năm 2025": a row of 2026
        years = named_years(text) if periods else {int(y) for y in _YEAR.findall(text)}
        if years:
            return years
    return set()


# a year a figure is compared with ("tăng 5% so với năm 2025", "so với cùng kỳ năm 2026"): not the line's own year
_COMPARED_YEAR = re.compile(r"\bso với\s+(?:cùng kỳ\s+)?(?:năm\s+)?(?:19|20)\d\d\b", re.IGNORECASE)
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)(?!\d)")
MAX_PERIOD_YEARS = 20


def named_years(text: str) -> set[int]:
    """The years a text names, a period's every year ("giai đoạn 2021 - 2030" names 2026)."""
    years = {int(y) for y in _YEAR.findall(text)}
    for a, b in _PERIOD.findall(text):
        if 0 < int(b) - int(a) <= MAX_PERIOD_YEARS:
            years.update(range(int(a), int(b) + 1))
    return years


# a fact answer stands when one of this many best lines is one its answerer chose
PICK_TOP = 2
# answers about the document itself (its number, date, signer, recipients) come from its header
HEADER_INTENTS = ("document",)


def agrees(answer, ranked: list[Candidate], u=None, model: dict | None = None) -> bool:
    """Does a fact answer say what the evidence ranking puts first (or is there no ranking)?

    - about the document itself: its header is the evidence, when the question names it by number or the best
      line is from it, and it is of the type named ("ai ký quyết định công nhận … cấp phường?" asks a step of a
      procedure, not a header);
    - the tasks of a body the question names, the deadlines of a day or period it names: that name is the
      evidence for the facts listed;
    - whom to call: the best line's document is one the contacts are read from;
    - otherwise one of the PICK_TOP best lines is one the answerer chose (its `answerer_pick` feature).
    """
    if not ranked:
        return True
    if answer.intent in HEADER_INTENTS:  # a document named by its number, or the one the best line is from
        return u is None or _header_asked(answer, ranked, u)
    if answer.intent == "criteria" and u is not None:
        if asked_kinds(u.folded) & NOT_A_LIST_OF_CRITERIA or _NAMED_LEVEL.search(u.folded):
            return False  # "… do ai công nhận?", "… có giá trị mấy năm?", "lên mức độ 3 cần gì?": not the list
    if u is not None and (
        (answer.intent == "responsibility" and u.agencies)
        or (answer.intent == "deadline" and (u.days or u.window or u.months))
    ):
        return True
    if answer.intent == "deadline" and u is not None and _IN_FORCE_ASKED.search(u.folded):
        return False  # "… có hiệu lực từ ngày nào?": the line that says so, not a deadline near it
    if answer.intent == "contact":  # whom to call about a document: the best line's document names them
        return ranked[0].document_id in {s.file for s in answer.sources}
    if not any(c.features.get("answerer_pick") for c in ranked[:PICK_TOP]):
        return False
    if u is not None and _field_outranks_pick(ranked, u.folded):
        return False
    if u is None or "list" in asked_kinds(u.folded):  # a list's items each weigh little: the answerer gathers them
        return True
    model = model or load_model()
    plain = [_plain_score(c, model) for c in ranked]  # as if nothing were chosen
    best = max(plain)
    if best < refusal_thresholds(model)[1]:  # weak evidence outweighs no choice ("sơ kết … khi nào?")
        return True
    return any(
        c.features.get("answerer_pick") and plain[i] >= PICK_CLOSE * best for i, c in enumerate(ranked[:PICK_TOP])
    )


_IN_FORCE_ASKED = re.compile(r"\bhieu luc\b")

# a labelled field: "a) Chủ đề: …", "- Địa điểm: …", "Hình thức: …" (an enumerator, a label of a few words, a colon)
_FIELD = re.compile(r"^\s*(?:[-–•+*]\s*|[a-zđ0-9]{1,3}[.)]\s*)*([^:;,.()\d]{2,40}?)\s*:\s*\S")
FIELD_LABEL_SYLLABLES = (1, 4)  # "Chủ đề", "Thời gian", "Đối tượng tham gia": a label, not a sentence


def field_label(line: str, syllables: tuple[int, int] = FIELD_LABEL_SYLLABLES) -> str:
    """The label a line gives its value under ("a) Chủ đề: “…”" → "chu de"), folded; "" when it has none."""
    m = _FIELD.match(line)
    syl = folded_syllables(m.group(1)) if m else []
    low, high = syllables
    return " ".join(syl) if low <= len(syl) <= high else ""


# a target or result named by its whole label ("Số tài liệu số trên Thư viện số Hòa Vang: năm 2027 đạt 5.000 …")
NAMED_FIELD_SYLLABLES = (4, 12)
NAMED_FIELD_WINDOW = 10


# a table's row named by its code: "dòng A1", "chỉ tiêu A3", "mã số 2.1"
_ROW_CODE_ASKED = re.compile(r"\b(?:dong|chi tieu|ma so|ma)\s+([a-z]\d{1,2}[a-z]?|\d{1,2}\.\d{1,2})\b")


def _row_code_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """'Dòng A1 của Biểu số 02 chỉ tính những lớp nào?': the line that starts with that code ("A1 | Số chuyên đề, lớp
    học đã tổ chức | …"), among the LABEL_ROW_WINDOW best, comes first."""
    m = _ROW_CODE_ASKED.search(folded_question)
    if m is None or not ranked:
        return ranked
    starts = re.compile(rf"^\|?\s*{re.escape(m.group(1))}\s*[|.:)\s]")
    return _first_of(ranked, LABEL_ROW_WINDOW, lambda c: starts.match(fold(c.text.strip()).lower()) is not None)


def _named_field_first(ranked: list[Candidate], folded_question: str) -> list[Candidate]:
    """The first of the NAMED_FIELD_WINDOW best lines of the best line's document whose label of NAMED_FIELD_SYLLABLES
    the question writes whole comes first: of five targets that each name the digital library, the one asked."""
    q = f" {folded_question} "
    named = lambda c: (lab := field_label(c.text, NAMED_FIELD_SYLLABLES)) != "" and f" {lab} " in q
    if not ranked or named(ranked[0]):
        return ranked
    first = ranked[0]
    return _first_of_document(ranked, NAMED_FIELD_WINDOW, lambda c: named(c) and _no_conflict(c, first))


def field_asked(line: str, folded_question: str) -> bool:
    """The question names the line's label whole ("Chủ đề Tuần lễ … là gì?" of "a) Chủ đề: …")."""
    label = field_label(line)
    return bool(label) and len(label) > 3 and f" {label} " in f" {folded_question} "


def _field_outranks_pick(ranked: list[Candidate], folded_question: str) -> bool:
    """The best line the answerer did not choose is the field the question names, and no line it chose is: the
    theme asked of an event is not its dates ("Chủ đề Tuần lễ … là gì?" of "a) Chủ đề: …", "b) Thời gian: …")."""
    top = ranked[:PICK_TOP]
    named = [c for c in top if field_asked(c.text, folded_question)]
    return bool(named) and not any(c.features.get("answerer_pick") for c in named)


def _header_asked(answer, ranked: list[Candidate], u) -> bool:
    """A header answer is about the document asked: named by its number, or the best line's own, and of the type the
    question names, in its label or subject, unless the best line is that header (who signs "quyết định công nhận" is
    no question on a Hướng dẫn's header; "Văn bản … về tài liệu hướng dẫn do ai ký?" is one on a Công văn's)."""
    docs = [s.doc for s in answer.sources]
    if any(fold(n) in fold(d) for n in u.numbers for d in docs):  # named by its number ("CV 412/BGDĐT … do ai ký")
        return True
    said = fold(answer.answer)  # its type and number, and its subject ("Công văn … V/v hướng dẫn tổ chức …")
    other_type = u.doc_types and not any(fold(t) in said for t in u.doc_types if t)
    if other_type and not ranked[0].features.get("header"):  # the best line is the body's, not this header
        return False
    return bool(u.numbers) or ranked[0].document_id in {s.file for s in answer.sources}


def _plain_score(c: Candidate, model: dict) -> float:
    """The line's score as if no answerer had chosen it (its own score when none did)."""
    return linear_score({**c.features, "answerer_pick": 0.0}, model) if c.features.get("answerer_pick") else c.score


# a line the answerer chose stands only when, weighed without that choice, it scores at least this share of the best
# line's score ("Tuần lễ … có chủ đề gì?": not the event's dates, which the choice lifted over the theme at twice theirs),
# or when the best line is weak evidence itself (below the calibrated WEAK_EVIDENCE_SCORE)
PICK_CLOSE = 0.75


# what a question may ask of a set of criteria that its list of items does not say
NOT_A_LIST_OF_CRITERIA = frozenset({"who", "validity", "date", "place", "clock", "contact"})


# the fact that answers each kind of question, when a line carries it
FACT_OF_KIND = {"date": "Deadline", "number": "Target", "who": "Responsibility", "place": "Event"}


def content_bigrams(folded_question: str) -> list[str]:
    """The question's pairs of adjacent words that are neither question nor function words."""
    from bot.relevance import QUESTION_WORDS
    from bot.search_index import STOPWORDS

    syl = folded_question.split()
    skip = QUESTION_WORDS | STOPWORDS
    return [f"{a} {b}" for a, b in zip(syl, syl[1:]) if a not in skip and b not in skip and not a.isdigit()]


def _share_in(grams: list[str], hay: str) -> float:
    return sum(f" {g} " in hay for g in grams) / len(grams) if grams else 0.0


def _salient(units: list[str], weights: dict[str, float]) -> list[str]:
    """The question's rarest topic words: those weighing at least half the heaviest."""
    if not units:
        return []
    top = max(weights.get(x, 1.0) for x in units)
    return [x for x in units if weights.get(x, 1.0) >= top / 2]


def evidence_text(ctx, chunk_ids) -> str:
    """The folded text of these chunks with their headings and their documents' identity."""
    parts = []
    docs = set()
    for cid in chunk_ids:
        parts.append(ctx.kb.chunk_folded(cid))
        docs.add(ctx.kb.chunks[cid].document_id)
    return " ".join(parts + [ctx.kb.identity_folded(did) for did in docs])


# Refuse when the topic words missing from the evidence weigh at least this share of the question's topic,
# or any share when even the best evidence line scores below WEAK_EVIDENCE_SCORE. These are the defaults: the
# values in force are calibrated with each fit and stored in the model file (see refusal_thresholds).
MISSING_MIN_SHARE = 0.34
WEAK_EVIDENCE_SCORE = 0.35
# ... or when the topic words missing from the nearest evidence (the chunks of the NEAR_CHUNKS best lines) weigh
# at least this share: each word is in some document, never with the others.
NEAR_MISSING_MIN_SHARE = 0.5
NEAR_CHUNKS = 2


def missing_share(ctx, units: list[str], missing: list[str]) -> float:
    from bot.relevance import SINGLE_SYLLABLE_WEIGHT

    w = ctx.kb.unit_weights(units)
    weigh = lambda x: w.get(x, 1.0) * (1.0 if " " in x else SINGLE_SYLLABLE_WEIGHT)
    total = sum(weigh(x) for x in units)
    return sum(weigh(x) for x in missing) / total if total else 0.0


_PROPOSED_ANSWER = re.compile(r"\b(dap an( dung)? la|cau tra loi( dung)? la|tra loi)\b")


def not_covered(ctx, units: list[str], ranked: list[Candidate]) -> tuple[list[str], bool]:
    """The words that make the question one the documents do not cover (empty: they may cover it), and
    whether they are missing only from the nearest evidence (found elsewhere, never with the rest)."""
    proposed = _PROPOSED_ANSWER.search(ctx.u.folded)
    asking = " " + ctx.u.folded[: proposed.start()] + " " if proposed else None

    def asked(words: list[str]) -> list[str]:  # "…? Đáp án là: X": X is the asker's guess, not the topic
        return [m for m in words if f" {m} " in asking] if asking else words

    part = part_not_in_document(ctx, ranked)
    if part is not None:  # "Phụ lục 3 …" of a plan whose annexes are Phụ lục 1 and 2
        return [part], True
    min_share, weak, near_share = refusal_thresholds()
    missing = asked(missing_words(ctx, units, ranked))
    if missing and (missing_share(ctx, units, missing) >= min_share or best_score(ranked) < weak):
        return missing, False
    near = asked(missing_near(ctx, units, ranked))
    if near and missing_share(ctx, units, near) >= near_share:
        return near, True
    year = year_not_near(ctx, ranked)
    if year is not None:  # "Năm 2024 … có bao nhiêu người đạt …?" of documents on 2026 and 2027
        return [year], True
    place = place_not_near(ctx, ranked)
    if place is not None:  # "Xã Minh Đức huyện Văn Lâm …?" of a page whose table has no Minh Đức
        return [place], True
    person = person_not_near(ctx, ranked)
    if person is not None:  # "Hộ ông Nguyễn Văn Tám … có được tặng …?" of a list that has no Nguyễn Văn Tám
        return [person], True
    rival = rival_not_near(ctx, ranked) or holder_not_near(ctx, ranked)
    if rival is not None:  # "Sở Y tế …" of a decision tasking "Sở Nội vụ", "Sở Tài chính" and no Sở Y tế
        return [rival], True
    if ranked[0].features.get("province_conflict"):  # "Sở GDĐT Quảng Ngãi …": only other provinces' documents
        return list(ctx.u.provinces), True
    if ranked[0].features.get("title_conflict"):  # "Dòng họ học tập" asked of a page on "Công dân học tập" only
        asked = f" {ctx.u.folded} "
        return [t for t in ctx.kb.quoted_names() if f" {t} " in asked], True
    kind = kind_not_near(ctx, ranked)
    if kind is not None:  # named by the words near evidence lacks, else by what the question asks
        return near or [_kind_named(ctx, kind)], True
    return [], False


# a place below a province the question names by its capitalised name ("xã Minh Đức", "huyện Sa Thầy"): the
# documents of the PLACE_DOCUMENTS best lines must name it somewhere, or they speak of other places
_PLACE_ASKED = re.compile(
    r"\b((?i:xã|phường|huyện|thị trấn|thị xã|quận|thôn|ấp|bản|tổ dân phố))\s+((?:[^\W\d_]+\s*){1,4})"
)
PLACE_DOCUMENTS = 2


def _capitalised_name(words: str) -> str:
    """The leading words written with a capital ("Minh Đức" of "Minh Đức huyện Văn Lâm"), two or more."""
    name = []
    for w in words.split():
        if not w[:1].isupper():
            break
        name.append(w)
    return " ".join(name) if len(name) >= 2 else ""


def place_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """'xã Minh Đức' when the question names a place below a province that no document of the best lines names."""
    return _first_not_in_documents(ctx, ranked, places_asked(ctx.u.text))


def places_asked(question: str) -> list[tuple[str, str]]:
    """(label, name) of each place below a province the question names by its capitalised name (("xã Minh Đức",
    "Minh Đức"))."""
    return [(f"{kind} {name}", name) for kind, name in _titled_names(_PLACE_ASKED, question or "")]


def _titled_names(pattern: re.Pattern, text: str) -> list[tuple[str, str]]:
    """(title, capitalised name) after each title the pattern finds ("Xã Minh Đức huyện Văn Lâm": both places; the
    search goes on after the name, not after the words the pattern took)."""
    out, at = [], 0
    while (m := pattern.search(text, at)) is not None:
        name = _capitalised_name(m.group(2))
        if name:
            out.append((m.group(1), name))
        at = m.start(2) + max(len(name), 1)
    return out


def _document_text(ctx, document_id: str) -> str:
    """The folded text of all the document's chunks and its identity, spaces around (Knowledge.document_folded)."""
    return ctx.kb.document_folded(document_id)


def _names(text: str, name: str) -> bool:
    """The folded text (spaces around) writes the name."""
    return f" {' '.join(folded_syllables(name))} " in text


# a person the question names by a title and a capitalised name of two or more syllables ("ông Nguyễn Văn Tám",
# "bà Hoàng Thị Mai"): the documents of the PLACE_DOCUMENTS best lines must name them, or they speak of others
_PERSON_ASKED = re.compile(r"(?<!\w)((?i:ông|bà|anh|chị|cô|thầy|cháu|em|đồng chí|đ/c))\s+((?:[^\W\d_]+\s*){2,4})")


# a sponsor the question names by its kind and its capitalised name, one word or more ("Ngân hàng Agribank", "Công ty
# Hồng Phát", "HTX Tân An Xanh"): the documents of the best lines must write it, or they speak of others
_ORGANISATION_ASKED = re.compile(
    rf"(?<!\w)((?i:công ty|cty|ngân hàng|tập đoàn|doanh nghiệp|hợp tác xã|htx))\s+((?:[{CAPITAL}][^\W_]*\s*){{1,4}})"
)


def _organisations(text: str) -> list[tuple[str, str]]:
    """(kind, name) of each sponsor the question names: the capitalised words after its kind ("TNHH" kept)."""
    return [(m.group(1), m.group(2).strip()) for m in _ORGANISATION_ASKED.finditer(text)]


PARTY_WINDOW = 8


def _column_counts(columns: str, noun: str) -> bool:
    """A column of the table counts the noun: "Số hộ GĐHT", "Tổng số xã", "Tổng điểm", the noun alone ("Hộ"); not
    "Chủ hộ"."""
    cells = [" ".join(folded_syllables(c)) for c in re.split(r"\s*\|\s*|\s{2,}", columns or "") if c.strip()]
    return any(re.match(rf"(tong )?(so )?(luong )?{re.escape(noun)}\b", c) for c in cells)


def _party_named_first(ranked: list[Candidate], text: str, with_headings=lambda c: folded_text(c.text)) -> list:
    """A person, company or lineage the question names ("anh Trần Văn Quyết ủng hộ bao nhiêu?"): when the best line does not
    name them, in itself or its headings ("d) Địa bàn phụ trách: …" under "3. Bà Cầm Thị Hương …"), the first of the
    PARTY_WINDOW best lines of its document that does comes first (the donor's own line, not the post's opening that
    names the commune)."""
    if not ranked:
        return ranked
    names = [name for _, name in _titled_names(_PERSON_ASKED, text) + _organisations(text)]
    names += [m.group(1).strip() for m in _LINEAGE_ASKED.finditer(text)]  # "dòng họ Phùng"
    for name in names:
        if _names(f" {folded_text(ranked[0].text)} ", name):
            ranked[0].party_named = True
            return ranked
        if _names(f" {with_headings(ranked[0])} ", name):  # a line of their own section
            return ranked
        moved = _first_of_document(ranked, PARTY_WINDOW, lambda c: _names(f" {folded_text(c.text)} ", name))
        if moved is not ranked:
            moved[0].party_named = True  # its own line: no line that scored higher for other words goes with it
            return moved
    return ranked


def person_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """'ông Nguyễn Văn Tám' when the question names a person that no document of the best lines names; 'dòng họ Ngô'
    when it names a lineage they do not."""
    found = _titled_names(_PERSON_ASKED, ctx.u.text or "") + _organisations(ctx.u.text or "")
    lineages = [
        (f"dòng họ {m.group(1).strip()}", m.group(1).strip()) for m in _LINEAGE_ASKED.finditer(ctx.u.text or "")
    ]
    return _first_not_in_documents(ctx, ranked, [(f"{title.lower()} {name}", name) for title, name in found] + lineages)


# a lineage the question names by its capitalised name, one syllable or more ("dòng họ Ngô", "dong ho Nguyen Van")
_LINEAGE_ASKED = re.compile(rf"(?<!\w)(?i:dòng họ|dong ho)\s+((?:[{CAPITAL}][^\W\d_]*\s*){{1,3}})")


# the holder of a role asked by the role ("Giám đốc Sở Văn hóa … hiện nay là ai?", "chủ tịch hội khuyến học tên gì"),
# answered only by a line naming a person beside that role, or by a document that role signs
_ROLE = r"(?:pho )?(?:giam doc|chu tich|truong ban|truong phong|bi thu|hieu truong|tong thu ki|bo truong|thu truong)"
_HOLDER_ASKED = re.compile(rf"\b({_ROLE})\b.{{0,80}}?\b(la ai|ten (?:la )?gi|ten ai|la ong nao|la ba nao)\b")
# … a person, not the office that chairs a council ("Chủ tịch Hội đồng đánh giá là ai?": "Chủ tịch UBND xã"): the role
# of a standing body ("Giám đốc Sở …", "Chủ tịch Hội Khuyến học …"), the holder now, or a name asked
_HOLDER_PERSON = re.compile(
    rf"\b{_ROLE} (?:so|uy ban|ubnd|hoi khuyen hoc|trung tam|thu vien|truong|phong)\b"
    r"|\b(hien nay|hien tai|bay gio|hien gio)\b|\bten (?:la )?gi\b|\bten ai\b|\bla (ong|ba) nao\b"
)
SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương Trịnh Đinh Lâm Phùng Mai "
    "Tô Trương Hà Lương Lưu Cao Tạ Kiều Quách Triệu Thái La Nông Lò Vi Hứa Chu Khổng Tăng Thân Từ Châu Lã Mạc Quan Tống"
).split()
_PERSON_NAMED = re.compile(
    rf"(?<!\w)(?:[Ôô]ng|[Bb]à|[Đđ]ồng chí|[Đđ]/c)\s+[{CAPITAL}]|(?<!\w)(?:{'|'.join(SURNAMES)})\s+[{CAPITAL}]\w*\s+[{CAPITAL}]"
)
HOLDER_WINDOW = 8


def holder_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """'tên Giám đốc' when the question asks who holds a role and no line near it names a person beside that role (a
    plan tasking "Sở Văn hóa, Thể thao và Du lịch" does not say who directs it), nor does a document it signs."""
    m = _HOLDER_ASKED.search(ctx.u.folded)
    if m is None or not ranked or not _HOLDER_PERSON.search(ctx.u.folded):
        return None
    role = m.group(1)
    near = _near_lines(ranked, 2) + ranked[:HOLDER_WINDOW]
    if any(role in folded_text(c.text) and _PERSON_NAMED.search(c.text) for c in near):
        return None
    docs = [ctx.kb.docs[d] for d in dict.fromkeys(c.document_id for c in ranked[:HOLDER_WINDOW])]
    if any(d.signer and role in fold(d.signer_title or "") for d in docs):
        return None
    from bot.answerers.base import as_written

    return "tên " + as_written(ctx.u.text, role)


# One of several of a kind the question names by its head word: a body ("Sở Y tế") or a prize ("giải Ba"). When the
# best line's document names two or more others of that head ("Sở Nội vụ", "Sở Tài chính"; "giải Nhất", "giải Nhì")
# and neither it nor the next best line's document writes the one asked, the documents speak of others. A body's head
# is written with its capital (folded, "sở" is "số"), its name by the two syllables after it, the first capitalised;
# a prize by one, capitalised or a rank (PRIZE_RANKS). Read only in a question typed with diacritics.
RIVAL_NAME_SYLLABLES = {"sở": 2, "hội": 2, "phòng": 2, "giải": 1}
PRIZE_RANKS = frozenset({"nhat", "nhi", "ba", "tu", "dac", "khuyen"})  # "giải nhất" … "giải đặc biệt", typed lower-case
_RIVAL_ASKED = re.compile(r"(?<!\w)(Sở|Hội|Phòng|[Gg]iải)\s+([^\W\d_]+(?:\s+[^\W\d_]+)?)")


def rival_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """'Sở Y tế' when the best documents name other bodies of that head and never it ('giải Ba': other prizes)."""
    if not ranked or not has_diacritics(ctx.u.text or ""):
        return None
    text = ctx.lex.expand(ctx.u.text)  # "Sở GDĐT" → "Sở Giáo dục và Đào tạo"
    docs = list(dict.fromkeys(c.document_id for c in ranked))[:PLACE_DOCUMENTS]
    for m in _RIVAL_ASKED.finditer(text):
        head = m.group(1).lower()
        words = m.group(2).split()[: RIVAL_NAME_SYLLABLES[head]]
        if head == "giải" and not (words[0][:1].isupper() or fold(words[0]).lower() in PRIZE_RANKS):
            continue  # "giải gì", "giải thưởng": no prize named
        if head != "giải" and (not words[0][:1].isupper() or (len(words[0]) > 1 and words[0].isupper())):
            continue  # "Hội nghị", "Phòng họp": no body's name; "Sở GD", "Phòng VHXH": initials the glossary lacks
        name = " ".join(folded_syllables(" ".join(words)))
        if _took_over_bodies(f"{fold(head)} {name}"):
            continue  # "Sở Nội vụ" took over the tasks of bodies the documents name (2025 register)
        if _rivals(ctx, docs[0], m.group(1), name) >= 2 and not any(_names_instance(ctx, d, head, name) for d in docs):
            return f"{m.group(1)} {' '.join(words)}"
    return None


def _took_over_bodies(folded_label: str) -> bool:
    """A body of that name took over the tasks of bodies that no longer exist (the 2025 register)."""
    from bot.admin_changes import load_register

    return any(folded_label in fold(b.into) for b in load_register().bodies if b.into)


def _rivals(ctx, document_id: str, head: str, name: str) -> int:
    """How many others of this head the document names ('Sở Nội vụ', 'Sở Tài chính': by their first syllable)."""
    pattern = re.compile(rf"(?<!\w){'[Gg]iải' if head.lower() == 'giải' else head}\s+([^\W\d_]+)")
    raw = " ".join(ch.text for ch in ctx.kb.chunks_of_document(document_id))
    firsts = {fold(x).lower() for x in pattern.findall(raw) if head.lower() == "giải" or x[:1].isupper()}
    return len(firsts - {name.split()[0]})


def _names_instance(ctx, document_id: str, head: str, name: str) -> bool:
    """The document writes the head with that name, or (a name of two syllables or more) the name anywhere, in its
    own words or abbreviated ('y te': 'Trạm Y tế')."""
    hay = _document_text(ctx, document_id)
    if f" {fold(head)} {name} " in hay:
        return True
    return " " in name and not _absent(ctx, [name], hay, single_absent=lambda s: f" {s} " not in hay)


def _first_not_in_documents(ctx, ranked: list[Candidate], asked: list[tuple[str, str]]) -> str | None:
    """The first of the `asked` (label, name) pairs (("xã Minh Đức", "Minh Đức")) whose name none of the
    PLACE_DOCUMENTS best lines' documents writes: its label."""
    if not asked or not ranked:
        return None
    docs = list(dict.fromkeys(c.document_id for c in ranked))[:PLACE_DOCUMENTS]
    hay = " ".join(_document_text(ctx, d) for d in docs)
    return next((label for label, name in asked if not _names(hay, name)), None)


# A year the question asks about ("năm 2024", "6 tháng đầu năm 2026"), not one naming a document or ending a date
# ("Luật Cư trú năm 2020", "ngày 20 tháng 01 năm 2023"): the nearest evidence, YEAR_CHUNKS best chunks with their
# headings, their documents' identity and dates, must name it, or a period holding it ("giai đoạn 2027 - 2030").
# On every shared and blind set, no answerable question's year was missing from them (bench/EVIDENCE.md, tenth round)
_YEAR_ASKED = re.compile(r"\bnam (20\d\d)\b")
_YEAR_NAMES = re.compile(
    r"\b(thang \d{1,2}|luat|bo luat|hien phap|nghi dinh|thong tu|quyet dinh|nghi quyet|chi thi)(?: \S+){0,3} nam 20\d\d$"
)
YEAR_CHUNKS = 3
_YEAR_RANGE = re.compile(r"\b(20\d\d)(?:\s*[-–]\s*|\s+)(20\d\d)\b")  # folded text writes "2027 - 2030" "2027 2030"


def year_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """'năm 2024' when the question asks about a year the nearest evidence never names, else None."""
    folded = ctx.u.folded
    asked = [m for m in _YEAR_ASKED.finditer(folded) if not _YEAR_NAMES.search(folded[: m.end()])]
    if not (asked or _SCHOOL_YEAR_ASKED.search(folded)) or not ranked:
        return None
    chunks = best_chunks(ranked, YEAR_CHUNKS)
    docs = {ctx.kb.chunks[c].document_id for c in chunks}
    dates = " ".join(str(ctx.kb.docs[d].date.year) for d in docs if ctx.kb.docs[d].date)
    near = evidence_text(ctx, chunks) + " " + dates
    periods = [(int(a), int(b)) for a, b in _YEAR_RANGE.findall(near)]  # "giai đoạn 2027 - 2030" holds 2028
    named = lambda y: y in near or any(a <= int(y) <= b for a, b in periods)
    missing_year = next((f"năm {m.group(1)}" for m in asked if not named(m.group(1))), None)
    return missing_year or _school_year_not_near(folded, near)


# a school year asked ("năm học 2026-2027") is named as a pair, not by either year ("năm học 2027 - 2028" is another)
_SCHOOL_YEAR_ASKED = re.compile(r"\bnam hoc (20\d\d)\s*[-–]?\s*(20\d\d)\b")


def _school_year_not_near(folded_question: str, near: str) -> str | None:
    for a, b in _SCHOOL_YEAR_ASKED.findall(folded_question):
        if not re.search(rf"\b{a}\s*[-–]?\s*{b}\b", near):
            return f"năm học {a}-{b}"
    return None


# A numbered part of a document the question names: "Phụ lục 3", "Mẫu 05", "Biểu số 2", "Phụ lục III", "Lớp số 06",
# "Câu 6".
_PART_ASKED = re.compile(
    r"\b(phu luc|mau so|mau|bieu mau|bieu so|bieu|lop so|tieu chi|(?<!yeu )cau)\s+(\d{1,2}|[ivx]{1,4})\b"
)  # "Câu 6" of a questionnaire or a page of questions and answers, not "yêu cầu 2"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def part_number(s: str) -> int:
    """A part's number in figures or in Roman numerals, folded ("3", "iii" → 3; 0 when neither)."""
    return int(s) if s.isdigit() else _ROMAN.get(s, 0)


def _part_numbers(text: str, kind: str) -> set[int]:
    """The numbers of the parts of this kind the folded text names ("phu luc 1", "phu luc so 2", "phu luc iii")."""
    return {part_number(x) for x in re.findall(rf"\b{kind}\s+(?:so\s+)?(\d{{1,2}}|[ivx]{{1,4}})\b", text)}


def _names_part(text: str, kind: str, number: int) -> bool:
    return number in _part_numbers(text, kind)


def _named_part_first(ranked: list[Candidate], folded_question: str, read=lambda c: folded_text(c.text)) -> list:
    """ "Phụ lục 2 … là gì?", "Lớp số 02 dành cho ai?": the first of the COVERED_WINDOW best lines that names that
    numbered part (`read`: the line, with its headings) comes first."""
    m = _PART_ASKED.search(folded_question)
    if m is None or not ranked or _names_part(read(ranked[0]), m.group(1), part_number(m.group(2))):
        return ranked
    kind, number = m.group(1), part_number(m.group(2))
    return _first_of(ranked, COVERED_WINDOW, lambda c: _names_part(read(c), kind, number))


def part_not_in_document(ctx, ranked: list[Candidate]) -> str | None:
    """The numbered part the question names ("phu luc 3"), when the best evidence's document has parts of that kind
    ("Phụ lục 1", "Phụ lục 2") but not that one: the question asks of something the document does not have."""
    m = _PART_ASKED.search(ctx.u.folded)
    if m is None or not ranked:
        return None
    kind = m.group(1)
    text = " ".join(ctx.kb.chunk_folded(c.id) for c in ctx.kb.chunks_of_document(ranked[0].document_id))
    text = f"{text} {ctx.kb.identity_folded(ranked[0].document_id)}"
    numbers = _part_numbers(text, kind)
    if not numbers or part_number(m.group(2)) in numbers:
        return None
    return m.group(0)


def _kind_named(ctx, kind: str) -> str:
    """What the refusal names for a kind of answer no near line gives: "số cơ quan" for "bao nhiêu cơ quan"."""
    from bot.answerers.base import as_written

    if kind == "year":
        return "năm " + ", ".join(str(y) for y in ctx.u.years)
    noun = counted_noun(ctx.u.text, ctx.u.folded) if kind == "count" else None
    if kind == "due":
        return DUE_NAMED
    return f"số {as_written(ctx.u.text, noun)}" if noun else SPECIFIC_KINDS[kind]


def best_score(ranked: list[Candidate]) -> float:
    """The ranking's own best score: the rules that put a line first (a cause, a result, a unit) move a line
    the model scored lower, and the evidence is as strong as its best line, whichever is shown first."""
    return max((c.score for c in ranked), default=0.0)


def refusal_thresholds(model: dict | None = None) -> tuple[float, float, float]:
    """(MISSING_MIN_SHARE, WEAK_EVIDENCE_SCORE, NEAR_MISSING_MIN_SHARE) as calibrated with the fitted model
    (its "refusal" entry), or the defaults: the ranking's scores move with each fit, so the thresholds are
    fitted with it."""
    r = (model or load_model()).get("refusal") or {}
    return (
        r.get("missing_min_share", MISSING_MIN_SHARE),
        r.get("weak_evidence_score", WEAK_EVIDENCE_SCORE),
        r.get("near_missing_min_share", NEAR_MISSING_MIN_SHARE),
    )


# Words that shape a question (how long, the last day, done by, does it cost) rather than name its topic.
QUESTION_SHAPE_WORDS = frozenset(
    "bao lau, han chot, co mat, mat, mat phi, mat tien, ton phi, xong, de dat, hen, yeu cau, dang ki, giay to, ho so, "
    "sap nhap, sau sap nhap, sap xep, sau sap xep, goi dien, cham, cham nhat, muon nhat, som nhat, cu the, hien nay, hien tai, bay gio, hien gio, luc nay, thoi diem, the nao, ra sao, nhu the nao, co duoc, duoc khong, con, vay, nhi, nhe, "
    "xin hoi, cho hoi, nghe noi, giup, liet ke, day du, chuc vu, neu, noi, di, phia, kieu, luon, bat dau, ket thuc, dien ra, keo dai, thu tuc, qui trinh, cach thuc, doi tuong, "
    # what a question about a document itself asks for ("số hiệu là gì, ngày nào, ai ký")
    "so hieu, trich yeu, ngay ki, nguoi ki, ai ki, noi nhan, kinh gui, "
    # a quantifier ("tất cả bao nhiêu dòng họ")
    "tat ca, "
    # a multiple-choice question's own words ("Chọn câu trả lời đúng nhất", "Đáp án là: …")
    "chon, cau tra loi, tra loi, dap an, dung nhat, sau day, duoi day, day, thuoc, khong thuoc, phuong an, bao gom, gom".split(
        ", "
    )
)
# … and those of a question asking whom to call ("gọi" alone may be a call-up: "gọi bao nhiêu thanh niên nhập ngũ")
CONTACT_SHAPE_WORDS = frozenset(
    {
        "goi",
        "hoi",
        "hoi them",
        "them",
        "lien he",
        "lien lac",
        "so",
        "nhan",
        "nhan tin",
        "nhan so",
        "thac mac",
        "vuong mac",
        "giai dap",
    }
)  # "có thắc mắc thì liên hệ ai": the asking frame
_CODE = re.compile(r"[\d/\-]")


_VOWEL = re.compile(r"[aeiouy]")
MAX_ABBREVIATION = 6


def _initials(hay: str) -> set[str]:
    """Every run of 2 to MAX_ABBREVIATION syllables' initials in the folded text ('cdht' for 'cong dong hoc tap')."""
    first = [w[0] for w in hay.split() if w[:1].isalpha() and w != "va"]  # 'khcn': 'khoa hoc va cong nghe'
    return {"".join(first[i : i + k]) for k in range(2, MAX_ABBREVIATION + 1) for i in range(len(first) - k + 1)}


@lru_cache(maxsize=1)
def _answerer_words() -> frozenset[str]:
    """The words that make a question deadline-, task-, target- or criteria-shaped ('nộp', 'phần trăm')."""
    from bot.answerers.criteria import CRITERIA_WORDS
    from bot.answerers.deadlines import DEADLINE_WORDS
    from bot.answerers.responsibilities import RESPONSIBILITY_WORDS
    from bot.answerers.targets import TARGET_WORDS

    return frozenset(CRITERIA_WORDS | DEADLINE_WORDS | RESPONSIBILITY_WORDS | TARGET_WORDS)


def _trimmed(unit: str, ignore: frozenset[str]) -> str:
    """A compound cut at an entity's edge ('tap tinh', 'giao duc va dao tao tinh') without the syllables
    that are domain or function words."""
    syl = unit.split()
    while syl and syl[-1] in ignore:
        syl.pop()
    while syl and syl[0] in ignore:
        syl.pop(0)
    return " ".join(syl)


def missing_words(ctx, units: list[str], ranked: list[Candidate]) -> list[str]:
    """The question's topic words found in none of the evidence: a compound absent from the retrieved
    chunks, or a single syllable no document uses. Document numbers, abbreviations the glossary knows and
    the question's shape words are never missing."""
    hay = evidence_text(ctx, best_chunks(ranked))
    return _absent(ctx, units, hay, single_absent=ctx.kb.unit_absent)


def missing_near(ctx, units: list[str], ranked: list[Candidate]) -> list[str]:
    """The question's topic words absent from the nearest evidence: the chunks of its NEAR_CHUNKS best lines
    with their headings and documents' identity. A question whose heaviest words are all found somewhere
    but never together with its other words ("Lương của cán bộ trung tâm học tập cộng đồng …") is one the
    documents do not cover: no passage speaks of what it asks."""
    chunks = best_chunks(ranked, NEAR_CHUNKS)
    text = evidence_text(ctx, chunks)
    hay = f" {text} {folded_text(ctx.lex.expand(text))} "  # 'ubnd' also as 'uy ban nhan dan'
    written = _written_words(ctx, chunks) if has_diacritics(ctx.u.text or "") else None
    return _absent(ctx, units, hay, single_absent=lambda s: f" {s} " not in hay or _accents_absent(ctx, s, written))


def _written_words(ctx, chunk_ids) -> set[str]:
    """The words of these chunks, their headings and their documents' identity, as written (lower case, accents)."""
    parts = []
    for cid in chunk_ids:
        ch = ctx.kb.chunks[cid]
        d = ctx.kb.docs[ch.document_id]
        parts += [ch.text, *(ch.headings or []), d.label or "", d.subject or "", d.province or "", d.issuer or ""]
    return set(re.findall(r"\w+", nfc(" ".join(parts)).lower()))


def _accents_absent(ctx, syllable: str, written: set[str] | None) -> bool:
    """A syllable of a question typed with accents that the evidence writes only with others ("vàng" of "Hòa Vang",
    "giá" of "gia đình"): the evidence does not hold that word."""
    if written is None:
        return False
    from bot.answerers.base import as_written

    word = nfc(as_written(ctx.u.text, syllable)).lower()
    return " " not in word and word != syllable and word not in written


# "có bao nhiêu xã …", "còn bao nhiêu người mù chữ": a count of places, bodies or people, which only a line giving a
# number of them answers ("124 xã, phường", "3/28 đơn vị", "100% xã"); not "bao nhiêu điểm" or "mấy tiêu chí" (a
# document's own parts, often listed rather than counted)
COUNTED = (
    "xa|phuong|thi tran|co quan|don vi|nguoi|truong|tinh|huyen|trung tam|tthtcd|hoc vien|lop|ho|gia dinh|dong ho|thon|"
    "to dan pho|ap|khom|buon|cong dan|doanh nghiep|thu vien|can bo|hoc sinh|giao vien|cong dong|dai bieu|chau|tre em"
)
# the best lines a count asked is looked for in, besides the near chunks (a plan states its province's 124 communes once,
# in its purpose)
COUNT_WINDOW = 10
_COUNT_ASKED = re.compile(r"\b(?:bao nhieu|may)\s+(" + COUNTED + r")\b")
_COUNT_NUMBER = r"(?:\d[\d.,/]*\s*%?|" + _SPELLED + r")\s+(?:so\s+|cac\s+)?(?:[a-z]+\s+)?"


# the nouns a count of them may be written by ("tối đa bao nhiêu người" → "30 học viên")
COUNTED_AS = {
    "nguoi": "nguoi|hoc vien|cong dan|dai bieu|can bo|hoc sinh|giao vien|thanh vien|lao dong",
    "tthtcd": "tthtcd|trung tam",
    "trung tam": "tthtcd|trung tam",
    "xa": "xa|don vi",
    "chau": "chau|tre|tre em|em|hoc vien|hoc sinh",
    "tre em": "chau|tre|tre em|em|hoc vien|hoc sinh",
    "phuong": "phuong|xa|don vi",
}


def counted_noun(question: str, folded_question: str) -> str | None:
    """What a count is asked of ("xa", "co quan", "nguoi"), folded, when a count of places, bodies or people is asked:
    not a share ("bao nhiêu % công dân"), not "học mấy lớp … có mất tiền không?", not "máy tính"."""
    typed_machine = re.search(r"\bmáy\b", question.lower()) is not None  # "máy tính" folds as "mấy tỉnh"
    m = next(
        (m for m in _COUNT_ASKED.finditer(folded_question) if not (typed_machine and m[0].startswith("may"))), None
    )
    if (
        m is None
        or "%" in question
        or ASK_RES["percent"].search(folded_question)
        or ASK_RES["yesno"].search(folded_question)
    ):
        return None
    return m.group(1)


def count_asked(question: str, folded_question: str) -> re.Pattern | None:
    """What a line giving the count asked matches (folded, punctuation as spaces), when one is asked (counted_noun)."""
    noun = counted_noun(question, folded_question)
    return None if noun is None else re.compile(_COUNT_NUMBER + r"(?:" + COUNTED_AS.get(noun, noun) + r")\b")


def gives_count(counted: re.Pattern, line: str) -> bool:
    return counted.search(_PUNCT.sub(" ", fold(_ENUMERATOR.sub("", line)))) is not None


_PUNCT = re.compile(r"[^\w%/.,]+")


def kind_not_near(ctx, ranked: list[Candidate]) -> str | None:
    """A specific kind of answer asked (a sum of money, a time of day, a share, a count) that no line near the question
    carries, in a line that shares a topic word with the question ("không thu phí mượn sách" does not say a prize)."""
    counted = count_asked(ctx.u.text, ctx.u.folded) if ranked else None
    if counted is not None:  # "có bao nhiêu xã …": a number of them, of the year asked if any
        near = _near_lines(ranked, KIND_NEAR_CHUNKS["count"]) + ranked[:COUNT_WINDOW]
        giving = [c for c in near if gives_count(counted, c.text)]
        if not giving or _of_other_years(ctx, giving):
            return "year" if giving else "count"
        if _counts_other_titles(ctx, giving):  # "bao nhiêu người đạt “Công dân học tập”" of a results' list of others
            return "count"
    if ranked and _DUE_ASKED.search(ctx.u.folded) and not _due_near(ctx, ranked):
        return "due"
    if ranked and wage_asked(ctx.u.text, ctx.u.folded) and not _wage_near(ctx, ranked):
        return "wage"  # "lương giáo viên … bao nhiêu": a fee or a grant near it is no wage
    asked = [k for k in SPECIFIC_KINDS if k in asked_kinds(ctx.u.folded)]
    if not asked or not ranked:
        return None
    fee = _FEE_ASKED.search(ctx.u.folded)
    carries = lambda k, text: (CARRIES[k] if k != "money" or fee else MONEY_SUM).search(text)
    if _MAY_I.search(ctx.u.folded):  # "có được hỗ trợ tiền ăn không?": whether, not how much
        return None
    for k in asked:
        near = _near_lines(ranked, KIND_NEAR_CHUNKS.get(k, 1))
        carrying = [c for c in near if carries(k, c.text) or row_carries(k, c)]
        if not carrying:
            return k
        if _of_other_years(ctx, carrying):  # "Năm 2026 … bao nhiêu tiền?": the sums of 2021 - 2025
            return "year"
    return None


# a wage asked ("lương giáo viên … bao nhiêu"), and the words a line paying one writes (folded: "phụ cấp", "thù lao"
# too); typed without diacritics "luong" is also "lượng", so the words it ends ("chất lượng", "lực lượng") are none
_WAGE_WORDS = r"luong|thu lao|phu cap|tien cong|tro cap"
_WAGE_FOLDED = re.compile(rf"\b({_WAGE_WORDS})\b")
_LUONG_ENDS = frozenset("chat so khoi dung nang luc trong san ham luu thoi dai ke thuong tu".split())
_FIGURE_ASKED = re.compile(r"\b(bao nhieu|muc|may|the nao|ra sao)\b")


def wage_asked(question: str, folded_question: str) -> bool:
    """The question asks how much a wage is: "lương" (typed with its accents, or folded and no "chất lượng"), with a
    figure asked. An allowance asked ("phụ cấp", "thù lao") is not: the documents pay it as "hỗ trợ … đồng/tháng"."""
    if not _FIGURE_ASKED.search(folded_question):
        return False
    words = re.findall(r"\w+", folded_question)
    for i, w in enumerate(words):
        if w == "luong" and (i == 0 or words[i - 1] not in _LUONG_ENDS):
            if not has_diacritics(question) or "lương" in nfc(question).lower():
                return True
    return False


def _wage_near(ctx, ranked: list[Candidate]) -> bool:
    """A line near the question (the chunk of its best line) pays a wage: a sum beside a wage's word, in the line or
    its headings."""
    for c in _near_lines(ranked, KIND_NEAR_CHUNKS["money"]) + ranked[:1]:
        paid = MONEY_SUM.search(c.text) or row_carries("money", c)  # "| Thù lao báo cáo viên | buổi | 300.000 |"
        if paid and _WAGE_FOLDED.search(with_headings(ctx.kb, c)):
            return True
    return False


def _counts_other_titles(ctx, giving: list[Candidate]) -> bool:
    """The question counts the holders of a title ("đạt danh hiệu Công dân học tập") and no line giving the count
    names it, with its headings, its table's columns and its document's identity (they count families, lineages,
    learners of a class)."""
    asked = f" {ctx.u.folded} "  # the title as what the counted hold: "đạt (danh hiệu) …", "công nhận …"
    titles = [t for t in ctx.kb.quoted_names() if re.search(rf" (dat|cong nhan|danh hieu) (danh hieu )?{t} ", asked)]
    if not titles:
        return False
    read = lambda c: f" {with_headings(ctx.kb, c)} {folded_text(c.columns)} {ctx.kb.identity_folded(c.document_id)} "
    return not any(f" {t} " in read(c) for c in giving for t in titles)


DUE_WINDOW = 10
# a due day counted from an event ("chậm nhất 07 ngày trước ngày kiểm tra", "05 ngày làm việc kể từ …")
_RELATIVE_DUE = re.compile(r"\b\d{1,3}\s+ngày(?:\s+làm việc)?\s+(?:trước|sau|kể từ)\b", re.I)
# "… có được hỗ trợ tiền ăn không?": whether one may have it, without "bao nhiêu"
_MAY_I = re.compile(r"^(?!.*\b(bao nhieu|muc|may)\b).*\bco (duoc|phai)\b.*\bkhong\s*$")


def _due_near(ctx, ranked: list[Candidate]) -> bool:
    """A due date asked ("hạn nộp hồ sơ … là khi nào"): some line near the question, or among the DUE_WINDOW best,
    sets one ("trước ngày 30/6") and, with its headings and its document's identity, holds a topic word of the
    question other than those of its shape ("hạn", "nộp"), or names a body asked: a class's registration deadline is
    none for a scholarship."""
    shape = QUESTION_SHAPE_WORDS | _answerer_words()
    topic = [u for u in ctx.topic() if u not in shape]
    with_heads = lambda c: with_headings(ctx.kb, c) + ctx.kb.identity_folded(c.document_id)
    for c in _near_lines(ranked, KIND_NEAR_CHUNKS["due"]) + ranked[:DUE_WINDOW]:
        if _DUE_STATED.search(folded_text(c.text)) and (CARRIES["date"].search(c.text) or _RELATIVE_DUE.search(c.text)):
            if not topic or any(f" {u} " in with_heads(c) for u in topic) or ctx.agency_match("", c.text):
                return True
    return False


def _of_other_years(ctx, lines: list[Candidate]) -> bool:
    """Each line names (or sits under a heading naming, or in a document whose subject names) years, and none the
    question asks (a period names each of its years: "giai đoạn 2021 - 2030" is of 2026)."""
    asked = set(ctx.u.years) - document_years(ctx.u.folded)
    if not asked:
        return False
    for c in lines:
        ch = ctx.kb.chunks[c.chunk_id]
        chunk_lines = [line for line, _ in lines_with_paragraphs(ch.text)]
        named = line_years(chunk_lines, c.line_no, ch.headings, periods=True)
        named = named or named_years(ctx.kb.docs[c.document_id].subject or "")  # "Báo cáo … năm 2026": its year
        if not named or named & asked:
            return False
    return True


def _near_lines(ranked: list[Candidate], n_chunks: int) -> list[Candidate]:
    """The lines of the chunks of the n_chunks best lines that share a topic word with the question."""
    near = set(best_chunks(ranked, n_chunks))
    return [c for c in ranked if c.chunk_id in near and c.features.get("cov_line_ctx", 0.0) > 0]


def _absent(ctx, units: list[str], hay: str, single_absent) -> list[str]:
    """The topic words `hay` lacks (a single syllable: those `single_absent` says are missing), heaviest first."""
    from bot.answerers.base import DOMAIN_WORDS, TIME_WORDS
    from bot.relevance import QUESTION_WORDS
    from bot.search_index import STOPWORDS

    edge = frozenset(DOMAIN_WORDS | TIME_WORDS | QUESTION_WORDS | STOPWORDS | EDGE_MODIFIERS)
    shape = QUESTION_SHAPE_WORDS | _answerer_words()
    if "contact" in asked_kinds(ctx.u.folded):  # "… thì gọi số nào?": calling is the question, not its topic
        shape |= CONTACT_SHAPE_WORDS
    hay = f" {hay} "
    initials: set[str] | None = None  # read when a question's word is an abbreviation
    out = []
    for unit in units:
        if unit in shape or _CODE.search(unit) or ctx.lex.expand(unit) != unit:
            continue
        if unit in FIGURE_UNITS and FIGURE_UNITS[unit].search(hay):  # "bao nhiêu tiền": "3.000.000 đồng" says it
            continue
        if any(_written_in(x, hay) for x in ctx.lex.synonyms_of(unit)):  # "trường học": "cơ sở giáo dục"
            continue
        if " " not in unit and not _VOWEL.search(unit):  # an abbreviation: its initials in the evidence
            initials = _initials(hay) if initials is None else initials
            if unit not in initials and len(unit) >= 3:
                out.append(unit)
            continue
        if " " in unit:
            core = _trimmed(unit, edge)
            if " " not in core and _trimmed(unit, edge - EDGE_MODIFIERS) != core:  # "tổng kết" is no "kết"
                core = _trimmed(unit, edge - EDGE_MODIFIERS)
            if core in shape:  # "han gi" is "hạn" and a question word: the question's shape, not its topic
                continue
            if core and not _written_in(core, hay):
                if " " in core or single_absent(core):
                    out.append(unit)
        elif single_absent(unit):
            out.append(unit)
    weights = ctx.kb.unit_weights(out) if out else {}
    return sorted(out, key=lambda x: -weights.get(x, 1.0))


# a word of the question that a figure of the evidence says without writing it: "tiền" by a sum ("3.000.000 đồng",
# "1,5 tỷ"), "giờ" and "phút" by a time of day ("8h15", "14 giờ 00") (folded text)
_SUM = re.compile(r"\d[\d.,]*\s*(?:dong|d|trieu|ti|nghin|ngan)\b")
_CLOCK_FIGURE = re.compile(r"\b\d{1,2}\s*(?:h|gio)\s*\d{0,2}\b")
FIGURE_UNITS = {"tien": _SUM, "gio": _CLOCK_FIGURE, "phut": _CLOCK_FIGURE}


# "tổng ngân sách", "toàn bộ kinh phí": a modifier the segmenter joined to what it modifies, which the documents may
# write without it ("ngân sách tỉnh … 38,6 tỷ đồng")
EDGE_MODIFIERS = frozenset({"tong", "toan", "toan bo"})


def _written_in(compound: str, hay: str) -> bool:
    """The evidence writes the compound: whole, by its initials, as its two halves joined by "và" ("dạy học" as "dạy
    và học") or with one other word between them ("trường học" as "trường tiểu học")."""
    syl = compound.split()
    joined = f" {syl[0]} va {syl[1]} " if len(syl) == 2 else "\0"
    if f" {compound} " in hay or f" {_initials_of(compound)} " in hay or joined in hay:
        return True
    return len(syl) == 2 and re.search(rf" {syl[0]} (?!khong |chua |va )\S+ {syl[1]} ", hay) is not None


def _initials_of(compound: str) -> str:
    """'uy ban nhan dan' → 'ubnd': a compound the evidence writes abbreviated (of three syllables or more:
    two letters are too ambiguous)."""
    syl = compound.split()
    return "".join(w[0] for w in syl) if len(syl) >= 3 else "\0"
