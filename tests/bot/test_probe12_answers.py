"""Answers on the eleventh round's second blind set (tests/data/probe12): a steering committee's work programme as
one month-by-month Markdown table, a department's answers to voters, a district's award rules in Word, a district
portal's news page with a table of communes. Through the real indexer, store, model and assistant:

- "Tháng 3/2027 … có những việc gì?" is every row of month 3 of a table whose first column counts the months;
- the items of a section the question names by its whole title ("những hình thức khen thưởng nào" of "Điều 3. Hình
  thức khen thưởng") answer a list asked, not an item of another article that says the words in passing;
- "bao nhiu" is "bao nhiêu", not a topic to refuse for;
- a work programme laid out in Markdown tables is cited by its number and signer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evidence import period_asked
from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe12"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe12-store", [ROOT / "knowledge", DOCS])


def test_a_period_is_the_first_cell_under_the_column_that_counts_it():
    columns = "Tháng Nội dung công việc Cơ quan chủ trì"
    assert period_asked(columns, "| 3 | Tổ chức tập huấn |", "thang 3/2027 co nhung viec gi")
    assert period_asked(columns, "| 03 | Tổ chức tập huấn |", "thang 3 co viec gi")
    assert not period_asked(columns, "| 3 | Tổ chức tập huấn |", "thang 4 co viec gi")
    assert not period_asked("STT Nội dung", "| 3 | Tổ chức tập huấn |", "thang 3 co viec gi")  # a row number


def test_a_month_asked_of_a_programme_is_every_row_of_that_month(assistant):
    ans = assistant.ask("Tháng 3/2027 BCĐ XHHT Phú Thọ có những việc gì, cơ quan nào chủ trì?")
    assert ans.answered, ans.answer
    assert "450 cán bộ" in ans.answer and '"Đơn vị học tập"' in ans.answer, ans.answer
    assert "26/02/2027" not in ans.answer.split("Ngoài ra")[0], ans.answer  # February's conference


def test_a_list_asked_by_a_sections_whole_title_is_that_sections_items(assistant):
    ans = assistant.ask("Quy chế thi đua khen thưởng khuyến học ở Hải Hậu có những hình thức khen thưởng nào?")
    assert ans.answered, ans.answer
    first = ans.answer.split("Ngoài ra")[0]
    assert "Điều 3. Hình thức khen thưởng" in first, ans.answer
    for form in ("Giấy khen", "Giấy chứng nhận", "Bằng khen"):
        assert form in first, ans.answer


def test_bao_nhiu_is_bao_nhieu(assistant):
    ans = assistant.ask("Năm 2027 Văn Lâm có bao nhiu dòng họ học tập, so với chỉ tiêu thì sao?")
    assert ans.answered and "168" in ans.answer and "160" in ans.answer, ans.answer


def test_a_programme_laid_out_in_markdown_tables_is_cited_with_its_signer(assistant):
    ans = assistant.ask("Chương trình công tác năm 2027 của BCĐ xây dựng XHHT tỉnh Phú Thọ số mấy, ai ký vậy ạ?")
    assert ans.answered and "03/CTr-BCĐ" in ans.answer and "Hà Quang Vinh" in ans.answer, ans.answer


def test_the_line_holding_the_question_with_its_documents_place_comes_first(assistant):
    """'Văn Lâm' names the page, not any of its lines: the line holding every other word asked answers."""
    ans = assistant.ask("Quỹ khuyến học khuyến tài huyện Văn Lâm năm 2027 vận động được bao nhiêu?")
    assert ans.answered and "9,8 tỷ đồng" in ans.answer.split("Ngoài ra")[0], ans.answer


def test_a_sum_in_multiples_of_the_base_wage_is_a_sum(assistant):
    from bot.evidence import CARRIES

    assert CARRIES["money"].search("- Giám đốc TTHTCĐ: hỗ trợ 0,3 mức lương cơ sở/tháng;")
    ans = assistant.ask(
        "Theo trả lời cử tri ở Kon Tum thì giám đốc và phó giám đốc TTHTCĐ được hỗ trợ bao nhiêu mỗi tháng?"
    )
    assert ans.answered and "0,3 mức lương cơ sở" in ans.answer and "0,2 mức lương cơ sở" in ans.answer, ans.answer


def test_a_commune_or_district_no_document_near_names_is_refused_by_name(assistant):
    from bot.evidence import _capitalised_name

    assert _capitalised_name("Minh Đức huyện Văn Lâm") == "Minh Đức"
    assert _capitalised_name("ở Tuyên Quang") == ""  # lower case: no name
    ans = assistant.ask("Sở GDĐT Kon Tum trả lời thế nào về kiến nghị của cử tri huyện Sa Thầy về xây trụ sở TTHTCĐ?")
    assert not ans.answered and "Sa Thầy" in ans.answer, ans.answer
    kept = assistant.ask("Xã Lạc Hồng huyện Văn Lâm năm 2027 có bao nhiêu hộ gia đình học tập?")  # in the table
    assert kept.answered and "2.103" in kept.answer, kept.answer


def test_conditions_asked_are_the_line_of_a_section_of_standards(assistant):
    ans = assistant.ask("Điều kiện để dòng họ ở Hải Hậu được Giấy chứng nhận Dòng họ học tập tiêu biểu là gì thế?")
    first = ans.answer.split("Ngoài ra")[0]
    assert ans.answered and "03 năm liên tục" in first and "30.000.000" in first and "90%" in first, ans.answer
