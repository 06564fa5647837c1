"""Each answerer and renderer of bot/answerers/ on its own, over a tiny knowledge built in memory: three short
documents written here (a province's plan with a deadline, tasks, a target, an event, a cited decision and a
contact; a ministry's criteria; a law of three articles) parsed by the indexer into a SQLite file in tmp_path
and loaded as bot.knowledge.Knowledge. No model and no index: the fact answerers run without a retriever
(they skip the retrieval gate then); the passage search, the evidence and the articles are given a keyword
retriever (the chunks sharing the most words with the question) or the ranked lines directly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.answerers import (
    articles,
    citations,
    contacts,
    criteria,
    deadlines,
    documents,
    events,
    evidence,
    passages,
    responsibilities,
    targets,
)
from bot.answerers.base import REFUSAL, Context
from bot.evidence import Candidate
from bot.knowledge import Knowledge
from bot.lexicon import load_lexicon
from bot.retrieval import Hit
from bot.understanding import understand
from indexer.build import _store, parse_text
from store.db import dispose_engines, session_scope
from vntext import fold

TODAY = dt.date(2025, 11, 20)
PLAN, GUIDE, LAW = "quangtri-2022-512-kh-ubnd", "bgddt-2022-77-hd", "luat-hoc-tap-suot-doi-test"
PLAN_CITED = "Kế hoạch 512/KH-UBND của UBND tỉnh Quảng Trị, ngày 10/3/2022"

PLAN_TEXT = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG TRỊ

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 512/KH-UBND

Quảng Trị, ngày 10 tháng 3 năm 2022

KẾ HOẠCH
Xây dựng xã hội học tập tỉnh Quảng Trị giai đoạn 2022-2030

Căn cứ Quyết định số 1373/QĐ-TTg ngày 30/7/2021 của Thủ tướng Chính phủ phê duyệt Đề án "Xây dựng xã hội học tập giai đoạn 2021-2030";

Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:

I. MỤC TIÊU

1. Mục tiêu đến năm 2025

- Phấn đấu 45% công dân đạt danh hiệu công dân học tập.

II. NHIỆM VỤ VÀ GIẢI PHÁP

1. Tổ chức Tuần lễ hưởng ứng học tập suốt đời từ ngày 01/10 đến ngày 07/10 hằng năm tại Nhà văn hóa tỉnh.

III. TỔ CHỨC THỰC HIỆN

1. Sở Giáo dục và Đào tạo

- Chủ trì, phối hợp với các sở, ngành tổ chức bồi dưỡng kỹ năng số cho người lớn tuổi tại các trung tâm học tập cộng đồng.

- Tổng hợp, báo cáo kết quả thực hiện Kế hoạch về Ủy ban nhân dân tỉnh trước ngày 15/12 hằng năm.

2. Sở Tài chính

- Bố trí kinh phí thực hiện Kế hoạch trong dự toán ngân sách hằng năm.

Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ Ông Lê Văn Hùng, chuyên viên Sở Giáo dục và Đào tạo, điện thoại: 0912345678, thư điện tử: lvhung@quangtri.edu.vn để được hướng dẫn.

Nơi nhận:
- Như trên;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Nguyễn Văn A
"""

GUIDE_TEXT = """BỘ GIÁO DỤC VÀ ĐÀO TẠO

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 77/HD-BGDĐT

Hà Nội, ngày 05 tháng 4 năm 2022

HƯỚNG DẪN
Đánh giá, công nhận Cộng đồng học tập cấp xã

I. BỘ TIÊU CHÍ ĐÁNH GIÁ CỘNG ĐỒNG HỌC TẬP CẤP XÃ

1. Tiêu chí 1: Tỷ lệ hộ gia đình đạt danh hiệu gia đình học tập từ 60% trở lên (20 điểm).

2. Tiêu chí 2: Trung tâm học tập cộng đồng hoạt động hiệu quả, có thư viện sách cho người dân (20 điểm).

3. Tiêu chí 3: Tỷ lệ người dân biết sử dụng dịch vụ công trực tuyến từ 50% trở lên (10 điểm).

II. TỔ CHỨC THỰC HIỆN

Ủy ban nhân dân cấp xã tự đánh giá và gửi hồ sơ đề nghị công nhận về Ủy ban nhân dân cấp huyện.

Nơi nhận:
- Như trên;
- Lưu: VT.

KT. BỘ TRƯỞNG
THỨ TRƯỞNG

Trần Văn B
"""

