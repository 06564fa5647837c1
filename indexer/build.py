"""Build the store: documents → SQL rows (documents, chunks, facts) and search indexes.

A streaming job in four steps, with progress bars (counts and ETA) when asked for:

1. read the sources: a file whose bytes are known to parse to the content hash the store holds is unchanged
   without being read again (`indexer.fingerprints`, DATA/cache/sources.json); every other file is parsed,
   keeping only what is needed later (its path, hash and indexed texts);
2. BM25 tokens and passage vectors for every text the new index will hold, from the caches in
   `DATA/cache` where they exist (tokens and vectors by indexed text), computed otherwise, each batch saved as
   it is done (an interrupted build resumes there) — no database transaction is open meanwhile. The vectors
   are made in a thread of their own (`indexer.passages`: it loads the model, then encodes each changed
   document's texts as soon as the document is read) while this thread reads files and segments words;
3. one short database transaction: changed documents replace their old rows (parsed documents are
   kept from step 1 up to KEEP_PARSED_CHARS of text, the rest parsed again one at a time), and the
   indexes over every chunk are written to a new folder;
4. after the commit, the new folder replaces the old one atomically; its manifest carries a
   new build id, which serving workers watch to reload.

So adding, replacing or removing one document reads, segments and encodes that document only; the indexes over
the whole library are rebuilt from cached tokens and vectors (BM25 with numpy, `bot.search_index.bm25_index`).
A file that cannot be read is reported by name and leaves its previous version (if any) untouched.
Memory holds the texts, tokens and vectors of the corpus, and parsed documents only up to a bound.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from bot.config import Settings
from store.db import session_scope
from bot.health import store_fingerprint
from bot.lexicon import Lexicon, load_lexicon
from store.knowledge import Chunk, CitedDocument, Contact, Criterion, Deadline, Document, Event, Responsibility, Target
from bot.search_index import (
    EmbeddingCache,
    TokenCache,
    lexical_tokens,
    new_build_id,
    read_manifest,
    swap_in,
    verify_index,
    write_index,
)
from bot import vector_index
from bot.index_publish import publish, published_document_ids
from indexer.facts import Facts, FactSource, extract_all
from indexer.fingerprints import SourceFingerprints, reading_code_digest
from indexer.passages import PassageEncoder
from indexer.header import Header, parse_header
from indexer.loaders import DocumentError, iter_sources, read_document, store_pages
from indexer.normalize import normalize_text
from indexer.sections import ChunkDraft, Node, build_tree, make_chunks

log = logging.getLogger(__name__)
PARSER_VERSION = "22"  # 22: a speech ("tham luận") is a type, its speaker line ends its title and its place names its province, a list restarted "1." under "5. …:" is that section's items, a web page with no header of its own is published by its banner (or its <title>'s organisation) on its <time>, a questions-and-answers page's question headings are its sections, a mail thread's quoted messages lose their ">" marks and a Gmail date ("22 Jul 2027 at 09:14") is read; 21: a ruled table of a PDF read row by row (pdfplumber), Word's automatic numbering written out ("1.", "a)", "-") and unnumbered "Heading 1" paragraphs numbered I., II., a social post's lines opened by pictographs a list, "Câu hỏi 1 (…): …?" a question, "kỹ năng số:" in an agenda no number label, "Điện thoại:"/"Hotline:" phones in any case; 20: a header whose columns run into each other ("UBND TỈNH X CỘNG HÒA …", "Số: … Phú Thọ, ngày …") is read as two columns, a web page keeps the number under its issuer, a pasted e-mail is dated, titled and signed by its head and signature, an agreement is issued by its parties, "thỏa thuận", "hợp đồng", "đề cương" are types, a data table naming a chairman in its cells (an agenda) is read row by row, not as a layout; 19: a questionnaire's "Câu 6. … nào? (chọn tối đa 03 phương án)" and "Câu 1. Giới tính:" are sections; 18: a text with no header fields above its "Kính gửi" (a chat message) is dated and placed by those lines, a news byline "Tác giả: X - Phòng …" names its publisher and a title "Tỉnh: …" its place, initials in capitals keep their case in an issuer; 17: a hyphenated abbreviation in an issuer in capitals keeps its case ("GDNN-GDTX"), "không quá 1.500 chữ" is no deadline, a table cut into chunks repeats its header rows atop each; 16: a PDF line wrapped to the page width is one line, an issuer in capitals keeps its abbreviations ("Trường THCS …"), Markdown layout tables with "<br>", "Chương trình" (CTr), "XÃ HỘI" no commune, a news page signed at its end; 15: headers in three columns (joint documents), "Biên bản" and "Quy chế phối hợp" types, a news byline with a bare date; 9: "Giấy mời" (GM) a type of its own; 10: "Sở X: task" split at the colon; 11: a window to register ends on its last day; 12: a signature before an annex with no "Nơi nhận", an organ of the issuer ("BAN THƯỜNG VỤ"); 13: a province's body named before a lower level ("Hội Khuyến học các xã") is not the province's, "Thông tin liên hệ" closes the body; 14: "lập", "thành lập", "chuẩn bị", "cập nhật" end a body's name
# bump when lexical_tokens() changes: cached BM25 tokens are then recomputed (3: y read as i after a consonant;
# 4: cached by indexed text)
LEXICAL_VERSION = "4"
EMBED_BATCH = 256  # passages encoded (and saved to the cache) per step
KEEP_PARSED_CHARS = 20_000_000  # parsed documents kept between the two steps up to this much text


@dataclass
class ParsedDocument:
    doc_id: str
    path: Path
    text: str
    content_hash: str
    header: Header
    root: Node
    chunks: list[ChunkDraft]
    facts: Facts


def parse_text(doc_id: str, path: Path, text: str, lex: Lexicon) -> ParsedDocument:
    lines = text.split("\n")
    header = parse_header(lines, lex)
    annex = lines[header.annex_start :] if header.annex_start is not None else []
    body = lines[header.body_start : header.body_end]
    root = build_tree(body + annex, annex_at=len(body) if annex else None)
    chunks = make_chunks(root)
    facts = extract_all(doc_id, root, header, lex)
    h = hashlib.sha256((PARSER_VERSION + "\0" + text).encode("utf-8")).hexdigest()
    return ParsedDocument(doc_id, path, text, h, header, root, chunks, facts)


def parse_file(path: Path, lex: Lexicon | None = None) -> ParsedDocument:
    lex = lex or load_lexicon()
    text = normalize_text(read_document(path))
    return parse_text(path.stem, path, text, lex)


def document_head(doc: Document) -> str:
    """The first line of every indexed text of a document: its identity."""
    return " — ".join(x for x in (doc.label, doc.issuer, doc.province, doc.subject) if x)


def _indexed(head: str, headings: list[str] | None, text: str) -> str:
    return f"{head}\n{' › '.join(headings or [])}\n{text}"


def index_text(doc: Document, chunk: Chunk) -> str:
    """What is indexed for a chunk: the document's identity and the heading path give context
    (a paragraph without "Mục tiêu đến năm 2025" above it loses its year)."""
    return _indexed(document_head(doc), chunk.headings, chunk.text)


def chunk_texts(session) -> list[tuple[str, int, str]]:
    """(document id, chunk id, indexed text) of every chunk in the store, by document and ordinal: columns
    only, each document's head made once."""
    heads = {d.id: document_head(d) for d in session.scalars(select(Document))}
    rows = session.execute(
        select(Chunk.document_id, Chunk.id, Chunk.headings, Chunk.text).order_by(Chunk.document_id, Chunk.ordinal)
    )
    return [(did, cid, _indexed(heads[did], headings, text)) for did, cid, headings, text in rows]


