"""Index publishing through PostgreSQL (bot.index_publish): how long a build of N chunks takes to publish, and a
replica to fetch, verify and swap it in.

    .venv/bin/python bench/bench_index_publish.py --db postgresql://postgres@127.0.0.1:5432/mydb [--chunks 100000]

A synthetic build (random e5-sized vectors, BM25 over ~60 tokens a chunk from a 50,000-word vocabulary) is written
as `indexer build` writes one, published into --db (its own database: the tables are made there, builds pruned) and
fetched into a second data folder. Prints the index size and both times.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic_build(data_dir: Path, chunks: int, dim: int) -> Path:
    from bot.search_index import new_build_id, swap_in, write_index

    rng = np.random.default_rng(0)
    vocab = [f"tu{i}" for i in range(50_000)]
    words = rng.zipf(1.3, size=(chunks, 60)) % len(vocab)
    tokens = [[vocab[w] for w in row] for row in words]
    vecs = rng.standard_normal((chunks, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    folder = data_dir / f"index-{int(time.time() * 1000)}"
    write_index(folder, list(range(1, chunks + 1)), tokens, vecs, {"build_id": new_build_id(), "model": None})
    swap_in(data_dir, folder)
    return folder


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="a PostgreSQL database of the benchmark's own")
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    a = ap.parse_args(argv)
    from bot.config import load_settings
    from bot.index_publish import publish, sync
    from bot.search_index import read_manifest
    from store.engine import normalise_url

    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        src, dst = load_settings(tmp / "a"), load_settings(tmp / "b")
        src.database_url = dst.database_url = normalise_url(a.db)
        t0 = time.perf_counter()
        synthetic_build(src.data_dir, a.chunks, a.dim)
        built = time.perf_counter() - t0
        size = sum(f["size"] for f in read_manifest(src.data_dir)["files"].values()) / 1e6
        t0 = time.perf_counter()
        assert publish(src.database_url, src.data_dir / "index")
        published = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert sync(dst)
        fetched = time.perf_counter() - t0
        print(
            f"{a.chunks} chunks, index {size:.0f} MB (synthetic build {built:.1f} s): published in {published:.1f} s "
            f"({size / published:.0f} MB/s), fetched + verified + swapped in {fetched:.1f} s ({size / fetched:.0f} MB/s)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
