"""The answer read from the best-ranked evidence (`bot/evidence.py`): the line that answers, with what it
needs to be read — a heading's items, a list's siblings, the line that says the other thing asked (where
and when), a deadline's next occurrence, a result beside its target — cited by document and section."""

from __future__ import annotations

import datetime as dt
import re

from bot import citing
from bot.answer import Answer, Source
from bot.answerers import deadlines
from bot.answerers.base import Context, short
from bot.answerers.passages import unit_key
from bot.evidence import (
    table_cells,
    AGE_ASKED,
    AGE_FROM,
    Candidate,
    heading_is_line,
    span_holds,
    asked_kinds,
    body_led_by,
    carries_asked,
    LEVEL_WINDOW,
    holds_points_anywhere,
    is_table_row,
    period_asked,
    is_title,
    count_asked,
    gives_count,
    members_asked,
    names_member,
    points_asked,
    points_span,
    split_lines,
)
from bot.formatting import document_citation
from bot.relevance import folded_text
from store.knowledge import Deadline
from vntext import fold, folded_syllables

SOURCES = 3
# lines of the same chunk scoring at least this share of the best line's score are quoted with it
COMPANION_SHARE = 0.8
# a line of another section is quoted too when it scores at least this share of the best line's score
RUNNER_UP_SHARE = 0.75
RUNNER_UP_WINDOW = 6
LINE_CHARS = 420
SINGLE_LINE_CHARS = 900  # a line quoted alone may be a whole list ("…: Hội Khuyến học tỉnh …; Thư viện tỉnh …")
HEADING_SKIP = 5  # an empty heading gives way to the next of this many best lines
FEW_ITEMS = 2  # a heading with at most this many lines below it in its chunk brings its sections' lines too
# kinds of answer that a second line of the same section may carry when the best line does not
COMPANION_KINDS = ("date", "place", "clock", "number", "contact", "who")
_RESULT = re.compile(r"chỉ tiêu\s+([\d.,]+)\s*%.*?kết quả\s+(?:[\d/]+\s*đơn vị,\s*đạt\s+)?([\d.,]+)\s*%", re.I)
_NEGATIVE = re.compile(r"\b(không đạt|chưa đạt|không thu|không phải|không được|không có)\b", re.I)


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


# the verdict reads an inclusive range only ("từ 15 đến 60 tuổi"; the ranking's AGE spans also admit "đến dưới")
_AGE_RANGE = re.compile(r"\btừ\s*(?:đủ\s*)?(\d{1,3})\s*(?:tuổi\s*)?(?:đến|-|–)\s*(\d{1,3})\s*tuổi", re.I)


def age_verdict(folded_question: str, text: str) -> str | None:
    """'Mẹ tôi 65 tuổi … có học được không?' against 'người từ 15 đến 60 tuổi': 'Không: …' or 'Có: …', from the
    ages the line admits; None when the question gives no age or the line no range."""
    asked = AGE_ASKED.search(folded_question)
    if asked is None:
        return None
    age = int(asked.group(1))
    m = _AGE_RANGE.search(text)
    if m:
        low, high = int(m.group(1)), int(m.group(2))
        inside, span = low <= age <= high, f"từ {low} đến {high} tuổi"
    else:
        m = AGE_FROM.search(text)
        if m is None:
            return None
        inside, span = age >= int(m.group(1)), f"từ {m.group(1)} tuổi trở lên"
    return f"{'Có' if inside else 'Không'}: văn bản dành cho người {span}; {age} tuổi là {'trong' if inside else 'ngoài'} độ tuổi này."


_LABEL = re.compile(r"^\s*[-+•]?\s*(?:(?:\d{1,2}|[a-zđ])[.)]\s*)?\**([^:*]{1,40}?)\**\s*:")


def level_verdict(folded_question: str, text: str, others: list[str] = ()) -> str | None:
    """'Tự chấm được 82 điểm thì xếp loại gì?' against '2. Đạt: tổng điểm từ 70 điểm đến dưới 90 điểm …': the
    level the line names (its label) and the range that holds the score; None when no score is asked, the line's
    range does not hold it, or another level line (`others`) holds it too (93 points with an indicator at 0)."""
    points = points_asked(folded_question)
    span = points_span(text) if points is not None else None
    if span is None or not span_holds(span, points):
        return None
    if any(o != text and holds_points_anywhere(o, points) for o in others):
        return None
    label = _LABEL.match(text)
    shown = f"{points:g}".replace(".", ",")
    return f"{label.group(1).strip() if label else 'Có'}: {span[3]}; {shown} điểm thuộc khoảng này."


