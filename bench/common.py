"""Helpers shared by the benchmarks (bench/run.py, bench/corpus.py, bench/relevance.py): paths, the scorer of
../shared/eval, percentiles, child processes and their peak memory, the converted model, tables."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_EVAL = ROOT.parent / "shared" / "eval"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile, as ../shared/eval/score.py computes it."""
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


SCORER = SHARED_EVAL / "score.py"


def load_score_module(path: Path = SCORER):
    """../shared/eval/score.py as a module (its `check`, `fold`, `dates_in`)."""
    spec = importlib.util.spec_from_file_location("xhht_eval_score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_scorer():
    """`check(case, result)` from ../shared/eval/score.py, or a minimal stand-in if it is absent."""
    if SCORER.is_file():
        return load_score_module().check, str(SCORER)

    def check(case, res):  # answered as expected, and a gold document among the first three sources
        if res is None:
            return False, False, ["no answer"]
        if not case.get("answered", True):
            return not res.get("answered"), None, []
        files = [Path(str(s.get("file", ""))).stem for s in (res.get("sources") or [])[:3]]
        hit = any(f in case.get("files", []) for f in files) if case.get("files") else None
        ok = bool(res.get("answered")) and hit is not False
        return ok, hit, []

    return check, "built-in check (../shared/eval/score.py absent)"


def wait_rusage(proc: subprocess.Popen) -> tuple[int, float]:
    """Reap `proc` with wait4: its exit status and its own peak RSS in MB."""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru.ru_maxrss / 1024


def child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def model_dir(data_dir: Path) -> Path | None:
    """The converted default model in D (converted now, outside any timing, if missing)."""
    if os.environ.get("HOCTAP_EMBEDDING_MODEL", "").strip():
        return None  # a model named in the environment is used as is
    m = data_dir / "models" / "multilingual-e5-small"
    if not (m / "modules.json").is_file():
        log("converting the e5 model (not timed)")
        subprocess.run(
            [sys.executable, "-m", "indexer.e5convert", "--out", str(m)], cwd=ROOT, env=child_env(), check=True
        )
    return m


def run_build(tmp: Path, sources: list[str], force: bool) -> dict:
    cmd = [sys.executable, "-m", "bench.build_child", "--data-dir", str(tmp)] + (["--force"] if force else []) + sources
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.read()
    err = p.stderr.read()
    rc, rss = wait_rusage(p)
    wall = time.perf_counter() - t0
    line = next((x for x in reversed(out.splitlines()) if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"build failed (rc={rc}): {err[-2000:]}")
    res = json.loads(line)
    res.update(wall_s=wall, rc=rc, peak_rss_mb=rss)
    return res


def table(rows: list[list[str]], head: list[str]) -> str:
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda r: "  ".join(str(x).ljust(n) if i == 0 else str(x).rjust(n) for i, (x, n) in enumerate(zip(r, w)))
    return "\n".join([line(head), "  ".join("-" * n for n in w)] + [line(r) for r in rows])
