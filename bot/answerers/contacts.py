"""Contacts: the person or office to call about a document (đầu mối liên hệ)."""

from __future__ import annotations

import re

from bot.answer import Answer
from bot.answerers.base import Context
from bot.relevance import folded_text
from bot.retrieval import content_terms, coverage

# a contact is read from a document one of whose chunks is among this many best for the question
NEAR_CHUNKS = 5


def answer(ctx: Context) -> Answer | None:
    docs = ctx.docs_for()
    cs = [c for c in ctx.kb.contacts if docs is None or c.document_id in docs]
    if not cs:
        return None
    if docs is None and ctx.retriever is not None:  # the contacts of the documents the question is about
        cs = [c for c in cs if ctx.document_rank(c.document_id) < NEAR_CHUNKS]
        if not cs:
            return None  # the evidence answers: a line of the nearest passages that gives a number
    terms = content_terms(ctx.u.text)
    cs.sort(
        key=lambda c: (
            ctx.document_rank(c.document_id),
            -coverage(terms, c.quote + " " + (ctx.kb.docs[c.document_id].subject or "")),
        )
    )
    lines = ["Đầu mối liên hệ trong văn bản:"]
    for c in cs[:3]:  # the document's own sentence: its numbers as written ("0239.3856.217"), every one of them
        lines.append(f"• {_whose(ctx, c)}{c.quote.rstrip('.')} — {ctx.cite(c.document_id)}")
    return ctx.finish("contact", lines, [ctx.src_from_fact(c, 1.0) for c in cs[:3]])


_ITEM = re.compile(r"^\s*(?:[a-zđ]|\d{1,2})[.)]\s")
_ARTICLE = re.compile(r"^\s*(Điều|Chương|Mục|Phần)\b|^\s*[IVX]+\.", re.I)  # a part of the text, not whose


def _whose(ctx: Context, c) -> str:
    """The title of the section a contact given as one of its items is in ("11. Ông Phạm Văn Lực, …, Thư ký Ban
    Chỉ đạo" › "c) Đầu mối liên hệ: …"): whose contact it is."""
    from bot.evidence import heading_is_line

    ch = ctx.kb.chunks.get(c.chunk_id) if c.chunk_id is not None else None
    heads = [h for h in ((ch.headings or []) if ch is not None else []) if not heading_is_line(h, c.quote)]
    if not heads or not _ITEM.match(c.quote) or _ARTICLE.match(heads[-1]):
        return ""
    return f"{heads[-1].strip().rstrip(':')} › "


# the ranked lines a contact of the body asked is looked for in ("Số điện thoại của Hội Khuyến học tỉnh …?")
BODY_CONTACT_LINES = 20


def no_contact_of_body(ctx: Context, ranked: list) -> Answer | None:
    """Whom to call at a body the question names, when neither a contact the documents give nor one of the
    BODY_CONTACT_LINES best lines carrying a number or an e-mail belongs to it (names it, or stands in a document
    it issued): the documents do not give that body's contact, and another body's number is no answer."""
    from bot.evidence import CARRIES, asked_kinds

    if not ctx.u.agencies or "contact" not in asked_kinds(ctx.u.folded):
        return None
    asked = folded_text(ctx.lex.expand(ctx.u.text))
    bodies = [b for b in (folded_text(ctx.lex.expand(a)).strip() for a in ctx.u.agencies) if f" {b} " in asked]
    if not bodies:  # a body read from other words than its name ("Hội Khuyến học xã …"): not sure enough to refuse
        return None

    def of_body(text: str, document_id: str) -> bool:
        issuer = ctx.kb.docs[document_id].issuer or ""  # "UBND xã Hòa An" issued the letter giving its contact
        hay = f" {folded_text(ctx.lex.expand(f'{text} {issuer}'))} "
        return any(f" {b} " in hay for b in bodies)

    docs = ctx.docs_for()  # the documents of the province asked, if any
    if any(of_body(c.quote, c.document_id) for c in ctx.kb.contacts if docs is None or c.document_id in docs):
        return None
    lines = [c for c in ranked[:BODY_CONTACT_LINES] if CARRIES["contact"].search(c.text)]
    # a line in the section of the body's member ("11. Ông …, Thư ký Ban Chỉ đạo" › "c) Đầu mối liên hệ: …") is its
    heads = lambda c: " ".join(ctx.kb.chunks[c.chunk_id].headings or [])
    if any(of_body(f"{heads(c)} {c.text}", c.document_id) for c in lines):
        return None
    named = " và ".join(ctx.u.agencies) + (f" ({', '.join(ctx.u.provinces)})" if ctx.u.provinces else "")
    text = f"Các văn bản hiện có không ghi số điện thoại hay đầu mối liên hệ của {named}, nên tôi không trả lời được."
    return Answer(ctx.question, False, text, "out_of_scope")