def yes_no(text: str, folded_question: str = "") -> str | None:
    """An age asked against the ages a line admits; 'Chưa đạt' / 'Đạt' from a result beside its target;
    otherwise 'Không' from the line's own words."""
    by_age = age_verdict(folded_question, text)
    if by_age:
        return by_age
    m = _RESULT.search(text)
    if m:
        target, result = _number(m.group(1)), _number(m.group(2))
        verdict = "Đạt" if result >= target else "Chưa đạt"
        return f"{verdict}: kết quả {m.group(2)}% so với chỉ tiêu {m.group(1)}%."
    if _NEGATIVE.search(text):
        return "Không."
    return None


def _items_after(ctx: Context, top: Candidate) -> list[str]:
    """A heading's items: the lines below it in its chunk, then, when those are few (a chapter's article titles,
    a heading alone), the lines of the sections under it; a chunk's last line that announces ('… Chủ tịch UBND
    tỉnh yêu cầu:') has the sections that follow as its items."""
    ch = ctx.kb.chunks[top.chunk_id]
    lines = split_lines(ch.text)
    below = lines[top.line_no + 1 :]
    if len(below) > FEW_ITEMS:
        return below
    if not below and top.text.rstrip().endswith(":"):
        following = announced_sections(ctx, ch)
        if following:
            return following
    heading = (ch.headings or [""])[-1]
    if not heading:
        return below
    out = list(below)
    for other in ctx.kb.chunks_of_document(ch.document_id):
        hs = other.headings or []
        if other.id != ch.id and heading in hs[:-1]:
            out += [x for x in split_lines(other.text) if x not in out]
    return out


def announced_sections(ctx: Context, ch) -> list[str]:
    """The titles of the sections that follow a chunk one level below its own (after a preamble ending '… yêu
    cầu:', the document's numbered sections), in reading order, up to the first that is not below it; a title
    that announces items ('4. Các ủy viên:') brings the titles of the sections under it."""
    parent = list(ch.headings or [])
    chunks = ctx.kb.chunks_of_document(ch.document_id)
    after = chunks[next((i for i, c in enumerate(chunks) if c.id == ch.id), len(chunks)) + 1 :]
    titles: list[str] = []
    for c in after:
        hs = list(c.headings or [])
        if hs[: len(parent)] != parent or len(hs) <= len(parent):
            break
        title = hs[len(parent)]
        if title not in titles:
            titles.append(title)
        inner = f"  {hs[len(parent) + 1]}" if len(hs) > len(parent) + 1 else None
        if inner and title.rstrip().endswith(":") and inner not in titles:  # '4. Các ủy viên:' › 'a) Ông …'
            titles.append(inner)
    return titles


def paragraphs(text: str) -> list[str]:
    """A chunk's non-empty lines as written (a long paragraph whole: a list item is quoted entire)."""
    return [x.strip() for x in (text or "").split("\n") if x.strip()]


_ITEM = re.compile(r"^\s*([-+•]|[a-zđ]\)|\d{1,2}[.)])\s")


def section_items(ctx: Context, top: Candidate) -> tuple[str, list[str]]:
    """The list the best line belongs to: its section's heading and items — the items of its chunk when it
    has two or more, its other lines when it has text of its own, else (a section that is one line, as in
    'II › 1.' … 'II › 12.') its sibling sections' first lines."""
    ch = ctx.kb.chunks[top.chunk_id]
    lines = paragraphs(ch.text)  # items whole, not cut into sentences
    heads = ch.headings or []
    own = [x for x in lines[1:] if _ITEM.match(x)]
    if len(own) >= 2:  # with the line announcing them ("Mỗi xã, phường cử 03 học viên, gồm:")
        first = lines.index(own[0])
        return lines[0], [x for x in lines[1:first] if x.rstrip().endswith(":")] + own
    parent = heads[:-1]
    if len(lines) > 1 and (is_title(lines[0]) or _ASKED_HEAD.match(lines[0])):  # a titled section's own text
        return lines[0], lines[1:]
    sibs = [
        c
        for c in ctx.kb.chunks_of_document(ch.document_id)
        if (c.headings or [])[:-1] == parent and len(c.headings or []) == len(heads) and c.text.strip()
    ]
    if len(sibs) >= 2 and heads:
        return (parent[-1] if parent else ""), [x for c in sibs for x in _with_own_items(ctx, c)]
    return (heads[-1] if heads else ""), [x for x in lines if not heads or x != heads[-1]]


# a question of a questions-and-answers letter ("Câu hỏi 3 (UBND xã …): Hồ sơ … gồm những gì?"): its answer is its
# own text, never the other questions beside it
_ASKED_HEAD = re.compile(r"^Câu(\s+hỏi)?\s+\d{1,3}\b.*\?\s*$")


