"""Parse the header and the closing block of a Vietnamese official document.

Header: số (number), loại (type), cơ quan ban hành (issuer), địa danh & ngày (place, date),
trích yếu "V/v …" (subject), "Kính gửi" (recipients). Closing: "Nơi nhận" (copies to) and the signer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import islice

from bot.lexicon import Lexicon, fold_words
from vntext import fold
from vntext import is_upper_line as _is_upper_line
from vntext.doc_types import TITLE_LED_TYPES, TITLED_TYPES, TYPE_BY_CODE, TYPE_BY_FOLDED

# the title line of a titled type: "LUẬT VIÊN CHỨC 2010", "BỘ LUẬT DÂN SỰ NĂM 2015"
_TITLE_LINE = re.compile(
    r"^(?P<type>"
    + "|".join(sorted((t.upper() for t in TITLED_TYPES), key=len, reverse=True))
    + r")\b\s*(?P<name>[^\d]*?)\s*(?:NĂM\s+)?(?P<year>(?:19|20)\d\d)?\s*$"
)
# "ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG", "UBND THÀNH PHỐ HẢI PHÒNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH X"
_LOCAL_UNIT = re.compile(
    r"\b(?P<kind>TỈNH|THÀNH PHỐ|XÃ|PHƯỜNG|HUYỆN|QUẬN|THỊ XÃ|ĐẶC KHU)\s+(?!HỘI\b)"  # not "VĂN HÓA - XÃ HỘI", "XÃ HỘI HỌC TẬP"
    r"(?P<name>[A-ZÀ-ỸĐ][A-ZÀ-ỸĐ\s\-]*?)\s*$"
)
_NUMBER = re.compile(
    r"^\s*(?:Luật\s+|Nghị quyết\s+|Lệnh\s+)?[Ss]ố\s*:?\s*([0-9]*\s*/\s*[\w\-&Đđ/]+)", re.IGNORECASE | re.MULTILINE
)
_PLACE_DATE = re.compile(
    r"^\s*(?P<place>[^\n,;:]{2,40}?),\s*ngày\s*(?P<d>\d{0,2})\s*tháng\s*(?P<m>\d{0,2})\s*năm\s*(?P<y>\d{4})",
    re.IGNORECASE | re.MULTILINE,
)
_SIGN_TITLE = re.compile(
    r"^(?:KT\.|TM\.|TL\.|Q\.|PHÓ |CHỦ TỊCH|GIÁM ĐỐC|BỘ TRƯỞNG|THỨ TRƯỞNG|TỔNG CỤC TRƯỞNG|"
    r"CỤC TRƯỞNG|VỤ TRƯỞNG|CHÁNH VĂN PHÒNG|TRƯỞNG BAN|PHÓ GIÁM ĐỐC|PHÓ CHỦ TỊCH)"
)
TITLE_MAX_CHARS = 160
_NATIONAL_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap tu do hanh phuc")


@dataclass
class Header:
    doc_type: str | None = None
    number: str | None = None
    issuer: str | None = None
    place: str | None = None
    date: dt.date | None = None
    date_text: str | None = None
    year: int | None = None
    subject: str | None = None
    recipients: list[str] = field(default_factory=list)
    receivers: list[str] = field(default_factory=list)
    signer: str | None = None
    signer_title: str | None = None
    province: str | None = None
    body_start: int = 0  # first line of the body
    body_end: int = 0  # first line of the closing block ("Nơi nhận", signature)
    annex_start: int | None = None  # first line of an annex after the signature (criteria, rules, forms)


# An annex after the signature: a rule line, then a title in capitals or "(Kèm theo / Ban hành kèm theo …)".
_ANNEX_RULE = re.compile(r"^\s*[_\-=*]{8,}\s*$")
_ANNEX_TITLE = re.compile(
    r"^\s*(PHỤ LỤC|BỘ TIÊU CHÍ|TIÊU CHÍ|QUY CHẾ|QUY ĐỊNH|HƯỚNG DẪN|DANH MỤC|DANH SÁCH|BIỂU|MẪU|KẾ HOẠCH|CHƯƠNG TRÌNH)\b"
    r"|^\s*\((Ban hành )?[Kk]èm theo\b"
)


def is_annex_title(line: str) -> bool:
    """An annex's title ("PHỤ LỤC …", "DANH SÁCH … ĐẠT DANH HIỆU …") or its "(Kèm theo …)" line."""
    return _ANNEX_TITLE.match(line) is not None


def find_annex(lines: list[str], body_end: int) -> int | None:
    """The first line of an annex that follows the closing block, or None: its text is part of the body."""
    for i in range(body_end + 1, len(lines)):
        s = lines[i].strip()
        if _ANNEX_RULE.match(s) or _ANNEX_TITLE.match(s):
            nxt = i + 1 if _ANNEX_RULE.match(s) else i
            while nxt < len(lines) and not lines[nxt].strip():
                nxt += 1
            if nxt < len(lines) and (_ANNEX_TITLE.match(lines[nxt]) or _is_upper_line(lines[nxt].strip())):
                return nxt
    return None


