"""Passages: when no fact answers, the documents' own sentences, found by hybrid retrieval — and a
refusal when the best passage is not about the question's topic."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers.base import TIME_WORDS, Context, refusal, short
from bot.citing import section_label, where
from bot.formatting import document_citation
from bot.relevance import (
    DENSE_CONFIDENT_SIMILARITY,
    DENSE_MIN_COVERAGE,
    PASSAGE_MIN_COVERAGE,
    SHORT_QUESTION_UNITS,
    coverage,
    folded_text,
    passage_min_coverage,
    topic_units,
)
from vntext import folded_syllables

SEARCH_K = 30  # chunks fetched; enough to find three distinct articles
ANSWER_FROM_TOP = 3  # the quoted passage is the best-covering among the first this many
SOURCES = 3
HEADER_PENALTY = 0.05  # the header repeats the subject: prefer the body that says more
EXCERPT_CHARS = 700
DEFINITION_BONUS = 0.1  # "X là gì?": a passage saying "X là …" ranks as if it covered this much more
_ARTICLE = re.compile(r"^(Điều\s+\d+[a-z]?)\b")


def unit_key(chunk) -> tuple:
    """Sources are distinct articles (a law's Điều) or, elsewhere, distinct chunks."""
    m = _ARTICLE.match(chunk.section_path or "")
    return (chunk.document_id, m.group(1)) if m else (chunk.document_id, chunk.id)


def best_sentences(text: str, units: list[str], limit: int) -> str:
    parts = [p for p in re.split(r"(?<=[.;:])\s+|\n+", text) if len(p.strip()) > 15]
    if not parts:
        return short(text, limit)
    ranked = sorted(range(len(parts)), key=lambda i: -coverage(units, parts[i]))
    keep, used = [], 0
    for i in ranked[:3]:
        p = parts[i].strip()
        if used + len(p) > limit:
            if not keep:
                return short(p, limit)
            continue
        keep.append(i)
        used += len(p) + 3
    return " … ".join(parts[i].strip() for i in sorted(keep))


def _identity_words(ctx: Context, doc_ids: set[str]) -> set[str]:
    """The words that named the document ("Công văn 162 của Bộ GDĐT") say nothing about its content."""
    words: set[str] = set()
    for did in doc_ids:
        d = ctx.kb.docs[did]
        words |= set(folded_syllables(" ".join(filter(None, [d.label, d.issuer, d.number, d.province]))))
    return words


def answer(ctx: Context, restrict_docs: set[str] | None = None) -> Answer:
    ignore = set(TIME_WORDS) | (_identity_words(ctx, restrict_docs) if restrict_docs else set())
    units = topic_units(ctx.written_topic_text(), ignore, ctx.kb.segmenter, ctx.replaced_words())
    if ctx.retriever is None or not units or _foreign_short_question(ctx, units):
        return refusal(ctx.question)
    scored = _scored(ctx, units, _hits(ctx, restrict_docs))
    if not scored or not _on_topic(ctx, units, scored):
        return refusal(ctx.question)
    chosen = _chosen(_with_definitions(ctx, units, scored))
    srcs = [_source(ctx, c, cv) for _, c, cv, _ in chosen]
    return ctx.finish("howto" if ctx.u.intent == "howto" else "search", _quoted(ctx, units, chosen), srcs)


def _foreign_short_question(ctx: Context, units: list[str]) -> bool:
    """A short question with a word the documents never use is not theirs (a word of its shape, "có mất phí
    không", names no topic)."""
    from bot.evidence import QUESTION_SHAPE_WORDS

    return len(units) <= SHORT_QUESTION_UNITS and any(
        " " in x and x not in QUESTION_SHAPE_WORDS and ctx.kb.unit_absent(x) for x in units
    )


def _hits(ctx: Context, restrict_docs: set[str] | None) -> list:
    """The retriever's hits for the question, within its documents (all documents when none there)."""
    r, u = ctx.retriever, ctx.u
    allowed = ctx.chunks_of(restrict_docs or ctx.docs_for())
    expanded = ctx.lex.with_synonyms(ctx.lex.expand(u.text))
    hits = r.search(u.text, k=SEARCH_K, allowed=allowed, mode=ctx.mode, expanded=expanded)
    if not hits and allowed is not None:
        hits = r.search(u.text, k=SEARCH_K, mode=ctx.mode, expanded=expanded)
    return hits


def _with_said_otherwise(ctx: Context, units: list[str], body: str) -> str:
    """The passage's folded text, with each everyday word of the question that it writes in the documents' own
    words (knowledge/synonyms.json: "đền bù" as "bồi thường") added, so that it counts as said."""
    said = [u for u in units if any(f" {x} " in body for x in ctx.lex.synonyms_of(u))]
    return body + (" " + " ".join(said) + " " if said else "")


def _scored(ctx: Context, units: list[str], hits: list) -> list[tuple]:
    """(hit, chunk, coverage, gate) per hit: the coverage ranks the passage, the gate (which may also
    read the document's label, subject and province) decides whether any passage is on the topic."""
    weights = ctx.kb.unit_weights(units)
    scored = []
    for h in hits:
        ch = ctx.kb.chunks.get(h.chunk_id)
        if ch is None:
            continue
        doc = ctx.kb.docs[ch.document_id]
        body = _with_said_otherwise(ctx, units, ctx.kb.chunk_folded(ch.id))
        cov = coverage(units, "", body, weights)
        described = body + folded_text(" ".join(filter(None, [doc.label, doc.subject, doc.province])))
        gate = max(cov, coverage(units, "", described, weights))
        if ch.kind == "header":
            cov -= HEADER_PENALTY
            if ctx.u.intent not in ("document", "citation"):
                gate = 0.0  # its place and date say nothing about a topic
        scored.append((h, ch, cov, gate))
    return scored


def _on_topic(ctx: Context, units: list[str], scored: list[tuple]) -> bool:
    """One of the first passages covers the topic enough (less when the dense search is confident)."""
    top_gate = max(g for *_, g in scored[: SOURCES * 3])
    dense_ok = (
        ctx.retriever.dense_enabled and max(x[0].dense for x in scored[: SOURCES * 3]) >= DENSE_CONFIDENT_SIMILARITY
    )
    return top_gate >= passage_min_coverage(len(units)) or (dense_ok and top_gate >= DENSE_MIN_COVERAGE)


def _with_definitions(ctx: Context, units: list[str], scored: list[tuple]) -> list[tuple]:
    """A definition asked ("X là gì?") is answered by a passage that says "X là …"."""
    defined = " ".join(units) if re.search(r"\bla gi\b", ctx.u.folded) and len(units) <= 3 else None
    if not defined:
        return scored
    return [
        (h, ch, cov + (DEFINITION_BONUS if f" {defined} la " in ctx.kb.chunk_folded(ch.id) else 0.0), g)
        for h, ch, cov, g in scored
    ]


def _chosen(scored: list[tuple]) -> list[tuple]:
    """The quoted passage (the best-covering of the first few), then the next distinct units, up to SOURCES."""
    first = max(scored[:ANSWER_FROM_TOP], key=lambda x: (round(x[2], 1), -x[0].rank))
    chosen, seen = [first], {unit_key(first[1])}
    for x in scored:
        if len(chosen) == SOURCES:
            break
        if unit_key(x[1]) not in seen:
            seen.add(unit_key(x[1]))
            chosen.append(x)
    return chosen


def _quoted(ctx: Context, units: list[str], chosen: list[tuple]) -> list[str]:
    """The best passage's sentences, and a second document's when one covers the topic nearly as well."""
    _, ch, cov, _ = chosen[0]
    doc = ctx.kb.docs[ch.document_id]
    page = ctx.kb.pages.get(ch.id)
    lines = [
        f"Theo {document_citation(doc)} ({where(section_label(ch.section_path))}{f', trang {page}' if page else ''}):",
        f"“{best_sentences(ch.text, units, EXCERPT_CHARS)}”",
    ]
    second = next(
        (x for x in chosen[1:] if x[2] >= max(PASSAGE_MIN_COVERAGE, cov - 0.1) and x[1].document_id != ch.document_id),
        None,
    )
    if second is not None:
        d2 = ctx.kb.docs[second[1].document_id]
        lines += [
            f"Ngoài ra, {document_citation(d2)} ({where(section_label(second[1].section_path))}):",
            f"“{best_sentences(second[1].text, units, 350)}”",
        ]
    return lines


def _source(ctx: Context, c, cv: float) -> Source:
    return Source(
        c.document_id,
        ctx.kb.docs[c.document_id].label,
        c.section_path,
        c.text,
        round(cv, 3),
        c.id,
        ctx.kb.pages.get(c.id),
    )
