"""Clean a document's text: Unicode NFC with one tone-mark placement, no markdown emphasis,
no stray page numbers, signature images or typist initials, list markers tidied."""

from __future__ import annotations

import re

from vntext import nfc

_NOISE_LINE = re.compile(
    r"^\s*(?:\d{1,3}(?:\s+\d{1,3})*|handwritten signature|\(?đã ký\)?|\[?chữ ký\]?|signed|"
    r"trang\s+\d+(?:\s*/\s*\d+)?|page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-)\s*$",
    re.IGNORECASE,
)


# A header typed in two columns: "ỦY BAN NHÂN DÂN        CỘNG HÒA XÃ HỘI …", "Số: 47/TTr-VHXH      Giao Sơn, ngày …".
HEADER_COLUMN_LINES = 15  # the header stands within the first lines
_COLUMN_GAP = re.compile(r"(?<=\S)(?:[ \u00a0]{3,}|\t+)(?=\S)")
_RULE_CELL = re.compile(r"^[-_=*]{3,}$")  # the rule under a column's name
_RIGHT_COLUMN = re.compile(r"^(?:CỘNG HÒA|Độc lập|[^,\n]{2,40},\s*ngày\b)", re.IGNORECASE)


# a header's two columns with no gap between them (a PDF's text layer, a pasted page: "UBND TỈNH PHÚ THỌ CỘNG HÒA XÃ
# HỘI …", "Số: 1246/CTr-SGDĐT Phú Thọ, ngày 16 tháng 3 năm 2026", "**ỦY BAN NHÂN DÂN XÃ X** — **CỘNG HÒA …**")
_INLINE_RIGHT = re.compile(
    r"[\s*]+(?:[—–|-][\s*]+)?(?=CỘNG HÒA XÃ HỘI|Độc lập\s*-\s*Tự do|[A-ZÀ-ỸĐ][^\d/,\n*]{1,38},\s*ngày\s+\d)"
)


def _inline_columns(line: str) -> list[str]:
    """[left, right] of a header line whose left column (an issuer in capitals, a number) runs into the right one
    (the national motto, the place and date) with no gap; [line] otherwise."""
    m = _INLINE_RIGHT.search(line)
    if m is None or m.start() == 0:
        return [line]
    left = line[: m.start()].strip(" *")
    letters = [c for c in left if c.isalpha()]
    if not (left.startswith("Số") or (len(letters) >= 3 and all(c.isupper() for c in letters))):
        return [line]
    return [left, line[m.end() :]]


def unzip_header_columns(lines: list[str]) -> list[str]:
    """The left column of a header in columns (issuer, number), then a middle one (a second issuer of a joint
    document), then the right one (national motto, place and date), as the printed header is read; lines of one
    column, and every line after the header, unchanged."""
    out: list[str] = []
    middle: list[str] = []
    right: list[str] = []
    last = 0
    for line in lines[:HEADER_COLUMN_LINES]:
        parts = _COLUMN_GAP.split(line.strip())
        parts = parts if len(parts) > 1 else _inline_columns(line.strip())
        if len(parts) in (2, 3) and (_RIGHT_COLUMN.match(parts[-1]) or (right and _RULE_CELL.match(parts[-1]))):
            out.append(parts[0])
            middle += parts[1:-1]
            right.append(parts[-1])
            last = len(out)
        else:
            out.append(line)
    if not right:
        return lines
    second = [""] + middle if middle else []
    return out[:last] + second + [""] + right + [""] + out[last:] + lines[HEADER_COLUMN_LINES:]


_RECEIVERS = re.compile(r"^\s*Nơi nhận\s*:?", re.IGNORECASE)


