"""Search indexes published through PostgreSQL, for replicas that share the database but no disk.

- `publish(db_url, index_dir)`: after a build is swapped in, its files go into the database under its build id
  (`store.published`: parts of PART_BYTES, each with its SHA-256), it becomes the current build, builds older
  than the one it replaces are pruned, and `NOTIFY hoctap_index, '<build id>'` tells the replicas — all in one
  transaction, so a replica never sees half a build. The files uploaded through this replica (DATA/documents)
  are published with it: other replicas serve them (DATA/published-documents), and their builds keep those
  documents although the files are not on their disks (`published_document_ids`); a file leaving the uploads
  folder is unpublished first (`unpublish_document`). On SQLite: nothing (one process, one data folder).
- `sync(settings)`: when the database's current build is not the one in DATA/index, download it into a new
  DATA/index-… folder, verify every part's and every file's SHA-256 (`verify_index`), then `swap_in`: True when
  swapped. A build that does not verify raises IndexCorrupt and leaves DATA/index as it was.
- `publish_if_newer(settings)`: this replica's build is newer than the database's current one (or there is none:
  an index built before publishing existed, or a publish that failed): publish it.

`bot.index_watch` runs these in `serve` on LISTEN/NOTIFY, polling as a fallback.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from bot.search_index import IndexCorrupt, read_build_id, read_manifest, swap_in, verify_index
from store.db import get_engine
from store.published import DocumentFile, IndexBuild, IndexFile
from store.knowledge import Document

log = logging.getLogger(__name__)
CHANNEL = "hoctap_index"  # LISTEN/NOTIFY channel; the payload is the build id
PART_BYTES = 8 * 1024 * 1024  # a file is stored in parts of this size (PostgreSQL's bytea limit is 1 GB)
PUBLISHED_DOCUMENTS = "published-documents"  # DATA/published-documents: files uploaded through other replicas
FETCHING = ".fetching"  # suffix of the folder a build is downloaded into
_LOCK_KEY = "hoctap.index_publish:"
_sync_lock = threading.Lock()

_builds, _files, _docs = IndexBuild.__table__, IndexFile.__table__, DocumentFile.__table__


def is_postgres(db_url: str) -> bool:
    return db_url.startswith(("postgresql", "postgres:"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- publishing ----------------------------------------------------------------------------------------------------
def publish(db_url: str, index_dir: Path) -> str | None:
    """Publish the build in `index_dir` (DATA/index: the data folder is its parent). Returns its build id, or None
    on SQLite, without a manifest, when a newer build is already current, or when the database failed (logged:
    `serve` publishes it later, `publish_if_newer`)."""
    if not is_postgres(db_url):
        return None
    root = Path(index_dir).resolve()
    manifest = _manifest_of(root)
    if not manifest or not manifest.get("build_id"):
        return None
    try:
        return _publish(db_url, root, Path(index_dir).parent, manifest)
    except (SQLAlchemyError, OSError) as e:
        log.error("build %s not published (%s); serve publishes it later", manifest["build_id"], type(e).__name__)
        return None


def _manifest_of(root: Path) -> dict | None:
    try:
        return json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _publish(db_url: str, root: Path, data_dir: Path, manifest: dict) -> str | None:
    build_id = str(manifest["build_id"])
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k || coalesce(current_schema(), '')))"), {"k": _LOCK_KEY}
        )
        row = conn.execute(select(_builds.c.build_id, _builds.c.manifest).where(_builds.c.current)).first()
        current = row[0] if row else None
        if current == build_id:
            return build_id  # published already
        if row is not None and age(row[1]) > age(manifest):
            log.info("build %s not published: %s, newer, is current", build_id, current)
            return None
        if conn.execute(select(_builds.c.build_id).where(_builds.c.build_id == build_id)).first() is None:
            _write_build(conn, root, manifest)
        conn.execute(update(_builds).values(current=_builds.c.build_id == build_id))
        keep = [b for b in (build_id, current) if b is not None]  # this build and the one it replaces
        conn.execute(delete(_files).where(_files.c.build_id.not_in(keep)))
        conn.execute(delete(_builds).where(_builds.c.build_id.not_in(keep)))
        _publish_documents(conn, data_dir)
        conn.execute(text("SELECT pg_notify(:channel, :build)"), {"channel": CHANNEL, "build": build_id})
    log.info("build %s published", build_id)
    return build_id


def _write_build(conn, root: Path, manifest: dict) -> None:
    """The build's row, then every file of its manifest in parts (read one part at a time)."""
    files = manifest.get("files") or {}
    total = sum(int(f.get("size") or 0) for f in files.values())
    conn.execute(
        _builds.insert().values(build_id=str(manifest["build_id"]), manifest=manifest, total_bytes=total, current=False)
    )
    for rel in sorted(files):
        with open(root / rel, "rb") as fh:
            part = 0
            while True:
                data = fh.read(PART_BYTES)
                conn.execute(
                    _files.insert().values(
                        build_id=str(manifest["build_id"]),
                        path=rel,
                        part=part,
                        sha256=_sha256(data),
                        size=len(data),
                        data=data,
                    )
                )
                part += 1
                if len(data) < PART_BYTES:
                    break


