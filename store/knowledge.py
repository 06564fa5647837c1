"""Knowledge tables: documents, chunks and the structured facts extracted from them.

Every fact keeps the chunk it came from and its verbatim quote, so answers can cite them.
Deadline ids are stable across re-indexing (a hash of document, date and parties), because
reminders refer to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vntext import fold as fold_text
from store.base import Base


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the file stem
    file_name: Mapped[str] = mapped_column(String(400))
    content_hash: Mapped[str] = mapped_column(String(64))
    doc_type: Mapped[str | None] = mapped_column(String(40))  # công văn, kế hoạch, luật, ...
    number: Mapped[str | None] = mapped_column(String(80))  # "3597/UBND-KGVX" (may lack the number in drafts)
    issuer: Mapped[str | None] = mapped_column(String(300))
    place: Mapped[str | None] = mapped_column(String(120))
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_text: Mapped[str | None] = mapped_column(String(120))  # verbatim, e.g. "ngày tháng năm 2021"
    year: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)  # "V/v ..." or the plan's title
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)  # Kính gửi
    receivers: Mapped[list[Any]] = mapped_column(JSON, default=list)  # Nơi nhận
    signer: Mapped[str | None] = mapped_column(String(200))
    signer_title: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(80))  # canonical province/city name, if local
    indexed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)

    chunks: Mapped[list["Chunk"]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Chunk.ordinal"
    )

    @property
    def label(self) -> str:
        """Type and number as people write it: 'Công văn 3597/UBND-KGVX'."""
        t = (self.doc_type or "văn bản").capitalize()
        if not self.number and not self.doc_type and self.subject:
            return self.subject  # an article known by its title: "Hỏi - đáp về danh hiệu Công dân học tập"
        if not self.number and self.subject and fold_text(self.subject).startswith(fold_text(t)):
            return self.subject  # a law known by its title: "Luật Viên chức"
        if self.number and self.number.startswith("/"):  # "Số: /BGDĐT-GDTX", the number left blank
            return f"{t} số …{self.number}"
        return f"{t} {self.number}" if self.number else f"{t} (không ghi số)"


class Chunk(Base):
    __tablename__ = "chunks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    section_path: Mapped[str] = mapped_column(Text, default="")  # "IV › 1 › c) Sở Thông tin và Truyền thông"
    headings: Mapped[list[Any]] = mapped_column(JSON, default=list)  # heading texts, outermost first
    text: Mapped[str] = mapped_column(Text)  # verbatim (normalised) text
    kind: Mapped[str] = mapped_column(String(20), default="body")  # header | body | closing

    document: Mapped[Document] = relationship(back_populates="chunks")


class _Fact:
    """Columns every fact shares: where it came from, verbatim."""

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    chunk_id: Mapped[int | None] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"))
    section_path: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str] = mapped_column(Text, default="")


class Deadline(_Fact, Base):
    """Who must do what, for whom, by when, how often."""

    __tablename__ = "deadlines"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # stable across re-indexing
    actors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # canonical agency names
    actor_text: Mapped[str] = mapped_column(Text, default="")  # as written (or inherited) in the document
    action: Mapped[str] = mapped_column(String(60), default="")  # báo cáo, gửi, tổng hợp, sơ kết, ...
    what: Mapped[str] = mapped_column(Text, default="")  # the obligation, verbatim clause
    recipient: Mapped[str | None] = mapped_column(String(300))  # to whom
    due_day: Mapped[int | None] = mapped_column(Integer)
    due_month: Mapped[int | None] = mapped_column(Integer)
    due_year: Mapped[int | None] = mapped_column(Integer)  # None for recurring deadlines
    recurrence: Mapped[str] = mapped_column(String(20), default="once")  # once | yearly | half-yearly | ...
    due_text: Mapped[str] = mapped_column(String(200), default="")  # "trước ngày 15/12", verbatim
    period: Mapped[str | None] = mapped_column(String(60))  # the report's period: "6 tháng", "năm"
    interpretation: Mapped[str | None] = mapped_column(String(200))  # "cuối năm 2025 → 31/12/2025"
    province: Mapped[str | None] = mapped_column(String(80))


class Responsibility(_Fact, Base):
    __tablename__ = "responsibilities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(String(300))  # canonical name
    agency_text: Mapped[str] = mapped_column(String(400))  # the section heading as written
    role: Mapped[str] = mapped_column(String(20), default="thực hiện")  # chủ trì | phối hợp | thực hiện | tham mưu
    task: Mapped[str] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(String(80))


class Target(_Fact, Base):
    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20), default="%")
    year: Mapped[int | None] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(Text, default="")  # the group heading ("Về năng lực cơ bản ...")
    province: Mapped[str | None] = mapped_column(String(80))


class CitedDocument(_Fact, Base):
    __tablename__ = "cited_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))  # Quyết định, Thông tư, Công văn, ...
    number: Mapped[str] = mapped_column(String(80))  # normalised: "1373/QĐ-TTg"
    date: Mapped[dt.date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(300))
    about: Mapped[str | None] = mapped_column(Text)


class Contact(_Fact, Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(300))


class Criterion(_Fact, Base):
    """One item of a set of criteria (tiêu chí / tiêu chuẩn / điều kiện) — e.g. for recognising a
    "Công dân học tập" — with its points, and the set's pass mark, recognising body, validity and
    application deadline when the document states them (verbatim phrases)."""

    __tablename__ = "criteria"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    criteria_set: Mapped[str] = mapped_column(Text, default="")  # the set's heading, as written
    item: Mapped[str] = mapped_column(Text)  # the criterion, verbatim
    points: Mapped[float | None] = mapped_column(Float)  # "(20 điểm)"
    pass_mark: Mapped[str | None] = mapped_column(Text)  # "đạt từ 80 điểm trở lên"
    recognised_by: Mapped[str | None] = mapped_column(Text)  # "Chủ tịch UBND cấp xã công nhận"
    validity: Mapped[str | None] = mapped_column(Text)  # "có giá trị 03 năm"
    apply_by: Mapped[str | None] = mapped_column(Text)  # "trước ngày 30/11 hằng năm"
    province: Mapped[str | None] = mapped_column(String(80))


class Event(_Fact, Base):
    """Something that takes place: a week, a festival, a campaign, from a start to an end date."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # "Tuần lễ hưởng ứng học tập suốt đời"
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    when_text: Mapped[str] = mapped_column(String(200), default="")  # "từ ngày 01/10 đến ngày 07/10/2026"
    place: Mapped[str | None] = mapped_column(Text)
    recurrence: Mapped[str] = mapped_column(String(20), default="once")
    province: Mapped[str | None] = mapped_column(String(80))


KNOWLEDGE_FACT_MODELS = (Deadline, Responsibility, Target, CitedDocument, Contact, Criterion, Event)


class ChunkPage(Base):
    """The page (1-based) a chunk of a PDF or scanned document starts on, so a citation can say "trang 3".
    A table of its own (not a column of `chunks`), so stores created before it need no migration."""

    __tablename__ = "chunk_pages"
    chunk_id: Mapped[int] = mapped_column(ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True)
    page: Mapped[int] = mapped_column(Integer)


class DocumentEvent(Base):
    """Every addition, replacement and removal of a document (who, when, which file, content hash); kept
    when the document itself is removed, so a replaced document keeps its history."""

    __tablename__ = "document_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(200), index=True)  # no foreign key: outlives the document
    action: Mapped[str] = mapped_column(String(20))  # added | replaced | removed | restored
    actor: Mapped[str] = mapped_column(String(200))  # "telegram:12345", "web:admin", "cli"
    file_name: Mapped[str] = mapped_column(String(400), default="")
    content_sha256: Mapped[str] = mapped_column(String(64), default="")  # of the file's bytes
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
