"""The documents themselves: who signed, when and where issued, to whom (from the header)."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers.base import Context, short
from bot.formatting import document_citation
from store.knowledge import Document
from bot.retrieval import content_terms, coverage
from bot.understanding import SIGNING

PICK_MIN_COVERAGE = 0.3  # the question's words must cover this much of a document's identity


def pick(ctx: Context) -> Document | None:
    u = ctx.u
    docs = ctx.docs_for()
    if docs and len(docs) == 1:
        return ctx.kb.docs[next(iter(docs))]
    cands = [ctx.kb.docs[i] for i in docs] if docs else list(ctx.kb.docs.values())
    if u.numbers and not docs:
        return None
    terms = content_terms(u.text)
    scored = sorted(
        (
            (coverage(terms, " ".join(filter(None, [d.subject, d.issuer, d.doc_type, d.number, d.province]))), d)
            for d in cands
        ),
        key=lambda x: -x[0],
    )
    if scored and scored[0][0] >= PICK_MIN_COVERAGE and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def answer(ctx: Context) -> Answer | None:
    doc = pick(ctx)
    if doc is None:
        return None
    f = ctx.u.folded
    header = next((c for c in ctx.kb.chunks.values() if c.document_id == doc.id and c.kind == "header"), None)
    src = [
        Source(doc.id, doc.label, "Phần đầu văn bản", header.text if header else "", 1.0, header.id if header else None)
    ]
    lines = []
    if re.search(SIGNING, f):
        if not doc.signer:
            return None
        lines.append(f"{document_citation(doc)} do {doc.signer} ký ({doc.signer_title or ''}).".replace(" ()", ""))
        if re.search(_DAY_ASKED, f):  # "… số mấy, ban hành ngày nào, ai ký?": the day too, as written
            lines.append(f"Ban hành tại {doc.place or '—'}, {_issued_on(doc)}.")
        if re.search(_RECIPIENTS_ASKED, f) and doc.recipients:  # "… ai ký, gửi ai?": to whom too
            lines.append("Kính gửi: " + "; ".join(doc.recipients))
    elif re.search(_RECIPIENTS_ASKED, f) and doc.recipients:
        lines.append(f"{document_citation(doc)} gửi:")
        lines += [f"• {r}" for r in doc.recipients]
    elif re.search(_RECIPIENTS_ASKED, f) and not doc.receivers:
        return None
    elif re.search(r"\b(noi nhan)\b", f) or re.search(_RECIPIENTS_ASKED, f):  # no "Kính gửi": sent to its receivers
        lines.append(f"Nơi nhận của {document_citation(doc)}:")
        lines += [f"• {r}" for r in doc.receivers]
    elif re.search(r"\b(ai ban hanh|co quan nao ban hanh|do ai ban hanh)\b", f) and not doc.issuer:
        return None  # the document does not say who issued it
    else:
        lines.append(f"{document_citation(doc)}: ban hành tại {doc.place or '—'}, {_issued_on(doc)}.")
    if doc.subject and doc.subject != doc.label:
        lines.append(f"Trích yếu: {short(doc.subject, 300)}")
    return ctx.finish("document", lines, src)


_RECIPIENTS_ASKED = (
    r"\b(gui cho ai|kinh gui|gui nhung ai|gui ai|gui (cho |den |toi )?(nhung |cac )?(don vi|co quan|noi) nao)\b"
)
_DAY_ASKED = r"\b(ngay nao|ngay may|ban hanh ngay|ngay ban hanh|ban hanh khi nao|ki ngay)\b"


def _issued_on(doc) -> str:
    """The date as the document writes it, and in figures when it writes words ("ngày 12 tháng 3 năm 2027
    (12/03/2027)")."""
    figures = doc.date.strftime("%d/%m/%Y") if doc.date else None
    written = (doc.date_text or "").strip()
    if not written or not re.search(r"\d", written):
        return figures or written or "không ghi ngày"
    if figures is None or "/" in written:
        return written
    return f"{written} ({figures})"
