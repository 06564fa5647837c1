"""Pages copied from legal-database sites: a saved .html page and text pasted from a browser become the
plain layout the header parser reads, with the same facts as the clean text file."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.build import parse_file
from indexer.loaders import DocumentError, read_document
from indexer.webpage import html_to_text, join_wrapped, looks_pasted, read_metadata, tidy_pasted

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SEED = ROOT / "knowledge" / "daknong-2021-3597-ubnd-kgvx.txt"


def _facts(p):
    f = p.facts
    return (
        sorted(
            (d.key, d.due_day, d.due_month, d.due_year, d.recurrence, tuple(d.actors), d.recipient) for d in f.deadlines
        ),
        sorted((r.agency, r.role, r.task) for r in f.responsibilities),
        sorted((t.indicator, t.value, t.year) for t in f.targets),
    )


@pytest.fixture(scope="module")
def seed():
    return parse_file(SEED)


@pytest.mark.parametrize("name", ["thuvien-daknong-3597.html", "thuvien-daknong-3597-dan.txt"])
def test_legal_database_page_reads_like_the_clean_text(seed, name, tmp_path):
    # the file stem is the document id: copy under the seed's name so deadline ids compare equal
    src = tmp_path / (SEED.stem + Path(name).suffix)
    shutil.copy(DATA / name, src)
    p = parse_file(src)
    h = p.header
    assert (h.doc_type, h.number, h.issuer, h.place, h.date) == (
        "công văn",
        "3597/UBND-KGVX",
        "UBND tỉnh Đắk Nông",
        "Đắk Nông",
        dt.date(2021, 7, 12),
    )
    assert h.signer == "Tôn Thị Ngọc Hạnh" and h.signer_title == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert h.subject == seed.header.subject
    assert h.recipients == seed.header.recipients and h.receivers == seed.header.receivers
    assert _facts(p) == _facts(seed)
    assert len(p.facts.deadlines) == 2 and len(p.facts.responsibilities) == 24
    text = p.text
    # site furniture is gone: navigation, metadata labels, related documents, copyright, scripts
    for junk in (
        "Trang chủ",
        "Số hiệu",
        "Loại văn bản",
        "Văn bản liên quan",
        "Bản quyền",
        "gtag",
        "Đăng nhập",
        "Nguyễn Văn An",
        "-------",
    ):
        assert junk not in text, junk


def test_html_page_layout():
    text = read_document(DATA / "thuvien-daknong-3597.html")
    lines = text.rstrip().split("\n")
    # the header table is read column by column: issuer, motto, number and subject, place and date
    order = [
        lines.index(x)
        for x in (
            "ỦY BAN NHÂN DÂN",
            "TỈNH ĐẮK NÔNG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Số: 3597/UBND-KGVX",
            "Đắk Nông, ngày 12 tháng 7 năm 2021",
            "Kính gửi:",
        )
    ]
    assert order == sorted(order) and order[0] == 0
    # <br> inside a sentence is joined; <br> between list items is kept
    assert any(
        x.startswith("- Tăng cường công tác chỉ đạo và đề ra những giải pháp thiết thực")
        and x.endswith("công tác vùng đồng bào dân tộc thiểu số.")
        for x in lines
    )
    assert "- Thường trực Tỉnh ủy;" in lines and lines[-1] == "Tôn Thị Ngọc Hạnh"


def test_metadata_block_fills_a_missing_header():
    pasted = (
        "Số hiệu:\t15/KH-UBND\tLoại văn bản:\tKế hoạch\n"
        "Nơi ban hành:\tTỉnh Lâm Đồng\tNgười ký:\tNguyễn Văn Bình\n"
        "Ngày ban hành:\t05/03/2026\tNgày hiệu lực:\tĐã biết\n\n"
        "Thực hiện xây dựng xã hội học tập năm 2026, các Sở, ngành và UBND các huyện\n"
        "báo cáo kết quả về Sở Giáo dục và Đào tạo trước ngày 20/11/2026.\n\n"
        "1. Sở Giáo dục và Đào tạo\n- Chủ trì tổng hợp báo cáo.\n"
    )
    assert looks_pasted(pasted)
    md = read_metadata(pasted.split("\n"), 10)
    assert (md.number, md.doc_type, md.issuer, md.signer, md.date) == (
        "15/KH-UBND",
        "Kế hoạch",
        "Tỉnh Lâm Đồng",
        "Nguyễn Văn Bình",
        (5, 3, 2026),
    )
    out = tidy_pasted(pasted)
    assert out.startswith(
        "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG\nKẾ HOẠCH\nSố: 15/KH-UBND\nLâm Đồng, ngày 5 tháng 3 năm 2026\n"
    )
    assert "các huyện báo cáo kết quả" in out and "Số hiệu" not in out


def test_pipe_table_header_and_joined_lines():
    pasted = (
        "BỘ GIÁO DỤC VÀ ĐÀO TẠO | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "-------- | Độc lập - Tự do - Hạnh phúc\n"
        "Số: 162/BGDĐT-GDTX | Hà Nội, ngày 18 tháng 01 năm 2017\n"
        "V/v hướng dẫn thực hiện nhiệm vụ | \n\n"
        "Kính gửi: Các Sở Giáo dục và Đào tạo\n\n"
        "Các Sở Giáo dục và Đào tạo gửi báo cáo về Bộ Giáo dục và Đào tạo (qua Vụ Giáo dục\n"
        "thường xuyên) trước ngày 15/12/2017.\n"
    )
    out = tidy_pasted(pasted)
    lines = out.split("\n")
    assert lines[:2] == ["BỘ GIÁO DỤC VÀ ĐÀO TẠO", ""] and "Số: 162/BGDĐT-GDTX" in lines
    assert lines.index("Số: 162/BGDĐT-GDTX") < lines.index("Hà Nội, ngày 18 tháng 01 năm 2017")
    assert "(qua Vụ Giáo dục thường xuyên) trước ngày 15/12/2017." in out


def test_clean_seed_texts_are_left_alone():
    for p in sorted((ROOT / "knowledge").glob("*.txt")):
        assert not looks_pasted(p.read_text(encoding="utf-8")), p.name


def test_join_wrapped_keeps_items_and_headings_apart():
    lines = [
        "1. Sở Giáo dục và Đào tạo",
        "- Tham mưu UBND tỉnh kiện toàn Ban Chỉ đạo xây dựng xã hội học tập giai đoạn",
        "2021-2030 ở cấp tỉnh;",
        "a) Phối hợp với các Sở",
        "II. TỔ CHỨC THỰC HIỆN",
        "Các Sở, ngành báo cáo",
    ]
    assert join_wrapped(lines) == [
        "1. Sở Giáo dục và Đào tạo",
        "- Tham mưu UBND tỉnh kiện toàn Ban Chỉ đạo xây dựng xã hội học tập giai đoạn 2021-2030 ở cấp tỉnh;",
        "a) Phối hợp với các Sở",
        "II. TỔ CHỨC THỰC HIỆN",
        "Các Sở, ngành báo cáo",
    ]


def test_bad_html_is_refused_by_name(tmp_path):
    empty = tmp_path / "trong.html"
    empty.write_text("<html><body><nav>Trang chủ</nav><script>x()</script></body></html>", encoding="utf-8")
    with pytest.raises(DocumentError) as e:
        read_document(empty)
    assert "trong.html" in str(e.value)
    assert html_to_text(b"<p>a</p>").strip() == "a"


def test_indexer_cli_indexes_the_saved_page(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(DATA / "thuvien-daknong-3597.html", src / "daknong-3597-web.html")
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(tmp_path / "d"), "build", str(src)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(tmp_path / "d"), "show", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    import json

    docs = json.loads(r.stdout)
    d = next(x for x in docs if x["id"] == "daknong-3597-web")
    assert (d["doc_type"], d["number"], d["issuer"], d["date"], d["signer"]) == (
        "công văn",
        "3597/UBND-KGVX",
        "UBND tỉnh Đắk Nông",
        "2021-07-12",
        "Tôn Thị Ngọc Hạnh",
    )
    assert len(d["deadlines"]) == 2
