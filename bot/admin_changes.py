"""The dated register of administrative changes (knowledge/admin_changes.json).

The documents were issued in 2017–2022; since then (2025) provinces were merged (34 units from
01/7/2025), the district level ended (01/7/2025) and several provincial departments were merged.
This module reads the register once (cached) and answers, for a date:

- `current_province("Đắk Nông")` → "Lâm Đồng"; `merged_into("Lâm Đồng")` → the provinces merged into it;
- `same_province(a, b)`: do two names denote the same province today (a subscription and a document);
- `merger_note(province, issuer)`: "Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025 — văn bản dưới đây do
  UBND tỉnh Đắk Nông ban hành trước thay đổi này";
- `caution_line(*party_texts, actors=…)`: one line when a party of a fact is a body that no longer exists
  (UBND cấp huyện and other district bodies, the merged departments), None for any other text;
- `document_status(...)`: the date of each stored document and which later stored document cites,
  implements or replaces it, or carries on its programme — from the documents' own words.

The register is data: every sentence built here comes from its entries (their wording and legal basis).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import KNOWLEDGE_DIR, TIMEZONE
from vntext import fold, nfc

REGISTER_FILE = "admin_changes.json"
SOURCE_FILE = "admin_changes"  # the register's id in answers' sources (like a document's file stem)


def _fw(text: str) -> str:
    """Folded words: no diacritics, lower case, punctuation → spaces (keeps '&')."""
    t = re.sub(r"[^\w&]+", " ", fold(nfc(text or "")))
    return re.sub(r"\s+", " ", t).strip()


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def fmt_day(d: dt.date) -> str:
    """01/7/2025 (day with two digits, month as written in Vietnamese documents)."""
    return f"{d.day:02d}/{d.month}/{d.year}"


def today_vn() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


@dataclass(frozen=True)
class LegalBasis:
    type: str
    number: str
    issuer: str
    date: dt.date | None
    about: str

    @property
    def label(self) -> str:
        return f"{self.type} {self.number}"

    @property
    def citation(self) -> str:
        """'Nghị quyết 202/2025/QH15 ngày 12/6/2025 của Quốc hội (sắp xếp đơn vị hành chính cấp tỉnh)'."""
        s = self.label
        if self.date:
            s += f" ngày {self.date.day}/{self.date.month}/{self.date.year}"
        if self.issuer:
            s += f" của {self.issuer}"
        if self.about:
            s += f" ({self.about})"
        return s


@dataclass(frozen=True)
class Merger:
    new: str  # canonical name of today's province
    kind: str  # tỉnh | thành phố
    sources: tuple[str, ...]  # the provinces merged into it (itself first)
    effective: dt.date
    basis: tuple[LegalBasis, ...]
    change_id: str

    @property
    def label(self) -> str:
        """'tỉnh Lâm Đồng', 'thành phố Hồ Chí Minh'."""
        return place_label(self.new, self.kind)


@dataclass(frozen=True)
class GoneBody:
    """A body that no longer exists after a change (a district body, a merged department)."""

    name: str
    aliases: tuple[str, ...]  # folded, longest first
    kind: str  # level_abolished | department_merger
    effective: dt.date
    effective_text: str  # "01/7/2025" or "năm 2025"
    into: str | None  # the department taking over (merged departments)
    parts: tuple[tuple[str, str], ...]  # (part of the tasks, department receiving it)
    summary: str  # the entry's general wording
    basis: tuple[LegalBasis, ...]
    change_id: str

    @property
    def fate(self) -> str:
        """What became of it, in the register's words."""
        if self.kind == "level_abolished":
            return self.summary
        s = (
            f"{self.name} đã được sắp xếp vào {self.into} {self.effective_text}"
            if self.into
            else f"{self.name} đã được sắp xếp lại {self.effective_text}"
        )
        if self.parts:
            s += " (" + "; ".join(f"{what} → {to}" for what, to in self.parts) + ")"
        return s


def place_label(name: str, kind: str = "tỉnh") -> str:
    if name.startswith("Thành phố "):
        return "thành phố " + name[len("Thành phố ") :]
    return f"{kind} {name}"


