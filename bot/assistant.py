"""The channel-independent assistant: one object every adapter (Telegram, Zalo, web, console) calls."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.answer import Answer, Source
from bot.config import TIMEZONE, Settings, load_settings
from bot.db import session_scope
from bot.formatting import deadline_sentence, document_citation
from bot.models import Chunk, Deadline, Document
from bot.occurrences import next_occurrence
from bot.textnorm import fold


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


class Assistant:
    """Answers questions from the store the indexer built. Thread-safe for reading."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db_url = settings.database_url

    @classmethod
    def from_settings(cls, settings: Settings | None = None, data_dir=None) -> "Assistant":
        return cls(settings or load_settings(data_dir))

    # -- questions -------------------------------------------------------------------------
    def ask(self, question: str, conversation_id: str | None = None, today: dt.date | None = None) -> Answer:
        """Answer one question; `conversation_id` keeps follow-up context ("còn Tiền Giang thì sao?")."""
        t0 = time.perf_counter()
        q = (question or "").strip()
        words = set(fold(q).split())
        best: list[tuple[float, Chunk, Document]] = []
        with session_scope(self.db_url) as s:
            for ch, doc in s.execute(select(Chunk, Document).join(Document)):
                cw = set(fold(ch.text).split())
                score = len(words & cw) / (1 + len(words))
                best.append((score, ch, doc))
        best.sort(key=lambda x: -x[0])
        top = [b for b in best[:3] if b[0] > 0.3]
        if not top:
            return Answer(q, False, "Tài liệu hiện có không đề cập đến câu hỏi này.", "search",
                          elapsed_ms=(time.perf_counter() - t0) * 1000)
        srcs = [Source(doc.id, doc.label, ch.section_path, ch.text, sc, ch.id) for sc, ch, doc in top]
        return Answer(q, True, top[0][1].text[:1200], "search", srcs,
                      elapsed_ms=(time.perf_counter() - t0) * 1000)

    # -- deadlines ---------------------------------------------------------------------------
    def upcoming_deadlines(self, today: dt.date | None = None, days: int = 90,
                           province: str | None = None) -> list[UpcomingDeadline]:
        """Deadlines falling due within `days` of `today` (Asia/Ho_Chi_Minh), soonest first."""
        today = today or today_vn()
        out = []
        with session_scope(self.db_url) as s:
            for d, doc in s.execute(select(Deadline, Document).join(Document, Deadline.document_id == Document.id)):
                if province and d.province and fold(d.province) != fold(province):
                    continue
                when = next_occurrence(d, today, horizon_days=days)
                if when:
                    out.append(UpcomingDeadline(d, doc, when))
        out.sort(key=lambda u: (u.due_date, u.document.id))
        return out

    def chunk(self, chunk_id: int) -> tuple[Document, Chunk] | None:
        """The full source section behind an answer's source (for a "show source" button)."""
        with session_scope(self.db_url) as s:
            ch = s.get(Chunk, chunk_id)
            if ch is None:
                return None
            return ch.document, ch

    def stats(self) -> dict:
        from sqlalchemy import func
        from bot.models import Responsibility, Target
        with session_scope(self.db_url) as s:
            return {name: s.scalar(select(func.count()).select_from(m)) for name, m in
                    (("documents", Document), ("chunks", Chunk), ("deadlines", Deadline),
                     ("responsibilities", Responsibility), ("targets", Target))}
