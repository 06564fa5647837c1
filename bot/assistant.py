"""The channel-independent assistant: one object every adapter (Telegram, Zalo, web, console) calls.

Answers come from structured facts first (deadlines, responsibilities, targets, cited documents,
contacts), then from hybrid retrieval over the documents' own sentences. Nothing is generated:
every sentence of an answer is a document's words or a fact extracted from them, with its source.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.answer import Answer, Source
from bot.config import TIMEZONE, Settings, load_settings
from bot.db import session_scope
from bot.formatting import RECURRENCE_VI, deadline_sentence, document_citation, sentence_case
from bot.lexicon import fold_words, load_lexicon, province_label
from bot.models import Chunk, CitedDocument, Contact, Deadline, Document, Responsibility, Target
from bot.occurrences import next_occurrence, occurrences
from bot.retrieval import Retriever, content_terms, coverage
from bot.textnorm import fold, folded_syllables
from dataclasses import replace

from bot.understanding import Understanding, understand

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 1400
REFUSAL = ("Xin lỗi, các văn bản hiện có không đề cập đến câu hỏi này nên tôi không trả lời được. "
           "Tôi trả lời về xây dựng xã hội học tập: hạn báo cáo, nhiệm vụ của các cơ quan, chỉ tiêu, "
           "văn bản căn cứ và người liên hệ.")
EXAMPLES = ["Ai phải báo cáo trước ngày 15/12?", "Sở GDĐT Tiền Giang có nhiệm vụ gì?",
            "Mục tiêu năm 2025 về công dân học tập?", "Sắp tới có hạn báo cáo nào?"]
MIN_COVERAGE = 0.45


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


class Knowledge:
    """An in-memory snapshot of the store (small: facts of a few hundred documents)."""

    def __init__(self, db_url: str):
        with session_scope(db_url) as s:
            self.docs = {d.id: d for d in s.scalars(select(Document))}
            self.chunks = {c.id: c for c in s.scalars(select(Chunk))}
            self.deadlines = list(s.scalars(select(Deadline)))
            self.responsibilities = list(s.scalars(select(Responsibility).order_by(Responsibility.id)))
            self.targets = list(s.scalars(select(Target).order_by(Target.id)))
            self.citations = list(s.scalars(select(CitedDocument).order_by(CitedDocument.id)))
            self.contacts = list(s.scalars(select(Contact).order_by(Contact.id)))
            for obj in list(self.docs.values()) + list(self.chunks.values()) + self.deadlines + \
                    self.responsibilities + self.targets + self.citations + self.contacts:
                s.expunge(obj)


def _short(text: str, n: int) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= n:
        return text
    cut = text[:n].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class Assistant:
    """Answers questions from the store the indexer built. Thread-safe for reading."""

    def __init__(self, settings: Settings, load_dense: bool = True):
        self.settings = settings
        self.db_url = settings.database_url
        self.lex = load_lexicon()
        self._lock = threading.Lock()
        self._contexts: OrderedDict[str, Understanding] = OrderedDict()
        self._load_dense = load_dense
        self.kb: Knowledge | None = None
        self.retriever: Retriever | None = None
        self._manifest_mtime = None
        self.reload()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, data_dir=None, **kw) -> "Assistant":
        return cls(settings or load_settings(data_dir), **kw)

    # -- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the facts and indexes; called at start and when the indexer swapped new ones in."""
        from bot.search_index import load_index
        kb = Knowledge(self.db_url)
        index = load_index(self.settings.data_dir)
        retriever = None
        if index is not None:
            embedder = None
            if self._load_dense and index.faiss_index is not None:
                from bot.embedding import load_embedder
                embedder = load_embedder(self.settings)
                if embedder is not None and index.manifest.get("model") not in (None, embedder.name):
                    log.warning("index built with %s, query model is %s: dense search disabled",
                                index.manifest.get("model"), embedder.name)
                    embedder = None
            retriever = Retriever(index, embedder)
            if not all(cid in kb.chunks for cid in retriever.chunk_ids):
                log.warning("search index and store disagree (rebuild with `python -m indexer build`)")
        if retriever is not None:  # pay the first-query costs (segmenter, model) at start, not on a user
            try:
                retriever.search("báo cáo xã hội học tập", k=1)
            except Exception:
                log.exception("warm-up search failed")
        with self._lock:
            self.kb, self.retriever = kb, retriever
            self._manifest_mtime = self._current_manifest_mtime()

    def _current_manifest_mtime(self):
        p = self.settings.data_dir / "index" / "manifest.json"
        try:
            return p.stat().st_mtime
        except OSError:
            return None

    def maybe_reload(self) -> bool:
        if self._current_manifest_mtime() != self._manifest_mtime:
            self.reload()
            return True
        return False

    # -- questions -------------------------------------------------------------------------
    def ask(self, question: str, conversation_id: str | None = None, today: dt.date | None = None,
            mode: str = "hybrid") -> Answer:
        """Answer one question; `conversation_id` keeps follow-up context ("còn Tiền Giang thì sao?").
        `mode` (hybrid | lexical | dense) selects the retrieval used when no fact answers."""
        t0 = time.perf_counter()
        today = today or today_vn()
        prev = self._contexts.get(conversation_id) if conversation_id else None
        try:
            u = understand(question, self.lex, today, prev)
            ans = self._answer(question, u, today, mode)
        except Exception:  # never let one question take the assistant down
            log.exception("failed to answer %r", (question or "")[:200])
            ans = Answer(question or "", False, "Xin lỗi, đã có lỗi khi xử lý câu hỏi này. Vui lòng hỏi lại "
                         "theo cách khác.", "error", suggestions=EXAMPLES)
            u = None
        if conversation_id and u is not None and u.problem is None and ans.answered:
            with self._lock:
                self._contexts[conversation_id] = u
                self._contexts.move_to_end(conversation_id)
                while len(self._contexts) > 10000:
                    self._contexts.popitem(last=False)
        ans.elapsed_ms = (time.perf_counter() - t0) * 1000
        return ans

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._contexts.pop(conversation_id, None)

    def _answer(self, question: str, u: Understanding, today: dt.date, mode: str) -> Answer:
        q = (question or "")[:2000]
        if u.problem in ("empty", "no_words"):
            return Answer(q, False, "Bạn hãy gõ câu hỏi bằng chữ, ví dụ: “" + "”, “".join(EXAMPLES[:3]) + "”.",
                          "help", suggestions=EXAMPLES)
        if u.problem == "too_long":
            if len(question or "") >= 100_000:
                return Answer(q, False, "Câu hỏi quá dài. Bạn hãy hỏi ngắn gọn trong một câu, ví dụ: “"
                              + EXAMPLES[0] + "”.", "help", suggestions=EXAMPLES)
        if self.kb is None or not self.kb.docs:
            return Answer(q, False, "Kho văn bản đang trống: người quản trị cần chạy `python -m indexer build`.",
                          "error")
        handlers = {
            "deadline": self._deadlines,
            "responsibility": self._responsibilities,
            "target": self._targets,
            "document": self._document_facts,
            "citation": self._citations,
            "contact": self._contacts_answer,
            "who": self._who_does,
        }
        order = [u.intent] if u.intent in handlers else []
        # a responsibility question may be about what is due ("Năm 2030 … phải làm gì?")
        if u.intent == "responsibility" and (u.years or u.days or u.months):
            order.append("deadline")
        if u.intent == "responsibility" and not u.agencies:
            order.append("who")  # "Ai chủ trì …?": the agency whose task fits the question
        if u.intent == "document":
            order.append("citation")
        for name in order:
            ans = handlers[name](q, u, today)
            if ans is not None:
                return ans
        return self._search(q, u, mode)

    # -- helpers -----------------------------------------------------------------------------
    def _docs_for(self, u: Understanding) -> set[str] | None:
        """Documents the question restricts itself to (by number or by province), or None."""
        kb = self.kb
        ids: set[str] | None = None
        for num in u.numbers:
            fn = fold(num)
            hit = {d.id for d in kb.docs.values() if d.number and (
                fold(d.number) == fn or fold(d.number).split("/")[0] == fn.split("/")[0] and fn.split("/")[0])}
            if hit:
                ids = hit if ids is None else ids & hit or hit
        if u.provinces:
            prov = {d.id for d in kb.docs.values() if d.province in u.provinces}
            if prov:
                ids = prov if ids is None else (ids & prov or ids)
        return ids

    def _src_from_fact(self, fact, score: float) -> Source:
        doc = self.kb.docs[fact.document_id]
        return Source(doc.id, doc.label, fact.section_path or "", fact.quote, score, fact.chunk_id)

    def _cite(self, doc_id: str, section: str | None = None) -> str:
        doc = self.kb.docs[doc_id]
        s = document_citation(doc)
        return f"{s}, mục {section}" if section else s

    def _agency_match(self, agencies: list[str], canonical: str, written: str) -> bool:
        fw = fold_words(written)
        for a in agencies:
            if a == canonical:
                return True
            ag = next((x for x in self.lex.agencies if x.name == a), None)
            if ag and any(re.search(r"(?<!\w)" + re.escape(al) + r"(?!\w)", fw) for al in ag.aliases if len(al) > 6):
                return True
        return False

    def _finish(self, q: str, intent: str, lines: list[str], sources: list[Source], deadline_ids=None,
                suggestions=None) -> Answer:
        text = ""
        for ln in lines:
            if len(text) + len(ln) + 1 > MAX_ANSWER_CHARS:
                text += "\n…"
                break
            text += ("\n" if text else "") + ln
        return Answer(q, True, text, intent, sources, deadline_ids=deadline_ids or [], suggestions=suggestions or [])

    # -- deadlines ---------------------------------------------------------------------------
    def _deadline_matches(self, u: Understanding, today: dt.date) -> list[tuple[Deadline, dt.date | None]]:
        kb = self.kb
        docs = self._docs_for(u)
        cands = [d for d in kb.deadlines if docs is None or d.document_id in docs]
        if u.provinces and docs is None:
            cands = [d for d in cands if d.province is None]

        def by_date(ds):
            out = ds
            if u.days:
                out = [d for d in out if (d.due_day, d.due_month) in u.days]
            elif u.months:
                out = [d for d in out if d.due_month in u.months]
            if u.years and not u.days:
                out = [d for d in out if d.due_year in u.years or (d.recurrence != "once" and not d.due_year)]
                once = [d for d in out if d.due_year in u.years]
                out = once or out
            return out

        c = by_date(cands)
        if u.period:
            p = [d for d in c if d.period == u.period]
            c = p or c
        if u.agencies:
            a = [d for d in c if self._agency_match(u.agencies, "", d.actor_text + " ; " + " ; ".join(d.actors))
                 or (d.recipient and self._agency_match(u.agencies, "", d.recipient))]
            c = a or (c if (u.days or u.months or u.provinces or u.years) else [])
        if u.wants_report:
            r = [d for d in c if "báo cáo" in (d.what + " " + d.action).lower() or d.recipient]
            c = r or c
        generic = {"han", "bao", "cao", "nop", "gui", "khi", "nao", "ngay", "thang", "nam", "dinh", "ky", "phai",
                   "truoc", "hang", "lich", "thoi", "chot", "de", "an", "thuc", "hien", "tinh", "xa", "hoi", "hoc",
                   "tap", "xay", "dung", "ke", "hoach", "van", "ban", "cong", "ve", "trong", "nhung"}
        topic = [t for t in content_terms(u.text) if t not in generic and not t.isdigit()
                 and t not in set(folded_syllables(" ".join(u.provinces + u.agencies)))]
        if topic:
            fit = [(coverage(topic, d.what + " " + d.action), d) for d in c]
            top = max((f for f, _ in fit), default=0)
            if top >= 0.5:
                c = [d for f, d in fit if f >= top - 0.1]
                u = replace(u, years=u.years or [d.due_year for d in c if d.due_year][:1])
        if not u.years:
            c = [d for d in c if not (d.recurrence == "once" and d.due_year and d.due_month and
                                      dt.date(d.due_year, d.due_month, d.due_day or 28) < today)] or \
                ([] if (u.months or u.window) else c)
        pairs = []
        for d in c:
            when = next_occurrence(d, today, horizon_days=800)
            pairs.append((d, when))
        if u.window:
            w = u.window
            pairs = [(d, when) for d, _ in pairs
                     for when in [next(iter(occurrences(d, w.start, w.end)), None)] if when]
        return pairs

    def _deadline_line(self, d: Deadline, when: dt.date | None, today: dt.date) -> str:
        doc = self.kb.docs[d.document_id]
        who = d.actor_text
        if doc.province and fold(doc.province) not in fold(who):
            who = f"{who} ({province_label(doc.province)})" if who else province_label(doc.province)
        what = _short(d.what, 200)
        if who and what[:1].isupper() and not what[1:2].isupper():
            what = what[:1].lower() + what[1:]
        sentence = sentence_case(f"{who} {what}".strip())
        if d.recurrence != "once" and d.due_day:
            head = f"Trước {d.due_day:02d}/{d.due_month:02d} {RECURRENCE_VI.get(d.recurrence, '')}".strip()
            if d.period and d.period != "năm":
                head += f" (báo cáo {d.period})"
        elif d.due_day:
            head = f"Trước {d.due_day:02d}/{d.due_month:02d}/{d.due_year}" if not d.interpretation else \
                f"{sentence_case(d.due_text)} (đến {d.due_day:02d}/{d.due_month:02d}/{d.due_year})"
        else:
            head = sentence_case(d.due_text)
        line = f"{head}: {sentence}."
        if when and d.recurrence != "once":
            days = (when - today).days
            line += f" Lần tới: {when:%d/%m/%Y}" + (f" (còn {days} ngày)." if 0 <= days <= 120 else ".")
        elif d.recurrence == "once" and d.due_year and d.due_month:
            due = dt.date(d.due_year, d.due_month, d.due_day or 28)
            if due < today:
                line += " (Hạn này đã qua.)"
        return line

    def _deadlines(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        pairs = self._deadline_matches(u, today)
        if not pairs:
            if u.window and (u.intent == "deadline"):
                # nothing in that window: say so, then show what comes next
                nxt = sorted(((d, next_occurrence(d, u.window.end, 800)) for d in self.kb.deadlines),
                             key=lambda p: p[1] or dt.date.max)
                nxt = [p for p in nxt if p[1]][:3]
                if not nxt:
                    return None
                lines = [f"Không có hạn nào trong {u.window.label} ({u.window.start:%d/%m}–{u.window.end:%d/%m/%Y}). "
                         "Các hạn tiếp theo:"]
                srcs = []
                for d, when in nxt:
                    lines.append("• " + self._deadline_line(d, when, today) + " — " + self._cite(d.document_id))
                    srcs.append(self._src_from_fact(d, 1.0))
                return self._finish(q, "deadline", lines, srcs, [d.id for d, _ in nxt])
            return None
        # order: by the next date (yearly ones by day of year when no window)
        if u.window:
            pairs.sort(key=lambda p: (p[1] or dt.date.max, p[0].document_id))
        else:
            pairs.sort(key=lambda p: ((p[0].due_month or 13), (p[0].due_day or 32), p[0].due_year or 0, p[0].document_id))
        lines: list[str] = []
        if len(pairs) > 1:
            span = f" trong {u.window.label}" if u.window else ""
            lines.append(f"Có {len(pairs)} hạn{span} trong các văn bản:")
            for d, when in pairs:
                lines.append("• " + self._deadline_line(d, when, today) + f" — {self._cite(d.document_id)}.")
        else:
            d, when = pairs[0]
            lines.append(self._deadline_line(d, when, today))
            extra = f" Nhận báo cáo: {d.recipient}." if d.recipient and d.recipient not in d.what else ""
            if extra:
                lines.append(extra.strip())
            if d.interpretation:
                lines.append(f"(Cách hiểu hạn: {d.interpretation}.)")
            lines.append(f"Nguồn: {self._cite(d.document_id, d.section_path)}.")
        srcs = [self._src_from_fact(d, 1.0 - i * 0.01) for i, (d, _) in enumerate(pairs)]
        return self._finish(q, "deadline", lines, srcs, [d.id for d, _ in pairs],
                            suggestions=["Đăng ký nhắc hạn", "Sắp tới có hạn báo cáo nào?"])

    # -- responsibilities --------------------------------------------------------------------
    def _responsibilities(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        if not u.agencies:
            return None
        docs = self._docs_for(u)
        rs = [r for r in self.kb.responsibilities if (docs is None or r.document_id in docs)
              and self._agency_match(u.agencies, r.agency, r.agency_text)]
        if not rs:
            return None
        if u.role:
            rr = [r for r in rs if r.role == u.role or fold(u.role) in fold(r.task)[:60]]
            rs = rr or rs
        # several documents: keep the best few by how well the question's other words fit
        by_doc: dict[str, list[Responsibility]] = {}
        for r in rs:
            by_doc.setdefault(r.document_id, []).append(r)
        terms = content_terms(u.text)
        ranked = sorted(by_doc.items(), key=lambda kv: -max(coverage(terms, r.task + " " + r.agency_text)
                                                            for r in kv[1]))
        lines: list[str] = []
        srcs: list[Source] = []
        for doc_id, items in ranked[:2]:
            doc = self.kb.docs[doc_id]
            # one entry per task (a task shared by several agencies appears once)
            seen, uniq = set(), []
            for r in items:
                if r.task not in seen:
                    seen.add(r.task)
                    uniq.append(r)
            where = f" ({doc.province})" if doc.province else ""
            lines.append(f"{sentence_case(uniq[0].agency_text)}{where} — {len(uniq)} nhiệm vụ theo {document_citation(doc)}:")
            per = max(120, min(260, (MAX_ANSWER_CHARS - 200) // max(1, len(uniq)) - 20))
            for r in uniq:
                role = f"[{r.role}] " if r.role in ("chủ trì", "phối hợp") else ""
                lines.append(f"• {role}{_short(r.task, per)}")
            lines.append(f"Nguồn: mục {uniq[0].section_path}.")
            srcs += [self._src_from_fact(r, 1.0) for r in uniq]
        return self._finish(q, "responsibility", lines, srcs)

    def _who_does(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        """'Ai chủ trì xây dựng Kế hoạch truyền thông …?' — agencies whose task matches the question."""
        docs = self._docs_for(u)
        terms = [t for t in content_terms(u.text) if t not in ("chu", "tri", "phoi", "hop", "nhiem", "vu")]
        if len(terms) < 2:
            return None
        rs = [r for r in self.kb.responsibilities if docs is None or r.document_id in docs]
        if u.role:
            rs = [r for r in rs if r.role == u.role] or rs
        scored = sorted(((coverage(terms, r.task), r) for r in rs), key=lambda x: -x[0])
        if not scored or scored[0][0] < 0.6:
            return None
        best = scored[0][0]
        chosen, seen = [], set()
        for sc, r in scored:
            if sc < best - 0.05 or len(chosen) == 3:
                break
            if (r.agency_text, r.task) not in seen:
                seen.add((r.agency_text, r.task))
                chosen.append(r)
        lines = []
        for r in chosen:
            doc = self.kb.docs[r.document_id]
            where = f" ({province_label(doc.province)})" if doc.province else ""
            lines.append(f"{sentence_case(r.agency_text)}{where} — {r.role}: {_short(r.task, 320)}")
            lines.append(f"  Nguồn: {self._cite(r.document_id, r.section_path)}.")
        return self._finish(q, "responsibility", lines, [self._src_from_fact(r, 1.0) for r in chosen])

    # -- targets -----------------------------------------------------------------------------
    def _targets(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        docs = self._docs_for(u)
        ts = [t for t in self.kb.targets if docs is None or t.document_id in docs]
        if u.years:
            ts = [t for t in ts if t.year in u.years] or ts
        terms = [t for t in content_terms(u.text) if t not in ("muc", "tieu", "chi", "nam", "den", "phan", "tram",
                                                              "ty", "ti", "le", "bao", "nhieu", "dat")]
        if not terms or not ts:
            return None
        scored = sorted(((coverage(terms, t.indicator + " " + t.scope), t) for t in ts), key=lambda x: -x[0])
        best = scored[0][0]
        if best < 0.4:
            return None
        chosen = [t for s, t in scored if s >= best - 0.05][:4]
        lines = []
        seen_quotes = set()
        for t in chosen:
            if t.quote in seen_quotes:
                continue
            seen_quotes.add(t.quote)
            v = f"{t.value:g}%" if t.value is not None else ""
            year = f"Đến năm {t.year}" if t.year else "Mục tiêu"
            lines.append(f"{year}: {v} {t.indicator}.".replace("  ", " ") if v else f"{year}: {t.indicator}.")
            quote = re.sub(r"^[-+]\s*", "", t.quote)
            lines.append(f"  “{quote}”")
        cited = {t.document_id: t for t in chosen}
        for doc_id, t in cited.items():
            lines.append(f"Nguồn: {self._cite(doc_id, t.section_path)}.")
        return self._finish(q, "target", lines, [self._src_from_fact(t, s) for s, t in scored if t in chosen])

    # -- documents: who signed, when, to whom ---------------------------------------------------
    def _pick_doc(self, u: Understanding) -> Document | None:
        docs = self._docs_for(u)
        if docs and len(docs) == 1:
            return self.kb.docs[next(iter(docs))]
        cands = [self.kb.docs[i] for i in docs] if docs else list(self.kb.docs.values())
        if u.numbers and not docs:
            return None
        terms = content_terms(u.text)
        scored = sorted(((coverage(terms, " ".join(filter(None, [d.subject, d.issuer, d.doc_type, d.number,
                                                                 d.province]))), d) for d in cands),
                        key=lambda x: -x[0])
        if scored and scored[0][0] >= 0.3 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][1]
        return None

    def _document_facts(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        doc = self._pick_doc(u)
        if doc is None:
            return None
        f = u.folded
        header_chunk = next((c for c in self.kb.chunks.values() if c.document_id == doc.id and c.kind == "header"), None)
        src = [Source(doc.id, doc.label, "Phần đầu văn bản", header_chunk.text if header_chunk else "", 1.0,
                      header_chunk.id if header_chunk else None)]
        lines = []
        if re.search(r"\bky\b", f) and not re.search(r"dinh ky", f):
            if not doc.signer:
                return None
            lines.append(f"{document_citation(doc)} do {doc.signer} ký ({doc.signer_title or ''}).".replace(" ()", ""))
        elif re.search(r"\b(gui cho ai|kinh gui|gui nhung ai|gui ai)\b", f):
            if not doc.recipients:
                return None
            lines.append(f"{document_citation(doc)} gửi:")
            lines += [f"• {r}" for r in doc.recipients]
        elif re.search(r"\b(noi nhan)\b", f):
            lines.append(f"Nơi nhận của {document_citation(doc)}:")
            lines += [f"• {r}" for r in doc.receivers]
        else:
            when = doc.date.strftime("%d/%m/%Y") if doc.date else (doc.date_text or "không ghi ngày")
            lines.append(f"{document_citation(doc)}: ban hành tại {doc.place or '—'}, {when}.")
        if doc.subject:
            lines.append(f"Trích yếu: {_short(doc.subject, 300)}")
        return self._finish(q, "document", lines, src)

    # -- cited documents -----------------------------------------------------------------------
    def _citations(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        kb = self.kb
        docs = self._docs_for(u)
        terms = content_terms(u.text)
        cands = kb.citations
        if docs:
            cands = [c for c in cands if c.document_id in docs] or cands
        num_hits = []
        for num in u.numbers:
            fn = fold(num)
            num_hits += [c for c in cands if fold(c.number) == fn or fold(c.number).startswith(fn.split("/")[0] + "/")]
        scored = []
        asked = re.search(r"\b(quyet dinh|thong tu|cong van|chi thi|ke hoach|ket luan|thong bao|nghi quyet|nghi dinh)"
                          r"\s+(?:so\s+(?:may|bao nhieu)|nao)\b", u.folded)
        asked_type = asked and {"quyet dinh": "Quyết định", "thong tu": "Thông tư", "cong van": "Công văn",
                                "chi thi": "Chỉ thị", "ke hoach": "Kế hoạch", "ket luan": "Kết luận",
                                "thong bao": "Thông báo", "nghi quyet": "Nghị quyết",
                                "nghi dinh": "Nghị định"}[asked.group(1)]
        for c in cands:
            s = coverage(terms, " ".join(filter(None, [c.quote, c.about, c.doc_type, c.number, c.issuer])))
            if c in num_hits:
                s += 0.3 if asked_type else 1.0
            if asked_type and c.doc_type == asked_type:
                s += 0.5
            if docs is not None and c.document_id in docs:
                s += 0.3
            if c.doc_type in u.doc_types:
                s += 0.15
            scored.append((s, c))
        scored.sort(key=lambda x: -x[0])
        # a question about one of our own documents ("Công văn 162 … kết luận của ai?") is answered from its text
        own = docs if (docs and u.numbers and not num_hits) else None
        if own is not None or not scored or scored[0][0] < 0.55:
            return self._search(q, u, "hybrid", restrict_docs=own) if own else None
        best = scored[0][0]
        chosen = []
        for s, c in scored:
            if s >= best - 0.1 and all(c.number != x.number for x in chosen):
                chosen.append(c)
            if len(chosen) == 2:
                break
        lines = []
        for c in chosen:
            date = f" ngày {c.date.day}/{c.date.month}/{c.date.year}" if c.date else ""
            iss = f" của {c.issuer}" if c.issuer else ""
            about = _short(c.about or "", 220)
            about = f" về {about}" if about and not about.lower().startswith(("về", "phê duyệt", "ban hành")) else (
                f" {about}" if about else "")
            lines.append(f"{c.doc_type} số {c.number}{date}{iss}{about}.")
            lines.append(f"  Trích: “{_short(c.quote, 360)}”")
            lines.append(f"  Nguồn: {self._cite(c.document_id, c.section_path)}.")
        return self._finish(q, "citation", lines, [self._src_from_fact(c, 1.0) for c in chosen])

    # -- contacts ----------------------------------------------------------------------------
    def _contacts_answer(self, q: str, u: Understanding, today: dt.date) -> Answer | None:
        docs = self._docs_for(u)
        cs = [c for c in self.kb.contacts if docs is None or c.document_id in docs]
        if not cs:
            return None
        terms = content_terms(u.text)
        cs.sort(key=lambda c: -coverage(terms, c.quote + " " + (self.kb.docs[c.document_id].subject or "")))
        lines = []
        for c in cs[:3]:
            bits = [x for x in [c.name, c.role, c.organization, f"điện thoại {c.phone}" if c.phone else None,
                                f"e-mail {c.email}" if c.email else None] if x]
            lines.append(f"• {', '.join(bits)} — {self._cite(c.document_id)}")
        return self._finish(q, "contact", ["Đầu mối liên hệ trong văn bản:"] + lines,
                            [self._src_from_fact(c, 1.0) for c in cs[:3]])

    # -- retrieval ---------------------------------------------------------------------------
    def _best_sentences(self, text: str, terms: list[str], limit: int) -> str:
        parts = [p for p in re.split(r"(?<=[.;:])\s+|\n+", text) if len(p.strip()) > 15]
        if not parts:
            return _short(text, limit)
        scored = sorted(range(len(parts)), key=lambda i: -coverage(terms, parts[i]))
        keep, used = [], 0
        for i in scored[:3]:
            p = parts[i].strip()
            if used + len(p) > limit:
                if not keep:
                    return _short(p, limit)
                continue
            keep.append(i)
            used += len(p) + 3
        return " … ".join(parts[i].strip() for i in sorted(keep))

    def _search(self, q: str, u: Understanding, mode: str, restrict_docs: set[str] | None = None) -> Answer:
        r = self.retriever
        terms = content_terms(u.text)
        if r is None or not terms:
            return Answer(q, False, REFUSAL, "out_of_scope", suggestions=EXAMPLES)
        docs = restrict_docs or self._docs_for(u)
        if restrict_docs:
            # the words that named the document ("Công văn 162 của Bộ GDĐT") say nothing about its content
            ident = set()
            for did in restrict_docs:
                d = self.kb.docs[did]
                ident |= set(folded_syllables(" ".join(filter(None, [d.label, d.issuer, d.number, d.province]))))
                ident |= set(re.findall(r"[0-9a-z]+", fold(d.number or "")))
            kept = [t for t in terms if t not in ident and not set(folded_syllables(self.lex.expand(t))) <= ident]
            terms = kept or terms
        allowed = {cid for cid, c in self.kb.chunks.items() if c.document_id in docs} if docs else None
        hits = r.search(u.text, k=6, allowed=allowed, mode=mode, expanded=self.lex.expand(u.text))
        if not hits and allowed is not None:
            hits = r.search(u.text, k=6, mode=mode, expanded=self.lex.expand(u.text))
        scored = []
        for h in hits:
            ch = self.kb.chunks.get(h.chunk_id)
            if ch is None:
                continue
            doc = self.kb.docs[ch.document_id]
            body = self.lex.expand(ch.text) + " " + ch.text + " " + " ".join(ch.headings or [])
            cov = coverage(terms, body)                               # ranks chunks
            gate = max(cov, coverage(terms, body + " " + (doc.subject or "")))  # decides whether to answer
            if ch.kind == "header":
                # the header repeats the subject: prefer the body that says more; its place and date
                # ("Hà Nội, ngày …") say nothing about a topic, so it only vouches for document questions
                cov -= 0.05
                if u.intent not in ("document", "citation"):
                    gate = 0.0
            scored.append((h, ch, cov, gate))
        if not scored:
            return Answer(q, False, REFUSAL, "out_of_scope", suggestions=EXAMPLES)
        top_cov = max(g for _, _, _, g in scored)
        dense_ok = r.dense_enabled and max(x[0].dense for x in scored) >= 0.86
        if top_cov < MIN_COVERAGE and not (dense_ok and top_cov >= 0.3):
            return Answer(q, False, REFUSAL, "out_of_scope", suggestions=EXAMPLES)
        # best first by coverage among the fused top results
        scored.sort(key=lambda x: (-(round(x[2], 2)), x[0].rank))
        h, ch, cov, _ = scored[0]
        doc = self.kb.docs[ch.document_id]
        excerpt = self._best_sentences(ch.text, terms, 700)
        lines = [f"Theo {document_citation(doc)} (mục {ch.section_path}):", f"“{excerpt}”"]
        second = next((x for x in scored[1:3] if x[2] >= max(MIN_COVERAGE, cov - 0.1)
                       and x[1].document_id != ch.document_id), None)
        if second is not None:
            d2 = self.kb.docs[second[1].document_id]
            lines += [f"Ngoài ra, {document_citation(d2)} (mục {second[1].section_path}):",
                      f"“{self._best_sentences(second[1].text, terms, 350)}”"]
        srcs = [Source(c.document_id, self.kb.docs[c.document_id].label, c.section_path, c.text, round(cv, 3), c.id)
                for hh, c, cv, _ in scored[:3]]
        return self._finish(q, u.intent if u.intent in ("howto",) else "search", lines, srcs)

    # -- deadlines for channels ----------------------------------------------------------------
    def upcoming_deadlines(self, today: dt.date | None = None, days: int = 90,
                           province: str | None = None) -> list[UpcomingDeadline]:
        """Deadlines falling due within `days` of `today` (Asia/Ho_Chi_Minh), soonest first."""
        today = today or today_vn()
        out = []
        for d in self.kb.deadlines:
            if province and d.province and fold(d.province) != fold(province):
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
        return {"documents": len(kb.docs), "chunks": len(kb.chunks), "deadlines": len(kb.deadlines),
                "responsibilities": len(kb.responsibilities), "targets": len(kb.targets),
                "dense_search": bool(self.retriever and self.retriever.dense_enabled)}
