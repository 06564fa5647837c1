"""Answers on the thirteenth round's blind sets (tests/data/probe16, probe17): a Sở's letter correcting its own plan,
a province's decision giving each commune its targets in a Word table, a commune's meeting minutes in Markdown, a
message pasted from a Zalo group, a ward's plan with a progress table, a support-rates decision as a PDF, a survey
form with its letter and a news page. Through the real indexer, store, model and assistant:

- a clause the answer does not speak of is answered by a line of the cited documents holding its words ("…, kết
  thúc lúc nào?" after the start time; "…, lớp khai giảng trước đó thì tính sao?" after the date of effect);
- a person the question names by "đ/c" that no document names is refused, even in a clause after the first; so is
  one of several bodies or prizes of a head ("Sở Y tế" beside "Sở Nội vụ", "Sở Tài chính"; "giải Ba" beside "giải
  Nhất", "giải Nhì") that the best documents never name;
- asked who, of an item under a heading counting its members ("Vắng mặt (02 thành viên)"), all of them; asked which
  row holds the highest or lowest of a column ("xã nào … cao nhất"), that row;
- a word typed with accents that the nearest evidence writes only with others ("vàng" of "Hòa Vang") is missing;
- a list asked of the body that leads the best item ("TT phục vụ hành chính công … những buổi nào") is its items
  only, a unit written with a slash ("02 buổi/tháng") naming the members asked;
- chat shorthand "bnhieu" asks how much.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
DOCS = [p for d in ("probe16", "probe17") for p in sorted((DATA / d).iterdir())]


# a commune letter whose place folds like a word of the language ("Hòa Vang": "vàng", gold)
LETTER = """ỦY BAN NHÂN DÂN XÃ HÒA VANG

Số: 18/UBND-VHXH
V/v mở lớp kỹ năng số tại Trung tâm học tập cộng đồng

Hòa Vang, ngày 10 tháng 3 năm 2027

Kính gửi: Trung tâm học tập cộng đồng xã.

Trung tâm học tập cộng đồng xã Hòa Vang mở 02 lớp kỹ năng số cho người cao tuổi, học phí 50.000 đồng/khóa.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    letter = tmp_path_factory.mktemp("letter16") / "hoavang-2027-cv-lop-ky-nang-so.txt"
    letter.write_text(LETTER, encoding="utf-8")
    return assistant_over(tmp_path_factory, "probe16-store", [ROOT / "knowledge", *DOCS, letter])


def test_a_later_clause_of_the_same_kind_is_answered_too(assistant):
    ans = assistant.ask("Cuộc họp BCĐ XHHT xã Phú Thạnh Đông quý I/2027 bắt đầu lúc mấy giờ, ở đâu, kết thúc lúc nào")
    assert ans.answered and "14 giờ 00" in ans.answer and "Phòng họp số 2" in ans.answer, ans.answer
    assert "16 giờ 40" in ans.answer, ans.answer


def test_a_clause_of_no_kind_is_answered_by_a_line_holding_its_words(assistant):
    ans = assistant.ask(
        "Quy định mức hỗ trợ học tập suốt đời của Đồng Tháp có hiệu lực từ ngày nào, lớp khai giảng trước đó thì tính sao?"
    )
    assert ans.answered and "01 tháng 6 năm 2027" in ans.answer, ans.answer
    assert "khai giảng trước ngày 01 tháng 6 năm 2027" in ans.answer, ans.answer


def test_a_comrade_no_document_names_is_refused_by_name(assistant):
    ans = assistant.ask("Trong cuộc họp bcđ xhht xã Phú Thạnh Đông, đ/c Nguyễn Hoàng Phúc phát biểu ý kiến gì?")
    assert not ans.answered and "Nguyễn Hoàng Phúc" in ans.answer, ans.answer


def test_a_comrade_the_minutes_name_is_answered(assistant):
    ans = assistant.ask("Đ/c Trương Văn Hậu đề nghị gì trong cuộc họp BCĐ xã Phú Thạnh Đông?")
    assert ans.answered and "Trương Văn Hậu" in ans.answer, ans.answer


def test_chat_shorthand_asks_how_much(assistant):
    ans = assistant.ask("lớp bơi cho trẻ ở Phú Ủng Tây bnhieu tiền, học từ ngày nào đến ngày nào")
    assert ans.answered and "250.000" in ans.answer and "14/6/2027" in ans.answer, ans.answer


def test_who_of_a_section_counting_its_members_gives_them_all(assistant):
    ans = assistant.ask("ai vang mat trong cuoc hop bcd xhht xa phu thanh dong, ly do gi")
    assert ans.answered and "Đặng Quốc Hùng" in ans.answer and "Mai Thanh Sơn" in ans.answer, ans.answer
    assert "đi tập huấn tại tỉnh" in ans.answer, ans.answer


def test_a_body_among_others_of_its_head_that_no_document_names_is_refused(assistant):
    ans = assistant.ask("Sở Y tế Cao Bằng có nhiệm vụ gì trong quyết định giao chỉ tiêu xhht cho cụm thi đua số 3?")
    assert not ans.answered and "Sở Y tế" in ans.answer, ans.answer
    ans = assistant.ask("Sở Nội vụ Cao Bằng có nhiệm vụ gì trong quyết định giao chỉ tiêu xhht?")
    assert ans.answered and "Sở Nội vụ" in ans.answer and "tiêu chí chấm điểm thi đua" in ans.answer, ans.answer
    assert "Thư viện tỉnh luân chuyển" not in ans.answer, ans.answer  # its tasks, not the other bodies' of Điều 2


def test_a_prize_beside_others_that_the_page_does_not_name_is_refused(assistant):
    ans = assistant.ask("Gia đình đạt giải Ba hội thi Gia đình học tập tiêu biểu Quảng Trị 2027 là gia đình nào?")
    assert not ans.answered and "giải Ba" in ans.answer, ans.answer
    ans = assistant.ask("Gia đình nào đạt giải Nhì hội thi Gia đình học tập tiêu biểu Quảng Trị 2027?")
    assert ans.answered and "Hồ Thị Lan" in ans.answer, ans.answer


def test_the_row_holding_the_highest_of_the_column_asked(assistant):
    ans = assistant.ask(
        "Trong QĐ giao chỉ tiêu XHHT cụm thi đua số 3 Cao Bằng, xã/phường nào được giao số lượt người học tại TTHTCĐ cao"
        " nhất, bao nhiêu lượt?"
    )
    first = ans.answer.split("\n")[1]
    assert ans.answered and "Tân An Cao" in first and "6.500" in first, ans.answer
    ans = assistant.ask("Xã nào ở Cao Bằng được giao số lớp chuyên đề tại TTHTCĐ ít nhất?")
    assert ans.answered and "Thông Nông Mới" in ans.answer.split("\n")[1], ans.answer


def test_a_word_typed_with_accents_the_evidence_writes_only_with_others_is_missing(assistant):
    ans = assistant.ask("Giá vàng hôm nay bao nhiêu?")  # "Hòa Vang" holds no gold, "gia đình" no price
    assert not ans.answered and "vàng" in ans.answer, ans.answer
    ans = assistant.ask("Lớp kỹ năng số ở xã Hòa Vang học phí bao nhiêu?")
    assert ans.answered and "50.000" in ans.answer, ans.answer


def test_a_list_asked_of_the_body_the_best_item_names_is_that_body_s(assistant):
    ans = assistant.ask(
        "TT phục vụ hành chính công phường hướng dẫn người già làm dịch vụ công online vào những buổi nào ạ"
    )
    assert ans.answered and "02 buổi/tháng" in ans.answer and "tuần thứ tư" in ans.answer, ans.answer
    assert "Công an phường" not in ans.answer, ans.answer  # another body's sessions


def test_a_numbered_question_of_a_form_is_read_with_its_options(assistant):
    ans = assistant.ask("cau 6 phieu khao sat nhu cau hoc tap duoc chon toi da may phuong an, gom nhung linh vuc nao")
    assert ans.answered and "chọn tối đa 03 phương án" in ans.answer, ans.answer
    assert "Kỹ năng số" in ans.answer and "Ngoại ngữ" in ans.answer, ans.answer
    ans = assistant.ask("Câu 15 của phiếu khảo sát nhu cầu học tập Hà Tĩnh hỏi gì?")  # the form has 12
    assert not ans.answered and "Câu 15" in ans.answer, ans.answer