def _clean_item(s: str) -> str:
    s = re.sub(r"^[-+•]\s*", "", s.strip())
    return s.rstrip(" ;.,").strip()


def name_case(upper: str) -> str:
    """'BÀ RỊA - VŨNG TÀU' → 'Bà Rịa - Vũng Tàu' (a proper name written in capitals)."""
    return " ".join(w[:1].upper() + w[1:].lower() for w in upper.split())


def local_unit(upper: str) -> tuple[str, str] | None:
    """('tỉnh', 'Đắk Nông') from a header line 'ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG', or None."""
    m = _LOCAL_UNIT.search(upper.strip())
    if not m or not _is_upper_line(m.group("name")):
        return None
    name = re.split(r"\s+(?:TỈNH|THÀNH PHỐ)\s+", m.group("name"))[0]  # "XÃ HÒA THỊNH TỈNH ĐẮK LẮK": the commune
    return m.group("kind").lower(), name_case(name)


def province_of(upper: str, lex: Lexicon) -> str | None:
    """The province or centrally-run city a header line names: the gazetteer's spelling when it
    knows the name, otherwise the name as the header writes it (learned from the document)."""
    prov = lex.find_provinces(upper)
    if prov:
        return prov[0]
    unit = local_unit(upper)
    if unit and unit[0] in ("tỉnh", "thành phố"):
        return unit[1]
    return None


def _smart_case(upper: str, lex: Lexicon) -> str:
    """'ỦY BAN NHÂN DÂN TỈNH ĐẮK NÔNG' → 'UBND tỉnh Đắk Nông'; 'UBND XÃ HÒA AN' → 'UBND xã Hòa An'."""
    f = fold_words(upper)
    unit = local_unit(upper)
    prov = province_of(upper, lex)
    place = ""
    if unit and unit[0] not in ("tỉnh", "thành phố"):
        place = f" {unit[0]} {unit[1]}"
    elif prov:
        kind = "thành phố" if re.search(r"\bthanh pho\b", f) else "tỉnh"
        place = f" {kind} {prov}"
    if f.startswith("uy ban nhan dan") or f.startswith("ubnd"):
        return "UBND" + (place or "")
    ags = lex.find_agencies(upper)
    if ags:
        name = ags[0]
        if name.endswith(" tỉnh"):
            name = name[: -len(" tỉnh")]
        return name + place
    if unit:
        head = upper[: upper.upper().rfind(unit[0].upper())].strip()
        return (name_case(head).capitalize() if head else "") + place
    return " ".join(_word_case(w, lex) for w in upper.split())  # "Trường THCS Trần Phú"


def _word_case(word: str, lex: Lexicon) -> str:
    """A word of a name in capitals as written in a sentence: an abbreviation the glossary knows stays, each part of
    a hyphenated one too ("GDNN-GDTX"); any other word is capitalised."""
    parts = word.split("-")
    return word if word in lex.glossary or all(p in lex.glossary or _no_vowel(p) for p in parts) else word.title()


def _no_vowel(part: str) -> bool:
    """Initials in capitals ("GDCN", "THCS"): two or more letters and no vowel, no syllable of the language."""
    return len(part) >= 2 and part.isalpha() and re.search(r"[aeiouy]", fold(part).lower()) is None


def titled_name(doc_type: str, upper_name: str) -> str:
    """('luật', 'VIÊN CHỨC') → 'Luật Viên chức'; ('bộ luật', 'DÂN SỰ') → 'Bộ luật Dân sự'."""
    name = re.sub(r"\s+", " ", upper_name).strip().lower()
    return f"{doc_type.capitalize()} {name[:1].upper()}{name[1:]}".strip()


_LOCALITY_START = re.compile(r"^(TỈNH|THÀNH PHỐ|XÃ|PHƯỜNG|HUYỆN|QUẬN|THỊ XÃ|THỊ TRẤN|ĐẶC KHU)\b")


# an organ of the body named above it in the issuer block, not a body of its own
_ORGAN = re.compile(r"^(BAN THƯỜNG VỤ|BAN CHẤP HÀNH|BAN THƯỜNG TRỰC|THƯỜNG TRỰC|ĐOÀN CHỦ TỊCH)$")


