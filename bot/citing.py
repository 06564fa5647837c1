"""One citation format, built once per answer and rendered as is by every channel:

    "Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021, mục IV › 1 › c) Sở Thông tin và Truyền thông"
    "Kế hoạch của UBND tỉnh Tiền Giang về thực hiện Đề án “Xây dựng xã hội học tập giai đoạn…” (không ghi số), năm 2021"

A section label is the markers of the outer sections and the last heading's number with its first words
(at most HEADING_CHARS characters, cut at a word); an article ("Điều 7. …") is cited from the article down.
Sources are deduplicated by (document, section label); a PDF source's page links to the file on the web."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.formatting import cut_words, document_citation, document_name
from store.knowledge import Document

HEADING_CHARS = 60
_MARKER = re.compile(
    r"^(Chương\s+[IVXLC\d]+|Mục\s+\d+|Điều\s+\d+[a-z]?|Phần\s+[IVX\d]+|[IVX]{1,5}\.?|\d{1,2}(?:\.\d{1,2})*\.?|[a-zđ]\))"
    r"(?=\s|$)"
)
_ARTICLE = re.compile(r"^Điều\s+\d")
_SELF_NAMED = re.compile(r"^(Điều|Chương|Mục|Phần|Phụ lục)\b")


def _marker(part: str) -> str | None:
    m = _MARKER.match(part.strip())
    return m.group(1).rstrip(".") if m else None


def section_label(path: str | None) -> str:
    """'IV › 1 › c) Sở Thông tin và Truyền thông' as cited: the outer sections' markers, the last heading's
    number and first words ('II › 4. Sở Tài chính tham mưu cấp có thẩm quyền về kinh phí…')."""
    parts = [p.strip() for p in (path or "").split(" › ") if p.strip()]
    article = next((i for i, p in enumerate(parts) if _ARTICLE.match(p)), None)
    if article is not None:
        parts = parts[article:]
    if not parts:
        return ""
    outer = [_marker(p) or cut_words(p, HEADING_CHARS) for p in parts[:-1]]
    return " › ".join(outer + [cut_words(parts[-1], HEADING_CHARS)])


def where(label: str) -> str:
    """'mục IV › 1 › c) …', 'Điều 7. Quyền …', 'Phần đầu văn bản'."""
    if not label:
        return ""
    return label if _SELF_NAMED.match(label) else f"mục {label}"


def citation(doc: Document, section: str | None, page: int | None = None) -> str:
    """The whole citation of a document's section (and its page, for a PDF or a scan)."""
    parts = [document_citation(doc), where(section_label(section))]
    if page:
        parts.append(f"trang {page}")
    return ", ".join(p for p in parts if p)


def page_url(doc: Document, page: int | None) -> str | None:
    """Where the web chat opens a PDF source at its page ('api/document/ID#page=3'); None for other files."""
    if not page or not (doc.file_name or "").lower().endswith(".pdf"):
        return None
    return f"api/document/{doc.id}#page={page}"


def cite_sources(answer: Answer, docs: dict[str, Document]) -> Answer:
    """Give every source its citation (and a PDF's page link), once, and keep one source per
    (document, section label), the first (best) one."""
    out: list[Source] = []
    seen: set[tuple[str, str]] = set()
    for s in answer.sources:
        doc = docs.get(s.file)
        label = section_label(s.section)
        if (s.file, label) in seen:
            continue
        seen.add((s.file, label))
        if doc is not None:
            s.doc = document_name(doc) if not doc.number else s.doc
            s.citation = citation(doc, s.section, s.page)
            s.url = page_url(doc, s.page)
        out.append(s)
    answer.sources = out
    return answer
