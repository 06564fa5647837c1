"""The register of 2025 administrative changes (issue 12): loading, names, cautions, reminders, status.

Stores are built by the real indexer from knowledge/ (lexical only: no embedding model is needed
for facts, reminders and the register) plus, where said, the unseen Lâm Đồng letter in tests/data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.reminders import ENV_KEYS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
DATA = ROOT / "tests" / "data"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = dt.date(2026, 12, 2)


def _fold(s: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFD", s or "")
    return "".join(c for c in t if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D").lower()


def _build(folder: Path, data: Path):
    from bot.config import load_settings
    from indexer.build import build

    settings = load_settings(data)
    settings.database_url = f"sqlite:///{data / 'hoctap.sqlite3'}"
    settings.embedding_model = str(data / "no-model")  # lexical only: facts do not need vectors
    rep = build(settings, [str(folder)])
    assert not rep.errors, rep.errors
    return settings


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """knowledge/ plus the 2026 Lâm Đồng letter, indexed by the real indexer."""
    src = tmp_path_factory.mktemp("src")
    for p in KNOWLEDGE.glob("*.txt"):
        shutil.copy(p, src / p.name)
    shutil.copy(DATA / "lamdong-2026-bao-cao-xhht.md", src / "lamdong-2026-bao-cao-xhht.md")
    return _build(src, tmp_path_factory.mktemp("store"))


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in ENV_KEYS + ("DATABASE_URL",):
        monkeypatch.delenv(k, raising=False)


# -- the register ------------------------------------------------------------------------------------
def test_register_loads_with_dates_and_legal_basis():
    from bot.admin_changes import current_provinces, load_register
    from bot.lexicon import load_lexicon

    reg = load_register()
    assert load_register() is reg  # cached
    assert len(current_provinces()) == 34 and len(reg.mergers) == 23 and len(reg.unchanged) == 11
    for ch in reg.changes:
        assert dt.date.fromisoformat(ch["effective"]) and ch["legal_basis"], ch["id"]
    prov = reg.province_change
    assert prov["effective"] == "2025-07-01"
    assert {(b["number"], b.get("date")) for b in prov["legal_basis"]} >= {("202/2025/QH15", "2025-06-12")}
    assert any(b["number"] == "60-NQ/TW" for b in prov["legal_basis"])
    assert reg.mergers["Lâm Đồng"].sources == ("Lâm Đồng", "Đắk Nông", "Bình Thuận")
    assert reg.mergers["Đồng Tháp"].sources == ("Đồng Tháp", "Tiền Giang")
    # every province of the gazetteer is somewhere in the register, and every register name is in it
    gazetteer = set(load_lexicon().provinces) - {"Thừa Thiên Huế"}
    known = set(reg.merged_from) | set(reg.unchanged)
    assert gazetteer == known
    district = reg.district_body()
    assert district is not None and district.effective == dt.date(2025, 7, 1)
    merged = {b.name: b.into for b in reg.bodies if b.kind == "department_merger"}
    assert merged == {
        "Sở Lao động - Thương binh và Xã hội": "Sở Nội vụ",
        "Sở Thông tin và Truyền thông": "Sở Khoa học và Công nghệ",
        "Sở Kế hoạch và Đầu tư": "Sở Tài chính",
    }


@pytest.mark.parametrize(
    "name, now",
    [
        ("Đắk Nông", "Lâm Đồng"),
        ("dak nong", "Lâm Đồng"),
        ("Đăk Nông", "Lâm Đồng"),
        ("tỉnh Đắk Nông", "Lâm Đồng"),
        ("Lâm Đồng", "Lâm Đồng"),
        ("lam dong", "Lâm Đồng"),
        ("Bình Thuận", "Lâm Đồng"),
        ("binh thuan", "Lâm Đồng"),
        ("Tiền Giang", "Đồng Tháp"),
        ("tien giang", "Đồng Tháp"),
        ("TP Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("tp hcm", "Thành phố Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        ("Bà Rịa - Vũng Tàu", "Thành phố Hồ Chí Minh"),
        ("ba ria vung tau", "Thành phố Hồ Chí Minh"),
        ("Bình Dương", "Thành phố Hồ Chí Minh"),
        ("TP Hải Phòng", "Hải Phòng"),
        ("Thành phố Hải Phòng", "Hải Phòng"),
        ("hai duong", "Hải Phòng"),
        ("Thành phố Cần Thơ", "Cần Thơ"),
        ("Hậu Giang", "Cần Thơ"),
        ("Thừa Thiên Huế", "Huế"),
        ("Hà Nội", "Hà Nội"),
    ],
)
def test_old_and_new_names_with_and_without_diacritics(name, now):
    from bot.admin_changes import current_province, load_register

    assert current_province(name, TODAY) == now
    assert load_register().find_provinces(f"Tôi ở {name} nhé") != []


def test_dates_and_groups():
    from bot.admin_changes import current_province, merged_into, province_group, same_province

    assert current_province("Đắk Nông", dt.date(2025, 6, 30)) == "Đắk Nông"  # before the change
    assert current_province("Đắk Nông", dt.date(2025, 7, 1)) == "Lâm Đồng"
    assert merged_into("lam dong", TODAY) == ["Lâm Đồng", "Đắk Nông", "Bình Thuận"]
    assert merged_into("Lâm Đồng", dt.date(2025, 1, 1)) == ["Lâm Đồng"]
    assert province_group("Đắk Nông", TODAY) == ["Lâm Đồng", "Đắk Nông", "Bình Thuận"]
    assert same_province("Lâm Đồng", "Đắk Nông", TODAY) and same_province("dak nong", "Bình Thuận", TODAY)
    assert not same_province("Lâm Đồng", "Tiền Giang", TODAY)
    assert not same_province("Lâm Đồng", "Đắk Nông", dt.date(2024, 12, 31))


def test_merger_note_wording():
    from bot.admin_changes import merger_note

    assert merger_note("Đắk Nông", "UBND tỉnh Đắk Nông", TODAY) == (
        "Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025 — văn bản dưới đây do UBND tỉnh Đắk Nông ban hành "
        "trước thay đổi này"
    )
    assert merger_note("Lâm Đồng", "UBND tỉnh Lâm Đồng", TODAY) is None  # still the same name
    assert merger_note("Hải Phòng", None, TODAY) is None
    assert merger_note("Đắk Nông", "UBND tỉnh Đắk Nông", dt.date(2025, 6, 1)) is None


# -- the caution line ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "UBND các huyện, thành phố",
        "Ủy ban nhân dân cấp huyện",
        "ubnd huyen",
        "UBND các quận, huyện",
        "Sở Lao động - Thương binh và Xã hội",
        "Sở LĐTBXH",
        "so lao dong thuong binh va xa hoi",
        "Sở LĐ-TB&XH",
        "Sở Thông tin và Truyền thông",
        "Sở TTTT",
        "Sở Kế hoạch và Đầu tư",
        "Sở KHĐT",
        "Các Sở: Giáo dục và Đào tạo, Lao động - Thương binh và Xã hội, Tài chính",
    ],
)
def test_caution_for_bodies_that_no_longer_exist(text):
    from bot.admin_changes import caution_line

    line = caution_line(text, on=TODAY)
    assert line and line.startswith("⚠️") and "\n" not in line and "Lời văn bản được giữ nguyên" in line
    assert caution_line(text, on=dt.date(2024, 1, 1)) is None  # they existed then


@pytest.mark.parametrize(
    "text",
    [
        "Sở Giáo dục và Đào tạo",
        "Ủy ban nhân dân tỉnh",
        "Các sở, ban, ngành tỉnh",
        "Sở Tài chính",
        "Sở Nội vụ",
        "Hội Khuyến học tỉnh",
        "Bộ Giáo dục và Đào tạo",
        "Bộ Lao động - Thương binh và Xã hội",
        "Thời tiết Lâm Đồng",
        "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
        "Đài Phát thanh và Truyền hình Đắk Nông",
        "",
    ],
)
def test_no_caution_for_any_other_text(text):
    from bot.admin_changes import caution_line

    assert caution_line(text, on=TODAY) is None


def test_caution_on_stored_facts_exactly_where_a_party_is_gone(store):
    """Every deadline and responsibility the real indexer extracted: a caution iff its parties name a
    district body or a merged department (checked here by plain words, independently of the register)."""
    from sqlalchemy import select

    from bot.admin_changes import fact_caution
    from store.db import session_scope
    from store.knowledge import Deadline, Responsibility

    gone_words = re.compile(
        r"\b(huyen|cac quan|lao dong - thuong binh|lao dong thuong binh|ldtbxh|thong tin va truyen "
        r"thong|tttt|ke hoach va dau tu|khdt|phong giao duc)\b"
    )
    with session_scope(settings_url(store)) as s:
        facts = list(s.scalars(select(Deadline))) + list(s.scalars(select(Responsibility)))
    assert len(facts) > 30
    with_caution = 0
    for f in facts:
        parties = " ; ".join(
            [
                getattr(f, "actor_text", "") or "",
                getattr(f, "recipient", "") or "",
                getattr(f, "agency", "") or "",
                getattr(f, "agency_text", "") or "",
            ]
            + list(getattr(f, "actors", None) or [])
        )
        expected = bool(gone_words.search(_fold(parties).replace("bo lao dong", "")))
        got = fact_caution(f, on=TODAY)
        assert bool(got) == expected, (parties, got)
        with_caution += bool(got)
    assert 0 < with_caution < len(facts)


def settings_url(settings) -> str:
    return settings.database_url


# -- reminders and the calendar ----------------------------------------------------------------------
def test_lam_dong_subscription_gets_dak_nong_reminders_exactly_once(store, monkeypatch):
    from bot.reminders import subscribe, sweeper
    from bot.reminders.calendar_ics import build_calendar
    from bot.reminders.planner import count_rows, forget_plan_cache

    url = store.database_url
    sent: list = []

    async def rec(chat_id, message):
        sent.append((chat_id, message))

    t0 = dt.datetime(2026, 1, 1, tzinfo=TZ)
    subscribe(url, channel="console", chat_id="ld", province="Lâm Đồng", lead_days=(7,), now=t0)
    subscribe(url, channel="console", chat_id="ld-nodiacritics", province="lam dong", lead_days=(7,), now=t0)
    subscribe(url, channel="console", chat_id="dn", province="dak nong", lead_days=(7,), now=t0)
    subscribe(url, channel="console", chat_id="tg", province="Tiền Giang", lead_days=(7,), now=t0)
    forget_plan_cache()
    now = dt.datetime(2026, 12, 8, 8, 0, tzinfo=TZ)  # 7 days before 15/12
    for _ in range(3):  # repeated ticks send nothing twice
        asyncio.run(sweeper.tick(store, now, senders={"console": rec}))
    mine = [m for c, m in sent if c == "ld"]
    assert [(m.document_id, m.due_date, m.lead_days) for m in mine] == [
        ("daknong-2021-3597-ubnd-kgvx", dt.date(2026, 12, 15), 7)
    ]
    text = mine[0].text
    assert "UBND các huyện, thành phố" in text  # the document's own parties are kept
    caution = text.split("\n")[-1]  # the last line of the note
    assert (
        caution.startswith("⚠️") and "không còn cấp huyện" in caution and "Đắk Nông nay thuộc tỉnh Lâm Đồng" in caution
    )
    assert [m.deadline_id for c, m in sent if c == "ld-nodiacritics"] == [mine[0].deadline_id]
    assert [m.deadline_id for c, m in sent if c == "dn"] == [mine[0].deadline_id]  # an old name is mapped
    assert not [m for c, m in sent if c == "tg" and m.document_id == "daknong-2021-3597-ubnd-kgvx"]
    assert count_rows(url, chat_id="ld", deadline_id=mine[0].deadline_id, due_date=dt.date(2026, 12, 15)) == 1
    # the Lâm Đồng letter's own deadline (30/6 hằng năm) comes to the same subscription
    sent.clear()
    asyncio.run(sweeper.tick(store, dt.datetime(2027, 6, 23, 8, 0, tzinfo=TZ), senders={"console": rec}))
    got = sorted((m.document_id, m.due_date) for c, m in sent if c == "ld")
    assert ("lamdong-2026-bao-cao-xhht", dt.date(2027, 6, 30)) in got
    assert ("daknong-2021-3597-ubnd-kgvx", dt.date(2027, 6, 15)) not in got  # its 7-day reminder was 08/6
    # the calendar of Lâm Đồng lists Đắk Nông's deadlines too
    ics = build_calendar(url, province="Lâm Đồng")
    ics = ics.decode() if isinstance(ics, bytes) else ics
    unfolded = ics.replace("\r\n ", "")
    assert "3597/UBND-KGVX" in unfolded and "1234/UBND-VX" in unfolded


def test_scopes_accept_register_spellings():
    from bot.reminders import resolve_scope

    assert resolve_scope("TP HCM").province == "Thành phố Hồ Chí Minh"
    assert resolve_scope("Thành phố Cần Thơ").province == "Cần Thơ"
    assert resolve_scope("lam dong").province == "Lâm Đồng"


def test_reminder_text_without_a_gone_party_has_no_caution():
    from store.knowledge import Deadline, Document
    from bot.reminders.delivery import reminder_text

    doc = Document(
        id="x",
        file_name="x",
        content_hash="x",
        doc_type="công văn",
        number="1/BGDĐT",
        issuer="Bộ Giáo dục và Đào tạo",
        province=None,
    )
    d = Deadline(
        id="d",
        document_id="x",
        actors=["Ủy ban nhân dân tỉnh"],
        actor_text="Ủy ban nhân dân các tỉnh",
        action="gửi",
        what="gửi báo cáo về Bộ GDĐT",
        recipient="Bộ Giáo dục và Đào tạo",
        due_day=20,
        due_month=12,
        recurrence="yearly",
        due_text="trước ngày 20/12",
    )
    assert "⚠️" not in reminder_text(d, doc, dt.date(2026, 12, 20), 7)


# -- the register answerer ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "q", ["Đắk Nông giờ thuộc tỉnh nào?", "dak nong gio thuoc tinh nao", "Tỉnh Đắk Nông sáp nhập vào tỉnh nào?"]
)
def test_register_answers_where_dak_nong_is_now(q):
    from bot.answerers.register import answer

    a = answer(q, TODAY)
    assert a is not None and a.answered and a.intent == "register"
    assert "Lâm Đồng" in a.answer and "01/7/2025" in a.answer
    assert "Nghị quyết 202/2025/QH15" in a.answer and "12/6/2025" in a.answer and "60-NQ/TW" in a.answer
    assert a.sources and a.sources[0].file == "admin_changes" and "Đắk Nông" in a.sources[0].quote


def test_register_answers_composition_department_and_district():
    from bot.answerers.register import answer

    a = answer("Sau sáp nhập Lâm Đồng gồm bao nhiêu tỉnh?", TODAY)  # a count of the places themselves
    assert a and "Đắk Nông" in a.answer
    a = answer("Lâm Đồng gồm những tỉnh nào?", TODAY)
    assert a and all(p in a.answer for p in ("Lâm Đồng", "Đắk Nông", "Bình Thuận", "202/2025/QH15"))
    a = answer("Sở LĐTBXH nay là sở nào?", TODAY)
    assert a and "Sở Nội vụ" in a.answer and "Sở Giáo dục và Đào tạo" in a.answer and "Sở Y tế" in a.answer
    assert "Căn cứ:" in a.answer
    a = answer("so thong tin va truyen thong gio la so nao", TODAY)
    assert a and "Sở Khoa học và Công nghệ" in a.answer
    a = answer("Cấp huyện còn không?", TODAY)
    assert a and "không còn cấp huyện" in a.answer and "01/7/2025" in a.answer
    a = answer("Đắk Nông giờ thuộc tỉnh nào?", dt.date(2025, 3, 1))  # asked before the change
    assert a and "chưa thay đổi" in a.answer and "từ 01/7/2025" in a.answer


@pytest.mark.parametrize(
    "q",
    [
        "Thời tiết Lâm Đồng ngày mai thế nào?",
        "Dân số Lâm Đồng bao nhiêu?",
        "Sở GDĐT Lâm Đồng phải báo cáo khi nào?",
        "Sở Lao động - Thương binh và Xã hội Tiền Giang có nhiệm vụ gì?",
        "Giá xăng hôm nay bao nhiêu?",
        "ubnd huyen tien giang co nhiem vu gi",
        "Sở TTTT Đắk Nông làm gì?",
        "Đắk Nông",
        "Lâm Đồng có gì đẹp?",
        "Đường từ Đắk Nông đi Lâm Đồng bao xa?",
        "Sau sáp nhập TP Cần Thơ còn bao nhiêu TTHTCĐ?",  # a count the documents give, not the register
        "Sau sáp nhập Lâm Đồng có tỷ lệ công dân học tập bao nhiêu?",
        "",
    ],
)
def test_register_does_not_answer_other_questions(q):
    from bot.answerers.register import answer

    assert answer(q, TODAY) is None


def test_register_answers_no_development_question():
    path = SHARED_EVAL / "dev_questions.jsonl"
    if not path.is_file():
        pytest.skip("the shared development questions are absent")
    from bot.answerers.register import answer

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)["q"]
            assert answer(q, TODAY) is None, q


# -- document status and `indexer show` --------------------------------------------------------------
def test_document_status_from_the_documents_own_words(store):
    from bot.admin_changes import store_status

    st = store_status(store.database_url, on=TODAY)
    impl = st["bgddt-2021-trien-khai-de-an-1373"]["status"]
    assert [(x["kind"], x["doc_id"]) for x in impl] == [("thực hiện", "tiengiang-2021-ke-hoach-xhht")]
    assert "3320/BGDĐT-GDĐT" in impl[0]["evidence"]
    later = st["bgddt-2017-162-gdtx"]["status"]
    assert {x["kind"] for x in later} == {"giai đoạn sau"}
    assert "tiengiang-2021-ke-hoach-xhht" in {x["doc_id"] for x in later}
    assert all("2021" in x["evidence"] and "2030" in x["evidence"] for x in later)
    assert st["daknong-2021-3597-ubnd-kgvx"]["province_now"] == "Lâm Đồng"
    assert st["daknong-2021-3597-ubnd-kgvx"]["status_lines"][0] == "Ngày ban hành: 12/07/2021"
    assert st["lamdong-2026-bao-cao-xhht"]["status"] == []


def test_indexer_show_lists_register_and_status(store):
    env_dir = str(store.data_dir)
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", env_dir, "show"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": store.database_url,
            "HOCTAP_EMBEDDING_MODEL": str(store.data_dir / "no-model"),
        },
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "THAY ĐỔI HÀNH CHÍNH" in out and "Lâm Đồng ← Lâm Đồng + Đắk Nông + Bình Thuận" in out
    assert "Nghị quyết 202/2025/QH15 ngày 12/6/2025 của Quốc hội" in out
    assert "Sở Lao động - Thương binh và Xã hội → Sở Nội vụ" in out
    assert "Địa giới: Đắk Nông nay thuộc tỉnh Lâm Đồng từ 01/7/2025" in out
    assert "Được triển khai/viện dẫn: Kế hoạch" in out and "Ngày ban hành: 18/01/2017" in out
    r = subprocess.run(
        [sys.executable, "-m", "indexer", "--data-dir", env_dir, "show", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": store.database_url,
            "HOCTAP_EMBEDDING_MODEL": str(store.data_dir / "no-model"),
        },
    )
    docs = {d["id"]: d for d in json.loads(r.stdout)}
    assert docs["daknong-2021-3597-ubnd-kgvx"]["province_now"] == "Lâm Đồng"
    assert docs["bgddt-2021-trien-khai-de-an-1373"]["status"][0]["doc_id"] == "tiengiang-2021-ke-hoach-xhht"
