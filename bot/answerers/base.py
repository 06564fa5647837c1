"""What every answerer shares: the question, the knowledge snapshot, citations, topic relevance and
the one-chat-message limit. Each answerer is a function `answer(ctx) -> Answer | None`: None means
"not mine, or nothing relevant" and lets the next answerer (finally the passage search) try."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from bot.admin_changes import MORE, expand_provinces, tidy_cautions
from bot.answer import Answer, Source
from bot.citing import citation
from bot.knowledge import Knowledge, quote_in_line
from bot.lexicon import Lexicon, fold_words
from bot.relevance import phrases, coverage, folded_text, topic_units
from bot.retrieval import Retriever
from vntext import fold, folded_syllables, has_diacritics, letter_class
from bot.understanding import Understanding

# A fact on a topic must come from one of the chunks the retriever ranks this high for the question.
FACT_CHUNK_TOP_K = 5
# An agency's tasks are listed only when one of them is among this many chunks retrieved for the question.
AGENCY_CHUNK_TOP_K = 20
MAX_ANSWER_CHARS = 1400  # one chat message (the scorer reads at most 1,500)
# MORE: "… xem thêm (N)", the lines that do not fit one message being the answer's `more`, shown on request
REFUSAL = (
    "Xin lỗi, các văn bản hiện có không đề cập đến câu hỏi này nên tôi không trả lời được. "
    "Tôi trả lời về xây dựng xã hội học tập: hạn báo cáo, nhiệm vụ của các cơ quan, chỉ tiêu, "
    "tiêu chí, sự kiện, văn bản căn cứ và người liên hệ."
)
EXAMPLES = [
    "Ai phải báo cáo trước ngày 15/12?",
    "Sở GDĐT Tiền Giang có nhiệm vụ gì?",
    "Mục tiêu năm 2025 về công dân học tập?",
    "Sắp tới có hạn báo cáo nào?",
]

# Words that name the domain or a document, not a question's topic (folded syllables).
DOMAIN_WORDS = phrases(
    "xay dung, xa hoi hoc tap, xa hoi, hoc tap, giai doan, de an, ke hoach, van ban, cong van, "
    "quyet dinh, thuc hien, trien khai, tinh, thanh pho, huyen, xa, dia phuong, theo, nam, 2021, "
    "2030, 2025, qui dinh"
)
# Words of a time window or date the question asks about ("sắp tới", "tháng này", "tuần sau").
TIME_WORDS = phrases(
    "sap toi, sap den, tiep theo, gan day, gan day nhat, nhat, thang nay, sau, tuan, tuan sau, "
    "hom nay, ngay mai, nam nay, nam sau, ngay, thang, nam, qui, dau, cuoi, giua, ki, sap, hang, hang thang, hang nam, hang qui, hang tuan"
)


def short(text: str, n: int) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


# an alias found inside another word: "cơ sở giáo dục" (an education institution) and "trụ sở" are not "Sở …"
_NOT_A_FACILITY = r"(?<!\w)(?<!co )(?<!tru )"


@lru_cache(maxsize=512)
def _alias_pattern(aliases: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for an agency's written names (folded, longer than 6 letters), not inside a facility's name."""
    names = [re.escape(al) for al in aliases if len(al) > 6]
    return re.compile(_NOT_A_FACILITY + "(?:" + "|".join(names) + r")(?!\w)") if names else None


# what a partner of the body asked is named after ("phối hợp với", "cùng")
_PARTNER_BEFORE = re.compile(r"\b(voi|cung)\s+$")
EVIDENCE_UNRANKED = 1_000


