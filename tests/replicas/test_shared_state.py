"""Two `serve` replicas on 127.0.0.1 with separate data folders and one PostgreSQL database (a schema of its own),
both running the reminder sweeper and Telegram in webhook mode (HOCTAP_REPLICAS=2), each with its own index built
by `indexer build` against the shared database:

- a follow-up asked on B after a question on A keeps the context (the web session cookie A signed is good at B:
  the signing key is kept once in the database, not in a data folder);
- the per-chat rate limit is reached across A and B together;
- the same Telegram webhook update posted to A and B at the same moment is answered once (each replica talks to
  a Bot API stand-in of its own: exactly one of them receives the answer);
- a reminder falling due during the test is sent once (console channel: one JSON line, on one replica);
- an admin session signed in at A is one at B;
- "➕ Xem thêm" under an answer A gave, pressed and delivered to B, pages on B.

Run twice: with the shared state in the PostgreSQL database, and in Redis (HOCTAP_TEST_REDIS_URL).

Needs HOCTAP_TEST_POSTGRES_URL (`.ci/run`: postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.replicas.state_harness import (
    Http,
    LoopThread,
    Replica,
    base_env,
    build_index,
    pg_schema,
    wait_until,
)

PG_URL = os.environ.get("HOCTAP_TEST_POSTGRES_URL", "").strip()
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        not PG_URL,
        reason="HOCTAP_TEST_POSTGRES_URL is not set: the replica test needs a PostgreSQL server "
        "(e.g. HOCTAP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test, as .ci/run sets)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "knowledge" / "tiengiang-2021-ke-hoach-xhht.txt",
    ROOT / "knowledge" / "daknong-2021-3597-ubnd-kgvx.txt",
]
QUESTION = "Kế hoạch của Tiền Giang giao Sở GDĐT nhiệm vụ gì?"
FOLLOW_UP = "còn Sở Tài chính thì sao?"
RATE_LIMIT = 4
WEBHOOK_SECRET = "replica-test-Secret_1"
ADMIN_TOKEN = "replica-admin-token-123"
TOKEN = "123456:TEST-token"


REDIS_URL = os.environ.get("HOCTAP_TEST_REDIS_URL", "").strip()


@pytest.fixture(scope="module", params=["postgres", "redis"])
def cluster(request, tmp_path_factory, e5_model):
    """Two replicas A and B (and their Bot API stand-ins) over one PostgreSQL schema; the shared state in that
    database, or in Redis (HOCTAP_TEST_REDIS_URL, keys under a prefix of their own)."""
    from tests.support.channels import BotApiStandIn

    shared = {}
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("HOCTAP_TEST_REDIS_URL is not set (redis://127.0.0.1:6379/15 in .ci/run)")
        shared = {
            "HOCTAP_REDIS_URL": REDIS_URL,
            "HOCTAP_REDIS_PREFIX": f"hoctap-replicas-{os.getpid()}-{time.time_ns()}:",
        }
    tmp = tmp_path_factory.mktemp("replicas")
    loop = LoopThread()
    apis = [loop.run(BotApiStandIn(TOKEN).start()) for _ in range(2)]
    with pg_schema(PG_URL) as db_url:
        build_env = base_env(db_url)
        dirs = [tmp / "data-a", tmp / "data-b"]
        for d in dirs:  # each replica its own index; the second build finds the documents unchanged in the database
            build_index(d, SOURCES, build_env)
        replicas = []
        try:
            for name, d, api in zip("AB", dirs, apis):
                env = base_env(
                    db_url,
                    HOCTAP_REPLICAS="2",
                    HOCTAP_RATE_LIMIT=str(RATE_LIMIT),
                    HOCTAP_RATE_WINDOW_S="300",
                    HOCTAP_QUIET_HOURS="off",
                    HOCTAP_SWEEP_INTERVAL_S="1",
                    HOCTAP_ADMIN_TOKEN=ADMIN_TOKEN,
                    TELEGRAM_BOT_TOKEN=TOKEN,
                    TELEGRAM_BASE_URL=api.url,
                    TELEGRAM_WEBHOOK_URL="https://hoctap.example.org/telegram/webhook",
                    TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
                    **shared,
                )
                replicas.append(Replica(name, d, env))
            for r in replicas:
                r.wait_ready()
            for api in apis:  # Telegram started (webhook registered, never polling) on both
                wait_until(lambda api=api: any(c.method == "setWebhook" for c in api.calls), 60, what="setWebhook")
            yield {"db_url": db_url, "replicas": replicas, "apis": apis, "redis": shared}
        finally:
            for r in replicas:
                r.stop()
            for api in apis:
                api.release_polls()
                loop.run(api.stop())
            loop.close()
            if shared:  # the replicas' keys in Redis
                import redis

                r = redis.Redis.from_url(REDIS_URL)
                for k in r.scan_iter(shared["HOCTAP_REDIS_PREFIX"] + "*"):
                    r.delete(k)
                r.close()


def test_a_follow_up_on_b_keeps_the_context_of_a_question_on_a(cluster):
    a, b = cluster["replicas"]
    http = Http()
    status, first, _ = http.call(a.url + "api/ask", {"question": QUESTION})
    assert status == 200 and first["answered"], first
    assert http.cookie("hoctap_sid"), "A set no session cookie"
    status, follow, headers = http.call(b.url + "api/ask", {"question": FOLLOW_UP})
    assert status == 200, follow
    assert "Set-Cookie" not in headers  # B accepted the cookie A signed: the same session
    assert follow["intent"] == "responsibility" and "Sở Tài chính (Tiền Giang)" in follow["answer"], follow
    assert _context_keys(cluster) == 1  # kept where the replicas share it: the database, or Redis
    # the same words without the conversation are answered on their own, not as a follow-up
    status, alone, _ = Http().call(b.url + "api/ask", {"question": FOLLOW_UP})
    assert status == 200 and alone["intent"] != "responsibility", alone


def _context_keys(cluster) -> int:
    """How many conversation contexts the shared store holds (in Redis when the replicas use it, else the table)."""
    if cluster["redis"]:
        import redis

        r = redis.Redis.from_url(cluster["redis"]["HOCTAP_REDIS_URL"])
        try:
            return len(list(r.scan_iter(cluster["redis"]["HOCTAP_REDIS_PREFIX"] + "ctx:*")))
        finally:
            r.close()
    from sqlalchemy import func, select

    from store.channels import SharedState
    from store.db import session_scope

    with session_scope(cluster["db_url"]) as s:
        return s.scalar(select(func.count()).select_from(SharedState).where(SharedState.key.like("ctx:%")))


def test_the_rate_limit_holds_across_a_and_b(cluster):
    a, b = cluster["replicas"]
    http = Http()
    with urllib.request.urlopen(a.url, timeout=30) as r:  # the page sets the session cookie
        http.jar.extract_cookies(r, urllib.request.Request(a.url))
    assert http.cookie("hoctap_sid")
    statuses = []
    for i in range(RATE_LIMIT + 1):
        status, body, headers = http.call((a if i % 2 == 0 else b).url + "api/ask", {"question": "xin chào"})
        statuses.append(status)
    assert statuses == [200] * RATE_LIMIT + [429], statuses  # 2 on A + 2 on B, then refused (on A)
    assert int(headers["Retry-After"]) > 0 and "đợi" in body["error"]
    status, _, _ = http.call(b.url + "api/ask", {"question": "xin chào"})
    assert status == 429  # and refused on B too
    status, _, _ = Http().call(b.url + "api/ask", {"question": "xin chào"})
    assert status == 200  # another session is not concerned


def _update(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 100000,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Người dùng"},
            "text": text,
        },
    }


def test_one_telegram_update_posted_to_a_and_b_at_once_is_answered_once(cluster):
    replicas, apis = cluster["replicas"], cluster["apis"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    for n, chat in enumerate((424201, 424202, 424203)):
        upd = _update(880000 + n, chat, QUESTION)
        go = threading.Barrier(2)
        statuses = []

        def post(r, upd=upd, go=go, statuses=statuses):
            go.wait()
            statuses.append(Http().call(r.url + "telegram/webhook", upd, headers)[0])

        threads = [threading.Thread(target=post, args=(r,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200, 200]
        wait_until(lambda chat=chat: any(api.sent(chat) for api in apis), 60, what="an answer")
        time.sleep(2.0)  # time for a second answer, if there were to be one
        answered_by = [r.name for r, api in zip(replicas, apis) if api.sent(chat)]
        assert len(answered_by) == 1, answered_by
        sent = [c for api in apis for c in api.sent(chat)]
        assert "Sở Giáo dục và Đào tạo" in sent[0].params["text"] or "GDĐT" in sent[0].params["text"]
        # Telegram delivering it once more, to the other replica: not answered again
        other = next(r for r in replicas if r.name != answered_by[0])
        assert Http().call(other.url + "telegram/webhook", upd, headers)[0] == 200
        time.sleep(1.0)
        assert sum(len(api.sent(chat)) for api in apis) == len(sent)


def test_a_reminder_due_during_the_test_is_sent_once(cluster):
    """Both replicas sweep every second; the reminder is claimed by one of them (FOR UPDATE SKIP LOCKED)."""
    from sqlalchemy import select, update

    from bot.config import ReminderConfig
    from bot.reminders import subscribe
    from bot.reminders.planner import plan
    from store.db import session_scope
    from store.reminders import PENDING, SENT, Reminder

    db_url, (a, b) = cluster["db_url"], cluster["replicas"]
    chat = "replica-reminder"
    now = dt.datetime.now(dt.timezone.utc)
    subscribe(db_url, channel="console", chat_id=chat, province="Tiền Giang", lead_days=(7,), now=now)
    plan(db_url, ReminderConfig(quiet_start=None, quiet_end=None), now, force=True)
    today = now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    with session_scope(db_url) as s:
        rows = s.scalars(
            select(Reminder)
            .where(Reminder.chat_id == chat, Reminder.status == PENDING, Reminder.due_date >= today)
            .order_by(Reminder.due_date, Reminder.id)
        ).all()
        assert rows, "no reminder planned for the subscription"
        due = rows[0]
        due_id, deadline_id = due.id, due.deadline_id
        soon = now.replace(tzinfo=None) + dt.timedelta(seconds=2)  # due in 2 s, while both replicas sweep
        s.execute(update(Reminder).where(Reminder.id == due_id).values(send_at=soon, next_attempt_at=soon))
    wait_until(lambda: a.reminder_lines(chat) or b.reminder_lines(chat), 60, what="the reminder")
    time.sleep(4.0)  # four more sweeps on each replica
    lines = a.reminder_lines(chat) + b.reminder_lines(chat)
    assert len(lines) == 1 and lines[0]["deadline_id"] == deadline_id, lines
    with session_scope(db_url) as s:
        row = s.get(Reminder, due_id)
        assert row.status == SENT and row.attempts == 1


def test_an_admin_session_signed_in_at_a_is_one_at_b(cluster):
    import http.cookiejar
    import urllib.parse

    a, b = cluster["replicas"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = urllib.request.Request(
        a.url + "admin/login",
        data=urllib.parse.urlencode({"token": ADMIN_TOKEN}).encode(),
        headers={"Origin": a.url.rstrip("/")},
    )
    with opener.open(login, timeout=30) as r:
        assert r.status == 200 and "name=token" not in r.read().decode()  # followed to the signed-in page
    sid = next(c.value for c in jar if c.name == "hoctap_admin")
    status, page = _get(b.url + "admin")
    assert status == 401 and "name=token" in page  # B without the cookie: the sign-in form
    status, page = _get(b.url + "admin", {"Cookie": f"hoctap_admin={sid}"})
    assert status == 200 and "name=token" not in page and "csrf=" in page  # B knows A's session: its page, its forms


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    import urllib.error

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _press(update_id: int, chat: int, data: str) -> dict:
    user = {"id": chat, "is_bot": False, "first_name": "Người dùng"}
    msg = {"message_id": 1, "date": int(time.time()), "chat": {"id": chat, "type": "private"}, "text": "…"}
    return {
        "update_id": update_id,
        "callback_query": {"id": str(update_id), "from": user, "chat_instance": "ci", "message": msg, "data": data},
    }


def test_the_rest_of_a_long_answer_pages_on_the_other_replica(cluster):
    """ "➕ Xem thêm" under an answer A gave, pressed and delivered to B: B sends the next page."""
    (a, b), (api_a, api_b) = cluster["replicas"], cluster["apis"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    chat = 424301
    assert (
        Http().call(a.url + "telegram/webhook", _update(881001, chat, "nhiệm vụ của hội khuyến học"), headers)[0] == 200
    )
    sent = wait_until(lambda: api_a.sent(chat), 60, what="the answer")
    buttons = [btn for row in (sent[-1].params.get("reply_markup") or {}).get("inline_keyboard", []) for btn in row]
    more = next(btn["callback_data"] for btn in buttons if btn.get("callback_data", "").startswith("more:"))
    assert Http().call(b.url + "telegram/webhook", _press(881002, chat, more), headers)[0] == 200
    page = wait_until(lambda: api_b.sent(chat), 60, what="the next page from B")
    assert page[-1].params["text"] and not any(
        c.method == "answerCallbackQuery" and c.params.get("show_alert") for c in api_b.calls
    )