def _issuer_and_province(issuer_lines: list[str], lex: Lexicon) -> tuple[str, str | None]:
    """The issuing body is the last unit of the block ('UBND TỈNH X' / 'SỞ GIÁO DỤC VÀ ĐÀO TẠO' →
    the Sở); a line starting with a locality ('TỈNH ĐẮK NÔNG') continues the line above it.
    The province is the first one the block names."""
    units: list[str] = []
    for line in issuer_lines:
        if units and (_LOCALITY_START.match(line) or line.startswith(('"', "“"))):  # '"GIA ĐÌNH HỌC TẬP"' goes on
            units[-1] += " " + line
        else:
            units.append(line)
    province = next((p for p in (province_of(u, lex) for u in units) if p), None)
    if len(units) > 1 and _ORGAN.match(units[-1]):  # 'HỘI KHUYẾN HỌC TỈNH X' / 'BAN THƯỜNG VỤ': the Hội's organ
        words = units.pop().lower().split()  # "Ban Thường vụ", "Đoàn Chủ tịch", "Thường trực"
        words = [
            w.capitalize() if i == 0 or (i == 1 and words[0] in ("ban", "đoàn")) else w for i, w in enumerate(words)
        ]
        return f"{' '.join(words)} {_smart_case(units[-1], lex)}", province
    issuer = _smart_case(units[-1], lex)
    if len(units) > 1 and not local_unit(units[-1]):
        place = _parent_place(units, province)
        level = place.split()[0] if place.strip() else ""
        if level and issuer.lower().endswith(" " + level.lower()):  # "… HỌC TẬP TỈNH" under "UBND TỈNH PHÚ THỌ"
            issuer = issuer[: -len(level) - 1]
        issuer += place
    return issuer, province


def _parent_place(units: list[str], province: str | None) -> str:
    """Where the body above a unit sits: ' tỉnh X' / ' Thành phố Hồ Chí Minh' for a provincial body, ' xã Y'
    for a commune's ('ỦY BAN NHÂN DÂN XÃ GIAO SƠN' / 'PHÒNG VĂN HÓA - XÃ HỘI')."""
    if province:
        kind = "thành phố" if any(re.search(r"\bTHÀNH PHỐ\b", u) for u in units) else "tỉnh"
        return f" {province}" if fold(province).startswith(fold(kind)) else f" {kind} {province}"
    parent = local_unit(units[-2])
    return f" {parent[0]} {parent[1]}" if parent else ""


def _issuer_from_code(number: str | None, lex: Lexicon, place: str | None) -> str | None:
    if not number or "/" not in number:
        return None
    code = number.split("/", 1)[1]
    parts = [p for p in re.split(r"[-/]", code) if p]
    if not parts:
        return None
    first = fold(parts[0]).replace("đ", "d")
    if first in TYPE_BY_CODE and len(parts) > 1:
        first = fold(parts[1])
    prov = lex.find_provinces(place or "")
    where = f" {prov[0]}" if prov else ""
    if first.startswith("bgd"):
        return "Bộ Giáo dục và Đào tạo"
    if first.startswith("ubnd"):
        return ("UBND" + (f" tỉnh{where}" if where else "")) if where else "UBND"
    if first.startswith("sgd"):
        return "Sở Giáo dục và Đào tạo" + where
    if first == "ttg":
        return "Thủ tướng Chính phủ"
    if first == "vpcp":
        return "Văn phòng Chính phủ"
    return None


def _doc_type_from_code(number: str | None) -> str | None:
    if not number or "/" not in number:
        return None
    for p in re.split(r"[-/]", number.split("/", 1)[1]):
        t = TYPE_BY_CODE.get(fold(p).replace("đ", "d"))
        if t:
            return t
    return None


def _body_end(lines: list[str]) -> int:
    """The first line of the closing block: "Nơi nhận:", or a signature's trailing title lines."""
    n = len(lines)
    for i, s in enumerate(lines):
        if re.match(r"^\s*Nơi nhận\s*:?", s, re.IGNORECASE):
            return i
    body_end = n
    for i in range(n - 1, max(-1, n - 12), -1):
        if _SIGN_TITLE.match(lines[i].strip()):
            body_end = i
    return body_end if body_end < n else _signature_block(lines)


_PERSON_NAME = re.compile(r"[A-ZÀ-ỸĐ][a-zà-ỹđ]+(?:\s+[A-ZÀ-ỸĐ][a-zà-ỹđ]+){1,5}")
SIGNATURE_SPAN = 4  # a signature's title lines and the name under them, non-empty lines


def _signature_block(lines: list[str]) -> int:
    """The first line of a signature standing before an annex, with no "Nơi nhận" ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH",
    "Lê Văn Hòa", then "QUY ĐỊNH …"): title lines in capitals with a person's name under them, within
    SIGNATURE_SPAN lines. A title followed by text ("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ …" before "Căn cứ …") is none."""
    for i, s in enumerate(lines):
        if not _SIGN_TITLE.match(s.strip()):
            continue
        after = (lines[j].strip() for j in range(i + 1, len(lines)) if lines[j].strip())
        for x in islice(after, SIGNATURE_SPAN):
            if _PERSON_NAME.fullmatch(x):
                return i
            if not _is_upper_line(x):
                break
    return len(lines)


