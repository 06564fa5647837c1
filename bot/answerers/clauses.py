"""Questions that ask two things at once ("… phải ra trước ngày nào, có giá trị bao lâu?"): the answer to the whole
question often says what one clause asks; each clause that asks a kind of answer the reply does not yet give (a date,
a duration, a body, a number of a unit, a place, a time, a contact, a document's number) is answered by the best line
that gives it, in the documents already cited, of the evidence ranking of that clause read with the first clause's
topic (`with_topic`).
"""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers.base import MAX_ANSWER_CHARS, Context, short
from bot.answerers.evidence import LINE_CHARS, where_cited
from bot.evidence import Candidate, asked_kinds, carries_asked
from bot.relevance import QUESTION_WORDS
from vntext import fold

# the kinds of answer a later clause may ask that a line shows it gives
CLAUSE_KINDS = (
    "date",
    "validity",
    "duration",
    "who",
    "place",
    "clock",
    "contact",
    "money",
    "percent",
    "number",
    "docref",
)
# a clause is answered from one of this many best lines of its own ranking
CLAUSE_WINDOW = 8
# … or of this many when it must hold a word of the clause the answer does not say (the first clause's topic words
# weigh on the clause's ranking: "… bắt đầu lúc mấy giờ, kết thúc lúc nào" ranks the start first)
CLAUSE_WORDS_WINDOW = 30
# a question longer than this is a sentence to check, not two questions (the laws' statements: 20–60 words; a
# question of two clauses: up to about 30)
MAX_WORDS = 30
_SPLIT = re.compile(
    r"\s*[,;]\s*|\s*\?\s+(?=\w)|\s+(?:và|va)\s+(?=(?:có|co|ai|ở|o|khi|bao|mấy|may|hạn|han|gửi|gui|nộp|nop|được|duoc)\b)"
)
_QUOTED = re.compile(r"“([^”]*)”")
_PUNCT = re.compile(r"[^\w\s]")
# a clause that asks: a question word in it ("thời hạn tạm trú tối đa là 02 năm" states, it does not ask)
_ASKING = re.compile(r"\b(gi|nao|bao|may|ai|dau|khong|chua|sao)\b")


def clauses_asking(question: str) -> list[str]:
    """A question of two clauses or more: each clause that asks something of its own (two words or more, a kind of
    answer), the first one too ("Mức độ 3 do ai ra QĐ công nhận, có giá trị mấy năm?"); none for one clause."""
    parts = [p.strip(" ?.!") for p in _SPLIT.split(_asking_part(question or "")) if p and p.strip(" ?.!")]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(p.split()) >= 2 and _ASKING.search(fold(p))]


def _asking_part(question: str) -> str:
    """The question up to a "?" after which nothing more is asked ("…? Chọn câu trả lời đúng nhất.", "…? Trả lời: …")."""
    for m in re.finditer(r"\?\s+", question):
        if not _ASKING.search(fold(question[m.end() :])):
            return question[: m.start() + 1]
    return question


def first_clause(question: str) -> str:
    return _SPLIT.split(question or "", maxsplit=1)[0].strip(" ?.!")


def with_topic(question: str, clause: str) -> str:
    """A clause read with what the first clause is about, without that clause's question words ('Mức độ 3 do ai
    ra QĐ công nhận' + 'có giá trị mấy năm' → 'Mức độ 3 ra QĐ công nhận có giá trị mấy năm')."""
    first = first_clause(question)
    if first == clause:
        return clause
    return " ".join(w for w in first.split() if fold(w).strip("?,.") not in QUESTION_WORDS) + " " + clause


def _folded(clause: str) -> str:
    return " ".join(fold(clause).split())


def _words(text: str) -> str:
    """The text's folded words, punctuation dropped ("Thời gian:" → "thoi gian")."""
    return _folded(_PUNCT.sub(" ", text))


def clause_kinds(clause: str) -> list[str]:
    folded = _folded(clause)
    asked = asked_kinds(folded)
    if "duration" in asked and not _VALIDITY_NAMED.search(folded):  # "học trong bao lâu": how long, not validity
        asked.discard("validity")
    return [k for k in CLAUSE_KINDS if k in asked]


_VALIDITY_NAMED = re.compile(r"\b(gia tri|hieu luc)\b")


def said(ans: Answer) -> str:
    """What an answer quotes and states, without its citations ('Theo …', 'Nguồn: …')."""
    quoted = " ".join(_QUOTED.findall(ans.answer))
    stated = " ".join(
        _CITED_AFTER.sub("", x)  # "• Bà A, điện thoại … — Thông báo 87/TB-UBND …, ngày 12/6/2026": not its date
        for x in ans.answer.split("\n")
        if not x.startswith(("Theo ", "Ngoài ra, theo ", "Nguồn:")) and "“" not in x
    )
    return quoted + " " + stated


