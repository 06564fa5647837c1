"""Vector search at library scale: exact against approximate FAISS indexes (bot/vector_index.py).

    python -m bench --data-dir D --ann [--ann-sizes 100000 1000000] [--ann-types flat ivf_sq8 hnsw_sq8]

D holds a built store (its chunks' vectors are read from its index). Synthetic libraries of each size are made
from them: the real vectors, then copies of them moved by Gaussian noise shaped like the real vectors' spread
(their covariance) to the cosine a real chunk has with its nearest other chunk (drawn from the store's own
distribution of those cosines), renormalised. The questions are real: ../shared/eval/laws/questions.jsonl and
../shared/eval/dev_questions.jsonl encoded with the query model as the retriever does.

For each size and index type, in child processes (clean memory numbers): build time (with the tuning of
nprobe / efSearch), then in a fresh process the index loaded as serving loads it — resident memory added by the
load — and every question searched alone on one FAISS thread: p50/p95 ms for the top 10 and for the number of
results the retriever asks for (all chunks from an exact index, APPROX_DENSE_K from an approximate one), and
recall@10 against the flat (exact) index's top 10. HNSW is built only up to --hnsw-max vectors (its build on
two cores grows past the bench's budget above that).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, SHARED_EVAL, child_env, log, pct, table

QUESTION_FILES = (SHARED_EVAL / "laws" / "questions.jsonl", SHARED_EVAL / "dev_questions.jsonl")
SIZES = (100_000, 1_000_000)
TYPES = ("flat", "ivf_sq8", "hnsw_sq8")
HNSW_MAX = 100_000
SEED = 7
NOISE_BASIS = 256  # real vectors mixed per batch to draw noise with their covariance
BATCH = 50_000


# -- data -----------------------------------------------------------------------------------------------------------


def real_vectors(data_dir: Path) -> np.ndarray:
    """The chunk vectors of the store in `data_dir` (from its dense index)."""
    from bot import vector_index
    from bot.search_index import load_index

    index = load_index(data_dir)
    if index is None or index.faiss_index is None:
        raise SystemExit(f"{data_dir}: no dense index (build the store first: python -m indexer build …)")
    fi = index.faiss_index
    return vector_index.vectors_at(fi, np.arange(fi.ntotal))


def question_vectors(data_dir: Path) -> np.ndarray:
    """The real questions encoded by the query model (with its query prefix), as the retriever encodes them."""
    from bot.config import load_settings
    from bot.embedding import load_embedder

    questions = []
    for path in QUESTION_FILES:
        if path.is_file():
            questions += [json.loads(x)["q"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    if not questions:
        raise SystemExit(f"no questions in {', '.join(map(str, QUESTION_FILES))}")
    emb = load_embedder(load_settings(data_dir))
    if emb is None:
        raise SystemExit("the embedding model could not be loaded")
    return np.concatenate([emb.encode_queries([q]) for q in questions]).astype(np.float32)


def nearest_cosines(real: np.ndarray) -> np.ndarray:
    """Each real vector's cosine to its nearest other vector."""
    import faiss

    sims = faiss.knn(real, real, 2, metric=faiss.METRIC_INNER_PRODUCT)[0]
    return sims[:, 1]


def synthetic_library(real: np.ndarray, n: int, path: Path) -> Path:
    """`n` vectors in the .npy file `path` (memory-mapped, written in batches): the real vectors, then copies
    moved to a cosine drawn from the real nearest-neighbour cosines by noise with the real vectors' covariance."""
    rng = np.random.default_rng(SEED)
    cos = np.clip(nearest_cosines(real), 0.5, 0.995)
    centred = real - real.mean(axis=0)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, real.shape[1]))
    first = min(n, len(real))
    out[:first] = real[:first]
    for a in range(first, n, BATCH):
        m = min(BATCH, n - a)
        src = real[rng.integers(0, len(real), m)]
        basis = centred[rng.choice(len(real), size=min(NOISE_BASIS, len(real)), replace=False)]
        noise = rng.standard_normal((m, len(basis))).astype(np.float32) @ basis
        noise -= np.sum(noise * src, axis=1, keepdims=True) * src  # orthogonal to the source
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        c = cos[rng.integers(0, len(cos), m)][:, None]
        out[a : a + m] = c * src + np.sqrt(1 - c**2) * noise  # unit norm, cosine c to its source
    out.flush()
    del out
    return path


# -- children --------------------------------------------------------------------------------------------------------


def _child(args: list[str]) -> dict:
    cmd = [sys.executable, "-m", "bench.ann"] + args
    p = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True)
    line = next((x for x in reversed(p.stdout.splitlines()) if x.startswith("{")), None)
    if p.returncode or line is None:
        raise RuntimeError(f"{' '.join(args[:2])} failed (rc={p.returncode}): {p.stderr[-2000:]}")
    return json.loads(line)


