"""Which source files are unchanged, known without reading them again: `DATA/cache/sources.json`.

Reading a document (its loader, OCR for scans, normalisation, section tree, facts) is the slow part of
a build that changes one file among many. A file's content hash (what the store keeps per document)
is a function of its bytes and of the reading code, so it is remembered by the SHA-256 of the raw
bytes and the file's suffix (the loader is chosen by it):

- `by_raw`: raw digest + suffix → content hash, as the last parse of those bytes computed it;
- `by_path`: a file's path → (size, mtime, ctime, inode, raw digest), so an untouched file is not even
  hashed (any write changes its ctime; a file that changed on disk is hashed, and read, again).

The whole file is tied to a namespace: the parser version and a digest of the reading code's own
source files; when either changes, nothing is known and every file is read again. It is only a cache:
a damaged or missing file means every file is read, never a wrong result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from bot.search_index import file_sha256

log = logging.getLogger(__name__)

FILE_NAME = "sources.json"
# the modules whose code turns a file's bytes into its text (a change there may change any text)
READING_CODE = ("loaders.py", "normalize.py", "ocr.py", "webpage.py", "isolated.py")


def reading_code_digest() -> str:
    """SHA-256 over the reading modules' source (indexer's loaders, OCR, normalisation; vntext)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in [here / n for n in READING_CODE] + [here.parent / "vntext" / "__init__.py"]:
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes())
        except OSError:
            h.update(p.name.encode() + b"\0missing")
    return h.hexdigest()


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class SourceFingerprints:
    """Content hashes of source files by their bytes, for one namespace (see the module's docstring)."""

    def __init__(self, folder: Path, namespace: str):
        self.path = Path(folder) / FILE_NAME
        self.namespace = namespace
        self.by_path: dict[str, list] = {}
        self.by_raw: dict[str, str] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("namespace") == namespace:
                self.by_path = {k: v for k, v in data["by_path"].items() if isinstance(v, list) and len(v) == 5}
                self.by_raw = {k: v for k, v in data["by_raw"].items() if isinstance(v, str)}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:  # only a cache
            log.warning("ignoring damaged %s (%s)", self.path, type(e).__name__)

    def _raw(self, path: Path) -> tuple[str, list[int]] | None:
        """(raw digest + suffix, stat stamp) of `path`, hashed only when its stamp changed; None if unreadable."""
        try:
            key = str(path.resolve())
            stamp = _stamp(path.stat())
            known = self.by_path.get(key)
            if known is not None and known[:4] == stamp:
                return known[4], stamp
            return file_sha256(path) + path.suffix.lower(), stamp
        except OSError:
            return None

    def lookup(self, path: Path) -> str | None:
        """The content hash the file's current bytes parsed to, or None when not known."""
        raw = self._raw(path)
        return self.by_raw.get(raw[0]) if raw else None

    def remember(self, path: Path, content_hash: str, before: tuple[str, list[int]] | None) -> None:
        """Record what `path` parsed to; `before` is `stamp(path)` taken before reading it: a file that changed
        meanwhile is not recorded."""
        after = self._raw(path)
        if before is None or after is None or after != before:
            return
        self.by_path[str(path.resolve())] = after[1] + [after[0]]
        self.by_raw[after[0]] = content_hash
        self.changed = True

    def stamp(self, path: Path) -> tuple[str, list[int]] | None:
        return self._raw(path)

    def save(self) -> None:
        """Write the file (atomically) if anything was learnt; files gone from disk are forgotten."""
        if not self.changed:
            return
        self.by_path = {k: v for k, v in self.by_path.items() if os.path.exists(k)}
        live = {v[4] for v in self.by_path.values()}
        self.by_raw = {k: v for k, v in self.by_raw.items() if k in live}
        data = {"namespace": self.namespace, "by_path": self.by_path, "by_raw": self.by_raw}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)
            self.changed = False
        except OSError as e:
            log.warning("could not save %s (%s)", self.path, e)
