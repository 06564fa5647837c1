"""An in-memory snapshot of the store: documents, chunks and facts (small: a few hundred documents),
with what answering needs precomputed once per load (folded chunk texts, a word segmenter that
knows the store's names)."""

from __future__ import annotations

import re
from collections import Counter

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
from vntext import SMALL_LETTERS, fold, letter_class

# a fact is read from a line when the first this many characters of one are found in the other (folded)
QUOTE_PROBE_CHARS = 40
MIN_PROBE_CHARS = 20
# "4. Lớp “Tiếng Anh …”": a numbered section whose title starts with a noun; "Lớp 4" (folded) refers to it
_NUMBERED_TITLE = re.compile(r"^\s*(\d{1,2})[.)]\s+([^\W\d_]+)\b")
# a run of syllables followed by the same word this often is the start of a longer name ('Ban Chỉ' → 'đạo')
TRUNCATED_NAME_SHARE = 0.8
_REFERENCE = re.compile(r"\b([a-z]+)\s+(\d{1,2})\b(?![./]\d)")
# a name the documents put in quotes: a title ("Dòng họ học tập"), a programme, an event, a defined term
QUOTED_NAME = re.compile(r"[“\"]([^”\"\n]{3,80})[”\"]")
QUOTED_NAME_WORDS = (2, 6)  # fewer or more words: a word in quotes, or a quoted sentence or document title


ROWS = ("docs", "chunks", "deadlines", "responsibilities", "targets", "citations", "contacts", "extra_facts", "pages")


def read_rows(db_url: str) -> dict:
    """The store's rows the snapshot is made of (detached from their session), by ROWS name."""
    with session_scope(db_url) as s:
        rows = {
            "docs": {d.id: d for d in s.scalars(select(Document))},
            "chunks": {c.id: c for c in s.scalars(select(Chunk))},
            "deadlines": list(s.scalars(select(Deadline))),
            "responsibilities": list(s.scalars(select(Responsibility).order_by(Responsibility.id))),
            "targets": list(s.scalars(select(Target).order_by(Target.id))),
            "citations": list(s.scalars(select(CitedDocument).order_by(CitedDocument.id))),
            "contacts": list(s.scalars(select(Contact).order_by(Contact.id))),
            "extra_facts": _load_extra_facts(s),
            "pages": {p.chunk_id: p.page for p in s.scalars(select(ChunkPage))},
        }
        s.expunge_all()
    return rows