LAW_TEXT = """QUỐC HỘI

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Luật số: 99/2024/QH15

LUẬT
HỌC TẬP SUỐT ĐỜI

Chương I
NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh

Luật này quy định về quyền học tập suốt đời của công dân và trách nhiệm của cơ quan, tổ chức trong việc bảo đảm quyền đó.

Điều 2. Giải thích từ ngữ

Trong Luật này, các từ ngữ dưới đây được hiểu như sau:

1. Học tập suốt đời là quá trình học tập liên tục của mỗi người trong suốt cuộc đời.

Điều 3. Thư viện cộng đồng

Ủy ban nhân dân cấp xã bố trí thư viện cộng đồng mở cửa miễn phí cho người dân vào các ngày cuối tuần.
"""


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    """(Knowledge, Lexicon) of the three documents, as the assistant loads them."""
    folder = tmp_path_factory.mktemp("tiny-knowledge")
    url = f"sqlite:///{folder / 'hoctap.sqlite3'}"
    base = load_lexicon()
    with session_scope(url) as s:
        for doc_id, text in ((PLAN, PLAN_TEXT), (GUIDE, GUIDE_TEXT), (LAW, LAW_TEXT)):
            _store(s, parse_text(doc_id, Path(doc_id + ".txt"), text, base))
    names = tuple(a.name for a in base.agencies) + tuple(al for a in base.agencies for al in a.aliases) + base.provinces
    kb = Knowledge(url, names=names)
    yield kb, base.with_learned(kb.provinces, kb.agency_names)
    dispose_engines(str(folder))


class KeywordRetriever:
    """Stands in for the hybrid retriever: the chunks sharing the most (folded) words with the question."""

    dense_enabled = False

    def __init__(self, kb: Knowledge):
        self.kb = kb

    def search(self, text, k=10, allowed=None, mode="hybrid", expanded=None):
        words = set(fold(text).lower().split())
        shared = [
            (len(words & set(self.kb.chunk_folded(cid).split())), cid)
            for cid in self.kb.chunks
            if allowed is None or cid in allowed
        ]
        best = sorted((x for x in shared if x[0]), key=lambda x: (-x[0], x[1]))[:k]
        return [Hit(cid, float(n), float(n), 0.0, rank=i) for i, (n, cid) in enumerate(best)]


@pytest.fixture
def ask(knowledge):
    """ask(answerer, question, retriever=False) → the answerer's Answer (or None) for that question."""
    kb, lex = knowledge

    def run(answerer, question: str, retriever: bool = False, **kw):
        return answerer(context(kb, lex, question, retriever), **kw)

    return run


def context(kb: Knowledge, lex, question: str, retriever: bool = False) -> Context:
    u = understand(question, lex, TODAY)
    return Context(question, u, TODAY, "hybrid", kb, lex, KeywordRetriever(kb) if retriever else None)


def sections(ans) -> list[tuple[str, str]]:
    return [(s.file, s.section) for s in ans.sources]


def chunk_at(kb: Knowledge, doc_id: str, section_start: str):
    return next(c for c in kb.chunks.values() if c.document_id == doc_id and c.section_path.startswith(section_start))


def line_of(kb: Knowledge, doc_id: str, section_start: str, words: str, score: float = 0.9) -> Candidate:
    """The ranked evidence line of that section holding `words`."""
    ch = chunk_at(kb, doc_id, section_start)
    i, text = next((i, x) for i, x in enumerate(ch.text.split("\n")) if words in x)
    return Candidate(ch.id, doc_id, i, text, False, {"rank_inv": 1.0}, score)


# -- the knowledge itself --------------------------------------------------------------------------------


def test_the_tiny_knowledge_holds_one_fact_of_each_kind(knowledge):
    kb, _ = knowledge
    assert set(kb.docs) == {PLAN, GUIDE, LAW}
    assert [(d.due_day, d.due_month, d.actors) for d in kb.deadlines] == [(15, 12, ["Sở Giáo dục và Đào tạo"])]
    assert {r.agency for r in kb.responsibilities} == {"Sở Giáo dục và Đào tạo", "Sở Tài chính"}
    assert [(t.value, t.year) for t in kb.targets] == [(45.0, 2025)]
    assert len(kb.criteria) == 3 and len(kb.events) == 1 and len(kb.contacts) == 1
    assert [c.number for c in kb.citations] == ["1373/QĐ-TTg"]


