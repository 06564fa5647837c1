"""The e5 tokenizer as a SentencePiece model: the same token ids in a sixth of the memory.

e5-small's tokenizer (XLM-RoBERTa's) is a Unigram model over 250,002 pieces. Loaded by Hugging
Face `tokenizers` from ``tokenizer.json`` it holds about 290 MB; SentencePiece, the library it was
first written for, holds the same pieces in about 55 MB and encodes faster. At set-up
(`write_sentencepiece`, called by indexer/e5convert.py) the pieces and scores of ``tokenizer.json``
are written as a SentencePiece model, in the same order (so ids are the same), and the
normaliser alone as a small tokenizers file; `SentencePieceTokenizer` then normalises with that
normaliser, splits with SentencePiece and adds ``<s>`` … ``</s>`` as the original's template.

On 9,343 texts (the laws and seeds' chunks and questions) the ids are identical but for one
text, where two segmentations of a run of underscores score the same (tests/bot/test_embedding.py).
A folder whose tokenizer is not a Unigram model over Metaspace gets no SentencePiece copy and
keeps `tokenizers`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SPM_FILE = "onnx/tokenizer.spm"  # the pieces, inside the model folder
SPM_NORMALIZER = "onnx/normalizer.json"  # the normaliser of tokenizer.json, with an empty model
SPM_INFO = "onnx/tokenizer-spm.json"  # what they were made from (the weights' checksum), bos/eos ids


def _piece_type(pb, piece: str, specials: set[str], unk: str):
    kinds = pb.ModelProto.SentencePiece
    if piece == unk:
        return kinds.UNKNOWN
    return kinds.CONTROL if piece in specials else kinds.NORMAL


def _model_proto(tok: dict):
    """A SentencePiece ModelProto with tokenizer.json's pieces in their order (ids kept)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    vocab = tok["model"]["vocab"]
    unk_id = int(tok["model"].get("unk_id") or 0)
    specials = {a["content"] for a in tok.get("added_tokens", []) if a.get("special")}
    ids = {piece: i for i, (piece, _) in enumerate(vocab)}
    m = pb.ModelProto()
    for piece, score in vocab:
        p = m.pieces.add()
        p.piece, p.score = piece, float(score)
        p.type = _piece_type(pb, piece, specials, vocab[unk_id][0])
    spec = m.trainer_spec
    spec.model_type = pb.TrainerSpec.UNIGRAM
    spec.unk_id = unk_id
    spec.bos_id, spec.eos_id, spec.pad_id = ids.get("<s>", -1), ids.get("</s>", -1), ids.get("<pad>", -1)
    norm = m.normalizer_spec  # normalising is done before, by tokenizer.json's own normaliser
    norm.name = "identity"
    norm.add_dummy_prefix = True
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    return m


def _supported(tok: dict) -> bool:
    pre = tok.get("pre_tokenizer") or {}
    return (
        tok.get("model", {}).get("type") == "Unigram"
        and pre.get("type") == "Metaspace"
        and pre.get("prepend_scheme", "always") == "always"
        and not tok["model"].get("byte_fallback")
    )


def _template_ids(tok: dict) -> tuple[list[int], list[int]]:
    """Ids added before and after a single text by tokenizer.json's post-processor."""
    post = tok.get("post_processor") or {}
    ids = {a["content"]: a["id"] for a in tok.get("added_tokens", [])}
    before: list[int] = []
    after: list[int] = []
    seen_text = False
    for item in post.get("single", []) if post.get("type") == "TemplateProcessing" else []:
        if "Sequence" in item:
            seen_text = True
        elif "SpecialToken" in item:
            (after if seen_text else before).append(ids[item["SpecialToken"]["id"]])
    return before, after


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_sentencepiece(model_dir: Path, checksum: str) -> bool:
    """Write the SentencePiece copy of ``model_dir/tokenizer.json`` (info file last).
    Returns False, writing nothing, if that tokenizer cannot be expressed as one."""
    model_dir = Path(model_dir)
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    if not _supported(tok):
        return False
    (model_dir / SPM_FILE).parent.mkdir(parents=True, exist_ok=True)
    _replace(model_dir / SPM_FILE, _model_proto(tok).SerializeToString())
    normalizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": tok.get("normalizer"),
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"},
    }
    _replace(model_dir / SPM_NORMALIZER, json.dumps(normalizer, ensure_ascii=False).encode("utf-8"))
    before, after = _template_ids(tok)
    info = {"source_sha256": checksum, "before": before, "after": after}
    _replace(model_dir / SPM_INFO, json.dumps(info).encode("utf-8"))
    return True


def sentencepiece_ok(model_dir: Path, checksum: str) -> bool:
    """True if `model_dir` holds a SentencePiece copy made from the weights with `checksum`."""
    model_dir = Path(model_dir)
    try:
        info = json.loads((model_dir / SPM_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        info.get("source_sha256") == checksum
        and (model_dir / SPM_FILE).is_file()
        and (model_dir / SPM_NORMALIZER).is_file()
    )


class SentencePieceTokenizer:
    """Token ids of texts, as tokenizer.json gives them (no padding, no truncation)."""

    def __init__(self, model_dir: Path):
        import sentencepiece
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        info = json.loads((model_dir / SPM_INFO).read_text(encoding="utf-8"))
        self.before, self.after = list(info["before"]), list(info["after"])
        self.normalizer = Tokenizer.from_file(str(model_dir / SPM_NORMALIZER)).normalizer
        self.processor = sentencepiece.SentencePieceProcessor(model_file=str(model_dir / SPM_FILE))

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        normalized = [self.normalizer.normalize_str(t) if self.normalizer else t for t in texts]
        return [self.before + ids + self.after for ids in self.processor.encode(normalized)]


class HuggingFaceTokenizer:
    """The same interface over tokenizers' own loading of tokenizer.json (any model type)."""

    def __init__(self, model_dir: Path):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]


def load_tokenizer(model_dir: Path, checksum: str):
    """The SentencePiece copy when the folder has an up-to-date one, else tokenizers' own."""
    if sentencepiece_ok(model_dir, checksum):
        return SentencePieceTokenizer(model_dir)
    return HuggingFaceTokenizer(model_dir)
