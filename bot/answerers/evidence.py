"""The answer read from the best-ranked evidence (`bot/evidence.py`): the line that answers, with what it
needs to be read — a heading's items, a list's siblings, a deadline's next occurrence, a result beside
its target — cited by document and section."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers import deadlines
from bot.answerers.base import MAX_ANSWER_CHARS, Context, short
from bot.evidence import Candidate, split_lines
from bot.formatting import document_citation
from store.knowledge import Deadline

SOURCES = 3
# lines of the same chunk scoring at least this share of the best line's score are quoted with it
COMPANION_SHARE = 0.8
# a second document is quoted when its best line scores at least this share of the best
SECOND_DOC_SHARE = 0.9
LINE_CHARS = 420
ITEMS_MAX = 12
_RESULT = re.compile(r"chỉ tiêu\s+([\d.,]+)\s*%.*?kết quả\s+(?:[\d/]+\s*đơn vị,\s*đạt\s+)?([\d.,]+)\s*%", re.I)
_NEGATIVE = re.compile(r"\b(không đạt|chưa đạt|không thu|không phải|không được|không có)\b", re.I)


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def yes_no(text: str) -> str | None:
    """'Chưa đạt' / 'Đạt' from a result beside its target; otherwise 'Không' / 'Có' from the line's own words."""
    m = _RESULT.search(text)
    if m:
        target, result = _number(m.group(1)), _number(m.group(2))
        return (
            f"Đạt: kết quả {m.group(2)}% so với chỉ tiêu {m.group(1)}%."
            if result >= target
            else f"Chưa đạt: kết quả {m.group(2)}% so với chỉ tiêu {m.group(1)}%."
        )
    if _NEGATIVE.search(text):
        return "Không."
    return None


def _items_after(ctx: Context, top: Candidate) -> list[str]:
    """A heading's items: the lines below it in its chunk, or the first lines of the chunks under it."""
    ch = ctx.kb.chunks[top.chunk_id]
    lines = split_lines(ch.text)
    below = lines[top.line_no + 1 :]
    if below:
        return below
    heading = (ch.headings or [""])[-1]
    if not heading:
        return []
    out = []
    for other in sorted(ctx.kb.chunks_of_document(ch.document_id), key=lambda c: c.ordinal):
        hs = other.headings or []
        if other.id != ch.id and heading in hs[:-1]:
            out.append(split_lines(other.text)[0])
    return out


def _is_heading_like(top: Candidate) -> bool:
    return top.is_heading or top.text.rstrip().endswith(":") or bool(re.search(r"\bgồm\s*:?$", top.text))


def _companions(ctx: Context, ranked: list[Candidate], top: Candidate) -> list[Candidate]:
    same = [
        c
        for c in ranked[1:8]
        if c.chunk_id == top.chunk_id and c.score >= top.score * COMPANION_SHARE and c.line_no != top.line_no
    ]
    return sorted([top] + same[:2], key=lambda c: c.line_no)


def _deadline_of(ctx: Context, top: Candidate) -> Deadline | None:
    if "date" not in ctx_asked(ctx):
        return None
    ds = [f for f in ctx.kb.fact_at(top.chunk_id, top.text) if isinstance(f, Deadline)]
    return ds[0] if len(ds) == 1 else None


def ctx_asked(ctx: Context) -> set[str]:
    from bot.evidence import asked_kinds

    return asked_kinds(ctx.u.folded)


def sources(ctx: Context, ranked: list[Candidate]) -> list[Source]:
    out, seen = [], set()
    for c in ranked:
        if c.chunk_id in seen:
            continue
        seen.add(c.chunk_id)
        ch = ctx.kb.chunks[c.chunk_id]
        doc = ctx.kb.docs[c.document_id]
        out.append(
            Source(doc.id, doc.label, ch.section_path, ch.text, round(c.score, 3), ch.id, ctx.kb.pages.get(ch.id))
        )
        if len(out) == SOURCES:
            break
    return out


def _where(ctx: Context, c: Candidate) -> str:
    ch = ctx.kb.chunks[c.chunk_id]
    doc = ctx.kb.docs[c.document_id]
    page = ctx.kb.pages.get(ch.id)
    section = short(ch.section_path, 90) if ch.section_path else ""
    inside = ", ".join(x for x in (f"mục {section}" if section else "", f"trang {page}" if page else "") if x)
    return f"Theo {document_citation(doc)}" + (f" ({inside})" if inside else "")


def render(ctx: Context, ranked: list[Candidate]) -> Answer:
    top = ranked[0]
    asked = ctx_asked(ctx)
    lines: list[str] = []
    deadline_ids: list[str] = []
    d = _deadline_of(ctx, top)
    if "yesno" in asked:
        verdict = yes_no(top.text)
        if verdict:
            lines.append(verdict)
    if d is not None:
        when = deadlines.next_occurrence(d, ctx.today, horizon_days=800)
        lines.append(deadlines.line(ctx, d, when, ctx.today))
        deadline_ids.append(d.id)
    lines.append(_where(ctx, top) + ":")
    if _is_heading_like(top) or ("list" in asked and top.is_heading):
        items = _items_after(ctx, top)
        lines.append(f"“{short(top.text, LINE_CHARS)}”")
        per = max(140, min(LINE_CHARS, (MAX_ANSWER_CHARS - 400) // max(1, min(len(items), ITEMS_MAX))))
        lines += [f"  {short(x, per)}" for x in items[:ITEMS_MAX]]
    else:
        quoted = _companions(ctx, ranked, top)
        lines.append("“" + " … ".join(short(c.text, LINE_CHARS) for c in quoted) + "”")
    second = next(
        (c for c in ranked[1:10] if c.document_id != top.document_id and c.score >= top.score * SECOND_DOC_SHARE),
        None,
    )
    if second is not None:
        lines.append(_where(ctx, second).replace("Theo", "Ngoài ra, theo", 1) + ":")
        lines.append(f"“{short(second.text, LINE_CHARS)}”")
    intent = "deadline" if d is not None else ("howto" if ctx.u.intent == "howto" else "search")
    suggestions = ["Đăng ký nhắc hạn", "Sắp tới có hạn báo cáo nào?"] if deadline_ids else []
    return ctx.finish(intent, lines, sources(ctx, ranked), deadline_ids, suggestions)
