"""Questions about the 2025 administrative changes, answered from the register (knowledge/admin_changes.json).

    answer("Đắk Nông giờ thuộc tỉnh nào?", today)      → Lâm Đồng, with the legal basis
    answer("Lâm Đồng gồm những tỉnh nào?", today)      → Lâm Đồng, Đắk Nông, Bình Thuận
    answer("Sở LĐTBXH nay là sở nào?", today)          → Sở Nội vụ (…), with the legal basis
    answer("Cấp huyện còn không?", today)              → two-level local government from 01/7/2025
    answer("Cả nước còn bao nhiêu tỉnh?", today)       → 34: 28 provinces and 6 cities, counted from the register

Only a question that asks about the change itself is answered: it names a province, a merged
department or the district level *and* asks what it belongs to / became / consists of / whether
it still exists. Anything else (weather, population, deadlines, tasks …) gets None, so the
assistant answers it from the documents as before.
"""

from __future__ import annotations

import datetime as dt
import re

from bot.admin_changes import SOURCE_FILE, LegalBasis, Register, _fw, fmt_day, load_register
from bot.answer import Answer, Source
from vntext import nfc

INTENT = "register"

# what a question about the change itself asks
_BELONGS = re.compile(
    r"\b(thuoc (ve )?(tinh|thanh pho|tp) nao|(la|thanh|ve|vao) (tinh|thanh pho|tp) (nao|gi)|"
    r"sap nhap|sat nhap|hop nhat|nhap vao|nhap voi|ten moi|doi ten|con (ton tai|khong)|khong con|"
    r"gom (nhung |cac )?(tinh|thanh pho|dia phuong|don vi)|tu (nhung |cac )?(tinh|thanh pho) nao)\b"
)
_NOW = re.compile(r"\b(gio|bay gio|nay|hien nay|hien tai|hien gio|sau sap xep|sau sap nhap|sau 1 7 2025|tu 1 7 2025)\b")
_DEPT_FATE = re.compile(
    r"\b(la so nao|thanh so nao|thuoc so nao|ve so nao|vao so nao|sap nhap|sat nhap|hop nhat|nhap vao|"
    r"con (ton tai|khong)|khong con|giai the|doi ten|ten moi|chuyen (ve|sang|cho)|ai (lam|phu trach) thay)\b"
)
_DISTRICT = re.compile(
    r"\b(cap huyen|ubnd huyen|uy ban nhan dan huyen|quan huyen|chinh quyen (dia phuong )?(2|hai) cap)\b"
)
_DISTRICT_FATE = re.compile(
    r"\b(con (ton tai|khong)|khong con|bo|bai bo|giai the|chinh quyen (dia phuong )?(2|hai) cap"
    r"|the nao|ra sao|sau 1 7 2025)\b"
)
# how many provinces the country has ("Sau sáp nhập cả nước còn bao nhiêu tỉnh?", "hiện nay có mấy tỉnh thành?")
_NATIONAL = re.compile(r"\b(bao nhieu|may) (tinh|tinh thanh|tinh thanh pho|don vi hanh chinh cap tinh)\b")
# "5 máy tính" (computers) folds as "mấy tỉnh" (how many provinces): written with its accents, it is no such question
_A_COMPUTER = re.compile(r"\bmáy tính\b", re.IGNORECASE)
# a question about the documents' content (deadlines, tasks, targets…) is not a register question
_CONTENT = re.compile(
    r"\b(bao cao|han|nhiem vu|chi tieu|muc tieu|khi nao|ngay nao|lam gi|phai|trach nhiem|"
    r"ke hoach|cong van|quyet dinh|de an|nop|gui|chu tri|phoi hop|ki|ti le|phan tram|"
    # what a title or a decision of recognition is worth after the merger asks the documents, not the register
    r"gia tri|hieu luc|cong nhan|danh hieu|tieu chi|giay chung nhan|"
    # a count of anything but the provinces themselves ("… còn bao nhiêu TTHTCĐ?", "… bao nhiêu xã, phường?": the
    # register does not count communes; the documents may)
    r"(bao nhieu|may) (?!(tinh|thanh pho|tp|don vi|huyen|dia phuong|so)\b))\b"
)


def _basis(items) -> str:
    return "; ".join(b.citation for b in items)


