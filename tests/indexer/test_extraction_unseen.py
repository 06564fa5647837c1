"""Extraction from documents of kinds the seeds do not have (tests/data/unseen): a decision with a
criteria annex, a commune letter with quarterly, 'chậm nhất' and 'trong thời hạn … kể từ' deadlines,
a plan from a province the gazetteer does not list with an event week, and a law with only a title line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.lexicon import load_lexicon
from indexer.build import parse_file
from indexer.header import parse_header

UNSEEN = Path(__file__).resolve().parents[2] / "tests" / "data" / "unseen"


@pytest.fixture(scope="module")
def parsed():
    return {p.stem: parse_file(p) for p in UNSEEN.iterdir() if p.suffix in (".txt", ".md")}


def test_criteria_annex_items_points_and_set_facts(parsed):
    facts = parsed["quangtri-2026-qd-tieu-chi-cdht"].facts
    assert len(facts.criteria) == 1
    cs = facts.criteria[0]
    assert "Công dân học tập" in cs.name
    assert [c.points for c in cs.items] == [20, 25, 20, 20, 15]
    assert cs.items[2].item.startswith("Tiêu chí 3: Có kỹ năng số cơ bản")
    assert "80 điểm" in cs.pass_mark
    assert cs.recognised_by.startswith("Chủ tịch Ủy ban nhân dân cấp xã ra quyết định công nhận")
    assert "03 năm" in cs.validity
    assert "trước ngày 30/11 hằng năm" in cs.apply_by
    # "Bộ tiêu chí …" is not a ministry ("Bộ …"), "Ban hành …" not a board
    assert not any(r.agency.startswith(("Bộ tiêu chí", "Ban hành")) for r in facts.responsibilities)


def test_decision_header_and_the_body_it_asks(parsed):
    p = parsed["quangtri-2026-qd-tieu-chi-cdht"]
    assert (p.header.doc_type, p.header.number, p.header.issuer) == ("quyết định", "215/QĐ-UBND", "UBND tỉnh Quảng Trị")
    yearly = next(d for d in p.facts.deadlines if (d.due_day, d.due_month) == (31, 12))
    assert yearly.recurrence == "yearly" and yearly.actor_text == "Sở Giáo dục và Đào tạo"


def test_commune_letter_quarterly_latest_and_relative_deadlines(parsed):
    p = parsed["hoaan-2026-cv-bao-cao-quy"]
    assert p.header.issuer == "UBND xã Hòa An tỉnh Cao Bằng" and p.header.province == "Cao Bằng"
    by_kind = {d.recurrence: d for d in p.facts.deadlines}
    q = by_kind["quarterly"]
    assert (q.due_day, q.due_month, q.period) == (25, 3, "quý")
    assert q.actor_text == "Trung tâm học tập cộng đồng xã" and "báo cáo kết quả hoạt động" in q.what
    latest = next(d for d in p.facts.deadlines if (d.due_day, d.due_month, d.due_year) == (15, 3, 2026))
    assert latest.actor_text == "Chi hội Khuyến học các thôn" and latest.due_text.startswith("chậm nhất")
    rel = by_kind["relative"]
    assert rel.due_day is None and rel.interpretation == "10 ngày kể từ kết thúc đợt đánh giá"
    assert "gửi biên bản đánh giá" in rel.what


def test_quarterly_deadline_falls_due_at_each_quarter_end(parsed):
    from store.knowledge import Deadline
    from bot.occurrences import occurrences

    q = next(d for d in parsed["hoaan-2026-cv-bao-cao-quy"].facts.deadlines if d.recurrence == "quarterly")
    row = Deadline(due_day=q.due_day, due_month=q.due_month, due_year=None, recurrence=q.recurrence)
    days = list(occurrences(row, dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert days == [dt.date(2026, 3, 25), dt.date(2026, 6, 25), dt.date(2026, 9, 25), dt.date(2026, 12, 25)]


def test_plan_from_a_province_the_gazetteer_does_not_list(parsed):
    lex = load_lexicon()
    assert "Nam Sơn" not in lex.provinces
    p = parsed["namson-2026-kh-tuan-le-hoc-tap"]
    assert (p.header.province, p.header.issuer, p.header.date) == ("Nam Sơn", "UBND tỉnh Nam Sơn", dt.date(2026, 3, 10))
    week = next(e for e in p.facts.events if e.name.startswith("Tuần lễ"))
    assert (week.start, week.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    opening = next(e for e in p.facts.events if e.name.startswith("Lễ khai mạc"))
    assert opening.start == dt.date(2026, 10, 1) and opening.place == "Quảng trường trung tâm tỉnh Nam Sơn"
    assert {(t.year, t.value) for t in p.facts.targets} >= {(2026, 85.0), (2026, 70.0)}


def test_law_known_by_its_title_line(parsed):
    p = parsed["luat-thu-vien-2019"]
    h = p.header
    assert (h.doc_type, h.number, h.subject, h.year, h.issuer) == ("luật", None, "Luật Thư viện", 2019, "Quốc hội")
    rel = next(d for d in p.facts.deadlines if d.recurrence == "relative")
    assert rel.interpretation == "30 ngày kể từ thành lập"


@pytest.mark.parametrize(
    "title, expected",
    [
        ("LUẬT VIÊN CHỨC 2010", ("luật", "Luật Viên chức", 2010)),
        ("BỘ LUẬT DÂN SỰ 2015", ("bộ luật", "Bộ luật Dân sự", 2015)),
        ("LUẬT THANH NIÊN 2020", ("luật", "Luật Thanh niên", 2020)),
        ("HIẾN PHÁP 2013", ("hiến pháp", "Hiến pháp", 2013)),
    ],
)
def test_title_lines(title, expected):
    h = parse_header([title, "", "Điều 1. Phạm vi điều chỉnh", "Luật này quy định."], load_lexicon())
    assert (h.doc_type, h.subject or "Hiến pháp", h.year) == expected
    assert h.issuer != "Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh"


@pytest.mark.parametrize(
    "lines, province, issuer",
    [
        (["ỦY BAN NHÂN DÂN", "TỈNH SÔNG HỒNG", "", "Số: 1/KH-UBND"], "Sông Hồng", "UBND tỉnh Sông Hồng"),
        (
            ["UBND TỈNH BIÊN GIANG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "", "Số: 2/SGDĐT"],
            "Biên Giang",
            "Sở Giáo dục và Đào tạo tỉnh Biên Giang",
        ),
        (["UBND THÀNH PHỐ HẢI PHÒNG", "UBND PHƯỜNG LÊ CHÂN"], "Hải Phòng", "UBND phường Lê Chân"),
    ],
)
def test_header_learns_provinces_and_issuing_units(lines, province, issuer):
    h = parse_header(lines + ["", "Nội dung văn bản."], load_lexicon())
    assert h.province == province and h.issuer.startswith(issuer)


def test_criteria_laid_out_as_a_table():
    p = parse_file(UNSEEN / "binhphuoc-2026-qd-gia-dinh-hoc-tap.md")
    [cs] = p.facts.criteria
    assert "GIA ĐÌNH HỌC TẬP" in cs.name
    assert [c.points for c in cs.items] == [30, 20, 30, 20]
    assert cs.items[1].item.startswith("Gia đình có tủ sách")
    assert "80 điểm" in cs.pass_mark and "02 năm" in cs.validity
    assert cs.recognised_by.startswith("Chủ tịch Ủy ban nhân dân cấp xã")
    yearly = p.facts.deadlines[0]
    assert (yearly.due_day, yearly.due_month, yearly.recurrence, yearly.actor_text) == (
        15,
        1,
        "yearly",
        "Hội Khuyến học tỉnh",
    )


def test_a_reports_own_plan_binds_its_issuer_not_its_recipients():
    """The department's inspection report to the province and the ministry sets its own next-year plan ("Kiểm tra
    lại 02 trung tâm …, hoàn thành trước ngày 31/3/2027"): those deadlines bind the department, the issuer."""
    report = Path(__file__).resolve().parents[2] / "tests" / "data" / "probe5" / "dongthap-2026-bc-kiem-tra-tthtcd.txt"
    facts = parse_file(report).facts
    own = [d for d in facts.deadlines if (d.due_day, d.due_month, d.due_year) in ((31, 3, 2027), (30, 11, 2027))]
    assert len(own) == 2, [(d.actor_text, d.what) for d in facts.deadlines]
    assert all(d.actor_text.startswith("Sở Giáo dục và Đào tạo") for d in own), [d.actor_text for d in own]


