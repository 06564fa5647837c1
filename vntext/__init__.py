"""Vietnamese text utilities, the project's lowest layer (imports nothing of the project): shared by the store,
the indexer and the assistant.

- `nfc`: Unicode NFC plus one tone-mark placement (the "new style": hoà → hòa, thuỷ → thủy),
  so that the same word is always the same string.
- `fold`: lower case without diacritics (đ → d), for matching questions typed without accents.
- `tokens` / `folded_syllables`: the lexical units indexed for BM25.
- `word_segments`: underthesea's word segmentation.
- `vntext.spm_tokenizer`: the e5 model's tokenizer as a SentencePiece model.
"""

from __future__ import annotations

import importlib
import importlib.abc
import re
import sys
import unicodedata
from functools import lru_cache, wraps
from typing import Callable

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_TONE_CLASS = "[\u0300\u0301\u0303\u0309\u0323]"
# A word ending in oa/oe/uy (nothing after) with the tone on the last vowel: hoà, khoẻ, thuỷ.
_NEW_STYLE_RE = re.compile(r"(?<![qQ])([oO][aAeE]|[uU][yY])(" + _TONE_CLASS + ")$")


def _retone_word(word: str) -> str:
    """Old-style tone placement, as in most official documents: hoà → hòa, khoẻ → khỏe, thuỷ → thủy.

    Only for word-final oa/oe/uy not preceded by q ("quý" stays). Works on NFD, where the tone is
    a combining mark after its vowel (vowel-quality marks like the circumflex come first).
    """
    d = unicodedata.normalize("NFD", word)
    m = _NEW_STYLE_RE.search(d)
    if not m:
        return word
    pair, tone = m.group(1), m.group(2)
    return unicodedata.normalize("NFC", d[: m.start()] + pair[0] + tone + pair[1])


_WORD_RE = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=65536)
def _retone_cached(word: str) -> str:
    return _retone_word(word)


def nfc(text: str) -> str:
    """NFC with a single tone-mark placement; also unifies odd spaces and quotes."""
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text)
    t = t.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    t = _WORD_RE.sub(lambda m: _retone_cached(m.group(0)), t)
    return t


SHORT_TEXT_CHARS = 200  # names, agency texts, questions: folded once; long chunk texts are not kept


def cache_short_texts(fn: Callable[[str], str]) -> Callable[[str], str]:
    """Memoise a text function for texts up to SHORT_TEXT_CHARS (the names and agency texts folded on
    every question); longer texts are computed each time, so the cache stays small."""
    cached = lru_cache(maxsize=1 << 16)(fn)

    @wraps(fn)
    def wrapper(text: str) -> str:
        return cached(text) if text and len(text) <= SHORT_TEXT_CHARS else fn(text)

    return wrapper


@cache_short_texts
def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d: 'Đắk Nông' → 'dak nong'."""
    t = unicodedata.normalize("NFD", text or "")
    return _I_FOR_Y.sub(r"\1i", _unmarked(t))


class _MarkDeleter(dict):
    """A str.translate table that deletes combining marks (category Mn) and keeps every other character, each
    character's category looked up once, when first met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        self[code] = kept
        return kept


_MARKS = _MarkDeleter()


def _unmarked(text: str) -> str:
    """Lower case without diacritics, đ → d (NFD text)."""
    t = text.translate(_MARKS)
    return t.replace("đ", "d").replace("Đ", "D").lower()


# Vietnamese writes a final 'y' after a consonant as 'i' too (kí/ký, lí do/lý do, mĩ/mỹ, quí/quý): folded, both
# are 'i', so either spelling finds the other. 'y' after a vowel (tay, huy) or alone (y tế) is another sound.
_I_FOR_Y = re.compile(r"\b(ngh|ch|gh|kh|ng|nh|ph|th|tr|qu|[bcdghklmnpqrstvx])y\b")


# every small Vietnamese letter, accented or not
SMALL_LETTERS = "abcdefghijklmnopqrstuvwxyzđ" + "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"


def letter_class(folded_letter: str, capitals_only: bool = False) -> str:
    """A regex class of the letters that fold to this one, small and capital ('d' → '[DdĐđ]'; 'a' → 'à', 'Ả' …), or
    only the capitals."""
    small = [c for c in SMALL_LETTERS if fold(c) == folded_letter] or [folded_letter]
    chars = {c.upper() for c in small} if capitals_only else set(small) | {c.upper() for c in small}
    return "[" + "".join(sorted(chars)) + "]"


def is_upper_line(text: str) -> bool:
    """A line written in capitals: three letters or more, all upper-case ("UBND TỈNH AN GIANG", "THAM LUẬN")."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def has_diacritics(text: str) -> bool:
    return _unmarked(unicodedata.normalize("NFD", text or "")) != (text or "").lower()


_SYLL_RE = re.compile(r"[0-9a-z]+(?:[/.\-][0-9a-z]+)*")


def folded_syllables(text: str) -> list[str]:
    """Folded syllables (and number/code tokens like '15/12', '3597/ubnd-kgvx')."""
    return _SYLL_RE.findall(fold(text))


def folded_bigrams(text: str) -> list[str]:
    s = folded_syllables(text)
    return [a + "_" + b for a, b in zip(s, s[1:])]


# underthesea's package imports every pipeline it has; this one imports torch and transformers
# (about 2 s and 270 MB of a serving process) and is never used here: it is skipped (underthesea
# itself treats a pipeline that cannot be imported as absent).
UNUSED_UNDERTHESEA_PIPELINES = frozenset({"underthesea.pipeline.translate"})


class _SkipModules(importlib.abc.MetaPathFinder):
    def __init__(self, names: frozenset[str]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.names:
            raise ImportError(f"{fullname} is not used by this project")
        return None


def import_underthesea():
    """The underthesea package (imported once, when first needed), without its unused pipelines."""
    if "underthesea" in sys.modules:
        return sys.modules["underthesea"]
    skip = _SkipModules(UNUSED_UNDERTHESEA_PIPELINES)
    sys.meta_path.insert(0, skip)
    try:
        return importlib.import_module("underthesea")
    finally:
        sys.meta_path.remove(skip)


def word_segments(text: str) -> list[str]:
    """underthesea word segmentation, lower-cased, punctuation dropped: 'giáo_dục', 'đào_tạo'."""
    out = []
    for w in import_underthesea().word_tokenize(text):
        w = w.lower().strip()
        if w and any(ch.isalnum() for ch in w):
            out.append(w.replace(" ", "_"))
    return out


def squash_spaces(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text).strip()
