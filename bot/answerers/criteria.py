"""Criteria: what must be met to be recognised (tiêu chí, tiêu chuẩn, điều kiện) — the items and
their points, the pass mark, who recognises, how long it lasts and when to apply."""

from __future__ import annotations

import re

from bot.answer import Answer
from bot.answerers.base import AGENCY_CHUNK_TOP_K, Context, short
from store.knowledge import Criterion
from bot.relevance import phrases, FACT_MIN_RELEVANCE, coverage

CRITERIA_WORDS = phrases(
    "tieu chi, bo tieu chi, tieu chuan, dieu kien, lam sao, lam the nao, the nao, de, duoc, "
    "tro thanh, dat, cong nhan, can, gi, gom, nhung, bo, xet, danh gia, xet cong nhan, "
    "danh hieu, bao lau, thoi han, gia tri, hieu luc"
)


def _fact_text(c: Criterion) -> str:
    return f"{c.criteria_set} {c.item}"


_ABOUT_CRITERIA = re.compile(r"\b(tiêu chí|tiêu chuẩn)\b", re.IGNORECASE)
MAX_WHO_ISSUES = 3


def who_issues(ctx: Context, units: list[str]) -> Answer | None:
    """No set of criteria on the topic in the store, but documents give someone the task of drawing them
    up ("Hội Khuyến học … đề xuất xây dựng tiêu chí công dân học tập"): say so, and who."""
    near = ctx.retrieved(AGENCY_CHUNK_TOP_K)
    rs = [r for r in ctx.kb.responsibilities if _ABOUT_CRITERIA.search(r.task)]
    scored = sorted(((ctx.relevance_in(units, r, r.task, near), r) for r in rs), key=lambda x: -x[0])
    chosen = [r for sc, r in scored if sc >= FACT_MIN_RELEVANCE][:MAX_WHO_ISSUES]
    if not chosen:
        return None
    lines = ["Các văn bản hiện có chưa ban hành bộ tiêu chí này; việc xây dựng tiêu chí được giao cho:"]
    for r in chosen:
        doc = ctx.kb.docs[r.document_id]
        where = f" ({doc.province})" if doc.province else ""
        lines.append(f"• {r.agency_text}{where}: {r.task.strip()}")
        lines.append(f"  Nguồn: {ctx.cite(r.document_id, r.section_path, r.chunk_id)}.")
    return ctx.finish("criteria", lines, [ctx.src_from_fact(r, 1.0) for r in chosen])


def answer(ctx: Context) -> Answer | None:
    units = ctx.topic(CRITERIA_WORDS)
    if not units:
        return None
    docs = ctx.docs_for()
    cs = [c for c in ctx.kb.criteria if docs is None or c.document_id in docs]
    if not cs:
        return who_issues(ctx, units)
    by_set: dict[tuple[str, str], list[Criterion]] = {}
    for c in cs:
        by_set.setdefault((c.document_id, c.criteria_set), []).append(c)
    # a set is judged whole (its name, items and what is said of it), and its document must be
    # among those the retriever finds for the question
    on_topic_docs = {ctx.kb.chunks[c].document_id for c in ctx.retrieved() if c in ctx.kb.chunks}
    weights = ctx.kb.unit_weights(units)
    scored = []
    for (doc_id, name), items in by_set.items():
        if ctx.retriever is not None and doc_id not in on_topic_docs:
            continue
        first = items[0]
        whole = " ".join(
            [name]
            + [c.item for c in items]
            + [x for x in (first.pass_mark, first.recognised_by, first.validity, first.apply_by) if x]
        )
        scored.append((coverage(units, whole, None, weights), (doc_id, name), items))
    # sets that cover the question alike: the one whose document the retriever ranks first
    scored.sort(key=lambda x: (-x[0], ctx.document_rank(x[1][0])))
    if not scored or scored[0][0] < FACT_MIN_RELEVANCE:
        return who_issues(ctx, units)
    best, (doc_id, name), items = scored[0]
    lines = [f"{name} — {len(items)} tiêu chí theo {ctx.cite(doc_id)}:"]
    for c in items:
        pts = f" ({c.points:g} điểm)" if c.points is not None and "điểm" not in c.item else ""
        lines.append(f"• {c.item.strip()}{pts}")  # whole: what does not fit is behind "xem thêm"
    first = items[0]
    for label, value in (
        ("Điều kiện đạt", first.pass_mark),
        ("Công nhận", first.recognised_by),
        ("Thời hạn công nhận", first.validity),
        ("Đăng ký", first.apply_by),
    ):
        if value:
            lines.append(f"{label}: {short(value, 260)}")
    lines.append(f"Nguồn: {ctx.cite(doc_id, first.section_path, first.chunk_id)}.")
    return ctx.finish("criteria", lines, [ctx.src_from_fact(c, 1.0) for c in items])
