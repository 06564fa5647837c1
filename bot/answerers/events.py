"""Events: what takes place when and where (tuần lễ, ngày hội, lễ phát động …, từ ngày … đến ngày …)."""

from __future__ import annotations

from bot.answer import Answer
from bot.answerers.base import Context, short
from store.knowledge import Event
from bot.relevance import phrases, FACT_MIN_RELEVANCE

EVENT_WORDS = phrases(
    "khi nao, ngay nao, bao gio, thoi gian, dien ra, to chuc, o dau, dia diem, tu, den, dip, "
    "lich, bat dau, ket thuc, ngay, thang, nam, keo dai"
)


def _fact_text(e: Event) -> str:
    return f"{e.name} {e.place or ''} {e.quote}"


def _when(e: Event) -> str:
    if e.start_date and e.end_date and e.end_date != e.start_date:
        return f"từ {e.start_date:%d/%m/%Y} đến {e.end_date:%d/%m/%Y}"
    if e.start_date:
        return f"ngày {e.start_date:%d/%m/%Y}"
    return e.when_text


def answer(ctx: Context) -> Answer | None:
    docs = ctx.docs_for()
    es = [e for e in ctx.kb.events if docs is None or e.document_id in docs]
    units = ctx.topic(EVENT_WORDS)
    if not es or not units:
        return None
    scored = sorted(((ctx.relevance(units, e, _fact_text(e)), e) for e in es), key=lambda x: -x[0])
    best = scored[0][0]
    if best < FACT_MIN_RELEVANCE:
        return None
    chosen = [e for s, e in scored if s >= best - 0.05][:5]
    lines = []
    for e in chosen:
        where = f", tại {e.place}" if e.place else ""
        lines.append(f"{short(e.name, 200)}: {_when(e)}{where}.")
        lines.append(f"  “{short(e.quote, 400)}”")
        lines.append(f"  Nguồn: {ctx.cite(e.document_id, e.section_path, e.chunk_id)}.")
    return ctx.finish("event", lines, [ctx.src_from_fact(e, 1.0) for e in chosen])
