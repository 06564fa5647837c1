"""Names typed with a typo or two ("tiềng giang", "so giao duk") read as the province or body the store knows
("Tiền Giang", "Sở Giáo dục"), with rapidfuzz against the folded names: a window of the question's words is
replaced only when it is close to one name (NAME_MIN_RATIO), is itself no name, and occurs in no document —
a word the documents use is never "corrected"."""

from __future__ import annotations

import re
from typing import Callable

from rapidfuzz import fuzz, process

from bot.lexicon import Lexicon, fold_words
from vntext import has_diacritics

NAME_MIN_RATIO = 88  # rapidfuzz ratio (0–100) of the folded window to the folded name
MIN_NAME_CHARS = 7  # shorter names ("huế", "sở tc") are too easily one typo away from another word
_WORD = re.compile(r"[\wĐđ]+", re.UNICODE)


def _initials(folded: str) -> str:
    return "".join(w[0] for w in folded.split())


class NameFixer:
    """The names a lexicon knows, by their number of words, folded → as written."""

    def __init__(self, lex: Lexicon):
        self.lex = lex
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
                if best is None or in_documents(window) or _initials(window) != _initials(best[0]):
                    continue  # a typo keeps each word's first letter: "thoại phòng" is no "Hải Phòng"
                if any(self.lex.expand(m.group(0)) != m.group(0) for m in words[i : i + n]):
                    continue  # "phòng GDTX" holds an abbreviation the glossary knows: no misspelt "phòng GDĐT"
                typed = text[words[i].start() : words[i + n - 1].end()]
                if has_diacritics(typed) and fuzz.ratio(typed.lower(), known[best[0]].lower()) < NAME_MIN_RATIO:
                    continue  # typed with its tones: "làm Đơn" is two words, no "Lâm Đồng"
                taken[i : i + n] = [True] * n
                edits.append((words[i].start(), words[i + n - 1].end(), known[best[0]]))
        for start, end, name in sorted(edits, reverse=True):
            text = text[:start] + name + text[end:]
        return text


# A Vietnamese syllable, folded: an onset, a vowel group and a final ("nang", "nghieng", "quy"). A word typed
# that is none ("năg", "hocj") is a typo, unless the documents write it (an abbreviation, a foreign word).
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnptuoiy])?"
)
_LETTERS = "abcdefghijklmnopqrstuvxy"
MAX_TYPO_CHARS = 8


def is_syllable(folded_word: str) -> bool:
    return bool(_SYLLABLE.fullmatch(folded_word))


def one_edit(word: str) -> set[str]:
    """Every word one letter away: a letter left out, one too many, one replaced, two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + c + b for a, b in splits for c in _LETTERS}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    )


class SyllableFixer:
    """Words typed that are no Vietnamese syllable ("kỹ năg số") read as the syllable one letter away that the
    documents write next to the typed word's neighbour ("kỹ năng số"): only when exactly one such syllable
    exists, written as the documents write it beside that neighbour."""

    def __init__(
        self, known: Callable[[str], bool], in_documents: Callable[[str], bool], written: Callable[[str], str]
    ):
        """`known`: the documents write this folded syllable; `in_documents`: … these folded words in a row;
        `written`: how they write these folded words."""
        self.known, self.in_documents, self.written = known, in_documents, written

    def fix(self, text: str) -> str:
        words = list(_WORD.finditer(text))
        folded = [fold_words(m.group(0)) for m in words]
        edits = []
        for i, w in enumerate(folded):
            if not w.isalpha() or len(w) > MAX_TYPO_CHARS or is_syllable(w) or self.known(w):
                continue
            fits = {
                (c, pair)
                for c in one_edit(w)
                if is_syllable(c) and self.known(c)
                for pair in self._beside(folded, i, c)
            }
            if len({c for c, _ in fits}) == 1:
                c, (pair, at) = sorted(fits)[0]
                word = self.written(pair).split()[at] if has_diacritics(text) else c  # typed without: kept so
                edits.append((words[i].start(), words[i].end(), word))
        for start, end, word in sorted(edits, reverse=True):
            text = text[:start] + word + text[end:]
        return text

    def _beside(self, folded: list[str], i: int, candidate: str) -> list[tuple[str, int]]:
        """The folded pairs the candidate makes with a neighbour that the documents write, each with the
        candidate's place in it."""
        pairs = []
        if i > 0:
            pairs.append((f"{folded[i - 1]} {candidate}", 1))
        if i + 1 < len(folded):
            pairs.append((f"{candidate} {folded[i + 1]}", 0))
        return [(p, at) for p, at in pairs if self.in_documents(p)]


