"""The project benchmark: indexing cost and answering latency/accuracy.

    python -m bench --data-dir D [--cases PATH] [--repeats 3] [--cold-runs 3] [--scale 0]
    python -m bench --corpus DIR [--corpus DIR ...] [--questions FILE] [--compare-float]   (bench/corpus.py)
    python -m bench --data-dir D --ann [--ann-sizes N ...] [--ann-types T ...] [--hnsw-max N]   (bench/ann.py)

D must hold a built store (`python -m indexer --data-dir D build knowledge`; built here if missing).

Indexing (into a fresh temporary data folder; only the converted e5 model is shared with D):
  a forced full build and an "unchanged" re-run, each in its own process, with per-stage timings,
  seconds per document and per 1,000 chunks, and the process's peak RSS.
Answering:
  cold start — a `python -m bot --data-dir D ask --json QUESTION` process, from its start to its
  first JSON line on stdout (and its peak RSS);
  warm latency — in-process, after one warm-up pass, p50/p95 per question over the development set
  for mode=hybrid, lexical and dense, each with the answer accuracy judged by `check` from
  ../shared/eval/score.py, also on the same questions with their diacritics removed.
Target: warm p95 < 50 ms (default mode, hybrid).

Prints a table and writes everything to D/bench.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from bench.common import ROOT, SHARED_EVAL, child_env, load_scorer, log, model_dir, pct, run_build, table, wait_rusage

TARGET_P95_MS = 50.0
MODES = ("hybrid", "lexical", "dense")
COLD_QUESTION = "Ai phải báo cáo trước ngày 15/12?"

# used only when ../shared/eval is absent: a few questions with their gold document (and refusals)
BUILTIN_CASES = [
    {
        "id": "b01",
        "q": "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?",
        "files": ["bgddt-2021-trien-khai-de-an-1373"],
    },
    {"id": "b02", "q": "han bao cao ve so gddt tien giang", "files": ["tiengiang-2021-ke-hoach-xhht"]},
    {
        "id": "b03",
        "q": "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?",
        "files": ["daknong-2021-3597-ubnd-kgvx"],
    },
    {
        "id": "b04",
        "q": "Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?",
        "files": ["tiengiang-2021-ke-hoach-xhht"],
    },
    {
        "id": "b05",
        "q": "Hội Khuyến học Hải Phòng được đề nghị làm gì?",
        "files": ["haiphong-2022-khai-thac-tai-lieu-xhht"],
    },
    {"id": "b06", "q": "Dòng họ học tập được công nhận theo quyết định nào?", "files": ["bgddt-2017-162-gdtx"]},
    {
        "id": "b07",
        "q": "Lao động nông thôn muốn học nghề thì được hỗ trợ thế nào?",
        "files": ["tiengiang-2021-ke-hoach-xhht", "daknong-2021-3597-ubnd-kgvx"],
    },
    {"id": "b08", "q": "Giá xăng hôm nay bao nhiêu?", "answered": False},
    {"id": "b09", "q": "Thủ tục đăng ký kết hôn gồm những gì?", "answered": False},
]


# -- helpers ----------------------------------------------------------------------------------


def strip_diacritics(s: str) -> str:
    """The question as typed without Vietnamese input: no marks, đ → d (case kept)."""
    t = unicodedata.normalize("NFD", s)
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", t.replace("đ", "d").replace("Đ", "D"))


def load_cases(path: Path | None) -> tuple[list[dict], str]:
    p = path or (SHARED_EVAL / "dev_questions.jsonl")
    if p.is_file():
        with open(p, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()], str(p)
    return list(BUILTIN_CASES), "built-in questions (../shared/eval absent)"


# -- setup ------------------------------------------------------------------------------------------


def ensure_store(data_dir: Path) -> None:
    """Build D if it holds no index yet (the Makefile's `bench` target runs `setup` first)."""
    if (data_dir / "index" / "manifest.json").exists():
        return
    log(f"no store in {data_dir}: building it first")
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", str(ROOT / "knowledge")],
        cwd=ROOT,
        env=child_env(),
    )
    if r.returncode != 0:
        raise SystemExit(f"indexer failed ({r.returncode})")


