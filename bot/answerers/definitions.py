""" "X là gì?" when no document defines X: the answer says so first, then quotes where X is mentioned (the
answer the question got). A term is defined when a document says "X là …", "X được hiểu là …" or lists it under
"giải thích từ ngữ"."""

from __future__ import annotations

import re

from bot.answer import Answer
from bot.knowledge import Knowledge
from bot.lexicon import Lexicon
from bot.understanding import Understanding

MAX_TERM_WORDS = 6
_ASKS = re.compile(
    r"^(?:(?:the nao|khai niem|dinh nghia)\s+(?:la\s+)?)?(?P<x>[a-z0-9 ]{3,60}?)\s+(?:la gi|nghia la gi|la the nao)$"
)
# an attribute asked of something ("chủ đề …", "tiêu chí … của …"), not what a term means
_NOT_A_TERM = re.compile(
    r"^(chu de|tieu chi|yeu cau|muc tieu|nhiem vu|noi dung|thoi gian|dia diem|han|ket qua)\b|\bcua\b"
)


def asked_term(u: Understanding) -> str | None:
    """The folded term a definition question asks about ('hoc tap suot doi'), or None."""
    if u.provinces or u.agencies or u.numbers or u.years:
        return None
    m = _ASKS.match(re.sub(r"[?!.]+$", "", u.folded).strip())
    if m is None:
        return None
    term = m.group("x").strip()
    if len(term.split()) > MAX_TERM_WORDS or _NOT_A_TERM.search(term):
        return None
    return term


def defined(kb: Knowledge, term: str) -> bool:
    return any(kb.phrase_in_documents(f"{term} {tail}") for tail in ("la", "duoc hieu la", "nghia la", "co nghia la"))


def note_undefined(ans: Answer, u: Understanding | None, kb: Knowledge | None, lex: Lexicon | None = None) -> Answer:
    """Say first that no document defines the term a "X là gì?" question asks about, when none does (an
    abbreviation the glossary knows is spelt out: "XHHT là viết tắt của “xã hội học tập”")."""
    term = asked_term(u) if u is not None and kb is not None and ans.answered else None
    if term is None or defined(kb, term):
        return ans
    written = re.sub(r"\s+(là gì|la gi|nghĩa là gì|là thế nào)\s*\??\s*$", "", ans.question.strip(), flags=re.I)
    written = written.strip()
    spelt = lex.folded_glossary.get(term) if lex is not None and " " not in term else None
    if spelt:
        note = f"{written} là viết tắt của “{spelt[:1].lower() + spelt[1:]}”. Các văn bản nhắc đến như sau:"
    else:
        note = f"Các văn bản hiện có không định nghĩa “{written}”. Các văn bản nhắc đến như sau:"
    ans.answer = note + "\n" + ans.answer
    return ans
