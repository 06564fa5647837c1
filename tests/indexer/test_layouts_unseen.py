"""Layouts of the ninth round's blind documents (tests/data/probe7), which the shared sets lack, read by the real
loaders and header parser:

- a header typed in two columns with spaces ("ỦY BAN NHÂN DÂN        CỘNG HÒA …", "Số: …      Giao Sơn, ngày …");
- a Word file whose header is a layout table and whose data table stands inside an article (read where it stands,
  as "| a | b |" rows, not appended at the end);
- a saved web page with no letter header (a questions-and-answers article): its title, publisher and date from its
  byline, its "Câu N. …?" questions as sections, its <li> items as list items, the site's tail dropped;
- a commune's department under its commune ("Phòng Văn hóa - Xã hội" of "xã Giao Sơn"), a commune's province from
  the documents it applies, and "XÃ HỘI" never read as a commune named "Hội".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from indexer.build import parse_file
from indexer.loaders import read_document
from indexer.normalize import normalize_text, unzip_header_columns

DATA = Path(__file__).resolve().parents[1] / "data" / "probe7"


def test_a_header_typed_in_two_columns_is_read_column_by_column():
    lines = [
        "ỦY BAN NHÂN DÂN                      CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TỈNH BẮC NAM                            Độc lập - Tự do - Hạnh phúc",
        "",
        "Số: 12/KH-UBND                        Bắc Nam, ngày 3 tháng 2 năm 2027",
        "",
        "KẾ HOẠCH",
        "Một bảng    có khoảng trắng rộng trong thân văn bản",
    ]
    out = unzip_header_columns(lines)
    assert out.index("ỦY BAN NHÂN DÂN") < out.index("TỈNH BẮC NAM") < out.index("Số: 12/KH-UBND")
    assert out.index("Số: 12/KH-UBND") < out.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert (
        out.index("Độc lập - Tự do - Hạnh phúc") < out.index("Bắc Nam, ngày 3 tháng 2 năm 2027") < out.index("KẾ HOẠCH")
    )
    assert out[-1] == lines[-1]  # a body line is never split
    assert unzip_header_columns(["Kế hoạch", "a    b"]) == ["Kế hoạch", "a    b"]  # no header columns: unchanged


@pytest.mark.parametrize(
    "name, fields",
    [
        (
            "cuchi-2027-kh-kiem-tra-xhht.txt",
            ("kế hoạch", "3150/KH-SGDĐT", "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", dt.date(2027, 8, 12)),
        ),
        (
            "giaoson-2027-tt-kinh-phi-hoc-tap-suot-doi.txt",
            ("tờ trình", "47/TTr-VHXH", "Phòng Văn Hóa - Xã Hội xã Giao Sơn", dt.date(2026, 11, 25)),
        ),
        (
            "camlo-2027-qc-hoat-dong-tthtcd.docx",
            ("quyết định", "215/QĐ-UBND", "UBND xã Cam Lộ tỉnh Quảng Trị", dt.date(2027, 3, 12)),
        ),
    ],
)
def test_two_column_headers_give_type_number_issuer_and_date(name, fields):
    h = parse_file(DATA / name).header
    assert (h.doc_type, h.number, h.issuer, h.date) == fields


def test_a_communes_province_is_read_from_what_it_applies_and_where_it_reports():
    assert parse_file(DATA / "giaoson-2027-tt-kinh-phi-hoc-tap-suot-doi.txt").header.province == "Ninh Bình"
    assert parse_file(DATA / "camlo-2027-qc-hoat-dong-tthtcd.docx").header.province == "Quảng Trị"


def test_a_word_title_ends_where_the_issuer_and_the_grounds_begin():
    h = parse_file(DATA / "camlo-2027-qc-hoat-dong-tthtcd.docx").header
    assert h.subject == "Về việc ban hành Quy chế tổ chức và hoạt động của Trung tâm học tập cộng đồng xã Cam Lộ"


def test_a_word_table_is_read_where_it_stands_as_rows():
    text = normalize_text(read_document(DATA / "camlo-2027-qc-hoat-dong-tthtcd.docx"))
    lines = text.split("\n")
    announce = next(i for i, x in enumerate(lines) if x.startswith("4. Danh sách Ban Giám đốc"))
    assert lines[announce + 1].startswith("| STT | Họ và tên |")
    assert lines[announce + 3].startswith("| 2 | Nguyễn Văn Kha | Chủ tịch Hội Khuyến học xã |")
    assert lines[0] == "ỦY BAN NHÂN DÂN" and "Số: 215/QĐ-UBND" in lines[:8]  # the layout table read as printed


def test_an_article_page_is_a_document_with_its_title_publisher_date_and_questions():
    doc = parse_file(DATA / "hoidap-cong-dan-hoc-tap-vinhphuc.html")
    h = doc.header
    assert (h.subject, h.issuer, h.province, h.date) == (
        "Hỏi - đáp về danh hiệu Công dân học tập",
        "Hội Khuyến học tỉnh Phú Thọ",
        "Phú Thọ",
        dt.date(2027, 4, 14),
    )
    by_path = {c.section_path: c.text for c in doc.chunks}
    dossier = by_path["Câu 3 Hồ sơ gồm những gì?"]
    assert dossier.startswith("Câu 3. Hồ sơ gồm những gì?")
    assert "\n- Bản tự đánh giá kết quả học tập cuối năm (Mẫu 02-CDHT)" in dossier  # an <li> is an item
    text = normalize_text(read_document(DATA / "hoidap-cong-dan-hoc-tap-vinhphuc.html"))
    assert "Đăng nhập" not in text and "Từ khóa" not in text and "cookie" not in text


def test_a_social_department_is_no_commune():
    from indexer.header import local_unit

    assert local_unit("PHÒNG VĂN HÓA - XÃ HỘI") is None
    assert local_unit("ỦY BAN NHÂN DÂN XÃ GIAO SƠN") == ("xã", "Giao Sơn")


PROBE8 = Path(__file__).resolve().parents[1] / "data" / "probe8"


def test_a_closing_block_typed_in_columns_gives_receivers_and_signer():
    h = parse_file(PROBE8 / "laocai-2027-tb-tuyen-sinh-lop-tthtcd.txt").header
    assert h.signer == "Lù Thị Xuân"
    assert h.receivers and all("ỦY BAN" not in r and "CHỦ TỊCH" not in r for r in h.receivers)


def test_a_province_folded_from_other_words_is_no_province():
    """'… xã Bắc Hà năm 2027' folds like 'Hà Nam': a province is named with its accents."""
    h = parse_file(PROBE8 / "laocai-2027-tb-tuyen-sinh-lop-tthtcd.txt").header
    assert h.province != "Hà Nam" and h.issuer == "UBND xã Bắc Hà"


def test_an_unnumbered_annex_after_the_signature_is_a_section_titled_by_it():
    doc = parse_file(PROBE8 / "hue-2027-qd-cong-nhan-dong-ho-hoc-tap.txt")
    assert doc.header.signer == "Hoàng Trọng Nghĩa"
    annex = [c for c in doc.chunks if c.section_path.startswith("DANH SÁCH DÒNG HỌ ĐẠT DANH HIỆU")]
    assert annex and all(c.kind == "body" for c in annex)
    rows = [x for c in annex for x in c.text.split("\n") if x.startswith("| ")]
    assert len(rows) >= 10 and rows[0].startswith("| STT | Dòng họ |")  # one row a line, not joined