# -- indexing -----------------------------------------------------------------------------------------


def scaled_sources(tmp: Path, copies: int) -> list[str]:
    """knowledge/ plus `copies` renamed copies of each document (a larger corpus of the same kind)."""
    src = tmp / "corpus"
    src.mkdir(parents=True, exist_ok=True)
    for f in sorted((ROOT / "knowledge").iterdir()):
        if f.suffix.lower() in (".txt", ".docx", ".pdf", ".md"):
            shutil.copy2(f, src / f.name)
            for i in range(1, copies + 1):
                shutil.copy2(f, src / f"{f.stem}-copy{i}{f.suffix}")
    return [str(src)]


def bench_indexing(data_dir: Path, scale: int) -> dict:
    model = model_dir(data_dir)
    tmp = Path(tempfile.mkdtemp(prefix="xhht-bench-"))
    try:
        store = tmp / "data"
        store.mkdir()
        if model is not None:  # share only the converted model: nothing else is cached
            (store / "models").mkdir()
            os.symlink(model.resolve(), store / "models" / model.name)
        sources = scaled_sources(tmp, scale) if scale > 0 else [str(ROOT / "knowledge")]
        log("indexing: full build (force) into a fresh folder")
        full = run_build(store, sources, force=True)
        log("indexing: unchanged re-run")
        again = run_build(store, sources, force=False)
        docs, chunks = full["documents"], full["chunks"]
        res = {
            "sources": "knowledge/" + (f" + {scale} renamed copies of each document" if scale else ""),
            "documents": docs,
            "chunks": chunks,
            "dense": full["dense"],
            "full": full,
            "unchanged": again,
            "full_build_s": full["seconds"],
            "s_per_document": full["seconds"] / max(1, docs),
            "s_per_1000_chunks": full["seconds"] / max(1, chunks) * 1000,
            "unchanged_rerun_s": again["seconds"],
            "peak_rss_mb": full["peak_rss_mb"],
            "unchanged_peak_rss_mb": again["peak_rss_mb"],
        }
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- answering ----------------------------------------------------------------------------------------