# aliases of a department's bare name ("Lao động - Thương binh và Xã hội") must not catch a ministry
_NOT_AFTER = r"(?<!\bbo )(?<!\bco )"


class Register:
    def __init__(self, data: dict):
        self.data = data
        self.changes: list[dict] = data.get("changes", [])
        self.mergers: dict[str, Merger] = {}
        self.merged_from: dict[str, Merger] = {}  # every source province → its merger
        self.unchanged: dict[str, str] = {}  # name → kind
        self.bodies: list[GoneBody] = []
        self.province_change: dict | None = None
        for ch in self.changes:
            basis = tuple(
                LegalBasis(
                    b.get("type", ""),
                    b.get("number", ""),
                    b.get("issuer", ""),
                    _date(b.get("date")),
                    b.get("about", ""),
                )
                for b in ch.get("legal_basis", [])
            )
            eff = _date(ch["effective"])
            if ch["kind"] == "province_merger":
                self.province_change = ch
                for m in ch.get("mergers", []):
                    mg = Merger(
                        nfc(m["new"]), m.get("kind", "tỉnh"), tuple(nfc(x) for x in m["from"]), eff, basis, ch["id"]
                    )
                    self.mergers[mg.new] = mg
                    for src in mg.sources:
                        self.merged_from[src] = mg
                for u in ch.get("unchanged", []):
                    self.unchanged[nfc(u["name"])] = u.get("kind", "tỉnh")
            elif ch["kind"] == "level_abolished":
                for b in ch.get("bodies", []):
                    self.bodies.append(self._body(b["name"], b.get("aliases", []), ch, eff, basis))
            elif ch["kind"] == "department_merger":
                for d in ch.get("departments", []):
                    self.bodies.append(
                        self._body(
                            d["old"],
                            d.get("aliases", []),
                            ch,
                            eff,
                            basis,
                            into=d.get("into"),
                            parts=tuple((p["what"], p["to"]) for p in d.get("parts", [])),
                        )
                    )
        # every spelling → canonical province name
        self.aliases: dict[str, str] = {}
        names = set(self.merged_from) | set(self.mergers) | set(self.unchanged)
        for n in names:
            kind = self.kind_of(n)
            for al in (n, f"{kind} {n}", f"tỉnh {n}", f"thành phố {n}", f"TP {n}", f"TP. {n}"):
                self.aliases.setdefault(_fw(al), n)
        for n, als in data.get("province_aliases", {}).items():
            for al in als:
                self.aliases[_fw(al)] = nfc(n)
        self._alias_re = re.compile(
            r"(?<!\S)(" + "|".join(re.escape(a) for a in sorted(self.aliases, key=len, reverse=True)) + r")(?!\S)"
        )

    @staticmethod
    def _body(name, aliases, ch, eff, basis, into=None, parts=()) -> GoneBody:
        als = {_fw(a) for a in aliases} | {_fw(name)}
        return GoneBody(
            nfc(name),
            tuple(sorted(als, key=len, reverse=True)),
            ch["kind"],
            eff,
            ch.get("effective_text") or fmt_day(eff),
            into,
            parts,
            ch.get("summary", ""),
            basis,
            ch["id"],
        )

    # -- provinces ------------------------------------------------------------------------------
    def kind_of(self, name: str) -> str:
        if name in self.mergers:
            return self.mergers[name].kind
        if name in self.unchanged:
            return self.unchanged[name]
        return "thành phố" if name.startswith("Thành phố") else "tỉnh"

    def label(self, name: str) -> str:
        return place_label(name, self.kind_of(name))

    def find_provinces(self, text: str) -> list[str]:
        """Canonical names of the provinces a text names (old or new, any spelling), in order."""
        out: list[str] = []
        for m in self._alias_re.finditer(_fw(text)):
            n = self.aliases[m.group(1)]
            if n not in out:
                out.append(n)
        return out

    def canonical(self, name: str | None) -> str | None:
        if not name:
            return None
        n = nfc(name).strip()
        if n in self.merged_from or n in self.mergers or n in self.unchanged:
            return n
        hit = self.aliases.get(_fw(n))
        if hit:
            return hit
        found = self.find_provinces(n)
        return found[0] if len(found) == 1 else None

    def merger_of(self, name: str | None) -> Merger | None:
        n = self.canonical(name)
        return self.merged_from.get(n) if n else None

    def current_province(self, name: str | None, on: dt.date | None = None) -> str | None:
        """Today's province for a name (old or new); before the change, the name itself."""
        n = self.canonical(name)
        if n is None:
            return nfc(name).strip() if name else None
        mg = self.merged_from.get(n)
        if mg and (on or today_vn()) >= mg.effective:
            return mg.new
        return n

    def merged_into(self, name: str | None, on: dt.date | None = None) -> list[str]:
        """The provinces merged into today's province `name` (itself first); [] for an unknown name."""
        n = self.canonical(name)
        if n is None:
            return []
        mg = self.mergers.get(n)
        if mg and (on or today_vn()) >= mg.effective:
            return list(mg.sources)
        return [n]

    def province_group(self, name: str | None, on: dt.date | None = None) -> list[str]:
        """Every name whose territory is today's province of `name` ('Đắk Nông' → Lâm Đồng, Đắk Nông,
        Bình Thuận)."""
        cur = self.current_province(name, on)
        return self.merged_into(cur, on) if cur else []

    def same_province(self, a: str | None, b: str | None, on: dt.date | None = None) -> bool:
        if not a or not b:
            return False
        if a == b:
            return True
        ca, cb = self.current_province(a, on), self.current_province(b, on)
        return ca is not None and ca == cb

    def merger_note(self, province: str | None, issuer: str | None = None, on: dt.date | None = None) -> str | None:
        """'Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025 — văn bản dưới đây do UBND tỉnh Đắk Nông ban hành
        trước thay đổi này' when `province` (a document's) is now part of another province; else None."""
        n = self.canonical(province)
        mg = self.merged_from.get(n) if n else None
        if not mg or mg.new == n or (on or today_vn()) < mg.effective:
            return None
        who = issuer or f"cơ quan của {self.label(n)}"
        return (
            f"{n} nay thuộc {mg.label} từ {fmt_day(mg.effective)} — văn bản dưới đây do {who} "
            f"ban hành trước thay đổi này"
        )

    # -- bodies that no longer exist --------------------------------------------------------------
    def gone_bodies(self, *texts: str, actors=(), on: dt.date | None = None) -> list[GoneBody]:
        """The bodies named in party texts (and canonical actor names) that no longer exist on `on`."""
        day = on or today_vn()
        hay = " " + " ; ".join(_fw(t) for t in list(texts) + list(actors or ()) if t) + " "
        out: list[GoneBody] = []
        for b in self.bodies:
            if day < b.effective or b in out:
                continue
            for al in b.aliases:
                guard = _NOT_AFTER if not al.startswith(("so ", "phong ", "uy ban", "ubnd")) else ""
                if re.search(r"(?<=\s)" + guard + re.escape(al) + r"(?=\s)", hay):
                    out.append(b)
                    break
        return out

    def caution_line(self, *texts: str, actors=(), on: dt.date | None = None) -> str | None:
        gone = self.gone_bodies(*texts, actors=actors, on=on)
        if not gone:
            return None
        fates = list(dict.fromkeys(b.fate for b in gone))
        return "⚠️ Lưu ý: " + "; ".join(fates) + ". Lời văn bản được giữ nguyên."

    def find_department(self, text: str) -> GoneBody | None:
        """A merged department named in a text (for 'Sở LĐTBXH nay là sở nào?')."""
        for b in self.gone_bodies(text, on=dt.date.max):
            if b.kind == "department_merger":
                return b
        return None

    def district_body(self) -> GoneBody | None:
        return next((b for b in self.bodies if b.kind == "level_abolished"), None)


