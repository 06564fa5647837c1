"""Deadlines: who must report or do what, by when, how often (hạn, định kỳ, chậm nhất)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from bot.admin_changes import answer_cautions
from bot.answer import Answer
from bot.answerers.base import Context
from bot.formatting import PERIODIC_DAY_PHRASES, RECURRENCE_VI, deadline_due_phrase, sentence_case
from bot.lexicon import province_label
from store.knowledge import Deadline
from bot.occurrences import next_occurrence, occurrences
from bot.relevance import phrases, FACT_MIN_RELEVANCE
from vntext import fold
from store.recurrence import Recurrence

# Words that make a question deadline-shaped without saying what it is about (folded).
DEADLINE_WORDS = phrases(
    "han, thoi han, han chot, nop, gui, bao cao, khi nao, ngay, thang, nam, dinh ki, phai, "
    "truoc, hang, lich, thoi, chot, nhung, trong, cham nhat, gui ve, ket qua, tinh hinh, qui, "
    "hang qui, hang nam, hang thang, moi, 6, sau, lan, co han"
)
# The follow-ups offered under an answer that shows deadlines.
SUBSCRIBE_ACTION = "Đăng ký nhắc hạn"  # a suggestion that names an action: channels perform it (subscribe)
ACTIONS = frozenset({SUBSCRIBE_ACTION})
SUGGESTIONS = [SUBSCRIBE_ACTION, "Sắp tới có hạn báo cáo nào?"]
# Deadlines whose topic fits within this of the best are shown together.
TOPIC_TIE = 0.1


def _fact_text(d: Deadline) -> str:
    return " ".join(x for x in (d.what, d.action, d.actor_text, d.recipient or "", d.due_text) if x)


def _by_date(u, ds: list[Deadline]) -> list[Deadline]:
    out = ds
    if u.days:
        out = [d for d in out if (d.due_day, d.due_month) in u.days]
    elif u.months:
        out = [
            d
            for d in out
            if d.due_month in u.months
            or (d.due_day and Recurrence.of(d.recurrence).months_due(d.due_month) & set(u.months))
        ]
    years = [y for y in u.years if y not in u.period_years]  # "Kế hoạch 2026-2030" names a plan, not a due year
    if years and not u.days:
        out = [d for d in out if d.due_year in years or (d.recurrence != "once" and not d.due_year)]
        once = [d for d in out if d.due_year in years]
        out = once or out
    return out


def matches(ctx: Context, today: dt.date) -> list[tuple[Deadline, dt.date | None]]:
    u = ctx.u
    docs = ctx.docs_for()
    cands = [d for d in ctx.kb.deadlines if docs is None or d.document_id in docs]
    if u.provinces and docs is None:
        cands = [d for d in cands if d.province is None]
    c = _by_date(u, cands)
    if u.period:
        c = [d for d in c if d.period == u.period] or c
    if u.agencies:
        a = [
            d
            for d in c
            if ctx.agency_match("", d.actor_text + " ; " + " ; ".join(d.actors))
            or (d.recipient and ctx.agency_match("", d.recipient))
        ]
        c = a or (c if (u.days or u.months or u.provinces or u.years) else [])
    if u.wants_report:
        c = [d for d in c if "báo cáo" in (d.what + " " + d.action).lower() or d.recipient] or c
    units = ctx.topic(DEADLINE_WORDS)
    if units:
        fit = [(ctx.relevance(units, d, _fact_text(d)), d) for d in c]
        top = max((f for f, _ in fit), default=0.0)
        if top < FACT_MIN_RELEVANCE:
            return []  # deadline-shaped, but about something these deadlines are not
        c = [d for f, d in fit if f >= top - TOPIC_TIE]
        u = replace(u, years=u.years or [d.due_year for d in c if d.due_year][:1])
    if not u.years:
        c = [
            d
            for d in c
            if ctx.evidence_rank(d.quote) == 0  # what the best evidence says is due, passed or not
            or not (
                d.recurrence == "once"
                and d.due_year
                and d.due_month
                and dt.date(d.due_year, d.due_month, d.due_day or 28) < today
            )
        ] or ([] if (u.months or u.window) else c)
    pairs = [(d, next_occurrence(d, today, horizon_days=800)) for d in c]
    if u.window:
        w = u.window
        pairs = [(d, when) for d, _ in pairs for when in [next(iter(occurrences(d, w.start, w.end)), None)] if when]
    return pairs


# more deadlines than this: the first line names all their days, the details follow (the rest behind "xem thêm")
OVERVIEW_MIN = 3


def _overview(pairs) -> str:
    """' (trước 15/01 hằng năm; trước 15/06 hằng năm; …)': every deadline's day in one line, so that a long
    answer's first lines already say them all."""
    if len(pairs) <= OVERVIEW_MIN:
        return ""
    heads = dict.fromkeys(h[:1].lower() + h[1:] for h in (_head(d, words=False) for d, _ in pairs))  # one form
    return " (" + "; ".join(heads) + ")"


