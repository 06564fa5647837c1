"""Fit the evidence ranking's weights (bot/evidence_model.json) on the development questions.

    python -m bench.train_evidence --data-dir DIR [--out bot/evidence_model.json]

DIR is a store of the seeds and the development bank's documents
(`python -m indexer --data-dir DIR build knowledge ../shared/eval/bank/docs`). The training questions
are the bank's `dev` split and the seeds' development set; the bank's `heldout` split is never read here.

A candidate line is a positive example when its document is one the question's answer comes from and the
line itself holds the most of what the answer must say (the scorer's `must` phrases and `dates`) among
all candidates of that question. The model is a logistic regression over standardised features
whose weights keep the sign evidence gives them (see POSITIVE / NEGATIVE), its regularisation chosen by
question-grouped cross-validation on the top-1 precision (the share of questions whose best-ranked line is a positive one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.answer_eval import load_cases, load_scorer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
TRAIN_SETS = [(SHARED / "bank" / "questions.jsonl", "dev"), (SHARED / "dev_questions.jsonl", None)]
# the tuning set of the unseen test documents (tests/data/unseen; its holdout and final sets are never read here),
# answered over a store of knowledge/ and those documents (--unseen-store)
UNSEEN_SET = (ROOT / "tests" / "data" / "unseen_questions.jsonl", None)
# questions written without looking at the assistant's answers on the bank's documents, the evidence test documents
# (tests/data/evidence) and the seeds (bench/data/probe_questions.jsonl): its `dev` half is fitted on, answered over
# a store of knowledge/, the bank's documents and tests/data/evidence (--probe-store); its `heldout` half never
PROBE_SET = (ROOT / "bench" / "data" / "probe_questions.jsonl", "dev")
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5


def answer_share(case: dict, text: str, scorer) -> float:
    """How much of what the answer must say this text holds (0..1), as the scorer reads it."""
    fa = scorer.fold(text)
    groups = case.get("must", [])
    dates = case.get("dates", [])
    if not groups and not dates:
        return 0.0
    got = sum(any(scorer.fold(alt) in fa for alt in g) for g in groups)
    found = scorer.dates_in(text)
    got += sum((int(d.split("/")[0]), int(d.split("/")[1])) in found for d in dates)
    return got / (len(groups) + len(dates))


def collect(assistant, cases: list[dict], scorer):
    """Feature rows, labels and question groups of every candidate of the answerable questions."""
    import datetime as dt

    from bot.assistant import picks
    from bot.evidence import EvidenceRanker

    rows, labels, groups = [], [], []
    for qi, case in enumerate(cases):
        if not case.get("answered", True) or not (case.get("must") or case.get("dates")):
            continue
        today = dt.date.fromisoformat(case["today"]) if case.get("today") else None
        ctx = assistant.context(case["q"], today)
        ranker = EvidenceRanker(ctx, ctx.topic(), model=ZERO_MODEL, picks=picks(assistant.fact_answer(ctx)))
        cands = ranker.candidates()
        gold = set(case.get("files", []))
        shares = [answer_share(case, c.text, scorer) if (not gold or c.document_id in gold) else 0.0 for c in cands]
        best = max(shares, default=0.0)
        if best <= 0:
            continue
        for c, s in zip(cands, shares):
            rows.append(c.features)
            labels.append(1 if s == best else 0)
            groups.append(qi)
    return rows, np.array(labels), np.array(groups)


ZERO_MODEL = {"features": [], "mean": [], "scale": [], "coef": [], "intercept": 0.0}


def top1(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    ok = n = 0
    for g in np.unique(groups):
        m = groups == g
        n += 1
        ok += int(labels[m][int(np.argmax(scores[m]))] == 1)
    return ok / max(1, n)


# The sign each weight may take: evidence for an answer (coverage, agreement of entities, what the line carries
# of the kind asked, the answerer's choice) can only raise a line's score, and conflicts, what a line lacks of
# the kind asked and the header or opening can only lower it. Without these bounds correlated features take
# weights of the wrong sign that fit the development questions and mislead on others.
POSITIVE = (
    "cov_",
    "salient_",
    "bm25_rel",
    "dense",
    "rank_inv",
    "_match",
    "_has",
    "_fact",
    "answerer_pick",
    "bigrams",
    "defines",
    "ask_document_header",
    "ask_number_percent",
    "ask_list_heading",
)
NEGATIVE = ("_conflict", "_lacks", "header", "preamble", "closing", "dense_gap")


def sign_bounds(names: list[str]) -> list[tuple[float | None, float | None]]:
    out = []
    for n in names:
        if n in ("ask_document_header",) or any(n.startswith(p) or n.endswith(p) for p in POSITIVE):
            out.append((0.0, None) if n != "dense_gap" else (None, 0.0))
        elif any(n.startswith(p) or n.endswith(p) for p in NEGATIVE):
            out.append((None, 0.0))
        else:
            out.append((None, None))
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, c: float, bounds) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (as scikit-learn's, C the inverse strength) with bounded weights."""
    from scipy.optimize import minimize

    n, d = X.shape
    s = 2.0 * y - 1.0

    def loss(wb):
        w, b = wb[:d], wb[d]
        z = s * (X @ w + b)
        value = np.logaddexp(0.0, -z).sum() + 0.5 / c * (w @ w)
        g = -s * (1.0 / (1.0 + np.exp(z)))
        return value, np.concatenate([X.T @ g + w / c, [g.sum()]])

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=list(bounds) + [(None, None)])
    return res.x[:d], float(res.x[d])


