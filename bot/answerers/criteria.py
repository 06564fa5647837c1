"""Criteria: what must be met to be recognised (tiêu chí, tiêu chuẩn, điều kiện) — the items and
their points, the pass mark, who recognises, how long it lasts and when to apply."""
from __future__ import annotations

from bot.answer import Answer
from bot.answerers.base import Context, short
from bot.models import Criterion
from bot.relevance import FACT_MIN_RELEVANCE, coverage

CRITERIA_WORDS = frozenset("""tieu chi tieu chuan dieu kien lam sao lam the nao the nao de duoc tro thanh dat
cong nhan can gi gom nhung bo xet danh gia""".split())
ITEM_CHARS = 220


def _fact_text(c: Criterion) -> str:
    return f"{c.criteria_set} {c.item}"


def answer(ctx: Context) -> Answer | None:
    docs = ctx.docs_for()
    cs = [c for c in ctx.kb.criteria if docs is None or c.document_id in docs]
    if not cs:
        return None
    units = ctx.topic(CRITERIA_WORDS)
    if not units:
        return None
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
        whole = " ".join([name] + [c.item for c in items] + [x for x in (first.pass_mark, first.recognised_by,
                                                                          first.validity, first.apply_by) if x])
        scored.append((coverage(units, whole, None, weights), (doc_id, name), items))
    scored.sort(key=lambda x: -x[0])
    if not scored or scored[0][0] < FACT_MIN_RELEVANCE:
        return None
    best, (doc_id, name), items = scored[0]
    lines = [f"{name} — {len(items)} tiêu chí theo {ctx.cite(doc_id)}:"]
    for c in items:
        pts = f" ({c.points:g} điểm)" if c.points is not None and "điểm" not in c.item else ""
        lines.append(f"• {short(c.item, ITEM_CHARS)}{pts}")
    first = items[0]
    for label, value in (("Điều kiện đạt", first.pass_mark), ("Công nhận", first.recognised_by),
                         ("Thời hạn công nhận", first.validity), ("Đăng ký", first.apply_by)):
        if value:
            lines.append(f"{label}: {short(value, 260)}")
    lines.append(f"Nguồn: {ctx.cite(doc_id, first.section_path, first.chunk_id)}.")
    return ctx.finish("criteria", lines, [ctx.src_from_fact(c, 1.0) for c in items])
