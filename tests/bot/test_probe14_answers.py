"""Answers on the twelfth round's blind sets (tests/data/probe14, probe15): a province's invitation to a review
meeting, a commune's award decision in Word with its list as a table, a family line's charter in Markdown, a joint
plan of two associations, a continuing-education centre's report in Word, a reporting-template guide and a post
pasted from a commune's Facebook page; with a commune letter written here that gives its contact only in its
closing. Through the real indexer, store, model and assistant (the scanned notice is left out: OCR has its own
tests):

- underthesea glues a name's last syllable to the next word ("Bố | Trạch số", "Lớp | B học"): re-cut at the seam
  the documents write;
- a person the question names that no document of the best lines names is refused by name; a row naming her is
  found even in a later chunk of the table, whose header is repeated there;
- a deadline written with a time of day before its date, the recipients asked with the signer, the body asked and
  not its partner, the members of a list named with a word between the halves of their name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
TYPED = [p for d in ("probe14", "probe15") for p in sorted((DATA / d).iterdir()) if p.suffix != ".pdf"]

# a commune's letter whose contact is given in its closing, under the issuer's abbreviation
COMMUNE_LETTER = """ỦY BAN NHÂN DÂN HUYỆN ĐÔNG SƠN
ỦY BAN NHÂN DÂN XÃ AN PHÚ

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 41/UBND-VHXH
V/v tổ chức lớp học kỹ năng số tại Trung tâm học tập cộng đồng năm 2027

An Phú, ngày 05 tháng 3 năm 2027

Kính gửi: Trung tâm học tập cộng đồng xã; Chi hội Khuyến học các thôn.

1. Trung tâm học tập cộng đồng xã mở 03 lớp kỹ năng số cho người dân trong tháng 4/2027.
2. Chi hội Khuyến học các thôn vận động hội viên đăng ký học, gửi danh sách về Trung tâm trước ngày 25/3/2027.

Đầu mối liên hệ: ông Lê Văn Tâm, công chức Văn hóa - Xã hội, điện thoại 0237 3861 452.

Nơi nhận:                                   TM. ỦY BAN NHÂN DÂN
- Như trên;                                 CHỦ TỊCH
- Lưu: VT.                                  Phạm Thị Hoa
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    letter = tmp_path_factory.mktemp("letter") / "anphu-2027-cv-lop-ky-nang-so.txt"
    letter.write_text(COMMUNE_LETTER, encoding="utf-8")
    return assistant_over(tmp_path_factory, "probe14-store", [ROOT / "knowledge", *TYPED, letter])