@dataclass
class Context:
    question: str
    u: Understanding
    today: dt.date
    mode: str
    kb: Knowledge
    lex: Lexicon
    retriever: Retriever | None
    _retrieved: list[int] | None = None
    _topics: dict | None = None  # topic() per set of intent words: one question segments its text once each
    ranked_lines: list[str] | None = None  # the evidence ranking's best lines, once ranked (evidence_rank)
    list_asked: bool = False  # the question asks for a list ("những ngày nào"), as the evidence ranking reads it
    aside: list[str] | None = None  # words of a later clause that no document holds (the first clause is answered)
    _written_text: str | None = None  # the topic text in the documents' words (_as_written), once

    def evidence_rank(self, quote: str | None) -> int:
        """Where the evidence ranking puts the line a fact was read from (EVIDENCE_UNRANKED when not among its
        best lines, or before ranking)."""
        lines = self.ranked_lines or []
        return next((i for i, ln in enumerate(lines) if quote_in_line(quote, ln)), EVIDENCE_UNRANKED)

    # -- scope ---------------------------------------------------------------------------------
    def docs_for(self, u: Understanding | None = None) -> set[str] | None:
        """Documents the question restricts itself to (by number or by province), or None."""
        u = u or self.u
        ids: set[str] | None = None
        for num in u.numbers:
            fn = fold(num)
            head = fn.split("/")[0]
            hit = {
                d.id
                for d in self.kb.docs.values()
                if d.number and (fold(d.number) == fn or (head and fold(d.number).split("/")[0] == head))
            }
            if hit:
                ids = hit if ids is None else ids & hit or hit
        if u.provinces:
            provs = expand_provinces(u.provinces, self.today)  # Lâm Đồng: also Đắk Nông, Bình Thuận (issue 12)
            prov = {d.id for d in self.kb.docs.values() if d.province in provs}
            if prov:
                ids = prov if ids is None else (ids & prov or ids)
        local = set().union(*(self.kb.localities[n] for n in self.localities()))
        if local:
            ids = local if ids is None else (ids & local or ids)
        return ids

    def chunks_of(self, docs: set[str] | None) -> set[int] | None:
        """The chunk ids of these documents (None: no restriction), for restricting a search."""
        return {cid for cid, c in self.kb.chunks.items() if c.document_id in docs} if docs else None

    def localities(self) -> list[str]:
        """Communes and districts named by the question that the store's documents were issued by."""
        f = " " + fold_words(self.u.text) + " "
        return [n for n in self.kb.localities if f" {fold_words(n)} " in f]

    def agency_match(self, canonical: str, written: str, agencies: list[str] | None = None) -> bool:
        """A fact's agency (canonical name, as written) is one the question names (or one of `agencies`)."""
        fw = fold_words(written)
        for a in self.u.agencies if agencies is None else agencies:
            if a == canonical:
                return True
            ag = self.lex.agency_by_name.get(a)
            if ag and (pattern := _alias_pattern(ag.aliases)) and pattern.search(fw):
                return True
            if ag is None and fold(a) in fold(written):  # a name learned from the documents
                return True
        return False

    def partner_agencies(self) -> list[str]:
        """The agencies the question names only as partners of another ("Hội LHPN … nhiệm vụ gì trong kế hoạch phối
        hợp với Hội Khuyến học?": Hội Khuyến học), when it names several."""
        if len(self.u.agencies) < 2:
            return []
        f = fold_words(self.lex.expand(self.u.text))
        partners = []
        for a in self.u.agencies:
            ag = self.lex.agency_by_name.get(a)
            pattern = _alias_pattern(ag.aliases) if ag else None
            spans = [m.start() for m in pattern.finditer(f)] if pattern else []
            if spans and all(_PARTNER_BEFORE.search(f[max(0, i - 20) : i]) for i in spans):
                partners.append(a)
        return partners if len(partners) < len(self.u.agencies) else []

    # -- topic relevance -------------------------------------------------------------------------
    def entity_names(self) -> set[str]:
        """The entities the question names, folded whole ('so giao duc va dao tao', 'tien giang'),
        with the agencies' aliases and the names a follow-up replaced."""
        u = self.u
        names = u.provinces + u.agencies + u.numbers + u.doc_types + u.replaced_names + self.localities()
        out = {" ".join(folded_syllables(n)) for n in names}
        for a in u.agencies + u.replaced_names:  # the question may have named the agency by an alias ("Sở GDĐT")
            ag = self.lex.agency_by_name.get(a)
            out |= {" ".join(folded_syllables(al)) for al in (ag.aliases if ag else ())}
        out |= {" ".join(folded_syllables(self.lex.expand(n))) for n in names}
        return {n for n in out if n}

    def replaced_words(self) -> set[str]:
        """Names a follow-up replaced: not part of its topic."""
        return {" ".join(folded_syllables(n)) for n in self.u.replaced_names}

    def topic(self, intent_words: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """The question's topic words, less its intent's own words, the domain's and the entities'."""
        key = frozenset(intent_words)
        if self._topics is None:
            self._topics = {}
        if key not in self._topics:
            ignore = set(key) | DOMAIN_WORDS | TIME_WORDS
            self._topics[key] = topic_units(self.written_topic_text(), ignore, self.kb.segmenter, self.entity_names())
        return list(self._topics[key])

    def written_topic_text(self) -> str:
        """topic_text() in the documents' own words (`_as_written`), cached."""
        if self._written_text is None:
            self._written_text = self._as_written(self.topic_text())
        return self._written_text

    def _as_written(self, text: str) -> str:
        """The text with each everyday word no document writes replaced by the documents' word for it ('trường học'
        → 'cơ sở giáo dục', knowledge/synonyms.json), in the documents' spelling (folded when the text is)."""
        folded = " " + " ".join(folded_syllables(text)) + " "
        for word, theirs in self.lex.synonyms.items():
            if f" {word} " not in folded:  # most questions hold none of them: no store lookup
                continue
            written = next((x for x in theirs if self.kb.phrase_in_documents(x)), None)
            if written is None or self.kb.phrase_in_documents(word):
                continue
            pattern = r"(?<!\w)" + r"\s+".join(_loose(s) for s in word.split()) + r"(?!\w)"
            spelt = self.kb.written_as(written) if has_diacritics(text) else written
            text = re.sub(pattern, spelt, text, flags=re.IGNORECASE)
        return text

    def topic_text(self) -> str:
        """The question's words for topic units: abbreviations expanded; typed without diacritics, kept
        without (an expansion's accents would send half a sentence to the accented segmenter)."""
        text = self.u.topic_text or self.u.text
        expanded = self.lex.expand(text) if _has_abbrev(text) else _domain_terms_spelt(self.lex, text)
        return expanded if has_diacritics(text) else fold(expanded)

    def retrieved(self, k: int = None) -> set[int]:
        """The `k` (default FACT_CHUNK_TOP_K) chunks the retriever ranks highest for this question."""
        if self._retrieved is None:
            self._retrieved = []
            if self.retriever is not None:
                hits = self.retriever.search(
                    self.u.text,
                    k=AGENCY_CHUNK_TOP_K,
                    mode=self.mode,
                    allowed=self.chunks_of(self.docs_for()),
                    expanded=self.lex.with_synonyms(self.lex.expand(self.u.text)),
                )
                self._retrieved = [h.chunk_id for h in hits]
        return set(self._retrieved[: k or FACT_CHUNK_TOP_K])

    def document_rank(self, doc_id: str) -> int:
        """Where the retriever first ranks a chunk of `doc_id` for this question (large if nowhere)."""
        self.retrieved()
        ranks = (
            i for i, c in enumerate(self._retrieved) if c in self.kb.chunks and self.kb.chunks[c].document_id == doc_id
        )
        return next(ranks, len(self._retrieved))

    def relevance_in(self, units: list[str], fact, fact_text: str, chunks: set[int]) -> float:
        """Like `relevance`, with the fact's chunk required among `chunks` instead of the top few."""
        if self.retriever is not None and fact.chunk_id not in chunks:
            return 0.0
        return coverage(
            units, "", folded_text(fact_text + "\n" + self.kb.headings_of(fact.chunk_id)), self.kb.unit_weights(units)
        )

    def relevance(self, units: list[str], fact, fact_text: str) -> float:
        """How well a fact covers the topic units (its own words and its section's headings), or 0
        when the retriever does not rank the fact's chunk among the question's best passages."""
        return self.relevance_in(units, fact, fact_text, self.retrieved())

    # -- citing ----------------------------------------------------------------------------------
    def src_from_fact(self, fact, score: float) -> Source:
        doc = self.kb.docs[fact.document_id]
        return Source(
            doc.id,
            doc.label,
            fact.section_path or "",
            fact.quote,
            score,
            fact.chunk_id,
            self.kb.pages.get(fact.chunk_id),
        )

    def cite(self, doc_id: str, section: str | None = None, chunk_id: int | None = None) -> str:
        """'Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021, mục 2, trang 3'."""
        page = self.kb.pages.get(chunk_id) if chunk_id is not None else None
        return citation(self.kb.docs[doc_id], section, page)

    def finish(
        self, intent: str, lines: list[str], sources: list[Source], deadline_ids=None, suggestions=None
    ) -> Answer:
        """Join whole lines into one chat message; the lines that do not fit are the answer's `more`, announced
        by "… xem thêm (N)" (web: expands; Telegram, Zalo: a button pages through them)."""
        lines = tidy_cautions(lines)  # a caution repeated in one answer is pointed to, not repeated
        text, more = "", []
        for ln in lines:
            if more or len(text) + len(ln) + 1 > MAX_ANSWER_CHARS - len(MORE) - 6:
                more.append(ln)
                continue
            text += ("\n" if text else "") + ln
        if more:
            text += "\n" + MORE.format(n=len(more))
        return Answer(
            self.question,
            True,
            text,
            intent,
            sources,
            deadline_ids=deadline_ids or [],
            suggestions=suggestions or [],
            more=more,
        )


def _domain_terms_spelt(lex, text: str) -> str:
    """A question in lower case with the domain's own abbreviations spelt out ("ke hoach xhht" → "… xã hội học
    tập", a domain phrase the topic then leaves out); other lower-case abbreviations ("ubnd") stay as typed, their
    expansion being an entity's name the topic already leaves out."""
    out = []
    for tok in text.split():
        exp = lex.expand(tok)
        out.append(exp if exp != tok and " ".join(folded_syllables(exp)) in DOMAIN_WORDS else tok)
    return " ".join(out)


def _loose(folded_syllable: str) -> str:
    """A regex matching a folded syllable however it is accented ('gia' → 'già', 'giá', 'gia' …)."""
    return "".join(letter_class(ch) if ch.isalpha() else re.escape(ch) for ch in folded_syllable)


def _has_abbrev(text: str) -> bool:
    return bool(re.search(r"\b[A-ZĐ]{2,}\b", text))


def refusal(question: str, missing: list[str] | None = None, near: bool = False) -> Answer:
    """The refusal; with `missing`, it names the question's words that no document covers (`near`: that
    no passage close to the question speaks of, though some document uses them elsewhere)."""
    if not missing:
        return Answer(question, False, REFUSAL, "out_of_scope", suggestions=EXAMPLES)
    named = ", ".join(f"“{w}”" for w in _named_once([as_written(question, m) for m in missing[:3]]))
    where = "Không đoạn văn bản nào gần với câu hỏi nói về" if near else "Các văn bản hiện có không nói về"
    text = (
        f"{where} {named}, nên tôi không trả lời được câu hỏi này. "
        "Tôi trả lời về xây dựng xã hội học tập: hạn báo cáo, nhiệm vụ của các cơ quan, chỉ tiêu, "
        "tiêu chí, sự kiện, văn bản căn cứ và người liên hệ."
    )
    return Answer(question, False, text, "out_of_scope", suggestions=EXAMPLES)


def _named_once(words: list[str]) -> list[str]:
    """The words as written, each once: a syllable written inside another word named goes ("hỗ" of "hỗ trợ")."""
    out: list[str] = []
    for w in words:
        if any(f" {w.lower()} " in f" {o.lower()} " for o in out + [x for x in words if x != w and " " in x]):
            continue
        out.append(w)
    return out


def aside_missing(question: str, missing: list[str]) -> bool:
    """Every word no document holds lies in a clause after the first, which holds none of them ("Đăng ký … nộp ở
    đâu, có làm online được không?"): the first clause is answered, and the words of the others named."""
    clauses = [c for c in (" " + fold_words(x) + " " for x in re.split(r"[,;?]", question)) if c.strip()]
    while len(clauses) > 1 and _SCOPE_CLAUSE.match(clauses[0]):  # "Theo kế hoạch của Sở, …": a scope, not a clause
        clauses = clauses[1:]
    if len(clauses) < 2 or len(clauses[0].split()) < ASIDE_MIN_WORDS:
        return False
    rest = " ".join(clauses[1:])
    return all(f" {m} " not in clauses[0] and f" {m} " in rest for m in missing)


ASIDE_MIN_WORDS = 4  # a first clause shorter than this ("Cho hỏi, …") asks nothing by itself
# a clause that only says where to look ("Theo hướng dẫn của Sở GDĐT …, lệ phí … là bao nhiêu?")
_SCOPE_CLAUSE = re.compile(
    r"^ (theo|trong|can cu|doi voi|cho (minh|toi|em|chau) hoi|xin hoi) "
)  # not "hội nghị", "tài trợ"


def with_aside(ans: Answer, ctx: Context) -> Answer:
    """An answer to a question's first clause, with the words of its other clauses that no document holds named
    last ("Các văn bản hiện có không nói về “online”.")."""
    if not ctx.aside or not ans.answered:
        return ans
    named = ", ".join(f"“{as_written(ctx.question, m)}”" for m in ctx.aside[:3])
    note = f"\nCác văn bản hiện có không nói về {named}."
    if len(ans.answer.rstrip()) + len(note) <= MAX_ANSWER_CHARS:  # one chat message still
        ans.answer = ans.answer.rstrip() + note
    return ans


def as_written(question: str, folded_unit: str) -> str:
    """The question's own words for a folded topic word ('ho ngheo' → 'hộ nghèo')."""
    tokens = re.findall(r"[\w/.-]+", question)
    target = folded_unit.split()
    folded = [" ".join(folded_syllables(t)) for t in tokens]
    for i in range(len(tokens)):
        j, got = i, []
        while j < len(tokens) and len(got) < len(target):
            got += folded[j].split()
            j += 1
        if got == target:
            return " ".join(tokens[i:j])
    return folded_unit