def _parse_closing(lines: list[str], h: Header) -> None:
    """The closing block after the body: "Nơi nhận" (copies to), the signer's title and name; and where an
    annex after it starts."""
    h.body_end = _body_end(lines)
    h.annex_start = find_annex(lines, h.body_end)
    receivers, titles, names = [], [], []
    in_list = False
    for s in lines[h.body_end : h.annex_start]:
        st = s.strip()
        if not st:
            continue
        if re.match(r"^Nơi nhận", st, re.IGNORECASE):
            in_list = True
            rest = _clean_item(re.sub(r"^Nơi nhận\s*:?", "", st, flags=re.IGNORECASE))
            if rest:
                receivers.append(rest)
            continue
        if st.startswith(("-", "+", "•")) and in_list:
            receivers.append(_clean_item(st))
            continue
        in_list = False
        if _SIGN_TITLE.match(st) or (_is_upper_line(st) and len(st) < 60):
            titles.append(st)
        elif re.fullmatch(r"[A-ZÀ-ỸĐ][\wÀ-ỹđĐ]*(?:\s+[A-ZÀ-ỸĐ][\wÀ-ỹđĐ]*){1,5}", st):
            names.append(st)
    h.receivers = [r for r in receivers if r]
    h.signer = names[-1] if names else None
    h.signer_title = " ".join(titles) or None


@dataclass
class _Scan:
    """What reading the header has found so far, besides the fields of `h`: where the date, the type line and
    the "V/v" subject are, and the subject's lines."""

    lines: list[str]
    lex: Lexicon
    h: Header
    head: str = ""  # the first 60 lines, joined
    date_line: int = -1
    type_line: int = -1
    sub_start: int | None = None
    title_line: int = -1  # an untyped document's title under its date (a web article's)
    subj_lines: list[str] = field(default_factory=list)
    body_head: str = ""  # the body's first six lines, joined
    title_rest: str = ""  # what a type's title line says after the type ("Kiểm tra" of "BIÊN BẢN KIỂM TRA")
    post: bool = False  # a post pasted from a social page (`_read_post_head`)


def _read_number(sc: _Scan) -> None:
    m = _NUMBER.search(sc.head)
    if m:
        sc.h.number = re.sub(r"\s+", "", m.group(1))


def _read_place_date(sc: _Scan) -> None:
    """ "Đắk Nông, ngày 15 tháng 12 năm 2021": place, year, date (when day and month are given), its line."""
    h, head = sc.h, sc.head
    m = _PLACE_DATE.search(head)
    if not m:
        return
    h.place = m.group("place").strip()
    h.year = int(m.group("y"))
    d, mo = m.group("d"), m.group("m")
    h.date_text = re.sub(r"\s+", " ", m.group(0).split(",", 1)[1]).strip()
    if d and mo:
        try:
            h.date = dt.date(h.year, int(mo), int(d))
        except ValueError:
            h.date = None
    sc.date_line = head[: m.start()].count("\n") + (1 if head[m.start()] == "\n" else 0)


def _read_type_line(sc: _Scan, i: int, st: str, f: str) -> bool:
    """A line naming the type ("KẾ HOẠCH") or a titled document ("LUẬT VIÊN CHỨC 2010"): read, True."""
    h = sc.h
    if _is_upper_line(st) and f in TYPE_BY_FOLDED and h.doc_type is None:
        h.doc_type = TYPE_BY_FOLDED[f]
        sc.type_line = i
        return True
    led = next((t for t in TITLE_LED_TYPES if f.startswith(t + " ")), None)
    if led and _is_upper_line(st) and h.doc_type is None:  # "BIÊN BẢN KIỂM TRA": its kind leads the subject
        h.doc_type = TYPE_BY_FOLDED[led]
        sc.type_line = i
        sc.title_rest = st.split(None, len(led.split()))[-1].capitalize()
        return True
    title = _TITLE_LINE.match(st) if h.doc_type is None and _is_upper_line(st) else None
    if title and (title.group("name") or title.group("year")):
        # "LUẬT VIÊN CHỨC 2010", "BỘ LUẬT DÂN SỰ 2015": a title line, not an issuer
        h.doc_type = TYPE_BY_FOLDED[fold_words(title.group("type"))]
        h.subject = titled_name(h.doc_type, title.group("name"))
        if title.group("year"):
            h.year = int(title.group("year"))
        sc.type_line = i
        return True
    return False


def _is_issuer_line(sc: _Scan, st: str) -> bool:
    return (
        _is_upper_line(st)
        and sc.type_line < 0
        and not st.startswith(("Số", "V/v"))
        and len(st) < 80
        and not re.match(r"^[IVX]+\.", st)
    )


# a social post's stamp under its page's name: "3 ngày · 🌏", "Trang thông tin điện tử xã Diễn Châu · 2 ngày ·"
_POST_STAMP = re.compile(
    r"^(.*?)\s*·?\s*\b(\d{1,2}\s+(?:phút|giờ|ngày|tuần|tháng)|hôm qua|vừa xong)\b[^·]*·", re.IGNORECASE
)
POST_HEAD_LINES = 3


