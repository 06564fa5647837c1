"""Documents copied from legal-database web pages → the plain layout of an official letter.

Two inputs, one output:

- `.html` saved from a page: BeautifulSoup (lxml) walks the page; scripts, navigation, forms and the
  like are dropped; paragraphs become lines, `<br>` a line break, and each layout table (the header with
  the issuer beside the national motto, "Số: …" beside "…, ngày …", the closing "Nơi nhận" beside the
  signer) is read column by column, so the issuer, the motto, the number and the place/date come out on
  lines of their own in the order the header parser (indexer.header) expects. Other tables keep one
  row per line, cells separated by " | ".
- `.txt` pasted from a browser: table rows appear as cells separated by tabs or " | "; lines break inside
  sentences. The same column-by-column reading and line joining apply (`tidy_pasted`).

The metadata block above the document on such sites (Số hiệu, Loại văn bản, Nơi ban hành, Người ký,
Ngày ban hành) is read and dropped; when the document's own header lacks the number, the issuer or the
date, header lines built from the metadata are put in front, in the official layout. Site text before
the header and after the signer is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.normalize import unzip_closing_columns
from indexer.pageidentity import PageIdentity, number_questions, page_identity
from vntext import fold
from vntext import is_upper_line as _is_upper

_MOTTO = "cong hoa xa hoi chu nghia viet nam"
_META_LABELS = {  # folded label → key
    "so hieu": "number",
    "so ki hieu": "number",
    "so van ban": "number",
    "loai van ban": "doc_type",
    "noi ban hanh": "issuer",
    "co quan ban hanh": "issuer",
    "nguoi ki": "signer",
    "ngay ban hanh": "date",
    "ngay hieu luc": None,
    "ngay cong bao": None,
    "so cong bao": None,
    "tinh trang": None,
    "tinh trang hieu luc": None,
    "linh vuc": None,
    "linh vuc, nganh": None,
    "ngay het hieu luc": None,
    "ap dung": None,
    "da biet": None,
    "trich yeu": "subject",
}
_SIGN_TITLE = re.compile(
    r"^(?:KT\.|TM\.|TL\.|Q\.|PHÓ |CHỦ TỊCH|GIÁM ĐỐC|BỘ TRƯỞNG|THỨ TRƯỞNG|TỔNG CỤC TRƯỞNG|"
    r"CỤC TRƯỞNG|VỤ TRƯỞNG|CHÁNH VĂN PHÒNG|TRƯỞNG BAN|PHÓ GIÁM ĐỐC|PHÓ CHỦ TỊCH|"
    r"THỦ TƯỚNG|CHỦ NHIỆM)"
)
_NAME = re.compile(r"^[A-ZÀ-ỸĐ][\wÀ-ỹđĐ]*(?:\s+[A-ZÀ-ỸĐ][\wÀ-ỹđĐ]*){1,5}$")
_LIST_START = re.compile(
    r"^(?:[-–•+*]\s*|\d{1,2}(?:\.\d{1,2})*\s*[.)]\s|[a-zđ]\)\s|[IVX]{1,5}\s*[.\-]\s|"
    r"(?:Điều|Chương|Mục|Phần)\s+[\dIVX]|Kính gửi|Nơi nhận|Số\s*:|V/v\b|Căn cứ\b)"
)
_RULE = re.compile(r"^[\s\-_–—=.*]{3,}$")  # "-------" under the issuer and the motto
_TERMINAL = (".", ";", ":", "!", "?", "…")
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "center",
    "address",
    "figure",
    "figcaption",
    "hr",
    "body",
    "html",
}
DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
    "iframe",
    "svg",
    "template",
    "input",
    "textarea",
    "head",
]


@dataclass
class Metadata:
    number: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    signer: str | None = None
    date: tuple[int, int, int] | None = None  # (d, m, y)
    subject: str | None = None
    lines: set[int] = field(default_factory=set)  # the lines it was read from


# -- HTML ------------------------------------------------------------------------------------------------
def html_to_text(data: bytes | str) -> str:
    """A saved web page → text with one line per paragraph, tables as tab-separated rows, then
    `tidy_pasted` (metadata, header columns, joined lines, site text dropped)."""
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(data, "lxml")
    except Exception:  # noqa: BLE001 - lxml missing or choking: the parser Python ships with
        soup = BeautifulSoup(data, "html.parser")
    page = page_identity(soup)
    for t in soup(DROP_TAGS):
        t.decompose()
    for t in soup.find_all(style=re.compile(r"display\s*:\s*none", re.I)):
        t.decompose()
    root = soup.body or soup
    number_questions(root)
    out: list[str] = []
    _walk(root, out)
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*", "\n", text.replace("\r", ""))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return tidy_pasted(text, force=True, page=page)


def _inline_text(node, out: list[str]) -> None:
    from bs4 import NavigableString, Tag

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction", "CData"):
                continue
            out.append(re.sub(r"\s+", " ", str(child)))
        elif isinstance(child, Tag):
            name = child.name.lower()
            if name == "br":
                out.append("\n")
            elif name == "table":
                out.append("\n\n" + _table_text(child) + "\n\n")
            elif name == "li":
                out.append("\n\n" + _list_item_text(child) + "\n\n")
            elif name in BLOCK_TAGS or name == "tr":
                sep = "\n\n" if name in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd") else "\n"
                out.append(sep)
                _inline_text(child, out)
                out.append(sep)
            else:
                _inline_text(child, out)


_ITEM_MARKER = re.compile(r"^\s*(?:[-+•*–]|[a-zđ]\)|\d{1,2}[.)]|[IVX]{1,5}\.)\s")


def _list_item_text(li) -> str:
    """An <li> as a list item line: its own marker ("a) …", "1. …") or "- "."""
    parts: list[str] = []
    _inline_text(li, parts)
    text = re.sub(r"^\s+", "", "".join(parts))
    return text if _ITEM_MARKER.match(text) else "- " + text


def _walk(node, out: list[str]) -> None:
    _inline_text(node, out)


def _cell_text(cell) -> str:
    parts: list[str] = []
    _inline_text(cell, parts)
    t = "".join(parts)
    t = re.sub(r"[ \t\u00a0]*\n[ \t\u00a0]*", "\n", t)
    return re.sub(r"\n{2,}", "\n", t).strip()


def _table_text(table) -> str:
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = [c for c in tr.find_all(["td", "th"]) if c.find_parent("tr") is tr]
        rows.append([_cell_text(c) for c in cells])
    return table_rows_text(rows)


_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def unzip_markdown_layout(lines: list[str]) -> list[str]:
    """A Markdown table that lays out a letter's header or signature, its cells' lines joined by "<br>" ("| UBND
    TỈNH …<br>BAN CHỈ ĐẠO … | CỘNG HÒA …<br>Độc lập … |"), read as the printed page: cell by cell, one line each
    (as a Word layout table is, `table_rows_text`). A table of data stays a table."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _MD_ROW.match(lines[j]):
            j += 1
        block = lines[i:j]
        if block and any(_BREAK.search(x) for x in block):
            rows = [[_BREAK.sub("\n", c) for c in cells] for x in block if (cells := _split_cells(x))]  # no rule
            unzipped = table_rows_text(rows)
            out += unzipped.split("\n") if not unzipped.lstrip().startswith("|") else block
        else:
            out += block or [lines[i]]
        i = max(j, i + 1)
    return out


def table_rows_text(rows: list[list[str]]) -> str:
    """A table's rows of cell texts → a layout table read column by column, or "a | b" rows of data."""
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    ncol = max(len(r) for r in rows)
    if ncol <= 3 and _is_layout([c for r in rows for c in r], len(rows)):
        return _column_major(rows)
    return "\n".join("| " + " | ".join(" ".join(c.split()) for c in r) + " |" for r in rows)


# a layout table is a few rows: a data table that names a chairman or a director in its cells (an agenda's "Phó Chủ
# tịch UBND tỉnh", a member list's "Giám đốc Sở") is read row by row
LAYOUT_MAX_ROWS = 4
# the number's label opens a line of a cell ("Số: 57/KH-UBND"); "kỹ năng số: kích hoạt VNeID" in an agenda is no label
_NUMBER_LABEL = re.compile(r"(?m)^\W*so\s*:|\bso\s*:\s*(?:[\d/.…_]|$)")


def _is_layout(cells: list[str], rows: int = 0) -> bool:
    """A table that only lays out a letter's header or signature (not a table of data): it holds the motto, the
    number, the receivers or a signing formula, or it is short (LAYOUT_MAX_ROWS) and names a signer's title."""
    f = fold(" ".join(cells))
    if any(k in f for k in (_MOTTO, "doc lap", "noi nhan", "tm.", "kt.")) or _NUMBER_LABEL.search(
        fold("\n".join(cells))
    ):
        return True
    return rows <= LAYOUT_MAX_ROWS and any(k in f for k in (", ngay", "chu tich", "giam doc", "bo truong"))


def _column_major(rows: list[list[str]]) -> str:
    """Cells read column by column (left column of every row, then the right one): the layout of the
    printed header. Rows whose first cell holds the issuer and whose second holds the motto keep the
    blocks apart with blank lines."""
    ncol = max(len(r) for r in rows)
    blocks = []
    for c in range(ncol):
        col = [r[c] for r in rows if c < len(r) and r[c].strip()]
        lines = [ln for cell in col for ln in cell.split("\n")]
        lines = [ln.strip() for ln in lines if ln.strip() and not _RULE.match(ln)]
        if lines:
            blocks.append("\n".join(lines))
    # the number row ("Số: … | …, ngày …") read after the issuer and motto rows, so that the number follows
    # the issuer and the date follows the motto in the reading order the parser expects
    num = next((i for i, r in enumerate(rows) if i and re.match(r"^\s*Số\s*:", r[0] if r else "")), None)
    if num is not None and ncol >= 2:
        return _column_major(rows[:num]) + "\n\n" + _column_major(rows[num:])
    return "\n\n".join(blocks)


# -- pasted text -------------------------------------------------------------------------------------------
def _split_cells(line: str) -> list[str] | None:
    s = line.strip(" \u00a0\r\n")
    if "\t" in s:
        cells = [c.strip() for c in s.split("\t")]
    elif " | " in s or s.startswith("|") or s.endswith("|"):
        cells = [c.strip() for c in s.strip("|").split("|")]
    else:
        return None
    if all(not c or re.fullmatch(r":?-{2,}:?", c) for c in cells):  # "|---|---|"
        return []
    return cells


def _tables_to_columns(lines: list[str]) -> list[str]:
    """Runs of tab- or pipe-separated rows with ≤ 3 cells that lay out a header or a signature →
    column-major lines; other rows unchanged."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        cells = _split_cells(lines[i])
        if cells is None:
            out.append(lines[i])
            i += 1
            continue
        run: list[list[str]] = []
        j = i
        while j < len(lines):
            c = _split_cells(lines[j])
            if c is None:
                # a row's cell wrapped onto a plain line right after it (pasted tables do this)
                if lines[j].strip() and run and j + 1 < len(lines) and _split_cells(lines[j + 1]) is not None:
                    run.append([lines[j].strip()])
                    j += 1
                    continue
                break
            if c:
                run.append(c)
            j += 1
        if run and out and re.match(r"^\s*Nơi nhận", out[-1], re.I):  # the closing table's first row
            run.insert(0, [out.pop().strip()])
        if run and max(len(r) for r in run) <= 3 and _is_layout([c for r in run for c in r], len(run)):
            out += ["", *_column_major(run).split("\n"), ""]
        else:
            out += [lines[k] for k in range(i, j)]
        i = j
    return out


def read_metadata(lines: list[str], limit: int) -> Metadata:
    """The 'Số hiệu: … Loại văn bản: …' block(s) among the first `limit` lines (several labels may share
    a line, as they do when a metadata table is pasted)."""
    md = Metadata()
    for i, line in enumerate(lines[:limit]):
        cells = [c.strip() for c in re.split(r"\t|\s\|\s|^\||\|$|\s{3,}", line) if c.strip()]
        pairs: list[tuple[str, str]] = []
        k = 0
        while k < len(cells):
            m = re.match(r"^([^:]{3,30}?)\s*:\s*(.*)$", cells[k])
            label = fold(m.group(1).strip()) if m else ""
            if label in _META_LABELS:
                value = m.group(2).strip()
                if not value and k + 1 < len(cells) and not re.match(r"^[^:]{3,30}:", cells[k + 1]):
                    value = cells[k + 1]
                    k += 1
                pairs.append((label, value))
            k += 1
        if not pairs:
            continue
        md.lines.add(i)
        for label, value in pairs:
            value = value.strip(" ;,")
            key = _META_LABELS[label]
            if not key or not value or fold(value) in ("dang cap nhat", "da biet", "khong xac dinh"):
                continue
            if key == "date":
                m = re.search(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", value)
                if m:
                    md.date = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            elif getattr(md, key) is None:
                setattr(md, key, re.sub(r"\s+", " ", value))
    return md


_NUMBER_LINE = re.compile(r"^\s*Số\s*:\s*\S*\d")


INLINE_MOTTO_LINES = 15  # a motto typed beside the issuer opens the letter's first lines


def _doc_start(lines: list[str]) -> int | None:
    """Index of the first line of the letter's header (the issuer above/beside the national motto)."""
    motto = next((i for i, s in enumerate(lines) if fold(s).strip().startswith(_MOTTO)), None)
    beside = next((i for i, s in enumerate(lines[:INLINE_MOTTO_LINES]) if _MOTTO in fold(s)), None)
    if beside is not None and (motto is None or beside < motto):  # "ỦY BAN NHÂN DÂN      CỘNG HÒA …" typed in columns
        motto = beside
    if motto is None:
        num = next((i for i, s in enumerate(lines) if _NUMBER_LINE.match(s)), None)
        if num is None:
            return None
        motto = num
    i = motto - 1
    start = motto
    header_line = lambda s: (_is_upper(s) and fold(s).strip() not in _META_LABELS) or _NUMBER_LINE.match(s)
    while i >= 0 and (not lines[i].strip() or header_line(lines[i]) or _is_upper(lines[i]) or _RULE.match(lines[i])):
        if header_line(lines[i]):  # the issuer's lines, and its number under them ("Số: 86/KH-BCĐ")
            start = i
        if not lines[i].strip() and start != motto and i > 0 and not _is_upper(lines[i - 1]):
            break
        i -= 1
    return start


def _doc_end(lines: list[str], signer: str | None) -> int:
    """One past the signer's name after 'Nơi nhận' (site text after it is dropped)."""
    n = len(lines)
    if signer:
        hits = [i for i, s in enumerate(lines) if fold(s.strip()) == fold(signer.strip())]
        if hits:
            return n if _annex_follows(lines, hits[-1] + 1) else hits[-1] + 1
    recv = next((i for i in range(n - 1, -1, -1) if re.match(r"^\s*Nơi nhận", lines[i], re.I)), None)
    if recv is None:
        return n
    titles = False
    for i in range(recv, n):
        s = lines[i].strip()
        if _SIGN_TITLE.match(s):
            titles = True
        elif titles and s and not _is_upper(s) and _NAME.match(s):
            return n if _annex_follows(lines, i + 1) else i + 1
    return n


ANNEX_LOOKAHEAD = 4  # non-empty lines after the signature where an annex's title may stand


def _annex_follows(lines: list[str], i: int) -> bool:
    """An annex follows the signature ("DANH SÁCH DÒNG HỌ ĐẠT DANH HIỆU …", "PHỤ LỤC", "(Kèm theo Quyết định …)"):
    the document goes on after its signer."""
    from indexer.header import is_annex_title

    return any(is_annex_title(x) for x in [x.strip() for x in lines[i:] if x.strip()][:ANNEX_LOOKAHEAD])


def join_wrapped(lines: list[str]) -> list[str]:
    """Join lines broken inside a sentence: the next line starts in lower case, or the line is long, ends
    without punctuation and the next does not begin a list item, a heading or a header field."""
    lengths = sorted(len(x.strip()) for x in lines if x.strip())
    width = 0
    if len(lengths) >= 10:  # text wrapped at a fixed width (a browser window, an e-mail): lines near it are full
        p90 = lengths[int(0.9 * (len(lengths) - 1))]
        if sum(1 for n in lengths if 0.8 * p90 <= n <= 1.05 * p90) >= 0.3 * len(lengths) and 40 <= p90 <= 200:
            width = max(n for n in lengths if n <= 1.05 * p90)
    out: list[str] = []
    raw_prev = ""
    for line in lines:
        s = line.strip()
        full_prev, raw_prev = raw_prev, s
        if out and out[-1] and s and not s.startswith("|") and not out[-1].startswith("|"):  # a table's rows stay rows
            prev = out[-1]
            if (
                width
                and len(full_prev) + 1 + len(s.split()[0]) > width
                and not _LIST_START.match(s)
                and not _is_upper(s)
                and not _is_upper(prev)
            ):
                out[-1] = prev + " " + s
                continue
            cont = s[0].islower() and not _LIST_START.match(s)
            long_open = (
                len(prev) >= 60
                and not prev.endswith(_TERMINAL)
                and not _LIST_START.match(s)
                and not _is_upper(s)
                and not _is_upper(prev)
                and not re.match(r"^[^,]{2,40}, ngày", s)
            )
            if (cont and not _is_upper(prev) and not prev.endswith((":",))) or long_open:
                out[-1] = prev + " " + s
                continue
        out.append(s)
    return out


def looks_pasted(text: str) -> bool:
    """Text copied from a legal-database page rather than a clean file: a header laid out as a table
    (tabs or ' | '), a metadata block, or many lines broken inside sentences."""
    lines = text.replace("\r\n", "\n").split("\n")
    head = lines[:60]
    if any(
        len([c for c in (_split_cells(s) or []) if c]) >= 2
        and (_MOTTO in fold(s) or re.search(r"\bso\s*:", fold(s)) or ", ngay" in fold(s))
        for s in head
    ):
        return True
    md = read_metadata(head, len(head))
    if sum(x is not None for x in (md.number, md.doc_type, md.issuer, md.signer, md.date)) >= 2:
        return True
    body = [s.strip() for s in lines if s.strip()]
    breaks = sum(
        1
        for a, b in zip(lines, lines[1:])
        if a.strip() and b.strip() and b.strip()[0].islower() and not a.strip().endswith(_TERMINAL)
    )
    return len(body) >= 10 and breaks >= max(3, len(body) // 10)


def _header_from_metadata(md: Metadata) -> list[str]:
    out = []
    if md.issuer:
        iss = md.issuer.strip()
        if re.match(r"^(Tỉnh|Thành phố|TP\.?)\s", iss, re.I):
            iss = "Ủy ban nhân dân " + iss
        out.append(iss.upper())
    if md.doc_type and fold(md.doc_type) != "cong van":
        out.append(md.doc_type.upper())
    if md.number:
        out.append(f"Số: {md.number}")
    if md.date:
        d, m, y = md.date
        place = re.sub(r"^(Ủy ban nhân dân|UBND)?\s*(Tỉnh|Thành phố|TP\.?)\s+", "", md.issuer or "", flags=re.I)
        place = (
            place if md.issuer and len(place) < 40 and re.match(r"^(Tỉnh|Thành phố|TP)", md.issuer, re.I) else "Hà Nội"
        )
        out.append(f"{place}, ngày {d} tháng {m} năm {y}")
    return out


# A news or questions-and-answers page: its title, then "Đăng ngày 14/4/2027 | Ban Tuyên truyền - Hội Khuyến học tỉnh X".
ARTICLE_HEAD_LINES = 20
_BYLINE_DATE = re.compile(
    r"(?:Đăng ngày|Ngày đăng|Đăng lúc|Cập nhật(?: lúc| ngày)?|Ngày)\s*:?\s*(?:\d{1,2}:\d{2}\s*)?"
    r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})",
    re.IGNORECASE,
)
# a byline's cell that is a date alone, with its time ("Thu Hà | Trung tâm Thông tin tỉnh | 04/10/2027 08:15")
_DATE_CELL = re.compile(r"^(?:\d{1,2}:\d{2}\s+)?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2})?$")
_PUBLISHER = re.compile(r"^(?:Ban|Hội|Sở|Phòng|UBND|Ủy ban|Bộ|Trung tâm|Văn phòng|Cục|Vụ|Trường)\b")
_PLACE_NAME = r"([A-ZĐÀ-Ỹ][\wÀ-ỹđ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹđ]*){0,3})"  # up to four capitalised words
_TITLE_PLACE = re.compile(r"\b(?:tỉnh|thành phố)\s+" + _PLACE_NAME)
_LOCALITY = re.compile(r"\b(?:tỉnh|thành phố|TP\.?|xã|phường)\s+" + _PLACE_NAME + r"\s*$")