def unzip_closing_columns(lines: list[str]) -> list[str]:
    """A closing block typed in two columns ("Nơi nhận:      TM. ỦY BAN NHÂN DÂN", "- Lưu: VT.      Lê Văn A"): the
    receivers (left), then the signature (right); a line of one column is a receiver when it is a list item."""
    start = next((i for i, x in enumerate(lines) if _RECEIVERS.match(x)), None)
    if start is None or len(_COLUMN_GAP.split(lines[start].strip())) != 2:
        return lines
    left: list[str] = []
    right: list[str] = []
    end = start
    while end < len(lines) and lines[end].strip():
        parts = _COLUMN_GAP.split(lines[end].strip())
        if len(parts) == 2:
            left.append(parts[0])
            right.append(parts[1])
        elif parts[0].startswith(("-", "+", "•")):
            left.append(parts[0])
        else:
            right.append(parts[0])
        end += 1
    return lines[:start] + left + [""] + right + lines[end:]


# pictographs that open or close a line of a pasted post ("✅ Công ty …: 50.000.000đ", "📅 THỜI GIAN: …", "… 🎉🎉")
_EMOJI = "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\ufe0f\u200d\u20e3]"
_EMOJI_HEAD = re.compile(rf"^\s*(?:{_EMOJI}\s*)+(?=\S)")
_EMOJI_TAIL = re.compile(rf"(?<=\S)(?:\s*{_EMOJI})+\s*$")


def emoji_items(lines: list[str]) -> list[str]:
    """A social post's lines opened by a pictograph: a run of two or more such lines is a list ("- Công ty …"), a
    lone one a plain line; pictographs closing a line are dropped."""
    opened = [bool(_EMOJI_HEAD.match(x)) for x in lines]
    out = []
    for i, line in enumerate(lines):
        if opened[i]:
            in_run = (i > 0 and opened[i - 1]) or (i + 1 < len(lines) and opened[i + 1])
            line = ("- " if in_run else "") + _EMOJI_HEAD.sub("", line)
        out.append(_EMOJI_TAIL.sub("", line))
    return out


# a reply's quoted mail: "> From: …", "> > Date: …" (each level of quoting adds a ">")
_QUOTE_MARKS = re.compile(r"^\s*(?:>\s?)+")
_QUOTED_MAIL_HEAD = re.compile(r"^\s*(?:>\s?)+(?:From|Từ|Người gửi|Date|Subject|Tiêu đề)\s*:", re.IGNORECASE)


def unquoted_mail(lines: list[str]) -> list[str]:
    """A mail thread's quoted messages read as their own lines: the quote marks go, so their lists are lists
    ("> > + Bản photo CCCD;" → "+ Bản photo CCCD;"). Other text keeps its ">" (a "> 80%" in a table)."""
    if not any(_QUOTED_MAIL_HEAD.match(x) for x in lines):
        return lines
    return [_QUOTE_MARKS.sub("", x) for x in lines]


def normalize_text(raw: str) -> str:
    t = nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    t = "\n".join(emoji_items(unzip_closing_columns(unzip_header_columns(unquoted_mail(t.split("\n"))))))
    t = t.replace("\t", " ").replace("\u2013", "-").replace("\u2014", "-").replace("\u2022", "-")
    t = t.replace("“", "“").replace("”", "”")
    lines = []
    for line in t.split("\n"):
        s = line
        s = re.sub(r"\*{1,3}([^*\n]+?)\*{1,3}", r"\1", s)  # **bold**, *italic*
        s = re.sub(r"(?<!\w)_{1,2}([^_\n]+?)_{1,2}(?!\w)", r"\1", s)  # __bold__
        s = s.replace("**", "")
        s = re.sub(r"\^\([^)]*\)", "", s)  # ^(vn) superscripts
        s = re.sub(r"\\([-*_.()\[\]#+])", r"\1", s)  # markdown escapes
        s = re.sub(r"^\s*#{1,6}\s+", "", s)  # markdown headings
        s = re.sub(r"(?<=[.;:])\s+[a-zđ]{1,3}\s*$", "", s)  # typist initials after the last sentence
        # "- + item" / " - + item": a doubled list marker
        s = re.sub(r"^\s*-\s+\+\s*", "+ ", s)
        s = re.sub(r"[ \u00a0]+", " ", s).strip()
        if _NOISE_LINE.match(s):
            s = ""
        lines.append(s)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
