"""Issue 20, finding 7, through the running server on 127.0.0.1: 1,000 wrong bearer tokens went through in 0.3 s
and 39 sign-in tries a second; a cross-origin form POST to /admin/remove with the cookie started a job; the admin
cookie was a fixed HMAC of the token that still worked after signing out. Now: throttling with back-off per client
and in total, a CSRF token on every admin form plus an Origin check, server-side sessions that expire and that
signing out revokes (handlers.admin_auth)."""

from __future__ import annotations

import asyncio
import html
import re

import aiohttp
import pytest

from tests.support.uploads import make_store

from bot.config import ChannelConfig
from handlers.admin_auth import Throttle
from handlers.serve import Server

pytestmark = pytest.mark.slow

TOKEN = "thu-nghiem-quan-tri-2026"


@pytest.fixture
async def admin(tmp_path, monkeypatch):
    from bot.assistant import Assistant

    settings = make_store(tmp_path)
    cfg = ChannelConfig(web_port=0, admin_token=TOKEN, admin_session_ttl_s=3.0)
    server = Server(Assistant.from_settings(settings), cfg, sweeper=False)
    await server.start()
    yield server
    await server.stop()


def _browser(server, origin: str | None = None, local: str | None = None) -> aiohttp.ClientSession:
    headers = {"Origin": origin or server.url.rstrip("/")}
    conn = aiohttp.TCPConnector(local_addr=(local, 0)) if local else None
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=headers, connector=conn)


async def _sign_in(http, server) -> str:
    async with http.post(server.url + "admin/login", data={"token": TOKEN}) as r:
        assert r.status == 200 and str(r.url).endswith("/admin"), await r.text()
        return await r.text()


def _forms(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r"<form method=post action='([^']*)'", page)]


async def test_every_admin_form_carries_the_csrf_token_and_posts_without_it_are_refused(admin):
    async with _browser(admin) as http:
        page = await _sign_in(http, admin)
        forms = _forms(page)
        assert {f.split("?")[0] for f in forms} >= {"/admin/logout", "/admin/upload", "/admin/remove"}
        assert len(re.findall(r"<form", page)) == len(forms)  # no form is written by hand
        tokens = {f.split("csrf=", 1)[1] for f in forms}
        assert len(tokens) == 1 and len(next(iter(tokens))) >= 24
        remove = next(f for f in forms if f.startswith("/admin/remove"))
        doc = {"doc_id": "khong-co-van-ban-nay"}
        async with http.post(admin.url + "admin/remove", data=doc) as r:  # the cookie alone
            assert r.status == 403 and "CSRF" in await r.text()
        async with http.post(admin.url + "admin/remove?csrf=sai-ma", data=doc) as r:
            assert r.status == 403
        async with http.post(admin.url + remove.lstrip("/"), data=doc) as r:  # the page's own form
            assert r.status == 200 and "/admin/jobs/" in str(r.url)
    # another site's page posting the same form with the victim's cookie and even the token: Origin refused
    async with _browser(admin, origin="http://evil.example") as evil:
        page = await _sign_in_elsewhere(admin, evil)
        assert page is None  # signing in from another origin is refused too
    async with _browser(admin) as http:
        page = await _sign_in(http, admin)
        remove = next(f for f in _forms(page) if f.startswith("/admin/remove"))
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}):
            async with http.post(admin.url + remove.lstrip("/"), data=doc, headers=headers) as r:
                assert r.status == 403 and "Origin" in await r.text()
        # a script with the bearer token is not a browser: no CSRF token needed
        bearer = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        async with aiohttp.ClientSession() as script:
            async with script.post(admin.url + "admin/remove", json=doc, headers=bearer) as r:
                assert r.status == 202


async def _sign_in_elsewhere(server, http) -> str | None:
    async with http.post(server.url + "admin/login", data={"token": TOKEN}) as r:
        return await r.text() if r.status == 200 else None


async def test_signing_out_revokes_the_session_and_sessions_expire(admin):
    async with _browser(admin) as http:
        page = await _sign_in(http, admin)
        cookie = next(c for c in http.cookie_jar if c.key == "hoctap_admin").value
        assert TOKEN not in cookie
        logout = next(f for f in _forms(page) if f.startswith("/admin/logout"))
        async with http.post(admin.url + logout.lstrip("/")) as r:
            assert r.status == 401  # back at the sign-in form
    async with _browser(admin) as replay:  # the copied cookie after sign-out
        async with replay.get(admin.url + "admin", cookies={"hoctap_admin": cookie}) as r:
            assert r.status == 401 and "Mã quản trị" in await r.text()
    async with _browser(admin) as http:
        await _sign_in(http, admin)
        async with http.get(admin.url + "admin") as r:
            assert r.status == 200
        await asyncio.sleep(3.5)  # the session lasts 3 s here
        async with http.get(admin.url + "admin") as r:
            assert r.status == 401