# -- deadlines --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "Ai phải báo cáo trước ngày 15/12?",
        "Sắp tới có hạn báo cáo nào?",
        "tháng 12 có hạn nào?",
        "Sở Giáo dục và Đào tạo Quảng Trị phải báo cáo khi nào?",
    ],
)
def test_deadlines_name_who_reports_what_by_when(ask, knowledge, q):
    ans = ask(deadlines.answer, q)
    assert ans.answered and ans.intent == "deadline"
    assert ans.deadline_ids == [knowledge[0].deadlines[0].id]
    first = ans.answer.split("\n")[0]
    assert first.startswith("Trước 15/12 hằng năm: Sở Giáo dục và Đào tạo (tỉnh Quảng Trị)")
    assert "Lần tới: 15/12/2025 (còn 25 ngày)" in first
    assert f"Nguồn: {PLAN_CITED}, mục III › 1. Sở Giáo dục và Đào tạo" in ans.answer
    assert sections(ans) == [(PLAN, "III › 1. Sở Giáo dục và Đào tạo")]


def test_deadlines_leave_other_questions(ask):
    assert ask(deadlines.answer, "Tiêu chí cộng đồng học tập?") is None


# -- responsibilities ----------------------------------------------------------------------------------------


def test_by_agency_lists_an_agency_s_tasks_with_their_role(ask):
    ans = ask(responsibilities.by_agency, "Sở Giáo dục và Đào tạo có nhiệm vụ gì?")
    lines = ans.answer.split("\n")
    assert lines[0] == f"Sở Giáo dục và Đào tạo (Quảng Trị) — 2 nhiệm vụ theo {PLAN_CITED}:"
    assert lines[1].startswith("• [chủ trì] Chủ trì, phối hợp với các sở, ngành tổ chức bồi dưỡng kỹ năng số")
    assert lines[2].startswith("• Tổng hợp, báo cáo kết quả")
    assert lines[-1] == "Nguồn: mục III › 1. Sở Giáo dục và Đào tạo."
    assert ans.intent == "responsibility" and {s.section for s in ans.sources} == {"III › 1. Sở Giáo dục và Đào tạo"}


def test_by_agency_keeps_to_the_agency_asked(ask):
    ans = ask(responsibilities.by_agency, "Sở Tài chính Quảng Trị có nhiệm vụ gì?")
    assert "Sở Tài chính (Quảng Trị) — 1 nhiệm vụ" in ans.answer
    assert "Bố trí kinh phí thực hiện Kế hoạch" in ans.answer and "bồi dưỡng" not in ans.answer
    assert sections(ans) == [(PLAN, "III › 2. Sở Tài chính")]
    assert ask(responsibilities.by_agency, "Ai phải báo cáo trước ngày 15/12?") is None


@pytest.mark.parametrize(
    "q, agency, section",
    [
        ("Ai chủ trì bồi dưỡng kỹ năng số cho người lớn tuổi?", "Sở Giáo dục và Đào tạo", "III › 1."),
        ("Ai bố trí kinh phí thực hiện kế hoạch?", "Sở Tài chính", "III › 2."),
    ],
)
def test_who_does_finds_the_agency_by_its_task(ask, q, agency, section):
    ans = ask(responsibilities.who_does, q)
    assert ans.answer.startswith(f"{agency} (tỉnh Quảng Trị) — ")
    assert f"Nguồn: {PLAN_CITED}, mục {section}" in ans.answer
    assert len(ans.sources) == 1 and ans.sources[0].section.startswith(section)


def test_who_does_leaves_a_deadline_question(ask):
    assert ask(responsibilities.who_does, "Hạn báo cáo?") is None


# -- targets, criteria, events ----------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["Mục tiêu năm 2025 về công dân học tập ở Quảng Trị?", "Chỉ tiêu công dân học tập?"])
def test_targets_give_the_value_year_and_quote(ask, q):
    ans = ask(targets.answer, q)
    assert ans.intent == "target"
    assert ans.answer.startswith("Đến năm 2025: 45% công dân đạt danh hiệu công dân học tập.")
    assert "“Phấn đấu 45% công dân đạt danh hiệu công dân học tập.”" in ans.answer
    assert sections(ans) == [(PLAN, "I › 1. Mục tiêu đến năm 2025")]
    assert ask(targets.answer, "Ai phải báo cáo?") is None


