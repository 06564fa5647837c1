"""Issue 20, finding 3: garbage in DATA/index/dense.faiss was not seen by /healthz while serving, `serve` exited 1
after a restart and `indexer build` did not repair it without --force. Now the manifest carries every file's
SHA-256, verified at load and by /healthz; a corrupted build is reported (503 with the reason) while the last
good one answers, `serve` starts, and `indexer build` rebuilds it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import aiohttp
import pytest

from tests.support.channels import settings_for
from tests.support.serve import ServeProcess
from tests.support.uploads import KN, ROOT, make_store

from bot.config import ChannelConfig
from bot.search_index import PREVIOUS, IndexCorrupt, load_index, previous_build, verify_index
from handlers.serve import Server
from indexer.build import build

pytestmark = pytest.mark.slow

QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"


def _garble(path, at: int = 200) -> None:
    with open(path, "r+b") as f:
        f.seek(min(at, max(0, os.path.getsize(path) - 64)))
        f.write(os.urandom(64))


def _indexer_build(data_dir, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{data_dir / 'hoctap.sqlite3'}")
    return subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "build", str(KN), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_manifest_holds_checksums_and_a_garbled_file_is_named(tmp_path):
    settings = make_store(tmp_path)
    root = (settings.data_dir / "index").resolve()
    files = json.loads((root / "manifest.json").read_text())["files"]
    assert "chunk_ids.npy" in files and all(len(f["sha256"]) == 64 for f in files.values())
    assert verify_index(root) is None
    (root / "chunk_ids.npy").write_bytes(b"garbage")
    assert "chunk_ids.npy sai kích thước" in verify_index(root)
    bm25 = next(p for p in (root / "bm25").iterdir() if p.stat().st_size > 300)
    _garble(bm25)  # same size, other bytes
    assert verify_index(root) == f"tệp bm25/{bm25.name} sai mã kiểm tra SHA-256"
    with pytest.raises(IndexCorrupt):  # no previous build to fall back on
        load_index(settings.data_dir)


def test_without_a_good_build_the_assistant_still_starts_and_build_repairs_without_force(tmp_path):
    from bot.assistant import Assistant

    settings = make_store(tmp_path)
    _garble((settings.data_dir / "index" / "chunk_ids.npy"))
    a = Assistant.from_settings(settings)  # raised before: serve exited 1
    assert a.retriever is None and a.kb.docs
    rep = build(settings, [settings.knowledge_dir])  # no force
    assert rep.repaired and "chunk_ids.npy" in rep.repaired and not rep.indexed
    assert verify_index(settings.data_dir / "index") is None
    assert a.maybe_reload() and a.retriever is not None and a.ask(QUESTION).answered


async def _health(http, url: str) -> tuple[int, dict]:
    async with http.get(url + "healthz") as r:
        return r.status, await r.json()


async def test_a_corrupted_dense_index_is_reported_while_the_loaded_build_answers(store_copy):
    from bot.assistant import Assistant

    settings = settings_for(store_copy)
    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            status, h = await _health(http, server.url)
            assert status == 200, h
            _garble(settings.data_dir / "index" / "dense.faiss")  # in place, while serving
            status, h = await _health(http, server.url)
            assert status == 503
            assert "dense.faiss sai mã kiểm tra" in h["checks"]["dense"]["detail"]
            assert "đang trả lời bằng bản lập chỉ mục" in h["checks"]["dense"]["detail"]
            assert h["checks"]["lexical"]["ok"]  # the lexical index's own files verify
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200 and (await r.json())["answered"]
    finally:
        await server.stop()


async def test_after_a_restart_serve_starts_on_the_last_good_build_and_build_repairs(store_copy):
    settings = settings_for(store_copy)
    rep = build(settings, [KN], force=True)  # a second build: the first is kept as the previous one
    assert not rep.errors
    first = previous_build(settings.data_dir)
    assert first is not None and (settings.data_dir / PREVIOUS).is_symlink()
    current = (settings.data_dir / "index").resolve()
    _garble(current / "dense.faiss")
    server = ServeProcess(settings, store_copy.parent, HOCTAP_RELOAD_INTERVAL_S="0.5")  # exited 1 before
    try:
        async with aiohttp.ClientSession() as http:
            status, h = await _health(http, server.url)
            assert status == 503 and f"bản lập chỉ mục {first.name}" in h["checks"]["dense"]["detail"], h
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                answer = await r.json()
                assert r.status == 200 and answer["answered"] and answer["sources"]
            done = await asyncio.to_thread(_indexer_build, settings.data_dir)  # no --force
            assert done.returncode == 0, done.stderr[-2000:]
            assert "đã lập lại" in done.stdout and "dense.faiss" in done.stdout
            end = time.monotonic() + 60
            while (status := (await _health(http, server.url))[0]) != 200 and time.monotonic() < end:
                await asyncio.sleep(0.5)
            assert status == 200  # the repaired build loaded without a restart
    finally:
        server.stop()