def _register_path(knowledge_dir: str | Path | None) -> Path:
    return Path(knowledge_dir or KNOWLEDGE_DIR) / REGISTER_FILE


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Register:
    return Register(json.loads(Path(path).read_text(encoding="utf-8")))


def load_register(knowledge_dir: str | Path | None = None) -> Register:
    """The register (cached; re-read when the file changes)."""
    p = _register_path(knowledge_dir)
    return _load(str(p), p.stat().st_mtime)


# -- module-level shortcuts (the register in knowledge/) ---------------------------------------------
def current_province(name: str | None, on: dt.date | None = None) -> str | None:
    return load_register().current_province(name, on)


def merged_into(name: str | None, on: dt.date | None = None) -> list[str]:
    return load_register().merged_into(name, on)


def province_group(name: str | None, on: dt.date | None = None) -> list[str]:
    return load_register().province_group(name, on)


def same_province(a: str | None, b: str | None, on: dt.date | None = None) -> bool:
    return load_register().same_province(a, b, on)


def merger_note(province: str | None, issuer: str | None = None, on: dt.date | None = None) -> str | None:
    return load_register().merger_note(province, issuer, on)


def caution_line(*texts: str, actors=(), on: dt.date | None = None) -> str | None:
    return load_register().caution_line(*texts, actors=actors, on=on)


