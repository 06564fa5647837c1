"""Property-based fuzzing (Hypothesis) of the question understanding and of the document loaders:
whatever the input, they return their normal result or refuse it with their own error — never another
exception. Deterministic (`derandomize`), bounded by HOCTAP_FUZZ_EXAMPLES (default 150 per property)."""

from __future__ import annotations

import pytest

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.lexicon import load_lexicon
from bot.understanding import INTENTS, Understanding, understand
from indexer.build import parse_text
from indexer.loaders import DocumentError, read_document
from indexer.normalize import normalize_text

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("HOCTAP_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEX = load_lexicon()

any_char = st.characters(exclude_categories=())  # control characters, lone surrogates, emoji...
words = st.sampled_from(
    [
        "Ai",
        "phải",
        "báo cáo",
        "trước",
        "ngày",
        "15/12",
        "15-12",
        "ngày 15 tháng 12",
        "tháng 12",
        "6 tháng",
        "năm 2025",
        "sắp tới",
        "tháng này",
        "tuần sau",
        "Sở GDĐT",
        "Tiền Giang",
        "Đắk Nông",
        "UBND",
        "LĐTBXH",
        "TTHTCĐ",
        "còn",
        "thì sao",
        "chủ trì",
        "phối hợp",
        "Công văn",
        "3597/UBND-KGVX",
        "Quyết định 1373/QĐ-TTg",
        "Đề án",
        "31/02",
        "99/99/9999",
        "ngày 0 tháng 13",
        "năm 99999",
        "tháng -1",
        "\x1b[31m",
        "\u200b",
        "🎓",
        "?",
        "\n",
    ]
)
question = st.one_of(
    st.lists(words, max_size=15).map(" ".join), st.text(any_char, max_size=400), st.text(max_size=3000)
)
today = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))


def _check(u: Understanding) -> None:
    assert isinstance(u, Understanding)
    assert u.intent in INTENTS or u.intent in ("help", "greeting", "thanks", "refuse", "unknown") or u.problem
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in u.text)
    for d, m in u.days:
        assert 1 <= m <= 12 and 1 <= d <= 31
    assert all(1 <= m <= 12 for m in u.months)


@FUZZ
@given(q=question, day=today)
def test_understand_never_fails(q, day):
    _check(understand(q, LEX, day))


@FUZZ
@given(first=question, second=question, day=today)
def test_follow_ups_never_fail(first, second, day):
    prev = understand(first, LEX, day)
    _check(understand(second, LEX, day, prev))


@FUZZ
@given(text=st.one_of(st.text(any_char, max_size=2000), st.lists(words, max_size=60).map("\n".join)))
def test_normalize_text_never_fails(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # a loader never yields lone surrogates (it decodes bytes)
    out = normalize_text(text)
    assert isinstance(out, str) and out.endswith("\n")


HEADER_LINES = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH ĐẮK NÔNG",
    "Số: 3597/UBND-KGVX",
    "Đắk Nông, ngày 15 tháng 12 năm 2021",
    "CÔNG VĂN",
    "V/v triển khai xây dựng xã hội học tập",
    "Kính gửi:",
    "- Sở Giáo dục và Đào tạo;",
    "I. MỤC TIÊU",
    "1. Mục tiêu chung",
    "a) Đến năm 2025, 100% xã",
    "Điều 1.",
    "Chương I",
    "Mục 2",
    "- Báo cáo trước ngày 15/12 hằng năm về Sở GDĐT.",
    "+ phối hợp",
    "Nơi nhận:",
    "CHỦ TỊCH",
    "Nguyễn Văn A",
    "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "Điện thoại: 0261 123 456",
    "",
    "...",
    "1.",
]


@FUZZ
@given(lines=st.lists(st.one_of(st.sampled_from(HEADER_LINES), st.text(max_size=80)), min_size=1, max_size=60))
def test_document_parsing_never_fails(lines):
    text = normalize_text("\n".join(lines))
    p = parse_text("fuzz-doc", Path("fuzz-doc.txt"), text, LEX)
    assert p.doc_id == "fuzz-doc" and isinstance(p.chunks, list)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=2000).map(lambda t: t.encode("utf-8")),
        st.text(max_size=500).map(lambda t: t.encode("utf-16")),
        st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=500).map(lambda b: b"%PDF-1.4\n" + b),
    ),
    suffix=st.sampled_from([".txt", ".md", ".docx", ".pdf", ".TXT", ".exe", ""]),
)
def test_loaders_read_or_refuse_by_name(data, suffix):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"van-ban{suffix}"
        path.write_bytes(data)
        try:
            text = read_document(path)
        except DocumentError as e:
            assert path.name in str(e) and e.reason
        else:
            assert isinstance(text, str) and text.strip()
            text.encode("utf-8")
