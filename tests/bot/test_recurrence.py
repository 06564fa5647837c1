"""`Recurrence`: the type of a deadline's recurrence, and the two bugs a bare string let through.

- A half-yearly "trước ngày 20 của tháng cuối mỗi 6 tháng" falls due in June and December only (it used to be read
  as quarterly: March and September too).
- A "trước ngày 05 của tháng đầu quý sau" deadline (January, April, July, October) is found by a question about
  April (the answerer assumed quarterly deadlines fall in months divisible by 3).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.answerers.deadlines import _by_date
from bot.formatting import RECURRENCE_VI, deadline_due_phrase
from bot.lexicon import load_lexicon
from bot.occurrences import occurrences
from bot.understanding import understand
from indexer.build import parse_text
from store.knowledge import Deadline
from store.recurrence import Recurrence

LETTER = """ỦY BAN NHÂN DÂN TỈNH CAO BẰNG
ỦY BAN NHÂN DÂN XÃ HÒA AN

Số: 59/UBND-VHXH
V/v báo cáo định kỳ năm 2026

Hòa An, ngày 12 tháng 01 năm 2026

Kính gửi: Trung tâm học tập cộng đồng xã.

1. Trung tâm học tập cộng đồng xã báo cáo kết quả hoạt động về Ủy ban nhân dân xã trước ngày 20 của tháng cuối mỗi 6 tháng.
2. Hội Khuyến học xã gửi danh sách hội viên mới về Ủy ban nhân dân xã chậm nhất ngày 05 của tháng đầu quý sau.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
"""


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


@pytest.fixture(scope="module")
def letter(lex):
    return parse_text("hoaan-2026-cv-dinh-ky", Path("hoaan-2026-cv-dinh-ky.txt"), LETTER, lex)


def _row(fact) -> Deadline:
    return Deadline(
        id=fact.key,
        due_day=fact.due_day,
        due_month=fact.due_month,
        due_year=fact.due_year,
        recurrence=fact.recurrence,
        period=fact.period,
    )


def test_recurrence_is_stored_as_its_string():
    assert Recurrence.QUARTERLY == "quarterly" and Recurrence.of("half-yearly") is Recurrence.HALF_YEARLY
    assert Recurrence.of(None) is Recurrence.ONCE and Recurrence.of("no such thing") is Recurrence.ONCE
    assert [r.months for r in Recurrence] == [None, 12, 6, 3, 1, None]
    assert RECURRENCE_VI["half-yearly"] == Recurrence.HALF_YEARLY.vietnamese == "6 tháng một lần"
    assert Recurrence.QUARTERLY.months_due(1) == {1, 4, 7, 10}
    assert Recurrence.QUARTERLY.months_due(3) == {3, 6, 9, 12}
    assert Recurrence.HALF_YEARLY.months_due(6) == {6, 12}
    assert Recurrence.YEARLY.months_due(12) == Recurrence.ONCE.months_due(12) == {12}


def test_half_yearly_deadline_falls_due_in_june_and_december_only(letter):
    fact = next(d for d in letter.facts.deadlines if d.due_day == 20)
    assert (fact.recurrence, fact.due_month) == ("half-yearly", 6)
    days = list(occurrences(_row(fact), dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
    assert days == [dt.date(2026, 6, 20), dt.date(2026, 12, 20), dt.date(2027, 6, 20), dt.date(2027, 12, 20)]
    assert deadline_due_phrase(_row(fact)) == "ngày 20 tháng cuối mỗi 6 tháng"


def test_first_month_of_next_quarter_deadline_is_found_for_april(letter, lex):
    fact = next(d for d in letter.facts.deadlines if d.due_day == 5)
    assert (fact.recurrence, fact.due_month) == ("quarterly", 1)
    row = _row(fact)
    april = understand("tháng 4 có hạn nào?", lex, dt.date(2026, 3, 1))
    assert april.months == [4]
    assert _by_date(april, [row]) == [row]
    may = understand("tháng 5 có hạn nào?", lex, dt.date(2026, 3, 1))
    assert _by_date(may, [row]) == []
    assert next(iter(occurrences(row, dt.date(2026, 4, 1), dt.date(2026, 4, 30)))) == dt.date(2026, 4, 5)
