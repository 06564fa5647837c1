"""An in-memory snapshot of the store: documents, chunks and facts (small: a few hundred documents),
with what answering needs precomputed once per load (folded chunk texts, a word segmenter that
knows the store's names)."""

from __future__ import annotations

import re

from sqlalchemy import select

from store.db import session_scope
from store.knowledge import (
    Chunk,
    ChunkPage,
    CitedDocument,
    Contact,
    Criterion,
    Deadline,
    Document,
    Event,
    Responsibility,
    Target,
)
from bot.relevance import Segmenter, folded_text, idf
from vntext import fold

# a fact is read from a line when the first this many characters of one are found in the other (folded)
QUOTE_PROBE_CHARS = 40
MIN_PROBE_CHARS = 20


class Knowledge:
    def __init__(self, db_url: str, names: tuple[str, ...] = ()):
        with session_scope(db_url) as s:
            self.docs = {d.id: d for d in s.scalars(select(Document))}
            self.chunks = {c.id: c for c in s.scalars(select(Chunk))}
            self.deadlines = list(s.scalars(select(Deadline)))
            self.responsibilities = list(s.scalars(select(Responsibility).order_by(Responsibility.id)))
            self.targets = list(s.scalars(select(Target).order_by(Target.id)))
            self.citations = list(s.scalars(select(CitedDocument).order_by(CitedDocument.id)))
            self.contacts = list(s.scalars(select(Contact).order_by(Contact.id)))
            self.extra_facts = _load_extra_facts(s)
            self.pages = {p.chunk_id: p.page for p in s.scalars(select(ChunkPage))}
            for obj in (
                list(self.docs.values())
                + list(self.chunks.values())
                + self.deadlines
                + self.responsibilities
                + self.targets
                + self.citations
                + self.contacts
                + [f for fs in self.extra_facts.values() for f in fs]
            ):
                s.expunge(obj)
        self.provinces = sorted({d.province for d in self.docs.values() if d.province})
        # agency names the documents use: responsibility headings' agencies, issuers, recipients
        self.agency_names = sorted(
            n
            for n in {r.agency for r in self.responsibilities}
            | {d.issuer for d in self.docs.values()}
            | {x for d in self.docs.values() for x in (d.recipients or [])}
            if _is_agency_name(n)
        )
        self.localities = _localities(self.docs.values())
        self._folded: dict[int, str] = {}
        self._postings: dict[str, set[int]] = {}
        for cid in self.chunks:
            for syl in set(self.chunk_folded(cid).split()):
                self._postings.setdefault(syl, set()).add(cid)
        # the chunks' folded syllables, already computed above, give the segmenter its word counts
        self.segmenter = Segmenter(
            (self._folded[cid].split() for cid in self.chunks),
            tuple(names) + tuple(self.provinces) + tuple(self.localities),
        )
        self._weights: dict[str, float] = {}
        self._df: dict[str, int] = {}
        self._headings_folded: dict[int | None, str] = {}
        self.facts_by_chunk: dict[int, list] = {}
        for fact in self.all_facts():
            self.facts_by_chunk.setdefault(fact.chunk_id, []).append(fact)
        self._by_document: dict[str, list] = {}  # each document's chunks in reading order
        for ch in sorted(self.chunks.values(), key=lambda c: c.ordinal):
            self._by_document.setdefault(ch.document_id, []).append(ch)
        self._identity: dict[str, str] = {}
        self.responsibilities_by_chunk: dict[int, list] = {}
        for r in self.responsibilities:
            self.responsibilities_by_chunk.setdefault(r.chunk_id, []).append(r)

    def all_facts(self) -> list:
        """Every structured fact (deadlines, tasks, targets, criteria, events, contacts)."""
        return (
            self.deadlines
            + self.responsibilities
            + self.targets
            + self.contacts
            + [f for fs in self.extra_facts.values() for f in fs]
        )

    def chunks_of_document(self, doc_id: str) -> list:
        """The document's chunks in reading order."""
        return self._by_document.get(doc_id, [])

    def identity_folded(self, doc_id: str) -> str:
        """What names a document (type and number, subject, province, issuer), folded (cached)."""
        if doc_id not in self._identity:
            d = self.docs[doc_id]
            self._identity[doc_id] = folded_text(" ".join(filter(None, [d.label, d.subject, d.province, d.issuer])))
        return self._identity[doc_id]

    def fact_at(self, chunk_id: int, line: str) -> list:
        """The facts of a chunk read from this line (the fact's quote and the line overlap)."""
        return [f for f in self.facts_by_chunk.get(chunk_id, ()) if quote_in_line(f.quote, line)]

    def phrase_in_documents(self, folded: str) -> bool:
        """Some chunk contains these folded words (not cached: asked of a few typo candidates only)."""
        syl = folded.split()
        ids = set.intersection(*(self._postings.get(x, set()) for x in syl)) if syl else set()
        return any(f" {folded} " in self._folded[cid] for cid in ids)

    def unit_absent(self, unit: str) -> bool:
        """No chunk contains this word."""
        self.unit_weights([unit])
        return self._df[unit] == 0

    def unit_weights(self, units: list[str]) -> dict[str, float]:
        """Each word's rarity among the chunks (inverse document frequency), cached."""
        n = len(self.chunks)
        for u in units:
            if u not in self._weights:
                syl = u.split()
                ids = set.intersection(*(self._postings.get(x, set()) for x in syl)) if syl else set()
                if len(syl) > 1:
                    ids = {cid for cid in ids if f" {u} " in self._folded[cid]}
                self._weights[u] = idf(len(ids), n)
                self._df[u] = len(ids)
        return {u: self._weights[u] for u in units}

    def chunk_folded(self, chunk_id: int | None) -> str:
        """The chunk's headings and text, folded (for topic coverage), cached."""
        if chunk_id is None or chunk_id not in self.chunks:
            return " "
        if chunk_id not in self._folded:
            ch = self.chunks[chunk_id]
            self._folded[chunk_id] = folded_text(" ".join(ch.headings or []) + "\n" + ch.text)
        return self._folded[chunk_id]

    def headings_folded(self, chunk_id: int | None) -> str:
        """The chunk's headings, folded (cached)."""
        if chunk_id not in self._headings_folded:
            self._headings_folded[chunk_id] = folded_text(self.headings_of(chunk_id))
        return self._headings_folded[chunk_id]

    def headings_of(self, chunk_id: int | None) -> str:
        ch = self.chunks.get(chunk_id) if chunk_id is not None else None
        return " ".join(ch.headings or []) if ch is not None else ""

    @property
    def criteria(self) -> list:
        return self.extra_facts.get("criteria", [])

    @property
    def events(self) -> list:
        return self.extra_facts.get("events", [])


