"""Health of a running assistant, as separate checks (for `GET /healthz` and the start-up log).

Each check looks at the live state, not at what was true at start, so a repaired fault turns the
report back to ok without a restart:

- `database`  — a fresh connection answers `SELECT 1`; for SQLite the database file and its folder
                 are writable (the WAL and the query log need both).
- `store`     — the documents the assistant answers from: loaded, and as many as the database holds.
- `lexical`   — the BM25 index on disk (DATA/index → manifest, chunk ids, bm25 files) is loaded and
                 covers only chunks of the store.
- `dense`     — the FAISS index exists on disk and in memory with one vector per chunk.
- `model`     — the embedding model is loaded (the assistant loads it only when it is the one the
                 index was built with) and encodes a probe query (cached for a minute).

`check(assistant)` first lets the assistant pick up an index that changed on disk (`maybe_reload`),
so restoring or rebuilding the index is seen at once. It never raises: a check that fails says why
(an exception's type and message, never a secret — database URLs are reported without password).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CHECKS = ("database", "store", "reminders", "lexical", "dense", "model")
_PROBE_TTL_S = 60.0


@dataclass
class Check:
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail}


@dataclass
class Health:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [k for k, c in self.checks.items() if not c.ok]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checks": {k: c.to_dict() for k, c in self.checks.items()}}


def _why(e: BaseException) -> str:
    """Type and first line of an error, with any credentials of a URL in it blanked out."""
    import re

    msg = str(e).splitlines()[0][:200] if str(e) else ""
    msg = re.sub(r"://[^@/\s]*@", "://***@", msg)
    msg = re.sub(r"(password\s*=\s*)\S+", r"\1***", msg, flags=re.I)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:"):
        return None
    return Path(path.split("?", 1)[0])


_writable_lock = threading.Lock()
_writable_cache: dict[str, tuple[float, str | None]] = {}
MIN_FREE_BYTES = 5 * 1024 * 1024


def sqlite_unwritable(db_url: str, *, max_age_s: float = 1.0) -> str | None:
    """For a SQLite database: why it cannot be written now (file, WAL, shared-memory file or folder not
    writable, disk nearly full), else None; always None for other databases. Checked with access()
    and statvfs(), never by touching the database: SQLite maps its `-shm` file into memory, and a write
    to that mapping on a file that cannot grow or be written kills the process with SIGBUS instead of
    raising an error. Cached for `max_age_s`."""
    path = _sqlite_path(db_url)
    if path is None:
        return None
    now = time.monotonic()
    with _writable_lock:
        hit = _writable_cache.get(db_url)
        if hit and now - hit[0] < max_age_s:
            return hit[1]
    why = None
    if not path.exists():
        why = f"không thấy tệp cơ sở dữ liệu {path.name}"
    elif _replaced(db_url, path):
        why = (
            f"tệp cơ sở dữ liệu {path.name} đã bị thay bằng tệp khác trong khi chạy (dữ liệu ghi lúc này sẽ mất): "
            "khởi động lại `serve` để dùng tệp mới"
        )
    else:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), path.parent):
            if (p is path.parent or p.exists()) and not os.access(p, os.W_OK):
                why = f"{'thư mục' if p is path.parent else 'tệp'} cơ sở dữ liệu không ghi được ({p.name or p})"
                break
        if why is None:
            try:
                free = shutil.disk_usage(path.parent).free
                if free < MIN_FREE_BYTES:
                    why = f"đĩa gần đầy ({free // 1024} KB trống)"
            except OSError as e:
                why = "không đọc được dung lượng đĩa (" + _why(e) + ")"
    with _writable_lock:
        _writable_cache[db_url] = (now, why)
    return why


def _replaced(db_url: str, path: Path) -> bool:
    """The file at the database's path is not the one this process's connections opened."""
    from store.engine import opened_identity

    ident = opened_identity(db_url)
    if ident is None:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    return (st.st_dev, st.st_ino) != ident


def check_database(db_url: str) -> Check:
    from sqlalchemy import text

    from store.db import get_engine

    why = sqlite_unwritable(db_url, max_age_s=0)
    if why:  # not queried: see sqlite_unwritable
        return Check(False, why)
    try:
        eng = get_engine(db_url)
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure is the check's answer
        return Check(False, "không kết nối được cơ sở dữ liệu (" + _why(e) + ")")
    return Check(True, "sqlite" if _sqlite_path(db_url) else db_url.split(":", 1)[0].split("+", 1)[0])


def check_store(assistant) -> Check:
    from sqlalchemy import func, select

    from store.db import session_scope
    from store.knowledge import Document

    kb = getattr(assistant, "kb", None)
    if kb is None:
        why = getattr(assistant, "load_error", None)
        return Check(False, "kho văn bản chưa được nạp" + (f" ({why}); đang thử lại" if why else ""))
    if sqlite_unwritable(assistant.db_url):
        return Check(bool(kb.docs), f"{len(kb.docs)} văn bản trong bộ nhớ (cơ sở dữ liệu không dùng được lúc này)")
    try:
        with session_scope(assistant.db_url) as s:
            n = s.scalar(select(func.count()).select_from(Document)) or 0
    except Exception as e:  # noqa: BLE001 - any failure is the check's answer
        return Check(False, "không đọc được kho văn bản (" + _why(e) + ")")
    if n == 0 or not kb.docs:
        return Check(False, "chưa có văn bản nào (chạy `python -m indexer build`)")
    if n != len(kb.docs):
        return Check(False, f"kho có {n} văn bản, bộ nhớ có {len(kb.docs)}: cần nạp lại")
    return Check(True, f"{n} văn bản, {len(kb.chunks)} đoạn")


def _manifest(data_dir: Path) -> tuple[dict | None, str]:
    root = data_dir / "index"
    try:
        return json.loads((root / "manifest.json").read_text(encoding="utf-8")), ""
    except FileNotFoundError:
        return None, "không có chỉ mục tìm kiếm (chạy `python -m indexer build`)"
    except (OSError, ValueError) as e:
        return None, "manifest.json hỏng (" + _why(e) + ")"


def check_lexical(assistant, manifest: dict | None, problem: str) -> Check:
    if manifest is None:
        return Check(False, problem)
    root = assistant.settings.data_dir / "index"
    if not (root / "chunk_ids.npy").is_file() or not (root / "bm25").is_dir():
        return Check(False, "tệp chỉ mục từ khóa bị thiếu")
    r = getattr(assistant, "retriever", None)
    if r is None:
        return Check(False, "chỉ mục từ khóa chưa được nạp")
    kb = assistant.kb
    missing = sum(1 for cid in r.chunk_ids if kb is None or cid not in kb.chunks)
    if missing:
        return Check(False, f"chỉ mục và kho văn bản lệch nhau ({missing} đoạn không có trong kho)")
    if manifest.get("chunks") is not None and int(manifest["chunks"]) != len(r.chunk_ids):
        return Check(False, "chỉ mục trên đĩa khác chỉ mục đang dùng")
    if manifest.get("store") and not sqlite_unwritable(assistant.db_url):
        try:
            same = manifest["store"] == _db_fingerprint(assistant.db_url)
        except Exception as e:  # noqa: BLE001 - any failure is the check's answer
            return Check(False, "không so được chỉ mục với kho (" + _why(e) + ")")
        if not same:
            return Check(
                False,
                "chỉ mục không khớp kho văn bản (lần lập chỉ mục trước bị ngắt?): chạy lại `python -m indexer build`",
            )
    return Check(True, f"{len(r.chunk_ids)} đoạn")


def check_dense(assistant, manifest: dict | None) -> Check:
    if manifest is None:
        return Check(False, "không có chỉ mục tìm kiếm")
    if not manifest.get("dense"):
        return Check(False, "chỉ mục được lập không có vector (mô hình không nạp được lúc lập chỉ mục)")
    if not (assistant.settings.data_dir / "index" / "dense.faiss").is_file():
        return Check(False, "thiếu tệp dense.faiss")
    r = getattr(assistant, "retriever", None)
    fi = getattr(getattr(r, "index", None), "faiss_index", None)
    if fi is None:
        return Check(False, "chỉ mục vector chưa được nạp")
    if int(fi.ntotal) != len(r.chunk_ids):
        return Check(False, f"chỉ mục vector có {fi.ntotal} vector cho {len(r.chunk_ids)} đoạn")
    return Check(True, f"{fi.ntotal} vector")


_probe_lock = threading.Lock()
_probe: dict[int, tuple[float, Check]] = {}


def check_model(assistant, manifest: dict | None) -> Check:
    r = getattr(assistant, "retriever", None)
    emb = getattr(r, "embedder", None)
    if emb is None:
        want = (manifest or {}).get("model_id") or (manifest or {}).get("model")
        return Check(
            False,
            "mô hình nhúng chưa được nạp hoặc khác mô hình của chỉ mục"
            + (f" ({want})" if want else "")
            + ": chỉ tìm theo từ khóa",
        )
    now = time.monotonic()
    with _probe_lock:
        cached = _probe.get(id(emb))
        if cached and now - cached[0] < _PROBE_TTL_S:
            return cached[1]
        try:
            v = emb.encode_queries(["kiểm tra"])
            res = (
                Check(True, getattr(emb, "name", ""))
                if len(v) == 1 and v.shape[-1] == emb.dim
                else Check(False, "mô hình trả về vector sai kích thước")
            )
        except Exception as e:  # noqa: BLE001 - any failure is the check's answer
            res = Check(False, "mô hình không mã hóa được (" + _why(e) + ")")
        _probe.clear()
        _probe[id(emb)] = (now, res)
    return res


def check_reminders(db_url: str) -> Check:
    """The outbox and the recipients that refused delivery in the last 7 days (an e-mail address the server
    rejects, a chat that blocked the bot). Always ok: a database that cannot be read is the `database` check's
    failure, a refused recipient is that recipient's — named here so an admin can fix the address."""
    try:
        return Check(True, _outbox_summary(db_url))
    except Exception as e:  # noqa: BLE001 - reported by the database check; said here too
        return Check(True, "không đọc được hàng đợi nhắc hạn (" + _why(e) + ")")


