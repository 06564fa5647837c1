"""Knowledge tables — declared in `store.knowledge` (the schema's one home); re-exported here for the
modules that import them from `bot.models`. A new table or column goes to store/ with a migration."""

# ruff: noqa: F401  (a re-export shim: every name is imported to be imported from here)

from store.knowledge import (
    KNOWLEDGE_FACT_MODELS,
    Base,
    CitedDocument,
    Chunk,
    ChunkPage,
    Contact,
    Criterion,
    Deadline,
    Document,
    DocumentEvent,
    Event,
    Responsibility,
    Target,
)
