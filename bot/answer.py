"""The answer object every channel receives (the `bot ask --json` contract)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Source:
    file: str  # knowledge file stem (the document id)
    doc: str  # type + number, e.g. "Công văn 3597/UBND-KGVX"
    section: str  # section path, e.g. "IV › 1 › c) Sở Thông tin và Truyền thông"
    quote: str  # verbatim text
    score: float
    chunk_id: int | None = None
    page: int | None = None  # the page a scanned or PDF document's chunk starts on
    citation: str = ""  # the whole citation every channel shows (bot/citing.py): document, date, section, page
    url: str | None = None  # a PDF source's page on the web chat ("api/document/ID#page=3")


@dataclass
class Answer:
    question: str
    answered: bool
    answer: str  # plain text as the user sees it
    intent: str
    sources: list[Source] = field(default_factory=list)
    elapsed_ms: float = 0.0
    deadline_ids: list[str] = field(default_factory=list)  # deadlines shown (for "subscribe" buttons)
    suggestions: list[str] = field(default_factory=list)  # follow-up questions to offer as buttons
    more: list[str] = field(default_factory=list)  # the rest of a long list, whole lines ("xem thêm (N)")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["elapsed_ms"] = round(self.elapsed_ms, 2)
        for s in d["sources"]:
            s["score"] = round(float(s["score"]), 4)
        return d
