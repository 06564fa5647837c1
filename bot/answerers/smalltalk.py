"""What is said to the assistant rather than asked of the documents: a greeting, thanks, and "which documents
do you have?" (the catalogue of what is loaded, a province's or a type's when the question names one)."""

from __future__ import annotations

import re

from bot.answer import Answer, Source
from bot.answerers.base import EXAMPLES, MAX_ANSWER_CHARS, Context, short
from bot.formatting import document_citation

_GREETING = re.compile(
    r"^(xin chao|chao( ban| anh| chi| em| tro li)?|hello|hi|alo|a lo)( ban| a| nhe| tro li)?\s*[!.?]*$"
)
_THANKS = re.compile(
    r"^(cam on|cam on ban|cam on nhieu|thank|thanks|thank you|ok cam on)( ban| nhieu| nhe| a)*\s*[!.]*$"
)
_CAPABILITIES = re.compile(
    r"^(ban|tro li|em|bot)?\s*(lam duoc gi|lam duoc nhung gi|co the lam gi|giup duoc gi|giup gi duoc|giup duoc toi gi"
    r"|biet gi|tra loi duoc gi|hoi duoc gi)( cho toi)?( vay| the| khong)?\s*[?!.]*$"
    r"|^(huong dan su dung|cach dung|tro giup|help)\s*[?!.]*$"
)
_CATALOGUE = re.compile(
    r"\b(co nhung|co cac|danh sach|liet ke|gom nhung|kho co|hien co)\b.{0,20}\b(van ban|tai lieu)\b"
    r"|\b(van ban|tai lieu) nao\b.{0,20}\b(co|hien co|duoc nap|trong kho)\b"
    r"|^(co )?(nhung|cac) van ban nao\b"
    # "tỉnh Lâm Đồng có văn bản nào về XHHT?", "tỉnh có kế hoạch gì về xã hội học tập?": the domain is no topic
    r"|\bco (nhung )?(van ban|tai lieu|ke hoach|chuong trinh) (nao|gi)( ve (xhht|(xay dung )?xa hoi hoc tap))?\s*[?.!]*$"
)
SUBJECT_CHARS = 110
GREETING = (
    "Xin chào! Tôi là Trợ lý Xã hội học tập: tôi đọc các văn bản về xây dựng xã hội học tập và trả lời ai phải làm "
    "gì, hạn nào, chỉ tiêu và tiêu chí ra sao, luôn kèm văn bản và mục đã đọc. Bạn có thể hỏi, ví dụ:"
)
THANKS = "Rất vui được giúp bạn. Bạn cần hỏi thêm gì, cứ nhắn, ví dụ:"
CAPABILITIES = (
    "Tôi đọc các văn bản về xây dựng xã hội học tập đang có trong kho và trả lời, kèm văn bản và mục đã đọc:\n"
    "• hạn báo cáo: ai báo cáo, gửi ai, trước ngày nào — và nhắc trước hạn nếu bạn đăng ký;\n"
    "• nhiệm vụ của một sở, ngành, địa phương;\n"
    "• chỉ tiêu, tiêu chí, sự kiện, văn bản căn cứ, người liên hệ.\n"
    "Bạn có thể hỏi, ví dụ:"
)


def answer(ctx: Context) -> Answer | None:
    f = ctx.u.folded.strip()
    if _GREETING.match(f):
        return Answer(ctx.question, False, GREETING + "\n" + _examples(), "greeting", suggestions=EXAMPLES)
    if _THANKS.match(f):
        return Answer(ctx.question, False, THANKS + "\n" + _examples(), "greeting", suggestions=EXAMPLES)
    if _CAPABILITIES.match(f):
        return Answer(ctx.question, False, CAPABILITIES + "\n" + _examples(), "greeting", suggestions=EXAMPLES)
    if _CATALOGUE.search(f):
        return catalogue(ctx)
    return None


def _examples() -> str:
    return "\n".join(f"• {x}" for x in EXAMPLES)


def catalogue(ctx: Context) -> Answer:
    """The documents loaded (of the province or type the question names), newest first."""
    scope = ctx.docs_for()
    docs = [d for d in ctx.kb.docs.values() if scope is None or d.id in scope]
    if ctx.u.doc_types:
        typed = [d for d in docs if d.doc_type and d.doc_type.lower() in {t.lower() for t in ctx.u.doc_types}]
        docs = typed or docs
    docs.sort(key=lambda d: (d.date is None, -(d.date.toordinal() if d.date else 0), d.id))
    where = f" của {', '.join(ctx.u.provinces)}" if ctx.u.provinces and scope else ""
    lines = [f"Kho hiện có {len(docs)} văn bản{where}:"]
    used = len(lines[0])
    for d in docs:
        line = f"• {document_citation(d)}" + (f" — {short(d.subject, SUBJECT_CHARS)}" if d.subject else "")
        if used + len(line) > MAX_ANSWER_CHARS - 60:
            lines.append(f"… và {len(docs) - len(lines) + 1} văn bản khác (hỏi theo tỉnh hoặc loại văn bản).")
            break
        lines.append(line)
        used += len(line) + 1
    headers = {c.document_id: c for c in ctx.kb.chunks.values() if c.kind == "header"}
    sources = [
        Source(d.id, d.label, "Phần đầu văn bản", headers[d.id].text, 1.0, headers[d.id].id)
        for d in docs[:3]
        if d.id in headers
    ]
    return ctx.finish("document", lines, sources)