def _with_own_items(ctx: Context, ch) -> list[str]:
    """A sibling section's first line, and when it announces items ('4. Các ủy viên:'), the first lines of the
    sections below it: never a heading without its items."""
    first = paragraphs(ch.text)[0]
    if not first.rstrip().endswith(":"):
        return [first]
    heads = list(ch.headings or [])
    below = [
        c
        for c in ctx.kb.chunks_of_document(ch.document_id)
        if (c.headings or [])[: len(heads)] == heads and len(c.headings or []) > len(heads) and c.text.strip()
    ]
    return [first] + ["  " + paragraphs(c.text)[0] for c in below]


_FIELD = re.compile(r"^\s*[-+•]?\s*([^:;,.]{2,40}):\s*\S")
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_UPCOMING = re.compile(r"\b(sap toi|sap|tiep theo|sap den)\b")


def field_across_sections(ctx: Context, top: Candidate) -> tuple[str, list[str]] | None:
    """'Có lớp nào khai giảng?': the best line is a field of a section ('- Khai giảng: 07 giờ 30 ngày 12/9/2026')
    whose sibling sections have the same field: that field of each, after its section's title. Asked of what is
    coming ('sắp tới'), only the sections whose field gives a date from today on."""
    ch = ctx.kb.chunks[top.chunk_id]
    heads = list(ch.headings or [])
    label = _field_asked(ctx, top, ch)
    if label is None or not heads:
        return None
    items = []
    for c in ctx.kb.chunks_of_document(ch.document_id):
        hs = list(c.headings or [])
        if hs[:-1] != heads[:-1] or len(hs) != len(heads):
            continue
        field = next(
            (x for x in split_lines(c.text) if (f := _FIELD.match(x)) and fold(f.group(1)).strip() == label), None
        )
        if field is not None and _upcoming(ctx, field):
            items.append(f"{hs[-1]} — {field.strip().lstrip('-+• ')}")
    items = list(dict.fromkeys(items))
    return ((heads[-2] if len(heads) > 1 else ""), items) if len(items) >= 2 else None


ACROSS_WINDOW = 5  # an announcing best line gives way to a field gathered across sections from this many lines


def _field_asked(ctx: Context, top: Candidate, ch) -> str | None:
    """The field label (folded) to gather: one of the chunk's fields that the question names ('khai giảng'),
    else, asked what is coming, its first field that gives a date, else the best line's own field, else None."""
    fields = [(fold(f.group(1)).strip(), x) for x in split_lines(ch.text) if (f := _FIELD.match(x))]
    named = [label for label, _ in fields if f" {label} " in f" {ctx.u.folded} "]
    if named:
        return max(named, key=len)
    dated = [label for label, line in fields if _DATE.search(line)]
    if dated and _UPCOMING.search(ctx.u.folded):  # what is coming: the field that gives its date
        return dated[0]
    m = _FIELD.match(top.text)
    label = fold(m.group(1)).strip() if m else None
    return None if label in _REPLY_LABELS else label


# "Trả lời: …" of a question answered: that question's answer, no field its sibling questions share with it
_REPLY_LABELS = frozenset({"tra loi", "dap", "hoi", "cau hoi", "y kien"})


def _upcoming(ctx: Context, line: str) -> bool:
    """True unless the question asks what is coming and the line's first full date is before today."""
    if not _UPCOMING.search(ctx.u.folded):
        return True
    m = _DATE.search(line)
    if m is None:
        return True
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))) >= ctx.today
    except ValueError:
        return True


def distinguishing(
    question_folded: str, items: list[str], identity: str = "", head: str = "", question: str = ""
) -> list[str]:
    """The items that hold a two-word phrase of the question found in some items but not all ('không đạt'),
    other than the words naming the document (`identity`, folded) and a phrase sharing a word with the list's
    head ("mỗi xã" under "b) Cấp xã, phường" names whose list it is, not which items). When the question names
    what the list's members are ("những phụ lục nào, có phải nộp PL thống kê không?"), only the words of that
    clause of it (`question`, as typed) choose items: another clause asks something else of the list."""
    members = members_asked(question_folded)  # "gồm những phần thi nào": what the list's members are
    if not members and _WHOLE_LIST.search(question_folded):  # "… phụ trách những việc gì, địa bàn nào?": all of it
        return items
    clause = _clause_naming_members(question, question_folded, members)
    syl = _LIST_NAMED.sub("", clause).split()  # "Hồ sơ đăng ký CDHT gồm …": the words before "gồm" name the list
    grams = {f"{a} {b}" for a, b in zip(syl, syl[1:])}
    head_words = set(folded_syllables(head))
    grams = {g for g in grams if f" {g} " not in f" {identity} " and not set(g.split()) & head_words}
    named_by_head = f" {' '.join(folded_syllables(head))} "  # "1. Thôn An Phú (06 dòng họ):": each item is one
    members = [m for m in members if f" {m} " not in named_by_head]
    folded = [" " + " ".join(folded_syllables(_UNIT_SLASH.sub(" ", x))) + " " for x in items]  # "02 buổi/tháng"
    for g in members:
        holding = [x for x, f in zip(items, folded) if names_member(g, f)]
        if 0 < len(holding) < len(items):
            return holding
    counted = count_asked(question, question_folded) if question else None
    for g in sorted(grams):
        holding = [x for x, f in zip(items, folded) if f" {g} " in f]
        if 0 < len(holding) < len(items):  # with the items giving a count asked ("gồm mấy người, nhiệm kỳ bao lâu?")
            return [x for x in items if x in holding or (counted is not None and gives_count(counted, x))]
    return items


