"""Alembic environment: the project's one metadata (store.db.Base) and its configured database.

Used two ways:
- by `store.migrate.upgrade` / `store.db.get_engine`, which pass the connection to migrate (already holding
  the migration lock) in `config.attributes["connection"]`;
- by the `alembic` command in the repository root (alembic.ini): the database is `sqlalchemy.url` when set,
  otherwise the project's configured one (DATABASE_URL, or the SQLite file of HOCTAP_DATA_DIR / var/).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from store.db import Base
from store.engine import configured_database_url, make_engine

config = context.config
if config.config_file_name is not None:  # the alembic command: its logging section
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def _configure(**kw) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead
    context.configure(target_metadata=target_metadata, render_as_batch=True, compare_type=True, **kw)


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    return configured_database_url()


def run_migrations_offline() -> None:
    _configure(url=_database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
