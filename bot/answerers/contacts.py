"""Contacts: the person or office to call about a document (đầu mối liên hệ)."""

from __future__ import annotations

from bot.answer import Answer
from bot.answerers.base import Context
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
        lines.append(f"• {c.quote.rstrip('.')} — {ctx.cite(c.document_id)}")
    return ctx.finish("contact", lines, [ctx.src_from_fact(c, 1.0) for c in cs[:3]])