def _of_body_named(ctx: Context, top: Candidate, items: list[str]) -> list[str]:
    """Of the items chosen, those of the body that leads the best line when the question names it (half its words
    or more): "TT phục vụ hành chính công … những buổi nào" is the centre's sessions, not the police's."""
    body = body_led_by(top.text.strip())
    syl, asked = folded_syllables(body or ""), set(ctx.u.folded.split())
    if len(syl) < 2 or 2 * sum(x in asked for x in syl) < len(syl):
        return items
    own = [x for x in items if body_led_by(x.strip()) == body]
    return own or items


_UNIT_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")  # "buổi/tháng", "đồng/người": two words, not a date's slash
# a list asked whole, by no name of its members: "những việc gì", "nhiệm vụ gì", "làm những gì", "gồm những gì"
_WHOLE_LIST = re.compile(
    r"\b(?:nhung (?:viec|cong viec|nhiem vu|noi dung) (?:gi|nao)|nhiem vu gi|lam (?:nhung )?gi|nhung gi)\b"
)
_LIST_NAMED = re.compile(r"^.*?\b(?=(?:bao )?gom\b)")


def _clause_naming_members(question: str, question_folded: str, members: list[str]) -> str:
    """The folded clause of the question that names the members of the list asked, else the whole question."""
    if not members or not question:
        return question_folded
    for clause in re.split(r"[,;?]", question):
        folded = " ".join(folded_syllables(clause))
        if f" {members[0]} " in f" {folded} ":
            return folded
    return question_folded


def _is_heading_like(top: Candidate) -> bool:
    """A line that announces what follows: a section's title, or a line ending in ':' or 'gồm'."""
    return (
        (top.is_heading and is_title(top.text))
        or top.text.rstrip().endswith(":")
        or bool(re.search(r"\bgồm\s*:?$", top.text))
    )


def _companions(ranked: list[Candidate], top: Candidate, asked: set[str], q: str = "") -> list[Candidate]:
    """The best line, with the lines of its chunk that score nearly as well or say another thing asked (`q`: the
    folded question)."""
    body = body_led_by(top.text)  # "- Sở Nội vụ: …" is another body's line beside "- Sở Khoa học và Công nghệ: …"
    same = [
        c
        for c in ranked[1:40]
        if c.chunk_id == top.chunk_id and c.line_no != top.line_no and body_led_by(c.text) in (None, body)
    ]
    keep = [] if top.party_named else [c for c in same[:8] if c.score >= top.score * COMPANION_SHARE][:2]
    says = lambda kind, c: carries_asked(kind, c.text, q)
    for kind in COMPANION_KINDS:
        if kind in asked and not says(kind, top) and not any(says(kind, c) for c in keep):
            extra = next((c for c in same if says(kind, c) and c not in keep), None)
            if extra is not None and len(keep) < 3:
                keep.append(extra)
    return sorted([top] + keep, key=lambda c: c.line_no)


def _deadline_of(ctx: Context, top: Candidate, asked: set[str]) -> Deadline | None:
    if "date" not in asked or "validity" in asked:  # "có hiệu lực từ khi nào?" is not a deadline
        return None
    ds = [f for f in ctx.kb.fact_at(top.chunk_id, top.text) if isinstance(f, Deadline)]
    return ds[0] if len(ds) == 1 else None


def sources(ctx: Context, ranked: list[Candidate]) -> list[Source]:
    """The best line's section, then the other sections in the retriever's order (its order of whole
    sections is the better one; the ranking's is of lines), distinct (a law's articles count once each)."""
    out, seen = [], set()
    rest = sorted(ranked[1:], key=lambda c: -c.features.get("rank_inv", 0.0))
    for c in ranked[:1] + rest:
        ch = ctx.kb.chunks[c.chunk_id]
        key = unit_key(ch)
        if key in seen:
            continue
        seen.add(key)
        doc = ctx.kb.docs[c.document_id]
        out.append(
            Source(doc.id, doc.label, ch.section_path, ch.text, round(c.score, 3), ch.id, ctx.kb.pages.get(ch.id))
        )
        if len(out) == SOURCES:
            break
    return out


def section_label(path: str | None) -> str:
    """A section path as cited (bot/citing.py): outer markers, the last heading's number and first words."""
    return citing.section_label(path)


