"""Opening a database URL (SQLAlchemy 2.x): SQLite by default, PostgreSQL in production.

`make_engine` makes a new engine, neither cached nor upgraded — what `store.migrate` upgrades with and what
`store.db.get_engine` (the process's engine per URL, upgraded on first use) builds on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

__all__ = [
    "configured_database_url",
    "data_dir_from",
    "database_url_from",
    "make_engine",
    "normalise_url",
    "opened_identity",
    "sqlite_file",
]
DATABASE_FILE = "hoctap.sqlite3"
log = logging.getLogger(__name__)


def data_dir_from(env: Mapping[str, str], data_dir: str | os.PathLike | None = None) -> Path:
    """The data folder: `data_dir`, else HOCTAP_DATA_DIR, else `var/` (relative to the working folder); made
    when missing."""
    d = Path(data_dir or env.get("HOCTAP_DATA_DIR") or "var").expanduser()
    if not d.is_absolute():
        d = Path.cwd() / d
    d.mkdir(parents=True, exist_ok=True)
    return d


def database_url_from(env: Mapping[str, str], data_dir: Path) -> str:
    """DATABASE_URL (plain postgres:// URLs use psycopg 3), else the SQLite file of the data folder."""
    return normalise_url(env.get("DATABASE_URL") or f"sqlite:///{Path(data_dir) / DATABASE_FILE}")


def configured_database_url(data_dir: str | os.PathLike | None = None) -> str:
    """The database of the store's own entry points (`python -m store`, the `alembic` command), read as
    `bot.config.load_settings` reads it: `.env` in the working folder (never over the real environment), then
    DATABASE_URL, else the SQLite file of the data folder."""
    env_file = Path.cwd() / ".env"
    if env_file.is_file():
        from dotenv import load_dotenv  # python-dotenv is a dependency: missing, it is named

        load_dotenv(env_file, override=False)
    return database_url_from(os.environ, data_dir_from(os.environ, data_dir))


def normalise_url(url: str) -> str:
    """Plain `postgres://` / `postgresql://` URLs use psycopg 3 (the driver the project depends on)."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return max(0.5, float(env.get(name, "").strip() or default))
    except ValueError:
        return default


def postgres_connect_args(env: Mapping[str, str], url: str = "") -> dict:
    """A database that is down or that accepts and never answers must not hang a process: a connect timeout
    (HOCTAP_DB_CONNECT_TIMEOUT_S, default 3), a statement timeout (HOCTAP_DB_STATEMENT_TIMEOUT_S, default 30)
    and TCP keep-alives that drop a connection whose server went silent. The URL's own `options` (a
    search_path, say) are kept: the statement timeout is added to them, not put in their place."""
    connect = _seconds(env, "HOCTAP_DB_CONNECT_TIMEOUT_S", 3)
    statement = _seconds(env, "HOCTAP_DB_STATEMENT_TIMEOUT_S", 30)
    own = parse_qs(urlsplit(url).query).get("options", [""])[-1]
    return {
        "connect_timeout": max(1, round(connect)),
        "options": f"{own} -c statement_timeout={int(statement * 1000)}".strip(),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }


_identities: dict[str, tuple[int, int]] = {}


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    return Path(path) if path and not path.startswith(":memory:") else None


def _remember_identity(url: str, path: Path) -> None:
    try:
        st = path.stat()
    except OSError:
        return
    _identities.setdefault(url, (st.st_dev, st.st_ino))


def opened_identity(url: str) -> tuple[int, int] | None:
    """(device, inode) of the SQLite file this process's connections to `url` opened first: a file replaced
    (moved over, restored from a backup) while they are open has another, and what they write would be lost."""
    return _identities.get(normalise_url(url))


def forget_identity(url: str) -> None:
    _identities.pop(normalise_url(url), None)


def make_engine(url: str) -> Engine:
    """A new engine (not cached, not upgraded): WAL, foreign keys and a busy timeout on SQLite."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(
            url, pool_pre_ping=True, pool_timeout=10, connect_args=postgres_connect_args(os.environ, url)
        )
    eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    path = sqlite_file(url)

    @event.listens_for(eng, "connect")
    def _sqlite_pragmas(dbapi_conn, record):  # pragma: no cover - trivial
        if path is not None:
            _remember_identity(url, path)
            record.info["opened_read_only"] = not writable_now(path)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(eng, "checkout")
    def _reopen_read_only(_dbapi_conn, record, _proxy):
        if record.info.get("opened_read_only") and path is not None and writable_now(path):
            log.warning("the database is writable again: its read-only connections were reopened")
            raise DisconnectionError("opened read-only; the database is writable again")

    return eng


def writable_now(path: Path) -> bool:
    """The SQLite file and its folder can be written. SQLite silently opens a file it cannot write
    read-only, and such a pooled connection stays read-only after the file is writable again ("attempt
    to write a readonly database" until a restart): the pool replaces it at its next checkout."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
