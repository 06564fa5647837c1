"""Database engine and sessions (SQLAlchemy 2.x). SQLite by default, PostgreSQL in production."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _import_models() -> None:
    """Import every module that declares tables so `create_all` sees them."""
    import bot.models  # noqa: F401
    try:
        import bot.reminders.models  # noqa: F401
    except ImportError:
        pass
    try:
        import handlers.models  # noqa: F401
    except ImportError:
        pass


def get_engine(url: str) -> Engine:
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            if url.startswith("sqlite"):
                eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

                @event.listens_for(eng, "connect")
                def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
                    cur = dbapi_conn.cursor()
                    cur.execute("PRAGMA journal_mode=WAL")
                    cur.execute("PRAGMA foreign_keys=ON")
                    cur.execute("PRAGMA busy_timeout=30000")
                    cur.close()
            else:
                eng = create_engine(url, pool_pre_ping=True)
            _import_models()
            Base.metadata.create_all(eng)
            _engines[url] = eng
        return eng


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    s = session_factory(url)()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise
    finally:
        s.close()
