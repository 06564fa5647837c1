"""Names typed with a typo or two ("tiềng giang", "so giao duk") read as the province or body the store knows
("Tiền Giang", "Sở Giáo dục"), with rapidfuzz against the folded names: a window of the question's words is
replaced only when it is close to one name (NAME_MIN_RATIO), is itself no name, and occurs in no document —
a word the documents use is never "corrected"."""

from __future__ import annotations

import re
from typing import Callable

from rapidfuzz import fuzz, process

from bot.lexicon import Lexicon, fold_words

NAME_MIN_RATIO = 88  # rapidfuzz ratio (0–100) of the folded window to the folded name
MIN_NAME_CHARS = 7  # shorter names ("huế", "sở tc") are too easily one typo away from another word
_WORD = re.compile(r"[\wĐđ]+", re.UNICODE)


class NameFixer:
    """The names a lexicon knows, by their number of words, folded → as written."""

    def __init__(self, lex: Lexicon):
        self.names: dict[int, dict[str, str]] = {}
        for p in lex.provinces:
            self._add(fold_words(p), p)
        for a in lex.agencies:
            for al in a.aliases:
                self._add(al, a.name if fold_words(a.name) == al else al)

    def _add(self, folded: str, written: str) -> None:
        if len(folded) >= MIN_NAME_CHARS and len(folded.split()) >= 2:
            self.names.setdefault(len(folded.split()), {}).setdefault(folded, written)

    def fix(self, text: str, in_documents: Callable[[str], bool]) -> str:
        """`text` with each misspelt name replaced by the name as written; unchanged when none is found. Names
        written right are found first: no window holding one is "corrected" ("Dân số Lâm Đồng" stays)."""
        words = list(_WORD.finditer(text))
        folded = [fold_words(m.group(0)) for m in words]
        taken = [False] * len(words)
        for n in sorted(self.names, reverse=True):
            for i in range(len(words) - n + 1):
                if " ".join(folded[i : i + n]) in self.names[n]:
                    taken[i : i + n] = [True] * n
        edits: list[tuple[int, int, str]] = []
        for n in sorted(self.names, reverse=True):
            known = self.names[n]
            for i in range(len(words) - n + 1):
                if any(taken[i : i + n]):
                    continue
                window = " ".join(folded[i : i + n])
                best = process.extractOne(window, list(known), scorer=fuzz.ratio, score_cutoff=NAME_MIN_RATIO)
                if best is None or in_documents(window):
                    continue
                taken[i : i + n] = [True] * n
                edits.append((words[i].start(), words[i + n - 1].end(), known[best[0]]))
        for start, end, name in sorted(edits, reverse=True):
            text = text[:start] + name + text[end:]
        return text