def test_criteria_list_the_set_with_its_points(ask):
    ans = ask(criteria.answer, "Tiêu chí đánh giá cộng đồng học tập cấp xã gồm những gì?")
    lines = ans.answer.split("\n")
    assert lines[0].startswith("BỘ TIÊU CHÍ ĐÁNH GIÁ CỘNG ĐỒNG HỌC TẬP CẤP XÃ — 3 tiêu chí theo Hướng dẫn 77/HD-BGDĐT")
    assert [x[:13] for x in lines[1:4]] == ["• Tiêu chí 1:", "• Tiêu chí 2:", "• Tiêu chí 3:"]
    assert "(20 điểm)" in lines[1] and "(10 điểm)" in lines[3]
    assert ans.intent == "criteria" and [s.file for s in ans.sources] == [GUIDE] * 3
    assert ask(criteria.answer, "Hạn báo cáo?") is None


def test_events_give_dates_and_place(ask):
    ans = ask(events.answer, "Tuần lễ hưởng ứng học tập suốt đời tổ chức khi nào?")
    assert ans.answer.startswith(
        "Tuần lễ hưởng ứng học tập suốt đời: từ 01/10/2022 đến 07/10/2022, tại Nhà văn hóa tỉnh."
    )
    assert ans.intent == "event" and sections(ans)[0][1].startswith("II › 1. Tổ chức Tuần lễ")


def test_events_none_where_no_event_is_on_the_topic(ask):
    assert ask(events.answer, "Hướng dẫn 77 có sự kiện gì?") is None
    assert ask(events.answer, "Hội thảo chuyển đổi số tổ chức khi nào?") is None


# -- documents, citations, contacts --------------------------------------------------------------------------


def test_documents_say_who_signed_and_when(ask):
    signed = ask(documents.answer, "Kế hoạch 512 do ai ký?")
    assert signed.answer.startswith(f"{PLAN_CITED} do Nguyễn Văn A ký")
    assert "Trích yếu: Xây dựng xã hội học tập tỉnh Quảng Trị giai đoạn 2022-2030" in signed.answer
    assert sections(signed) == [(PLAN, "Phần đầu văn bản")]
    issued = ask(documents.answer, "Kế hoạch 512/KH-UBND ban hành ngày nào?")
    assert issued.answer.startswith(f"{PLAN_CITED}: ban hành tại Quảng Trị, ngày 10 tháng 3 năm 2022 (10/03/2022).")
    assert ask(documents.answer, "Sở Tài chính có nhiệm vụ gì?") is None


def test_citations_describe_a_cited_decision_and_where_it_is_cited(ask):
    ans = ask(citations.answer, "Quyết định 1373 do ai ban hành?")
    assert ans.intent == "citation"
    assert ans.answer.startswith("Quyết định số 1373/QĐ-TTg ngày 30/7/2021 của Thủ tướng Chính phủ về Đề án")
    assert f"Nguồn: {PLAN_CITED}, Phần mở đầu." in ans.answer  # one citation format: "Điều/mục …", a part as named
    assert sections(ans) == [(PLAN, "Phần mở đầu")]
    assert ask(citations.answer, "Sở Tài chính có nhiệm vụ gì?") is None


def test_citations_of_our_own_document_are_read_from_its_text(ask):
    """'Kế hoạch 512 căn cứ …' names our own document, not a cited one: the cited-documents answerer gives way to
    the evidence ranking scoped to that document (it answers nothing of its own)."""
    assert ask(citations.answer, "Kế hoạch 512 căn cứ vào văn bản nào?") is None


def test_contacts_quote_the_documents_sentence_with_name_phone_and_email(ask):
    """The document's own sentence: its numbers as written, every one of them."""
    ans = ask(contacts.answer, "Số điện thoại người liên hệ?")
    assert ans.answer.split("\n") == [
        "Đầu mối liên hệ trong văn bản:",
        "• Trong quá trình thực hiện, nếu có vướng mắc, đề nghị liên hệ Ông Lê Văn Hùng, chuyên viên Sở Giáo dục và"
        " Đào tạo, điện thoại: 0912345678, thư điện tử: lvhung@quangtri.edu.vn để được hướng dẫn"
        f" — {PLAN_CITED}",
    ]
    assert ans.intent == "contact" and sections(ans) == [(PLAN, "Phần kết")]


