"""The evidence ranking (bot/evidence.py) and the answer read from it (bot/answerers/evidence.py):
features, the fitted model, refusals that name the missing words, yes/no verdicts, headings with their
items; and the annex after a signature (indexer/header.find_annex) that the ranking needs to see."""

from __future__ import annotations

import json

import pytest

from bot.answerers.base import as_written, refusal
from bot.answerers.evidence import yes_no
from bot.evidence import (
    MODEL_PATH,
    Candidate,
    _initials,
    agrees,
    asked_kinds,
    field_asked,
    field_label,
    lines_with_paragraphs,
    linear_score,
    sentences,
    split_lines,
)
from indexer.header import find_annex


def test_asked_kinds_read_the_question():
    assert "date" in asked_kinds("han nop bao cao la ngay nao")
    assert "number" in asked_kinds("ty le cong dan hoc tap la bao nhieu")
    assert "yesno" in asked_kinds("can tho co dat chi tieu cong dan hoc tap khong?")
    assert "place" in asked_kinds("le khai mac to chuc o dau")
    assert "document" in asked_kinds("cong van nay gui nhung don vi nao")
    assert "yesno" not in asked_kinds("ai phai bao cao truoc ngay 15/12")


def test_split_lines_keeps_items_and_splits_long_paragraphs():
    text = "1. Nhiệm vụ:\n- Một việc.\n- Hai việc.\n" + "Câu dài thứ nhất nói nhiều điều. " * 10 + "Câu sau."
    lines = split_lines(text)
    assert lines[:3] == ["1. Nhiệm vụ:", "- Một việc.", "- Hai việc."]
    assert len(lines) > 4 and all(len(x) < 260 for x in lines[3:])


def test_a_long_paragraph_is_cut_only_before_a_capital_and_each_sentence_keeps_its_paragraph():
    # lower-case clauses joined by ';' are one sentence (the letters À-Ỹ of a range include lower-case 'í')
    clauses = "ít nhất 90% hoàn thành bồi dưỡng (20 điểm); ít nhất 80% có kỹ năng số (15 điểm); ít nhất 25% …"
    assert sentences(clauses) == [clauses]
    para = "d) Đề nghị phối hợp: Hội Khuyến học tỉnh tôn vinh điển hình; Thư viện tỉnh tổ chức triển lãm sách. " * 3
    pairs = lines_with_paragraphs(para.strip())
    assert len(pairs) > 1 and all(p == para.strip() for _, p in pairs)
    assert pairs[1][0].startswith("Thư viện tỉnh")
    assert asked_kinds("thon dat danh hieu duoc thuong bao nhieu tien") >= {"money"}
    assert "money" not in asked_kinds("cac ben thuong luong hoa giai nhu the nao")  # 'lượng', not 'lương'
    assert "result" in asked_kinds("xa hoang an co dat chi tieu gia dinh hoc tap khong?")


def test_linear_score_uses_standardised_weights():
    model = {"features": ["a", "b"], "mean": [1.0, 0.0], "scale": [2.0, 1.0], "coef": [2.0, -1.0], "intercept": 0.0}
    assert linear_score({"a": 1.0, "b": 0.0}, model) == pytest.approx(0.5)
    assert linear_score({"a": 3.0}, model) > 0.8
    assert linear_score({"b": 3.0}, model) < 0.1


def test_fitted_model_is_complete_and_named():
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    n = len(model["features"])
    assert n >= 20 and len(model["coef"]) == len(model["mean"]) == len(model["scale"]) == n
    weights = dict(zip(model["features"], model["coef"]))
    assert weights["ask_date_lacks"] < 0  # a date question is not answered by a line without a date
    assert weights["header"] < 0 and weights["scope_conflict"] < 0


def test_yes_no_compares_a_result_with_its_target():
    assert yes_no("8. Công dân đạt danh hiệu: chỉ tiêu 40%; kết quả 33,5%. Đánh giá: Không đạt.").startswith("Chưa đạt")
    assert yes_no("9. Hộ gia đình: chỉ tiêu 70%; kết quả 78,2%. Đánh giá: Đạt.").startswith("Đạt")
    assert yes_no("Không thu phí đăng ký.") == "Không."
    assert yes_no("Công dân đăng ký tại chi hội.") is None


def test_abbreviations_are_found_by_their_initials():
    assert "cdht" in _initials(" danh gia cong dong hoc tap cap xa ")
    assert "hkhvn" in _initials(" hoi khuyen hoc viet nam ")


def test_refusal_names_the_missing_words_as_written():
    q = "Chỉ tiêu giảm tỷ lệ hộ nghèo đa chiều của tỉnh Tuyên Quang năm 2027 là bao nhiêu?"
    assert as_written(q, "da chieu") == "đa chiều"
    ans = refusal(q, ["ho ngheo da chieu"])
    assert not ans.answered and "“hộ nghèo đa chiều”" in ans.answer


def test_agreement_of_a_fact_answer_with_the_ranking():
    from bot.answer import Answer, Source

    def line(text, score, pick):
        return Candidate(7, "a", 0, text, False, features={"answerer_pick": float(pick)}, score=score)

    fact = Answer("q", True, "t", "deadline", [Source("a", "A", "", "- Gửi kế hoạch trước 30/4/2026.", 1.0, 7)])
    picked_first = [line("- Gửi kế hoạch trước 30/4/2026.", 0.9, True), line("- Khác.", 0.5, False)]
    picked_far = [line("- Báo cáo 6 tháng trước 15/6.", 0.9, False), line("- Khác.", 0.8, False)]
    picked_far += [line("- Gửi kế hoạch trước 30/4/2026.", 0.2, True)]
    assert agrees(fact, picked_first) and not agrees(fact, picked_far)
    assert agrees(fact, [])  # no ranking (no topic words): the answerer stands
    assert agrees(Answer("q", True, "t", "document", []), picked_far)  # the header answers about the document


