"""`python -m bot serve` as a real process: the web chat in headless Chromium (Debian's chromium +
chromium-driver), and every configured channel started in the one process."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import pytest

from tests.support.channels import ROOT, TEST_OUTPUT, BotApiStandIn, ZaloStandIn, clean_env, embedding_model, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

QUESTION = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"
URL_RE = re.compile(r"đang chạy: (http://[\d.]+:\d+/)")


def _start_serve(store_dir: Path, **env) -> tuple[subprocess.Popen, str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--data-dir", str(store_dir), "serve", "--port", "0", "--no-sweeper"],
        cwd=ROOT,
        env=clean_env(HOCTAP_EMBEDDING_MODEL=str(embedding_model()), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = URL_RE.search(line)
        if m:
            return proc, m.group(1), lines
    proc.kill()
    raise AssertionError("serve did not print its address:\n" + "".join(lines[-40:]))


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="module")
def served(store_dir):
    proc, url, _ = _start_serve(store_dir)
    yield url
    _stop(proc)


def _chrome():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip(
            "chromium and chromedriver are not installed (make browser / apt-get install chromium "
            "chromium-driver): browser test skipped"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="hoctap-chromium-")
    for a in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
        "--lang=vi",
    ):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_page_load_timeout(30)
    return drv, profile


def _words(text: str) -> str:
    return " ".join(text.split())


def test_web_chat_in_headless_chromium(served, assistant):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    drv, profile = _chrome()
    TEST_OUTPUT.mkdir(exist_ok=True)
    try:
        drv.get(served)
        wait = WebDriverWait(drv, 30)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#examples .chip")))
        assert "Trợ lý Xã hội học tập" in drv.title
        box = drv.find_element(By.ID, "question")
        box.send_keys(QUESTION)
        drv.find_element(By.ID, "send").click()
        answer = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".msg.bot.answered, .msg.bot.unanswered")))
        expected = assistant.ask(QUESTION, conversation_id="b-expected")
        shown = answer.find_element(By.CSS_SELECTOR, ".answer").text
        assert _words(shown) == _words(expected.answer)
        details = answer.find_elements(By.CSS_SELECTOR, ".sources details")
        assert len(details) == len(expected.sources) > 0
        first = details[0]
        assert expected.sources[0].doc in first.find_element(By.TAG_NAME, "summary").text
        first.find_element(By.TAG_NAME, "summary").click()  # expand: the quote appears
        quote = first.find_element(By.TAG_NAME, "blockquote")
        wait.until(lambda d: quote.is_displayed())
        assert _words(quote.text) == _words(expected.sources[0].quote)
        # the upcoming deadlines and the calendar link
        items = assistant.upcoming_deadlines(days=90)
        wait.until(lambda d: "Đang tải" not in d.find_element(By.ID, "deadlines").text)
        lis = drv.find_elements(By.CSS_SELECTOR, "#deadlines li")
        if items:
            assert len(lis) == len(items)
            assert f"{items[0].due_date:%d/%m/%Y}" in lis[0].text
        assert drv.find_element(By.ID, "ics").get_attribute("href").endswith("/calendar.ics")
        drv.save_screenshot(str(TEST_OUTPUT / "web-chat.png"))

        # phone-sized screen: no horizontal scrolling, the answer still readable
        drv.set_window_size(390, 844)
        time.sleep(0.3)
        assert drv.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert answer.is_displayed()
        drv.save_screenshot(str(TEST_OUTPUT / "web-chat-phone.png"))
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
    assert (TEST_OUTPUT / "web-chat.png").stat().st_size > 10_000


async def test_serve_runs_every_configured_channel_in_one_process(store_dir):
    """With tokens set, one `serve` process answers on the web, polls Telegram and takes Zalo webhooks."""
    tg = await BotApiStandIn().start()
    zl = await ZaloStandIn().start()
    env = {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.url,
        "TELEGRAM_POLL_TIMEOUT": "1",
        "ZALO_APP_ID": "app-1",
        "ZALO_OA_SECRET_KEY": "oa-secret",
        "ZALO_ACCESS_TOKEN": "acc-1",
        "ZALO_API_BASE_URL": zl.url,
        "ZALO_OAUTH_BASE_URL": zl.url,
    }
    loop = asyncio.get_running_loop()
    proc, url, lines = await loop.run_in_executor(None, lambda: _start_serve(store_dir, **env))
    try:
        assert "web, telegram, zalo" in lines[-1]
        assert tg.token not in "".join(lines) and "oa-secret" not in "".join(lines)
        await wait_for(lambda: any(c.method == "deleteWebhook" for c in tg.calls), timeout=60)
        tg.message(2001, "/help")
        await wait_for(lambda: tg.sent(2001), timeout=30)
        from handlers.zalo import signature

        body = (
            b'{"app_id":"app-1","event_name":"user_send_text","sender":{"id":"z1"},"message":{"text":"#trogiup",'
            b'"msg_id":"cli-'
            + str(time.time_ns()).encode()
            + b'"},"timestamp":"'
            + str(int(time.time() * 1000)).encode()
            + b'"}'
        )
        ts = re.search(rb'"timestamp":"(\d+)"', body).group(1).decode()
        async with aiohttp.ClientSession() as http:
            async with http.post(
                url + "zalo/webhook",
                data=body,
                headers={"X-ZEvent-Signature": signature("app-1", body, ts, "oa-secret")},
            ) as r:
                assert r.status == 200
            async with http.get(url + "healthz") as r:
                assert r.status == 200
        await wait_for(lambda: zl.texts("z1"), timeout=30)
    finally:
        await loop.run_in_executor(None, _stop, proc)
        await tg.stop()
        await zl.stop()
