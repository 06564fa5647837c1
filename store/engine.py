"""Opening a database URL (SQLAlchemy 2.x): SQLite by default, PostgreSQL in production.

`make_engine` makes a new engine, neither cached nor upgraded — what `store.migrate` upgrades with and what
`store.db.get_engine` (the process's engine per URL, upgraded on first use) builds on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

__all__ = ["configured_database_url", "data_dir_from", "database_url_from", "make_engine", "normalise_url"]
DATABASE_FILE = "hoctap.sqlite3"


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


def make_engine(url: str) -> Engine:
    """A new engine (not cached, not upgraded): WAL, foreign keys and a busy timeout on SQLite."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(eng, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return eng
