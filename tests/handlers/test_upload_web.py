"""The web admin page over real HTTP on 127.0.0.1: disabled without HOCTAP_ADMIN_TOKEN, a token to sign in,
a scanned PDF uploaded and read with Tesseract, answerable at once through /api/ask, replaced, undone,
removed, every change recorded and shown by `python -m indexer show`."""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys

import aiohttp
import pytest
from sqlalchemy import select

from tests.support.uploads import ROOT, lamdong_text, make_store

from store.db import session_scope
from store.knowledge import ChunkPage, Chunk, Deadline, Document, DocumentEvent
from bot.config import ChannelConfig
from handlers.serve import Server
from indexer.ocr import tesseract_problem

pytestmark = pytest.mark.slow

TOKEN = "thu-nghiem-quan-tri-2026"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
QUESTION = "Công văn 1234/UBND-VX của UBND tỉnh Lâm Đồng yêu cầu báo cáo UBND tỉnh chậm nhất ngày nào?"


async def _server(tmp_path, monkeypatch, token: str | None):
    from bot.assistant import Assistant

    if token is None:
        monkeypatch.delenv("HOCTAP_ADMIN_TOKEN", raising=False)
    else:
        monkeypatch.setenv("HOCTAP_ADMIN_TOKEN", token)
    monkeypatch.setenv("HOCTAP_OCR_CACHE", str(tmp_path / "ocr-cache"))
    settings = make_store(tmp_path)
    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    return server, settings


async def _job(http, base, job: dict, timeout: float = 300) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while job["state"] == "running":
        assert loop.time() < end, job
        await asyncio.sleep(0.3)
        async with http.get(f"{base}admin/jobs/{job['id']}", headers=AUTH) as r:
            job = await r.json()
    return job


async def test_without_a_token_the_admin_page_is_disabled(tmp_path, monkeypatch):
    server, _ = await _server(tmp_path, monkeypatch, None)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url + "admin") as r:
                assert r.status == 404 and "HOCTAP_ADMIN_TOKEN" in await r.text()
            async with http.post(
                server.url + "admin/upload", headers={"Authorization": "Bearer anything-at-all"}, data={"x": "1"}
            ) as r:
                assert r.status == 404
    finally:
        await server.stop()


def _action(page: str, path: str) -> str:
    """The action of the page's form posting to `path` (with its CSRF token), as a browser submits it."""
    m = re.search(r"action='(" + re.escape(path) + r"\?csrf=[^']+)'", page)
    assert m, f"no form posting to {path}"
    return html.unescape(m.group(1)).lstrip("/")


