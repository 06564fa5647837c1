"""A conversation in the web chat (issue 19, "Done when"), in headless Chromium at 1200 px and 400 px: a greeting,
a deadline question, the subscribe form through to a confirmed subscription (a real SMTP server, aiosmtpd, on
127.0.0.1 receives the confirmation e-mail and the browser opens its link), a long list with "xem thêm", a source
expanded; screenshots saved in test-output/. The server runs in this process on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.config import ChannelConfig
from handlers.serve import Server
from store.db import session_scope
from store.reminders import Subscription
from tests.handlers.test_reports_email import Inbox
from tests.handlers.test_web_browser import _chrome, _words
from tests.support.channels import TEST_OUTPUT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DEADLINE_Q = "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?"
LIST_Q = "nhiệm vụ của hội khuyến học"
BOT = "hoctap_test_bot"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Running:
    """A Server on its own event loop in a thread (Selenium drives the browser from the test's thread), sending
    its e-mail through the SMTP server on `smtp_port` with links to its own address."""

    def __init__(self, assistant, smtp_port: int, monkeypatch):
        port = _free_port()
        monkeypatch.setenv("HOCTAP_SMTP_URL", f"smtp://127.0.0.1:{smtp_port}")
        monkeypatch.setenv("HOCTAP_MAIL_FROM", "Trợ lý XHHT <nhachan@example.vn>")
        monkeypatch.setenv("HOCTAP_PUBLIC_URL", f"http://127.0.0.1:{port}")
        self.loop = asyncio.new_event_loop()
        cfg = ChannelConfig(web_port=port, rate_limit_count=1000, ip_rate_limit_count=1000, telegram_bot_username=BOT)
        self.server = Server(assistant, cfg, sweeper=False)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(60)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _ask(drv, wait, question: str):
    from selenium.webdriver.common.by import By

    before = len(drv.find_elements(By.CSS_SELECTOR, ".msg.bot.answered, .msg.bot.unanswered"))
    drv.find_element(By.ID, "question").send_keys(question)
    drv.find_element(By.ID, "send").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg.bot.answered, .msg.bot.unanswered")) > before)
    return drv.find_elements(By.CSS_SELECTOR, ".msg.bot.answered, .msg.bot.unanswered")[-1]


def _clean_citations(msg) -> None:
    from selenium.webdriver.common.by import By

    cites = [s.text for s in msg.find_elements(By.CSS_SELECTOR, ".sources summary")]
    assert len(cites) == len(set(cites)), cites  # no source listed twice
    for c in cites:
        assert "chưa ghi số" not in c and not re.search(r"(?:^|\s)/[A-ZĐ]", c), c


def _subscribe(drv, wait, msg, email: str) -> str:
    """Open the form from the chip under a deadline answer, fill it, send it; the status message shown."""
    from selenium.webdriver.common.by import By

    chip = next(c for c in msg.find_elements(By.CSS_SELECTOR, ".chips .chip") if "Đăng ký nhắc hạn" in c.text)
    chip.click()
    form = msg.find_element(By.CSS_SELECTOR, "form.subform")
    lead = form.find_element(By.NAME, "lead_days")
    lead.clear()
    lead.send_keys("99")  # refused in the browser, in Vietnamese
    form.find_element(By.NAME, "email").send_keys(email)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    status = form.find_element(By.CSS_SELECTOR, ".status")
    wait.until(lambda d: "Số ngày nhắc trước" in status.text)
    lead.clear()
    lead.send_keys("7, 1")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: status.text and status.text != "Đang gửi…")
    return status.text


def _walk(drv, wait, run: Running, inbox: Inbox, assistant, width: int) -> None:
    from selenium.webdriver.common.by import By

    drv.set_window_size(width, 900)
    drv.get(run.url)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#examples .chip"))
    welcome = drv.find_element(By.ID, "welcome").text
    assert not re.search(r"\n[ \t]*\n[ \t]*\n", welcome) and welcome.startswith("Xin chào")  # no blank runs
    shot = lambda name: drv.save_screenshot(str(TEST_OUTPUT / f"issue19-{width}px-{name}.png"))
    greet = _ask(drv, wait, "xin chào")
    assert "Xin chào" in greet.text and "Bạn có thể hỏi" in greet.text
    shot("1-greeting")

    expected = assistant.ask(DEADLINE_Q, conversation_id=f"b19-{width}")
    msg = _ask(drv, wait, DEADLINE_Q)
    assert _words(msg.find_element(By.CSS_SELECTOR, ".answer").text) == _words(expected.answer)
    _clean_citations(msg)
    status = _subscribe(drv, wait, msg, f"vanthu{width}@soGDDT.gov.vn")
    form = msg.find_element(By.CSS_SELECTOR, "form.subform")
    links = {a.text: a.get_attribute("href") for a in form.find_elements(By.CSS_SELECTOR, ".alt a")}
    assert links["⬇ Thêm hạn này vào lịch (.ics)"].endswith(f"calendar.ics?deadline={expected.deadline_ids[0]}")
    assert links["✈ Nhận nhắc qua Telegram"] == f"https://t.me/{BOT}?start=d{expected.deadline_ids[0]}_l7-1"
    assert status.startswith(f"Đã gửi thư xác nhận tới vanthu{width}@soGDDT.gov.vn"), status
    shot("2-subscribe")
    long = assistant.ask(LIST_Q, conversation_id=f"b19l-{width}")
    assert long.more
    msg = _ask(drv, wait, LIST_Q)
    body = msg.find_element(By.CSS_SELECTOR, ".answer")
    assert "xem thêm (" not in body.text  # the button says it
    more = msg.find_element(By.CSS_SELECTOR, "button.more")
    assert more.text == f"xem thêm ({len(long.more)})"
    shot("3-list")
    more.click()
    wait.until(lambda d: _words(long.more[-1]) in _words(body.text))
    _clean_citations(msg)
    first = msg.find_elements(By.CSS_SELECTOR, ".sources details")[0]
    first.find_element(By.TAG_NAME, "summary").click()
    quote = first.find_element(By.TAG_NAME, "blockquote")
    wait.until(lambda d: quote.is_displayed())
    assert _words(quote.text) == _words(long.sources[0].quote)
    assert first.find_element(By.TAG_NAME, "summary").text.endswith(long.sources[0].citation)
    shot("4-source")
    assert drv.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    messages = "var m = document.getElementById('messages'); return m.scrollWidth <= m.clientWidth + 1"
    assert drv.execute_script(messages)  # nothing in the chat scrolls sideways (the form's long names included)
    _confirm(drv, wait, run, inbox, f"vanthu{width}@sogddt.gov.vn", expected.deadline_ids[0])
    shot("5-confirmed")


def _confirm(drv, wait, run: Running, inbox: Inbox, address: str, deadline_id: str) -> None:
    """The confirmation e-mail's link opened in the browser: the subscription exists, for that deadline."""
    from selenium.webdriver.common.by import By

    wait.until(lambda d: inbox.to(address))
    (mail,) = inbox.to(address)
    text = mail.get_body(("plain",)).get_content()
    (link,) = [x for x in re.findall(r"https?://\S+", text) if "/subscribe/confirm" in x]
    assert link.startswith(run.url.rstrip("/"))
    drv.get(link)
    wait.until(lambda d: "Đã xác nhận đăng ký" in d.find_element(By.TAG_NAME, "body").text)
    assert address in drv.find_element(By.TAG_NAME, "body").text
    with session_scope(run.server.services.db_url) as s:
        sub = s.scalars(select(Subscription).where(Subscription.chat_id == address)).one()
        assert sub.channel == "email" and list(sub.lead_days) == [7, 1], (sub.channel, sub.lead_days)


def test_a_conversation_at_1200_and_400_px(assistant, monkeypatch):
    from selenium.webdriver.support.ui import WebDriverWait

    TEST_OUTPUT.mkdir(exist_ok=True)
    inbox = Inbox()
    smtp_port = _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    drv, profile = _chrome()
    run = Running(assistant, smtp_port, monkeypatch)
    try:
        wait = WebDriverWait(drv, 30)
        _walk(drv, wait, run, inbox, assistant, 1200)
        _walk(drv, wait, run, inbox, assistant, 400)
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
        run.stop()
        smtp.stop()
    for width in (1200, 400):
        for step in ("1-greeting", "2-subscribe", "3-list", "4-source", "5-confirmed"):
            assert (TEST_OUTPUT / f"issue19-{width}px-{step}.png").stat().st_size > 5_000