def _read_post_head(sc: _Scan) -> None:
    """A post pasted from a social page: the page (the text before the stamp's "·", else the line above the stamp)
    issued it, and the first line after the stamp is its title."""
    lines = sc.lines
    for i, s in enumerate(lines[:POST_HEAD_LINES]):
        m = _POST_STAMP.match(s.strip())
        if m is None:
            continue
        above = next((x.strip() for x in reversed(lines[:i]) if x.strip()), "")
        page = m.group(1).strip(" ·-") or above
        if not page:
            return
        sc.h.issuer = page
        title = next((x.strip() for x in lines[i + 1 : i + 4] if x.strip()), "")
        if title and len(title) <= TITLE_MAX_CHARS and not sc.h.subject:
            sc.h.subject = title
        sc.post = True
        return


def _read_top_block(sc: _Scan) -> None:
    """The upper-case lines at the very top: the issuer block (not the national motto) and the type line."""
    if sc.post:  # a social post's page is its issuer
        return
    issuer_lines: list[str] = []
    issuer_done = False
    for i, s in enumerate(sc.lines[:25]):
        st = s.strip()
        if not st:
            continue
        f = fold_words(st)
        if any(f.startswith(mo) for mo in _NATIONAL_MOTTO) or _read_type_line(sc, i, st, f):
            continue
        if not issuer_done and _is_issuer_line(sc, st):
            issuer_lines.append(st)
            continue
        if issuer_lines and not _is_upper_line(st):
            issuer_done = True
        if sc.type_line < 0 and len(st) > 120:  # the body has begun
            break
    if issuer_lines:
        sc.h.issuer, sc.h.province = _issuer_and_province(issuer_lines, sc.lex)


def _subject_after_vv(lines: list[str], start: int) -> list[str]:
    """'V/v …' and the lines it wraps onto."""
    out = [re.sub(r"^\s*V/v\s*:?\s*", "", lines[start], flags=re.IGNORECASE)]
    for s in lines[start + 1 : start + 5]:
        st = s.strip()
        if not st or _PLACE_DATE.match(st) or st.lower().startswith(("kính gửi", "số")):
            break
        out.append(st)
    return out


# … and the speaker's line under a speech's title ("Người trình bày: Bà Trần Thị Ngọc Hân - Phó Chủ tịch …")
_ENDS_TITLE = re.compile(
    r"^(Căn cứ|Kính gửi|Xét đề nghị|Theo đề nghị|(?:Người (?:trình bày|báo cáo|thực hiện)|Báo cáo viên|Tác giả)\s*:)",
    re.IGNORECASE,
)


def _subject_after_type(lines: list[str], type_line: int) -> list[str]:
    """The title lines after the type line ("KẾ HOẠCH" / "Triển khai …")."""
    out: list[str] = []
    for s in lines[type_line + 1 : type_line + 6]:
        st = s.strip()
        if not st:
            if out:
                break
            continue
        if _PLACE_DATE.match(st) or len(st) > 250 or (out and (_ENDS_TITLE.match(st) or _is_upper_line(st))):
            break  # a Word file's paragraphs come without blank lines: the title ends at the issuer or "Căn cứ"
        out.append(st)
    return out


# rules issued with a decision: "(Ban hành kèm theo Quyết định số 52/QĐ-UBND ngày 09/02/2027 của Ủy ban nhân dân …)"
_ISSUED_WITH = re.compile(
    r"^\(?\s*(?:Ban hành )?kèm theo\s+(?P<type>Quyết định|Nghị quyết|Thông tư)(?:\s+số)?\s*(?P<number>[\w/.-]*\d[\w/.-]*)?"
    r"(?:\s+ngày\s+(?P<day>\d{1,2})\s*(?:/|tháng)\s*(?P<month>\d{1,2})\s*(?:/|năm)\s*(?P<year>\d{4}))?",
    re.IGNORECASE,
)


def _read_issued_with(sc: _Scan) -> None:
    """Rules issued with a decision and dated by it: their own header has no date, the decision's is theirs."""
    h = sc.h
    if h.date is not None or sc.type_line < 0:
        return
    for s in sc.lines[sc.type_line + 1 : sc.type_line + 6]:
        m = _ISSUED_WITH.match(s.strip())
        if m and m.group("year"):
            try:
                h.date = dt.date(int(m.group("year")), int(m.group("month")), int(m.group("day")))
            except ValueError:
                return
            h.year = h.date.year
            h.date_text = f"ngày {m.group('day')}/{m.group('month')}/{m.group('year')} (ban hành kèm theo {m.group('type')} {m.group('number') or ''})".replace(
                " )", ")"
            )
            return


