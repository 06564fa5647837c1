"""Answers on the fourteenth round's blind sets (tests/data/probe18, probe19): a council's founding decision with its
members in a Word table, a commune's propaganda outline in Markdown, an e-mail asking for statistics, a training
programme as a PDF, an agreement between a learning centre and a company, a letter on how to compute the indicators
and a web page carrying a conference plan with its agenda table; with a class schedule of our own. Through the real
indexer, store, model and assistant:

- a total asked ("tổng số bao nhiêu đại biểu", "… bao nhiêu học viên") is answered by the line giving the total of
  what is counted, before the items it sums;
- a list of a document's numbered parts asked ("gồm những chuyên đề nào") lists every part that the document opens,
  not a line that only mentions one;
- a member list asked for its chair gets the row whose role cell the question writes ("Chủ tịch Hội đồng"), not the
  secretary's;
- "ai dạy" is answered by the line naming the teacher ("Người dạy: cô …");
- "có được … không?" asks whether, so a yes/no question that names a share is not refused for want of a figure;
- a deadline with a time of day keeps its hour ("Trước 17h00 ngày 27/11/2026");
- a list's items come with the line announcing them ("Mỗi xã, phường cử 03 học viên, gồm:");
- an agreement is found by its parties' names ("cty Sen Vàng", "TTHTCĐ Tân Mỹ Lợi").
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
    for d in ("probe18", "probe19")
    for p in sorted((DATA / d).iterdir())
    if p.suffix != ".pdf" or "scan" not in p.name
]

# a class schedule of our own, laid out as the scanned notice is (one block of fields per class)
SCHEDULE = """ỦY BAN NHÂN DÂN PHƯỜNG HÒA KHÁNH
TRUNG TÂM HỌC TẬP CỘNG ĐỒNG

Số: 11/TB-TTHTCĐ

Hòa Khánh, ngày 02 tháng 4 năm 2027

THÔNG BÁO
Lịch các lớp học tháng 4 năm 2027

1. Lớp Vẽ tranh cho thiếu nhi
- Ngày học: thứ Bảy hằng tuần
- Địa điểm: Nhà văn hóa tổ dân phố 12
- Người dạy: cô Trương Thị Diệu Hiền
- Học phí: Miễn phí
2. Lớp Cờ tướng cho người cao tuổi
- Ngày học: thứ Tư hằng tuần
- Địa điểm: Sân nhà văn hóa tổ dân phố 3
- Người dạy: ông Phan Văn Lộc (Hội Người cao tuổi phường)
- Học phí: Miễn phí
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    notice = tmp_path_factory.mktemp("schedule18") / "hoakhanh-2027-tb-lich-lop.txt"
    notice.write_text(SCHEDULE, encoding="utf-8")
    return assistant_over(tmp_path_factory, "probe18-store", [ROOT / "knowledge", *DOCS, notice])


def test_a_total_asked_is_answered_by_the_line_giving_it(assistant):
    ans = assistant.ask("hoi nghi tong ket xhht thai nguyen tong so bao nhieu dai bieu?")
    assert ans.answered and "290" in ans.answer.split("\n")[1], ans.answer  # not the 40 of one group
    ans = assistant.ask("Chương trình bồi dưỡng cán bộ TTHTCĐ Phú Thọ tổng số bao nhiêu học viên?")
    assert ans.answered and "444 học viên" in ans.answer.split("\n")[1], ans.answer


def test_a_list_of_numbered_parts_lists_every_part_opened(assistant):
    ans = assistant.ask("Khóa bồi dưỡng cán bộ TTHTCĐ ở Phú Thọ gồm những chuyên đề nào?")
    assert ans.answered and "có 7 chuyên đề" in ans.answer, ans.answer
    assert "Chuyên đề 1." in ans.answer and "Chuyên đề 7." in ans.answer, ans.answer
    assert "Cử báo cáo viên" not in ans.answer, ans.answer


def test_the_row_whose_role_cell_the_question_writes_answers_who(assistant):
    ans = assistant.ask("Chủ tịch hội đồng thẩm định ĐVHT tỉnh Hưng Yên là ai?")
    assert ans.answered and "Trần Quang Vinh" in ans.answer.split("\n")[1], ans.answer
    assert "Thư ký Hội đồng" not in ans.answer.split("\n")[1], ans.answer


def test_who_teaches_is_the_line_naming_the_teacher(assistant):
    ans = assistant.ask("lop co tuong cho nguoi cao tuoi o hoa khanh ai day, hoc o dau?")
    assert ans.answered and "Phan Văn Lộc" in ans.answer and "tổ dân phố 3" in ans.answer, ans.answer
    assert "Diệu Hiền" not in ans.answer, ans.answer


def test_whether_a_share_may_be_averaged_is_answered_not_refused(assistant):
    ans = assistant.ask("Tỷ lệ chung toàn tỉnh Quảng Trị có được lấy trung bình cộng tỷ lệ của các xã không?")
    assert ans.answered and "tổng tử số" in ans.answer, ans.answer


def test_a_deadline_keeps_its_time_of_day(assistant):
    ans = assistant.ask("Bản dự thảo số liệu XHHT gửi Sở GDĐT Quảng Trị trước mấy giờ, ngày nào?")
    assert ans.answered and "17h00" in ans.answer and "27/11" in ans.answer, ans.answer


def test_a_list_comes_with_the_line_announcing_it(assistant):
    ans = assistant.ask("Mỗi xã, phường cử mấy người đi học lớp bồi dưỡng nghiệp vụ TTHTCĐ ở Phú Thọ, gồm những ai?")
    assert ans.answered and "03 học viên" in ans.answer and "Hội Khuyến học xã" in ans.answer, ans.answer


def test_an_agreement_is_found_by_its_parties_names(assistant):
    ans = assistant.ask("cty Sen Vàng tài trợ cho TTHTCĐ Tân Mỹ Lợi tổng cộng bao nhiêu tiền?")
    assert ans.answered and "185.000.000" in ans.answer, ans.answer
    assert ans.sources[0].file == "thoathuan-hoptac-tthtcd-doanhnghiep-tanmyloi", ans.sources
