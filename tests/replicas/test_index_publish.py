"""Publishing builds through PostgreSQL and fetching them (bot.index_publish, bot.index_watch), with real index
files (bm25s, FAISS) and a real database of the test's own: a build is copied part by part and verified; a part
that does not match its checksum is refused and the build in place stays; only the current and the previous
builds are kept, and an older build never replaces a newer one; a replica learns of a build by NOTIFY, again after
its connection is killed, and by polling when it cannot LISTEN; a PDF uploaded through one replica is served by
the other, and goes with its document. On SQLite nothing of this happens.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from bot import index_publish, index_watch
from bot.config import load_settings
from bot.index_publish import current_build, publish, sync
from bot.search_index import IndexCorrupt, load_index, read_build_id, swap_in, verify_index, write_index
from store.db import get_engine
from store.published import IndexBuild, IndexFile
from tests.replicas.harness import PG_URL, own_database
from tests.support.pdf import text_pdf

needs_pg = pytest.mark.skipif(not PG_URL, reason="HOCTAP_TEST_POSTGRES_URL is not set (a PostgreSQL server)")
BUILT_AT = 1_800_000_000.0


def _settings(data_dir: Path, db_url: str):
    s = load_settings(data_dir)
    s.database_url = db_url
    s.embedding_model = str(data_dir / "no-model")  # lexical only
    return s


def _build(data_dir: Path, n: int, build_id: str, built_at: float = BUILT_AT) -> str:
    """A build as `indexer build` leaves it: BM25 and FAISS files and a manifest in a new folder, swapped in."""
    rng = np.random.default_rng(n)
    tokens = [[f"tu{i}", f"chu{i % 7}", "xa-hoi-hoc-tap"] for i in range(n)]
    vecs = rng.standard_normal((n, 32)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    folder = data_dir / f"index-{build_id}"
    write_index(folder, list(range(1, n + 1)), tokens, vecs, {"build_id": build_id, "model": None})
    path = folder / "manifest.json"  # built at a given time: the tests order builds (not in the files' checksums)
    path.write_text(json.dumps(dict(json.loads(path.read_text()), built_at=built_at)))
    swap_in(data_dir, folder)
    return build_id


@pytest.fixture
def db_url():
    with own_database() as url:
        yield url


def _count(db_url: str, model) -> int:
    with get_engine(db_url).connect() as c:
        return c.execute(select(func.count()).select_from(model)).scalar()


def test_on_sqlite_nothing_is_published_nor_fetched(tmp_path):
    s = _settings(tmp_path / "a", f"sqlite:///{tmp_path / 'a' / 'hoctap.sqlite3'}")
    _build(s.data_dir, 50, "20270101T000000-sqlite")
    assert publish(s.database_url, s.data_dir / "index") is None
    assert not sync(s) and index_publish.sync_documents(s) == 0 and current_build(s.database_url) is None
    watcher = index_watch.IndexWatcher(s, lambda: None).start()
    assert watcher._thread is None  # no thread, no connection
    index_watch.sync_at_start(s, lambda: pytest.fail("nothing to reload"))
    assert _count(s.database_url, IndexBuild) == 0 and read_build_id(s.data_dir) == "20270101T000000-sqlite"


@pytest.mark.postgres
@needs_pg
def test_a_build_is_copied_part_by_part_and_verified(tmp_path, db_url, monkeypatch):
    monkeypatch.setattr(index_publish, "PART_BYTES", 4096)  # several parts per file
    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    bid = _build(a.data_dir, 400, "20270101T000001-aaaa")
    assert publish(db_url, a.data_dir / "index") == bid and current_build(db_url)[0] == bid
    files = load_index(a.data_dir).manifest["files"]
    assert _count(db_url, IndexFile) > len(files)  # split in parts
    assert sync(b) and read_build_id(b.data_dir) == bid and verify_index(b.data_dir / "index") is None
    for rel in files:
        assert (b.data_dir / "index" / rel).read_bytes() == (a.data_dir / "index" / rel).read_bytes()
    loaded = load_index(b.data_dir)
    assert loaded.faiss_index.ntotal == 400 and list(loaded.chunk_ids[:3]) == [1, 2, 3]
    assert not sync(b)  # already there: nothing fetched
    assert publish(db_url, a.data_dir / "index") == bid and _count(db_url, IndexBuild) == 1  # published once


def _corrupt(db_url: str, build_id: str, also_checksum: bool) -> None:
    """Flip bytes of the second part of the FAISS file, and (when asked) store the part's new checksum too."""
    sql = "UPDATE index_files SET data = overlay(data placing '\\xdeadbeef'::bytea from 100)"
    if also_checksum:
        sql += ", sha256 = encode(sha256(overlay(data placing '\\xdeadbeef'::bytea from 100)), 'hex')"
    sql += " WHERE build_id = :b AND path = 'dense.faiss' AND part = 1"
    with get_engine(db_url).begin() as c:
        assert c.execute(text(sql), {"b": build_id}).rowcount == 1