class Knowledge:
    """`rows`: the store's rows when they do not come from the database (a saved snapshot, bot.snapshot)."""

    def __init__(self, db_url: str | None, names: tuple[str, ...] = (), rows: dict | None = None):
        rows = rows if rows is not None else read_rows(db_url)
        for name in ROWS:
            setattr(self, name, rows[name])
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
        self._document_folded: dict[str, str] = {}
        self._numbered: dict[str, dict[str, str]] = {}
        self._spelled: dict[tuple[str, str | None], str | None] = {}
        self._quoted: frozenset[str] | None = None
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

    def quoted_names(self) -> frozenset[str]:
        """The names the documents put in quotes, folded (cached): “Công dân học tập”, “Dòng họ học tập”."""
        if self._quoted is None:
            low, high = QUOTED_NAME_WORDS
            found = (
                folded_text(m.group(1)).strip() for ch in self.chunks.values() for m in QUOTED_NAME.finditer(ch.text)
            )
            self._quoted = frozenset(f for f in found if low <= len(f.split()) <= high)
        return self._quoted

    def identity_folded(self, doc_id: str) -> str:
        """What names a document (type and number, subject, province, issuer), folded (cached)."""
        if doc_id not in self._identity:
            d = self.docs[doc_id]
            self._identity[doc_id] = folded_text(" ".join(filter(None, [d.label, d.subject, d.province, d.issuer])))
        return self._identity[doc_id]

    def document_folded(self, doc_id: str) -> str:
        """All the document's chunks (headings and text) and its identity, folded, spaces around (cached): read by
        each check of a name the question asks (a place, a person, a body) and by the ranking of places."""
        if doc_id not in self._document_folded:
            chunks = " ".join(self.chunk_folded(ch.id) for ch in self.chunks_of_document(doc_id))
            self._document_folded[doc_id] = f" {chunks} {self.identity_folded(doc_id)} "
        return self._document_folded[doc_id]

    def numbered_titles(self, doc_id: str) -> dict[str, str]:
        """A document's sections named by their noun and number ('lop 4' → '4. Lớp “Tiếng Anh giao tiếp …”'),
        as its other passages refer to them ('- Lớp 4: trước ngày 25/9/2026'), folded keys (cached)."""
        if doc_id not in self._numbered:
            titles: dict[str, str] = {}
            for ch in self.chunks_of_document(doc_id):
                for h in ch.headings or []:
                    m = _NUMBERED_TITLE.match(h)
                    if m:
                        titles.setdefault(f"{fold(m.group(2))} {int(m.group(1))}", h)
            self._numbered[doc_id] = titles
        return self._numbered[doc_id]

    def referred_titles(self, doc_id: str, line: str) -> list[str]:
        """The titles of the sections of its document that a line refers to by noun and number."""
        titles = self.numbered_titles(doc_id)
        if not titles:
            return []
        refs = (f"{a} {int(b)}" for a, b in _REFERENCE.findall(fold(line)))
        return [titles[r] for r in dict.fromkeys(refs) if r in titles]

    def title_led_by(self, doc_id: str, line: str) -> str | None:
        """The title of the section a line begins by naming ('- Lớp 4: trước ngày 25/9/2026' → class 4's), or
        None: a line that names a section in passing ('Riêng Lớp 2 không yêu cầu giấy tờ') is not about it."""
        m = _REFERENCE.match(fold(line).lstrip("-+•* "))
        return self.numbered_titles(doc_id).get(f"{m.group(1)} {int(m.group(2))}") if m else None

    def fact_at(self, chunk_id: int, line: str) -> list:
        """The facts of a chunk read from this line (the fact's quote and the line overlap)."""
        return [f for f in self.facts_by_chunk.get(chunk_id, ()) if quote_in_line(f.quote, line)]

    def phrase_in_documents(self, folded: str) -> bool:
        """Some chunk contains these folded words (not cached: asked of a few typo candidates only)."""
        syl = folded.split()
        ids = set.intersection(*(self._postings.get(x, set()) for x in syl)) if syl else set()
        return any(f" {folded} " in self._folded[cid] for cid in ids)

    def syllable_known(self, folded: str) -> bool:
        """Some chunk writes this folded syllable."""
        return folded in self._postings

    def written_as(self, folded: str) -> str:
        """How the documents most often write these folded words ('ki nang' → 'kỹ năng'), lowercase; the
        folded words when no chunk holds them."""
        syl = folded.split()
        ids = set.intersection(*(self._postings.get(x, set()) for x in syl)) if syl else set()
        seen: Counter = Counter()
        for cid in ids:
            words = re.findall(r"[^\W\d_]+", self.chunks[cid].text.lower())
            keys = [fold(w) for w in words]
            for i in range(len(words) - len(syl) + 1):
                if keys[i : i + len(syl)] == syl:
                    seen[" ".join(words[i : i + len(syl)])] += 1
        return seen.most_common(1)[0][0] if seen else folded

    def spelled_out(self, letters: str, typed: str | None = None) -> str | None:
        """The name the documents write whose syllables' initials are these folded letters, "và" left out
        ('khcn' → 'Khoa học và Công nghệ', 'nv' → 'Nội vụ'): a run of syllables that begins with a capital, the one
        written most often, or None when none is, or two are written as often (cached). `typed`: the initials as
        the asker wrote them, whose "đ" and "d" the name's must match ("CĐHT" is "Cộng đồng học tập", not "Công dân
        học tập"; "d" only in a question typed with its diacritics, see `initials_match`)."""
        key = (letters, typed)
        if key not in self._spelled:
            runs = self._name_runs(letters)
            if typed is not None:
                runs = Counter({r: n for r, n in runs.items() if initials_match(r, typed)})
            self._spelled[key] = _most_written(runs)
        return self._spelled[key]

    def _name_runs(self, letters: str) -> Counter:
        """How often each run of syllables with these initials is written, leaving out a run that is the start of
        a longer name, always followed by the same word ('Ban Chỉ' of 'Ban Chỉ đạo' is not 'BC')."""
        pattern = _initials_pattern(letters)
        seen: Counter = Counter()
        followers: dict[str, Counter] = {}
        for ch in self.chunks.values():
            for m in pattern.finditer(ch.text):
                seen[m.group(1)] += 1
                followers.setdefault(m.group(1), Counter())[(m.group(2) or "").lower()] += 1
        for run, after in followers.items():
            word, n = after.most_common(1)[0]
            if word and n >= TRUNCATED_NAME_SHARE * seen[run] and seen[run] >= 2:
                del seen[run]
        return seen

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


