"""Build the store: documents → SQL rows (documents, chunks, facts) and search indexes.

Everything for one build happens in one database transaction, and the indexes are written to a
new folder that replaces the old one only after the transaction commits; a file that cannot be
read is reported by name and leaves its previous version (if any) untouched.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select

from bot.config import Settings
from bot.db import session_scope
from bot.lexicon import Lexicon, load_lexicon
from bot.models import (Chunk, CitedDocument, Contact, Deadline, Document, Responsibility, Target)
from bot.search_index import EmbeddingCache, lexical_tokens, swap_in, write_index
from indexer.facts import Facts, extract_all
from indexer.header import Header, parse_header
from indexer.loaders import DocumentError, iter_sources, read_document
from indexer.normalize import normalize_text
from indexer.sections import ChunkDraft, Node, build_tree, make_chunks

log = logging.getLogger(__name__)
PARSER_VERSION = "4"


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
    root = build_tree(lines[header.body_start: header.body_end])
    chunks = make_chunks(root)
    facts = extract_all(doc_id, root, header, lex)
    h = hashlib.sha256((PARSER_VERSION + "\0" + text).encode("utf-8")).hexdigest()
    return ParsedDocument(doc_id, path, text, h, header, root, chunks, facts)


def parse_file(path: Path, lex: Lexicon | None = None) -> ParsedDocument:
    lex = lex or load_lexicon()
    text = normalize_text(read_document(path))
    return parse_text(path.stem, path, text, lex)


def index_text(doc: Document, chunk: Chunk) -> str:
    """What is indexed for a chunk: the document's identity and the heading path give context
    (a paragraph without "Mục tiêu đến năm 2025" above it loses its year)."""
    head = " — ".join(x for x in (doc.label, doc.issuer, doc.province, doc.subject) if x)
    return f"{head}\n{' › '.join(chunk.headings or [])}\n{chunk.text}"


@dataclass
class BuildReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[DocumentError] = field(default_factory=list)
    chunks: int = 0
    dense: bool = False
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


def _store(session, p: ParsedDocument) -> None:
    h = p.header
    doc = Document(id=p.doc_id, file_name=str(p.path), content_hash=p.content_hash, doc_type=h.doc_type,
                   number=h.number, issuer=h.issuer, place=h.place, date=h.date, date_text=h.date_text,
                   year=h.year, subject=h.subject, recipients=h.recipients, receivers=h.receivers,
                   signer=h.signer, signer_title=h.signer_title, province=h.province)
    session.add(doc)
    rows: list[Chunk] = []
    # the header itself is a chunk: questions about who signed, when, to whom
    header_lines = [x for x in [
        f"{(h.doc_type or 'văn bản').capitalize()} số {h.number}" if h.number else None,
        f"Cơ quan ban hành: {h.issuer}" if h.issuer else None,
        f"{h.place}, {h.date_text}" if h.place and h.date_text else None,
        f"V/v {h.subject}" if h.subject else None,
        ("Kính gửi: " + "; ".join(h.recipients)) if h.recipients else None,
        f"{h.signer_title or ''} {h.signer}".strip() if h.signer else None,
    ] if x]
    rows.append(Chunk(document=doc, ordinal=0, section_path="Phần đầu văn bản", headings=[],
                      text="\n".join(header_lines), kind="header"))
    node_chunk: dict[int, Chunk] = {}
    section_chunk: dict[int, Chunk] = {}
    for i, c in enumerate(p.chunks, start=1):
        row = Chunk(document=doc, ordinal=i, section_path=c.section_path, headings=c.headings, text=c.text,
                    kind=c.kind)
        rows.append(row)
        for n in c.nodes:
            node_chunk.setdefault(id(n), row)
        section_chunk.setdefault(id(c.section), row)
    session.add_all(rows)
    session.flush()

    def chunk_of(node: Node) -> Chunk | None:
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

    def where(src) -> dict:
        ch = chunk_of(src.node)
        quote = src.quote
        if ch is not None and " ".join(quote.split()) not in " ".join(ch.text.split()):
            # a fact spanning several chunks quotes what its own chunk holds
            first = src.node.line
            quote = first if " ".join(first.split()) in " ".join(ch.text.split()) else ch.text
        return dict(document_id=p.doc_id, chunk_id=ch.id if ch else None,
                    section_path=ch.section_path if ch else "", quote=quote)

    f = p.facts
    seen_keys = set()
    for d in f.deadlines:
        if d.key in seen_keys:
            continue
        seen_keys.add(d.key)
        session.add(Deadline(id=d.key, actors=d.actors, actor_text=d.actor_text, action=d.action, what=d.what,
                             recipient=d.recipient, due_day=d.due_day, due_month=d.due_month, due_year=d.due_year,
                             recurrence=d.recurrence, due_text=d.due_text, period=d.period,
                             interpretation=d.interpretation, province=h.province, **where(d.src)))
    for r in f.responsibilities:
        session.add(Responsibility(agency=r.agency, agency_text=r.agency_text, role=r.role, task=r.task,
                                   province=h.province, **where(r.src)))
    for t in f.targets:
        session.add(Target(indicator=t.indicator, value=t.value, unit=t.unit, year=t.year, scope=t.scope,
                           province=h.province, **where(t.src)))
    for c in f.citations:
        session.add(CitedDocument(doc_type=c.doc_type, number=c.number, date=c.date, issuer=c.issuer,
                                  about=c.about, **where(c.src)))
    for c in f.contacts:
        session.add(Contact(name=c.name, role=c.role, phone=c.phone, email=c.email, organization=c.organization,
                            **where(c.src)))


def build(settings: Settings, sources: list[str | Path], progress: bool = False, force: bool = False) -> BuildReport:
    t0 = time.perf_counter()
    rep = BuildReport()
    lex = load_lexicon()
    files, errs = iter_sources(sources)
    rep.errors.extend(errs)
    parsed: list[ParsedDocument] = []
    ids: dict[str, Path] = {}
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(files), desc="đọc văn bản", unit="tệp")
    t_parse = time.perf_counter()
    for path in files:
        try:
            if path.stem in ids:
                raise DocumentError(path, f"trùng mã văn bản '{path.stem}' với {ids[path.stem].name} (duplicate id)")
            p = parse_file(path, lex)
            ids[path.stem] = path
            parsed.append(p)
        except DocumentError as e:
            rep.errors.append(e)
        except Exception as e:  # a parser bug must not lose the other documents
            log.exception("failed to parse %s", path)
            rep.errors.append(DocumentError(path, f"lỗi khi phân tích ({type(e).__name__}: {e})"))
        if bar:
            bar.update(1)
    if bar:
        bar.close()
    rep.timings["parse_s"] = time.perf_counter() - t_parse
    # documents that used to come from a given folder and are gone now
    folders = [Path(s).resolve() for s in sources if Path(s).is_dir()]
    index_ok = (settings.data_dir / "index" / "manifest.json").exists()
    from bot.embedding import load_embedder
    with session_scope(settings.database_url) as s:
        existing = {d.id: (d.content_hash, d.file_name) for d in s.scalars(select(Document))}
        changed = [p for p in parsed if force or existing.get(p.doc_id, (None,))[0] != p.content_hash]
        rep.unchanged = [p.doc_id for p in parsed if p not in changed]
        failed_ids = {e.path.stem for e in rep.errors}
        for did, (_, fname) in existing.items():
            fp = Path(fname).resolve()
            if did not in ids and did not in failed_ids and any(fp.is_relative_to(f) for f in folders) and not fp.exists():
                rep.removed.append(did)
        embedder = load_embedder(settings)
        model_name = embedder.name if embedder else None
        import json
        man = {}
        if index_ok:
            try:
                man = json.loads((settings.data_dir / "index" / "manifest.json").read_text(encoding="utf-8"))
            except Exception:
                man = {}
        if not changed and not rep.removed and index_ok and man.get("model") == model_name:
            rep.seconds = time.perf_counter() - t0
            rep.chunks = man.get("chunks", 0)
            rep.dense = bool(man.get("dense"))
            return rep
        t_db = time.perf_counter()
        for did in [p.doc_id for p in changed] + rep.removed:
            if did in existing:
                for m in (Deadline, Responsibility, Target, CitedDocument, Contact, Chunk):
                    s.execute(delete(m).where(m.document_id == did))
                s.execute(delete(Document).where(Document.id == did))
        s.flush()
        for p in changed:
            _store(s, p)
            rep.indexed.append(p.doc_id)
        s.flush()
        rep.timings["store_s"] = time.perf_counter() - t_db
        # indexes over every chunk now in the store
        t_idx = time.perf_counter()
        rows = s.execute(select(Chunk, Document).join(Document).order_by(Chunk.document_id, Chunk.ordinal)).all()
        texts = [index_text(d, c) for c, d in rows]
        lex_texts = [t + "\n" + lex.expand(t) for t in texts]
        tokens = [lexical_tokens(t) for t in lex_texts]
        rep.timings["lexical_s"] = time.perf_counter() - t_idx
        vectors = None
        t_dense = time.perf_counter()
        if embedder is not None and texts:
            cache = EmbeddingCache(settings.data_dir / "embedding-cache.npz", embedder.name)
            vectors = cache.encode(embedder, texts)
            cache.save(texts)
        rep.timings["dense_s"] = time.perf_counter() - t_dense
        new_dir = settings.data_dir / f"index-{int(time.time() * 1000)}"
        write_index(new_dir, [c.id for c, _ in rows], tokens, vectors, {"model": model_name})
        rep.chunks = len(rows)
        rep.dense = vectors is not None
    # committed: now the new indexes may replace the old ones
    swap_in(settings.data_dir, new_dir)
    rep.seconds = time.perf_counter() - t0
    return rep
