"""Readable tables (or JSON) of the documents and facts in the store."""

from __future__ import annotations

import json
import textwrap

from sqlalchemy import select

from bot.config import Settings
from store.db import session_scope
from bot.formatting import deadline_due_phrase, deadline_sentence
from store.knowledge import CitedDocument, Contact, Deadline, Document, DocumentEvent, Responsibility, Target


def _row(obj, cols) -> dict:
    out = {}
    for c in cols:
        v = getattr(obj, c)
        out[c] = v.isoformat() if hasattr(v, "isoformat") else v
    return out


DOCUMENT_COLUMNS = [
    "id",
    "doc_type",
    "number",
    "issuer",
    "place",
    "date",
    "date_text",
    "subject",
    "recipients",
    "receivers",
    "signer",
    "signer_title",
    "province",
]
# each document's facts: key → (table, columns shown)
FACT_COLUMNS = {
    "deadlines": (
        Deadline,
        [
            "id",
            "actors",
            "actor_text",
            "action",
            "what",
            "recipient",
            "due_day",
            "due_month",
            "due_year",
            "recurrence",
            "period",
            "due_text",
            "interpretation",
            "section_path",
            "quote",
        ],
    ),
    "responsibilities": (Responsibility, ["agency", "agency_text", "role", "task", "section_path"]),
    "targets": (Target, ["indicator", "value", "unit", "year", "scope", "section_path"]),
    "cited_documents": (CitedDocument, ["doc_type", "number", "date", "issuer", "about"]),
    "contacts": (Contact, ["name", "role", "phone", "email", "organization"]),
}
# the columns a printed deadline is phrased from (bot.formatting)
DEADLINE_PHRASE_COLUMNS = (
    "actors",
    "actor_text",
    "action",
    "what",
    "due_day",
    "due_month",
    "due_year",
    "recurrence",
    "due_text",
    "period",
)
HISTORY_VERBS = {"added": "thêm", "replaced": "thay thế", "removed": "gỡ", "restored": "khôi phục"}


def collect(settings: Settings, doc_id: str | None = None) -> list[dict]:
    docs = []
    with session_scope(settings.database_url) as s:
        q = select(Document).order_by(Document.id)
        if doc_id:
            q = q.where(Document.id == doc_id)
        for d in s.scalars(q):
            item = _row(d, DOCUMENT_COLUMNS)
            for key, (model, cols) in FACT_COLUMNS.items():
                item[key] = [_row(x, cols) for x in s.scalars(select(model).where(model.document_id == d.id))]
            item["history"] = [
                _event(e)
                for e in s.scalars(
                    select(DocumentEvent).where(DocumentEvent.document_id == d.id).order_by(DocumentEvent.id)
                )
            ]
            docs.append(item)
    _add_status(settings, docs)
    return docs


def _event(e: DocumentEvent) -> dict:
    return {
        "id": e.id,
        "document_id": e.document_id,
        "action": e.action,
        "actor": e.actor,
        "file": e.file_name,
        "sha256": e.content_sha256,
        "at": e.created_at.isoformat() + "Z",
    }


def events(settings: Settings, doc_id: str | None = None) -> list[dict]:
    """Every addition, replacement and removal recorded (removed documents included), oldest first."""
    with session_scope(settings.database_url) as s:
        q = select(DocumentEvent).order_by(DocumentEvent.id)
        if doc_id:
            q = q.where(DocumentEvent.document_id == doc_id)
        return [_event(e) for e in s.scalars(q)]


def _add_status(settings: Settings, docs: list[dict]) -> None:
    """Each document's date, today's province and the later stored documents replacing or implementing it
    (issue 12, bot.admin_changes)."""
    from bot.admin_changes import store_status

    st = store_status(settings.database_url)
    for item in docs:
        item.update(st.get(item["id"], {}))


def show(settings: Settings, as_json: bool = False, doc_id: str | None = None) -> int:
    docs = collect(settings, doc_id)
    if as_json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    if not docs:
        print("Kho dữ liệu trống: chạy `python -m indexer build knowledge` trước.")
        return 0
    for d in docs:
        _print_document(d)
    _print_history(events(settings, doc_id))
    _print_register()
    return 0


def _w(s, n: int) -> str:
    return textwrap.shorten(str(s or ""), n, placeholder="…")


def _print_document(d: dict) -> None:
    w = _w
    print("=" * 100)
    print(
        f"{d['id']}: {d['doc_type'] or ''} {d['number'] or ''} — {d['issuer'] or ''}, {d['date'] or d['date_text'] or ''}"
    )
    print(f"  V/v: {w(d['subject'], 90)}")
    print(f"  Ký: {d['signer_title'] or ''} {d['signer'] or ''}   Tỉnh/TP: {d['province'] or '—'}")
    _print_status(d, w)
    if d["deadlines"]:
        print("  HẠN")
        for x in d["deadlines"]:
            dd = Deadline(**{k: x[k] for k in DEADLINE_PHRASE_COLUMNS})
            print(f"    {deadline_due_phrase(dd):<18} {w(deadline_sentence(dd), 70):<72} → {w(x['recipient'], 30)}")
    if d["responsibilities"]:
        print("  NHIỆM VỤ")
        for x in d["responsibilities"]:
            print(f"    {w(x['agency'], 34):<35} {x['role']:<10} {w(x['task'], 60)}")
    if d["targets"]:
        print("  CHỈ TIÊU")
        for x in d["targets"]:
            v = f"{x['value']:g}%" if x["value"] is not None else "—"
            print(f"    {x['year'] or '':<5} {v:>6}  {w(x['indicator'], 85)}")
    if d["cited_documents"]:
        print("  VĂN BẢN VIỆN DẪN")
        for x in d["cited_documents"]:
            print(f"    {x['doc_type']} {x['number']} {x['date'] or ''} {w(x['issuer'], 30)}")
    for x in d["contacts"]:
        print(f"  LIÊN HỆ {x['name'] or ''} {x['phone'] or ''} {x['email'] or ''} {x['organization'] or ''}")


def _print_history(hist: list[dict]) -> None:
    if not hist:
        return
    w = _w
    print("=" * 100)
    print("LỊCH SỬ THÊM / THAY THẾ / GỠ VĂN BẢN")
    for e in hist:
        print(
            f"  #{e['id']:<4} {e['at'][:19].replace('T', ' ')} UTC  {HISTORY_VERBS.get(e['action'], e['action']):<10} "
            f"{e['document_id']:<34} {w(e['file'], 40):<41} {w(e['actor'], 24):<25} sha256 {e['sha256'][:16]}"
        )


def _print_status(d: dict, w) -> None:
    for line in d.get("status_lines", []):
        print(f"  {w(line, 160)}")


def _print_register() -> None:
    from bot.admin_changes import register_lines

    print("=" * 100)
    print("THAY ĐỔI HÀNH CHÍNH (knowledge/admin_changes.json)")
    for line in register_lines():
        print(line)