def _src(section: str, quote: str, doc: str) -> Source:
    return Source(SOURCE_FILE, doc, section, quote, 1.0, None)


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def _province_answer(q: str, reg: Register, name: str, today: dt.date) -> Answer | None:
    ch = reg.province_change
    if ch is None:
        return None
    mg_from = reg.merged_from.get(name)
    mg_new = reg.mergers.get(name)
    if mg_from is None and name not in reg.unchanged:
        return None
    mg = mg_from or mg_new
    if mg is not None:
        head, basis, quote, section = _merged(reg, ch, mg, name, today)
    else:
        head, basis, quote, section = _unchanged(reg, ch, name)
    lines = [
        head,
        f"Căn cứ: {_basis(basis)}.",
        "Nguồn: danh mục thay đổi hành chính (knowledge/admin_changes.json). Các văn bản cũ trong kho "
        "giữ nguyên lời gốc.",
    ]
    return Answer(
        q,
        True,
        "\n".join(lines),
        INTENT,
        [_src(section, quote, basis[0].label if basis else "")],
        suggestions=[f"Hạn báo cáo ở {mg.new if mg else name}?"] if mg else [],
    )


def _merged(reg: Register, ch: dict, mg, name: str, today: dt.date) -> tuple[str, tuple, str, str]:
    """A province merged (or merging, before the effective day) into a new one: (sentence, basis, quote, section)."""
    eff = fmt_day(mg.effective)
    others = [s for s in mg.sources if s != mg.new]
    consists = f"{mg.label} gồm {_joined(list(mg.sources))}"
    if name == mg.new:
        head = (
            f"Từ {eff}, {consists} (sáp nhập {_joined(others)} vào {mg.label})."
            if today >= mg.effective
            else f"Theo danh mục thay đổi, từ {eff} {consists} (sáp nhập {_joined(others)} vào {mg.label})."
        )
    else:
        head = (
            f"Từ {eff}, {reg.label(name)} thuộc {mg.label} ({consists})."
            if today >= mg.effective
            else f"Đến nay ({today:%d/%m/%Y}) {reg.label(name)} chưa thay đổi; từ {eff} sẽ thuộc {mg.label} "
            f"({consists})."
        )
    quote = f"{mg.new} ← {' + '.join(mg.sources)} (hiệu lực {eff})"
    section = f"{ch.get('title', 'Sắp xếp đơn vị hành chính cấp tỉnh')} › {mg.new}"
    return head, mg.basis, quote, section


def _national_answer(q: str, reg: Register, today: dt.date) -> Answer | None:
    """The provinces the register counts after the reorganisation: those formed by a merger and those left as they
    were, each by its kind, with the legal basis."""
    ch = reg.province_change
    if ch is None or not (reg.mergers or reg.unchanged):
        return None
    kinds = [m.kind for m in reg.mergers.values()] + list(reg.unchanged.values())
    cities = sum(k == "thành phố" for k in kinds)
    eff = dt.date.fromisoformat(ch["effective"])
    when = f"Từ {fmt_day(eff)}" if today >= eff else f"Theo danh mục thay đổi, từ {fmt_day(eff)}"
    basis = _legal_basis(ch)
    lines = [
        f"{when}, cả nước có {len(kinds)} đơn vị hành chính cấp tỉnh: {len(kinds) - cities} tỉnh và {cities} thành phố "
        f"trực thuộc Trung ương; {len(reg.mergers)} hình thành sau sáp nhập, {len(reg.unchanged)} giữ nguyên.",
        f"Căn cứ: {_basis(basis)}.",
        "Nguồn: danh mục thay đổi hành chính (knowledge/admin_changes.json).",
    ]
    section = ch.get("title", "Sắp xếp đơn vị hành chính cấp tỉnh")
    quote = f"{section} (hiệu lực {fmt_day(eff)})"
    return Answer(q, True, "\n".join(lines), INTENT, [_src(section, quote, basis[0].label if basis else "")])


def _legal_basis(ch: dict) -> tuple[LegalBasis, ...]:
    """The legal basis the register gives a change."""
    return tuple(
        LegalBasis(
            b.get("type", ""),
            b.get("number", ""),
            b.get("issuer", ""),
            dt.date.fromisoformat(b["date"]) if b.get("date") else None,
            b.get("about", ""),
        )
        for b in ch.get("legal_basis", [])
    )


