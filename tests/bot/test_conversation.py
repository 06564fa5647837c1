"""A chat that behaves like one (issue 19, item 5), on the seed store: "bạn làm được gì?", follow-ups that keep the
kind of the previous question, names typed with typos, "X là gì?" when no document defines X."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.typos import NameFixer, SyllableFixer, is_syllable

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 12, 6)


def test_what_can_you_do_gets_a_short_reply_with_examples(assistant):
    for q in ("bạn làm được gì?", "ban lam duoc gi", "Bạn giúp được gì cho tôi?"):
        ans = assistant.ask(q, today=TODAY)
        assert ans.intent == "greeting" and "hạn báo cáo" in ans.answer and "Bạn có thể hỏi, ví dụ:" in ans.answer
        assert len(ans.answer) < 700 and ans.suggestions


def test_a_follow_up_keeps_the_kind_of_the_previous_question(assistant):
    conv = "conv-19-followup"
    first = assistant.ask("Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?", conversation_id=conv, today=TODAY)
    assert first.intent == "deadline" and "15/06" in first.answer
    then = assistant.ask("còn Tiền Giang thì sao?", conversation_id=conv, today=TODAY)
    assert then.intent == "deadline" and "01/12" in then.answer
    assert then.sources[0].file == "tiengiang-2021-ke-hoach-xhht"


def test_names_with_one_or_two_typos_are_read_as_the_names_the_store_knows(assistant):
    fixer = NameFixer(assistant.lex)
    seen = assistant.kb.phrase_in_documents
    assert fixer.fix("sở gíao dục tiềng giang báo cáo", seen) == "sở gíao dục Tiền Giang báo cáo"
    assert fixer.fix("nhiem vu cua so giao duk dak nong", seen) == "nhiem vu cua so giao duc dak nong"
    kept = ("Hạn báo cáo của Tiền Giang", "thời tiết Hà Nội", "kế hoạch tiến giảng dạy", "Dân số Lâm Đồng bao nhiêu?")
    for fine in kept:  # names written right, and words, are kept
        assert fixer.fix(fine, seen) == fine
    assert fixer.fix("điện thoại phòng GDTX tỉnh", assistant.kb.phrase_in_documents) == "điện thoại phòng GDTX tỉnh"
    ans = assistant.ask("sở gíao dục tiềng giang báo cáo hạn chót ngay nào", today=TODAY)
    assert ans.answered and ans.intent == "deadline" and "01/12" in ans.answer
    assert ans.question == "sở gíao dục tiềng giang báo cáo hạn chót ngay nào"  # the question as asked is kept


def test_a_word_that_is_no_syllable_is_read_as_the_one_the_documents_write_beside_its_neighbour(assistant):
    kb = assistant.kb
    fixer = SyllableFixer(kb.syllable_known, kb.phrase_in_documents, kb.written_as)
    assert not is_syllable("nag") and not is_syllable("thog") and is_syllable("nghieng") and is_syllable("quy")
    assert fixer.fix("kỹ năg số cho người dân") == "kỹ năng số cho người dân"
    assert fixer.fix("bao cao dinh ki 6 thag") == "bao cao dinh ki 6 thang"  # typed without diacritics: kept so
    for kept in ("Sở GDĐT báo cáo", "kỹ năng số", "UBND xã gửi email", "xyzq báo cáo"):  # words the documents
        assert fixer.fix(kept) == kept  # write, syllables, and a non-word with no close syllable beside it


def test_what_is_x_says_when_no_document_defines_x_then_quotes_where_it_is_mentioned(assistant):
    ans = assistant.ask("học tập suốt đời là gì", today=TODAY)
    assert ans.answered and ans.sources
    assert ans.answer.startswith("Các văn bản hiện có không định nghĩa “học tập suốt đời”.")
    assert "“" in ans.answer.split("\n", 1)[1]  # then the documents' own words
    other = assistant.ask("Sở GDĐT Tiền Giang có nhiệm vụ gì?", today=TODAY)  # not a definition question
    assert "không định nghĩa" not in other.answer


def test_what_is_an_abbreviation_spells_it_out(assistant):
    ans = assistant.ask("XHHT là gì?", today=TODAY)
    assert ans.answered and ans.answer.startswith("XHHT là viết tắt của “xã hội học tập”.")
