"""The FAISS index over the chunks' normalised sentence vectors, chosen by the library's size.

Up to `exact_max_vectors()` vectors (HOCTAP_VECTOR_EXACT_MAX, default `EXACT_MAX_VECTORS`) the search is
exact (`IndexFlatIP`: every vector compared, 4 bytes a dimension). Above it the index is approximate:
an inverted file over k-means cells with 8-bit scalar-quantised vectors ("ivf_sq8": 1 byte a dimension,
`nlist` ≈ 4·√n cells trained on a sample), of which a question visits the `nprobe` cells nearest to it.
`nprobe` is tuned at build time on proxy questions (`proxy_queries`) to the smallest value reaching
`TUNE_RECALL` recall@10 against exact search. HNSW over the same 8-bit codes ("hnsw_sq8", its efSearch tuned
the same way) is chosen instead by HOCTAP_VECTOR_INDEX=hnsw_sq8; bench/ann.py measures both (HNSW builds 2.3x
(100k) to 3.8x (1M) slower, searches as fast, takes 1.6x the memory, and at 1M reaches recall@10 0.93 only).

Scores stay inner products of the normalised vectors (cosine similarities), approximated to 8 bits by the
scalar quantiser. `describe(index)` is the manifest's "vector_index" entry; `configure(index, entry)` puts
its search parameters back after `faiss.read_index`, which does not keep them all (efSearch).
"""

from __future__ import annotations

import logging
import math
import os

import numpy as np

log = logging.getLogger(__name__)

# Exact search up to this many vectors: a flat index costs 1.5 KB a vector (384 dimensions) and one question
# scans them all; the retriever asks it for every chunk's score (bench/ann.py, 2 busy cores, p95: 69 ms at 50k,
# 125 ms at 100k; the top 10 alone 17 / 35 ms; IVF-SQ8 at 100k: 9 ms, recall@10 0.977).
EXACT_MAX_VECTORS = 50_000
TYPES = ("flat", "ivf_sq8", "hnsw_sq8")
# recall@10 against exact search that the build-time tuning of nprobe / efSearch aims at on proxy questions (the
# target is 0.95 for real ones; the proxies' 0.98 gave real questions 0.977 at 100k vectors, 0.967 at 1M, but
# 0.946 on the test's 6,000-vector library with faiss-cpu 1.15.1: 0.99 keeps the margin)
TUNE_RECALL = 0.99
TUNE_QUERIES = 200
# training sample of the coarse k-means, per cell (faiss wants 39 at least; fewer warns but works)
TRAIN_PER_LIST = 40
TRAIN_MAX = 160_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
SEED = 1234


def exact_max_vectors() -> int:
    """HOCTAP_VECTOR_EXACT_MAX (a count of vectors), else EXACT_MAX_VECTORS; a bad value is reported and ignored."""
    raw = os.environ.get("HOCTAP_VECTOR_EXACT_MAX", "").strip()
    if not raw:
        return EXACT_MAX_VECTORS
    try:
        return max(0, int(raw.replace("_", "")))
    except ValueError:
        log.warning("HOCTAP_VECTOR_EXACT_MAX=%r is not a whole number; using %d", raw, EXACT_MAX_VECTORS)
        return EXACT_MAX_VECTORS


def approximate_type() -> str:
    """The approximate index used above the threshold: HOCTAP_VECTOR_INDEX (ivf_sq8 | hnsw_sq8), default ivf_sq8."""
    raw = os.environ.get("HOCTAP_VECTOR_INDEX", "").strip().lower()
    if raw in ("", "ivf_sq8", "hnsw_sq8"):
        return raw or "ivf_sq8"
    log.warning("HOCTAP_VECTOR_INDEX=%r is not ivf_sq8 or hnsw_sq8; using ivf_sq8", raw)
    return "ivf_sq8"


def choose_type(n: int) -> str:
    """flat up to the threshold, the approximate type above it."""
    return "flat" if n <= exact_max_vectors() else approximate_type()


def build_vector_index(vectors: np.ndarray, kind: str | None = None, tune: bool = True):
    """A searchable faiss index over `vectors` (n, dim), normalised; `kind` (one of TYPES) overrides the choice
    by size. An approximate index gets its search parameter tuned (unless `tune` is False: nprobe 16, efSearch 64)."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or choose_type(len(x))
    if kind not in TYPES:
        raise ValueError(f"unknown vector index type {kind!r} (one of {', '.join(TYPES)})")
    index = {"flat": _flat, "ivf_sq8": _ivf_sq8, "hnsw_sq8": _hnsw_sq8}[kind](x)
    if kind != "flat" and tune and len(x) > 10:
        tune_search(index, x)
    return index


def _flat(x: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    return index


def ivf_lists(n: int) -> int:
    """Cells of the inverted file: ~4·√n, with at least ~39 vectors a cell."""
    return max(1, min(int(round(4 * math.sqrt(n))), n // 39))


def _ivf_sq8(x: np.ndarray):
    import faiss

    n, dim = x.shape
    nlist = ivf_lists(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.cp.niter = 10  # k-means iterations (faiss's 25 take 2.5x as long; nprobe is tuned for recall after)
    index.cp.seed = SEED
    index.train(_sample(x, min(n, max(TRAIN_PER_LIST * nlist, 10_000), TRAIN_MAX)))
    index.add(x)
    index.nprobe = min(nlist, 16)
    index.make_direct_map()  # vectors_at reads a chunk's stored vector by its position (8 bytes a vector)
    return index


def _hnsw_sq8(x: np.ndarray):
    import faiss

    index = faiss.IndexHNSWSQ(x.shape[1], faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.train(_sample(x, min(len(x), TRAIN_MAX)))
    index.add(x)
    index.hnsw.efSearch = 64
    return index


def _sample(x: np.ndarray, m: int) -> np.ndarray:
    if m >= len(x):
        return x
    rows = np.random.default_rng(SEED).choice(len(x), size=m, replace=False)
    return x[np.sort(rows)]


# -- search parameters --------------------------------------------------------------------------------------------


def index_type(index) -> str:
    """The TYPES name of a faiss index built here (or read back)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw_sq8"
    if faiss.try_extract_index_ivf(index) is not None:
        return "ivf_sq8"
    return "flat"


