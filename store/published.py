"""Search indexes and uploaded files published through the database, for replicas without a shared disk.

Used on PostgreSQL only (a SQLite store has one process and its data folder): `bot.index_publish` writes
each build's index files here under its build id, in parts of a few MB (a million-chunk index is ~GB), and
the files uploaded through one replica (DATA/documents) so that every replica can serve them.

- `index_builds`: one row per published build: its manifest (the per-file SHA-256 a replica verifies),
  whether it is the current one.
- `index_files`: the parts of each file of a build, each with its own SHA-256.
- `document_files`: the uploaded file of a document (its content, SHA-256, and the document's content hash
  when it was published, so a replaced file is published again).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class IndexBuild(Base):
    __tablename__ = "index_builds"
    build_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)


class IndexFile(Base):
    __tablename__ = "index_files"
    build_id: Mapped[str] = mapped_column(
        String(80), ForeignKey("index_builds.build_id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(400), primary_key=True)  # relative to the index folder
    part: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0, 1, ... in file order
    sha256: Mapped[str] = mapped_column(String(64))  # of this part
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentFile(Base):
    __tablename__ = "document_files"
    document_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(400))  # the file's name, no folder
    content_hash: Mapped[str] = mapped_column(String(64))  # the document's when published
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
