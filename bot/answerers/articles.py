"""Questions that name an article ("Điều 7 Thông tư 18/2026 quy định gì?"): the evidence is that article's
text; a document without that article says how many it has and lists them, instead of quoting another."""

from __future__ import annotations

import re

from bot.answer import Answer
from bot.answerers.base import EXAMPLES, MAX_ANSWER_CHARS, Context, short
from bot.formatting import document_citation
from vntext import fold

_ASKED = re.compile(r"\bdieu\s+(\d{1,3})\b")
# how many articles a document has ("gồm bao nhiêu điều?", "có mấy điều")
_COUNT_ASKED = re.compile(r"\b(bao nhieu|may) dieu\b")
CITING_NAMED = 3  # the documents named as citing one the library does not hold
_HEADING = re.compile(r"^Điều\s+(\d{1,3})[a-z]?\s*[.:]?\s*(.*)$")
# the document the question means is among the documents of this many best-ranked lines
DOCUMENT_WINDOW = 3
TITLE_CHARS = 90
# an article longer than ARTICLE_CHARS is quoted by its ARTICLE_BEST_LINES best-ranked lines
ARTICLE_CHARS = 1100
ARTICLE_BEST_LINES = 4


def named_article(folded_question: str) -> int | None:
    m = _ASKED.search(folded_question)
    return int(m.group(1)) if m else None


def _headings_by_number(ctx: Context, doc_id: str) -> dict[int, list[str]]:
    """Every article heading of a document by its number, in order ('Điều 7. Quy trình đánh giá')."""
    out: dict[int, list[str]] = {}
    for ch in ctx.kb.chunks_of_document(doc_id):
        for h in ch.headings or []:
            m = _HEADING.match(h.strip())
            if m and h.strip() not in out.get(int(m.group(1)), []):
                out.setdefault(int(m.group(1)), []).append(h.strip())
    return out


def articles_of(ctx: Context, doc_id: str) -> dict[int, str]:
    """A document's articles: number → heading line ('Điều 7. Quy trình đánh giá'), the first of each number."""
    return {n: hs[0] for n, hs in _headings_by_number(ctx, doc_id).items()}


def _numbered_twice(ctx: Context, doc_id: str) -> bool:
    """Two articles of one document with the same number (a decision's and its annexed rules')."""
    return any(len(hs) > 1 for hs in _headings_by_number(ctx, doc_id).values())


def article_chunks(ctx: Context, doc_id: str, number: int) -> set[int]:
    rx = re.compile(rf"^Điều\s+{number}\b")
    return {
        ch.id
        for ch in ctx.kb.chunks_of_document(doc_id)
        if any(rx.match(h.strip()) for h in ch.headings or []) or rx.match(ch.section_path or "")
    }


def target_document(ctx: Context, ranked_docs: list[str], number: int) -> tuple[str | None, bool]:
    """The document whose article is asked, and whether it has that article: the scoped document, or the
    first of the best-ranked documents that has articles."""
    scope = ctx.docs_for()
    docs = [d for d in ranked_docs if scope is None or d in scope][:DOCUMENT_WINDOW] or list(scope or [])[:1]
    with_articles = [d for d in docs if articles_of(ctx, d)]
    having = next((d for d in with_articles if number in articles_of(ctx, d)), None)
    if having:
        return having, True
    return (with_articles[0], False) if with_articles else (None, False)


