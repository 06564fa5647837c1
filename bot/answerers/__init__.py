"""Answerers: small, self-contained ways to answer a question (each returns an Answer or None)."""
