"""Answers on the eleventh round's third blind set (tests/data/probe13), written after the fixes of probe11 and
probe12: a department's inspection plan with a schedule table typed in pipes, a commune's notice of the clans
recognised as "Dòng họ học tập" by hamlet, a district's project (Đề án) in Word. Through the real indexer, store,
model and assistant:

- which members of a list are asked ("những dòng họ nào") is no filter when its head names them ("Thôn An Phú (06
  dòng họ):"): every clan, not the one that writes "dòng họ tiêu biểu";
- "số mấy, ban hành ngày nào, ai ký?" gives the signer and the day as the document writes it;
- a due day counted from an event ("chậm nhất 07 ngày trước ngày kiểm tra") answers "chậm nhất khi nào", not a
  refusal for a date no line gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe13"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe13-store", [ROOT / "knowledge", DOCS])


def test_members_a_list_head_names_are_every_item(assistant):
    ans = assistant.ask("thon An Phu co nhung dong ho nao duoc cong nhan dong ho hoc tap nam 2026")
    assert ans.answered, ans.answer
    for clan in ("Nguyễn Đức", "Phạm Văn", "Vũ Đình", "Đỗ Xuân", "Lê Khắc", "Trần Quang"):
        assert clan in ans.answer, ans.answer


def test_signer_and_day_asked_together(assistant):
    ans = assistant.ask("Kế hoạch kiểm tra TTHTCĐ năm 2027 của Sở GDĐT Lạng Sơn số mấy, ban hành ngày nào, ai ký ạ?")
    assert ans.answered and "1147/KH-SGDĐT" in ans.answer and "Hoàng Văn Thắng" in ans.answer, ans.answer
    assert "ngày 16 tháng 3 năm 2027" in ans.answer, ans.answer


def test_a_due_day_counted_from_an_event_answers_by_when(assistant):
    ans = assistant.ask("UBND xa co ten trong lich kiem tra phai gui bao cao tu danh gia cham nhat khi nao")
    assert ans.answered and "07 ngày trước ngày kiểm tra" in ans.answer, ans.answer


def test_a_target_named_by_its_whole_label_comes_first(assistant):
    from bot.evidence import NAMED_FIELD_SYLLABLES, field_label

    line = "Số tài liệu số trên Thư viện số Hòa Vang: năm 2027 đạt 5.000 tài liệu; năm 2028 đạt 12.000 tài liệu."
    assert field_label(line, NAMED_FIELD_SYLLABLES) == "so tai lieu so tren thu vien so hoa vang"
    ans = assistant.ask("chi tieu so tai lieu so tren thu vien so Hoa Vang cac nam 2027, 2028, 2030 la bao nhieu")
    first = ans.answer.split("\n")[1]
    assert ans.answered and "5.000" in first and "12.000" in first and "25.000" in first, ans.answer


def test_a_numbered_criterion_the_document_does_not_have_is_refused_by_name(assistant):
    ans = assistant.ask("Tiêu chí 6 trong thang điểm đánh giá TTHTCĐ của Sở GDĐT Lạng Sơn là gì?")
    assert not ans.answered and "Tiêu chí 6" in ans.answer, ans.answer
    kept = assistant.ask("Tiêu chí 3 trong thang điểm đánh giá TTHTCĐ của Sở GDĐT Lạng Sơn được bao nhiêu điểm?")
    assert kept.answered and "40 điểm" in kept.answer, kept.answer
