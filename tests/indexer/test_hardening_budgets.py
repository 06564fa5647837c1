"""Issue 20, finding 2: upload bombs. A one-page PDF of 4000×4000 pt, a .docx whose XML inflates to 200 MB and a
600-frame TIFF cost gigabytes once rendered or read; each is now refused from its headers within seconds, with a
clear message, and an upload is read in a child process under a memory and time limit (indexer.budgets,
indexer.isolated). The bombs are built here."""

from __future__ import annotations

import asyncio
import time
import zipfile
from pathlib import Path

import aiohttp
import pytest

from tests.support.serve import ServeProcess
from tests.support.uploads import make_store

from indexer.isolated import read_isolated
from indexer.loaders import DocumentError, read_document

pytestmark = pytest.mark.slow

TOKEN = "thu-nghiem-quan-tri-2026"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


# -- the bombs -------------------------------------------------------------------------------------------------
def pdf_bomb(path: Path, w: int = 4000, h: int = 4000) -> Path:
    """A one-page PDF without text (so it is read by OCR) whose page is w×h points: a few hundred bytes."""
    objs = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d %d]/Contents 4 0 R/Resources<<>>>>" % (w, h),
        b"<</Length 0>>stream\n\nendstream",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(body)
    return path


def docx_bomb(path: Path, mb: int = 200) -> Path:
    """A .docx whose document.xml inflates to `mb` MB (about 600 KB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            para = b"<w:p><w:r><w:t>Bao cao</w:t></w:r></w:p>" * 25000
            for _ in range(mb * 1024 * 1024 // len(para)):
                f.write(para)
            f.write(b"</w:body></w:document>")
    return path


def tiff_bomb(path: Path, frames: int = 600, size: int = 1200) -> Path:
    """A multi-page TIFF of blank `size`² pages (CCITT G4: a few hundred bytes each)."""
    from PIL import Image

    page = Image.new("1", (size, size), 1)
    page.save(path, save_all=True, append_images=[page] * (frames - 1), compression="group4")
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    return {
        "pdf": pdf_bomb(d / "trang-khong-lo.pdf"),
        "docx": docx_bomb(d / "bom-giai-nen.docx"),
        "tif": tiff_bomb(d / "600-trang.tif"),
    }


EXPECTED = {"pdf": "lớn hơn khổ A1", "docx": "giải nén ra", "tif": "600 trang"}


@pytest.mark.parametrize("kind", ["pdf", "docx", "tif"])
def test_each_bomb_is_refused_from_its_headers_at_once(bombs, kind):
    assert bombs[kind].stat().st_size < 700_000
    t0 = time.monotonic()
    with pytest.raises(DocumentError) as e:
        read_document(bombs[kind])
    assert EXPECTED[kind] in e.value.reason and time.monotonic() - t0 < 5
    with pytest.raises(DocumentError) as e:  # the same through the child process
        read_isolated(bombs[kind])
    assert EXPECTED[kind] in e.value.reason


def test_a_page_within_a1_is_rendered_under_the_pixel_budget(tmp_path):
    from indexer.budgets import MAX_RENDER_PIXELS
    from indexer.ocr import render_pdf_page

    pdf = pdf_bomb(tmp_path / "a1.pdf", 2380, 1680)  # A1 in points: 300 dpi would be 69 M pixels
    img = render_pdf_page(pdf, 0, dpi=300)
    assert img.width * img.height <= MAX_RENDER_PIXELS and img.width > 5000


def test_a_file_over_the_memory_limit_fails_alone_with_a_clear_message(tmp_path, monkeypatch):
    from PIL import Image

    big = tmp_path / "anh-lon.png"
    Image.new("RGB", (6000, 6000), (250, 250, 250)).save(big)  # within the budgets: 36 M pixels
    monkeypatch.setenv("HOCTAP_PARSE_MEMORY_MB", "300")
    monkeypatch.setenv("HOCTAP_OCR_CACHE", "off")
    with pytest.raises(DocumentError) as e:
        read_isolated(big)
    assert "300 MB bộ nhớ" in e.value.reason


def test_a_file_over_the_time_limit_is_stopped(tmp_path, monkeypatch):
    from PIL import Image

    big = tmp_path / "anh-lon.png"
    Image.new("RGB", (6000, 6000), (250, 250, 250)).save(big)  # OCR of 36 M pixels takes several seconds
    monkeypatch.setenv("HOCTAP_PARSE_TIMEOUT_S", "1")
    monkeypatch.setenv("HOCTAP_OCR_CACHE", "off")
    t0 = time.monotonic()
    with pytest.raises(DocumentError) as e:
        read_isolated(big)
    assert "quá 1 giây" in e.value.reason and time.monotonic() - t0 < 5


async def _job(http, url: str, job: dict, timeout: float) -> dict:
    end = time.monotonic() + timeout
    while job["state"] == "running":
        assert time.monotonic() < end, job
        await asyncio.sleep(0.2)
        async with http.get(f"{url}admin/jobs/{job['id']}", headers=AUTH) as r:
            job = await r.json()
    return job


async def test_bombs_uploaded_to_the_server_are_refused_within_10_s_and_it_keeps_serving(bombs, tmp_path):
    settings = make_store(tmp_path)
    server = ServeProcess(settings, tmp_path, HOCTAP_ADMIN_TOKEN=TOKEN, HOCTAP_OCR_CACHE=str(tmp_path / "ocr"))
    try:
        before = server.status("VmHWM")
        async with aiohttp.ClientSession() as http:
            for kind, path in bombs.items():
                form = aiohttp.FormData()
                form.add_field("file", path.read_bytes(), filename=path.name)
                t0 = time.monotonic()
                async with http.post(server.url + "admin/upload", data=form, headers=AUTH) as r:
                    assert r.status == 202
                    job = await _job(http, server.url, await r.json(), 10)
                assert job["state"] == "failed" and EXPECTED[kind] in job["error"], job
                assert path.name in job["error"] and time.monotonic() - t0 < 10
            async with http.post(server.url + "api/ask", json={"question": "Hạn báo cáo về Sở GDĐT là khi nào?"}) as r:
                assert r.status == 200 and (await r.json())["question"]
        grown_mb = (server.status("VmHWM") - before) / 1024
        assert grown_mb < 300, f"the server's peak memory grew by {grown_mb:.0f} MB"
        assert not list(settings.knowledge_dir.glob("*bom*")) and not list(settings.knowledge_dir.glob("*600*"))
    finally:
        server.stop()