def fact_caution(fact, on: dt.date | None = None) -> str | None:
    """The caution for a stored fact's parties: a deadline's actors and recipient, a responsibility's agency."""
    texts = [getattr(fact, k, None) or "" for k in ("actor_text", "recipient", "agency", "agency_text")]
    return caution_line(*texts, actors=getattr(fact, "actors", None) or (), on=on)


def current_provinces() -> list[str]:
    """Today's 34 provinces and cities (the register's order: merged, then unchanged)."""
    r = load_register()
    return list(r.mergers) + list(r.unchanged)


# -- document status ----------------------------------------------------------------------------------
_PROGRAMME_RE = re.compile(r"Đề án\s*[“\"]\s*([^”\"]+?)\s+giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})\s*[”\"]")
_REPLACE_RE = re.compile(r"\b(thay the|bai bo|het hieu luc)\b")


@dataclass
class StatusLink:
    kind: str  # "thay thế" | "thực hiện" | "giai đoạn sau"
    doc_id: str  # the later document in the store
    evidence: str  # its own words

    def to_dict(self) -> dict:
        return {"kind": self.kind, "doc_id": self.doc_id, "evidence": self.evidence}


def _same_number(cited: str, number: str | None) -> bool:
    if not number or number.startswith("/"):
        return False
    return _fw(cited) == _fw(number)


def _same_subject(cit, doc) -> bool:
    """An undated or unnumbered stored document cited by another: same type, issuer, year and subject."""
    if not doc.subject or not cit.about:
        return False
    if fold(cit.doc_type or "") != fold(doc.doc_type or ""):
        return False
    if doc.number and not doc.number.startswith("/"):
        return False
    if cit.date and doc.year and cit.date.year != doc.year:
        return False
    subj = _fw(re.sub(r"^(v/v|về việc)\s*", "", doc.subject, flags=re.I))
    about = _fw(cit.about)
    return len(subj) > 15 and (subj == about or subj in about or about in subj)


def programmes(texts: list[str]) -> set[tuple[str, int, int]]:
    """(folded title, from year, to year) of every 'Đề án “… giai đoạn YYYY-YYYY”' in the texts."""
    out = set()
    for t in texts:
        for m in _PROGRAMME_RE.finditer(nfc(t or "")):
            out.add((_fw(m.group(1)), int(m.group(2)), int(m.group(3))))
    return out


