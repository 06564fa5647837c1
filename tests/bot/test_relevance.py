"""Topic words and their coverage (bot/relevance.py): the measure that decides whether a fact or a
passage is about the question."""

from __future__ import annotations

import pytest

from vntext import folded_syllables
from bot.relevance import (
    LONG_QUESTION_MIN_COVERAGE,
    PASSAGE_MIN_COVERAGE,
    Segmenter,
    coverage,
    idf,
    passage_min_coverage,
    topic_units,
    words_in_names,
)


@pytest.fixture(scope="module")
def seg():
    return Segmenter(
        [folded_syllables("Báo cáo kết quả xây dựng xã hội học tập gửi về Sở Giáo dục và Đào tạo.")],
        ["Đắk Nông", "Tiền Giang", "Sở Giáo dục và Đào tạo"],
    )


@pytest.mark.parametrize(
    "text, words",
    [
        ("Học phí đại học năm 2025", ["hoc phi", "dai hoc"]),
        ("hoc phi dai hoc nam 2025", ["hoc phi", "dai hoc"]),
        ("Làm thế nào để trở thành công dân học tập?", ["tro thanh", "cong dan", "hoc tap"]),
        ("lam the nao de tro thanh cong dan hoc tap", ["tro thanh", "cong dan", "hoc tap"]),
        ("ai phai bao cao truoc ngay 15/12", ["bao cao"]),
    ],
)
def test_words_are_found_with_and_without_diacritics(seg, text, words):
    assert all(w in seg.segment(text) for w in words)


def test_a_known_name_is_one_word_even_when_the_segmenter_glues_it(seg):
    words = seg.segment("Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?")
    assert "dak nong" in words and "nop" in words


def test_a_name_no_list_knows_glued_to_the_next_word_is_the_name_and_that_word(seg):
    """underthesea reads 'Phường Buôn Hồ nộp' as one word 'buôn_hồ_nộp'; the question's capitals say where the name
    ends. A capitalised name whose last syllable makes a word with the next one stays whole ('Hội Khuyến học')."""
    words = seg.segment("Phường Buôn Hồ nộp báo cáo ngày nào?")
    assert "buon ho" in words and "nop" in words and "buon ho nop" not in words
    assert "khuyen hoc" in seg.segment("Hội Khuyến học tỉnh có nhiệm vụ gì?")
    assert "noi vu" in seg.segment("Sở Nội vụ phải làm gì?")
    assert "buon ho nop" not in seg.segment("Buôn Hồ nộp báo cáo chưa?")
    glued = seg.segment("Trường Trần Phú kiến nghị UBND thị xã điều gì?")  # 'phú kiến' is a word, 'kiến nghị' too
    assert "tran phu" in glued and "kien nghi" in glued


def test_a_unit_is_covered_where_the_text_writes_it_abbreviated():
    """'uy ban nhan dan' asked, 'UBND các xã' written: the documents abbreviate names of three words or more."""
    from bot.relevance import folded_text

    assert coverage(["uy ban nhan dan", "gui"], "", folded_text("7. UBND các xã, phường gửi kế hoạch")) == 1.0
    assert coverage(["giao duc va dao tao"], "", folded_text("gửi Sở GDĐT")) == 1.0
    assert coverage(["hoc tap"], "", folded_text("HT")) == 0.0  # two letters are too ambiguous


def test_the_glossarys_expansions_are_words_of_the_assistants_segmenter(tmp_path):
    """Typed in full with diacritics, 'Ủy ban nhân dân' is one word as 'UBND' is (underthesea cut it 'Ủy' |
    'ban nhân dân')."""
    from bot.assistant import Assistant
    from bot.config import load_settings

    assistant = Assistant(load_settings(tmp_path), load_dense=False)
    assert "uy ban nhan dan" in assistant.kb.segmenter.segment("Ủy ban nhân dân xã gửi kế hoạch")


def test_topic_units_drop_question_words_and_what_is_ignored(seg):
    units = topic_units(
        "Sở Giáo dục và Đào tạo Tiền Giang có nhiệm vụ gì về chuyển đổi số?",
        {"nhiem", "vu"},
        seg,
        {"so giao duc va dao tao", "tien giang"},
    )
    assert units in (["chuyen doi", "so"], ["chuyen doi so"])  # "số" stays although "Sở" folds alike