@pytest.mark.postgres
@needs_pg
@pytest.mark.parametrize("also_checksum", [False, True], ids=["part-checksum", "file-checksum"])
def test_a_corrupted_part_is_refused_and_the_build_in_place_stays(tmp_path, db_url, monkeypatch, also_checksum):
    monkeypatch.setattr(index_publish, "PART_BYTES", 4096)
    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    first = _build(a.data_dir, 300, "20270101T000001-aaaa")
    publish(db_url, a.data_dir / "index")
    assert sync(b)
    second = _build(a.data_dir, 320, "20270101T000002-bbbb", BUILT_AT + 10)
    publish(db_url, a.data_dir / "index")
    _corrupt(db_url, second, also_checksum)
    with pytest.raises(IndexCorrupt, match="dense.faiss.*SHA-256"):
        sync(b)
    assert read_build_id(b.data_dir) == first and verify_index(b.data_dir / "index") is None
    assert [p.name for p in b.data_dir.glob("index-*")] == [(b.data_dir / "index").resolve().name]  # nothing left
    assert load_index(b.data_dir).faiss_index.ntotal == 300  # still answering from the first build


@pytest.mark.postgres
@needs_pg
def test_current_and_previous_builds_are_kept_and_an_older_one_never_wins(tmp_path, db_url):
    a = _settings(tmp_path / "a", db_url)
    ids = [f"20270101T00000{i}-{i}" for i in range(3)]
    for i, bid in enumerate(ids):  # built one after the other, each published once built
        _build(a.data_dir, 30 + i, bid, BUILT_AT + i)
        assert publish(db_url, a.data_dir / "index") == bid
    with get_engine(db_url).connect() as c:
        assert sorted(c.execute(select(IndexBuild.build_id)).scalars()) == ids[1:]
        assert set(c.execute(select(IndexFile.build_id).distinct()).scalars()) == set(ids[1:])
    stale = tmp_path / "stale"  # a replica whose build is older than the current one
    _build(stale, 10, "20270101T000009-old", BUILT_AT - 100)
    assert publish(db_url, stale / "index") is None and current_build(db_url)[0] == ids[-1]
    assert index_publish.publish_if_newer(_settings(stale, db_url)) is None
    assert sync(_settings(stale, db_url)) and read_build_id(stale) == ids[-1]


@pytest.mark.postgres
@needs_pg
def test_no_fetch_while_a_build_is_writing_in_the_data_folder(tmp_path, db_url):
    """Swapping a fetched build in removes the other index folders: not while a build of this replica writes one (it
    publishes when done, and the newer build wins)."""
    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    _build(a.data_dir, 40, "20270101T000001-aaaa")
    publish(db_url, a.data_dir / "index")
    writing = b.data_dir / "index-1234567890123"
    writing.mkdir(parents=True)
    (writing / "chunk_ids.npy").write_bytes(b"being written")
    assert not sync(b) and writing.is_dir() and read_build_id(b.data_dir) is None
    (writing / "chunk_ids.npy").unlink()
    writing.rmdir()  # the build failed and cleaned up (or finished: then it is the newer one)
    assert sync(b) and read_build_id(b.data_dir) == "20270101T000001-aaaa"


def _wait(pred, timeout: float) -> float:
    t0 = time.monotonic()
    while not pred():
        assert time.monotonic() - t0 < timeout, "not in time"
        time.sleep(0.05)
    return time.monotonic() - t0


