"""Is a fact or a passage about the question's topic?

A question's *topic units* are its words (compounds such as "học phí", "đại học": underthesea's
segmentation for text with diacritics; for text without, the split into the most words of
underthesea's dictionary Viet74K, folded), less the words that only shape the question (question words, function
words, the intent's own words such as "hạn", "nhiệm vụ") and the entities it names (agencies,
provinces, dates). A text covers a unit when it contains the unit's syllables in a row; a fact or a
passage is about the question when it covers enough of the units.

Segmenting into words matters: "Học phí đại học" shares the syllables "học" and "phí" (from "kinh
phí") with a learning-society plan, but neither of its words "học phí" and "đại học" as a whole.

The thresholds are calibrated with `python -m bench.relevance` (held-out questions, see bench/).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

from bot.retrieval import QUESTION_WORDS as RETRIEVAL_QUESTION_WORDS
from bot.search_index import STOPWORDS
from vntext import fold, folded_syllables, has_diacritics, import_underthesea, nfc

# A fact (deadline, task, target, criterion, event) is shown only when its text, with its section's
# headings, covers at least this share of the question's topic units (weighted, see `coverage`).
FACT_MIN_RELEVANCE = 0.6
# A passage is quoted only when the best retrieved chunk covers this share of the topic units…
PASSAGE_MIN_COVERAGE = 0.5
# …a share that falls, for longer questions, to LONG_QUESTION_MIN_COVERAGE at LONG_QUESTION_UNITS
# topic words: a long legal sentence or statement is rarely matched word for word, while an
# off-topic question shaped like a domain one is short (measured in bench/relevance.py).
SHORT_QUESTION_UNITS = 4
LONG_QUESTION_UNITS = 10
LONG_QUESTION_MIN_COVERAGE = 0.3
# …or, when dense search is on, when its cosine similarity is this high and it covers at least
# DENSE_MIN_COVERAGE (paraphrases that share few words).
DENSE_CONFIDENT_SIMILARITY = 0.86
DENSE_MIN_COVERAGE = 0.4
# Single syllables say less about a topic than compounds: their weight in the coverage.
SINGLE_SYLLABLE_WEIGHT = 0.5
MAX_WORD_SYLLABLES = 4
# Text typed without diacritics is split into dictionary words: a word the documents never write counts this share
# of one they do ("xa hoi hoc tap giao nhiem vu" is "xã hội | học tập | giao | nhiệm vụ", not "xã hội học | tạp giao")
UNSEEN_WORD_SHARE = 0.5
# The least a word weighs, however common (a word in every chunk still says something).
MIN_WEIGHT = 0.1
# folded function words that start no compound in these documents ("và", "của", "là", "thì", "mà")
NEVER_WORD_START = {"va", "cua", "la", "thi", "ma", "nhung"}
# Syllables typed without accents that are, in a question, its function words or the asker ("rồi", "không", "gì",
# "tôi"): an unseen dictionary word holding one is a misreading ('tuoi roi' is "tuổi rồi", not "tươi rói")
MISREAD_SYLLABLES = frozenset("roi khong chua nao gi dau sao nhe vay nhi oi toi minh em".split())

_CLAUSE_BREAK = re.compile(r"[,;:?!()]+|\.(?!\d)")

# Words of the question itself, not of its topic (folded): the retriever's, and those of a true/false
# statement and "ở" (at, in).
# The asker speaking of themselves and their family ("Mẹ tôi 65 tuổi …", "em muốn hỏi"): the person asking,
# never the topic. Words that fold like a domain word are left out ("bố"/"bộ", "ba"/"bà", "cháu"/"châu").
PERSONA_WORDS = frozenset({"toi", "minh", "me", "cha", "vo", "chong", "em"})
QUESTION_WORDS = RETRIEVAL_QUESTION_WORDS | {"dung", "sai", "o", "nua"} | PERSONA_WORDS  # "còn … nữa không"
QUESTION_PHRASES = (
    "lam the nao",
    "nhu the nao",
    "the nao",
    "bao nhieu",
    "khi nao",
    "ngay nao",
    "bao gio",
    "bao lau",
    "luc nao",
    "hom nao",
    "may gio",
    "o dau",
    "la gi",
    "cho biet",
    "hay cho",
    "dung hay sai",
    "dung khong",
    "co phai",
    "phai khong",
    "the nao la",
    "nhu nao",
    "ra sao",
    "vi sao",
    "tai sao",
    "gom nhung",
    "nhung gi",
    "nao khong",
    "co nguoi",  # "có người (nào) trong ban chỉ đạo không?": is there anyone
)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Folded multi-syllable Vietnamese words (Viet74K, shipped with underthesea)."""
    words: set[str] = set()
    try:
        path = Path(import_underthesea().__file__).parent / "corpus" / "data" / "Viet74K.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            syl = folded_syllables(line)
            if 2 <= len(syl) <= MAX_WORD_SYLLABLES:
                words.add(" ".join(syl))
    except Exception:  # the dictionary only refines units; without it every syllable is a unit
        pass
    return frozenset(words)


