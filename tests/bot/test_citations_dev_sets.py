"""One citation format (issue 19, item 2), checked on every answer of the development sets: the seeds' questions
(../shared/eval/dev_questions.jsonl) and the bank's (../shared/eval/bank/questions.jsonl), over a store of
knowledge/ and the bank's documents built once for this module: no source listed twice, no "(chưa ghi số)",
no bare slash where a number should be, no section label cut inside a word."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest

from bot.answer import Source
from bot.citing import cite_sources, citation, section_label
from bot.answer import Answer
from bot.formatting import document_citation
from store.knowledge import Document
from tests.support.channels import ROOT, clean_env, embedding_model, settings_for

pytestmark = pytest.mark.slow

EVAL = ROOT.parent / "shared" / "eval"
CASES = [EVAL / "dev_questions.jsonl", EVAL / "bank" / "questions.jsonl"]
BARE_SLASH = re.compile(r"(?:^|[\s(,])/[A-ZĐ]")


@pytest.fixture(scope="module")
def dev_assistant(tmp_path_factory):
    if not all(p.exists() for p in CASES) or not (EVAL / "bank" / "docs").is_dir():
        pytest.skip(f"the shared development sets are not at {EVAL}")
    data = tmp_path_factory.mktemp("dev-store")
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", str(data), "build", "knowledge", str(EVAL / "bank" / "docs")],
        cwd=ROOT,
        env=clean_env(HOCTAP_EMBEDDING_MODEL=str(embedding_model())),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    from bot.assistant import Assistant

    return Assistant.from_settings(settings_for(data))


def _questions() -> list[dict]:
    return [json.loads(x) for p in CASES if p.exists() for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]


def _cut_mid_word(label: str, headings: list[str]) -> bool:
    """A label whose last part ends in '…' must stop where a word of the full heading ends."""
    last = label.split(" › ")[-1]
    if not last.endswith("…"):
        return False
    prefix = last[:-1]
    for h in headings:
        h = re.sub(r"\s+", " ", h).strip()
        if h.startswith(prefix) and (len(h) == len(prefix) or not h[len(prefix)].isalnum()):
            return False
    return True


def _problems(ans, kb) -> list[str]:
    out = []
    keys = [(s.file, section_label(s.section)) for s in ans.sources]
    if len(keys) != len(set(keys)):
        out.append(f"a source listed twice: {keys}")
    texts = [ans.answer] + [s.citation for s in ans.sources]
    if any("chưa ghi số" in t for t in texts):
        out.append("'(chưa ghi số)'")
    if any(BARE_SLASH.search(t) for t in texts):
        out.append("a bare slash: " + next(t for t in texts if BARE_SLASH.search(t))[:200])
    for s in ans.sources:
        if not s.citation:
            out.append(f"a source without its citation: {s.doc}")
        ch = kb.chunks.get(s.chunk_id) if s.chunk_id is not None else None
        if ch is not None and _cut_mid_word(section_label(s.section), list(ch.headings or []) + s.section.split(" › ")):
            out.append(f"a label cut mid-word: {section_label(s.section)!r}")
    return out


def test_every_answer_of_the_development_sets_cites_cleanly(dev_assistant):
    bad = []
    questions = _questions()
    assert len(questions) > 200
    for c in questions:
        today = dt.date.fromisoformat(c["today"]) if c.get("today") else None
        ans = dev_assistant.ask(c["q"], today=today)
        bad += [f"{c['id']} {c['q']!r}: {p}" for p in _problems(ans, dev_assistant.kb)]
    assert not bad, "\n".join(bad[:20])


def test_a_document_without_a_number_is_cited_by_issuer_subject_and_year(dev_assistant):
    kb = dev_assistant.kb
    tg = kb.docs["tiengiang-2021-ke-hoach-xhht"]
    assert tg.number is None
    assert document_citation(tg) == (
        "Kế hoạch của UBND tỉnh Tiền Giang về thực hiện Đề án “Xây dựng xã hội học tập giai đoạn…” (không ghi số), năm 2021"
    )
    blank = kb.docs["bgddt-2021-trien-khai-de-an-1373"]  # "Số: /BGDDT-GDTEX": the number left blank
    assert document_citation(blank) == "Công văn số …/BGDDT-GDTEX của Bộ Giáo dục và Đào tạo, năm 2021"
    dated = kb.docs["daknong-2021-3597-ubnd-kgvx"]
    assert citation(dated, "IV › 1 › c) Sở Thông tin và Truyền thông", 3) == (
        "Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông, ngày 12/7/2021, mục IV › 1 › c) Sở Thông tin và Truyền thông"
        ", trang 3"
    )


def test_section_labels_keep_the_number_and_first_words_cut_at_a_word():
    long = "4. Sở Tài chính tham mưu cấp có thẩm quyền về kinh phí thực hiện theo đúng quy định của Luật…"
    assert section_label(f"IV › {long}") == "IV › 4. Sở Tài chính tham mưu cấp có thẩm quyền về kinh phí thực…"
    assert section_label("I › 2. Mục tiêu cụ thể › a) Mục tiêu đến năm 2025:") == "I › 2 › a) Mục tiêu đến năm 2025"
    assert section_label("Chương II › Điều 7. Quyền của người học") == "Điều 7. Quyền của người học"
    assert len(section_label(f"IV › {long}").split(" › ")[-1]) <= 61


def test_sources_are_deduplicated_by_document_and_section_and_a_pdf_links_its_page():
    doc = Document(id="scan", file_name="knowledge/scan.pdf", content_hash="", doc_type="kế hoạch", number="12/KH-UBND")
    doc.issuer, doc.date = "UBND tỉnh Tiền Giang", dt.date(2021, 3, 4)
    srcs = [Source("scan", doc.label, "II › 3. Nhiệm vụ", f"q{i}", 1.0, i, 2) for i in range(12)]
    srcs.append(Source("scan", doc.label, "II › 4. Giải pháp", "q", 1.0, 99, 5))
    ans = cite_sources(Answer("q", True, "a", "search", srcs), {"scan": doc})
    assert [s.chunk_id for s in ans.sources] == [0, 99]
    assert (
        ans.sources[0].citation
        == "Kế hoạch 12/KH-UBND của UBND tỉnh Tiền Giang, ngày 4/3/2021, mục II › 3. Nhiệm vụ, trang 2"
    )
    assert ans.sources[1].url == "api/document/scan#page=5"