async def test_sign_in_with_the_token(tmp_path, monkeypatch):
    server, _ = await _server(tmp_path, monkeypatch, TOKEN)
    try:
        origin = {"Origin": server.url.rstrip("/")}  # what a browser sends with a form's POST
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=origin) as http:
            async with http.get(server.url + "admin") as r:
                assert r.status == 401 and "Mã quản trị" in await r.text()
            async with http.get(server.url + "admin/api/documents") as r:
                assert r.status == 401
            async with http.post(server.url + "admin/login", data={"token": "sai-ma-quan-tri"}) as r:
                assert r.status == 401 and "không đúng" in await r.text()
            async with http.post(server.url + "admin/login", data={"token": TOKEN}) as r:
                assert r.status == 200 and str(r.url).endswith("/admin")  # followed the redirect
                page = await r.text()
            assert "daknong-2021-3597-ubnd-kgvx" in page and "Công văn 3597/UBND-KGVX" in page and TOKEN not in page
            assert r.headers["Cache-Control"] == "no-store"
            # the browser flow: the form posts, the job page refreshes itself until the summary shows
            form = aiohttp.FormData()
            form.add_field("file", lamdong_text().encode(), filename="Lâm Đồng 1234.txt", content_type="text/plain")
            async with http.post(server.url + _action(page, "/admin/upload"), data=form) as r:
                assert r.status == 200 and "/admin/jobs/" in str(r.url)
                job_url = str(r.url)
            for _ in range(300):
                async with http.get(job_url) as r:
                    text = await r.text()
                if "Đang xử lý" not in text:
                    break
                assert 'http-equiv="refresh"' in text
                await asyncio.sleep(0.2)
            assert "✅ Đã thêm văn bản lam-dong-1234" in text and "Công văn 1234/UBND-VX" in text
            assert "Hạn báo cáo: 2" in text and "Hoàn tác" in text
            async with http.get(server.url + "admin") as r:
                page = await r.text()
            async with http.post(server.url + _action(page, "/admin/remove"), data={"doc_id": "lam-dong-1234"}) as r:
                job_url = str(r.url)
            for _ in range(300):
                async with http.get(job_url) as r:
                    text = await r.text()
                if "Đang xử lý" not in text:
                    break
                await asyncio.sleep(0.2)
            assert "✅ Đã gỡ văn bản lam-dong-1234" in text
            async with http.get(server.url + "admin") as r:
                page = await r.text()
            assert "<option value='lam-dong-1234'>" not in page and "gỡ lam-dong-1234" in page  # gone; in the history
            async with http.post(server.url + _action(page, "/admin/logout")) as r:
                assert r.status == 401  # back at the sign-in form
    finally:
        await server.stop()