def _capitals_by_word(text: str, words: list[str]) -> list[list[bool]] | None:
    """For each folded word of the text, whether each of its syllables is written with a capital; None when the
    words' syllables are not the text's own (numbers, signs)."""
    written = re.findall(r"\w+", text)
    if [fold(w) for w in written] != [x for w in words for x in w.split()]:
        return None
    out, at = [], 0
    for w in words:
        n = len(w.split())
        out.append([x[:1].isupper() for x in written[at : at + n]])
        at += n
    return out


class Segmenter:
    """Splits text into folded words. With diacritics, underthesea's segmentation; without, the
    split with the most multi-syllable dictionary words, ties broken by how often the word occurs
    in the indexed documents. `names` (provinces, agencies) are words too: 'tien giang' is one."""

    def __init__(self, corpus_syllables=(), names=()):
        """`corpus_syllables`: each indexed text as its folded syllables (for the word counts)."""
        from collections import Counter

        self.words = set(_dictionary())
        self.counts: Counter = Counter()
        for syl in corpus_syllables:
            self.counts.update(a + " " + b for a, b in zip(syl, syl[1:]))
        self.names = {" ".join(folded_syllables(n)) for n in names if len(folded_syllables(n)) >= 2}
        self.words |= self.names
        self._longest_first = sorted(self.names, key=lambda n: (-len(n.split()), n))  # for _join_names, once

    def segment(self, text: str) -> list[str]:
        if has_diacritics(text):
            from vntext import word_segments

            words = [w for w in (" ".join(folded_syllables(x.replace("_", " "))) for x in word_segments(text)) if w]
            return self._join_names(self._reseamed(self._name_tail_joined(text, self._unglued(text, words))))
        # no word spans a comma or a question mark: "… ở bộ, sdt bao nhiêu" has no "bộ sổ"
        return [w for part in _CLAUSE_BREAK.split(text) for w in self._segment_folded(folded_syllables(part))]

    def _unglued(self, text: str, words: list[str]) -> list[str]:
        """underthesea may glue a name it does not know to the word after it ('Phường Buôn Hồ nộp' → 'buôn_hồ_nộp'):
        a word written as two or more capitalised syllables and then lower-case ones, whose seam is no word of the
        dictionary ('hồ nộp'; 'Hội Khuyến học' keeps 'khuyến học') or whose lower-case syllables are a word of two or
        more ('Trần Phú sinh hoạt'), is the name and the words after it."""
        capitals = _capitals_by_word(text, words)
        if capitals is None:
            return words  # the syllables do not line up (numbers, signs): left as they are
        out = []
        for w, caps in zip(words, capitals):
            syl = w.split()
            head = caps.index(False) if False in caps else len(caps)
            seam, rest = " ".join(syl[head - 1 : head + 1]), " ".join(syl[head:])
            word_after = rest.count(" ") >= 1 and rest in self.words  # "Trần Phú sinh hoạt": 'phu sinh' is a word too
            if 2 <= head < len(syl) and not any(caps[head:]) and (seam not in self.words or word_after):
                out += [" ".join(syl[:head]), " ".join(syl[head:])]
            else:
                out.append(w)
        return out

    def _name_tail_joined(self, text: str, words: list[str]) -> list[str]:
        """underthesea may take a name's last syllable into a dictionary word after it ('Phú Ủng | Tây học'): a word
        whose first syllable alone is capitalised, after a name of two or more capitalised syllables, which the
        documents never write while they write the name's last syllable with that capital one ('ủng tây'), gives that
        syllable back to the name ('Hội | Khuyến học' stays: the documents write 'khuyến học')."""
        caps = _capitals_by_word(text, words)
        if caps is None:
            return words  # the syllables do not line up (numbers, signs): left as they are
        out = list(words)
        for i in range(1, len(out)):
            before, syl = out[i - 1].split(), out[i].split()
            name_before = len(before) >= 2 and all(caps[i - 1])
            tail = len(syl) >= 2 and caps[i][0] and not any(caps[i][1:])
            if name_before and tail and not self.counts[out[i]] and self.counts[f"{before[-1]} {syl[0]}"]:
                out[i - 1], out[i] = f"{out[i - 1]} {syl[0]}", " ".join(syl[1:])
                caps[i - 1], caps[i] = caps[i - 1] + [True], caps[i][1:]
        return out

    def _reseamed(self, words: list[str]) -> list[str]:
        """underthesea may glue a name's last syllable to the word after it ('Bố | Trạch số', 'Lớp | B học'): a word
        of two or more syllables that is no dictionary word and none of whose syllable pairs the documents write,
        whose first syllable the documents write after the word before it ('bố trạch', 'lớp b'), is that seam's
        word and its own other syllables."""
        out = list(words)
        i = 1
        while i < len(out):
            syl, before = out[i].split(), out[i - 1].split()
            seam = f"{before[-1]} {syl[0]}" if before and syl else ""
            unseen = (
                len(syl) >= 2
                and out[i].replace(" ", "").isalpha()  # "hạn 2/7" is a date's, left as it is
                and out[i] not in self.words
                and not any(map(self._pair_seen, syl, syl[1:]))
            )
            if unseen and self.counts[seam]:
                head = [" ".join(before[:-1])] if len(before) > 1 else []
                out[i - 1 : i + 1] = head + [seam] + syl[1:]
            i += 1
        return out

    def _pair_seen(self, a: str, b: str) -> bool:
        return self.counts[f"{a} {b}"] > 0

    def _join_names(self, words: list[str]) -> list[str]:
        """underthesea may cut a name apart or glue it to a neighbour ('Đắk', 'Nông nộp'): a known name
        is one word, and what its neighbours keep of a glued word becomes single syllables."""
        syl = [(x, i) for i, w in enumerate(words) for x in w.split()]
        flat = [x for x, _ in syl]
        in_name = [None] * len(flat)
        text = " " + " ".join(flat) + " "
        for name in self._longest_first:
            if f" {name} " not in text:  # most names are not in the question: one substring test each
                continue
            k = len(name.split())
            for start in range(len(flat) - k + 1):
                if " ".join(flat[start : start + k]) == name and all(v is None for v in in_name[start : start + k]):
                    for j in range(start, start + k):
                        in_name[j] = (start, name)
        if not any(in_name):
            return words
        out, j = [], 0
        while j < len(flat):
            if in_name[j] is not None:
                out.append(in_name[j][1])
                j += len(in_name[j][1].split())
                continue
            wi = syl[j][1]
            glued = any(in_name[t] is not None for t in range(len(flat)) if syl[t][1] == wi)
            if glued:
                out.append(flat[j])
                j += 1
            else:
                out.append(words[wi])
                j += len(words[wi].split())
        return out

    def _score(self, w: str, k: int) -> float:
        if k == 1:
            return 0.0
        bonus = 2.0 if w in self.names else 0.0
        seen = self._seen(w)
        return (k - 1) * (1.0 if seen else UNSEEN_WORD_SHARE) + bonus + min(self.counts.get(w, 0), 50) / 100.0

    def _seen(self, w: str) -> bool:
        """Does the indexed text hold every pair of adjacent syllables of `w` (always, without a corpus)? A
        dictionary word the documents never write ('tạp giao', 'mê tối') is likely a misreading of two words."""
        if not self.counts:
            return True
        syl = w.split()
        return all(self.counts.get(f"{a} {b}", 0) > 0 for a, b in zip(syl, syl[1:]))

    def _misread(self, w: str) -> bool:
        """A dictionary word the documents never write that holds a question or function word typed without
        accents ('tuoi roi' is "tuổi rồi", not "tươi rói"; 'con em' is "con em [tôi]" here): two words."""
        return not self._seen(w) and any(x in MISREAD_SYLLABLES for x in w.split())

    def _segment_folded(self, syl: list[str]) -> list[str]:
        n = len(syl)
        best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)  # (score, length of the last word)
        for i in range(1, n + 1):
            cands = []
            for k in range(1, min(MAX_WORD_SYLLABLES, i) + 1):
                w = " ".join(syl[i - k : i])
                if k == 1 or (w in self.words and syl[i - k] not in NEVER_WORD_START and not self._misread(w)):
                    cands.append((best[i - k][0] + self._score(w, k), k))
            best[i] = max(cands)
        out, i = [], n
        while i > 0:
            k = best[i][1]
            out.append(" ".join(syl[i - k : i]))
            i -= k
        return out[::-1]


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    return Segmenter()


