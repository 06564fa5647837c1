"""Issue 22, incremental builds: adding, replacing or removing one document reads only that document (an unchanged
file is known by its bytes, not parsed again), and the store and search indexes it leaves are the ones a full
build of the same files gives — the same chunks in the same order, the same BM25 scores, the same passages found.
Real seed documents, real SQLite, the real (int8 ONNX) model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bot import embedding
from bot.config import KNOWLEDGE_DIR, Settings
from bot.retrieval import Retriever
from bot.search_index import TokenCache, load_index
from indexer.build import build, lexical_namespace
from indexer.fingerprints import FILE_NAME
from store.db import session_scope
from store.knowledge import Chunk, Deadline

pytestmark = pytest.mark.slow

DOCS = [
    "bgddt-2017-162-gdtx.txt",
    "haiphong-2022-khai-thac-tai-lieu-xhht.txt",
    "bgddt-2021-trien-khai-de-an-1373.txt",
]
QUERIES = [
    "Dòng họ học tập được công nhận theo quyết định nào?",
    "Hội Khuyến học Hải Phòng được đề nghị làm gì?",
    "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?",
    "khai thac tai lieu hoc tap",
]
HYBRID_DEPTH = 5  # the hybrid search's best chunks compared (the first three, each within the other's five)
ADDED_LINE = "Các đơn vị gửi báo cáo bổ sung về Sở Giáo dục và Đào tạo trước ngày 25/11 hằng năm."


def _settings(data_dir: Path) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'hoctap.sqlite3'}",
        embedding_model=os.environ["HOCTAP_EMBEDDING_MODEL"],
    )


def _folder(tmp: Path, name: str, files: dict[str, str]) -> Path:
    d = tmp / name
    d.mkdir()
    for n, text in files.items():
        (d / n).write_text(text, encoding="utf-8")
    return d


def _snapshot(settings: Settings) -> dict:
    """The store's chunks in index order and the index over them, comparable between two stores."""
    idx = load_index(settings.data_dir)
    with session_scope(settings.database_url) as s:
        where = {c.id: (c.document_id, c.ordinal, c.text) for c in s.scalars(select(Chunk))}
        deadlines = sorted(s.scalars(select(Deadline.id)))
    emb = embedding.load_embedder(settings)
    r = Retriever(idx, emb)
    return {
        "chunks": [where[int(c)] for c in idx.chunk_ids],
        "deadlines": deadlines,
        "lexical": [r.lexical_scores(q) for q in QUERIES],
        "hybrid": [[where[h.chunk_id][:2] for h in r.search(q, k=HYBRID_DEPTH)] for q in QUERIES],
        "vectors": idx.faiss_index.reconstruct_n(0, idx.faiss_index.ntotal),
        "manifest": idx.manifest,
    }


