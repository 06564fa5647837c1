"""The section tree of a document body and its chunks.

Markers, outermost first: Chương (chapter), Mục, I. (Roman), Điều N. (article), 1. (numbered item /
khoản), a) (letter item / điểm), "-" (dash item), "+" (plus item). Unmarked paragraphs belong to the
innermost numbered section. A chunk is a section's own text (its heading line, paragraphs and
list items), split at item boundaries when long; it carries its section path
("IV › 1 › c) Sở Thông tin và Truyền thông") and heading path for indexing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RANKS = {
    "root": -1,
    "chuong": 0,
    "muc": 1,
    "roman": 2,
    "dieu": 3,
    "cau": 3,  # "Câu 3. Hồ sơ gồm những gì?": a question of a questions-and-answers page, like an article
    "annex": 0,  # an annex with no numbered sections of its own ("DANH SÁCH … ĐẠT DANH HIỆU …" and a table)
    "arabic": 4,
    "sublist": 4.5,  # "1.", "2." restarted under a "5. Kiến nghị, đề xuất" whose text ends "… kính đề nghị:"
    "letter": 5,
    "paren": 5.5,  # "1)", "2)" under a lettered item: "a) … các xã (08 đơn vị):" › "1) Xã An Lão;"
    "dash": 6,
    "plus": 7,
    "para": 8,
}
STRUCTURAL = {"root", "chuong", "muc", "roman", "dieu", "cau", "annex", "arabic", "sublist", "letter", "paren"}
MAX_CHUNK_CHARS = 1100

_PATTERNS = [
    ("chuong", re.compile(r"^(Chương\s+[IVXLC\d]+)\.?\s*[:.\-]?\s*(.*)$", re.IGNORECASE)),
    ("muc", re.compile(r"^(Mục\s+\d+)\.?\s*[:.\-]?\s*(.*)$")),
    ("dieu", re.compile(r"^(Điều\s+\d+[a-z]?)\s*[.:]\s*(.*)$")),
    # … and a questionnaire's ("Câu 6. Ông/bà muốn học những nội dung nào? (chọn tối đa 03 phương án)", "Câu 1. Giới tính:")
    # … and a letter's answers to questions sent in ("Câu hỏi 1 (Hội Khuyến học xã Chư Păh): … không?")
    (
        "cau",
        re.compile(
            r"^(Câu(?:\s+hỏi)?\s+\d{1,3})\s*(?:\([^()]{1,80}\))?\s*[.:]\s*(.*\?(?:\s*\([^()]{1,60}\))?|[^:]{1,80}:)\s*$"
        ),
    ),
    ("roman", re.compile(r"^([IVX]{1,5})\s*[.\-]\s+(.*)$")),
    ("arabic", re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\s*[.)]\s+(.*)$")),
    ("letter", re.compile(r"^([a-zđ])\s*\)\s*(.*)$")),
    ("dash", re.compile(r"^([-–•])\s*(.*)$")),
    ("plus", re.compile(r"^(\+)\s*(.*)$")),
]
_CLOSING = re.compile(
    r"^(Trân trọng|Trong quá trình|Quá trình tổ chức thực hiện|Căn cứ vào Kế hoạch này|Căn cứ Kế hoạch này|"
    r"Trên đây là|Mọi vướng mắc|Mọi thông tin|Nếu có vướng mắc|Đầu mối liên hệ|Thông tin liên hệ|Luật này đã được|Nhận được (văn bản|công văn) này|Đề nghị các (đơn vị|cơ quan)[^.]*(nghiêm túc|khẩn trương)|"
    r"(Ủy ban nhân dân|UBND)[^.]{0,40}(yêu cầu|đề nghị)[^.]*(nghiêm túc|triển khai thực hiện)|"
    r"[^.]{0,60}trân trọng đề nghị[^.]*quan tâm)",
    re.IGNORECASE,
)


@dataclass
class Node:
    kind: str
    marker: str = ""
    title: str = ""  # the text after the marker
    line: str = ""  # the whole line, verbatim
    children: list["Node"] = field(default_factory=list)
    parent: "Node | None" = field(default=None, repr=False)

    @property
    def rank(self) -> int:
        return RANKS[self.kind]

    @property
    def label(self) -> str:
        """How the section is named in a path: 'IV', '1', 'c)', 'Điều 5', 'Chương II'."""
        if self.kind in ("letter", "paren"):
            return f"{self.marker})"
        return self.marker

    def ancestors(self) -> list["Node"]:
        out, n = [], self.parent
        while n is not None and n.kind != "root":
            out.append(n)
            n = n.parent
        return out[::-1]

    def structural_path(self) -> list["Node"]:
        return [n for n in self.ancestors() + [self] if n.kind in STRUCTURAL and n.kind != "root"]

    def iter(self):
        yield self
        for c in self.children:
            yield from c.iter()

    def text_block(self) -> str:
        """This node's line and all its descendants' lines."""
        return "\n".join(n.line for n in self.iter() if n.line)


def classify(line: str) -> tuple[str, str, str, str]:
    """(kind, marker, title, cleaned line) of one line of the body."""
    s = line.strip()
    # "- b) Mục tiêu …": a dash in front of another marker
    m = re.match(r"^[-–]\s+(?=(?:[a-zđ]\)|\d{1,2}\.\s|[IVX]{1,5}\.\s))", s)
    if m:
        s = s[m.end() :]
    for kind, pat in _PATTERNS:
        m = pat.match(s)
        if m:
            marker, rest = m.group(1), m.group(2).strip()
            if kind == "roman" and not rest:
                continue
            if kind == "arabic" and re.match(r"^\d{1,2}[./]\d", s):  # a date or a fraction, not a marker
                continue
            return kind, re.sub(r"\s+", " ", marker), rest, s
    return "para", "", s, s


def _closes_body(line: str, stack: list[Node]) -> bool:
    """A paragraph ending in './.' (the mark that ends an administrative document's body) after the innermost
    section's own text: the document's closing words ('Ủy ban nhân dân xã thông báo để … thực hiện./.'), not
    that section's. An article's last paragraph stays in its article (a law ends 'Luật này có hiệu lực …./.')."""
    if not line.rstrip().endswith("./."):
        return False
    inner = next((n for n in reversed(stack) if n.kind in STRUCTURAL), None)
    return (
        inner is not None
        and inner.kind not in ("root", "dieu", "chuong")
        and any(c.kind not in STRUCTURAL for c in inner.children)
    )


_PAREN_NUMBER = re.compile(r"^\d{1,2}\)\s")


def _innermost_structural(stack: list[Node]) -> Node:
    return next(n for n in reversed(stack) if n.kind in STRUCTURAL)


def _opens_paren_list(inner: Node) -> bool:
    """ "1)", "2)" items are a list inside a lettered item ("a) …:") or inside a "2." section, not its siblings."""
    return inner.kind in ("letter", "paren") or (inner.kind == "arabic" and not _PAREN_NUMBER.match(inner.line))


_ITEM_END = (".", ";", ",")


def _restarts_list(stack: list[Node], marker: str, line: str, previous: str) -> bool:
    """ "1." under a titled "5." section whose last line introduces a list ("… kính đề nghị:"), or the next number of
    such a restarted list: its items, not the sections after "5." (after an item, "3. Bản sao … .", a list announced
    by "Hồ sơ … gồm:" is its section's next list, not the item's). A number that would also be the section's next
    ("3. Tổ chức thực hiện" after "2. …:" › "2. … ."), written as a title under items written as sentences, is the
    section."""
    inner = _innermost_structural(stack)
    if not marker.isdigit():
        return False
    if inner.kind == "sublist":
        section = inner.parent
        if section is not None and section.marker.isdigit() and int(marker) == int(section.marker) + 1:
            if not line.rstrip().endswith(_ITEM_END) and inner.line.rstrip().endswith(_ITEM_END):
                return False
        return int(marker) == int(inner.marker) + 1
    # a heading's list ("5. Kiến nghị, đề xuất" … "đề nghị:"), not a new list after an item ("3. Bản sao … ." … "gồm:")
    heading = inner.kind == "arabic" and not inner.line.rstrip().endswith(_ITEM_END)
    return marker == "1" and heading and previous.rstrip().endswith(":")


def _unnumbered_annex_title(annex: list[str]) -> str | None:
    """An annex's title line when none of its lines opens a numbered section (a list of names, a table): the
    annex is one section under that title. None when it has sections of its own ("I.", "Điều 1.")."""
    lines = [x.strip() for x in annex if x.strip()]
    if not lines or any(classify(x)[0] in STRUCTURAL for x in lines):
        return None
    return lines[0]


def build_tree(lines: list[str], annex_at: int | None = None) -> Node:
    """The section tree of the body's lines; an annex after the signature starts at line `annex_at`: its title
    lines ("QUY ĐỊNH", "(Ban hành kèm theo …)") belong to no section of the body (not to the decision's last
    article, whose bodies would be given them as tasks)."""
    root = Node("root")
    stack = [root]
    previous = ""
    for i, raw in enumerate(lines):
        if i == annex_at:
            stack = [root]
            title = _unnumbered_annex_title(lines[i:])
            if title is not None:  # its title heads it: its lines are no closing words of the body
                node = Node("annex", title, "", title, parent=root)
                root.children.append(node)
                stack.append(node)
                continue
        s = raw.strip()
        if not s:
            continue
        kind, marker, title, s = classify(s)
        if kind == "arabic" and _PAREN_NUMBER.match(s) and _opens_paren_list(_innermost_structural(stack)):
            kind = "paren"
        elif kind == "arabic" and _restarts_list(stack, marker, s, previous):
            kind = "sublist"
        previous = s
        if kind == "para" and (_CLOSING.match(s) or _closes_body(s, stack)):
            node = Node("para", "", s, s, parent=root)
            root.children.append(node)
            stack = [root]
            continue
        node = Node(kind, marker, title, s)
        if kind == "para":
            # attach to the innermost structural section (not to a list item)
            parent = _innermost_structural(stack)
        elif kind == "plus":
            parent = next(n for n in reversed(stack) if n.rank < RANKS["plus"])
        elif kind == "dash":
            parent = _innermost_structural(stack)
        else:
            while stack[-1].rank >= node.rank:
                stack.pop()
            parent = stack[-1]
        node.parent = parent
        parent.children.append(node)
        if kind in STRUCTURAL or kind == "dash":
            # a dash item can hold "+" items; keep structural nodes on the stack
            while stack[-1] is not parent:
                stack.pop()
            stack.append(node)
    return root


def section_path(node: Node) -> str:
    """'IV › 1 › c) Sở Thông tin và Truyền thông' — markers of the path, then the innermost heading."""
    path = node.structural_path()
    if not path:
        return ""
    labels = [n.label for n in path]
    last = path[-1]
    title = last.title
    if len(title) > 90:
        title = title[:90].rsplit(" ", 1)[0] + "…"
    if title:
        labels[-1] = f"{labels[-1]} {title}" if last.kind != "roman" else f"{labels[-1]}. {title}"
        if last.kind in ("arabic", "sublist"):
            labels[-1] = f"{last.label}. {title}"
    return " › ".join(labels)


def heading_context(node: Node) -> list[str]:
    """The heading lines above and including this section, outermost first (shortened)."""
    out = []
    for n in node.structural_path():
        t = n.line
        out.append(t if len(t) <= 160 else t[:160].rsplit(" ", 1)[0] + "…")
    return out


@dataclass
class ChunkDraft:
    section: Node  # the structural node (or root) the chunk belongs to
    section_path: str
    headings: list[str]
    text: str
    kind: str = "body"
    nodes: list[Node] = field(default_factory=list)


def _is_row(text: str) -> bool:
    return text.lstrip().startswith("|")


TABLE_RULE = re.compile(r"^\|[\s:|-]+\|?$")  # "|---|---|" under a table's header


def _next_table_head(text: str, buf: list[str], head: list[str]) -> list[str]:
    """The header rows of the table being read once `text` is: its own when it starts a table."""
    return _table_head(text) if _is_row(text) and not (buf and _is_row(buf[-1])) else head


def _opening(headline: str | None, table_head: list[str], text: str, last: str) -> list[str]:
    """A new chunk's first lines: the section's headline, and the table's header rows when `text` continues it."""
    continued = _is_row(text) and _is_row(last) and bool(table_head) and text not in table_head
    return ([headline] if headline else []) + (list(table_head) if continued else [])


def _table_head(first_unit: str) -> list[str]:
    """A table's header rows as its first unit starts: its first row, and the rule under it if any."""
    lines = first_unit.split("\n")
    return lines[:2] if len(lines) > 1 and TABLE_RULE.match(lines[1].strip()) else lines[:1]


def _units(section: Node) -> list[tuple[str, list[Node]]]:
    """A section's own content in units that must stay together: a paragraph, or a dash item with its
    '+' items (split further only when too long)."""
    units: list[tuple[str, list[Node]]] = []
    for c in section.children:
        if c.kind in STRUCTURAL:
            continue
        block = [c] + [g for g in c.iter() if g is not c]
        text = "\n".join(n.line for n in block)
        if len(text) > MAX_CHUNK_CHARS and len(block) > 1:
            head = c
            for g in block[1:]:
                units.append((head.line + "\n" + g.line, [head, g]))
        else:
            units.append((text, block))
    return units


def make_chunks(root: Node, closing_label: str = "Phần kết", preamble_label: str = "Phần mở đầu") -> list[ChunkDraft]:
    chunks: list[ChunkDraft] = []

    def emit(section: Node, units, headline: str | None):
        path = section_path(section)
        heads = heading_context(section)
        buf: list[str] = [headline] if headline else []
        nodes: list[Node] = []
        table_head: list[str] = []  # the header rows of the table being read, repeated atop a chunk it continues in
        for text, ns in units:
            table_head = _next_table_head(text, buf, table_head)
            if buf and len("\n".join(buf)) + len(text) > MAX_CHUNK_CHARS and (len(buf) > (1 if headline else 0)):
                chunks.append(ChunkDraft(section, path, heads, "\n".join(buf), nodes=nodes))
                buf, nodes = _opening(headline, table_head, text, buf[-1]), []
            buf.append(text)
            nodes.extend(ns)
        if buf and (
            nodes or not headline or len(headline) > 60 or not any(c.kind in STRUCTURAL for c in section.children)
        ):
            chunks.append(ChunkDraft(section, path, heads, "\n".join(buf), nodes=nodes))

    def walk(section: Node):
        if section.kind == "root":
            pre, post, seen_section = [], [], False
            for c in section.children:
                if c.kind in STRUCTURAL:
                    seen_section = True
                    continue
                block = [c] + [g for g in c.iter() if g is not c]
                (post if seen_section else pre).append(("\n".join(n.line for n in block), block))
            emit_root(section, pre, preamble_label, "preamble")
            walk_sections(section)
            emit_root(section, post, closing_label, "closing")  # in reading order: after the sections
        else:
            emit(section, _units(section), section.line)
            walk_sections(section)

    def emit_root(root_node: Node, units, label: str, kind: str):
        n0 = len(chunks)
        if units:
            emit(root_node, units, None)
        for ch in chunks[n0:]:
            ch.section_path, ch.kind = label, kind

    def walk_sections(section: Node):
        for c in section.children:
            if c.kind in STRUCTURAL:
                walk(c)

    walk(root)
    return chunks