def quote_in_line(quote: str | None, line: str) -> bool:
    """Is a fact's quote read from this line: the first QUOTE_PROBE_CHARS of one found in the other (folded)."""
    fq = fold(quote or "").strip().lstrip("-+• ")
    fl = fold(line).strip().lstrip("-+• ")
    if len(fq) < MIN_PROBE_CHARS or len(fl) < MIN_PROBE_CHARS:  # a bare heading ("Chương III") is in many quotes
        return bool(fq) and fq == fl
    return fq[:QUOTE_PROBE_CHARS] in fl or fl[:QUOTE_PROBE_CHARS] in fq


MAX_AGENCY_NAME_WORDS = 8
_LOCALITY = re.compile(r"\b(?:xã|phường|thị trấn|huyện|quận|thị xã|đặc khu)\s+((?:[A-ZĐÀ-Ỹ][\wÀ-ỹđ]*\s*){1,4})")


def _localities(docs) -> dict[str, set[str]]:
    """Communes, wards and districts the documents' issuers name ('UBND xã Hòa An' → 'Hòa An'), with
    the documents they issued: a question naming one is about those documents."""
    out: dict[str, set[str]] = {}
    for d in docs:
        for m in _LOCALITY.finditer(d.issuer or ""):
            name = m.group(1).strip()
            if name and name != d.province:
                out.setdefault(name, set()).add(d.id)
    return out


def _is_agency_name(name: str | None) -> bool:
    """One named body ("Phòng Văn hóa - Thông tin xã Hòa An"), not a group ("Các sở, ngành")."""
    return (
        bool(name)
        and not name.lower().startswith(("các ", "những "))
        and "," not in name
        and 2 <= len(name.split()) <= MAX_AGENCY_NAME_WORDS
    )


def _load_extra_facts(session) -> dict[str, list]:
    """Fact kinds added after the first schema (criteria, events); empty when their tables are absent."""
    from sqlalchemy.exc import SQLAlchemyError

    out: dict[str, list] = {}
    for name, model in (("criteria", Criterion), ("events", Event)):
        try:
            out[name] = list(session.scalars(select(model).order_by(model.id)))
        except SQLAlchemyError:
            session.rollback()
            out[name] = []
    return out