def _unchanged(reg: Register, ch: dict, name: str) -> tuple[str, tuple, str, str]:
    """A province the reorganisation left as it was: (sentence, basis, quote, section)."""
    eff = fmt_day(dt.date.fromisoformat(ch["effective"]))
    head = (
        f"{reg.label(name)[:1].upper() + reg.label(name)[1:]} giữ nguyên, không sáp nhập với tỉnh nào "
        f"trong đợt sắp xếp đơn vị hành chính cấp tỉnh từ {eff} (34 tỉnh, thành phố)."
    )
    basis = _legal_basis(ch)
    quote = f"Không thay đổi: {', '.join(reg.unchanged)} (hiệu lực {eff})"
    section = f"{ch.get('title', 'Sắp xếp đơn vị hành chính cấp tỉnh')} › không thay đổi"
    return head, basis, quote, section


def _department_answer(q: str, body, today: dt.date) -> Answer:
    lines = [f"{body.fate[:1].upper() + body.fate[1:]}."]
    if body.summary:
        lines.append(f"({body.summary[:1].upper() + body.summary[1:]}.)")
    if today < body.effective:
        lines.insert(0, f"Đến nay ({today:%d/%m/%Y}) thay đổi này chưa có hiệu lực.")
    lines.append(f"Căn cứ: {_basis(body.basis)}.")
    lines.append(
        "Nguồn: danh mục thay đổi hành chính (knowledge/admin_changes.json). Các văn bản cũ trong kho "
        "giữ nguyên lời gốc."
    )
    quote = f"{body.name} → {body.into}" + (
        " (" + "; ".join(f"{w} → {t}" for w, t in body.parts) + ")" if body.parts else ""
    )
    return Answer(
        q,
        True,
        "\n".join(lines),
        INTENT,
        [_src(f"Sắp xếp các sở năm 2025 › {body.name}", quote, body.basis[0].label if body.basis else "")],
    )


def _district_answer(q: str, body, today: dt.date) -> Answer:
    eff = fmt_day(body.effective)
    head = (
        f"{body.summary[:1].upper() + body.summary[1:]}."
        if today >= body.effective
        else f"Đến nay ({today:%d/%m/%Y}) cấp huyện vẫn còn; {body.summary}."
    )
    lines = [
        head,
        f"Căn cứ: {_basis(body.basis)}.",
        "Nguồn: danh mục thay đổi hành chính (knowledge/admin_changes.json). Các văn bản cũ trong kho nêu "
        "UBND cấp huyện được giữ nguyên lời gốc.",
    ]
    return Answer(
        q,
        True,
        "\n".join(lines),
        INTENT,
        [
            _src(
                "Chính quyền địa phương hai cấp",
                f"Không còn cấp huyện (hiệu lực {eff})",
                body.basis[0].label if body.basis else "",
            )
        ],
    )


def answer(question: str, today: dt.date | None = None, *, register: Register | None = None) -> Answer | None:
    """The register's answer to a question about the 2025 changes, or None for any other question."""
    q = nfc(question or "").strip()[:2000]
    if not q:
        return None
    today = today or dt.date.today()
    reg = register or load_register()
    f = _fw(q)
    if _CONTENT.search(f):
        return None
    dept = reg.find_department(q)
    if (
        dept is not None
        and _DEPT_FATE.search(f)
        or dept is not None
        and _NOW.search(f)
        and re.search(r"\b(la|thuoc|o dau|the nao)\b", f)
    ):
        return _department_answer(q, dept, today)
    provinces = reg.find_provinces(q)
    if len(provinces) == 1 and (
        _BELONGS.search(f) or (_NOW.search(f) and re.search(r"\b(la|thuoc)\b.*\b(tinh|thanh pho|tp)\b", f))
    ):
        return _province_answer(q, reg, provinces[0], today)
    if not provinces and dept is None and _NATIONAL.search(f) and not _A_COMPUTER.search(q):
        return _national_answer(q, reg, today)
    if not provinces and dept is None and _DISTRICT.search(f) and _DISTRICT_FATE.search(f):
        body = reg.district_body()
        if body is not None:
            return _district_answer(q, body, today)
    return None