def where_cited(ctx: Context, c: Candidate, depth: int | None = None) -> str:
    """'Theo <document> (mục …, trang N)': the candidate's section, or its ancestor at `depth` levels."""
    ch = ctx.kb.chunks[c.chunk_id]
    doc = ctx.kb.docs[c.document_id]
    page = ctx.kb.pages.get(ch.id)
    path = " › ".join(ch.section_path.split(" › ")[:depth]) if depth else ch.section_path
    inside = ", ".join(x for x in (citing.where(section_label(path)), f"trang {page}" if page else "") if x)
    return f"Theo {document_citation(doc)}" + (f" ({inside})" if inside else "")


def _list_lines(head: str, items: list[str]) -> list[str]:
    # every item whole: what does not fit one message is the answer's "xem thêm" (Context.finish)
    return ([f"“{short(head, LINE_CHARS)}”"] if head else []) + [f"  {x.strip()}" for x in items]


# "những sở nào", "các hội nào": the kind of body a list of bodies is restricted to (folded head nouns)
BODY_NOUNS = ("so", "bo", "hoi", "phong", "ban", "uy ban", "trung tam", "truong")
_BODIES_ASKED = re.compile(r"\b(?:nhung|cac)\s+(" + "|".join(BODY_NOUNS) + r"|co quan|don vi)\s+nao\b")


_TASKS_ASKED = re.compile(r"\b(giao|nhiem vu|trach nhiem|phan cong)\b")


def bodies(ctx: Context, top: Candidate) -> list[str] | None:
    """'Kế hoạch 142 giao nhiệm vụ cho những sở nào?': the bodies the best document gives tasks to, in order."""
    m = _BODIES_ASKED.search(ctx.u.folded)
    if m is None or not _TASKS_ASKED.search(ctx.u.folded):
        return None
    noun = m.group(1)
    names, sections = [], []
    for r in ctx.kb.responsibilities:
        if r.document_id != top.document_id or r.agency_text in names:
            continue
        if noun in BODY_NOUNS and not " ".join(folded_syllables(r.agency_text)).startswith(noun + " "):
            continue
        names.append(r.agency_text)
        sections.append((r.section_path or "").split(" › ")[0])
    if not names:
        return None
    where = f" (mục {sections[0]})" if len(set(sections)) == 1 and sections[0] else ""
    head = f"Theo {document_citation(ctx.kb.docs[top.document_id])}{where}, được giao nhiệm vụ:"
    return [head] + [f"  • {x}" for x in names]


def cells(row: str) -> list[str]:
    """A table row's cells without bold marks ("**Tổng**" → "Tổng")."""
    return [c.strip("*").strip() for c in table_cells(row)]


_ROW_NUMBER = re.compile(r"[\d.]{0,6}|[IVX]{1,5}")  # a row's number ("3", "2.1", "IV"), or no first cell


def _row_read(row: list[str], names: list[str]) -> tuple[str, list[str]]:
    """A row's label and its other cells named by their columns: its first cell, or the one after its number ("| 3 |
    Nội dung … |", "| Quý IV | 55.000.000 |")."""
    first = 1 if _ROW_NUMBER.fullmatch(row[0] or "") else 0
    label = next((x for x in row[first : first + 1] if x), row[0])
    return label, [f"{n}: {v}" for n, v in zip(names[first + 1 :], row[first + 1 :]) if v]


def table_row(ctx: Context, top: Candidate) -> list[str]:
    """A table row read with its header: 'Ngân sách xã chi cho TTHTCĐ — Mức độ 1: Từ 30 triệu đồng; …'."""
    lines = split_lines(ctx.kb.chunks[top.chunk_id].text)
    header = next((x for x in lines if is_table_row(x)), None)
    row = cells(top.text)
    if header is None or header == top.text:
        return [f"“{short(' | '.join(x for x in row if x), SINGLE_LINE_CHARS)}”"]
    names = cells(header)
    label, pairs = _row_read(row, names)
    said = [f"“{label}” — " + "; ".join(pairs) + "." if pairs else f"“{label}”"]
    return said + [f"  {x}" for x in _sub_rows(_table_lines(ctx, top), row, names)]


def _table_lines(ctx: Context, top: Candidate) -> list[str]:
    """The lines of the best line's section, across the chunks a long table is cut into."""
    ch = ctx.kb.chunks[top.chunk_id]
    same = [c for c in ctx.kb.chunks_of_document(ch.document_id) if (c.headings or []) == (ch.headings or [])]
    return [x for c in same for x in split_lines(c.text)]


MIN_TABLE_ROWS = 3  # a table of fewer rows is read whole
_WHICH = re.compile(r"\b[a-z]+( [a-z]+)? nao\b")  # "dòng họ nào", "những xã nào": which of them, maybe several


