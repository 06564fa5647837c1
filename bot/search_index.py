"""Search indexes over chunks: BM25 (bm25s) over underthesea word segments + diacritic-folded
syllables and bigrams, and FAISS inner-product search over normalised sentence vectors.

Indexes live in `DATA/index` (a symlink flipped atomically to a new folder on each build); its
manifest names the build (`build_id`) and the embedding model (id and weights checksum, never a
path). `DATA/cache` keeps passage vectors and BM25 tokens by text hash between builds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot import vector_index
from vntext import folded_syllables, word_segments

log = logging.getLogger(__name__)
FORMAT_VERSION = 1

# Function words that carry no topic (folded); kept out of the lexical index and queries.
STOPWORDS = set(
    """va cua cac cho voi trong tren theo ve de la co nhung mot nay do duoc khi thi ma tai tu den nhu
hoac cung da se dang viec phai can nao gi ai sao the bao nhieu khong hay ra vao lam nhu""".split()
)


def lexical_tokens(text: str, segment: bool = True) -> list[str]:
    """Tokens for BM25: word segments (accented, 'w:' prefix), folded syllables and folded bigrams."""
    toks: list[str] = []
    if segment:
        toks += ["w:" + w for w in word_segments(text) if "_" in w]
    syl = folded_syllables(text)  # folded once: the bigrams are those of these syllables (folded_bigrams)
    toks += [s for s in syl if s not in STOPWORDS]
    toks += ["b:" + a + "_" + b for a, b in zip(syl, syl[1:])]
    return toks


@dataclass
class IndexFiles:
    root: Path
    chunk_ids: np.ndarray  # position → chunk id
    bm25: object  # bm25s.BM25
    faiss_index: object | None  # faiss.Index
    manifest: dict
    problem: str | None = None  # why the current build was not loaded (this is the previous one)


def new_build_id() -> str:
    """A build's id: its time (sortable) and a random part (two builds in one millisecond differ)."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{uuid.uuid4().hex[:12]}"


def write_index(
    out_dir: Path, chunk_ids: list[int], token_lists: list[list[str]], vectors: np.ndarray | None, manifest: dict
) -> None:
    """Write the BM25 and FAISS indexes and the manifest (last) into `out_dir`.

    The manifest carries the build id (`manifest["build_id"]`, made here unless given), which
    serving workers watch to reload (`read_build_id`), and the embedding model's id and checksum."""
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "chunk_ids.npy", np.asarray(chunk_ids, dtype=np.int64))
    bm = bm25_index(token_lists if token_lists else [["_empty_"]])
    bm.save(str(out_dir / "bm25"), show_progress=False)
    if vectors is not None and len(vectors):
        import faiss

        idx = vector_index.build_vector_index(vectors)  # exact, or approximate above a size threshold
        faiss.write_index(idx, str(out_dir / "dense.faiss"))
        manifest = dict(manifest, vector_index=vector_index.describe(idx))
    manifest = dict(
        manifest,
        format=FORMAT_VERSION,
        chunks=len(chunk_ids),
        built_at=time.time(),
        dense=vectors is not None and len(vectors) > 0,
        files=file_checksums(out_dir),  # verified at every load and by /healthz (verify_index)
    )
    manifest.setdefault("build_id", new_build_id())
    tmp = out_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out_dir / "manifest.json")


def bm25_index(token_lists: list[list[str]]):
    """A bm25s.BM25 (its defaults: Lucene BM25, k1 1.5, b 0.75) over `token_lists`, its score matrix computed with
    numpy: the scores `BM25().index(token_lists)` computes, without its Python loop over every token (1-2 s for
    10,000 chunks, on every build). The vocabulary's order differs (bm25s takes a set's), nothing else."""
    import itertools
    import math

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself when imported
    bm = bm25s.BM25()
    n_docs = len(token_lists)
    lens = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n_docs)
    vocab = {t: i for i, t in enumerate(set().union(*token_lists))}
    ids = np.fromiter(map(vocab.__getitem__, itertools.chain.from_iterable(token_lists)), np.int64, int(lens.sum()))
    docs = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
    keys = np.sort(ids * n_docs + docs)  # by term, then document: the CSC order
    starts = np.flatnonzero(np.diff(keys, prepend=-1))  # each (term, document) pair's first occurrence
    pairs, tf = keys[starts], np.diff(np.append(starts, len(keys)))
    term, doc = pairs // n_docs, pairs % n_docs
    df = np.bincount(term, minlength=len(vocab))
    idf = np.array([math.log(1 + (n_docs - x + 0.5) / (x + 0.5)) for x in df.tolist()], dtype=np.float32)
    tf32 = tf.astype(np.float32)
    norm = bm.k1 * ((1 - bm.b) + bm.b * lens[doc] / lens.mean())  # float64, as bm25s computes it per document
    scores = (idf[term] * (tf32 / (norm + tf32))).astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int32)
    bm.scores = {"data": scores, "indices": doc.astype(np.int32), "indptr": indptr, "num_docs": n_docs}
    bm.nonoccurrence_array = None
    bm.vocab_dict = dict(vocab)
    if "" not in bm.vocab_dict:  # as bm25s: the empty token scores the documents of a query with no known token
        bm.vocab_dict[""] = len(vocab)
    bm.unique_token_ids_set = set(bm.vocab_dict.values())
    return bm


