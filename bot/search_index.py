"""Search indexes over chunks: BM25 (bm25s) over underthesea word segments + diacritic-folded
syllables and bigrams, and FAISS inner-product search over normalised sentence vectors.

Indexes live in `DATA/index` (a symlink flipped atomically to a new folder on each build).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.textnorm import folded_bigrams, folded_syllables, word_segments

log = logging.getLogger(__name__)
FORMAT_VERSION = 1

# Function words that carry no topic (folded); kept out of the lexical index and queries.
STOPWORDS = set("""va cua cac cho voi trong tren theo ve de la co nhung mot nay do duoc khi thi ma tai tu den nhu
hoac cung da se dang viec phai can nao gi ai sao the bao nhieu khong hay ra vao lam nhu""".split())


def lexical_tokens(text: str, segment: bool = True) -> list[str]:
    """Tokens for BM25: word segments (accented, 'w:' prefix), folded syllables and folded bigrams."""
    toks: list[str] = []
    if segment:
        toks += ["w:" + w for w in word_segments(text) if "_" in w]
    syl = [s for s in folded_syllables(text)]
    toks += [s for s in syl if s not in STOPWORDS]
    toks += ["b:" + b for b in folded_bigrams(text)]
    return toks


@dataclass
class IndexFiles:
    root: Path
    chunk_ids: np.ndarray           # position → chunk id
    bm25: object                    # bm25s.BM25
    faiss_index: object | None      # faiss.Index
    manifest: dict


def write_index(out_dir: Path, chunk_ids: list[int], token_lists: list[list[str]],
                vectors: np.ndarray | None, manifest: dict) -> None:
    import bm25s
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "chunk_ids.npy", np.asarray(chunk_ids, dtype=np.int64))
    bm = bm25s.BM25()
    bm.index(token_lists if token_lists else [["_empty_"]], show_progress=False)
    bm.save(str(out_dir / "bm25"), show_progress=False)
    if vectors is not None and len(vectors):
        import faiss
        idx = faiss.IndexFlatIP(vectors.shape[1])
        idx.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(idx, str(out_dir / "dense.faiss"))
    manifest = dict(manifest, format=FORMAT_VERSION, chunks=len(chunk_ids), built_at=time.time(),
                    dense=vectors is not None and len(vectors) > 0)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def swap_in(data_dir: Path, new_dir: Path) -> None:
    """Point DATA/index at new_dir atomically (symlink + rename), then remove older index folders."""
    link = data_dir / "index"
    tmp_link = data_dir / f".index-link-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(new_dir.name, tmp_link)
    if link.exists() and not link.is_symlink():  # an old real folder: move it aside first
        shutil.rmtree(link)
    os.replace(tmp_link, link)
    for old in data_dir.glob("index-*"):
        if old.is_dir() and old.name != new_dir.name:
            shutil.rmtree(old, ignore_errors=True)


def load_index(data_dir: Path) -> IndexFiles | None:
    root = data_dir / "index"
    if not (root / "manifest.json").exists():
        return None
    import bm25s
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    root = root.resolve()
    chunk_ids = np.load(root / "chunk_ids.npy")
    bm = bm25s.BM25.load(str(root / "bm25"), show_progress=False)
    fi = None
    if (root / "dense.faiss").exists():
        import faiss
        fi = faiss.read_index(str(root / "dense.faiss"))
    return IndexFiles(root, chunk_ids, bm, fi, manifest)


class EmbeddingCache:
    """Passage vectors by (model, text) hash, so unchanged chunks are not encoded again."""

    def __init__(self, path: Path, model_name: str):
        self.path = path
        self.model = model_name
        self.data: dict[str, np.ndarray] = {}
        if path.exists():
            try:
                z = np.load(path, allow_pickle=False)
                if str(z["model"]) == model_name:
                    self.data = dict(zip(z["keys"].tolist(), z["vecs"]))
            except Exception:  # a damaged cache is only a cache
                self.data = {}

    @staticmethod
    def key(text: str) -> str:
        import hashlib
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, embedder, texts: list[str]) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.data]
        if missing:
            vecs = embedder.encode_passages([texts[i] for i in missing])
            for i, v in zip(missing, vecs):
                self.data[keys[i]] = np.asarray(v, dtype=np.float32)
        return np.stack([self.data[k] for k in keys]) if keys else np.zeros((0, 1), np.float32)

    def save(self, keep: list[str]) -> None:
        keys = [self.key(t) for t in keep]
        keys = [k for k in dict.fromkeys(keys) if k in self.data]
        if not keys:
            return
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, model=np.array(self.model), keys=np.array(keys), vecs=np.stack([self.data[k] for k in keys]))
        os.replace(tmp, self.path)