def test_a_schedule_tables_row_gives_the_deadline_its_body_and_its_step():
    """A Markdown schedule ('| Bước | Nội dung | Thời hạn | Đơn vị thực hiện |') and a plan's schedule lines ('- Trước
    ngày 30/6/2027: Báo cáo tổng kết … | Hội Người cao tuổi xã'): the last cell is who, the step is what; no pipes."""
    root = Path(__file__).resolve().parents[2] / "tests" / "data"
    guide = parse_file(root / "probe6" / "hanam-2026-hd-cham-diem-don-vi-hoc-tap.md").facts.deadlines
    own = next(d for d in guide if d.actor_text == "Các đơn vị")
    assert (own.due_day, own.due_month) == (15, 11) and own.what == "Tự chấm điểm, gửi hồ sơ đề nghị công nhận"
    plan = parse_file(root / "probe5" / "thudau-2027-kh-hoi-thi-nguoi-lon-tuoi-hoc-tap.txt").facts.deadlines
    report = next(d for d in plan if (d.due_day, d.due_month) == (30, 6))
    assert report.actor_text == "Hội Người cao tuổi xã" and report.what.startswith("Báo cáo tổng kết gửi")
    assert not any("|" in d.what for d in guide + plan), [d.what for d in guide + plan if "|" in d.what]