def test_registering_folded_is_a_topic_word_not_two_function_words(seg):
    """ "đăng ký" folds to "dang ki", the syllables of "đang" (a function word) and "kỳ" (a time word)."""
    for q in ("Đăng ký công dân học tập đến hạn nào thì hết?", "dang ky cong dan hoc tap den han nao thi het"):
        assert "dang ki" in topic_units(q if "ă" in q else q.replace("ky", "ki"), set(), seg), q


def test_the_askers_family_is_never_the_topic(seg):
    units = topic_units("Bà tôi 58 tuổi đi học lớp xóa mù chữ có được hỗ trợ không?", set(), seg)
    assert "ba" not in units and "xoa mu chu" in " ".join(units), units
    assert "ba" in topic_units("giải ba được thưởng bao nhiêu", set(), seg)  # the third prize is a topic


def test_text_without_diacritics_prefers_the_words_the_documents_write():
    # "xã hội học" + "tạp giao" are dictionary words too, but the documents write "xã hội", "học tập", "giao"
    plan = "Kế hoạch xây dựng xã hội học tập. UBND tỉnh giao nhiệm vụ cho các sở; học tập suốt đời."
    seg = Segmenter([folded_syllables(plan)] * 60)
    words = seg.segment("ke hoach ve xa hoi hoc tap giao nhiem vu cho nhung so nao")
    assert "hoc tap" in words and "tap giao" not in words, words
    assert "tap giao" in Segmenter().segment("xa hoi hoc tap giao")  # without a corpus: the dictionary alone


def test_no_word_spans_a_comma_in_text_without_diacritics():
    seg = Segmenter()
    assert "bo so" in seg.segment("lien he ai o bo so dien thoai")  # a dictionary word, when written as one
    words = seg.segment("lien he ai o bo, so dien thoai bao nhieu")
    assert "bo so" not in words and "bo" in words, words


def test_the_asker_and_their_family_are_not_the_topic(seg):
    units = topic_units("Mẹ tôi 65 tuổi chưa biết chữ có học lớp xóa mù chữ được không?", set(), seg)
    assert not {"me", "toi", "me toi"} & set(units), units
    assert "mu chu" in units or "xoa mu chu" in units, units


def test_coverage_counts_whole_words_weighted_by_rarity():
    units = ["hoc phi", "dai hoc"]
    # "kinh phí … học" shares syllables but neither word
    assert coverage(units, "Bố trí kinh phí cho học tập suốt đời") == 0.0
    assert coverage(units, "học phí đại học") == 1.0
    rare, common = idf(0, 100), idf(90, 100)
    assert rare > common
    text = "báo cáo tình hình"
    assert coverage(["bao cao", "sot xuat huyet"], text, weights={"bao cao": common, "sot xuat huyet": rare}) < 0.2


def test_long_questions_need_less_coverage():
    assert passage_min_coverage(2) == PASSAGE_MIN_COVERAGE
    assert passage_min_coverage(30) == LONG_QUESTION_MIN_COVERAGE
    assert PASSAGE_MIN_COVERAGE > passage_min_coverage(7) > LONG_QUESTION_MIN_COVERAGE


def test_a_name_cut_apart_by_the_segmenter_is_still_no_topic():
    """'ủy | ban nhân dân | xã' is the body 'Ủy ban nhân dân xã' named by the question, not three topic words;
    a word reaching past the name stays."""
    words = ["uy", "ban nhan dan", "xa", "gui", "ke hoach"]
    assert words_in_names(words, {"uy ban nhan dan xa"}) == {0, 1, 2}
    assert words_in_names(["uy ban", "nhan dan xa hoi"], {"uy ban nhan dan"}) == {0}
    assert words_in_names(words, {"xa"}) == set()  # one syllable: only a whole word is a name
    assert topic_units("ủy ban nhân dân xã gửi báo cáo", names={"uy ban nhan dan xa"}) == ["gui", "bao cao"]


def test_a_content_word_that_folds_onto_a_question_word_stays_in_the_topic():
    """Typed with diacritics, "mượn" (borrow) and "máy" (machine) are the topic, not "muốn" and "mấy"; typed
    without, or beside the question word they fold to, they cannot be told apart and go as before."""
    from bot.relevance import content_readings, topic_units

    assert "muon" in topic_units("Làm thế nào để mượn sách ở tủ sách cộng đồng?")
    assert "muon" not in topic_units("Tôi muốn biết tủ sách cộng đồng mở cửa lúc nào?")
    assert content_readings("Có lớp học dùng máy tính không?") == {"dung", "may"}
    assert content_readings("Muốn làm thẻ thư viện thì làm thế nào?") == set()  # "thẻ" beside "thế"
    assert content_readings("lam the nao de muon sach") == set()


