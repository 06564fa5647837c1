"""Answers on the tenth round's blind set (tests/data/probe9): a provincial steering committee's notice of
conclusions giving tasks and deadlines to nine bodies, a People's Council resolution on support for learners, a
ward's guide in Markdown with a table of criteria, and a department's letter urging late units with tables of who
has and has not reported. Through the real indexer, store, model and assistant:

- a name underthesea does not know, glued to the verb after it ('Phường Buôn Hồ nộp …'), is still that name: its row
  answers, and the question is not refused for a word no document writes;
- 'có hiệu lực từ ngày nào đến ngày nào?' is the line stating both ends, not a deadline of the transition clause;
- a deadline's day is written as the document writes it ('31/7/2027');
- 'luôn' ('chưa nộp luôn cả …') is how a question is said, not a topic to refuse for;
- who signs a decision a procedure ends in is that step, not the header of some other decision;
- a question's second clause is answered by the sibling item of the line answering its first;
- a year asked that the nearest evidence never names ('Năm 2024 …') is refused by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe9"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe9-store", [ROOT / "knowledge", DOCS])


def test_a_name_glued_to_its_verb_is_still_the_name_of_its_row(assistant):
    ans = assistant.ask("Phường Buôn Hồ nộp báo cáo năm về Sở GDĐT Đắk Lắk vào ngày nào?")
    assert ans.answered and "20/12/2027" in ans.answer, ans.answer
    first = ans.answer.split("\n")[1]  # the row, read with its columns' names
    assert "Buôn Hồ" in first and "20/12/2027" in first and "chậm: 10" in first, ans.answer


def test_both_ends_of_a_period_in_force_are_the_line_stating_both(assistant):
    ans = assistant.ask("Nghị quyết hỗ trợ học tập của Tây Ninh có hiệu lực từ ngày nào đến ngày nào?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[1]
    assert "01 tháng 8 năm 2027" in first and "31 tháng 12 năm 2030" in first, ans.answer
    assert "chuyển tiếp" not in first, ans.answer


def test_a_deadlines_day_is_quoted_as_the_document_writes_it(assistant):
    ans = assistant.ask("Hạn để Sở Nội vụ Thái Nguyên hướng dẫn các xã phân công công chức theo dõi XHHT là ngày nào?")
    assert ans.answered and "31/7/2027" in ans.answer, ans.answer


def test_luon_is_a_way_of_asking_not_a_topic(assistant):
    ans = assistant.ask("Ở Đắk Lắk có xã phường nào chưa gửi luôn cả báo cáo 6 tháng đầu năm không?")
    assert ans.answered and "Hòa Hiệp" in ans.answer, ans.answer


def test_who_signs_a_step_of_a_procedure_is_that_step_not_a_documents_header(assistant):
    for q in (
        "Người ký quyết định công nhận công dân học tập cấp phường là ai?",
        "ai la nguoi ky quyet dinh cong nhan cong dan hoc tap o phuong Hoa Cuong?",
    ):
        ans = assistant.ask(q)
        assert ans.answered and "Chủ tịch UBND phường ký Quyết định công nhận" in ans.answer, ans.answer
        assert "Trích yếu" not in ans.answer, ans.answer
    guide = assistant.ask("Hướng dẫn đánh giá công dân học tập của phường Hòa Cường do ai ký?")
    assert guide.answered and "Trần Minh Khoa" in guide.answer, guide.answer  # the guide's own signer


def test_a_second_clause_is_answered_by_the_sibling_item_of_the_first(assistant):
    ans = assistant.ask(
        "Người khuyết tật học lớp chuyên đề ở TTHTCĐ được hỗ trợ bao nhiêu 1 ngày, 1 năm tối đa mấy lớp?"
    )
    assert ans.answered and "03 lớp" in ans.answer and "40.000 đồng/người/ngày" in ans.answer, ans.answer
    assert "3.500.000" not in ans.answer, ans.answer  # another clause's sum for a class, not the learner's


def test_a_year_the_nearest_evidence_never_names_is_refused_by_name(assistant):
    ans = assistant.ask("Năm 2024 phường Hòa Cường công nhận được bao nhiêu công dân học tập?")
    assert not ans.answered and "“năm 2024”" in ans.answer, ans.answer
    kept = assistant.ask("Năm 2027 hạn chót nộp phiếu đăng ký Công dân học tập ở phường Hòa Cường là ngày nào?")
    assert kept.answered and "31/3/2027" in kept.answer, kept.answer
    law = assistant.ask("Nghị quyết 18/2027/NQ-HĐND có hiệu lực đến ngày 31 tháng 12 năm 2030 phải không?")
    assert law.answered, law.answer  # a year ending a date is no year asked about