# -- passages ---------------------------------------------------------------------------------------------------


def test_passages_quote_the_best_passage_and_cite_its_article(ask):
    ans = ask(passages.answer, "Thư viện cộng đồng mở cửa khi nào?", retriever=True)
    lines = ans.answer.split("\n")
    assert ans.answered and ans.intent == "search"
    assert lines[0] == "Theo Luật 99/2024/QH15 của Quốc hội (Điều 3 Thư viện cộng đồng):"
    assert "mở cửa miễn phí cho người dân vào các ngày cuối tuần" in lines[1]
    assert sections(ans)[0] == (LAW, "Chương I › Điều 3 Thư viện cộng đồng")
    assert len(ans.sources) == 3 and len({s.chunk_id for s in ans.sources}) == 3


def test_unit_key_counts_a_law_s_article_once():
    def chunk(cid, section):
        return SimpleNamespace(document_id="luat", id=cid, section_path=section)

    assert (
        passages.unit_key(chunk(1, "Điều 5 › 1.")) == passages.unit_key(chunk(2, "Điều 5 › 2.")) == ("luat", "Điều 5")
    )
    assert passages.unit_key(chunk(3, "I › 1.")) != passages.unit_key(chunk(4, "I › 1."))


def test_passages_add_a_second_document_that_covers_the_topic(ask):
    ans = ask(passages.answer, "Học tập suốt đời là gì?", retriever=True)
    lines = ans.answer.split("\n")
    assert lines[1] == "“Học tập suốt đời là quá trình học tập liên tục của mỗi người trong suốt cuộc đời.”"
    assert lines[2].startswith(f"Ngoài ra, {PLAN_CITED} (mục II › 1. Tổ chức Tuần lễ")
    assert [f for f, _ in sections(ans)] == [LAW, PLAN, LAW]


def test_passages_refuse_without_retriever_or_topic(ask):
    assert ask(passages.answer, "Thư viện cộng đồng mở cửa khi nào?").answer == REFUSAL
    off = ask(passages.answer, "Giá xăng hôm nay bao nhiêu?", retriever=True)
    assert not off.answered and off.answer == REFUSAL and off.sources == []


def test_passages_restricted_to_a_document(ask):
    ans = ask(passages.answer, "Thư viện cộng đồng mở cửa khi nào?", retriever=True, restrict_docs={GUIDE})
    assert ans.answered and sections(ans)[0][0] == GUIDE


# -- evidence and articles ----------------------------------------------------------------------------------------


def test_evidence_quotes_the_best_line_with_its_section(knowledge):
    kb, lex = knowledge
    best = line_of(kb, LAW, "Chương I › Điều 3", "mở cửa miễn phí")
    ans = evidence.render(context(kb, lex, "Thư viện cộng đồng mở cửa khi nào?"), [best])
    assert ans.answer.split("\n") == [
        "Theo Luật 99/2024/QH15 của Quốc hội (Điều 3 Thư viện cộng đồng):",
        "“Ủy ban nhân dân cấp xã bố trí thư viện cộng đồng mở cửa miễn phí cho người dân vào các ngày cuối tuần.”",
    ]
    assert sections(ans) == [(LAW, "Chương I › Điều 3 Thư viện cộng đồng")]


def test_evidence_on_a_deadline_line_states_the_deadline(knowledge):
    kb, lex = knowledge
    best = line_of(kb, PLAN, "III › 1.", "15/12")
    ans = evidence.render(context(kb, lex, "Sở Giáo dục và Đào tạo Quảng Trị báo cáo trước ngày nào?"), [best])
    assert ans.intent == "deadline" and ans.deadline_ids == [kb.deadlines[0].id]
    assert ans.answer.startswith("Trước 15/12 hằng năm: Sở Giáo dục và Đào tạo (tỉnh Quảng Trị)")
    assert "“- Tổng hợp, báo cáo kết quả thực hiện Kế hoạch" in ans.answer