# where the article ends and the site's sharing buttons, tags and notices begin
_SITE_TAIL = re.compile(
    r"^\s*(?:Chia sẻ|Từ khóa|Tags?|Bình luận|Tin liên quan|Tin cùng chuyên mục|Bài viết liên quan|In bài)\s*:?", re.I
)


def _article_byline(lines: list[str]) -> tuple[int, int, str, tuple[int, int, int]] | None:
    """(title line, byline, publisher, date) of a web article with no letter header, or None: the byline
    names the date and the body that published it; the title is the line above it."""
    for i, line in enumerate(lines[:ARTICLE_HEAD_LINES]):
        cells = [c.strip() for c in line.split("|")]
        m = _BYLINE_DATE.search(line) or next((d for d in map(_DATE_CELL.match, cells[1:]) if d), None)
        publisher = next((c for c in map(_cell_body, cells) if _PUBLISHER.match(c)), None)
        publisher = publisher or (_signed_by(lines, i) if m else None)
        if not m or not publisher:
            continue
        title = next((k for k in range(i - 1, -1, -1) if lines[k].strip()), None)
        if title is None or re.search(r"[›»|]", lines[title]) or len(lines[title]) > 200:
            continue  # the site's own date above its menu ("Thứ Tư, ngày 12/01/2028 | Đăng nhập"), not a byline
        return title, i, publisher, (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


# "Tác giả: Minh Thư - Phòng GDCN-GDTX", "Nguồn: Sở GDĐT": the body after the author's name or the label
_CELL_LABEL = re.compile(r"^(?:Tác giả|Nguồn|Người viết|Bài và ảnh|Bài)\s*:\s*", re.I)


def _cell_body(cell: str) -> str:
    """A byline cell's body: the cell itself, or what follows its label and its author's name."""
    rest = _CELL_LABEL.sub("", cell)
    return rest.rsplit(" - ", 1)[-1].strip() if rest != cell else cell


_AUTHOR_LINE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹđ]*\s+){1,4}[A-ZĐÀ-Ỹ][\wÀ-ỹđ]*\s+[-–]\s+(.{4,80})$")


