"""OCR character accuracy on the seed documents, printed as scans.

`python -m bench.ocr_accuracy [--docs daknong-2021-3597-ubnd-kgvx ...] [--dpi 300] [--no-ocrmypdf]`

Each seed text (knowledge/*.txt, normalised) is typeset onto A4 page images with Pillow and the DejaVu
Serif font (justified paragraphs, centred upper-case headings, a page number at the top of every page
after the first, a repeated footer, a red stamp and a blue signature on the last page, a slight skew
and speckle noise), saved as an image-only PDF, and read back:

- `pytesseract`: this project's reader (indexer.ocr via indexer.loaders.read_document);
- `ocrmypdf`: ocrmypdf (same Tesseract, `-l vie`) adds a text layer, which pypdf then extracts.

Character accuracy = 1 − Levenshtein distance / reference length, over the texts with whitespace
collapsed (and, for the "letters" column, over letters and digits only, which ignores line layout).
The helpers `render_pages` and `make_scanned_pdf` are also used by tests/indexer/test_ocr.py.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
A4_MM = (210, 297)


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"
    path = FONT_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: apt-get install fonts-dejavu-core")
    return ImageFont.truetype(str(path), size)


def _is_upper(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def split_header(text: str) -> tuple[list[str], list[str], str] | None:
    """The printed two-column header of an official letter: (left column: issuer, number, V/v; right column:
    national motto, place and date; the rest of the text), or None when the text has no such header."""
    lines = [x.strip() for x in text.split("\n")]
    motto = next((i for i, x in enumerate(lines[:15]) if x.upper().startswith("CỘNG HÒA XÃ HỘI")), None)
    if motto is None:
        return None
    left, right, i = [], [], 0
    while i < motto:
        if lines[i]:
            left.append(lines[i])
        i += 1
    right.append(lines[motto])
    i = motto + 1
    end = i
    for j in range(motto + 1, min(len(lines), motto + 12)):
        x = lines[j]
        if x.startswith(("Kính gửi", "KẾ HOẠCH", "QUYẾT ĐỊNH")) or (len(x) > 200):
            break
        if not x:
            end = j + 1
            continue
        if x.startswith("Độc lập"):
            right.append(x)
        elif ", ngày" in x:
            right.append(x)
        else:
            left.append(x)
        end = j + 1
    return left, right, "\n".join(lines[end:])


def render_pages(
    text: str,
    *,
    dpi: int = 300,
    font_pt: float = 13,
    footer: str | None = None,
    stamp: bool = True,
    skew_deg: float = 0.3,
    noise: float = 0.002,
    seed: int = 7,
    two_column_header: bool = False,
):
    """Typeset plain text (blank lines separate paragraphs) onto A4 page images, like a scanned letter.
    `two_column_header`: the issuer, number and subject on the left, the motto, place and date on the right;
    and the closing block as printed: "Nơi nhận" and its list on the left, the signer on the right."""
    sheet = _Sheet(dpi, font_pt)
    head = split_header(text) if two_column_header else None
    if head:
        left_lines, right_lines, text = head
        sheet.header_columns(left_lines, right_lines)
    closing = None
    if two_column_header:
        closing, text = _split_closing(text)
    sheet.body(text, in_header=not head)
    stamp_at = sheet.closing(*closing) if closing else None
    if stamp and sheet.pages:
        sheet.stamp(stamp_at)
    return sheet.finish(footer, noise, skew_deg, random.Random(seed))


def _split_closing(text: str) -> tuple[tuple[list[str], list[str]] | None, str]:
    """((the "Nơi nhận" block, the signer's lines), the text before them), or (None, text) without one."""
    lines_all = text.split("\n")
    k = next((i for i, x in enumerate(lines_all) if x.strip().startswith("Nơi nhận")), None)
    if k is None:
        return None, text
    rest = [x.strip() for x in lines_all[k:] if x.strip()]
    closing = (
        [x for x in rest if x.startswith(("Nơi nhận", "-", "+"))],
        [x for x in rest if not x.startswith(("Nơi nhận", "-", "+"))],
    )
    return closing, "\n".join(lines_all[:k])


def _wrapped(font, line: str, width: int) -> list[str]:
    """The rows of a line broken at spaces to fit `width` (one empty row for an empty line)."""
    cur, rows = [], []
    for wd in line.split():
        if cur and draw_len(font, " ".join(cur + [wd])) > width:
            rows.append(" ".join(cur))
            cur = [wd]
        else:
            cur.append(wd)
    rows.append(" ".join(cur))
    return rows


class _Sheet:
    """A4 pages being typeset, and the pen's height on the last one. Every font made is kept for the
    whole rendering (draw_len caches lengths by the font's id)."""

    def __init__(self, dpi: int, font_pt: float):
        self.mm = mm = dpi / 25.4
        self.W, self.H = int(A4_MM[0] * mm), int(A4_MM[1] * mm)
        self.left, self.right, self.top, self.bottom = int(30 * mm), int(20 * mm), int(20 * mm), int(22 * mm)
        self.size = size = int(font_pt * dpi / 72)
        self.regular, self.bold, self.small = _font(size), _font(size, bold=True), _font(int(size * 0.8))
        self.fonts: list = []
        self.line_h = int(size * 1.4)
        self.width = self.W - self.left - self.right
        self.pages: list = []
        self.page = self.draw = None
        self.y = 0

    def font(self, size: int, bold: bool = False):
        f = _font(size, bold=bold)
        self.fonts.append(f)
        return f

    def new_page(self) -> None:
        from PIL import Image, ImageDraw

        self.page = Image.new("RGB", (self.W, self.H), "white")
        self.draw = ImageDraw.Draw(self.page)
        self.y = self.top
        n = len(self.pages) + 1
        if n > 1:  # page numbers at the top centre from page 2, as official letters do
            self.draw.text((self.W // 2, self.top // 2), str(n), font=self.small, fill="black", anchor="mm")
        self.pages.append(self.page)

    def ensure(self, h: int) -> None:
        if self.page is None or self.y + h > self.H - self.bottom - self.line_h:
            self.new_page()

    def header_columns(self, left_lines: list[str], right_lines: list[str]) -> None:
        """The letter's header in two centred columns on a new page."""
        self.new_page()
        mm, left, width, line_h = self.mm, self.left, self.width, self.line_h
        small_b, italic = self.font(int(self.size * 0.85), bold=True), self.font(int(self.size * 0.85))
        col_l, col_r = (
            (left - int(8 * mm), int(width * 0.40)),
            (left + int(width * 0.40), int(width * 0.60) + int(8 * mm)),
        )
        for (x0, w), col in ((col_l, left_lines), (col_r, right_lines)):
            yy = self.top
            for line in col:
                upper = _is_upper(line) or line.startswith(("Độc lập", "CỘNG HÒA"))
                f = small_b if upper else italic
                for r in _wrapped(f, line, w):
                    self.draw.text((x0 + w // 2, yy), r, font=f, fill="black", anchor="ma")
                    yy += int(line_h * 0.95)
                yy += int(line_h * 0.3)
            self.y = max(self.y, yy)
        self.y += line_h

    def body(self, text: str, in_header: bool) -> None:
        """The paragraphs: headings centred in bold, the rest justified with a first-line indent (none in
        the header, before "Kính gửi", nor for list items)."""
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s*[-+]\s)|\n(?=\s*\d+\.\s)", text) if p.strip()]
        for para in paragraphs:
            for raw_line in para.split("\n"):
                raw_line = raw_line.strip()
                if not raw_line:
                    continue
                if raw_line.startswith("Kính gửi"):
                    in_header = False
                self.paragraph_line(raw_line, in_header)
            self.y += int(self.line_h * 0.45)

    def paragraph_line(self, raw_line: str, in_header: bool) -> None:
        centred = _is_upper(raw_line) and len(raw_line) < 70 or raw_line.startswith("Độc lập")
        font = self.bold if centred else self.regular
        indent = (
            int(12.7 * self.mm)
            if not centred and not in_header and not re.match(r"^([-+]|\d+\.|[a-zđ]\)|[IVX]+\.)\s", raw_line)
            else 0
        )
        lines = self.broken(font, raw_line.split(), indent)
        for li, ws in enumerate(lines):
            self.ensure(self.line_h)
            x0 = self.left + (indent if li == 0 else 0)
            if centred:
                self.draw.text(
                    (self.left + self.width // 2, self.y), " ".join(ws), font=font, fill="black", anchor="ma"
                )
            elif li < len(lines) - 1 and len(ws) > 1:
                self.justified(font, ws, x0)
            else:
                self.draw.text((x0, self.y), " ".join(ws), font=font, fill="black")
            self.y += self.line_h

    def broken(self, font, words: list[str], indent: int) -> list[list[str]]:
        """The words in lines of the text's width (the first one indented)."""
        lines: list[list[str]] = []
        cur: list[str] = []
        avail = self.width - indent
        for w in words:
            trial = " ".join(cur + [w])
            if cur and draw_len(font, trial) > avail:
                lines.append(cur)
                cur, avail = [w], self.width
            else:
                cur.append(w)
        if cur:
            lines.append(cur)
        return lines

    def justified(self, font, ws: list[str], x0: int) -> None:
        total = sum(draw_len(font, w) for w in ws)
        room = (self.width - (x0 - self.left)) - total
        gap = room / (len(ws) - 1)
        x = float(x0)
        for w in ws:
            self.draw.text((int(x), self.y), w, font=font, fill="black")
            x += draw_len(font, w) + gap

    def closing(self, recv: list[str], signer: list[str]) -> tuple[int, int]:
        """The receivers ("Nơi nhận" and its list) on the left, the signer on the right; where the stamp goes."""
        line_h, left = self.line_h, self.left
        f_small, f_bold = self.font(int(self.size * 0.8)), self.font(int(self.size * 0.92), bold=True)
        need = max(len(recv), len(signer) + 4) * int(line_h * 0.85)
        if self.y + need > self.H - self.bottom:
            self.new_page()
        yl = yr = self.y
        for x in recv:
            self.draw.text((left, yl), x, font=f_bold if x.startswith("Nơi nhận") else f_small, fill="black")
            yl += int(line_h * 0.85)
        cx = left + int(self.width * 0.72)
        stamp_at = (cx - int(40 * self.mm), yr + int(2.6 * line_h))  # over the signature, left of the signer's name
        for i, x in enumerate(signer):
            if i == len(signer) - 1:
                yr += 3 * line_h  # room for the signature and the stamp
            self.draw.text((cx, yr), x, font=f_bold, fill="black", anchor="ma")
            yr += line_h
        self.y = max(yl, yr)
        return stamp_at

    def stamp(self, at: tuple[int, int] | None) -> None:
        """A red stamp and a blue signature over the signer's block (at `at` when the closing was printed)."""
        from PIL import ImageDraw

        d = ImageDraw.Draw(self.pages[-1])
        cx, cy, r = int(self.W * 0.74), min(self.y - 3 * self.line_h, self.H - self.bottom - 200), int(18 * self.mm)
        cy = max(cy, self.top + r)
        if at is not None:
            cx, cy = at
        for k in range(5):
            d.ellipse((cx - r + k, cy - r + k, cx + r - k, cy + r - k), outline=(210, 30, 40))
        d.ellipse((cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6), outline=(210, 30, 40), width=4)
        d.text((cx, cy), "★", font=self.font(int(self.size * 1.5)), fill=(210, 30, 40), anchor="mm")
        pts = [(cx - r + i * 12, cy + int(30 * ((i * 7919) % 5 - 2))) for i in range(int(2 * r / 12))]
        d.line(pts, fill=(20, 40, 190), width=5)

    def finish(self, footer: str | None, noise: float, skew_deg: float, rnd: random.Random) -> list:
        """The pages with their footer, speckle noise and skew."""
        from PIL import ImageDraw

        W, H, total = self.W, self.H, len(self.pages)
        out = []
        for i, pg in enumerate(self.pages, 1):
            d = ImageDraw.Draw(pg)
            if footer:
                d.text(
                    (W // 2, H - self.bottom // 2),
                    f"{footer} - Trang {i}/{total}",
                    font=self.small,
                    fill="black",
                    anchor="mm",
                )
            if noise:
                px = pg.load()
                for _ in range(int(W * H * noise)):
                    px[rnd.randrange(W), rnd.randrange(H)] = (0, 0, 0) if rnd.random() < 0.5 else (255, 255, 255)
            if skew_deg:
                pg = pg.rotate(skew_deg, resample=3, expand=False, fillcolor="white")
            out.append(pg)
        return out


_LEN_CACHE: dict = {}


def draw_len(font, s: str) -> float:
    key = (id(font), s)
    v = _LEN_CACHE.get(key)
    if v is None:
        v = _LEN_CACHE[key] = font.getlength(s)
    return v


def make_scanned_pdf(text: str, out: Path, *, dpi: int = 300, color: bool = False, **kw) -> Path:
    """An image-only PDF of the typeset text (no text layer), as a scanner makes it: grey-scale (the stamp as
    dark as the text), or in colour with `color=True` (JPEG pages, which cost Tesseract some accuracy)."""
    imgs = render_pages(text, dpi=dpi, **kw)
    pages = [im.convert("RGB" if color else "L") for im in imgs]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi), quality=85)
    return out


def reference_text(doc: Path) -> str:
    from indexer.normalize import normalize_text

    return normalize_text(doc.read_text(encoding="utf-8"))


def char_accuracy(ref: str, got: str, letters_only: bool = False) -> float:
    from rapidfuzz.distance import Levenshtein
    from indexer.normalize import normalize_text

    got = normalize_text(got)
    if letters_only:
        a, b = "".join(c for c in ref if c.isalnum()), "".join(c for c in got if c.isalnum())
    else:
        a, b = " ".join(ref.split()), " ".join(got.split())
    return 1 - Levenshtein.distance(a, b) / max(1, len(a))


def read_with_project(pdf: Path) -> str:
    from indexer.loaders import read_document

    return read_document(pdf)


def read_with_ocrmypdf(pdf: Path, work: Path) -> str:
    out = work / (pdf.stem + ".ocrmypdf.pdf")
    cmd = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "-l",
        "vie",
        "--output-type",
        "pdf",
        "--optimize",
        "0",
        "--deskew",
        str(pdf),
        str(out),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"ocrmypdf failed ({r.returncode}): {r.stderr[-800:]}")
    from pypdf import PdfReader

    return "\n".join((p.extract_text() or "") for p in PdfReader(str(out)).pages)


READERS = ("pytesseract", "ocrmypdf", "pytesseract-2col", "ocrmypdf-2col")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.ocr_accuracy", description=__doc__.split("\n")[0])
    ap.add_argument("--docs", nargs="*", default=["daknong-2021-3597-ubnd-kgvx", "bgddt-2017-162-gdtx"])
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--no-ocrmypdf", action="store_true")
    ap.add_argument(
        "--two-column",
        action="store_true",
        help="also print each document with its header and closing in two columns, as letters are",
    )
    ap.add_argument("--json", default=None, help="also write the results to this file")
    args = ap.parse_args(argv)
    from indexer.ocr import tesseract_problem

    problem = tesseract_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.docs:
            row = _measure_document(name, Path(tmp), args)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    _print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _measure_document(name: str, work: Path, args: argparse.Namespace) -> dict:
    """One seed document scanned (and, with --two-column, printed as letters are) and read by each reader."""
    from indexer.ocr import pdf_page_count

    src = ROOT / "knowledge" / f"{name}.txt"
    ref = reference_text(src)
    pdf = make_scanned_pdf(ref, work / f"{name}.pdf", dpi=args.dpi, footer="Bản scan thử nghiệm")
    row = {"document": name, "pages": pdf_page_count(pdf), "chars": len(" ".join(ref.split()))}
    readers = [("pytesseract", lambda: read_with_project(pdf))]
    if not args.no_ocrmypdf:
        readers.append(("ocrmypdf", lambda: read_with_ocrmypdf(pdf, work)))
    if args.two_column:
        pdf2 = make_scanned_pdf(
            ref, work / f"{name}-2cot.pdf", dpi=args.dpi, footer="Bản scan thử nghiệm", two_column_header=True
        )
        readers.append(("pytesseract-2col", lambda: read_with_project(pdf2)))
        if not args.no_ocrmypdf:
            readers.append(("ocrmypdf-2col", lambda: read_with_ocrmypdf(pdf2, work)))
    head = split_header(ref)
    # printed in two columns, the header's reading order is the left column, then the right one
    ref2 = "\n".join(head[0] + head[1]) + "\n" + head[2] if head else ref
    for label, fn in readers:
        row[label] = _accuracy_of(fn, ref2 if label.endswith("-2col") else ref)
    return row


def _accuracy_of(read, ref: str) -> dict:
    """A reader's accuracy over the reference text and its time, or the error it raised."""
    t0 = time.perf_counter()
    try:
        got = read()
    except Exception as e:  # report and go on with the other reader
        return {"error": f"{type(e).__name__}: {e}"[:300]}
    return {
        "accuracy": round(char_accuracy(ref, got), 4),
        "letters": round(char_accuracy(ref, got, letters_only=True), 4),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _print_table(results: list[dict]) -> None:
    print(f"\n{'document':<34} {'pages':>5} {'reader':<16} {'chars':>7} {'letters':>8} {'time':>7}")
    for row in results:
        for label in READERS:
            r = row.get(label)
            if not r:
                continue
            if "error" in r:
                print(f"{row['document']:<34} {row['pages']:>5} {label:<16} {r['error'][:60]}")
            else:
                print(
                    f"{row['document']:<34} {row['pages']:>5} {label:<16} {r['accuracy']:>7.2%} {r['letters']:>8.2%} "
                    f"{r['seconds']:>6.1f}s"
                )


if __name__ == "__main__":
    sys.exit(main())
