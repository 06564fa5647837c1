"""The declarative base every table of the project is declared on (one metadata for Alembic)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