def _initials_pattern(letters: str) -> re.Pattern:
    """A run of syllables with these initials, the first a capital, "và" between any two."""
    small = "[" + SMALL_LETTERS + "]"
    parts = [
        ("" if i == 0 else _NOT_AND) + letter_class(x, capitals_only=i == 0) + small + "*"
        for i, x in enumerate(letters)
    ]
    return re.compile(r"(?<![^\W\d_])(" + r"(?:\s+và)?\s+".join(parts) + r")(?![^\W\d_])(?:[ \t]+([^\W\d_]+))?")


def initials_match(name: str, typed: str) -> bool:
    """The name's initials are "đ" where the typed initials are, and "d" where they write a plain "D"."""
    heads = [w[0].lower() for w in name.split() if w.lower() != "và"]
    return len(heads) == len(typed) and all(
        (h == "đ") == (t.lower() == "đ") for h, t in zip(heads, typed) if fold(t) == "d"
    )


def _most_written(seen: Counter) -> str | None:
    top = seen.most_common(2)
    if not top or (len(top) == 2 and top[1][1] == top[0][1]):
        return None
    return top[0][0]


_NOT_AND = r"(?!và(?![^\W\d_]))"  # "và" joins a name's words; it is none of its initials ("Nam và" is not "NV")


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
        and name[:1].isupper()  # "đơn vị", "cơ quan", "đơn vị tự": a common noun, no name
        and not name.lower().startswith(("các ", "những "))
        and "," not in name
        and 2 <= len(name.split()) <= MAX_AGENCY_NAME_WORDS
    )


# -- the snapshot a start without the database answers from ----------------------------------------------------
SNAPSHOT = "store-snapshot.pickle"  # in the data folder, written by this program only (mode 600)


def write_snapshot(data_dir, build_id: str | None, kb: "Knowledge") -> None:
    """Keep the rows of `kb` (the store as build `build_id` left it), so that `serve` started while the database
    is down still answers from them; written once per build, atomically."""
    import os
    import pickle
    from pathlib import Path

    path = Path(data_dir) / SNAPSHOT
    if not build_id or read_snapshot_id(path) == build_id:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        pickle.dump(build_id, f)
        pickle.dump({name: getattr(kb, name) for name in ROWS}, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def read_snapshot_id(path) -> str | None:
    import pickle

    try:
        with open(path, "rb") as f:
            got = pickle.load(f)
        return got if isinstance(got, str) else None
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return None


def read_snapshot(data_dir, build_id: str | None) -> dict | None:
    """The rows kept for build `build_id` (None when there are none for it, or they cannot be read)."""
    import pickle
    from pathlib import Path

    try:
        with open(Path(data_dir) / SNAPSHOT, "rb") as f:
            if pickle.load(f) != build_id:
                return None
            rows = pickle.load(f)
    except Exception:  # noqa: BLE001 - a damaged or foreign snapshot is no snapshot
        return None
    return rows if isinstance(rows, dict) and all(name in rows for name in ROWS) else None


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