def test_a_choice_the_evidence_weighs_far_below_the_best_line_does_not_stand():
    """'Tuần lễ … có chủ đề gì?': the event answerer's dates, lifted by its own choice over the theme, are not
    the answer when, weighed without that choice, they score well below it; a list's items each may, and so may
    a choice when the best line is weak evidence itself."""
    from types import SimpleNamespace

    from bot.answer import Answer, Source
    from bot.evidence import PICK_CLOSE

    model = {  # a line's score: its coverage of the topic, and the answerer's choice
        "features": ["answerer_pick", "cov_line"],
        "mean": [0.0, 0.0],
        "scale": [1.0, 1.0],
        "coef": [3.0, 4.0],
        "intercept": -3.0,
        "refusal": {"weak_evidence_score": 0.4},
    }

    def line(text, cover, pick):
        c = Candidate(7, "a", 0, text, False, features={"answerer_pick": float(pick), "cov_line": cover})
        c.score = linear_score(c.features, model)
        return c

    def ranking(dates_cover, theme_cover):
        lines = [line(dates, dates_cover, True), line("a) Chủ đề: “Học tập suốt đời”.", theme_cover, False)]
        return sorted(lines, key=lambda c: -c.score)

    dates = "b) Thời gian: từ ngày 01/10/2027 đến hết ngày 07/10/2027."
    fact = Answer("q", True, "t", "event", [Source("a", "A", "", dates, 1.0, 7)])
    asked = lambda q: SimpleNamespace(folded=q, agencies=[], days=[], window=None, months=[])
    far = ranking(0.4, 1.0)  # without the choice: 0.20 against 0.73
    assert far[0].text == dates  # the choice lifts it first
    assert not agrees(fact, far, asked("tuan le co chu de gi"), model)
    assert agrees(fact, far, asked("tuan le gom nhung hoat dong gi"), model)  # a list asked: the answerer gathers
    close = ranking(0.95, 1.0)  # 0.69 against 0.73
    assert linear_score({"cov_line": 0.95}, model) >= PICK_CLOSE * linear_score({"cov_line": 1.0}, model)
    assert agrees(fact, close, asked("tuan le nam 2027 the nao"), model)
    assert not agrees(fact, close, asked("tuan le co chu de gi"), model)  # the field named: "Chủ đề: …" answers
    weak = ranking(0.0, 0.5)  # the best line scores 0.27: weak evidence outweighs no choice
    assert agrees(fact, weak, asked("tuan le nam 2027 the nao"), model)
    assert not agrees(fact, weak, asked("tuan le co chu de gi"), model)


def test_a_grade_asked_by_muc_gi_is_no_number_asked():
    assert "number" not in asked_kinds("nam 2024 truong duoc xep loai muc gi")
    assert "number" in asked_kinds("muc ho tro la bao nhieu")
    assert "number" in asked_kinds("muc chi toi da")


def test_a_labelled_field_is_read_by_its_label():
    assert field_label("a) Chủ đề: “Học tập suốt đời - Làm chủ kỹ năng số”.") == "chu de"
    assert field_label("- Địa điểm: Hội trường UBND xã") == "dia diem"
    assert field_label("b) Thời gian: từ ngày 01/10/2027") == "thoi gian"
    assert field_label("Theo đó, vào ngày 5/10: khai mạc") == ""  # a sentence, not a label
    assert field_label("Kính gửi: Ủy ban nhân dân các xã, phường, đặc khu trên địa bàn tỉnh") == "kinh gui"
    assert field_asked("a) Chủ đề: “Học tập”.", "chu de tuan le 2027 la gi")
    assert not field_asked("b) Thời gian: từ ngày 01/10/2027", "chu de tuan le 2027 la gi")
    assert field_asked("- Đối tượng: người dân từ đủ 15 tuổi", "doi tuong cua lop la ai")


ANNEXED = """ỦY BAN NHÂN DÂN
TỈNH NAM SƠN

Số: 9/QĐ-UBND

Nam Sơn, ngày 02 tháng 3 năm 2026

QUYẾT ĐỊNH
Ban hành Quy định khen thưởng học tập

Điều 1. Ban hành kèm theo Quyết định này Quy định khen thưởng.

Điều 2. Quyết định có hiệu lực kể từ ngày ký.

Nơi nhận:
- Như Điều 2;
- Lưu: VT.

CHỦ TỊCH

Trần Văn Bình

____________________

QUY ĐỊNH

Khen thưởng học tập

1. Gia đình đạt danh hiệu 05 năm liền được tặng Giấy khen.
"""


def test_an_annex_after_the_signature_is_part_of_the_body():
    lines = ANNEXED.split("\n")
    start = find_annex(lines, next(i for i, x in enumerate(lines) if x.startswith("Nơi nhận")))
    assert start is not None and lines[start] == "QUY ĐỊNH"
    from bot.lexicon import load_lexicon
    from indexer.build import parse_text

    parsed = parse_text("namson-qd-9", __import__("pathlib").Path("x.txt"), ANNEXED, load_lexicon())
    assert parsed.header.signer == "Trần Văn Bình"
    assert any("05 năm liền" in c.text for c in parsed.chunks)


def test_no_annex_without_a_title_after_the_closing():
    lines = ["Điều 1. Nội dung.", "Nơi nhận:", "- Lưu: VT.", "", "GIÁM ĐỐC", "", "Nguyễn Văn A"]
    assert find_annex(lines, 1) is None


@pytest.mark.slow
def test_answers_read_from_the_evidence(assistant):
    # a heading that ends in ":" brings its items; an off-topic compound is refused and named
    ans = assistant.ask("Mục tiêu đến năm 2030 của Tiền Giang gồm những gì?")
    assert ans.answered and "2030" in ans.answer
    off = assistant.ask("Chỉ tiêu giảm tỷ lệ hộ nghèo đa chiều của Tiền Giang năm 2027 là bao nhiêu?")
    assert not off.answered and "đa chiều" in off.answer


def test_a_number_left_blank_is_cited_as_officials_write_it():
    from store.knowledge import Document

    def label(number):
        return Document(id="x", file_name="x", content_hash="", doc_type="công văn", number=number).label

    assert label("412/BGDĐT-GDNNGDTX") == "Công văn 412/BGDĐT-GDNNGDTX"
    assert label("/BGDĐT-GDTX") == "Công văn số …/BGDĐT-GDTX"  # not a bare slash
    assert label(None) == "Công văn (không ghi số)"


def test_a_section_is_cited_by_its_number_and_first_words_cut_at_a_word():
    from bot.answerers.evidence import section_label

    assert (
        section_label("II › 12. Đơn vị cấp huyện (cũ) được công nhận danh hiệu “Huyện học tập”: chỉ tiêu 25%…")
        == "II › 12. Đơn vị cấp huyện (cũ) được công nhận danh hiệu “Huyện…"
    )
    assert section_label("Chương III › Điều 10 › 2. Công dân đạt danh hiệu 03 lần liên tiếp được Hội…") == (
        "Điều 10 › 2. Công dân đạt danh hiệu 03 lần liên tiếp được Hội…"
    )
    assert section_label("IV › 6. Đề nghị Hội Khuyến học tỉnh") == "IV › 6. Đề nghị Hội Khuyến học tỉnh"
    assert section_label("Phần đầu văn bản") == "Phần đầu văn bản"


def test_many_deadlines_are_named_in_the_first_line_before_their_details(assistant):
    ans = assistant.ask("Những ngày nào trong năm phải nộp báo cáo về xã hội học tập?")
    first = ans.answer.split("\n", 1)[0]
    assert first.startswith("Có ") and "(trước " in first, first
    for day in (
        "15/6",
        "01/12",
        "15/12",
        "20/12",
    ):  # as the documents write them  # every deadline's day, though the details go on below
        assert day in first, first


def test_domain_abbreviations_typed_in_lower_case_are_spelt_out_for_the_topic():
    from bot.answerers.base import _domain_terms_spelt
    from bot.lexicon import load_lexicon

    lex = load_lexicon()
    assert _domain_terms_spelt(lex, "so vhttdl lam gi trong ke hoach xhht") == (
        "so vhttdl lam gi trong ke hoach xã hội học tập"
    )
    assert _domain_terms_spelt(lex, "ubnd huyen co nhiem vu gi") == "ubnd huyen co nhiem vu gi"  # an entity's name