PREVIOUS = "previous-index"  # DATA/previous-index: the build before the current one, kept while it verifies


def swap_in(data_dir: Path, new_dir: Path) -> None:
    """Point DATA/index at new_dir atomically (symlink + rename); the build it replaces, when it verifies,
    becomes DATA/previous-index (served if the current one is ever found corrupted); older folders go."""
    link = data_dir / "index"
    replaced = link.resolve() if link.is_symlink() and link.exists() else None
    tmp_link = data_dir / f".index-link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(new_dir.name, tmp_link)
    if link.exists() and not link.is_symlink():  # an old real folder: move it aside first
        shutil.rmtree(link)
    os.replace(tmp_link, link)
    if replaced is not None and replaced.name != new_dir.name and verify_index(replaced) is None:
        _point(data_dir / PREVIOUS, replaced.name)
    keep = {new_dir.name, previous_build(data_dir).name if previous_build(data_dir) else None}
    for old in data_dir.glob("index-*"):
        if old.is_dir() and old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def _point(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def previous_build(data_dir: Path) -> Path | None:
    """The folder of the build kept before the current one (None if there is none)."""
    link = Path(data_dir) / PREVIOUS
    try:
        return link.resolve(strict=True) if link.is_symlink() else None
    except OSError:
        return None


# -- integrity ---------------------------------------------------------------------------------------------------
class IndexCorrupt(Exception):
    """The index on disk does not match its manifest's checksums (or has no readable manifest)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(root: Path) -> dict[str, dict]:
    """{relative path: {"size", "sha256"}} of every file of an index folder but the manifest."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith("manifest.json"):
            out[p.relative_to(root).as_posix()] = {"size": p.stat().st_size, "sha256": file_sha256(p)}
    return out


_verified: dict[tuple, str | None] = {}


def verify_index(root: Path) -> str | None:
    """Why the index folder `root` cannot be trusted (in Vietnamese), or None when every file its manifest
    lists is there with its size and SHA-256. Re-hashed only when a file's size, time or inode changed.
    An index from before checksums has none to verify: None."""
    bad = index_problem(root)
    return bad[1] if bad else None


def index_problem(root: Path) -> tuple[str, str] | None:
    """(the first file that does not verify — "manifest.json" when the manifest itself cannot be read —, why)."""
    try:
        root = Path(root).resolve(strict=True)
        man = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        files = man.get("files") if isinstance(man, dict) else None
    except (OSError, ValueError, AttributeError) as e:
        return "manifest.json", f"manifest.json không đọc được ({type(e).__name__})"
    if not isinstance(files, dict):
        return None if isinstance(man, dict) else ("manifest.json", "manifest.json hỏng")
    for rel, want in sorted(files.items()):
        why = _verify_file(root / rel, rel, want)
        if why:
            return rel, why
    return None


def _verify_file(path: Path, rel: str, want: dict) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return f"thiếu tệp {rel}"
    if st.st_size != want.get("size"):
        return f"tệp {rel} sai kích thước ({st.st_size} byte, manifest ghi {want.get('size')})"
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino, want.get("sha256"))
    if key not in _verified:
        if len(_verified) > 1000:
            _verified.clear()
        _verified[key] = None if file_sha256(path) == want.get("sha256") else f"tệp {rel} sai mã kiểm tra SHA-256"
    return _verified[key]


def read_manifest(data_dir: Path) -> dict | None:
    """The current index's manifest, or None if there is none (or it cannot be read)."""
    try:
        m = json.loads((Path(data_dir) / "index" / "manifest.json").read_text(encoding="utf-8"))
        return m if isinstance(m, dict) else None
    except (OSError, ValueError):
        return None


def read_build_id(data_dir: Path) -> str | None:
    """The id of the build now in DATA/index (cheap: one small file); None without an index.
    An index from before build ids is identified by its build time."""
    m = read_manifest(data_dir)
    if m is None:
        return None
    return str(m.get("build_id") or m.get("built_at") or "")


