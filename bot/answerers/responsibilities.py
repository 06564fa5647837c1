"""Responsibilities: what an agency must do (nhiệm vụ, trách nhiệm; chủ trì / phối hợp), and who
leads a given task ("Ai chủ trì …?")."""

from __future__ import annotations

import re

from bot.admin_changes import answer_cautions, load_register
from bot.answer import Answer, Source
from bot.answerers.base import AGENCY_CHUNK_TOP_K, Context, short
from bot import citing
from bot.formatting import document_citation, sentence_case
from bot.lexicon import province_label
from store.knowledge import Responsibility
from bot.relevance import phrases, FACT_MIN_RELEVANCE
from vntext import fold

# Words that make a question responsibility-shaped without saying about what (folded).
RESPONSIBILITY_WORDS = phrases(
    "nhiem vu, trach nhiem, lam gi, chu tri, phoi hop, giao, duoc giao, de nghi, "
    "duoc de nghi, can lam, phai lam, viec gi, dam nhiem, phu trach, vai tro, co quan, "
    "don vi, nhung, cu the, quyen han, chuc nang, co nhiem, vu"
)
WHO_MIN_SYLLABLES = 2  # "Ai chủ trì …?" needs topic words of at least this many syllables
WHO_TIE = 0.05  # tasks within this of the best are listed together
MAX_DOCS = 8  # an agency's tasks from at most this many documents (what does not fit is behind "xem thêm")


def _fact_text(r: Responsibility) -> str:
    return r.task + " " + r.agency_text


def successor_asked(ctx: Context) -> bool:
    """The question names a body that took over the tasks of one that no longer exists (2025 register)."""
    return any(b.into in ctx.u.agencies for b in load_register().bodies if b.into)


def took_over(ctx: Context, r: Responsibility) -> bool:
    """The task is a body's that no longer exists and whose tasks a body the question names took over
    ('Sở Nội vụ' → the tasks of 'Sở Lao động - Thương binh và Xã hội', 2025 register); the answer carries the note.
    Asked only when `successor_asked` (once per question, not once per task)."""
    gone = load_register().gone_bodies(r.agency or "", r.agency_text or "", on=ctx.today)
    return any(b.into and b.into in ctx.u.agencies for b in gone)


# every task of the body asked: "được giao những nhiệm vụ gì", "có những việc nào" (not "phải làm gì khi …")
_ALL_TASKS = re.compile(r"\b(?:nhung (?:nhiem vu|viec|cong viec) (?:gi|nao)|cac nhiem vu (?:gi|nao)|nhiem vu gi)\b")


def by_agency(ctx: Context) -> Answer | None:
    """'Sở GDĐT Tiền Giang có nhiệm vụ gì (về …)?' — the named agency's tasks, on the topic if one is asked."""
    u = ctx.u
    if not u.agencies:
        return None
    docs = ctx.docs_for()
    successor = successor_asked(ctx)
    partners = ctx.partner_agencies()
    asked = [a for a in u.agencies if a not in partners]  # not the partners "phối hợp với" names
    rs = [
        r
        for r in ctx.kb.responsibilities
        if (docs is None or r.document_id in docs)
        and (ctx.agency_match(r.agency, r.agency_text, asked) or (successor and took_over(ctx, r)))
    ]
    if not rs:
        return None
    near = ctx.retrieved(AGENCY_CHUNK_TOP_K)
    if ctx.retriever is not None and not any(r.chunk_id in near for r in rs):
        return None  # the agency's tasks are not what the documents' passages on this question are about
    if u.role and not (u.role == "phối hợp" and partners):  # not "… phối hợp với Hội Khuyến học"
        rs = [r for r in rs if r.role == u.role or fold(u.role) in fold(r.task)[:60]] or rs
    units = ctx.topic(RESPONSIBILITY_WORDS)
    score = {id(r): ctx.relevance(units, r, _fact_text(r)) for r in rs} if units else {}
    if units and not _ALL_TASKS.search(u.folded):  # "… được giao những nhiệm vụ gì?": every task, best first
        rs = [r for r in rs if score[id(r)] >= FACT_MIN_RELEVANCE]
        if not rs:
            return None  # the agency is known, but not for this
    by_doc: dict[str, list[Responsibility]] = {}
    for r in rs:
        by_doc.setdefault(r.document_id, []).append(r)
    ranked = sorted(by_doc.items(), key=lambda kv: -max(score.get(id(r), 0.0) for r in kv[1]))
    lines: list[str] = []
    srcs: list[Source] = []
    for doc_id, items in ranked[:MAX_DOCS]:
        doc = ctx.kb.docs[doc_id]
        uniq = list({r.task: r for r in reversed(items)}.values())[::-1]  # a shared task appears once
        where = f" ({doc.province})" if doc.province else ""
        lines.append(
            f"{sentence_case(uniq[0].agency_text)}{where} — {len(uniq)} nhiệm vụ theo {document_citation(doc)}:"
        )
        lines += answer_cautions(uniq[0], ctx.today)  # the agency no longer exists (issue 12)
        for r in uniq:  # each task whole
            role = f"[{r.role}] " if r.role in ("chủ trì", "phối hợp") else ""
            lines.append(f"• {role}{r.task.strip()}")
        lines.append(f"Nguồn: {citing.where(citing.section_label(uniq[0].section_path))}.")
        srcs += [ctx.src_from_fact(r, 1.0) for r in uniq]
    return ctx.finish("responsibility", lines, srcs)


def who_does(ctx: Context) -> Answer | None:
    """'Ai chủ trì xây dựng Kế hoạch truyền thông …?' — agencies whose task matches the question."""
    u = ctx.u
    docs = ctx.docs_for()
    units = ctx.topic(RESPONSIBILITY_WORDS)
    if sum(len(x.split()) for x in units) < WHO_MIN_SYLLABLES:
        return None
    rs = [r for r in ctx.kb.responsibilities if docs is None or r.document_id in docs]
    if u.role:
        rs = [r for r in rs if r.role == u.role] or rs
    scored = sorted(((ctx.relevance(units, r, r.task), r) for r in rs), key=lambda x: -x[0])
    if not scored or scored[0][0] < FACT_MIN_RELEVANCE:
        return None
    best = scored[0][0]
    chosen, seen = [], set()
    for sc, r in scored:
        if sc < best - WHO_TIE or len(chosen) == 3:
            break
        if (r.agency_text, r.task) not in seen:
            seen.add((r.agency_text, r.task))
            chosen.append(r)
    lines = []
    for r in chosen:
        doc = ctx.kb.docs[r.document_id]
        where = f" ({province_label(doc.province)})" if doc.province else ""
        lines.append(f"{sentence_case(r.agency_text)}{where} — {r.role}: {short(r.task, 320)}")
        lines += answer_cautions(r, ctx.today)
        lines.append(f"  Nguồn: {ctx.cite(r.document_id, r.section_path, r.chunk_id)}.")
    return ctx.finish("responsibility", lines, [ctx.src_from_fact(r, 1.0) for r in chosen])