def _reminders_unless_down(h: Health, db_url: str) -> Check:
    """The outbox, unless the database check has just failed: a database that does not answer would hold the
    check (and a degraded start) another connect timeout to say what the database check said."""
    db = h.checks.get("database")
    if db is not None and not db.ok:
        return Check(True, "chưa đọc được hàng đợi nhắc hạn: cơ sở dữ liệu không trả lời")
    return check_reminders(db_url)


def _outbox_summary(db_url: str, max_named: int = 5) -> str:
    from sqlalchemy import func, select

    from store.channels import DeliveryFailure
    from store.db import session_scope
    from store.reminders import FAILED, PENDING, Reminder, utcnow

    since = utcnow() - dt.timedelta(days=7)
    with session_scope(db_url) as s:
        count = select(func.count()).select_from(Reminder)
        pending = s.scalar(count.where(Reminder.status == PENDING)) or 0
        failed = s.scalar(count.where(Reminder.status == FAILED, Reminder.claimed_at >= since)) or 0
        refused = s.execute(
            select(DeliveryFailure.channel, DeliveryFailure.chat_id, DeliveryFailure.error)
            .where(DeliveryFailure.created_at >= since)
            .order_by(DeliveryFailure.id.desc())
            .limit(50)
        ).all()
    detail = f"{pending} nhắc hạn đang chờ gửi; {failed} không gửi được trong 7 ngày qua"
    names = list(dict.fromkeys(f"{c}:{who} ({err[:80]})" for c, who, err in refused))
    if names:
        more = f" và {len(names) - max_named} nơi khác" if len(names) > max_named else ""
        detail += "; bị từ chối: " + "; ".join(names[:max_named]) + more
    return detail


