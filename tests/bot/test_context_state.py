"""A conversation's context survives the trip through the shared store: an Understanding written as JSON reads
back equal, a follow-up understood from the read-back context is the one understood from the original, and
anything that cannot be read back is no context (never an error)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.lexicon import load_lexicon
from bot.understanding import context_from_json, context_to_json, understand

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


@pytest.mark.parametrize(
    "question",
    [
        "Kế hoạch của Tiền Giang giao Sở GDĐT nhiệm vụ gì?",
        "Hạn báo cáo 6 tháng của Đắk Nông trước ngày 15/6 tháng sau?",  # days, a window, a period
        "Quyết định 1373/QĐ-TTg năm 2021 về gì?",  # numbers, document types, years
    ],
)
def test_a_context_reads_back_equal_and_gives_the_same_follow_up(lex, question):
    u = understand(question, lex, TODAY)
    back = context_from_json(context_to_json(u))
    assert back == u
    follow = "còn Sở Tài chính thì sao?"
    assert understand(follow, lex, TODAY, back) == understand(follow, lex, TODAY, u)


def test_the_follow_up_keeps_the_province_of_the_question_before(lex):
    u = understand("Kế hoạch của Tiền Giang giao Sở GDĐT nhiệm vụ gì?", lex, TODAY)
    f = understand("còn Sở Tài chính thì sao?", lex, TODAY, context_from_json(context_to_json(u)))
    assert f.follow_up and f.provinces == ["Tiền Giang"] and f.intent == "responsibility"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "{broken",
        "[]",
        '{"v": 99, "u": {"text": "a", "folded": "a"}}',  # another version
        '{"v": 1, "u": {"text": "a"}}',  # a field missing
        '{"v": 1, "u": {"text": "a", "folded": "a", "unknown_field": 1}}',
        '{"v": 1, "u": {"text": "a", "folded": "a", "window": {"start": "2026-13-01", "end": "x", "label": ""}}}',
        '{"v": 1, "u": {"text": "a", "folded": "a", "days": [[1]]}}',
        '{"v": 1, "u": {"text": 5, "folded": "a"}}',
        '{"v": 1, "u": {"text": "a", "folded": "a", "provinces": "Tiền Giang"}}',
    ],
)
def test_a_context_that_cannot_be_read_back_is_none(raw):
    assert context_from_json(raw) is None


@pytest.mark.slow
def test_the_assistant_keeps_contexts_in_the_shared_store(assistant):
    """Another Assistant on the same database (a second worker) answers the follow-up; forget() removes the context;
    a context damaged in the store is ignored."""
    from bot.assistant import Assistant

    other = Assistant(assistant.settings, load_dense=False)
    first = assistant.ask("Kế hoạch của Tiền Giang giao Sở GDĐT nhiệm vụ gì?", conversation_id="test:ctx-1")
    assert first.answered
    follow = other.ask("còn Sở Tài chính thì sao?", conversation_id="test:ctx-1")
    assert follow.intent == "responsibility" and "Sở Tài chính (Tiền Giang)" in follow.answer
    other.forget("test:ctx-1")
    assert assistant.recall("test:ctx-1") is None
    assistant.state.put("ctx:test:ctx-2", '{"v": 1, "u": {"text": 5}}', 60)  # not a context any more
    alone = assistant.ask("còn Sở Tài chính thì sao?", conversation_id="test:ctx-2")
    assert alone.answered and alone.intent != "responsibility"