def index_tokens(lex_text: str) -> list[str]:
    """BM25 tokens of an indexed text followed by its abbreviation-expanded copy ("text\nexpanded").
    Most texts have nothing to expand: their copy's tokens are the text's own, segmented once
    (word segmentation is the slow part)."""
    head, sep, tail = lex_text.partition("\n")
    while sep:  # the text itself holds newlines: find the split where both halves are equal
        if head == tail:
            toks = lexical_tokens(head)
            return toks + toks
        h2, sep, tail = tail.partition("\n")
        head = head + "\n" + h2
    return lexical_tokens(lex_text)


@dataclass
class BuildReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)  # the documents read and parsed (an unchanged file is not)
    encoded: int = 0  # passages encoded by the model (the others' vectors came from the cache)
    seeded: int = 0  # vectors taken from a fetched index into an empty cache (seed_vectors_from_index)
    chunks: int = 0
    dense: bool = False
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    repaired: str | None = None  # why the index in place was rebuilt although nothing changed (it did not verify)


def _document(p: ParsedDocument) -> Document:
    h = p.header
    return Document(
        id=p.doc_id,
        file_name=str(p.path),
        content_hash=p.content_hash,
        doc_type=h.doc_type,
        number=h.number,
        issuer=h.issuer,
        place=h.place,
        date=h.date,
        date_text=h.date_text,
        year=h.year,
        subject=h.subject,
        recipients=h.recipients,
        receivers=h.receivers,
        signer=h.signer,
        signer_title=h.signer_title,
        province=h.province,
    )