def _publish_documents(conn, data_dir: Path) -> None:
    """The files of the documents uploaded through this replica (DATA/documents) whose content changed since they
    were published; the published files of documents no longer in the store go."""
    uploads = (data_dir / "documents").resolve()
    docs = dict(conn.execute(select(Document.id, Document.file_name)).all())
    hashes = dict(conn.execute(select(Document.id, Document.content_hash)).all())
    published = dict(conn.execute(select(_docs.c.document_id, _docs.c.content_hash)).all())
    conn.execute(delete(_docs).where(_docs.c.document_id.not_in(list(docs))))
    for doc_id, file_name in docs.items():
        path = Path(file_name)
        if published.get(doc_id) == hashes[doc_id] or not path.is_file() or not path.resolve().is_relative_to(uploads):
            continue
        data = path.read_bytes()
        conn.execute(delete(_docs).where(_docs.c.document_id == doc_id))
        conn.execute(
            _docs.insert().values(
                document_id=doc_id,
                file_name=path.name,
                content_hash=hashes[doc_id],
                sha256=_sha256(data),
                size=len(data),
                data=data,
            )
        )


def age(manifest: dict | None) -> tuple[float, str]:
    """What orders builds: the time it was built (to the microsecond), then its build id."""
    m = manifest or {}
    try:
        built = float(m.get("built_at") or 0)
    except (TypeError, ValueError):
        built = 0.0
    return built, str(m.get("build_id") or "")


def published_document_ids(db_url: str) -> set[str]:
    """The documents whose uploaded file is published (uploaded through this replica or another); empty on SQLite.
    A build keeps these documents even when their file is not on this replica's disk."""
    if not is_postgres(db_url):
        return set()
    with get_engine(db_url).connect() as conn:
        return set(conn.execute(select(_docs.c.document_id)).scalars())


def unpublish_document(db_url: str, doc_id: str) -> None:
    """The document's file leaves the uploads folder (removed, replaced, undone): its published copy goes first, so
    the next build lets the document go (and a replaced file is published again with that build)."""
    if is_postgres(db_url):
        with get_engine(db_url).begin() as conn:
            conn.execute(delete(_docs).where(_docs.c.document_id == doc_id))


def current_build(db_url: str) -> tuple[str, dict] | None:
    """(build id, manifest) of the database's current build, None when none was published (or on SQLite)."""
    if not is_postgres(db_url):
        return None
    with get_engine(db_url).connect() as conn:
        row = conn.execute(select(_builds.c.build_id, _builds.c.manifest).where(_builds.c.current)).first()
    return (row[0], row[1]) if row else None


def publish_if_newer(settings) -> str | None:
    """Publish this replica's build when it is newer than the database's current one (or none is current)."""
    if not is_postgres(settings.database_url):
        return None
    local = read_manifest(settings.data_dir)
    if not local or not local.get("build_id") or verify_index(settings.data_dir / "index") is not None:
        return None
    cur = current_build(settings.database_url)
    if cur is not None and (cur[0] == local["build_id"] or age(cur[1]) > age(local)):
        return None
    return publish(settings.database_url, settings.data_dir / "index")