def load_index(data_dir: Path) -> IndexFiles | None:
    """The current build's indexes, verified against their manifest's checksums. One that does not verify is
    replaced by the previous build when that one does (`problem` says why); else IndexCorrupt is raised."""
    root = data_dir / "index"
    if not (root / "manifest.json").exists():
        return None
    root = root.resolve()  # read one build's folder even if the link moves meanwhile
    problem = verify_index(root)
    if problem is None:
        return _load_folder(root)
    prev = previous_build(data_dir)
    if prev is not None and prev != root and verify_index(prev) is None:
        log.error("index %s: %s; serving the previous build %s", root.name, problem, prev.name)
        index = _load_folder(prev)
        index.problem = problem
        return index
    raise IndexCorrupt(problem)


def _load_folder(root: Path) -> IndexFiles:
    import bm25s

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    chunk_ids = np.load(root / "chunk_ids.npy")
    bm = bm25s.BM25.load(str(root / "bm25"), show_progress=False)
    fi = None
    if (root / "dense.faiss").exists():
        fi = vector_index.load(root / "dense.faiss", manifest.get("vector_index"))  # with its nprobe / efSearch
    return IndexFiles(root, chunk_ids, bm, fi, manifest)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class _ShardedCache:
    """Values by text hash for one `namespace` (a model checksum, a tokenizer version) in `folder`:
    a base file plus shard files appended while a build runs, each written atomically, so an
    interrupted build keeps what it had finished; `compact` folds them into the base.
    A damaged file is only a cache: it is skipped (and dropped at the next compaction)."""

    suffix = ".npz"
    MAX_SHARDS = 8  # shard files kept beside the base before they are folded into it
    STALE_SHARE = 0.25  # entries no longer indexed, as a share of those indexed, before they are dropped

    def __init__(self, folder: Path, namespace: str):
        self.folder = Path(folder)
        self.ns = hashlib.sha1(namespace.encode("utf-8")).hexdigest()[:16]
        self.namespace = namespace
        self.data: dict = {}
        self._pending: dict = {}
        self._files: list[Path] = []
        self._damaged = False
        if self.folder.is_dir():
            for f in sorted(self.folder.glob(f"{self.prefix}*{self.suffix}")):
                if f.name.startswith("."):
                    continue
                try:
                    self.data.update(self._read(f))
                    self._files.append(f)
                except Exception as e:  # noqa: BLE001 - a damaged cache file is skipped, whatever its damage
                    log.warning("ignoring damaged cache file %s (%s)", f.name, type(e).__name__)
                    self._files.append(f)
                    self._damaged = True

    @property
    def prefix(self) -> str:
        return f"{type(self).kind}-{self.ns}-"

    key = staticmethod(text_key)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def __len__(self) -> int:
        return len(self.data)

    def put(self, key: str, value) -> None:
        self.data[key] = value
        self._pending[key] = value

    def flush(self) -> None:
        """Write what was added since the last flush as a new shard (atomically)."""
        if not self._pending:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{self.prefix}part-{time.time_ns()}-{os.getpid()}{self.suffix}"
        self._write(self.folder / name, self._pending)
        self._files.append(self.folder / name)
        self._pending = {}

    def compact(self, keep: list[str], force: bool = False) -> None:
        """One base file holding the values of `keep` (other entries and the shards go) — when it is worth
        rewriting: no base yet, a damaged file, more than MAX_SHARDS shards, or more than STALE_SHARE of the
        entries no longer kept; otherwise what was added stays in its shard (a build that changes one document
        does not rewrite the whole cache). Caches of other namespaces are removed either way."""
        self.flush()
        keys = [k for k in dict.fromkeys(keep) if k in self.data]
        base = self.folder / f"{self.prefix}base{self.suffix}"
        shards = [f for f in self._files if f != base]
        stale = len(self.data) - len(keys)
        if (
            force
            or self._damaged
            or not base.exists()
            or len(shards) > self.MAX_SHARDS
            or stale > self.STALE_SHARE * max(1, len(keys))
        ):
            self._rewrite(base, keys)
        # caches of other models / versions are stale once this build is in place
        for f in self.folder.glob(f"{type(self).kind}-*{self.suffix}"):
            if not f.name.startswith(self.prefix):
                f.unlink(missing_ok=True)

    def _rewrite(self, base: Path, keys: list[str]) -> None:
        if keys:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._write(base, {k: self.data[k] for k in keys})
        for f in self._files:
            if f != base or not keys:
                f.unlink(missing_ok=True)
        self._files = [base] if keys else []
        self.data = {k: self.data[k] for k in keys}
        self._damaged = False

    def save(self, keep: list[str]) -> None:
        """Compact (see `compact`) keeping the values of the texts `keep`."""
        self.compact([self.key(t) for t in keep])

    def _write(self, path: Path, values: dict) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as fh:
            self._dump(fh, values)
        os.replace(tmp, path)


