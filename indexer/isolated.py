"""Reading an uploaded document in a child process (`python -m indexer.isolated FILE`) under a memory limit
(RLIMIT_AS, HOCTAP_PARSE_MEMORY_MB, default 2048) and a time limit (HOCTAP_PARSE_TIMEOUT_S, default 900): a file
that costs too much despite the budgets of `indexer.budgets` fails alone, with a clear message, and the process
that asked (the server) keeps serving. The child prints {"text", "pages"} or {"error"} as JSON."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from indexer.budgets import memory_limit_bytes, time_limit_s
from indexer.loaders import DocumentError, page_texts, read_document


def _limits() -> None:  # runs in the child, before it executes Python
    mem = memory_limit_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    t = time_limit_s()
    resource.setrlimit(resource.RLIMIT_CPU, (t, t + 5))


def read_isolated(path: Path) -> tuple[str, list[str] | None]:
    """(text, pages or None) of a document, read by `python -m indexer.isolated` under the memory and time
    limits. Raises the loader's DocumentError, with the limit named when one was hit."""
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_THREAD_LIMIT="1", OPENBLAS_NUM_THREADS="1")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "indexer.isolated", str(path)],
            capture_output=True,
            timeout=time_limit_s(),
            preexec_fn=_limits,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise DocumentError(
            path, f"đọc tệp quá {time_limit_s()} giây nên đã dừng (HOCTAP_PARSE_TIMEOUT_S; reading timed out)"
        ) from None
    try:
        out = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        out = None
    if proc.returncode == 0 and isinstance(out, dict) and "text" in out:
        return out["text"], out.get("pages")
    if isinstance(out, dict) and out.get("error"):
        raise DocumentError(path, out["error"])
    raise DocumentError(path, _died(proc))


def _died(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == -24:  # SIGXCPU: the CPU time limit
        return f"đọc tệp quá {time_limit_s()} giây nên đã dừng (HOCTAP_PARSE_TIMEOUT_S; reading timed out)"
    if proc.returncode == -9 or "MemoryError" in err or "std::bad_alloc" in err or "Cannot allocate" in err:
        return (
            f"đọc tệp cần quá {memory_limit_bytes() // 1024 // 1024} MB bộ nhớ hoặc quá lâu nên đã dừng "
            f"(HOCTAP_PARSE_MEMORY_MB; over the memory or time budget)"
        )
    last = next((ln for ln in reversed(err.strip().splitlines()) if ln.strip()), "")[:200]
    return f"không đọc được tệp (trình đọc dừng với mã {proc.returncode}: {last})"


def _main(argv: list[str]) -> int:
    path = Path(argv[0])
    try:
        text = read_document(path)
    except DocumentError as e:
        reason = e.reason if "MemoryError" not in e.reason else _died(subprocess.CompletedProcess([], -9, b"", b""))
        print(json.dumps({"error": reason}, ensure_ascii=False))
        return 1
    except MemoryError:
        print(json.dumps({"error": _died(subprocess.CompletedProcess([], -9, b"", b"MemoryError"))}))
        return 1
    print(json.dumps({"text": text, "pages": page_texts(path)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
