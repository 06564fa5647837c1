"""Layouts of the fifteenth round's blind documents (tests/data/probe21-23) and of our own, which the shared sets
lack, read by the real loaders and header parser:

- a ruled table in a PDF's text layer (a council's minutes: household, hamlet, votes, reason) is read row by row, not
  cell by cell, so a row's name, votes and reason stay on one line;
- Word's automatic numbering ("List Number", "List Number 2", "List Bullet") is written out as it prints ("1.",
  "a)", "-"), counted per list and level, and unnumbered "Heading 1" paragraphs become I., II., …;
- a social post's lines opened by pictographs ("✅ Công ty …: 50.000.000đ") are a list, and its page is its issuer;
- "Câu hỏi 1 (Hội Khuyến học xã …): … không?" of a letter answering questions is a section;
- "kỹ năng số: …" in an agenda table is no number label, so the agenda is read row by row, not as a header layout;
- "Điện thoại: 0275 3842 618" and "Hotline/Zalo: …" are phones, whatever their case;
- a letter typed with its issuer and the motto side by side on its first line keeps its issuer.
"""

from __future__ import annotations

from pathlib import Path

import docx

from indexer.build import parse_file
from indexer.loaders import read_document
from indexer.normalize import emoji_items, normalize_text
from indexer.sections import build_tree
from indexer.webpage import _is_layout

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_ruled_pdf_table_is_read_row_by_row():
    text = read_document(DATA / "probe21" / "bienban-xet-giadinhhoctap-2026-thon-phuhao-ninhbinh.pdf")
    row = next(x for x in text.split("\n") if "Nguyễn Văn Tuấn" in x and x.startswith("|"))
    assert "Xóm 1" in row and "1/6" in row and "bỏ học" in row, row
    assert "| STT | Chủ hộ | Xóm | Số phiếu đồng ý | Lý do |" in text
    # the prose around the tables is kept, in order
    assert text.index("a) Các hộ được đề nghị công nhận") < text.index("| 1 | Nguyễn Văn Hùng")
    assert text.index("| 17 | Tạ Văn Cường") < text.index("b) Các hộ không được đề nghị công nhận")


def _numbered_docx(path: Path) -> Path:
    """A resolution of our own, typed with Word's numbering and headings, no number typed by hand."""
    d = docx.Document()
    d.add_paragraph("Mục tiêu", style="Heading 1")
    d.add_paragraph("Đến năm 2028, 70% hộ đạt danh hiệu Gia đình học tập.", style="List Number")
    d.add_paragraph("Mỗi thôn có một tủ sách cộng đồng.", style="List Number")
    d.add_paragraph("Nhiệm vụ", style="Heading 1")
    d.add_paragraph("Tuyên truyền", style="List Number")
    d.add_paragraph("Phát thanh hằng tuần trên loa xã.", style="List Number 2")
    d.add_paragraph("Đăng tin trên trang Zalo của xã.", style="List Number 2")
    d.add_paragraph("Nâng cao chất lượng lớp học", style="List Number")
    d.add_paragraph("Mở lớp tin học cho người cao tuổi.", style="List Bullet")
    d.save(path)
    return path


def test_word_numbering_is_written_as_printed(tmp_path):
    lines = [x for x in read_document(_numbered_docx(tmp_path / "nq.docx")).split("\n") if x.strip()]
    assert lines[0] == "I. Mục tiêu" and lines[3] == "II. Nhiệm vụ", lines
    assert lines[1].startswith("1. Đến năm 2028") and lines[2].startswith("2. Mỗi thôn"), lines
    # Word's "List Number" goes on across the headings (3., 4.); "List Number 2" is a list of its own (1., 2.)
    assert lines[4] == "3. Tuyên truyền" and lines[7] == "4. Nâng cao chất lượng lớp học", lines
    assert lines[5].startswith("1. Phát thanh") and lines[6].startswith("2. Đăng tin"), lines
    assert lines[8] == "- Mở lớp tin học cho người cao tuổi.", lines
    # the section tree sees the structure: the tasks sit under "II. Nhiệm vụ"
    root = build_tree(normalize_text("\n".join(lines)).split("\n"))
    titles = [n.title for n in root.children]
    assert titles == ["Mục tiêu", "Nhiệm vụ"], titles