def fit(rows, labels, groups):
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    names = sorted({k for r in rows for k in r})
    X = np.array([[r.get(k, 0.0) for k in names] for r in rows], dtype=np.float64)
    bounds = sign_bounds(names)
    best_c, best_p = None, -1.0
    for c in C_GRID:
        scores = np.zeros(len(labels))
        for tr, te in GroupKFold(n_splits=FOLDS).split(X, labels, groups):
            sc = StandardScaler().fit(X[tr])
            w, b = fit_logistic(sc.transform(X[tr]), labels[tr], c, bounds)
            scores[te] = sc.transform(X[te]) @ w + b
        p = top1(scores, labels, groups)
        print(f"C={c}: cross-validated top-1 {p:.3f}")
        if p > best_p:
            best_c, best_p = c, p
    sc = StandardScaler().fit(X)
    w, b = fit_logistic(sc.transform(X), labels, best_c, bounds)
    fitted = top1(sc.transform(X) @ w + b, labels, groups)
    print(f"chosen C={best_c}: cross-validated top-1 {best_p:.3f}, on the training questions {fitted:.3f}")
    return {
        "features": names,
        "mean": [round(float(x), 6) for x in sc.mean_],
        "scale": [round(float(x), 6) for x in sc.scale_],
        "coef": [round(float(x), 6) for x in w],
        "intercept": round(b, 6),
        "C": best_c,
        "cv_top1": round(best_p, 4),
        "questions": int(len(np.unique(groups))),
        "candidates": int(len(labels)),
    }


SHARE_GRID = [round(0.2 + 0.02 * i, 2) for i in range(21)]  # 0.20 … 0.60
WEAK_GRID = [round(0.05 * i, 2) for i in range(11)]  # 0 … 0.50
NEAR_GRID = [round(0.3 + 0.05 * i, 2) for i in range(15)]  # 0.30 … 1.00
# the off-topic questions the refusal thresholds were first tuned on (bench/data; its holdout and final sets are
# never read here), asked over the unseen documents' store
OFFTOPIC_TUNE = (ROOT / "bench" / "data" / "offtopic_tune.jsonl", None)


