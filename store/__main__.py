"""`python -m store [--data-dir D] (upgrade | current)` — the database's schema by hand.

Every command of the project upgrades the database by itself on first use; this is for operators who want
to do it before starting workers, or to see where a database stands. The database is DATABASE_URL, or the
SQLite file of the data folder (default $HOCTAP_DATA_DIR or var/).
"""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m store", description="schema migrations (Alembic)")
    p.add_argument("--data-dir", default=None, help="data folder (default $HOCTAP_DATA_DIR or var/)")
    p.add_argument("command", choices=("upgrade", "current"))
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from store import migrate
    from store.engine import configured_database_url, make_engine

    url = configured_database_url(args.data_dir)
    if args.command == "upgrade":
        migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = migrate.current_revisions(conn)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    print(
        f"{', '.join(current) or 'không có (chưa tạo / tạo trước khi có migration)'}"
        f"{' (head)' if current == (head,) else f' — head: {head}'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
