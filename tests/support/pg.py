"""A PostgreSQL schema of its own for a test: the test database's URL with its search_path set to a new schema,
dropped afterwards (tests on the shared `test` database never see each other's tables)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import create_engine, text

from store.engine import normalise_url


@contextmanager
def pg_schema(server_url: str, prefix: str = "hoctap_test"):
    """A database URL whose search_path is a new schema of the test database, dropped afterwards."""
    base = normalise_url(server_url)
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        from store.db import dispose_engines

        dispose_engines(schema)
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
