"""Read .txt, .md, .docx, .pdf, .html and scanned images into text, refusing what is not a readable document.

- PDF pages without a text layer (scans) and .png/.jpg/.tif images are read with Tesseract OCR
  (indexer.ocr); without Tesseract such a file is refused by name with the command that installs it.
- .html pages saved from legal databases, and .txt pasted from them, are turned into the plain layout
  of an official letter (indexer.webpage) before the header parser reads them.
- The text of each page of a PDF or image is kept (`page_texts`, `page_of`), so chunks can cite "trang N".
"""

from __future__ import annotations

import contextvars
import re
import threading
from pathlib import Path

from indexer import budgets, pdftables
from indexer.ocr import IMAGE_SUFFIXES, OcrError

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".html", ".htm") + IMAGE_SUFFIXES
MAX_BYTES = 50 * 1024 * 1024
# The longest text one build can serve (about 300 pages). Measured on 2 shared cores: a 1 MB text (1,106
# chunks) builds in 155 s of CPU, peak RSS 3.0 GB (as for 256 KB: the model, not the text, sets the peak).
# Longer texts are refused by name instead of running for hours.
MAX_TEXT_CHARS = 1_000_000
MIN_PAGE_LETTERS = 20  # a PDF page with fewer letters in its text layer is read by OCR
# progress(pages_done, pages_total) while scanned pages are read (set by whoever waits: the upload service)
PAGE_PROGRESS: contextvars.ContextVar = contextvars.ContextVar("hoctap_page_progress", default=None)


class DocumentError(Exception):
    """A file that cannot be indexed; the message names the file and says why (in Vietnamese and English)."""

    def __init__(self, path: Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


def _decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:65536]:
        raise DocumentError(path, "tệp nhị phân, không phải văn bản (binary file, not text)")
    for enc in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(path, f"không đọc được mã UTF-8 ở byte {e.start} (not valid UTF-8)") from None
    raise DocumentError(path, "không đọc được nội dung (undecodable)")


def _read_docx(path: Path) -> str:
    try:
        budgets.check_zip(path)  # from the zip's directory, before any part is inflated
    except budgets.BudgetError as e:
        raise DocumentError(path, str(e)) from None
    try:
        import docx  # python-docx

        d = docx.Document(str(path))
    except Exception as e:  # noqa: BLE001 - zip/xml errors: the file is refused by name
        raise DocumentError(path, f"tệp .docx hỏng hoặc không đọc được ({type(e).__name__})") from None
    return "\n".join(_docx_blocks(d))


def _docx_blocks(d) -> list[str]:
    """Paragraphs and tables in reading order, each paragraph with the label Word's numbering prints before it."""
    from indexer.docxlists import ListLabels, heading_labels

    items = list(d.iter_inner_content())
    labels = ListLabels(d)
    paragraphs = [x for x in items if not hasattr(x, "rows")]
    heads = {id(paragraphs[i]): label for i, label in heading_labels(paragraphs, labels).items()}
    blocks = []
    for item in items:
        if hasattr(item, "rows"):
            blocks.append(_docx_table_text(item))
            continue
        label = heads.get(id(item)) or (labels.label(item) if item.text.strip() else "")
        blocks.append(f"{label} {item.text.strip()}" if label else item.text)
    return blocks


def _docx_table_text(table) -> str:
    """A Word table where it stands: a layout table (the header's issuer beside the motto, the number beside
    the date, the signature) read column by column as printed; a table of data as "| a | b |" rows, a merged
    cell once."""
    from indexer.webpage import table_rows_text

    rows = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text.strip())
        rows.append(cells)
    return table_rows_text(rows)


# -- pages ---------------------------------------------------------------------------------------------
_PAGES: dict[str, tuple[float, list[str]]] = {}
_PAGES_LOCK = threading.Lock()