def _read_subject(sc: _Scan) -> None:
    """The subject: "V/v …" (may wrap) or the line(s) after the type title."""
    h = sc.h
    sc.sub_start = next((i for i, s in enumerate(sc.lines[:40]) if re.match(r"^\s*V/v\b", s, re.IGNORECASE)), None)
    titled = bool(h.subject and h.doc_type in TITLED_TYPES)
    if sc.sub_start is not None:
        sc.subj_lines = _subject_after_vv(sc.lines, sc.sub_start)
    elif sc.type_line >= 0 and not titled:
        after = _subject_after_type(sc.lines, sc.type_line)
        if sc.title_rest and after and after[0][1:2].islower():  # "Kiểm tra" + "hoạt động của …"
            after[0] = after[0][0].lower() + after[0][1:]
        sc.subj_lines = ([sc.title_rest] if sc.title_rest else []) + after
    if sc.subj_lines and not titled:
        h.subject = re.sub(r"\s+", " ", " ".join(sc.subj_lines)).strip()
        if h.doc_type in TITLED_TYPES and _is_upper_line(h.subject):
            h.subject = titled_name(h.doc_type, h.subject)


def _read_title(sc: _Scan) -> None:
    """A document with neither type line nor "V/v" (a web article): the short line right under its date is
    its title ("Hỏi - đáp về danh hiệu Công dân học tập")."""
    h = sc.h
    if h.doc_type is not None or h.subject or sc.sub_start is not None or sc.type_line >= 0 or sc.date_line < 0:
        return
    k = next((i for i in range(sc.date_line + 1, min(len(sc.lines), sc.date_line + 4)) if sc.lines[i].strip()), None)
    st = sc.lines[k].strip() if k is not None else ""
    if st and len(st) <= TITLE_MAX_CHARS and not st.endswith((".", ";", ":")) and not re.match(r"^\W|^\d", st):
        h.subject, sc.title_line = st, k


def _recipients(lines: list[str], i: int, first: str) -> tuple[list[str], int]:
    """ "Kính gửi: X" on line i and the list after it; the line after them."""
    rec = [_clean_item(first)] if first.strip() else []
    j = i + 1
    while j < len(lines):
        st = lines[j].strip()
        if st and not st.startswith(("-", "+", "•")):
            break
        if st:
            rec.append(_clean_item(st))
        j += 1
    return [r for r in rec if r], j


def _last_header_line(sc: _Scan) -> int:
    """Without "Kính gửi": the last header line recognised (number, date, type, subject and its lines)."""
    lines, n = sc.lines, len(sc.lines)
    last = max(
        [sc.date_line, sc.type_line, sc.title_line, (sc.sub_start or -1)]
        + [i for i, s in enumerate(lines[:30]) if _NUMBER.match(s)]
    )
    if sc.subj_lines and sc.type_line >= 0 and sc.sub_start is None:
        # skip the title lines after the type line
        k = sc.type_line + 1
        seen = 0
        while k < n and (not lines[k].strip() or seen < len(sc.subj_lines)):
            if lines[k].strip():
                seen += 1
            k += 1
        last = max(last, k - 1)
    elif sc.sub_start is not None:
        last = max(last, sc.sub_start + len(sc.subj_lines) - 1)
    return last


def _read_recipients(sc: _Scan) -> None:
    """ "Kính gửi: X" or a list after it; the body starts after them, or after the last header line."""
    h, body_start = sc.h, 0
    for i, s in enumerate(sc.lines[:60]):
        m = re.match(r"^\s*Kính gửi\s*:?\s*(.*)$", s, re.IGNORECASE)
        if m:
            h.recipients, body_start = _recipients(sc.lines, i, m.group(1))
            break
    if not body_start:
        body_start = _last_header_line(sc) + 1
    h.body_start = min(body_start, h.body_end)
    sc.body_head = " ".join(sc.lines[h.body_start : h.body_start + 6])


_HEAD_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(20\d\d)(?!\d)")


def _read_informal_head(sc: _Scan) -> None:
    """A text with none of a document's header fields above its "Kính gửi" (a message copied from a chat group:
    "[Nhóm Zalo: TRƯỞNG THÔN - TTHTCĐ XÃ PHÚ ỦNG TÂY (TỈNH HƯNG YÊN)]", "[Tin nhắn được sao chép ngày 29/05/2027]"):
    the first date of those lines dates it and the provinces they write are its own."""
    h = sc.h
    if h.body_start == 0 or any((h.doc_type, h.number, h.issuer, h.subject, h.date, sc.sub_start is not None)):
        return
    head = "\n".join(sc.lines[: h.body_start])
    m = _HEAD_DATE.search(head)
    if m:
        try:
            h.date, h.year = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))), int(m.group(3))
        except ValueError:
            pass
    provinces = _written_provinces(head, sc.lex)
    h.province = provinces[0] if provinces else h.province


