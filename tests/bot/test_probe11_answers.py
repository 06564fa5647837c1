"""Answers on the eleventh round's blind set (tests/data/probe11): a commune's tờ trình (proposal) with a plain-text
results table, a province's decision assigning each steering-committee member duties and an area, as a text PDF whose
lines wrap at the page width, a district contest plan in Markdown, and a school principal's conference speech in
Word. Through the real indexer, store, model and assistant:

- a field the question names ('Chủ đề', 'Thời gian') answers, not the event answerer's other field;
- three or more initials with no head word ('hội thi GĐHT') are the name the documents write with them;
- a capitalised name glued to the two-syllable word after it ('Trần Phú kiến nghị') is the name and that word;
- when and where a part is held ('Vòng chung kết … ngày nào, ở đâu?') is its own section's, not a line of another
  section that names it in passing;
- a list asked whose best line is one item ('… lấy từ những nguồn nào?') is its head line with every item;
- a member's duties asked whole ('phụ trách những việc gì, địa bàn nào?') are all the items under his name, each
  whole though the PDF wrapped it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.loaders import read_document, unwrapped
from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe11"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe11-store", [ROOT / "knowledge", DOCS])


def test_a_pdf_line_wrapped_at_the_page_width_is_read_whole():
    text = read_document(DOCS / "quyetdinh-phancong-bcd-xhht-sonla.pdf")
    assert '"Cộng đồng học tập" cấp thôn, bản, tổ dân phố.' in text  # the rest of item a), not a line of its own
    assert "phấn đấu đến năm 2028 có 100% TTHTCĐ" in text  # a figure going on
    assert "\nb) Hướng dẫn đánh giá" in text  # an item in lower case is a new line
    assert "Ủy viên thường trực, Thư ký Ban Chỉ đạo\n" in text  # a full line cut by the page width goes on
    assert "\nSố: 856/QĐ-UBND" in text  # the header's lines stay apart
    assert unwrapped("a) Một việc;\nb) việc khác\nvà phần còn lại.\n2. Mục hai") == (
        "a) Một việc;\nb) việc khác và phần còn lại.\n2. Mục hai"
    )


def test_a_contact_given_as_an_item_says_whose_it_is_and_a_body_member_is_that_bodys(assistant):
    ans = assistant.ask("Thư ký BCĐ xây dựng XHHT tỉnh SL là ai, liên hệ thế nào?")
    assert ans.answered, ans.answer
    assert "Phạm Văn Lực" in ans.answer and "0212 3852 416" in ans.answer, ans.answer
    assert ans.answer.count("0212 3852 416") == 1, ans.answer  # not quoted again for the clause "là ai"


def test_a_members_duties_asked_whole_are_every_item_under_his_name(assistant):
    ans = assistant.ask("Trong BCĐ xây dựng XHHT Sơn La thì bà Cầm Thị Hương phụ trách những việc gì, địa bàn nào?")
    assert ans.answered, ans.answer
    assert "Cầm Thị Hương" in ans.answer and "Yên Châu" in ans.answer, ans.answer
    assert "Gia đình học tập" in ans.answer and "Quỹ Khuyến học" in ans.answer, ans.answer  # items a) and c)
    assert "Sông Mã" not in ans.answer  # another member's area


def test_a_list_whose_best_line_is_an_item_is_its_head_with_every_item(assistant):
    ans = assistant.ask("Tổng kinh phí hội thi Lục Ngạn là bao nhiêu, lấy từ những nguồn nào?")
    assert ans.answered, ans.answer
    for part in ("68.500.000", "40.000.000", "20.000.000", "8.500.000"):
        assert part in ans.answer, ans.answer


def test_when_and_where_a_part_is_held_is_its_own_sections(assistant):
    ans = assistant.ask("Vòng chung kết hội thi Gia đình học tập tiêu biểu huyện Lục Ngạn tổ chức ngày nào, ở đâu?")
    assert ans.answered and "08/5/2027" in ans.answer and "Nhà Văn hóa trung tâm" in ans.answer, ans.answer
    assert "05/4/2027" not in ans.answer  # the preliminary round's days


def test_initials_standing_alone_are_the_name_they_stand_for(assistant):
    ans = assistant.ask("Hạn nộp hồ sơ đăng ký hội thi GĐHT tiêu biểu ở Lục Ngạn là lúc nào ạ?")
    assert ans.answered and "31/3/2027" in ans.answer, ans.answer


def test_a_name_glued_to_a_two_syllable_word_is_still_the_name(assistant):
    ans = assistant.ask("Trường Trần Phú kiến nghị UBND thị xã Quảng Yên điều gì vậy?")
    assert ans.answered and "120.000.000" in ans.answer, ans.answer


def test_a_table_row_the_question_names_by_its_whole_label_answers(assistant):
    """'… xếp loại Đơn vị học tập mức gì?' asks a grade, not a number; the row labelled so answers, by its year."""
    ans = assistant.ask("Năm 2024 trường THCS Trần Phú được xếp loại Đơn vị học tập mức gì?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[1]
    assert "Năm 2024: Khá" in first, ans.answer
    assert "Trường THCS Trần Phú" in ans.answer  # the issuer in capitals keeps its abbreviation


def test_the_day_a_document_was_issued_is_as_it_writes_it(assistant):
    ans = assistant.ask("Tờ trình đề nghị công nhận xã Diễn Hồng đạt CĐHT mức độ 2 số mấy, ban hành ngày nào ạ?")
    assert ans.answered and "27/TTr-UBND" in ans.answer, ans.answer
    assert "ngày 12 tháng 3 năm 2027 (12/03/2027)" in ans.answer, ans.answer


def test_a_second_clause_joined_by_va_duoc_is_answered_too(assistant):
    ans = assistant.ask("Mỗi gia đình vào chung kết được hỗ trợ bao nhiêu tiền và được mang mấy cổ động viên?")
    assert ans.answered and "500.000" in ans.answer and "15 cổ động viên" in ans.answer, ans.answer
