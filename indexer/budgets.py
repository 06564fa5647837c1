"""Resource budgets for every document, checked before anything is decompressed or rendered, and reading
an uploaded file in a child process with a memory and time limit.

A 545-byte PDF with a 4000×4000 pt page, a 647 KB .docx whose XML inflates to 200 MB or a 600-frame TIFF
cost gigabytes once rendered or read; here each is refused by name, at once, from its headers:

- PDF: at most MAX_PDF_PAGES pages; a scanned page larger than MAX_PAGE_AREA_CM2 (A1) is refused, a smaller
  one is rendered at a resolution lowered so that it never exceeds MAX_RENDER_PIXELS (`render_scale`).
- .docx (a zip): at most MAX_ZIP_ENTRIES entries and MAX_ZIP_BYTES uncompressed, read from the zip's
  directory (Python's zip reader never inflates an entry past the size its header declares).
- images: at most MAX_IMAGE_FRAMES frames, each at most MAX_RENDER_PIXELS; frames are read one at a time.

`indexer.isolated.read_isolated(path)` reads a file in a child process with RLIMIT_AS (HOCTAP_PARSE_MEMORY_MB,
default 2048) and a time limit (HOCTAP_PARSE_TIMEOUT_S, default 900): a file that still costs too much fails
alone, with a clear message, and the process that asked (the server) keeps serving.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

MAX_PDF_PAGES = 2000
MAX_PAGE_AREA_CM2 = 84.1 * 59.4  # A1
MAX_RENDER_PIXELS = 40_000_000  # a page image at most ~40 MB grey (A3 at 300 dpi is 17 M pixels)
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_BYTES = 120 * 1024 * 1024
MAX_IMAGE_FRAMES = 300
PT_PER_CM = 72 / 2.54


class BudgetError(Exception):
    """A document over a budget; the message says which one (Vietnamese, with the English in brackets)."""


def _env_number(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "").strip() or default))
    except ValueError:
        return default


def memory_limit_bytes() -> int:
    return _env_number("HOCTAP_PARSE_MEMORY_MB", 2048) * 1024 * 1024


def time_limit_s() -> int:
    return _env_number("HOCTAP_PARSE_TIMEOUT_S", 900)


# -- checks from the headers -----------------------------------------------------------------------------------
def check_zip(path: Path) -> None:
    """A .docx: entry count and uncompressed size from the zip's directory, before any entry is read."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise BudgetError(f"tệp .docx hỏng hoặc không đọc được ({type(e).__name__})") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise BudgetError(f"tệp .docx có {len(infos)} phần, quá {MAX_ZIP_ENTRIES} (too many zip entries)")
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_BYTES:
        raise BudgetError(
            f"tệp .docx giải nén ra {total // 1024 // 1024} MB, quá {MAX_ZIP_BYTES // 1024 // 1024} MB "
            f"(uncompressed size over the limit: a zip bomb?)"
        )


def page_area_problem(index: int, width_pt: float, height_pt: float) -> str | None:
    """Why a PDF page is too large to render (None when it is not)."""
    w_cm, h_cm = abs(width_pt) / PT_PER_CM, abs(height_pt) / PT_PER_CM
    if w_cm * h_cm > MAX_PAGE_AREA_CM2 or not math.isfinite(w_cm * h_cm):
        return (
            f"trang {index + 1} khổ {w_cm:.0f}×{h_cm:.0f} cm, lớn hơn khổ A1 nên không nhận dạng chữ được "
            f"(page too large to render)"
        )
    return None


def check_pdf_pages(count: int) -> None:
    if count > MAX_PDF_PAGES:
        raise BudgetError(f"PDF có {count} trang, quá {MAX_PDF_PAGES} trang (too many pages)")


def render_scale(width_pt: float, height_pt: float, dpi: int) -> float:
    """The scale (pixels per point) a page is rendered at: `dpi`, lowered to stay under MAX_RENDER_PIXELS."""
    scale = dpi / 72.0
    area = max(1.0, abs(width_pt * height_pt))
    return min(scale, 0.99 * math.sqrt(MAX_RENDER_PIXELS / area))  # 0.99: pdfium rounds each side up


def check_image(path: Path) -> int:
    """The number of frames of an image file, after checking their count and size from the headers."""
    from PIL import Image

    with Image.open(path) as im:
        frames = getattr(im, "n_frames", 1)
        if frames > MAX_IMAGE_FRAMES:
            raise BudgetError(f"ảnh có {frames} trang (khung), quá {MAX_IMAGE_FRAMES} (too many frames)")
        for i in range(frames):
            im.seek(i)
            w, h = im.size
            if w * h > MAX_RENDER_PIXELS:
                raise BudgetError(
                    f"trang {i + 1} của ảnh có {w}×{h} điểm ảnh, quá {MAX_RENDER_PIXELS // 1_000_000} triệu "
                    f"(image too large)"
                )
    return frames
