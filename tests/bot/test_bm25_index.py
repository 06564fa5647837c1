"""The BM25 index the indexer writes (bot.search_index.bm25_index: its score matrix computed with numpy) holds the
scores bm25s's own `BM25().index` computes, bit for bit, and answers queries alike after a save and a load."""

from __future__ import annotations

import bm25s
import numpy as np

from bot.search_index import bm25_index, lexical_tokens

TEXTS = [
    "Ủy ban nhân dân tỉnh Đắk Nông gửi báo cáo về Bộ Giáo dục và Đào tạo trước ngày 15/12 hằng năm.",
    "Hội Khuyến học thành phố Hải Phòng được đề nghị phối hợp khai thác tài liệu học tập.",
    "Sở Văn hóa, Thể thao và Du lịch Tiền Giang xây dựng thư viện, bảo tàng phục vụ học tập suốt đời.",
    "Báo cáo định kỳ 6 tháng gửi Sở Giáo dục và Đào tạo; báo cáo năm gửi trước ngày 20/12.",
    "",
    "Dòng họ học tập, cộng đồng học tập cấp thôn được công nhận theo Quyết định 489/QĐ-BGDĐT.",
]
QUERIES = ["báo cáo trước ngày 15/12", "Hội Khuyến học Hải Phòng", "cong dong hoc tap", "xăng dầu"]


def _columns(bm) -> dict:
    inv = {i: t for t, i in bm.vocab_dict.items()}
    s = bm.scores
    return {
        inv[j]: (
            s["indices"][s["indptr"][j] : s["indptr"][j + 1]].tolist(),
            s["data"][s["indptr"][j] : s["indptr"][j + 1]],
        )
        for j in range(len(s["indptr"]) - 1)
    }


def test_scores_are_bm25s_own_bit_for_bit(tmp_path):
    tokens = [lexical_tokens(t) * 2 for t in TEXTS]  # indexed texts hold their copy: every frequency at least 2
    ours, theirs = bm25_index(tokens), bm25s.BM25()
    theirs.index(tokens, show_progress=False)
    a, b = _columns(ours), _columns(theirs)
    assert a.keys() == b.keys() and ours.vocab_dict.keys() == theirs.vocab_dict.keys()
    for tok in a:
        assert a[tok][0] == b[tok][0], tok
        assert np.array_equal(a[tok][1], b[tok][1]), tok
    assert ours.scores["num_docs"] == theirs.scores["num_docs"] == len(TEXTS)
    ours.save(str(tmp_path / "bm25"), show_progress=False)
    loaded = bm25s.BM25.load(str(tmp_path / "bm25"), show_progress=False)
    for q in QUERIES:
        qt = lexical_tokens(q)
        assert np.array_equal(loaded.get_scores(qt), theirs.get_scores(qt)), q
    assert np.argmax(loaded.get_scores(lexical_tokens(QUERIES[1]))) == 1
