"""The abbreviation glossary and the agency/province gazetteer (from `knowledge/`).

Used by the indexer to name the agencies a section speaks of, and by the assistant to
understand questions ("so gddt tien giang" → Sở Giáo dục và Đào tạo, Tiền Giang).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from bot.config import KNOWLEDGE_DIR
from vntext import cache_short_texts, fold, nfc


@dataclass(frozen=True)
class Agency:
    name: str
    level: str
    aliases: tuple[str, ...]  # folded


@dataclass(frozen=True)
class Lexicon:
    glossary: dict[str, str]  # abbreviation (as written) → expansion
    folded_glossary: dict[str, str]  # folded abbreviation → expansion
    agencies: tuple[Agency, ...]
    provinces: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # folded everyday word → the documents' words

    @cached_property
    def agency_by_name(self) -> dict[str, Agency]:
        """The agencies by name (the first of a name, where two share one)."""
        return {a.name: a for a in reversed(self.agencies)}

    def synonyms_of(self, folded_word: str) -> tuple[str, ...]:
        """The documents' words for an everyday one, folded ('truong hoc' → ('co so giao duc',))."""
        return self.synonyms.get(folded_word, ())

    def with_synonyms(self, text: str) -> str:
        """The text with the documents' words for the everyday words in it after it (for searching)."""
        ft = " " + _fold_words(text) + " "
        more = [" ".join(v) for k, v in self.synonyms.items() if f" {k} " in ft]
        return text + (" " + " ".join(more) if more else "")

    def with_learned(self, provinces=(), agencies=()) -> "Lexicon":
        """This lexicon plus the provinces and agency names the documents themselves name."""
        from dataclasses import replace

        known = {fold(p) for p in self.provinces}
        new_provinces = tuple(p for p in dict.fromkeys(provinces) if p and fold(p) not in known)
        names = {a.name for a in self.agencies}
        aliases = {al for a in self.agencies for al in a.aliases}
        new_agencies = []
        for name in dict.fromkeys(agencies):
            al = _fold_words(name)
            if name and name not in names and al not in aliases and len(al.split()) >= 2:
                new_agencies.append(Agency(name, "", (al,)))
                aliases.add(al)
        if not new_provinces and not new_agencies:
            return self
        return replace(self, provinces=self.provinces + new_provinces, agencies=self.agencies + tuple(new_agencies))

    def expand(self, text: str) -> str:
        """Replace known abbreviations (whole tokens) with their expansion; keeps the rest verbatim."""

        def repl(m: re.Match) -> str:
            tok = m.group(0)
            exp = self.glossary.get(tok)
            # other case only for capitals or a token that cannot be a syllable (no vowel: "tp", "Kh"):
            # "tư" in "Đầu tư", "Thông tư" and "tu" are words, not TƯ (Trung ương) or TU (Tỉnh ủy)
            if exp is None and (tok.isupper() or not _VOWEL.search(fold(tok))):
                exp = self.glossary.get(tok.upper())
            if exp is None and len(tok) >= 3:  # typed without diacritics: "gddt", "ubnd", "tthtcd"
                exp = self.folded_glossary.get(fold(tok))
            return exp if exp else tok

        return _ABBR_TOKEN.sub(repl, text)

    def find_agencies(self, text: str) -> list[str]:
        """Canonical agency names mentioned in text (longest alias wins; order of appearance)."""
        return agency_names(self.agency_mentions(text))

    def agency_mentions(self, text: str) -> list[tuple[str, str]]:
        """Each mention of an agency in text: (the folded, expanded text before it, its canonical name)."""
        ft = " " + _fold_words(self.expand(text)) + " "
        hits: list[tuple[int, int, str]] = []
        for ag in self.agencies:
            # a province's body named before a lower level ("Hội Khuyến học các xã, phường") is that level's body
            lower = _LOWER_LEVEL if ag.level == "tỉnh" else ""
            for al in ag.aliases:
                # "cơ sở giáo dục" is not "Sở Giáo dục"; "Chi hội Khuyến học" is not "Hội Khuyến học"
                guard = r"(?<!co )" if al.startswith("so ") else r"(?<!chi )" if al.startswith("hoi ") else ""
                for m in re.finditer(r"(?<=\s)" + guard + re.escape(al) + r"(?=\s)" + lower, ft):
                    hits.append((m.start(), -len(al), ag.name))
        hits.sort()
        out: list[tuple[str, str]] = []
        taken_until = -1
        for start, neg_len, name in hits:
            if start < taken_until:
                continue
            taken_until = start - neg_len
            out.append((ft[:start], name))
        return out

    def find_provinces(self, text: str) -> list[str]:
        ft = " " + _fold_words(text) + " "
        out = []
        for p in self.provinces:
            fp = _fold_words(p)
            if re.search(r"(?<=\s)" + re.escape(fp) + r"(?=\s)", ft) and p not in out:
                out.append(p)
        # "Thừa Thiên Huế" also contains "Huế": keep the longest.
        return [p for p in out if not any(p != q and _fold_words(p) in _fold_words(q) for q in out)]


