"""Answers on the fifteenth round's blind sets (tests/data/probe21-23, the scanned letter left out): a council's
minutes with its votes in a ruled PDF table, a decision on allowances with chapters, a plan with an annex table of
tasks, a commune's results report, joint guidance with a points table, an admissions page, a budget proposal with a
text table, a festival plan with its agenda, a Party resolution typed with Word's numbering, a letter answering
communes' questions and a pasted Facebook post; with a post of our own. Through the real indexer, store, model and
assistant:

- a row of a PDF table answers for its household (reason, votes);
- "bao nhiêu tiền" is answered by a sum, "mấy giờ" by a time of the agenda: the unit asked is no missing word;
- a donor the question names gets their own line, not the post's opening ("Công ty Hồng Phát tài trợ bao nhiêu?");
- a question of a Q&A letter is answered by its own answer, never by the other questions beside it;
- "… số bao nhiêu, ai ký?" gets the header, even when the best line is an agenda row, and no count beside it;
- a plan "gửi đến những nơi nào" gets its receivers; "tổng kinh phí bao nhiêu" the total asked of the council;
- a scope clause ("Theo hướng dẫn của Sở …, lệ phí … là bao nhiêu?") is no clause of its own: the fee no document
  sets is refused by name, not answered with a date;
- "bà con" is the people, no missing topic; "Theo biên bản, 1 hộ …" names no "Biên bản 1";
- a commune named of a province's table gets its row (its "so với năm 2025" no conflict with 2026), and a count
  asked of a council gets its conclusion, not a row whose reason shares its words;
- "lúc mấy giờ" of an agenda gets the row giving the time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DOCS = [
    p
    for d in ("probe21", "probe22", "probe23", "probe24")
    for p in sorted((DATA / d).iterdir())
    if "scan" not in p.name
]

# a post of our own: a ward's study-promotion association thanking its donors
POST = """Hội Khuyến học phường Tân An
5 giờ · 🌏

🎉 TỔNG KẾT QUỸ KHUYẾN HỌC NĂM HỌC 2026 - 2027 🎉

Năm nay phường đã vận động được 96.000.000 đồng cho Quỹ khuyến học.
🙏 Xin cảm ơn các nhà hảo tâm:
✅ Công ty CP Nhựa Bình Minh: 40.000.000đ
✅ Chị Lê Thị Thu Hà (tổ dân phố 5): 12.000.000đ
✅ Hợp tác xã Tân An Xanh: 8.000.000đ
📍 Trao học bổng tại Nhà văn hóa phường, 8h00 sáng Chủ nhật 20/6/2027.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    post = tmp_path_factory.mktemp("post21") / "baidang-khuyenhoc-tanan-2027.txt"
    post.write_text(POST, encoding="utf-8")
    return assistant_over(tmp_path_factory, "probe21-store", [ROOT / "knowledge", *DOCS, post])


def test_a_row_of_a_pdf_table_answers_for_its_household(assistant):
    ans = assistant.ask("Vì sao hộ ông Nguyễn Văn Tuấn không được đề nghị công nhận gia đình học tập?")
    assert ans.answered and "bỏ học" in ans.answer, ans.answer
    ans = assistant.ask("Hộ ông Đào Văn Kiên được mấy phiếu đồng ý?")
    assert ans.answered and "3/6" in ans.answer, ans.answer


def test_a_sum_says_how_much_money_and_an_agenda_says_what_time(assistant):
    ans = assistant.ask("Hội thi Gia đình học tập giải nhất được bao nhiêu tiền?")
    assert ans.answered and "3.000.000" in ans.answer, ans.answer
    ans = assistant.ask("Gian trải nghiệm kỹ năng số mở lúc mấy giờ, có những nội dung gì?")
    assert ans.answered and "9h00" in ans.answer and "VNeID" in ans.answer, ans.answer


