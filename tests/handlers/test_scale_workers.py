"""Two `serve` workers share one build: one PostgreSQL database and one data folder; a build by
a third process publishes a new build id and both answer from the new document within 10 s,
without a restart, answering all along.

Needs HOCTAP_TEST_POSTGRES_URL (`.ci/run` sets it to postgresql://postgres@127.0.0.1:5432/test);
the test works in its own schema, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.pg import pg_schema
from tests.support.serve import stop_process

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        not PG_URL,
        reason="HOCTAP_TEST_POSTGRES_URL is not set: the two-worker test needs a PostgreSQL server "
        "(e.g. HOCTAP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test, as .ci/run sets)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
FIRST = ["daknong-2021-3597-ubnd-kgvx.txt", "tiengiang-2021-ke-hoach-xhht.txt"]
NEW = "haiphong-2022-khai-thac-tai-lieu-xhht.txt"
QUESTION = "Hội Khuyến học Hải Phòng được đề nghị làm gì?"


@pytest.fixture
def pg_url():
    with pg_schema(PG_URL, "hoctap_scale") as url:
        yield url


def _env(db_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "HOCTAP_WEB_"))}
    env.update(DATABASE_URL=db_url, PYTHONPATH=str(ROOT), HOCTAP_RELOAD_INTERVAL_S="1", PYTHONUNBUFFERED="1")
    return env


class Worker:
    def __init__(self, data_dir: Path, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "serve", "--no-sweeper", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.url = ""

    def _pump(self):
        for line in self.proc.stdout:
            self.log.append(line)
            self.lines.put(line)

    def wait_ready(self, timeout: float = 240) -> str:
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.log)
                continue
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m:
                self.url = m.group(1)
                return self.url
        raise AssertionError("worker did not start:\n" + "".join(self.log))

    def ask(self, question: str) -> dict:
        req = urllib.request.Request(
            self.url + "api/ask",
            data=json.dumps({"question": question}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        stop_process(self.proc)


def _cites_new(answer: dict) -> bool:
    return any(s.get("file") == Path(NEW).stem for s in answer.get("sources", []))


def _build(data_dir: Path, src: Path, env: dict) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", str(src)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stderr


def test_two_workers_pick_up_a_new_build_within_10_s(pg_url, tmp_path):
    data, src = tmp_path / "data", tmp_path / "src"
    src.mkdir()
    for name in FIRST:
        shutil.copy2(KNOWLEDGE / name, src / name)
    env = _env(pg_url)
    _build(data, src, env)
    from bot.search_index import read_build_id

    first_build = read_build_id(data)
    workers = [Worker(data, env), Worker(data, env)]
    try:
        for w in workers:
            w.wait_ready()
        for w in workers:
            assert not _cites_new(w.ask(QUESTION))

        shutil.copy2(KNOWLEDGE / NEW, src / NEW)
        _build(data, src, env)  # a third process, as /admin_reindex or a cron job would
        built = time.monotonic()
        assert read_build_id(data) != first_build
        pending = set(range(len(workers)))
        answered_meanwhile = 0
        while pending and time.monotonic() - built < 10:
            for i in sorted(pending):
                a = workers[i].ask(QUESTION)  # never an error while a worker reloads
                answered_meanwhile += 1
                if _cites_new(a):
                    pending.discard(i)
            time.sleep(0.2)
        took = time.monotonic() - built
        print(
            f"both workers answer from the new build {took:.1f} s after it was published "
            f"({answered_meanwhile} answers meanwhile)"
        )
        assert not pending, (
            f"workers {sorted(pending)} still answer from the old build after {took:.1f} s:\n"
            + "".join(workers[min(pending)].log[-20:])
        )
        for w in workers:
            assert w.proc.poll() is None
    finally:
        for w in workers:
            w.stop()