_FIGURES_DAY = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
_WORDS_DAY = re.compile(r"(?<!\d)(\d{1,2}) tháng (\d{1,2})(?: năm (\d{4}))?(?!\d)")


def _day_as_written(d: Deadline, with_year: bool, words: bool = True) -> str:
    """The deadline's day as its document writes it ('31/7/2027', '15/6', '15 tháng 6'; in figures only unless
    `words`), else as 'dd/mm[/yyyy]'."""
    forms = ((_FIGURES_DAY, "/", "/"), (_WORDS_DAY, " tháng ", " năm ")) if words else ((_FIGURES_DAY, "/", "/"),)
    for rx, sep, year_sep in forms:
        for m in rx.finditer(d.due_text or ""):
            if (int(m[1]), int(m[2])) == (d.due_day, d.due_month) and (not m[3] or int(m[3]) == d.due_year):
                day = f"{m[1]}{sep}{m[2]}"
                return f"{day}{year_sep}{m[3] or d.due_year}" if with_year and d.due_year else day
    day = f"{d.due_day:02d}/{d.due_month:02d}"
    return f"{day}/{d.due_year}" if with_year else day


_CLOCK = re.compile(r"\b\d{1,2}\s*(?:h|giờ)(?:\s*\d{2}(?:\s*phút)?)?(?=\s+(?:ngày\s+)?\d)", re.IGNORECASE)


def _head(d: Deadline, words: bool = True) -> str:
    if d.recurrence in PERIODIC_DAY_PHRASES and d.due_day:
        return "Trước " + deadline_due_phrase(d)
    if d.recurrence != "once" and d.due_day:
        head = f"Trước {_day_as_written(d, False, words)} {RECURRENCE_VI.get(d.recurrence, '')}".strip()
        if d.period and d.period != "năm":
            head += f" (báo cáo {d.period})"
        return head
    if d.due_day:
        clock = _CLOCK.search(d.due_text or "")  # "trước 16 giờ 30 ngày 28/12/2027": the hour too
        return (
            f"Trước {clock.group(0)} ngày {_day_as_written(d, True, words)}"
            if clock and not d.interpretation
            else f"Trước {_day_as_written(d, True, words)}"
            if not d.interpretation
            else f"{sentence_case(d.due_text)} (đến {d.due_day:02d}/{d.due_month:02d}/{d.due_year})"
        )
    return sentence_case(d.due_text)


def line(ctx: Context, d: Deadline, when: dt.date | None, today: dt.date) -> str:
    doc = ctx.kb.docs[d.document_id]
    who = d.actor_text
    if doc.province and fold(doc.province) not in fold(who):
        who = f"{who} ({province_label(doc.province)})" if who else province_label(doc.province)
    what = (d.what or "").strip()  # whole: a long list's rest is behind "xem thêm"
    if who and what[:1].isupper() and not what[1:2].isupper():
        what = what[:1].lower() + what[1:]
    text = f"{_head(d)}: {sentence_case(f'{who} {what}'.strip())}."
    if when and d.recurrence != "once":
        days = (when - today).days
        text += f" Lần tới: {when:%d/%m/%Y}" + (f" (còn {days} ngày)." if 0 <= days <= 120 else ".")
    elif d.recurrence == "once" and d.due_year and d.due_month:
        if dt.date(d.due_year, d.due_month, d.due_day or 28) < today:
            text += " (Hạn này đã qua.)"
    return text


