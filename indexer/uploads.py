"""Adding, replacing and removing documents without a shell (Telegram admins, the web admin page).

A document is a file in the knowledge folder (its stem is the document id); the store is rebuilt from
that folder with `indexer.build.build` (unchanged documents are skipped by their content hash). This
module keeps the folder and the store in step and records every change in `document_events`:

- `add(name, data, actor)`: the file is read first in a staging folder (OCR for scans), so a file that
  cannot be read is refused by name and nothing in the knowledge folder changes; then it is stored under
  a new id (the file name made safe; "-2", "-3", … when the id is taken) and indexed.
- `replace(doc_id, name, data, actor)` / `replace_with(doc_id, new_id, actor)`: the new content takes the
  old id (deadline ids, and so reminders, follow the document); the old file is kept in the history
  folder (DATA/knowledge-history/).
- `remove(doc_id, actor)`: the file moves to the history folder and the document leaves the store.
- `undo(event_id, actor)`: puts back what an addition, replacement or removal changed.

One change at a time (a lock); `progress(text)` is called with short Vietnamese progress messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from bot.config import Settings
from store.db import session_scope
from store.knowledge import Chunk, ChunkPage, Criterion, Deadline, Document, DocumentEvent, Responsibility, Target
from vntext import fold
from vntext.controls import escape_controls, has_controls
from indexer.loaders import MAX_BYTES, PAGE_PROGRESS, SUPPORTED, DocumentError

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

_LOCK = threading.Lock()

# Announcing a change that created deadlines: hook(database URL, outcome, today or None) → [(channel, chat id,
# message)]. The indexer knows no subscriber; the reminders register theirs at start-up
# (`bot.reminders.announce.register`, called by the channels' services).
NewDeadlineHook = Callable[[str, "Outcome", "dt.date | None"], list[tuple[str, str, object]]]
_NEW_DEADLINE_HOOKS: list[NewDeadlineHook] = []


def on_new_deadlines(hook: NewDeadlineHook) -> NewDeadlineHook:
    """Register `hook` to announce the deadlines a change created (once: registering it again does nothing)."""
    if hook not in _NEW_DEADLINE_HOOKS:
        _NEW_DEADLINE_HOOKS.append(hook)
    return hook


class UploadError(Exception):
    """A change that cannot be made; the message is for the admin (Vietnamese)."""


@dataclass
class Summary:
    doc_id: str
    label: str = ""
    issuer: str | None = None
    date: str | None = None
    subject: str | None = None
    file_name: str = ""
    deadlines: int = 0
    responsibilities: int = 0
    targets: int = 0
    criteria: int = 0
    chunks: int = 0
    pages: int = 0

    def lines(self) -> list[str]:
        out = [
            f"📄 {self.label}" + (f" — {self.issuer}" if self.issuer else "") + (f", {self.date}" if self.date else "")
        ]
        if self.subject:
            out.append(f"V/v: {self.subject[:200]}")
        out.append(
            f"Mã văn bản: {self.doc_id} ({Path(self.file_name).name}"
            + (f", {self.pages} trang" if self.pages else "")
            + ")"
        )
        out.append(
            f"Hạn báo cáo: {self.deadlines} · Nhiệm vụ: {self.responsibilities} · Chỉ tiêu: {self.targets}"
            f" · Tiêu chí: {self.criteria} · Đoạn: {self.chunks}"
        )
        return out


@dataclass
class Outcome:
    action: str  # added | replaced | removed | restored
    doc_id: str
    event_id: int | None = None
    summary: Summary | None = None
    similar: list[tuple[str, str]] = field(default_factory=list)  # (doc id, label) of documents it may replace
    seconds: float = 0.0
    new_deadlines: list[str] = field(default_factory=list)  # deadline ids the change created


PENDING = "pending"  # an addition recorded before its file is placed, settled when it ends (or at the next start)
ROLLED_BACK = "rolled-back"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_stem(name: str) -> str:
    """A file name → a document id: ASCII letters, digits and hyphens ('Công văn 3597.pdf' → 'cong-van-3597')."""
    stem = Path(name or "").stem
    s = fold(stem).replace("đ", "d")
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:80].strip("-") or "van-ban"


def file_name_problem(name: str) -> str | None:
    """Why an uploaded file's name cannot be taken (control or bidi characters, too long), else None."""
    try:
        (name or "").encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 (kept by the multipart reader as lone surrogates)
        return "Tên tệp không phải chữ UTF-8 hợp lệ. Hãy đổi tên tệp rồi gửi lại."
    if has_controls(name or ""):
        return f"Tên tệp «{escape_controls(name)}» có ký tự điều khiển (NUL, ESC, đảo chiều chữ…). Hãy đổi tên tệp rồi gửi lại."
    if len(name or "") > 255:
        return "Tên tệp quá dài (tối đa 255 ký tự). Hãy đổi tên tệp rồi gửi lại."
    return None