def cold_start(data_dir: Path, runs: int) -> dict:
    """Process start → first JSON line of `python -m bot ask --json QUESTION`."""
    results = []
    for i in range(runs):
        cmd = [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "ask", "--json", COLD_QUESTION]
        t0 = time.perf_counter()
        p = subprocess.Popen(
            cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        first = None
        for line in p.stdout:
            if line.lstrip().startswith("{"):
                first = time.perf_counter() - t0
                answer = json.loads(line)
                break
        p.stdout.read()
        rc, rss = wait_rusage(p)
        if first is None:
            raise RuntimeError(f"`python -m bot ask` gave no JSON line (rc={rc})")
        results.append(
            {
                "first_answer_s": first,
                "answered": answer.get("answered"),
                "answer_elapsed_ms": answer.get("elapsed_ms"),
                "peak_rss_mb": rss,
                "rc": rc,
            }
        )
        log(f"cold start {i + 1}/{runs}: {first:.2f} s")
    ts = sorted(r["first_answer_s"] for r in results)
    return {
        "question": COLD_QUESTION,
        "runs": results,
        "min_s": ts[0],
        "median_s": ts[len(ts) // 2],
        "max_s": ts[-1],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
    }


def _today(case: dict) -> dt.date | None:
    return dt.date.fromisoformat(case["today"]) if case.get("today") else None


def accuracy(cases: list[dict], results: list[dict], check) -> dict:
    """answer_acc / hit@3 / refusal_acc over cases, aggregated as score.py does."""
    ok_ans = n_ans = ref_ok = ref_n = 0
    hits = []
    failed = []
    for c, r in zip(cases, results):
        ok, hit, why = check(c, r)
        if c.get("retrieval_only"):
            hits.append(bool(hit))
        elif c.get("answered", True):
            n_ans += 1
            ok_ans += bool(ok)
            if hit is not None:
                hits.append(bool(hit))
        else:
            ref_n += 1
            ref_ok += bool(ok)
        if not ok or hit is False:
            failed.append({"id": c.get("id"), "q": c["q"], "why": why})
    return {
        "answer_acc": ok_ans / max(1, n_ans),
        "hit_at_3": sum(hits) / max(1, len(hits)),
        "refusal_acc": ref_ok / max(1, ref_n),
        "failed": failed,
    }


def warm(data_dir: Path, cases: list[dict], check, repeats: int) -> dict:
    from bot.assistant import Assistant

    logging.getLogger().setLevel(logging.ERROR)
    t0 = time.perf_counter()
    assistant = Assistant.from_settings(data_dir=data_dir)
    load_s = time.perf_counter() - t0
    stripped = [dict(c, q=strip_diacritics(c["q"])) for c in cases]
    out = {
        "load_s": load_s,
        "dense_enabled": bool(assistant.retriever and assistant.retriever.dense_enabled),
        "questions": len(cases),
        "repeats": repeats,
        "modes": {},
    }
    for mode in MODES:
        log(f"warm latency: mode={mode}")
        out["modes"][mode] = _warm_mode(assistant, cases, stripped, mode, check, repeats)
    out["process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _warm_mode(assistant, cases: list[dict], stripped: list[dict], mode: str, check, repeats: int) -> dict:
    """Latency and accuracy of one mode: `repeats` timed passes after a warm-up, then the questions without
    their diacritics (after a warm-up of their own)."""
    _one_pass(assistant, cases, mode)  # warm-up pass
    lat: list[float] = []
    per_q: dict[str, list[float]] = {}
    res = None
    for _ in range(repeats):
        res = _one_pass(assistant, cases, mode, lat, per_q)
    slowest = sorted(((sorted(v)[len(v) // 2], q) for q, v in per_q.items()), reverse=True)[:3]
    acc = accuracy(cases, res, check)
    _one_pass(assistant, stripped, mode)  # warm-up for the stripped wording too
    lat_nd: list[float] = []
    res_nd = _one_pass(assistant, stripped, mode, lat_nd)
    acc_nd = accuracy(stripped, res_nd, check)
    return {
        "p50_ms": pct(lat, 0.5),
        "p95_ms": pct(lat, 0.95),
        "max_ms": max(lat),
        "mean_ms": sum(lat) / len(lat),
        "samples": len(lat),
        "slowest_median_ms": [{"q": q, "ms": ms} for ms, q in slowest],
        "via_retrieval": sum(1 for a in res if a["answered"] and a["intent"] in ("search", "howto")),
        "retrieval_hit_at_3": _retrieval_hit3(assistant, cases, mode),
        **{k: acc[k] for k in ("answer_acc", "hit_at_3", "refusal_acc")},
        "failed": acc["failed"],
        "no_diacritics": {
            "p50_ms": pct(lat_nd, 0.5),
            "p95_ms": pct(lat_nd, 0.95),
            "retrieval_hit_at_3": _retrieval_hit3(assistant, stripped, mode),
            **{k: acc_nd[k] for k in ("answer_acc", "hit_at_3", "refusal_acc")},
            "failed": acc_nd["failed"],
        },
    }


def _one_pass(assistant, cs: list[dict], mode: str, lat=None, per_q=None) -> list[dict]:
    """Every question asked once; each answer's milliseconds appended to `lat` and to `per_q[question]`."""
    res = []
    for c in cs:
        t = time.perf_counter()
        a = assistant.ask(c["q"], conversation_id=None, today=_today(c), mode=mode)
        ms = (time.perf_counter() - t) * 1000
        if lat is not None:
            lat.append(ms)
        if per_q is not None:
            per_q.setdefault(c["q"], []).append(ms)
        res.append(a.to_dict())
    return res


def _retrieval_hit3(assistant, cs: list[dict], mode: str) -> float | None:
    """Raw retriever, no facts and no re-ranking: a gold document among the top 3 chunks."""
    from bot.understanding import understand

    r = assistant.retriever
    if r is None:
        return None
    hits = []
    for c in cs:
        if not c.get("files") or not c.get("answered", True):
            continue
        u = understand(c["q"], assistant.lex, _today(c) or dt.date.today())
        top = r.search(u.text, k=3, mode=mode, expanded=assistant.lex.expand(u.text))
        docs = {assistant.kb.chunks[h.chunk_id].document_id for h in top if h.chunk_id in assistant.kb.chunks}
        hits.append(bool(docs & set(c["files"])))
    return sum(hits) / max(1, len(hits))


def embedding_numbers(data_dir: Path) -> dict | None:
    """Query-encoding latency (the dense part of a hybrid answer), from bench/bench_embedding.py."""
    try:
        from bench import bench_embedding
        from bot.config import load_settings
        from bot.embedding import load_embedder

        emb = load_embedder(load_settings(data_dir))
        if emb is None:
            return None
        return bench_embedding.run(emb, n_passages=32, repeats=20)
    except Exception as e:  # the embedding numbers are an extra
        return {"error": f"{type(e).__name__}: {e}"}


# -- report ---------------------------------------------------------------------------------------------


def _f3(x) -> str:
    return "—" if x is None else f"{x:.3f}"


WARM_COLUMNS = [
    "mode",
    "p50 ms",
    "p95 ms",
    "max ms",
    "ans_acc",
    "hit@3",
    "refusal",
    "ans_acc*",
    "hit@3*",
    "refusal*",
    "p95 ms*",
    "via retr",
    "retr@3",
    "retr@3*",
]


def report(res: dict) -> str:
    out = []
    if res.get("indexing"):
        out += _indexing_lines(res["indexing"])
    cs = res.get("cold_start")
    if cs:
        out.append(f"COLD START — `python -m bot ask --json` to its first answer ({len(cs['runs'])} runs)")
        out.append(
            f"min {cs['min_s']:.2f} s   median {cs['median_s']:.2f} s   max {cs['max_s']:.2f} s   "
            f"peak RSS {cs['peak_rss_mb']:.0f} MB"
        )
        out.append("")
    if res.get("warm"):
        out += _warm_lines(res, res["warm"])
    e = res.get("embedding")
    if e and "error" not in e:
        out.append(
            f"EMBEDDING — query encoding median {e['query_latency_ms_median']} ms (max {e['query_latency_ms_max']}), "
            f"passages {e['passages_per_s']}/s"
        )
    la = res.get("loadavg_start"), res.get("loadavg_end")
    out.append(
        f"machine: {res['cpus']} CPUs, load average {la[0][0]:.1f} at start, {la[1][0]:.1f} at end "
        "(other processes inflate every number above)"
    )
    out.append(f"bench took {res['bench_s']:.0f} s; results in {res['json_path']}")
    return "\n".join(out)


def _indexing_lines(ix: dict) -> list[str]:
    f, u = ix["full"], ix["unchanged"]
    rows = [
        [
            "full build (force, fresh folder)",
            f"{f['seconds']:.2f} s",
            f"{f['wall_s']:.2f} s",
            f"{f['peak_rss_mb']:.0f} MB",
        ],
        ["unchanged re-run", f"{u['seconds']:.2f} s", f"{u['wall_s']:.2f} s", f"{u['peak_rss_mb']:.0f} MB"],
    ]
    stages = ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in f["timings"].items())
    return [
        f"INDEXING — {ix['documents']} documents, {ix['chunks']} chunks ({ix['sources']}), "
        f"dense={'yes' if ix['dense'] else 'no'}",
        table(rows, ["", "build()", "process", "peak RSS"]),
        f"per document: {ix['s_per_document']:.2f} s   per 1,000 chunks: {ix['s_per_1000_chunks']:.1f} s",
        f"stages: {stages}; imports {f['import_s']:.2f} s (not in build())",
        "",
    ]


def _warm_row(mode: str, m: dict) -> list[str]:
    nd = m["no_diacritics"]
    return [
        mode,
        f"{m['p50_ms']:.1f}",
        f"{m['p95_ms']:.1f}",
        f"{m['max_ms']:.1f}",
        f"{m['answer_acc']:.3f}",
        f"{m['hit_at_3']:.3f}",
        f"{m['refusal_acc']:.3f}",
        f"{nd['answer_acc']:.3f}",
        f"{nd['hit_at_3']:.3f}",
        f"{nd['refusal_acc']:.3f}",
        f"{nd['p95_ms']:.1f}",
        f"{m['via_retrieval']}",
        _f3(m["retrieval_hit_at_3"]),
        _f3(nd["retrieval_hit_at_3"]),
    ]


def _warm_lines(res: dict, w: dict) -> list[str]:
    out = [
        f"WARM ANSWERING — {w['questions']} questions × {w['repeats']} after a warm-up pass "
        f"({res['cases_source']}); accuracy by {res['checker']}",
        table([_warm_row(mode, m) for mode, m in w["modes"].items()], WARM_COLUMNS),
        "* the same questions with their diacritics removed.  via retr: answers that came from "
        "retrieval (the rest from extracted facts, where the mode plays no part).  retr@3: the "
        "retriever alone (no facts, no re-ranking) puts a gold document in its top 3.",
    ]
    for mode, m in w["modes"].items():
        for tag, fl in (("", m["failed"]), (" (no diacritics)", m["no_diacritics"]["failed"])):
            for x in fl:
                out.append(f"  {mode}{tag} FAIL {x['id']}: {x['q']} — {'; '.join(map(str, x['why']))[:160]}")
    for mode, m in w["modes"].items():
        slow = "; ".join(f"{x['ms']:.0f} ms {x['q'][:50]}" for x in m.get("slowest_median_ms", []))
        out.append(f"  slowest ({mode}, median of {w['repeats']}): {slow}")
    h = w["modes"].get("hybrid")
    if h:
        met = h["p95_ms"] < TARGET_P95_MS
        out.append(
            f"TARGET warm p95 < {TARGET_P95_MS:.0f} ms (hybrid, the default): "
            f"{h['p95_ms']:.1f} ms — {'MET' if met else 'NOT MET'}"
        )
    out.append("")
    return out


def _arguments() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="data folder with a built store (default $HOCTAP_DATA_DIR or var)")
    ap.add_argument(
        "--cases", type=Path, default=None, help="JSONL questions (default ../shared/eval/dev_questions.jsonl)"
    )
    ap.add_argument("--repeats", type=int, default=3, help="timed passes over the questions per mode")
    ap.add_argument("--cold-runs", type=int, default=3)
    ap.add_argument("--scale", type=int, default=0, help="also index N renamed copies of each document")
    ap.add_argument("--skip", nargs="*", default=[], choices=["indexing", "cold", "warm", "embedding"])
    ap.add_argument("--json", type=Path, default=None, help="where to write the results (default D/bench.json)")
    ap.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="library-scale run over this folder of documents (repeatable): see bench/corpus.py",
    )
    ap.add_argument(
        "--questions",
        type=Path,
        default=None,
        help="JSONL questions for --corpus (default ../shared/eval/laws/questions.jsonl)",
    )
    ap.add_argument(
        "--compare-float",
        action="store_true",
        help="with --corpus: also retrieval hit@3 with the float32 PyTorch model (slow)",
    )
    ap.add_argument("--keep", type=Path, default=None, help="with --corpus: build in this folder and keep it")
    ap.add_argument("--ann", action="store_true", help="vector search on synthetic libraries: see bench/ann.py")
    ap.add_argument("--ann-sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="with --ann: vectors")
    ap.add_argument(
        "--ann-types", nargs="+", default=["flat", "ivf_sq8", "hnsw_sq8"], choices=["flat", "ivf_sq8", "hnsw_sq8"]
    )
    ap.add_argument("--hnsw-max", type=int, default=100_000, help="with --ann: build HNSW up to this many vectors")
    return ap


def main(argv: list[str] | None = None) -> int:
    a = _arguments().parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from bot.config import load_settings

    data_dir = load_settings(a.data_dir).data_dir.resolve()
    t0 = time.perf_counter()
    if a.corpus:
        return _corpus_bench(a, data_dir, t0)
    if a.ann:
        return _ann_bench(a, data_dir, t0)
    ensure_store(data_dir)
    res = _project_bench(a, data_dir)
    res["bench_s"] = time.perf_counter() - t0
    res["loadavg_end"] = list(os.getloadavg())
    try:
        import torch

        res["torch_threads"] = torch.get_num_threads()
    except Exception:
        pass
    json_path = a.json or (data_dir / "bench.json")
    res["json_path"] = str(json_path)
    json_path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report(res))
    return 0


def _corpus_bench(a: argparse.Namespace, data_dir: Path, t0: float) -> int:
    """The library-scale run (bench/corpus.py), printed and written to the JSON file."""
    from bench import corpus

    res = corpus.run(
        [d.resolve() for d in a.corpus],
        (a.questions or corpus.DEFAULT_QUESTIONS).resolve(),
        data_dir,
        a.compare_float,
        a.keep.resolve() if a.keep else None,
    )
    res["bench_s"] = time.perf_counter() - t0
    json_path = a.json or (data_dir / "bench.json")
    res["json_path"] = str(json_path)
    json_path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(corpus.report(res))
    print(f"bench took {res['bench_s']:.0f} s; results in {json_path}")
    return 0


def _ann_bench(a: argparse.Namespace, data_dir: Path, t0: float) -> int:
    """Exact and approximate vector search on synthetic libraries (bench/ann.py), printed and written to JSON."""
    from bench import ann

    ensure_store(data_dir)
    work = Path(tempfile.mkdtemp(prefix="ann-", dir=data_dir))
    try:
        res = ann.run(data_dir, a.ann_sizes, a.ann_types, a.hnsw_max, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res["bench_s"] = time.perf_counter() - t0
    json_path = a.json or (data_dir / "bench-ann.json")
    json_path.write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(ann.report(res))
    print(f"bench took {res['bench_s']:.0f} s; results in {json_path}")
    return 0


def _project_bench(a: argparse.Namespace, data_dir: Path) -> dict:
    """The parts not skipped: indexing, cold start, warm answering, query encoding."""
    cases, cases_source = load_cases(a.cases)
    check, checker = load_scorer()
    res: dict = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "data_dir": str(data_dir),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "target_p95_ms": TARGET_P95_MS,
        "cases_source": cases_source,
        "checker": checker,
        "loadavg_start": list(os.getloadavg()),
    }
    if "indexing" not in a.skip:
        res["indexing"] = bench_indexing(data_dir, a.scale)
    if "cold" not in a.skip:
        res["cold_start"] = cold_start(data_dir, a.cold_runs)
    if "warm" not in a.skip:
        res["warm"] = warm(data_dir, cases, check, a.repeats)
        h = res["warm"]["modes"].get("hybrid")
        res["target_met"] = bool(h and h["p95_ms"] < TARGET_P95_MS)
    if "embedding" not in a.skip:
        res["embedding"] = embedding_numbers(data_dir)
    return res
