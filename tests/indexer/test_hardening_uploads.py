"""Issue 20, finding 4 (second part): an upload killed mid-indexing left its file in the knowledge folder with no
audit record, indexed silently by the next build, and uploading it again made a "-2" duplicate. Now an addition is
recorded ("pending") before its file is placed, and `serve` settles what a killed process left at its next start:
finished when the build had committed the document, else rolled back (the file kept in the history folder)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from tests.support.uploads import ROOT, lamdong_text, make_store

from bot.config import ChannelConfig
from handlers.serve import Server
from indexer.uploads import DocumentLibrary
from store.db import session_scope
from store.knowledge import Document, DocumentEvent

pytestmark = pytest.mark.slow

KILLED_UPLOAD = """
import os, signal, sys
from pathlib import Path
from bot.config import load_settings
import indexer.uploads as u

tmp, when = Path(sys.argv[1]), sys.argv[2]
s = load_settings(tmp / "data")
s.database_url = f"sqlite:///{tmp / 'data' / 'hoctap.sqlite3'}"
s.embedding_model = str(tmp / "no-model")
s.knowledge_dir = tmp / "knowledge"
real = u.DocumentLibrary._rebuild
def dying(self, *a, **k):
    if when == "after":
        real(self, *a, **k)
    os.kill(os.getpid(), signal.SIGKILL)
u.DocumentLibrary._rebuild = dying
u.DocumentLibrary(s).add("Lâm Đồng 1234.txt", (tmp / "upload.txt").read_bytes(), "web:test")
"""


def _kill_an_upload(tmp_path, when: str) -> None:
    (tmp_path / "upload.txt").write_text(lamdong_text(), encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-c", KILLED_UPLOAD, str(tmp_path), when],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == -9, r.stderr[-2000:]


def _events(settings, doc_id: str) -> list[tuple[str, dict]]:
    with session_scope(settings.database_url) as s:
        rows = s.scalars(select(DocumentEvent).where(DocumentEvent.document_id == doc_id).order_by(DocumentEvent.id))
        return [(e.action, json.loads(e.note or "{}")) for e in rows]


async def _restart(settings) -> None:
    from bot.assistant import Assistant

    server = Server(Assistant.from_settings(settings), ChannelConfig(web_port=0), sweeper=False)
    await server.start()
    await server.stop()


async def test_an_upload_killed_before_its_build_is_rolled_back_at_the_next_start(tmp_path):
    settings = make_store(tmp_path)
    _kill_an_upload(tmp_path, "before")
    assert (settings.data_dir / "documents" / "lam-dong-1234.txt").exists()
    assert _events(settings, "lam-dong-1234") == [("pending", {"original_name": "Lâm Đồng 1234.txt"})]
    await _restart(settings)
    ((action, note),) = _events(settings, "lam-dong-1234")
    assert action == "rolled-back" and "rolled back" in note["recovered"]
    assert not (settings.data_dir / "documents" / "lam-dong-1234.txt").exists()
    assert list((settings.data_dir / "knowledge-history").glob("*lam-dong-1234.txt"))  # kept, never lost
    # uploading it again takes the same id: no "-2" duplicate
    seeds = sorted(p.name for p in settings.knowledge_dir.iterdir())
    out = DocumentLibrary(settings).add("Lâm Đồng 1234.txt", lamdong_text().encode(), "web:test")
    assert out.doc_id == "lam-dong-1234" and [a for a, _ in _events(settings, "lam-dong-1234")][-1] == "added"
    # uploads live in the data folder, never in the knowledge folder of the code checkout
    assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == seeds
    assert [p.name for p in (settings.data_dir / "documents").iterdir()] == ["lam-dong-1234.txt"]


async def test_an_upload_killed_after_its_build_is_finished_at_the_next_start(tmp_path):
    settings = make_store(tmp_path)
    _kill_an_upload(tmp_path, "after")
    with session_scope(settings.database_url) as s:
        assert s.get(Document, "lam-dong-1234") is not None  # indexed by the build that committed
    await _restart(settings)
    ((action, note),) = _events(settings, "lam-dong-1234")
    assert action == "added" and note["recovered"] == "finished at start"
    assert (settings.data_dir / "documents" / "lam-dong-1234.txt").exists()