def test_a_year_that_names_the_document_is_not_a_year_of_its_content():
    from bot.evidence import document_years

    assert document_years("bao cao so ket theo cong van bo gddt nam 2026 can nhung noi dung nao") == {2026}
    assert document_years("ke hoach xhht tuyen quang nam 2026 giao so nao") == {2026}
    assert document_years("muc tieu nam 2025 cua ke hoach la gi") == set()  # the year asked of the content
    assert document_years("chi tieu nam 2027 theo nghi quyet hdnd xa hoang an") == set()


def test_the_unit_a_number_is_asked_in():
    from bot.evidence import asked_unit

    assert asked_unit("bao nhieu diem thi dat danh hieu cong dan hoc tap") == "diem"
    assert asked_unit("cong an xa mo may lop tuyen truyen") == "lop"
    assert asked_unit("duoc thuong bao nhieu tien") is None  # money, read by its own kind
    assert asked_unit("hoc luc may gio") is None  # a time of day
    assert asked_unit("ai chu tri") is None
    assert asked_unit("bat dau may gio, khoang bao nhieu dai bieu") == "dai"  # the time is not the unit asked


def test_a_number_asked_in_a_unit_is_carried_only_by_a_number_of_that_unit():
    from bot.evidence import carries_asked

    q = "khai mac may gio, khoang bao nhieu dai bieu"
    assert carries_asked("number", "- Thành phần: …; dự kiến 1.200 đại biểu.", q)
    assert not carries_asked("number", "- Thời gian: 07 giờ 30 phút, ngày 02/10/2027.", q)
    assert carries_asked("number", "gồm 12 buổi", "bao nhieu")  # no unit asked: any number


def test_a_count_asked_is_given_only_by_a_number_of_what_is_counted():
    from bot.evidence import count_asked, gives_count

    q = "Tỉnh Tuyên Quang có bao nhiêu xã, phường?"
    counted = count_asked(q, "tinh tuyen quang co bao nhieu xa, phuong?")
    assert counted is not None
    assert gives_count(counted, "1. Cụ thể hóa mục tiêu … tỉnh miền núi với 124 xã, phường.")
    assert gives_count(counted, "Công nhận 9/11 xã đạt chuẩn")  # a share written as a fraction
    assert not gives_count(counted, "6. Xã đạt mức độ 3 hai lần liên tiếp được tặng Bằng khen.")  # an item's number
    assert not gives_count(counted, "a) Tỷ lệ xã, phường đạt chuẩn: năm 2027 đạt 92%.")
    people = count_asked("tối đa bao nhiêu người?", "toi da bao nhieu nguoi?")
    assert gives_count(people, "- Sĩ số: tối đa 30 học viên/lớp.")  # people counted by what they are
    assert gives_count(count_asked("có mấy TTHTCĐ", "co may tthtcd"), "còn 103 Trung tâm học tập cộng đồng")
    assert count_asked("bao nhiêu % công dân học tập", "bao nhieu cong dan hoc tap") is None  # a share
    assert count_asked("học mấy lớp có mất tiền không?", "hoc may lop co mat tien khong?") is None  # yes/no
    assert count_asked("được thưởng bao nhiêu tiền", "duoc thuong bao nhieu tien") is None
    assert count_asked("làm hỏng máy tính thì sao", "lam hong may tinh thi sao") is None  # no "mấy tỉnh"
    agencies = count_asked("Huế có bao nhiêu cơ quan đạt?", "hue co bao nhieu co quan dat?")
    assert not gives_count(agencies, "đạt 02 năm liên tiếp") and gives_count(agencies, "có 05 cơ quan đạt")


def test_a_period_names_each_of_its_years_only_where_asked():
    from bot.evidence import line_years, named_years

    assert named_years("giai đoạn 2021 - 2025") == {2021, 2022, 2023, 2024, 2025}
    assert named_years("Quyết định 1373 năm 2021; đến năm 2030") == {2021, 2030}
    lines = ["b) Mục tiêu giai đoạn 2026 - 2030:", "- 80% hộ đạt danh hiệu."]
    assert line_years(lines, 1) == {2026, 2030}  # the years written: the ranking was fitted on them
    assert 2028 in line_years(lines, 1, periods=True)


def test_how_many_lineages_asks_a_count_not_money():
    assert "money" not in asked_kinds("co bao nhieu dong ho dat danh hieu")
    assert "money" in asked_kinds("duoc thuong bao nhieu dong")
    assert "money" in asked_kinds("tinh ho tro tien an cho hoc vien moi buoi bao nhieu")
    assert "money" in asked_kinds("bo co cap tien cho cac tinh lam bao cao khong, bao nhieu")
    assert "money" not in asked_kinds("tien do bao cao dat bao nhieu phan tram")
    assert "money" not in asked_kinds("tim kiem tham do la hoat dong duoc tien hanh nham phat hien")
    assert "money" in asked_kinds("hoc vien duoc nhan tien an khong")


def test_a_line_led_by_a_body_names_it():
    from bot.evidence import body_led_by

    assert body_led_by("- Sở Nội vụ: chuẩn bị tham luận.") == "Sở Nội vụ"
    assert body_led_by("a) Hội Khuyến học tỉnh: chuẩn bị tài liệu.") == "Hội Khuyến học tỉnh"
    assert body_led_by("- Thời gian: 08 giờ 00.") is None
    assert body_led_by("Sở Nội vụ chủ trì, phối hợp với các sở.") is None


def test_items_are_picked_by_a_phrase_of_the_question_only_when_it_does_not_name_the_list():
    from bot.answerers.evidence import distinguishing

    items = [
        "- Mỗi xã, phường tổ chức ít nhất 01 Ngày hội học tập.",
        "- Mở ít nhất 02 lớp kỹ năng số.",
        "- Ra mắt dòng họ.",
    ]
    q = "trong tuan le moi xa phuong co nhung hoat dong gi"
    assert distinguishing(q, items, head="b) Cấp xã, phường") == items  # "mỗi xã" names whose list it is
    assert distinguishing(q, items) == items[:1]  # without the head, "mỗi xã" would pick one item
    results = ["- Tỷ lệ A: không đạt.", "- Tỷ lệ B: đạt.", "- Tỷ lệ C: không đạt."]
    assert distinguishing("nhung chi tieu nao khong dat", results, head="Kết quả") == [results[0], results[2]]
    duties = ["a) Chỉ đạo phong trào.", "b) Vận động Quỹ Khuyến học.", "c) Địa bàn phụ trách: khu vực Yên Châu."]
    whole = "ba huong phu trach nhung viec gi, dia ban nao"  # the duties asked whole: every item, the area among them
    assert distinguishing(whole, duties) == duties
    assert distinguishing("ba huong phu trach dia ban nao", duties) == duties[2:]