def describe(index) -> dict:
    """The manifest's "vector_index" entry: {"type", "vectors", and the type's parameters}."""
    import faiss

    kind = index_type(index)
    out = {"type": kind, "vectors": int(index.ntotal), "metric": "inner_product"}
    if kind == "ivf_sq8":
        ivf = faiss.extract_index_ivf(index)
        out.update(nlist=int(ivf.nlist), nprobe=int(ivf.nprobe), quantizer="sq8")
    elif kind == "hnsw_sq8":
        out.update(M=HNSW_M, efConstruction=int(index.hnsw.efConstruction), efSearch=int(index.hnsw.efSearch))
        out.update(quantizer="sq8")
    return out


def configure(index, entry: dict | None):
    """Put back the search parameters of the manifest's "vector_index" entry (nprobe, efSearch) on an index read
    by faiss.read_index, and prepare it for `vectors_at`. Returns the index."""
    import faiss

    entry = entry or {}
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = max(1, min(int(entry.get("nprobe") or 16), int(ivf.nlist)))
        if ivf.direct_map.no():
            ivf.make_direct_map()  # vectors_at reads a chunk's stored vector by its position
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = max(10, int(entry.get("efSearch") or 64))
    return index


def load(path, entry: dict | None):
    """The faiss index in the file `path`, with its search parameters from the manifest's entry."""
    import faiss

    return configure(faiss.read_index(str(path)), entry)


def is_exact(index) -> bool:
    return index_type(index) == "flat"


def vectors_at(index, positions: np.ndarray) -> np.ndarray:
    """The stored (for sq8: decoded) vectors at `positions`, (len, dim)."""
    ids = np.ascontiguousarray(positions, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros((0, index.d), np.float32)
    return np.asarray(index.reconstruct_batch(ids), dtype=np.float32).reshape(len(ids), index.d)


def _set_effort(index, value: int) -> None:
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = value
    else:
        index.hnsw.efSearch = value


def _efforts(index) -> list[int]:
    """The search-effort values tried, cheapest first (nprobe from 1 to 512 cells, or all when fewer; efSearch
    from 16 to 512)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is None:
        return [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    steps = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    return [s for s in steps if s < ivf.nlist] + ([int(ivf.nlist)] if ivf.nlist <= steps[-1] else [])


def proxy_queries(x: np.ndarray, m: int = TUNE_QUERIES) -> np.ndarray:
    """Stand-ins for questions: the sum of two stored vectors with random weights, moved by isotropic noise of
    norm 0.6, renormalised — about as close to their nearest vectors (cosine ~0.85) as real questions are to their
    best chunk, and between topics as questions are. Measured on 100k e5 vectors (bench/ann.py), the nprobe that
    gives these recall@10 0.98 gives the real questions 0.97 (a stored vector plus noise alone: 0.88)."""
    rng = np.random.default_rng(SEED + 1)
    m = min(m, len(x))
    w = rng.random((m, 2)).astype(np.float32)
    pairs = x[rng.integers(0, len(x), (m, 2))]
    mix = np.einsum("mk,mkd->md", w, pairs)
    mix /= np.linalg.norm(mix, axis=1, keepdims=True)
    q = mix + rng.standard_normal(mix.shape).astype(np.float32) * (0.6 / np.sqrt(x.shape[1]))
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row of `truth` (exact top-k ids) found in the same row of `found`."""
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth))
    return hits / max(1, truth.size)


def tune_search(index, x: np.ndarray, k: int = 10, target: float = TUNE_RECALL) -> float:
    """Set nprobe / efSearch to the smallest tried value whose recall@k on proxy questions reaches `target`
    (or, when the 8-bit codes cannot, 0.005 below what the largest value tried reaches); returns the recall."""
    q = proxy_queries(x)
    truth = _exact_top(x, q, k)
    efforts = _efforts(index)
    _set_effort(index, efforts[-1])  # the most the index can do: 8-bit codes cap recall below 1
    target = min(target, recall_at(index.search(q, k)[1], truth) - 0.005)
    rec = 0.0
    for effort in efforts:
        _set_effort(index, effort)
        rec = recall_at(index.search(q, k)[1], truth)
        if rec >= target:
            break
    log.info("vector index %s: search effort %s, proxy recall@%d %.3f", index_type(index), effort, k, rec)
    return rec


def _exact_top(x: np.ndarray, q: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids of each row of q over x (faiss's brute-force k-NN, no index built)."""
    import faiss

    return faiss.knn(q, x, min(k, len(x)), metric=faiss.METRIC_INNER_PRODUCT)[1]


def stored_vectors(path) -> np.ndarray:
    """Every vector an index file holds, in order: exact from a flat index, the 8-bit codes' reading from an IVF
    or HNSW one (for a build that reuses them instead of encoding the passages again)."""
    import faiss

    idx = faiss.read_index(str(path))
    try:
        faiss.extract_index_ivf(idx).make_direct_map()  # an IVF index reconstructs by id only with a direct map
    except RuntimeError:
        pass  # not an IVF index
    return idx.reconstruct_n(0, idx.ntotal)
