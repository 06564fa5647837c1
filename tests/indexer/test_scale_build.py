"""The indexer as a streaming job: caches saved batch by batch (an interrupted build resumes), a
build id per build, progress bars only on a terminal, a model recorded by id and checksum (a
moved data folder keeps dense search). Real documents, real SQLite, the real (int8 ONNX) model."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

from bot import embedding
from bot.config import KNOWLEDGE_DIR, Settings
from bot.search_index import EmbeddingCache, read_build_id, read_manifest
from indexer import build as build_mod

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["daknong-2021-3597-ubnd-kgvx.txt", "haiphong-2022-khai-thac-tai-lieu-xhht.txt"]


def _sources(tmp: Path, names: list[str]) -> Path:
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    for n in names:
        shutil.copy2(KNOWLEDGE_DIR / n, src / n)
    return src


def _settings(data_dir: Path, model: str | None = None) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'hoctap.sqlite3'}",
        embedding_model=os.environ["HOCTAP_EMBEDDING_MODEL"] if model is None else model,
    )


class Counting:
    """Wraps the real embedder: counts the passages it encodes, can stop after some batches."""

    def __init__(self, inner, stop_after: int | None = None):
        self.inner, self.stop_after = inner, stop_after
        self.calls, self.passages = 0, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_passages(self, texts):
        if self.stop_after is not None and self.calls >= self.stop_after:
            raise KeyboardInterrupt("stopped by the test")  # as Ctrl-C in the middle of a build
        self.calls += 1
        self.passages += len(texts)
        return self.inner.encode_passages(texts)


def _embedder(settings: Settings):
    emb = embedding.load_embedder(settings)
    assert emb is not None and emb.backend == "onnx-qint8", emb
    return emb


def test_interrupted_build_resumes_from_cache(tmp_path, monkeypatch):
    settings = _settings(tmp_path / "data")
    src = _sources(tmp_path, DOCS)
    real = _embedder(settings)
    monkeypatch.setattr(build_mod, "EMBED_BATCH", 8)
    stopping = Counting(real, stop_after=2)
    monkeypatch.setattr(embedding, "load_embedder", lambda s, **kw: stopping)
    with pytest.raises(KeyboardInterrupt):
        build_mod.build(settings, [src])
    # nothing was committed or swapped in, but the two finished batches are cached
    assert not (settings.data_dir / "index").exists() and read_manifest(settings.data_dir) is None
    cache = EmbeddingCache(settings.data_dir / "cache", f"{real.checksum}:{real.backend}")
    assert len(cache) == 16

    resumed = Counting(real)
    monkeypatch.setattr(embedding, "load_embedder", lambda s, **kw: resumed)
    rep = build_mod.build(settings, [src])
    assert not rep.errors and sorted(rep.indexed) == sorted(Path(d).stem for d in DOCS)
    assert rep.dense and rep.chunks == len(cache) + resumed.passages  # only the rest was encoded
    # one compacted cache file per kind, holding exactly the indexed texts (beside the files' fingerprints)
    files = sorted(
        p.name.split("-")[0] + "-" + p.name.rsplit("-", 1)[-1] for p in (settings.data_dir / "cache").glob("*.npz")
    )
    assert files == ["tokens-base.npz", "vectors-base.npz"], files
    assert (settings.data_dir / "cache" / "sources.json").is_file()
    assert len(EmbeddingCache(settings.data_dir / "cache", f"{real.checksum}:{real.backend}")) == rep.chunks

    # the resumed vectors are the ones a build from scratch computes
    from bot.search_index import load_index

    idx = load_index(settings.data_dir)
    fresh = _settings(tmp_path / "fresh")
    monkeypatch.setattr(embedding, "load_embedder", lambda s, **kw: real)
    build_mod.build(fresh, [src])
    idx2 = load_index(fresh.data_dir)
    a = idx.faiss_index.reconstruct_n(0, rep.chunks)
    b = idx2.faiss_index.reconstruct_n(0, rep.chunks)
    assert (np.sum(a * b, axis=1) >= 0.99).all()  # int8 batches differ by a hair, never more


def test_new_document_encodes_only_its_chunks_and_gets_a_new_build_id(tmp_path, monkeypatch):
    settings = _settings(tmp_path / "data")
    src = _sources(tmp_path, DOCS[:1])
    real = _embedder(settings)
    counting = Counting(real)
    monkeypatch.setattr(embedding, "load_embedder", lambda s, **kw: counting)
    rep1 = build_mod.build(settings, [src])
    first = read_manifest(settings.data_dir)
    assert first["build_id"] and first["documents"] == 1 and first["chunks"] == rep1.chunks
    assert first["model"] == "multilingual-e5-small" and len(first["model_checksum"]) == 64
    assert first["model_backend"] == "onnx-qint8" and str(tmp_path) not in str(first)

    unchanged = build_mod.build(settings, [src])  # nothing to do: the same build stays in place
    assert unchanged.unchanged == [Path(DOCS[0]).stem] and read_build_id(settings.data_dir) == first["build_id"]

    shutil.copy2(KNOWLEDGE_DIR / DOCS[1], src / DOCS[1])
    before = counting.passages
    rep2 = build_mod.build(settings, [src])
    second = read_manifest(settings.data_dir)
    assert rep2.indexed == [Path(DOCS[1]).stem] and rep2.unchanged == [Path(DOCS[0]).stem]
    assert counting.passages - before == rep2.chunks - rep1.chunks  # the kept document's vectors came from the cache
    assert second["build_id"] != first["build_id"] and second["documents"] == 2
    # the current build and the one before it (kept as DATA/previous-index while it verifies); older ones go
    kept = {os.readlink(settings.data_dir / "index"), os.readlink(settings.data_dir / "previous-index")}
    assert {p.name for p in settings.data_dir.glob("index-*")} == kept and len(kept) == 2


def test_moved_data_folder_keeps_dense_search(tmp_path):
    """The model inside the data folder (the default place) and the folder moved elsewhere: the
    manifest holds the model's id and checksum, not its path, so dense search stays on."""
    from bot.assistant import Assistant

    model = Path(os.environ["HOCTAP_EMBEDDING_MODEL"])
    data = tmp_path / "old-place"
    inside = data / "models" / "multilingual-e5-small"
    inside.mkdir(parents=True)
    for p in model.iterdir():  # a copy of the session's model, by links (it is 600 MB)
        if p.name != embedding.CHECKSUM_FILE:
            (inside / p.name).symlink_to(p)
    settings = _settings(data, model="")
    assert Path(settings.resolved_embedding_model()) == inside
    rep = build_mod.build(settings, [_sources(tmp_path, DOCS[:1])])
    assert rep.dense
    moved = tmp_path / "new-place"
    os.rename(data, moved)
    embedding.clear_cache()
    a = Assistant(_settings(moved, model=""))
    assert a.retriever is not None and a.retriever.dense_enabled
    assert a.retriever.embedder.path.startswith(str(moved))
    hits = a.retriever.search("báo cáo định kỳ 6 tháng", k=3, mode="dense")
    assert hits and all(h.dense > 0.5 for h in hits)
    embedding.clear_cache()