def test_the_clauses_of_a_question_asking_two_things():
    from bot.answer import Answer
    from bot.answerers.clauses import clauses_asking, missing_kinds

    q = "Quyết định công nhận đơn vị học tập phải ra trước ngày nào, có giá trị bao lâu?"
    assert clauses_asking(q) == ["Quyết định công nhận đơn vị học tập phải ra trước ngày nào", "có giá trị bao lâu"]
    assert clauses_asking("Sở GDĐT có nhiệm vụ gì?") == []  # one clause
    assert clauses_asking("Cho hỏi, hạn nộp báo cáo là ngày nào?") == ["hạn nộp báo cáo là ngày nào"]
    assert clauses_asking("Thời hạn tạm trú tối đa là 02 năm, có thể gia hạn nhiều lần") == []  # states, asks not
    said = Answer(
        "q", True, "Theo Thông báo 87/TB-UBND, ngày 12/6/2026:\n“- Khai giảng: 19 giờ 00 ngày 05/10/2026.”", "search"
    )
    assert missing_kinds(said, "học trong bao lâu") == ["duration"]  # "00 ngày 05/10" is a date, no duration
    assert missing_kinds(said, "khai giảng ngày nào") == []
    assert missing_kinds(said, "sở nào tham mưu") == ["who"]  # some body is always named: the clause's own line says


def test_a_clause_whose_own_words_the_answer_does_not_say_is_untold():
    from bot.answer import Answer
    from bot.answerers.clauses import untold_words

    said = Answer("q", True, "Theo Biên bản:\n“- Thời gian: bắt đầu lúc 14 giờ 00 phút, ngày 08/4/2027.”", "search")
    first = ["cuoc", "hop", "bat dau", "gio"]
    assert untold_words(said, ["ket thuc"], first) == ["ket thuc"]  # a time is given, not the end's
    assert untold_words(said, ["bat dau", "gio"], first) == []  # the first clause's own words
    assert untold_words(said, ["thoi gian", "ket thuc", "ngay"], first) == []  # most of its words are said


def test_words_missing_only_from_a_later_clause_are_an_aside():
    from bot.answerers.base import aside_missing

    assert aside_missing("Đăng kí công dân học tập nộp ở đâu, có làm online được không?", ["online"])
    assert not aside_missing("Lương cán bộ TTHTCĐ bao nhiêu, nộp ở đâu?", ["luong"])  # the first clause lacks it
    assert not aside_missing("Cho hỏi, lương cán bộ bao nhiêu?", ["luong"])  # a first clause asking nothing
    assert not aside_missing("Lương của cán bộ trung tâm học tập cộng đồng là bao nhiêu?", ["luong"])
    # "Theo …, …": where to look, no clause of its own; the fee is what is asked
    assert not aside_missing(
        "Theo hướng dẫn của Sở GDĐT tỉnh Đồng Nai, lệ phí thẩm định hồ sơ là bao nhiêu?", ["le phi"]
    )


def test_the_line_naming_the_donor_asked_comes_first():
    from bot.evidence import _party_named_first

    opening = Candidate(1, "post", 0, "Hội Khuyến học xã Lập Thạch thống nhất danh sách trao học bổng năm 2026", False)
    donor = Candidate(1, "post", 5, "- Công ty TNHH May mặc Hồng Phát: 50.000.000đ", False)
    other = Candidate(2, "plan", 3, "Công ty Hồng Phát tài trợ máy tính", False)
    ranked = _party_named_first([opening, other, donor], "Công ty Hồng Phát tài trợ bao nhiêu cho quỹ?")
    assert ranked[0] is donor and donor.party_named, [c.text for c in ranked]  # of the best line's document
    person = Candidate(1, "post", 6, "- Anh Trần Văn Quyết (doanh nhân): 30.000.000đ", False)
    assert _party_named_first([opening, person], "anh Tran Van Quyet ung ho bao nhieu")[0] is person
    assert _party_named_first([opening, donor], "quỹ khuyến học có bao nhiêu tiền?")[0] is opening  # none named


def test_a_figure_says_the_unit_asked():
    from bot.evidence import FIGURE_UNITS

    assert FIGURE_UNITS["tien"].search(" giai nhat: 3.000.000 dong ") and FIGURE_UNITS["tien"].search(" 1,5 ti dong ")
    assert FIGURE_UNITS["gio"].search(" tu 8h15 den 10h30 ") and FIGURE_UNITS["gio"].search(" luc 14 gio 00 ")
    assert not FIGURE_UNITS["tien"].search(" 3 lop hoc, 40 hoc vien ") and not FIGURE_UNITS["gio"].search(" 2027 ")
    assert "money" in asked_kinds("to trinh de nghi tong kinh phi bao nhieu")


def test_a_list_asked_by_what_its_members_are_is_answered_by_a_line_naming_them():
    from bot.evidence import Candidate, _members_named_first, members_asked
    from bot.relevance import folded_text

    q = folded_text("Trong báo cáo gửi Bộ, phần tiền chi cho đề án phải tách theo những nguồn nào?")
    assert members_asked(q) == ["nguon"]
    assert members_asked(folded_text("Sở GDĐT đề nghị những đơn vị nào phối hợp?")) == []  # any body is one
    assert members_asked(folded_text("Vòng chung kết gồm những phần thi nào?")) == ["phan thi"]

    def line(doc, text):
        c = Candidate(1, doc, 0, text, False)
        c.features = {}
        return c

    account = line("a", "c) Tài khoản đăng nhập hệ thống được cấp cho mỗi Sở GDĐT 01 tài khoản;")
    money = line("a", "d) Kinh phí thực hiện, chia theo nguồn ngân sách nhà nước và nguồn xã hội hóa;")
    elsewhere = line("b", "Kinh phí từ nguồn ngân sách nhà nước.")
    assert _members_named_first([account, money], q)[0] is money
    assert _members_named_first([account, elsewhere], q)[0] is account  # not from another document
    assert _members_named_first([money, account], q)[0] is money


def test_a_best_line_sharing_no_topic_word_gives_way_to_one_that_does():
    from bot.evidence import Candidate, _covered_first

    def line(text, cov):
        c = Candidate(1, "d", 0, text, False)
        c.features = {"cov_line_ctx": cov}
        return c

    clause = line("Điều 3. Ban Thường vụ … chịu trách nhiệm thi hành Quyết định này./.", 0.0)
    answer = line("Công dân đạt danh hiệu khi có tổng điểm từ 80 điểm trở lên.", 0.5)
    assert _covered_first([clause, answer])[0] is answer
    assert _covered_first([answer, clause])[0] is answer
    far = [clause] + [line(f"x{i}", 0.0) for i in range(5)] + [answer]  # beyond COVERED_WINDOW: unchanged
    assert _covered_first(far)[0] is clause


