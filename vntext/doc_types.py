"""The types of Vietnamese official documents, written once: the indexer reads a header's type line and the type
code in a number ("12/KH-UBND" → kế hoạch) from it, the understanding of questions the types a question names
("kế hoạch số 12", "công văn nào")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    folded: str  # the name folded, as a header line or a question is matched: "ke hoach"
    name: str  # as documents write it, in lower case: "kế hoạch"
    code: str = ""  # its code in a document number, folded: "kh" in "12/KH-UBND"
    titled: bool = False  # known by its title ("Luật Viên chức 2010"), often without a number
    asked: bool = False  # a question naming it asks about documents of that type
    numbered: bool = False  # a question may name it with its number ("quyết định 1373")
    cited: bool = False  # documents cite others of this type by number ("Công văn số 412/…"): "thông tư nào?"

    @property
    def title(self) -> str:
        """'Kế hoạch'."""
        return self.name.capitalize()


# in the order a question's types are listed
DOC_TYPES: tuple[DocType, ...] = (
    DocType("quyet dinh", "quyết định", code="qd", asked=True, numbered=True, cited=True),
    DocType("thong tu", "thông tư", code="tt", asked=True, numbered=True, cited=True),
    DocType("cong van", "công văn", asked=True, numbered=True, cited=True),
    DocType("chi thi", "chỉ thị", code="ct", asked=True, numbered=True, cited=True),
    DocType("ke hoach", "kế hoạch", code="kh", asked=True, numbered=True, cited=True),
    DocType("ket luan", "kết luận", code="kl", asked=True, numbered=True, cited=True),
    DocType("thong bao", "thông báo", code="tb", asked=True, numbered=True, cited=True),
    DocType("nghi quyet", "nghị quyết", code="nq", asked=True, numbered=True, cited=True),
    DocType("nghi dinh", "nghị định", code="nd", asked=True, numbered=True, cited=True),
    DocType("de an", "đề án", asked=True, numbered=True),
    DocType("giay moi", "giấy mời", code="gm", asked=True, numbered=True),
    DocType("huong dan", "hướng dẫn", code="hd", asked=True),
    DocType("luat", "luật", titled=True, asked=True),
    DocType("bao cao", "báo cáo", code="bc"),
    DocType("bien ban", "biên bản", code="bb", asked=True, numbered=True),
    DocType("qui che phoi hop", "quy chế phối hợp", code="qcph", asked=True),  # folded as words are: "quy" → "qui"
    # rules issued with a decision ("QUY CHẾ … (Ban hành kèm theo Quyết định số 52/QĐ-UBND …)"), read off their own
    # type line; a question naming them still asks of the decision's rules, so they are not types asked
    DocType("qui che", "quy chế"),
    DocType("qui dinh", "quy định"),
    DocType("dieu le", "điều lệ"),
    DocType("chuong trinh", "chương trình", code="ctr"),  # "Chương trình công tác năm 2027", "03/CTr-BCĐ"
    DocType("to trinh", "tờ trình"),
    DocType("thoa thuan", "thỏa thuận", asked=True),  # "THỎA THUẬN HỢP TÁC": its parties sign it (Bên A, Bên B)
    DocType("hop dong", "hợp đồng"),
    DocType("de cuong", "đề cương", code="dc", asked=True),  # "ĐỀ CƯƠNG TUYÊN TRUYỀN", "112/ĐC-UBND"
    DocType("thu dien tu", "thư điện tử"),  # an e-mail pasted with its From:/Date:/Subject: lines
    # a speech at a conference ("THAM LUẬN" over its title); a question naming one asks of the speeches a letter
    # invites ("Bản tham luận … tối đa bao nhiêu chữ"), so it is no type asked
    DocType("tham luan", "tham luận"),
    DocType("bo luat", "bộ luật", titled=True),
    DocType("hien phap", "hiến pháp", titled=True),
    DocType("phap lenh", "pháp lệnh", titled=True),
)

# types whose title line goes on to name their kind ("BIÊN BẢN KIỂM TRA", "BIÊN BẢN HỌP"): the rest is the subject's
TITLE_LED_TYPES = ("bien ban", "chuong trinh", "thoa thuan", "hop dong", "de cuong")
TYPE_BY_FOLDED = {t.folded: t.name for t in DOC_TYPES}  # "ke hoach" → "kế hoạch"
TYPE_BY_CODE = {t.code: t.name for t in DOC_TYPES if t.code}  # "kh" → "kế hoạch"
CITED_TYPES = {t.folded: t.title for t in DOC_TYPES if t.cited}  # "thong tu" → "Thông tư"
TITLED_TYPES = tuple(t.name for t in DOC_TYPES if t.titled)
