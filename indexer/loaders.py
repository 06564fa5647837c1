"""Read .txt, .md, .docx and .pdf files into text, refusing what is not a readable document."""
from __future__ import annotations

from pathlib import Path

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
MAX_BYTES = 50 * 1024 * 1024


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
        import docx  # python-docx
        d = docx.Document(str(path))
    except Exception as e:  # zip/xml errors
        raise DocumentError(path, f"tệp .docx hỏng hoặc không đọc được ({type(e).__name__})") from None
    lines = [p.text for p in d.paragraphs]
    for table in d.tables:  # headers of official letters are often laid out in tables
        for row in table.rows:
            for cell in row.cells:
                lines.append(cell.text)
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
        reader = PdfReader(str(path))
        pages = [(p.extract_text() or "") for p in reader.pages]
    except Exception as e:
        raise DocumentError(path, f"tệp PDF hỏng hoặc không đọc được ({type(e).__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentError(path, "PDF không có lớp chữ (scanned PDF without a text layer)")
    return text


def read_document(path: str | Path) -> str:
    """The raw text of a document file; raises DocumentError with a clear reason."""
    path = Path(path)
    if path.suffix.lower() not in SUPPORTED:
        raise DocumentError(path, f"định dạng {path.suffix or '(không có đuôi)'} không được hỗ trợ "
                                  f"(supported: {', '.join(SUPPORTED)})")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DocumentError(path, f"không mở được tệp ({e.strerror})") from None
    if size == 0:
        raise DocumentError(path, "tệp rỗng (empty file)")
    if size > MAX_BYTES:
        raise DocumentError(path, f"tệp quá lớn ({size // 1024 // 1024} MB > {MAX_BYTES // 1024 // 1024} MB)")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        text = _read_docx(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise DocumentError(path, f"không đọc được tệp ({e.strerror})") from None
        text = _decode(path, data)
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
    return out, errors