def _counted_as_asked(rows: list[str], ctx: Context) -> list[str]:
    """The rows that count what the question counts as it does ("3 năm liên tục": "03 năm liên tục", not "02 năm …");
    all of them when none does."""
    counts = re.findall(r"\b(\d{1,3})\s+([a-z]+)\b", ctx.u.folded)
    if not counts:
        return rows
    said = lambda row: any(re.search(rf"\b0*{n}\s+{w}\b", folded_text(row)) for n, w in counts)
    return [r for r in rows if said(r)] or rows


def _rows_asked(ctx: Context, top: Candidate) -> list[str]:
    """A list asked of a table by what some of its rows say ("những dòng họ nào được công nhận lần đầu"): those rows,
    each with its column names, under the table's header; empty when the question picks no rows of the best line's
    section (all of them or none hold its words)."""
    lines = _table_lines(ctx, top)
    table = [x for x in lines if is_table_row(x)]
    if len(table) < MIN_TABLE_ROWS + 1:
        return []
    header, rows = table[0], table[1:]
    doc = ctx.kb.docs[top.document_id]
    identity = " ".join(folded_syllables(" ".join(filter(None, [doc.label, doc.subject, doc.issuer]))))
    heads = " ".join(ctx.kb.chunks[top.chunk_id].headings or [])
    columns = " ".join(cells(header))
    wanted = [r for r in rows if period_asked(columns, r, ctx.u.folded)]  # "tháng 3": the rows of month 3
    wanted = wanted or _counted_as_asked(
        distinguishing(ctx.u.folded, rows, identity, f"{heads} {header}", ctx.u.text), ctx
    )
    if len(wanted) == len(rows):
        return []
    names = cells(header)
    out = []
    for row in wanted:
        label, pairs = _row_read(cells(row), names)
        out.append(f"  {label} — " + "; ".join(pairs) if pairs else f"  {label}")
    return [f"“{short(' | '.join(x for x in names if x), LINE_CHARS)}”"] + out


def _sub_rows(lines: list[str], row: list[str], names: list[str]) -> list[str]:
    """The rows numbered under a group row ('| 3 | Chuyển đổi số … | | 25 |' › '| 3.1 | | … | 10 |'), each as its
    number, its text and its other named cells: a criterion is read with its indicators."""
    if not re.fullmatch(r"\d{1,2}", row[0] or ""):
        return []
    out = []
    for x in lines:
        sub = cells(x) if is_table_row(x) else []
        if sub and (sub[0] or "").startswith(row[0] + "."):
            text = next((v for v in sub[1:3] if v), "")
            rest = [f"{n}: {v}" for n, v in zip(names[3:], sub[3:]) if v]
            out.append(f"{sub[0]}. {text}" + (f" ({'; '.join(rest)})" if rest else ""))
    return out


# "làm sao để đăng ký?", "thủ tục thế nào?": a procedure, read whole (where, by when, what papers) when short
_PROCEDURE_ASKED = re.compile(r"\b(lam (the nao|sao)|thu tuc|qui trinh|cach nao|nhu the nao|cach thuc)\b")
PROCEDURE_CHARS = 1500  # a procedure's section is quoted whole up to this length
# two of these asked at once ("đăng ký ở đâu và trong thời gian nào?") ask for the steps of a procedure too
FIELDS = frozenset({"date", "place", "clock", "contact"})


def procedure(ctx: Context, top: Candidate) -> tuple[str, list[str]] | None:
    """The section the best line's section belongs to, whole (its title and every line below it), when the
    question asks how to do something and that section is short enough to read: the steps of a procedure are
    its sibling items ('1. Hạn đăng ký', '2. Nơi đăng ký', '3. Giấy tờ')."""
    steps_asked = _PROCEDURE_ASKED.search(ctx.u.folded)
    if not (steps_asked or len(asked_kinds(ctx.u.folded) & FIELDS) >= 2):
        return None
    ch = ctx.kb.chunks[top.chunk_id]
    heads = list(ch.headings or [])
    own = _section_whole(ctx, ch, heads)  # an article whose items are the steps, or the one class or activity
    parent = _section_whole(ctx, ch, heads[:-1], siblings=True)  # whose fields are asked ("học ở đâu, mấy giờ?")
    # the steps of a procedure are sibling sections; fields asked are those of the best line's own section, unless
    # that section is the one item ('3. Thời gian đăng ký: …' of 'Điều 5. Đăng ký')
    return (parent or own) if steps_asked else (own or parent)


