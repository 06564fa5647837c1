"""Answers on the ninth round's blind documents (tests/data/probe7), of kinds the shared sets lack: a commune's Word
decision with the rules of its community learning centre (a table of the board's members and tasks), a commune
department's budget request (Tờ trình, tables of lines and of quarters), a province's questions-and-answers web page
on the "Công dân học tập" title and a city department's inspection plan (a schedule table, two annexes). Through the
real indexer, store, model and assistant:

- a table row is found by what its columns are: a person under "Họ và tên" answers "ai …", a sum under "Số tiền"
  answers "bao nhiêu tiền", and the row whose own cell the question names ("Quý IV") is the one quoted, read with
  its first cell as its label;
- a questions-and-answers page answers by its questions' sections: a dossier asked is every item of the answer;
- a numbered annex the document does not have ("Phụ lục 5" of a plan with Phụ lục 1 and 2) is refused by name;
- a title asked of a page about another title only ("Dòng họ học tập" of a page on "Công dân học tập") is refused
  by name;
- a question typed without accents about the asker's child ("con toi 16 tuoi …") is read as the asker's, not as
  words to find ("con toi", "tuoi roi").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assistant_over

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "tests" / "data" / "probe7"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, e5_model):
    return assistant_over(tmp_path_factory, "probe7-store", [ROOT / "knowledge", DOCS])


def test_a_person_in_a_table_answers_who_by_the_task_in_their_row(assistant):
    ans = assistant.ask("Trong Ban Giám đốc TTHTCĐ Cam Lộ, ai được phân công mảng chuyển đổi số?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[1]
    assert first.startswith("“Võ Văn Tùng”") and "Tin học, chuyển đổi số" in first, ans.answer


def test_the_row_whose_cell_the_question_names_is_quoted_with_that_cell_as_its_label(assistant):
    ans = assistant.ask("Giao Sơn dự kiến chi bao nhiêu tiền trong quý IV năm 2027?")
    assert ans.answered, ans.answer
    first = ans.answer.split("\n")[1]
    assert first.startswith("“Quý IV” — Số tiền: 55.000.000"), ans.answer


def test_a_dossier_asked_of_a_questions_page_is_every_item_of_its_answer(assistant):
    ans = assistant.ask("Muốn được công nhận công dân học tập thì hồ sơ gồm những giấy tờ nào?")
    assert ans.answered, ans.answer
    assert "Hỏi - đáp về danh hiệu Công dân học tập" in ans.answer.split("\n")[0], ans.answer
    for item in ("Mẫu 01-CDHT", "Mẫu 02-CDHT", "Minh chứng kết quả học tập"):
        assert item in ans.answer, ans.answer


def test_an_annex_the_plan_does_not_have_is_refused_by_name(assistant):
    ans = assistant.ask("Phụ lục 5 của kế hoạch kiểm tra XHHT năm 2027 tại Củ Chi quy định nội dung gì?")
    assert not ans.answered, ans.answer
    assert "“Phụ lục 5”" in ans.answer, ans.answer
    kept = assistant.ask("Phụ lục 2 của kế hoạch kiểm tra XHHT năm 2027 tại Củ Chi dùng để làm gì?")
    assert kept.answered and "Phụ lục 2" in kept.answer, kept.answer


def test_a_title_asked_of_a_page_on_another_title_only_is_refused_by_name(assistant):
    ans = assistant.ask("Ở Phú Thọ đăng ký danh hiệu Dòng họ học tập đến hạn ngày nào?")
    assert not ans.answered, ans.answer
    assert "dòng họ học tập" in ans.answer.lower(), ans.answer


def test_an_unaccented_question_about_the_askers_child_is_answered(assistant):
    ans = assistant.ask("con toi 16 tuoi roi, co dang ky cong dan hoc tap o Phu Tho duoc khong")
    assert ans.answered, ans.answer
    assert ans.answer.startswith("Có"), ans.answer
    assert "15 tuổi" in ans.answer, ans.answer
