"""Embedding benchmark: model load time, passage throughput and single-query latency.

    python -m bench.bench_embedding [--data-dir var] [--passages 128] [--chars 800]

Passages are ~`chars`-character chunks of the documents in knowledge/ (repeated if needed).
`run` returns the numbers as a dict, so a larger benchmark can call it too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bot.config import KNOWLEDGE_DIR, Settings, load_settings
from bot.embedding import Embedder, load_embedder

QUERIES = [
    "Sở Giáo dục và Đào tạo phải báo cáo trước ngày nào?",
    "làm sao để trở thành công dân học tập",
    "Đề án 1373 giao nhiệm vụ gì cho UBND cấp xã?",
    "chi tieu trung tam hoc tap cong dong nam 2025",
]


def sample_passages(n: int, chars: int = 800, folder: Path = KNOWLEDGE_DIR) -> list[str]:
    """`n` chunks of about `chars` characters cut at line ends from the .txt files in `folder`."""
    chunks: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        cur = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            cur = f"{cur} {line}".strip()
            if len(cur) >= chars:
                chunks.append(cur[: chars * 2])
                cur = ""
        if cur:
            chunks.append(cur)
    if not chunks:
        chunks = ["Sở Giáo dục và Đào tạo báo cáo trước ngày 15/12 hằng năm."]
    return [chunks[i % len(chunks)] for i in range(n)]


def run(embedder: Embedder, n_passages: int = 128, chars: int = 800, repeats: int = 20) -> dict:
    """Throughput (passages/s) and median single-query latency (ms) for `embedder`."""
    passages = sample_passages(n_passages, chars)
    embedder.encode_queries(QUERIES[:1])  # warm-up
    tokens = sum(embedder.token_counts([embedder.passage_prefix + p for p in passages]))
    t0 = time.perf_counter()
    embedder.encode_passages(passages)
    dt = time.perf_counter() - t0
    lat = []
    for i in range(repeats):
        t = time.perf_counter()
        embedder.encode_queries([QUERIES[i % len(QUERIES)]])
        lat.append((time.perf_counter() - t) * 1000)
    return {
        "model": embedder.name,
        "backend": embedder.backend,
        "dim": embedder.dim,
        "passages": len(passages),
        "mean_tokens_per_passage": round(tokens / len(passages), 1),
        "passages_per_s": round(len(passages) / dt, 1),
        "tokens_per_s": round(tokens / dt),
        "query_latency_ms_median": round(statistics.median(lat), 1),
        "query_latency_ms_max": round(max(lat), 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="embedding benchmark")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--passages", type=int, default=128)
    ap.add_argument("--chars", type=int, default=800)
    args = ap.parse_args(argv)
    settings: Settings = load_settings(args.data_dir)
    t0 = time.perf_counter()
    emb = load_embedder(settings)  # converts the default model first if missing
    load_s = time.perf_counter() - t0
    if emb is None:
        print(json.dumps({"error": "embedding model could not be loaded"}))
        return 1
    result = {"load_s": round(load_s, 1), **run(emb, args.passages, args.chars)}
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