def test_evidence_lists_the_bodies_a_document_gives_tasks_to(knowledge):
    kb, lex = knowledge
    best = line_of(kb, PLAN, "III › 1.", "15/12")
    ans = evidence.render(context(kb, lex, "Kế hoạch 512 giao nhiệm vụ cho những sở nào?"), [best])
    assert ans.answer.split("\n") == [
        f"Theo {PLAN_CITED} (mục III), được giao nhiệm vụ:",
        "  • Sở Giáo dục và Đào tạo",
        "  • Sở Tài chính",
    ]


def test_articles_of_a_law_and_the_one_it_lacks(knowledge):
    kb, lex = knowledge
    ctx = context(kb, lex, "Điều 25 Luật học tập suốt đời quy định gì?")
    assert articles.named_article(ctx.u.folded) == 25
    assert list(articles.articles_of(ctx, LAW).values()) == [
        "Điều 1. Phạm vi điều chỉnh",
        "Điều 2. Giải thích từ ngữ",
        "Điều 3. Thư viện cộng đồng",
    ]
    ans = articles.missing_article(ctx, LAW, 25)
    assert not ans.answered and ans.intent == "out_of_scope"
    assert ans.answer.split("\n")[0] == (
        "Luật 99/2024/QH15 của Quốc hội có 3 điều, không có Điều 25. Các điều của văn bản:"
    )
    assert "• Điều 3. Thư viện cộng đồng" in ans.answer


def test_render_article_gives_its_heading_and_text(knowledge):
    kb, lex = knowledge
    best = line_of(kb, LAW, "Chương I › Điều 3", "mở cửa miễn phí")
    ans = articles.render_article(context(kb, lex, "Điều 3 Luật học tập suốt đời quy định gì?"), LAW, 3, [best])
    assert ans.answered and ans.answer.split("\n") == [
        "Theo Luật 99/2024/QH15 của Quốc hội, Điều 3. Thư viện cộng đồng:",
        "  Ủy ban nhân dân cấp xã bố trí thư viện cộng đồng mở cửa miễn phí cho người dân vào các ngày cuối tuần.",
    ]
    assert sections(ans) == [(LAW, "Chương I › Điều 3 Thư viện cộng đồng")]


# -- the evidence ranking's features, on the same knowledge ----------------------------------------------


def ranked_lines(knowledge, question: str, picks=()):
    from bot.evidence import EvidenceRanker

    kb, lex = knowledge
    ctx = context(kb, lex, question, retriever=True)
    return EvidenceRanker(ctx, ctx.topic(), picks=picks).candidates()


def feature_of(ranked, words: str, name: str) -> float:
    return next(c for c in ranked if words in c.text).features[name]


def test_features_the_kind_of_answer_asked_against_what_a_line_carries(knowledge):
    ranked = ranked_lines(knowledge, "Sở Giáo dục và Đào tạo Quảng Trị báo cáo kết quả trước ngày nào?")
    assert feature_of(ranked, "trước ngày 15/12", "ask_date_has") == 1.0
    assert feature_of(ranked, "kỹ năng số", "ask_date_lacks") == 1.0
    assert ranked[0].text.endswith("trước ngày 15/12 hằng năm.")  # the fitted model puts the deadline first


def test_features_coverage_entities_and_shape(knowledge):
    ranked = ranked_lines(knowledge, "Sở Giáo dục và Đào tạo Quảng Trị bồi dưỡng kỹ năng số cho ai?")
    line = next(c for c in ranked if "kỹ năng số" in c.text)
    other = next(c for c in ranked if "Bố trí kinh phí" in c.text)
    assert line.features["cov_line"] > other.features["cov_line"]
    assert line.features["province_match"] == 1.0 and line.features["province_conflict"] == 0.0
    assert line.features["agency_match"] == 1.0  # its section is the Sở GDĐT's
    elsewhere = ranked_lines(knowledge, "Đắk Nông bồi dưỡng kỹ năng số cho ai?")
    assert feature_of(elsewhere, "kỹ năng số", "province_conflict") == 1.0


def test_features_the_answerer_s_choice_and_the_header(knowledge):
    quote = "- Bố trí kinh phí thực hiện Kế hoạch trong dự toán ngân sách hằng năm."
    ranked = ranked_lines(knowledge, "Sở Tài chính Quảng Trị bố trí kinh phí thế nào?", picks=[quote])
    assert feature_of(ranked, "Bố trí kinh phí", "answerer_pick") == 1.0
    assert all(c.features["answerer_pick"] == 0.0 for c in ranked if "Bố trí kinh phí" not in c.text)
    headers = [c for c in ranked_lines(knowledge, "Kế hoạch 512 Quảng Trị ký ngày nào?") if c.features["header"]]
    assert headers and all(knowledge[0].chunks[c.chunk_id].kind == "header" for c in headers)