def document_status(docs, citations, chunks) -> dict[str, list[StatusLink]]:
    """For each document id, the later stored documents that replace, implement (cite) or carry on
    its programme in a later period — each with the later document's own words."""
    text_of: dict[str, list[str]] = {}
    for c in chunks:
        text_of.setdefault(c.document_id, []).append(c.text)
    for d in docs:
        text_of.setdefault(d.id, []).append(d.subject or "")
    progs = {d.id: programmes(text_of.get(d.id, [])) for d in docs}
    out: dict[str, list[StatusLink]] = {d.id: [] for d in docs}
    by_id = {d.id: d for d in docs}
    for cit in citations:
        citing = by_id.get(cit.document_id)
        if citing is None:
            continue
        for d in docs:
            if d.id == citing.id or not (_same_number(cit.number, d.number) or _same_subject(cit, d)):
                continue
            if d.date and citing.date and citing.date < d.date:
                continue  # a document only cites earlier ones: the numbers agree by chance
            quote = re.sub(r"\s+", " ", cit.quote or "").strip()
            kind = "thay thế" if _REPLACE_RE.search(_fw(quote)) else "thực hiện"
            link = StatusLink(kind, citing.id, quote[:300])
            if all(x.doc_id != link.doc_id for x in out[d.id]):
                out[d.id].append(link)
    for a in docs:
        for title, y1, y2 in progs[a.id]:
            for b in docs:
                if b.id == a.id:
                    continue
                later = sorted(
                    (p for p in progs[b.id] if p[0] == title and p[1] >= y2 - 1 and p[1] > y1), key=lambda p: p[1]
                )
                if later and all(x.doc_id != b.id for x in out[a.id]):
                    t, z1, z2 = later[0]
                    m = next(
                        (
                            m
                            for txt in text_of.get(b.id, [])
                            for m in _PROGRAMME_RE.finditer(nfc(txt))
                            if _fw(m.group(1)) == t and int(m.group(2)) == z1
                        ),
                        None,
                    )
                    ev = m.group(0) if m else f"giai đoạn {z1}-{z2}"
                    out[a.id].append(StatusLink("giai đoạn sau", b.id, ev))
    return out


def status_lines(doc, links: list[StatusLink], docs_by_id: dict) -> list[str]:
    """Readable status: 'Ngày ban hành …', then one line per later document."""
    if doc.date:
        when = doc.date.strftime("%d/%m/%Y")
    elif doc.year:
        when = f"năm {doc.year} (không ghi ngày, tháng)"
    else:
        when = "văn bản không ghi ngày"
    lines = [f"Ngày ban hành: {when}"]
    if not links:
        lines.append("Tình trạng: chưa thấy văn bản nào sau đó trong kho thay thế hay triển khai văn bản này.")
    for ln in links:
        other = docs_by_id.get(ln.doc_id)
        name = f"{other.label} ({ln.doc_id})" if other is not None else ln.doc_id
        if ln.kind == "thay thế":
            lines.append(f"Được thay thế: {name} — “{ln.evidence}”")
        elif ln.kind == "thực hiện":
            lines.append(f"Được triển khai/viện dẫn: {name} — “{ln.evidence}”")
        else:
            lines.append(f"Giai đoạn sau: {name} nói về {ln.evidence}")
    return lines