def _remember_pages(path: Path, pages: list[str]) -> None:
    try:
        key, mtime = str(path.resolve()), path.stat().st_mtime
    except OSError:
        return
    with _PAGES_LOCK:
        _PAGES[key] = (mtime, pages)
        while len(_PAGES) > 256:
            _PAGES.pop(next(iter(_PAGES)))


def page_texts(path: str | Path) -> list[str] | None:
    """The text of each page of the PDF or image last read from `path` (None for other formats)."""
    p = Path(path)
    try:
        key, mtime = str(p.resolve()), p.stat().st_mtime
    except OSError:
        return None
    with _PAGES_LOCK:
        got = _PAGES.get(key)
    return got[1] if got and got[0] == mtime else None


def _fold(s: str) -> str:
    from vntext import fold

    return re.sub(r"[^0-9a-z]+", "", fold(s))


def page_of(path: str | Path, texts: list[str]) -> list[int | None]:
    """For consecutive pieces of a document's text (its chunks, in order), the page (1-based) each starts
    on, found by matching the start of each piece in the pages' text; None when the pages are unknown."""
    pages = page_texts(path)
    if not pages:
        return [None] * len(texts)
    starts, doc = [], []
    pos = 0
    for pg in pages:
        starts.append(pos)
        f = _fold(pg)
        doc.append(f)
        pos += len(f)
    whole = "".join(doc)
    out: list[int | None] = []
    cursor, last = 0, 1
    for t in texts:
        f = _fold(t)
        page = None
        for n in (60, 30, 15):
            probe = f[:n]
            if len(probe) < min(n, 8):
                continue
            at = whole.find(probe, cursor)
            if at < 0:
                at = whole.find(probe)
            if at >= 0:
                page = max(i for i, st in enumerate(starts) if st <= at) + 1
                cursor = at
                break
        last = page or last
        out.append(last)
    return out


# -- PDF and images ---------------------------------------------------------------------------------------
def _ocr_refusal(path: Path, e: Exception) -> DocumentError:
    return DocumentError(path, f"văn bản scan — {e}")


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        budgets.check_pdf_pages(len(reader.pages))
        pages = [(p.extract_text() or "") for p in reader.pages]
        scanned = [i for i, t in enumerate(pages) if sum(ch.isalpha() for ch in t) < MIN_PAGE_LETTERS]
        too_large = next(
            (why for i in scanned if (why := budgets.page_area_problem(i, *_page_size(reader.pages[i])))), None
        )
    except budgets.BudgetError as e:
        raise DocumentError(path, str(e)) from None
    except Exception as e:  # noqa: BLE001 - any reader error: the file is refused by name
        raise DocumentError(path, f"tệp PDF hỏng hoặc không đọc được ({type(e).__name__})") from None
    if too_large:  # checked before any page is rendered
        raise DocumentError(path, too_large)
    if scanned:
        from indexer import ocr

        if len(pages) > ocr.MAX_PAGES:
            raise DocumentError(path, f"PDF scan quá dài ({len(pages)} trang > {ocr.MAX_PAGES})")
        try:
            texts = ocr.cached(
                path,
                "pdf:" + ",".join(map(str, scanned)),
                lambda: list(ocr.ocr_pdf_pages(path, scanned, progress=PAGE_PROGRESS.get()).values()),
            )
            for i, t in zip(scanned, texts):
                pages[i] = t
        except OcrError as e:
            raise _ocr_refusal(path, e) from None
        except Exception as e:  # noqa: BLE001 - pdfium, Tesseract or a timeout: the file is refused by name
            raise DocumentError(path, f"không đọc được trang scan bằng OCR ({type(e).__name__}: {e})") from None
    if not "".join(pages).strip():
        raise DocumentError(path, "PDF không có chữ, kể cả khi đọc bằng OCR (no text, even with OCR)")
    pages = pdftables.with_tables(path, pages, set(scanned))  # a ruled table's rows kept together
    pages = [p if i in scanned else unwrapped(p) for i, p in enumerate(pages)]  # OCR keeps the scan's own lines
    _remember_pages(path, pages)
    return "\n\n".join(pages)