def _same_as_full_build(tmp: Path, settings: Settings, src: Path, tag: str) -> None:
    fresh = _settings(tmp / f"fresh-{tag}")
    rep = build(fresh, [src], progress=False)
    assert not rep.errors
    got, want = _snapshot(settings), _snapshot(fresh)
    assert got["chunks"] == want["chunks"] and got["deadlines"] == want["deadlines"]
    assert got["manifest"]["documents"] == want["manifest"]["documents"]
    assert got["manifest"]["store"] == want["manifest"]["store"]
    for a, b in zip(got["lexical"], want["lexical"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # vectors come from the cache, encoded in other batches than the full build's: int8 differs by a hair
    assert (np.sum(got["vectors"] * want["vectors"], axis=1) >= 0.99).all()
    for mine, full in zip(got["hybrid"], want["hybrid"]):
        # the same best chunk, and the same top three up to a near tie the vectors' int8 rounding may flip
        assert mine[0] == full[0] and set(mine[:3]) <= set(full) and set(full[:3]) <= set(mine), (mine, full)


def test_add_replace_remove_one_document_as_a_full_build_would(tmp_path):
    texts = {n: (KNOWLEDGE_DIR / n).read_text(encoding="utf-8") for n in DOCS}
    src = _folder(tmp_path, "src", {n: texts[n] for n in DOCS[:2]})
    settings = _settings(tmp_path / "data")
    first = build(settings, [src], progress=False)
    assert sorted(first.parsed) == sorted(Path(n).stem for n in DOCS[:2]) and not first.errors

    # added: only the new file is read, the others are known by their bytes
    (src / DOCS[2]).write_text(texts[DOCS[2]], encoding="utf-8")
    added = build(settings, [src], progress=False)
    new_id = Path(DOCS[2]).stem
    assert added.parsed == [new_id] and added.indexed == [new_id]
    assert sorted(added.unchanged) == sorted(Path(n).stem for n in DOCS[:2])
    _same_as_full_build(tmp_path, settings, src, "added")

    # replaced: one line more in the new document
    lines = texts[DOCS[2]].split("\n")
    lines.insert(len(lines) // 2, ADDED_LINE)
    (src / DOCS[2]).write_text("\n".join(lines), encoding="utf-8")
    replaced = build(settings, [src], progress=False)
    assert replaced.parsed == [new_id] and replaced.indexed == [new_id] and len(replaced.unchanged) == 2
    with session_scope(settings.database_url) as s:
        assert any(ADDED_LINE[:40] in t for t in s.scalars(select(Chunk.text).where(Chunk.document_id == new_id)))
    _same_as_full_build(tmp_path, settings, src, "replaced")

    # removed: nothing is read at all
    (src / DOCS[0]).unlink()
    removed = build(settings, [src], progress=False)
    assert removed.removed == [Path(DOCS[0]).stem] and removed.parsed == [] and removed.indexed == []
    _same_as_full_build(tmp_path, settings, src, "removed")

    # the token cache holds the indexed texts' tokens, keyed by text (no stale namespace left beside it)
    cache = TokenCache(settings.data_dir / "cache", lexical_namespace(_lexicon()))
    assert len(cache) >= removed.chunks
    assert [p.name.split("-")[1] for p in (settings.data_dir / "cache").glob("tokens-*")] == [cache.ns] * len(
        list((settings.data_dir / "cache").glob("tokens-*"))
    )


def _lexicon():
    from bot.lexicon import load_lexicon

    return load_lexicon()


def test_unchanged_files_are_not_parsed_and_changed_ones_are(tmp_path):
    src = _folder(tmp_path, "src", {n: (KNOWLEDGE_DIR / n).read_text(encoding="utf-8") for n in DOCS})
    settings = _settings(tmp_path / "data")
    assert len(build(settings, [src], progress=False).parsed) == 3

    again = build(settings, [src], progress=False)
    assert again.parsed == [] and len(again.unchanged) == 3 and again.indexed == []

    # touched (new time, same bytes): hashed again, still not parsed
    f = src / DOCS[1]
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 5_000_000_000))
    assert build(settings, [src], progress=False).parsed == []

    # changed in place with the same size and the old time put back: its bytes changed, so it is read again
    st = f.stat()
    data = f.read_bytes()
    i = data.index("Hội".encode("utf-8"))
    f.write_bytes(data[:i] + "Hỗi".encode("utf-8") + data[i + len("Hội".encode("utf-8")) :])
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert f.stat().st_size == st.st_size
    rep = build(settings, [src], progress=False)
    assert rep.parsed == [f.stem] and rep.indexed == [f.stem]

    # --force reads everything
    assert len(build(settings, [src], progress=False, force=True).parsed) == 3

    # a damaged fingerprint file is only a cache: every file is read again, nothing else changes
    (settings.data_dir / "cache" / FILE_NAME).write_bytes(b"\x00garbage")
    rep = build(settings, [src], progress=False)
    assert len(rep.parsed) == 3 and rep.indexed == [] and len(rep.unchanged) == 3

    # a file moved to another folder keeps its document (the same bytes): not parsed
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy2(src / DOCS[0], other / DOCS[0])
    (src / DOCS[0]).unlink()
    rep = build(settings, [src, other], progress=False)
    assert rep.parsed == [] and rep.indexed == [] and rep.removed == [] and len(rep.unchanged) == 3


def test_a_fetched_index_gives_its_vectors_to_a_data_folder_without_a_cache(tmp_path):
    """A replica that fetched its index from the database has no vector cache: its first build of one new
    document encodes that document only, the others' vectors taken from the index (and equal to a full build's)."""
    src = _folder(tmp_path, "src", {n: (KNOWLEDGE_DIR / n).read_text(encoding="utf-8") for n in DOCS[:2]})
    a = _settings(tmp_path / "a")
    first = build(a, [str(src)])
    assert first.encoded == first.chunks and first.seeded == 0
    b = _settings(tmp_path / "b")  # same database, the index copied as a fetch leaves it, no cache
    b.database_url = a.database_url
    target = b.data_dir / "index-fetched"
    shutil.copytree((a.data_dir / "index").resolve(), target)
    os.symlink(target.name, b.data_dir / "index")
    (src / DOCS[2]).write_text((KNOWLEDGE_DIR / DOCS[2]).read_text(encoding="utf-8"), encoding="utf-8")
    second = build(b, [str(src)])
    assert second.indexed == [Path(DOCS[2]).stem], second.indexed
    assert second.seeded == first.chunks, (second.seeded, first.chunks)
    assert 0 < second.encoded == second.chunks - first.chunks, (second.encoded, second.chunks, first.chunks)
    full = _settings(tmp_path / "full")
    build(full, [str(src)])
    got, want = (load_index(s.data_dir).faiss_index for s in (b, full))
    g, w = got.reconstruct_n(0, got.ntotal), want.reconstruct_n(0, want.ntotal)
    assert g.shape == w.shape
    assert (np.sum(g * w, axis=1) >= 0.99).all()  # the int8 model's vectors vary a little with their batch
