"""Layouts of the tenth round's blind documents (tests/data/probe10), which the shared sets lack, read by the real
loaders and header parser:

- a joint document's header in three columns (two issuers side by side, then the national motto), read column by
  column: the first issuer, not "Sở … xã Hội Chủ Nghĩa Việt Nam";
- a record whose title line names its kind ("BIÊN BẢN KIỂM TRA"): a Biên bản, the kind leading its subject;
- a coordination rule ("QUY CHẾ PHỐI HỢP", number "…/QCPH-…") of its own type, its subject the line under it;
- a news page whose byline is author | publisher | date and time, with no "Đăng ngày": its publisher, date and the
  province its title names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from indexer.build import parse_file
from indexer.normalize import unzip_header_columns

DATA = Path(__file__).resolve().parents[1] / "data" / "probe10"


def test_a_header_in_three_columns_is_read_column_by_column():
    lines = [
        "   SỞ GIÁO DỤC VÀ ĐÀO TẠO       HỘI NÔNG DÂN        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "        TỈNH BẮC NAM              TỈNH BẮC NAM           Độc lập - Tự do - Hạnh phúc",
        "   -----------------          -------------         ---------------------------",
        "Số: 7/QCPH-SGDĐT-HND                                 Bắc Nam, ngày 3 tháng 2 năm 2027",
        "",
        "QUY CHẾ PHỐI HỢP",
    ]
    out = unzip_header_columns(lines)
    first, second, motto = (
        out.index("SỞ GIÁO DỤC VÀ ĐÀO TẠO"),
        out.index("HỘI NÔNG DÂN"),
        out.index("Độc lập - Tự do - Hạnh phúc"),
    )
    assert first < out.index("Số: 7/QCPH-SGDĐT-HND") < second < motto < out.index("Bắc Nam, ngày 3 tháng 2 năm 2027")
    assert out[-1] == "QUY CHẾ PHỐI HỢP"


def test_a_joint_rule_is_its_own_type_of_its_first_issuer_with_its_subject():
    h = parse_file(DATA / "quyche-phoihop-hoikhuyenhoc-sgddt-gialai.txt").header
    assert h.doc_type == "quy chế phối hợp" and h.number == "1520/QCPH-SGDĐT-HKH"
    assert h.issuer == "Sở Giáo dục và Đào tạo tỉnh Gia Lai" and h.date == dt.date(2027, 3, 8)
    assert h.subject.startswith("Giữa Sở Giáo dục và Đào tạo và Hội Khuyến học tỉnh Gia Lai")


def test_a_record_titled_by_its_kind_is_a_bien_ban_whose_kind_leads_its_subject():
    h = parse_file(DATA / "bienban-kiem-tra-tthtcd-lapthach.txt").header
    assert h.doc_type == "biên bản" and h.number == "27/BB-ĐKT" and h.province == "Phú Thọ"
    assert h.subject.startswith("Kiểm tra hoạt động của Trung tâm học tập cộng đồng xã Lập Thạch")


def test_a_news_page_byline_with_a_bare_date_gives_publisher_date_and_province():
    p = parse_file(DATA / "tin-ngay-hoi-doc-sach-tuyenquang.html")
    h = p.header
    assert h.date == dt.date(2027, 10, 4) and h.province == "Tuyên Quang"
    assert h.subject.startswith("Sôi nổi Ngày hội đọc sách") and "Trung" in (h.issuer or "")
    text = "\n".join(c.text for c in p.chunks)
    assert "46 gian hàng" in text and "Tin liên quan" not in text and "Từ khóa" not in text