_WRAPPED = re.compile(r"^[a-zđà-ỹ\d]", re.UNICODE)  # a line going on in lower case or with a figure ("100% …")
_ITEM_START = re.compile(
    r"^(?:[a-zđ]{1,2}|\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4})[.)]\s|^[-+•*|]\s|^(Điều|Chương|Mục|Số|Căn cứ|Kính gửi|V/v|Nơi nhận)\b"
)
_LINE_END = re.compile(r"[.:;!?|]\s*$")  # a table row ("| … |") ends its line
FULL_LINE_SHARE = 0.85  # a line this long against the page's longest was cut by the page's width


def unwrapped(page: str) -> str:
    """A PDF page's lines as written, not as wrapped to its width: a line that ends without a stop goes on in the
    next when that one starts in lower case or with a figure ("… “Cộng đồng học tập”" + "cấp thôn, bản, tổ dân
    phố."), or when it fills the page's width and the next starts no item and is not in capitals ("… Ủy viên thường
    trực, Thư ký" + "Ban Chỉ đạo")."""
    lines = page.split("\n")
    full = FULL_LINE_SHARE * max((len(x.strip()) for x in lines if not x.startswith("|")), default=0)  # rows: one line
    out: list[str] = []
    for line in lines:
        s, prev = line.strip(), out[-1].strip() if out else ""
        goes_on = bool(_WRAPPED.match(s)) or (len(prev) >= full and not s.isupper())
        if prev and s and goes_on and not _ITEM_START.match(s) and not _LINE_END.search(prev):
            out[-1] = out[-1].rstrip() + " " + s
            continue
        out.append(line)
    return "\n".join(out)


def _page_size(page) -> tuple[float, float]:
    """A PDF page's size in points (its /UserUnit applied)."""
    box = page.mediabox
    unit = float(page.get("/UserUnit", 1) or 1)
    return float(box.width) * unit, float(box.height) * unit


def _read_image(path: Path) -> str:
    from indexer import ocr

    def read() -> list[str]:
        try:
            frames = budgets.check_image(path)  # frame count and sizes from the headers
        except budgets.BudgetError as e:
            raise DocumentError(path, str(e)) from None
        except Exception as e:  # noqa: BLE001 - any image error: the file is refused by name
            raise DocumentError(path, f"tệp ảnh hỏng hoặc không đọc được ({type(e).__name__})") from None
        cb = PAGE_PROGRESS.get()
        return ocr.ocr_image_file(path, frames, progress=(lambda n: cb(n, frames)) if cb else None)

    try:
        pages = ocr.cached(path, "image", read)
    except DocumentError:
        raise
    except OcrError as e:
        raise _ocr_refusal(path, e) from None
    except Exception as e:  # noqa: BLE001 - any OCR error: the file is refused by name
        raise DocumentError(path, f"không đọc được ảnh bằng OCR ({type(e).__name__}: {e})") from None
    _remember_pages(path, pages)
    return "\n\n".join(pages)


def _too_long(chars: int) -> str:
    return (
        f"văn bản quá dài (hơn {chars:,} ký tự > {MAX_TEXT_CHARS:,}); hãy tách thành nhiều tệp "
        f"(text too long for one document)"
    ).replace(",", ".")