class EmbeddingCache(_ShardedCache):
    """Passage vectors by text hash for one model (its weights' checksum), in DATA/cache.

    `encode` encodes only what is missing, in batches, saving a shard after each, and reports to
    a progress bar; a build killed midway resumes from there."""

    kind = "vectors"

    def __init__(self, folder: Path, model_checksum: str):
        super().__init__(folder, "vectors:" + model_checksum)

    def _read(self, path: Path) -> dict:
        with np.load(path, allow_pickle=False) as z:
            if str(z["namespace"]) != self.namespace:
                return {}
            return dict(zip(z["keys"].tolist(), np.asarray(z["vecs"], dtype=np.float32)))

    def _dump(self, fh, values: dict) -> None:
        np.savez(
            fh,
            namespace=np.array(self.namespace),
            keys=np.array(list(values)),
            vecs=np.stack(list(values.values())).astype(np.float32),
        )

    def encode(self, embedder, texts: list[str], batch: int = 256, bar=None) -> np.ndarray:
        """Vectors (n, dim) for `texts`, encoding (and saving) the ones not cached yet."""
        keys = [self.key(t) for t in texts]
        todo: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self.data and k not in todo:
                todo[k] = t
        items = list(todo.items())
        for a in range(0, len(items), batch):
            part = items[a : a + batch]
            vecs = embedder.encode_passages([t for _, t in part])
            for (k, _), v in zip(part, vecs):
                self.put(k, np.asarray(v, dtype=np.float32))
            self.flush()
            if bar is not None:
                bar.update(len(part))
        if not keys:
            return np.zeros((0, getattr(embedder, "dim", 1)), np.float32)
        return np.stack([self.data[k] for k in keys])


class TokenCache(_ShardedCache):
    """BM25 tokens by text hash (word segmentation is the slow part of lexical indexing).

    A file holds its distinct tokens once (`vocab`, joined by SEP) and each text's tokens as indices into it
    (`ids`, `offsets`): loading 10,000 texts' 3.6 million tokens makes one string per distinct token."""

    kind = "tokens"
    SEP = "\x1f"

    def _read(self, path: Path) -> dict:
        with np.load(path, allow_pickle=False) as z:
            if str(z["namespace"]) != self.namespace:
                return {}
            keys = z["keys"].tolist()
            vocab = z["vocab"].tobytes().decode("utf-8").split(self.SEP)
            ids = z["ids"]
            offsets = z["offsets"].tolist()
        if len(offsets) != len(keys) + 1 or offsets[-1] != len(ids):
            raise ValueError("token cache: keys and values differ in number")
        if len(ids) and (int(ids.max()) + 1 != len(vocab) or int(ids.min()) < 0):  # every token is used once at least
            raise ValueError("token cache: vocabulary and ids disagree")
        flat = np.array(vocab, dtype=object)[ids].tolist()  # every token's one string, looked up in C
        return {k: flat[offsets[i] : offsets[i + 1]] for i, k in enumerate(keys)}

    def _dump(self, fh, values: dict) -> None:
        vocab: dict[str, int] = {}
        ids: list[int] = []
        offsets = [0]
        for v in values.values():
            ids.extend([vocab.setdefault(t, len(vocab)) for t in v])
            offsets.append(len(ids))
        blob = self.SEP.join(vocab).encode("utf-8")
        np.savez(
            fh,
            namespace=np.array(self.namespace),
            keys=np.array(list(values)),
            vocab=np.frombuffer(blob, dtype=np.uint8),
            ids=np.asarray(ids, dtype=np.int32),
            offsets=np.asarray(offsets, dtype=np.int64),
        )

    def tokens(self, texts: list[str], fn, bar=None, flush_every: int = 500) -> list[list[str]]:
        """fn(text) for each text, from the cache where it can."""
        out = []
        n = 0
        for t in texts:
            k = self.key(t)
            v = self.data.get(k)
            if v is None:
                v = [sys.intern(x) for x in fn(t)]
                self.put(k, v)
                n += 1
                if n % flush_every == 0:
                    self.flush()
            out.append(v)
            if bar is not None:
                bar.update(1)
        self.flush()
        return out
