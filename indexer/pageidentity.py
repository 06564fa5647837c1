"""What a saved web page says about itself outside its text: the body whose site it is (the banner's upper-case
lines, else the organisation named in the page's <title>), when it published the page (a <time> in the article,
else "Cập nhật ngày …" atop the text), and a questions-and-answers page's questions as its sections.

A page with no letter header, no metadata block and no byline (a centre's "Hỏi đáp" page, a newspaper's article
whose byline holds only its author) is otherwise read as a document of nobody, of no province and no date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vntext import is_upper_line as _is_upper

# an organisation's name, as a banner or a <title> writes it ("Trung tâm GDNN-GDTX khu vực Tri Tôn", "Báo Hưng Yên")
_ORGANISATION = re.compile(
    r"^(?:Ban|Hội|Sở|Phòng|UBND|Ủy ban|Uỷ ban|Bộ|Trung tâm|Văn phòng|Cục|Vụ|Trường|Thư viện|Báo|Đài|Cổng thông tin)\b",
    re.IGNORECASE,
)
_TITLE_PARTS = re.compile(r"\s+[|–-]\s+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# a question of a questions-and-answers page: a heading ending in "?", not numbered by the page itself
_QUESTION_TAGS = ["h2", "h3", "h4", "h5", "h6", "dt", "summary"]
_NUMBERED_QUESTION = re.compile(r"^Câu(?:\s+hỏi)?\s*\d", re.IGNORECASE)
FAQ_MIN_QUESTIONS = 3  # fewer question headings: an article's subheadings that happen to ask


@dataclass
class PageIdentity:
    publisher: list[str]  # the banner's lines, outermost body first ("SỞ GIÁO DỤC … AN GIANG", "TRUNG TÂM …")
    date: tuple[int, int, int] | None  # (d, m, y)


def _banner_lines(soup) -> list[str]:
    """The upper-case lines of the page's <header> (its menus aside): the bodies whose site it is."""
    out: list[str] = []
    for header in soup.find_all("header"):
        for nav in header.find_all(["nav", "ul", "form"]):
            nav.extract()
        for text in header.find_all(string=True):
            if text.find_parent("a") is not None:  # "RSS", "ĐĂNG NHẬP": links, not the site's name
                continue
            s = re.sub(r"\s+", " ", text).strip()
            if _is_upper(s) and len(s.split()) >= 2 and len(s) <= 120 and s not in out:
                out.append(s)
    return out[:3]


def _title_organisation(soup) -> list[str]:
    """The organisation a <title> names after the page's own title ("Hỏi đáp - Trung tâm GDNN-GDTX khu vực Tri Tôn",
    "Biểu dương … | Báo Hưng Yên điện tử")."""
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    parts = _TITLE_PARTS.split(title)
    return [p.strip()] if len(parts) > 1 and _ORGANISATION.match(p := parts[-1]) else []


def _published(soup) -> tuple[int, int, int] | None:
    """The date a <time datetime="…"> outside the banner gives, else the page's published-time metadata."""
    for t in soup.find_all("time"):
        if t.find_parent("header") is None:
            m = _ISO_DATE.match(t.get("datetime") or "")
            if m:
                return int(m.group(3)), int(m.group(2)), int(m.group(1))
    meta = soup.find("meta", attrs={"property": "article:published_time"})
    m = _ISO_DATE.match(meta.get("content") or "") if meta else None
    return (int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None


def page_identity(soup) -> PageIdentity:
    """Read before the page's banner and menus are dropped."""
    return PageIdentity(_banner_lines(soup) or _title_organisation(soup), _published(soup))


def number_questions(root) -> None:
    """A questions-and-answers page's question headings written "Câu hỏi N: …?", as the section tree reads them."""
    questions = [h for h in root.find_all(_QUESTION_TAGS) if h.get_text(" ", strip=True).endswith("?")]
    if len(questions) < FAQ_MIN_QUESTIONS or any(_NUMBERED_QUESTION.match(h.get_text(strip=True)) for h in questions):
        return
    for n, h in enumerate(questions, 1):
        text = re.sub(r"\s+", " ", h.get_text(" ", strip=True))
        h.string = f"Câu hỏi {n}: {text}"
