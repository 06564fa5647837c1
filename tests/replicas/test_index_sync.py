"""Two `serve` replicas on 127.0.0.1, each with a data folder of its own, one PostgreSQL database, no shared disk:
the index built through replica A's data folder reaches B through the database; a document uploaded through A's
web admin page is answered by B within 10 s of A accepting it (B learns of the new build by LISTEN/NOTIFY: its
polling fallback is set to a minute here, so only the notification can be that quick).

Needs HOCTAP_TEST_POSTGRES_URL; the test makes its own database and drops it.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.replicas.harness import ADMIN_TOKEN, PG_URL, indexer_build, own_database, replicas
from tests.support.channels import ROOT

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="HOCTAP_TEST_POSTGRES_URL is not set: the replicas need a PostgreSQL server"),
]

NEW_DOC = Path(__file__).parent / "data" / "son-la-2468-ngay-hoi-doc-sach.txt"  # written for this test
NEW_ID = "son-la-2468-ngay-hoi-doc-sach"
QUESTION = (
    "Công văn 2468/UBND-KGVX của UBND tỉnh Sơn La yêu cầu Sở Văn hóa, Thể thao và Du lịch báo cáo chậm nhất ngày nào?"
)
SEED_QUESTION = "Hội Khuyến học Hải Phòng được đề nghị làm gì?"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"}


def _ask(http: httpx.Client, base: str, question: str) -> dict:
    r = http.post(base + "api/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


def _cites(answer: dict, doc_id: str) -> bool:
    return any(s.get("file") == doc_id for s in answer.get("sources", []))


def _upload(http: httpx.Client, base: str) -> dict:
    files = {"file": ("Sơn La 2468 ngày hội đọc sách.txt", NEW_DOC.read_bytes(), "text/plain")}
    r = http.post(base + "admin/upload", headers=AUTH, files=files)
    assert r.status_code == 202, r.text
    return r.json()


def _wait_job(http: httpx.Client, base: str, job: dict, timeout: float = 300) -> dict:
    end = time.monotonic() + timeout
    while job["state"] == "running":
        assert time.monotonic() < end, job
        time.sleep(0.1)
        job = http.get(f"{base}admin/jobs/{job['id']}", headers=AUTH).json()
    assert job["state"] == "done", job
    return job


def _wait_cited(http: httpx.Client, base: str, since: float, limit: float = 10.0) -> tuple[float, dict]:
    """Seconds from `since` until B's answer cites the new document (fails after `limit` s), and that answer."""
    while True:
        answer = _ask(http, base, QUESTION)  # B answers all along, from the old build until the new one is in
        took = time.monotonic() - since
        if _cites(answer, NEW_ID):
            return took, answer
        assert took < limit, f"B still answers without the new document {took:.1f} s after A accepted it"
        time.sleep(0.1)


def test_upload_through_a_is_answered_by_b_within_10_s(tmp_path):
    from bot.search_index import read_build_id, verify_index

    with own_database() as db_url:
        a_dir, b_dir = tmp_path / "replica-0", tmp_path / "replica-1"
        build_s = indexer_build(a_dir, db_url, ROOT / "knowledge")
        with replicas(2, tmp_path, db_url, HOCTAP_INDEX_POLL_S="60") as (a, b), httpx.Client(timeout=60) as http:
            # B's data folder was empty: it fetched A's build from the database at start and verified it
            assert read_build_id(b_dir) == read_build_id(a_dir) and verify_index(b_dir / "index") is None
            assert not (b_dir / "index").resolve().is_relative_to(a_dir)
            assert _cites(_ask(http, b.url, SEED_QUESTION), "haiphong-2022-khai-thac-tai-lieu-xhht")
            assert not _cites(_ask(http, b.url, QUESTION), NEW_ID)

            posted = time.monotonic()
            job = _wait_job(http, a.url, _upload(http, a.url))
            done = time.monotonic()
            assert job["doc_id"] == NEW_ID and _cites(_ask(http, a.url, QUESTION), NEW_ID)
            total, answer = _wait_cited(http, b.url, posted)  # within 10 s of A accepting the upload
            print(
                f"\nknowledge/ built through A in {build_s:.1f} s; upload accepted by A → indexed and published by A "
                f"{done - posted:.1f} s → answered by B {total - (done - posted):.1f} s later; total {total:.1f} s"
            )
            assert total < 10 and "15/05/2027" in answer["answer"]
            assert read_build_id(b_dir) == read_build_id(a_dir)
            _b_serves_the_new_document(http, b.url, answer)
            assert a.proc.poll() is None and b.proc.poll() is None


def _b_serves_the_new_document(http: httpx.Client, base: str, answer: dict) -> None:
    """B lists the new document, shows its sources, and says plainly that it has no PDF of it (never a 500)."""
    assert any("2468/UBND-KGVX" in d for d in http.get(base + "api/info").json()["documents"])
    src = next(s for s in answer["sources"] if s["file"] == NEW_ID)
    r = http.get(f"{base}api/source/{src['chunk_id']}")
    assert r.status_code == 200 and "15/05/2027" in r.json()["text"]
    r = http.get(f"{base}api/document/{NEW_ID}")
    assert r.status_code == 404 and r.json()["error"]