# an e-mail pasted with its head: "From: …", "Date: Tue, 10 Nov 2026 09:14:27 +0700", "Subject: [SGDĐT …] Đề nghị …"
_MAIL_FIELD = re.compile(
    r"^\s*(From|To|Cc|Bcc|Date|Sent|Subject|Người gửi|Người nhận|Đến|Ngày gửi|Thời gian|Tiêu đề|Chủ đề)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_MAIL_SUBJECT_TAG = re.compile(r"^(?:\s*(?:\[[^\]]*\]|(?:re|fw|fwd|tv|trả lời|chuyển tiếp)\s*:))+\s*", re.IGNORECASE)
# the sender's body in the signature under the mail ("Sở Giáo dục và Đào tạo tỉnh Quảng Trị")
_SENDER_BODY = re.compile(r"^(Sở|UBND|Ủy ban nhân dân|Ban|Hội|Trung tâm|Bộ|Văn phòng|Trường)\b")
MAIL_SIGNATURE_LINES = 12


def _mail_fields(lines: list[str]) -> dict[str, str]:
    """The head fields of a pasted e-mail (folded label → value), read from its first lines; empty for a document."""
    fields: dict[str, str] = {}
    for s in lines[:12]:
        m = _MAIL_FIELD.match(s)
        if m:
            fields.setdefault(fold(m.group(1)), m.group(2).strip())
        elif s.strip() and fields:
            break
    return fields if len(fields) >= 2 and any(k in fields for k in ("from", "nguoi gui")) else {}


_MAIL_DAY = re.compile(r"\b(\d{1,2})\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{4})\b", re.I)


def _mail_date(value: str) -> dt.date | None:
    from email.utils import parsedate_to_datetime

    m = _HEAD_DATE.search(value)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    m = _MAIL_DAY.search(value)  # "Thu, 22 Jul 2027 at 09:14" (Gmail's, which RFC 2822 does not read)
    if m is None:
        return None
    try:
        return dt.datetime.strptime(" ".join(m.groups()), "%d %b %Y").date()
    except ValueError:
        return None


def _read_mail_head(sc: _Scan) -> None:
    """A pasted e-mail: a "thư điện tử" dated by its Date: line, its subject its Subject: line without the tag
    ("[SGDĐT Quảng Trị]", "Re:"), sent by the body its signature names."""
    fields = _mail_fields(sc.lines)
    if not fields:
        return
    h = sc.h
    h.doc_type = TYPE_BY_FOLDED["thu dien tu"]
    when = next((fields[k] for k in ("date", "sent", "ngay gui", "thoi gian") if k in fields), "")
    h.date = _mail_date(when) or h.date
    h.year = h.date.year if h.date else h.year
    subject = next((fields[k] for k in ("subject", "tieu de", "chu de") if k in fields), "")
    h.subject = _MAIL_SUBJECT_TAG.sub("", subject).strip() or h.subject
    tail = [x.strip() for x in sc.lines[-MAIL_SIGNATURE_LINES:] if x.strip()]
    sender = next((x for x in tail if _SENDER_BODY.match(x) and len(x) <= 80), None)
    h.issuer = sender or h.issuer


def _infer_doc_type(sc: _Scan) -> None:
    """No type line: the type's code in the number ("…/KH-UBND"), else a "V/v" letter is a công văn."""
    if sc.h.doc_type is None:
        sc.h.doc_type = _doc_type_from_code(sc.h.number) or ("công văn" if sc.sub_start is not None else None)


# the signer's title (folded) → the issuer, when nothing else names it
_ISSUER_BY_SIGNER = (("quoc hoi", "Quốc hội"), ("chu tich", "UBND"), ("bo truong", "Bộ"), ("giam doc", "Sở"))
_ISSUER_IN_BODY = re.compile(
    r"(Ủy ban nhân dân|UBND)\s*(?:\(UBND\)\s*)?(tỉnh|thành phố)\s+([A-ZĐ][\wÀ-ỹđ]*(?:\s+[A-ZĐ][\wÀ-ỹđ]*){0,3})"
    r"\s+(?:ban hành|đề nghị|yêu cầu)"
)
_PASSED_BY = re.compile(r"(?:Luật|Bộ luật|Hiến pháp|Pháp lệnh) này (?:đã )?được (Quốc hội|Ủy ban Thường vụ Quốc hội)")


def _issuer_from_body(sc: _Scan) -> str | None:
    m = _ISSUER_IN_BODY.search(sc.body_head)
    return f"UBND {m.group(2)} {m.group(3)}" if m else None


def _issuer_from_passing(sc: _Scan) -> str | None:
    """A law: "Luật này đã được Quốc hội … thông qua" near the end."""
    if sc.h.doc_type not in TITLED_TYPES:
        return None
    m = _PASSED_BY.search("\n".join(sc.lines[-40:]))
    return m.group(1) if m else None


def _issuer_from_signer(sc: _Scan) -> str | None:
    if not sc.h.signer_title:
        return None
    st = fold(sc.h.signer_title)
    return next((issuer for word, issuer in _ISSUER_BY_SIGNER if word in st), None)


