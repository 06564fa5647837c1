"""Targets: what share must be reached by which year (mục tiêu, chỉ tiêu), listed in full when the
question asks for a year or a province's targets."""

from __future__ import annotations

import re

from bot.answer import Answer
from bot.answerers.base import Context
from store.knowledge import Target
from bot.relevance import phrases, FACT_MIN_RELEVANCE

TARGET_WORDS = phrases(
    "muc tieu, chi tieu, ti le, phan tram, dat, den, nam, bao nhieu, phan dau, cu the, "
    "nhung, cac, gom, chuan, dat chuan, tong quat"
)
TOPIC_TIE = 0.05
_SUB = re.compile(r"\btrong đó\b", re.I)


def _fact_text(t: Target) -> str:
    return f"{t.indicator} {t.scope} {t.quote}"


def _line(t: Target) -> str:
    year = f"Đến năm {t.year}" if t.year else "Mục tiêu"
    v = f"{t.value:g}%" if t.value is not None else ""
    return f"{year}: {v} {t.indicator}.".replace("  ", " ") if v else f"{year}: {t.indicator}."


def answer(ctx: Context) -> Answer | None:
    u = ctx.u
    docs = ctx.docs_for()
    ts = [t for t in ctx.kb.targets if docs is None or t.document_id in docs]
    if u.provinces and docs is None:
        return None  # a province the store has no document of
    if u.years:
        ts = [t for t in ts if t.year in u.years]
    if not ts:
        return None
    units = ctx.topic(TARGET_WORDS)
    if units:
        scored = sorted(((ctx.relevance(units, t, _fact_text(t)), t) for t in ts), key=lambda x: -x[0])
        best = scored[0][0]
        if best < FACT_MIN_RELEVANCE:
            return None
        chosen = [t for s, t in scored if s >= best - TOPIC_TIE]
    elif u.years or docs:
        chosen = ts  # "Mục tiêu năm 2030 của Tiền Giang là gì?": all of them
    else:
        return None  # no year, no place, no topic: too vague to list every target
    # one target per (sentence, indicator): a sentence's "trong đó" sub-targets are kept, under their target
    chosen = list({(t.quote, t.indicator): t for t in reversed(chosen)}.values())[::-1]
    chosen.sort(key=lambda t: (t.document_id, t.year or 0, t.id))
    lines = []
    if len(chosen) > 1:
        lines.append(f"Có {len(chosen)} chỉ tiêu:")
    for doc_id in dict.fromkeys(t.document_id for t in chosen):
        items = [t for t in chosen if t.document_id == doc_id]
        if len(chosen) > 1:
            lines.append(f"Theo {ctx.cite(doc_id)}:")
        for i, t in enumerate(items):
            if len(chosen) > 1 and i and t.quote == items[i - 1].quote and _SUB.search(t.quote):
                lines.append("   trong đó: " + _line(t).split(": ", 1)[1])  # a sub-target of the line above
            elif len(chosen) > 1:
                lines.append("• " + _line(t))
            else:
                lines.append(_line(t))
                lines.append("  “" + re.sub(r"^[-+]\s*", "", t.quote) + "”")
                lines.append(f"Nguồn: {ctx.cite(doc_id, t.section_path, t.chunk_id)}.")
    return ctx.finish("target", lines, [ctx.src_from_fact(t, 1.0) for t in chosen])
