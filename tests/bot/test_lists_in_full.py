"""Lists in full (issue 19, item 3), on the seed store: no task cut mid-sentence; what does not fit one message is
the answer's `more` (whole lines, "… xem thêm (N)"); every body's tasks and every "trong đó" sub-target included."""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 12, 6)


def test_a_bodys_tasks_are_whole_and_every_province_s_body_is_listed(assistant):
    ans = assistant.ask("nhiệm vụ của hội khuyến học", today=TODAY)
    assert ans.answered and ans.more
    assert ans.answer.endswith(f"… xem thêm ({len(ans.more)})")
    lines = ans.answer.split("\n")[:-1] + ans.more
    tasks = {r.task.strip() for r in assistant.kb.responsibilities}
    items = [re.sub(r"^• (\[[^\]]+\] )?", "", x) for x in lines if x.startswith("• ")]
    assert items and all(x in tasks for x in items), [x for x in items if x not in tasks][:2]  # none cut
    docs = {r.document_id for r in assistant.kb.responsibilities if "Khuyến học" in (r.agency_text or "")}
    shown = "\n".join(lines)
    for doc_id in docs:  # every document's Hội Khuyến học
        assert assistant.kb.docs[doc_id].issuer in shown, doc_id
    assert len(ans.answer) <= 1500


def test_a_year_s_targets_keep_their_sub_targets(assistant):
    ans = assistant.ask("mục tiêu năm 2030 của Tiền Giang", today=TODAY)
    text = "\n".join(ans.answer.split("\n") + ans.more)
    assert "• Đến năm 2030: 100% huyện, thành, thị đạt chuẩn PCGD THCS mức độ 2." in text
    assert "   trong đó: 50% các huyện, thành, thị đạt chuẩn PCGD THCS mức độ 3." in text
    assert "   trong đó: 15% dân số có trình độ đại học trở lên." in text
    assert not [x for x in text.split("\n") if x.endswith("…") and "xem thêm" not in x]
