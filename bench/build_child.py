"""One indexer build in its own process, so the benchmark can read this process's peak RSS.

    python -m bench.build_child --data-dir TMP [--force] SOURCE ...

Prints one JSON line: the BuildReport's seconds, timings, chunk and document counts, the time
spent importing the indexer, and this process's peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

T_START = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.build_child")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    from bot.config import load_settings
    from indexer.build import build

    import_s = time.perf_counter() - t0
    settings = load_settings(a.data_dir)
    # a throw-away store: never a DATABASE_URL from the environment
    settings.database_url = f"sqlite:///{settings.data_dir / 'hoctap.sqlite3'}"
    rep = build(settings, a.sources, force=a.force)
    out = {
        "seconds": rep.seconds,
        "timings": {k: round(v, 3) for k, v in rep.timings.items()},
        "chunks": rep.chunks,
        "indexed": len(rep.indexed),
        "unchanged": len(rep.unchanged),
        "parsed": len(rep.parsed),
        "removed": len(rep.removed),
        "documents": len(rep.indexed) + len(rep.unchanged),
        "errors": [str(e) for e in rep.errors],
        "dense": rep.dense,
        "import_s": import_s,
        "process_s": time.perf_counter() - T_START,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
        "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),  # user + system, every thread
    }
    print(json.dumps(out), flush=True)
    return 1 if rep.errors else 0


if __name__ == "__main__":
    sys.exit(main())