def test_the_donor_named_gets_their_own_line(assistant):
    ans = assistant.ask("Công ty Hồng Phát tài trợ bao nhiêu cho quỹ khuyến học xã Lập Thạch?")
    assert ans.answered and "50.000.000" in ans.answer and "188.200.000" not in ans.answer, ans.answer
    ans = assistant.ask("chị Lê Thị Thu Hà ủng hộ quỹ khuyến học phường Tân An bao nhiêu?")
    assert ans.answered and "12.000.000" in ans.answer and "96.000.000" not in ans.answer, ans.answer
    assert "Hội Khuyến học phường Tân An" in ans.answer, ans.answer  # the page that posted it is cited
    ans = assistant.ask("Ngân hàng Agribank tài trợ bao nhiêu tiền cho Hội Khuyến học xã Lập Thạch năm 2026?")
    assert not ans.answered and "Agribank" in ans.answer, ans.answer  # a sponsor the post does not name


def test_a_question_of_a_qa_letter_gets_its_own_answer(assistant):
    ans = assistant.ask("Ở Gia Lai, hồ sơ đề nghị công nhận Công dân học tập gồm những giấy tờ gì?")
    assert ans.answered and "Mẫu 02" in ans.answer and "Mẫu 03" in ans.answer, ans.answer
    assert "Câu hỏi 1" not in ans.answer and "Câu hỏi 2" not in ans.answer, ans.answer


def test_the_header_answers_number_and_signer(assistant):
    ans = assistant.ask("Kế hoạch ngày hội CDHT phường Vũ Ninh số bao nhiêu, ai ký?")
    assert ans.answered and "57/KH-UBND" in ans.answer and "Nguyễn Thị Lan Anh" in ans.answer, ans.answer
    assert "500 người" not in ans.answer, ans.answer


def test_a_plan_is_sent_to_its_receivers_and_a_proposal_asks_its_total(assistant):
    ans = assistant.ask("Kế hoạch triển khai xây dựng XHHT năm 2027 của Sở GD Phú Thọ gửi đến những nơi nào?")
    assert ans.answered and "Hội Khuyến học tỉnh" in ans.answer, ans.answer
    ans = assistant.ask("Tờ trình ngân sách XHHT năm 2027 của xã Xuân Trường đề nghị tổng kinh phí bao nhiêu?")
    assert ans.answered and "486.500.000" in ans.answer.split("\n")[1], ans.answer


def test_a_fee_no_document_sets_is_refused_by_name(assistant):
    ans = assistant.ask(
        "Theo hướng dẫn của Sở GDĐT và HKH tỉnh Đồng Nai, lệ phí thẩm định hồ sơ công nhận đơn vị học tập là bao nhiêu?"
    )
    assert not ans.answered and "lệ phí" in ans.answer, ans.answer


def test_everyday_words_and_a_count_are_no_topic_or_document(assistant):
    ans = assistant.ask("Xóa mù chữ cho bà con dân tộc thiểu số thì ai chủ trì, ai phối hợp, xong trước ngày nào?")
    assert ans.answered and "Sở Dân tộc và Tôn giáo" in ans.answer, ans.answer
    ans = assistant.ask("Theo biên bản, 1 hộ cần tối thiểu bao nhiêu phiếu đồng ý thì được đề nghị công nhận?")
    assert ans.answered and "Biên bản 1" not in ans.answer, ans.answer


def test_a_commune_named_gets_its_row_and_a_count_its_line(assistant):
    ans = assistant.ask("TTHTCĐ xã Quảng Khê năm 2026 được bao nhiêu điểm, xếp loại gì?")
    assert ans.answered and "71" in ans.answer and "Khá" in ans.answer, ans.answer
    assert "Quảng Khê" in ans.answer.split("\n")[1], ans.answer
    ans = assistant.ask("Hội đồng thôn Phú Hào thống nhất đề nghị công nhận bao nhiêu hộ?")
    assert ans.answered and "17 hộ" in ans.answer.split("\n")[1], ans.answer


def test_what_time_is_asked_of_an_agenda(assistant):
    ans = assistant.ask("Chung kết hội thi gia đình học tập diễn ra lúc mấy giờ, đơn vị nào thực hiện?")
    assert ans.answered and "8h15" in ans.answer and "Hội Khuyến học phường" in ans.answer, ans.answer