def test_the_blind_resolution_keeps_its_numbered_items():
    text = read_document(DATA / "probe23" / "nghiquyet-danguy-xa-phuthanh-dongthap-xhht-2026-2030.docx")
    assert "III. Nhiệm vụ và giải pháp" in text and "IV. Tổ chức thực hiện" in text
    assert "2. Đảng ủy giao UBND xã xây dựng Kế hoạch thực hiện Nghị quyết, hoàn thành trước ngày 31/3/2026." in text
    assert "b) Ngân sách xã bố trí kinh phí hoạt động cho TTHTCĐ tối thiểu 80 triệu đồng mỗi năm." in text


def test_a_posts_pictograph_lines_are_a_list_and_its_page_issued_it():
    lines = emoji_items(["✅ Công ty A: 50.000.000đ", "✅ Anh B: 30.000.000đ", "", "📅 THỜI GIAN: 7h30 🎉🎉"])
    assert lines == ["- Công ty A: 50.000.000đ", "- Anh B: 30.000.000đ", "", "THỜI GIAN: 7h30"], lines
    h = parse_file(DATA / "probe23" / "bai-dang-hkh-xa-lapthach-phutho-trao-hocbong-2026.txt").header
    assert h.issuer == "Hội Khuyến học xã Lập Thạch", h.issuer
    assert h.subject and h.subject.startswith("THÔNG BÁO: LỄ TRAO HỌC BỔNG"), h.subject


def test_a_letters_answered_questions_are_sections():
    doc = parse_file(DATA / "probe23" / "congvan-traloi-vuongmac-cdht-gdht-hkh-gialai-2026.txt")
    questions = [n for n in doc.root.iter() if n.kind == "cau"]
    assert len(questions) == 10, [n.line[:40] for n in questions]
    third = questions[2]
    assert third.marker == "Câu hỏi 3" and "Mẫu 02" in " ".join(n.line for n in third.iter()), third.line


def test_a_skills_stand_in_an_agenda_is_no_number_label():
    rows = [
        ["Thời gian", "Nội dung", "Đơn vị thực hiện"],
        ["9h00", "Gian trải nghiệm kỹ năng số: kích hoạt VNeID", "Công an phường"],
    ]
    rows += [[f"{h}h00", "Hội thi", "Đoàn Thanh niên"] for h in (10, 11, 13, 14)]
    assert not _is_layout([c for r in rows for c in r], len(rows))
    assert _is_layout(["ỦY BAN NHÂN DÂN XÃ A", "Số: 12/KH-UBND", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"], 2)
    assert _is_layout(["UBND XÃ A\nSố: /KH-UBND", "Độc lập"], 1)


def test_phones_are_read_in_any_case():
    doc = parse_file(DATA / "probe22" / "thongbao-tuyensinh-ngan-han-gdnn-gdtx-mocay-vinhlong.html")
    phones = {c.phone for c in doc.facts.contacts if c.phone}
    assert "02753842618" in phones, phones


def test_an_issuer_typed_beside_the_motto_is_kept():
    h = parse_file(DATA / "probe22" / "totrinh-dutoan-xhht-2027-xa-xuantruong-ninhbinh.txt").header
    assert (h.doc_type, h.number) == ("tờ trình", "142/TTr-UBND"), h
    assert h.issuer == "UBND xã Xuân Trường tỉnh Ninh Bình", h.issuer


def test_rules_issued_with_a_decision_are_dated_by_it():
    h = parse_file(DATA / "probe24" / "quy-che-thu-vien-cong-dong-xa-hoa-thinh.txt").header
    assert (h.doc_type, h.date.isoformat()) == ("quy chế", "2027-02-09"), h
    assert h.issuer == "UBND xã Hòa Thịnh tỉnh Đắk Lắk", h.issuer  # the commune above its province, one body
    assert h.subject.startswith("Hoạt động của Thư viện cộng đồng xã Hòa Thịnh (Ban hành kèm theo"), h.subject
    assert "52/QĐ-UBND" in h.date_text, h.date_text


def test_a_body_named_over_two_lines_is_one_body():
    h = parse_file(DATA / "probe21" / "bienban-xet-giadinhhoctap-2026-thon-phuhao-ninhbinh.pdf").header
    assert h.issuer.lower().startswith('hội đồng xét công nhận "gia đình học tập"'), h.issuer
    h = parse_file(DATA / "probe24" / "ke-hoach-kiem-tra-xhht-phu-tho-2027.docx").header
    assert h.issuer.endswith("Học Tập tỉnh Phú Thọ") and "Tỉnh tỉnh" not in h.issuer, h.issuer