def _nothing_in_window(ctx: Context, today: dt.date) -> Answer | None:
    w = ctx.u.window
    nxt = sorted(((d, next_occurrence(d, w.end, 800)) for d in ctx.kb.deadlines), key=lambda p: p[1] or dt.date.max)
    nxt = [p for p in nxt if p[1]][:3]
    if not nxt:
        return None
    lines = [f"Không có hạn nào trong {w.label} ({w.start:%d/%m}–{w.end:%d/%m/%Y}). Các hạn tiếp theo:"]
    for d, when in nxt:
        lines.append("• " + line(ctx, d, when, today) + " — " + ctx.cite(d.document_id))
    return ctx.finish("deadline", lines, [ctx.src_from_fact(d, 1.0) for d, _ in nxt], [d.id for d, _ in nxt])


# a deadline read from one of the evidence ranking's best EVIDENCE_TOP lines, the only one there, answers alone
# (unless a list is asked, "những ngày nào", or a day or month names the deadlines: "Ngày 15/6 có hạn gì?")
EVIDENCE_TOP = 2


def _by_evidence(ctx: Context, pairs: list) -> list:
    """The deadlines in the order the evidence ranking reads them; the one its best lines hold, alone."""
    if not ctx.ranked_lines or len(pairs) < 2:
        return pairs
    ranks = [ctx.evidence_rank(d.quote) for d, _ in pairs]
    order = sorted(range(len(pairs)), key=lambda i: ranks[i])
    top = [i for i in order if ranks[i] < EVIDENCE_TOP]
    u = ctx.u
    if len(top) == 1 and not (u.days or u.months or u.window or ctx.list_asked):
        return [pairs[top[0]]]
    return [pairs[i] for i in order]


def answer(ctx: Context) -> Answer | None:
    today, u = ctx.today, ctx.u
    pairs = matches(ctx, today)
    if not pairs:
        if u.window and u.intent == "deadline" and not ctx.topic(DEADLINE_WORDS):
            return _nothing_in_window(ctx, today)
        return None
    if u.window:
        pairs.sort(key=lambda p: (p[1] or dt.date.max, p[0].document_id))
    else:
        pairs.sort(key=lambda p: ((p[0].due_month or 13), (p[0].due_day or 32), p[0].due_year or 0, p[0].document_id))
        pairs = _by_evidence(ctx, pairs)
    lines: list[str] = []
    if len(pairs) > 1:
        span = f" trong {u.window.label}" if u.window else ""
        lines.append(f"Có {len(pairs)} hạn{span} trong các văn bản{_overview(pairs)}:")
        full = ["• " + line(ctx, d, when, today) + f" — {ctx.cite(d.document_id)}." for d, when in pairs]
        for (d, _), x in zip(pairs, full):
            lines += [x] + answer_cautions(d, today)  # a party that no longer exists (issue 12)
    else:
        d, when = pairs[0]
        lines.append(line(ctx, d, when, today))
        lines += answer_cautions(d, today)
        if d.recipient and d.recipient not in d.what:
            lines.append(f"Nhận báo cáo: {d.recipient}.")
        if d.interpretation:
            lines.append(f"(Cách hiểu hạn: {d.interpretation}.)")
        lines.append(f"Nguồn: {ctx.cite(d.document_id, d.section_path, d.chunk_id)}.")
    srcs = [ctx.src_from_fact(d, 1.0 - i * 0.01) for i, (d, _) in enumerate(pairs)]
    return ctx.finish(
        "deadline",
        lines,
        srcs,
        [d.id for d, _ in pairs],
        suggestions=list(SUGGESTIONS),
    )
