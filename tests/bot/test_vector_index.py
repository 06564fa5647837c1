"""Issue 22, part 4: vector search that scales. Exact search (IndexFlatIP) up to a size threshold
(HOCTAP_VECTOR_EXACT_MAX), an approximate index above it (IVF with 8-bit scalar quantisation, or HNSW over the same
codes) whose search parameter is tuned to recall@10 ≥ 0.95 of exact search, recorded in the manifest and put back
at load; the retriever keeps cosine similarities and ranks every chunk of a restricted search.

The vectors are real: the seed store's chunk vectors (the e5 model), multiplied into a few thousand by the bench's
own perturbation (bench/ann.py), and real development questions encoded by the query model."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

from bench.ann import synthetic_library
from bot import retrieval, vector_index
from bot.retrieval import Retriever
from bot.search_index import IndexFiles, load_index, swap_in, write_index
from tests.support.uploads import ROOT

pytestmark = pytest.mark.slow

LIBRARY = 6000
THRESHOLD = 1000


@pytest.fixture(scope="module")
def real(assistant) -> np.ndarray:
    fi = assistant.retriever.index.faiss_index
    assert vector_index.is_exact(fi)  # the seed store is small: exact search
    return vector_index.vectors_at(fi, np.arange(fi.ntotal))


@pytest.fixture(scope="module")
def questions(assistant) -> np.ndarray:
    lines = (ROOT.parent / "shared" / "eval" / "dev_questions.jsonl").read_text(encoding="utf-8").splitlines()
    qs = [json.loads(x)["q"] for x in lines if x.strip()]
    qs += ["Ai phải báo cáo trước ngày 15/12?", "Kế hoạch xây dựng xã hội học tập giai đoạn 2021-2030"]
    return assistant.retriever.embedder.encode_queries(qs).astype(np.float32)


@pytest.fixture(scope="module")
def library(real, tmp_path_factory) -> np.ndarray:
    path = tmp_path_factory.mktemp("ann") / "lib.npy"
    return np.load(synthetic_library(real, LIBRARY, path))


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setenv("HOCTAP_VECTOR_EXACT_MAX", str(THRESHOLD))


def exact_top(x: np.ndarray, q: np.ndarray, k: int = 10) -> np.ndarray:
    return faiss.knn(q, x, k, metric=faiss.METRIC_INNER_PRODUCT)[1]


def test_the_type_is_chosen_by_size_and_the_threshold_is_a_setting(monkeypatch, caplog):
    monkeypatch.delenv("HOCTAP_VECTOR_EXACT_MAX", raising=False)
    monkeypatch.delenv("HOCTAP_VECTOR_INDEX", raising=False)
    assert vector_index.choose_type(vector_index.EXACT_MAX_VECTORS) == "flat"
    assert vector_index.choose_type(vector_index.EXACT_MAX_VECTORS + 1) == "ivf_sq8"
    monkeypatch.setenv("HOCTAP_VECTOR_EXACT_MAX", "1000")
    assert vector_index.choose_type(1000) == "flat" and vector_index.choose_type(1001) == "ivf_sq8"
    monkeypatch.setenv("HOCTAP_VECTOR_INDEX", "hnsw_sq8")
    assert vector_index.choose_type(1001) == "hnsw_sq8"
    monkeypatch.setenv("HOCTAP_VECTOR_EXACT_MAX", "many")
    monkeypatch.setenv("HOCTAP_VECTOR_INDEX", "lsh")
    assert vector_index.exact_max_vectors() == vector_index.EXACT_MAX_VECTORS
    assert vector_index.approximate_type() == "ivf_sq8"
    assert "HOCTAP_VECTOR_EXACT_MAX='many' is not a whole number" in caplog.text
    assert "HOCTAP_VECTOR_INDEX='lsh'" in caplog.text
    with pytest.raises(ValueError, match="unknown vector index type 'lsh'"):
        vector_index.build_vector_index(np.eye(4, dtype=np.float32), "lsh")


def test_the_library_is_realistic(real, library):
    """The perturbed copies are unit vectors as close to their source as real chunks are to their nearest."""
    assert np.allclose(np.linalg.norm(library, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(library[: len(real)], real)
    real_nn = faiss.knn(real, real, 2, metric=faiss.METRIC_INNER_PRODUCT)[0][:, 1]
    copies_nn = faiss.knn(library[len(real) :], real, 1, metric=faiss.METRIC_INNER_PRODUCT)[0][:, 0]
    assert abs(np.median(copies_nn) - np.median(real_nn)) < 0.03


@pytest.mark.parametrize("kind", ["ivf_sq8", "hnsw_sq8"])
def test_the_approximate_index_finds_what_exact_search_finds(library, questions, small_threshold, kind, monkeypatch):
    monkeypatch.setenv("HOCTAP_VECTOR_INDEX", kind)
    index = vector_index.build_vector_index(library)
    entry = vector_index.describe(index)
    assert entry["type"] == kind and entry["vectors"] == LIBRARY
    sims, ids = index.search(questions, 10)
    assert vector_index.recall_at(ids, exact_top(library, questions)) >= 0.95
    # scores are cosine similarities (8-bit approximations of them)
    exact = np.sum(library[ids[:, 0]] * questions, axis=1)
    assert np.max(np.abs(sims[:, 0] - exact)) < 0.02


def test_the_manifest_records_the_type_and_a_loaded_index_searches_identically(
    library, questions, small_threshold, tmp_path
):
    data_dir = tmp_path
    out = data_dir / "index-a"
    write_index(out, list(range(LIBRARY)), [["x"]] * LIBRARY, library, {"build_id": "ann-1"})
    swap_in(data_dir, out)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["vector_index"]
    assert entry["type"] == "ivf_sq8" and entry["nlist"] == vector_index.ivf_lists(LIBRARY)
    assert 1 <= entry["nprobe"] <= entry["nlist"] and "dense.faiss" in manifest["files"]

    loaded = load_index(data_dir).faiss_index
    assert faiss.extract_index_ivf(loaded).nprobe == entry["nprobe"]
    fresh = vector_index.build_vector_index(library)  # the same build, in memory
    assert vector_index.describe(fresh) == entry
    for a, b in zip(fresh.search(questions, 10), loaded.search(questions, 10)):
        assert np.array_equal(a, b)
    # a manifest's parameters win over whatever the file holds
    vector_index.configure(loaded, dict(entry, nprobe=3))
    assert faiss.extract_index_ivf(loaded).nprobe == 3


def test_below_the_threshold_the_index_stays_exact(real, tmp_path, monkeypatch):
    monkeypatch.delenv("HOCTAP_VECTOR_EXACT_MAX", raising=False)
    write_index(tmp_path / "i", list(range(len(real))), [["x"]] * len(real), real, {})
    entry = json.loads((tmp_path / "i" / "manifest.json").read_text())["vector_index"]
    assert entry == {"type": "flat", "vectors": len(real), "metric": "inner_product"}


def test_the_retriever_over_an_approximate_index_ranks_like_exact_search(assistant, real, small_threshold, monkeypatch):
    """Dense search through the approximate index finds the exact index's best chunks; a search restricted to a
    few chunks the approximate search did not return still ranks them all by their cosine similarity."""
    exact = assistant.retriever
    monkeypatch.setenv("HOCTAP_VECTOR_EXACT_MAX", "10")
    approx_index = vector_index.build_vector_index(real)
    assert vector_index.describe(approx_index)["type"] == "ivf_sq8"
    files = exact.index
    approx = Retriever(
        IndexFiles(files.root, files.chunk_ids, files.bm25, approx_index, files.manifest), exact.embedder
    )
    assert not approx.exact and exact.exact
    q = "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?"
    want = [h.chunk_id for h in exact.search(q, k=5, mode="dense")]
    got = [h.chunk_id for h in approx.search(q, k=5, mode="dense")]
    assert len(set(want) & set(got)) >= 4

    monkeypatch.setattr(retrieval, "APPROX_DENSE_K", 5)  # the approximate search returns 5 chunks
    approx._score_cache.clear()
    far = [h.chunk_id for h in exact.search(q, k=len(exact.chunk_ids), mode="dense")][-30:]
    restricted = approx.search(q, k=30, mode="dense", allowed=set(far))
    assert {h.chunk_id for h in restricted} == set(far)
    by_exact = {h.chunk_id: h.dense for h in exact.search(q, k=30, mode="dense", allowed=set(far))}
    assert all(abs(h.dense - by_exact[h.chunk_id]) < 0.02 for h in restricted)
    assert len({h.chunk_id for h in restricted[:5]} & set(list(by_exact)[:5])) >= 4


def test_a_store_built_above_the_threshold_answers_through_the_approximate_index(
    assistant, store_copy, small_threshold, monkeypatch
):
    """The real indexer writes an IVF-SQ8 index when the store is above the threshold (here 10 chunks), the
    assistant loads it with its nprobe, /healthz's dense check passes, and the development questions are answered
    (dense retrieval alone) as well as over the exact index, by the shared scorer's check."""
    from bench.common import load_scorer
    from bot.assistant import Assistant
    from bot.health import check_dense
    from indexer.build import build
    from tests.support.channels import settings_for
    from tests.support.uploads import KN

    monkeypatch.setenv("HOCTAP_VECTOR_EXACT_MAX", "10")
    settings = settings_for(store_copy)
    rep = build(settings, [KN], force=True)
    assert not rep.errors and rep.dense
    entry = json.loads((store_copy / "index" / "manifest.json").read_text())["vector_index"]
    assert entry["type"] == "ivf_sq8" and entry["vectors"] == len(assistant.retriever.chunk_ids)

    approx = Assistant.from_settings(settings)
    fi = approx.retriever.index.faiss_index
    assert not approx.retriever.exact and faiss.extract_index_ivf(fi).nprobe == entry["nprobe"]
    assert check_dense(approx, json.loads((store_copy / "index" / "manifest.json").read_text())).ok

    check, _ = load_scorer()
    lines = (ROOT.parent / "shared" / "eval" / "dev_questions.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(x) for x in lines if x.strip()]
    ok = {name: 0 for name in ("exact", "approx")}
    for c in cases:
        for name, a in (("exact", assistant), ("approx", approx)):
            ok[name] += bool(check(c, a.ask(c["q"], mode="dense").to_dict())[0])
    assert ok["approx"] >= ok["exact"] - 1 and ok["exact"] >= 0.8 * len(cases)
