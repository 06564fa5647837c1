"""A SQLite connection opened while the file could not be written is read-only for good: the engine's pool
replaces it at its next checkout once the file is writable again, so no write after the repair fails
(a Zalo event acknowledged and then lost to "attempt to write a readonly database")."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from sqlalchemy import text

from store.engine import make_engine


def _chattr(flag: str, *paths) -> bool:
    try:
        return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def test_a_connection_opened_read_only_is_replaced_once_the_file_is_writable(tmp_path):
    db = tmp_path / "probe.sqlite3"
    eng = make_engine(f"sqlite:///{db}")
    try:
        with eng.begin() as c:
            c.execute(text("CREATE TABLE t (x INTEGER)"))
        eng.dispose()
        keeper = sqlite3.connect(db)  # another process's connection: the -wal and -shm files stay
        keeper.execute("SELECT count(*) FROM t").fetchone()
        files = [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm")), tmp_path]
        if not _chattr("+i", *files):
            pytest.skip("chattr +i is not available here (needs root on a file system with attributes)")
        try:
            with eng.connect() as c:  # opened now: read-only, and back to the pool afterwards
                assert c.execute(text("SELECT count(*) FROM t")).scalar() == 0
                with pytest.raises(Exception, match="readonly|unable to open"):
                    c.execute(text("INSERT INTO t VALUES (1)"))
                    c.commit()
        finally:
            _chattr("-i", *files)
        for i in range(3):  # every pooled connection, not just a lucky new one, writes now
            with eng.begin() as c:
                c.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
        with eng.connect() as c:
            assert c.execute(text("SELECT count(*) FROM t")).scalar() == 3
        keeper.close()
    finally:
        _chattr("-i", *tmp_path.iterdir(), tmp_path)
        eng.dispose()
