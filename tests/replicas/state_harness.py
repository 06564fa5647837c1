"""Helpers of tests/replicas/test_shared_state.py: a PostgreSQL schema of its own, a `serve` replica in a
process of its own (its data folder, its stdout read line by line), a Telegram Bot API stand-in per replica in an
event loop thread, and blocking HTTP calls that keep the web session cookie."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path


from tests.support.pg import pg_schema  # noqa: F401 - used by the replica tests
from tests.support.serve import PumpedServe

ROOT = Path(__file__).resolve().parents[2]


def base_env(db_url: str, **extra: str) -> dict:
    """The environment of a replica: no channel or HOCTAP_ setting of the caller's, the test model, `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "HOCTAP_"))}
    env.update(
        DATABASE_URL=db_url,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    if os.environ.get("HOCTAP_EMBEDDING_MODEL"):
        env["HOCTAP_EMBEDDING_MODEL"] = os.environ["HOCTAP_EMBEDDING_MODEL"]
    env.update(extra)
    return env


def build_index(data_dir: Path, sources: list[Path], env: dict) -> None:
    """`indexer build` of `sources` into this replica's data folder, against the shared database."""
    p = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", *map(str, sources)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]


class Replica(PumpedServe):
    """`python -m bot --data-dir D serve --port 0` (with its sweeper): its URL read from its first line, every
    line of its output kept (the console channel prints one JSON line per reminder)."""

    def __init__(self, name: str, data_dir: Path, env: dict):
        super().__init__(["--data-dir", str(data_dir), "-v", "serve", "--port", "0"], env, name)

    def wait_ready(self, timeout: float = 300) -> str:
        return self.wait_url(timeout, marker="Trợ lý")

    def reminder_lines(self, chat_id: str) -> list[dict]:
        """The console reminders this replica printed for `chat_id`."""
        out = []
        for line in list(self.log):
            if line.startswith("{") and f'"chat_id": "{chat_id}"' in line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out


class Http:
    """Blocking JSON calls with one cookie jar (the web session cookie goes along to whichever replica)."""

    def __init__(self):
        import http.cookiejar

        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, url: str, payload=None, headers: dict | None = None, timeout: float = 60) -> tuple[int, dict, dict]:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                body = r.read()
                status, hdrs = r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            body, status, hdrs = e.read(), e.code, dict(e.headers)
        try:
            return status, json.loads(body or b"{}"), hdrs
        except ValueError:
            return status, {"raw": body.decode("utf-8", "replace")}, hdrs

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)


class LoopThread:
    """An asyncio loop in a thread, for the Bot API stand-ins the replicas call."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def wait_until(pred, timeout: float, interval: float = 0.2, what: str = "condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not met within {timeout:.0f} s")
        time.sleep(interval)
