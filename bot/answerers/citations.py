"""Cited documents: which decision, circular or plan a document relies on or implements."""

from __future__ import annotations

import re

from vntext.doc_types import CITED_TYPES
from bot.answer import Answer
from bot.answerers import documents, passages
from bot.answerers.base import Context, refusal, short
from bot.retrieval import content_terms, coverage
from vntext import fold

CITATION_MIN_SCORE = 0.55  # words + number + type evidence a cited document needs to be the answer
CITATION_TIE = 0.1
_ASKED_TYPE = CITED_TYPES  # the types a question may ask for by "… nào?" (vntext/doc_types.py)


def answer(ctx: Context) -> Answer | None:
    kb, u = ctx.kb, ctx.u
    docs = ctx.docs_for()
    terms = content_terms(u.text)
    cands = kb.citations
    if docs:
        cands = [c for c in cands if c.document_id in docs] or cands
    num_hits = []
    for num in u.numbers:
        fn = fold(num)
        # "162" names any number that begins so; "24/2018/QH14" only itself
        num_hits += [
            c for c in cands if fold(c.number) == fn or ("/" not in fn and fold(c.number).startswith(fn + "/"))
        ]
    asked = re.search(r"\b(" + "|".join(_ASKED_TYPE) + r")\s+(?:so\s+(?:may|bao nhieu)|nao)\b", u.folded)
    asked_type = asked and _ASKED_TYPE[asked.group(1)]
    scored = []
    on_topic = ctx.retrieved()
    for c in cands:
        if c not in num_hits and ctx.retriever is not None and c.chunk_id not in on_topic:
            continue  # neither named by its number nor in a passage about the question
        s = coverage(terms, " ".join(filter(None, [c.quote, c.about, c.doc_type, c.number, c.issuer])))
        if c in num_hits:
            s += 0.3 if asked_type else 1.0
        if asked_type and c.doc_type == asked_type:
            s += 0.5
        if docs is not None and c.document_id in docs:
            s += 0.3
        if c.doc_type in u.doc_types:
            s += 0.15
        scored.append((s, c))
    scored.sort(key=lambda x: -x[0])
    # a question about one of our own documents ("Công văn 162 … kết luận của ai?") is answered from its text
    own = docs if (docs and u.numbers and not num_hits) else None
    if own is not None:  # read from the evidence ranking, scoped to that document by its number, when it has a
        # topic to rank by; else from the document's passages, less the words that named it
        return None if ctx.topic() else passages.answer(ctx, restrict_docs=own)
    if not scored or scored[0][0] < CITATION_MIN_SCORE:
        return None
    own = _own_asked(ctx, terms, [asked_type] if asked_type else list(u.doc_types))
    if own is not None and own[0] >= scored[0][0] - CITATION_TIE:  # "Quyết định khen thưởng … số bao nhiêu?": its
        return documents.answer(ctx)  # header (a year it is not of is refused before, by `number_of_other_year`)
    return _render(ctx, scored)


def _render(ctx: Context, scored: list) -> Answer:
    """The best one or two cited documents (within CITATION_TIE of the best), with the sentence citing each."""
    best = scored[0][0]
    chosen = []
    for s, c in scored:
        if s >= best - CITATION_TIE and all(c.number != x.number for x in chosen):
            chosen.append(c)
        if len(chosen) == 2:
            break
    lines = []
    for c in chosen:
        date = f" ngày {c.date.day}/{c.date.month}/{c.date.year}" if c.date else ""
        iss = f" của {c.issuer}" if c.issuer else ""
        about = short(c.about or "", 220)
        about = (
            f" về {about}"
            if about and not about.lower().startswith(("về", "phê duyệt", "ban hành"))
            else (f" {about}" if about else "")
        )
        lines.append(f"{c.doc_type} số {c.number}{date}{iss}{about}.")
        lines.append(f"  Trích: “{short(c.quote, 360)}”")
        lines.append(f"  Nguồn: {ctx.cite(c.document_id, c.section_path, c.chunk_id)}.")
    return ctx.finish("citation", lines, [ctx.src_from_fact(c, 1.0) for c in chosen])


_NUMBER_ASKED = re.compile(r"\bso (bao nhieu|may|hieu|nao)\b|\bso (la )?gi\b")


def _own_asked(ctx: Context, terms, types: list[str]) -> tuple[float, object] | None:
    """(score, document) of the store's own document of a type the question names that fits it best by its identity
    (type, number, issuer, province, subject), scored as a cited document is; None unless its number is asked."""
    if not _NUMBER_ASKED.search(ctx.u.folded):
        return None
    wanted = {t.lower() for t in types if t}
    scored = [
        (coverage(terms, " ".join(filter(None, [d.doc_type, d.number, d.issuer, d.province, d.subject]))) + 0.5, d)
        for d in ctx.kb.docs.values()
        if (d.doc_type or "").lower() in wanted
    ]
    return max(scored, key=lambda x: x[0]) if scored else None


def number_of_other_year(ctx: Context) -> Answer | None:
    """ "Quyết định khen thưởng … năm 2025 … số bao nhiêu?" when the store's own decision that fits it best is of
    another year (neither issued then nor naming it in its subject): the documents do not hold that one."""
    asked = set(ctx.u.years)
    if not asked or not _NUMBER_ASKED.search(ctx.u.folded):  # every question passes here: no work for most
        return None
    own = _own_asked(ctx, content_terms(ctx.u.text), list(ctx.u.doc_types))
    if own is None or own[0] < CITATION_MIN_SCORE:
        return None
    doc = own[1]
    years = ({doc.date.year} if doc.date else set()) | {int(y) for y in re.findall(r"\b(20\d\d)\b", doc.subject or "")}
    return refusal(ctx.question, [f"năm {y}" for y in sorted(asked)]) if years and not asked & years else None