# Shorthand of chat ("ko", "j", "ntn"): words of the language, not of the documents, read as the words they stand for.
CHAT_SHORTHAND = {
    "ko": "không",
    "k": "không",
    "kg": "không",
    "khg": "không",
    "hok": "không",
    "j": "gì",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "bnhiêu": "bao nhiêu",
    "nhiu": "nhiêu",  # "bao nhiu"
    "ntn": "như thế nào",
    "sdt": "số điện thoại",
    "sđt": "số điện thoại",
    "dc": "được",
    "đc": "được",
    "trc": "trước",
    "vs": "với",
    "dki": "đăng ký",
    "đki": "đăng ký",
    "dky": "đăng ký",
    "đky": "đăng ký",
    "tgian": "thời gian",
    "bc": "báo cáo",
    "online": "trực tuyến",
    "offline": "trực tiếp",
    # words borrowed from English, read as the documents' own (only when the documents do not write them)
    "mail": "thư điện tử",
    "email": "thư điện tử",
    "app": "ứng dụng",
    "wifi": "internet",
    "free": "miễn phí",
    "web": "trang thông tin điện tử",
    "website": "trang thông tin điện tử",
}
MAX_INITIALS = 6  # "BCHQS": longer runs of capitals are codes, not names
MIN_LONE_INITIALS = 3  # initials without a head word before them: two letters ("HS", "GĐ") are too ambiguous
# the words a body's name begins with ("Sở", "Ủy ban", "Trung tâm", "Liên đoàn"), folded: its initials follow them
HEAD_WORDS = frozenset("so bo ban hoi phong cuc vu vien tam doan truong dai chi".split())
_AMPERSAND_INITIALS = re.compile(r"\b([A-ZĐ]{1,3})&([A-ZĐ]{1,3})\b")


def _in_compound(text: str, m: re.Match) -> bool:
    """The token is joined by "-" to another in capitals ("PT-TH", "VH-TT-DL")."""
    before, after = text[max(0, m.start() - 2) : m.start()], text[m.end() : m.end() + 2]
    return m.group(0).isupper() and (
        (len(after) == 2 and after[0] == "-" and after[1].isupper())
        or (len(before) == 2 and before[1] == "-" and before[0].isupper())
    )


class AbbreviationReader:
    """Shorthand and abbreviations the glossary does not know, read as the words they stand for: chat shorthand
    ("ko" → "không"), one province's two initials ("TQ"), and a body's initials after its head word (HEAD_WORDS), as
    the documents write the name ("Sở KHCN", "so khcn" → "Sở Khoa học và Công nghệ", "Sở NV" → "Sở Nội vụ", learned
    by `spelled_out`; two letters only after a capital). Initials alone ("HS", "HTSĐ") stay: two letters are too
    ambiguous, and a name spelled out in the question weighs more words than the asker typed."""

    def __init__(self, lex: Lexicon, known: Callable[[str], bool], spelled_out: Callable[[str], str | None]):
        """`known`: the documents write this folded word; `spelled_out`: the name with these folded initials."""
        self.lex, self.known, self.spelled_out = lex, known, spelled_out

    def fix(self, text: str) -> str:
        plain = not has_diacritics(text)
        text = _AMPERSAND_INITIALS.sub(lambda m: m.group(1) + m.group(2), text)  # "KH&CN" is "KHCN"
        words = list(_WORD.finditer(text))
        edits = []
        for i, m in enumerate(words):
            if _in_compound(text, m):  # "PT-TH", "GDNN-GDTX": one abbreviation, not two provinces' initials
                continue
            edit = self._read(m.group(0), words[i - 1] if i else None, plain)
            if edit is not None:
                start, name = edit if edit[0] is not None else (m.start(), edit[1])
                edits.append((start, m.end(), fold_words(name) if plain else name))
        for start, end, name in sorted(edits, reverse=True):
            text = text[:start] + name + text[end:]
        return text

    def _read(self, token: str, before: re.Match | None, plain: bool) -> tuple[int | None, str] | None:
        """(where the words read start, the words) for a token read otherwise, or None."""
        if token.lower() in CHAT_SHORTHAND and (len(token) > 1 or token.islower()) and not self.known(token.lower()):
            return None, CHAT_SHORTHAND[token.lower()]
        folded = fold_words(token)
        if not (2 <= len(folded) <= MAX_INITIALS and folded.isalpha()) or self.lex.expand(token) != token:
            return None
        if self.known(folded) or (is_syllable(folded) and not token.isupper()):
            return None
        province = self._province(token)
        if province is not None:
            return None, province
        if before is None or fold_words(before.group(0)) not in HEAD_WORDS:  # "HS", "ho so NV" stay
            return None if plain else self._initialism(token)  # folded, a name reads worse: "viet nam co"
        if len(folded) == 2 and not before.group(0)[:1].isupper():
            return None
        name = self.spelled_out(fold_words(before.group(0))[:1] + folded)
        if name and fold_words(name).split()[0] == fold_words(before.group(0)):
            return before.start(), name
        return None

    def _initialism(self, token: str) -> tuple[None, str] | None:
        """Three or more initials standing alone in a question typed with its diacritics ("hội thi GĐHT") read as the
        name the documents write with them ("Gia đình học tập"), its "đ" and "d" as typed."""
        if len(token) < MIN_LONE_INITIALS or not (token.isupper() or "đ" in token.lower()):  # "ktkt" may be a typo
            return None
        name = self.spelled_out(fold_words(token), token)
        return (None, name) if name else None

    def _province(self, token: str) -> str | None:
        """Two capitals that are the initials of exactly one province ("TQ" → "Tuyên Quang"; "ĐN" is three)."""
        if len(token) != 2 or not token.isupper():
            return None
        letters = fold_words(token)
        hits = [p for p in self.lex.provinces if _initials(fold_words(p)) == letters]
        return hits[0] if len(hits) == 1 else None
