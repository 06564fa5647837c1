"""Webhook mode (TELEGRAM_WEBHOOK_URL): the route `serve` mounts at the URL's path, its secret, and the Bot API
address (TELEGRAM_BASE_URL)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Callable
from urllib.parse import urlsplit

from aiohttp import web

from handlers.actions import utf8_clean

log = logging.getLogger(__name__)


def bot_base_url(url: str) -> str:
    """TELEGRAM_BASE_URL → the prefix python-telegram-bot puts before the token.

    Accepts a server address ('http://127.0.0.1:8081'), the '.../bot' prefix, or a '{token}' template."""
    url = url.rstrip("/")
    if "{token}" in url or url.endswith("/bot"):
        return url
    return url + "/bot"


def webhook_secret(cfg) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the bot token (stable across restarts)."""
    if cfg.telegram_webhook_secret:
        return cfg.telegram_webhook_secret
    return hashlib.sha256(b"hoctap-webhook:" + cfg.telegram_token.encode()).hexdigest()[:48]


WEBHOOK_DEFAULT_PATH = "/telegram/webhook"


def webhook_path(cfg) -> str:
    """The route of the webhook: the path of TELEGRAM_WEBHOOK_URL (WEBHOOK_DEFAULT_PATH when it has none)."""
    path = urlsplit(cfg.telegram_webhook_url).path
    return path if path and path != "/" else WEBHOOK_DEFAULT_PATH


def webhook_route(cfg, current_bot: Callable[[], Any]):
    """The aiohttp handler of the webhook route. It checks the secret header (403) and the update (400), then
    hands the update to `current_bot()` (serve makes a new bot when the first one could not start); 503 while
    that bot is not running yet: Telegram delivers the update again later."""

    async def telegram_webhook(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), webhook_secret(cfg).encode()):
            log.warning("Telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            data = json.loads(await request.text())
            if not isinstance(data, dict) or type(data.get("update_id")) is not int or not utf8_clean(data):
                raise ValueError("not an update")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return web.json_response({"error": "bad update"}, status=400)
        bot = current_bot()
        if not bot.app.running:
            return web.json_response({"error": "starting"}, status=503)
        try:
            await bot.process_webhook(data)
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as e:
            # well-formed JSON that is not an update python-telegram-bot can read ({"message": {}})
            log.info("Telegram webhook: unreadable update refused (%s)", type(e).__name__)
            return web.json_response({"error": "bad update"}, status=400)
        return web.json_response({"ok": True})

    return telegram_webhook
