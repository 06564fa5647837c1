"""The knowledge pipeline on the five seed documents and on documents it has never seen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from indexer.build import build, parse_file
from store.recurrence import Recurrence
from indexer.loaders import DocumentError, read_document
from indexer.normalize import normalize_text

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KN = ROOT / "knowledge"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def docs():
    return {p.stem: parse_file(p) for p in sorted(KN.glob("*.txt"))}


# -- normalisation ---------------------------------------------------------------------------


def test_normalise_nfc_tone_marks_emphasis_and_noise():
    raw = (
        "**ỦY BAN**\nCộng hoà xã hội\nSố: **3597**/UBND\n16 14\nHandwritten signature\n- + Cuối năm 2025\nxong. *nk*\n"
    )
    raw = raw.replace("ộ", "o\u0323\u0302")  # decomposed, as in one seed
    t = normalize_text(raw)
    assert "**" not in t and "*nk*" not in t and not t.rstrip().endswith("nk")
    assert "Cộng hòa" in t  # NFC and old-style tone placement
    assert "Số: 3597/UBND" in t
    assert "16 14" not in t and "Handwritten" not in t
    assert "\n+ Cuối năm 2025" in t


def test_decomposed_seed_is_normalised(docs):
    d = docs["bgddt-2017-162-gdtx"]
    import unicodedata

    assert unicodedata.is_normalized("NFC", d.text)
    assert d.header.number == "162/BGDĐT-GDTX"


# -- headers ---------------------------------------------------------------------------------


def test_headers_of_the_seeds(docs):
    h = docs["daknong-2021-3597-ubnd-kgvx"].header
    assert (h.doc_type, h.number, h.issuer, h.place, h.date) == (
        "công văn",
        "3597/UBND-KGVX",
        "UBND tỉnh Đắk Nông",
        "Đắk Nông",
        dt.date(2021, 7, 12),
    )
    assert h.subject.startswith("triển khai thực hiện Chỉ thị số 14/CT-TTg ngày 25/5/2021")
    assert h.recipients[0] == "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh" and len(h.recipients) == 6
    assert h.signer == "Tôn Thị Ngọc Hạnh" and h.signer_title == "KT. CHỦ TỊCH PHÓ CHỦ TỊCH"
    assert "Thường trực Tỉnh ủy" in h.receivers and h.province == "Đắk Nông"

    h = docs["bgddt-2017-162-gdtx"].header
    assert (h.doc_type, h.issuer, h.place, h.date) == (
        "công văn",
        "Bộ Giáo dục và Đào tạo",
        "Hà Nội",
        dt.date(2017, 1, 18),
    )
    assert h.subject.startswith("thực hiện kết luận của Phó Thủ tướng Chính phủ")
    assert h.recipients == ["Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương"]
    assert h.province is None and "Văn phòng Chính phủ" in h.receivers

    h = docs["bgddt-2021-trien-khai-de-an-1373"].header
    assert h.number == "/BGDDT-GDTEX" and h.date is None and h.year == 2021  # a draft: day and month blank
    assert h.date_text == "ngày tháng năm 2021"
    assert h.subject == "triển khai Đề án “Xây dựng xã hội học tập giai đoạn 2021 - 2030”"
    assert len(h.recipients) == 3 and h.recipients[2].startswith("Ủy ban nhân dân các tỉnh")
    assert (h.signer, h.signer_title) == ("Nguyễn Hữu Độ", "KT. BỘ TRƯỞNG THỨ TRƯỞNG")

    h = docs["haiphong-2022-khai-thac-tai-lieu-xhht"].header
    assert h.issuer.startswith("Sở Giáo dục và Đào tạo") and h.province == "Hải Phòng"
    assert h.signer == "Đỗ Thị Hòa" and h.year == 2022 and h.date is None
    assert h.subject == 'Khai thác và sử dụng tài liệu "Hướng dẫn xây dựng xã hội học tập"'

    h = docs["tiengiang-2021-ke-hoach-xhht"].header
    assert (h.doc_type, h.issuer, h.province, h.signer) == (
        "kế hoạch",
        "UBND tỉnh Tiền Giang",
        "Tiền Giang",
        "Nguyễn Văn Mười",
    )
    assert h.subject == "Thực hiện Đề án “Xây dựng xã hội học tập giai đoạn 2021-2030” tỉnh Tiền Giang"


def test_section_paths(docs):
    paths = {c.section_path for c in docs["tiengiang-2021-ke-hoach-xhht"].chunks}
    assert "IV › 1 › c) Sở Thông tin và Truyền thông" in paths
    assert "I › 2 › a) Mục tiêu đến năm 2025:" in paths
    chunk = next(c for c in docs["tiengiang-2021-ke-hoach-xhht"].chunks if c.section_path.startswith("I › 2 › b)"))
    assert any("2030" in h for h in chunk.headings)  # the heading path travels with the paragraph


# -- deadlines -------------------------------------------------------------------------------


def _deadline(doc, day, month):
    found = [d for d in doc.facts.deadlines if (d.due_day, d.due_month) == (day, month)]
    assert found, f"no deadline {day}/{month} in {doc.doc_id}"
    return found[0]


def test_deadlines_of_the_seeds(docs):
    dk = docs["daknong-2021-3597-ubnd-kgvx"]
    six, year = _deadline(dk, 15, 6), _deadline(dk, 15, 12)
    for d in (six, year):
        assert d.recurrence == "yearly" and d.action == "báo cáo"
        assert d.actor_text == "các Sở, ngành, đơn vị và UBND các huyện, thành phố"  # from the previous sentence
        assert d.recipient == "Sở Giáo dục và Đào tạo"
        assert d.what == "báo cáo tình hình thực hiện về Sở Giáo dục và Đào tạo"
    assert six.period == "6 tháng" and year.period == "năm"

    bo = _deadline(docs["bgddt-2021-trien-khai-de-an-1373"], 20, 12)
    assert bo.recurrence == "yearly" and bo.recipient == "Bộ GDĐT"
    assert "Ủy ban nhân dân các tỉnh" in bo.actor_text  # no subject: the letter's recipients
    assert "Ủy ban nhân dân tỉnh" in bo.actors

    y2021 = [d for d in docs["bgddt-2021-trien-khai-de-an-1373"].facts.deadlines if d.due_year == 2021]
    assert y2021 and y2021[0].interpretation == "trong năm 2021 → 31/12/2021"
    assert y2021[0].actor_text.startswith("các bộ, ngành, đoàn thể ở trung ương")

    tg = docs["tiengiang-2021-ke-hoach-xhht"]
    dec1 = _deadline(tg, 1, 12)
    assert dec1.recurrence == "yearly" and dec1.recipient == "UBND tỉnh (qua Sở GDĐT)"
    assert dec1.actor_text == "các sở, ngành, đơn vị, địa phương"
    review = [d for d in tg.facts.deadlines if d.due_year == 2025]
    assert review[0].recurrence == "once" and review[0].interpretation == "cuối năm 2025 → 31/12/2025"
    assert "sơ kết" in review[0].what and review[0].actor_text == "UBND tỉnh Tiền Giang"
    assert [d.due_year for d in tg.facts.deadlines if d.recurrence == "once"] == [2025, 2030]
    # targets ("Mục tiêu đến năm 2025") are not deadlines, nor are the dates of cited documents
    assert len(docs["haiphong-2022-khai-thac-tai-lieu-xhht"].facts.deadlines) == 0
    assert len(docs["bgddt-2017-162-gdtx"].facts.deadlines) == 0


# -- responsibilities ------------------------------------------------------------------------


def test_responsibilities_tien_giang_section_iv(docs):
    rs = docs["tiengiang-2021-ke-hoach-xhht"].facts.responsibilities
    by = {}
    for r in rs:
        by.setdefault(r.agency_text, []).append(r)
    expected = {
        "Sở Giáo dục và Đào tạo": 6,
        "Sở Lao động - Thương binh và Xã hội": 3,
        "Sở Thông tin và Truyền thông": 2,
        "Sở Văn hóa, Thể thao và Du lịch": 2,
        "Sở Tài chính": 2,
        "Bộ Chỉ huy Quân sự tỉnh, Bộ Chỉ huy Bộ đội Biên phòng tỉnh": 2,
        "Công an tỉnh": 1,
        "Các sở, ban, ngành tỉnh": 1,
        "Ban Tuyên giáo Tỉnh ủy": 1,
        "Hội Khuyến học tỉnh": 3,
        "Liên đoàn Lao động tỉnh": 2,
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh": 2,
        "Hội Liên hiệp Phụ nữ tỉnh": 2,
        "Ủy ban nhân dân các huyện, thị xã, thành phố": 5,
    }
    for agency, n in expected.items():
        tasks = {r.task for r in by.get(agency, [])}
        assert len(tasks) == n, (agency, tasks)
    assert {r.role for r in by["Sở Lao động - Thương binh và Xã hội"]} == {"chủ trì", "thực hiện"}
    assert any("thư viện, bảo tàng" in r.task for r in by["Sở Văn hóa, Thể thao và Du lịch"])
    assert [r.role for r in by["Công an tỉnh"]] == ["chủ trì"]
    assert {r.agency for r in by["Đài Phát thanh và Truyền hình tỉnh, đề nghị Báo Ấp Bắc"]} == {
        "Đài Phát thanh và Truyền hình tỉnh",
        "Báo tỉnh",
    }
    assert any(r.agency == "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh" and "phát động" in r.task for r in rs)
    assert any(r.agency_text == "Trường Đại học Tiền Giang" and "đào tạo từ xa" in r.task for r in rs)


def test_responsibilities_dak_nong_sections_1_to_7(docs):
    rs = docs["daknong-2021-3597-ubnd-kgvx"].facts.responsibilities
    count = lambda name: len({r.task for r in rs if r.agency == name})
    assert count("Sở Giáo dục và Đào tạo") == 5
    assert count("Hội Khuyến học tỉnh") == 3
    assert count("Sở Lao động - Thương binh và Xã hội") == 3
    assert count("Sở Tài chính") == 1
    assert count("Sở Thông tin và Truyền thông") == 2 and count("Báo tỉnh") == 2
    assert count("Đài Phát thanh và Truyền hình tỉnh") == 2
    assert count("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh") == 1
    assert count("Ủy ban nhân dân cấp huyện") == 5
    fin = next(r for r in rs if r.agency == "Sở Tài chính")
    assert fin.role == "tham mưu" and fin.task.startswith("tham mưu cấp có thẩm quyền về kinh phí")
    assert [r.role for r in rs if r.agency == "Hội Khuyến học tỉnh"].count("chủ trì") == 2


# -- targets ---------------------------------------------------------------------------------


def test_targets_tien_giang(docs):
    ts = docs["tiengiang-2021-ke-hoach-xhht"].facts.targets
    pct = {(t.year, t.value, t.indicator) for t in ts if t.value is not None}
    want = [
        (2025, 100, "huyện, thành, thị đạt chuẩn XMC mức độ 2"),
        (2025, 50, "số người trong độ tuổi lao động được trang bị kỹ năng sống"),
        (2025, 50, "dân số từ 15 tuổi trở lên được đào tạo trình độ chuyên môn kỹ thuật"),
        (2025, 12, "dân số có trình độ đại học trở lên"),
        (2025, 20, "huyện, thành, thị đạt chuẩn PCGD THCS mức độ 3"),
        (2025, 40, "công dân đạt danh hiệu công dân học tập theo tiêu chí do cơ quan có thẩm quyền ban hành"),
        (
            2025,
            60,
            "các cơ sở giáo dục phổ thông, giáo dục thường xuyên, giáo dục nghề nghiệp và các cơ sở khác triển khai hoạt động quản lý, giảng dạy và học tập trên môi trường số",
        ),
        (
            2030,
            80,
            "các cơ sở giáo dục phổ thông, giáo dục thường xuyên, giáo dục nghề nghiệp và các cơ sở khác triển khai hoạt động quản lý giảng dạy và học tập trên môi trường số",
        ),
        (
            2030,
            90,
            "các trung tâm học tập cộng đồng ứng dụng công nghệ thông tin trong quản lý, tổ chức hoạt động giáo dục",
        ),
        (2030, 15, "dân số có trình độ đại học trở lên"),
        (2030, 60, "công dân đạt danh hiệu công dân học tập"),
        (2030, 50, "các huyện, thành, thị được công nhận danh hiệu huyện, thành, thị học tập"),
    ]
    for w in want:
        assert w in pct, w
    assert sum(1 for t in ts if t.year == 2025 and t.value is not None) == 13
    assert sum(1 for t in ts if t.year == 2030 and t.value is not None) == 12
    assert all(t.year in (2025, 2030) for t in ts)
    xmc = next(t for t in ts if t.indicator == "huyện, thành, thị đạt chuẩn XMC mức độ 2")
    assert xmc.scope == "Xóa mù chữ (XMC) và phổ cập giáo dục (PCGD)"


# -- cited documents and contacts -----------------------------------------------------------


def test_citations_and_contacts(docs):
    cites = {c.number: c for d in docs.values() for c in d.facts.citations}
    assert cites["1373/QĐ-TTg"].date == dt.date(2021, 7, 30) and cites["1373/QĐ-TTg"].issuer == "Thủ tướng Chính phủ"
    assert cites["44/2014/TT-BGDĐT"].date == dt.date(2014, 12, 12)  # "44/2014TT-BGDĐT" normalised
    assert cites["14/CT-TTg"].date == dt.date(2021, 5, 25)
    assert cites["281/QĐ-TTg"].date == dt.date(2014, 2, 20)
    assert cites["2553/BGDĐT-GDTX"].doc_type == "Công văn"
    assert cites["254/KH-UBND"].date == dt.date(2021, 11, 15)
    assert cites["49-KL/TW"].issuer == "Ban Bí thư"
    contact = docs["bgddt-2021-trien-khai-de-an-1373"].facts.contacts[0]
    assert (contact.name, contact.phone, contact.email) == ("Phan Thị Duyên", "0981444441", "ptduyen@moet.gov.vn")


# -- documents never seen --------------------------------------------------------------------


def test_unseen_law_in_dieu_form():
    p = parse_file(DATA / "luat-hoc-tap-suot-doi.txt")
    assert (p.header.doc_type, p.header.number, p.header.issuer) == ("luật", "99/2026/QH15", "Quốc hội")
    assert p.header.subject == "Luật Học tập suốt đời" and p.header.signer == "Trần Văn Mẫu"
    paths = {c.section_path for c in p.chunks}
    assert "Chương II › Điều 3 › 1. Chủ trì xây dựng chiến lược học tập suốt đời." in paths
    june = [d for d in p.facts.deadlines if (d.due_day, d.due_month) == (30, 6)][0]
    assert june.recurrence == "yearly" and june.actor_text == "Ủy ban nhân dân cấp tỉnh"
    assert june.recipient == "Bộ Giáo dục và Đào tạo"
    jan = [d for d in p.facts.deadlines if (d.due_day, d.due_month) == (10, 1)][0]
    assert (jan.recurrence, jan.due_year, jan.actor_text) == ("once", 2027, "Sở Giáo dục và Đào tạo")
    assert jan.recipient == "Ủy ban nhân dân cấp tỉnh"
    rs = [r for r in p.facts.responsibilities if r.agency == "Bộ Giáo dục và Đào tạo"]
    assert [r.role for r in rs] == ["chủ trì", "phối hợp"]
    assert any(
        r.agency_text == "Ủy ban nhân dân cấp tỉnh" and r.task.startswith("Bố trí ngân sách")
        for r in p.facts.responsibilities
    )


def test_unseen_letter_with_other_date_forms():
    p = parse_file(DATA / "lamdong-2026-bao-cao-xhht.md")
    h = p.header
    assert (h.number, h.issuer, h.date, h.province, h.signer) == (
        "1234/UBND-VX",
        "UBND tỉnh Lâm Đồng",
        dt.date(2026, 11, 5),
        "Lâm Đồng",
        "Trần Thị Bình",
    )
    jan = [d for d in p.facts.deadlines if (d.due_day, d.due_month) == (10, 1)][0]
    assert (jan.due_year, jan.recurrence, jan.actor_text, jan.recipient) == (
        2027,
        "once",
        "Sở Giáo dục và Đào tạo",
        "UBND tỉnh",
    )
    june = [d for d in p.facts.deadlines if (d.due_day, d.due_month) == (30, 6)][0]
    assert june.recurrence == "yearly" and june.actor_text == "Ủy ban nhân dân các huyện, thành phố"
    assert june.recipient == "Sở Giáo dục và Đào tạo"
    fin = [r for r in p.facts.responsibilities if r.agency == "Sở Tài chính"]
    assert fin and fin[0].role == "tham mưu"
    c = p.facts.contacts[0]
    assert (c.name, c.phone, c.email) == ("Nguyễn Văn An", "02633822111", "nvan@lamdong.edu.vn")


def test_docx_and_pdf_loaders(tmp_path):
    import docx

    d = docx.Document()
    for line in (DATA / "lamdong-2026-bao-cao-xhht.md").read_text(encoding="utf-8").splitlines():
        d.add_paragraph(line)
    path = tmp_path / "lamdong.docx"
    d.save(path)
    p = parse_file(path)
    assert p.header.number == "1234/UBND-VX" and any(x.due_year == 2027 for x in p.facts.deadlines)
    bad = tmp_path / "hong.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    with pytest.raises(DocumentError, match="hong.pdf"):
        read_document(bad)


# -- building the store: bad files are refused, nothing indexed is lost ----------------------


def test_build_refuses_bad_files_and_keeps_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("HOCTAP_EMBEDDING_MODEL", str(tmp_path / "no-model"))  # lexical only: fast
    src = tmp_path / "docs"
    shutil.copytree(KN, src, ignore=shutil.ignore_patterns("*.json"))
    settings = load_settings(tmp_path / "data")
    rep = build(settings, [src])
    assert not rep.errors and len(rep.indexed) == 5 and rep.chunks > 50 and not rep.dense
    again = build(settings, [src])
    assert again.indexed == [] and len(again.unchanged) == 5
    # a bad version of a known document plus three bad new files
    (src / "daknong-2021-3597-ubnd-kgvx.txt").write_bytes(b"\x00\x01\x02binary")
    (src / "rong.txt").write_text("")
    (src / "latin1.txt").write_bytes("Kế hoạch".encode("utf-16-le")[:-1] + b"\xff\xfe\xfa" * 20)
    (src / "moi-2026.md").write_text(
        (DATA / "lamdong-2026-bao-cao-xhht.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    rep = build(settings, [src])
    msgs = {e.path.name: e.reason for e in rep.errors}
    assert set(msgs) == {"daknong-2021-3597-ubnd-kgvx.txt", "rong.txt", "latin1.txt"}
    assert "rỗng" in msgs["rong.txt"] and "nhị phân" in msgs["daknong-2021-3597-ubnd-kgvx.txt"]
    assert rep.indexed == ["moi-2026"]
    from bot.assistant import Assistant

    a = Assistant.from_settings(settings)
    assert set(a.kb.docs) == {p.stem for p in KN.glob("*.txt")} | {"moi-2026"}
    ans = a.ask("Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?")
    assert ans.answered and "15/06" in ans.answer and ans.sources[0].file == "daknong-2021-3597-ubnd-kgvx"


def test_cli_build_and_show(tmp_path):
    env = {"HOCTAP_EMBEDDING_MODEL": str(tmp_path / "none"), "PATH": "/usr/bin:/bin"}
    data = tmp_path / "d"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00")
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "build", str(KN), str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 1 and "bad.txt" in r.stderr and "5 văn bản" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "show", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    got = json.loads(r.stdout)
    dk = next(d for d in got if d["id"] == "daknong-2021-3597-ubnd-kgvx")
    assert {(x["due_day"], x["due_month"]) for x in dk["deadlines"]} == {(15, 6), (15, 12)}
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "show"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "HẠN" in r.stdout and "15/12 hằng năm" in r.stdout and "CHỈ TIÊU" in r.stdout


def test_a_body_named_before_a_colon_has_the_rest_of_its_line_as_its_task(tmp_path):
    """'a) Sở Khoa học và Công nghệ: cấp tài khoản, duy trì …' is the department's task, cut at the colon, not at
    its first comma; 'a) Báo cáo quý: …' names a report, not a body."""
    doc = tmp_path / "hue-2026-hd-thu.txt"
    doc.write_text(
        "SỞ NỘI VỤ\n\nSố: 12/SNV-CCVC\n\nHuế, ngày 20 tháng 3 năm 2026\n\nHƯỚNG DẪN\nĐánh giá đơn vị học tập\n\n"
        "1. Chế độ báo cáo\n\na) Báo cáo quý: cơ quan, đơn vị báo cáo tiến độ về Sở Nội vụ.\n\n"
        "2. Tổ chức thực hiện\n\n"
        "a) Sở Khoa học và Công nghệ: cấp tài khoản, duy trì Nền tảng học trực tuyến của thành phố.\n\n"
        "b) Sở Giáo dục và Đào tạo: phối hợp tổ chức kiểm tra, cấp chứng chỉ ngoại ngữ.\n",
        encoding="utf-8",
    )
    rs = parse_file(doc).facts.responsibilities
    tasks = {r.agency: r.task for r in rs}
    assert tasks.get("Sở Khoa học và Công nghệ", "").startswith("cấp tài khoản, duy trì"), tasks
    assert tasks.get("Sở Giáo dục và Đào tạo", "").startswith("phối hợp tổ chức kiểm tra"), tasks
    assert not any(a.startswith("Báo cáo") for a in tasks), tasks


def test_a_window_to_register_in_ends_on_its_last_day_and_an_events_dates_are_no_deadline(tmp_path):
    """'Thời gian đăng ký: từ ngày 05/01 đến ngày 28/02 hằng năm' is due on 28/02 each year; 'Tuần lễ … được tổ chức
    từ ngày 01/10 đến ngày 07/10' is when an event happens, not a deadline."""
    doc = tmp_path / "anphu-2027-tb-dang-ky.txt"
    doc.write_text(
        "HỘI KHUYẾN HỌC XÃ AN PHÚ\n\nSố: 5/TB-HKH\n\nAn Phú, ngày 02 tháng 01 năm 2027\n\nTHÔNG BÁO\n"
        "Đăng ký Gia đình học tập năm 2027\n\n"
        "1. Thời gian đăng ký: từ ngày 05/01 đến ngày 28/02 hằng năm, tại chi hội khuyến học thôn.\n\n"
        "2. Tuần lễ học tập được tổ chức từ ngày 01/10 đến ngày 07/10/2027 tại nhà văn hóa xã.\n",
        encoding="utf-8",
    )
    ds = parse_file(doc).facts.deadlines
    assert [(d.due_day, d.due_month, d.recurrence) for d in ds] == [(28, 2, Recurrence.YEARLY)], ds


def test_a_signature_before_an_annex_with_no_copies_list_closes_the_body():
    """A Hội's decision signed "TM. BAN THƯỜNG VỤ / CHỦ TỊCH / name" with its rules annexed after, and no "Nơi
    nhận": the signer is read, the annex's title lines are no task of the bodies the last article names, the
    issuer is the Hội's standing committee, and a right kept "đến hết ngày …" is no deadline."""
    p = parse_file(ROOT / "tests" / "data" / "evidence" / "quangtri-2026-qd-hoc-bong-khuyen-hoc.txt")
    h = p.header
    assert h.signer == "Lê Văn Hòa" and "CHỦ TỊCH" in (h.signer_title or "")
    assert h.issuer == "Ban Thường vụ Hội Khuyến học tỉnh Quảng Trị" and h.province == "Quảng Trị"
    tasks = [r.task for r in p.facts.responsibilities]
    assert any("thi hành Quyết định này" in t for t in tasks)
    assert not any(t.startswith(("QUY ĐỊNH", "TM.", "CHỦ TỊCH", "Lê Văn Hòa", "(Ban hành kèm theo")) for t in tasks), (
        tasks
    )
    dates = {(d.due_day, d.due_month) for d in p.facts.deadlines}
    assert {(15, 9), (20, 10), (10, 12)} <= dates
    assert (31, 12) not in dates  # "tiếp tục được hưởng đến hết ngày 31 tháng 12 năm 2026": when a right ends
    assert any(c.section_path.startswith("Điều 3 › 2.") and "15 tháng 9" in c.text for c in p.chunks)  # the annex's


def test_a_communes_bodies_are_not_the_provinces_and_the_contact_line_is_no_task(tmp_path):
    """'Hội Khuyến học các xã, phường' is not the province's Hội; 'Thông tin liên hệ: …' closes the body and is
    nobody's task, but still a contact."""
    doc = tmp_path / "angiang-2027-ctr-quy.txt"
    doc.write_text(
        "HỘI KHUYẾN HỌC TỈNH AN GIANG\n\nSố: 7/CTr-HKH\n\nAn Giang, ngày 02 tháng 01 năm 2027\n\nCHƯƠNG TRÌNH\n"
        "Vận động Quỹ khuyến học năm 2027\n\n"
        "1. Phân công\n"
        "a) Hội Khuyến học các xã, phường báo cáo kết quả về Văn phòng Hội trước ngày 10/12/2027.\n"
        "b) Công an xã phối hợp tuyên truyền.\n\n"
        "Thông tin liên hệ: ông Trần Văn An, Văn phòng Hội, điện thoại 0296.3852.111.\n",
        encoding="utf-8",
    )
    p = parse_file(doc)
    rs = p.facts.responsibilities
    assert not any(r.task.startswith("Thông tin liên hệ") for r in rs), [(r.agency, r.task) for r in rs]
    assert not any(r.agency in ("Hội Khuyến học tỉnh", "Công an tỉnh") for r in rs), [(r.agency, r.task) for r in rs]
    assert p.facts.contacts and "0296" in (p.facts.contacts[0].phone or "")


def test_a_bodys_name_ends_where_its_verb_begins(tmp_path):
    """'Thủ trưởng đơn vị thành lập Hội đồng …' is the head's task, 'Hội Khuyến học các xã, phường lập danh sách …'
    the communes' Hội's; 'đơn vị sự nghiệp công lập' (public) holds no verb."""
    doc = tmp_path / "binhdinh-2027-hd-thu.txt"
    doc.write_text(
        "SỞ NỘI VỤ\n\nSố: 3/HD-SNV\n\nBình Định, ngày 20 tháng 3 năm 2027\n\nHƯỚNG DẪN\nĐánh giá đơn vị học tập\n\n"
        "1. Tổ chức thực hiện\n\n"
        "a) Thủ trưởng đơn vị thành lập Hội đồng tự đánh giá, trực tiếp làm Chủ tịch Hội đồng.\n\n"
        "b) Hội Khuyến học các xã, phường lập danh sách gia đình tiêu biểu, gửi Sở Nội vụ trước ngày 20/10/2027.\n\n"
        "c) Các đơn vị sự nghiệp công lập thuộc tỉnh tự đánh giá theo Mẫu số 02.\n",
        encoding="utf-8",
    )
    tasks = {r.agency: r.task for r in parse_file(doc).facts.responsibilities}
    assert tasks.get("Thủ trưởng đơn vị", "").startswith("thành lập Hội đồng"), tasks
    assert tasks.get("Hội Khuyến học các xã, phường", "").startswith("lập danh sách"), tasks
    assert not any(a.endswith("công") for a in tasks), tasks


def test_parenthesised_numbers_are_a_list_inside_a_lettered_item_or_a_numbered_section():
    """'a) … các xã, phường (08 đơn vị):' › '1) Xã An Lão;' and '2. Các đơn vị gửi chậm' › '1) Sở Nội vụ: …': the
    items belong to the section announcing them, not beside it as sections 'I › 1', 'I › 2' of their own."""
    from indexer.sections import build_tree, section_path

    lines = [
        "I. TÌNH HÌNH GỬI BÁO CÁO",
        "1. Các đơn vị chưa gửi báo cáo (03 đơn vị)",
        "a) Ủy ban nhân dân các xã (02 đơn vị):",
        "1) Xã An Lão;",
        "2) Xã Vân Canh.",
        "b) Các sở, ngành (01 đơn vị):",
        "1) Sở Y tế.",
        "2. Các đơn vị gửi chậm",
        "1) Sở Nội vụ: gửi ngày 17/6/2027;",
        "II. ĐỀ NGHỊ",
        "1) Khẩn trương gửi báo cáo.",
    ]
    root = build_tree(lines)
    paths = {n.line: section_path(n) for n in root.iter() if n.line}
    assert paths["1) Xã An Lão;"].startswith("I › 1 › a) › 1)")
    assert paths["1) Sở Y tế."].startswith("I › 1 › b) › 1)")
    assert paths["1) Sở Nội vụ: gửi ngày 17/6/2027;"].startswith("I › 2 › 1)")
    assert paths["1) Khẩn trương gửi báo cáo."].startswith("II › 1")  # a list of the roman section itself
