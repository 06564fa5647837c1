"""The schema's one home (store/) and its Alembic migrations.

- A database made by `create_all` on main at 501e347 (tests/data/schema-501e347-*.sql), with a document,
  chunks, a deadline, a subscription, a reminder, a Zalo token and a logged question in it, is upgraded to
  head: every row is intact and the tables added since are usable — on SQLite and on PostgreSQL.
- Several processes upgrading the same empty database at once all succeed.
- The models and the head revision do not differ (a new column without its migration fails here).

The PostgreSQL tests need HOCTAP_TEST_POSTGRES_URL (`.ci/run` sets postgresql://postgres@127.0.0.1:5432/test);
each works in a database of its own, created and dropped.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

import store.migrate
from store.db import Base, dispose_engines, session_scope
from store.engine import make_engine, normalise_url

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="HOCTAP_TEST_POSTGRES_URL is not set: the PostgreSQL migration tests need a server "
    "(e.g. HOCTAP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test, as .ci/run sets)",
)

# the rows a deployment of 501e347 holds; subscriptions, reminders and Zalo tokens cannot be rebuilt
LEGACY_ROWS: list[tuple[str, dict]] = [
    (
        "documents",
        dict(
            id="kh-daknong",
            file_name="kh-daknong.txt",
            content_hash="ab" * 32,
            doc_type="kế hoạch",
            number="12/KH-UBND",
            issuer="UBND tỉnh Đắk Nông",
            place="Đắk Nông",
            date=dt.date(2021, 3, 4),
            date_text="ngày 04 tháng 3 năm 2021",
            year=2021,
            subject="Xây dựng xã hội học tập",
            recipients='["Sở Giáo dục và Đào tạo"]',
            receivers="[]",
            signer="Nguyễn Văn A",
            signer_title="KT. CHỦ TỊCH",
            province="Đắk Nông",
            indexed_at=dt.datetime(2026, 11, 20, 8, 0),
        ),
    ),
    (
        "chunks",
        dict(
            id=1,
            document_id="kh-daknong",
            ordinal=0,
            section_path="",
            headings="[]",
            text="KẾ HOẠCH Xây dựng xã hội học tập",
            kind="header",
        ),
    ),
    (
        "chunks",
        dict(
            id=2,
            document_id="kh-daknong",
            ordinal=1,
            section_path="IV › 1",
            headings='["IV. TỔ CHỨC"]',
            text="Sở Giáo dục và Đào tạo báo cáo trước ngày 15/12 hằng năm.",
            kind="body",
        ),
    ),
    (
        "deadlines",
        dict(
            id="dl-daknong-1512",
            actors='["Sở Giáo dục và Đào tạo"]',
            actor_text="Sở GDĐT",
            action="báo cáo",
            what="báo cáo kết quả",
            recipient="UBND tỉnh",
            due_day=15,
            due_month=12,
            due_year=None,
            recurrence="yearly",
            due_text="trước ngày 15/12",
            period="năm",
            interpretation=None,
            province="Đắk Nông",
            document_id="kh-daknong",
            chunk_id=2,
            section_path="IV › 1",
            quote="báo cáo trước ngày 15/12 hằng năm",
        ),
    ),
    (
        "reminder_subscriptions",
        dict(
            id=1,
            channel="telegram",
            chat_id="12345",
            province="Đắk Nông",
            agency=None,
            deadline_id=None,
            scope_key="Đắk Nông||",
            lead_days="[7, 1]",
            created_at=dt.datetime(2026, 11, 1, 1, 0),
            updated_at=dt.datetime(2026, 11, 1, 1, 0),
        ),
    ),
    (
        "reminders",
        dict(
            id=1,
            subscription_id=1,
            channel="telegram",
            chat_id="12345",
            deadline_id="dl-daknong-1512",
            due_date=dt.date(2026, 12, 15),
            lead_days=7,
            send_at=dt.datetime(2026, 12, 8, 1, 0),
            next_attempt_at=dt.datetime(2026, 12, 8, 1, 0),
            status="sent",
            attempts=1,
            claim_token=None,
            claimed_at=None,
            sent_at=dt.datetime(2026, 12, 8, 1, 0, 5),
            late=False,
            last_error=None,
            created_at=dt.datetime(2026, 11, 1, 1, 0),
        ),
    ),
    (
        "zalo_tokens",
        dict(
            id=1,
            access_token="access-secret",
            refresh_token="refresh-secret",
            expires_at=dt.datetime(2026, 12, 31),
            seed="cd" * 32,
            updated_at=dt.datetime(2026, 11, 30, 9, 0),
        ),
    ),
    (
        "channel_queries",
        dict(
            id=1,
            channel="web",
            chat_id="s1",
            question="ai báo cáo trước 15/12?",
            answered=True,
            intent="deadline",
            elapsed_ms=12.5,
            top_source="kh-daknong",
            suggestions="[]",
            deadline_ids='["dl-daknong-1512"]',
            error=None,
            created_at=dt.datetime(2026, 11, 30, 9, 1),
        ),
    ),
]
KEYS = {
    "documents": "id",
    "chunks": "id",
    "deadlines": "id",
    "reminder_subscriptions": "id",
    "reminders": "id",
    "zalo_tokens": "id",
    "channel_queries": "id",
}


def _ddl(dialect: str) -> list[str]:
    sql = "\n".join(
        line
        for line in (DATA / f"schema-501e347-{dialect}.sql").read_text(encoding="utf-8").splitlines()
        if not line.startswith("--")
    )
    return [s for s in sql.split(";\n") if s.strip()]


def _make_legacy(url: str, dialect: str) -> None:
    """The 501e347 tables (no alembic_version), with LEGACY_ROWS in them."""
    eng = create_engine(normalise_url(url))
    try:
        with eng.begin() as c:
            for stmt in _ddl(dialect):
                c.exec_driver_sql(stmt)
            for table, row in LEGACY_ROWS:
                cols = ", ".join(f'"{k}"' for k in row)
                c.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + k for k in row)})"), row)
            if dialect == "postgresql":  # rows given their ids: move the SERIAL sequences past them, as use would
                for table in ("chunks", "reminder_subscriptions", "reminders", "zalo_tokens", "channel_queries"):
                    c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    finally:
        eng.dispose()


def _rows(url: str) -> dict[str, list[tuple]]:
    eng = create_engine(normalise_url(url))
    try:
        with eng.connect() as c:
            return {t: [tuple(r) for r in c.execute(text(f"SELECT * FROM {t} ORDER BY {k}"))] for t, k in KEYS.items()}
    finally:
        eng.dispose()


def _version(url: str) -> list[str]:
    eng = create_engine(normalise_url(url))
    try:
        with eng.connect() as c:
            return [r for (r,) in c.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        eng.dispose()


def _schema_diff(url: str) -> list:
    """What `alembic check` would report: the models against the database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    eng = make_engine(url)
    try:
        with eng.connect() as c:
            return compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
    finally:
        eng.dispose()


