"""Ruled tables of a PDF's text layer read row by row.

A text layer gives a table cell by cell ("STT", "Chủ hộ", "Xóm", then "1", "Nguyễn Văn Tuấn", "Xóm 1 1/6" …), so a
row's name, votes and reason fall on different lines. pdfplumber finds the tables drawn with rules; such a page is
read again as the text around its tables plus each table as "| a | b |" rows (`webpage.table_rows_text`, which also
reads a header laid out in a table as the printed page). Pages without such a table keep the text pypdf read.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

MIN_ROWS = 2  # a ruled box of one row (a framed note) is no table
MIN_COLUMNS = 2


def _centre_in(obj: dict, bbox: tuple) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _page_text(page, tables: list) -> str:
    """The page's text between its tables, and each table's rows in place."""
    from indexer.webpage import table_rows_text

    boxes = [t.bbox for t in tables]

    def outside(obj: dict) -> bool:
        return "x0" not in obj or not any(_centre_in(obj, b) for b in boxes)

    parts, top = [], 0.0
    for table in tables:
        if table.bbox[1] > top:
            parts.append(page.crop((0, top, page.width, table.bbox[1])).filter(outside).extract_text() or "")
        rows = [[(c or "").strip() for c in row] for row in table.extract()]
        parts.append(table_rows_text(rows))
        top = max(top, table.bbox[3])
    if top < page.height:
        parts.append(page.crop((0, top, page.width, page.height)).filter(outside).extract_text() or "")
    return "\n".join(p for p in parts if p.strip())


def _tables(page) -> list:
    found = []
    for table in page.find_tables():
        rows = table.extract()
        if len(rows) >= MIN_ROWS and max((len(r) for r in rows), default=0) >= MIN_COLUMNS:
            found.append(table)
    return sorted(found, key=lambda t: t.bbox[1])


def with_tables(path: Path, pages: list[str], skip: set[int]) -> list[str]:
    """`pages` (pypdf's text of each page) with every page that holds a ruled table read again with its rows kept
    together; pages in `skip` (scans read by OCR) and any page pdfplumber cannot read stay as they are."""
    try:
        import pdfplumber
    except ImportError:  # an older install: the text layer as pypdf reads it
        return pages
    out = list(pages)
    try:
        with pdfplumber.open(str(path)) as pdf:
            for i, page in enumerate(pdf.pages[: len(pages)]):
                if i in skip:
                    continue
                tables = _tables(page)
                if tables:
                    out[i] = _page_text(page, tables)
    except Exception as e:  # noqa: BLE001 - a page pdfplumber cannot parse keeps pypdf's text
        log.warning("%s: bảng trong PDF không đọc được (%s); dùng lớp chữ", path.name, type(e).__name__)
        return pages
    return out
