"""The 2025 register both ways (issue 19, item 4): a new province or body name also finds the documents of the
provinces merged into it and the tasks of the bodies it took over, with the note; on the seed store."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    "question", ["tỉnh Lâm Đồng có văn bản nào về XHHT?", "tôi ở Lâm Đồng, tỉnh có kế hoạch gì về xã hội học tập?"]
)
def test_a_new_province_finds_the_documents_of_the_provinces_merged_into_it(assistant, question):
    ans = assistant.ask(question, today=TODAY)
    assert ans.answered and ans.intent == "document"
    assert "Công văn 3597/UBND-KGVX của UBND tỉnh Đắk Nông" in ans.answer
    assert "Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025" in ans.answer  # the note
    assert {s.file for s in ans.sources} == {"daknong-2021-3597-ubnd-kgvx"}


def test_a_new_body_finds_the_tasks_of_the_bodies_it_took_over(assistant):
    ans = assistant.ask("Sở Nội vụ Đồng Tháp có nhiệm vụ gì về XHHT?", today=TODAY)
    assert ans.answered and ans.intent == "responsibility"
    assert "Sở Lao động - Thương binh và Xã hội (Tiền Giang)" in ans.answer
    assert "đã được sắp xếp vào Sở Nội vụ" in ans.answer and "Tiền Giang nay thuộc tỉnh Đồng Tháp" in ans.answer
    assert ans.sources and all(s.file == "tiengiang-2021-ke-hoach-xhht" for s in ans.sources)


def test_a_catalogue_question_with_a_topic_of_its_own_is_not_a_catalogue(assistant):
    ans = assistant.ask("tỉnh Lâm Đồng có văn bản nào về hộ nghèo đa chiều?", today=TODAY)
    assert ans.intent != "document"