def _header_text(h: Header) -> str:
    """The header itself is a chunk: questions about who signed, when, to whom."""
    return "\n".join(
        x
        for x in [
            f"{(h.doc_type or 'văn bản').capitalize()} số {h.number}" if h.number else None,
            f"Cơ quan ban hành: {h.issuer}" if h.issuer else None,
            f"{h.place}, {h.date_text}" if h.place and h.date_text else None,
            (h.subject if re.match(r"(?i)(v/v|về việc)\b", h.subject) else f"V/v {h.subject}") if h.subject else None,
            ("Kính gửi: " + "; ".join(h.recipients)) if h.recipients else None,
            f"{h.signer_title or ''} {h.signer}".strip() if h.signer else None,
        ]
        if x
    )


def document_texts(p: ParsedDocument) -> list[str]:
    """The indexed texts of `p`'s chunks (header chunk first), exactly as `_store` will write them."""
    head = document_head(_document(p))
    return [_indexed(head, [], _header_text(p.header))] + [_indexed(head, c.headings, c.text) for c in p.chunks]


def _deadline_rows(d, h: Header):
    yield (
        Deadline,
        dict(
            id=d.key,
            actors=d.actors,
            actor_text=d.actor_text,
            action=d.action,
            what=d.what,
            recipient=d.recipient,
            due_day=d.due_day,
            due_month=d.due_month,
            due_year=d.due_year,
            recurrence=d.recurrence.value,
            due_text=d.due_text,
            period=d.period,
            interpretation=d.interpretation,
            province=h.province,
        ),
        d.src,
    )


def _responsibility_rows(r, h: Header):
    columns = dict(agency=r.agency, agency_text=r.agency_text, role=r.role, task=r.task, province=h.province)
    yield Responsibility, columns, r.src


def _target_rows(t, h: Header):
    columns = dict(indicator=t.indicator, value=t.value, unit=t.unit, year=t.year, scope=t.scope, province=h.province)
    yield Target, columns, t.src


def _citation_rows(c, h: Header):
    yield CitedDocument, dict(doc_type=c.doc_type, number=c.number, date=c.date, issuer=c.issuer, about=c.about), c.src


def _contact_rows(c, h: Header):
    yield Contact, dict(name=c.name, role=c.role, phone=c.phone, email=c.email, organization=c.organization), c.src


def _criteria_rows(cs, h: Header):
    for item in cs.items:
        columns = dict(
            criteria_set=cs.name,
            item=item.item,
            points=item.points,
            pass_mark=cs.pass_mark,
            recognised_by=cs.recognised_by,
            validity=cs.validity,
            apply_by=cs.apply_by,
            province=h.province,
        )
        yield Criterion, columns, FactSource(item.node, item.node.line)


def _event_rows(e, h: Header):
    columns = dict(
        name=e.name[:500],
        start_date=e.start,
        end_date=e.end,
        when_text=e.when_text[:200],
        place=e.place,
        province=h.province,
    )
    yield Event, columns, FactSource(e.node, e.node.line)


# every kind of fact: (its list in Facts, its rows: (model, columns, source) for each fact), stored in this order
FACT_ROWS = (
    ("deadlines", _deadline_rows),
    ("responsibilities", _responsibility_rows),
    ("targets", _target_rows),
    ("citations", _citation_rows),
    ("contacts", _contact_rows),
    ("criteria", _criteria_rows),
    ("events", _event_rows),
)


