"""Issue 11 regressions, through the running server on 127.0.0.1 (real HTTP, real SQLite):
bodies that arrive in many TCP segments, crafted input that used to give 500, JSON errors everywhere,
signed sessions, the per-IP backstop and trusted proxies."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import aiohttp
import pytest

from tests.support.channels import ZaloStandIn, wait_for

from store.db import session_scope
from bot.config import ChannelConfig, parse_networks
from store.channels import QueryLog, ZaloToken
from handlers.serve import Server
from handlers.zalo import signature

pytestmark = pytest.mark.slow

QUESTION = "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?"
APP_ID, OA_SECRET = "app-h", "oa-secret-hardening"


@pytest.fixture
async def server(assistant):
    srv = Server(
        assistant,
        ChannelConfig(web_port=0, rate_limit_count=1000, ip_rate_limit_count=1000, body_timeout_s=2.0),
        sweeper=False,
    )
    await srv.start()
    yield srv
    await srv.stop()


# -- a raw HTTP/1.1 client: the body goes out in segments, with pauses -------------------------------------------
async def raw_request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    headers: dict | None = None,
    segment: int = 1400,
    pause_s: float = 0.05,
    chunked: bool = False,
    send_len: int | None = None,
) -> tuple[int, dict, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    hdrs = {"Host": f"127.0.0.1:{port}", "Connection": "close", "Content-Type": "application/json"}
    if chunked:
        hdrs["Transfer-Encoding"] = "chunked"
    else:
        hdrs["Content-Length"] = str(len(body) if send_len is None else send_len)
    hdrs.update(headers or {})
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    writer.write(head.encode("latin-1"))
    await writer.drain()
    for i in range(0, len(body), segment):
        piece = body[i : i + segment]
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        await writer.drain()
        await asyncio.sleep(pause_s)
    if chunked:
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)).decode("latin-1")
    lines = head.rstrip("\r\n").split("\r\n")
    status = int(lines[0].split()[1])
    resp_headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if "content-length" in resp_headers:  # not until EOF: the server may linger to drain an unread body
        payload = await asyncio.wait_for(reader.readexactly(int(resp_headers["content-length"])), timeout=30)
    elif resp_headers.get("transfer-encoding") == "chunked":
        payload = b""
        while True:
            n = int((await asyncio.wait_for(reader.readline(), timeout=30)).strip(), 16)
            chunk = await asyncio.wait_for(reader.readexactly(n + 2), timeout=30)
            if n == 0:
                break
            payload += chunk[:-2]
    else:
        payload = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    return status, resp_headers, payload


async def test_a_long_question_in_many_tcp_segments_is_answered(server):
    question = ("Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12, " * 40)[:1000]
    body = json.dumps({"question": question}).encode()  # \uXXXX escapes: about 2.4 KB
    assert len(body) > 1400  # two segments of 1,400 bytes at least
    statuses = []
    for seg, pause in ((1400, 0.05), (300, 0.02), (1, 0.0), (700, 0.2)):
        status, headers, payload = await raw_request(server.port, "POST", "/api/ask", body, segment=seg, pause_s=pause)
        statuses.append(status)
        assert status == 200, payload[:300]
        assert json.loads(payload)["question"] == question.strip()
    # chunked transfer encoding, in segments too
    status, _, payload = await raw_request(server.port, "POST", "/api/ask", body, segment=500, chunked=True)
    assert status == 200 and json.loads(payload)["answered"] is not None


async def test_a_body_that_stops_arriving_gets_408_not_a_hang(server):
    body = json.dumps({"question": QUESTION}).encode()
    t0 = time.monotonic()
    # announces more bytes than it sends: the server gives up after body_timeout_s (2 s here)
    status, headers, payload = await raw_request(server.port, "POST", "/api/ask", body, send_len=len(body) + 50)
    assert status == 408 and "error" in json.loads(payload)
    assert time.monotonic() - t0 < 10


async def test_declared_or_actual_oversize_gets_413(server):
    big = json.dumps({"question": "x", "pad": "y" * 70_000}).encode()
    status, _, payload = await raw_request(server.port, "POST", "/api/ask", big, segment=16_000)
    assert status == 413 and json.loads(payload)["error"]
    status, _, payload = await raw_request(server.port, "POST", "/api/ask", big, segment=16_000, chunked=True)
    assert status == 413 and json.loads(payload)["error"]


# -- crafted input: 400 with a JSON error, never 500 ---------------------------------------------------------
CRAFTED_ASK = [
    (b'{"question": "Ai \\ud800 bao cao?"}', 400),  # lone surrogate
    (b'{"question": "Ai bao cao?", "x": "\\udfff"}', 400),
    (b'{"question": "\\udc80\\ud800"}', 400),
    (b"[" * 5000 + b"]" * 5000, 400),  # RecursionError in json
    (b'{"question": "a", "n": ' + b"[" * 900 + b"]" * 900 + b"}", 400),
    (b'{"question": "Ai bao cao?", "today": "9999-12-31"}', 400),
    (b'{"question": "Ai bao cao?", "today": "0001-01-01"}', 400),
    (b'{"question": "Ai bao cao?", "today": 20261231}', 400),
    (b'{"question": "Ai bao cao?", "today": ["2026-12-01"]}', 400),
    (b'{"question": "Ai bao cao?", "today": "2026-12-01T00:00"}', 400),
    (b'{"question": 1e400}', 400),
    (b'{"question": null}', 400),
]


@pytest.mark.parametrize("body,status", CRAFTED_ASK)
async def test_crafted_ask_bodies_get_a_json_400(server, body, status):
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "api/ask", data=body, headers={"Content-Type": "application/json"}) as r:
            assert r.status == status, await r.text()
            assert r.headers["Content-Type"].startswith("application/json")
            assert isinstance((await r.json())["error"], str)


async def test_a_real_date_today_still_works(server):
    async with aiohttp.ClientSession() as http:
        async with http.post(server.url + "api/ask", json={"question": QUESTION, "today": "2026-12-01"}) as r:
            assert r.status == 200 and (await r.json())["answered"]


@pytest.mark.parametrize(
    "payload",
    [
        {"query_id": 10**30, "rating": 1},
        {"query_id": 2**63, "rating": 1},
        {"query_id": 2**31, "rating": 1},
        {"query_id": 12.7, "rating": 1},
        {"query_id": 1.0, "rating": 1},
        {"query_id": True, "rating": 1},
        {"query_id": "1", "rating": 1},
        {"query_id": -5, "rating": 1},
        {"query_id": 0, "rating": 1},
        {"query_id": 1, "rating": "1"},
        {"query_id": 1, "rating": 1.9},
        {"query_id": 1, "rating": True},
        {"query_id": 1, "rating": 2},
        {"query_id": 1, "rating": 0},
        {"query_id": 1, "rating": -1.0},
        {"query_id": None, "rating": 1},
        {"rating": 1},
        {"query_id": [1], "rating": 1},
    ],
)
async def test_feedback_takes_only_integer_ids_in_range_and_ratings_1_or_minus_1(server, payload):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await (await http.get(server.url)).read()  # a session
        async with http.post(server.url + "api/feedback", json=payload) as r:
            assert r.status == 400, await r.text()
            assert (await r.json())["error"]

        async with http.post(
            server.url + "api/feedback",
            data=b'{"query_id": 1e400, "rating": 1}',
            headers={"Content-Type": "application/json"},
        ) as r:
            assert r.status == 400


async def test_feedback_still_works_for_the_questions_own_session(server):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
            qid = int(r.headers["X-Query-Id"])
        for rating in (1, -1):
            async with http.post(server.url + "api/feedback", json={"query_id": qid, "rating": rating}) as r:
                assert r.status == 200
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:  # not its session
        await (await other.get(server.url)).read()
        async with other.post(server.url + "api/feedback", json={"query_id": qid, "rating": 1}) as r:
            assert r.status == 404


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/no/such/page", 404),
        ("GET", "/api/nothing", 404),
        ("GET", "/api/ask", 405),
        ("PUT", "/api/feedback", 405),
        ("DELETE", "/", 405),
        ("POST", "/healthz", 405),
        ("GET", "/api/source/-1", 400),
        ("GET", "/api/source/" + "9" * 40, 400),
        ("GET", "/api/source/١٢", 400),
        ("GET", "/api/deadlines?days=1e3", 400),
        ("GET", "/api/deadlines?days=" + "9" * 5000, 400),
        ("GET", "/api/deadlines?days=-3", 400),
        ("GET", "/api/deadlines?province=%ED%A0%80", 400),
        ("GET", "/calendar.ics?agency=%00%01", 400),
    ],
)
async def test_errors_are_json(server, method, path, status):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.url.rstrip("/") + path) as r:
            assert r.status == status, await r.text()
            assert r.headers["Content-Type"].startswith("application/json")
            assert (await r.json())["error"]
            if status == 405:
                assert r.headers.get("Allow")


# -- sessions and rate limits -------------------------------------------------------------------------------
async def test_session_cookie_is_signed_and_forged_ids_are_not_sessions(assistant):
    srv = Server(assistant, ChannelConfig(web_port=0, rate_limit_count=3, ip_rate_limit_count=6), sweeper=False)
    await srv.start()
    try:
        codes = []
        for i in range(8):  # a fresh, made-up session id on every request
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(
                cookie_jar=jar, cookies={"hoctap_sid": f"forged-id-{i:04d}-abcdefgh"}
            ) as h:
                async with h.post(srv.url + "api/ask", json={"question": "hạn báo cáo"}) as r:
                    codes.append(r.status)
                    if r.status == 200:  # the server replaces the forged cookie with a signed one of its own
                        assert r.cookies["hoctap_sid"].value != f"forged-id-{i:04d}-abcdefgh"
                        assert "." in r.cookies["hoctap_sid"].value
        assert codes[:3] == [200, 200, 200] and set(codes[3:]) == {429}

        # genuine but throw-away sessions (one GET / each) run into the per-IP backstop
        srv.services.rate._events.clear()
        srv.services.ip_rate._events.clear()
        codes = []
        for _ in range(8):
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as h:
                await (await h.get(srv.url)).read()
                async with h.post(srv.url + "api/ask", json={"question": "hạn báo cáo"}) as r:
                    codes.append(r.status)
                    if r.status == 429:
                        assert int(r.headers["Retry-After"]) >= 1
        assert codes == [200] * 6 + [429] * 2

        # a tampered signature is a new session: no feedback on someone else's question
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as h:
            await (await h.get(srv.url)).read()
            good = next(c for c in h.cookie_jar if c.key == "hoctap_sid").value
        sid, _, sig = good.rpartition(".")
        tampered = sid[:-1] + ("A" if sid[-1] != "A" else "B") + "." + sig
        web = next(
            r.handler.__self__ for r in srv.app.router.routes() if getattr(r.handler, "__name__", "") == "index"
        )  # the WebChat serving "/"
        assert web._session_id(_FakeRequest({"hoctap_sid": good}))[1] is False
        assert web._session_id(_FakeRequest({"hoctap_sid": tampered}))[1] is True
    finally:
        await srv.stop()


class _FakeRequest:
    def __init__(self, cookies):
        self.cookies = cookies


async def test_x_forwarded_for_only_from_trusted_proxies(assistant):
    async def codes_for(srv, xffs):
        out = []
        async with aiohttp.ClientSession() as h:
            for xff in xffs:
                async with h.get(srv.url + "api/deadlines", headers={"X-Forwarded-For": xff}) as r:
                    out.append(r.status)
        return out

    clients = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"] * 2
    # not trusted: X-Forwarded-For is ignored, everyone is 127.0.0.1 and shares one backstop bucket
    srv = Server(assistant, ChannelConfig(web_port=0, rate_limit_count=1, ip_rate_limit_count=4), sweeper=False)
    await srv.start()
    try:
        assert await codes_for(srv, clients) == [200] * 4 + [429] * 4
    finally:
        await srv.stop()
    # trusted proxy: each client has its own bucket; a spoofed hop before the real client does not help
    srv = Server(
        assistant,
        ChannelConfig(
            web_port=0,
            rate_limit_count=1,
            ip_rate_limit_count=2,
            trusted_proxies=parse_networks("127.0.0.1, 10.0.0.0/8"),
        ),
        sweeper=False,
    )
    await srv.start()
    try:
        assert await codes_for(srv, clients) == [200] * 8
        assert await codes_for(srv, ["203.0.113.1"]) == [429]
        assert await codes_for(srv, ["198.51.100.9, 203.0.113.2", "1.2.3.4, 203.0.113.2, 10.1.2.3"]) == [429, 429]
        assert await codes_for(srv, ["203.0.113.77, 10.9.9.9", "203.0.113.77"]) == [200, 200]
        assert await codes_for(srv, ["203.0.113.77"]) == [429]
    finally:
        await srv.stop()


def test_trusted_proxy_list_parsing():
    nets = parse_networks("127.0.0.1, 10.0.0.0/8; ::1 , not-an-ip, ")
    assert [str(n) for n in nets] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


# -- Zalo: a signed event written in parts; non-ASCII signatures ----------------------------------------------------
@pytest.fixture
async def zalo(assistant):
    standin = await ZaloStandIn(app_id=APP_ID, app_secret="app-secret").start()
    cfg = ChannelConfig(
        web_port=0,
        zalo_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET,
        zalo_app_secret="app-secret",
        zalo_access_token="acc-1",
        zalo_refresh_token="ref-1",
        zalo_api_base_url=standin.url,
        zalo_oauth_base_url=standin.url,
        body_timeout_s=2.0,
    )
    srv = Server(assistant, cfg, sweeper=False, zalo_backoff_s=0.01)
    with session_scope(srv.services.db_url) as s:
        row = s.get(ZaloToken, 1)
        if row is not None:
            s.delete(row)
    await srv.start()
    yield standin, srv
    await srv.stop()
    await standin.stop()


def zalo_event(user: str, text: str, msg_id: str) -> tuple[bytes, dict]:
    ts = str(int(time.time() * 1000))
    body = json.dumps(
        {
            "app_id": APP_ID,
            "sender": {"id": user},
            "recipient": {"id": "oa"},
            "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id},
            "timestamp": ts,
        },
        ensure_ascii=False,
    ).encode()
    return body, {"X-ZEvent-Signature": "mac=" + signature(APP_ID, body, ts, OA_SECRET)}


async def test_zalo_signed_event_in_parts_is_accepted_and_answered(zalo):
    standin, srv = zalo
    for n, (seg, pause) in enumerate(((len(b"x" * 10) * 20, 0.1), (50, 0.02), (1, 0.0))):
        user = f"u-parts-{n}-{time.time_ns()}"
        body, headers = zalo_event(user, QUESTION + " " + "chi tiết " * 40, f"parts-{n}-{time.time_ns()}")
        status, _, payload = await raw_request(
            srv.port, "POST", "/zalo/webhook", body, headers=headers, segment=seg, pause_s=pause
        )
        assert status == 200, payload
        await wait_for(lambda: standin.texts(user))
    await srv.zalo.idle()


@pytest.mark.parametrize(
    "sig", ["mac=" + "é" * 64, "ü" * 64, "mac=ä", "\u00ff" * 10, "mac= " + "0" * 63 + "Z", "0" * 65, "mac=" + "a" * 64]
)
async def test_zalo_malformed_signatures_get_401(zalo, sig, caplog):
    standin, srv = zalo
    body, _ = zalo_event("u-sig", QUESTION, f"sig-{time.time_ns()}")
    status, _, payload = await raw_request(
        srv.port, "POST", "/zalo/webhook", body, headers={"X-ZEvent-Signature": sig.encode("utf-8").decode("latin-1")}
    )
    assert status == 401 and json.loads(payload)["error"] == "invalid signature"


async def test_zalo_signed_but_crafted_events_get_400_not_500(zalo):
    standin, srv = zalo
    ts = str(int(time.time() * 1000))
    bodies = [
        b'{"event_name": "user_send_text", "timestamp": "%s", "sender": {"id": "u1"}, '
        b'"message": {"text": "\\ud800", "msg_id": "s1"}}' % ts.encode(),
        b'{"event_name": "user_send_text", "timestamp": "%s", "sender": {"id": {"a": 1}}, '
        b'"message": {"text": "hi"}}' % ts.encode(),
        b'{"event_name": "user_send_text", "timestamp": "%s", "sender": {"id": "u1"}, '
        b'"message": {"text": ["list"], "msg_id": "s2"}}' % ts.encode(),
        b'{"event_name": "user_send_text", "timestamp": "%s", "sender": {"id": "u1"}, '
        b'"message": {"text": "hi", "msg_id": "%s"}}' % (ts.encode(), b"m" * 300),
        b'{"event_name": "user_send_text", "timestamp": "%s", "sender": {"id": "u\\u0000x"}, '
        b'"message": {"text": "hi"}}' % ts.encode(),
    ]
    async with aiohttp.ClientSession() as http:
        for body in bodies:
            headers = {"X-ZEvent-Signature": signature(APP_ID, body, ts, OA_SECRET)}
            async with http.post(srv.url + "zalo/webhook", data=body, headers=headers) as r:
                assert r.status == 400, (body, await r.text())
                assert (await r.json())["error"]
        # a deeply nested signed body: not JSON we take, but never a 500
        body = b'{"timestamp": "' + ts.encode() + b'", "x": ' + b"[" * 3000 + b"]" * 3000 + b"}"
        headers = {"X-ZEvent-Signature": signature(APP_ID, body, ts, OA_SECRET)}
        async with http.post(srv.url + "zalo/webhook", data=body, headers=headers) as r:
            assert r.status in (400, 401) and (await r.json())["error"]


async def test_query_log_failure_does_not_stop_answers(server):
    """The query log is written to a table that is gone: the answer still comes (without a query id)."""
    from sqlalchemy import text

    from store.db import get_engine

    eng = get_engine(server.services.db_url)
    with eng.begin() as c:
        c.execute(text("ALTER TABLE channel_queries RENAME TO channel_queries_away"))
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(server.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200
                assert (await r.json())["answered"]
                assert "X-Query-Id" not in r.headers
    finally:
        with eng.begin() as c:
            c.execute(text("ALTER TABLE channel_queries_away RENAME TO channel_queries"))
    with session_scope(server.services.db_url) as s:
        assert s.query(QueryLog).count() >= 0


async def test_telegram_webhook_crafted_bodies_and_secrets(assistant):
    from tests.support.channels import BotApiStandIn

    standin = await BotApiStandIn().start()
    cfg = ChannelConfig(
        web_port=0,
        telegram_token=standin.token,
        telegram_base_url=standin.url,
        telegram_poll_timeout=1,
        telegram_webhook_url="https://bot.example.org/tg/hook",
        telegram_webhook_secret="s3cret-Token_1",
    )
    srv = Server(assistant, cfg, sweeper=False)
    await srv.start()
    try:
        await wait_for(lambda: srv.telegram and srv.telegram.app.running)
        ok = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1", "Content-Type": "application/json"}
        bodies = [
            b"[" * 5000 + b"]" * 5000,
            b'{"update_id": 1, "message": {"text": "\\ud800"}}',
            b"\xff\xfe",
            b'{"no": "update"}',
        ]
        async with aiohttp.ClientSession() as http:
            for body in bodies:
                async with http.post(srv.url + "tg/hook", data=body, headers=ok) as r:
                    assert r.status == 400, (body[:40], await r.text())
                    assert (await r.json())["error"]
        for secret in ("é" * 10, "s3cret-Token_1\u00ff"):
            status, _, payload = await raw_request(
                srv.port,
                "POST",
                "/tg/hook",
                b'{"update_id": 5}',
                headers={"X-Telegram-Bot-Api-Secret-Token": secret.encode("utf-8").decode("latin-1")},
            )
            assert status == 403 and json.loads(payload)["error"] == "forbidden"
    finally:
        await srv.stop()
        await standin.stop()


async def test_zalo_event_while_the_database_cannot_be_written_gets_503_then_is_answered(zalo):
    """Zalo delivers an event again when it is not acknowledged: a 503 while the database is unwritable
    (never touching it — SIGBUS), then the redelivered event is answered once the database is back."""
    import subprocess

    standin, srv = zalo
    db = srv.services.settings.data_dir / "hoctap.sqlite3"
    if "sqlite" not in srv.services.db_url or not db.exists():
        pytest.skip("needs the SQLite store")
    files = [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]
    r = subprocess.run(["chattr", "+i", *map(str, files), str(db.parent)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("chattr +i is not available here")
    user = f"u-ro-{time.time_ns()}"
    body, headers = zalo_event(user, QUESTION, f"ro-{time.time_ns()}")
    try:
        status, _, payload = await raw_request(srv.port, "POST", "/zalo/webhook", body, headers=headers)
        assert status == 503 and json.loads(payload)["error"]
    finally:
        subprocess.run(["chattr", "-i", *map(str, files), str(db.parent)], capture_output=True)
    await asyncio.sleep(1.1)  # the writability check is cached for a second
    status, _, payload = await raw_request(srv.port, "POST", "/zalo/webhook", body, headers=headers)
    assert status == 200, payload
    await wait_for(lambda: standin.texts(user))
    await srv.zalo.idle()
    assert len(standin.texts(user)) >= 1


async def test_back_pressure_refuses_with_503_instead_of_queueing_without_bound(assistant):
    srv = Server(
        assistant,
        ChannelConfig(web_port=0, rate_limit_count=1000, ip_rate_limit_count=1000, max_pending_questions=2),
        sweeper=False,
    )
    await srv.start()
    try:
        async with aiohttp.ClientSession() as http:

            async def one(i):
                async with http.post(srv.url + "api/ask", json={"question": f"{QUESTION} ({i})"}) as r:
                    return r.status, r.headers.get("Retry-After"), await r.json()

            got = await asyncio.gather(*(one(i) for i in range(30)))
            statuses = [s for s, _, _ in got]
            assert set(statuses) <= {200, 503} and statuses.count(200) >= 2 and 503 in statuses, statuses
            for s, retry, body in got:
                if s == 503:
                    assert retry == "2" and body["error"]
            assert srv.services._pending == 0
            async with http.post(srv.url + "api/ask", json={"question": QUESTION}) as r:
                assert r.status == 200
    finally:
        await srv.stop()


async def test_workers_of_one_data_folder_accept_each_others_session_cookies(assistant):
    """Two servers on one data folder (two workers): the signed cookie of one is a session at the other;
    a server with another key refuses it."""
    a = Server(assistant, ChannelConfig(web_port=0), sweeper=False)
    b = Server(assistant, ChannelConfig(web_port=0), sweeper=False)
    c = Server(assistant, ChannelConfig(web_port=0, session_secret="another-key-" + "x" * 40), sweeper=False)
    for s in (a, b, c):
        await s.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(a.url) as r:
                cookie = r.cookies["hoctap_sid"].value
            async with http.post(b.url + "api/ask", json={"question": QUESTION}, cookies={"hoctap_sid": cookie}) as r:
                assert r.status == 200 and "hoctap_sid" not in r.cookies  # known at b
            async with http.post(c.url + "api/ask", json={"question": QUESTION}, cookies={"hoctap_sid": cookie}) as r:
                assert r.status == 200 and "hoctap_sid" in r.cookies  # a new session at c
        # the key is kept once in the database (every replica reads it there), not in a file of the data folder
        from store.shared_state import SECRET_KEY, SqlState

        assert len(SqlState(assistant.db_url).get(SECRET_KEY) or "") >= 32
    finally:
        for s in (a, b, c):
            await s.stop()
