"""The one configuration (bot/config.py): `.env` first, the real environment winning, secrets never printed.

- Unit: defaults are the documented contract; `load_settings`, `ChannelConfig.from_env` and
  `ReminderConfig.from_env` are the same loader's parts; `.env` never overrides the environment; reprs mask
  every token, secret key and database password; a reminder variable that cannot be read is named.
- End to end: `python -m bot serve` started in a folder whose `.env` sets the web port, the rate limit, the
  admin token and Telegram (pointing at the Bot API stand-in) — each checked over real HTTP on 127.0.0.1 —,
  with HOCTAP_WEB_PORT also in the environment, which wins; no secret appears in its output.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.support.channels import BotApiStandIn, clean_env, embedding_model, wait_for

from bot.config import ChannelConfig, Config, ConfigError, Settings, load_config, load_env_file, load_settings

ROOT = Path(__file__).resolve().parents[2]
URL_RE = re.compile(r"đang chạy: (http://[\d.]+:\d+/)")

SECRETS = {
    "TELEGRAM_BOT_TOKEN": "777000:tg-token-SECRET-1",
    "TELEGRAM_WEBHOOK_SECRET": "tg-hook-SECRET-2",
    "ZALO_OA_SECRET_KEY": "zalo-oa-SECRET-3",
    "ZALO_APP_SECRET": "zalo-app-SECRET-4",
    "ZALO_ACCESS_TOKEN": "zalo-access-SECRET-5",
    "ZALO_REFRESH_TOKEN": "zalo-refresh-SECRET-6",
    "HOCTAP_SESSION_SECRET": "session-SECRET-7",
    "HOCTAP_ADMIN_TOKEN": "admin-token-SECRET-8",
}


# -- the loader ---------------------------------------------------------------------------------------------------
def test_defaults_are_the_documented_contract(tmp_path):
    c = load_config(tmp_path / "d", environ={})
    assert isinstance(c, Config) and isinstance(c.settings, Settings)
    assert c.settings.data_dir == tmp_path / "d" and c.settings.embedding_model == ""
    assert c.settings.database_url == f"sqlite:///{tmp_path / 'd' / 'hoctap.sqlite3'}"
    ch = c.channels
    assert (ch.web_host, ch.web_port, ch.telegram_poll_timeout) == ("127.0.0.1", 8080, 10)
    assert (ch.rate_limit_count, ch.rate_limit_window_s, ch.ip_rate_limit_count, ch.max_pending_questions) == (
        12,
        60,
        60,
        200,
    )
    assert (ch.zalo_api_base_url, ch.zalo_oauth_base_url, ch.zalo_webhook_path) == (
        "https://openapi.zalo.me",
        "https://oauth.zaloapp.com",
        "/zalo/webhook",
    )
    assert ch.admin_ids == frozenset() and ch.trusted_proxies == () and ch.admin_token == ""
    assert ch.reload_interval_s == 3.0 and not ch.telegram_enabled and not ch.zalo_enabled
    r = c.reminders
    assert (r.remind_time.hour, r.quiet_start.hour, r.quiet_end.hour) == (8, 21, 7)
    assert (r.lease_s, r.horizon_days, r.max_attempts, r.batch_size) == (300.0, 400, 8, 20)


def test_every_variable_is_read(tmp_path):
    env = {
        "HOCTAP_WEB_HOST": "0.0.0.0",
        "HOCTAP_WEB_PORT": "9001",
        "HOCTAP_RATE_LIMIT": "3",
        "HOCTAP_RATE_WINDOW_S": "30",
        "HOCTAP_IP_RATE_LIMIT": "40",
        "HOCTAP_MAX_PENDING": "7",
        "HOCTAP_ADMIN_IDS": "1, 2;3",
        "HOCTAP_TRUSTED_PROXIES": "10.0.0.0/8",
        "HOCTAP_PUBLIC_URL": "https://x.vn/",
        "HOCTAP_RELOAD_INTERVAL_S": "1.5",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:1",
        "TELEGRAM_POLL_TIMEOUT": "2",
        "ZALO_APP_ID": "app",
        "ZALO_WEBHOOK_PATH": "/z",
        "HOCTAP_REMIND_HOUR": "9:30",
        "HOCTAP_QUIET_HOURS": "off",
        "HOCTAP_REMIND_BATCH": "5",
        "DATABASE_URL": "postgres://u:pw@db/hoctap",
        "HOCTAP_EMBEDDING_MODEL": " m ",
        **SECRETS,
    }
    c = load_config(tmp_path, environ=env)
    ch = c.channels
    assert (ch.web_host, ch.web_port, ch.rate_limit_count, ch.rate_limit_window_s) == ("0.0.0.0", 9001, 3, 30)
    assert (ch.ip_rate_limit_count, ch.max_pending_questions, ch.public_url) == (40, 7, "https://x.vn")
    assert ch.admin_ids == {"1", "2", "3"} and len(ch.trusted_proxies) == 1 and ch.reload_interval_s == 1.5
    assert ch.telegram_token == SECRETS["TELEGRAM_BOT_TOKEN"] and ch.telegram_poll_timeout == 2
    assert ch.zalo_enabled and ch.zalo_webhook_path == "/z" and c.admin_token == SECRETS["HOCTAP_ADMIN_TOKEN"]
    assert c.reminders.remind_time.minute == 30 and c.reminders.quiet_start is None and c.reminders.batch_size == 5
    assert c.settings.database_url == "postgresql+psycopg://u:pw@db/hoctap" and c.settings.embedding_model == "m"


def test_reprs_never_show_a_secret(tmp_path):
    env = {**SECRETS, "DATABASE_URL": "postgresql://hoctap:db-password-SECRET-9@db:5432/hoctap"}
    c = load_config(tmp_path, environ=env)
    for text in (repr(c), str(c), repr(c.channels), str(c.channels), repr(c.settings), f"{c}"):
        for secret in [*SECRETS.values(), "db-password-SECRET-9"]:
            assert secret not in text
    assert "telegram_token='***'" in repr(c) and "hoctap:***@db:5432" in repr(c.settings)
    assert "session_secret=''" in repr(ChannelConfig())  # unset stays visible as unset


def test_the_old_entry_points_are_parts_of_the_loader(tmp_path, monkeypatch):
    from bot.config import ReminderConfig

    monkeypatch.chdir(tmp_path)  # no .env here
    for k, v in {
        "HOCTAP_WEB_PORT": "9100",
        "HOCTAP_RATE_LIMIT": "4",
        "TELEGRAM_BOT_TOKEN": "1:x",
        "HOCTAP_QUIET_HOURS": "22-6",
        "HOCTAP_ADMIN_TOKEN": "a-long-admin-token",
    }.items():
        monkeypatch.setenv(k, v)
    c = load_config(tmp_path / "d")
    assert ChannelConfig.from_env() == c.channels
    assert ChannelConfig.from_env(web_port=0).web_port == 0
    assert ReminderConfig.from_env() == c.reminders
    assert ReminderConfig.from_env({"quiet_hours": "off"}).quiet_start is None  # Settings.extra wins
    s = load_settings(tmp_path / "d")
    assert (s.data_dir, s.database_url) == (c.settings.data_dir, c.settings.database_url)


def test_a_reminder_value_that_cannot_be_read_is_named(tmp_path):
    with pytest.raises(ConfigError, match="HOCTAP_QUIET_HOURS"):
        load_config(tmp_path, environ={"HOCTAP_QUIET_HOURS": "tối"})
    with pytest.raises(ValueError, match="HOCTAP_REMIND_BATCH"):
        load_config(tmp_path, environ={"HOCTAP_REMIND_BATCH": "many"})


def test_env_file_never_overrides_the_environment(tmp_path, monkeypatch):
    f = tmp_path / ".env"
    f.write_text("HOCTAP_TEST_BOTH=from-file\nHOCTAP_TEST_FILE_ONLY=from-file\n", encoding="utf-8")
    monkeypatch.setenv("HOCTAP_TEST_BOTH", "from-environment")
    monkeypatch.delenv("HOCTAP_TEST_FILE_ONLY", raising=False)  # removed again after the test
    assert load_env_file(f) == f.resolve()
    assert os.environ["HOCTAP_TEST_BOTH"] == "from-environment"
    assert os.environ["HOCTAP_TEST_FILE_ONLY"] == "from-file"
    assert load_env_file(tmp_path / "missing.env") is None


# -- serve, end to end --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # starts `serve`
def _serve_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith(("HOCTAP_", "TELEGRAM_", "ZALO_")) and k != "DATABASE_URL"
    }
    env.update(HOCTAP_EMBEDDING_MODEL=str(embedding_model()), PYTHONPATH=str(ROOT), **extra)
    return env


def _start(cwd: Path, data_dir: Path, env: dict, *args: str) -> tuple[subprocess.Popen, str | None, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "-v", "--data-dir", str(data_dir), "serve", "--no-sweeper", *args],
        cwd=cwd,
        env=env,
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
        if m := URL_RE.search(line):
            return proc, m.group(1), lines
    return proc, None, lines


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate(timeout=5)
    return out or ""


@pytest.mark.slow  # starts `serve`
async def test_serve_honours_env_file_and_the_environment_wins(store_dir, tmp_path):
    tg = await BotApiStandIn(token=SECRETS["TELEGRAM_BOT_TOKEN"]).start()
    file_port, env_port = _free_port(), _free_port()
    (tmp_path / ".env").write_text(
        "\n".join(
            [
                "# read by serve before anything else",
                f"HOCTAP_WEB_PORT={file_port}",  # the environment's HOCTAP_WEB_PORT wins
                "HOCTAP_RATE_LIMIT=2",
                f"TELEGRAM_BASE_URL={tg.url}",
                "TELEGRAM_POLL_TIMEOUT=1",
                *(f"{k}={v}" for k, v in SECRETS.items()),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    loop = asyncio.get_running_loop()
    proc, url, lines = await loop.run_in_executor(
        None, lambda: _start(tmp_path, store_dir, _serve_env(HOCTAP_WEB_PORT=str(env_port)))
    )
    out = ""
    try:
        assert url == f"http://127.0.0.1:{env_port}/", "".join(lines[-40:])
        assert "web, telegram" in lines[-1]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:  # one client, no session
            async with http.get(url + "healthz") as r:
                assert r.status == 200
            with pytest.raises(aiohttp.ClientConnectionError):  # nothing on the port .env asked for
                async with http.get(f"http://127.0.0.1:{file_port}/healthz"):
                    pass
            # HOCTAP_RATE_LIMIT=2 from .env: the third question within the minute is refused
            statuses = []
            for _ in range(3):
                async with http.post(url + "api/ask", json={"question": "Ai phải báo cáo trước ngày 15/12?"}) as r:
                    statuses.append(r.status)
            assert statuses == [200, 200, 429]
            # HOCTAP_ADMIN_TOKEN from .env: the admin page is on
            docs = url + "admin/api/documents"
            async with http.get(docs, headers={"Accept": "application/json"}) as r:
                assert r.status == 401
            async with http.get(
                docs, headers={"Accept": "application/json", "Authorization": f"Bearer {SECRETS['HOCTAP_ADMIN_TOKEN']}"}
            ) as r:
                assert r.status == 200
        # TELEGRAM_BOT_TOKEN + TELEGRAM_BASE_URL from .env: the bot polls the stand-in and answers
        await wait_for(lambda: any(c.method == "deleteWebhook" for c in tg.calls), timeout=60)
        tg.message(3001, "/help")
        await wait_for(lambda: tg.sent(3001), timeout=30)
    finally:
        out = await loop.run_in_executor(None, _stop, proc)
        await tg.stop()
    printed = "".join(lines) + out
    assert "configuration: Config(" in printed and "telegram_token='***'" in printed
    for secret in SECRETS.values():
        assert secret not in printed


@pytest.mark.slow  # starts `serve`
def test_serve_refuses_a_setting_it_cannot_read(tmp_path):
    (tmp_path / ".env").write_text("HOCTAP_QUIET_HOURS=suốt đêm\n", encoding="utf-8")
    proc, url, lines = _start(tmp_path, tmp_path / "data", _serve_env(), "--port", "0")
    out = _stop(proc)
    assert url is None and proc.returncode == 2
    assert "HOCTAP_QUIET_HOURS" in "".join(lines) + out