# the parties of an agreement or a contract ("BÊN A: TRUNG TÂM HỌC TẬP CỘNG ĐỒNG XÃ TÂN MỸ LỢI", "Bên B (bên tài trợ): …")
_PARTY = re.compile(r"^\s*B[ÊE]N\s+([A-D])\s*(?:\([^)]*\))?\s*:\s*(.{3,120}?)\s*$", re.IGNORECASE)
PARTY_LINES = 80


def _issuer_from_parties(sc: _Scan) -> str | None:
    """An agreement's or a contract's parties, who sign it together: "Trung tâm … và Công ty …"."""
    if sc.h.doc_type not in (TYPE_BY_FOLDED["thoa thuan"], TYPE_BY_FOLDED["hop dong"]):
        return None
    names: dict[str, str] = {}  # party letter → its name, the first line naming each party
    for m in filter(None, (_PARTY.match(s) for s in sc.lines[:PARTY_LINES])):
        name = m.group(2)
        names.setdefault(m.group(1).upper(), _smart_case(name, sc.lex) if _is_upper_line(name) else name)
    return " và ".join(list(names.values())[:2]) or None


def _infer_issuer(sc: _Scan) -> None:
    """No issuer block: an agreement's parties, the number's code, a sentence of the body, a law's passing, the
    signer's title."""
    for find in (
        _issuer_from_parties,
        lambda sc: _issuer_from_code(sc.h.number, sc.lex, sc.h.place),
        _issuer_from_body,
        _issuer_from_passing,
        _issuer_from_signer,
    ):
        if sc.h.issuer is not None:
            return
        sc.h.issuer = find(sc)


_CITIES = ("Hải Phòng", "Hà Nội", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh", "Huế")


def _written_provinces(text: str, lex: Lexicon) -> list[str]:
    """The provinces the text names as they are written, accents and all."""
    low = text.lower()
    return [p for p in lex.find_provinces(text) if p.lower() in low]


def _infer_province(sc: _Scan) -> None:
    """The issuer's place: a local issuer's province or city, which a bare 'UBND' or 'Sở' issuer then names."""
    h, lex = sc.h, sc.lex
    provs = [h.province] if h.province else _written_provinces(" ".join(filter(None, [h.issuer, h.subject])), lex)
    if not provs and h.issuer and re.match(r"^(UBND|Sở|Hội|Ủy ban)", h.issuer):
        provs = lex.find_provinces(h.place or "")
    if not provs and not h.issuer and not h.number:  # a speech at a conference: "Đồng Tháp, ngày 22 tháng 10 …"
        provs = lex.find_provinces(h.place or "")
    if not provs and h.issuer and not h.issuer.startswith("Bộ") and not h.number:
        provs = lex.find_provinces(sc.body_head)
    if not provs and h.issuer and re.search(r"\b(xã|phường|đặc khu)\b", h.issuer):
        # a commune reports to its province ("Sở GDĐT tỉnh X") and applies its plans ("Căn cứ … của UBND tỉnh X"),
        # named with its accents ("xã Bắc Hà năm 2027" folds like "Hà Nam")
        provs = _written_provinces(" ".join(h.receivers), lex) or _written_provinces(sc.body_head, lex)
    h.province = provs[0] if provs else None
    if h.issuer in ("UBND", "Sở") and h.province:
        h.issuer = ("UBND tỉnh " if h.issuer == "UBND" else "Sở Giáo dục và Đào tạo ") + h.province
    if h.issuer and h.province and h.province not in h.issuer and re.match(r"^(UBND|Sở)", h.issuer):
        kind = "thành phố" if h.province in _CITIES else "tỉnh"
        h.issuer = f"{h.issuer} {kind} {h.province}"


# The header's rules, in the order they are read: each fills some fields of the header (and of the scan the
# later ones read). Fields the header states come first; what it leaves unsaid is inferred at the end.
HEADER_RULES = (
    ("số", _read_number),
    ("địa danh, ngày", _read_place_date),
    ("trang đăng bài", _read_post_head),
    ("cơ quan ban hành, loại văn bản", _read_top_block),
    ("trích yếu", _read_subject),
    ("ban hành kèm theo", _read_issued_with),
    ("tiêu đề của bài viết", _read_title),
    ("kính gửi, đầu nội dung", _read_recipients),
    ("đầu văn bản không theo thể thức", _read_informal_head),
    ("thư điện tử", _read_mail_head),
    ("loại văn bản theo số", _infer_doc_type),
    ("cơ quan ban hành theo số, nội dung, người ký", _infer_issuer),
    ("tỉnh, thành phố", _infer_province),
)


def parse_header(lines: list[str], lex: Lexicon) -> Header:
    """The header's fields (HEADER_RULES, in order) and the closing block (`_parse_closing`) of a document."""
    h = Header()
    _parse_closing(lines, h)
    sc = _Scan(lines, lex, h, head="\n".join(lines[:60]))
    for _field, rule in HEADER_RULES:
        rule(sc)
    return h
