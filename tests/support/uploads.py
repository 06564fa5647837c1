"""Helpers shared by the upload tests (no tests here): a small store of its own (a knowledge folder copied to a
temporary folder, so the repository's knowledge/ is never written), lexical search only (fast rebuilds), and a
Telegram Bot API stand-in that also serves files (getFile and /file/bot<token>/<path>)."""

from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path

from aiohttp import web

from tests.support.channels import BotApiStandIn

ROOT = Path(__file__).resolve().parents[2]
KN = ROOT / "knowledge"
DATA = ROOT / "tests" / "data"
LAMDONG_MD = DATA / "lamdong-2026-bao-cao-xhht.md"


def make_store(tmp: Path, docs=("daknong-2021-3597-ubnd-kgvx.txt", "bgddt-2017-162-gdtx.txt")):
    """Settings for a fresh store built from a copy of a few seed documents (and the lexicon files)."""
    from bot.config import load_settings
    from indexer.build import build

    kdir = tmp / "knowledge"
    kdir.mkdir(parents=True)
    for p in KN.iterdir():
        if p.suffix == ".json" or p.name in docs:
            shutil.copy(p, kdir / p.name)
    settings = load_settings(tmp / "data")
    settings.database_url = f"sqlite:///{tmp / 'data' / 'hoctap.sqlite3'}"
    settings.embedding_model = str(tmp / "no-model")  # lexical search only: rebuilds in a second or two
    settings.knowledge_dir = kdir
    rep = build(settings, [kdir])
    assert not rep.errors and len(rep.indexed) == len(docs)
    return settings


def lamdong_text(deadline: str = "10/01/2027") -> str:
    from indexer.normalize import normalize_text

    t = normalize_text(LAMDONG_MD.read_text(encoding="utf-8"))
    return t.replace("10/01/2027", deadline)


def lamdong_docx(path: Path, deadline: str = "10/01/2027") -> Path:
    import docx

    d = docx.Document()
    for para in lamdong_text(deadline).split("\n"):
        d.add_paragraph(para)
    d.save(str(path))
    return path


class FileServingStandIn(BotApiStandIn):
    """The Bot API stand-in plus getFile and file downloads, for documents sent to the bot."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.files: dict[str, tuple[str, bytes]] = {}
        self.downloads: list[str] = []
        self._fids = itertools.count(1)

    async def start(self) -> "FileServingStandIn":
        from tests.support.channels import _start_site

        app = web.Application()
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self.runner, self.url = await _start_site(app)
        return self

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "getFile" and request.match_info["token"] == self.token:
            params = await request.json() if request.content_type == "application/json" else dict(await request.post())
            fid = str(params.get("file_id"))
            from tests.support.channels import Call

            self.calls.append(Call("getFile", params))
            if fid not in self.files:
                return web.json_response(
                    {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, status=400
                )
            name, data = self.files[fid]
            return self._ok(
                {
                    "file_id": fid,
                    "file_unique_id": "u" + fid,
                    "file_size": len(data),
                    "file_path": f"documents/{fid}-{name}",
                }
            )
        return await self._handle(request)

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        fid = path.split("/", 1)[-1].split("-", 1)[0]
        if fid not in self.files:
            return web.Response(status=404)
        self.downloads.append(path)
        return web.Response(body=self.files[fid][1])

    def document(
        self,
        chat_id: int,
        name: str,
        data: bytes,
        *,
        caption: str | None = None,
        size: int | None = None,
        user_id: int | None = None,
    ) -> dict:
        fid = f"F{next(self._fids)}"
        self.files[fid] = (name, data)
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Cán bộ"}
        msg = {
            "message_id": next(self._msg_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": user,
            "document": {
                "file_id": fid,
                "file_unique_id": "u" + fid,
                "file_name": name,
                "file_size": size if size is not None else len(data),
            },
        }
        if caption:
            msg["caption"] = caption
        return self.push({"message": msg})
