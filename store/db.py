"""Database engine and sessions (SQLAlchemy 2.x). SQLite by default, PostgreSQL in production.

The first time a process makes the engine of a URL (`store.engine.make_engine`), the database is upgraded to the
newest schema (`store.migrate`): created when empty, migrated when older, a quick version check when already
current.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

# every table, so Base.metadata is complete whoever imports store.db first
import store.channels
import store.knowledge
import store.published
import store.reminders
import store.reports  # noqa: F401
from store.base import Base
from store.engine import forget_identity, make_engine
from store.migrate import upgrade_engine

__all__ = ["Base", "dispose_engines", "get_engine", "session_factory", "session_scope"]

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def get_engine(url: str) -> Engine:
    """The process's engine for `url`, its database upgraded to the newest schema on first use."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            eng = make_engine(url)
            try:
                upgrade_engine(eng)
            except BaseException:
                eng.dispose()
                raise
            _engines[url] = eng
        return eng


def dispose_engines(url_part: str = "") -> list[str]:
    """Forget and close the process's engines whose URL contains `url_part` (every engine when ""), so the
    database can be dropped or the next `get_engine` opens it afresh. Returns the URLs closed."""
    with _lock:
        urls = [u for u in _engines if url_part in u]
        engines = [_engines.pop(u) for u in urls]
    for eng in engines:
        eng.dispose()
    for u in urls:
        forget_identity(u)  # the next engine may open another file at that path
    return urls


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
