"""Channel settings, read from the environment only (secrets are never logged: see `__repr__`)."""
from __future__ import annotations

import ipaddress
import logging
import os
from dataclasses import dataclass, field, fields

SECRET_FIELDS = {"telegram_token", "telegram_webhook_secret", "zalo_oa_secret_key", "zalo_app_secret",
                 "zalo_access_token", "zalo_refresh_token", "session_secret"}


def _env(name: str, default: str = "") -> str:
    return (os.environ.get(name) or default).strip()


log = logging.getLogger(__name__)


def parse_networks(text: str) -> tuple:
    """'10.0.0.1, 192.168.0.0/16' → ip networks (a bad entry is logged and skipped)."""
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            log.warning("HOCTAP_TRUSTED_PROXIES: %r is not an IP address or network; ignored", part)
    return tuple(out)


def _int_env(name: str, default: int) -> int:
    try:
        return int(_env(name, str(default)))
    except ValueError:
        return default


@dataclass
class ChannelConfig:
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Telegram
    telegram_token: str = ""
    telegram_base_url: str = ""          # e.g. http://127.0.0.1:8081 (a self-hosted Bot API server)
    telegram_webhook_url: str = ""       # public https URL; when set, webhook mode instead of polling
    telegram_webhook_secret: str = ""
    telegram_poll_timeout: int = 10      # long-polling timeout (seconds)
    admin_ids: frozenset[str] = field(default_factory=frozenset)
    # Zalo Official Account
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""         # webhook signature key
    zalo_app_secret: str = ""            # app secret, for refreshing the access token
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_webhook_path: str = "/zalo/webhook"
    zalo_signature_max_age_s: int = 300
    # everyone
    rate_limit_count: int = 12           # messages per chat ...
    rate_limit_window_s: int = 60        # ... per this many seconds
    max_question_chars: int = 1000
    ip_rate_limit_count: int = 60        # requests per client IP per rate_limit_window_s (backstop, web API)
    trusted_proxies: tuple = ()          # ip networks whose X-Forwarded-For is believed
    session_secret: str = ""             # signs the web session cookie; default: a random key kept in the data folder
    body_timeout_s: float = 30.0         # a request body must arrive within this time
    max_pending_questions: int = 200     # questions answered or waiting at once; more get 503 (back-pressure)
    public_url: str = ""                 # where people reach the web chat (links in replies); optional

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_oa_secret_key and self.zalo_access_token)

    def __repr__(self) -> str:  # never print a secret
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in SECRET_FIELDS and v:
                v = "***"
            parts.append(f"{f.name}={v!r}")
        return f"ChannelConfig({', '.join(parts)})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, **overrides) -> "ChannelConfig":
        admin = {x.strip() for x in _env("HOCTAP_ADMIN_IDS").replace(";", ",").split(",") if x.strip()}
        cfg = cls(
            web_host=_env("HOCTAP_WEB_HOST", "127.0.0.1"),
            web_port=_int_env("HOCTAP_WEB_PORT", 8080),
            telegram_token=_env("TELEGRAM_BOT_TOKEN"),
            telegram_base_url=_env("TELEGRAM_BASE_URL"),
            telegram_webhook_url=_env("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
            telegram_poll_timeout=_int_env("TELEGRAM_POLL_TIMEOUT", 10),
            admin_ids=frozenset(admin),
            zalo_app_id=_env("ZALO_APP_ID"),
            zalo_oa_secret_key=_env("ZALO_OA_SECRET_KEY"),
            zalo_app_secret=_env("ZALO_APP_SECRET"),
            zalo_access_token=_env("ZALO_ACCESS_TOKEN"),
            zalo_refresh_token=_env("ZALO_REFRESH_TOKEN"),
            zalo_api_base_url=_env("ZALO_API_BASE_URL", "https://openapi.zalo.me").rstrip("/"),
            zalo_oauth_base_url=_env("ZALO_OAUTH_BASE_URL", "https://oauth.zaloapp.com").rstrip("/"),
            zalo_webhook_path=_env("ZALO_WEBHOOK_PATH", "/zalo/webhook"),
            rate_limit_count=max(1, _int_env("HOCTAP_RATE_LIMIT", 12)),
            rate_limit_window_s=max(1, _int_env("HOCTAP_RATE_WINDOW_S", 60)),
            ip_rate_limit_count=max(1, _int_env("HOCTAP_IP_RATE_LIMIT", 60)),
            trusted_proxies=parse_networks(_env("HOCTAP_TRUSTED_PROXIES")),
            session_secret=_env("HOCTAP_SESSION_SECRET"),
            max_pending_questions=max(1, _int_env("HOCTAP_MAX_PENDING", 200)),
            public_url=_env("HOCTAP_PUBLIC_URL").rstrip("/"),
        )
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg
