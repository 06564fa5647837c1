"""Answers on three documents written blind for the eighth round (tests/data/probe5), of kinds the shared sets lack:
a province's decision setting up its steering committee (Quyết định kiện toàn Ban Chỉ đạo), a commune's plan for an
elders' learning contest (Kế hoạch Hội thi, with prizes, a dossier and a schedule) and a department's report on
inspecting community learning centres (Báo cáo kết quả kiểm tra). Through the real indexer, store, model and
assistant:

- a list asked is every item of its section, cited by that section, even when a word of the question ("đăng ký")
  is in one item only but also names the list's own heading ("VI. HỒ SƠ ĐĂNG KÝ DỰ THI");
- "gồm những phần thi nào" gathers the items that are what is asked (each "Phần thi …"), not the one item a later
  clause of the question names;
- "kiểm tra bao nhiêu" counts; it does not ask a sum of money ("trả bao nhiêu" does);
- a due date asked for something no deadline near the question is about ("hạn nộp tranh" where the notice only
  awards a drawing contest's prizes and sets a deadline for book stalls) is refused, naming the deadline as missing,
  while the stalls' deadline is answered.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe5"
NOTICES = ROOT / "tests" / "data" / "notices"  # a commune's notice of a reading day (one deadline, for stalls)
# a department's guide scoring agencies as "Đơn vị học tập" (a Markdown table; levels by points)
SCORING = ROOT / "tests" / "data" / "probe6" / "hanam-2026-hd-cham-diem-don-vi-hoc-tap.md"
# a provincial council's resolution funding learners by age (15 to 60: meals; over 60: materials only)
SUPPORT = ROOT / "tests" / "data" / "probe6" / "laichau-2026-nq-hdnd-ho-tro-hoc-tap.txt"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe5-store", [ROOT / "knowledge", DOCS, NOTICES, SCORING, SUPPORT])


def test_a_dossier_asked_is_every_item_of_its_section_cited_by_that_section(assistant):
    ans = assistant.ask("Bố tôi 68 tuổi muốn thi thì hồ sơ đăng ký dự thi cần những giấy tờ gì?")
    assert ans.answered, ans.answer
    for item in ("a) Phiếu đăng ký dự thi", "b) Bản sao thẻ Căn cước", "c) Giấy xác nhận đủ sức khỏe", "d) 01 ảnh"):
        assert item in ans.answer, ans.answer
    assert "(mục VI › 1)" in ans.answer.split("\n")[0], ans.answer


def test_the_members_of_a_list_asked_are_gathered_not_the_one_a_later_clause_names(assistant):
    ans = assistant.ask("Chung kết gồm những phần thi nào, phần kiến thức tối đa bao nhiêu điểm?")
    assert ans.answered, ans.answer
    for part in ("“Chào hỏi”", "“Kiến thức”: trả lời câu hỏi hiểu biết, tối đa 40 điểm", "“Kỹ năng số”"):
        assert part in ans.answer, ans.answer
    assert "Thời gian: 7 giờ 30 phút, thứ Bảy" not in ans.answer  # not a member of the list asked


def test_an_inspection_count_is_no_sum_of_money(assistant):
    from bot.evidence import asked_kinds
    from bot.relevance import folded_text

    assert "money" not in asked_kinds(folded_text("Sở kiểm tra bao nhiêu trung tâm?"))
    assert "money" in asked_kinds(folded_text("Học viên phải trả bao nhiêu?"))
    assert "money" not in asked_kinds(folded_text("Nếu bị phát hiện kê khai không trung thực thì xử lý thế nào?"))
    assert "money" in asked_kinds(folded_text("Chậm báo cáo thì bị phạt bao nhiêu?"))
    ans = assistant.ask("Năm 2026 Sở GDĐT Đồng Tháp kiểm tra bao nhiêu TTHTCĐ, chiếm bao nhiêu % tổng số?")
    assert ans.answered and "40 TTHTCĐ" in ans.answer and "39,2%" in ans.answer, ans.answer


def test_a_due_date_asked_of_what_no_near_deadline_is_about_is_refused(assistant):
    ans = assistant.ask("han nop tranh cuoc thi ve tranh xa tan hoa la khi nao")
    assert not ans.answered and "“thời hạn”" in ans.answer, ans.answer
    ans = assistant.ask("Hạn đăng ký gian hàng sách ngày hội đọc sách xã Tân Hòa là ngày nào?")
    assert ans.answered and "10/9/2027" in ans.answer, ans.answer  # as the notice writes it


def test_a_province_only_other_provinces_documents_speak_of_is_refused_naming_it(assistant):
    """Quảng Ngãi has no document here; Đồng Tháp's report answers for Đồng Tháp only."""
    ans = assistant.ask("Sở GDĐT Quảng Ngãi kiểm tra các TTHTCĐ theo kế hoạch số mấy?")
    assert not ans.answered and "“Quảng Ngãi”" in ans.answer, ans.answer
    ans = assistant.ask("Sở GDĐT Đồng Tháp kiểm tra các TTHTCĐ theo kế hoạch số mấy?")
    assert ans.answered and "1290/KH-SGDĐT" in ans.answer, ans.answer


def test_an_announced_item_that_announces_items_brings_them(assistant):
    """'… gồm 15 thành viên, cụ thể như sau:' announces '1. Trưởng ban …' … '4. Các ủy viên:', whose members are the
    sections a) … m) below it: they are quoted under it, never the heading alone."""
    ans = assistant.ask("Ban Chỉ đạo xây dựng xã hội học tập tỉnh Vĩnh Long gồm bao nhiêu thành viên?")
    assert ans.answered and "15 thành viên" in ans.answer, ans.answer
    text = ans.answer + "\n".join(ans.more or [])
    assert "4. Các ủy viên:" in text and "a) Ông Phạm Văn Lợi" in text.split("4. Các ủy viên:")[1], ans.answer


def test_a_score_asked_gets_the_level_whose_range_of_points_holds_it(assistant):
    ans = assistant.ask("don vi minh tu cham duoc 82 diem thi xep loai gi?")
    assert ans.answered and ans.answer.startswith("Đạt: từ 70 điểm đến dưới 90 điểm; 82 điểm"), ans.answer
    ans = assistant.ask("Cơ quan tôi được 65 điểm thì có đạt Đơn vị học tập không?")
    assert ans.answered and ans.answer.startswith("Chưa đạt: dưới 70 điểm"), ans.answer


def test_a_criterion_row_of_a_table_is_read_with_the_indicator_rows_numbered_under_it(assistant):
    """'| 3 | Chuyển đổi số, kỹ năng số | | 25 |' holds the question's words; its indicators are the rows '3.1' … '3.3',
    the last of them in the next chunk of the table."""
    ans = assistant.ask("Tiêu chí chuyển đổi số, kỹ năng số chiếm bao nhiêu điểm, gồm các chỉ số gì?")
    assert ans.answered, ans.answer
    lines = ans.answer.split("\n")
    assert lines[1].startswith("“Chuyển đổi số, kỹ năng số” — Điểm tối đa: 25"), ans.answer
    assert [x.strip()[:4] for x in lines[2:5]] == ["3.1.", "3.2.", "3.3."], ans.answer
    assert "(Điểm tối đa: 9)" in lines[3] and "2.1." not in ans.answer


def test_a_short_item_quoted_alone_comes_with_the_titles_of_the_lists_it_is_in(assistant):
    """'Hồ sơ của mỗi đội gồm:' › 'b) Bản sao thẻ Căn cước …' is a list item: read alone it does not say whose
    dossier it belongs to; the titles above it are quoted first."""
    from bot.answerers.evidence import _lists_it_is_in
    from bot.evidence import Candidate

    kb = assistant.kb
    ch = next(c for c in kb.chunks.values() if c.text.startswith("b) Bản sao thẻ Căn cước"))
    item = Candidate(ch.id, ch.document_id, 0, ch.text, False)
    ctx = SimpleNamespace(kb=kb)
    titles = _lists_it_is_in(ctx, item)
    assert titles.startswith("VI. HỒ SƠ ĐĂNG KÝ DỰ THI › 1. Hồ sơ của mỗi đội gồm: › "), titles
    long_line = Candidate(ch.id, ch.document_id, 0, "b) " + "rất dài " * 30, False)
    assert _lists_it_is_in(ctx, long_line) == ""  # a long item says what it is about itself


def test_an_age_asked_is_answered_by_the_line_whose_ages_hold_it(assistant):
    ans = assistant.ask("người 65 tuổi có được hỗ trợ tiền ăn khi đi học xóa mù chữ không?")
    assert ans.answered and "Người trên 60 tuổi" in ans.answer.split("\n")[1], ans.answer
    assert "không hưởng hỗ trợ tiền ăn" in ans.answer
    ans = assistant.ask("Bà tôi 58 tuổi đi học lớp xóa mù chữ ở Lai Châu có được hỗ trợ tiền ăn không?")
    assert ans.answered and ans.answer.startswith("Có: văn bản dành cho người từ 15 đến 60 tuổi"), ans.answer


def test_a_total_asked_is_found_where_the_documents_write_the_thing_totalled(assistant):
    """'Tổng ngân sách' (segmented as one word) is not a word the resolution writes, but 'ngân sách' is: no refusal;
    'tổng kết' stays a word of its own (a yearly summary is no 'kết quả')."""
    ans = assistant.ask("Tổng ngân sách tỉnh dự kiến chi cho chính sách này cả giai đoạn khoảng bao nhiêu?")
    assert ans.answered and "38,6 tỷ đồng" in ans.answer, ans.answer
