"""The SQL store: one home for the engine, the sessions and every table.

- `store.engine` — opening a URL (`make_engine`: SQLite pragmas, psycopg for PostgreSQL URLs).
- `store.db` — the process's engines (one per URL), `session_scope`; an engine is upgraded to the newest schema
  the first time it is made (`store.migrate`).
- `store.knowledge` — documents, chunks and the facts extracted from them (rebuilt by the indexer).
- `store.reminders` — subscriptions and the reminders sent (cannot be rebuilt: never lost by an upgrade).
- `store.channels` — what the channel adapters keep (processed updates, question log, feedback, chats,
  Zalo tokens, delivery failures).
- `store.published` — search indexes and uploaded files published for replicas (PostgreSQL deployments).
- `store.migrate` / `store/migrations/` — Alembic: a baseline of the tables as they were at commit 501e347
  and one revision per later change. A new column or table needs a revision
  (`alembic revision --autogenerate -m "..."` in the repository root); tests/store/test_migrations.py fails
  when the models and the newest revision differ.

Every module imports the tables and sessions from here (there is no other import path for them).
"""
