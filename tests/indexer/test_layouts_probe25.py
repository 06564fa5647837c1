"""Layouts of the sixteenth round's blind documents (tests/data/probe25-26) and of our own, which the shared sets
lack, read by the real loaders, section tree and header parser:

- a web page with no letter header, no metadata and no byline (a centre's questions-and-answers page, a newspaper's
  article whose byline names only its author) is published by its banner's upper-case lines, else by the
  organisation its <title> names, on the date its <time> gives ("Cập nhật ngày …" atop its text otherwise);
- such a page's question headings ("… vào thời gian nào?") are its sections, "Câu hỏi N: …?";
- a speech ("THAM LUẬN") is a type, its speaker's line ends its title;
- a list restarted "1." under "5. Kiến nghị, đề xuất" whose text ends "… kính đề nghị:" is that section's items;
- a mail thread's quoted messages ("> > + Bản photo CCCD;") lose their quote marks, and Gmail's "Thu, 22 Jul 2027 at
  09:14" dates the mail.
"""

from __future__ import annotations

from pathlib import Path

import docx

from indexer.build import parse_file
from indexer.loaders import read_document
from indexer.normalize import normalize_text, unquoted_mail
from indexer.sections import build_tree, section_path

DATA = Path(__file__).resolve().parents[1] / "data"

# a library's questions page of our own: a banner with its parent body, a crumb trail, questions as <h2>, no date tag
_LIBRARY_FAQ = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Câu hỏi thường gặp | Thư viện tỉnh Hà Tĩnh</title></head><body>
<header><div class="brand"><p>SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH TỈNH HÀ TĨNH</p><p>THƯ VIỆN TỈNH HÀ TĨNH</p></div>
<nav><ul><li><a href="/">TRANG CHỦ</a></li><li><a href="/sach">Sách mới</a></li></ul></nav></header>
<main><div class="crumbs"><a href="/">Trang chủ</a> › Hỏi đáp</div>
<h1>Bạn đọc hỏi - Thư viện trả lời</h1>
<p>Cập nhật ngày 02/3/2027.</p>
<h2>Làm thẻ thư viện cần giấy tờ gì?</h2><div><p>Bạn đọc mang căn cước và 01 ảnh 3x4 đến quầy số 1.</p></div>
<h2>Thư viện mở cửa lúc mấy giờ?</h2><div><p>Từ 7 giờ 30 đến 17 giờ, kể cả thứ Bảy.</p></div>
<h2>Có cho mượn sách về nhà không?</h2><div><p>Có, mỗi lần tối đa 03 cuốn trong 14 ngày.</p></div>
</main><footer><p>Địa chỉ: số 2 đường Phan Đình Phùng, phường Thành Sen</p></footer></body></html>"""

# a newspaper's article of our own: the byline names only its reporter, the date is a <time>, the site's name is in
# its <title> after "|"
_NEWS = """<html><head><title>Xã Cẩm Bình trao 120 suất học bổng | Báo Hà Tĩnh</title></head><body>
<header><span class="today">Thứ Hai, 07/12/2026</span><a href="/rss">RSS</a></header>
<article><h1>Xã Cẩm Bình trao 120 suất học bổng</h1><p class="by">Bài và ảnh: Thanh Hà</p>
<time datetime="2026-11-20T08:00:00+07:00">Thứ Sáu, 20/11/2026</time>
<p>Sáng 19/11, Hội Khuyến học xã Cẩm Bình, tỉnh Hà Tĩnh trao 120 suất học bổng cho học sinh vượt khó, mỗi suất
1.000.000 đồng, từ Quỹ khuyến học của xã.</p></article></body></html>"""


def _parsed(tmp_path: Path, name: str, content: str):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return parse_file(path)


def test_a_questions_page_is_published_by_its_banner_and_dated_by_its_update(tmp_path):
    h = _parsed(tmp_path, "thuvien-hoi-dap.html", _LIBRARY_FAQ).header
    assert h.issuer and "Thư Viện" in h.issuer.title(), h.issuer
    assert h.province == "Hà Tĩnh", h.province
    assert h.date is not None and (h.date.day, h.date.month, h.date.year) == (2, 3, 2027), h.date
    assert "RSS" not in (h.issuer or "") and "TRANG CHỦ" not in (h.issuer or "").upper().split("\n")[0]


def test_a_questions_page_has_its_questions_as_sections(tmp_path):
    parsed = _parsed(tmp_path, "thuvien-hoi-dap.html", _LIBRARY_FAQ)
    paths = [c.section_path for c in parsed.chunks]
    assert any(p.startswith("Câu hỏi 2") and "mấy giờ" in p for p in paths), paths
    hours = next(c for c in parsed.chunks if c.section_path.startswith("Câu hỏi 2"))
    assert "7 giờ 30" in hours.text and "03 cuốn" not in hours.text, hours.text  # its answer, not the next one's


def test_a_page_numbering_its_own_questions_keeps_its_numbers():
    text = read_document(DATA / "probe7" / "hoidap-cong-dan-hoc-tap-vinhphuc.html")
    assert "Câu 1. Những ai được đăng ký" in text and "Câu hỏi 1:" not in text


def test_an_article_with_an_author_only_byline_is_published_by_the_site_on_its_time(tmp_path):
    h = _parsed(tmp_path, "bao-hatinh.html", _NEWS).header
    assert h.issuer and h.issuer.lower().startswith("báo hà tĩnh"), h.issuer
    assert h.date is not None and (h.date.day, h.date.month, h.date.year) == (20, 11, 2026), h.date  # not today's
    assert h.province == "Hà Tĩnh", h.province


def test_the_blind_questions_page_names_its_centre_and_province():
    h = parse_file(DATA / "probe26" / "an-giang-trung-tam-gdnn-gdtx-khu-vuc-tri-ton-hoi-dap.html").header
    assert "Tri Tôn" in (h.issuer or ""), h.issuer
    assert h.province == "An Giang" and h.date is not None and h.date.year == 2026


def _speech(path: Path) -> Path:
    """A speech of our own, typed in Word: the conference, the type line, the title, the speaker, a list restarted
    under its last numbered section."""
    d = docx.Document()
    for line in (
        "HỘI NGHỊ TỔNG KẾT PHONG TRÀO KHUYẾN HỌC TỈNH NGHỆ AN NĂM 2026",
        "Nghệ An, ngày 15 tháng 12 năm 2026",
        "THAM LUẬN",
        "DÒNG HỌ NGUYỄN Ở XÃ YÊN THÀNH VỚI QUỸ KHUYẾN HỌC",
        "Người trình bày: Ông Nguyễn Văn Lộc - Trưởng Ban Khuyến học dòng họ Nguyễn",
        "1. Kết quả",
        "Quỹ khuyến học của dòng họ có 350 triệu đồng, mỗi năm trao 40 suất học bổng.",
        "2. Đề xuất",
        "Để phong trào tiếp tục phát triển, dòng họ đề nghị:",
        "1. Hội Khuyến học tỉnh biểu dương các quỹ khuyến học dòng họ.",
        "2. Ủy ban nhân dân xã hỗ trợ nơi đặt tủ sách.",
        "Trân trọng cảm ơn.",
    ):
        d.add_paragraph(line)
    d.save(path)
    return path


def test_a_speech_is_a_type_and_its_speaker_ends_its_title(tmp_path):
    h = parse_file(_speech(tmp_path / "tham-luan.docx")).header
    assert h.doc_type == "tham luận", h.doc_type
    assert h.subject == "DÒNG HỌ NGUYỄN Ở XÃ YÊN THÀNH VỚI QUỸ KHUYẾN HỌC", h.subject


def test_a_list_restarted_under_a_numbered_section_is_its_items():
    lines = [
        "1. Kết quả",
        "Quỹ có 350 triệu đồng.",
        "2. Đề xuất",
        "Dòng họ đề nghị:",
        "1. Hội Khuyến học tỉnh biểu dương các quỹ.",
        "2. Ủy ban nhân dân xã hỗ trợ nơi đặt tủ sách.",
        "3. Tổng hợp kết quả",
    ]
    root = build_tree(lines)
    top = [n.line for n in root.children]
    assert top == ["1. Kết quả", "2. Đề xuất", "3. Tổng hợp kết quả"], top  # "3." after the items is no item
    items = [n for n in root.children[1].children if n.kind == "sublist"]
    assert [n.marker for n in items] == ["1", "2"], [n.line for n in root.children[1].children]
    assert section_path(items[1]) == "2 › 2. Ủy ban nhân dân xã hỗ trợ nơi đặt tủ sách."


def test_a_new_section_one_is_no_item_without_a_line_announcing_it():
    root = build_tree(["2. Đề xuất", "Dòng họ tiếp tục duy trì quỹ.", "1. Kết quả"])
    assert [n.line for n in root.children] == ["2. Đề xuất", "1. Kết quả"]


_THREAD = """From: Trần Văn Nam <nam@example.vn>
Date: Thu, 22 Jul 2027 at 09:14
Subject: Re: Mở lớp tin học

