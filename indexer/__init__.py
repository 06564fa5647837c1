"""The indexer: documents in `knowledge/` → normalised text, header, section tree, chunks,
structured facts (SQL store) and search indexes (BM25 + FAISS)."""