def _signed_by(lines: list[str], byline: int) -> str | None:
    """The body an article's closing line names after its author ("Nguyễn Hoài Nam - Trung tâm Văn hóa, Thông tin
    và Thể thao huyện"), when its byline names none."""
    rest = lines[byline + 1 :]
    end = next((k for k, s in enumerate(rest) if _SITE_TAIL.match(s)), len(rest))
    last = next((s.strip() for s in reversed(rest[:end]) if s.strip()), "")
    m = _AUTHOR_LINE.match(last)
    return m.group(1).strip() if m and _PUBLISHER.match(m.group(1)) else None


_BANNER_PLACE = re.compile(r"\b(?:tỉnh|thành phố)\s+" + _PLACE_NAME + r"\s*$", re.IGNORECASE)
_PLACE_LEAD = re.compile(_PLACE_NAME + r"\s*:\s")  # a news title led by its place and a colon
_ANY_LOCALITY = re.compile(r"\b(?:tỉnh|thành phố|huyện|thị xã|quận|xã|phường)\s+" + _PLACE_NAME)


def _page_article(lines: list[str], page: PageIdentity | None) -> tuple[int, int, str, tuple | None] | None:
    """(title line, last line of the head, publisher, date) of a page with neither a letter header nor a byline, from
    what the page says of itself (indexer/pageidentity.py): its title is its first line of text that is no crumb
    trail; its date, if the page gives none, the first "Cập nhật ngày …" atop its text."""
    if page is None or not page.publisher:
        return None
    title = next((k for k, s in enumerate(lines) if s.strip() and not re.search(r"[›»]", s)), None)
    if title is None or len(lines[title]) > 200:
        return None
    date = page.date
    if date is None:
        m = next((m for s in lines[:ARTICLE_HEAD_LINES] if (m := _BYLINE_DATE.search(s))), None)
        date = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    return title, title, "\n".join(page.publisher), date