def _add_chunks(session, doc: Document, p: ParsedDocument):
    """The document's chunks (the header first), and which chunk holds each node and each section."""
    rows = [
        Chunk(
            document=doc,
            ordinal=0,
            section_path="Phần đầu văn bản",
            headings=[],
            text=_header_text(p.header),
            kind="header",
        )
    ]
    node_chunk: dict[int, Chunk] = {}
    section_chunk: dict[int, Chunk] = {}
    for i, c in enumerate(p.chunks, start=1):
        row = Chunk(document=doc, ordinal=i, section_path=c.section_path, headings=c.headings, text=c.text, kind=c.kind)
        rows.append(row)
        for n in c.nodes:
            node_chunk.setdefault(id(n), row)
        section_chunk.setdefault(id(c.section), row)
    session.add_all(rows)
    session.flush()
    store_pages(session, p.path, rows)  # "trang N" for PDFs and scans
    return rows, node_chunk, section_chunk


def _chunk_of(node: Node, rows: list[Chunk], node_chunk: dict, section_chunk: dict) -> Chunk | None:
    if id(node) in node_chunk:
        return node_chunk[id(node)]
    for n in node.iter():  # a section whose text lives in its subsections' chunks
        if n is not node and (id(n) in node_chunk or id(n) in section_chunk):
            return node_chunk.get(id(n)) or section_chunk[id(n)]
    n = node
    while n is not None:
        if id(n) in section_chunk:
            return section_chunk[id(n)]
        n = n.parent
    return rows[0]


def _where(doc_id: str, ch: Chunk | None, src) -> dict:
    """The columns locating a fact: its document, chunk, section and quote."""
    quote = src.quote
    if ch is not None and " ".join(quote.split()) not in " ".join(ch.text.split()):
        # a fact spanning several chunks quotes what its own chunk holds
        first = src.node.line
        quote = first if " ".join(first.split()) in " ".join(ch.text.split()) else ch.text
    return dict(
        document_id=doc_id,
        chunk_id=ch.id if ch else None,
        section_path=ch.section_path if ch else "",
        quote=quote,
    )


def _store(session, p: ParsedDocument) -> None:
    doc = _document(p)
    session.add(doc)
    rows, node_chunk, section_chunk = _add_chunks(session, doc, p)
    seen_deadlines: set[str] = set()
    for attr, rows_of in FACT_ROWS:
        for fact in getattr(p.facts, attr):
            for model, columns, src in rows_of(fact, p.header):
                if model is Deadline:
                    if columns["id"] in seen_deadlines:
                        continue
                    seen_deadlines.add(columns["id"])
                where = _where(p.doc_id, _chunk_of(src.node, rows, node_chunk, section_chunk), src)
                session.add(model(**columns, **where))


def _bar(enabled: bool, total: int, desc: str, unit: str, position: int = 0):
    """A tqdm progress bar (count, rate, ETA) on stderr, or None when not wanted; `position`: its line (two bars
    advance together while the vectors and the tokens are made)."""
    if not enabled or (total <= 0 and not position):  # the encoder's bar (position 1) grows from 0
        return None
    import shutil

    from tqdm import tqdm

    width = min(120, shutil.get_terminal_size((100, 24)).columns)  # a terminal that reports no size gets 100
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        ncols=width,
        mininterval=0.5,
        smoothing=0.1,
        position=position,
    )


def _close(bar) -> None:
    if bar is not None:
        bar.close()


def _same_model(manifest: dict, embedder) -> bool:
    """The index in place was built with the same model (or both without one)."""
    if embedder is None:
        return not manifest.get("dense")
    return bool(manifest.get("model_checksum")) and embedder.matches(manifest)


@dataclass
class _Build:
    """One build's state, handed from step to step: what the store held, what was read, what changed."""

    settings: Settings
    lex: Lexicon
    rep: BuildReport
    progress: bool
    existing: dict[str, tuple[str, str]]  # document id → (content hash, file name) in the store before
    ids: dict[str, Path] = field(default_factory=dict)  # document id → its file, for every file read
    changed: list[tuple[Path, str]] = field(default_factory=list)  # (path, content hash) of documents to (re)store
    new_texts: dict[str, list[str]] = field(default_factory=dict)  # their indexed texts, by document id
    kept: dict[str, ParsedDocument] = field(default_factory=dict)  # parsed documents kept for step 3 (bounded)
    kept_chars: int = 0
    embedder: object = None
    tok_cache: TokenCache | None = None
    vec_cache: EmbeddingCache | None = None
    sources: SourceFingerprints | None = None  # content hashes of files by their bytes (DATA/cache/sources.json)
    encoder: PassageEncoder | None = None  # passage vectors, encoded in a thread of their own

    def lexical(self, text: str) -> list[str]:
        """BM25 tokens of an indexed text and of its abbreviation-expanded copy."""
        return index_tokens(text + "\n" + self.lex.expand(text))