def _section_whole(ctx: Context, ch, heads: list[str], siblings: bool = False) -> tuple[str, list[str]] | None:
    """The section titled heads[-1], whole (its lines, or with `siblings` every chunk under it), when it has two lines
    or more and is short enough to read."""
    if not heads:
        return None
    under = [c for c in ctx.kb.chunks_of_document(ch.document_id) if list(c.headings or [])[: len(heads)] == heads]
    if siblings and len(under) < 2:
        return None
    lines = list(dict.fromkeys(x for c in (under if siblings else [ch]) for x in split_lines(c.text) if x != heads[-1]))
    if len(lines) < 2 or sum(len(x) for x in lines) > PROCEDURE_CHARS:
        return None
    return heads[-1], lines


def _body(ctx: Context, ranked: list[Candidate], asked: set[str], steps=None, across=None) -> list[str]:
    """The quoted lines: a table row with its header, a procedure read whole (`steps`), a heading with its items,
    a field gathered across sections (`across`), a list, or the best line with its companions."""
    top = ranked[0]
    if is_table_row(top.text):  # "dòng họ nào …": the rows the question picks when it picks several, else the row
        rows = _rows_asked(ctx, top) if _WHICH.search(ctx.u.folded) else []
        return rows if len(rows) > 2 else table_row(ctx, top)
    if steps is not None:
        return _list_lines(*steps)
    if _is_heading_like(top):
        return _list_lines(top.text, _items_after(ctx, top))
    if across is not None:
        return _list_lines(*across)
    if "list" in asked:
        rows = _rows_asked(ctx, top)
        if rows:
            return rows
        head, items = section_items(ctx, top)
        if len(items) > 1:
            doc = ctx.kb.docs[top.document_id]
            identity = " ".join(folded_syllables(" ".join(filter(None, [doc.label, doc.subject, doc.issuer]))))
            heads = ctx.kb.chunks[top.chunk_id].headings or []  # "VI. HỒ SƠ ĐĂNG KÝ" names the list too, not an item
            path = " ".join(h for h in heads if not any(heading_is_line(h, x) for x in items))
            wanted = _of_body_named(
                ctx, top, distinguishing(ctx.u.folded, items, identity, f"{path} {head}", ctx.u.text)
            )
            return _list_lines(head, _announced_too(ctx, top, wanted))
    quoted = list(dict.fromkeys(_read_in_paragraph(c) for c in _companions(ranked, top, asked, ctx.u.folded)))
    width = SINGLE_LINE_CHARS if len(quoted) == 1 else LINE_CHARS
    context = _lists_it_is_in(ctx, top) if len(quoted) == 1 else ""
    return ["“" + context + " … ".join(short(text, width) for text in quoted) + "”"]


ITEM_ALONE_CHARS = 100