def test_still_asked_is_no_topic_but_half_a_year_is():
    from bot.relevance import topic_units

    assert "nua" not in topic_units("chi tieu huyen hoc tap o can tho con tinh nua ko")
    assert any("nua" in u for u in topic_units("Báo cáo nửa năm gửi Sở trước ngày nào?"))


def test_how_long_and_what_time_are_the_questions_shape_not_its_topic():
    from bot.relevance import topic_units

    units = topic_units("Các sở và UBND xã phải ban hành kế hoạch thực hiện chỉ thị trong bao lâu?")
    assert "bao lau" not in units and "ban hanh" in units
    assert not {"luc nao", "may gio", "hom nao"} & set(topic_units("le khai mac to chuc luc nao, may gio, hom nao"))


def test_unaccented_function_words_are_not_glued_into_words_the_documents_never_write():
    seg = Segmenter([["tuoi", "tre", "hoc", "tap"], ["roi", "rac"]] * 5)
    assert seg.segment("15 tuoi roi co dang ky duoc khong")[1:3] == ["tuoi", "roi"]


def test_a_word_glued_across_a_name_is_cut_at_the_seam_the_documents_write():
    from bot.relevance import Segmenter
    from vntext import folded_syllables

    seg = Segmenter(corpus_syllables=[folded_syllables("Trung tâm GDNN-GDTX Bố Trạch báo cáo; Lớp B (buổi chiều)")])
    assert seg._reseamed(["gdnn-gdtx bo", "trach so", "bao nhieu"]) == ["gdnn-gdtx", "bo trach", "so", "bao nhieu"]
    assert seg._reseamed(["lop", "b hoc", "o", "dau"]) == ["lop b", "hoc", "o", "dau"]
    assert seg._reseamed(["qua", "han 2/7"]) == ["qua", "han 2/7"]  # a date's word is left as it is
    assert seg._reseamed(["bao cao", "ket qua"]) == ["bao cao", "ket qua"]  # words the documents write stay


def test_a_name_whose_last_syllable_went_into_a_dictionary_word_gets_it_back():
    from bot.relevance import Segmenter
    from vntext import folded_syllables

    seg = Segmenter(corpus_syllables=[folded_syllables("xã Phú Ủng Tây; Hội Khuyến học xã")])
    text = "Lớp học ở xã Phú Ủng Tây học thứ mấy"
    words = ["lop", "hoc", "o", "xa", "phu ung", "tay hoc", "thu", "may"]
    assert seg._name_tail_joined(text, words)[4:6] == ["phu ung tay", "hoc"]
    # a word the documents write after a capital ("Hội Khuyến học") stays whole
    assert seg._name_tail_joined("Hội Khuyến học xã", ["hoi", "khuyen hoc", "xa"]) == ["hoi", "khuyen hoc", "xa"]
    # without the pair in the documents, the dictionary word stays
    plain = Segmenter(corpus_syllables=[folded_syllables("xã Phú Ủng")])
    assert plain._name_tail_joined(text, words)[4:6] == ["phu ung", "tay hoc"]


def test_a_festival_people_and_taking_place_are_read_as_meant(seg):
    assert "ngay hoi" in topic_units("Ngày hội công dân học tập tổ chức ở đâu?", set(), seg)  # no "ngày hỏi"
    assert "ngay hoi" in topic_units("ngan sach chi cho ngay hoi cong dan hoc tap bao nhieu", set(), seg)
    units = topic_units("Xóa mù chữ cho bà con dân tộc thiểu số thì ai chủ trì?", set(), seg)
    assert "ba con" not in units and "dan toc thieu so" in units, units
    assert "dien" not in topic_units("Chung kết hội thi diễn ra lúc mấy giờ?", set(), seg)


def test_a_language_a_level_and_the_askers_manner_are_read_as_typed(seg):
    units = topic_units("Khi nào khai giảng lớp tiếng Anh giao tiếp cơ bản?", set(), seg)
    assert "tieng anh" in units and "co ban" in units, units
    assert "co ban" not in topic_units("có bạn nào biết lớp tiếng Anh khai giảng khi nào không?", set(), seg)
    units = topic_units("Lỡ làm mất sách của thư viện thì phải bồi thường thế nào?", set(), seg)
    assert "lo" not in units and "boi thuong" in units, units
