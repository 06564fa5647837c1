"""A list of a document's numbered parts asked ("Khóa bồi dưỡng gồm những chuyên đề nào?", "có mấy đợt?"): every
line of the best evidence's document that opens one of those parts ("Chuyên đề 1. Chủ trương, chính sách …",
"Đợt 2: từ ngày …"), in order, under the document's citation. A line that only mentions a part ("Cử báo cáo viên
Chuyên đề 6") is none."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers.base import Context, short
from bot.evidence import part_number
from bot.formatting import document_citation
from vntext import fold

# the kinds of numbered parts a document is laid out in, folded ("chuyen de" of "Chuyên đề 1.")
PART_KINDS = "chuyen de|tieu chi|dot|bieu|phu luc|mau|chuong|phan|khoa|lop|modun|module|hoc phan"
# … at the question's end, with no condition after it: "những lớp nào miễn phí" asks some of them, not the list
_LIST_ASKED = re.compile(
    rf"\b(?:nhung|cac|may|bao nhieu)\s+({PART_KINDS})\b(?:\s+\w+){{0,2}}?\s*(?:nao|gi)?\s*(?:vay|a|nhi)?\s*$"
)
# the line opening a part: "Chuyên đề 1. …", "Đợt 2: …", "Biểu 01 - …", "Phụ lục III. …"
_OPENING = r"^\s*[-•+]?\s*({kind})\s+(?:so\s+)?(\d{{1,2}}|[ivx]{{1,4}})\s*[.:)\-–]\s*\S"
MIN_PARTS = 2
PART_CHARS = 160


def _openings(ctx: Context, doc_id: str, kind: str) -> list[tuple[int, str, int]]:
    """(number, line, chunk id) of each line of the document opening a part of this kind, the first of each number,
    in the document's order."""
    rx = re.compile(_OPENING.format(kind=kind))
    seen: dict[int, tuple[str, int]] = {}
    for ch in ctx.kb.chunks_of_document(doc_id):
        for line in [*(ch.headings or [])[-1:], *ch.text.split("\n")]:
            m = rx.match(fold(line).lower())
            if m:
                seen.setdefault(part_number(m.group(2)), (line.strip(), ch.id))
    return [(n, *seen[n]) for n in sorted(seen)]


def list_parts(ctx: Context, ranked: list) -> Answer | None:
    """The numbered parts of the kind asked of the best evidence's document, when it has at least MIN_PARTS of
    them numbered from 1 on."""
    m = _LIST_ASKED.search(ctx.u.folded)
    if m is None or not ranked:
        return None
    doc_id = ranked[0].document_id
    parts = _openings(ctx, doc_id, m.group(1))
    if len(parts) < MIN_PARTS or parts[0][0] != 1 or parts[-1][0] != len(parts):
        return None
    doc = ctx.kb.docs[doc_id]
    lines = [f"{document_citation(doc)} có {len(parts)} {_kind_as_written(parts[0][1], m.group(1))}:"]
    lines += [f"• {short(line, PART_CHARS)}" for _, line, _ in parts]
    sources = []
    for _, line, cid in parts:
        if all(s.chunk_id != cid for s in sources):
            ch = ctx.kb.chunks[cid]
            sources.append(Source(doc.id, doc.label, ch.section_path, line, 1.0, cid, ctx.kb.pages.get(cid)))
    return ctx.finish("search", lines, sources)


def _kind_as_written(line: str, kind: str) -> str:
    """The kind as the document writes it ("chuyên đề" of "Chuyên đề 1. …")."""
    words = len(kind.split())
    return " ".join(line.split()[:words]).lower()