# -- for `python -m indexer show` ---------------------------------------------------------------------
def store_status(db_url: str, on: dt.date | None = None) -> dict[str, dict]:
    """Per stored document: its date, today's province (when merged) and the later stored documents
    that replace, implement or carry on its programme, as {"status": [...], "status_lines": [...]}."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.knowledge import Chunk, CitedDocument, Document

    with session_scope(db_url) as s:
        docs = list(s.scalars(select(Document).order_by(Document.id)))
        cits = list(s.scalars(select(CitedDocument).order_by(CitedDocument.id)))
        chunks = list(s.scalars(select(Chunk).where(Chunk.kind != "header")))
        links = document_status(docs, cits, chunks)
        by_id = {d.id: d for d in docs}
        reg = load_register()
        out = {}
        for d in docs:
            lines = status_lines(d, links.get(d.id, []), by_id)
            note = reg.merger_note(d.province, d.issuer, on) if d.province else None
            if note:
                lines.append(f"Địa giới: {note.replace('văn bản dưới đây', 'văn bản này')}.")
            out[d.id] = {
                "status": [x.to_dict() for x in links.get(d.id, [])],
                "status_lines": lines,
                "province_now": reg.current_province(d.province, on) if d.province else None,
            }
    return out


def register_lines(on: dt.date | None = None) -> list[str]:
    """The register as readable lines (each entry with its effective date and legal basis)."""
    reg = load_register()
    out = []
    for ch in reg.changes:
        eff = ch.get("effective_text") or fmt_day(_date(ch["effective"]))
        out.append(f"  {ch.get('title', ch['id'])} — hiệu lực {eff}")
        for b in ch.get("legal_basis", []):
            lb = LegalBasis(
                b.get("type", ""), b.get("number", ""), b.get("issuer", ""), _date(b.get("date")), b.get("about", "")
            )
            out.append(f"    Căn cứ: {lb.citation}")
        for m in ch.get("mergers", []):
            out.append(f"    {m['new']} ← {' + '.join(m['from'])}")
        if ch.get("unchanged"):
            out.append("    Không thay đổi: " + ", ".join(u["name"] for u in ch["unchanged"]))
        for b in ch.get("bodies", []):
            out.append(f"    Không còn: {b['name']}")
        for d in ch.get("departments", []):
            parts = "; ".join(f"{p['what']} → {p['to']}" for p in d.get("parts", []))
            out.append(f"    {d['old']} → {d['into']}" + (f" ({parts})" if parts else ""))
    return out


# -- for the assistant's answers ------------------------------------------------------------------------
CAUTION_AGAIN = "  ⚠️ (lưu ý như trên)"


def expand_provinces(provinces, on: dt.date | None = None) -> list[str]:
    """The provinces whose documents a question naming `provinces` concerns: a new province brings the
    provinces merged into it (Lâm Đồng → Lâm Đồng, Đắk Nông, Bình Thuận); an old one brings today's
    province (Đắk Nông → Đắk Nông, Lâm Đồng)."""
    reg = load_register()
    out: list[str] = []
    for p in provinces or ():
        cur = reg.current_province(p, on)
        names = [p, cur] + (reg.merged_into(p, on) if cur == reg.canonical(p) else [])
        for n in names:
            if n and n not in out:
                out.append(n)
    return out


def answer_cautions(fact, on: dt.date | None = None) -> list[str]:
    """[the caution line] for a fact shown in an answer whose parties no longer exist, else []."""
    reg = load_register()
    texts = [getattr(fact, k, None) or "" for k in ("actor_text", "recipient", "agency", "agency_text")]
    gone = reg.gone_bodies(*texts, actors=getattr(fact, "actors", None) or (), on=on)
    if not gone:
        return []
    return ["  ⚠️ Lưu ý: " + "; ".join(dict.fromkeys(b.fate for b in gone)) + "."]


def tidy_cautions(lines: list[str]) -> list[str]:
    """A caution already shown once in an answer is only pointed to the next times."""
    seen, out = set(), []
    for ln in lines:
        if ln.startswith("  ⚠️ Lưu ý: "):
            if ln in seen:
                ln = CAUTION_AGAIN
            seen.add(ln)
        out.append(ln)
    return out


def merger_notes(provinces_asked, docs, on: dt.date | None = None) -> list[str]:
    """When a question names a province (old or new), one note per cited document's province that is now
    part of another: 'Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025 — văn bản dưới đây do UBND tỉnh
    Đắk Nông ban hành trước thay đổi này.'"""
    if not provinces_asked:
        return []
    reg = load_register()
    notes: list[str] = []
    for d in docs:
        note = reg.merger_note(getattr(d, "province", None), getattr(d, "issuer", None), on)
        if note and "ℹ️ " + note + "." not in notes:
            notes.append("ℹ️ " + note + ".")
    return notes


MORE = "… xem thêm ({n})"  # the last line of an answer whose other lines are its `more` (shown on request)
_MORE_LINE = re.compile(r"^… xem thêm \(\d+\)$")


def annotate_answer(ans, provinces_asked, docs_by_id: dict, on: dt.date | None = None, limit: int = 1480):
    """Prepend the merger notes of the documents an answer cites (the answer's text is kept; when the
    whole would exceed `limit` characters, its last lines move to the answer's `more`, "… xem thêm (N)")."""
    if not ans.answered or ans.intent == "register":
        return ans
    docs = [docs_by_id[s.file] for s in ans.sources if s.file in docs_by_id]
    notes = merger_notes(provinces_asked, list(dict.fromkeys(docs)), on)
    if not notes:
        return ans
    head = "\n".join(notes)
    body = ans.answer
    if len(head) + 1 + len(body) > limit:
        keep = body.split("\n")
        if keep and _MORE_LINE.match(keep[-1]):
            keep.pop()
        moved: list[str] = []
        while keep and len(head) + 1 + len("\n".join(keep)) + 20 > limit:
            moved.insert(0, keep.pop())
        ans.more = moved + list(getattr(ans, "more", None) or [])
        body = "\n".join(keep + [MORE.format(n=len(ans.more))])
    ans.answer = head + "\n" + body
    return ans