def _article_text(lines: list[str], title: int, byline: int, publisher: str, date: tuple[int, int, int] | None) -> str:
    """An article as a document: its publisher and "place, date" as a header, its title, its text (the site's
    menus above the title dropped)."""
    head = [publisher.upper()]
    banner = (_BANNER_PLACE.search(x) for x in publisher.split("\n"))  # "SỞ GIÁO DỤC … TỈNH AN GIANG"
    where = (
        _LOCALITY.search(publisher) or next((m for m in banner if m), None) or _TITLE_PLACE.search(lines[title])
    )  # "… tỉnh Tuyên Quang năm 2027"
    where = where or _PLACE_LEAD.match(lines[title].strip())  # "Quảng Trị: Tuần lễ … năm 2027 thu hút …"
    first = next((s for s in lines[byline + 1 :] if len(s.strip()) > 80), "")  # its opening: "… huyện Văn Lâm …"
    where = where or _ANY_LOCALITY.search(first)
    if where and date:
        d, m, y = date
        head.append(f"{where.group(1).title()}, ngày {d} tháng {m} năm {y}")
    rest = lines[byline + 1 :]
    end = next((k for k, s in enumerate(rest) if _SITE_TAIL.match(s)), len(rest))
    body = join_wrapped([s for s in rest[:end] if not _RULE.match(s)])
    out = "\n".join(head + ["", lines[title].strip(), ""] + body)
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"


