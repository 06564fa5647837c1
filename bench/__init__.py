"""Benchmarks: `python -m bench --data-dir D` (indexing cost, cold start, warm latency and accuracy)."""