def _is_question_word(w: str) -> bool:
    return w in QUESTION_PHRASES or all(s in QUESTION_WORDS or s in STOPWORDS for s in w.split())


def phrases(text: str) -> frozenset[str]:
    """A word list written "hạn chót, nộp, báo cáo" (folded, comma-separated): whole words, so that
    "đánh giá" being a criteria word does not make "gia" of "gia đình" one."""
    return frozenset(x.strip() for x in text.split(",") if x.strip())


# the asker's family, named before "tôi", "mình", "em", "nhà" ("Bà tôi 58 tuổi …", "bố mình"): never the topic
KIN_WORDS = frozenset("ba ong bo me cha anh chi con chau vo chong".split())
_ASKER = frozenset({"toi", "minh", "em", "nha"})


def _asker_kin(words: list[str], i: int) -> bool:
    if words[i] in KIN_WORDS and i + 1 < len(words) and words[i + 1] in _ASKER:
        return True
    # "con em học lớp 10 …" opening the question: one word to the segmenter, still the asker's child
    syl = words[i].split()
    return i == 0 and len(syl) == 2 and syl[0] in KIN_WORDS and syl[1] in _ASKER


# people in everyday words ("bà con dân tộc thiểu số"): the documents write "đồng bào", "người dân", "nhân dân"
EVERYDAY_PEOPLE = frozenset({"ba con", "moi nguoi", "nguoi ta"})