def child_build(vectors: Path, kind: str, out: Path) -> dict:
    """(in a child) Build the `kind` index over the memory-mapped vectors and write it to `out`."""
    import faiss

    from bot import vector_index

    x = np.load(vectors, mmap_mode="r")
    t0 = time.perf_counter()
    index = vector_index.build_vector_index(np.asarray(x), kind)
    build_s = time.perf_counter() - t0
    faiss.write_index(index, str(out))
    return {"build_s": build_s, "describe": vector_index.describe(index), "file_mb": out.stat().st_size / 2**20}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_search(index_file: Path, entry: dict, queries: Path, wide_k: int) -> dict:
    """(in a child) Load the index as serving does, then search each question alone on one thread."""
    import faiss

    from bot import vector_index

    faiss.omp_set_num_threads(1)
    q = np.load(queries)
    before = _rss_mb()
    index = vector_index.load(index_file, entry)
    loaded = _rss_mb()
    index.search(q[:1], 10)  # first-touch costs outside the timing
    out: dict = {"rss_before_mb": before, "rss_delta_mb": loaded - before, "ids": []}
    for k, tag in ((10, "top10"), (min(wide_k, index.ntotal), "wide"))[: 2 if wide_k else 1]:
        ms = []
        for row in q:
            t = time.perf_counter()
            _, ids = index.search(row[None, :], k)
            ms.append((time.perf_counter() - t) * 1000)
            if tag == "top10":
                out["ids"].append(ids[0].tolist())
        out[tag] = {"k": k, "p50_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95), "max_ms": max(ms)}
    out["rss_after_search_mb"] = _rss_mb()
    return out


# -- the run ---------------------------------------------------------------------------------------------------------


def run(data_dir: Path, sizes: list[int], types: list[str], hnsw_max: int, work: Path) -> dict:
    """Every (size, type) measurement; the synthetic libraries and indexes are written under `work`."""
    from bot import vector_index
    from bot.retrieval import APPROX_DENSE_K

    work.mkdir(parents=True, exist_ok=True)
    real = real_vectors(data_dir)
    queries = work / "queries.npy"
    np.save(queries, question_vectors(data_dir))
    res: dict = {"real_vectors": len(real), "dim": int(real.shape[1]), "questions": len(np.load(queries))}
    res["real_nearest_cosine"] = {f"p{q}": float(np.percentile(nearest_cosines(real), q)) for q in (10, 50, 90)}
    res["sizes"] = {}
    for n in sizes:
        log(f"ann: synthetic library of {n:,} vectors")
        lib = synthetic_library(real, n, work / f"lib-{n}.npy")
        res["sizes"][n] = _measure_size(lib, n, types, hnsw_max, queries, work, APPROX_DENSE_K)
        res["sizes"][n]["chosen"] = vector_index.choose_type(n)
        lib.unlink()
    res["exact_max_vectors"] = vector_index.exact_max_vectors()
    return res


def _measure_size(lib: Path, n: int, types: list[str], hnsw_max: int, queries: Path, work: Path, wide: int) -> dict:
    """Flat (always: the reference) then each approximate type over the library `lib` of `n` vectors."""
    from bot import vector_index
    from bot.vector_index import recall_at

    out: dict = {}
    truth = None
    for kind in ["flat"] + [t for t in types if t != "flat"]:
        if kind == "hnsw_sq8" and n > hnsw_max:
            out[kind] = {"skipped": f"not built (over --hnsw-max {hnsw_max:,})"}
            continue
        log(f"ann: {n:,} vectors, {kind}: build")
        f = work / f"{kind}-{n}.faiss"
        built = _child(["build", str(lib), kind, str(f)])
        log(f"ann: {n:,} vectors, {kind}: built in {built['build_s']:.0f} s; search")
        # the retriever asks an exact index for every chunk (not measured where flat is not chosen: minutes at 1M)
        k = (n if n <= vector_index.exact_max_vectors() else 0) if kind == "flat" else wide
        found = _child(["search", str(f), json.dumps(built["describe"]), str(queries), str(k)])
        ids = np.asarray(found.pop("ids"))
        truth = ids if kind == "flat" else truth  # the exact top 10: the reference of recall
        found["recall_at_10"] = recall_at(ids, truth)
        out[kind] = dict(built, **found)
        f.unlink()
    return out


def report(res: dict) -> str:
    rows = []
    for n, by_type in res["sizes"].items():
        for kind, m in by_type.items():
            if kind == "chosen":
                continue
            if "skipped" in m:
                rows.append([f"{int(n):,}", kind, "-", "-", "-", "-", "-", "-", m["skipped"]])
                continue
            d = m["describe"]
            params = ", ".join(f"{p}={d[p]}" for p in ("nlist", "nprobe", "M", "efSearch") if p in d)
            rows.append(
                [
                    f"{int(n):,}" + (" *" if kind == by_type["chosen"] else ""),
                    kind,
                    f"{m['build_s']:.0f}",
                    f"{m['recall_at_10']:.3f}",
                    f"{m['top10']['p50_ms']:.2f} / {m['top10']['p95_ms']:.2f}",
                    f"{m['wide']['p95_ms']:.1f} (k={m['wide']['k']:,})" if "wide" in m else "-",
                    f"{m['rss_delta_mb']:.0f}",
                    f"{m['file_mb']:.0f}",
                    params,
                ]
            )
    head = ["vectors", "index", "build s", "recall@10", "p50/p95 ms top10", "p95 ms retriever k", "RSS MB", "file MB"]
    return (
        f"VECTOR SEARCH — {res['real_vectors']:,} real chunk vectors (dim {res['dim']}) → synthetic libraries; "
        f"{res['questions']} real questions, one at a time, 1 FAISS thread; * = the type chosen at that size "
        f"(exact up to {res['exact_max_vectors']:,} vectors)\n" + table(rows, head + ["parameters"])
    )


def main(argv: list[str]) -> int:
    """Child entry: `build LIB KIND OUT` or `search INDEX ENTRY_JSON QUERIES K`; prints one JSON line."""
    if argv[0] == "build":
        res = child_build(Path(argv[1]), argv[2], Path(argv[3]))
    else:
        res = child_search(Path(argv[1]), json.loads(argv[2]), Path(argv[3]), int(argv[4]))
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
