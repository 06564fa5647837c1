"""Units that must report: registered from a CSV, found by name, alias or a name the 2025 register replaced,
and matched to the deadlines that concern them.

CSV columns (a header row; Vietnamese or English names): `ten`/`name` (required), `tinh`/`province`,
`nhom`/`group` (the parties' group as the facts name it, e.g. "Các sở, ban, ngành tỉnh"), `ten_khac`/`aliases`
(separated by ";"), `email`, `telegram`, `zalo`. A province is stored under today's name (Đắk Nông → Lâm Đồng,
the old name kept as an alias of the province). A file with any bad line imports nothing and names every
bad line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.admin_changes import load_register
from bot.lexicon import load_lexicon
from bot.reminders.scope import GENERIC_PROVINCIAL, concerns, same_province
from store.reports import ReportEvent, ReportUnit, utcnow
from vntext import fold, nfc

COLUMNS = {
    "ten": "name",
    "tên": "name",
    "name": "name",
    "tinh": "province",
    "tỉnh": "province",
    "province": "province",
    "nhom": "group",
    "nhóm": "group",
    "group": "group",
    "ten_khac": "aliases",
    "tên khác": "aliases",
    "aliases": "aliases",
    "email": "email",
    "telegram": "telegram",
    "zalo": "zalo",
}
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_CSV_BYTES = 2_000_000
# the parties' groups of the facts, and the unit names they take in
GROUP_PREFIXES = {
    GENERIC_PROVINCIAL: ("so ", "ban ", "dai ", "cong an", "bo chi huy", "bao "),
    "Ủy ban nhân dân cấp xã": ("ubnd xa ", "ubnd phuong ", "uy ban nhan dan xa ", "uy ban nhan dan phuong "),
    "Ủy ban nhân dân cấp huyện": ("ubnd huyen ", "uy ban nhan dan huyen ", "ubnd thanh pho ", "ubnd thi xa "),
}

COMMUNE_PREFIXES = GROUP_PREFIXES["Ủy ban nhân dân cấp xã"]
COMMUNE_WORDS = ("cac xa", "cap xa", "xa phuong", "dia phuong", "cac phuong")


class UnitError(ValueError):
    """A unit that cannot be found or registered (the message is for the user, in Vietnamese)."""


@dataclass
class UnitRow:
    line: int
    name: str
    province: str | None
    group: str | None
    aliases: list[str] = field(default_factory=list)
    email: str | None = None
    telegram: str | None = None
    zalo: str | None = None


def folded(text: str | None) -> str:
    t = re.sub(r"[^\w&]+", " ", fold(nfc(text or "")))
    return re.sub(r"\s+", " ", t).strip()


def today_province(name: str | None) -> str | None:
    """Today's canonical province for any spelling or former name; None for none; UnitError if unknown."""
    if not name or not name.strip():
        return None
    reg = load_register()
    canon = reg.canonical(name)
    if canon is None:
        found = load_lexicon().find_provinces(name)
        canon = found[0] if len(found) == 1 else None
    if canon is None:
        raise UnitError(f"không nhận ra tỉnh/thành phố “{name.strip()}”")
    return reg.current_province(canon)