def _takes_place(words: list[str], i: int) -> bool:
    """ "diễn" of "diễn ra" (takes place), cut apart by the segmenter: the question's shape, not its topic."""
    return words[i] == "dien" and i + 1 < len(words) and words[i + 1] == "ra"


# compounds whose folded syllables are each a function or time word ("đang", "kỳ") but which are content words
CONTENT_COMPOUNDS = frozenset({"dang ki", "ngay hoi", "tieng anh"})  # "ngày hội" (a festival) is no "ngày hỏi"
# compounds of function syllables that are content words only as typed with these accents ("cơ bản", not "có bạn")
ACCENTED_COMPOUNDS = {"co ban": "cơ bản"}
# words of the asker's manner, no topic, as typed with these accents ("Lỡ làm mất sách …": by mistake)
ACCENTED_MANNER = {"lo": "lỡ", "nho": "nhỡ"}


def _compounds_joined(words: list[str]) -> list[str]:
    """Two syllables the segmenter cut apart that make one of the CONTENT_COMPOUNDS ("ngày" + "hội") joined again."""
    out: list[str] = []
    for w in words:
        if out and f"{out[-1]} {w}" in CONTENT_COMPOUNDS:
            out[-1] = f"{out[-1]} {w}"
        else:
            out.append(w)
    return out