def test_a_name_glued_to_the_next_word_is_cut_at_the_seam(assistant):
    ans = assistant.ask("Báo cáo kết quả XHHT 2027 của Trung tâm GDNN-GDTX Bố Trạch số bao nhiêu, ai ký, gửi ai?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[0]
    assert "86/BC-TTGDNN-GDTX" in first and "Hoàng Minh Đức" in first, ans.answer
    assert "GDNN-GDTX Bố Trạch" in first and "Gdnn" not in first, ans.answer  # the issuer keeps its abbreviation
    assert "Kính gửi: Sở Giáo dục và Đào tạo" in ans.answer, ans.answer


def test_a_class_letter_glued_to_the_next_word(assistant):
    ans = assistant.ask("Lớp B học ở đâu, mấy giờ, học mấy buổi vậy?")
    assert ans.answered, ans.answer
    first_quote = ans.answer.split("\n")[1]
    assert "Lớp B" in first_quote and "14h30" in first_quote and "Yên Lý" in first_quote, ans.answer


def test_a_deadline_with_a_time_of_day_before_its_date(assistant):
    ans = assistant.ask("Đăng ký lớp smartphone cho người cao tuổi xã Diễn Châu hạn chót là khi nào?")
    assert ans.answered and "10/3/2027" in ans.answer, ans.answer


def test_a_person_no_document_names_is_refused_by_name(assistant):
    ans = assistant.ask(
        "Hộ ông Nguyễn Văn Tám thôn Ngô Xá có được tặng Giấy chứng nhận Gia đình học tập năm 2027 không?"
    )
    assert not ans.answered and "Nguyễn Văn Tám" in ans.answer, ans.answer


def test_a_row_naming_the_person_in_a_later_chunk_of_the_table(assistant):
    ans = assistant.ask("Ba Hoang Thi Mai o thon Dinh Ca duoc khen hinh thuc gi, thuong bao nhieu tien?")
    first_quote = ans.answer.split("\n")[1]
    assert ans.answered and "Hoàng Thị Mai" in first_quote and "702.000" in first_quote, ans.answer
    assert "Hình thức khen: Giấy khen" in first_quote, ans.answer  # read under its column's name


def test_a_table_cut_into_chunks_repeats_its_header(assistant):
    kb = assistant.kb
    chunks = [c for c in kb.chunks.values() if c.document_id == "quyetdinh-khenthuong-tiendu"]
    with_rows = [c for c in chunks if any(x.startswith("| ") and "Hoàng Thị Mai" in x for x in c.text.split("\n"))]
    assert with_rows, [c.text[:80] for c in chunks]
    rows = [x for x in with_rows[0].text.split("\n") if x.lstrip().startswith("|")]
    assert "Họ và tên" in rows[0] and "Số tiền thưởng" in rows[0], with_rows[0].text[:300]


def test_members_named_with_a_word_between_the_halves_of_their_name(assistant):
    ans = assistant.ask("Những trường học nào ở Tiên Du được tặng giấy khen về XHHT năm 2027?")
    assert ans.answered and "Nội Duệ" in ans.answer and "Liên Bão" in ans.answer, ans.answer
    assert "Thôn Lũng Giang" not in ans.answer and "Dòng họ Nguyễn Hữu" not in ans.answer, ans.answer


def test_the_body_asked_not_its_partner(assistant):
    ans = assistant.ask("HLHPN tinh Ninh Binh duoc giao nhung nhiem vu gi trong ke hoach phoi hop voi hoi khuyen hoc")
    head = ans.answer.split("\n")[0]
    assert ans.answered and head.startswith("Hội LHPN tỉnh"), ans.answer
    assert "Phụ nữ Ninh Bình với kỹ năng số" in ans.answer and "Trích Quỹ Khuyến học" not in ans.answer, ans.answer


def test_where_and_when_a_reward_is_paid_asks_no_sum(assistant):
    ans = assistant.ask("Nhận tiền thưởng khen thưởng XHHT của xã Tiên Du ở đâu, từ ngày nào đến ngày nào?")
    assert ans.answered and "Kế toán" in ans.answer and "10/01/2028" in ans.answer, ans.answer


def test_a_number_with_a_thousands_point_is_no_deadline(assistant):
    due = [d for d in assistant.kb.deadlines if d.document_id == "giaymoi-hop-so-ket-xhht-ninhbinh"]
    assert due and all((d.due_day, d.due_month) != (1, 5) for d in due), [(d.due_day, d.due_month) for d in due]
    ans = assistant.ask("Bản tham luận gửi hội nghị sơ kết XHHT Ninh Bình tối đa bao nhiêu chữ, trình bày mấy phút?")
    assert " 0 chữ" not in ans.answer, ans.answer


def test_a_commune_named_with_a_capital_that_no_document_names(assistant):
    ans = assistant.ask("Xã Quỳnh Đôi có mở lớp smartphone cho người cao tuổi không?")
    assert not ans.answered and "Quỳnh Đôi" in ans.answer, ans.answer


def test_the_contact_of_the_commune_that_issued_the_letter(assistant):
    ans = assistant.ask("Số điện thoại liên hệ của UBND xã An Phú?")
    assert ans.answered and "0237 3861 452" in ans.answer, ans.answer


def test_a_row_named_by_its_code(assistant):
    ans = assistant.ask("Dòng A1 của Biểu số 02 chỉ tính những lớp, chuyên đề như thế nào ạ?")
    assert ans.answered and "A1 | Số chuyên đề, lớp học đã tổ chức" in ans.answer, ans.answer
    assert "15 học viên" in ans.answer, ans.answer
