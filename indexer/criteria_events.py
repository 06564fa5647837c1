"""Criteria and events, extracted from the section tree.

Criteria (tiêu chí / tiêu chuẩn / điều kiện): a section whose heading announces a set of criteria
("Bộ tiêu chí đánh giá, công nhận Công dân học tập", "Điều 4. Tiêu chuẩn công nhận …", "Tiêu chí
1: …") holds the items — its sub-items, each with its points "(20 điểm)". What the document says
about the set as a whole is kept verbatim with it: the pass mark ("đạt từ 80 điểm trở lên"), who
recognises ("Chủ tịch UBND cấp xã ra quyết định công nhận"), how long it lasts ("có giá trị 03
năm") and when to apply ("đăng ký … trước ngày 30/11 hằng năm").

Events (tuần lễ, ngày hội, lễ phát động, hội thi, …): a sentence that names one and when it takes
place ("từ ngày 01/10 đến ngày 07/10/2026", "vào ngày 15/11/2026"), and where ("tại …").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from vntext import fold
from indexer.sections import Node

# ---------------------------------------------------------------------------------------------
# criteria

_SET_HEADING = re.compile(r"\b(bo tieu chi|tieu chi|tieu chuan|dieu kien)\b")
_ITEM_HEADING = re.compile(r"^\s*(tieu chi|tieu chuan|dieu kien)\s*(?:so\s*)?\d+\b")
_POINTS = re.compile(
    r"\(\s*(?:toi da\s*)?(\d+(?:[.,]\d+)?)\s*diem\s*\)|:\s*(\d+(?:[.,]\d+)?)\s*diem\b|"
    r"\btoi da\s+(\d+(?:[.,]\d+)?)\s*diem\b"
)
_PASS_MARK = re.compile(
    r"[^.;\n]*(?:dat|duoc cong nhan|xep loai)[^.;\n]{0,80}?(?:tu|toi thieu|it nhat|tren)\s+\d+\s*diem[^.;\n]*"
)
# who recognises: the strongest wording first
_RECOGNISED = [
    re.compile(r"[^.;\n]*\b" + w + r"[^.;\n]*")
    for w in (
        r"(?:ra )?quyet dinh cong nhan",
        r"cong nhan va cap",
        r"(?:co tham quyen|chiu trach nhiem) (?:xet,? )?cong nhan",
    )
]
_VALIDITY = re.compile(
    r"[^.;\n]*\b(?:co gia tri(?: trong)?|thoi han (?:cua )?(?:cong nhan|danh hieu)|hieu luc(?: trong)?)"
    r"\s*(?:la\s*)?\d+\s*(?:nam|thang)[^.;\n]*"
)
_APPLY = re.compile(
    r"[^.;\n]*\b(?:dang ki|nop ho so|gui ho so|de nghi cong nhan)[^.;\n]*?"
    r"(?:truoc ngay|cham nhat|han chot|trong thang|tu ngay)[^.;\n]*"
)


@dataclass
class CriterionFact:
    criteria_set: str
    item: str
    points: float | None
    node: Node


@dataclass
class CriteriaSet:
    name: str
    items: list[CriterionFact]
    pass_mark: str | None = None
    recognised_by: str | None = None
    validity: str | None = None
    apply_by: str | None = None


def _verbatim(text: str, folded: str, m: re.Match | None) -> str | None:
    """The original words of a match found in the folded text (folding keeps positions)."""
    if not m or len(folded) != len(text):
        return None
    return re.sub(r"\s+", " ", text[m.start() : m.end()]).strip(" ,;:-") or None


def _points(line: str) -> float | None:
    m = _POINTS.search(fold(line))
    if not m:
        return None
    return float(next(g for g in m.groups() if g).replace(",", "."))


def _is_set_heading(node: Node) -> bool:
    if node.kind in ("para", "dash", "plus") or not node.children:
        return False
    f = fold(node.title or node.line)
    return bool(_SET_HEADING.search(f)) and len(f) < 220


def _items(node: Node) -> list[Node]:
    """The criteria of a set: its structural children (or, for 'Tiêu chí 1: …' lines, those lines)."""
    kids = [c for c in node.children if c.kind not in ("para",)]
    if not kids:
        kids = [c for c in node.children]
    return kids


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|?[\s:\-|]+\|?\s*$")
_NUMBER_CELL = re.compile(r"^\d+(?:[.,]\d+)?$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _table_sets(root: Node) -> list[CriteriaSet]:
    """Criteria laid out as a table ('| TT | Tiêu chí | Điểm |'), under a heading that announces them."""
    sets: list[CriteriaSet] = []
    heading, rows, header = "", [], None
    nodes = [n for n in root.iter() if n.line]

    def close():
        if header is not None and len(rows) >= 2:
            points_col = next((i for i, c in enumerate(header) if fold(c).startswith("diem")), None)
            cs = CriteriaSet(heading or " ".join(header), [])
            for node, cells in rows:
                text = max((c for c in cells if not _NUMBER_CELL.match(c)), key=len, default="")
                pts = cells[points_col] if points_col is not None and points_col < len(cells) else ""
                if text:
                    cs.items.append(
                        CriterionFact(
                            cs.name, text, float(pts.replace(",", ".")) if _NUMBER_CELL.match(pts) else None, node
                        )
                    )
            if len(cs.items) >= 2:
                sets.append(cs)

    for n in nodes:
        line = n.line
        if _TABLE_ROW.match(line):
            if _RULE_ROW.match(line):
                continue
            cells = _cells(line)
            if header is None:
                header = cells
                if not any(
                    _SET_HEADING.search(fold(c)) or fold(c) in ("noi dung",) for c in cells
                ) and not _SET_HEADING.search(fold(heading)):
                    header = None  # a table, but not of criteria
                    heading = ""
                continue
            rows.append((n, cells))
            continue
        close()
        rows, header = [], None
        f = fold(line)
        heading = re.sub(r"[*_]+", "", line).strip() if _SET_HEADING.search(f) and len(line) < 220 else ""
    close()
    return sets


def extract_criteria(root: Node, full_text: str) -> list[CriteriaSet]:
    sets: list[CriteriaSet] = _table_sets(root)
    taken: set[int] = set()
    for node in root.iter():
        if id(node) in taken or not _is_set_heading(node):
            continue
        items = _items(node)
        # a heading of one criterion ("Tiêu chí 1: …") is an item of its parent set
        if _ITEM_HEADING.match(fold(node.title or "")) or len(items) < 2:
            continue
        name = re.sub(r"\s*:\s*$", "", node.title or node.line).strip()
        cs = CriteriaSet(name, [])
        for it in items:
            text = it.title or it.line
            sub = " ".join(g.line for g in it.iter() if g is not it)
            cs.items.append(
                CriterionFact(
                    name,
                    re.sub(r"\s+", " ", (text + " " + sub)).strip()[:600],
                    _points(it.line) or _points(sub[:200]),
                    it,
                )
            )
            taken |= {id(g) for g in it.iter()}
        sets.append(cs)
    if sets:
        _set_level_facts(sets, full_text)
    return sets


def _set_level_facts(sets: list[CriteriaSet], full_text: str) -> None:
    """Pass mark, recognising body, validity and application deadline, as the document words them."""
    folded = fold(full_text)
    found = {}
    for key, rxs in (
        ("pass_mark", [_PASS_MARK]),
        ("recognised_by", _RECOGNISED),
        ("validity", [_VALIDITY]),
        ("apply_by", [_APPLY]),
    ):
        found[key] = next((v for v in (_verbatim(full_text, folded, rx.search(folded)) for rx in rxs) if v), None)
    for cs in sets:
        for key, value in found.items():
            setattr(cs, key, value)


# ---------------------------------------------------------------------------------------------
# events

_EVENT_NOUN = (
    r"tuan le|ngay hoi|le phat dong|le khai mac|le tong ket|hoi thi|hoi thao|hoi nghi|lien hoan|trien lam|"
    r"dien dan|thang hanh dong|chuong trinh giao luu|ngay sach|le ki niem|le hoi|hoi cho"
)
_D = r"(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}))?"
_RANGE = re.compile(r"tu ngay\s+" + _D + r"\s*(?:den|-)\s*(?:het\s+)?ngay\s+" + _D)
_SINGLE = re.compile(r"(?:vao|trong|dien ra|to chuc)\s+(?:ngay\s+)" + _D)
_NAME = re.compile(r"\b(" + _EVENT_NOUN + r")\b")
_PLACE = re.compile(r"\btai\s+([^,;.()]{3,80})")


@dataclass
class EventFact:
    name: str
    start: dt.date | None
    end: dt.date | None
    when_text: str
    place: str | None
    node: Node


def _date(d: str, m: str, y: str | None, year: int | None) -> dt.date | None:
    try:
        return dt.date(int(y) if y else (year or 0), int(m), int(d)) if (y or year) else None
    except ValueError:
        return None


def extract_events(root: Node, year: int | None) -> list[EventFact]:
    out: list[EventFact] = []
    for node in root.iter():
        line = node.line
        if not line:
            continue
        f = fold(line)
        if len(f) != len(line):
            continue
        for sent_m in re.finditer(r"[^.;]+", f):
            sent = sent_m.group(0)
            name_m = _NAME.search(sent)
            if not name_m:
                continue
            when = _RANGE.search(sent)
            single = None if when else _SINGLE.search(sent)
            if not when and not single:
                continue
            off = sent_m.start()
            if when:
                y2 = when.group(6)
                end = _date(when.group(4), when.group(5), y2, year)
                start = _date(when.group(1), when.group(2), when.group(3) or y2, year)
                span = when
            else:
                start = end = _date(single.group(1), single.group(2), single.group(3), year)
                span = single
            name_end = min(x for x in (span.start(), len(sent)) if x > name_m.start())
            name = line[off + name_m.start() : off + name_end]
            name = re.split(r"\s+(?:được tổ chức|diễn ra|sẽ|bắt đầu|từ ngày|vào ngày|trong thời gian)\b|[,(:]", name)[0]
            place_m = _PLACE.search(sent[span.end() :]) or _PLACE.search(sent)
            place = None
            if place_m:
                base = off + (span.end() if _PLACE.search(sent[span.end() :]) else 0)
                place = line[base + place_m.start(1) : base + place_m.end(1)].strip()
            out.append(
                EventFact(
                    name.strip(" -–:"), start, end, line[off + span.start() : off + span.end()].strip(), place, node
                )
            )
    return out