@pytest.mark.skipif(tesseract_problem() is not None, reason=f"OCR not available: {tesseract_problem()}")
async def test_scanned_pdf_upload_replace_undo_remove(tmp_path, monkeypatch):
    from bench.ocr_accuracy import make_scanned_pdf

    server, settings = await _server(tmp_path, monkeypatch, TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    pdf = make_scanned_pdf(lamdong_text(), tmp_path / "scan.pdf", dpi=300)
    try:
        async with aiohttp.ClientSession() as http:
            base = server.url
            # a file that cannot be read is refused by name; the knowledge folder does not change
            before = sorted(p.name for p in settings.knowledge_dir.iterdir())
            form = aiohttp.FormData()
            form.add_field("file", b"%PDF-1.4 broken", filename="hong.pdf", content_type="application/pdf")
            async with http.post(base + "admin/upload", data=form, headers=auth) as r:
                assert r.status == 202
                job = await _job(http, base, await r.json())
            assert job["state"] == "failed" and "hong.pdf" in job["error"]
            form = aiohttp.FormData()
            form.add_field("file", b"MZ\x90\x00", filename="virus.exe")
            async with http.post(base + "admin/upload", data=form, headers=auth) as r:
                assert r.status == 202
                job = await _job(http, base, await r.json())
            assert job["state"] == "failed" and ".exe" in job["error"]
            assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == before

            # the scan: read with Tesseract, indexed, answerable at once
            form = aiohttp.FormData()
            form.add_field(
                "file", pdf.read_bytes(), filename="CV 1234 Lâm Đồng (scan).pdf", content_type="application/pdf"
            )
            async with http.post(base + "admin/upload", data=form, headers=auth) as r:
                assert r.status == 202
                job = await _job(http, base, await r.json())
            assert job["state"] == "done", job
            doc_id = job["doc_id"]
            assert doc_id == "cv-1234-lam-dong-scan" and job["action"] == "added"
            s = job["summary"]
            assert (s["label"], s["issuer"], s["date"], s["deadlines"]) == (
                "Công văn 1234/UBND-VX",
                "UBND tỉnh Lâm Đồng",
                "05/11/2026",
                2,
            )
            assert s["pages"] >= 1 and s["responsibilities"] >= 4
            assert any("nhận dạng chữ" in m for m in job["messages"])
            n_pages = s["pages"]
            assert f"📄 Đã đọc {n_pages}/{n_pages} trang" in job["messages"]  # progress page by page
            async with http.post(base + "api/ask", json={"question": QUESTION}) as r:
                ans = await r.json()
            assert doc_id in {x["file"] for x in ans["sources"]} and "10/01/2027" in ans["answer"]
            src = next(x for x in ans["sources"] if x["file"] == doc_id)
            async with http.get(f"{base}api/source/{src['chunk_id']}") as r:
                assert (await r.json())["page"] in (1, 2)  # the page a citation can name
            async with http.get(f"{base}api/source/1") as r:  # a text document has no pages
                assert (await r.json())["page"] is None
            with session_scope(settings.database_url) as db:
                pages = db.scalars(select(ChunkPage.page).join(Chunk).where(Chunk.document_id == doc_id)).all()
            assert pages and min(pages) == 1

            # replace it with a corrected text: same id, the deadline changes
            form = aiohttp.FormData()
            form.add_field("file", lamdong_text("25/01/2027").encode(), filename="cv-1234-sua.txt")
            form.add_field("replace", doc_id)
            async with http.post(base + "admin/upload", data=form, headers=auth) as r:
                job = await _job(http, base, await r.json())
            assert job["state"] == "done" and job["action"] == "replaced" and job["doc_id"] == doc_id
            replaced_event = job["event_id"]
            assert _dues(settings, doc_id) == {(25, 1, 2027), (30, 6, None)}
            assert [p.name for p in (settings.data_dir / "documents").glob(doc_id + ".*")] == [doc_id + ".txt"]

            # undo the replacement: the scan and its deadline are back
            async with http.post(base + "admin/undo", json={"event_id": replaced_event}, headers=auth) as r:
                job = await _job(http, base, await r.json())
            assert job["state"] == "done" and job["action"] == "restored", job
            assert _dues(settings, doc_id) == {(10, 1, 2027), (30, 6, None)}
            assert [p.name for p in (settings.data_dir / "documents").glob(doc_id + ".*")] == [doc_id + ".pdf"]

            # remove it: gone from the store and from answers
            async with http.post(base + "admin/remove", json={"doc_id": doc_id}, headers=auth) as r:
                job = await _job(http, base, await r.json())
            assert job["state"] == "done" and job["action"] == "removed"
            async with http.get(base + "admin/api/documents", headers=auth) as r:
                listing = await r.json()
            assert doc_id not in {d["id"] for d in listing["documents"]}
            assert [(e["action"], e["document_id"]) for e in reversed(listing["events"])] == [
                ("added", doc_id),
                ("replaced", doc_id),
                ("restored", doc_id),
                ("removed", doc_id),
            ]
            assert all(len(e["sha256"]) == 64 and e["actor"].startswith("web:127.0.0.1") for e in listing["events"])
            async with http.post(base + "api/ask", json={"question": QUESTION}) as r:
                ans = await r.json()
            assert doc_id not in {x["file"] for x in ans["sources"]}
            with session_scope(settings.database_url) as db:
                assert db.get(Document, doc_id) is None
                assert (
                    db.scalars(select(DocumentEvent.content_sha256).where(DocumentEvent.action == "added")).one()
                    == __import__("hashlib").sha256(pdf.read_bytes()).hexdigest()
                )
    finally:
        await server.stop()
    # the history in `python -m indexer show`
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOCTAP_EMBEDDING_MODEL"] = str(tmp_path / "no-model")
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(settings.data_dir), "show"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    hist = r.stdout.split("LỊCH SỬ THÊM / THAY THẾ / GỠ VĂN BẢN", 1)[1]
    for verb in ("thêm", "thay thế", "khôi phục", "gỡ"):
        assert f" {verb} " in hist and doc_id in hist


def _dues(settings, doc_id) -> set:
    with session_scope(settings.database_url) as s:
        return {
            (d.due_day, d.due_month, d.due_year)
            for d in s.scalars(select(Deadline).where(Deadline.document_id == doc_id))
        }
