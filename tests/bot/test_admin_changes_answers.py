"""Answers that know the 2025 changes (issue 12), through the real assistant on the store the real indexer
built from knowledge/ (lexical search: facts and the register need no embedding model)."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 12, 2)
NOTE_DN = (
    "ℹ️ Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025 — văn bản dưới đây do UBND tỉnh Đắk Nông ban hành "
    "trước thay đổi này."
)


@pytest.fixture(scope="module")
def assistant(lexical_assistant):
    """The shared seed store, answered lexically: facts and the register need no embedding model."""
    return lexical_assistant


def ask(assistant, q, today=TODAY):
    return assistant.ask(q, today=today)


@pytest.mark.parametrize("q", ["Sở GDĐT Lâm Đồng phải báo cáo khi nào?", "so gddt lam dong phai bao cao khi nao"])
def test_new_province_finds_the_merged_provinces_documents_with_the_note(assistant, q):
    a = ask(assistant, q)
    assert a.answered and a.intent == "deadline", a.answer
    assert a.answer.split("\n")[0] == NOTE_DN
    assert "15/06" in a.answer and "15/12" in a.answer
    assert {s.file for s in a.sources} == {"daknong-2021-3597-ubnd-kgvx"}
    assert "UBND các huyện, thành phố" in a.answer  # the document's words are kept …
    assert "không còn cấp huyện" in a.answer  # … and carry the caution


def test_old_province_gets_the_same_note(assistant):
    a = ask(assistant, "Đắk Nông phải báo cáo khi nào?")
    assert a.answered and a.answer.split("\n")[0] == NOTE_DN
    assert {s.file for s in a.sources} == {"daknong-2021-3597-ubnd-kgvx"}


def test_register_question_through_the_assistant(assistant):
    a = ask(assistant, "Đắk Nông giờ thuộc tỉnh nào?")
    assert a.answered and a.intent == "register"
    assert "tỉnh Lâm Đồng" in a.answer and "Nghị quyết 202/2025/QH15" in a.answer
    a = ask(assistant, "Sở LĐTBXH nay là sở nào?")
    assert a.answered and a.intent == "register" and "Sở Nội vụ" in a.answer


def test_merged_department_facts_carry_the_caution(assistant):
    a = ask(assistant, "Sở Lao động - Thương binh và Xã hội Tiền Giang có nhiệm vụ gì?")
    assert a.answered and a.intent == "responsibility"
    lines = a.answer.split("\n")
    assert lines[0].startswith("ℹ️ Tiền Giang nay thuộc tỉnh Đồng Tháp từ 01/7/2025")
    cautions = [ln for ln in lines if "⚠️" in ln]
    assert len(cautions) == 1 and "Sở Nội vụ" in cautions[0]
    assert "Sở Lao động - Thương binh và Xã hội (Tiền Giang)" in a.answer


def test_no_caution_where_every_party_still_exists(assistant):
    for q in (
        "Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?",
        "Ai phải gửi báo cáo về Bộ GDĐT trước ngày 20/12?",
        "Mục tiêu năm 2025 về công dân học tập?",
        "Ủy ban Mặt trận Tổ quốc tỉnh Đắk Nông được đề nghị làm gì?",
    ):
        a = ask(assistant, q)
        assert a.answered and "⚠️" not in a.answer, (q, a.answer)


def test_a_caution_shown_once_per_answer(assistant):
    a = ask(assistant, "Những ngày nào trong năm phải nộp báo cáo về xã hội học tập?")
    assert a.answered
    full = [ln for ln in a.answer.split("\n") if ln.strip().startswith("⚠️ Lưu ý")]
    assert len(full) == 1 and "không còn cấp huyện" in full[0]
    assert all(d in a.answer for d in ("15/6", "01/12", "15/12", "20/12")) and len(a.answer) <= 1500  # as written


@pytest.mark.parametrize(
    "q",
    [
        "Thời tiết Lâm Đồng ngày mai thế nào?",
        "Dân số Lâm Đồng bao nhiêu?",
        "Thời tiết Hà Nội ngày mai thế nào?",
        "dak lak sau sap nhap co tong cong bao nhieu xa phuong?",  # the register names provinces, counts no commune
    ],
)
def test_off_topic_questions_naming_a_province_stay_refused(assistant, q):
    a = ask(assistant, q)
    assert a.answered is False and a.intent != "register", a.answer


def test_what_a_recognition_is_worth_after_the_merger_is_asked_of_the_documents():
    """The register says which province a commune now belongs to, not whether its title still holds."""
    from bot.answerers import register

    q = "Xã tôi ở Thanh Hóa vừa sáp nhập, giấy công nhận cộng đồng học tập cũ của xã còn giá trị không?"
    assert register.answer(q) is None
    assert register.answer("Đắk Nông sau sáp nhập thuộc tỉnh nào?") is not None


@pytest.mark.parametrize(
    "q",
    [
        "Sau sáp nhập cả nước còn bao nhiêu tỉnh?",
        "hien nay co may tinh thanh",
        "Việt Nam có bao nhiêu tỉnh, thành phố?",
    ],
)
def test_how_many_provinces_the_country_has_is_counted_from_the_register(q):
    """The register's entries, counted by kind: the mergers' new provinces and those left as they were."""
    from bot.admin_changes import load_register
    from bot.answerers import register

    reg = load_register()
    a = register.answer(q, dt.date(2026, 12, 6))
    assert a is not None and a.intent == "register", q
    total = len(reg.mergers) + len(reg.unchanged)
    assert f"cả nước có {total} đơn vị hành chính cấp tỉnh" in a.answer and total == 34
    assert "28 tỉnh và 6 thành phố" in a.answer and "Nghị quyết 202/2025/QH15" in a.answer
    assert register.answer("Có bao nhiêu tỉnh phải gửi báo cáo sơ kết?", dt.date(2026, 12, 6)) is None  # content


def test_computers_are_no_count_of_provinces():
    """'5 máy tính' folds as 'mấy tỉnh': written with its accents, a question on computers is not the register's."""
    from bot.answerers import register

    assert register.answer("Tại sao 5 máy tính ở phòng tin học của trung tâm bị hỏng?", dt.date(2026, 12, 6)) is None
    assert register.answer("Xã được cấp mấy máy tính?", dt.date(2026, 12, 6)) is None
    assert register.answer("Sau sáp nhập cả nước có mấy tỉnh?", dt.date(2026, 12, 6)) is not None
