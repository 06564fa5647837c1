"""Reading an uploaded document in a child process (`python -m indexer.isolated FILE`) under a memory limit
(RLIMIT_AS, HOCTAP_PARSE_MEMORY_MB, default 2048) and a time limit (HOCTAP_PARSE_TIMEOUT_S, default 900): a file
that costs too much despite the budgets of `indexer.budgets` fails alone, with a clear message, and the process
that asked (the server) keeps serving. The child prints {"text", "pages"} or {"error"} as JSON."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from indexer.budgets import memory_limit_bytes, time_limit_s
from indexer.loaders import PAGE_PROGRESS, DocumentError, page_texts, read_document


def _limits() -> None:  # runs in the child, before it executes Python
    mem = memory_limit_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    t = time_limit_s()
    resource.setrlimit(resource.RLIMIT_CPU, (t, t + 5))


def read_isolated(path: Path) -> tuple[str, list[str] | None]:
    """(text, pages or None) of a document, read by `python -m indexer.isolated` under the memory and time
    limits; the pages read are reported to PAGE_PROGRESS as the child reads them. Raises the loader's
    DocumentError, with the limit named when one was hit."""
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_THREAD_LIMIT="1", OPENBLAS_NUM_THREADS="1")
    progress = PAGE_PROGRESS.get()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer.isolated", str(path)],
            stdout=subprocess.PIPE,
            stderr=err,
            preexec_fn=_limits,
            env=env,
            start_new_session=True,  # its Tesseract processes go with it when it is stopped
        )
        timer = threading.Timer(time_limit_s(), _kill_group, (proc,))
        timer.start()
        try:
            out = _read_replies(proc, progress)
            proc.wait()
        finally:
            timed_out = not timer.is_alive() and proc.returncode == -9
            timer.cancel()
            proc.stdout.close()
        err.seek(0)
        stderr = err.read()
    if timed_out:
        raise DocumentError(path, _too_slow())
    if proc.returncode == 0 and isinstance(out, dict) and "text" in out:
        return out["text"], out.get("pages")
    if isinstance(out, dict) and out.get("error"):
        raise DocumentError(path, out["error"])
    raise DocumentError(path, _died(subprocess.CompletedProcess([], proc.returncode, b"", stderr)))


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


def _read_replies(proc: subprocess.Popen, progress) -> dict | None:
    """The child's last JSON line (its result), calling `progress(done, total)` for its progress lines."""
    last = None
    for line in proc.stdout:
        try:
            msg = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(msg, dict) and "progress" in msg:
            if progress:
                progress(*msg["progress"])
        else:
            last = msg
    return last if isinstance(last, dict) else None


def _too_slow() -> str:
    return f"đọc tệp quá {time_limit_s()} giây nên đã dừng (HOCTAP_PARSE_TIMEOUT_S; reading timed out)"


def _died(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == -24:  # SIGXCPU: the CPU time limit
        return _too_slow()
    if proc.returncode == -9 or "MemoryError" in err or "std::bad_alloc" in err or "Cannot allocate" in err:
        return (
            f"đọc tệp cần quá {memory_limit_bytes() // 1024 // 1024} MB bộ nhớ hoặc quá lâu nên đã dừng "
            f"(HOCTAP_PARSE_MEMORY_MB; over the memory or time budget)"
        )
    last = next((ln for ln in reversed(err.strip().splitlines()) if ln.strip()), "")[:200]
    return f"không đọc được tệp (trình đọc dừng với mã {proc.returncode}: {last})"


def _main(argv: list[str]) -> int:
    path = Path(argv[0])

    def report(done: int, total: int) -> None:
        print(json.dumps({"progress": [done, total]}), flush=True)

    PAGE_PROGRESS.set(report)
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
