"""Layouts of the fourteenth round's blind documents (tests/data/probe18, probe19), which the shared sets lack, read by
the real loaders, OCR and header parser:

- a header whose two columns run into each other with no gap (a PDF's text layer: "UBND TỈNH PHÚ THỌ CỘNG HÒA XÃ HỘI
  …", "Số: 1246/CTr-SGDĐT Phú Thọ, ngày 16 tháng 3 năm 2026"; a Markdown line "**ỦY BAN …** — **CỘNG HÒA …**"): read
  as two columns, so the issuer, the number and the date are all found;
- a web page whose header table puts the number under the issuer ("Số: 86/KH-BCĐ"): the number is kept;
- an e-mail pasted with its head (From:, Date:, Subject:): a "thư điện tử" dated by its Date: line, titled by its
  Subject: without the tag, sent by the body its signature names;
- an agreement ("THỎA THUẬN HỢP TÁC") is issued by its parties (Bên A, Bên B); "Đề cương" is a type;
- a deadline with a time of day before its day ("gửi trước 17h00 ngày 27/11/2026") is a deadline, and the schedule
  phrase "chậm nhất trước 16 giờ 30 ngày …" leaves no dangling cue in what is to be done.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.lexicon import load_lexicon
from indexer.build import parse_file, parse_text
from indexer.normalize import normalize_text

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_header_whose_columns_run_together_is_read_as_two_columns():
    h = parse_file(DATA / "probe19" / "chuongtrinh-boiduong-canbo-tthtcd-phutho.pdf").header
    assert (h.doc_type, h.number, h.date) == ("chương trình", "1246/CTr-SGDĐT", dt.date(2026, 3, 16)), h
    assert h.issuer == "Sở Giáo dục và Đào tạo tỉnh Phú Thọ", h.issuer


def test_a_markdown_header_line_holding_both_columns_is_split():
    lines = normalize_text("**ỦY BAN NHÂN DÂN XÃ LONG THẠNH** — **CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**\n").split("\n")
    assert lines[0] == "ỦY BAN NHÂN DÂN XÃ LONG THẠNH" and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines[1:], lines
    h = parse_file(DATA / "probe18" / "decuong-tuyentruyen-xhht-longthanh.md").header
    assert (h.doc_type, h.number, h.issuer) == ("đề cương", "112/ĐC-UBND", "UBND xã Long Thạnh tỉnh Đồng Tháp"), h


def test_a_sentence_with_a_place_and_date_is_no_header_column():
    text = "Căn cứ Kế hoạch của UBND tỉnh Phú Thọ, ngày 20 tháng 01 năm 2026 về xây dựng xã hội học tập;\n"
    assert normalize_text(text).strip() == text.strip()


def test_a_web_page_keeps_the_number_under_its_issuer():
    h = parse_file(DATA / "probe19" / "kehoach-hoinghi-tongket-xhht-thainguyen.html").header
    assert (h.number, h.date, h.province) == ("86/KH-BCĐ", dt.date(2026, 3, 12), "Thái Nguyên"), h
    assert h.issuer and h.issuer.lower().startswith("ban chỉ đạo"), h.issuer


def test_a_pasted_email_is_dated_titled_and_signed_by_its_head_and_signature():
    h = parse_file(DATA / "probe18" / "email-de-nghi-so-lieu-xhht-quangtri.txt").header
    assert (h.doc_type, h.date) == ("thư điện tử", dt.date(2026, 11, 10)), h  # the Date: line, not the deadline
    assert h.subject.startswith("Đề nghị cung cấp số liệu") and "[" not in h.subject, h.subject
    assert (h.issuer, h.province) == ("Sở Giáo dục và Đào tạo tỉnh Quảng Trị", "Quảng Trị"), h


def test_a_reply_mail_in_vietnamese_labels_is_read_too():
    text = (
        "Người gửi: Trần Văn An <an.tt@hue.gov.vn>\nNgày gửi: 05/03/2027\nTiêu đề: Re: [TTHTCĐ] Lịch lớp tin học\n\n"
        "Kính gửi: các thôn.\n\nLớp tin học khai giảng ngày 12/3/2027.\n\n--\nTrần Văn An\n"
        "Trung tâm học tập cộng đồng phường Thuận Hóa\n"
    )
    h = parse_text("mail", Path("mail.txt"), text, load_lexicon()).header
    assert (h.doc_type, h.date, h.subject) == ("thư điện tử", dt.date(2027, 3, 5), "Lịch lớp tin học"), h
    assert h.issuer == "Trung tâm học tập cộng đồng phường Thuận Hóa", h.issuer


def test_an_agreement_is_issued_by_its_parties():
    h = parse_file(DATA / "probe19" / "thoathuan-hoptac-tthtcd-doanhnghiep-tanmyloi.docx").header
    assert h.doc_type == "thỏa thuận" and h.province == "Đồng Tháp", h
    assert "Tân Mỹ Lợi" in h.issuer and "Sen Vàng" in h.issuer.title(), h.issuer
    assert h.subject.lower().startswith("hợp tác về việc phối hợp"), h.subject


def test_a_deadline_with_a_time_of_day_is_read():
    parsed = parse_file(DATA / "probe18" / "email-de-nghi-so-lieu-xhht-quangtri.txt")
    due = {(d.due_day, d.due_month, d.due_year) for d in parsed.facts.deadlines}
    assert (27, 11, 2026) in due and (10, 12, 2026) in due, due
    text = (
        "UBND TỈNH ĐẮK LẮK\nSỞ GIÁO DỤC VÀ ĐÀO TẠO\nSố: 9/SGDĐT\nV/v báo cáo\n\nĐắk Lắk, ngày 1 tháng 12 năm 2027\n\n"
        "Kính gửi: Các xã.\n\nCác xã gửi báo cáo về Sở Giáo dục và Đào tạo chậm nhất trước 16 giờ 30 ngày 28/12/2027.\n"
    )
    d = next(d for d in parse_text("cv", Path("cv.txt"), text, load_lexicon()).facts.deadlines if d.due_day == 28)
    assert "chậm nhất" not in d.what and "16 giờ 30" in d.due_text, (d.what, d.due_text)