def _parse_one(b: _Build, path: Path, force: bool) -> None:
    """Read one file: a changed document's texts are kept for the index (and the parse, while it fits). A file
    whose bytes are known to parse to the content hash the store holds is unchanged without being read."""
    if path.stem in b.ids:
        raise DocumentError(path, f"trùng mã văn bản '{path.stem}' với {b.ids[path.stem].name} (duplicate id)")
    stored = b.existing.get(path.stem, (None,))[0]
    stamp = b.sources.stamp(path)
    if not force and stored is not None and stamp is not None and b.sources.by_raw.get(stamp[0]) == stored:
        b.ids[path.stem] = path
        b.rep.unchanged.append(path.stem)
        return
    p = parse_file(path, b.lex)
    b.rep.parsed.append(p.doc_id)
    b.sources.remember(path, p.content_hash, stamp)
    b.ids[path.stem] = path
    if force or stored != p.content_hash:
        b.changed.append((path, p.content_hash))
        b.new_texts[p.doc_id] = document_texts(p)
        b.encoder.feed(b.new_texts[p.doc_id])
        if b.kept_chars + len(p.text) <= KEEP_PARSED_CHARS:
            b.kept[p.doc_id] = p
            b.kept_chars += len(p.text)
    else:
        b.rep.unchanged.append(p.doc_id)


def _parse_all(b: _Build, files: list[Path], force: bool) -> None:
    """1. Read every file; a file that cannot be read is reported, never loses the others."""
    bar = _bar(b.progress, len(files), "đọc văn bản", "tệp")
    t_parse = time.perf_counter()
    for path in files:
        try:
            _parse_one(b, path, force)
        except DocumentError as e:
            b.rep.errors.append(e)
        except Exception as e:  # a parser bug must not lose the other documents
            log.exception("failed to parse %s", path)
            b.rep.errors.append(DocumentError(path, f"lỗi khi phân tích ({type(e).__name__}: {e})"))
        if bar:
            bar.update(1)
    _close(bar)
    b.sources.save()
    b.rep.timings["parse_s"] = time.perf_counter() - t_parse


def _find_removed(b: _Build, sources: list[str | Path]) -> None:
    """Documents that used to come from a given folder and are gone now."""
    folders = [Path(s).resolve() for s in sources if Path(s).is_dir()]
    not_removed = {e.path.stem for e in b.rep.errors}
    not_removed |= published_document_ids(b.settings.database_url)  # PostgreSQL: uploaded through any replica
    for did, (_, fname) in b.existing.items():
        fp = Path(fname).resolve()
        if (
            did not in b.ids
            and did not in not_removed
            and any(fp.is_relative_to(f) for f in folders)
            and not fp.exists()
        ):
            b.rep.removed.append(did)


def _index_is_current(b: _Build) -> bool:
    """Nothing changed and the index in place matches the store and the model: the report says what it holds."""
    if b.changed or b.rep.removed:
        return False  # (without waiting for the model)
    man = read_manifest(b.settings.data_dir)
    if man is not None:
        b.rep.repaired = verify_index(b.settings.data_dir / "index")  # a corrupted index is rebuilt, no --force
    if not b.rep.repaired and man is not None and _same_model(man, b.encoder.model()) and _built_from(man, b.existing):
        b.rep.chunks = man.get("chunks", 0)
        b.rep.dense = bool(man.get("dense"))
        return True
    return False


def _texts_to_index(b: _Build) -> list[str]:
    """The indexed texts of the new index: the kept documents' chunks from the store, then the changed ones'."""
    t_texts = time.perf_counter()
    replaced = {str(p.stem) for p, _ in b.changed} | set(b.rep.removed)
    with session_scope(b.settings.database_url) as s:  # the documents kept as they are
        texts = [t for did, _, t in chunk_texts(s) if did not in replaced]
    for t in b.new_texts.values():
        texts.extend(t)
    b.new_texts.clear()
    b.rep.timings["texts_s"] = time.perf_counter() - t_texts
    return texts


def _built_from(manifest: dict, existing: dict[str, tuple[str, str]]) -> bool:
    """Was the index of `manifest` built from the store as it is (its documents and their content hashes)?"""
    return manifest.get("store") == store_fingerprint({k: v[0] for k, v in existing.items()})