def _titles(arts: dict[int, str]) -> list[str]:
    """The articles' titles, one bullet each, cut so that all of them fit one answer."""
    per = max(40, min(TITLE_CHARS, (MAX_ANSWER_CHARS - 300) // max(1, len(arts))))
    return [f"• {short(t, per)}" for t in arts.values()]


def missing_article(ctx: Context, doc_id: str, number: int) -> Answer:
    """'Quyết định 86/QĐ-KHVN có 12 điều, không có Điều 25: …' with the articles it has."""
    arts = articles_of(ctx, doc_id)
    doc = ctx.kb.docs[doc_id]
    lines = [f"{document_citation(doc)} có {len(arts)} điều, không có Điều {number}. Các điều của văn bản:"]
    lines += _titles(arts)
    return Answer(ctx.question, False, "\n".join(lines), "out_of_scope", suggestions=EXAMPLES)


def render_article(ctx: Context, doc_id: str, number: int, ranked: list) -> Answer:
    """The article asked for: its heading and its text, in order; a long one keeps its best-ranked lines."""
    from bot.answerers.evidence import sources
    from bot.evidence import split_lines

    ids = article_chunks(ctx, doc_id, number)
    chunks = [c for c in ctx.kb.chunks_of_document(doc_id) if c.id in ids]
    heading = articles_of(ctx, doc_id).get(number, f"Điều {number}")
    body = [x for ch in chunks for x in split_lines(ch.text) if x.strip() != heading]
    best = {c.text for c in ranked[:ARTICLE_BEST_LINES]}
    if sum(len(x) + 3 for x in body) > ARTICLE_CHARS:
        body = [x for x in body if x in best] or body[:ARTICLE_BEST_LINES]
    lines = [f"Theo {document_citation(ctx.kb.docs[doc_id])}, {heading}:"]
    lines += [f"  {x.strip()}" for x in body]  # whole lines: what does not fit is behind "xem thêm"
    return ctx.finish("search", lines, sources(ctx, ranked))


def articles_asked(folded_question: str) -> bool:
    """An article, or how many articles, is asked."""
    return named_article(folded_question) is not None or bool(_COUNT_ASKED.search(folded_question))


def only_cited(ctx: Context) -> list:
    """The citations of a document the question names by number that the library does not hold (empty: none)."""
    held = {fold(d.number) for d in ctx.kb.docs.values() if d.number}
    for num in ctx.u.numbers:
        fn = fold(num)
        if any(h == fn or h.startswith(fn + "/") for h in held):
            continue
        cites = [c for c in ctx.kb.citations if fold(c.number) == fn or fold(c.number).startswith(fn + "/")]
        if cites:
            return cites
    return []


def unknown_document(ctx: Context) -> Answer | None:
    """'Thông tư 18 có hiệu lực từ ngày nào?' when no document of the library has that number and none cites it: said
    so, instead of quoting another document's validity. A year ('Kế hoạch 2026') names no document."""
    numbers = [n for n in ctx.u.numbers if n.isdigit() and not _YEAR.fullmatch(n)]
    if not numbers or not ctx.u.doc_types:
        return None
    heads = {fold(d.number).split("/")[0] for d in ctx.kb.docs.values() if d.number}
    heads |= {fold(c.number).split("/")[0] for c in ctx.kb.citations if c.number}
    missing = [n for n in numbers if n not in heads]
    if not missing or len(missing) < len(numbers):
        return None
    named = f"{ctx.u.doc_types[0]} {missing[0]}"
    text = f"Kho văn bản không có {named}, và không văn bản nào trích dẫn văn bản này, nên tôi không trả lời được."
    return Answer(ctx.question, False, text, "out_of_scope", suggestions=EXAMPLES)


_YEAR = re.compile(r"(19|20)\d\d")


def not_in_library(ctx: Context) -> Answer | None:
    """'Quyết định 1373/QĐ-TTg gồm bao nhiêu điều?' when the library only cites it: said so, with the documents
    that cite it, instead of counting another document's articles."""
    if not articles_asked(ctx.u.folded):
        return None
    cites = only_cited(ctx)
    if not cites:
        return None
    citing = list(dict.fromkeys(document_citation(ctx.kb.docs[c.document_id]) for c in cites))
    text = (
        f"Kho văn bản không có toàn văn {cites[0].doc_type} {cites[0].number}, nên tôi không đọc được các điều của "
        f"văn bản này. Văn bản này được trích dẫn trong: {'; '.join(citing[:CITING_NAMED])}."
    )
    return Answer(ctx.question, False, text, "out_of_scope", suggestions=EXAMPLES)


def count_articles(ctx: Context, ranked: list) -> Answer | None:
    """'… gồm bao nhiêu điều?': the number of the articles of the document meant (the one the question names,
    else the best-ranked one with articles) and their titles."""
    if not _COUNT_ASKED.search(ctx.u.folded):
        return None
    doc_id, _ = target_document(ctx, list(dict.fromkeys(c.document_id for c in ranked)), 0)
    arts = articles_of(ctx, doc_id) if doc_id else {}
    if not arts or _numbered_twice(ctx, doc_id):  # a decision and the rules it issues: whose articles is unclear
        return None
    doc = ctx.kb.docs[doc_id]
    lines = [f"{document_citation(doc)} có {len(arts)} điều:"] + _titles(arts)
    return ctx.finish("search", lines, [])