def refusal_points(stores, model: dict) -> list[tuple[bool, float, float, float]]:
    """(off-topic?, missing share, best line's score, missing share near the best lines) of every
    tuning question that has a topic."""
    from bot.evidence import EvidenceRanker, best_score, missing_near, missing_share, missing_words

    out = []
    for assistant, sets in stores:
        for path, split in sets:
            for case in load_cases(str(path), split):
                ctx = assistant.context(case["q"])
                units = ctx.topic()
                if assistant.is_statement(ctx) or not units:
                    continue
                ranked = EvidenceRanker(ctx, units, model=model).candidates()
                missing = missing_words(ctx, units, ranked) if ranked else []
                near = missing_near(ctx, units, ranked) if ranked else []
                top = best_score(ranked)
                share = missing_share(ctx, units, missing) if missing else 0.0
                near_share = missing_share(ctx, units, near) if near else 0.0
                out.append((not case.get("answered", True), share, top, near_share))
    return out


def _refused(p, share, weak, near=2.0) -> bool:
    return (p[1] > 0 and (p[1] >= share or p[2] < weak)) or (p[3] > 0 and p[3] >= near)


def _best(points, grid) -> tuple:
    """The thresholds of `grid` that get the most tuning questions right, each counting once (most questions
    people ask are answerable; a wrong refusal costs as much as a wrong answer); ties: the least refusing."""
    off = [p for p in points if p[0]]
    ans = [p for p in points if not p[0]]
    return max(
        grid,
        key=lambda t: (
            sum(_refused(p, *t) for p in off) + sum(not _refused(p, *t) for p in ans),
            -sum(_refused(p, *t) for p in points),
        ),
    )


def calibrate_refusal(stores, model: dict) -> dict:
    """The missing-word share and weak-evidence score over all the evidence, then the missing share near the
    best lines, that best separate the tuning sets' off-topic questions from their answerable ones."""
    points = refusal_points(stores, model)
    share, weak = _best(points, [(s, w) for s in SHARE_GRID for w in WEAK_GRID])
    (_, _, near) = _best(points, [(share, weak, n) for n in NEAR_GRID + [2.0]])
    off = [p for p in points if p[0]]
    ans = [p for p in points if not p[0]]
    kept = sum(not _refused(p, share, weak, near) for p in ans) / max(1, len(ans))
    caught = sum(_refused(p, share, weak, near) for p in off) / max(1, len(off))
    print(
        f"refusal: missing share >= {share}, weak evidence < {weak}, near missing share >= {near}: "
        f"{caught:.3f} of {len(off)} off-topic refused, {kept:.3f} of {len(ans)} answerable kept"
    )
    return {
        "missing_min_share": share,
        "weak_evidence_score": weak,
        "near_missing_min_share": near,
        "off_topic_refused": round(caught, 3),
        "answerable_kept": round(kept, 3),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--unseen-store", default=None, help="a store of knowledge/ and tests/data/unseen")
    ap.add_argument(
        "--probe-store", default=None, help="a store of knowledge/, the bank's documents, tests/data/evidence"
    )
    ap.add_argument("--out", default=str(ROOT / "bot" / "evidence_model.json"))
    a = ap.parse_args(argv)
    from bot.assistant import Assistant

    assistant = Assistant.from_settings(data_dir=a.data_dir)
    scorer = load_scorer()
    stores = [(assistant, TRAIN_SETS)]
    if a.unseen_store:
        stores.append((Assistant.from_settings(data_dir=a.unseen_store), [UNSEEN_SET, OFFTOPIC_TUNE]))
    if a.probe_store:
        stores.append((Assistant.from_settings(data_dir=a.probe_store), [PROBE_SET]))
    rows, labels, groups = [], [], []
    for store, sets in stores:
        for path, split in sets:
            r, lab, g = collect(store, load_cases(str(path), split), scorer)
            rows += r
            labels.append(lab)
            groups.append(g + 100000 * len(groups))
    labels, groups = np.concatenate(labels), np.concatenate(groups)
    print(f"{len(np.unique(groups))} questions, {len(labels)} candidates, {int(labels.sum())} positive")
    model = fit(rows, labels, groups)
    model["refusal"] = calibrate_refusal(stores, model)
    Path(a.out).write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, coef in sorted(zip(model["features"], model["coef"]), key=lambda x: -abs(x[1])):
        print(f"  {name:22s} {coef:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