def seed_vectors_from_index(settings: Settings, cache: EmbeddingCache, embedder, existing: dict) -> int:
    """A replica whose index was fetched from the database (bot/index_publish.py) has no vector cache: the index in
    place holds the vectors of the store's chunks, so they are taken from it (exact from a flat index, their 8-bit
    reading from an approximate one) rather than encoded again. Only when that index was built from the store as
    it is now (its manifest's store fingerprint) and with this model. The number of vectors taken."""
    man = read_manifest(settings.data_dir)
    root = settings.data_dir / "index"
    if not man or not man.get("dense") or not embedder.matches(man) or not (root / "dense.faiss").is_file():
        return 0
    if not _built_from(man, existing):
        return 0
    ids = np.load(root / "chunk_ids.npy")
    with session_scope(settings.database_url) as s:
        texts = {cid: t for _, cid, t in chunk_texts(s)}
    wanted = [(i, cache.key(texts[int(c)])) for i, c in enumerate(ids) if int(c) in texts]
    wanted = [(i, k) for i, k in wanted if k not in cache.data]
    if not wanted:
        return 0
    vectors = vector_index.stored_vectors(root / "dense.faiss")
    for i, k in wanted:
        cache.put(k, np.asarray(vectors[i], dtype=np.float32))
    cache.flush()
    return len(wanted)


def _start_encoder(b: _Build, load_embedder) -> None:
    """The passage encoder's thread: it loads the model, then encodes what it is fed from the first document read
    on (no model: no vectors)."""

    def load() -> tuple:
        t_model = time.perf_counter()
        from indexer.e5convert import ensure_default_model

        ensure_default_model(b.settings)  # set-up: the bundled model converted once into the data folder
        embedder = load_embedder(b.settings, purpose="passages")
        b.rep.timings["model_s"] = time.perf_counter() - t_model  # in the encoder's thread, overlapped
        if embedder is None:
            return None, None
        cache = EmbeddingCache(b.settings.data_dir / "cache", f"{embedder.checksum}:{embedder.backend}")
        b.rep.seeded = seed_vectors_from_index(b.settings, cache, embedder, b.existing)
        if b.rep.seeded:
            log.info("%d passage vectors taken from the index in place (no cache of its own)", b.rep.seeded)
        return embedder, cache

    bar = _bar(b.progress, 0, "mã hóa ngữ nghĩa", "đoạn", position=1)
    b.encoder = PassageEncoder(load, EMBED_BATCH, bar)


def _prepare_tokens_and_vectors(b: _Build, texts: list[str]) -> None:
    """2. Tokens and vectors for every text of the new index, into the caches, outside any transaction: the
    vectors in the encoder's thread (fed the changed documents' texts while they were read) while the tokens are
    made here."""
    b.encoder.feed(texts)  # the kept documents' texts are cached: only what is missing is encoded
    t_lex = time.perf_counter()
    b.tok_cache = TokenCache(b.settings.data_dir / "cache", lexical_namespace(b.lex))
    bar = _bar(b.progress, len(texts), "tách từ", "đoạn")
    b.tok_cache.tokens(texts, b.lexical, bar=bar)
    _close(bar)
    b.rep.timings["lexical_s"] = time.perf_counter() - t_lex
    t_wait = time.perf_counter()
    b.encoder.wait()
    b.rep.encoded = b.encoder.encoded
    _close(b.encoder.bar)
    b.embedder, b.vec_cache = b.encoder.embedder, b.encoder.cache
    b.rep.timings["dense_s"] = b.encoder.seconds  # in its thread, overlapped
    b.rep.timings["dense_wait_s"] = time.perf_counter() - t_wait  # what the build waited for it after the tokens


def lexical_namespace(lex: Lexicon) -> str:
    """The token cache's namespace: tokens are cached by indexed text, so the glossary that expands it is part of
    the key (a changed glossary means new tokens)."""
    glossary = hashlib.sha1(repr(sorted(lex.glossary.items())).encode("utf-8")).hexdigest()[:16]
    return f"lexical:{LEXICAL_VERSION}:{glossary}"


