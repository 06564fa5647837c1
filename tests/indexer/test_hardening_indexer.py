"""Issue 11, indexer side: two sources with one document id are both refused (with full paths) and the
stored document keeps answering; texts too long to index are refused by name at once; index folders
left by a killed build are removed at the next build or start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.channels import ROOT, clean_env, embedding_model, settings_for

from store.db import session_scope
from bot.health import clean_stale_index_dirs
from store.knowledge import Chunk, Document
from indexer.loaders import MAX_TEXT_CHARS, DocumentError, iter_sources, read_document

pytestmark = pytest.mark.slow

GENUINE = "daknong-2021-3597-ubnd-kgvx"
IMPOSTOR_MARK = "VĂN BẢN GIẢ MẠO"


@pytest.fixture
def store(store_copy) -> Path:
    """A private copy of the store built from knowledge/."""
    return store_copy


def _indexer(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", "--no-progress", *args],
        cwd=ROOT,
        env=clean_env(HOCTAP_EMBEDDING_MODEL=str(embedding_model())),
        capture_output=True,
        text=True,
        timeout=900,
    )


def _doc(data_dir: Path, doc_id: str):
    with session_scope(settings_for(data_dir).database_url) as s:
        d = s.get(Document, doc_id)
        texts = list(s.scalars(select(Chunk.text).where(Chunk.document_id == doc_id)))
        return (d.file_name if d else None), texts


def test_two_sources_with_one_id_are_both_refused_and_the_stored_one_kept(store, tmp_path):
    genuine = ROOT / "knowledge" / f"{GENUINE}.txt"
    other = tmp_path / "other"
    other.mkdir()
    impostor = other / f"{GENUINE}.txt"
    impostor.write_text(genuine.read_text(encoding="utf-8").replace("Đắk Nông", IMPOSTOR_MARK), encoding="utf-8")
    before_file, before_texts = _doc(store, GENUINE)
    assert before_texts and before_file

    r = _indexer(store, str(impostor), str(ROOT / "knowledge"))
    assert r.returncode == 1, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("LỖI") and "trùng mã văn bản" in ln]
    assert len(errors) == 2, r.stderr  # both refused, each with both full paths
    for ln in errors:
        assert str(impostor.resolve()) in ln and str(genuine.resolve()) in ln
    after_file, after_texts = _doc(store, GENUINE)
    assert after_file == before_file and after_texts == before_texts
    assert not any(IMPOSTOR_MARK in t for t in after_texts)

    # the stored document answers as before
    from bot.assistant import Assistant

    a = Assistant.from_settings(settings_for(store))
    ans = a.ask("Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?")
    assert ans.answered and IMPOSTOR_MARK not in ans.answer
    assert all(IMPOSTOR_MARK not in s.quote for s in ans.sources)
    assert any(s.file == GENUINE for s in ans.sources)


def test_iter_sources_names_every_duplicate(tmp_path):
    for sub in ("a", "b", "c"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.txt").write_text("nội dung " * 10, encoding="utf-8")
    (tmp_path / "a" / "y.md").write_text("nội dung " * 10, encoding="utf-8")
    files, errors = iter_sources([tmp_path / "a", tmp_path / "b", tmp_path / "c" / "x.txt"])
    assert [f.name for f in files] == ["y.md"]
    assert len(errors) == 3 and all(isinstance(e, DocumentError) for e in errors)
    for e in errors:
        for sub in ("a", "b", "c"):
            assert str((tmp_path / sub / "x.txt").resolve()) in str(e)
    # the same file named twice is one source, not a duplicate
    files, errors = iter_sources([tmp_path / "a" / "y.md", tmp_path / "a"])
    assert sorted(f.name for f in files) == ["x.txt", "y.md"] and errors == []


def test_too_long_texts_are_refused_by_name_at_once(tmp_path):
    big = tmp_path / "bao-cao-qua-lon.txt"
    with open(big, "wb") as f:  # 49.9 MB, under the 50 MiB file limit (sparse: no time to write)
        f.truncate(int(49.9 * 1000 * 1000))
    t0 = time.perf_counter()
    with pytest.raises(DocumentError) as e:
        read_document(big)
    assert time.perf_counter() - t0 < 2
    assert "bao-cao-qua-lon.txt" in str(e.value) and "quá dài" in str(e.value)

    md = tmp_path / "dai.md"
    md.write_text("Báo cáo. " * (MAX_TEXT_CHARS // 9 + 10), encoding="utf-8")
    with pytest.raises(DocumentError) as e:
        read_document(md)
    assert "dai.md" in str(e.value) and "quá dài" in str(e.value)

    ok = tmp_path / "vua.txt"
    ok.write_text("Báo cáo tình hình thực hiện. " * 1000, encoding="utf-8")
    assert read_document(ok).startswith("Báo cáo")


def test_index_folders_of_a_killed_build_are_removed(store):
    current = (store / "index").resolve()
    old = time.time() - 3600
    leftovers = [store / "index-1700000000000", store / "index-1700000000001"]
    for d in leftovers:
        (d / "bm25").mkdir(parents=True)
        (d / "chunk_ids.npy").write_bytes(b"partial")
        for p in [d, d / "bm25", d / "chunk_ids.npy"]:
            os.utime(p, (old, old))
    fresh = store / "index-9999999999999"  # a build writing right now: kept
    fresh.mkdir()
    os.symlink("index-1700000000000", store / ".index-link-4242")
    os.utime(store / ".index-link-4242", (old, old), follow_symlinks=False)

    r = _indexer(store, str(ROOT / "knowledge"))  # nothing changed: the build itself swaps nothing
    assert r.returncode == 0, r.stderr
    assert not any(d.exists() for d in leftovers) and not (store / ".index-link-4242").is_symlink()
    assert fresh.exists() and current.exists() and (store / "index").resolve() == current
    assert "index-1700000000000" in r.stderr  # said in the log
    # and at start (serve calls the same function)
    (store / "index-1700000000002").mkdir()
    os.utime(store / "index-1700000000002", (old, old))
    assert clean_stale_index_dirs(store) == ["index-1700000000002"]
    assert clean_stale_index_dirs(store, min_age_s=0) == ["index-9999999999999"]
    assert (store / "index").resolve() == current and current.exists()
