"""Word's automatic numbering written out, so a .docx reads as it prints.

A list made with Word's numbering ("List Number", "List Bullet" or a paragraph's own w:numPr) keeps its "1.", "a)",
"-" in numbering.xml, not in the paragraph's text; without them the section tree sees one long run of paragraphs.
`ListLabels.label(paragraph)` gives the label Word shows, counted per list (w:num) and level as Word counts it: a
level's counter restarts when a level above it moves on. Unnumbered "Heading 1" paragraphs of a document that
numbers none of them get Roman numerals (I., II., …), the outline Word's navigation pane shows, so their lists
sit under them.
"""

from __future__ import annotations

import re

from docx.oxml.ns import qn

_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return roman(n).lower() if fmt == "lowerRoman" else roman(n)
    if fmt == "none":
        return ""
    return str(n)  # decimal and the rest


def _val(el, tag: str, default=None):
    child = el.find(qn(tag)) if el is not None else None
    return child.get(qn("w:val")) if child is not None else default


class ListLabels:
    def __init__(self, document):
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId → ilvl → (start, fmt, text)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractNumId, ilvl → start override)
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):  # no numbering part: no lists
            return
        for ab in root.findall(qn("w:abstractNum")):
            lv = {}
            for lvl in ab.findall(qn("w:lvl")):
                start = int(_val(lvl, "w:start", "1") or 1)
                lv[int(lvl.get(qn("w:ilvl"), 0))] = (
                    start,
                    _val(lvl, "w:numFmt", "decimal"),
                    _val(lvl, "w:lvlText", ""),
                )
            self.levels[ab.get(qn("w:abstractNumId"))] = lv
        for num in root.findall(qn("w:num")):
            overrides = {}
            for ov in num.findall(qn("w:lvlOverride")):
                start = _val(ov, "w:startOverride")
                if start is not None:
                    overrides[int(ov.get(qn("w:ilvl"), 0))] = int(start)
            self.nums[num.get(qn("w:numId"))] = (_val(num, "w:abstractNumId"), overrides)

    @staticmethod
    def _num_pr(paragraph) -> tuple[str, int] | None:
        """(numId, level) of the paragraph's own numbering, or of its style's (and the styles it is based on)."""
        ppr = paragraph._p.pPr
        own = ppr.numPr if ppr is not None else None
        style, level = paragraph.style, None
        if own is not None and own.numId is not None:
            level = own.ilvl.val if own.ilvl is not None else 0
            return str(own.numId.val), int(level)
        while style is not None:
            spr = style.element.pPr
            if spr is not None and spr.numPr is not None and spr.numPr.numId is not None:
                lvl = spr.numPr.ilvl.val if spr.numPr.ilvl is not None else 0
                return str(spr.numPr.numId.val), int(lvl)
            style = style.base_style
        return None

    def label(self, paragraph) -> str:
        """The label Word prints before the paragraph ("1.", "a)", "-"), or "" when it has none."""
        found = self._num_pr(paragraph)
        if found is None or found[0] not in self.nums or found[0] == "0":
            return ""
        num_id, level = found
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if level not in levels:
            return ""
        counts = self.counters.setdefault(num_id, [])
        while len(counts) <= level:
            lv = len(counts)
            counts.append(overrides.get(lv, levels.get(lv, (1, "", ""))[0]) - 1)
        counts[level] += 1
        del counts[level + 1 :]
        start, fmt, text = levels[level]
        if fmt == "bullet":
            return "-"
        for k in range(level + 1):
            k_fmt = levels.get(k, (1, "decimal", ""))[1]
            text = text.replace(f"%{k + 1}", _format(counts[k] if k < len(counts) else 1, k_fmt))
        return text.strip()


_TYPED_NUMBER = re.compile(
    r"^(?:[IVXLC]+|\d{1,2}|[A-Za-z])\s*[.)]\s|^(?:Chương|Mục|Phần|Điều)\s+[\dIVXLC]+\b", re.IGNORECASE
)


def heading_labels(paragraphs: list, labels: ListLabels) -> dict[int, str]:
    """Roman numerals for the "Heading 1" paragraphs, by position, when the document has two or more of them and
    numbers none (neither typed nor by Word's numbering)."""
    heads = [
        i for i, p in enumerate(paragraphs) if p.style is not None and p.style.name == "Heading 1" and p.text.strip()
    ]
    numbered = any(_TYPED_NUMBER.match(paragraphs[i].text.strip()) or labels._num_pr(paragraphs[i]) for i in heads)
    if len(heads) < 2 or numbered:
        return {}
    return {i: roman(n) + "." for n, i in enumerate(heads, 1)}