def _run_build(args: list[str], env: dict, tty: bool) -> tuple[int, str]:
    """`python -m indexer build` with stderr on a pseudo-terminal or a pipe; (exit code, stderr)."""
    cmd = [sys.executable, "-m", "indexer"] + args
    if not tty:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        return p.returncode, p.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal has a size
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    deadline = time.time() + 600
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    p.wait(timeout=60)
    os.close(master)
    return p.returncode, out.decode("utf-8", "replace")


def test_progress_bars_on_a_terminal_only(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="120")
    env.pop("DATABASE_URL", None)
    src = _sources(tmp_path, DOCS[1:])
    rc, err = _run_build(["--data-dir", str(tmp_path / "tty"), "build", str(src)], env, tty=True)
    assert rc == 0, err
    for label in ("đọc văn bản", "tách từ", "mã hóa ngữ nghĩa"):
        assert label in err, err
    assert "1/1" in err and "tệp/s" in err and "đoạn/s" in err  # counts and rates
    assert "<" in err  # tqdm's "elapsed<remaining" (the ETA)
    rc, err = _run_build(["--data-dir", str(tmp_path / "pipe"), "build", str(src)], env, tty=False)
    assert rc == 0, err
    assert "đọc văn bản" not in err and "mã hóa" not in err and "\r" not in err
    assert "Đã lập chỉ mục 1 văn bản" in err
