"""`python -m bench.relevance [--data-dir D]`: what the relevance thresholds of bot/relevance.py buy.

Builds (once, into D/relevance-store) a store of knowledge/ plus the unseen test documents of
tests/data/unseen, then answers, in process:

* the development set (../shared/eval/dev_questions.jsonl) — must stay 1.0, and counts wrong refusals;
* off-topic questions shaped like domain ones (bench/data/offtopic_tune.jsonl, the split the
  thresholds were tuned on, and bench/data/offtopic_holdout.jsonl, never tuned on) — refusal rate;
* questions on the unseen documents (tests/data/unseen_questions.jsonl, written before the first run;
  tests/data/unseen_holdout_questions.jsonl, seen once before the last general fixes;
  tests/data/unseen_final_questions.jsonl and bench/data/offtopic_final.jsonl, written after the last
  change and never tuned on) — answer accuracy and refusal rate;

each with and without diacritics, and prints the thresholds in force. Results go to D/relevance.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.common import ROOT, SHARED_EVAL, load_scorer
from bench.run import strip_diacritics

SETS = [
    ("dev", SHARED_EVAL / "dev_questions.jsonl"),
    ("offtopic-tune", ROOT / "bench" / "data" / "offtopic_tune.jsonl"),
    ("offtopic-holdout", ROOT / "bench" / "data" / "offtopic_holdout.jsonl"),
    ("unseen", ROOT / "tests" / "data" / "unseen_questions.jsonl"),
    ("unseen-holdout", ROOT / "tests" / "data" / "unseen_holdout_questions.jsonl"),
    ("unseen-final", ROOT / "tests" / "data" / "unseen_final_questions.jsonl"),
    ("offtopic-final", ROOT / "bench" / "data" / "offtopic_final.jsonl"),
]


def build_store(data_dir: Path):
    from bot.config import load_settings
    from indexer.build import build

    settings = load_settings(data_dir)
    rep = build(settings, [str(ROOT / "knowledge"), str(ROOT / "tests" / "data" / "unseen")])
    if rep.errors:
        raise SystemExit("build failed: " + "; ".join(str(e) for e in rep.errors))
    return settings


def run_set(assistant, cases: list[dict], check, folded: bool) -> dict:
    import datetime as dt

    ok = n = wrong_refusals = 0
    failures = []
    for c in cases:
        q = strip_diacritics(c["q"]) if folded else c["q"]
        today = dt.date.fromisoformat(c["today"]) if c.get("today") else None
        res = assistant.ask(q, today=today).to_dict()
        good, hit, why = check(c, res)
        good = bool(hit) if c.get("retrieval_only") else good
        n += 1
        ok += bool(good)
        if c.get("answered", True) and not res["answered"]:
            wrong_refusals += 1
        if not good:
            failures.append({"id": c["id"], "q": q, "why": why[:2]})
    return {"n": n, "accuracy": round(ok / max(1, n), 3), "wrong_refusals": wrong_refusals, "failures": failures}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.relevance")
    ap.add_argument("--data-dir", default="var/bench")
    args = ap.parse_args(argv)
    data_dir = Path(args.data_dir) / "relevance-store"
    t0 = time.time()
    settings = build_store(data_dir)
    from bot import relevance
    from bot.answerers import base
    from bot.assistant import Assistant

    assistant = Assistant(settings)
    check, _ = load_scorer()
    out = {
        "thresholds": {
            k: getattr(relevance, k)
            for k in (
                "FACT_MIN_RELEVANCE",
                "PASSAGE_MIN_COVERAGE",
                "LONG_QUESTION_MIN_COVERAGE",
                "SHORT_QUESTION_UNITS",
                "LONG_QUESTION_UNITS",
                "DENSE_CONFIDENT_SIMILARITY",
                "DENSE_MIN_COVERAGE",
                "SINGLE_SYLLABLE_WEIGHT",
            )
        },
        "fact_chunk_top_k": base.FACT_CHUNK_TOP_K,
        "dense": bool(assistant.retriever and assistant.retriever.dense_enabled),
        "sets": {},
    }
    print(f"{'set':<18} {'n':>4} {'accents':>8} {'accuracy':>9} {'wrong refusals':>15}")
    for name, path in SETS:
        if not path.is_file():
            continue
        cases = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        for folded in (False, True):
            r = run_set(assistant, cases, check, folded)
            out["sets"][f"{name}{'-folded' if folded else ''}"] = r
            print(
                f"{name:<18} {r['n']:>4} {'no' if folded else 'yes':>8} {r['accuracy']:>9.3f} {r['wrong_refusals']:>15}"
            )
    out["seconds"] = round(time.time() - t0, 1)
    (Path(args.data_dir) / "relevance.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        "thresholds:",
        json.dumps(out["thresholds"]),
        "fact chunk top-k:",
        out["fact_chunk_top_k"],
        "dense:",
        out["dense"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