def _lists_it_is_in(ctx: Context, top: Candidate) -> str:
    """A short numbered item quoted alone ('7) Phường Tam Quan;') says nothing without the titles of the lists it
    is in ('1. Các đơn vị chưa gửi Báo cáo 6 tháng' › 'a) Ủy ban nhân dân các xã, phường'): those before it, in the
    same quote ('… › 7) Phường Tam Quan;')."""
    heads = ctx.kb.chunks[top.chunk_id].headings or []
    own = bool(heads) and heading_is_line(heads[-1], top.text)  # the item is a section of its own
    if len(top.text) > ITEM_ALONE_CHARS or not _ITEM.match(top.text) or not own:
        return ""
    return "".join(short(h, LINE_CHARS // 3) + " › " for h in heads[:-1])


def _announced_too(ctx: Context, top: Candidate, items: list[str]) -> list[str]:
    """A list whose last item is its chunk's last line and announces what follows ('… yêu cầu:'): with the
    sections it announces, never a heading without its items."""
    ch = ctx.kb.chunks[top.chunk_id]
    last = split_lines(ch.text)[-1:]
    if items and items[-1].rstrip().endswith(":") and items[-1:] == last:
        return items + [f"  {t}" for t in announced_sections(ctx, ch)]
    return items


def _read_in_paragraph(c: Candidate) -> str:
    """A sentence ranked alone is quoted in its paragraph when that is short enough to read whole: the clauses
    after it are often what was asked ("… đề nghị phối hợp: Hội Khuyến học tỉnh …; Thư viện tỉnh …")."""
    return c.paragraph if c.paragraph and len(c.paragraph) <= SINGLE_LINE_CHARS else c.text


def runner_up(ctx: Context, ranked: list[Candidate], shown: list[str]) -> Candidate | None:
    """A line of another section scoring nearly as well as the best one (RUNNER_UP_SHARE), not already shown:
    when the ranking hesitates between two sections, the reader sees both."""
    top = ranked[0]
    text = "\n".join(shown)
    header_asked = "document" in asked_kinds(ctx.u.folded)
    for c in ranked[1:RUNNER_UP_WINDOW]:
        if c.score < top.score * RUNNER_UP_SHARE:
            return None
        if ctx.kb.chunks[c.chunk_id].kind == "header" and not header_asked:
            continue  # the header block answers only what is asked about the document itself
        if c.chunk_id != top.chunk_id and c.text[:60] not in text:
            return c
    return None


def _announces_nothing(ctx: Context, c: Candidate) -> bool:
    """A line that announces items ('… yêu cầu:') with none to show: it would be a heading without content."""
    return _is_heading_like(c) and not _items_after(ctx, c)


def _reordered(ctx: Context, ranked: list[Candidate], asked: set[str]) -> list[Candidate]:
    """An empty heading gives way to the next of HEADING_SKIP best lines; a line that only announces, asked what
    is coming ('sắp tới … nào'), to the first of ACROSS_WINDOW best lines whose field is gathered across sections."""
    first = next((c for c in ranked[:HEADING_SKIP] if not _announces_nothing(ctx, c)), ranked[0])
    ranked = [first] + [c for c in ranked if c is not first]
    if "list" in asked and _is_heading_like(first) and _UPCOMING.search(ctx.u.folded):
        ranked = _first_gathering(ctx, ranked)
    return ranked


def _first_gathering(ctx: Context, ranked: list[Candidate]) -> list[Candidate]:
    other = next((c for c in ranked[1:ACROSS_WINDOW] if field_across_sections(ctx, c) is not None), None)
    return ranked if other is None else [other] + [c for c in ranked if c is not other]


def _lists_siblings(ctx: Context, top: Candidate, heads: list[str]) -> bool:
    """The list asked is the best line's section and its siblings ('1. Hồ sơ … gồm:' › a), b), c)): it is
    cited by their parent section, not by the one item."""
    if _is_heading_like(top) or is_table_row(top.text):
        return False
    return len(heads) > 1 and section_items(ctx, top)[0] == heads[-2]


# a heading that counts its items: "2. Vắng mặt (02 thành viên)", "Đơn vị chưa gửi báo cáo (08 đơn vị)"
_COUNTED_HEADING = re.compile(r"\(0*([2-9]|[1-9]\d)\s+[^\W\d][^()\d]{1,30}\)\s*:?\s*$")


def _many_counted(ctx: Context, top: Candidate) -> bool:
    """The best line is an item of a section whose heading counts two or more: asked who, the reader wants them all."""
    heads = ctx.kb.chunks[top.chunk_id].headings or []
    return bool(heads) and not heading_is_line(heads[-1], top.text) and _COUNTED_HEADING.search(heads[-1]) is not None


def render(ctx: Context, ranked: list[Candidate]) -> Answer:
    asked = asked_kinds(ctx.u.folded)
    ranked = _reordered(ctx, ranked, asked)
    top = ranked[0]
    if "who" in asked and _many_counted(ctx, top):  # "ai vắng mặt?" of "Vắng mặt (02 thành viên)": both
        asked = asked | {"list"}
    lines: list[str] = []
    deadline_ids: list[str] = []
    levels = [c.text for c in ranked[:LEVEL_WINDOW] if c.document_id == top.document_id]
    verdict = level_verdict(ctx.u.folded, top.text, levels)
    verdict = verdict or (yes_no(top.text, ctx.u.folded) if "yesno" in asked else None)
    if verdict:
        lines.append(verdict)
    d = _deadline_of(ctx, top, asked)
    if d is not None:
        when = deadlines.next_occurrence(d, ctx.today, horizon_days=800)
        lines.append(deadlines.line(ctx, d, when, ctx.today))
        deadline_ids.append(d.id)
    named = bodies(ctx, top)
    steps = procedure(ctx, top)
    across = field_across_sections(ctx, top) if "list" in asked else None
    # a procedure, or a field gathered across sections, is cited by the section it reads whole
    heads = ctx.kb.chunks[top.chunk_id].headings or []
    whole = (steps is not None and steps[0] != heads[-1]) or across is not None  # not the best line's own section
    whole = whole or ("list" in asked and _lists_siblings(ctx, top, heads))
    depth = len(heads) - 1 if whole else None
    lines += named or [where_cited(ctx, top, depth) + ":"] + _body(ctx, ranked, asked, steps, across)
    second = runner_up(ctx, ranked, lines)
    if second is not None:
        lines.append(where_cited(ctx, second).replace("Theo", "Ngoài ra, theo", 1) + ":")
        if _is_heading_like(second):  # a heading with its items, never alone ("a) … các xã, phường (08 đơn vị):")
            lines += _list_lines(second.text, _items_after(ctx, second))
        else:
            lines.append(f"“{short(second.text, LINE_CHARS)}”")
    intent = "deadline" if d is not None else ("howto" if ctx.u.intent == "howto" else "search")
    suggestions = list(deadlines.SUGGESTIONS) if deadline_ids else []
    return ctx.finish(intent, lines, sources(ctx, ranked), deadline_ids, suggestions)