def test_a_line_refers_to_a_numbered_section_by_its_noun_and_number():
    from types import SimpleNamespace

    from bot.knowledge import Knowledge

    chunks = [
        SimpleNamespace(headings=["I. CÁC LỚP HỌC", "4. Lớp “Tiếng Anh giao tiếp”"]),
        SimpleNamespace(headings=["III. ĐĂNG KÝ HỌC", "1. Hạn đăng ký:"]),
    ]
    kb = SimpleNamespace(_numbered={}, chunks_of_document=lambda doc_id: chunks)
    kb.numbered_titles = lambda doc_id: Knowledge.numbered_titles(kb, doc_id)
    assert Knowledge.referred_titles(kb, "d", "- Lớp 4: trước ngày 25/9/2026.") == ["4. Lớp “Tiếng Anh giao tiếp”"]
    assert Knowledge.referred_titles(kb, "d", "- lop 4 truoc ngay 25/9") == ["4. Lớp “Tiếng Anh giao tiếp”"]
    assert Knowledge.referred_titles(kb, "d", "Lớp 3: trước ngày 31/8/2026.") == []  # no such section
    assert Knowledge.referred_titles(kb, "d", "ngày 4/10 tại lớp học") == []  # a date is no reference
    # a line that begins by naming the section is about it (retrieved with it); one naming it in passing is not
    assert Knowledge.title_led_by(kb, "d", "- Lớp 4: trước ngày 25/9/2026.") == "4. Lớp “Tiếng Anh giao tiếp”"
    assert Knowledge.title_led_by(kb, "d", "3. Giấy tờ: phiếu đăng ký. Riêng Lớp 4 không yêu cầu giấy tờ.") is None


def test_a_list_item_is_quoted_whole_not_its_first_sentence():
    from types import SimpleNamespace

    from bot.answerers.evidence import section_items
    from bot.evidence import Candidate

    long_item = (
        "d) Sở GDĐT đề nghị phối hợp: Hội Khuyến học tỉnh lựa chọn, giới thiệu các điển hình để tôn vinh; "
        "Thư viện tỉnh (thuộc Sở Văn hóa, Thể thao và Du lịch) tổ chức triển lãm sách; Sở Khoa học và Công nghệ "
        "hỗ trợ nền tảng cuộc thi trực tuyến và lớp kỹ năng số; Báo và Phát thanh, Truyền hình Hà Tĩnh đưa tin."
    )
    chunks = [
        SimpleNamespace(id=i, document_id="d", headings=["4. Trách nhiệm", h], text=h if i < 3 else long_item)
        for i, h in enumerate(["a) Phòng GDĐT tổ chức.", "b) TTHTCĐ mở lớp.", "c) Trường học tham gia.", long_item])
    ]
    kb = SimpleNamespace(chunks={c.id: c for c in chunks}, chunks_of_document=lambda doc_id: chunks)
    head, items = section_items(SimpleNamespace(kb=kb), Candidate(3, "d", 0, long_item[:60], False))
    assert head == "4. Trách nhiệm" and items[-1] == long_item, items


def test_an_age_asked_is_checked_against_the_ages_a_line_admits():
    from bot.answerers.evidence import age_verdict, yes_no

    line = "- Đối tượng: người từ 15 đến 60 tuổi chưa biết chữ hoặc tái mù chữ."
    assert age_verdict("me toi 65 tuoi chua biet chu co hoc duoc khong", line).startswith("Không:")
    assert age_verdict("em 17 tuoi co hoc duoc khong", line).startswith("Có:")
    assert age_verdict("toi 70 tuoi co hoc duoc khong", "Người dân từ 15 tuổi trở lên.").startswith("Có:")
    assert age_verdict("co hoc duoc khong", line) is None  # no age asked
    assert age_verdict("toi 30 tuoi co hoc duoc khong", "Học viên mang theo thẻ căn cước.") is None
    assert yes_no(line, "me toi 65 tuoi co hoc duoc khong").startswith("Không:")


def test_the_evidence_is_as_strong_as_its_best_line_whichever_comes_first():
    """A rule may put first a line the model scored lower (a cause, a result): the weak-evidence refusal reads
    the ranking's best score, not the first line's."""
    from bot.evidence import Candidate, best_score

    moved = Candidate(1, "d", 0, "2. Nguyên nhân: …", False, score=0.02)
    best = Candidate(1, "d", 1, "1. … chưa đạt chỉ tiêu đề ra.", False, score=0.46)
    assert best_score([moved, best]) == 0.46 and best_score([]) == 0.0


def test_a_compound_the_evidence_writes_with_and_between_its_halves_is_not_missing():
    from bot.evidence import _written_in

    hay = " co so giao duc trien khai quan li day va hoc tren moi truong so "
    assert _written_in("day hoc", hay) and _written_in("moi truong", hay)
    assert not _written_in("truong hoc", hay)


def test_a_sum_of_money_is_asked_in_many_ways_and_free_answers_only_a_fee():
    from bot.evidence import _FEE_ASKED, MONEY_SUM, asked_kinds

    for q in ("ngan sach chi bao nhieu ti", "muc phat la bao nhieu", "giao vien duoc tra bao nhieu mot buoi"):
        assert "money" in asked_kinds(q), q
    assert MONEY_SUM.search("hỗ trợ tiền ăn 50.000 đồng/buổi") and not MONEY_SUM.search("truy cập miễn phí")
    assert _FEE_ASKED.search("hoc lop nay co mat tien khong") and not _FEE_ASKED.search("bi phat bao nhieu tien")


def test_a_line_holding_the_whole_question_comes_before_one_holding_half_of_it():
    """'… kinh phí hoạt động bình quân chỉ khoảng 12 triệu đồng/trung tâm/năm' (every salient word, 0.96 of all) before a
    task to budget 20 million holding half the question with its headings; not within the margin, not a line lacking
    the kind asked, not a table row, and not for a list (its head and items answer it)."""
    from bot.evidence import Candidate, _whole_question_first

    def line(text, cov, salient=1.0, ctx=None, **flags):
        feats = {"cov_line": cov, "cov_line_ctx": cov if ctx is None else ctx, "salient_line": salient, **flags}
        return Candidate(1, "d", 0, text, False, features=feats)

    task = line(
        "b) Ban hành văn bản hướng dẫn … mức tối thiểu 20 triệu đồng/trung tâm/năm", 0.45, salient=0.0, ctx=0.49
    )
    whole = line("- 11 TTHTCĐ …; kinh phí hoạt động bình quân chỉ khoảng 12 triệu đồng/trung tâm/năm", 0.96)
    assert _whole_question_first([task, whole], {"number"})[0] is whole
    assert _whole_question_first([task, whole], {"list"})[0] is task
    assert _whole_question_first([line("…", 0.7), whole], {"number"})[0].text == "…"  # within the margin
    # … unless the best line lacks a salient word: the line holding them all needs no margin
    assert _whole_question_first([line("…", 0.7, salient=0.0), whole], {"number"})[0] is whole
    assert _whole_question_first([task, line("…", 0.96, salient=0.5)], {"number"})[0] is task  # a salient word lacking
    lacking = line("kinh phí hoạt động bình quân …", 0.96, ask_number_lacks=1.0)
    assert _whole_question_first([task, lacking], {"number"})[0] is task
    assert _whole_question_first([task, line("| 3 | kinh phí bình quân | 12 |", 0.96)], {"number"})[0] is task


