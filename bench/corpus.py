"""`python -m bench --corpus DIR [--corpus DIR ...] [--questions FILE]`: the library-scale benchmark.

In one run, on the same machine state:

* indexing — a full build of the corpus into a fresh data folder in its own process (only the
  converted model is shared): seconds, chunks/s, MB of text per minute, the stages, peak RSS;
* answering — in-process and warm (one pass first), per question p50/p95 for hybrid, lexical and
  dense answers, with hit@3 as ../shared/eval/score.py judges it, and the retriever's own hit@3;
  hybrid once more while another process keeps one core busy;
* serving — a `serve` process on the built folder: its RSS after answering;
* the reference — plain diacritic-folded BM25 (bm25s) over the corpus's lines, indexed and queried
  in the same run: indexing time, p50/p95, hit@3;
* with --compare-float, the float32 PyTorch model over the same chunks: retrieval hit@3 (dense and
  hybrid) beside the int8 ONNX model's, and the cosine between their passage vectors.

A hit is a gold file among the top three sources whose section (or quote) names the gold article.
Questions whose gold files are not all in the corpus are left out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.request
from pathlib import Path

import numpy as np

from bench.common import ROOT, SHARED_EVAL, child_env, load_scorer, log, model_dir, pct, run_build, table

MODES = ("hybrid", "lexical", "dense")
DEFAULT_QUESTIONS = SHARED_EVAL / "laws" / "questions.jsonl"
SUFFIXES = (".txt", ".md", ".docx", ".pdf")


def fold(s: str) -> str:
    s = unicodedata.normalize("NFD", s or "")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return s.replace("đ", "d").replace("Đ", "D").lower()


def names_article(text: str, sections: list[str]) -> bool:
    t = fold(text)
    return any(re.search(r"(?<![\w])%s(?!\d)" % re.escape(fold(w)), t) for w in sections)


def corpus_files(dirs: list[Path]) -> list[Path]:
    files = []
    for d in dirs:
        files += sorted(p for p in Path(d).iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    return files


def load_questions(path: Path, stems: set[str]) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                c = json.loads(line)
                if c.get("files") and set(c["files"]) <= stems:
                    out.append(c)
    return out


# -- the reference: plain folded BM25 over lines ----------------------------------------------------


def plain_bm25(files: list[Path], cases: list[dict]) -> dict:
    import bm25s
    import logging

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    lines, where = [], []
    for f in files:
        if f.suffix.lower() not in (".txt", ".md"):
            continue
        art = ""
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            m = re.match(r"\s*(Điều\s+\d+)", line)
            if m:
                art = m.group(1)
            lines.append(re.findall(r"\w+", fold(line)))
            where.append((f.stem, art, line))
    bm = bm25s.BM25()
    bm.index(lines, show_progress=False)
    index_s = time.perf_counter() - t0
    lat, hits = [], []
    for c in cases:
        t = time.perf_counter()
        q = re.findall(r"\w+", fold(c["q"]))
        scores = bm.get_scores(q)
        top = np.argsort(-scores)[:3]
        lat.append((time.perf_counter() - t) * 1000)
        hits.append(
            any(
                where[i][0] in c["files"]
                and (not c.get("sections") or names_article(where[i][1] + " " + where[i][2][:80], c["sections"]))
                for i in top
            )
        )
    return {
        "lines": len(lines),
        "index_s": index_s,
        "p50_ms": pct(lat, 0.5),
        "p95_ms": pct(lat, 0.95),
        "hit_at_3": sum(hits) / max(1, len(hits)),
    }


# -- answering ------------------------------------------------------------------------------------------


def _retrieval_hit(assistant, retriever, c: dict, mode: str) -> bool:
    from bot.understanding import understand

    u = understand(c["q"], assistant.lex, dt.date.today())
    top = retriever.search(u.text, k=3, mode=mode, expanded=assistant.lex.expand(u.text))
    for h in top:
        ch = assistant.kb.chunks.get(h.chunk_id)
        if (
            ch is not None
            and ch.document_id in c["files"]
            and (not c.get("sections") or names_article(f"{ch.section_path} {ch.text[:80]}", c["sections"]))
        ):
            return True
    return False


def answering(settings, cases: list[dict], check) -> dict:
    from bot.assistant import Assistant

    t0 = time.perf_counter()
    a = Assistant(settings)
    out = {
        "load_s": time.perf_counter() - t0,
        "questions": len(cases),
        "dense_enabled": bool(a.retriever and a.retriever.dense_enabled),
        "embedder": repr(getattr(a.retriever, "embedder", None)),
        "modes": {},
    }
    for mode in MODES:
        log(f"corpus: warm answering, mode={mode}")
        for c in cases:  # warm-up pass
            a.ask(c["q"], mode=mode)
        lat, res = [], []
        for c in cases:
            t = time.perf_counter()
            ans = a.ask(c["q"], mode=mode)
            lat.append((time.perf_counter() - t) * 1000)
            res.append(ans.to_dict())
        hits = [bool(check(c, r)[1]) for c, r in zip(cases, res)]
        out["modes"][mode] = {
            "p50_ms": pct(lat, 0.5),
            "p95_ms": pct(lat, 0.95),
            "max_ms": max(lat),
            "hit_at_3": sum(hits) / max(1, len(hits)),
            "retrieval_hit_at_3": sum(_retrieval_hit(a, a.retriever, c, mode) for c in cases) / max(1, len(cases)),
        }
    log("corpus: hybrid again with another process busy on one core")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        lat = []
        for c in cases:
            t = time.perf_counter()
            a.ask(c["q"], mode="hybrid")
            lat.append((time.perf_counter() - t) * 1000)
    finally:
        busy.kill()
        busy.wait()
    out["hybrid_one_core_busy"] = {"p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95)}
    out["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["_assistant"] = a
    return out


def compare_float(assistant, settings, cases: list[dict]) -> dict:
    """Dense and hybrid retrieval hit@3 with the float32 PyTorch model over the same chunks."""
    import faiss
    from sqlalchemy import select

    from bot import embedding
    from store.db import session_scope
    from store.knowledge import Chunk, Document
    from bot.retrieval import Retriever
    from bot.search_index import EmbeddingCache, IndexFiles
    from indexer.build import index_text

    os.environ["HOCTAP_EMBEDDING_BACKEND"] = "torch"
    try:
        flt = embedding.load_embedder(settings)
    finally:
        os.environ.pop("HOCTAP_EMBEDDING_BACKEND", None)
    if flt is None or flt.backend != "torch":
        return {"error": "the float model could not be loaded"}
    idx = assistant.retriever.index
    with session_scope(settings.database_url) as s:
        rows = {c.id: index_text(d, c) for c, d in s.execute(select(Chunk, Document).join(Document))}
    texts = [rows[int(cid)] for cid in idx.chunk_ids]
    log(f"corpus: encoding {len(texts)} chunks with the float model (cached in the bench folder)")
    t0 = time.perf_counter()
    cache = EmbeddingCache(settings.data_dir / "cache", f"{flt.checksum}:{flt.backend}")
    vf = cache.encode(flt, texts, batch=256)
    encode_s = time.perf_counter() - t0
    fi = faiss.IndexFlatIP(vf.shape[1])
    fi.add(vf)
    v8 = idx.faiss_index.reconstruct_n(0, idx.faiss_index.ntotal)
    cos = np.sum(v8 * vf, axis=1)
    float_retriever = Retriever(IndexFiles(idx.root, idx.chunk_ids, idx.bm25, fi, idx.manifest), flt)
    out = {
        "chunks": len(texts),
        "float_encode_s": encode_s,
        "float_passages_per_s": len(texts) / max(encode_s, 1e-9),
        "cosine_int8_vs_float": {
            "min": float(cos.min()),
            "p1": float(np.percentile(cos, 1)),
            "mean": float(cos.mean()),
        },
    }
    for mode in ("dense", "hybrid"):
        out[mode] = {
            "int8_retrieval_hit_at_3": sum(_retrieval_hit(assistant, assistant.retriever, c, mode) for c in cases)
            / max(1, len(cases)),
            "float_retrieval_hit_at_3": sum(_retrieval_hit(assistant, float_retriever, c, mode) for c in cases)
            / max(1, len(cases)),
        }
    return out


# -- serving ----------------------------------------------------------------------------------------------


def serve_rss(data_dir: Path, db_url: str, cases: list[dict], n: int = 30) -> dict:
    """RSS of a `serve` process on the built folder after answering `n` questions over HTTP."""
    env = child_env()
    env["DATABASE_URL"] = db_url
    env = {k: v for k, v in env.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    p = subprocess.Popen(
        [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "serve", "--no-sweeper", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = None
        t0 = time.perf_counter()
        for line in p.stdout:
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
                break
        if url is None:
            return {"error": "serve did not start"}
        start_s = time.perf_counter() - t0
        rss0 = _proc_mem(p.pid)
        for c in cases[:n]:
            req = urllib.request.Request(
                url + "api/ask",
                data=json.dumps({"question": c["q"][:1000]}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                urllib.request.urlopen(req, timeout=60).read()
            except Exception:  # noqa: BLE001 - rate limits etc. do not matter for memory
                pass
        return {
            "start_s": start_s,
            "rss_after_start_mb": rss0["VmRSS"],
            **{
                k: v
                for k, v in {
                    "rss_after_answers_mb": _proc_mem(p.pid)["VmRSS"],
                    "peak_rss_mb": _proc_mem(p.pid)["VmHWM"],
                }.items()
            },
        }
    finally:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def _proc_mem(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) / 1024
    return out


# -- the whole run ------------------------------------------------------------------------------------


def run(corpus_dirs: list[Path], questions: Path, data_dir: Path, float_compare: bool, keep: Path | None) -> dict:
    from bot.config import Settings

    files = corpus_files(corpus_dirs)
    stems = {f.stem for f in files}
    cases = load_questions(questions, stems)
    check, checker = load_scorer()
    mb = sum(f.stat().st_size for f in files) / 1e6
    res: dict = {
        "corpus": [str(d) for d in corpus_dirs],
        "files": len(files),
        "mb": mb,
        "questions": str(questions),
        "cases": len(cases),
        "checker": checker,
        "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
    }
    log(f"corpus: reference BM25 over lines ({len(files)} files, {mb:.1f} MB)")
    res["plain_bm25"] = plain_bm25(files, cases)
    model = model_dir(data_dir)
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="xhht-corpus-"))
    store = tmp / "data"
    store.mkdir(parents=True, exist_ok=True)
    try:
        if model is not None and not (store / "models").exists():
            (store / "models").mkdir()
            os.symlink(model.resolve(), store / "models" / model.name)
        src = tmp / "src"
        src.mkdir(exist_ok=True)
        for f in files:
            if not (src / f.name).exists():
                os.symlink(f.resolve(), src / f.name)
        log("corpus: full build in its own process")
        b = run_build(store, [str(src)], force=True)
        res["indexing"] = {
            **b,
            "chunks_per_s": b["chunks"] / max(b["seconds"], 1e-9),
            "mb_per_min": mb / max(b["seconds"], 1e-9) * 60,
        }
        settings = Settings(
            data_dir=store,
            database_url=f"sqlite:///{store / 'hoctap.sqlite3'}",
            embedding_model=os.environ.get("HOCTAP_EMBEDDING_MODEL", "").strip(),
        )
        ans = answering(settings, cases, check)
        assistant = ans.pop("_assistant")
        res["answering"] = ans
        if float_compare and assistant.retriever is not None and assistant.retriever.dense_enabled:
            res["float_compare"] = compare_float(assistant, settings, cases)
        del assistant
        log("corpus: serve process memory")
        res["serve"] = serve_rss(store, settings.database_url, cases)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    res["loadavg_end"] = list(os.getloadavg())
    return res


def report(res: dict) -> str:
    out = []
    ix = res.get("indexing", {})
    out.append(
        f"CORPUS — {res['files']} files, {res['mb']:.2f} MB ({', '.join(res['corpus'])}); "
        f"{res['cases']} questions from {res['questions']}"
    )
    if ix:
        stages = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in ix.get("timings", {}).items())
        out.append(
            f"indexing: {ix['chunks']} chunks in {ix['seconds']:.1f} s (process {ix['wall_s']:.1f} s) — "
            f"{ix['chunks_per_s']:.1f} chunks/s, {ix['mb_per_min']:.2f} MB/min, peak RSS "
            f"{ix['peak_rss_mb']:.0f} MB, dense={'yes' if ix.get('dense') else 'no'}"
        )
        out.append(f"  stages: {stages}")
    pb, an = res["plain_bm25"], res.get("answering")
    out.append(table(_answering_rows(pb, an), ["warm, per question", "p50 ms", "p95 ms", "max ms", "hit@3", "retr@3"]))
    out.append(f"reference BM25: {pb['lines']} lines indexed in {pb['index_s']:.2f} s")
    if an:
        out.append(
            f"answering process: load {an['load_s']:.1f} s, peak RSS {an['process_peak_rss_mb']:.0f} MB, "
            f"{an['embedder']}"
        )
    out += _float_lines(res.get("float_compare"))
    sv = res.get("serve")
    if sv and "error" not in sv:
        out.append(
            f"serve: ready in {sv['start_s']:.1f} s, RSS {sv['rss_after_start_mb']:.0f} MB at start, "
            f"{sv['rss_after_answers_mb']:.0f} MB after answering, peak {sv['peak_rss_mb']:.0f} MB"
        )
    la = res["loadavg_start"], res["loadavg_end"]
    out.append(f"machine: {res['cpus']} CPUs, load average {la[0][0]:.1f} at start, {la[1][0]:.1f} at end")
    return "\n".join(out)


def _answering_rows(pb: dict, an: dict | None) -> list[list[str]]:
    """The reference BM25's row, then the assistant's per mode and with one core busy."""
    rows = [
        [
            "plain folded BM25 over lines (reference)",
            f"{pb['p50_ms']:.2f}",
            f"{pb['p95_ms']:.2f}",
            "—",
            f"{pb['hit_at_3']:.3f}",
            "—",
        ]
    ]
    if an:
        for mode, m in an["modes"].items():
            rows.append(
                [
                    f"assistant, {mode}",
                    f"{m['p50_ms']:.1f}",
                    f"{m['p95_ms']:.1f}",
                    f"{m['max_ms']:.0f}",
                    f"{m['hit_at_3']:.3f}",
                    f"{m['retrieval_hit_at_3']:.3f}",
                ]
            )
        hb = an["hybrid_one_core_busy"]
        rows.append(["assistant, hybrid, one core busy", f"{hb['p50_ms']:.1f}", f"{hb['p95_ms']:.1f}", "—", "—", "—"])
    return rows


def _float_lines(fc: dict | None) -> list[str]:
    """The int8 model against the float32 one, when compared."""
    if not fc:
        return []
    if "error" in fc:
        return [f"float comparison: {fc['error']}"]
    c = fc["cosine_int8_vs_float"]
    out = [
        f"int8 vs float32 over {fc['chunks']} chunks: cosine min {c['min']:.4f}, p1 {c['p1']:.4f}, "
        f"mean {c['mean']:.4f}; float encoding {fc['float_passages_per_s']:.1f} chunks/s"
    ]
    for mode in ("dense", "hybrid"):
        out.append(
            f"  retrieval hit@3 {mode}: int8 {fc[mode]['int8_retrieval_hit_at_3']:.3f}, "
            f"float {fc[mode]['float_retrieval_hit_at_3']:.3f}"
        )
    return out