# --- CSV ----------------------------------------------------------------------------------------------
def parse_csv(data: bytes) -> list[UnitRow]:
    """The rows of a units CSV; UnitError naming every bad line (nothing is registered then)."""
    if len(data) > MAX_CSV_BYTES:
        raise UnitError(f"Tệp quá lớn (tối đa {MAX_CSV_BYTES // 1_000_000} MB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnitError("Tệp CSV không phải UTF-8.") from e
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise UnitError("Tệp CSV trống.")
    cols = [COLUMNS.get(nfc(h).strip().lower()) for h in header]
    if "name" not in cols:
        raise UnitError("Tệp CSV thiếu cột “ten” (tên đơn vị) ở dòng tiêu đề.")
    rows, errors, seen = [], [], set()
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        try:
            row = _row(n, cols, values)
        except UnitError as e:
            errors.append(f"dòng {n}: {e}")
            continue
        if folded(row.name) in seen:
            errors.append(f"dòng {n}: đơn vị “{row.name}” lặp lại")
            continue
        seen.add(folded(row.name))
        rows.append(row)
    if errors:
        raise UnitError("Không đăng ký đơn vị nào vì tệp có lỗi — " + "; ".join(errors[:20]))
    if not rows:
        raise UnitError("Tệp CSV không có đơn vị nào.")
    return rows


def _row(n: int, cols: list, values: list[str]) -> UnitRow:
    if len(values) > len(cols):
        raise UnitError("nhiều cột hơn dòng tiêu đề")
    got = {c: nfc(v).strip() for c, v in zip(cols, values) if c}
    name = re.sub(r"\s+", " ", got.get("name", ""))
    if not name:
        raise UnitError("thiếu tên đơn vị")
    if len(name) > 300:
        raise UnitError("tên đơn vị quá dài")
    email = got.get("email") or None
    if email and not EMAIL_RE.match(email):
        raise UnitError(f"địa chỉ e-mail không hợp lệ “{email}”")
    aliases = [a.strip() for a in got.get("aliases", "").split(";") if a.strip()]
    return UnitRow(
        n,
        name,
        today_province(got.get("province")),
        got.get("group") or None,
        aliases,
        email,
        got.get("telegram") or None,
        got.get("zalo") or None,
    )


def register_units(session, rows: list[UnitRow], actor: str) -> tuple[int, int]:
    """Insert or update units by name (contacts, aliases, group, province); each change audited.
    (added, updated)."""
    existing = {folded(u.name): u for u in session.scalars(select(ReportUnit))}
    added = updated = 0
    for r in rows:
        u = existing.get(folded(r.name))
        if u is None:
            u = ReportUnit(name=r.name)
            session.add(u)
            added += 1
            action = "dang_ky"
        else:
            updated += 1
            action = "cap_nhat"
        u.province, u.group, u.aliases = r.province, r.group, r.aliases
        u.email, u.telegram, u.zalo, u.updated_at = r.email, r.telegram, r.zalo, utcnow()
        session.flush()
        session.add(ReportEvent(unit_id=u.id, unit_name=u.name, action=action, actor=actor, detail=_contacts(u)))
    return added, updated


def _contacts(u: ReportUnit) -> str:
    parts = [f"tỉnh: {u.province}" if u.province else "", f"e-mail: {u.email}" if u.email else ""]
    parts += [f"telegram: {u.telegram}" if u.telegram else "", f"zalo: {u.zalo}" if u.zalo else ""]
    return "; ".join(p for p in parts if p)


# --- finding a unit -----------------------------------------------------------------------------------
def find_unit(session, text: str) -> ReportUnit:
    """The registered unit a text names: its name or an alias (diacritics and case aside), a unique unit
    whose name contains the text, or — through the 2025 register — the unit that took over a merged
    department or a merged province's name. UnitError otherwise, listing the units."""
    units = list(session.scalars(select(ReportUnit).order_by(ReportUnit.name)))
    want = folded(text)
    if not want:
        raise UnitError("Chưa nêu tên đơn vị.")
    hit = _match(units, want) or _match(units, _renamed(text))
    if hit:
        return hit
    names = ", ".join(u.name for u in units[:12]) or "chưa có đơn vị nào được đăng ký"
    raise UnitError(f"Không có đơn vị “{text.strip()}” trong danh sách đã đăng ký ({names}).")


def _match(units: list[ReportUnit], want: str) -> ReportUnit | None:
    if not want:
        return None
    exact = [u for u in units if want == folded(u.name) or want in {folded(a) for a in u.aliases or ()}]
    if len(exact) == 1:
        return exact[0]
    part = [u for u in units if f" {want} " in f" {folded(u.name)} "]
    return part[0] if len(part) == 1 else None


def _renamed(text: str) -> str:
    """The text with a merged department replaced by the one that took it over, a former province by today's."""
    reg = load_register()
    t = nfc(text)
    dept = reg.find_department(t)
    out = folded(t)
    if dept and dept.into:
        for al in dept.aliases:
            out = re.sub(rf"(?<!\S){re.escape(al)}(?!\S)", folded(dept.into), out)
    for p in reg.find_provinces(t):
        cur = reg.current_province(p)
        if cur and cur != p:
            out = re.sub(rf"(?<!\S){re.escape(folded(p))}(?!\S)", folded(cur), out)
    return out if out != folded(t) else ""


# --- which units a deadline concerns ------------------------------------------------------------------
def unit_concerned(unit: ReportUnit, deadline, doc=None) -> bool:
    """Must this unit report for this deadline? Same province today, and the unit is one of the parties:
    its group named, its agency named or covered by a generic party ("các sở, ngành"), or its name written."""
    dprov = deadline.province or (getattr(doc, "province", None) if doc is not None else None)
    if unit.province and dprov and not same_province(unit.province, dprov):
        return False
    agencies = load_lexicon().find_agencies(unit.name)
    if agencies and set(agencies) & set(load_lexicon().find_agencies(deadline.recipient or "")):
        return False  # the body the reports go to does not report to itself
    actors = list(deadline.actors or ())
    if unit.group and unit.group in actors:
        return True
    fname = folded(unit.name)
    for group, prefixes in GROUP_PREFIXES.items():
        if group in actors and fname.startswith(prefixes):
            return True
    hay = f" {folded(deadline.actor_text)} "
    if fname.startswith(COMMUNE_PREFIXES) and any(f" {w} " in hay for w in COMMUNE_WORDS):
        return True  # "UBND các xã, phường", "các địa phương" take in each commune's UBND
    if len(agencies) == 1 and concerns(
        sub_province=None,
        sub_agency=agencies[0],
        sub_deadline_id=None,
        deadline_id=deadline.id,
        deadline_province=None,
        actors=actors,
        actor_text=deadline.actor_text or "",
    ):
        return True
    return any(f" {n} " in hay for n in [fname, *(folded(a) for a in unit.aliases or ())] if n)


def units_for(session, deadline, doc=None) -> list[ReportUnit]:
    return [
        u for u in session.scalars(select(ReportUnit).order_by(ReportUnit.name)) if unit_concerned(u, deadline, doc)
    ]