def test_a_list_head_holding_every_topic_word_comes_first_unless_it_lacks_what_is_asked():
    """A list asked: 'Báo cáo tập trung vào các nội dung chính sau:' (with its heading, every topic word) before a line
    of another section sharing one word; not when no list is asked, not a line that does not open a list, and never a
    line that lacks the kind asked (a contact) before one that has it."""
    from bot.evidence import Candidate, _covered_first, _list_head_first

    def line(text, cov, **flags):
        return Candidate(1, "d", 0, text, False, features={"cov_line_ctx": cov, **flags})

    other = line("Bộ GDĐT dự kiến tổ chức Hội nghị sơ kết …", 0.4)
    whole = line("Báo cáo tập trung vào các nội dung chính sau:", 1.0)
    assert _list_head_first([other, whole], {"list"})[0] is whole
    assert _list_head_first([other, whole], {"number"})[0] is other
    assert _list_head_first([line("…", 0.8), whole], {"list"})[0].text == "…"  # within the margin: the model's order
    assert _list_head_first([other, line("Mỗi tủ sách có 01 cộng tác viên …", 1.0)], {"list"})[0] is other
    contact = line("Thông tin liên hệ: bà … điện thoại 0239.3856.217", 0.0, ask_contact_lacks=0.0)
    opening = line("Kế hoạch … Tuần lễ học tập suốt đời …:", 1.0, ask_contact_lacks=1.0)
    assert _list_head_first([contact, opening], {"list", "contact"})[0] is contact
    assert _covered_first([contact, opening])[0] is contact
    assert _covered_first([line("Điều 3. … thi hành …", 0.0), whole])[0] is whole


def test_a_result_is_stated_by_a_figure_or_a_verdict_not_by_the_word_result():
    from bot.evidence import _RESULT_STATED

    assert _RESULT_STATED.search("8. Công dân đạt danh hiệu “Công dân học tập”: chỉ tiêu 40%; kết quả 33,5%.")
    assert _RESULT_STATED.search("Đánh giá: Không đạt.")
    assert not _RESULT_STATED.search(
        "4. Đề nghị Hội Khuyến học Việt Nam hướng dẫn việc chuyển đổi kết quả công nhận “Công dân học tập” đã cấp trước năm 2027."
    )


def test_the_bound_of_a_period_asked_and_stated():
    from bot.evidence import _BOUNDS
    from bot.relevance import folded_text

    due, start, end = _BOUNDS
    assert start[0].search(folded_text("Thông tư bắt đầu áp dụng từ ngày nào?")) and not due[0].search(
        "bat dau ap dung"
    )
    assert due[0].search(folded_text("Hạn chót nộp báo cáo là ngày nào?"))
    assert due[0].search(folded_text("hạn gửi báo cáo sơ kết 5 năm về Bộ là ngày nào vậy"))
    assert not due[0].search(folded_text("hạn chế gì khi đăng ký vào ngày nào"))
    assert end[0].search(folded_text("được hưởng đến khi nào"))
    assert end[0].search(folded_text("dang ky cong dan hoc tap den han nao thi het"))  # until when
    assert not end[0].search(folded_text("hết bao nhiêu tiền"))
    assert start[1].search(folded_text("có hiệu lực thi hành kể từ ngày 01 tháng 9 năm 2026"))
    assert end[1].search(folded_text("giữ nguyên kết quả đến hết ngày 31 tháng 12 năm 2026"))
    assert due[1].search(folded_text("ban hành quyết định công nhận trước ngày 20 tháng 12"))
    assert not due[1].search(folded_text("đã tự đánh giá trước ngày Thông tư này có hiệu lực"))  # no date after it


def test_the_names_the_documents_quote_are_learned_from_them(assistant):
    names = assistant.kb.quoted_names()
    assert {"dong ho hoc tap", "gia dinh hoc tap"} <= names
    assert all(2 <= len(n.split()) <= 6 for n in names)


def test_a_score_asked_is_placed_in_the_range_of_points_a_level_line_sets():
    from bot.answerers.evidence import level_verdict
    from bot.evidence import holds_points_anywhere, points_asked, points_span
    from bot.relevance import folded_text

    good = "2. Đạt: tổng điểm từ 70 điểm đến dưới 90 điểm; hoặc từ 90 điểm trở lên nhưng có chỉ số bị chấm 0 điểm."
    best = "1. Hoàn thành xuất sắc: tổng điểm từ 90 điểm trở lên và không có chỉ số nào bị chấm 0 điểm."
    poor = "3. Chưa đạt: tổng điểm dưới 70 điểm."
    assert points_span(good)[:3] == (70.0, 90.0, False)
    assert points_span("Mức 2: từ 50 đến 69 điểm")[:3] == (50.0, 69.0, True)
    assert points_span(poor)[:2] == (0.0, 70.0) and points_span("Hạn nộp: trước ngày 15/11") is None
    assert points_asked(folded_text("đơn vị tự chấm được 82 điểm thì xếp loại gì?")) == 82.0
    assert points_asked(folded_text("Tiêu chí 2 được tối đa bao nhiêu điểm?")) is None  # no score to place
    levels = [best, good, poor]
    q = folded_text("don vi minh tu cham duoc 82 diem thi xep loai gi?")
    assert level_verdict(q, good, levels).startswith("Đạt: từ 70 điểm đến dưới 90 điểm; 82 điểm")
    assert level_verdict(q, poor, levels) is None
    assert level_verdict(folded_text("được 65 điểm có đạt không"), poor, levels).startswith("Chưa đạt: dưới 70 điểm")
    # 93 points is "Hoàn thành xuất sắc" or "Đạt" by what the line's other clause says: no verdict, the levels only
    assert (
        holds_points_anywhere(good, 93)
        and level_verdict(folded_text("được 93 điểm thì xếp loại gì"), best, levels) is None
    )


def test_the_ages_a_line_sets():
    from bot.evidence import _MAY_I, holds_age
    from bot.relevance import folded_text

    line = "a) Người học … trong độ tuổi từ đủ 15 tuổi đến 60 tuổi, có nơi thường trú trên địa bàn tỉnh."
    assert holds_age(line, 15) and holds_age(line, 60) and not holds_age(line, 61)
    assert holds_age("b) Người trên 60 tuổi … được hỗ trợ tài liệu", 65) and not holds_age("trên 60 tuổi", 60)
    assert holds_age("người từ 18 tuổi trở lên", 40) and holds_age("trẻ dưới 6 tuổi", 5)
    assert not holds_age("Hỗ trợ tiền ăn: 450.000 đồng/người/tháng", 65)
    assert _MAY_I.search(folded_text("người 65 tuổi có được hỗ trợ tiền ăn không"))
    assert not _MAY_I.search(folded_text("có được hỗ trợ tiền ăn bao nhiêu không"))


def test_a_number_asked_in_another_unit_than_money_asks_no_sum():
    from bot.evidence import asked_kinds
    from bot.relevance import folded_text

    kinds = lambda q: asked_kinds(folded_text(q))
    assert "money" not in kinds("Học viên phải đi học đủ bao nhiêu buổi thì mới được nhận tiền ăn tháng đó?")
    assert "money" not in kinds("được hỗ trợ tiền ăn mấy tháng")
    assert "money" in kinds("hỗ trợ tiền ăn bao nhiêu một tháng")  # "một" is no unit
    assert "money" in kinds("chi phí mấy triệu") and "money" in kinds("học mấy lớp có mất tiền không")