# a listed line's citation after its dash ("• … — Thông báo 87/TB-UBND của UBND xã Thạnh Mỹ, ngày 12/6/2026")
_CITED_AFTER = re.compile(r"\s—\s[^—]*$")


def missing_kinds(ans: Answer, clause: str) -> list[str]:
    """The kinds a clause asks that the answer does not give. A body asked ("sở nào tham mưu?") is never taken as
    given: any answer names some body; the clause's own best line says whether it is another."""
    text, q = said(ans), _folded(clause)
    return [k for k in clause_kinds(clause) if k == "who" or not carries_asked(k, text, q)]


def untold_words(ans: Answer, clause_topic: list[str], first_topic: list[str]) -> list[str]:
    """The clause's own topic words (those the first clause does not hold) that the answer does not say, when they
    are half of them or more: "…, kết thúc lúc nào?" is not answered by "bắt đầu lúc 14 giờ 00" though both are
    times."""
    own = [u for u in dict.fromkeys(clause_topic) if u not in first_topic]
    text = f" {_words(said(ans))} "
    absent = [u for u in own if f" {u} " not in text]
    return absent if absent and 2 * len(absent) >= len(own) else []


def best_line(
    ranked: list[Candidate],
    docs: set[str],
    kinds: list[str],
    clause: str,
    shown: str,
    beside=None,
    words: list[str] = (),
) -> Candidate | None:
    """The first of CLAUSE_WINDOW best lines, in the documents already cited, that gives every kind asked and is not
    already quoted; first of all, one that `beside` says stands beside a line quoted (a sibling item: "hỗ trợ bao
    nhiêu một ngày, một năm tối đa mấy lớp?" is '2. b) Mức hỗ trợ: 40.000 đồng/người/ngày' beside '2. c) … tối đa
    03 lớp', not the sum of another clause's class). With `words` (the clause's words the answer does not say), the
    line holds one of them."""
    q = _folded(clause)
    holds = lambda c: not words or any(f" {w} " in f" {_words(c.text)} " for w in words)
    fits = [
        c
        for c in ranked[: CLAUSE_WORDS_WINDOW if words else CLAUSE_WINDOW]
        if c.document_id in docs
        and all(_carries(k, c.text, q) for k in kinds)
        and c.text.rstrip(" .;") not in shown
        and not _field_shown(c.text, shown)
        and holds(c)
    ]
    return next((c for c in fits if beside is not None and beside(c)), fits[0] if fits else None)


_FIELD_LABEL = re.compile(r"^\s*[-+•]?\s*([^:;,.\d]{2,40}):\s*\S")


def _field_shown(line: str, shown: str) -> bool:
    """The line gives a field the answer quotes already ("- Người dạy: cô …" when "- Người dạy: ông …" is quoted):
    the same field of another item (another class's teacher), not what the clause asks of this one."""
    m = _FIELD_LABEL.match(line)
    return m is not None and re.search(rf"(?:^|[\n“…]|\s-)\s*{re.escape(m.group(1).strip())}:", shown) is not None


def _carries(kind: str, text: str, folded_clause: str) -> bool:
    """The line gives the kind asked; "lúc nào" asks a day or a time of day ("kết thúc lúc 16 giờ 40 phút")."""
    if kind == "date" and " luc nao" in f" {folded_clause}":
        return carries_asked("date", text, folded_clause) or carries_asked("clock", text, folded_clause)
    return carries_asked(kind, text, folded_clause)


def sibling_of_sources(kb, ans: Answer):
    """Does a line stand in the section of a line the answer quotes, or beside it under the same parent heading?"""
    quoted = [kb.chunks[s.chunk_id] for s in ans.sources if s.chunk_id in kb.chunks]
    parents = {tuple(ch.headings or []) for ch in quoted}
    parents |= {tuple(ch.headings[:-1]) for ch in quoted if len(ch.headings or []) >= 2}

    def beside(c: Candidate) -> bool:
        heads = kb.chunks[c.chunk_id].headings or []
        return tuple(heads) in parents or (len(heads) >= 2 and tuple(heads[:-1]) in parents)

    return beside


def add_line(ctx: Context, ans: Answer, c: Candidate) -> Answer:
    """The answer with the line appended, cited, when the whole still fits one chat message."""
    lines = [where_cited(ctx, c).replace("Theo", "Ngoài ra, theo", 1) + ":", f"“{short(c.text, LINE_CHARS)}”"]
    added = "\n".join(lines)
    if len(ans.answer.rstrip()) + len(added) + 1 > MAX_ANSWER_CHARS:
        return ans
    ans.answer = ans.answer.rstrip() + "\n" + added
    ch, doc = ctx.kb.chunks[c.chunk_id], ctx.kb.docs[c.document_id]
    if c.chunk_id not in {s.chunk_id for s in ans.sources}:
        ans.sources.append(
            Source(doc.id, doc.label, ch.section_path, c.text, c.score, c.chunk_id, ctx.kb.pages.get(ch.id))
        )
    return ans
