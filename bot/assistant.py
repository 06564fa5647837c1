"""The channel-independent assistant: one object every adapter (Telegram, Zalo, web, console) calls.

It keeps the knowledge snapshot, routes each question to the answerers of its kind
(`bot/answerers/`: deadlines, responsibilities, targets, criteria, events, documents, citations,
contacts) and falls back to the documents' own passages, then to a refusal. Intent only decides
the order in which answerers are tried; every answerer shows a fact only when the fact is about
the question's topic (`bot/relevance.py`). Nothing is generated: every sentence of an answer is a
document's words or a fact extracted from them, with its source. Conversation memory keeps what a
follow-up ("còn Tiền Giang thì sao?") lacks.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import re
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError

from bot.admin_changes import annotate_answer, same_province
from bot.answer import Answer
from bot.answerers import register as admin_register
from bot.answerers import (
    citations,
    contacts,
    criteria,
    deadlines,
    documents,
    events,
    passages,
    responsibilities,
    targets,
)
from bot.answerers import articles, clauses, definitions, parts, smalltalk
from bot.answerers import evidence as evidence_answer
from bot.citing import cite_sources
from bot.answerers.base import EXAMPLES, REFUSAL, Context, aside_missing, refusal, with_aside  # noqa: F401  (REFUSAL is part of this module's API)
from bot.config import TIMEZONE, Settings, load_settings
from bot.evidence import (
    HEADER_INTENTS,
    EvidenceRanker,
    agrees,
    asked_kinds,
    content_bigrams,
    extreme_asked,
    is_table_row,
    label_asked,
    missing_words,
    not_covered,
    person_not_near,
    place_not_near,
    unpicked,
)
from bot.formatting import deadline_sentence, document_citation
from bot.knowledge import Knowledge, read_snapshot, write_snapshot
from bot.lexicon import load_lexicon
from bot.typos import AbbreviationReader, NameFixer, SyllableFixer
from store.knowledge import Chunk, Deadline, Document
from bot.occurrences import next_occurrence
from bot.retrieval import Retriever
from vntext import fold
from bot.understanding import Understanding, context_from_json, context_to_json, understand
from store.shared_state import StateUnavailable, open_state

log = logging.getLogger(__name__)
CONTEXT_PREFIX = "ctx:"  # + the conversation id: its follow-up context in the shared store
MAX_CONVERSATION_ID = 180  # longer ids are hashed (the shared store's keys have at most 200 characters)
RETRY_S = 10  # while the store cannot be loaded (database down), loading is tried again this often


class StoreNotLoaded(Exception):
    """The assistant started without its store (the database was down): questions wait for the next load."""


def database_problem(e: BaseException) -> str:
    """One line saying why the database failed (no password, no traceback)."""
    from bot.health import _why

    return _why(getattr(e, "orig", None) or e)


# A question with this many topic words, or a true/false statement, is a search: legal sentences
# and statements are found in the text, not among the facts.
STATEMENT_MIN_UNITS = 12
_STATEMENT_RE = re.compile(r"\b(dung hay sai|dung khong|co dung khong|sai khong)\b")
# A sentence this long with no question word and no question mark states something (a legal
# sentence to check) rather than asks for a fact: it is searched for. Shorter ones are keyword searches for a
# fact ("thoi gian dang ky cong dan hoc tap theo quy che …", 16 syllables): 20 keeps those with the evidence
# ranking (dev split 0.781 -> 0.800) and the laws' retrieval where it was (hit@3 0.922).
STATEMENT_MIN_WORDS = 20
_QUESTION_RE = re.compile(r"\b(ai|gi|nao|sao|bao nhieu|bao gio|bao lau|dau|khong|chua|the nao|may)\b")


# Answerers tried for each intent, in order; the passage search comes last for every intent.
ROUTES = {
    "deadline": [deadlines.answer, events.answer],
    "responsibility": [responsibilities.by_agency],
    "target": [targets.answer],
    "document": [documents.answer, citations.answer],
    "citation": [citations.answer],
    "contact": [contacts.answer],
    "howto": [criteria.answer],
    "criteria": [criteria.answer],
    "event": [events.answer, deadlines.answer],
    "search": [events.answer],
}


def today_vn() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


@dataclass
class UpcomingDeadline:
    deadline: Deadline
    document: Document
    due_date: dt.date

    @property
    def text(self) -> str:
        return f"{self.due_date:%d/%m/%Y}: {deadline_sentence(self.deadline)} — {document_citation(self.document)}"


# the evidence ranking's best lines a fact answer is read again in the order of
RANKED_LINES = 10


# a clause asking what a document's header says: its number, its date, its signer
_HEADER_CLAUSE = re.compile(
    r"\b(so (bao nhieu|may|hieu|ki hieu)|ai ki|nguoi ki|ki ngay|ngay (ban hanh|nao)|ban hanh)\b"
)


def _header_not_in_row(folded_question: str, ranked: list) -> bool:
    """A header asked ("… số bao nhiêu, ai ký?") that the best line, a row, cannot give: it holds no document number
    and no date (an agenda's "| 7h30 - 8h15 | …"), unlike a register of decisions ("| 03/QĐ-HKH | 01/5/2026 |")."""
    row = ranked[0].text if ranked else ""
    return bool(_HEADER_CLAUSE.search(folded_question)) and not _DOCUMENT_IN_ROW.search(row)


_NUMBERED = re.compile(r"\b\d+/(?:\d{4}/)?[A-ZĐ]")  # a document number written ("57/KH-UBND")
_DOCUMENT_IN_ROW = re.compile(rf"{_NUMBERED.pattern}|\b\d{{1,2}}/\d{{1,2}}/\d{{4}}\b")  # a number, or a date


def picks(answer: Answer | None) -> list[str]:
    """The quotes of the facts a fact answer shows."""
    return [s.quote for s in answer.sources] if answer is not None else []


def best_is_table_row(ranked: list, folded_question: str = "") -> bool:
    """The best line is a row of a table: read with its header, it says more than any list of facts, unless a list
    is asked of no row the question names ("tiêu chí … gồm những gì?": the answerer's list is the table's rows; not
    "tiêu chí chuyển đổi số, kỹ năng số gồm các chỉ số gì?", the row and those under it)."""
    if not ranked or not is_table_row(ranked[0].text):
        return False
    return "list" not in asked_kinds(folded_question) or label_asked(ranked[0].text, folded_question)


def with_more_sources(sources: list, more: list, at_least: int = 3) -> list:
    """A fact answer's sources, followed by other sections read for the question up to `at_least`."""
    out = list(sources)
    seen = {s.chunk_id for s in out}
    for s in more:
        if len(out) >= at_least:
            break
        if s.chunk_id not in seen:
            out.append(s)
            seen.add(s.chunk_id)
    return out


def settle_heap() -> None:
    """Keep the loaded snapshot out of the garbage collector's full passes.

    A loaded store is a few hundred thousand long-lived objects (facts, chunks, postings); every
    full collection walked them all, a pause of tens of ms that landed on some question (the
    laws corpus: p95 52 → 43 ms). They are frozen after each load; before, the previous load's
    objects are unfrozen so that the cycles of a replaced snapshot can still be collected.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Assistant:
    """Answers questions from the store the indexer built. Thread-safe for reading."""

    def __init__(self, settings: Settings, load_dense: bool = True):
        self.settings = settings
        self.db_url = settings.database_url
        self.base_lex = load_lexicon()  # the glossary and gazetteer: seeds, extended by what the store names
        self.lex = self.base_lex
        self._lock = threading.Lock()
        # follow-up contexts by conversation, in the shared store (store.shared_state): every replica reads them
        from bot.health import sqlite_unwritable

        self.state = open_state(settings.database_url, getattr(settings, "redis_url", ""), unwritable=sqlite_unwritable)
        self._state_warned = 0.0
        self._load_dense = load_dense
        self.kb: Knowledge | None = None
        self.retriever: Retriever | None = None
        self._manifest_mtime = None
        self.load_error: str | None = None  # why the store could not be loaded (a database down): retried
        try:
            self.reload()
        except OperationalError as e:  # the database is down or does not answer: start degraded, retry later
            self.load_error = database_problem(e)
            self._reload_failed = (None, time.monotonic() - 60 + RETRY_S)
            from_snapshot = self._reload_from_snapshot()
            log.error(
                "the store could not be loaded (%s): %s, retrying every %d s",
                self.load_error,
                "answering from the snapshot of the last build" if from_snapshot else "answering 503",
                RETRY_S,
            )

    @classmethod
    def from_settings(cls, settings: Settings | None = None, data_dir=None, **kw) -> "Assistant":
        return cls(settings or load_settings(data_dir), **kw)

    # -- loading -----------------------------------------------------------------------------
    def _reload_from_snapshot(self) -> bool:
        """Load the rows kept for the build in place (bot.knowledge.write_snapshot): True when answering from them."""
        try:
            self.reload(rows=read_snapshot(self.settings.data_dir, self._current_manifest_mtime()) or {})
        except Exception as e:  # noqa: BLE001 - no usable snapshot: questions get 503 until the database answers
            log.info("no snapshot to answer from (%s)", type(e).__name__)
            return False
        return True

    def reload(self, rows: dict | None = None) -> None:
        """(Re)load the facts and indexes; called at start and when the indexer swapped new ones in.
        Questions keep being answered from the old snapshot until the new one replaces it. `rows`: the store's
        rows kept by the last load (the database is down); raises KeyError when there are none."""
        from bot.search_index import IndexCorrupt, load_index

        build_id = self._current_manifest_mtime()  # read first: a build landing meanwhile reloads again
        names = (
            tuple(a.name for a in self.base_lex.agencies)
            + tuple(al for a in self.base_lex.agencies for al in a.aliases)
            + self.base_lex.provinces
            + tuple(self.base_lex.glossary.values())  # "ủy ban nhân dân" is one word, as "UBND" is
        )
        kb = Knowledge(self.db_url, names=names, rows=rows)
        if rows is None:
            try:
                write_snapshot(self.settings.data_dir, build_id, kb)
            except OSError as e:  # a read-only data folder: no snapshot, nothing else lost
                log.warning("store snapshot not written (%s)", e.strerror or type(e).__name__)
        lex = self.base_lex.with_learned(kb.provinces, kb.agency_names)
        try:
            index = load_index(self.settings.data_dir)
        except IndexCorrupt as e:
            if self.retriever is not None:
                raise  # maybe_reload: the snapshot in memory keeps answering, /healthz says why
            log.error("search index not loaded: %s (rebuild it with `python -m indexer build`)", e)
            index = None  # start anyway: /healthz reports it, the next build is loaded without a restart
        retriever = None
        if index is not None:
            embedder = None
            if self._load_dense and index.faiss_index is not None:
                from bot.embedding import load_embedder

                embedder = load_embedder(self.settings)
                if embedder is not None and not embedder.matches(index.manifest):
                    log.warning(
                        "index built with %s (%s), query model is %s (%s): dense search disabled",
                        index.manifest.get("model"),
                        str(index.manifest.get("model_checksum"))[:12],
                        embedder.name,
                        embedder.checksum[:12],
                    )
                    embedder = None
            retriever = Retriever(index, embedder)
            if not all(cid in kb.chunks for cid in retriever.chunk_ids):
                log.warning("search index and store disagree (rebuild with `python -m indexer build`)")
        if retriever is not None:  # pay the first-query costs (segmenter, model) at start, not on a user
            try:
                retriever.search("báo cáo xã hội học tập", k=1)
            except Exception:
                log.exception("warm-up search failed")
        fixer = NameFixer(lex)
        with self._lock:
            self.kb, self.retriever, self.lex, self.name_fixer = kb, retriever, lex, fixer
            self._manifest_mtime = build_id
            if rows is None:
                self.load_error = None
        settle_heap()
        log.info("loaded build %s (%d chunks)", build_id, len(retriever.chunk_ids) if retriever else 0)

    def _current_manifest_mtime(self):
        """The id of the build in DATA/index now (its manifest's build_id), None without an index."""
        from bot.search_index import read_build_id

        return read_build_id(self.settings.data_dir)

    def maybe_reload(self) -> bool:
        """Reload if another build is in place (the indexer here, /admin_reindex, or another
        process sharing the data folder and database). Cheap when nothing changed; one reload at a
        time; a failed reload is logged once per build and leaves the old snapshot answering."""
        current = self._current_manifest_mtime()
        if current == self._manifest_mtime and self.kb is not None and not self.load_error:
            return False
        failed = getattr(self, "_reload_failed", None)
        if failed and failed[0] in (current, None) and time.monotonic() - failed[1] < 60:
            return False  # this build failed to load a moment ago: try it again once a minute
        if not hasattr(self, "_reload_lock"):
            with self._lock:
                if not hasattr(self, "_reload_lock"):
                    self._reload_lock = threading.Lock()
        if not self._reload_lock.acquire(blocking=False):
            return False  # another thread is reloading
        try:
            if self._current_manifest_mtime() == self._manifest_mtime and self.kb is not None and not self.load_error:
                return False
            self.reload()
            return True
        except OperationalError as e:
            self.load_error = database_problem(e)
            log.error("the store could not be loaded (%s); retrying in %d s", self.load_error, RETRY_S)
            self._reload_failed = (None, time.monotonic() - 60 + RETRY_S)
            return False
        except Exception:
            if not failed or failed[0] != current:
                log.exception("could not load build %s; answering from build %s", current, self._manifest_mtime)
            self._reload_failed = (current, time.monotonic())
            return False
        finally:
            self._reload_lock.release()

    # -- questions -------------------------------------------------------------------------
    def ask(
        self, question: str, conversation_id: str | None = None, today: dt.date | None = None, mode: str = "hybrid"
    ) -> Answer:
        """Answer one question; `conversation_id` keeps follow-up context ("còn Tiền Giang thì sao?").
        `mode` (hybrid | lexical | dense) selects the retrieval used for passages."""
        if self.kb is None:
            raise StoreNotLoaded(self.load_error or "kho văn bản chưa được nạp")
        t0 = time.perf_counter()
        today = today or today_vn()
        prev = self.recall(conversation_id) if conversation_id else None
        try:
            u = understand(self.fixed_names(question), self.lex, today, prev)
            ans = cite_sources(self._answer(question, u, today, mode), self.kb.docs if self.kb else {})
            ans = definitions.note_undefined(
                ans, u, self.kb, self.lex
            )  # "X là gì?" that no document defines: said first
        except Exception:  # never let one question take the assistant down
            log.exception("failed to answer %r", (question or "")[:200])
            ans = Answer(
                question or "",
                False,
                "Xin lỗi, đã có lỗi khi xử lý câu hỏi này. Vui lòng hỏi lại theo cách khác.",
                "error",
                suggestions=EXAMPLES,
            )
            u = None
        if conversation_id and u is not None and u.problem is None and ans.answered:
            self.remember(conversation_id, u)
        ans.elapsed_ms = (time.perf_counter() - t0) * 1000
        return ans

    def fixed_names(self, question: str) -> str:
        """The question with a province or body name typed with a typo or two read as the name, and a word that
        is no Vietnamese syllable read as the one the documents write there (bot/typos.py)."""
        kb, fixer = self.kb, getattr(self, "name_fixer", None)
        if kb is None or fixer is None or not isinstance(question, str) or len(question) > 500:
            return question
        question = AbbreviationReader(self.lex, kb.syllable_known, kb.spelled_out).fix(question)
        question = fixer.fix(question, kb.phrase_in_documents)
        known = lambda w: kb.syllable_known(w) or self.lex.expand(w) != w  # "cv", "kh": the glossary's, no typo
        return SyllableFixer(known, kb.phrase_in_documents, kb.written_as).fix(question)

    # -- conversation contexts (the shared store: any replica answers the follow-up) -------------------------
    @staticmethod
    def _context_key(conversation_id: str) -> str:
        cid = str(conversation_id)
        if len(cid) > MAX_CONVERSATION_ID:
            import hashlib

            cid = "#" + hashlib.sha256(cid.encode("utf-8", "replace")).hexdigest()
        return CONTEXT_PREFIX + cid

    def recall(self, conversation_id: str) -> Understanding | None:
        """The context the conversation's last answered question left; None when there is none, it cannot be
        read back, or the store does not answer (the question is then answered on its own)."""
        try:
            return context_from_json(self.state.get(self._context_key(conversation_id)))
        except (StateUnavailable, ValueError) as e:
            self._state_problem("read", e)
            return None

    def remember(self, conversation_id: str, u: Understanding) -> None:
        """Keep `u` as the conversation's context (HOCTAP_CONTEXT_TTL_S, default a day)."""
        ttl = float(getattr(self.settings, "context_ttl_s", 24 * 3600))
        try:
            self.state.put(self._context_key(conversation_id), context_to_json(u), ttl)
        except (StateUnavailable, ValueError) as e:
            self._state_problem("kept", e)

    def forget(self, conversation_id: str) -> None:
        """Drop the conversation's context (/xoadulieu, a new conversation)."""
        try:
            self.state.delete(self._context_key(conversation_id))
        except (StateUnavailable, ValueError) as e:
            self._state_problem("deleted", e)

    def _state_problem(self, what: str, e: Exception) -> None:
        now = time.monotonic()
        if now - self._state_warned >= 60:
            self._state_warned = now
            log.warning("conversation context not %s (%s): questions are answered without it", what, e)

    def context(self, question: str, today: dt.date | None = None, mode: str = "hybrid") -> Context:
        """The answer context of one question (no conversation): what the answerers and the evidence
        ranking read (also used to fit the ranking, bench/train_evidence.py)."""
        today = today or today_vn()
        u = understand(question, self.lex, today, None)
        return Context((question or "")[:2000], u, today, mode, self.kb, self.lex, self.retriever)

    def _answer(self, question: str, u: Understanding, today: dt.date, mode: str) -> Answer:
        q = (question or "")[:2000]
        if u.problem in ("empty", "no_words"):
            return Answer(
                q,
                False,
                "Bạn hãy gõ câu hỏi bằng chữ, ví dụ: “" + "”, “".join(EXAMPLES[:3]) + "”.",
                "help",
                suggestions=EXAMPLES,
            )
        if u.problem == "too_long" and len(question or "") >= 100_000:
            return Answer(
                q,
                False,
                "Câu hỏi quá dài. Bạn hãy hỏi ngắn gọn trong một câu, ví dụ: “" + EXAMPLES[0] + "”.",
                "help",
                suggestions=EXAMPLES,
            )
        kb, retriever = self.kb, self.retriever
        if kb is None or not kb.docs:
            return Answer(
                q, False, "Kho văn bản đang trống: người quản trị cần chạy `python -m indexer build`.", "error"
            )
        reg = admin_register.answer(q, today)  # "Đắk Nông giờ thuộc tỉnh nào?": the 2025 changes (issue 12)
        if reg is not None:
            return reg
        ctx = Context(q, u, today, mode, kb, self.lex, retriever)
        return with_aside(self.every_clause(ctx, self._answer_in(ctx)), ctx)

    def every_clause(self, ctx: Context, ans: Answer) -> Answer:
        """A question asking two things at once ("… trước ngày nào, có giá trị bao lâu?"): each clause whose kind of
        answer the reply lacks gets the best line that gives it, in the documents cited (bot/answerers/clauses.py)."""
        if not ans.answered or ctx.retriever is None or ans.intent in ("register", "greeting", "help"):
            return ans
        if len(ctx.question.split()) > clauses.MAX_WORDS:  # a legal sentence to check is read whole
            return ans
        docs = {s.file for s in ans.sources}
        asking = clauses.clauses_asking(ctx.question)
        first = clauses.first_clause(ctx.question)
        first_topic = self._clause_topic(ctx, first) if asking else []
        for clause in asking:
            if ans.intent in HEADER_INTENTS and _HEADER_CLAUSE.search(fold(clause)) and _NUMBERED.search(ans.answer):
                continue  # "… số bao nhiêu, ai ký?": the header answer gives its number, date and signer
            kinds = clauses.missing_kinds(ans, clause)
            topic = first_topic if clause == first else self._clause_topic(ctx, clause)
            untold = [] if kinds else clauses.untold_words(ans, topic, first_topic)
            if not kinds and not untold:
                continue
            ranking = self._clause_ranking(ctx, clause, docs)
            beside = clauses.sibling_of_sources(ctx.kb, ans)
            kinds = kinds or clauses.clause_kinds(clause)
            line = clauses.best_line(ranking, docs, kinds, clause, ans.answer, beside, untold)
            if line is not None:
                ans = clauses.add_line(ctx, ans, line)
        return ans

    def _clause_topic(self, ctx: Context, clause: str) -> list[str]:
        """The topic words of one clause read alone, and its pairs of adjacent content words ("thang điểm", whose
        "thang" folds like the month's and is no topic word alone)."""
        u = understand(clause, self.lex, ctx.today, None)
        units = Context(clause, u, ctx.today, ctx.mode, ctx.kb, ctx.lex, ctx.retriever).topic()
        return list(dict.fromkeys(units + content_bigrams(u.folded)))

    def _clause_ranking(self, ctx: Context, clause: str, docs: set[str]) -> list:
        """The evidence ranking of one clause read with the first clause's topic (the whole store: `best_line` keeps
        the lines of the cited documents `docs`; none when there are none)."""
        sub = clauses.with_topic(ctx.question, clause)
        sub_u = understand(sub, self.lex, ctx.today, None)
        sub_ctx = Context(sub, sub_u, ctx.today, ctx.mode, ctx.kb, ctx.lex, ctx.retriever)
        units = sub_ctx.topic()
        return EvidenceRanker(sub_ctx, units).candidates() if units and docs else []

    def _answer_in(self, ctx: Context) -> Answer:
        q, u, today, kb = ctx.question, ctx.u, ctx.today, ctx.kb
        said = smalltalk.answer(ctx)  # "xin chào", "cảm ơn", "có những văn bản nào?"
        if said is not None:  # a province's catalogue says which provinces it now includes (Lâm Đồng ⊃ Đắk Nông)
            return annotate_answer(said, u.provinces, kb.docs, today) if said.answered else said
        if self.is_statement(ctx):  # a legal sentence to check: the passages that state it, by article
            return annotate_answer(passages.answer(ctx), u.provinces, kb.docs, today)
        fact = self.fact_answer(ctx)
        ranked, early = self._evidence(ctx, picks(fact))
        if early is not None:
            return early
        fact = self.read_again(ctx, fact, ranked)
        header_asked = fact is not None and fact.intent in HEADER_INTENTS and _header_not_in_row(u.folded, ranked)
        if (
            fact is not None
            and (u.follow_up or agrees(fact, ranked, u))
            and (header_asked or not best_is_table_row(ranked, u.folded))
        ):
            if ranked and len(fact.sources) == 1:  # one fact: the other sections read for it follow its own
                fact.sources = with_more_sources(fact.sources, evidence_answer.sources(ctx, ranked))
            return annotate_answer(fact, u.provinces, kb.docs, today)  # "Đắk Nông nay thuộc tỉnh Lâm Đồng …"
        if fact is not None and ranked:  # its choice lifted lines the evidence does not put first
            ranked = EvidenceRanker(ctx, ctx.topic()).without_picks(ranked)
        found = passages.answer(ctx)
        if ranked and found.answered:
            return annotate_answer(evidence_answer.render(ctx, ranked), u.provinces, kb.docs, today)
        if ranked and not found.answered:  # refused all the same: say which words no evidence holds, if any
            return refusal(q, missing_words(ctx, ctx.topic(), ranked))
        return annotate_answer(found, u.provinces, kb.docs, today)

    @staticmethod
    def read_again(ctx: Context, fact: Answer | None, ranked: list) -> Answer | None:
        """A deadline answer read again in the evidence ranking's order: the deadline its best lines hold first
        (alone when it is the only one there), even when past."""
        if fact is None or fact.intent != "deadline" or not ranked:
            return fact
        ctx.ranked_lines = [c.text for c in unpicked(ranked)[:RANKED_LINES]]
        ctx.list_asked = "list" in asked_kinds(ctx.u.folded)
        return deadlines.answer(ctx) or fact

    def fact_answer(self, ctx: Context) -> Answer | None:
        """What the answerer of the question's kind says (its facts are weighed by the evidence ranking)."""
        for answerer in self._route(ctx):
            ans = answerer(ctx)
            if ans is not None:
                return ans
        return None

    @staticmethod
    def _evidence(ctx: Context, chosen: list[str] = ()) -> tuple[list, Answer | None]:
        """The ranked evidence lines, or the refusal they call for: words no evidence holds, or an article
        the document does not have."""
        units = ctx.topic()
        if ctx.retriever is None or not units:  # no topic to weigh evidence by ("còn Tiền Giang thì sao?")
            return [], None
        ranked = EvidenceRanker(ctx, units, picks=chosen).candidates()
        elsewhere = articles.unknown_document(ctx) or articles.not_in_library(ctx)  # "Thông tư 18 …?": not here
        elsewhere = elsewhere or citations.number_of_other_year(ctx)  # "Quyết định … năm 2025 số bao nhiêu?"
        elsewhere = elsewhere or contacts.no_contact_of_body(ctx, ranked)  # "sđt Hội Khuyến học tỉnh …?"
        if elsewhere is not None:
            return ranked, elsewhere
        counted = articles.count_articles(ctx, ranked)  # "Thông tư 18/2026 gồm bao nhiêu điều?"
        counted = counted or parts.list_parts(ctx, ranked)  # "Khóa bồi dưỡng gồm những chuyên đề nào?"
        if counted is not None:
            return ranked, counted
        number = articles.named_article(ctx.u.folded)
        if number is not None and ranked:
            doc, has = articles.target_document(ctx, list(dict.fromkeys(c.document_id for c in ranked)), number)
            if doc is not None and not has:
                return ranked, articles.missing_article(ctx, doc, number)
            if doc is not None:
                allowed = articles.article_chunks(ctx, doc, number)
                ranked = EvidenceRanker(ctx, units, allowed=allowed).candidates() or ranked
                return ranked, articles.render_article(ctx, doc, number, ranked)
        missing, near = not_covered(ctx, units, ranked) if ranked else ([], False)
        named = missing and (person_not_near(ctx, ranked) or place_not_near(ctx, ranked))  # never an aside
        if missing and not named and aside_missing(ctx.u.text, missing):  # "… nộp ở đâu, có làm online được không?"
            ctx.aside = missing  # the first clause is answered, the words of the others no document holds named
        elif missing:  # "Chỉ tiêu giảm tỷ lệ hộ nghèo đa chiều …": no document speaks of it
            return ranked, refusal(ctx.question, missing, near=near)
        return ranked, None

    @staticmethod
    def is_statement(ctx: Context) -> bool:
        """A true/false statement or a long legal sentence: searched for as a whole passage."""
        u = ctx.u
        return bool(
            _STATEMENT_RE.search(u.folded)
            or (len(ctx.topic()) >= STATEMENT_MIN_UNITS and not extreme_asked(u.folded))  # "xã nào … cao nhất?" asks
            or (
                len(u.folded.split()) >= STATEMENT_MIN_WORDS and "?" not in u.text and not _QUESTION_RE.search(u.folded)
            )
        )

    def _route(self, ctx: Context) -> list:
        u = ctx.u
        if self.is_statement(ctx):
            return []
        order = list(ROUTES.get(u.intent, []))
        if u.intent == "responsibility" and (u.years or u.days or u.months):
            order.append(deadlines.answer)  # "Năm 2030 … phải làm gì?" may be about what is due
        if u.intent == "responsibility" and not u.agencies:
            order.append(responsibilities.who_does)  # "Ai chủ trì …?": the agency whose task fits
        return order

    # -- deadlines for channels ----------------------------------------------------------------
    def upcoming_deadlines(
        self, today: dt.date | None = None, days: int = 90, province: str | None = None
    ) -> list[UpcomingDeadline]:
        """Deadlines falling due within `days` of `today` (Asia/Ho_Chi_Minh), soonest first."""
        today = today or today_vn()
        out = []
        for d in self.kb.deadlines:
            if (
                province
                and d.province
                and fold(d.province) != fold(province)
                and not same_province(d.province, province, today)
            ):  # Lâm Đồng also lists Đắk Nông's
                continue
            when = next_occurrence(d, today, horizon_days=days)
            if when:
                out.append(UpcomingDeadline(d, self.kb.docs[d.document_id], when))
        out.sort(key=lambda x: (x.due_date, x.document.id))
        return out

    def chunk(self, chunk_id: int) -> tuple[Document, Chunk] | None:
        """The full source section behind an answer's source (for a "show source" button)."""
        ch = self.kb.chunks.get(chunk_id)
        if ch is None:
            return None
        return self.kb.docs[ch.document_id], ch

    def stats(self) -> dict:
        kb = self.kb
        return {
            "documents": len(kb.docs),
            "chunks": len(kb.chunks),
            "deadlines": len(kb.deadlines),
            "responsibilities": len(kb.responsibilities),
            "targets": len(kb.targets),
            "dense_search": bool(self.retriever and self.retriever.dense_enabled),
        }
