"""`python -m bot serve` in a process of its own, for tests that measure the server from outside (its file
handles, its peak memory, its log) or limit it (its open-file limit)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
