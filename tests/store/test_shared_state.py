"""The shared store (store.shared_state) on its three backends: SQLite, PostgreSQL (HOCTAP_TEST_POSTGRES_URL, a
schema of its own) and Redis (HOCTAP_TEST_REDIS_URL, keys under a prefix of its own): values with an expiry,
set-if-absent, counters that stay exact under concurrent hits, pruning; the signing key kept once in the database."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from tests.support.pg import pg_schema
from store.shared_state import GuardedState, RedisState, SqlState, StateUnavailable, open_state, server_secret

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
REDIS_URL = os.environ.get("HOCTAP_TEST_REDIS_URL", "").strip()


@pytest.fixture
def pg_schema_url():
    with pg_schema(PG_URL, "hoctap_state") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "redis"])
def state(request, tmp_path):
    if request.param == "sqlite":
        yield SqlState(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    elif request.param == "postgres":
        if not PG_URL:
            pytest.skip("HOCTAP_TEST_POSTGRES_URL is not set (postgresql://postgres@127.0.0.1:5432/test in .ci/run)")
        yield SqlState(request.getfixturevalue("pg_schema_url"))
    else:
        if not REDIS_URL:
            pytest.skip("HOCTAP_TEST_REDIS_URL is not set (redis://127.0.0.1:6379/15 in .ci/run)")
        st = RedisState(REDIS_URL, prefix=f"hoctap-test-{uuid.uuid4().hex[:8]}:")
        yield st
        for k in st.r.scan_iter(st.prefix + "*"):
            st.r.delete(k)


def test_values_expire_and_are_deleted(state):
    state.put("ctx:a", "một", 30)
    state.put("ctx:b", "hai", 0.4)
    state.put("forever", "ba", None)
    assert (state.get("ctx:a"), state.get("ctx:b"), state.get("forever")) == ("một", "hai", "ba")
    state.put("ctx:a", "bốn", 30)  # an upsert replaces the value
    time.sleep(0.6)
    assert (state.get("ctx:a"), state.get("ctx:b"), state.get("forever")) == ("bốn", None, "ba")
    state.delete("ctx:a")
    state.delete("never-set")
    assert state.get("ctx:a") is None
    state.put_json("j", {"csrf": "x", "n": [1, 2]}, 30)
    assert state.get_json("j") == {"csrf": "x", "n": [1, 2]}
    state.put("j", "{not json", 30)
    assert state.get_json("j") is None


def test_add_sets_only_an_absent_or_expired_key(state):
    assert state.add("secret", "first", None) is True
    assert state.add("secret", "second", None) is False
    assert state.get("secret") == "first"
    assert state.add("short", "a", 0.3) is True
    assert state.add("short", "b", 0.3) is False
    time.sleep(0.5)
    assert state.add("short", "c", 30) is True and state.get("short") == "c"


def test_a_window_counts_events_then_opens_again(state):
    counts = [state.hit("rate:web:x", 0.8) for _ in range(4)]
    assert [n for n, _ in counts] == [1, 2, 3, 4]
    assert all(0 < left <= 0.8 for _, left in counts)
    assert state.hit("rate:web:other", 0.8)[0] == 1  # another key, its own window
    time.sleep(1.0)
    assert state.hit("rate:web:x", 0.8)[0] == 1


def test_concurrent_hits_are_counted_exactly(state):
    """Eight threads (eight connections) hit one key 10 times each: every count from 1 to 80 is handed out once."""
    seen: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def run():
        try:
            for _ in range(10):
                n, _ = state.hit("rate:shared", 60)
                with lock:
                    seen.append(n)
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(seen) == list(range(1, 81))


def test_keys_are_checked(state):
    with pytest.raises(ValueError):
        state.put("", "x", 1)
    with pytest.raises(ValueError):
        state.get("k" * 201)


def test_sql_expired_rows_are_pruned(tmp_path):
    from store.channels import SharedState
    from store.db import get_engine

    url = f"sqlite:///{tmp_path / 'prune.sqlite3'}"
    st = SqlState(url)
    st.put("old", "x", 0.1)
    st.put("keep", "y", None)
    time.sleep(0.3)
    assert st.prune() == 1
    with get_engine(url).connect() as c:
        assert c.execute(select(func.count()).select_from(SharedState)).scalar() == 1


def test_unreachable_stores_raise_state_unavailable(tmp_path):
    with pytest.raises(StateUnavailable):
        RedisState("redis://127.0.0.1:1/0").get("x")  # nothing listens on port 1
    bad = SqlState("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(StateUnavailable):
        bad.put("x", "y", 1)


def test_open_state_picks_redis_only_when_configured(tmp_path):
    url = f"sqlite:///{tmp_path / 'o.sqlite3'}"
    assert isinstance(open_state(url).inner, SqlState) and open_state(url) is open_state(url)
    assert isinstance(open_state(url, "redis://127.0.0.1:6379/15").inner, RedisState)


def test_a_store_that_never_answers_is_given_up_quickly_then_paused():
    """A server that accepts connections and never answers (a hung database): the call gives up after the
    guard's timeout, and the next calls fail at once until the pause is over."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        port = listener.getsockname()[1]
        st = GuardedState(RedisState(f"redis://127.0.0.1:{port}/0"), timeout_s=0.5, pause_s=30)
        t0 = time.monotonic()
        with pytest.raises(StateUnavailable):
            st.get("ctx:x")
        assert time.monotonic() - t0 < 1.5
        t0 = time.monotonic()
        with pytest.raises(StateUnavailable):
            st.hit("rate:x", 60)
        assert time.monotonic() - t0 < 0.1  # paused: not tried
    finally:
        listener.close()


def test_the_signing_key_is_kept_once_in_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("HOCTAP_SESSION_SECRET", raising=False)
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    a, b = tmp_path / "replica-a", tmp_path / "replica-b"
    a.mkdir()
    b.mkdir()
    key = server_secret(url, a)
    assert len(key) >= 32 and server_secret(url, b) == key  # separate data folders, one database: one key
    assert not (a / "session-secret").exists() and not (b / "session-secret").exists()
    monkeypatch.setenv("HOCTAP_SESSION_SECRET", "from-the-environment-" + "z" * 20)
    assert server_secret(url, a) == "from-the-environment-" + "z" * 20


def test_an_older_data_folder_key_seeds_the_database(tmp_path, monkeypatch):
    """Cookies and e-mail links signed before the key moved to the database stay valid."""
    monkeypatch.delenv("HOCTAP_SESSION_SECRET", raising=False)
    old = "k" * 48
    (tmp_path / "session-secret").write_text(old, encoding="ascii")
    url = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    assert server_secret(url, tmp_path) == old == server_secret(url, None)


def test_a_sqlite_database_that_cannot_be_written_is_never_touched(tmp_path):
    """With bot.health's check (SQLite would die of SIGBUS writing a -shm file it cannot), a database file that is
    gone is reported, not created."""
    from bot.health import sqlite_unwritable

    path = tmp_path / "gone.sqlite3"
    st = SqlState(f"sqlite:///{path}", sqlite_unwritable)
    for call in (lambda: st.get("k"), lambda: st.put("k", "v", 1), lambda: st.hit("k", 1), lambda: st.delete("k")):
        with pytest.raises(StateUnavailable, match="gone.sqlite3"):
            call()
    assert not path.exists()