def _check_upgraded(url: str, before: dict[str, list[tuple]]) -> None:
    from store.knowledge import Chunk, ChunkPage, Criterion, Deadline, Document, DocumentEvent, Event
    from store.reminders import Reminder, Subscription
    from store.channels import QueryLog, ZaloToken

    assert _version(url) == [store.migrate.head_revision()]
    assert _rows(url) == before
    try:
        with session_scope(url) as s:  # the ORM reads the old rows and writes the new tables
            doc = s.get(Document, "kh-daknong")
            assert doc.label == "Kế hoạch 12/KH-UBND" and doc.recipients == ["Sở Giáo dục và Đào tạo"]
            assert [c.ordinal for c in doc.chunks] == [0, 1]
            assert s.get(Deadline, "dl-daknong-1512").actors == ["Sở Giáo dục và Đào tạo"]
            sub = s.scalars(select(Subscription)).one()
            assert (sub.chat_id, sub.lead_days) == ("12345", [7, 1])
            assert s.scalars(select(Reminder)).one().status == "sent"
            assert s.get(ZaloToken, 1).refresh_token == "refresh-secret"
            assert s.get(QueryLog, 1).deadline_ids == ["dl-daknong-1512"]
            s.add_all(
                [
                    Criterion(
                        document_id="kh-daknong", chunk_id=2, criteria_set="Tiêu chí", item="Có tủ sách", points=20
                    ),
                    Event(
                        document_id="kh-daknong", chunk_id=2, name="Tuần lễ học tập", start_date=dt.date(2026, 10, 1)
                    ),
                    ChunkPage(chunk_id=2, page=3),
                    DocumentEvent(document_id="kh-daknong", action="added", actor="cli", file_name="kh-daknong.txt"),
                    Subscription(channel="zalo", chat_id="z1", scope_key="||", lead_days=[3]),
                ]
            )
        with session_scope(url) as s:
            assert s.scalars(select(Criterion.points)).one() == 20
            assert s.scalars(select(Event.name)).one() == "Tuần lễ học tập"
            assert s.get(ChunkPage, 2).page == 3
            assert s.scalars(select(DocumentEvent.actor)).one() == "cli"
            s.delete(s.get(Document, "kh-daknong"))  # foreign keys of the new tables cascade like the old ones
        with session_scope(url) as s:
            assert s.scalars(select(Chunk)).all() == [] and s.get(ChunkPage, 2) is None
            assert s.scalars(select(Criterion)).all() == [] and len(s.scalars(select(Subscription)).all()) == 2
    finally:
        dispose_engines(url)
    assert _schema_diff(url) == []


