"""Read scanned documents (PDF pages without a text layer, .png/.jpg/.tif images) with Tesseract OCR.

Pages are rendered with pypdfium2 (300 dpi) and read by Tesseract's Vietnamese model through
pytesseract, word by word with positions, so that the text can be put back together the way the
document is laid out:

- lines that run to the right margin continue on the next line (hard breaks inside sentences are
  joined); short lines, list markers ("1.", "a)", "-", "+", "Điều 5.") and upper-case headings start
  a new line, a larger vertical gap a new paragraph;
- running headers and footers (a line that repeats at the top or bottom of several pages, page
  numbers such as "2", "- 2 -", "Trang 2/3") are dropped;
- strongly coloured pixels (red stamps, blue signatures) are whitened before reading, and lines that
  Tesseract itself reads with very low confidence and few letters (stamp and signature remnants) are
  dropped;
- page order is kept and every page's text is returned separately, so a chunk can cite its page.

Pages are read in parallel, one Tesseract process per CPU (HOCTAP_OCR_WORKERS), each on one thread:
Tesseract's own OpenMP threads made a page 3.5 times slower on the 2-core machine (8.5 s against 2.5 s).

Results are cached by the file's content hash (HOCTAP_OCR_CACHE, default ~/.cache/hoctap/ocr; "off" to
disable), because `indexer build` reads every file of a folder before it knows which ones changed.

`tesseract_problem()` says, in one sentence with the install command, why OCR cannot run here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vntext import is_upper_line as _is_upper

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
DPI = int(os.environ.get("HOCTAP_OCR_DPI", "300"))
LANG = os.environ.get("HOCTAP_OCR_LANG", "vie")
MAX_PAGES = 300
OCR_VERSION = "3"  # bump when the layout rules change: cached results are then read again
TIMEOUT_S = 300  # per page
TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}  # one thread per Tesseract process; pages run side by side instead

_LIST_START = re.compile(
    r"^(?:[-–•+]\s|\d{1,2}(?:\.\d{1,2})*\s*[.)]\s|[a-zđ]\)\s|[IVX]{1,5}\s*[.\-]\s|"
    r"(?:Điều|Chương|Mục)\s+\d|Kính gửi|Nơi nhận|Số\s*:|V/v\b)"
)
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]?\s*\d{1,3}\s*[-–—]?|trang\s+\d{1,3}(?:\s*/\s*\d{1,3})?|"
    r"page\s+\d{1,3}(?:\s+(?:of|/)\s+\d{1,3})?|\d{1,3}\s*/\s*\d{1,3})\s*$",
    re.IGNORECASE,
)


class OcrError(Exception):
    """OCR could not run or read nothing; the message says why in Vietnamese (and English)."""


@dataclass
class OcrLine:
    text: str
    left: int
    top: int
    right: int
    bottom: int
    conf: float
    block: tuple[int, int]  # (block_num, par_num) as Tesseract grouped it


@lru_cache(maxsize=4)
def _tesseract_state(path_env: str) -> str | None:
    exe = shutil.which("tesseract", path=path_env)
    if not exe:
        return (
            f"cần Tesseract OCR để đọc văn bản scan nhưng máy chủ chưa cài — cài bằng: {INSTALL_HINT} "
            f"(Tesseract OCR is not installed)"
        )
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
        langs = set((out.stdout + out.stderr).split())
    except (OSError, subprocess.SubprocessError) as e:
        return f"không chạy được Tesseract ({type(e).__name__}) — cài lại bằng: {INSTALL_HINT}"
    missing = [x for x in LANG.split("+") if x not in langs]
    if missing:
        return (
            f"Tesseract thiếu mô hình tiếng Việt ({', '.join(missing)}) — cài bằng: {INSTALL_HINT} "
            f"(Vietnamese OCR model missing)"
        )
    return None


def tesseract_problem() -> str | None:
    """None when Tesseract and its Vietnamese model are usable, else the reason with the install command."""
    return _tesseract_state(os.environ.get("PATH", os.defpath))


def _tesseract_cmd() -> str:
    return shutil.which("tesseract") or "tesseract"


# -- images -------------------------------------------------------------------------------------------------
def _prepare(img):
    """Grey-scale page with coloured marks (stamps, ink signatures) whitened."""
    import numpy as np
    from PIL import Image

    if img.mode in ("1", "L", "I;16", "I"):
        return img.convert("L")
    rgb = np.asarray(img.convert("RGB"), dtype=np.int16)
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    grey = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.uint8)
    grey[spread > 90] = 255
    return Image.fromarray(grey, mode="L")


def pdf_page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def render_pdf_page(path: Path, index: int, dpi: int = DPI):
    """One page as an image, at `dpi` lowered when the page would exceed budgets.MAX_RENDER_PIXELS."""
    import pypdfium2 as pdfium

    from indexer.budgets import render_scale

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        img = page.render(scale=render_scale(*page.get_size(), dpi), grayscale=False).to_pil()
        page.close()
        return img
    finally:
        pdf.close()


def image_frame(path: Path, index: int):
    """One page of an image file (a multi-page TIFF has several), read alone: never all frames at once."""
    from PIL import Image

    with Image.open(path) as im:
        im.seek(index)
        return im.copy()


# -- reading one page -------------------------------------------------------------------------------------------
@dataclass
class OcrWord:
    text: str
    left: int
    top: int
    right: int
    bottom: int
    conf: float
    key: tuple[int, int, int]  # (block, paragraph, line) as Tesseract grouped it


def ocr_words(img) -> list[OcrWord]:
    """Tesseract's words of one page image, in its reading order, specks left out."""
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = _tesseract_cmd()
    pytesseract.pytesseract.environ = {**os.environ, **TESSERACT_ENV}  # what pytesseract starts Tesseract with
    data = pytesseract.image_to_data(
        _prepare(img), lang=LANG, config="--psm 3 --oem 1", output_type=pytesseract.Output.DICT, timeout=TIMEOUT_S
    )
    out = []
    for i, word in enumerate(data["text"]):
        w, conf = str(word).strip(), float(data["conf"][i])
        if not w or (conf < 60 and not any(ch.isalnum() for ch in w)):
            continue  # specks read as ".", "|", "'"
        out.append(
            OcrWord(
                _speck_free(w, conf),
                data["left"][i],
                data["top"][i],
                data["left"][i] + data["width"][i],
                data["top"][i] + data["height"][i],
                conf,
                (data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            )
        )
    return out


def _line_of(words: list[OcrWord], block: tuple[int, int]) -> OcrLine:
    confs = [w.conf for w in words if w.conf >= 0]
    return OcrLine(
        text=" ".join(w.text for w in words),
        left=min(w.left for w in words),
        top=min(w.top for w in words),
        right=max(w.right for w in words),
        bottom=max(w.bottom for w in words),
        conf=statistics.fmean(confs) if confs else 0.0,
        block=block,
    )


def _widest_gap(intervals: list[tuple[int, int]], lo: int, hi: int) -> tuple[int, int]:
    """The widest stretch of [lo, hi] that no interval covers: (start, end)."""
    best, pos = (lo, lo), lo
    for a, b in sorted(intervals):
        if a > pos and min(a, hi) - pos > best[1] - best[0]:
            best = (pos, min(a, hi))
        pos = max(pos, b)
        if pos >= hi:
            break
    if hi - pos > best[1] - best[0]:
        best = (pos, hi)
    return best


def _rows(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Words of one column grouped into printed lines by their vertical position."""
    if not words:
        return []
    h = sorted(w.bottom - w.top for w in words)[len(words) // 2] or 1
    rows: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        c = (w.top + w.bottom) / 2
        if rows and abs(c - statistics.fmean((x.top + x.bottom) / 2 for x in rows[-1])) < 0.5 * h:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [sorted(r, key=lambda w: w.left) for r in rows]


def two_columns(lines: list[list[OcrWord]], page_left: int, page_right: int):
    """Two printed columns at the start of `lines` (sorted top to bottom) — a letter's header (issuer, number
    and subject on the left; national motto, place and date on the right) or its closing block ("Nơi nhận"
    on the left, the signer on the right) — which Tesseract often reads across both columns as one line.
    Returns (left column rows, right column rows, number of lines spanned) or None.

    The columns are there while an empty vertical strip (at least 2.5 % of the text width) in the middle
    half of the page separates every word so far, and at least two lines have words on both sides."""
    width = page_right - page_left
    lo, hi = page_left + int(0.25 * width), page_left + int(0.75 * width)
    cover: list[tuple[int, int]] = []
    taken, gap = 0, None
    for ws in lines:
        if taken and re.match(r"^(Kính gửi|Căn cứ|Thực hiện)\b", " ".join(w.text for w in ws)):
            break  # the body has begun
        trial = cover + [(w.left, w.right) for w in ws]
        g = _widest_gap(trial, lo, hi)
        if g[1] - g[0] < 0.025 * width:
            break
        cover, taken, gap = trial, taken + 1, g
    if taken < 2 or gap is None:
        return None
    mid = (gap[0] + gap[1]) / 2
    head = lines[:taken]
    both = sum(1 for ws in head if any(w.right <= mid for w in ws) and any(w.left >= mid for w in ws))
    if both < 2:
        return None
    left = [w for ws in head for w in ws if (w.left + w.right) / 2 < mid]
    right = [w for ws in head for w in ws if (w.left + w.right) / 2 >= mid]
    return _rows(left), _rows(right), taken


def _join_column(rows: list[OcrLine]) -> list[OcrLine]:
    """In a narrow header column a line starting in lower case continues the one above (the V/v subject)."""
    out: list[OcrLine] = []
    for ln in rows:
        t = ln.text.strip()
        if out and t[:1].islower() and not out[-1].text.rstrip().endswith(":"):
            prev = out[-1]
            out[-1] = OcrLine(
                prev.text.rstrip() + " " + t,
                min(prev.left, ln.left),
                prev.top,
                max(prev.right, ln.right),
                ln.bottom,
                (prev.conf + ln.conf) / 2,
                prev.block,
            )
        else:
            out.append(ln)
    return out


def ocr_lines(img, first_page: bool = True) -> list[OcrLine]:
    """Tesseract's lines of one page image, in reading order, with their boxes and mean confidence; on a
    first page, a two-column header is read column by column."""
    words = ocr_words(img)
    groups: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        groups.setdefault(w.key, []).append(w)
    tess_lines = list(groups.values())  # dicts keep Tesseract's reading order
    if not words:
        return []
    page_left, page_right = min(w.left for w in words), max(w.right for w in words)
    by_top = sorted(tess_lines, key=lambda ws: min(w.top for w in ws))
    regions: list[tuple[int, list[OcrLine]]] = []  # (index in by_top, lines read column by column)
    spans: set[int] = set()

    def read_columns(at: int) -> None:
        cols = two_columns(by_top[at:], page_left, page_right)
        if cols:
            left, right, taken = cols
            regions.append(
                (
                    at,
                    _join_column([_line_of(r, (-2 - 2 * at, 0)) for r in left])
                    + _join_column([_line_of(r, (-3 - 2 * at, 0)) for r in right]),
                )
            )
            spans.update(id(ws) for ws in by_top[at : at + taken])

    if first_page:
        read_columns(0)
    recv = next(
        (
            i
            for i, ws in enumerate(by_top)
            if ws[0].text.startswith("Nơi") and re.match(r"^Nơi nhận", " ".join(w.text for w in ws))
        ),
        None,
    )
    if recv is not None and id(by_top[recv]) not in spans:
        read_columns(recv)
    lines: list[OcrLine] = []
    if not regions:
        lines = [_line_of(ws, ws[0].key[:2]) for ws in tess_lines]
    else:
        # Tesseract's order outside the column regions; each region where its first line was
        firsts = {id(by_top[at]): rows for at, rows in regions}
        for ws in tess_lines:
            if id(ws) in firsts:
                lines += firsts[id(ws)]
            elif id(ws) not in spans:
                lines.append(_line_of(ws, ws[0].key[:2]))
    return [ln for ln in lines if not _is_noise(ln)]


def _speck_free(word: str, conf: float) -> str:
    """A speck just before a word is read as an opening quote or a tick ("“Các" for "Các"): when Tesseract
    doubts the word, the mark goes."""
    if conf < 50 and len(word) > 2 and word[0] in "“\"‘'`" and word[1].isalpha() and word[-1] not in "”\"’'":
        return word[1:]
    return word


def _is_noise(ln: OcrLine) -> bool:
    """Remnants of stamps, signatures and specks: low confidence and few letters."""
    t = ln.text.strip()
    letters = sum(ch.isalpha() for ch in t)
    visible = sum(not ch.isspace() for ch in t) or 1
    if letters == 0 and not re.search(r"\d", t):
        return True
    if ln.conf < 30 and letters / visible < 0.6:
        return True
    return ln.conf < 10 and letters < 4  # Tesseract's confidence is low on short clean lines too


def layout_text(lines: list[OcrLine]) -> list[str]:
    """Lines of one page → logical lines: wrapped lines joined, paragraphs separated by a blank line."""
    if not lines:
        return []
    heights = sorted(ln.bottom - ln.top for ln in lines)
    line_h = max(1, heights[len(heights) // 2])
    wide = [ln for ln in lines if ln.right - ln.left > 8 * line_h] or lines
    rights = sorted(ln.right for ln in wide)
    margin_r = rights[int(0.9 * (len(rights) - 1))]
    margin_l = min(ln.left for ln in wide)
    width = max(1, margin_r - margin_l)
    gaps = sorted(b.top - a.bottom for a, b in zip(lines, lines[1:]) if 0 <= b.top - a.bottom < line_h)
    line_gap = gaps[len(gaps) // 2] if gaps else line_h // 3
    out: list[str] = []
    prev: OcrLine | None = None
    for ln in lines:
        text = re.sub(r"\s+", " ", ln.text).strip()
        if prev is None:
            out.append(text)
            prev = ln
            continue
        gap = ln.top - prev.bottom
        prev_full = prev.right >= margin_r - 0.08 * width and prev.left <= margin_l + 0.15 * width
        same_column = abs(ln.left - margin_l) < 0.15 * width or ln.block == prev.block
        starts_item = bool(_LIST_START.match(text))
        indented = ln.left > margin_l + 0.04 * width and prev.left <= margin_l + 0.04 * width
        new_par = indented or gap > line_gap + 0.3 * line_h
        join = (
            prev_full
            and same_column
            and not starts_item
            and not new_par
            and gap < 1.2 * line_h
            and not (_is_upper(out[-1]) and not _is_upper(text))
            and ln.top > prev.top
        )
        if join:
            out[-1] = out[-1].rstrip() + " " + text
        else:
            if new_par or gap > 1.0 * line_h or ln.block[0] != prev.block[0]:
                out.append("")
            out.append(text)
        prev = ln
    return out


# -- several pages -------------------------------------------------------------------------------------------------
def _shape(s: str) -> str:
    """A running header/footer's identity: case and digits ignored ("Trang 2" ~ "Trang 3")."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", s.strip().lower()))


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines repeated at the top or bottom of several pages."""

    def edges(lines: list[str]) -> list[int]:
        idx = [i for i, s in enumerate(lines) if s.strip()]
        return idx[:2] + idx[-2:]

    counts: dict[str, int] = {}
    for lines in pages:
        for sh in {_shape(lines[i]) for i in edges(lines)}:
            counts[sh] = counts.get(sh, 0) + 1
    need = 2 if len(pages) <= 3 else max(2, len(pages) // 3)
    out = []
    for lines in pages:
        drop = {
            i
            for i in edges(lines)
            if _PAGE_NUMBER.match(lines[i]) or (counts.get(_shape(lines[i]), 0) >= need and len(pages) > 1)
        }
        kept = [s for i, s in enumerate(lines) if i not in drop]
        while kept and not kept[0].strip():
            kept.pop(0)
        while kept and not kept[-1].strip():
            kept.pop()
        out.append(kept)
    return out


def join_pages(pages: list[list[str]]) -> list[str]:
    """Page texts (one string each); a sentence running over a page break keeps going on the next page's
    first line, which then belongs to that page only from its next line on."""
    pages = [list(p) for p in pages]
    for i in range(len(pages) - 1):
        cur, nxt = pages[i], pages[i + 1]
        if not cur or not nxt:
            continue
        last, first = cur[-1].rstrip(), nxt[0].lstrip()
        if not last or not first or _LIST_START.match(first) or _is_upper(first):
            continue
        c = first.lstrip("“\"'(«")[:1]
        if not c or not (
            c.islower()
            or (c.isdigit() and not last.endswith((".", ";", ":", "!", "?")))
            or (first[0] in "“\"«" and not last.endswith((".", ";", ":", "!", "?")))
        ):
            continue
        cur[-1] = last + " " + first
        nxt.pop(0)
        while nxt and not nxt[0].strip():
            nxt.pop(0)
    return ["\n".join(lines) for lines in pages]


def _cache_dir() -> Path | None:
    v = os.environ.get("HOCTAP_OCR_CACHE", "").strip()
    if v.lower() in ("off", "0", "no", "none"):
        return None
    if v:
        return Path(v)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hoctap" / "ocr"


def _cache_key(path: Path, what: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(f"\0{what}\0{DPI}\0{LANG}\0{OCR_VERSION}".encode())
    return h.hexdigest()


def cached(path: Path, what: str, compute):
    """compute() → list[str], remembered by the file's content (and the OCR settings)."""
    d = _cache_dir()
    if d is None:
        return compute()
    key = _cache_key(path, what)
    f = d / f"{key}.json"
    try:
        got = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(got, list) and all(isinstance(x, str) for x in got):
            return got
    except (OSError, ValueError):
        pass
    result = compute()
    try:
        d.mkdir(parents=True, exist_ok=True)
        tmp = f.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        tmp.replace(f)
    except OSError as e:
        log.warning("OCR cache not written (%s)", e)
    return result


def ocr_images(images, progress=None) -> list[str]:
    """OCR page images (in order) → one text per page, running headers/footers dropped."""
    problem = tesseract_problem()
    if problem:
        raise OcrError(problem)
    pages = _in_parallel(
        [lambda img=img, i=i: layout_text(ocr_lines(img, first_page=i == 0)) for i, img in enumerate(images)],
        lambda done, total: progress and progress(done),
    )
    return join_pages(drop_running_lines(pages))


def ocr_image_file(path: Path, frames: int, progress=None) -> list[str]:
    """OCR the `frames` pages of an image file, each read only when a worker takes it up."""
    problem = tesseract_problem()
    if problem:
        raise OcrError(problem)
    pages = _in_parallel(
        [lambda i=i: layout_text(ocr_lines(image_frame(path, i), first_page=i == 0)) for i in range(frames)],
        lambda done, total: progress and progress(done),
    )
    return join_pages(drop_running_lines(pages))


def ocr_pdf_pages(path: Path, indexes: list[int], progress=None) -> dict[int, str]:
    """OCR the given pages of a PDF (0-based) → {index: text}, rendering one page at a time."""
    problem = tesseract_problem()
    if problem:
        raise OcrError(problem)
    raw = _in_parallel(
        [lambda i=i: layout_text(ocr_lines(render_pdf_page(path, i), first_page=i == 0)) for i in indexes], progress
    )
    return dict(zip(indexes, join_pages(drop_running_lines(raw))))


def ocr_workers() -> int:
    """Pages read at once: HOCTAP_OCR_WORKERS, default the CPUs this process may use."""
    from bot.config import count_from_env, usable_cpus

    return count_from_env("HOCTAP_OCR_WORKERS", usable_cpus())


def _in_parallel(jobs, progress=None) -> list:
    """Run page jobs on `ocr_workers()` threads (each waits on its Tesseract process); results in
    page order, progress(done, total) as pages finish."""
    with ThreadPoolExecutor(max_workers=min(ocr_workers(), max(1, len(jobs)))) as pool:
        futures = [pool.submit(job) for job in jobs]
        out = []
        for n, fut in enumerate(futures, 1):
            out.append(fut.result())
            if progress:
                progress(n, len(jobs))
    return out