@pytest.mark.postgres
@needs_pg
def test_a_replica_learns_of_builds_by_notify_again_after_its_connection_is_killed(tmp_path, db_url):
    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    _build(a.data_dir, 40, "20270101T000001-aaaa")
    publish(db_url, a.data_dir / "index")
    reloads: list[str | None] = []
    watcher = index_watch.IndexWatcher(b, lambda: reloads.append(read_build_id(b.data_dir)), poll_s=60).start()
    try:
        _wait(lambda: watcher.listening and reloads, 10)  # caught up at start
        second = _build(a.data_dir, 41, "20270101T000002-bbbb", BUILT_AT + 1)
        publish(db_url, a.data_dir / "index")
        took = _wait(lambda: reloads[-1:] == [second], 5)  # polling is a minute away: the notification did it
        with get_engine(db_url).begin() as c:
            pid = watcher._conn.info.backend_pid
            assert c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        _wait(lambda: watcher.listening and watcher._conn.info.backend_pid != pid, 15)
        third = _build(a.data_dir, 42, "20270101T000003-cccc", BUILT_AT + 2)
        publish(db_url, a.data_dir / "index")
        _wait(lambda: reloads[-1:] == [third], 10)
        print(f"\nnotified build swapped in on the other replica {took:.2f} s after publishing")
    finally:
        watcher.stop()
    assert not watcher._thread.is_alive()


@pytest.mark.postgres
@needs_pg
def test_without_listen_a_replica_polls(tmp_path, db_url, monkeypatch):
    def refused(url):
        raise OSError("LISTEN refused (a connection pooler in transaction mode)")

    monkeypatch.setattr(index_watch, "listen_connection", refused)
    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    reloads: list[str | None] = []
    watcher = index_watch.IndexWatcher(b, lambda: reloads.append(read_build_id(b.data_dir)), poll_s=0.5).start()
    try:
        bid = _build(a.data_dir, 40, "20270101T000001-aaaa")
        publish(db_url, a.data_dir / "index")
        _wait(lambda: reloads == [bid], 5)
        assert not watcher.listening
    finally:
        watcher.stop()


PDF_LINES = [
    "UY BAN NHAN DAN TINH SON LA",
    "So: 2469/UBND-KGVX",
    "V/v bao cao ket qua xay dung xa hoi hoc tap nam 2026",
    "Son La, ngay 12 thang 11 nam 2026",
    "1. Thu vien tinh bao cao ket qua truoc ngay 20/04/2027.",
    "2. So Van hoa, The thao va Du lich bao cao UBND tinh truoc ngay 15/05/2027.",
]


async def _get_document(settings, doc_id: str) -> tuple[int, bytes]:
    """GET /api/document/<id> from an in-process `serve` of the replica `settings` on 127.0.0.1."""
    import aiohttp

    from bot.assistant import Assistant
    from bot.config import ChannelConfig
    from handlers.serve import Server

    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}api/document/{doc_id}") as r:
            return r.status, await r.read()
    finally:
        await server.stop()


@pytest.mark.postgres
@pytest.mark.slow
@needs_pg
async def test_a_pdf_uploaded_through_one_replica_is_served_by_the_other_and_goes_with_it(tmp_path, db_url):
    import shutil

    from bot.config import KNOWLEDGE_DIR
    from indexer.uploads import DocumentLibrary

    a, b = _settings(tmp_path / "a", db_url), _settings(tmp_path / "b", db_url)
    a.knowledge_dir = tmp_path / "knowledge"  # the lexicon only: the upload is the one document
    a.knowledge_dir.mkdir()
    for p in KNOWLEDGE_DIR.glob("*.json"):
        shutil.copy(p, a.knowledge_dir / p.name)
    pdf = text_pdf(PDF_LINES)
    lib = DocumentLibrary(a)
    doc_id = lib.add("Báo cáo Sơn La 2469.pdf", pdf, "test").doc_id
    assert sync(b) and (b.data_dir / "published-documents" / f"{doc_id}.pdf").read_bytes() == pdf
    assert not (b.data_dir / "documents").exists()  # not a source of B's own builds
    assert await _get_document(b, doc_id) == (200, pdf)
    _a_build_without_the_file_keeps_the_document(a, lib, doc_id)
    lib.remove(doc_id, "test")
    assert sync(b) and not (b.data_dir / "published-documents" / f"{doc_id}.pdf").exists()
    status, body = await _get_document(b, doc_id)
    assert status == 404 and "error" in json.loads(body)


def _a_build_without_the_file_keeps_the_document(a, lib, doc_id: str) -> None:
    """A replica whose data folder has the same path but not the file (its uploads are others') builds: the document
    stays, as it stays published."""
    from indexer.build import build
    from store.db import session_scope
    from store.knowledge import Document

    path = a.data_dir / "documents" / f"{doc_id}.pdf"
    aside = path.rename(a.data_dir / "aside.pdf")
    try:
        assert not build(a, lib.folders).removed
        with session_scope(a.database_url) as s:
            assert s.get(Document, doc_id) is not None
        assert doc_id in index_publish.published_document_ids(a.database_url)
    finally:
        aside.rename(path)
