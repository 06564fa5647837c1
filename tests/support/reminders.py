"""Helpers for the reminder tests: a small store of deadlines, settings, a worker process.

Also a small worker entry point for the crash and two-worker tests:
    python -m tests.support.reminders worker --db URL --now ISO [--delay S] [--until-idle]   (from the repository root)
It registers a slow console sender (prints the JSON line, then waits `delay` seconds before the
database records it: the window a SIGKILL must hit to cause a repeat) and runs real sweeper ticks.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from bot.config import Settings
from store.db import session_scope
from store.knowledge import Deadline, Document

ROOT = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "tests.support.reminders", "worker"]  # run with cwd=ROOT

ENV_KEYS = (
    "HOCTAP_REMIND_HOUR",
    "HOCTAP_QUIET_HOURS",
    "HOCTAP_REMIND_LEASE_S",
    "HOCTAP_REMIND_HORIZON_DAYS",
    "HOCTAP_REMIND_MAX_ATTEMPTS",
    "HOCTAP_REMIND_BATCH",
)


def sqlite_url(path) -> str:
    return f"sqlite:///{path}"


def settings_for(db_url: str, data_dir) -> Settings:
    from store.engine import normalise_url

    return Settings(data_dir=Path(data_dir), database_url=normalise_url(db_url))


def documents() -> list[Document]:
    return [
        Document(
            id="daknong-2021-3597-ubnd-kgvx",
            file_name="daknong-2021-3597-ubnd-kgvx.txt",
            content_hash="x",
            doc_type="công văn",
            number="3597/UBND-KGVX",
            issuer="UBND tỉnh Đắk Nông",
            date=dt.date(2021, 7, 12),
            year=2021,
            province="Đắk Nông",
        ),
        Document(
            id="tiengiang-2021-ke-hoach-xhht",
            file_name="tiengiang-2021-ke-hoach-xhht.txt",
            content_hash="x",
            doc_type="kế hoạch",
            number="/KH-UBND",
            issuer="UBND tỉnh Tiền Giang",
            date=None,
            year=2021,
            province="Tiền Giang",
        ),
        Document(
            id="bgddt-2021-trien-khai-de-an-1373",
            file_name="bgddt-2021-trien-khai-de-an-1373.txt",
            content_hash="x",
            doc_type="công văn",
            number="3320/BGDĐT-GDĐT",
            issuer="Bộ Giáo dục và Đào tạo",
            date=dt.date(2021, 8, 6),
            year=2021,
            province=None,
        ),
    ]


def deadlines() -> list[Deadline]:
    return [
        Deadline(
            id="dl-daknong-1512",
            document_id="daknong-2021-3597-ubnd-kgvx",
            actors=["Các sở, ban, ngành tỉnh", "Ủy ban nhân dân cấp huyện"],
            actor_text="các Sở, ngành, đơn vị và UBND các huyện, thành phố",
            action="báo cáo",
            what="báo cáo tình hình thực hiện về Sở Giáo dục và Đào tạo",
            recipient="Sở Giáo dục và Đào tạo",
            due_day=15,
            due_month=12,
            recurrence="yearly",
            due_text="trước ngày 15/12",
            period="năm",
            province="Đắk Nông",
            quote="Định kỳ 6 tháng (trước 15/6) và hằng năm (trước ngày 15/12) báo cáo …",
        ),
        Deadline(
            id="dl-daknong-1506",
            document_id="daknong-2021-3597-ubnd-kgvx",
            actors=["Các sở, ban, ngành tỉnh", "Ủy ban nhân dân cấp huyện"],
            actor_text="các Sở, ngành, đơn vị và UBND các huyện, thành phố",
            action="báo cáo",
            what="báo cáo tình hình thực hiện 6 tháng về Sở Giáo dục và Đào tạo",
            recipient="Sở Giáo dục và Đào tạo",
            due_day=15,
            due_month=6,
            recurrence="yearly",
            due_text="trước 15/6",
            period="6 tháng",
            province="Đắk Nông",
        ),
        Deadline(
            id="dl-tiengiang-0112",
            document_id="tiengiang-2021-ke-hoach-xhht",
            actors=["Các sở, ban, ngành tỉnh", "Ủy ban nhân dân cấp huyện"],
            actor_text="các sở, ngành, đơn vị, địa phương",
            action="báo cáo",
            what="tổng hợp số liệu và báo cáo đánh giá các nội dung về xây dựng xã hội học tập gửi về "
            "UBND tỉnh (qua Sở GDĐT)",
            recipient="UBND tỉnh (qua Sở GDĐT)",
            due_day=1,
            due_month=12,
            recurrence="yearly",
            due_text="trước ngày 01/12 hàng năm",
            period="năm",
            province="Tiền Giang",
        ),
        Deadline(
            id="dl-tiengiang-2025",
            document_id="tiengiang-2021-ke-hoach-xhht",
            actors=["Sở Giáo dục và Đào tạo"],
            actor_text="Sở GDĐT",
            action="sơ kết",
            what="tổ chức sơ kết sau 05 năm thực hiện Đề án",
            due_day=31,
            due_month=12,
            due_year=2025,
            recurrence="once",
            due_text="Cuối năm 2025",
            interpretation="cuối năm 2025 → 31/12/2025",
            province="Tiền Giang",
        ),
        Deadline(
            id="dl-bgddt-2012",
            document_id="bgddt-2021-trien-khai-de-an-1373",
            actors=["Ủy ban nhân dân tỉnh"],
            actor_text="Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
            action="gửi",
            what="định kỳ gửi báo cáo tình hình, kết quả thực hiện Đề án về Bộ GDĐT",
            recipient="Bộ Giáo dục và Đào tạo",
            due_day=20,
            due_month=12,
            recurrence="yearly",
            due_text="trước ngày 20 tháng 12 hằng năm",
            period="năm",
            province=None,
        ),
    ]


def make_store(db_url: str, extra_deadlines: list[Deadline] | None = None) -> None:
    from store.engine import normalise_url

    with session_scope(normalise_url(db_url)) as s:
        for d in documents():
            s.merge(d)
        s.flush()
        for d in deadlines() + list(extra_deadlines or []):
            s.merge(d)


def bulk_deadlines(n: int, due: dt.date, prefix: str = "dl-bulk") -> list[Deadline]:
    """n one-off deadlines of the Đắk Nông letter due on `due` (for load and crash tests)."""
    return [
        Deadline(
            id=f"{prefix}-{i:04d}",
            document_id="daknong-2021-3597-ubnd-kgvx",
            actors=["Các sở, ban, ngành tỉnh"],
            actor_text="các Sở, ngành",
            action="báo cáo",
            what=f"báo cáo nội dung số {i}",
            due_day=due.day,
            due_month=due.month,
            due_year=due.year,
            recurrence="once",
            due_text=f"trước ngày {due:%d/%m/%Y}",
            province="Đắk Nông",
        )
        for i in range(n)
    ]


# --- worker entry point ---------------------------------------------------------------------------


def _worker(argv: list[str]) -> int:
    import argparse
    import asyncio
    import json

    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--now", required=True)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--until-idle", action="store_true", help="tick until a tick delivers nothing")
    p.add_argument("--go-file", default=None, help="wait for this file before the first tick (a start barrier)")
    a = p.parse_args(argv)
    if os.environ.get("HOCTAP_TEST_LOG"):
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(relativeCreated)d %(process)d %(name)s %(message)s")
        logging.getLogger("sqlalchemy.engine").setLevel(
            logging.INFO if os.environ["HOCTAP_TEST_LOG"] == "sql" else logging.WARNING
        )

    from bot.reminders import sweeper
    from bot.reminders.delivery import console_line

    async def slow_console(chat_id, message):
        if a.delay:
            await asyncio.sleep(a.delay / 2)
        sys.stdout.write(console_line(chat_id, message) + "\n")
        sys.stdout.flush()  # accepted by the channel from here on …
        if a.delay:
            await asyncio.sleep(a.delay / 2)  # … but not yet recorded: the risky window

    settings = settings_for(a.db, os.environ.get("TMPDIR", "/tmp"))
    now = dt.datetime.fromisoformat(a.now)

    async def main():
        import time

        total = 0
        if a.go_file:
            print(json.dumps({"worker_ready": os.getpid()}), file=sys.stderr, flush=True)
            while not os.path.exists(a.go_file):
                time.sleep(0.005)
        while True:
            got = await sweeper.tick(settings, now, senders={"console": slow_console})
            total += len(got)
            if os.environ.get("HOCTAP_TEST_LOG"):
                print(json.dumps({"tick_delivered": len(got), "t": time.monotonic()}), file=sys.stderr, flush=True)
            if not a.until_idle or not got:
                break
        print(json.dumps({"worker_done": total}), file=sys.stderr, flush=True)

    asyncio.run(main())
    return 0


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "worker":
    sys.exit(_worker(sys.argv[2:]))
