"""Upgrade a database to the newest schema (Alembic revisions in store/migrations/versions/).

`upgrade(database_url)` — and `store.db.get_engine`, the first time a process opens a URL — brings any
database of the project to the head revision:

- already at head: one version read, nothing else (no lock, nothing written: fine on a read-only store);
- empty: every revision runs, creating every table;
- made by `create_all` before Alembic (tables but no `alembic_version`): stamped at the baseline
  (the tables of commit 501e347), then upgraded; no row is touched (the revisions up to 0002 make only the
  tables that are missing, so a store made between 501e347 and Alembic, or missing a module's tables, is
  completed too);
- older revision: upgraded.

Several processes may start at once (workers, `indexer build` beside `serve`): the upgrade runs under a
lock — `pg_advisory_xact_lock` on PostgreSQL (per schema, released when the upgrade's transaction ends),
an exclusive `flock` on `<database file>.migrate.lock` and one `BEGIN IMMEDIATE` transaction on SQLite —
and whoever gets it second finds the database at head. A failed upgrade leaves the database as it was
(DDL is transactional on both).
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from store.engine import make_engine

if TYPE_CHECKING:  # alembic itself is imported only when a database needs upgrading (~0.25 s per process)
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline_501e347"
# the tables `create_all` made at 501e347: all of them without `alembic_version` means "stamp the baseline"
BASELINE_TABLES = frozenset(
    {
        "documents",
        "chunks",
        "deadlines",
        "responsibilities",
        "targets",
        "cited_documents",
        "contacts",
        "reminder_subscriptions",
        "reminders",
        "channel_processed",
        "channel_queries",
        "channel_feedback",
        "channel_chats",
        "zalo_tokens",
        "channel_delivery_failures",
    }
)
PG_LOCK_KEY = "hoctap.store.migrate:"  # + the schema: upgrades of different schemas do not wait for each other


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> "Config":
    """An Alembic configuration for store/migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision, read from the revision files' `revision` / `down_revision` lines without importing
    Alembic; Alembic's own answer when the files do not read as one simple chain."""
    revs: dict[str, str | None] = {}
    for f in (MIGRATIONS_DIR / "versions").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        rev = _REVISION.findall(src)
        down = _DOWN_REVISION.findall(src)
        if len(rev) != 1 or len(down) != 1:
            return alembic_head_revision()
        revs[rev[0]] = None if down[0] == "None" else down[0].strip("\"'")
    heads = set(revs) - set(revs.values())
    return heads.pop() if len(heads) == 1 else alembic_head_revision()


_REVISION = re.compile(r"^revision(?:: str)? = [\"']([^\"']+)[\"']\s*$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = (None|[\"'][^\"']+[\"'])\s*$", re.M)


def alembic_head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head, "store/migrations/versions has no revision"
    return head


def current_revisions(conn: Connection) -> tuple[str, ...]:
    """The revisions the database is stamped at; () when it has no `alembic_version` table."""
    if not inspect(conn).has_table("alembic_version"):
        return ()
    return tuple(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))


def upgrade(database_url: str) -> None:
    """Upgrade the database at `database_url` to the head revision (see the module's docstring)."""
    engine = make_engine(database_url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine) -> None:
    head = head_revision()
    with engine.connect() as conn:
        if current_revisions(conn) == (head,):
            return
    with _migration_lock(engine) as conn:
        _upgrade_locked(conn, head)


def _upgrade_locked(conn: Connection, head: str) -> None:
    current = current_revisions(conn)  # again: another process may have upgraded while we waited
    if current == (head,):
        return
    from alembic import command

    if not current:
        tables = set(inspect(conn).get_table_names())
        if tables >= BASELINE_TABLES:
            log.info("database made before migrations: stamped at %s", BASELINE)
            command.stamp(alembic_config(connection=conn), BASELINE)
        elif tables & BASELINE_TABLES:  # the baseline revision makes only the tables that are missing
            log.warning(
                "database made before migrations lacks tables %s: making them",
                ", ".join(sorted(BASELINE_TABLES - tables)),
            )
    log.info("upgrading the database from %s to %s", ", ".join(current) or "nothing", head)
    command.upgrade(alembic_config(connection=conn), "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction, held by this process alone among those upgrading the same database."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key || coalesce(current_schema(), '')))"),
                {"key": PG_LOCK_KEY},
            )
            yield conn
        return
    fd = _lock_file(engine)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                # one transaction for the whole upgrade (pysqlite would commit each DDL statement on its own:
                # slower, and a crash could leave half an upgrade); IMMEDIATE takes SQLite's write lock now
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
    finally:
        if fd is not None:
            os.close(fd)  # releases the flock


def _lock_file(engine: Engine) -> int | None:
    """An exclusive flock next to a SQLite database file (None for in-memory databases, other
    dialects, or a folder that cannot be written — the upgrade will then fail or find nothing to do)."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:") or os.name != "posix":
        return None
    import fcntl

    try:
        fd = os.open(f"{path}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        log.warning("no migration lock file beside %s (%s): upgrading without it", path, e)
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd
