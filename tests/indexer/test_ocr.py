"""Scanned documents: a seed document typeset onto A4 page images (Pillow, DejaVu Serif; a page number on
every page after the first, a repeated footer, a red stamp and a blue signature, slight skew and speckle),
saved as an image-only PDF, indexed with `python -m indexer build` — real Tesseract with its Vietnamese
model — gives the same deadlines, responsibilities and targets as the text file.

OCR differences tolerated (none occur on these pages at 300 dpi; listed so a regression is readable):
- the signer's title under the stamp may lose letters ("KT. CHỦ TỊC");
- the typist's reference line may be misread ("Lưu: VŨ CTTĐU KGVX" for "Lưu: VT, CTTĐT, KGVX");
- a speck may add a lone punctuation mark or an opening quote before a word.
None of these reach a deadline, a responsibility or a target; the test compares those exactly.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.ocr import tesseract_problem
from tests.support.pdf import text_pdf

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "knowledge" / "tiengiang-2021-ke-hoach-xhht.txt"
SMALL = ROOT / "knowledge" / "daknong-2021-3597-ubnd-kgvx.txt"
FOOTER = "Bản scan thử nghiệm"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        tesseract_problem() is not None or not Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf").exists(),
        reason=f"OCR not available here ({tesseract_problem() or 'fonts-dejavu-core missing'}); `make test` installs "
        f"tesseract-ocr, tesseract-ocr-vie and fonts-dejavu-core",
    ),
]


@pytest.fixture(scope="module", autouse=True)
def fresh_ocr_cache(tmp_path_factory):
    """Every run really reads the pages (no OCR results cached by an earlier run)."""
    d = tmp_path_factory.mktemp("ocr-cache")
    old = os.environ.get("HOCTAP_OCR_CACHE")
    os.environ["HOCTAP_OCR_CACHE"] = str(d)
    yield d
    if old is None:
        os.environ.pop("HOCTAP_OCR_CACHE", None)
    else:
        os.environ["HOCTAP_OCR_CACHE"] = old


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HOCTAP_DATA_DIR")}
    env["HOCTAP_EMBEDDING_MODEL"] = "/nonexistent-model"  # lexical search only: this test is about reading
    env.update(extra)
    return env


def _facts_from_show(doc: dict):
    return (
        sorted(
            (d["id"], d["due_day"], d["due_month"], d["due_year"], d["recurrence"], tuple(d["actors"]), d["recipient"])
            for d in doc["deadlines"]
        ),
        sorted((r["agency"], r["role"]) for r in doc["responsibilities"]),
        sorted(
            (t["indicator"][:60], t["value"] if t["value"] is not None else -1, t["year"] or 0) for t in doc["targets"]
        ),
    )


def _build_and_show(data: Path, src: Path) -> dict:
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "build", str(src)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "show", "--json"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return {d["id"]: d for d in json.loads(r.stdout)}


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from bench.ocr_accuracy import make_scanned_pdf, reference_text

    work = tmp_path_factory.mktemp("ocr")
    scan_dir, text_dir = work / "scan", work / "text"
    scan_dir.mkdir()
    text_dir.mkdir()
    pdf = make_scanned_pdf(reference_text(SEED), scan_dir / (SEED.stem + ".pdf"), dpi=300, footer=FOOTER)
    shutil.copy(SEED, text_dir / SEED.name)
    return {
        "pdf": pdf,
        "scan": _build_and_show(work / "d-scan", scan_dir),
        "text": _build_and_show(work / "d-text", text_dir),
        "data": work / "d-scan",
    }


def test_scanned_pdf_has_no_text_layer(scanned):
    from pypdf import PdfReader

    assert all(not (p.extract_text() or "").strip() for p in PdfReader(str(scanned["pdf"])).pages)


def test_scan_gives_the_same_facts_as_the_text(scanned):
    scan, text = scanned["scan"][SEED.stem], scanned["text"][SEED.stem]
    for key in ("doc_type", "number", "issuer", "place", "date", "signer", "province"):
        assert scan[key] == text[key], key
    dl_s, rs_s, tg_s = _facts_from_show(scan)
    dl_t, rs_t, tg_t = _facts_from_show(text)
    assert len(dl_t) == 3 and len(rs_t) >= 40 and len(tg_t) >= 25
    assert dl_s == dl_t  # same ids: the reminders of a scanned plan are those of its text
    assert rs_s == rs_t
    assert tg_s == tg_t


def test_running_lines_stamp_and_page_numbers_are_dropped_and_pages_kept(scanned):
    from sqlalchemy import select

    from store.db import session_scope
    from store.knowledge import Chunk, ChunkPage
    from indexer.ocr import pdf_page_count

    n_pages = pdf_page_count(scanned["pdf"])
    assert n_pages >= 10
    url = f"sqlite:///{scanned['data'] / 'hoctap.sqlite3'}"
    with session_scope(url) as s:
        rows = s.execute(
            select(Chunk, ChunkPage.page)
            .outerjoin(ChunkPage, ChunkPage.chunk_id == Chunk.id)
            .where(Chunk.document_id == SEED.stem)
            .order_by(Chunk.ordinal)
        ).all()
    texts = "\n".join(c.text for c, _ in rows)
    assert FOOTER not in texts and "Trang 2/" not in texts and "★" not in texts
    pages = [p for _, p in rows]
    assert None not in pages
    assert pages[0] == 1 and pages[1] == 1 and pages[-1] in (n_pages, n_pages - 1)
    assert pages == sorted(pages) and len(set(pages)) >= n_pages - 2
    # what the Telegram "full source" button shows next to the section: "trang N"
    from indexer.loaders import chunk_page

    assert [chunk_page(url, c.id) for c, _ in rows] == pages
    # the chunk holding the targets for 2030 starts where that text is printed
    target_2030 = [p for c, p in rows if "Đến năm 2030" in c.text or "đến năm 2030" in c.text[:80]]
    assert target_2030 and 1 < target_2030[0] < n_pages


def test_image_files_are_read(tmp_path):
    from bench.ocr_accuracy import reference_text, render_pages
    from indexer.build import parse_file
    from indexer.loaders import page_texts

    # the printed layout of a letter's header: issuer, number and subject on the left, motto, place and date
    # on the right — Tesseract reads such lines across both columns; they are put back column by column
    first = render_pages(reference_text(SMALL), dpi=300, footer=FOOTER, two_column_header=True)[0]
    png = tmp_path / "cong-van-3597.png"
    first.save(png)
    p = parse_file(png)
    h = p.header
    assert (h.doc_type, h.number, h.issuer, h.place, str(h.date)) == (
        "công văn",
        "3597/UBND-KGVX",
        "UBND tỉnh Đắk Nông",
        "Đắk Nông",
        "2021-07-12",
    )
    assert h.subject.startswith("triển khai thực hiện Chỉ thị số 14/") and h.subject.endswith("giai đoạn 2021-2030")
    assert len(h.recipients) == 6
    # the closing block as printed: "Nơi nhận" on the left, the signer (under a stamp) on the right
    last = render_pages(reference_text(SMALL), dpi=300, footer=FOOTER, two_column_header=True)[-1]
    png = tmp_path / "cong-van-3597-trang-cuoi.png"
    last.save(png)
    h = parse_file(png).header
    seed = parse_file(SMALL).header
    assert (h.signer, h.signer_title) == ("Tôn Thị Ngọc Hạnh", "KT. CHỦ TỊCH PHÓ CHỦ TỊCH")
    assert h.receivers == seed.receivers
    pages = render_pages(reference_text(SMALL), dpi=300, footer=FOOTER)
    tif = tmp_path / "cong-van-3597-2trang.tif"
    pages[0].convert("L").save(tif, save_all=True, append_images=[pages[1].convert("L")], compression="tiff_lzw")
    t = parse_file(tif)
    assert len(page_texts(tif)) == 2 and t.header.number == "3597/UBND-KGVX"
    assert "Hội Khuyến học tỉnh" in t.text  # on the second page


def test_without_tesseract_a_scan_is_refused_by_name_with_the_install_command(scanned, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(scanned["pdf"], src / "cong-van-scan.pdf")
    (src / "ghi-chu.txt").write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    env = _env(PATH=str(tmp_path / "empty-bin"), HOCTAP_OCR_CACHE=str(tmp_path / "no-cache"))  # no tesseract
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(tmp_path / "d"), "build", str(src)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 1
    line = next(x for x in r.stderr.splitlines() if "cong-van-scan.pdf" in x)
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in line and "Tesseract" in line
    assert "1 văn bản" in r.stderr  # the text file next to it was indexed


def test_unreadable_image_is_refused_by_name(tmp_path):
    from indexer.loaders import DocumentError, read_document

    bad = tmp_path / "anh-hong.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    with pytest.raises(DocumentError) as e:
        read_document(bad)
    assert "anh-hong.jpg" in str(e.value) and "ảnh" in str(e.value)


def _text_page_pdf(path: Path, lines: list[str]) -> Path:
    path.write_bytes(text_pdf(lines))
    return path


def test_a_pdf_with_text_pages_and_scanned_pages(tmp_path):
    """Only the pages without a text layer are read by OCR; the page order is kept."""
    from pypdf import PdfReader, PdfWriter

    from bench.ocr_accuracy import make_scanned_pdf, reference_text
    from indexer.loaders import page_texts, read_document

    text_page = _text_page_pdf(
        tmp_path / "t.pdf", ["Phu luc kem theo Cong van so 3597/UBND-KGVX", "Bang tong hop ket qua thuc hien nam 2021"]
    )
    scan = make_scanned_pdf(reference_text(SMALL), tmp_path / "s.pdf", dpi=300, footer=FOOTER)
    w = PdfWriter()
    w.add_page(PdfReader(str(scan)).pages[0])
    w.add_page(PdfReader(str(text_page)).pages[0])
    mixed = tmp_path / "hon-hop.pdf"
    with open(mixed, "wb") as f:
        w.write(f)
    text = read_document(mixed)
    pages = page_texts(mixed)
    assert len(pages) == 2
    assert "Số: 3597/UBND-KGVX" in pages[0] and "Kính gửi" in pages[0]  # read by OCR
    assert "Phu luc kem theo Cong van so 3597/UBND-KGVX" in pages[1]  # its own text layer
    assert text.index("Kính gửi") < text.index("Phu luc kem theo")


def test_answers_from_a_scan_cite_the_page(scanned):
    """A deadline read from the scanned plan is answered with its page: 'mục …, trang N'."""
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--data-dir",
            str(scanned["data"]),
            "ask",
            "--json",
            "Hạn báo cáo về Sở GDĐT Tiền Giang là khi nào?",
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    ans = json.loads(r.stdout.strip().splitlines()[-1])
    assert ans["answered"] and re.search(r"trang \d+", ans["answer"]), ans["answer"]
    assert all(isinstance(s["page"], int) and s["page"] >= 1 for s in ans["sources"])