def check(assistant) -> Health:
    """Every check, after letting the assistant reload an index that changed on disk. Never raises."""
    h = Health()
    reload_error = None
    try:
        assistant.maybe_reload()
    except Exception as e:  # noqa: BLE001 - a corrupt index is reported, the old one keeps answering
        reload_error = "không nạp được chỉ mục (" + _why(e) + ")"
    for name, fn in (
        ("database", lambda: check_database(assistant.db_url)),
        ("store", lambda: check_store(assistant)),
        ("reminders", lambda: _reminders_unless_down(h, assistant.db_url)),
    ):
        try:
            h.checks[name] = fn()
        except Exception as e:  # noqa: BLE001 - one failing check must not hide the others
            h.checks[name] = Check(False, _why(e))
    manifest, problem = _manifest(assistant.settings.data_dir)
    for name, fn in (
        ("lexical", lambda: check_lexical(assistant, manifest, problem)),
        ("dense", lambda: check_dense(assistant, manifest)),
        ("model", lambda: check_model(assistant, manifest)),
    ):
        try:
            h.checks[name] = fn()
        except Exception as e:  # noqa: BLE001 - one failing check must not hide the others
            h.checks[name] = Check(False, _why(e))
    corrupt = _integrity(assistant)
    if corrupt:
        rel, detail = corrupt
        # dense.faiss is the dense index's alone, bm25/ the lexical's; the manifest and chunk ids are both's
        for name in {"dense.faiss": ("dense",), "bm25": ("lexical",)}.get(rel.split("/")[0], ("lexical", "dense")):
            h.checks[name] = Check(False, detail)
    if reload_error:
        for name in ("lexical", "dense"):
            c = h.checks[name]
            h.checks[name] = Check(False, reload_error + ("; " + c.detail if not c.ok else ""))
    return h


