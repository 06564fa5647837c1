"""Clean a document's text: Unicode NFC with one tone-mark placement, no markdown emphasis,
no stray page numbers, signature images or typist initials, list markers tidied."""

from __future__ import annotations

import re

from vntext import nfc

_NOISE_LINE = re.compile(
    r"^\s*(?:\d{1,3}(?:\s+\d{1,3})*|handwritten signature|\(?đã ký\)?|\[?chữ ký\]?|signed|"
    r"trang\s+\d+(?:\s*/\s*\d+)?|page\s+\d+(?:\s+of\s+\d+)?|-\s*\d+\s*-)\s*$",
    re.IGNORECASE,
)


def normalize_text(raw: str) -> str:
    t = nfc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    t = t.replace("\t", " ").replace("\u2013", "-").replace("\u2014", "-").replace("\u2022", "-")
    t = t.replace("“", "“").replace("”", "”")
    lines = []
    for line in t.split("\n"):
        s = line
        s = re.sub(r"\*{1,3}([^*\n]+?)\*{1,3}", r"\1", s)  # **bold**, *italic*
        s = re.sub(r"(?<!\w)_{1,2}([^_\n]+?)_{1,2}(?!\w)", r"\1", s)  # __bold__
        s = s.replace("**", "")
        s = re.sub(r"\^\([^)]*\)", "", s)  # ^(vn) superscripts
        s = re.sub(r"\\([-*_.()\[\]#+])", r"\1", s)  # markdown escapes
        s = re.sub(r"^\s*#{1,6}\s+", "", s)  # markdown headings
        s = re.sub(r"(?<=[.;:])\s+[a-zđ]{1,3}\s*$", "", s)  # typist initials after the last sentence
        # "- + item" / " - + item": a doubled list marker
        s = re.sub(r"^\s*-\s+\+\s*", "+ ", s)
        s = re.sub(r"[ \u00a0]+", " ", s).strip()
        if _NOISE_LINE.match(s):
            s = ""
        lines.append(s)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