def _replace_documents(b: _Build, s) -> None:
    """The changed and removed documents' rows out, the changed ones' new rows in."""
    for did in [str(p.stem) for p, _ in b.changed] + b.rep.removed:
        if did in b.existing:
            for m in (Deadline, Responsibility, Target, CitedDocument, Contact, Criterion, Event, Chunk):
                s.execute(delete(m).where(m.document_id == did))
            s.execute(delete(Document).where(Document.id == did))
    s.flush()
    for path, _ in b.changed:
        p = b.kept.pop(path.stem, None) or parse_file(path, b.lex)  # beyond the kept ones, parsed again
        _store(s, p)
        s.flush()
        s.expunge_all()
        b.rep.indexed.append(p.doc_id)


def _write_new_index(b: _Build, s) -> tuple[Path, list[str]]:
    """The search indexes over every chunk of the store (in its transaction), in a new folder: the folder and the
    indexed texts."""
    t_idx = time.perf_counter()
    rows = chunk_texts(s)
    final = [t for _, _, t in rows]
    chunk_ids = [cid for _, cid, _ in rows]
    # anything not prepared above (a file changed between the two readings) is done now
    tokens = b.tok_cache.tokens(final, b.lexical)
    vectors = b.vec_cache.encode(b.embedder, final, batch=EMBED_BATCH) if b.vec_cache is not None else None
    manifest = dict(
        b.embedder.identity if b.embedder is not None else {"model": None},
        build_id=new_build_id(),
        documents=len({did for did, _, _ in rows}),
        store=store_fingerprint(dict(s.execute(select(Document.id, Document.content_hash)).all())),
    )
    new_dir = b.settings.data_dir / f"index-{int(time.time() * 1000)}"
    write_index(new_dir, chunk_ids, tokens, vectors, manifest)
    b.rep.chunks = len(chunk_ids)
    b.rep.dense = vectors is not None
    b.rep.timings["index_s"] = time.perf_counter() - t_idx
    return new_dir, final


def _compact_caches(b: _Build, final: list[str]) -> None:
    """Keep in the caches what the new index holds; drop the rest (once there is enough of it to drop)."""
    data_dir = b.settings.data_dir
    try:
        b.tok_cache.save(final)
        if b.vec_cache is not None:
            b.vec_cache.save(final)
        (data_dir / "embedding-cache.npz").unlink(missing_ok=True)  # the cache's former single file
    except OSError as e:
        log.warning("could not compact the caches in %s (%s)", data_dir / "cache", e)


def _update(b: _Build) -> None:
    """2.-4.: tokens and vectors, the transaction, the swap."""
    _prepare_tokens_and_vectors(b, _texts_to_index(b))
    t_db = time.perf_counter()
    with session_scope(b.settings.database_url) as s:  # 3. one short transaction
        _replace_documents(b, s)
        b.rep.timings["store_s"] = time.perf_counter() - t_db
        new_dir, final = _write_new_index(b, s)
    t_swap = time.perf_counter()
    swap_in(b.settings.data_dir, new_dir)  # 4. committed: now the new indexes may replace the old ones
    publish(b.settings.database_url, b.settings.data_dir / "index")  # PostgreSQL: for replicas without this disk
    _compact_caches(b, final)
    b.rep.timings["swap_s"] = time.perf_counter() - t_swap


def build(
    settings: Settings,
    sources: list[str | Path],
    progress: bool | None = None,
    force: bool = False,
) -> BuildReport:
    """Index `sources` (files or folders) into the store and search indexes of `settings`: 1. read them,
    2. tokens and vectors outside any transaction, 3. one short transaction for the changed documents' rows and
    the new indexes, 4. the new indexes replace the old ones.

    progress: show progress bars on stderr (None: when stderr is a terminal)."""
    t0 = time.perf_counter()
    if progress is None:
        progress = sys.stderr.isatty()
    rep = BuildReport()
    lex = load_lexicon()
    files, errs = iter_sources(sources)
    rep.errors.extend(errs)
    from bot.embedding import load_embedder

    with session_scope(settings.database_url) as s:
        existing = {d.id: (d.content_hash, d.file_name) for d in s.scalars(select(Document))}
    b = _Build(settings, lex, rep, progress, existing)
    b.sources = SourceFingerprints(settings.data_dir / "cache", f"{PARSER_VERSION}:{reading_code_digest()}")
    _start_encoder(b, load_embedder)
    try:
        _parse_all(b, files, force)
        _find_removed(b, sources)
        if not _index_is_current(b):
            _update(b)
    finally:
        b.encoder.cancel()  # nothing to do when it has finished; else it stops after its batch
        _close(b.encoder.bar)
    rep.seconds = time.perf_counter() - t0
    return rep