def topic_units(
    text: str,
    ignore: set[str] | frozenset[str] = frozenset(),
    segmenter: Segmenter | None = None,
    names: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """The question's topic words (folded), without question words and function words, without the
    intent's and the domain's own words (`ignore`: whole words; a word made only of its one-syllable
    words and function words goes too) and without the `names` it mentions (folded entity names:
    'so giao duc va dao tao', 'tien giang')."""
    words = _compounds_joined((segmenter or default_segmenter()).segment(text))
    singles = {x for x in ignore if " " not in x}
    in_names = words_in_names(words, names)
    content = content_readings(text)
    typed = nfc(text).lower()  # "cơ bản", "lỡ": words read by their accents as typed
    units = []
    for i, w in enumerate(words):
        syl = w.split()
        if w in ignore or w in names or i in in_names:
            continue
        if w in content or w in CONTENT_COMPOUNDS or ACCENTED_COMPOUNDS.get(w, "\0") in typed:  # "mượn sách"
            units.append(w)
            continue
        if _is_question_word(w) or _asker_kin(words, i) or w in EVERYDAY_PEOPLE or _takes_place(words, i):
            continue
        if w in ACCENTED_MANNER and re.search(rf"(?<!\w){ACCENTED_MANNER[w]}(?!\w)", typed):
            continue
        if all(s in STOPWORDS or s in QUESTION_WORDS or s in singles or re.fullmatch(r"[\d/.\-]+", s) for s in syl):
            continue
        units.append(w)
    return units


# Question and function words that fold onto content words, with the accents of their question reading: typed
# with diacritics, "mượn" (borrow), "máy" (machine), "dùng" (use), "thẻ" (card), "vé" (ticket), "tối" (evening),
# "ảnh" (photo), "chống" (against), "đầu" (head) are words of the topic, not "muốn", "mấy", "đúng", "thế", "về",
# "tôi", "anh", "chồng", "đâu".
QUESTION_READINGS = {
    "muon": {"muốn"},
    "may": {"mấy"},
    "dung": {"đúng"},
    "the": {"thế"},
    "ve": {"về"},
    "toi": {"tôi", "tới"},
    "anh": {"anh"},
    "chong": {"chồng"},
    "dau": {"đâu"},
    "vay": {"vậy"},
    "chua": {"chưa"},
    "nua": {"nữa"},  # "nửa năm" (half a year) is a topic
}
_SYLLABLE = re.compile(r"\w+")


def content_readings(text: str) -> set[str]:
    """The folded syllables typed, with diacritics, as a content word where their folded form is also a question
    word (QUESTION_READINGS); none when one of them is also typed in its question reading, or without diacritics."""
    if not has_diacritics(text):
        return set()
    seen: dict[str, set[str]] = {}
    for m in _SYLLABLE.finditer(text.lower()):
        folded = " ".join(folded_syllables(m.group(0)))
        if folded in QUESTION_READINGS:
            seen.setdefault(folded, set()).add(m.group(0))
    return {f for f, forms in seen.items() if not forms & QUESTION_READINGS[f]}


def words_in_names(words: list[str], names: set[str] | frozenset[str]) -> set[int]:
    """The positions of the words that lie wholly inside a name of two syllables or more, however the segmenter
    cut it ("ủy | ban nhân dân | xã" is the body "Ủy ban nhân dân xã", no topic)."""
    flat = [(i, s) for i, w in enumerate(words) for s in w.split()]
    syl = [s for _, s in flat]
    covered = [False] * len(flat)
    for name in names:
        ns = name.split()
        if len(ns) < 2:
            continue
        for j in range(len(syl) - len(ns) + 1):
            if syl[j : j + len(ns)] == ns:
                covered[j : j + len(ns)] = [True] * len(ns)
    inside = {i for (i, _), c in zip(flat, covered) if c}
    return {i for i in inside if all(c for (k, _), c in zip(flat, covered) if k == i)}


def folded_text(text: str) -> str:
    """' '-padded folded syllables ('tỷ lệ' and 'tỉ lệ' alike: vntext.fold reads a final y as i)."""
    return " " + " ".join(folded_syllables(text)) + " "


def coverage(units: list[str], text: str, folded: str | None = None, weights: dict[str, float] | None = None) -> float:
    """Weighted share of `units` that `text` contains. A unit weighs its rarity in the documents
    (`weights`, from `Knowledge.unit_weights`: "sốt xuất huyết", never seen, outweighs "báo cáo",
    seen everywhere), times SINGLE_SYLLABLE_WEIGHT for a lone syllable."""
    if not units:
        return 0.0
    hay = folded if folded is not None else folded_text(text)
    total = got = 0.0
    for u in units:
        w = (1.0 if " " in u else SINGLE_SYLLABLE_WEIGHT) * (weights.get(u, 1.0) if weights else 1.0)
        total += w
        if f" {u} " in hay or (u.count(" ") >= 2 and f" {initials(u)} " in hay):  # written abbreviated: "ubnd"
            got += w
    return got / total if total else 0.0


@lru_cache(maxsize=4096)
def initials(unit: str) -> str:
    """'uy ban nhan dan' → 'ubnd', 'giao duc va dao tao' → 'gddt': how documents abbreviate a name."""
    return "".join(w[0] for w in unit.split() if w != "va")


def passage_min_coverage(n_units: int) -> float:
    """The coverage a passage needs to be quoted for a question with `n_units` topic words."""
    if n_units <= SHORT_QUESTION_UNITS:
        return PASSAGE_MIN_COVERAGE
    if n_units >= LONG_QUESTION_UNITS:
        return LONG_QUESTION_MIN_COVERAGE
    step = (PASSAGE_MIN_COVERAGE - LONG_QUESTION_MIN_COVERAGE) / (LONG_QUESTION_UNITS - SHORT_QUESTION_UNITS)
    return PASSAGE_MIN_COVERAGE - step * (n_units - SHORT_QUESTION_UNITS)


def idf(df: int, n: int) -> float:
    """Rarity of a word found in `df` of `n` chunks (never below MIN_WEIGHT)."""
    return max(MIN_WEIGHT, math.log((n + 1) / (df + 0.5)))
