"""The replica's side of index publishing (bot.index_publish) in `serve`: a background thread that waits on
`LISTEN hoctap_index` over a psycopg connection of its own and, on a notification or every HOCTAP_INDEX_POLL_S
seconds (default 5; the fallback when LISTEN is not possible), fetches the database's current build
(`sync`) and reloads the assistant; a build of its own that the database lacks is published
(`publish_if_newer`). A lost connection is opened again with a growing delay (1 s … 60 s) while polling goes
on; errors are logged once a minute and never stop `serve`. Never started on SQLite.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Callable

from bot.index_publish import CHANNEL, is_postgres, publish_if_newer, sync, sync_documents
from bot.search_index import IndexCorrupt

log = logging.getLogger(__name__)
POLL_ENV = "HOCTAP_INDEX_POLL_S"
DEFAULT_POLL_S = 5.0
MAX_BACKOFF_S = 60.0
RETRY_BAD_BUILD_S = 60.0  # a build that did not verify is downloaded again at most this often


def poll_seconds(env=os.environ) -> float:
    """HOCTAP_INDEX_POLL_S (default 5, at least 0.2)."""
    try:
        return max(0.2, float(env.get(POLL_ENV, "").strip() or DEFAULT_POLL_S))
    except ValueError:
        log.warning("%s=%r is not a number of seconds: %s s", POLL_ENV, env.get(POLL_ENV), DEFAULT_POLL_S)
        return DEFAULT_POLL_S


def listen_connection(db_url: str):
    """A psycopg connection (autocommit) listening on CHANNEL, made from the SQLAlchemy URL's arguments
    (its options — a search_path — and the project's timeouts and keep-alives included)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from store.engine import normalise_url, postgres_connect_args

    url = make_url(normalise_url(db_url))
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    _, kwargs = PGDialect_psycopg().create_connect_args(url)
    kwargs.update(postgres_connect_args(os.environ, str(normalise_url(db_url))))
    conn = psycopg.connect(**kwargs, autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


class IndexWatcher:
    """Keeps DATA/index at the database's current build; `on_new_build()` is called after each swap."""

    def __init__(self, settings, on_new_build: Callable[[], object], poll_s: float | None = None):
        self.settings = settings
        self.on_new_build = on_new_build
        self.poll_s = poll_s if poll_s is not None else poll_seconds()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn = None
        self._backoff = 1.0
        self._next_connect = 0.0
        self._warned: dict[str, float] = {}
        self._bad: tuple[str, float] | None = None  # (why, when) of the last build refused
        self.swaps = 0

    def start(self) -> "IndexWatcher":
        if not is_postgres(self.settings.database_url):
            return self
        self._thread = threading.Thread(target=self._run, name="index-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def listening(self) -> bool:
        return self._conn is not None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._ensure_listening()
            self.check()
            if self._wait():
                self._bad = None  # a new build was announced: a refused one is not retried, this one is tried
        self._close()

    def _warn(self, key: str, msg: str, *args) -> None:
        now = time.monotonic()
        if now - self._warned.get(key, -1e9) >= 60:
            self._warned[key] = now
            log.warning(msg, *args)

    def _ensure_listening(self) -> None:
        if self._conn is not None or time.monotonic() < self._next_connect:
            return
        try:
            self._conn = listen_connection(self.settings.database_url)
            self._backoff = 1.0
            log.info("listening for new index builds (%s)", CHANNEL)
        except Exception as e:  # noqa: BLE001 - a database down or refusing: polling goes on, retried later
            self._next_connect = time.monotonic() + self._backoff
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
            self._warn(
                "listen", "LISTEN %s not possible (%s): polling every %.0f s", CHANNEL, type(e).__name__, self.poll_s
            )

    def _wait(self) -> bool:
        """Until a notification arrives (True), poll_s passes or the watcher stops (in slices of at most 1 s)."""
        end = time.monotonic() + self.poll_s
        while not self._stop.is_set() and (left := end - time.monotonic()) > 0:
            if self._conn is None:
                if time.monotonic() >= self._next_connect:
                    return False  # time to LISTEN again (and catch up on what was missed meanwhile)
                self._stop.wait(min(left, 1.0, max(0.01, self._next_connect - time.monotonic())))
                continue
            try:
                if any(True for _ in self._conn.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return True
            except Exception as e:  # noqa: BLE001 - the connection dropped: reopened with backoff
                self._warn("listen-lost", "LISTEN connection lost (%s): reconnecting", type(e).__name__)
                self._close()
                self._next_connect = time.monotonic() + self._backoff
        return False

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection: nothing to do
                pass
            self._conn = None

    def check(self) -> bool:
        """One round: publish this replica's newer build, fetch the database's newer one. True when swapped."""
        try:
            publish_if_newer(self.settings)
            if self._bad and time.monotonic() - self._bad[1] < RETRY_BAD_BUILD_S:
                return False
            swapped = sync(self.settings)
        except IndexCorrupt as e:
            self._bad = (str(e), time.monotonic())
            log.error("the database's current index build was refused: %s (the current one stays)", e)
            return False
        except Exception as e:  # noqa: BLE001 - a database down: the next round tries again
            self._warn("sync", "index sync failed (%s: %s)", type(e).__name__, str(e)[:200])
            return False
        self._bad = None
        if swapped:
            self.swaps += 1
            try:
                self.on_new_build()
            except Exception:  # the assistant logs its own load errors; serve goes on
                log.exception("reloading after an index sync failed")
        return swapped


def sync_at_start(settings, reload: Callable[[], object]) -> None:
    """When `serve` starts (its assistant loaded, the database answering): fetch the database's current build and
    `reload()`, so a replica with an empty or old data folder answers from it before it takes requests. A build
    refused or a database failing now is logged; the watcher tries again."""
    if not is_postgres(settings.database_url):
        return
    try:
        publish_if_newer(settings)
        if sync(settings):
            log.info("index fetched from the database at start")
            reload()
        else:
            sync_documents(settings)  # files uploaded through other replicas, if this folder lost them
    except Exception as e:  # noqa: BLE001 - serve starts anyway (degraded, as without a database)
        log.error("index not fetched from the database at start (%s: %s)", type(e).__name__, str(e)[:200])