def test_only_the_clause_naming_the_lists_members_chooses_its_items():
    from bot.answerers.evidence import distinguishing
    from bot.relevance import folded_text

    annexes = ["- Phụ lục 1: Biểu số liệu các chỉ tiêu;", "- Phụ lục 2: Biểu thống kê hoạt động TTHTCĐ (xã, phường);"]
    q = "Sở ngành thì nộp kèm những phụ lục nào, có phải nộp PL thống kê TTHTCĐ không?"
    assert distinguishing(folded_text(q).strip(), annexes, question=q) == annexes  # the list asked, whole
    targets = ["1. Gia đình học tập: kết quả 58,4%. Đánh giá: Chưa đạt.", "2. Thôn: kết quả 62,5%. Đánh giá: Đạt."]
    q = "Những chỉ tiêu nào xã Hoàng An chưa đạt năm 2026?"
    assert distinguishing(folded_text(q).strip(), targets, question=q) == targets[:1]


def _row(text: str, columns: str = "", **features) -> "Candidate":
    from bot.evidence import Candidate

    c = Candidate(1, "doc", 0, text, False, dict(features))
    c.columns = columns
    return c


def test_a_table_row_carries_what_its_columns_are():
    from bot.evidence import row_carries

    people = "| STT | Họ và tên | Chức danh | Nhiệm vụ được phân công |"
    assert row_carries("who", _row("| 6 | Võ Văn Tùng | Ủy viên | Tin học |", people))
    assert not row_carries("money", _row("| 6 | Võ Văn Tùng | Ủy viên | Tin học |", people))
    sums = "| Quý | Số tiền | Nội dung chủ yếu |"
    assert row_carries("money", _row("| Quý IV | 55.000.000 | Ngày hội |", sums))
    assert not row_carries("money", _row("| Quý IV | chưa phân bổ | Ngày hội |", sums))  # no sum in it
    assert not row_carries("who", _row("Võ Văn Tùng phụ trách tin học."))  # prose: its own words only


def test_a_row_is_named_by_its_label_not_by_a_word_of_its_cells():
    from bot.evidence import _names_a_cell

    assert _names_a_cell("| Quý IV | 55.000.000 | Ngày hội |", " qui iv nam 2027 chi bao nhieu ")
    assert not _names_a_cell("| Quý I | 40.000.000 | Hội nghị |", " qui iv nam 2027 chi bao nhieu ")
    # "Giám đốc" is a cell of the row, not its label ("Lê Thị Minh Hằng"): "Ban Giám đốc" names no row
    row = "| 1 | Lê Thị Minh Hằng | Phó Chủ tịch UBND xã | Giám đốc | Phụ trách chung |"
    assert not _names_a_cell(row, " ban giam doc nguoi nao phu trach tu sach ")


def test_a_row_comes_before_prose_only_when_it_holds_more_of_the_question_than_any_prose():
    from bot.evidence import _row_over_prose

    prose = _row("3. Nhiệm kỳ … các thành viên Ban Giám đốc.", cov_line_ctx=0.2)
    row = _row("| 6 | Võ Văn Tùng | Tin học |", "| STT | Họ và tên | Nhiệm vụ |", cov_line_ctx=0.6)
    assert _row_over_prose([prose, row])[0] is row
    better = _row("Hồ sơ gửi qua Hệ thống quản lý văn bản …", cov_line_ctx=0.8)
    assert _row_over_prose([prose, row, better])[0] is prose
    lacking = _row("| 6 | Võ Văn Tùng | Tin học |", "| STT | Họ và tên |", cov_line_ctx=0.6, ask_place_lacks=1.0)
    assert _row_over_prose([prose, lacking])[0] is prose  # it lacks the kind asked that the prose does not


def test_a_sum_is_not_asked_beside_where_or_when_without_an_amount_word():
    from bot.evidence import asked_kinds

    assert "money" not in asked_kinds("nhan tien thuong khen thuong cua xa o dau, tu ngay nao den ngay nao")
    assert "money" not in asked_kinds("duoc nhan tien thuong khi nao")
    assert "money" in asked_kinds("giai nhat duoc thuong bao nhieu, trao o dau")
    assert "money" in asked_kinds("hoc phi lop tieng anh bao nhieu")


def test_a_school_year_is_named_as_a_pair():
    from bot.evidence import _school_year_not_near

    asked = "nam hoc 2026-2027 xa muong nhe co bao nhieu nguoi hoan thanh"
    assert _school_year_not_near(asked, " lop xoa mu chu nam hoc 2027 - 2028 ") == "năm học 2026-2027"
    assert _school_year_not_near(asked, " ket qua nam hoc 2026 2027 ") is None
    assert _school_year_not_near("nam 2027 co bao nhieu lop", " nam hoc 2027 - 2028 ") is None


def test_a_compound_with_one_word_between_its_halves_is_written():
    from bot.evidence import names_member

    assert names_member("truong hoc", "truong tieu hoc noi due")
    assert not names_member("truong hoc", "thon lung giang")
    assert not names_member("ho ngheo", "ho khong ngheo")  # a negation between is no match


def test_places_and_people_asked_are_read_with_their_capitalised_names():
    from bot.evidence import _PERSON_ASKED, _titled_names, places_asked

    assert places_asked("Xã Minh Đức huyện Văn Lâm có bao nhiêu hộ?") == [
        ("Xã Minh Đức", "Minh Đức"),
        ("huyện Văn Lâm", "Văn Lâm"),
    ]
    assert _titled_names(_PERSON_ASKED, "Hộ ông Nguyễn Văn Tám thôn Ngô Xá") == [("ông", "Nguyễn Văn Tám")]
    assert _titled_names(_PERSON_ASKED, "Trong cuộc họp, đ/c Nguyễn Hoàng Phúc nói gì?") == [
        ("đ/c", "Nguyễn Hoàng Phúc")
    ]
    assert places_asked("xa minh duc co bao nhieu ho") == []  # typed without capitals: no name to check


def test_the_items_giving_a_count_asked_stay_beside_those_another_clause_names():
    from bot.answerers.evidence import distinguishing
    from vntext import fold

    items = [
        "1. Ban Khuyến học dòng họ gồm 07 thành viên: 01 Trưởng ban, 02 Phó Trưởng ban, 01 Thư ký.",
        "2. Nhiệm kỳ của Ban Khuyến học dòng họ là 05 năm, phù hợp nhiệm kỳ Hội Khuyến học xã.",
        "3. Ban Khuyến học họp định kỳ mỗi quý một lần.",
    ]
    q = "Ban khuyến học dòng họ gồm mấy người, nhiệm kỳ bao lâu?"
    assert distinguishing(fold(q).lower(), items, question=q) == items[:2]
    q = "Nhiệm kỳ của ban khuyến học dòng họ bao lâu?"
    assert distinguishing(fold(q).lower(), items, question=q) == items[1:2]


