"""End to end: Zalo webhook events posted to the running server; replies delivered to a local stand-in of
the OA API (message endpoint + OAuth token endpoint)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time

import aiohttp
import pytest
from sqlalchemy import select

from tests.support.channels import ZaloStandIn, wait_for

from store.db import session_scope
from bot.config import ChannelConfig
from store.channels import DeliveryFailure, ZaloToken
from handlers.serve import Server
from handlers.zalo import signature, verify_signature

pytestmark = pytest.mark.slow

APP_ID, OA_SECRET, APP_SECRET = "app-1", "oa-secret-key", "app-secret"
QUESTION = "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?"
_MSG_IDS = itertools.count(int(time.time() * 1000))


def _cfg(standin: ZaloStandIn, **kw) -> ChannelConfig:
    cfg = ChannelConfig(
        web_port=0,
        zalo_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET,
        zalo_app_secret=APP_SECRET,
        zalo_access_token="acc-1",
        zalo_refresh_token="ref-1",
        zalo_api_base_url=standin.url,
        zalo_oauth_base_url=standin.url,
    )
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


@pytest.fixture
async def zalo(assistant):
    standin = await ZaloStandIn(app_id=APP_ID, app_secret=APP_SECRET).start()
    server = Server(assistant, _cfg(standin), sweeper=False, zalo_backoff_s=0.01)
    # each test starts from the environment's token pair
    with session_scope(server.services.db_url) as s:
        row = s.get(ZaloToken, 1)
        if row is not None:
            s.delete(row)
    await server.start()
    yield standin, server
    await server.stop()
    await standin.stop()


def event(user_id: str, text: str, *, msg_id: str | None = None, ts_ms: int | None = None) -> bytes:
    ev = {
        "app_id": APP_ID,
        "sender": {"id": user_id},
        "user_id_by_app": "u" + user_id,
        "recipient": {"id": "oa-1"},
        "event_name": "user_send_text",
        "message": {"text": text, "msg_id": msg_id or f"msg{next(_MSG_IDS)}"},
        "timestamp": str(ts_ms if ts_ms is not None else int(time.time() * 1000)),
    }
    return json.dumps(ev, ensure_ascii=False).encode()


def signed(body: bytes, secret: str = OA_SECRET) -> dict:
    ts = json.loads(body)["timestamp"]
    return {"X-ZEvent-Signature": "mac=" + signature(APP_ID, body, ts, secret), "Content-Type": "application/json"}


async def post(server, body: bytes, headers: dict) -> tuple[int, float]:
    t0 = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url.rstrip("/") + "/zalo/webhook", data=body, headers=headers) as r:
            await r.read()
            return r.status, time.perf_counter() - t0


async def test_signed_message_is_answered_through_the_cs_endpoint(zalo, assistant):
    standin, server = zalo
    user = "u-1001"
    status, took = await post(server, (b := event(user, QUESTION)), signed(b))
    assert status == 200 and took < 1.5  # answered at once; the reply goes out afterwards
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    expected = assistant.ask(QUESTION, conversation_id="z-expected")
    sent = standin.messages[-1]
    assert sent["token"] == "acc-1"
    text = "\n".join(standin.texts(user))
    assert " ".join(expected.answer.split()) in " ".join(text.split())
    for s in expected.sources[:3]:
        assert s.doc in text
    buttons = sent["body"]["message"]["attachment"]["payload"]["buttons"]
    assert all(b["type"] == "oa.query.show" for b in buttons)
    # a suggestion naming an action performs it (#nhachan <deadline>); a question is sent back as the question
    wanted = [
        f"#nhachan {expected.deadline_ids[0]}" if s == "Đăng ký nhắc hạn" else s
        for s in expected.suggestions[:3]
        if s != "Đăng ký nhắc hạn" or expected.deadline_ids
    ]
    assert [b["payload"] for b in buttons][: len(wanted)] == wanted
    assert any(b["payload"] == "#hanchot" for b in buttons)


async def test_duplicate_msg_id_is_answered_once(zalo):
    standin, server = zalo
    user = "u-1002"
    body = event(user, "#trogiup", msg_id="dup-" + str(next(_MSG_IDS)))
    for _ in range(3):  # Zalo retrying the same event
        assert (await post(server, body, signed(body)))[0] == 200
    await wait_for(lambda: standin.texts(user))
    await server.zalo.idle()
    await asyncio.sleep(0.2)
    assert len(standin.texts(user)) == 1


@pytest.mark.parametrize("case", ["missing", "forged", "wrong-secret", "stale", "future", "not-json", "no-timestamp"])
async def test_bad_signatures_get_401_and_no_reply(zalo, case, caplog):
    standin, server = zalo
    user = "u-bad-" + case
    body = event(user, QUESTION)
    headers = signed(body)
    if case == "missing":
        headers.pop("X-ZEvent-Signature")
    elif case == "forged":
        body = body.replace(QUESTION.encode(), "Cho tôi toàn bộ dữ liệu".encode())  # signature of the original
    elif case == "wrong-secret":
        headers = signed(body, secret="guess")
    elif case in ("stale", "future"):
        ts = int(time.time() * 1000) + (-6 if case == "stale" else 6) * 60 * 1000
        body = event(user, QUESTION, ts_ms=ts)
        headers = signed(body)  # correctly signed, but more than 5 minutes off
    elif case == "not-json":
        body = b"this is not json"
        headers["X-ZEvent-Signature"] = "mac=" + signature(APP_ID, body, "", OA_SECRET)
    elif case == "no-timestamp":
        ev = json.loads(body)
        ev.pop("timestamp")
        body = json.dumps(ev).encode()
        headers["X-ZEvent-Signature"] = signature(APP_ID, body, "", OA_SECRET)
    with caplog.at_level("WARNING", logger="handlers.zalo"):
        status, _ = await post(server, body, headers)
    assert status == 401
    assert any("Zalo webhook rejected" in r.getMessage() for r in caplog.records)
    assert OA_SECRET not in caplog.text
    await asyncio.sleep(0.3)
    assert standin.attempts == []


async def test_oversized_body_is_refused(zalo):
    standin, server = zalo
    body = event("u-big", "x" * 70_000)
    assert (await post(server, body, signed(body)))[0] == 413
    assert standin.attempts == []


async def test_expired_token_is_refreshed_once_and_stored(zalo, assistant):
    standin, server = zalo
    standin.expire_access()  # acc-1 no longer valid: the next call gets -216
    standin.valid_access = set()
    user = "u-1003"
    b1, b2 = event(user, "#trogiup"), event(user, QUESTION)
    await post(server, b1, signed(b1))
    await post(server, b2, signed(b2))
    await wait_for(lambda: len(standin.texts(user)) >= 2)
    await server.zalo.idle()
    # one refresh, with the app secret and the one-time refresh token; both replies sent with the new token
    assert len(standin.refreshes) == 1
    r = standin.refreshes[0]
    assert (r["secret_key"], r["refresh_token"], r["app_id"], r["grant_type"]) == (
        APP_SECRET,
        "ref-1",
        APP_ID,
        "refresh_token",
    )
    assert {m["token"] for m in standin.messages} == {"acc-2"}
    with session_scope(server.services.db_url) as s:
        row = s.get(ZaloToken, 1)
        assert (row.access_token, row.refresh_token) == ("acc-2", "ref-2")
        assert row.expires_at is not None
    # the next expiry uses the *new* refresh token
    standin.valid_access = set()
    b3 = event(user, "#trogiup")
    await post(server, b3, signed(b3))
    await wait_for(lambda: len(standin.texts(user)) >= 3)
    assert [x["refresh_token"] for x in standin.refreshes] == ["ref-1", "ref-2"]
    assert standin.messages[-1]["token"] == "acc-3"


async def test_refused_refresh_is_logged_and_recorded(zalo):
    standin, server = zalo
    standin.valid_access = set()
    standin.refresh_token = "someone-else-used-it"
    user = "u-1004"
    b = event(user, "#trogiup")
    await post(server, b, signed(b))
    await wait_for(lambda: standin.refreshes)
    await server.zalo.idle()
    assert standin.messages == []
    with session_scope(server.services.db_url) as s:
        rows = list(s.scalars(select(DeliveryFailure).where(DeliveryFailure.chat_id == user)))
        assert rows and rows[0].error_code == "-216"


async def test_rate_limit_is_retried_and_window_errors_recorded(zalo):
    standin, server = zalo
    user = "u-1005"
    standin.fail_next = [-32, -32]
    b = event(user, "#trogiup")
    await post(server, b, signed(b))
    await wait_for(lambda: standin.texts(user))
    assert len(standin.attempts) == 3  # two refusals, then delivered

    other = "u-1006"
    standin.fail_next = [-213]  # user has not written to the OA recently: no retry, recorded
    b = event(other, "#trogiup")
    await post(server, b, signed(b))
    await wait_for(lambda: _failures(server, other))
    await server.zalo.idle()
    assert standin.texts(other) == []
    assert _failures(server, other)[0].error_code == "-213"
    assert len([a for a in standin.attempts if a["body"]["recipient"]["user_id"] == other]) == 1


def _failures(server, user):
    with session_scope(server.services.db_url) as s:
        return list(s.scalars(select(DeliveryFailure).where(DeliveryFailure.chat_id == user)))


async def test_dangky_and_huy_by_text(zalo):
    from bot.reminders import list_subscriptions

    standin, server = zalo
    user = "u-1007"
    b = event(user, "#dangky Đắk Nông")
    await post(server, b, signed(b))
    await wait_for(lambda: list_subscriptions(server.services.db_url, channel="zalo", chat_id=user))
    assert list_subscriptions(server.services.db_url, channel="zalo", chat_id=user)[0].province == "Đắk Nông"
    b = event(user, "#huy")
    await post(server, b, signed(b))
    await wait_for(lambda: len(standin.texts(user)) >= 2)
    await server.zalo.idle()
    assert list_subscriptions(server.services.db_url, channel="zalo", chat_id=user) == []


def test_verify_signature_unit():
    body = b'{"timestamp": "1700000000000"}'
    sig = signature(APP_ID, body, "1700000000000", OA_SECRET)
    now = 1700000000000 + 1000
    assert verify_signature(sig, APP_ID, body, "1700000000000", OA_SECRET, now_ms=now) is None
    assert verify_signature("mac=" + sig.upper(), APP_ID, body, "1700000000000", OA_SECRET, now_ms=now) is None
    assert verify_signature(None, APP_ID, body, "1700000000000", OA_SECRET, now_ms=now) == "missing signature"
    assert verify_signature(sig, APP_ID, body, "1700000000000", OA_SECRET, now_ms=now + 301_000) == "stale timestamp"
    assert verify_signature(sig[:-1] + "0", APP_ID, body, "1700000000000", OA_SECRET, now_ms=now) == "wrong signature"


async def test_reminders_go_out_through_zalo_with_error_mapping(zalo):
    import datetime as dt
    from bot.reminders.delivery import PermanentSendError, ReminderMessage, TransientSendError

    standin, server = zalo
    sender = server.services.senders.get("zalo")  # serve hands it to the sweeper once Zalo has started
    assert sender is not None
    msg = ReminderMessage(
        text="Sở GDĐT Tiền Giang báo cáo trước ngày 01/12",
        deadline_id="d1",
        document_id=None,
        chunk_id=None,
        due_date=dt.date.today(),
        lead_days=7,
    )
    await sender("u-r1", msg)
    assert standin.texts("u-r1") == ["🔔 Nhắc hạn báo cáo: Sở GDĐT Tiền Giang báo cáo trước ngày 01/12"]
    standin.fail_next = [-213]
    with pytest.raises(PermanentSendError):
        await sender("u-r2", msg)
    standin.fail_next = [-32] * 4
    with pytest.raises(TransientSendError):
        await sender("u-r3", msg)
    assert standin.texts("u-r2") == standin.texts("u-r3") == []


async def test_a_late_reminder_has_one_heading(zalo):
    """The reminder text says itself that it is late: no '⏰ Nhắc muộn: 🔔 (Nhắc muộn) …'."""
    import datetime as dt
    from bot.reminders.delivery import ReminderMessage

    standin, server = zalo
    text = "🔔 (Nhắc muộn) Còn 3 ngày (15/12/2026) đến hạn: Sở GDĐT báo cáo."
    msg = ReminderMessage(
        text=text,
        deadline_id="d-late",
        document_id=None,
        chunk_id=None,
        due_date=dt.date.today(),
        lead_days=7,
        late=True,
    )
    await server.services.senders["zalo"]("u-late", msg)
    assert standin.texts("u-late") == [text]


@pytest.mark.parametrize("admin", [True, False])
async def test_a_file_sent_on_zalo_points_admins_to_the_admin_page(zalo, admin):
    standin, server = zalo
    user = f"u-file-{admin}"
    server.services.config.admin_ids = frozenset({user}) if admin else frozenset()
    ev = json.loads(event(user, ""))
    ev["event_name"] = "user_send_file"
    ev["message"] = {"msg_id": f"f{next(_MSG_IDS)}", "attachments": [{"type": "file", "payload": {"url": "x"}}]}
    body = json.dumps(ev).encode()
    status, _ = await post(server, body, signed(body))
    assert status == 200
    await wait_for(lambda: standin.texts(user))
    text = standin.texts(user)[0]
    assert ("/admin" in text) == admin and ("Chỉ quản trị viên" in text) == (not admin)
