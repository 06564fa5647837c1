"""Replicas for tests (no tests here): `python -m bot serve` processes on 127.0.0.1, each with a data folder of its
own, sharing one PostgreSQL database made for the test (`own_database`), as replicas behind a load balancer
without a shared disk.

- `own_database()`: a new database on HOCTAP_TEST_POSTGRES_URL's server, dropped afterwards (NOTIFY is per
  database, so no other test's builds reach these replicas).
- `Replica(data_dir, db_url, **env)`: one `serve` on a free port; `wait_healthy()` waits for /healthz 200;
  `stop()`.
- `replicas(n, root, db_url, **env)`: n of them, all healthy, stopped on leaving.
- `indexer_build(data_dir, db_url, *sources)`: `python -m indexer build` into a data folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tests.support.channels import ROOT, clean_env, embedding_model
from tests.support.serve import PumpedServe

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
ADMIN_TOKEN = "thu-nghiem-ban-sao-2026"


@contextmanager
def own_database() -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database (dropped, connections closed, afterwards)."""
    import psycopg

    from store.db import dispose_engines
    from store.engine import normalise_url

    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    name = "hoctap_replicas_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield normalise_url(f"{admin.rsplit('/', 1)[0]}/{name}")
    finally:
        dispose_engines(name)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def replica_env(db_url: str, **extra: str) -> dict[str, str]:
    """A replica's environment: the database, the session's model, the admin token; no channel secret."""
    env = clean_env(
        DATABASE_URL=db_url,
        HOCTAP_EMBEDDING_MODEL=str(embedding_model()),
        HOCTAP_ADMIN_TOKEN=ADMIN_TOKEN,
        PYTHONPATH=str(ROOT),
    )
    env = {k: v for k, v in env.items() if not k.startswith(("HOCTAP_WEB_", "HOCTAP_INDEX_", "HOCTAP_RELOAD_"))}
    env.update(extra)
    return env


def indexer_build(data_dir: Path, db_url: str, *sources: Path, **env: str) -> float:
    """`python -m indexer --data-dir D build SOURCES` against the database; returns the seconds it took."""
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", *map(str, sources)],
        cwd=ROOT,
        env=replica_env(db_url, **env),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return time.monotonic() - t0


class Replica(PumpedServe):
    """One `serve` process (web chat and admin page) with its own data folder, on a free port."""

    def __init__(self, data_dir: Path, db_url: str, **env: str):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = ["--data-dir", str(data_dir), "serve", "--no-sweeper", "--port", "0"]
        super().__init__(args, replica_env(db_url, **env))

    def health(self) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + "healthz", timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def wait_healthy(self, timeout: float = 60) -> dict:
        """/healthz answering 200 (every check passing), else fail with what it says and the log."""
        if not self.url:
            self.wait_url()
        end = time.monotonic() + timeout
        status, body = 0, {}
        while time.monotonic() < end:
            status, body = self.health()
            if status == 200:
                return body
            time.sleep(0.3)
        raise AssertionError(f"/healthz {status}: {body}\n{self.tail()}")


@contextmanager
def replicas(n: int, root: Path, db_url: str, **env: str) -> Iterator[list[Replica]]:
    """`n` replicas with data folders root/replica-0, root/replica-1, …, started together, all healthy."""
    started = [Replica(root / f"replica-{i}", db_url, **env) for i in range(n)]
    try:
        for r in started:
            r.wait_healthy()
        yield started
    finally:
        for r in started:
            r.stop()