Chào chị, Trung tâm đồng ý mở lớp.

> From: Lê Thị Mai <mai@example.vn>
> Date: Mon, 19 Jul 2027 at 10:05
> Subject: Mở lớp tin học
>
> Hồ sơ đăng ký gồm:
> > + Đơn đăng ký học;
> > + Bản photo căn cước;
"""


def test_a_mail_threads_quoted_lines_lose_their_quote_marks():
    lines = unquoted_mail(_THREAD.split("\n"))
    assert "+ Đơn đăng ký học;" in lines and "Hồ sơ đăng ký gồm:" in lines, lines
    # a ">" in other text is the text's own: "> 80%" of a table stays
    assert unquoted_mail(["| Xã A | > 80% |", "> 80% hộ đạt"]) == ["| Xã A | > 80% |", "> 80% hộ đạt"]


def test_a_gmail_date_dates_the_mail(tmp_path):
    parsed = _parsed(tmp_path, "thu.txt", _THREAD)
    assert parsed.header.doc_type == "thư điện tử"
    assert parsed.header.date is not None and parsed.header.date.isoformat() == "2027-07-22", parsed.header.date


def test_the_blind_mail_threads_registration_papers_are_a_list():
    text = normalize_text(
        read_document(DATA / "probe25" / "lao-cai-email-xa-son-thinh-trung-tam-gdnn-gdtx-mo-lop-2027.txt")
    )
    assert "\n+ Bản photo Căn cước công dân (CCCD);" in text
    assert "> >" not in text
