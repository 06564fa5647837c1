"""Adding documents by sending them to the Telegram bot: the real python-telegram-bot Application polling a Bot
API stand-in on 127.0.0.1 that also serves the files; a store of its own in a temporary folder."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from tests.support.channels import visible_text, wait_for
from tests.support.uploads import FileServingStandIn, lamdong_docx, make_store

from store.db import session_scope
from store.knowledge import Deadline, Document, DocumentEvent
from bot.config import ChannelConfig
from handlers.serve import Server

pytestmark = pytest.mark.slow

ADMIN = 5151
OTHER = 6262
QUESTION = "Công văn 1234/UBND-VX của UBND tỉnh Lâm Đồng yêu cầu báo cáo UBND tỉnh chậm nhất ngày nào?"


@pytest.fixture
async def bot(tmp_path):
    from bot.assistant import Assistant

    settings = make_store(tmp_path)
    assistant = Assistant.from_settings(settings)
    standin = await FileServingStandIn().start()
    cfg = ChannelConfig(
        web_port=0,
        telegram_token=standin.token,
        telegram_base_url=standin.url,
        telegram_poll_timeout=1,
        admin_ids=frozenset({str(ADMIN)}),
    )
    server = Server(assistant, cfg, sweeper=False)
    await server.start()
    await wait_for(lambda: server.telegram.app.running and any(c.method == "deleteWebhook" for c in standin.calls))
    yield standin, server, settings, tmp_path
    standin.release_polls()
    await server.stop()
    await standin.stop()


def _texts(standin, chat) -> list[str]:
    return [
        visible_text(c.params.get("text", ""))
        for c in standin.calls
        if c.method in ("sendMessage", "editMessageText") and str(c.params.get("chat_id")) == str(chat)
    ]


def _buttons(standin, chat) -> list[dict]:
    out = []
    for c in standin.sent(chat):
        kb = (c.params.get("reply_markup") or {}).get("inline_keyboard") or []
        out += [b for row in kb for b in row]
    return out


def _doc_ids(settings) -> set[str]:
    with session_scope(settings.database_url) as s:
        return set(s.scalars(select(Document.id)))


async def test_admin_sends_a_docx_it_is_indexed_answerable_and_undoable(bot):
    standin, server, settings, tmp = bot
    from bot.reminders.subscriptions import subscribe

    subscribe(settings.database_url, channel="telegram", chat_id=str(OTHER), province="Lâm Đồng")
    subscribe(settings.database_url, channel="telegram", chat_id="7373", province="Hà Nội")
    data = lamdong_docx(tmp / "cv.docx").read_bytes()
    before = _doc_ids(settings)
    standin.document(ADMIN, "Công văn 1234 Lâm Đồng.docx", data)
    summary = await wait_for(
        lambda: next((t for t in _texts(standin, ADMIN) if t.startswith("✅ Đã thêm")), None), timeout=120
    )
    # progress was shown by editing the first reply
    edits = [visible_text(c.params["text"]) for c in standin.calls if c.method == "editMessageText"]
    assert any("Đang đọc văn bản" in e for e in edits) and any("Đang lập chỉ mục" in e for e in edits)
    assert "Công văn 1234/UBND-VX — UBND tỉnh Lâm Đồng, 05/11/2026" in summary
    assert "Hạn báo cáo: 2 · Nhiệm vụ:" in summary and "Mã văn bản: cong-van-1234-lam-dong" in summary
    assert (settings.data_dir / "documents" / "cong-van-1234-lam-dong.docx").read_bytes() == data
    # subscribers whose scope the new deadlines concern are told, once per deadline; others are not
    told = await wait_for(lambda: len(_texts(standin, OTHER)) >= 2 and _texts(standin, OTHER), timeout=30)
    assert all("Văn bản mới: Công văn 1234/UBND-VX" in t for t in told)
    assert any("10/01/2027" in t for t in told) and len(told) == 2
    assert not _texts(standin, 7373)
    assert _doc_ids(settings) == before | {"cong-van-1234-lam-dong"}
    with session_scope(settings.database_url) as s:
        ev = s.scalars(select(DocumentEvent)).one()
        assert (ev.action, ev.actor, ev.document_id) == ("added", f"telegram:{ADMIN}", "cong-van-1234-lam-dong")
        import hashlib

        assert ev.content_sha256 == hashlib.sha256(data).hexdigest()

    # answerable at once, through the same bot, without a restart
    n = len(standin.sent(ADMIN))
    standin.message(ADMIN, QUESTION)
    await wait_for(lambda: len(standin.sent(ADMIN)) > n, timeout=60)
    await asyncio.sleep(0.3)
    answer = "\n".join(_texts(standin, ADMIN)[-3:])
    assert "1234/UBND-VX" in answer and "10/01/2027" in answer

    # the facts, then undo
    buttons = {b["text"]: b["callback_data"] for b in _buttons(standin, ADMIN)}
    view = next(v for k, v in buttons.items() if k.startswith("📋"))
    undo = next(v for k, v in buttons.items() if k.startswith("↩️"))
    n = len(standin.sent(ADMIN))
    standin.press(ADMIN, view)
    await wait_for(lambda: len(standin.sent(ADMIN)) > n, timeout=30)
    facts = visible_text(standin.sent(ADMIN)[-1].params["text"])
    assert "Hạn báo cáo (2)" in facts and "10/01/2027" in facts
    standin.press(ADMIN, undo)
    await wait_for(lambda: any(t.startswith("✅ Đã gỡ") for t in _texts(standin, ADMIN)), timeout=120)
    assert _doc_ids(settings) == before
    assert not (settings.data_dir / "documents" / "cong-van-1234-lam-dong.docx").exists()
    ans = await server.services.in_pool(server.services.assistant.ask, QUESTION)
    assert "cong-van-1234-lam-dong" not in {s.file for s in ans.sources}


async def test_non_admin_is_refused_politely_and_nothing_is_stored(bot):
    standin, server, settings, tmp = bot
    before = sorted(p.name for p in settings.knowledge_dir.iterdir())
    standin.document(OTHER, "cv.docx", lamdong_docx(tmp / "cv.docx").read_bytes())
    reply = await wait_for(lambda: _texts(standin, OTHER), timeout=30)
    assert "Chỉ quản trị viên" in reply[0] and "Cảm ơn" in reply[0]
    await asyncio.sleep(0.5)
    assert not any(c.method == "getFile" for c in standin.calls)
    assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == before
    # a non-admin pressing an admin button is refused too
    standin.press(OTHER, "up:u:1")
    await wait_for(lambda: any(c.method == "answerCallbackQuery" for c in standin.calls), timeout=30)
    ans = [c for c in standin.calls if c.method == "answerCallbackQuery"][-1]
    assert "quản trị" in ans.params.get("text", "")


async def test_the_20_mb_limit_is_explained_and_bad_files_refused_by_name(bot):
    standin, server, settings, tmp = bot
    standin.document(ADMIN, "ke-hoach-scan.pdf", b"%PDF-1.4 tiny", size=25 * 1024 * 1024)
    msg = await wait_for(lambda: _texts(standin, ADMIN), timeout=30)
    assert "20 MB" in msg[0] and "ke-hoach-scan.pdf" in msg[0] and "/admin" in msg[0]
    assert not any(c.method == "getFile" for c in standin.calls)
    standin.document(ADMIN, "bang-tinh.xlsx", b"PK\x03\x04 not supported")
    await wait_for(lambda: len(_texts(standin, ADMIN)) >= 2, timeout=30)
    assert "bang-tinh.xlsx" in _texts(standin, ADMIN)[1] and "chưa được hỗ trợ" in _texts(standin, ADMIN)[1]
    before = sorted(p.name for p in settings.knowledge_dir.iterdir())
    standin.document(ADMIN, "hong.docx", b"PK\x03\x04 broken zip")
    err = await wait_for(lambda: next((t for t in _texts(standin, ADMIN) if t.startswith("❌")), None), timeout=60)
    assert "hong.docx" in err and ".docx" in err
    assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == before


async def test_caption_replaces_a_document_and_its_deadlines_change_once(bot):
    standin, server, settings, tmp = bot
    standin.document(ADMIN, "lamdong.docx", lamdong_docx(tmp / "a.docx").read_bytes())
    await wait_for(lambda: any(t.startswith("✅ Đã thêm") for t in _texts(standin, ADMIN)), timeout=120)
    with session_scope(settings.database_url) as s:
        old = {
            (d.id, d.due_day, d.due_month, d.due_year)
            for d in s.scalars(select(Deadline).where(Deadline.document_id == "lamdong"))
        }
    assert (10, 1, 2027) in {x[1:] for x in old}
    standin.document(
        ADMIN, "lamdong-sua.docx", lamdong_docx(tmp / "b.docx", "20/01/2027").read_bytes(), caption="/thaythe lamdong"
    )
    await wait_for(lambda: any(t.startswith("✅ Đã thay thế") for t in _texts(standin, ADMIN)), timeout=120)
    with session_scope(settings.database_url) as s:
        new = {
            (d.id, d.due_day, d.due_month, d.due_year)
            for d in s.scalars(select(Deadline).where(Deadline.document_id == "lamdong"))
        }
        events = [(e.action, e.document_id) for e in s.scalars(select(DocumentEvent).order_by(DocumentEvent.id))]
    assert (20, 1, 2027) in {x[1:] for x in new} and (10, 1, 2027) not in {x[1:] for x in new}
    assert len(new) == len(old) and len(new & old) == len(old) - 1  # only the changed deadline changed
    assert events == [("added", "lamdong"), ("replaced", "lamdong")]
    assert [p.name for p in (settings.data_dir / "documents").glob("lamdong*")] == ["lamdong.docx"]


async def test_a_file_named_like_an_existing_document_asks_replace_or_keep_both(bot):
    standin, server, settings, tmp = bot
    from tests.support.uploads import lamdong_text

    seed = "daknong-2021-3597-ubnd-kgvx"
    data = lamdong_text().encode()
    standin.document(ADMIN, f"{seed}.txt", data)
    asked = await wait_for(lambda: [b for b in _buttons(standin, ADMIN) if b["callback_data"].startswith("up:s:")])
    assert [b["text"] for b in asked] == [f"🔁 Thay thế {seed}", "➕ Giữ cả hai"]
    assert any("Giữ cả hai" in t or "giữ cả hai" in t for t in _texts(standin, ADMIN))
    assert not any(c.method == "getFile" for c in standin.calls)  # nothing fetched before the answer
    keep = next(b["callback_data"] for b in asked if b["callback_data"].endswith(":k"))
    standin.press(ADMIN, keep)
    added = await wait_for(
        lambda: next((t for t in _texts(standin, ADMIN) if t.startswith("✅ Đã thêm")), None), timeout=120
    )
    assert f"Mã văn bản: {seed}-2" in added and {seed, f"{seed}-2"} <= _doc_ids(settings)
    standin.press(ADMIN, keep)  # answered once
    await wait_for(
        lambda: any(
            "không còn chờ" in c.params.get("text", "") for c in standin.calls if c.method == "answerCallbackQuery"
        )
    )
    standin.document(ADMIN, f"{seed}.txt", data)
    await wait_for(lambda: len([b for b in _buttons(standin, ADMIN) if b["callback_data"].startswith("up:s:")]) == 4)
    replace = [b["callback_data"] for b in _buttons(standin, ADMIN) if b["callback_data"].endswith(":r")][-1]
    standin.press(ADMIN, replace)
    await wait_for(lambda: any(t.startswith("✅ Đã thay thế") for t in _texts(standin, ADMIN)), timeout=120)
    with session_scope(settings.database_url) as s:
        assert "Lâm Đồng" in (s.get(Document, seed).province or "")  # the seed's id now holds the new content
