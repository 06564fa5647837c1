"""Unit tests for each step of question understanding (bot/understanding.py, bot/lexicon.py,
vntext/__init__.py): input cleaning, text normalisation, abbreviations, agencies, provinces,
dates and periods, relative windows, document numbers, intent and follow-ups.

Questions are written as people type them: with and without diacritics, with the usual
abbreviations (Sở GDĐT, UBND, XMC, LĐTBXH) and dates in several forms. `today` is fixed.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from bot.lexicon import fold_words, load_lexicon
from vntext import fold, folded_syllables, has_diacritics, nfc
from bot.understanding import (
    MAX_QUESTION_CHARS,
    DateRange,
    Understanding,
    clean_input,
    parse_dates,
    relative_window,
    understand,
)

TODAY = dt.date(2025, 11, 20)  # a Thursday
D = dt.date


@pytest.fixture(scope="module")
def lex():
    return load_lexicon()


def U(q: str, lex, today: dt.date = TODAY, previous=None) -> Understanding:
    return understand(q, lex, today, previous)


def strip_marks(s: str) -> str:
    """The question as typed on a keyboard without Vietnamese input: no tone marks, đ → d."""
    t = unicodedata.normalize("NFD", s)
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return t.replace("đ", "d").replace("Đ", "D")


# -- textnorm -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, want",
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("HOÀ", "HÒA"),
        ("thuỷ lợi", "thủy lợi"),
        ("sức khoẻ", "sức khỏe"),
        ("toà án", "tòa án"),
        ("Văn hoá, Thể thao", "Văn hóa, Thể thao"),
        ("Đỗ Thị Hoà", "Đỗ Thị Hòa"),
        # not word-final, or after q: unchanged
        ("quý", "quý"),
        ("quỳ", "quỳ"),
        ("hoàng", "hoàng"),
        ("khuyến", "khuyến"),
        ("hòa", "hòa"),
    ],
)
def test_nfc_tone_placement(raw, want):
    assert nfc(raw) == want
    assert nfc(unicodedata.normalize("NFD", raw)) == want  # NFD input gives the same NFC string


def test_nfc_decomposed_input_becomes_composed():
    nfd = unicodedata.normalize("NFD", "Sở Giáo dục và Đào tạo Đắk Nông")
    assert nfd != "Sở Giáo dục và Đào tạo Đắk Nông"
    out = nfc(nfd)
    assert out == "Sở Giáo dục và Đào tạo Đắk Nông"
    assert unicodedata.is_normalized("NFC", out)
    assert len(out) < len(nfd)


def test_nfc_spaces_and_invisible_characters():
    assert nfc("Sở\u00a0GDĐT\u200b\ufeff") == "Sở GDĐT"
    assert nfc("") == ""
    assert nfc(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw, want",
    [
        ("Đắk Nông", "dak nong"),
        ("Sở Giáo dục và Đào tạo", "so giao duc va dao tao"),
        ("LĐTBXH", "ldtbxh"),
        ("Tiền Giang", "tien giang"),
        ("xoá mù chữ", "xoa mu chu"),
        ("hằng năm", "hang nam"),
        # a final y after a consonant is the same letter as i: kí/ký, lí do/lý do, quí/quý, Mĩ/Mỹ
        ("đăng kí", "dang ki"),
        ("đăng ký", "dang ki"),
        ("quy chế", "qui che"),
        ("Mỹ Tho", "mi tho"),
        # ... but not after a vowel (tay, huy) or alone (y tế)
        ("thủy lợi", "thuy loi"),
        ("ngày", "ngay"),
        ("y tế", "y te"),
        ("", ""),
    ],
)
def test_fold(raw, want):
    assert fold(raw) == want
    assert fold(unicodedata.normalize("NFD", raw)) == want


def test_has_diacritics_and_syllables():
    assert has_diacritics("báo cáo")
    assert not has_diacritics("bao cao")
    assert not has_diacritics("dang ky quy che")  # folding it reads y as i: still text typed without marks
    assert has_diacritics("Đ")
    assert folded_syllables("Công văn 3597/UBND-KGVX ngày 15/12") == ["cong", "van", "3597/ubnd-kgvx", "ngay", "15/12"]
    assert fold_words("Sở GD&ĐT, (Tiền Giang)!") == "so gd&dt tien giang"


# -- clean_input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, text, problem",
    [
        (None, "", "empty"),
        ("", "", "empty"),
        ("   \t\n  ", "", "empty"),
        ("\x00\x01\x1b", "", "empty"),
        ("\u200b\ufeff", "", "empty"),
        ("😀😀🎉", "😀😀🎉", "no_words"),
        ("???!!!", "???!!!", "no_words"),
        ("  Sở   GDĐT\tphải\nbáo cáo  ", "Sở GDĐT phải báo cáo", None),
        ("Hạn\x07 báo\x00cáo?", "Hạn báo cáo?", None),
        ("han bao cao", "han bao cao", None),
        ("15/12", "15/12", None),
    ],
)
def test_clean_input(raw, text, problem):
    assert clean_input(raw) == (text, problem)


def test_clean_input_normalises_to_nfc():
    t, problem = clean_input(unicodedata.normalize("NFD", "Sở Văn hoá Đắk Nông"))
    assert problem is None
    assert t == "Sở Văn hóa Đắk Nông"


def test_clean_input_long_inputs():
    t, problem = clean_input("a" * 100_000)
    assert (t, problem) == ("", "too_long")
    t, problem = clean_input("hạn báo cáo " * 1000)
    assert problem == "too_long" and len(t) == MAX_QUESTION_CHARS and t.startswith("hạn báo cáo")
    t, problem = clean_input("x" * MAX_QUESTION_CHARS)
    assert problem is None and len(t) == MAX_QUESTION_CHARS


# -- lexicon: abbreviations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, want",
    [
        ("Sở GDĐT", "Sở Giáo dục và Đào tạo"),
        ("so gddt", "so Giáo dục và Đào tạo"),
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("ubnd huyen", "Ủy ban nhân dân huyen"),
        ("tỷ lệ XMC", "tỷ lệ xóa mù chữ"),
        ("Sở LĐTBXH", "Sở Lao động - Thương binh và Xã hội"),
        ("so ldtbxh", "so Lao động - Thương binh và Xã hội"),
        ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
        ("Sở GD-ĐT", "Sở Giáo dục và Đào tạo"),
        ("SGDĐT", "Sở Giáo dục và Đào tạo"),
        ("Bộ GDĐT", "Bộ Giáo dục và Đào tạo"),
        ("các TTHTCĐ", "các trung tâm học tập cộng đồng"),
        ("Sở TT&TT", "Sở Thông tin và Truyền thông"),
        ("Hội LHPN", "Hội Liên hiệp Phụ nữ"),
        ("1373/QĐ-TTg", "1373/QĐ-TTg"),  # a document number stays as written
        ("Sở Tài chính đi học", "Sở Tài chính đi học"),  # nothing to expand
    ],
)
def test_expand(lex, raw, want):
    assert lex.expand(raw) == want


@pytest.mark.parametrize(
    "raw, want",
    [
        # ordinary words that coincide with a short abbreviation stay words
        ("Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư"),  # not "Đầu Trung ương" (TƯ)
        ("Thông tư 44", "Thông tư 44"),
        ("tu hoc suot doi", "tu hoc suot doi"),  # tự học, not "Tỉnh ủy hoc"
        ("Tư", "Tư"),
        ("ub", "ub"),
        # capitals, and short tokens that cannot be a syllable (no vowel), are abbreviations
        ("TU", "Tỉnh ủy"),
        ("TƯ", "Trung ương"),
        ("UB MTTQ", "Ủy ban Mặt trận Tổ quốc"),
        ("tp Hải Phòng", "thành phố Hải Phòng"),
        ("Tp", "thành phố"),
        ("ĐH", "đại học"),
        ("ttg", "Thủ tướng Chính phủ"),
        ("Ubnd tỉnh", "Ủy ban nhân dân tỉnh"),
    ],
)
def test_expand_words_that_look_like_abbreviations(lex, raw, want):
    assert lex.expand(raw) == want


@pytest.mark.parametrize("text", ["Sở Kế hoạch và Đầu tư", "so ke hoach va dau tu", "Sở KHĐT"])
def test_find_agency_with_a_word_like_an_abbreviation(lex, text):
    assert lex.find_agencies(text) == ["Sở Kế hoạch và Đầu tư"]


# -- lexicon: agencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, want",
    [
        ("Sở GDĐT phải làm gì", ["Sở Giáo dục và Đào tạo"]),
        ("so gddt tien giang", ["Sở Giáo dục và Đào tạo"]),
        ("Sở Giáo dục và Đào tạo", ["Sở Giáo dục và Đào tạo"]),
        ("SGDĐT", ["Sở Giáo dục và Đào tạo"]),
        ("Sở LĐTBXH", ["Sở Lao động - Thương binh và Xã hội"]),
        ("so lao dong thuong binh va xa hoi", ["Sở Lao động - Thương binh và Xã hội"]),
        ("UBND tỉnh", ["Ủy ban nhân dân tỉnh"]),
        ("ubnd cac huyen", ["Ủy ban nhân dân cấp huyện"]),
        ("Ủy ban nhân dân các huyện, thị xã, thành phố", ["Ủy ban nhân dân cấp huyện"]),
        ("Phòng GD&ĐT", ["Phòng Giáo dục và Đào tạo"]),
        ("Bộ GDĐT và Sở GDĐT", ["Bộ Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo"]),
        ("Ủy ban MTTQ tỉnh", ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"]),
        ("hoi khuyen hoc", ["Hội Khuyến học tỉnh"]),
        ("Hội LHPN tỉnh", ["Hội Liên hiệp Phụ nữ tỉnh"]),
        ("Sở Văn hoá, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
        ("So TTTT", ["Sở Thông tin và Truyền thông"]),
        ("Thủ tướng Chính phủ", ["Thủ tướng Chính phủ"]),
        ("Đài PT&TH tỉnh", ["Đài Phát thanh và Truyền hình tỉnh"]),
        # "cơ sở giáo dục" (a school) is not "Sở Giáo dục"
        ("cơ sở giáo dục", []),
        ("các cơ sở giáo dục phổ thông", []),
        ("giá xăng hôm nay", []),
        # a province's body named before a lower level is that level's body
        ("Hội Khuyến học các xã, phường lập danh sách", []),
        ("Công an xã tuyên truyền", []),
        ("hoi khuyen hoc xa thanh my", []),
        ("Hội Khuyến học tỉnh và Hội Khuyến học xã", ["Hội Khuyến học tỉnh"]),
    ],
)
def test_find_agencies(lex, text, want):
    assert lex.find_agencies(text) == want


def test_find_agencies_longest_alias_wins(lex):
    # "Ủy ban Mặt trận Tổ quốc" must not also yield "Ủy ban nhân dân ..." or a shorter alias twice
    assert lex.find_agencies("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Đắk Nông") == [
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"
    ]
    assert lex.find_agencies("Sở Lao động - Thương binh và Xã hội") == ["Sở Lao động - Thương binh và Xã hội"]


# -- lexicon: provinces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, want",
    [
        ("Đắk Nông", ["Đắk Nông"]),
        ("dak nong", ["Đắk Nông"]),
        ("DAK NONG", ["Đắk Nông"]),
        ("tien giang", ["Tiền Giang"]),
        ("Sở GDĐT Tiền Giang và Hải Phòng", ["Tiền Giang", "Hải Phòng"]),
        ("Hoà Bình", ["Hòa Bình"]),  # new-style tone placement
        ("hoa binh", ["Hòa Bình"]),
        ("Đắk Lắk", ["Đắk Lắk"]),  # not Đắk Nông
        ("Thừa Thiên Huế", ["Thừa Thiên Huế"]),  # not also Huế
        ("Huế", ["Huế"]),
        ("ba ria vung tau", ["Bà Rịa - Vũng Tàu"]),
        ("TP Hồ Chí Minh", []),  # the gazetteer's name is "Thành phố Hồ Chí Minh"
        ("Thành phố Hồ Chí Minh", ["Thành phố Hồ Chí Minh"]),
        ("tiền giangg", []),  # whole words only
        ("báo cáo xã hội học tập", []),
    ],
)
def test_find_provinces(lex, text, want):
    assert lex.find_provinces(text) == want


# -- relative windows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, today, start, end",
    [
        ("upcoming", D(2025, 11, 20), D(2025, 11, 20), D(2026, 1, 19)),
        ("this_month", D(2025, 11, 20), D(2025, 11, 20), D(2025, 11, 30)),
        ("this_month", D(2024, 2, 10), D(2024, 2, 10), D(2024, 2, 29)),  # leap year
        ("this_month", D(2025, 2, 10), D(2025, 2, 10), D(2025, 2, 28)),
        ("next_month", D(2025, 11, 20), D(2025, 12, 1), D(2025, 12, 31)),
        ("next_month", D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 31)),  # across the year
        ("next_month", D(2025, 1, 31), D(2025, 2, 1), D(2025, 2, 28)),
        ("this_week", D(2025, 11, 20), D(2025, 11, 20), D(2025, 11, 23)),  # Thursday → Sunday
        ("this_week", D(2025, 11, 23), D(2025, 11, 23), D(2025, 11, 23)),  # Sunday
        ("next_week", D(2025, 11, 20), D(2025, 11, 24), D(2025, 11, 30)),  # Monday to Sunday
        ("next_week", D(2025, 11, 24), D(2025, 12, 1), D(2025, 12, 7)),  # from a Monday
        ("next_week", D(2025, 12, 29), D(2026, 1, 5), D(2026, 1, 11)),
        ("today", D(2025, 11, 20), D(2025, 11, 20), D(2025, 11, 20)),
        ("tomorrow", D(2025, 12, 31), D(2026, 1, 1), D(2026, 1, 1)),
        ("this_year", D(2025, 11, 20), D(2025, 11, 20), D(2025, 12, 31)),
        ("next_year", D(2025, 11, 20), D(2026, 1, 1), D(2026, 12, 31)),
    ],
)
def test_relative_window(kind, today, start, end):
    w = relative_window(kind, today)
    assert isinstance(w, DateRange)
    assert (w.start, w.end) == (start, end)
    assert w.start <= w.end
    assert w.label


def test_relative_window_labels():
    assert relative_window("next_month", D(2025, 12, 5)).label == "tháng 1/2026"
    assert relative_window("this_year", D(2025, 3, 1)).label == "năm 2025"
    assert relative_window("next_week", TODAY).label == "tuần sau"


# -- parse_dates ------------------------------------------------------------------------------------


def _dates(q: str, today: dt.date = TODAY) -> Understanding:
    u = Understanding(text=q, folded=fold(q))
    parse_dates(fold(q), u, today)
    return u


@pytest.mark.parametrize(
    "q, days, months, years",
    [
        ("Ai phải báo cáo trước ngày 15/12?", [(15, 12)], [], []),
        ("hạn 15-12", [(15, 12)], [], []),
        ("hạn 15.6", [(15, 6)], [], []),
        ("ngày 1/12 có hạn gì", [(1, 12)], [], []),
        ("trước 15 / 12", [(15, 12)], [], []),
        ("trước ngày 20/12/2025", [(20, 12)], [], [2025]),
        ("ngày 15 tháng 12", [(15, 12)], [], []),
        ("ngay 15 thang 12", [(15, 12)], [], []),
        ("hạn 15 tháng 12 là gì", [(15, 12)], [], []),  # without "ngày"
        ("truoc 1 thang 12 phai nop gi", [(1, 12)], [], []),
        ("ngày 15 tháng 6 năm 2026", [(15, 6)], [], [2026]),
        ("Tháng 12 có hạn nào?", [], [12], []),
        ("thang 6 nop bao cao gi", [], [6], []),
        ("tháng 12 năm 2025", [], [12], [2025]),
        ("Mục tiêu năm 2025", [], [], [2025]),
        ("đến 2030", [], [], [2030]),
        ("giai đoạn 2021-2030", [], [], [2021, 2030]),
        # not dates
        ("ngày 32/13", [], [], []),
        ("đạt 12.5% trong năm 2025", [], [], [2025]),
        ("tỷ lệ 98.5%", [], [], []),
        ("báo cáo 6 tháng", [], [], []),
        ("sau 3 tháng", [], [], []),
    ],
)
def test_parse_dates(q, days, months, years):
    u = _dates(q)
    assert (u.days, u.months, u.years) == (days, months, years)


@pytest.mark.parametrize(
    "q, period",
    [
        ("Báo cáo định kỳ 6 tháng nộp khi nào?", "6 tháng"),
        ("bao cao 6 thang dau nam", "6 tháng"),
        ("báo cáo 3 tháng", "3 tháng"),
        ("báo cáo 12 tháng", "12 tháng"),
        ("báo cáo hằng năm", "năm"),
        ("bao cao hang nam", "năm"),
        ("báo cáo thường niên", "năm"),
        ("báo cáo cuối năm", None),
        ("hạn ngày 15 tháng 6", None),  # "15 tháng 6" is a date, not a 6-month period
        ("báo cáo hằng năm trước 15/12", None),  # a day given: the period adds nothing
        ("bao cao 6 thang va bao cao nam nop truoc ngay nao", None),  # both periods asked
        ("báo cáo 6 tháng năm 2026 nộp khi nào", "6 tháng"),  # a year is no yearly report
    ],
)
def test_parse_dates_period(q, period):
    assert _dates(q).period == period


@pytest.mark.parametrize(
    "q, kind",
    [
        ("Sắp tới có hạn báo cáo nào?", "upcoming"),
        ("sap toi co han gi", "upcoming"),
        ("sắp hết hạn", "upcoming"),
        ("Tháng này có hạn nào?", "this_month"),
        ("thang nay", "this_month"),
        ("tháng sau phải nộp gì", "next_month"),
        ("thang toi", "next_month"),
        ("tuần này", "this_week"),
        ("Tuần sau có hạn gì?", "next_week"),
        ("tuan toi", "next_week"),
        ("hôm nay có hạn gì", "today"),
        ("ngày mai", "tomorrow"),
        ("năm nay", "this_year"),
        ("nam sau", "next_year"),
    ],
)
def test_parse_dates_relative(q, kind):
    w = _dates(q).window
    ref = relative_window(kind, TODAY)
    assert w is not None and (w.start, w.end) == (ref.start, ref.end)


def test_parse_dates_no_window_without_relative_words():
    assert _dates("Ai phải báo cáo trước ngày 15/12?").window is None
    assert _dates("Tháng 12 có hạn nào").window is None


# -- understand: whole questions ----------------------------------------------------------------------

CASES = [
    # question, intent, expected fields
    ("Kỳ đánh giá đơn vị học tập tính từ ngày nào?", "search", dict(numbers=[])),  # "kỳ" a period, not signing
    ("Thông tư đánh giá đơn vị học tập ký ngày nào?", "document", dict()),
    ("Muốn đăng ký lớp qua Zalo thì nhắn số nào?", "contact", dict()),
    ("Mẹ tôi muốn học dùng điện thoại thông minh thì lớp khai giảng ngày nào?", "search", dict()),  # a device
    ("Số điện thoại của Phòng Giáo dục thường xuyên là gì?", "contact", dict()),
    ("Ai có quyền ký công nhận đơn vị học tập?", "criteria", dict()),  # who recognises, not who signed
    ("Ai phải báo cáo trước ngày 15/12?", "deadline", dict(days=[(15, 12)], wants_report=True, numbers=[])),
    (
        "Sở GDĐT phải báo cáo trước ngày 15/12?",
        "deadline",
        dict(days=[(15, 12)], agencies=["Sở Giáo dục và Đào tạo"], wants_report=True),
    ),
    (
        "han bao cao ve so gddt tien giang",
        "deadline",
        dict(agencies=["Sở Giáo dục và Đào tạo"], provinces=["Tiền Giang"], wants_report=True),
    ),
    (
        "Báo cáo định kỳ 6 tháng ở Đắk Nông nộp trước ngày nào?",
        "deadline",
        dict(period="6 tháng", provinces=["Đắk Nông"]),
    ),
    ("Hạn nộp báo cáo ngày 15 tháng 12 là gì?", "deadline", dict(days=[(15, 12)])),
    ("Báo cáo ngày 15/12 về nội dung gì?", "deadline", dict(days=[(15, 12)], numbers=[])),
    ("ngày 20/12/2025 có hạn gì", "deadline", dict(days=[(20, 12)], years=[2025], numbers=[])),
    ("Tháng 12 có hạn báo cáo nào?", "deadline", dict(months=[12])),
    ("Tháng này có hạn báo cáo nào không?", "deadline", dict(wants_report=True)),
    ("tuan sau phai nop gi", "deadline", dict(wants_report=True)),
    (
        "Sở LĐTBXH chủ trì việc gì?",
        "responsibility",
        dict(agencies=["Sở Lao động - Thương binh và Xã hội"], role="chủ trì"),
    ),
    (
        "so ldtbxh tien giang phoi hop viec gi",
        "responsibility",
        dict(agencies=["Sở Lao động - Thương binh và Xã hội"], provinces=["Tiền Giang"], role="phối hợp"),
    ),
    (
        "UBND tỉnh Đắk Nông có nhiệm vụ gì?",
        "responsibility",
        dict(agencies=["Ủy ban nhân dân tỉnh"], provinces=["Đắk Nông"]),
    ),
    (
        "ubnd huyen tien giang co nhiem vu gi",
        "responsibility",
        dict(agencies=["Ủy ban nhân dân cấp huyện"], provinces=["Tiền Giang"]),
    ),
    (
        "Hội Khuyến học Hải Phòng được đề nghị làm gì?",
        "responsibility",
        dict(agencies=["Hội Khuyến học tỉnh"], provinces=["Hải Phòng"]),
    ),
    ("Trách nhiệm của Phòng GD&ĐT?", "responsibility", dict(agencies=["Phòng Giáo dục và Đào tạo"])),
    ("Tỷ lệ XMC đến năm 2030 đạt bao nhiêu %?", "target", dict(years=[2030])),
    ("ty le huyen dat danh hieu huyen hoc tap nam 2025", "target", dict(years=[2025])),
    (
        "Đến 2030 bao nhiêu phần trăm cơ sở giáo dục triển khai học tập trên môi trường số?",
        "target",
        dict(years=[2030], agencies=[]),
    ),
    ("Văn bản của Hải Phòng về khai thác tài liệu hướng dẫn do ai ký?", "document", dict(provinces=["Hải Phòng"])),
    ("Ai ký công văn 3597?", "document", dict(numbers=["3597"], doc_types=["Công văn"])),
    ("cong van 3597 ban hanh ngay nao", "document", dict(numbers=["3597"])),
    ("Chỉ thị 14/CT-TTg ban hành ngày nào?", "document", dict(numbers=["14/ct-ttg", "14"])),
    ("Dòng họ học tập được công nhận theo quyết định nào?", "citation", dict(doc_types=["Quyết định"])),
    (
        "Kế hoạch thực hiện Đề án 1373 của Hải Phòng là kế hoạch số mấy?",
        "citation",
        dict(provinces=["Hải Phòng"], doc_types=["Đề án", "Kế hoạch"], numbers=["1373"]),
    ),
    (
        "Thông tư số 44/2014/TT-BGDĐT quy định về gì?",
        "citation",
        dict(numbers=["44/2014/tt-bgddt", "44"], years=[]),
    ),  # 2014 is part of the number, not a year asked
    (
        "Số điện thoại liên hệ của Sở GDĐT Đắk Nông?",
        "contact",
        dict(agencies=["Sở Giáo dục và Đào tạo"], provinces=["Đắk Nông"]),
    ),
    ("vuong mac thi hoi ai", "contact", dict()),
    ("Làm thế nào để được công nhận công dân học tập?", "howto", dict()),
    ("Lao động nông thôn muốn học nghề thì cần điều kiện gì?", "howto", dict()),
    ("Giá xăng hôm nay bao nhiêu?", "search", dict(agencies=[], provinces=[])),
    ("công thức nấu phở bò", "search", dict(agencies=[], provinces=[], days=[], numbers=[])),
]


@pytest.mark.parametrize("q, intent, fields", CASES, ids=[c[0][:40] for c in CASES])
def test_understand(lex, q, intent, fields):
    u = U(q, lex)
    assert u.problem is None
    assert u.intent == intent, (q, u)
    for k, v in fields.items():
        assert getattr(u, k) == v, (q, k, getattr(u, k))


@pytest.mark.parametrize("q, intent, fields", CASES, ids=["nodiac-" + c[0][:34] for c in CASES])
def test_understand_without_diacritics(lex, q, intent, fields):
    """The same question typed without diacritics is understood the same way."""
    a, b = U(q, lex), U(strip_marks(q), lex)
    assert b.intent == a.intent == intent
    for k in ("days", "months", "years", "period", "agencies", "provinces", "role", "wants_report", "doc_types"):
        assert getattr(b, k) == getattr(a, k), (q, k)
    assert [fold(n) for n in b.numbers] == [fold(n) for n in a.numbers]
    assert b.folded == a.folded


def test_understand_nfd_input_equals_nfc(lex):
    q = "Sở Văn hoá, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?"
    a, b = U(q, lex), U(unicodedata.normalize("NFD", q), lex)
    assert b.text == a.text == nfc(q)
    assert b.agencies == a.agencies == ["Sở Văn hóa, Thể thao và Du lịch"]
    assert b.provinces == ["Tiền Giang"] and b.intent == "responsibility"


def test_understand_relative_windows_against_today(lex):
    u = U("Sắp tới có hạn báo cáo nào?", lex, today=D(2027, 6, 1))
    assert (u.window.start, u.window.end) == (D(2027, 6, 1), D(2027, 7, 31))
    assert u.intent == "deadline"
    u = U("thang nay co han gi", lex, today=D(2025, 12, 3))
    assert (u.window.start, u.window.end) == (D(2025, 12, 3), D(2025, 12, 31))
    u = U("Tuần sau phải nộp báo cáo gì?", lex, today=D(2025, 11, 20))
    assert (u.window.start, u.window.end) == (D(2025, 11, 24), D(2025, 11, 30))
    u = U("tháng sau có hạn nào", lex, today=D(2025, 12, 15))
    assert (u.window.start, u.window.end) == (D(2026, 1, 1), D(2026, 1, 31))


def test_understand_document_numbers_and_dates_apart(lex):
    u = U("Chỉ thị 14/CT-TTg ngày 25/5/2021 yêu cầu gì?", lex)
    assert "14/ct-ttg" in u.numbers
    assert not any(n.startswith("25/5") for n in u.numbers)
    assert u.days == [(25, 5)] and u.years == [2021]
    u = U("Quyết định 1373/QĐ-TTg", lex)
    assert u.numbers == ["1373/qd-ttg", "1373"] and u.doc_types == ["Quyết định"] and u.days == []
    u = U("Kế hoạch 254/KH-UBND của UBND thành phố Hải Phòng", lex)
    assert u.numbers[0] == "254/kh-ubnd"
    assert "Ủy ban nhân dân tỉnh" in u.agencies and u.provinces == ["Hải Phòng"]


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\x00\x1f", "empty"),
        ("🙂🙂", "no_words"),
        ("...", "no_words"),
    ],
)
def test_understand_unusable_input(lex, raw, problem):
    u = U(raw, lex)
    assert u.problem == problem
    assert u.intent == "search" and not u.days and not u.agencies


def test_understand_too_long_is_still_read(lex):
    q = "Sở GDĐT Đắk Nông phải báo cáo khi nào? " + "x " * 2000
    u = U(q, lex)
    assert u.problem == "too_long"
    assert u.agencies == ["Sở Giáo dục và Đào tạo"] and u.provinces == ["Đắk Nông"]
    assert U("a" * 100_000, lex).problem == "too_long"


# -- follow-ups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "còn Tiền Giang thì sao?",
        "con tien giang thi sao",
        "Còn ở Tiền Giang?",
        "vậy còn Tiền Giang",
        "thế còn Tiền Giang?",
    ],
)
def test_follow_up_replaces_province(lex, q):
    prev = U("Đắk Nông phải báo cáo khi nào?", lex)
    assert prev.intent == "deadline" and prev.provinces == ["Đắk Nông"]
    u = U(q, lex, previous=prev)
    assert u.follow_up
    assert u.intent == "deadline"
    assert u.provinces == ["Tiền Giang"]
    assert u.wants_report
    assert u.text == nfc(q).strip()


def test_follow_up_keeps_context_and_replaces_what_changes(lex):
    prev = U("Sở GDĐT Đắk Nông phải báo cáo trước ngày 15/12?", lex)
    u = U("thế còn Sở Tài chính?", lex, previous=prev)
    assert u.follow_up and u.agencies == ["Sở Tài chính"]
    assert u.provinces == ["Đắk Nông"] and u.days == [(15, 12)]
    u = U("còn tháng 6 thì sao", lex, previous=prev)
    assert u.follow_up and u.months == [6] and u.days == []
    assert u.agencies == ["Sở Giáo dục và Đào tạo"]


def test_not_a_follow_up(lex):
    prev = U("Đắk Nông phải báo cáo khi nào?", lex)
    # a full question of its own
    u = U("Sở Văn hóa, Thể thao và Du lịch Tiền Giang có nhiệm vụ gì?", lex, previous=prev)
    assert not u.follow_up and u.intent == "responsibility" and u.provinces == ["Tiền Giang"]
    # no previous question
    u = U("còn Tiền Giang thì sao?", lex)
    assert not u.follow_up and u.provinces == ["Tiền Giang"]
    # the previous input was not a question
    u = U("còn Tiền Giang thì sao?", lex, previous=U("😀", lex))
    assert not u.follow_up


@pytest.mark.parametrize(
    "raw, want",
    [
        ("\x1b[31m\x1b[0m", ("", "empty")),
        ("\x00\x01\x02\x1b[31m\x7f", ("", "empty")),
        ("\x1b[1;32mSở GDĐT\x1b[0m làm gì?", ("Sở GDĐT làm gì?", None)),
        ("han bao cao\x1b[K", ("han bao cao", None)),
    ],
)
def test_clean_input_terminal_escapes(raw, want):
    assert clean_input(raw) == want


def test_a_range_of_years_names_a_period_not_a_due_year():
    import datetime as dt

    from bot.lexicon import load_lexicon
    from bot.understanding import understand

    lex = load_lexicon()
    u = understand("Kế hoạch XHHT 2026-2030 của Tuyên Quang: báo cáo 6 tháng trước ngày nào?", lex, dt.date(2026, 5, 1))
    assert u.period_years == [2026, 2030] and u.period == "6 tháng"
    assert understand("mục tiêu năm 2027 và năm 2030", lex, dt.date(2026, 5, 1)).period_years == []


def test_an_agency_something_goes_to_is_a_recipient_not_the_body_asked(lex):
    to_so = understand("UBND xã phải gửi kế hoạch cho Sở GDĐT trước ngày nào?", lex, dt.date(2026, 5, 1))
    assert to_so.agencies == ["Sở Giáo dục và Đào tạo"] and to_so.recipients == ["Sở Giáo dục và Đào tạo"]
    for q in ("Sở GDĐT có nhiệm vụ gì?", "Sở GDĐT gửi báo cáo về đâu?", "Sở GDĐT nhận báo cáo rồi gửi cho Sở GDĐT"):
        assert understand(q, lex, dt.date(2026, 5, 1)).recipients == [], q  # named as doing it, at least once


def test_an_email_address_asked_is_a_contact_not_what_a_mail_sends(lex):
    assert U("email của Sở GDĐT Quảng Trị là gì?", lex).intent == "contact"
    assert U("gửi báo cáo qua thư điện tử nào?", lex).intent == "contact"
    assert U("Email gửi kèm theo những file nào?", lex).intent != "contact"
    assert U("thư điện tử này đề nghị các xã làm gì?", lex).intent != "contact"


def test_a_count_after_a_comma_names_no_document(lex):
    u = understand("Theo biên bản, 1 hộ cần tối thiểu bao nhiêu phiếu đồng ý?", lex, TODAY)
    assert u.numbers == [] and u.doc_types == ["Biên bản"], (u.numbers, u.doc_types)
    u = understand("Quyết định số 1373 ban hành ngày nào?", lex, TODAY)
    assert u.numbers == ["1373"], u.numbers


def test_where_a_document_is_sent_asks_its_receivers_not_a_reports(lex):
    assert understand("Kế hoạch 52 của Sở gửi đến những nơi nào?", lex, TODAY).intent == "document"
    assert understand("Báo cáo 6 tháng gửi đến những nơi nào?", lex, TODAY).intent != "document"