def test_a_deadlines_day_is_written_as_its_document_writes_it():
    """'trước ngày 31/7/2027' is answered 'Trước 31/7/2027', not '31/07/2027', 'trước ngày 15 tháng 6' as 'Trước 15
    tháng 6'; a day without its year gets the year the document's context gives, one it does not write in figures."""
    from store.knowledge import Deadline

    def head(due_text, day, month, year, recurrence="once"):
        d = Deadline(id="x", due_day=day, due_month=month, due_year=year, recurrence=recurrence, due_text=due_text)
        return deadlines._head(d)

    assert head("trước ngày 31/7/2027", 31, 7, 2027) == "Trước 31/7/2027"
    assert head("trước ngày 05/12", 5, 12, 2026) == "Trước 05/12/2026"
    assert head("trước ngày 31 tháng 7 năm 2027", 31, 7, 2027) == "Trước 31 tháng 7 năm 2027"
    assert head("trước ngày 15 tháng 6 hằng năm", 15, 6, None, "yearly").startswith("Trước 15 tháng 6 ")
    assert head("trong tháng 7 năm 2027", 31, 7, 2027) == "Trước 31/07/2027"  # the day is the context's reading
    assert head("trước ngày 15/6 hằng năm", 15, 6, None, "yearly").startswith("Trước 15/6 ")
    assert head("trước ngày 1/7/2026 và 31/7/2027", 31, 7, 2027) == "Trước 31/7/2027"  # the day that is due


def test_a_clause_does_not_add_the_same_field_of_another_item():
    from bot.answerers.clauses import _field_shown

    shown = "“- Địa điểm: Sân nhà văn hóa tổ dân phố 3 … - Người dạy: ông Phan Văn Lộc”"
    assert _field_shown("- Người dạy: cô Trương Thị Diệu Hiền", shown)
    assert not _field_shown("- Học phí: Miễn phí", shown)
    assert not _field_shown("Sở Tài chính chủ trì bố trí kinh phí.", shown)  # no field


def test_a_deadline_keeps_its_time_of_day():
    from bot.answerers.deadlines import _CLOCK

    assert _CLOCK.search("trước 17h00 ngày 27/11/2026")[0] == "17h00"
    assert _CLOCK.search("chậm nhất trước 16 giờ 30 ngày 28/12/2027")[0] == "16 giờ 30"
    assert _CLOCK.search("trước ngày 15/12") is None


def test_a_question_mark_inside_a_message_parts_two_clauses():
    from bot.answerers.clauses import clauses_asking, said
    from bot.answer import Answer

    assert clauses_asking("Hạn đăng ký học các lớp tháng 3 là ngày nào? đăng ký qua sđt nào") == [
        "Hạn đăng ký học các lớp tháng 3 là ngày nào",
        "đăng ký qua sđt nào",
    ]
    listed = "Đầu mối liên hệ:\n• Bà A, điện thoại 0905 318 624 — Thông báo 87/TB-UBND của UBND xã X, ngày 12/6/2026"
    assert "12/6/2026" not in said(Answer("q", True, listed, "contact"))  # a listed line's citation is not said


def test_a_list_of_parts_is_asked_only_without_a_condition_after_it():
    from bot.answerers.parts import _LIST_ASKED

    assert _LIST_ASKED.search("khoa boi duong o phu tho gom nhung chuyen de nao")
    assert _LIST_ASKED.search("chuong trinh chia thanh may dot boi duong")
    assert not _LIST_ASKED.search("nhung lop nao mien phi")  # some of them, not the list
    assert not _LIST_ASKED.search("nhung lop hoc mien phi nao")


def test_an_instruction_after_a_question_mark_is_no_clause():
    from bot.answerers.clauses import clauses_asking

    assert clauses_asking("Trách nhiệm của Bộ Y tế là gì? Trả lời: Tổ chức công tác giám định") == []
    assert clauses_asking("Dịch vụ du lịch khác bao gồm điều nào dưới đây? Chọn câu trả lời đúng nhất.") == []