class DocumentLibrary:
    def __init__(self, settings: Settings, knowledge_dir: Path | None = None):
        self.settings = settings
        self.knowledge_dir = Path(knowledge_dir or settings.knowledge_dir)  # the seeds (the code checkout's)
        self.documents_dir = settings.data_dir / "documents"  # uploads live in the data folder
        self.history_dir = settings.data_dir / "knowledge-history"
        self.db_url = settings.database_url

    # -- reading -----------------------------------------------------------------------------------------
    @property
    def folders(self) -> list[Path]:
        """Where documents are read from: the seeds' folder, then the uploads' (DATA/documents)."""
        return [d for d in (self.knowledge_dir, self.documents_dir) if d.is_dir()]

    def files_of(self, doc_id: str) -> list[Path]:
        return sorted(
            p
            for d in self.folders
            for p in d.iterdir()
            if p.is_file() and p.stem == doc_id and p.suffix.lower() in SUPPORTED
        )

    def summary(self, doc_id: str) -> Summary | None:
        with session_scope(self.db_url) as s:
            d = s.get(Document, doc_id)
            if d is None:
                return None

            def count(model) -> int:
                return s.scalar(select(func.count()).select_from(model).where(model.document_id == doc_id)) or 0

            from indexer.loaders import page_texts

            read = page_texts(d.file_name)  # the pages of the file as last read (PDFs and images)
            pages = (
                len(read)
                if read
                else (
                    s.scalar(
                        select(func.max(ChunkPage.page))
                        .join(Chunk, Chunk.id == ChunkPage.chunk_id)
                        .where(Chunk.document_id == doc_id)
                    )
                    or 0
                )
            )
            return Summary(
                doc_id=doc_id,
                label=d.label,
                issuer=d.issuer,
                date=d.date.strftime("%d/%m/%Y") if d.date else d.date_text,
                subject=d.subject,
                file_name=d.file_name,
                deadlines=count(Deadline),
                responsibilities=count(Responsibility),
                targets=count(Target),
                criteria=count(Criterion),
                chunks=count(Chunk),
                pages=pages,
            )

    def documents(self) -> list[dict]:
        """Every document: what the store holds and whether its file is in the knowledge folder."""
        out = []
        with session_scope(self.db_url) as s:
            docs = list(s.scalars(select(Document).order_by(Document.id)))
            counts = {
                m.__tablename__: dict(s.execute(select(m.document_id, func.count()).group_by(m.document_id)).all())
                for m in (Deadline, Responsibility, Target, Chunk)
            }
            last = {}
            for ev in s.scalars(select(DocumentEvent).order_by(DocumentEvent.id)):
                last[ev.document_id] = ev
            for d in docs:
                ev = last.get(d.id)
                out.append(
                    {
                        "id": d.id,
                        "label": d.label,
                        "issuer": d.issuer,
                        "date": d.date.isoformat() if d.date else d.date_text,
                        "file": Path(d.file_name).name,
                        "in_folder": Path(d.file_name).exists(),
                        "deadlines": counts["deadlines"].get(d.id, 0),
                        "responsibilities": counts["responsibilities"].get(d.id, 0),
                        "targets": counts["targets"].get(d.id, 0),
                        "chunks": counts["chunks"].get(d.id, 0),
                        "last_change": (f"{ev.action} {ev.created_at:%d/%m/%Y %H:%M} UTC ({ev.actor})" if ev else ""),
                    }
                )
        return out

    def history(self, doc_id: str | None = None, limit: int = 200) -> list[DocumentEvent]:
        with session_scope(self.db_url) as s:
            q = select(DocumentEvent).order_by(DocumentEvent.id.desc()).limit(limit)
            if doc_id:
                q = q.where(DocumentEvent.document_id == doc_id)
            return list(s.scalars(q))

    def event(self, event_id: int) -> DocumentEvent | None:
        with session_scope(self.db_url) as s:
            return s.get(DocumentEvent, event_id)

    def similar(self, doc_id: str) -> list[tuple[str, str]]:
        """Other documents with the same number (or the same type, issuer and date): candidates to replace."""
        with session_scope(self.db_url) as s:
            d = s.get(Document, doc_id)
            if d is None:
                return []
            out = []
            for o in s.scalars(select(Document).where(Document.id != doc_id)):
                same_number = (
                    d.number
                    and o.number
                    and d.number.lower() == o.number.lower()
                    and "/" in d.number
                    and not d.number.startswith("/")
                )
                same_doc = (
                    d.doc_type
                    and d.doc_type == o.doc_type
                    and d.issuer
                    and d.issuer == o.issuer
                    and d.date
                    and d.date == o.date
                )
                if same_number or same_doc:
                    out.append((o.id, o.label))
            return out

    def deadline_ids(self, doc_id: str) -> set[str]:
        with session_scope(self.db_url) as s:
            return set(s.scalars(select(Deadline.id).where(Deadline.document_id == doc_id)))

    def new_deadline_notices(self, outcome: "Outcome", today: dt.date | None = None) -> list[tuple[str, str, object]]:
        """(channel, chat id, message) for everyone a deadline created by this change concerns, from the hooks
        registered with `on_new_deadlines` (the reminders register theirs at start-up); [] without one."""
        if not outcome.new_deadlines:
            return []
        return [notice for hook in list(_NEW_DEADLINE_HOOKS) for notice in hook(self.db_url, outcome, today)]

    # -- changing ----------------------------------------------------------------------------------------
    def _check_upload(self, name: str, data: bytes) -> str:
        problem = file_name_problem(name)
        if problem:
            raise UploadError(problem)
        suffix = Path(name or "").suffix.lower()
        if suffix not in SUPPORTED:
            raise UploadError(
                f"Định dạng «{suffix or '(không có đuôi)'}» của tệp «{name}» chưa được hỗ trợ. "
                f"Hãy gửi tệp {', '.join(SUPPORTED)}."
            )
        if not data:
            raise UploadError(f"Tệp «{name}» rỗng.")
        if len(data) > MAX_BYTES:
            raise UploadError(
                f"Tệp «{name}» quá lớn ({len(data) // 1024 // 1024} MB > {MAX_BYTES // 1024 // 1024} MB)."
            )
        return suffix

    def _read_staged(self, name: str, data: bytes, doc_id: str, suffix: str, progress: Progress | None) -> None:
        """Read the file in a staging folder: refuse it (UploadError, by name) before anything changes."""
        from bot.lexicon import load_lexicon
        from indexer.build import parse_text
        from indexer.isolated import read_isolated
        from indexer.normalize import normalize_text

        stage = Path(tempfile.mkdtemp(prefix="upload-", dir=self._stage_root()))
        try:
            f = stage / f"{doc_id}{suffix}"
            f.write_bytes(data)
            if progress:
                progress(
                    "🔎 Đang đọc văn bản"
                    + (
                        " (văn bản scan: nhận dạng chữ, có thể mất vài phút)…"
                        if suffix in (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
                        else "…"
                    )
                )

            def pages(done: int, total: int) -> None:
                if progress and (total <= 10 or done == total or done % max(1, total // 10) == 0):
                    progress(f"📄 Đã đọc {done}/{total} trang")

            token = PAGE_PROGRESS.set(pages)
            try:
                # read in a child process under memory and time limits: a file that costs too much fails alone
                text, _pages = read_isolated(f)
                parse_text(f.stem, f, normalize_text(text), load_lexicon())
            except DocumentError as e:
                raise UploadError(f"Không đọc được tệp «{name}»: {e.reason}") from None
            except Exception as e:
                log.exception("parsing an upload failed")
                raise UploadError(f"Không đọc được tệp «{name}» ({type(e).__name__}).") from None
            finally:
                PAGE_PROGRESS.reset(token)
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _stage_root(self) -> Path:
        d = self.settings.data_dir / "uploads"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def same_stem(self, name: str) -> str | None:
        """The id of a document an upload named `name` would collide with (its stem made safe), if any."""
        doc_id = safe_stem(name)
        return doc_id if self.files_of(doc_id) or self.summary(doc_id) is not None else None

    def _free_id(self, base: str) -> str:
        with session_scope(self.db_url) as s:
            taken = set(s.scalars(select(Document.id)))
        taken |= {p.stem for d in self.folders for p in d.iterdir()}
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def _to_history(self, path: Path) -> Path:
        from bot.index_publish import unpublish_document

        unpublish_document(self.db_url, path.stem)  # PostgreSQL: other replicas' builds let it go too
        self.history_dir.mkdir(parents=True, exist_ok=True)
        dest = self.history_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}-{path.name}"
        shutil.move(str(path), dest)
        return dest

    def _rebuild(self, doc_ids: list[str], progress: Progress | None):
        from indexer.build import build

        if progress:
            progress("⚙️ Đang lập chỉ mục…")
        rep = build(self.settings, self.folders)
        bad = [e for e in rep.errors if e.path.stem in doc_ids]
        if bad:
            raise UploadError("Lập chỉ mục không thành công: " + "; ".join(str(e) for e in bad))
        return rep

    def _record(self, doc_id: str, action: str, actor: str, file_name: str, digest: str, note: dict | None) -> int:
        with session_scope(self.db_url) as s:
            ev = DocumentEvent(
                document_id=doc_id,
                action=action,
                actor=actor[:200],
                file_name=file_name[:400],
                content_sha256=digest,
                note=json.dumps(note or {}, ensure_ascii=False),
            )
            s.add(ev)
            s.flush()
            return ev.id

    def _settle(self, event_id: int, action: str, extra: dict | None = None) -> None:
        """A pending addition's record becomes what happened to it ("added" or "rolled-back")."""
        with session_scope(self.db_url) as s:
            ev = s.get(DocumentEvent, event_id)
            ev.action = action
            if extra:
                ev.note = json.dumps(dict(json.loads(ev.note or "{}"), **extra), ensure_ascii=False)

    def recover(self) -> list[tuple[str, str]]:
        """At start: additions left pending by a killed process are finished (the build had committed the
        document) or rolled back (the file moved to the history folder). Returns [(doc_id, action)]."""
        done = []
        with session_scope(self.db_url) as s:
            pending = [
                (e.id, e.document_id, e.file_name)
                for e in s.scalars(select(DocumentEvent).where(DocumentEvent.action == PENDING))
            ]
        for event_id, doc_id, file_name in pending:
            path = self.documents_dir / file_name
            if not path.exists() and (self.knowledge_dir / file_name).exists():  # recorded before uploads moved
                path = self.knowledge_dir / file_name
            with session_scope(self.db_url) as s:
                d = s.get(Document, doc_id)
                stored = d is not None and Path(d.file_name).resolve() == path.resolve()
            if stored and path.exists():
                self._settle(event_id, "added", {"recovered": "finished at start"})
                done.append((doc_id, "added"))
                continue
            extra = {"recovered": "rolled back at start (the upload was interrupted)"}
            if path.exists():
                extra["history"] = str(self._to_history(path))
            self._settle(event_id, ROLLED_BACK, extra)
            done.append((doc_id, ROLLED_BACK))
        if done:
            log.warning("interrupted uploads settled at start: %s", ", ".join(f"{d} {a}" for d, a in done))
        return done

    def add(self, name: str, data: bytes, actor: str, progress: Progress | None = None) -> Outcome:
        t0 = time.perf_counter()
        suffix = self._check_upload(name, data)
        with _LOCK:
            self.documents_dir.mkdir(parents=True, exist_ok=True)
            doc_id = self._free_id(safe_stem(name))
            self._read_staged(name, data, doc_id, suffix, progress)
            dest = self.documents_dir / f"{doc_id}{suffix}"
            # recorded before the file is placed: a process killed from here on is finished or rolled back by
            # `recover` at the next start, never left in the folder unrecorded
            ev = self._record(doc_id, PENDING, actor, dest.name, sha256(data), {"original_name": name})
            dest.write_bytes(data)
            try:
                self._rebuild([doc_id], progress)
            except Exception:
                dest.unlink(missing_ok=True)  # nothing half-added stays behind
                self._settle(ev, ROLLED_BACK, {"reason": "indexing failed"})
                raise
            self._settle(ev, "added")
        return Outcome(
            "added",
            doc_id,
            ev,
            self.summary(doc_id),
            self.similar(doc_id),
            time.perf_counter() - t0,
            sorted(self.deadline_ids(doc_id)),
        )

    def replace(self, doc_id: str, name: str, data: bytes, actor: str, progress: Progress | None = None) -> Outcome:
        """The document `doc_id` now has this file's content (same id, so its reminders follow it)."""
        t0 = time.perf_counter()
        suffix = self._check_upload(name, data)
        with _LOCK:
            old = self.files_of(doc_id)
            if not old and self.summary(doc_id) is None:
                raise UploadError(f"Không có văn bản «{doc_id}» để thay thế.")
            self._read_staged(name, data, doc_id, suffix, progress)
            before = self.deadline_ids(doc_id)
            ev = self._swap_in(doc_id, data, suffix, old, actor, progress, note={"original_name": name})
        return Outcome(
            "replaced",
            doc_id,
            ev,
            self.summary(doc_id),
            [],
            time.perf_counter() - t0,
            sorted(self.deadline_ids(doc_id) - before),
        )

    def replace_with(self, doc_id: str, new_id: str, actor: str, progress: Progress | None = None) -> Outcome:
        """The document just added as `new_id` replaces `doc_id`: its file takes the old id."""
        t0 = time.perf_counter()
        with _LOCK:
            new_files = self.files_of(new_id)
            if not new_files:
                raise UploadError(f"Không tìm thấy văn bản mới «{new_id}».")
            old = self.files_of(doc_id)
            if not old and self.summary(doc_id) is None:
                raise UploadError(f"Không có văn bản «{doc_id}» để thay thế.")
            src = new_files[0]
            data = src.read_bytes()
            before = self.deadline_ids(doc_id) | self.deadline_ids(new_id)  # the new one's were announced
            moved = self._to_history(src)
            try:
                ev = self._swap_in(
                    doc_id,
                    data,
                    src.suffix.lower(),
                    old,
                    actor,
                    progress,
                    note={"from": new_id, "new_history": str(moved)},
                )
            except Exception:
                shutil.move(str(moved), src)
                raise
            # the short-lived id is gone from the store with the rebuild; its own history says where it went
            self._record(
                new_id, "removed", actor, src.name, sha256(data), {"merged_into": doc_id, "history": str(moved)}
            )
        return Outcome(
            "replaced",
            doc_id,
            ev,
            self.summary(doc_id),
            [],
            time.perf_counter() - t0,
            sorted(self.deadline_ids(doc_id) - before),
        )

    def _swap_in(self, doc_id, data, suffix, old: list[Path], actor, progress, note: dict) -> int:
        kept = [(p, self._to_history(p)) for p in old]
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        dest = self.documents_dir / f"{doc_id}{suffix}"
        dest.write_bytes(data)
        try:
            self._rebuild([doc_id], progress)
        except Exception:
            dest.unlink(missing_ok=True)
            for orig, moved in kept:
                shutil.move(str(moved), orig)
            raise
        note = dict(
            note,
            previous=[str(m) for _, m in kept],
            previous_names=[o.name for o, _ in kept],
            previous_dirs=[str(o.parent) for o, _ in kept],
        )
        return self._record(doc_id, "replaced", actor, dest.name, sha256(data), note)

    def remove(self, doc_id: str, actor: str, progress: Progress | None = None) -> Outcome:
        t0 = time.perf_counter()
        with _LOCK:
            files = self.files_of(doc_id)
            if not files:
                if self.summary(doc_id) is not None:
                    raise UploadError(
                        f"Tệp của văn bản «{doc_id}» không nằm trong thư mục văn bản "
                        f"({self.knowledge_dir}, {self.documents_dir}); không gỡ được từ đây."
                    )
                raise UploadError(f"Không có văn bản «{doc_id}».")
            digest = sha256(files[0].read_bytes())
            kept = [(p, self._to_history(p)) for p in files]
            try:
                self._rebuild([], progress)
            except Exception:
                for orig, moved in kept:
                    shutil.move(str(moved), orig)
                raise
            ev = self._record(
                doc_id,
                "removed",
                actor,
                files[0].name,
                digest,
                {
                    "history": [str(m) for _, m in kept],
                    "names": [o.name for o, _ in kept],
                    "dirs": [str(o.parent) for o, _ in kept],
                },
            )
        return Outcome("removed", doc_id, ev, None, [], time.perf_counter() - t0)

    def undo(self, event_id: int, actor: str, progress: Progress | None = None) -> Outcome:
        """Put back what event `event_id` changed (only the latest change of that document)."""
        t0 = time.perf_counter()
        with _LOCK:
            ev = self.event(event_id)
            if ev is None:
                raise UploadError("Không tìm thấy thay đổi này.")
            latest = self.history(ev.document_id, limit=1)
            if latest and latest[0].id != ev.id:
                raise UploadError(
                    f"Văn bản «{ev.document_id}» đã thay đổi sau đó; chỉ hoàn tác được thay đổi mới nhất."
                )
            note = json.loads(ev.note or "{}")
            doc_id = ev.document_id
            if ev.action == "added":
                files = self.files_of(doc_id)
                kept = [(p, self._to_history(p)) for p in files]
                self._rebuild([], progress)
                action, fname, digest = "removed", ev.file_name, ev.content_sha256
                extra = {"undo_of": ev.id, "history": [str(m) for _, m in kept]}
            elif ev.action in ("replaced", "removed"):
                prev = note.get("previous") if ev.action == "replaced" else note.get("history")
                names = note.get("previous_names") if ev.action == "replaced" else note.get("names")
                dirs = note.get("previous_dirs") if ev.action == "replaced" else note.get("dirs")
                if not prev:
                    raise UploadError("Không còn bản trước để khôi phục.")
                current = [(p, self._to_history(p)) for p in self.files_of(doc_id)]
                restored = []
                for i, (h, n) in enumerate(zip(prev, names or [Path(x).name.split("-", 3)[-1] for x in prev])):
                    hp = Path(h)
                    if not hp.exists():
                        for orig, moved in current:
                            shutil.move(str(moved), orig)
                        raise UploadError(f"Bản lưu {hp.name} không còn nữa.")
                    dest = (Path(dirs[i]) if dirs and i < len(dirs) else self.documents_dir) / n
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(hp, dest)
                    restored.append(dest)
                try:
                    self._rebuild([doc_id], progress)
                except Exception:
                    for d in restored:
                        d.unlink(missing_ok=True)
                    for orig, moved in current:
                        shutil.move(str(moved), orig)
                    raise
                action = "restored"
                fname = restored[0].name
                digest = sha256(restored[0].read_bytes())
                extra = {"undo_of": ev.id, "history": [str(m) for _, m in current]}
                if ev.action == "replaced" and note.get("from"):
                    extra["note"] = f"bản thay thế (từ {note['from']}) đã được cất vào lịch sử"
            else:
                raise UploadError("Thay đổi này không hoàn tác được.")
            new_ev = self._record(doc_id, action, actor, fname, digest, extra)
        return Outcome(action, doc_id, new_ev, self.summary(doc_id), [], time.perf_counter() - t0)


def describe_event(ev: DocumentEvent) -> str:
    when = ev.created_at.replace(tzinfo=dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=7)))
    verb = {
        "added": "thêm",
        "replaced": "thay thế",
        "removed": "gỡ",
        "restored": "khôi phục",
        PENDING: "đang thêm",
        ROLLED_BACK: "hủy thêm (bị ngắt)",
    }.get(ev.action, ev.action)
    return f"{when:%d/%m/%Y %H:%M} (giờ VN) {verb} {ev.document_id} — {ev.file_name} — {ev.actor} — sha256 {ev.content_sha256[:12]}"
