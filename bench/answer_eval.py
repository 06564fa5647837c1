"""Answer accuracy in one process: loads the assistant once over a built store and scores question sets
with the shared scorer's own `check` (../shared/eval/score.py), so that tuning runs take seconds.

    python -m bench.answer_eval --data-dir DIR --cases ../shared/eval/bank/questions.jsonl --split dev [-v]

DIR is a store built by `python -m indexer --data-dir DIR build knowledge ../shared/eval/bank/docs`.
Fit and tune on `dev` only; `heldout` is reported, never tuned on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from bench.common import load_score_module as load_scorer  # the shared scorer as a module


def load_cases(path: str, split: str | None) -> list[dict]:
    cases = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    return [c for c in cases if split is None or c.get("split") == split]


def evaluate(assistant, cases: list[dict], scorer, verbose: bool = False, folded: bool = False) -> dict:
    n_ans = ok_ans = n_ref = ok_ref = 0
    hits: list[bool] = []
    elapsed: list[float] = []
    for c in cases:
        today = dt.date.fromisoformat(c["today"]) if c.get("today") else None
        res = assistant.ask(scorer.fold(c["q"]) if folded else c["q"], today=today).to_dict()
        ok, hit, why = scorer.check(c, res)
        elapsed.append(res["elapsed_ms"])
        if c.get("answered", True):
            n_ans += 1
            ok_ans += ok
            if hit is not None:
                hits.append(hit)
        else:
            n_ref += 1
            ok_ref += ok
        if verbose and (not ok or hit is False):
            print(f"FAIL {c['id']}: {c['q']}\n   why: {why}\n   answer: {res['answer'][:400]!r}")
    return {
        "answer_acc": ok_ans / max(1, n_ans),
        "hit@3": sum(hits) / max(1, len(hits)),
        "refusal_acc": ok_ref / max(1, n_ref),
        "answerable": n_ans,
        "off_topic": n_ref,
        "p95_ms": sorted(elapsed)[min(len(elapsed) - 1, int(0.95 * len(elapsed)))] if elapsed else 0.0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--cases", action="append", required=True)
    ap.add_argument("--split", default=None)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--fold", action="store_true", help="ask the questions without diacritics")
    a = ap.parse_args(argv)
    from bot.assistant import Assistant

    assistant = Assistant.from_settings(data_dir=a.data_dir)
    scorer = load_scorer()
    for path in a.cases:
        r = evaluate(assistant, load_cases(path, a.split), scorer, a.verbose, a.fold)
        print(
            f"{Path(path).name} split={a.split}: "
            + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