# -- SQLite ---------------------------------------------------------------------------------------------------
def test_head_revision_read_without_alembic_matches_alembic():
    assert store.migrate.head_revision() == store.migrate.alembic_head_revision()


def test_sqlite_501e347_database_upgraded_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _make_legacy(url, "sqlite")
    before = _rows(url)
    assert sum(map(len, before.values())) == len(LEGACY_ROWS)
    store.migrate.upgrade(url)
    assert _version(url)[0] == store.migrate.head_revision()
    store.migrate.upgrade(url)  # again: nothing to do
    _check_upgraded(url, before)


def test_sqlite_made_by_create_all_between_501e347_and_alembic(tmp_path):
    """A store made after 501e347 already has some of the tables added since: they are kept, the rest made."""
    url = f"sqlite:///{tmp_path / 'mid.sqlite3'}"
    _make_legacy(url, "sqlite")
    eng = create_engine(url)
    with eng.begin() as c:
        Base.metadata.tables["criteria"].create(c)
        Base.metadata.tables["chunk_pages"].create(c)
        c.execute(text("INSERT INTO chunk_pages (chunk_id, page) VALUES (1, 7)"))
    eng.dispose()
    store.migrate.upgrade(url)
    assert _version(url) == [store.migrate.head_revision()]
    eng = create_engine(url)
    with eng.connect() as c:
        assert c.execute(text("SELECT page FROM chunk_pages")).scalar_one() == 7
    eng.dispose()
    assert _schema_diff(url) == []


def test_sqlite_501e347_database_missing_some_tables(tmp_path):
    """create_all ran while a models module could not be imported: the missing tables are made, rows kept."""
    url = f"sqlite:///{tmp_path / 'partial.sqlite3'}"
    _make_legacy(url, "sqlite")
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("DROP TABLE channel_chats"))
        c.execute(text("DROP TABLE channel_feedback"))
    eng.dispose()
    before = _rows(url)
    store.migrate.upgrade(url)
    assert _version(url) == [store.migrate.head_revision()] and _rows(url) == before
    assert _schema_diff(url) == []


def test_sqlite_empty_database_gets_every_table_and_models_match_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    store.migrate.upgrade(url)
    eng = create_engine(url)
    assert set(inspect(eng).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    eng.dispose()
    assert _schema_diff(url) == [], (
        "a table or column changed without its migration: run "
        "`.venv/bin/alembic revision --autogenerate -m '...'` and review the file"
    )


def test_sqlite_several_processes_upgrade_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    _race(url, tmp_path, 3)
    assert _version(url) == [store.migrate.head_revision()]
    assert _schema_diff(url) == []


def test_python_m_store_upgrade_and_current(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOCTAP_DATA_DIR")}
    run = [sys.executable, "-m", "store", "--data-dir", str(tmp_path / "d")]
    r = subprocess.run(
        run + ["upgrade"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert r.returncode == 0 and r.stdout.strip() == f"{store.migrate.head_revision()} (head)", r.stderr[-2000:]
    assert (tmp_path / "d" / "hoctap.sqlite3").exists()


def _race(url: str, tmp_path: Path, n: int) -> None:
    """`n` processes call store.migrate.upgrade(url) at the same moment; all must succeed."""
    go = tmp_path / "go"
    code = textwrap.dedent(f"""
        import os, sys, time
        import store.migrate
        while not os.path.exists({str(go)!r}):
            time.sleep(0.005)
        store.migrate.upgrade(sys.argv[1])
        print("upgraded")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, url],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    import time

    time.sleep(1.5)  # every process has imported and waits
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0 and out.strip() == "upgraded", err[-3000:]


# -- PostgreSQL -----------------------------------------------------------------------------------------------
@pytest.fixture
def pg_database():
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    import psycopg

    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    name = "hoctap_migr_test_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = normalise_url(f"{admin.rsplit('/', 1)[0]}/{name}")
    try:
        yield url
    finally:
        dispose_engines(name)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@needs_pg
def test_postgres_501e347_database_upgraded_with_its_data(pg_database):
    _make_legacy(pg_database, "postgresql")
    before = _rows(pg_database)
    assert sum(map(len, before.values())) == len(LEGACY_ROWS)
    store.migrate.upgrade(pg_database)
    store.migrate.upgrade(pg_database)
    _check_upgraded(pg_database, before)


@pytest.mark.postgres
@needs_pg
def test_postgres_two_processes_upgrade_an_empty_database_at_once(pg_database, tmp_path):
    _race(pg_database, tmp_path, 2)
    assert _version(pg_database) == [store.migrate.head_revision()]
    assert _schema_diff(pg_database) == [], "a table or column changed without its migration"
