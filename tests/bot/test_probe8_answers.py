"""Answers on the ninth round's second blind set (tests/data/probe8): a commune's six-month report with a table of
targets against results (columns typed with tabs), a ward's decision recognising family lines with their list as an
annex table, a department's communication plan and a commune's notice of free classes. Through the real indexer,
store, model and assistant:

- a list asked of a table by what some rows say is those rows, counted as asked ("3 năm liên tục" is "03 năm …",
  not "02 năm …");
- a result asked "đã đạt … chưa" is the row of that target, read with its columns, never the table's header row;
- a registration window's last day ("đến hết ngày 06/9/2027") answers "hạn chót … ngày nào";
- a class the notice does not have ("Lớp số 07") is refused by name, one it has is read in its own section;
- "Đài PT-TH" is the broadcaster, not the initials of two provinces.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe8"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe8-store", [ROOT / "knowledge", DOCS])


def test_the_rows_a_list_asks_for_are_those_saying_it_counted_as_asked(assistant):
    first = assistant.ask("Dòng họ nào ở phường Thuận Hóa mới được công nhận lần đầu?")
    assert first.answered, first.answer
    for name in ("Tôn Thất (Phái Nhất)", "Phan Văn", "Võ Đại"):
        assert name in first.answer, first.answer
    assert "Nguyễn Khoa" not in first.answer, first.answer
    three = assistant.ask("Ở Thuận Hóa những dòng họ nào đạt danh hiệu 3 năm liên tục?")
    assert three.answered and "Nguyễn Khoa" in three.answer, three.answer
    assert "02 năm liên tục" not in three.answer, three.answer


def test_a_result_asked_is_its_row_read_with_its_columns_not_the_header(assistant):
    ans = assistant.ask("Xã Mỹ Hòa Hưng đã đạt chỉ tiêu đơn vị học tập chưa?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[1]
    assert first.startswith("“Số đơn vị đăng ký") and "Tỷ lệ so với kế hoạch: 100%" in first, ans.answer


def test_the_last_day_of_a_registration_window_answers_its_deadline(assistant):
    ans = assistant.ask("Đăng ký các lớp ở TTHTCĐ xã Bắc Hà hạn chót là ngày nào?")
    assert ans.answered and "06/9/2027" in ans.answer, ans.answer


def test_a_class_the_notice_does_not_have_is_refused_by_name(assistant):
    ans = assistant.ask("Lớp số 07 ở Trung tâm học tập cộng đồng xã Bắc Hà học những gì?")
    assert not ans.answered and "“Lớp số 07”" in ans.answer, ans.answer
    kept = assistant.ask("Lớp số 04 ở TTHTCĐ xã Bắc Hà do ai dạy?")
    assert kept.answered and "Vàng Thị Sua" in kept.answer, kept.answer
    assert "Lớp số 04" in kept.answer.split("\n")[0], kept.answer  # read in that class's section


def test_the_broadcasters_abbreviation_names_no_province(assistant):
    ans = assistant.ask("Chuyên mục Khuyến học - Khuyến tài của Đài PT-TH tỉnh Quảng Ngãi phát mấy giờ?")
    assert ans.answered and "20 giờ 15" in ans.answer, ans.answer