def tidy_pasted(text: str, force: bool = False, page: PageIdentity | None = None) -> str:
    """Pasted or scraped text → plain official-letter layout (see the module docstring). Text that does not
    look pasted is returned unchanged unless `force`."""
    if not force and not looks_pasted(text):
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _tables_to_columns(unzip_closing_columns(lines))  # a closing block in columns typed with tabs first
    start = _doc_start(lines)
    md = read_metadata(lines, start if start is not None else min(len(lines), 40))
    article = _article_byline(lines) if start is None and not md.lines else None
    article = article or (_page_article(lines, page) if start is None and not md.lines else None)
    if article is not None:
        return _article_text(lines, *article)
    if start is not None:
        body = lines[start:]
    else:
        body = [s for i, s in enumerate(lines) if i not in md.lines]
    body = [s for s in body if not _RULE.match(s)]
    body = body[: _doc_end(body, md.signer)]
    body = join_wrapped(body)
    head = "\n".join(body[:40])
    missing = []
    if md.number and not re.search(r"^\s*Số\s*:", head, re.M):
        missing.append("number")
    if md.date and not re.search(r"ngày\s*\d{0,2}\s*tháng", head):
        missing.append("date")
    if md.issuer and start is None:
        missing.append("issuer")
    if missing:
        body = _header_from_metadata(md) + [""] + body
    out = "\n".join(body)
    out = re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"
    return out