def test_the_highest_of_a_column_asked_of_a_table():
    from bot.evidence import cell_number, column_asked, extreme_asked, table_cells

    header = table_cells(
        "| STT | Xã, phường | Tỷ lệ hộ gia đình (%) | Số lớp chuyên đề (lớp) | Số lượt người học (lượt) |"
    )
    assert column_asked(header, "xa nao duoc giao so luot nguoi hoc cao nhat") == 4
    assert column_asked(header, "xa nao duoc giao so lop chuyen de it nhat") == 3
    assert column_asked(header, "xa nao tot nhat") is None  # no column named
    assert cell_number("| 1 | Phường Tân An Cao | 92 | 48 | 6.500 |", 4) == 6500
    assert cell_number("| 3 | Xã Lũng Nặm | 73,5 | 19 | 2.050 |", 2) == 73.5
    assert cell_number("| | Tổng cộng | | 360 | 42.350 |", 4) is None  # the total is no row of its own
    assert extreme_asked("xa nao duoc giao so luot nguoi hoc cao nhat")
    assert not extreme_asked("phai dat it nhat bao nhieu diem")  # at least, not which is least


def test_a_numbered_item_led_by_a_body_names_it():
    from bot.evidence import body_led_by

    assert (
        body_led_by("5. Trung tâm Phục vụ hành chính công phường: hướng dẫn …")
        == "Trung tâm Phục vụ hành chính công phường"
    )
    assert body_led_by("- Sở Nội vụ: chuẩn bị …") == "Sở Nội vụ"
    assert body_led_by("5. Tổ chức tập huấn: …") is None


def test_a_total_of_what_is_counted_is_given():
    from bot.evidence import total_given
    from vntext import fold

    given = lambda q, line: total_given(q, fold(line).lower())
    q = "chuong trinh tong cong bao nhieu tiet"
    assert given(q, "Tổng thời lượng chương trình là 42 tiết (mỗi tiết 45 phút), gồm 40 tiết học")
    assert not given(q, "Tổng số 444 học viên của 148 xã, phường (chi tiết tại phụ lục)")  # of people
    assert given("tong cong bao nhieu dai bieu", "Tổng số đại biểu dự kiến: 290 người, gồm:")
    assert given("tong cong bao nhieu tien", "| | Tổng cộng | | 210 | 185.000.000 |")
    assert not given("co bao nhieu tiet", "Thời lượng: 08 tiết")  # no total in it


def test_a_row_is_named_by_a_role_cell_the_question_writes_whole():
    from bot.evidence import _named_cell

    q = " chu tich hoi dong tham dinh la ai "
    assert _named_cell("| 1 | Ông Trần Quang Vinh | Giám đốc Sở GDĐT | Chủ tịch Hội đồng |", q) == "chu tich hoi dong"
    assert _named_cell("| 2 | Bà Nguyễn Thị Thu Hà | Phó Giám đốc Sở Nội vụ | Phó Chủ tịch Hội đồng |", q) == ""
    assert _named_cell("| 5 | Bà Phạm Thị Lan | Chuyên viên | Thư ký Hội đồng |", q) == ""


def test_a_person_named_by_a_title_is_who():
    from bot.evidence import CARRIES

    assert CARRIES["who"].search("- Người dạy: anh Lý Quốc Bảo (Đoàn Thanh niên phường)")
    assert CARRIES["who"].search("Ông Trần Quang Vinh, Giám đốc")
    assert not CARRIES["who"].search("ông ấy đi họp")  # no name after the title
    assert not CARRIES["who"].search("anh em trong nhà cùng học")


def test_a_lineage_asked_is_read_by_its_capitalised_name():
    from bot.evidence import _LINEAGE_ASKED

    names = lambda q: [m.group(1).strip() for m in _LINEAGE_ASKED.finditer(q)]
    assert names("dong ho Ngo o thon Dong Xuan duoc bao nhieu diem") == ["Ngo"]
    assert names("Dòng họ Nguyễn Văn ở thôn Đồng Xuân xếp loại gì?") == ["Nguyễn Văn"]
    assert names("Xã có bao nhiêu dòng họ học tập?") == []  # the title, no name


def test_a_compared_year_is_not_the_lines_own():
    from bot.evidence import line_years

    assert line_years(["| 11 | Xã Quảng Khê | 71 | Khá | Giảm 01 bậc so với năm 2025 |"], 0) == set()
    assert line_years(["Năm 2026 tăng 5% so với cùng kỳ năm 2025."], 0) == {2026}


def test_a_column_counts_what_it_names():
    from bot.evidence import _column_counts

    assert _column_counts("  STT   Xã, phường   Tổng điểm   Xếp loại  ", "diem")
    assert _column_counts("| Xã | Số hộ GĐHT |", "ho") and not _column_counts("| STT | Chủ hộ | Xóm |", "ho")


def test_a_sponsor_is_named_by_its_kind_and_capitalised_name():
    from bot.evidence import _organisations

    assert _organisations("Ngân hàng Agribank tài trợ bao nhiêu?") == [("Ngân hàng", "Agribank")]
    assert _organisations("cty Sen Vàng tài trợ cho TTHTCĐ Tân Mỹ Lợi bao nhiêu?") == [("cty", "Sen Vàng")]
    assert _organisations("công ty nào tài trợ nhiều nhất?") == []


def test_a_share_of_a_budget_is_no_sum_asked():
    from vntext import fold

    # "kinh phí … bao nhiêu" asks a sum, unless it asks a share, in words or by its sign
    assert "money" in asked_kinds(fold("kinh phí hỗ trợ mỗi trung tâm là bao nhiêu"))
    assert "money" not in asked_kinds(fold("xã chưa cân đối ngân sách thì tỉnh hỗ trợ bao nhiêu %"))
    assert "money" not in asked_kinds(fold("ngân sách tỉnh hỗ trợ bao nhiêu phần trăm"))


def test_a_wage_is_asked_by_its_words_not_by_a_quantity():
    from bot.evidence import wage_asked
    from vntext import fold

    for q in (
        "Lương giáo viên lớp xóa mù chữ bao nhiêu?",
        "luong giao vien bao nhieu 1 thang",
        "mức lương cán bộ TTHTCĐ",
    ):
        assert wage_asked(q, fold(q)), q
    for q in (
        "Chất lượng lớp học thế nào?",  # "lượng" typed with its accents
        "chat luong lop hoc ra sao",  # folded, of "chất lượng"
        "so luong hoc vien bao nhieu",
        "Lương giáo viên do ai chi trả?",  # no figure asked
        "Phụ cấp giám đốc TTHTCĐ bao nhiêu?",  # an allowance, which the documents pay as "hỗ trợ"
    ):
        assert not wage_asked(q, fold(q)), q


def test_a_role_holder_is_asked_and_named():
    from bot.evidence import _HOLDER_ASKED, _PERSON_NAMED
    from vntext import fold

    assert _HOLDER_ASKED.search(fold("Giám đốc Sở Văn hóa tỉnh Quảng Trị hiện nay là ai?"))
    assert _HOLDER_ASKED.search(fold("chu tich hoi khuyen hoc tinh ten gi"))
    assert not _HOLDER_ASKED.search(fold("Ai chủ trì tổ chức hội nghị?"))  # a body asked, no role's holder
    assert _PERSON_NAMED.search("Giám đốc: Ông Nguyễn Văn An")
    assert _PERSON_NAMED.search("| Phó Chủ tịch UBND xã | Trần Văn Bình |")
    assert not _PERSON_NAMED.search("Giám đốc Sở Văn hóa, Thể thao và Du lịch chủ trì")