# -- fetching -----------------------------------------------------------------------------------------------------
@contextmanager
def _data_dir_lock(data_dir: Path):
    """One sync at a time per data folder (threads of this process, and processes sharing the folder)."""
    with _sync_lock:
        fd = os.open(data_dir / ".index-sync.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def sync(settings) -> bool:
    """Bring DATA/index to the database's current build (see the module's docstring). True when swapped in."""
    if not is_postgres(settings.database_url):
        return False
    cur = current_build(settings.database_url)
    if not _wanted(settings.data_dir, cur):
        return False
    data_dir = Path(settings.data_dir)
    with _data_dir_lock(data_dir):
        if cur[0] == read_build_id(data_dir):  # another process sharing the folder fetched it meanwhile
            return False
        t0 = time.perf_counter()
        dest = data_dir / f"index-{int(time.time() * 1000)}-{cur[0][-12:]}"
        fetching = dest.with_name(dest.name + FETCHING)  # complete and verified before it takes its name
        try:
            _download(settings.database_url, cur[0], cur[1], fetching)
            os.rename(fetching, dest)
        except BaseException:
            shutil.rmtree(fetching, ignore_errors=True)
            raise
        swap_in(data_dir, dest)
    sync_documents(settings)
    log.info("build %s fetched from the database in %.1f s", cur[0], time.perf_counter() - t0)
    return True


def building_here(data_dir: Path, recent_s: float = 600.0) -> bool:
    """A build is writing a new DATA/index-… folder (no manifest yet, written to in the last `recent_s`)."""
    current = Path(data_dir) / "index"
    keep = {current.resolve().name if current.exists() else None}
    now = time.time()
    for d in Path(data_dir).glob("index-*"):
        try:
            if (
                d.name not in keep
                and not d.name.endswith(FETCHING)
                and d.is_dir()
                and not (d / "manifest.json").exists()
            ):
                if now - max([d.stat().st_mtime] + [f.stat().st_mtime for f in d.iterdir()]) < recent_s:
                    return True
        except OSError:  # removed meanwhile
            continue
    return False


def _wanted(data_dir: Path, cur: tuple[str, dict] | None) -> bool:
    """The database's current build should replace DATA/index: it is another build, and DATA/index does not
    hold a newer one of this replica's own that verifies (`publish_if_newer` publishes that one)."""
    if cur is None or cur[0] == read_build_id(data_dir) or building_here(data_dir):
        return False  # (a build running here publishes when done; swapping in now would remove its folder)
    local = read_manifest(data_dir)
    return not (local and age(local) > age(cur[1]) and verify_index(Path(data_dir) / "index") is None)


def _download(db_url: str, build_id: str, manifest: dict, dest: Path) -> None:
    """Every part of the build into `dest` (checked part by part), then its manifest; the whole verified."""
    if str(manifest.get("build_id")) != build_id:
        raise IndexCorrupt(f"manifest của bản {build_id} ghi mã bản {manifest.get('build_id')}")
    dest.mkdir(parents=True)
    with get_engine(db_url).connect() as conn:
        parts = conn.execute(
            select(_files.c.path, _files.c.part, _files.c.sha256)
            .where(_files.c.build_id == build_id)
            .order_by(_files.c.path, _files.c.part)
        ).all()
        for rel, part, want in parts:
            target = (dest / rel).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise IndexCorrupt(f"tệp {rel} nằm ngoài thư mục chỉ mục")
            data = conn.execute(
                select(_files.c.data).where(_files.c.build_id == build_id, _files.c.path == rel, _files.c.part == part)
            ).scalar_one()
            if _sha256(data) != want:
                raise IndexCorrupt(f"tệp {rel} phần {part} sai mã kiểm tra SHA-256")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "ab" if part else "wb") as fh:
                fh.write(data)
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    problem = verify_index(dest)
    if problem is not None:
        raise IndexCorrupt(problem)


def sync_documents(settings) -> int:
    """The published files of documents uploaded through other replicas, into DATA/published-documents (written
    when missing or different, removed when no longer published). Returns how many were written."""
    if not is_postgres(settings.database_url):
        return 0
    folder = Path(settings.data_dir) / PUBLISHED_DOCUMENTS
    folder.mkdir(parents=True, exist_ok=True)
    known_path = folder / ".sha256.json"
    try:
        known = json.loads(known_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    written = 0
    with get_engine(settings.database_url).connect() as conn:
        rows = dict(conn.execute(select(_docs.c.file_name, _docs.c.sha256)).all())
        for name, sha in rows.items():
            path = folder / Path(name).name
            if known.get(path.name) == sha and path.is_file():
                continue
            data = conn.execute(select(_docs.c.data).where(_docs.c.file_name == name)).scalar_one()
            if _sha256(data) != sha:
                log.error("published file %s does not match its SHA-256: not written", name)
                continue
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            known[path.name] = sha
            written += 1
    for name in [n for n in known if n not in {Path(r).name for r in rows}]:
        (folder / name).unlink(missing_ok=True)
        known.pop(name)
    tmp = known_path.with_name(".sha256.json.tmp")
    tmp.write_text(json.dumps(known), encoding="utf-8")
    os.replace(tmp, known_path)
    return written


def published_document(data_dir: Path, name: str) -> Path | None:
    """The file named `name` uploaded through another replica, as fetched by `sync_documents` (None if absent)."""
    path = Path(data_dir) / PUBLISHED_DOCUMENTS / Path(name).name
    return path if path.is_file() else None