async def test_wrong_tokens_are_throttled_per_client_and_in_total(admin):
    wrong = {"Authorization": "Bearer sai-ma-quan-tri-0000", "Accept": "application/json"}
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(30):
            async with http.get(admin.url + "admin/api/documents", headers=wrong) as r:
                statuses.append(r.status)
                retry = r.headers.get("Retry-After")
        assert statuses[:5] == [401] * 5 and statuses.count(401) <= 6 and 429 in statuses and int(retry) >= 1
        right = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
        async with http.get(admin.url + "admin/api/documents", headers=right) as r:
            assert r.status == 429  # even the right token waits: it is not compared while throttled
    # sign-in from another client address is not held up by the first one
    async with _browser(admin, local="127.0.0.2") as other:
        await _sign_in(other, admin)
        signed_in = other.cookie_jar
        # the total: many clients each under their own limit
        for i in range(3, 20):
            async with _browser(admin, local=f"127.0.0.{i}") as c:
                for _ in range(4):
                    async with c.post(admin.url + "admin/login", data={"token": "sai-ma-quan-tri"}) as r:
                        last = r.status
        assert last == 429
        async with _browser(admin, local="127.0.0.30") as fresh:
            async with fresh.post(admin.url + "admin/login", data={"token": TOKEN}) as r:
                assert r.status == 429 and "thử lại sau" in await r.text()
        async with other.get(admin.url + "admin") as r:  # a signed-in session is never throttled
            assert r.status == 200 and signed_in is other.cookie_jar


def test_the_back_off_doubles_and_success_clears_a_client():
    t = Throttle(free=2, free_total=100, max_wait_s=600)
    for _ in range(2):
        t.failed("a")
    assert t.wait("a") == 0
    waits = []
    for _ in range(4):
        t.failed("a")
        waits.append(round(t.wait("a")))
    assert waits == [1, 2, 4, 8] and t.wait("b") == 0
    t.succeeded("a")
    assert t.wait("a") == 0


async def _job_done(http, server, job: dict) -> dict:
    bearer = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    for _ in range(600):
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.2)
        async with http.get(f"{server.url}admin/jobs/{job['id']}", headers=bearer) as r:
            job = await r.json()
    raise AssertionError(job)


async def test_a_file_named_like_an_existing_document_asks_replace_or_keep_both(admin):
    from tests.support.uploads import KN

    seed = "daknong-2021-3597-ubnd-kgvx"
    data = (KN / f"{seed}.txt").read_bytes()
    bearer = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    docs = admin.services.settings.data_dir / "documents"

    def form(**extra) -> aiohttp.FormData:
        f = aiohttp.FormData()
        f.add_field("file", data, filename=f"{seed}.txt", content_type="text/plain")
        for k, v in extra.items():
            f.add_field(k, v)
        return f

    async with aiohttp.ClientSession() as http:
        async with http.post(admin.url + "admin/upload", data=form(), headers=bearer) as r:
            asked = await r.json()
            assert r.status == 409 and asked["existing"] == seed and asked["choices"] == ["replace", "keep"]
        assert not docs.exists() or not list(docs.iterdir())  # nothing stored before the answer
        async with http.post(
            admin.url + "admin/upload/held", json={"held": asked["held"], "choice": "keep"}, headers=bearer
        ) as r:
            job = await _job_done(http, admin, await r.json())
        assert job["state"] == "done" and job["action"] == "added" and job["doc_id"] == f"{seed}-2", job
        async with http.post(
            admin.url + "admin/upload/held", json={"held": asked["held"], "choice": "keep"}, headers=bearer
        ) as r:
            assert r.status == 400  # answered once
        async with http.post(admin.url + "admin/upload", data=form(), headers=bearer) as r:
            asked = await r.json()
        async with http.post(
            admin.url + "admin/upload/held", json={"held": asked["held"], "choice": "replace"}, headers=bearer
        ) as r:
            job = await _job_done(http, admin, await r.json())
        assert job["state"] == "done" and job["action"] == "replaced" and job["doc_id"] == seed, job
        async with http.post(admin.url + "admin/upload", data=form(keep_both="1"), headers=bearer) as r:
            assert r.status == 202  # a script that already knows
            await _job_done(http, admin, await r.json())
    async with _browser(admin) as browser:  # the page asks with two buttons, each carrying the CSRF token
        page = await _sign_in(browser, admin)
        upload = next(f for f in _forms(page) if f.startswith("/admin/upload"))
        async with browser.post(admin.url + upload.lstrip("/"), data=form()) as r:
            text = await r.text()
            assert r.status == 409 and "Giữ cả hai" in text and f"Thay thế «{seed}»" in text
        assert [f.split("?")[0] for f in _forms(text)] == ["/admin/upload/held"] * 2
        assert all("csrf=" in f for f in _forms(text))


async def test_a_session_that_cannot_be_stored_is_a_clear_503_not_a_500(admin):
    (admin.services.settings.data_dir / "admin-sessions.json").mkdir()  # cannot be written as a file
    async with _browser(admin) as http:
        async with http.post(admin.url + "admin/login", data={"token": TOKEN}) as r:
            assert r.status == 503 and "không ghi được" in await r.text()
