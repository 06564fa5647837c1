"""Layouts of the thirteenth round's blind documents (tests/data/probe16, probe17), which the shared sets lack, read by
the real loaders and header parser:

- a message copied from a chat group has none of a document's header fields above its "Kính gửi": the date and the
  province its first lines write are its own;
- a news page whose byline names its publisher after the author ("Tác giả: Minh Thư - Phòng GDCN-GDTX") and whose
  title is led by its province ("Quảng Trị: …"): publisher, province and date read; initials in capitals keep their
  case ("GDCN-GDTX", no glossary entry needed);
- a questionnaire's questions are sections, ended by a parenthesis or a colon ("Câu 6. … nào? (chọn tối đa 03 phương
  án)", "Câu 1. Giới tính:").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from indexer.build import parse_file, parse_text
from bot.lexicon import load_lexicon

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_chat_message_is_dated_and_placed_by_its_first_lines():
    h = parse_file(DATA / "probe16" / "tinnhan-zalo-tthtcd-phuungtay-hungyen.txt").header
    assert (h.province, h.date) == ("Hưng Yên", dt.date(2027, 5, 29)), (h.province, h.date)
    assert h.recipients and "trưởng thôn" in h.recipients[0], h.recipients


def test_a_letter_with_its_own_header_is_not_read_as_a_chat_message():
    text = (
        "UBND TỈNH HƯNG YÊN\nSỞ GIÁO DỤC VÀ ĐÀO TẠO\n\nSố: 12/SGDĐT-GDTX\nV/v báo cáo\n\n"
        "Hưng Yên, ngày 03 tháng 3 năm 2027\n\nKính gửi: Các xã, phường.\n\nĐề nghị gửi báo cáo trước ngày 10/3/2027.\n"
    )
    h = parse_text("letter", Path("letter.txt"), text, load_lexicon()).header
    assert (h.number, h.date, h.province) == ("12/SGDĐT-GDTX", dt.date(2027, 3, 3), "Hưng Yên"), h


def test_a_news_page_byline_names_its_publisher_after_the_author():
    h = parse_file(DATA / "probe17" / "tintuc-tuanle-hoctapsuotdoi-2027-quangtri.html").header
    assert (h.issuer, h.province, h.date) == ("Phòng GDCN-GDTX", "Quảng Trị", dt.date(2027, 10, 15)), h
    assert h.subject.startswith("Quảng Trị: Tuần lễ hưởng ứng học tập suốt đời năm 2027"), h.subject


def test_a_questionnaire_s_questions_are_sections():
    doc = parse_file(DATA / "probe17" / "phieukhaosat-nhucau-hoctap-nguoilon-hatinh.txt")
    titles = {c.headings[-1] for c in doc.chunks if c.headings}
    assert any(t.startswith("Câu 6. Ông/bà muốn học những nội dung nào? (chọn tối đa 03 phương án)") for t in titles)
    assert any(t.startswith("Câu 1. Giới tính:") for t in titles), sorted(titles)[:20]
