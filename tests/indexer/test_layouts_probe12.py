"""Layouts of the eleventh round's blind documents (tests/data/probe11, probe12), which the shared sets lack, read by
the real loaders and header parser:

- a Markdown document whose header and signature are laid out in tables, their cells' lines joined by "<br>": read
  as printed, its number, date, type ("Chương trình", code CTr), issuer and signer found;
- "XÃ HỘI HỌC TẬP" in an issuer's name is no commune ("xã Hội Học Tập");
- a news page whose byline gives only the date ("Ngày đăng: … | Lượt xem: …") under the site's own dated menu: the
  publisher is the body its closing line names after the author, the place its opening paragraph names;
- an issuer in capitals keeps its abbreviations ("Trường THCS Trần Phú").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from indexer.build import parse_file
from indexer.webpage import unzip_markdown_layout

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_markdown_layout_table_is_read_cell_by_cell_and_a_data_table_stays():
    lines = [
        "| UBND TỈNH BẮC NAM<br>**BAN CHỈ ĐẠO** | **CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**<br>Độc lập - Tự do - Hạnh phúc |",
        "|---|---|",
        "| Số: 3/CTr-BCĐ | Bắc Nam, ngày 5 tháng 1 năm 2027 |",
        "",
        "| Tháng | Việc |",
        "|---|---|",
        "| 1 | Ban hành<br>chương trình |",
    ]
    out = unzip_markdown_layout(lines)
    assert out.index("UBND TỈNH BẮC NAM") < out.index("Số: 3/CTr-BCĐ") < out.index("Bắc Nam, ngày 5 tháng 1 năm 2027")
    assert "| 1 | Ban hành<br>chương trình |" in out  # a table of data, though a cell breaks its line


def test_a_work_programme_laid_out_in_markdown_tables_has_its_header_and_signer():
    h = parse_file(DATA / "probe12" / "chuongtrinh-congtac-2027-bcd-xhht-phutho.md").header
    assert (h.doc_type, h.number, h.date) == ("chương trình", "03/CTr-BCĐ", dt.date(2027, 1, 15))
    assert h.province == "Phú Thọ" and "tỉnh Phú Thọ" in h.issuer and "xã Hội" not in h.issuer
    assert h.signer == "Hà Quang Vinh"
    assert h.subject.startswith("Công tác năm 2027")


def test_a_news_page_dated_by_its_byline_is_published_by_the_body_its_closing_line_names():
    p = parse_file(DATA / "probe12" / "tintuc-ketqua-xhht-2027-vanlam.html")
    assert p.header.date == dt.date(2028, 1, 12)
    assert p.header.issuer and "Thông Tin" in p.header.issuer
    assert p.header.subject.startswith("Văn Lâm: 87,6% hộ gia đình")


def test_an_issuer_in_capitals_keeps_its_abbreviations():
    h = parse_file(DATA / "probe11" / "thamluan-donvi-hoctap-thcs-tranphu-quangyen.docx").header
    assert h.issuer.startswith("Trường THCS Trần Phú")
