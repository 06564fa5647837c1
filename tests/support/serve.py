"""`python -m bot serve` in a process of its own, for tests that measure the server from outside (its file
handles, its peak memory, its log) or limit it (its open-file limit)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.uploads import ROOT


class ServeProcess:
    def __init__(self, settings, workdir: Path, *, preexec_fn=None, **env: str):
        full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "HOCTAP_"))}
        full.update(
            DATABASE_URL=settings.database_url,
            HOCTAP_EMBEDDING_MODEL=str(settings.embedding_model),
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
            **env,
        )
        self.log_path = workdir / "serve.log"
        self.lines: list[str] = []
        with open(self.log_path, "w") as err:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "--data-dir",
                    str(settings.data_dir),
                    "serve",
                    "--no-sweeper",
                    "--port",
                    "0",
                ],
                cwd=workdir,
                env=full,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                preexec_fn=preexec_fn,
            )
        self.url = self._wait_url()
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))

    def _wait_url(self, timeout: float = 120) -> str:
        end = time.time() + timeout
        while time.time() < end:
            line = self.proc.stdout.readline()
            assert line or self.proc.poll() is None, "".join(self.lines) + self.log_path.read_text()
            self.lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                return m.group(1)
        raise AssertionError("serve did not start:\n" + "".join(self.lines))

    def status(self, field: str) -> int:
        """A field of /proc/PID/status in kB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a process, and kill it if it has not ended within 30 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_URL = re.compile(r"(http://127\.0\.0\.1:\d+/)")


class PumpedServe:
    """`python -m bot ARGS` (a `serve` on port 0) whose output, stdout and stderr together, a thread keeps line by
    line (`log`), for tests that read what it printed: its URL, its reminders."""

    def __init__(self, args: list[str], env: dict, name: str = "serve"):
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.log: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.url = ""

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.log.append(line)
            self._lines.put(line)

    def tail(self, n: int = 80) -> str:
        return "".join(self.log[-n:])

    def wait_url(self, timeout: float = 240, marker: str = "") -> str:
        """The URL the server prints when it listens (on a line holding `marker`), or fail with its output."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self._lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, f"{self.name} exited:\n" + self.tail()
                continue
            m = _URL.search(line)
            if m and marker in line:
                self.url = m.group(1)
                return self.url
        raise AssertionError(f"{self.name} did not start:\n" + self.tail())

    def stop(self) -> None:
        stop_process(self.proc)