def _integrity(assistant) -> tuple[str, str] | None:
    """(the file, why the index on disk cannot be trusted and what answers meanwhile); None when it verifies."""
    from bot.search_index import index_problem

    root = assistant.settings.data_dir / "index"
    if not (root / "manifest.json").exists():
        return None  # no index at all: the checks say so
    bad = index_problem(root)
    if bad is None:
        return None
    r = getattr(assistant, "retriever", None)
    serving = (
        f"đang trả lời bằng bản lập chỉ mục {r.index.root.name} đã kiểm tra"
        if r is not None and getattr(r, "index", None) is not None
        else "chưa có chỉ mục nào dùng được"
    )
    return bad[0], f"chỉ mục trên đĩa hỏng ({bad[1]}); {serving}; chạy `python -m indexer build` để lập lại"


def store_fingerprint(hashes: dict[str, str]) -> str:
    """A short digest of the store's documents ({id: content hash}); the build writes it in the index
    manifest ("store"), so an index that does not match the store (a build killed between its database
    commit and the index swap) is seen — by the next build, which then rebuilds it, and by `lexical`."""
    import hashlib

    h = hashlib.sha256()
    for k in sorted(hashes):
        h.update(f"{k}\0{hashes[k]}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def _db_fingerprint(db_url: str) -> str:
    from sqlalchemy import select

    from store.db import session_scope
    from store.knowledge import Document

    with session_scope(db_url) as s:
        return store_fingerprint(dict(s.execute(select(Document.id, Document.content_hash)).all()))


def clean_stale_index_dirs(data_dir: str | os.PathLike, *, min_age_s: float = 600.0) -> list[str]:
    """Remove DATA/index-* folders (and .index-link-* links) that a killed build left behind: not the
    one DATA/index points at, and not touched for `min_age_s` (a running build may be writing one).
    Returns the names removed."""
    data_dir = Path(data_dir)
    link = data_dir / "index"
    try:
        current = link.resolve().name if link.exists() else None
    except OSError:
        current = None
    removed = []
    now = time.time()
    from bot.search_index import previous_build

    prev = previous_build(data_dir)
    keep = {current, prev.name if prev else None}
    for p in list(data_dir.glob("index-*")) + list(data_dir.glob(".index-link-*")):
        try:
            if p.name in keep:
                continue
            st = p.lstat()
            if now - st.st_mtime < min_age_s:
                continue
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir():
                newest = max((q.stat().st_mtime for q in p.rglob("*")), default=st.st_mtime)
                if now - newest < min_age_s:
                    continue
                shutil.rmtree(p)
            removed.append(p.name)
        except OSError as e:
            log.warning("could not remove the leftover %s: %s", p.name, e.strerror or type(e).__name__)
    if removed:
        log.warning("removed %d index folder(s) left by an interrupted build: %s", len(removed), ", ".join(removed))
    return removed
