"""Which deadlines concern which subscriptions, and free-text scopes ("Sở GDĐT Tiền Giang").

A deadline concerns a subscription when
- the provinces agree: the subscription names none, or the deadline's province (or its
  document's) is the same province today — a subscription to "Lâm Đồng" (or to "Đắk Nông", an old
  name now part of Lâm Đồng) covers the documents of Lâm Đồng, Đắk Nông and Bình Thuận, per the
  register of administrative changes (knowledge/admin_changes.json) — or the deadline has no
  province (a national letter to every province);
- and, if the subscription names an agency, that agency is among the deadline's actors, its
  actor text mentions it, or a generic actor covers it ("Các sở, ban, ngành tỉnh" covers every
  provincial department; "Các bộ, ngành, đoàn thể ở trung ương" every ministry).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.admin_changes import load_register
from bot.lexicon import load_lexicon
from vntext import fold, nfc

ALL_WORDS = {"all", "tat ca", "toan bo", "*", "", "moi", "tat ca cac tinh"}

GENERIC_PROVINCIAL = "Các sở, ban, ngành tỉnh"
GENERIC_NATIONAL = "Các bộ, ngành, đoàn thể ở trung ương"
_PROVINCIAL_PREFIXES = ("Sở ", "Ban ", "Đài ", "Công an", "Bộ Chỉ huy", "Báo ")


class ScopeError(ValueError):
    """The scope text names no known province or agency (or several)."""


@dataclass(frozen=True)
class Scope:
    province: str | None = None
    agency: str | None = None

    @property
    def label(self) -> str:
        parts = [p for p in (self.agency, self.province) if p]
        return ", ".join(parts) if parts else "tất cả"


def resolve_scope(text: str | None) -> Scope:
    """'Đắk Nông' → province; 'Sở GDĐT Tiền Giang' → agency + province; 'all' → everything."""
    t = nfc(text or "").strip()
    if fold(t).strip(" .") in ALL_WORDS:
        return Scope()
    lex = load_lexicon()
    provinces = lex.find_provinces(t) or _register_provinces(t)
    agencies = lex.find_agencies(t)
    if not provinces and not agencies:
        raise ScopeError(
            f"Không nhận ra tỉnh/thành phố hay cơ quan nào trong phạm vi “{t}”. "
            "Ví dụ: “Đắk Nông”, “Sở GDĐT Tiền Giang”, “Bộ GDĐT” hoặc “all”."
        )
    if len(provinces) > 1:
        raise ScopeError(f"Phạm vi “{t}” nêu nhiều tỉnh ({', '.join(provinces)}): mỗi lần đăng ký một tỉnh.")
    if len(agencies) > 1:
        raise ScopeError(f"Phạm vi “{t}” nêu nhiều cơ quan ({', '.join(agencies)}): mỗi lần đăng ký một cơ quan.")
    return Scope(provinces[0] if provinces else None, agencies[0] if agencies else None)


def canonical_province(name: str | None) -> str | None:
    if not name:
        return None
    lex = load_lexicon()
    n = nfc(name).strip()
    if n in lex.provinces:
        return n
    found = lex.find_provinces(n) or _register_provinces(n)
    if len(found) == 1:
        return found[0]
    raise ScopeError(f"Không nhận ra tỉnh/thành phố “{name}”.")


def _register_provinces(text: str) -> list[str]:
    """Other spellings the register knows ('TP HCM', 'Thành phố Cần Thơ', 'Thừa Thiên Huế'), as gazetteer names."""
    names = set(load_lexicon().provinces)
    return [p for p in load_register().find_provinces(text) if p in names]


def same_province(sub_province: str, deadline_province: str, on=None) -> bool:
    """The same province today (old and new names of a merged province agree)."""
    if sub_province == deadline_province:
        return True
    from bot.admin_changes import today_vn

    return _same_province(sub_province, deadline_province, on or today_vn())


@lru_cache(maxsize=8192)
def _same_province(a: str, b: str, on) -> bool:
    return load_register().same_province(a, b, on)


def canonical_agency(name: str | None) -> str | None:
    if not name:
        return None
    lex = load_lexicon()
    n = nfc(name).strip()
    if any(a.name == n for a in lex.agencies):
        return n
    found = lex.find_agencies(n)
    if len(found) == 1:
        return found[0]
    raise ScopeError(f"Không nhận ra cơ quan “{name}”.")


@lru_cache(maxsize=4096)
def _agencies_in(text: str) -> frozenset[str]:
    return frozenset(load_lexicon().find_agencies(text)) if text else frozenset()


@lru_cache(maxsize=1)
def _levels() -> dict[str, str]:
    return {a.name: a.level for a in load_lexicon().agencies}


def _covered_by_generic(agency: str, actor: str) -> bool:
    if actor == GENERIC_PROVINCIAL:
        return _levels().get(agency) == "tỉnh" and agency.startswith(_PROVINCIAL_PREFIXES)
    if actor == GENERIC_NATIONAL:
        return agency.startswith("Bộ ") and _levels().get(agency) == "trung ương"
    return False


def deadline_agencies(actors, actor_text: str) -> frozenset[str]:
    return frozenset(actors or ()) | _agencies_in(nfc(actor_text or ""))


def concerns(
    *,
    sub_province: str | None,
    sub_agency: str | None,
    sub_deadline_id: str | None,
    deadline_id: str,
    deadline_province: str | None,
    actors,
    actor_text: str,
    on=None,
) -> bool:
    if sub_deadline_id:
        return sub_deadline_id == deadline_id
    if sub_province and deadline_province and not same_province(sub_province, deadline_province, on):
        return False
    if not sub_agency:
        return True
    named = deadline_agencies(actors, actor_text)
    if sub_agency in named:
        return True
    return any(_covered_by_generic(sub_agency, a) for a in named)


def subscription_concerns(sub, deadline, doc=None, on=None) -> bool:
    """Does a subscription concern this deadline (its document's province standing in for the deadline's)?"""
    return concerns(
        sub_province=sub.province,
        sub_agency=sub.agency,
        sub_deadline_id=sub.deadline_id,
        deadline_id=deadline.id,
        deadline_province=deadline.province or (doc.province if doc else None),
        actors=deadline.actors,
        actor_text=deadline.actor_text,
        on=on,
    )
