"""`python -m bot [--data-dir D] serve`: one process, one event loop.

Always the web chat (HOCTAP_WEB_HOST:HOCTAP_WEB_PORT, default 127.0.0.1:8080); the Telegram bot when
TELEGRAM_BOT_TOKEN is set (polling, or a webhook route when TELEGRAM_WEBHOOK_URL is set); the Zalo
webhook when ZALO_APP_ID, ZALO_OA_SECRET_KEY and ZALO_ACCESS_TOKEN are set; and the reminder sweeper.

Several replicas (deploy/README.md) share one PostgreSQL database: conversation contexts, rate limits and admin
sessions live in the shared store (`store.shared_state`, or Redis with HOCTAP_REDIS_URL), updates are claimed
once (`channel_processed`), reminders once (SKIP LOCKED), so every replica may run the sweeper and any replica may
take any request. HOCTAP_REPLICAS > 1 with a Telegram bot needs TELEGRAM_WEBHOOK_URL (the config refuses polling).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web
from sqlalchemy.exc import OperationalError

from handlers.common import ChannelServices
from bot.config import ChannelConfig
from handlers.admin_web import AdminWeb
from handlers.edge import EdgeLimits, GuardedSite, install_repeat_filter, loop_exception_handler, raise_open_file_limit
from handlers.web import WebChat, json_errors
from handlers.web_reports import ReportWeb

log = logging.getLogger(__name__)


def add_commands(sub) -> None:
    p = sub.add_parser("serve", help="web chat, plus Telegram and Zalo when configured, in one process")
    p.add_argument("--host", default=None, help="web address (default $HOCTAP_WEB_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="web port (default $HOCTAP_WEB_PORT or 8080; 0 = any)")
    p.add_argument("--no-sweeper", action="store_true", help="do not send reminders from this process")
    p.set_defaults(func=run_serve)


def run_serve(args) -> int:
    from bot.assistant import Assistant
    from bot.config import ConfigError, load_config

    # httpx logs request URLs at INFO, and Telegram URLs contain the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # the one configuration, `.env` included, loaded before anything reads a setting
    try:
        config = load_config(args.data_dir)
    except ConfigError as e:
        print(f"Cấu hình không dùng được: {e}", file=sys.stderr)
        return 2
    for k, v in (("web_host", args.host), ("web_port", args.port)):
        if v is not None:
            setattr(config.channels, k, v)
    install_repeat_filter()  # an error repeated thousands of times a second is written a few times a minute
    log.info("configuration: %r", config)  # secrets masked
    cfg = config.channels
    assistant = Assistant.from_settings(config.settings)
    if not assistant.load_error:  # the database answered: a replica lacking its current index build fetches it now
        from bot.index_watch import sync_at_start

        sync_at_start(config.settings, assistant.maybe_reload)
    try:
        asyncio.run(
            _serve_until_signal(Server(assistant, cfg, reminders=config.reminders, sweeper=not args.no_sweeper))
        )
    except KeyboardInterrupt:
        pass
    except OSError as e:
        print(
            f"Không mở được {cfg.web_host}:{cfg.web_port} ({e.strerror or e}). Chọn cổng khác: "
            f"HOCTAP_WEB_PORT=8081 hoặc `serve --port 8081`.",
            file=sys.stderr,
        )
        return 2
    return 0


async def _serve_until_signal(server: "Server") -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    await server.start()
    channels = ["web"] + (["telegram"] if server.telegram else []) + (["zalo"] if server.zalo else [])
    print(f"Trợ lý Xã hội học tập đang chạy: {server.url}  (kênh: {', '.join(channels)}; Ctrl-C để dừng)", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()


class Server:
    """The aiohttp application hosting every channel, plus the Telegram bot and the reminder sweeper.
    `reminders`: the reminders' part of the loaded configuration (default: read from the environment)."""

    def __init__(
        self,
        assistant,
        config: ChannelConfig,
        *,
        reminders=None,
        sweeper: bool = True,
        sweeper_interval_s: float | None = None,
        zalo_backoff_s: float = 1.0,
    ):
        self.cfg = config
        self.services = ChannelServices(assistant, config, reminders=reminders)
        self.want_sweeper = sweeper
        # HOCTAP_SWEEP_INTERVAL_S (default 60): every replica may sweep, reminders are claimed with SKIP LOCKED
        self.sweeper_interval_s = sweeper_interval_s or getattr(config, "sweep_interval_s", 60.0)
        self.telegram = None
        self.zalo = None
        self.app = web.Application(client_max_size=256 * 1024, middlewares=[json_errors])
        self.web = WebChat(self.services)
        self.web.add_routes(self.app)
        AdminWeb(self.services).add_routes(self.app)  # /admin, only with HOCTAP_ADMIN_TOKEN (config.admin_token)
        ReportWeb(self.services).add_routes(self.app)  # e-mail subscriptions and links; the e-mail sender
        if config.telegram_enabled:
            from handlers.telegram import TelegramBot, webhook_path, webhook_route

            self.telegram = TelegramBot(self.services)
            if config.telegram_webhook:  # several replicas: always (bot.config.check_replicas)
                self.app.router.add_post(webhook_path(config), webhook_route(config, lambda: self.telegram))
        if config.zalo_enabled:
            from handlers.zalo import ZaloBot

            self.zalo = ZaloBot(self.services, backoff_s=zalo_backoff_s)
            self.app.router.add_post(config.zalo_webhook_path, self.zalo.webhook)
        self.runner: web.AppRunner | None = None
        self.site: GuardedSite | None = None
        self.url = ""
        self.port = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.index_watcher = None  # bot.index_watch.IndexWatcher on PostgreSQL

    async def start(self) -> str:
        database_answers = await self._report_health()
        try:  # the session key is read once, before the first request (a database that hangs: bounded)
            await asyncio.wait_for(self.web.prepare(database_answers), 20)
        except asyncio.TimeoutError:
            log.error("the session key could not be read from the database within 20 s: read at the first request")
        if self.zalo:
            await self.zalo.start()  # before the webhook route can receive anything
            self.services.senders["zalo"] = self.zalo.send_reminder
        asyncio.get_running_loop().set_exception_handler(loop_exception_handler)  # repeated errors: once a minute
        raise_open_file_limit()
        # the header timeout is aiohttp's keep-alive timer: it closes a connection waiting for a request head
        self.runner = web.AppRunner(self.app, access_log=None, keepalive_timeout=self.cfg.header_timeout_s)
        await self.runner.setup()
        site = self.site = GuardedSite(self.runner, self.cfg.web_host, self.cfg.web_port, EdgeLimits.of(self.cfg))
        try:
            await site.start()
        except OSError:
            await self.runner.cleanup()
            if self.zalo:
                await self.zalo.stop()
            raise
        self.port = site.port  # the real port when 0 was asked for
        host = self.cfg.web_host if self.cfg.web_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        self.url = f"http://{host}:{self.port}/"
        if self.telegram:
            self._tasks.append(asyncio.create_task(self._start_telegram(), name="telegram-start"))
        if self.want_sweeper:
            self._tasks.append(asyncio.create_task(self._sweep(), name="reminder-sweeper"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        self._tasks.append(asyncio.create_task(self._watch_builds(), name="build-watch"))
        self._start_index_watch()
        log.info("web chat at %s", self.url)
        return self.url

    async def _report_health(self) -> bool:
        """Say at start what does not work (missing index, model, unwritable database...), and remove
        index folders a killed build left behind. Whether the database answered (or was not found failing)."""
        from bot.health import check, clean_stale_index_dirs

        try:
            await self.services.db(clean_stale_index_dirs, self.services.settings.data_dir)
            await self._settle_uploads()
            h = await asyncio.wait_for(self.services.db(check, self.services.assistant), 15)
        except asyncio.TimeoutError:
            log.error("health: the checks did not finish within 15 s (database not answering?)")
            return False
        except Exception:
            log.exception("health check at start failed")
            return True
        for name in h.failing:
            log.error("health: %s: %s", name, h.checks[name].detail)
        if h.failing:
            print(
                "Cảnh báo: " + "; ".join(f"{n}: {h.checks[n].detail}" for n in h.failing) + " (xem /healthz)",
                file=sys.stderr,
                flush=True,
            )
        return "database" not in h.failing

    async def _settle_uploads(self) -> None:
        """Uploads a killed process left pending are finished or rolled back (indexer.uploads.recover)."""
        from indexer.uploads import DocumentLibrary

        if self.services.assistant.load_error:  # the database did not answer a moment ago: no second wait
            log.warning("pending uploads not settled at start (database: %s)", self.services.assistant.load_error)
            return
        try:
            await asyncio.wait_for(self.services.db(DocumentLibrary(self.services.settings).recover), 15)
        except Exception as e:  # noqa: BLE001 - a database down at start: settled at the next start
            log.warning("pending uploads not settled at start (%s)", type(e).__name__)

    async def _start_telegram(self) -> None:
        """Start the bot; if the Bot API cannot be reached, keep the web chat up and try again."""
        delay = 5.0
        while not self._stop.is_set():
            try:
                await self.telegram.start()
                self.services.senders["telegram"] = self.telegram.send_reminder
                return
            except Exception as e:  # noqa: BLE001 - network down, bad token...: retried
                log.error("Telegram bot could not start (%s); retrying in %.0f s", type(e).__name__, delay)
                try:
                    await self.telegram.stop()
                except Exception:  # noqa: BLE001 - stopping a bot that failed to start: best effort
                    pass
                from handlers.telegram import TelegramBot

                self.telegram = TelegramBot(self.services)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=delay)
            except asyncio.TimeoutError:
                delay = min(delay * 2, 300)

    async def _sweep(self) -> None:
        """The reminder sweeper's ticks (bot.reminders.sweeper.tick) over the senders of the channels started so
        far (`services.senders`: the console's, then Telegram's and Zalo's once they run), skipped while a SQLite database cannot be
        written: SQLite would write its memory-mapped -shm file and the process would die of SIGBUS. Errors
        (a PostgreSQL restart, ...) are logged and the next tick tries again."""
        from bot.health import sqlite_unwritable
        from bot.reminders.sweeper import tick
        from handlers.common import reopen_if_readonly, warn_once_a_minute

        settings = self.services.settings
        while not self._stop.is_set():
            why = await asyncio.to_thread(sqlite_unwritable, settings.database_url)
            if why:
                warn_once_a_minute("sweeper", "reminders paused: %s", why)
            else:
                try:
                    sent = await tick(settings, senders=self.services.senders, config=self.services.reminders)
                    if sent:
                        log.info("sent %d reminder(s)", len(sent))
                except asyncio.CancelledError:
                    raise
                except Exception as e:  # keep the sweeper alive (database restarts, ...)
                    if not reopen_if_readonly(settings.database_url, e):
                        log.exception("reminder sweep failed")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.sweeper_interval_s)
            except asyncio.TimeoutError:
                pass

    async def _watch_builds(self) -> None:
        """Reload when another build is in place (a build by any process sharing the data folder,
        /admin_reindex included): checked every HOCTAP_RELOAD_INTERVAL_S seconds (default 3), loaded
        in a thread while questions are answered from the old snapshot."""
        interval = max(0.2, float(self.cfg.reload_interval_s))
        reload = getattr(self.services.assistant, "maybe_reload", None)
        if reload is None:
            return
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=interval)
                return
            except asyncio.TimeoutError:
                pass
            try:
                if await loop.run_in_executor(None, reload):
                    log.info("new build loaded")
            except Exception:
                log.exception("checking for a new build failed")

    def _start_index_watch(self) -> None:
        """PostgreSQL: new index builds published by other replicas are fetched and loaded (bot.index_watch)."""
        from bot.index_publish import is_postgres
        from bot.index_watch import IndexWatcher

        reload = getattr(self.services.assistant, "maybe_reload", None)
        if reload is not None and is_postgres(self.services.settings.database_url):
            self.index_watcher = IndexWatcher(self.services.settings, reload).start()

    async def _housekeeping(self) -> None:
        while not self._stop.is_set():
            try:
                await self.services.db(self.services.prune_processed, 7)
                await self.services.db(self.services.prune_state)
            except OperationalError as e:  # the database is down: one line, the next round tries again
                from bot.assistant import database_problem

                log.warning("housekeeping skipped: %s", database_problem(e))
            except Exception:
                log.exception("housekeeping failed")
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=6 * 3600)
            except asyncio.TimeoutError:
                pass

    async def stop(self) -> None:
        self._stop.set()
        for t in self._tasks:
            if t.get_name() == "telegram-start" and not t.done():
                t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.index_watcher is not None:
            await asyncio.to_thread(self.index_watcher.stop)
        if self.telegram:
            try:
                await self.telegram.stop()
            except Exception:
                log.exception("stopping the Telegram bot")
        if self.zalo:
            await self.zalo.stop()
        if self.runner:
            await self.runner.cleanup()
        self.services.close()