def read_document(path: str | Path) -> str:  # noqa: C901
    """The raw text of a document file; raises DocumentError with a clear reason."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED:
        raise DocumentError(
            path, f"định dạng {path.suffix or '(không có đuôi)'} không được hỗ trợ (supported: {', '.join(SUPPORTED)})"
        )
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DocumentError(path, f"không mở được tệp ({e.strerror})") from None
    if size == 0:
        raise DocumentError(path, "tệp rỗng (empty file)")
    if size > MAX_BYTES:
        raise DocumentError(path, f"tệp quá lớn ({size // 1024 // 1024} MB > {MAX_BYTES // 1024 // 1024} MB)")
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md") and size > 4 * MAX_TEXT_CHARS:  # ≥ size/4 characters whatever the encoding
        raise DocumentError(path, _too_long(size // 4))
    if suffix == ".docx":
        text = _read_docx(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    elif suffix in IMAGE_SUFFIXES:
        text = _read_image(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DocumentError(path, f"không đọc được tệp ({e.strerror})") from None
        if suffix in (".html", ".htm"):
            from indexer.webpage import html_to_text

            text = html_to_text(data)
        else:
            from indexer.webpage import looks_pasted, tidy_pasted, unzip_markdown_layout

            text = "\n".join(unzip_markdown_layout(_decode(path, data).split("\n")))  # before a paste is tidied

            if looks_pasted(text):
                text = tidy_pasted(text)
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(path, _too_long(len(text)))
    if not text.strip():
        raise DocumentError(path, "tệp không có nội dung (no text)")
    letters = sum(ch.isalpha() for ch in text)
    if letters < 20:
        raise DocumentError(path, "tệp gần như không có chữ (almost no text)")
    ctrl = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if ctrl > max(10, len(text) // 100):
        raise DocumentError(path, "tệp chứa nhiều ký tự điều khiển, có vẻ là tệp nhị phân (control characters)")
    return text


def iter_sources(sources: list[str | Path]) -> tuple[list[Path], list[DocumentError]]:
    """Expand files and folders into document paths (sorted); unsupported or missing paths are errors."""
    files: list[Path] = []
    errors: list[DocumentError] = []
    for s in sources:
        p = Path(s)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED and not f.name.startswith("."):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            errors.append(DocumentError(p, "không tìm thấy tệp hoặc thư mục (not found)"))
    seen, out = set(), []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            out.append(f)
    # the file stem is the document id: two files with one id would replace each other, so neither is
    # taken (the stored version, if any, stays) and both are named with their full paths
    by_stem: dict[str, list[Path]] = {}
    for f in out:
        by_stem.setdefault(f.stem, []).append(f)
    for stem, group in by_stem.items():
        if len(group) > 1:
            where = ", ".join(str(g.resolve()) for g in group)
            for g in group:
                errors.append(
                    DocumentError(
                        g,
                        f"trùng mã văn bản '{stem}' giữa {len(group)} tệp ({where}): không tệp "
                        "nào được lập chỉ mục, bản đã lưu (nếu có) được giữ nguyên "
                        "(duplicate document id: all refused, the stored version kept)",
                    )
                )
    return [f for f in out if len(by_stem[f.stem]) == 1], errors


def store_pages(session, path: str | Path, chunks) -> int:
    """Record the page each stored chunk (rows with `id`, `text`, `kind`, in order) starts on, for PDFs and
    images; other formats have no pages and record nothing. Returns the number of rows written."""
    if page_texts(path) is None:
        return 0
    from store.knowledge import ChunkPage

    body = [c for c in chunks if getattr(c, "kind", "") != "header"]
    pages = page_of(path, [c.text for c in body])
    rows = [ChunkPage(chunk_id=c.id, page=pg) for c, pg in zip(body, pages) if pg is not None]
    head = next((c for c in chunks if getattr(c, "kind", "") == "header"), None)
    if head is not None:
        rows.append(ChunkPage(chunk_id=head.id, page=1))
    session.add_all(rows)
    return len(rows)


def chunk_page(db_url: str, chunk_id: int) -> int | None:
    """The page a stored chunk of a PDF or scan starts on (None for other documents)."""
    from store.db import session_scope
    from store.knowledge import ChunkPage

    with session_scope(db_url) as s:
        row = s.get(ChunkPage, chunk_id)
        return row.page if row else None