def agency_names(mentions: list[tuple[str, str]]) -> list[str]:
    """The canonical names of these mentions (Lexicon.agency_mentions), each once, in order of appearance."""
    return list(dict.fromkeys(name for _, name in mentions))


_VOWEL = re.compile(r"[aeiouy]")
# words after a body's name that put it below the province (folded): "Hội Khuyến học xã", "… các xã, phường"
_LOWER_LEVEL = r"(?!\s(?:cac\s)?(?:xa|phuong|thon|ban|to dan pho|cap xa|cap huyen|huyen|quan|co so)\b)"
_ABBR_TOKEN = re.compile(r"[\wĐđ&]+(?:-[\wĐđ&]+)*", re.UNICODE)


@cache_short_texts  # agency names and the agency texts of responsibilities, folded on every question
def _fold_words(text: str) -> str:
    """Folded text with punctuation turned into spaces (keeps '&' and '-' inside words)."""
    t = fold(text)
    t = re.sub(r"[^\w&]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def fold_words(text: str) -> str:
    return _fold_words(text)


@lru_cache(maxsize=4)
def load_lexicon(knowledge_dir: str | None = None) -> Lexicon:
    kd = Path(knowledge_dir) if knowledge_dir else KNOWLEDGE_DIR
    gl = json.loads((kd / "glossary.json").read_text(encoding="utf-8"))
    gl = {nfc(k): nfc(v) for k, v in gl.items() if not k.startswith("_")}
    folded = {}
    for k, v in gl.items():
        folded.setdefault(fold(k), v)
    ag = json.loads((kd / "agencies.json").read_text(encoding="utf-8"))
    agencies = []
    for a in ag["agencies"]:
        als = {_fold_words(nfc(x)) for x in a["aliases"]} | {_fold_words(nfc(a["name"]))}
        agencies.append(Agency(nfc(a["name"]), a.get("level", ""), tuple(sorted(als, key=len, reverse=True))))
    syn_path = kd / "synonyms.json"
    raw = json.loads(syn_path.read_text(encoding="utf-8")) if syn_path.exists() else {}
    synonyms = {
        _fold_words(nfc(k)): tuple(_fold_words(nfc(x)) for x in v) for k, v in raw.items() if not k.startswith("_")
    }
    return Lexicon(gl, folded, tuple(agencies), tuple(nfc(p) for p in ag.get("provinces", [])), synonyms)


CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh", "Huế"}


def province_label(province: str) -> str:
    """'tỉnh Đắk Nông', 'thành phố Hải Phòng'."""
    if province.startswith("Thành phố"):
        return province
    return f"{'thành phố' if province in CITIES else 'tỉnh'} {province}"
